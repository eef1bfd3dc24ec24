"""Verification of audit logs: strict parsing, the hash chain, the MACs, and the heads peers recorded.

Every problem is an :class:`~mpcarray.errors.AuditError` naming the file, the
line and the reason; nothing in a malformed file (a ``seq`` written as a
string, a duplicate key, bad JSON, bytes that are not UTF-8) escapes as another
exception.
"""

import hmac
import itertools
import json
import re
from pathlib import Path

from ..errors import AuditError
from .audit import GENESIS, canonical, digest, key_path, mac, read_key

_HEX64 = re.compile(r"[0-9a-f]{64}")
_FIELDS = {"seq": int, "party": str, "event": str, "prev": str, "hash": str, "mac": str}


def _no_duplicates(pairs):
    keys = [key for key, _ in pairs]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    if duplicates:
        raise AuditError(f"duplicate key {duplicates[0]!r} (a reader and the hash could see different values)")
    return dict(pairs)


def _reject_constant(name):
    raise AuditError(f"non-standard JSON constant {name}")


def _parse(path: Path, line_number: int, line: str) -> dict:
    where = f"{path}, line {line_number}"
    try:
        record = json.loads(line, object_pairs_hook=_no_duplicates, parse_constant=_reject_constant)
    except AuditError as err:
        raise AuditError(f"{where}: {err}") from None
    except (ValueError, RecursionError) as err:
        raise AuditError(f"{where}: not valid JSON ({err})") from None
    if not isinstance(record, dict):
        raise AuditError(f"{where}: not a JSON object")
    for name, kind in _FIELDS.items():
        value = record.get(name)
        if not isinstance(value, kind) or isinstance(value, bool):
            found = "nothing" if name not in record else f"a {type(value).__name__}"
            kind_name = "an integer" if kind is int else "a string"
            raise AuditError(f"{where}: field {name!r} must be {kind_name}, found {found}")
    if record["seq"] < 0:
        raise AuditError(f"{where}: negative seq {record['seq']}")
    for name in ("prev", "hash", "mac"):
        if not _HEX64.fullmatch(record[name]):
            raise AuditError(f"{where}: field {name!r} is not 64 lowercase hex digits")
    try:
        written_canonically = canonical(record) == line
    except ValueError:
        written_canonically = False
    if not written_canonically:
        raise AuditError(f"{where}: record is not in canonical form (sorted keys, no spaces), "
                         "so what a reader sees may differ from what was hashed")
    return record


def read_records(path) -> list[dict]:
    """Parse a log strictly; :class:`AuditError` for an unreadable, empty or malformed file."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as err:
        raise AuditError(f"{path}: cannot read the log ({err.strerror})") from None
    except UnicodeDecodeError as err:
        raise AuditError(f"{path}: not UTF-8 text ({err.reason} at byte {err.start})") from None
    if not text:
        raise AuditError(f"{path}: empty log (a log starts with its session record)")
    if not text.endswith("\n"):
        raise AuditError(f"{path}: the last line is incomplete (the log was truncated mid-record)")
    return [_parse(path, number, line) for number, line in enumerate(text[:-1].split("\n"), start=1)]


def check_chain(path, records: list[dict]) -> None:
    """Each record's own hash, the order and gaps of ``seq``, the chain of ``prev``, one party."""
    for line_number, record in enumerate(records, start=1):
        if digest(record) != record["hash"]:
            raise AuditError(f"{path}, line {line_number}: record seq={record['seq']} was edited "
                             "(its hash does not match its content)")
    for line_number, (earlier, record) in enumerate(itertools.pairwise(records), start=2):
        if record["seq"] < earlier["seq"]:
            raise AuditError(f"{path}, line {line_number}: records reordered: seq={record['seq']} "
                             f"follows seq={earlier['seq']}")
    for expected, (line_number, record) in enumerate(enumerate(records, start=1)):
        if record["seq"] != expected:
            raise AuditError(f"{path}, line {line_number}: records seq={expected}..{record['seq'] - 1} "
                             f"deleted before record seq={record['seq']}")
    prev = GENESIS
    for line_number, record in enumerate(records, start=1):
        if record["prev"] != prev:
            raise AuditError(f"{path}, line {line_number - 1}: record seq={record['seq'] - 1} was replaced "
                             f"(record seq={record['seq']} does not chain to it)")
        prev = record["hash"]
    parties = {record["party"] for record in records}
    if len(parties) != 1:
        raise AuditError(f"{path}: records of several parties {sorted(parties)} in one log")


def check_macs(path, records: list[dict], key: bytes) -> None:
    """Every record's MAC under ``key``: a record written without the key fails."""
    for line_number, record in enumerate(records, start=1):
        if not hmac.compare_digest(mac(key, record["hash"]), record["mac"]):
            raise AuditError(f"{path}, line {line_number}: record seq={record['seq']} has a wrong MAC "
                             "(written or rehashed without this party's audit key)")


def check_peer_heads(path, records: list[dict], peer_path, peer_records: list[dict]) -> int:
    """Every head the peer recorded for this log's party is in this log, in order; returns how many."""
    party = records[0]["party"]
    position = {record["hash"]: index for index, record in enumerate(records)}
    last, matched = -1, 0
    for peer_line, peer_record in enumerate(peer_records, start=1):
        heads = peer_record.get("heads") if peer_record["event"] == "heads" else None
        if heads is None:
            continue
        if not isinstance(heads, dict) or not isinstance(heads.get(party, ""), str):
            raise AuditError(f"{peer_path}, line {peer_line}: malformed heads record")
        if party not in heads:
            continue
        index = position.get(heads[party])
        if index is None:
            raise AuditError(
                f"{path}: the head {heads[party][:16]}... that {peer_records[0]['party']} recorded for "
                f"{party} ({peer_path}, line {peer_line}) is not in this log: records were truncated, "
                "removed or the log was replaced")
        if index < last:
            raise AuditError(f"{path}: heads recorded by {peer_records[0]['party']} appear out of order")
        last, matched = index, matched + 1
    return matched


def verify_log(path, key=None, peers=(), head: str | None = None) -> int:
    """Check a log; return its number of records or raise :class:`AuditError` naming the problem.

    Parameters
    ----------
    path : path
        One party's ``.jsonl`` log.
    key : path or False, optional
        Its audit key file (default: ``<log>.key`` next to the log). ``False``
        checks only the hash chain, which anyone can recompute after an edit.
    peers : sequence of paths
        Other parties' logs of the same sessions: each is chain-checked, and every
        head it recorded for this log's party must be in this log, in order
        (catches truncation, removed records and a replaced or shorter chain).
    head : str, optional
        A head hash kept elsewhere; it must be the hash of a record of this log.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from mpcarray.disclosure import AuditLog
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "hosp_a.jsonl"
    >>> log = AuditLog(path, "hosp_a")
    >>> first = log.append("session")["hash"]
    >>> _ = log.append("reveal", label="mean age")
    >>> verify_log(path, head=first)
    2
    >>> _ = path.write_text(path.read_text().splitlines()[0] + "\\n")  # truncate the tail
    >>> verify_log(path, head=log.head)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    mpcarray.errors.AuditError: ... head ... is not in this log ...
    """
    path = Path(path)
    records = read_records(path)
    check_chain(path, records)
    if key is not False:
        check_macs(path, records, read_key(key_path(path) if key is None else key))
    if head is not None:
        if not isinstance(head, str) or not _HEX64.fullmatch(head.lower()):
            raise AuditError(f"the head must be 64 hex digits, got {head!r}")
        if head.lower() not in {record["hash"] for record in records}:
            raise AuditError(f"{path}: the head {head.lower()[:16]}... is not in this log "
                             "(records were truncated or the log was replaced)")
    for peer in peers:
        peer_records = read_records(peer)
        check_chain(peer, peer_records)
        if peer_records[0]["party"] == records[0]["party"]:
            raise AuditError(f"{peer}: a peer log of the same party {records[0]['party']!r}")
        check_peer_heads(path, records, peer, peer_records)
    return len(records)
