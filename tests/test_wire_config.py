"""Unit tests of the socket backend's parts: wire format, channels, consortium files, randomness."""

import errno
import socket
import struct
import sys
import threading
import time

import numpy as np
import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from mpcarray.errors import ConfigError, NetworkError, ProtocolError
from mpcarray.launch import prepare, release
from mpcarray.preprocessing.randomness import CryptoGenerator, CryptoStream, KeyedStreams
from mpcarray.transport import wire
from mpcarray.transport.channel import CONTROL, GATHER, POINT, Channel, pump
from mpcarray.transport.config import consortium_toml, load_consortium
from mpcarray.transport.mesh import listen
from mpcarray.transport.tls import handshake, make_certificates

# real sockets and deadlines: README's test command runs these alone, after the rest
pytestmark = pytest.mark.network


# ------------------------------------------------------------------ wire
@pytest.mark.parametrize("array", [np.arange(12, dtype=np.uint64).reshape(3, 4), np.array(7, dtype=np.int64),
                                   np.zeros((0, 5), dtype=np.float64), np.array([True, False])])
def test_header_round_trip(array):
    header = wire.encode_header(array, tag=41)
    dtype, ndim, tag, nbytes = wire.decode_prefix(header[: wire.PREFIX.size])
    assert (dtype, ndim, tag, nbytes) == (array.dtype, array.ndim, 41, array.nbytes)
    assert wire.decode_shape(header[wire.PREFIX.size:], dtype, nbytes) == array.shape


def prefix(magic=wire.MAGIC, version=wire.VERSION, code=2, ndim=1, tag=0, nbytes=8):
    return wire.PREFIX.pack(magic, version, code, ndim, tag, nbytes)


@pytest.mark.parametrize("raw, message", [
    (prefix(magic=b"HTTP"), "bad magic"), (prefix(version=9), "wire version"),
    (prefix(code=99), "unknown dtype"), (prefix(ndim=200), "dimensions"),
    (prefix(nbytes=wire.MAX_FRAME_BYTES + 1), "oversized"),
])
def test_malformed_prefix_is_rejected_before_allocation(raw, message):
    with pytest.raises(ProtocolError, match=message):
        wire.decode_prefix(raw)


def test_shape_must_match_nbytes():
    with pytest.raises(ProtocolError, match="does not make"):
        wire.decode_shape(struct.pack("!2Q", 3, 4), np.dtype(np.uint64), 8)


@pytest.mark.parametrize("array", [np.array(["a"]), np.array([1 + 2j]), np.array([object()])])
def test_only_whitelisted_dtypes_are_sent(array):
    with pytest.raises(ProtocolError, match="cannot be sent"):
        wire.encode_header(array, 0)


# ------------------------------------------------------------------ channels
@pytest.fixture(scope="module")
def credentials(tmp_path_factory):
    return make_certificates(tmp_path_factory.mktemp("certs"), ["a", "b"])


def tls_pair(credentials) -> tuple:
    """Two connected TLS streams: a's handshake (the server side) runs in a thread."""
    left, right = socket.socketpair()
    for sock in (left, right):
        sock.settimeout(5.0)
    server = {}
    thread = threading.Thread(target=lambda: server.update(
        stream=handshake(left, credentials["a"].context(True), True)))
    thread.start()
    client = handshake(right, credentials["b"].context(False), False)
    thread.join()
    return server["stream"], client


@pytest.fixture(params=["tcp", "tls"])
def pair(request, credentials):
    left, right = socket.socketpair() if request.param == "tcp" else tls_pair(credentials)
    a, b = Channel(left, "b"), Channel(right, "a")  # each named by its peer
    yield a, b
    a.close()
    b.close()


def test_channel_moves_arrays_in_place_and_in_order(pair):
    a, b = pair
    big = np.arange(3_000_000, dtype=np.uint64)  # larger than the socket buffers: needs concurrent pumping
    into = np.empty_like(big)
    b.expect(into, GATHER)
    b.expect(None, POINT)
    b.expect(None, POINT)
    a.post(big, GATHER)
    a.post(np.array(2.5), POINT)
    a.post(np.uint64(7), POINT)  # a NumPy scalar travels as a 0-d array
    pump([a, b], lambda: not a.busy and not b.busy, 5.0)
    np.testing.assert_array_equal(into, big)
    scalars = [b.inbox.popleft() for _ in range(2)]
    assert [(s.shape, s.dtype, s.item()) for s in scalars] == [((), np.float64, 2.5), ((), np.uint64, 7)]


def test_frame_arriving_before_it_is_awaited(pair):
    a, b = pair
    message = np.arange(100_000, dtype=np.uint64)
    a.post(message, GATHER)
    pump([a, b], lambda: b._stage == "body" and b._filled > 0, 5.0)  # header read, body part-read
    into = np.zeros_like(message)
    b.expect(into, GATHER)
    pump([a, b], lambda: not a.busy and not b.busy, 5.0)
    np.testing.assert_array_equal(into, message)


def test_unexpected_shape_is_a_protocol_error(pair):
    a, b = pair
    b.expect(np.empty(4, dtype=np.uint64), GATHER)
    a.post(np.zeros(5, dtype=np.uint64), GATHER)
    with pytest.raises(ProtocolError, match="out of step with a"):
        pump([a, b], lambda: not b.busy, 5.0)


def test_unexpected_kind_is_a_protocol_error(pair):
    a, b = pair
    b.expect(None, POINT)
    a.post(np.zeros(2, dtype=np.uint64), CONTROL)
    with pytest.raises(ProtocolError, match="kind"):
        pump([a, b], lambda: not b.busy, 5.0)


def test_repeated_sequence_number_is_a_protocol_error(pair):
    a, b = pair
    b.expect(None, GATHER)
    a._out.append((memoryview(wire.encode_header(np.zeros(1, np.uint64), 5 << 4 | GATHER) + bytes(8)), True))
    with pytest.raises(ProtocolError, match="frame 5 from a, expected frame 0"):
        pump([a, b], lambda: not b.busy, 5.0)


def test_peer_closing_while_awaited_is_a_network_error(pair):
    a, b = pair
    b.expect(None, GATHER)
    a.close()
    with pytest.raises(NetworkError, match="a closed the connection"):
        pump([b], lambda: not b.busy, 5.0)


def test_silence_times_out(pair):
    _, b = pair
    b.expect(None, GATHER)
    start = time.monotonic()
    with pytest.raises(NetworkError, match="no progress from a for 0.3 s"):
        pump([b], lambda: not b.busy, 0.3)
    assert time.monotonic() - start < 2.0


# ------------------------------------------------------------------ consortium files
def write(tmp_path, text):
    path = tmp_path / "consortium.toml"
    path.write_text(text)
    return path


PARTIES = ["hosp_a", "hosp_b", "lab_c"]
ADDRESSES = [("10.0.0.1", 7001), ("10.0.0.2", 7002), ("10.0.0.3", 7003)]


def test_consortium_round_trip(tmp_path):
    path = write(tmp_path, consortium_toml(PARTIES, ADDRESSES, ("10.0.0.9", 7000), "certs", 12.5))
    consortium = load_consortium(path)
    assert consortium.parties == tuple(PARTIES)
    assert consortium.addresses == tuple(ADDRESSES)
    assert consortium.dealer == ("10.0.0.9", 7000) and consortium.timeout == 12.5
    assert consortium.rank("lab_c") == 2
    with pytest.raises(ConfigError, match="unknown party 'hosp_x'"):
        consortium.rank("hosp_x")
    with pytest.raises(ConfigError, match="missing certificate file"):
        consortium.credentials("hosp_a")


def test_default_timeout_is_30_seconds(tmp_path):
    text = consortium_toml(PARTIES, ADDRESSES, ("10.0.0.9", 7000), "certs", 30).replace("timeout = 30.0\n", "")
    assert load_consortium(write(tmp_path, text)).timeout == 30.0


def test_credentials_found_for_generated_certificates(tmp_path):
    consortium = load_consortium(prepare(tmp_path, PARTIES))
    credentials = consortium.credentials("hosp_b")
    assert credentials.cert.name == "hosp_b.pem" and credentials.ca.name == "ca.pem"
    assert (credentials.key.stat().st_mode & 0o777) == 0o600
    assert consortium.credentials("dealer").cert.name == "dealer.pem"


def test_plain_tcp_needs_no_certificates(tmp_path):
    consortium = load_consortium(prepare(tmp_path, PARTIES, insecure_plaintext=True))
    assert consortium.insecure_plaintext and consortium.credentials("hosp_a") is None


@pytest.mark.parametrize("edit, message", [
    (lambda t: t + '\n[[party]]\nname = "hosp_b"\naddress = "10.0.0.4:7004"\n', "listed twice"),
    (lambda t: t.replace('"10.0.0.2:7002"', '"10.0.0.1:7001"'), "reuses the address"),
    (lambda t: t.replace('"10.0.0.2:7002"', '"10.0.0.2"'), "host:port"),
    (lambda t: t.replace('"10.0.0.2:7002"', '"10.0.0.2:99999"'), "host:port"),
    (lambda t: t.replace("timeout = 30.0", "timeout = -1"), "positive"),
    (lambda t: t.replace('name = "lab_c"', 'name = "dealer"'), "every party needs a name"),
    (lambda t: t.replace("[consortium]", "[consortium]\nverbose = true"), "unknown"),
    (lambda t: t.replace("[[party]]", "[[partie]]"), "at least two"),
    (lambda t: t + "[oops", "not valid TOML"),
])
def test_invalid_consortium_files(tmp_path, edit, message):
    text = consortium_toml(PARTIES, ADDRESSES, ("10.0.0.9", 7000), "certs", 30)
    with pytest.raises(ConfigError, match=message):
        load_consortium(write(tmp_path, edit(text)))


def test_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_consortium(tmp_path / "absent.toml")


def prepared_addresses(config) -> list[tuple[str, int]]:
    consortium = load_consortium(config)
    return [consortium.dealer, *consortium.addresses]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ports are held only on Linux "
                    "(elsewhere SO_REUSEADDR does not let the party bind a held port)")
def test_prepared_ports_are_held_from_other_processes_until_released(tmp_path):
    config = prepare(tmp_path, [f"p{i}" for i in range(5)], insecure_plaintext=True)
    addresses = prepared_addresses(config)
    ports = {port for _, port in addresses}
    assert len(ports) == 6 and all(0 < p < 65536 for p in ports)
    # What bind-then-close allowed: the kernel hands a just-closed port to the next bind to port 0
    # (over 20,000 binds, 20 closed ports came back 30 times). Held ports never come back.
    for reuse in (False, True) * 10_000:
        with socket.socket() as other:
            if reuse:
                other.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            other.bind(("127.0.0.1", 0))
            assert other.getsockname()[1] not in ports
    for address in addresses:  # nor can another program bind them by number
        with socket.socket() as other, pytest.raises(OSError) as refused:
            other.bind(address)
        assert refused.value.errno == errno.EADDRINUSE
    release(config)
    with socket.socket() as other:
        other.bind(addresses[1])


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ports are held only on Linux")
def test_the_party_listens_on_its_held_port_and_only_once(tmp_path):
    config = prepare(tmp_path, ["a", "b"], insecure_plaintext=True)
    address = prepared_addresses(config)[1]
    server = listen(address)
    try:
        with socket.create_connection(address, timeout=5):
            conn, _ = server.accept()
            conn.close()
        with pytest.raises(NetworkError, match="already running"):
            listen(address)
    finally:
        server.close()
        release(config)


# ------------------------------------------------------------------ randomness
def test_crypto_stream_is_aes_256_ctr():
    key = bytes(range(32))
    blocks = b"".join(i.to_bytes(16, "big") for i in range(4))  # counter blocks 0..3
    reference = Cipher(algorithms.AES(key), modes.ECB()).encryptor().update(blocks)
    stream = CryptoStream(key)
    words = np.concatenate([stream.uint64(3), stream.uint64(5)])
    assert words.tobytes() == reference


def test_crypto_generator_masks_are_uniform_words():
    rng = CryptoGenerator()
    masks = rng.integers(0, 2**64, size=(4, 1000), dtype=np.uint64)
    assert masks.shape == (4, 1000) and masks.dtype == np.uint64
    bits = np.unpackbits(masks.view(np.uint8))
    assert abs(bits.mean() - 0.5) < 0.01
    with pytest.raises(ValueError, match="uniform uint64"):
        rng.integers(0, 10, size=3)
    assert rng.normal(0.0, 1.0, 4000).std() == pytest.approx(1.0, abs=0.1)
    assert rng.gamma(2.0, 3.0, 4000).mean() == pytest.approx(6.0, rel=0.1)


def test_keyed_streams_agree_between_dealer_and_party():
    keys = [bytes([i]) * 32 for i in range(3)]
    dealer, party1 = KeyedStreams(keys), KeyedStreams(keys[1:2])
    for length in (10, 3, 1000, 0):
        streams, offset = dealer.next(length)
        mine, my_offset = party1.next(length)
        assert streams.shape == (3, length) and mine.shape == (1, length) and offset == my_offset == 0
        assert np.array_equal(mine[0], streams[1])
    words = dealer.next(4)[0]
    assert len(set(words.ravel().tolist())) == 12  # independent keys give independent streams


def test_keyed_streams_are_the_parties_aes_ctr_keystreams():
    keys = [bytes([i]) * 32 for i in range(2)]
    streams = KeyedStreams(keys)
    drawn = np.concatenate([streams.next(length)[0] for length in (5, 7)], axis=1)
    for key, row in zip(keys, drawn):
        assert np.array_equal(row, CryptoStream(key).uint64(12))
