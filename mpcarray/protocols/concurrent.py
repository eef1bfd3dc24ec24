"""Independent computations whose openings share rounds.

Between hospitals a round costs a network round trip, so two computations that
do not depend on each other (a regression's solver and the reciprocal of the
outcome's scale, say) should open their masked values in the same rounds.
:func:`run_concurrently` runs each computation as a greenlet (a coroutine with
its own stack, in the caller's thread), one at a time and always in the same order:

1. each computation runs until it asks the transport for an all-to-all exchange
   (``all_gather``: the round of every opening, of every agreement and of a
   reveal's policy check), then the next one runs;
2. once every computation still running is waiting, their messages travel as
   one message per party (the bytes of all of them, in computation order) in
   one round;
3. each computation resumes with its part of what came back, in order.

Because only one computation runs at any moment, and in an order fixed by the
program, every party draws its correlated randomness and sends its messages in
the same order as every other: the interleaving is part of the protocol, the
same at every party, and no party waits for a message that another sends later.

Cost: every combined round serves the next opening of each computation still
running, so the computations together take as many rounds as the one with the
most (when all their rounds are all-to-all exchanges) and the sum of their bytes.
Point-to-point messages (a reveal to one party, record linkage) cannot be merged:
a computation that sends them while another is still running raises
:class:`~mpcarray.errors.UnsupportedOperationError`. Computations may themselves
run computations concurrently: the inner ones' combined round is one opening of
the computation that runs them.
Security: the messages are those the computations send one after another, only
grouped into fewer rounds.

Why greenlets: a computation must pause in the middle of ordinary array code
(wherever an opening happens, deep inside a protocol), which generators cannot
do without rewriting every function. Threads can, but every hand-over wakes an
operating-system thread, and a model fit hands over hundreds of times; a
greenlet switch is a function call's cost, and signals and Numba see one
ordinary thread.
"""

import greenlet
import numpy as np

from ..errors import UnsupportedOperationError


class _Stopped(BaseException):
    """Thrown into a waiting computation when another one failed (a BaseException: not caught by ``except Exception``)."""


class _Computation(greenlet.greenlet):
    """One computation: its greenlet, and what it waits for or returns."""

    def __init__(self, scheduler: "_Scheduler", function, parent):
        super().__init__(run=function, parent=parent)
        self.scheduler = scheduler
        self.request: np.ndarray | None = None  # rows for the next combined round
        self.reply: np.ndarray | None = None
        self.result = None
        self.done = False


def _scheduler_here() -> "_Scheduler | None":
    """The scheduler whose computation is running now (None in the caller's own code)."""
    return getattr(greenlet.getcurrent(), "scheduler", None)


class _Scheduler:
    """Runs the computations one at a time, in order, and combines their exchanges into rounds."""

    def __init__(self, transport, functions):
        self.transport = transport  # the session's own transport
        #: the scheduler of the computation that runs this one (its rounds are that computation's openings)
        self.parent = _scheduler_here()
        self.home = greenlet.getcurrent()  # where the computations return to
        self.computations = [_Computation(self, f, self.home) for f in functions]
        self.stopping = False

    def run(self) -> list:
        try:
            while self._live():
                for computation in self._live():
                    self._resume(computation)
                waiting = [c for c in self._live() if c.request is not None]
                if waiting:
                    self._exchange(waiting)
        except BaseException:
            self._stop_all()
            raise
        return [c.result for c in self.computations]

    def gather(self, rows: np.ndarray) -> np.ndarray:
        """Called by the running computation: wait for the next combined round, return its part."""
        if self.stopping:
            raise _Stopped()
        computation = greenlet.getcurrent()
        computation.request = rows
        self.home.switch()
        reply, computation.reply = computation.reply, None
        return reply

    def alone(self, operation: str) -> None:
        """Refuse ``operation`` (a point-to-point step) while another computation is still running,
        here or in a scheduler that runs this one."""
        if self.parent is not None:
            self.parent.alone(operation)
        if len(self._live()) > 1:
            raise UnsupportedOperationError(
                f"{operation} (a point-to-point message) inside concurrently() while another computation is "
                "still running: only all-to-all openings can share rounds; run this part on its own")

    def _live(self) -> list[_Computation]:
        return [c for c in self.computations if not c.done]

    def _resume(self, computation: _Computation) -> None:
        """Let ``computation`` run until it waits for a round or ends (its error is raised here)."""
        result = computation.switch()
        if computation.dead:
            computation.done, computation.result = True, result

    def _exchange(self, waiting: list[_Computation]) -> None:
        """One round for the requests of ``waiting``: their bytes side by side, split back afterwards."""
        requests = [c.request for c in waiting]
        gather = self.transport.all_gather if self.parent is None else self.parent.gather
        if len(requests) == 1:
            replies = [gather(requests[0])]
        else:
            k = requests[0].shape[0]
            parts = [np.ascontiguousarray(r).reshape(k, -1).view(np.uint8) for r in requests]
            gathered = gather(np.concatenate(parts, axis=1))
            replies, start = [], 0
            for request, part in zip(requests, parts):
                width = part.shape[1]
                piece = np.ascontiguousarray(gathered[:, start:start + width])
                replies.append(piece.view(request.dtype).reshape((gathered.shape[0],) + request.shape[1:]))
                start += width
        for computation, reply in zip(waiting, replies):
            computation.request, computation.reply = None, reply

    def _stop_all(self) -> None:
        """End every computation still waiting (after a failure or an interruption)."""
        self.stopping = True
        for computation in self._live():
            computation.done = True
            if computation:  # started and not ended: unwind it where it waits
                try:
                    computation.throw(_Stopped())
                except _Stopped:
                    pass


class _MergingTransport:
    """The session's transport as computations see it: a computation's ``all_gather`` goes through its
    scheduler, point-to-point steps are refused while another computation runs; the caller's own
    code uses the transport itself."""

    def __init__(self, transport):
        object.__setattr__(self, "_transport", transport)

    def __getattr__(self, name):
        return getattr(self._transport, name)

    def __setattr__(self, name, value):
        setattr(self._transport, name, value)

    def all_gather(self, rows: np.ndarray) -> np.ndarray:
        scheduler = _scheduler_here()
        return self._transport.all_gather(rows) if scheduler is None else scheduler.gather(rows)

    def _alone(self, operation: str):
        scheduler = _scheduler_here()
        if scheduler is not None:
            scheduler.alone(operation)
        return getattr(self._transport, operation)

    def send(self, sender, receiver, message):
        return self._alone("send")(sender, receiver, message)

    def recv(self, sender, receiver):
        return self._alone("recv")(sender, receiver)

    def scatter(self, sender, rows):
        return self._alone("scatter")(sender, rows)

    def begin_round(self):
        return self._alone("begin_round")()

    def end_round(self):
        return self._alone("end_round")()


def run_concurrently(rt, functions) -> list:
    """Run the zero-argument ``functions`` with their all-to-all openings in shared rounds; their results, in order.

    See the module docstring for the schedule and its cost. The first error
    raised by any of them is raised here, after the others have been stopped.
    """
    functions = list(functions)
    if len(functions) <= 1:
        return [f() for f in functions]
    outermost = not isinstance(rt.transport, _MergingTransport)
    if outermost:
        rt.transport = _MergingTransport(rt.transport)
    scheduler = _Scheduler(rt.transport._transport, functions)
    try:
        return scheduler.run()
    finally:
        if outermost:
            rt.transport = scheduler.transport
