"""The exchange of audit-log heads after a reveal: each party records the others' heads."""


def exchange_heads(rt) -> None:
    """All-gather every party's 32-byte audit-log head; each held log records the others'.

    Runs only in sessions with an audit log (every party must configure one,
    like policies). Binds each log to copies held by the other parties, so a
    truncated, shortened or rewritten log no longer contains the heads its
    peers recorded (``mpcarray audit verify LOG --peer OTHER``).

    Cost: 1 round; each party sends and receives ``32 * (n - 1)`` bytes.
    Security: reveals each party's log head (a hash), nothing about the data.
    """
    if not rt.guard.logs:
        return
    rt.guard.record_heads(rt.transport.all_gather(rt.guard.heads()))
