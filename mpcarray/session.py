"""``Session``: the user's entry point, tying parties, backend, scheme, provider and encoding together."""

import itertools
import os
import secrets
import time
import warnings
from collections.abc import Sequence

import numpy as np

from .array import SharedArray
from .array.owner import share_plaintext
from .compile_notice import announce_compilation
from .disclosure import Guard, PrivacyBudget
from .domains import DEFAULT_PRIME, RING, FixedPoint, Mersenne127, PrimeField
from .errors import (
    ConfigError,
    NetworkError,
    PartyError,
    SessionMismatchError,
    SimulationFallbackWarning,
    UnsupportedOperationError,
)
from .preprocessing import PseudoRandomSharing, SimulatedDealer
from .preprocessing.dealer import CounterStreams
from .preprocessing.prss import agree_keys, held_sets, key_sets
from .preprocessing.randomness import CryptoGenerator, KeyedStreams
from .preprocessing.remote import RemoteDealer
from .preprocessing.service import DEALER
from .protocols.concurrent import run_concurrently
from .runtime import Runtime
from .schemes import Additive, Shamir
from .transport import CommStats, SimulatedTransport
from .transport.config import Consortium, load_consortium
from .transport.mesh import connect_mesh, dial, fingerprint, greet, secure
from .transport.socket import SocketTransport

BACKENDS = ("simulated", "socket")
SCHEMES = ("additive", "shamir")
#: Environment variables through which ``mpcarray run``/``mpcarray party`` pass the consortium file and party name.
ENV_CONFIG, ENV_PARTY = "MPCARRAY_CONFIG", "MPCARRAY_PARTY"
_session_ids = itertools.count(1)


class Session:
    """A group of parties computing together.

    Parameters
    ----------
    parties : int or sequence of str, optional
        Number of parties (at least 2, default 3), or their unique names. Integers
        name them ``"party0"``, ``"party1"``, ... With the socket backend the
        parties come from the consortium file; if given, they must match it.
    backend : {"simulated", "socket"}, optional
        Default ``"simulated"``, except under ``mpcarray run``/``mpcarray
        party``, where a session without a backend raises
        :class:`~mpcarray.errors.ConfigError` naming :meth:`from_env`.
        ``"simulated"`` runs every party in this process: for development and
        study design. It computes and counts exactly what the distributed
        protocol would, but is not secure (one process sees everything, and its
        randomness is a fast non-cryptographic PRG). ``"socket"`` runs party
        ``party`` of the consortium ``config`` in this process and talks to the
        other parties and the dealer over TLS (see ``docs/socket.md``); prefer
        :meth:`from_config` or :meth:`from_env`.
    frac_bits : int
        Fractional bits ``f`` of the fixed-point encoding of reals (default 16).
        Reals and products of reals must stay within ``|x| < 2^(62 - 2f)``.
    scheme : {"additive", "shamir"}
        ``"additive"`` (default): n-of-n additive sharing over the ring Z_2^64
        with a trusted dealer for correlated randomness; integers, reals
        (fixed point), comparisons and every function. ``"shamir"``: Shamir
        (t, n) threshold sharing with no dealer (pseudo-random secret sharing;
        needs an honest majority, ``n >= 2t + 1``): integers and fixed-point
        reals in GF(2^127 - 1), field elements in ``field``, under
        ``+ - * @ **``, ``/`` by public values, sums, means, indexing, joins,
        ``where``, comparisons and the nonlinear functions (more rounds and
        bytes than additive ones, no dealer). See ``docs/schemes.md``.
    threshold : int, optional
        Shamir's ``t``: any ``t + 1`` parties can open a value, any ``t`` learn
        nothing. Default ``(n - 1) // 2``, the largest with an honest majority.
    check_openings : bool, optional
        Shamir sessions only (default True there): when more shares of a
        value arrive than an opening needs, check that they lie on one
        polynomial and raise :class:`~mpcarray.errors.ProtocolError` naming a
        party that sent a wrong share. Costs no communication (see ``docs/dropout.md``).
    field : galois field class, optional
        The field of field-element arrays in a Shamir session, ``galois.GF(p)``
        with ``p < 2^63``; default ``galois.GF(2**61 - 1)``. ``s.share(F_array)``
        of this field gives a field-element array whose ``reveal()`` is a
        ``FieldArray``; integers and reals live in GF(2^127 - 1) whatever ``field`` is.
    seed : int, optional
        Makes the session's randomness reproducible; ``None`` seeds from the OS.
    policies : dict of str to mpcarray.privacy.Policy, optional
        Each party's reveal policy (parties not listed allow everything). With
        policies, every reveal first asks each party whether it contributes its
        share; one refusal stops the reveal at every party.
    privacy_budget : mpcarray.privacy.PrivacyBudget, optional
        Total differential-privacy epsilon (and delta) that noisy reveals may spend.
    audit : path, optional
        Directory where each party appends its tamper-evident audit log
        (``<party>.jsonl``, MACed under the key ``<party>.key``, mode 0600);
        after every reveal the parties exchange log heads (one more round).
        Check it with ``mpcarray audit verify LOG --peer OTHER_LOG``.
    range_check : bool, optional
        Reconstruct the results of the script's sums, products and matrix
        products and raise :class:`~mpcarray.errors.RangeError` when one leaves
        the fixed-point range (it would silently wrap). Default: on with the
        simulated backend (which holds every share); the socket backend cannot
        check without revealing, so there it is off and ``True`` is refused.
    config : path or Consortium, optional
        The consortium file (socket backend only).
    party : str, optional
        The party this process runs (socket backend only).

    Examples
    --------
    >>> import numpy as np, mpcarray as mpc
    >>> with mpc.Session(parties=["hosp_a", "hosp_b", "lab_c"]) as s:
    ...     x = s.share(np.array([1.5, 2.0]), owner="hosp_a")
    ...     y = s.share(np.array([4.0, -1.0]), owner="hosp_b")
    ...     print((x * y).sum().reveal())
    4.0

    Shamir sharing among five parties, any three of which can open, no dealer:

    >>> with mpc.Session(parties=5, scheme="shamir", threshold=2) as s:
    ...     x = s.share(np.array([3, -4]), owner=0)
    ...     print((x * x + 1).reveal(), s.comm.dealer_bytes.sum())
    [10 17] 0
    """

    def __init__(self, parties: int | Sequence[str] | None = None, backend: str | None = None,
                 frac_bits: int = 16, seed: int | None = None, *, scheme: str = "additive",
                 threshold: int | None = None, field=None, check_openings: bool | None = None,
                 policies: dict | None = None,
                 privacy_budget: PrivacyBudget | None = None, audit=None, config=None,
                 party: str | None = None, range_check: bool | None = None):
        announce_compilation()
        backend = _default_backend(backend)
        if backend not in BACKENDS:
            raise ValueError(f"unknown backend {backend!r}; available backends: {BACKENDS}")
        range_check = _range_check(range_check, backend)
        if scheme not in SCHEMES:
            raise ConfigError(f"unknown scheme {scheme!r}; available schemes: {SCHEMES}")
        FixedPoint(frac_bits)  # checks frac_bits before any connection is made
        if backend == "simulated":
            if config is not None or party is not None:
                raise ValueError("config and party are for the socket backend")
            names = _party_names(3 if parties is None else parties)
            sharing, number, field_domain = _scheme(scheme, len(names), threshold, field)
            transport = SimulatedTransport(len(names), names)
            provider = _simulated_provider(sharing, transport, seed)
            input_rng = np.random.default_rng(None if seed is None else [seed, 1])
        else:
            if seed is not None:
                raise ValueError("the socket backend draws all randomness from a cryptographic PRG; "
                                 "seed is not supported")
            if config is None or party is None:
                raise ValueError("the socket backend needs config= (a consortium file) and party= (a name)")
            consortium = config if isinstance(config, Consortium) else load_consortium(config)
            names = _matching_parties(consortium.parties, parties)
            sharing, number, field_domain = _scheme(scheme, len(names), threshold, field)
            transport, provider = _connect(consortium, party, sharing)
            input_rng = CryptoGenerator()
        transport.tolerant = sharing.name == "shamir"  # any t + 1 parties can open, 2t + 1 multiply
        self._rt = Runtime(
            parties=names,
            transport=transport,
            scheme=sharing,
            provider=provider,
            number=number,
            fixed=_fixed_point(frac_bits, number, sharing),
            field=field_domain,
            input_rng=input_rng,
            backend=backend,
            check_openings=_check_openings(check_openings, sharing),
            guard=Guard(names, transport.ranks, policies, privacy_budget, audit),
            range_check=range_check,
        )
        self.id = next(_session_ids)

    @classmethod
    def from_config(cls, config, party: str, **options) -> "Session":
        """This process's party ``party`` of the consortium file ``config``, on the socket backend.

        Connects to every other party (TLS 1.3, mutual authentication), waiting up
        to the consortium's timeout for them to start; then, with additive sharing,
        to the dealer, or with Shamir sharing agrees on the PRSS keys with the
        other parties (one round, not counted in :attr:`comm`).
        """
        return cls(backend="socket", config=config, party=party, **options)

    @classmethod
    def from_env(cls, **options) -> "Session":
        """The session ``mpcarray run``/``mpcarray party`` prepared for this process.

        Reads ``MPCARRAY_CONFIG`` and ``MPCARRAY_PARTY``; without them the script
        runs every party here on the simulated backend, so one script serves both,
        and warns (:class:`~mpcarray.errors.SimulationFallbackWarning`) unless
        ``backend="simulated"`` is passed.
        ``options`` are :class:`Session` options (``parties``, ``frac_bits``, ...);
        a ``seed`` applies to the simulated backend only (the socket backend's
        randomness is always cryptographic).
        """
        config, party = os.environ.get(ENV_CONFIG), os.environ.get(ENV_PARTY)
        if config is None and party is None:
            if options.pop("backend", None) != "simulated":
                warnings.warn(f"Session.from_env(): {ENV_CONFIG} and {ENV_PARTY} are not set (not under "
                              "`mpcarray run`/`mpcarray party`), so every party is simulated in this "
                              "process, which is NOT secure; pass backend='simulated' to say so",
                              SimulationFallbackWarning, stacklevel=2)
            return cls(backend="simulated", **options)
        if config is None or party is None:
            raise ConfigError(f"set both {ENV_CONFIG} and {ENV_PARTY}, or neither")
        options.pop("seed", None)  # the socket backend is always cryptographically seeded
        return cls.from_config(config, party, **options)

    # ------------------------------------------------------------- properties
    @property
    def parties(self) -> tuple[str, ...]:
        return self._rt.parties

    @property
    def n_parties(self) -> int:
        return self._rt.n_parties

    @property
    def backend(self) -> str:
        return self._rt.backend

    @property
    def rank(self) -> int | None:
        """This process's party index in a distributed backend; None when simulating all."""
        ranks = self._rt.ranks
        return ranks[0] if len(ranks) == 1 else None

    def holds(self, party: int | str) -> bool:
        """True if ``party``'s own data lives in this process (always, when simulating)."""
        return self.party_index(party) in self._rt.ranks

    @property
    def scheme(self) -> str:
        """The sharing scheme: ``"additive"`` or ``"shamir"``."""
        return self._rt.scheme.name

    @property
    def threshold(self) -> int:
        """Largest number of parties whose shares together reveal nothing (``n - 1`` for additive sharing)."""
        return self._rt.scheme.threshold

    @property
    def field(self):
        """The galois field class of a Shamir session, or None for the ring Z_2^64."""
        return None if self._rt.field is None else self._rt.field.galois

    @property
    def failed_parties(self) -> tuple[str, ...]:
        """Parties this process has declared failed (crashed, disconnected or past a deadline)."""
        return tuple(self.parties[r] for r in sorted(self._rt.transport.failed))

    @property
    def live_parties(self) -> tuple[str, ...]:
        """Parties still taking part: all of them unless a Shamir session lost some."""
        return tuple(self.parties[r] for r in self._rt.transport.live)

    def concurrently(self, *functions):
        """Run independent computations so that their openings share rounds; their results, in order.

        Each of ``functions`` takes no argument. They run one at a time, in the
        order given, each up to its next opening; the openings of all of them
        then travel in one round. Together they take as many rounds as the
        longest of them (``rounds(f) + rounds(g)`` become ``max`` of the two),
        and the same bytes. Use it for computations that do not need each
        other's results; a reveal to one party (``reveal(to=...)``) or record
        linkage inside raises :class:`~mpcarray.errors.UnsupportedOperationError`
        while another computation is still running. Every party must run the
        same functions in the same order (as every other step of a script).
        The first error raised by any of them is raised here.

        Examples
        --------
        >>> import numpy as np, mpcarray as mpc
        >>> with mpc.Session(parties=3) as s:
        ...     x = s.share(np.array([1.0, 2.0, 4.0]), owner=0)
        ...     r, e = s.concurrently(lambda: mpc.reciprocal(x), lambda: mpc.exp(x))
        ...     print(np.round(r.reveal(), 3), np.round(e.reveal(), 2))
        [1.   0.5  0.25] [ 2.72  7.39 54.6 ]
        """
        self._check_open()
        return run_concurrently(self._rt, functions)

    def crash(self, party: int | str, after_rounds: int = 0) -> None:
        """Stage a failure (simulated backend): ``party`` stops responding after ``after_rounds`` more rounds.

        In a Shamir session the others go on without it while ``t + 1`` (to
        open) or ``2t + 1`` (to multiply) remain, with a
        :class:`~mpcarray.errors.PartyFailureWarning`; its inputs already
        shared stay usable. With additive sharing every share is needed, so
        the next round raises :class:`~mpcarray.errors.PartyError`.

        Examples
        --------
        >>> import warnings, numpy as np, mpcarray as mpc
        >>> with mpc.Session(parties=5, scheme="shamir", threshold=1) as s:
        ...     x = s.share(np.array([1, 2]), owner=0)
        ...     s.crash("party0")
        ...     with warnings.catch_warnings(record=True):
        ...         print((x * x).reveal(), s.live_parties)
        [1 4] ('party1', 'party2', 'party3', 'party4')
        """
        self._check_open()
        if self.backend != "simulated":
            raise UnsupportedOperationError("crash() stages failures in the simulated backend; "
                                            "over sockets, stop a party's process")
        self._rt.transport.crash(self.party_index(party), after_rounds)

    @property
    def frac_bits(self) -> int:
        return self._rt.fixed.frac_bits

    @property
    def fixed_point(self) -> FixedPoint:
        """The fixed-point format (scale, safe range ``max_abs``, resolution)."""
        return self._rt.fixed

    @property
    def comm(self) -> CommStats:
        """Per-party bytes sent/received, dealer bytes and rounds so far."""
        return self._rt.comm

    @property
    def disclosures(self) -> list[dict]:
        """One record (label, shape, dtype, epsilon, delta) per reveal, in order."""
        return list(self._rt.guard.disclosures)

    @property
    def privacy_budget(self) -> PrivacyBudget | None:
        """The differential-privacy budget and what has been spent of it."""
        return self._rt.guard.budget

    # --------------------------------------------------------------- sharing
    def party_index(self, party: int | str) -> int:
        """Index of a party given by name or index; raises :class:`PartyError` if unknown."""
        return self._rt.party_index(party)

    def share(self, data, owner: int | str) -> SharedArray:
        """Secret-share ``data`` held by ``owner`` among all parties.

        Floats become fixed point (NaN, inf and values outside the safe range
        are rejected before anything is shared); ints and bools become exact
        ring integers. The result remembers that ``owner`` knows it. In the
        socket backend ``data`` is read at the owner only (pass ``None``
        elsewhere); the owner's message to each party starts with the shape and
        dtype, and if it rejects its data every other party raises
        :class:`~mpcarray.errors.InputRejectedError`.

        Cost: 1 round; the owner sends ``8 * (3 + ndim + size) * (n - 1)`` bytes
        (the shape-and-dtype header and the shares; 16 bytes per share in
        GF(2^127 - 1)). Several owners' aggregates share one round with
        :func:`mpcarray.owner_apply_each`.
        """
        self._check_open()
        return share_plaintext(self._rt, data, self.party_index(owner))

    # --------------------------------------------------------------- lifetime
    def _check_open(self):
        if self._rt.closed:
            raise SessionMismatchError("this session is closed")

    def close(self) -> None:
        """End the session; its SharedArrays can no longer be used. Closes network connections."""
        if not self._rt.closed:
            self._rt.closed = True
            try:
                self._rt.provider.close()
            finally:
                self._rt.transport.close()

    def __enter__(self) -> "Session":  # noqa: PYI034 - typing.Self needs Python 3.11
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is None or (issubclass(kind, SystemExit) and value.code in (0, None)):
            self.close()  # a normal end, also sys.exit(0) inside the block
        else:  # after a failure do not wait for peers: tell the dealer why, drop the connections
            self._rt.closed = True
            try:
                self._rt.provider.abort(f"{kind.__name__}: {value}")
            finally:
                self._rt.transport.close()

    def __repr__(self) -> str:
        state = "closed" if self._rt.closed else "open"
        sharing = self._rt.scheme
        detail = f"frac_bits={self.frac_bits}"
        if sharing.name == "shamir":
            detail = f"scheme='shamir', threshold={sharing.threshold}, field={self._rt.field.name}, " + detail
        return (f"Session#{self.id}(parties={list(self.parties)}, backend={self.backend!r}, "
                f"{detail}, {state})")


def _range_check(requested: bool | None, backend: str) -> bool:
    if requested is None:
        return backend == "simulated"
    if requested and backend != "simulated":
        raise ConfigError("range_check=True needs the simulated backend: checking a result's range "
                          "over sockets would reveal it")
    return bool(requested)


def _default_backend(backend: str | None) -> str:
    """``"simulated"`` unless the process runs under ``mpcarray run``/``mpcarray party``.

    There a session must come from :meth:`Session.from_env` (or name its backend):
    a default simulated session would quietly run every party in each process.
    """
    if backend is not None:
        return backend
    if os.environ.get(ENV_CONFIG) is not None or os.environ.get(ENV_PARTY) is not None:
        raise ConfigError(f"this process runs under `mpcarray run`/`mpcarray party` ({ENV_CONFIG} is set): "
                          "create the session with mpc.Session.from_env(...), which connects this party "
                          "to the others (or pass backend='simulated' explicitly to simulate here)")
    return "simulated"


def _party_names(parties) -> tuple[str, ...]:
    if isinstance(parties, (int, np.integer)) and not isinstance(parties, bool):
        if parties < 2:
            raise PartyError(f"a session needs at least 2 parties, got {parties}")
        return tuple(f"party{i}" for i in range(parties))
    if isinstance(parties, str) or not isinstance(parties, Sequence):
        raise PartyError("parties must be an int or a sequence of party names")
    names = tuple(parties)
    if len(names) < 2:
        raise PartyError(f"a session needs at least 2 parties, got {len(names)}")
    if not all(isinstance(n, str) and n for n in names):
        raise PartyError("party names must be non-empty strings")
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise PartyError(f"party listed more than once: {duplicates}")
    return names


def _matching_parties(configured: tuple[str, ...], requested) -> tuple[str, ...]:
    """The consortium's parties, checked against the ones a script asks for (if any)."""
    if requested is None:
        return configured
    if isinstance(requested, (int, np.integer)) and not isinstance(requested, bool):
        if requested != len(configured):
            raise ConfigError(f"the script asks for {requested} parties, the consortium has {len(configured)}")
        return configured
    if tuple(requested) != configured:
        raise ConfigError(f"the script's parties {list(requested)} differ from the consortium's {list(configured)}")
    return configured


def _scheme(name: str, n_parties: int, threshold, field):
    """The session's scheme, number domain (integers, reals) and field (field elements), checked."""
    if name == "additive":
        if threshold is not None or field is not None:
            raise ConfigError("threshold= and field= are options of scheme='shamir'")
        return Additive(n_parties), RING, None
    domain = PrimeField(DEFAULT_PRIME) if field is None else PrimeField.of(field)
    t = (n_parties - 1) // 2 if threshold is None else threshold
    if isinstance(t, bool) or not isinstance(t, (int, np.integer)) or t < 1:
        raise ConfigError(f"threshold must be an integer >= 1, got {threshold!r}")
    if n_parties < 2 * t + 1:
        raise ConfigError(
            f"Shamir sharing without a dealer needs an honest majority, n >= 2t + 1; got n = {n_parties}, "
            f"t = {t}: lower the threshold to at most {(n_parties - 1) // 2} or add parties")
    sharing = Shamir(n_parties, int(t))
    sharing.check_field(domain)
    return sharing, Mersenne127(), domain


def _check_openings(requested: bool | None, sharing) -> bool:
    """Whether openings check redundant shares: by default in Shamir sessions, never with additive sharing."""
    if requested is None:
        return sharing.name == "shamir"
    if requested and sharing.name != "shamir":
        raise ConfigError("check_openings needs redundant shares: use scheme='shamir'")
    return bool(requested)


def _fixed_point(frac_bits: int, number, sharing) -> FixedPoint:
    """The fixed-point format, with the truncation bound of the number domain (DESIGN §8)."""
    if number.is_ring:
        return FixedPoint(frac_bits)
    keys = len(key_sets(sharing.n_parties, sharing.threshold))
    return FixedPoint(frac_bits, number.truncation_bits(keys))


def _simulated_provider(sharing, transport, seed):
    """The in-process dealer (additive) or PRSS provider (Shamir, one seed per key set)."""
    if sharing.name == "additive":
        return SimulatedDealer(transport, seed)
    count = len(held_sets(sharing.n_parties, sharing.threshold, transport.ranks))
    if seed is None:
        seeds = [secrets.randbits(64) for _ in range(count)]
    else:
        seeds = np.random.SeedSequence([seed, 2]).generate_state(count, dtype=np.uint64)
    return PseudoRandomSharing(sharing, transport.ranks, CounterStreams(seeds))


def _connect(consortium: Consortium, party: str, sharing) -> tuple[SocketTransport, object]:
    """Connect ``party`` to every other party, and to the dealer unless the scheme needs none."""
    rank = consortium.rank(party)
    credentials = consortium.credentials(party)
    channels = connect_mesh(consortium.parties, consortium.addresses, rank, credentials, consortium.timeout)
    transport = SocketTransport(len(consortium.parties), rank, channels, consortium.timeout,
                                consortium.parties)
    if sharing.name == "shamir":
        try:
            keys = agree_keys(transport, sharing.n_parties, sharing.threshold)
        except BaseException:
            transport.close()
            raise
        transport.comm.reset()  # key agreement is set-up, like the handshakes and the dealer's keys
        return transport, PseudoRandomSharing(sharing, transport.ranks, KeyedStreams(keys))
    try:
        deadline = time.monotonic() + consortium.timeout
        sock = secure(dial(consortium.dealer, DEALER, deadline), credentials, False, DEALER, deadline)
        link, name = greet(sock, party, fingerprint(consortium.parties), DEALER, deadline,
                           credentials is not None)
        if name != DEALER:
            link.close()
            raise NetworkError(f"{consortium.dealer} answered as {name!r}, expected the dealer")
        return transport, RemoteDealer(transport, link)
    except BaseException:
        transport.close()
        raise
