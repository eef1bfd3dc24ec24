"""The consortium file: who the parties are, where they listen, where their certificates are.

Example (paths are relative to the file)::

    [consortium]
    timeout = 30            # seconds to connect, and to wait for any message
    certs = "certs"         # holds ca.pem and <name>.pem / <name>.key
    # insecure_plaintext = true   # plain TCP, for loopback testing only

    [dealer]
    address = "10.0.0.9:7000"

    [[party]]
    name = "hosp_a"
    address = "10.0.0.1:7001"

A party's ``cert``/``key`` may override the ``certs`` directory. Each machine
needs the CA and its own key only.
"""

import ipaddress
import sys
from dataclasses import dataclass
from pathlib import Path

from ..errors import ConfigError
from .tls import Credentials

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

DEALER = "dealer"
DEFAULT_TIMEOUT = 30.0


@dataclass(frozen=True)
class Consortium:
    """A validated consortium: parties in rank order, addresses, dealer, timeout, credentials."""

    parties: tuple[str, ...]
    addresses: tuple[tuple[str, int], ...]
    dealer: tuple[str, int]
    timeout: float = DEFAULT_TIMEOUT
    certs: Path | None = None
    overrides: tuple[tuple[str, Path | None, Path | None], ...] = ()
    insecure_plaintext: bool = False

    def rank(self, name: str) -> int:
        """The party index of ``name``; :class:`ConfigError` if it is not in the consortium."""
        if name not in self.parties:
            raise ConfigError(f"unknown party {name!r}; the consortium lists {list(self.parties)}")
        return self.parties.index(name)

    def credentials(self, name: str) -> Credentials | None:
        """``name``'s TLS credentials (files checked to exist), or None for plain TCP."""
        if self.insecure_plaintext:
            return None
        if name != DEALER:
            self.rank(name)
        cert = key = None
        for party, c, k in self.overrides:
            if party == name:
                cert, key = c, k
        if self.certs is None and (cert is None or key is None):
            raise ConfigError(f"no certificate for {name!r}: set [consortium] certs or the party's cert/key")
        found = Credentials(self.certs / "ca.pem" if self.certs else None,
                            cert or self.certs / f"{name}.pem", key or self.certs / f"{name}.key")
        for path in (found.ca, found.cert, found.key):
            if path is None or not Path(path).is_file():
                raise ConfigError(f"missing certificate file for {name!r}: {path}")
        return found


def parse_address(text, where: str) -> tuple[str, int]:
    """``"host:port"`` as ``(host, port)``; :class:`ConfigError` if malformed."""
    if not isinstance(text, str) or ":" not in text:
        raise ConfigError(f"{where}: expected an address 'host:port', got {text!r}")
    host, _, port = text.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"{where}: expected an address 'host:port', got {text!r}")
    return host.strip("[]"), int(port)


def load_consortium(path) -> Consortium:
    """Read and validate a consortium TOML file."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text())
    except OSError as err:
        raise ConfigError(f"cannot read consortium file {path}: {err}") from err
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path} is not valid TOML: {err}") from err
    return consortium_from_dict(data, path.parent)


def consortium_from_dict(data: dict, base: Path) -> Consortium:
    """Validate a parsed consortium file; relative paths are taken from ``base``."""
    settings = data.get("consortium", {})
    unknown = set(settings) - {"timeout", "certs", "insecure_plaintext"}
    if unknown:
        raise ConfigError(f"unknown [consortium] settings {sorted(unknown)}")
    timeout = settings.get("timeout", DEFAULT_TIMEOUT)
    if not isinstance(timeout, (int, float)) or not timeout > 0:
        raise ConfigError(f"timeout must be a positive number of seconds, got {timeout!r}")
    parties = data.get("party", [])
    if not isinstance(parties, list) or len(parties) < 2:
        raise ConfigError("a consortium needs at least two [[party]] entries")
    names, addresses, overrides = [], [], []
    for entry in parties:
        name = entry.get("name")
        if not isinstance(name, str) or not name or name == DEALER:
            raise ConfigError(f"every party needs a name (not {DEALER!r}), got {name!r}")
        if name in names:
            raise ConfigError(f"party {name!r} is listed twice")
        address = parse_address(entry.get("address"), f"party {name!r}")
        if address in addresses:
            raise ConfigError(f"party {name!r} reuses the address {entry['address']!r}")
        names.append(name)
        addresses.append(address)
        cert, key = (base / entry[k] if k in entry else None for k in ("cert", "key"))
        overrides.append((name, cert, key))
    dealer = parse_address(data.get("dealer", {}).get("address"), "[dealer]")
    if dealer in addresses:
        raise ConfigError("the dealer's address is also a party's address")
    certs = settings.get("certs")
    insecure = bool(settings.get("insecure_plaintext", False))
    remote = [host for host, _ in (*addresses, dealer) if not _loopback(host)]
    if insecure and remote:
        raise ConfigError(f"insecure_plaintext = true sends shares unencrypted; it is refused for the "
                          f"non-loopback address(es) {sorted(set(remote))}")
    return Consortium(parties=tuple(names), addresses=tuple(addresses), dealer=dealer,
                      timeout=float(timeout), certs=None if certs is None else base / certs,
                      overrides=tuple(overrides),
                      insecure_plaintext=insecure)


def _loopback(host: str) -> bool:
    """True for ``localhost`` and loopback IP addresses (127.0.0.0/8, ::1)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def consortium_toml(names, addresses, dealer, certs: str | None, timeout: float,
                    insecure_plaintext: bool = False) -> str:
    """The text of a consortium file (used by the launcher and the documentation)."""
    lines = ["[consortium]", f"timeout = {float(timeout)}"]
    if certs is not None:
        lines.append(f'certs = "{certs}"')
    if insecure_plaintext:
        lines.append("insecure_plaintext = true  # loopback testing only")
    lines += ["", "[dealer]", f'address = "{dealer[0]}:{dealer[1]}"']
    for name, (host, port) in zip(names, addresses):
        lines += ["", "[[party]]", f'name = "{name}"', f'address = "{host}:{port}"']
    return "\n".join(lines) + "\n"
