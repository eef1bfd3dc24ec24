"""A tamper-evident audit log: JSON lines chained by SHA-256 and MACed with a key only its party holds.

Each record carries ``seq`` (0, 1, 2, ...), ``prev`` (the previous record's
``hash``; 64 zeros for the first), ``hash`` (SHA-256 of the record's canonical
JSON without ``hash`` and ``mac``) and ``mac`` (HMAC-SHA256 of ``hash`` under
the party's audit key). The key is 32 random bytes in a file next to the log,
``<party>.key``, created with mode 0600 (without following links) when the log
is created; a key file readable by group or others is refused. Whoever lacks
the key cannot edit, delete, append or rehash records without the MAC failing.

The key does not stop its own party (or whoever reads its key) from rewriting
the whole log, or replacing it with an earlier, shorter, valid copy. That is
what the exchange of heads is for: after every reveal each party records the
other parties' current heads in its own log (a ``heads`` record), so a log
must contain every head its peers recorded for it
(:func:`~mpcarray.disclosure.audit_verify.verify_log` with ``peers=``).
"""

import hashlib
import hmac
import json
import os
import secrets
import stat
from datetime import datetime, timezone
from pathlib import Path

from ..errors import AuditError

GENESIS = "0" * 64
KEY_BYTES = 32


def canonical(record: dict) -> str:
    """The one JSON text a record is written as (sorted keys, no spaces)."""
    return json.dumps(record, sort_keys=True, separators=(",", ":"), allow_nan=False)


def digest(record: dict) -> str:
    """SHA-256 of the record without its ``hash`` and ``mac``."""
    body = {key: value for key, value in record.items() if key not in ("hash", "mac")}
    return hashlib.sha256(canonical(body).encode()).hexdigest()


def mac(key: bytes, record_hash: str) -> str:
    """HMAC-SHA256 of a record's hash under the party's audit key."""
    return hmac.new(key, record_hash.encode(), hashlib.sha256).hexdigest()


def key_path(log_path) -> Path:
    """Where the audit key of a log lives by default: ``hosp_a.jsonl`` -> ``hosp_a.key``."""
    return Path(log_path).with_suffix(".key")


def create_key(path) -> bytes:
    """Write a new random key to ``path`` with mode 0600; refuse an existing file or a link."""
    key = secrets.token_bytes(KEY_BYTES)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags, 0o600)
    except FileExistsError:
        raise AuditError(f"{path}: an audit key already exists; refusing to overwrite it") from None
    with os.fdopen(fd, "w") as stream:
        stream.write(key.hex() + "\n")
    return key


def read_key(path) -> bytes:
    """Read an audit key; :class:`AuditError` if missing, malformed, a link or readable by others."""
    path = Path(path)
    try:
        info = os.lstat(path)
    except OSError as err:
        raise AuditError(f"{path}: cannot read the audit key ({err.strerror})") from None
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISREG(info.st_mode):
        raise AuditError(f"{path}: the audit key is not a regular file")
    if info.st_mode & 0o077:
        raise AuditError(f"{path}: the audit key is readable by others (mode {info.st_mode & 0o777:o}); "
                         "it must be 0600")
    text = path.read_text().strip()
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) != KEY_BYTES:
        raise AuditError(f"{path}: not an audit key ({2 * KEY_BYTES} hex digits expected)")
    return key


class AuditLog:
    """One party's log file and its key; appending continues the chain of an existing file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from mpcarray.disclosure import verify_log
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "hosp_a.jsonl"
    >>> log = AuditLog(path, "hosp_a")
    >>> _ = log.append("reveal", label="mean age", shape=[])
    >>> verify_log(path)
    1
    >>> oct(key_path(path).stat().st_mode & 0o777)
    '0o600'
    """

    def __init__(self, path, party: str, key=None):
        from .audit_verify import verify_log

        self.path = Path(path)
        self.party = party
        self.key_path = key_path(self.path) if key is None else Path(key)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._seq, self.head = 0, GENESIS
        if self.path.exists() and self.path.stat().st_size:
            self.key = read_key(self.key_path)
            self._seq = verify_log(self.path, key=self.key_path)
            self.head = json.loads(self.path.read_text().splitlines()[-1])["hash"]
        elif self.key_path.exists():
            self.key = read_key(self.key_path)
        else:
            self.key = create_key(self.key_path)

    def append(self, event: str, **details) -> dict:
        """Write one record (``event`` plus JSON-serialisable ``details``) and return it."""
        record = {"seq": self._seq, "time": datetime.now(timezone.utc).isoformat(timespec="microseconds"),
                  "party": self.party, "event": event, **details, "prev": self.head}
        record["hash"] = digest(record)
        record["mac"] = mac(self.key, record["hash"])
        with self.path.open("a") as stream:
            stream.write(canonical(record) + "\n")
        self._seq, self.head = self._seq + 1, record["hash"]
        return record
