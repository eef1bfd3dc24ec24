"""TLS 1.3 with mutual authentication, and development certificates.

Every connection (party to party, party to dealer) is TLS 1.3 only; both ends
present a certificate signed by the consortium's CA (``ssl.CERT_REQUIRED`` on
both sides) and each checks that the peer's certificate names the party it
expects (common name or a DNS subject-alternative name). A certificate from
another CA, or one naming another party, fails the connection.
"""

import datetime
import os
import secrets
import socket
import ssl
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import NetworkError


@dataclass(frozen=True)
class Credentials:
    """A party's certificate and key, and the consortium CA that signs every peer."""

    ca: Path
    cert: Path
    key: Path

    def context(self, server: bool) -> ssl.SSLContext:
        """A TLS 1.3, mutual-authentication context for one side of a connection."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER if server else ssl.PROTOCOL_TLS_CLIENT)
        context.minimum_version = ssl.TLSVersion.TLSv1_3
        context.check_hostname = False  # names are checked against the party list instead
        context.verify_mode = ssl.CERT_REQUIRED
        try:
            context.load_verify_locations(cafile=str(self.ca))
            context.load_cert_chain(certfile=str(self.cert), keyfile=str(self.key))
        except (OSError, ssl.SSLError) as err:
            raise NetworkError(f"cannot load TLS credentials ({self.cert}, {self.ca}): {err}") from err
        return context


#: Largest piece of ciphertext moved by one system call, and of plaintext encrypted at once.
RAW_BYTES = 1 << 18


class TlsStream:
    """A TLS connection whose records are encrypted and decrypted in memory.

    Python's ``SSLSocket`` makes a send per 16 KB record and two receives per
    record; here ciphertext crosses the kernel in reads and writes of up to
    :data:`RAW_BYTES`, so a megabyte costs a handful of system calls. Offers
    what :class:`~mpcarray.transport.channel.Channel` uses of a non-blocking
    socket: ``send``, ``recv_into`` (raising ``BlockingIOError`` when they must
    wait), ``setblocking``, ``fileno`` and ``close``; and ``getpeercert`` for
    :func:`check_peer`.
    """

    def __init__(self, sock: socket.socket, tls: ssl.SSLObject, incoming: ssl.MemoryBIO,
                 outgoing: ssl.MemoryBIO):
        self._sock, self._tls, self._incoming, self._outgoing = sock, tls, incoming, outgoing
        # SSL_read and SSL_write themselves (``SSLObject.read`` and ``write`` only forward to them):
        # called once per 16 KB record, a Python frame less each time
        inner = getattr(tls, "_sslobj", tls)
        self._read, self._write = inner.read, inner.write
        self._raw = memoryview(bytearray(RAW_BYTES))
        self._unsent = memoryview(b"")  # ciphertext the kernel has not taken yet
        self._encrypted = 0  # plaintext bytes behind it, reported once it is all sent

    def send(self, data) -> int:
        """Encrypt and send a prefix of ``data``; return its length.

        Like ``SSL_write``: after ``BlockingIOError`` the caller retries with
        the same data, whose first bytes may already be encrypted and queued.
        """
        if not self._encrypted:
            self._encrypted = self._write(data[:RAW_BYTES])
        if not self._flush():
            raise BlockingIOError("TLS records still queued")
        sent, self._encrypted = self._encrypted, 0
        return sent

    def _flush(self) -> bool:
        """Hand queued ciphertext to the kernel; True when none is left."""
        while self._unsent or self._outgoing.pending:
            if not self._unsent:
                self._unsent = memoryview(self._outgoing.read())
            try:
                self._unsent = self._unsent[self._sock.send(self._unsent):]
            except BlockingIOError:
                return False
        return True

    def recv_into(self, buffer) -> int:
        """Decrypt what has arrived into ``buffer`` (a writable ``memoryview`` of bytes), as
        many records as fit; 0 once the peer has closed.

        Raises ``BlockingIOError`` only when nothing could be decrypted: the
        records that arrived are all taken in one call (a megabyte is some
        sixty records), not one call per record. An end or an error after
        some data (a reset, a broken record) returns the data first; the next
        call meets the end or the error.
        """
        size, total, read = len(buffer), 0, self._read
        while total < size:
            try:
                count = read(size - total, buffer[total:] if total else buffer)
            except ssl.SSLWantReadError:
                try:
                    count = self._sock.recv_into(self._raw)
                except OSError:  # nothing more for now (BlockingIOError), or a reset
                    if total:
                        break
                    raise
                if count == 0:  # closed: what was decrypted is returned first, then 0
                    break
                self._incoming.write(self._raw[:count])
                continue
            except OSError:  # a TLS error (ssl.SSLError is an OSError)
                if total:
                    break
                raise
            if count == 0:  # the peer's close_notify
                break
            total += count
        return total

    def getpeercert(self):
        return self._tls.getpeercert()

    def setblocking(self, flag: bool) -> None:
        self._sock.setblocking(flag)

    def fileno(self) -> int:
        return self._sock.fileno()

    def close(self) -> None:
        self._sock.close()


def handshake(sock: socket.socket, context: ssl.SSLContext, server: bool,
              deadline: float | None = None) -> TlsStream:
    """Run the TLS handshake over ``sock`` (blocking) and return the stream.

    ``deadline`` (``time.monotonic()``) bounds the whole handshake: a peer
    dripping a byte now and then raises ``TimeoutError`` at the deadline
    (``None``: each receive waits up to the socket's own timeout).
    """
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context.wrap_bio(incoming, outgoing, server_side=server)

    def within_deadline() -> None:
        if deadline is None:
            return
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("the TLS handshake did not finish by its deadline")
        sock.settimeout(left)

    while True:
        try:
            tls.do_handshake()
            break
        except ssl.SSLWantReadError:
            within_deadline()
            sock.sendall(outgoing.read())
            within_deadline()
            try:
                data = sock.recv(RAW_BYTES)
            except TimeoutError:
                raise TimeoutError("the TLS handshake did not finish by its deadline") from None
            if not data:
                raise ConnectionResetError("the peer closed the connection during the handshake") from None
            incoming.write(data)
    within_deadline()
    sock.sendall(outgoing.read())  # our last flight (and, on a server, the session tickets)
    return TlsStream(sock, tls, incoming, outgoing)


def certificate_names(sock) -> set[str]:
    """Common name and DNS alternative names of the peer's verified certificate."""
    cert = sock.getpeercert() or {}
    names = {value for rdn in cert.get("subject", ()) for key, value in rdn if key == "commonName"}
    names |= {value for kind, value in cert.get("subjectAltName", ()) if kind == "DNS"}
    return names


def check_peer(sock: TlsStream, expected: str) -> None:
    """Raise :class:`NetworkError` unless the peer's certificate names ``expected``."""
    names = certificate_names(sock)
    if expected not in names:
        raise NetworkError(f"peer's certificate names {sorted(names)}, expected {expected!r}")


def make_certificates(directory, names, days: int = 365) -> dict[str, Credentials]:
    """Create a CA and one key and certificate per name in ``directory`` (for development and tests).

    Writes ``ca.pem``, ``<name>.pem`` and ``<name>.key`` (mode 0600) and returns each
    name's :class:`Credentials`. Production consortia should use their own PKI.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    now = datetime.datetime.now(datetime.timezone.utc)

    def build(subject: str, key, issuer: str, issuer_key, ca: bool):
        builder = (x509.CertificateBuilder()
                   .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
                   .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(minutes=5))
                   .not_valid_after(now + datetime.timedelta(days=days))
                   .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
        if not ca:
            builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(subject)]),
                                            critical=False)
        return builder.sign(issuer_key, hashes.SHA256())

    def write_key(path: Path, key) -> None:
        """A new file of mode 0600 renamed over ``path``: an old key's mode or a link there is replaced, not followed."""
        data = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption())
        fresh = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
        fd = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(fresh, path)

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = "mpcarray consortium CA"
    ca_path = directory / "ca.pem"
    ca_path.write_bytes(build(ca_name, ca_key, ca_name, ca_key, True).public_bytes(serialization.Encoding.PEM))
    out = {}
    for name in names:
        key = ec.generate_private_key(ec.SECP256R1())
        cert = build(name, key, ca_name, ca_key, False)
        (directory / f"{name}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        write_key(directory / f"{name}.key", key)
        out[name] = Credentials(ca_path, directory / f"{name}.pem", directory / f"{name}.key")
    return out
