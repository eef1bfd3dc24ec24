"""A tamper-evident audit log: append-only JSON lines, each record chained to the previous by SHA-256.

Each record carries ``seq`` (0, 1, 2, ...), ``prev`` (the previous record's
``hash``; 64 zeros for the first) and ``hash`` (SHA-256 of the record's
canonical JSON without ``hash``). Editing a record breaks its own hash; deleting
or reordering records breaks the ``seq`` order and the chain. Removing the
*last* records, or rewriting the whole chain, is only detectable against a
copy of the head hash kept elsewhere (:attr:`AuditLog.head`, e.g. exchanged
between the parties at the end of a study).
"""

import hashlib
import itertools
import json
from datetime import datetime, timezone
from pathlib import Path

from ..errors import AuditError

GENESIS = "0" * 64


def _digest(record: dict) -> str:
    body = {key: value for key, value in record.items() if key != "hash"}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


class AuditLog:
    """One party's log file; appending continues the chain of an existing file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "hosp_a.jsonl"
    >>> log = AuditLog(path, "hosp_a")
    >>> _ = log.append("reveal", label="mean age", shape=[])
    >>> verify_log(path)
    1
    """

    def __init__(self, path, party: str):
        self.path = Path(path)
        self.party = party
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._seq, self.head = 0, GENESIS
        if self.path.exists() and self.path.stat().st_size:
            self._seq = verify_log(self.path)
            last = self.path.read_text().splitlines()[-1]
            self.head = json.loads(last)["hash"]

    def append(self, event: str, **details) -> dict:
        """Write one record (``event`` plus JSON-serialisable ``details``) and return it."""
        record = {"seq": self._seq, "time": datetime.now(timezone.utc).isoformat(timespec="microseconds"),
                  "party": self.party, "event": event, **details, "prev": self.head}
        record["hash"] = _digest(record)
        with self.path.open("a") as stream:
            stream.write(json.dumps(record, sort_keys=True, separators=(",", ":")) + "\n")
        self._seq, self.head = self._seq + 1, record["hash"]
        return record


def verify_log(path) -> int:
    """Check a log's chain; return its number of records or raise :class:`AuditError` naming the record.

    Checks, in order: every record's own hash (edited records), the order of
    ``seq`` (reordered records), gaps in ``seq`` (deleted records), and that
    each record's ``prev`` is its predecessor's hash (a record replaced with a
    recomputed hash).
    """
    records = []
    for line_number, line in enumerate(Path(path).read_text().splitlines(), start=1):
        try:
            record = json.loads(line)
            records.append((line_number, record["seq"], record["hash"], record["prev"], record))
        except (ValueError, KeyError, TypeError) as err:
            raise AuditError(f"{path}, line {line_number}: not a valid audit record ({err})") from None
    for line_number, seq, stated_hash, _, record in records:
        if _digest(record) != stated_hash:
            raise AuditError(f"{path}, line {line_number}: record seq={seq} was edited "
                             "(its hash does not match its content)")
    for (_, earlier, *_), (line_number, seq, *_) in itertools.pairwise(records):
        if seq < earlier:
            raise AuditError(f"{path}, line {line_number}: records reordered: seq={seq} follows seq={earlier}")
    for expected, (line_number, seq, *_) in enumerate(records):
        if seq != expected:
            raise AuditError(f"{path}, line {line_number}: records seq={expected}..{seq - 1} "
                             f"deleted before record seq={seq}")
    prev = GENESIS
    for line_number, seq, stated_hash, stated_prev, _ in records:
        if stated_prev != prev:
            raise AuditError(f"{path}, line {line_number - 1}: record seq={seq - 1} was replaced "
                             f"(record seq={seq} does not chain to it)")
        prev = stated_hash
    return len(records)
