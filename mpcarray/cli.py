"""The ``mpcarray`` console command.

``mpcarray demo`` runs the built-in demo (:mod:`mpcarray.demo`);
``mpcarray warmup`` compiles the kernels ahead of a first analysis;
``mpcarray audit verify LOG...`` checks audit logs (chain, MACs, peers' heads);
``mpcarray certs``, ``dealer``, ``party`` and ``run`` set up and run the socket
backend (:mod:`mpcarray.launch`, ``docs/socket.md``). Each subcommand is a
subparser whose ``handler`` default receives the parsed arguments and returns
the exit status.
"""

import argparse
import io
import time

import mpcarray as mpc

from . import demo, launch
from .errors import AuditError, ConfigError
from .privacy import verify_audit_log
from .transport.tls import make_certificates


def _party_list(text: str) -> list[str]:
    """Parse ``"hosp_a,hosp_b,lab_c"`` into at least two distinct names."""
    names = [name.strip() for name in text.split(",")]
    if len(names) < 2 or not all(names) or len(set(names)) != len(names):
        raise argparse.ArgumentTypeError(
            f"expected at least two distinct, comma-separated party names, got {text!r}"
        )
    return names


def _run_parties(text: str) -> list[str]:
    """``"3"`` (named party0, party1, party2, as ``Session(parties=3)``) or a list of names."""
    if text.isdigit():
        if int(text) < 2:
            raise argparse.ArgumentTypeError(f"at least two parties are needed, got {text}")
        return [f"party{i}" for i in range(int(text))]
    return _party_list(text)


def _make_certs(args) -> int:
    names = list(args.parties) + (["dealer"] if "dealer" not in args.parties else [])
    make_certificates(args.out, names)
    print(f"wrote ca.pem and a key and certificate for {', '.join(names)} to {args.out}")
    return 0


def _guarded(action):
    """Run ``action`` and turn a configuration error into a message and exit status 2."""
    def handler(args) -> int:
        try:
            return action(args)
        except ConfigError as err:
            print(f"mpcarray: configuration error: {err}")
            return 2
    return handler


def _own_process(action):
    """``action`` in a process that is mpcarray's own: its process policies apply (``mpc.tune_process``)."""
    def run(args) -> int:
        mpc.tune_process()
        return action(args)
    return run


def _run_demo(args) -> int:
    demo.run_demo(parties=args.parties, frac_bits=args.frac_bits, seed=args.seed, scheme=args.scheme)
    return 0


def _warm_up(args) -> int:
    """Run the demo's analyses silently for each scheme: this compiles (or loads) the kernels they use."""
    schemes = args.schemes or ["additive", "shamir"]
    start = time.perf_counter()
    for scheme in schemes:
        demo.run_demo(seed=0, scheme=scheme, out=io.StringIO())
    print(f"mpcarray warmup: kernels for {' and '.join(schemes)} sessions ready "
          f"({time.perf_counter() - start:.1f} s)")
    return 0


def _verify_audit(args) -> int:
    """``FAILED: <reason>`` and status 1 for a log that fails; never a traceback."""
    status = 0
    for path in args.logs:
        others = [peer for peer in args.peers if peer != path]
        try:
            count = verify_audit_log(path, key=args.key or None, peers=others, head=args.head)
        except AuditError as err:
            print(f"FAILED: {err}")
            status = 1
        except Exception as err:  # noqa: BLE001 - any surprise in a hostile file is a failure, not a crash
            print(f"FAILED: {path}: {type(err).__name__}: {err}")
            status = 1
        else:
            checks = ["hash chain", "MACs"] + ([f"heads recorded by {len(others)} peer log(s)"] if others else [])
            checks += ["the given head"] if args.head else []
            print(f"{path}: OK, {count} records ({', '.join(checks)})")
    return status


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``mpcarray`` command, one subparser per subcommand."""
    parser = argparse.ArgumentParser(
        prog="mpcarray",
        description="Secure multi-party computation with a NumPy-style array API.",
    )
    parser.add_argument("--version", action="version", version=f"mpcarray {mpc.__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    low, high = demo.FRAC_BITS_RANGE
    demo_parser = commands.add_parser(
        "demo",
        help="secure analysis of scikit-learn's breast-cancer dataset (simulated backend)",
        description="Pool the breast-cancer dataset across parties and compare secure "
                    "statistics and a secure risk score with plaintext NumPy. Runs on the "
                    "simulated backend: all parties in one process, NOT secure.",
    )
    demo_parser.add_argument(
        "--parties", type=_party_list, default=",".join(demo.DEFAULT_PARTIES),
        help="comma-separated party names, at least two (default: %(default)s)",
    )
    demo_parser.add_argument(
        "--frac-bits", type=int, default=16, choices=range(low, high + 1), metavar="F",
        help=f"fractional bits of the fixed-point encoding, {low} to {high} (default: %(default)s)",
    )
    demo_parser.add_argument(
        "--seed", type=int, default=None,
        help="seed for reproducible randomness (default: from the operating system)",
    )
    demo_parser.add_argument(
        "--scheme", choices=("additive", "shamir"), default="additive",
        help="sharing scheme: additive with a dealer, or Shamir without one (default: %(default)s)",
    )
    demo_parser.set_defaults(handler=_run_demo)

    warmup_parser = commands.add_parser(
        "warmup", help="compile the Numba kernels now, so that a first analysis starts at once",
        description="Run the demo's analyses silently on the simulated backend: this compiles "
                    "the kernels they use into Numba's disk cache (the package's __pycache__, or "
                    "NUMBA_CACHE_DIR), which later processes load instead of compiling. Party "
                    "processes of the socket backend compile their own variants once more.")
    warmup_parser.add_argument(
        "--scheme", dest="schemes", action="append", choices=("additive", "shamir"),
        help="sharing scheme to warm up (repeatable; default: both)")
    warmup_parser.set_defaults(handler=_warm_up)

    audit_parser = commands.add_parser("audit", help="audit log tools")
    audit_commands = audit_parser.add_subparsers(title="audit commands", metavar="ACTION", required=True)
    verify_parser = audit_commands.add_parser(
        "verify", help="check audit logs for edited, deleted, forged or truncated records",
        description="Parse each log strictly, recompute each record's SHA-256, the chain between "
                    "records and each record's HMAC under the party's key, and check that every "
                    "head the peer logs recorded for it is present; print FAILED: <reason> and "
                    "exit 1 for any log that fails.")
    verify_parser.add_argument("logs", nargs="+", metavar="LOG", help="a party's .jsonl audit log")
    verify_parser.add_argument("--peer", dest="peers", action="append", default=[], metavar="OTHER_LOG",
                               help="another party's log of the same sessions (repeatable)")
    verify_parser.add_argument("--head", default=None, metavar="HASH",
                               help="a head hash kept elsewhere that must be in the log")
    verify_parser.add_argument("--key", default=None, metavar="KEYFILE",
                               help="the party's audit key (default: LOG with suffix .key)")
    verify_parser.set_defaults(handler=_verify_audit)

    certs_parser = commands.add_parser(
        "certs", help="create a development CA and per-party TLS certificates",
        description="Write ca.pem and <name>.pem/<name>.key for each party and the dealer "
                    "(for development and tests; a real consortium should use its own PKI).")
    certs_parser.add_argument("--out", required=True, help="directory to write to")
    certs_parser.add_argument("--parties", nargs="+", required=True, metavar="NAME", help="party names")
    certs_parser.set_defaults(handler=_make_certs)

    dealer_parser = commands.add_parser(
        "dealer", help="run the trusted dealer of a consortium (socket backend)",
        description="Serve correlated randomness for one session, then exit.")
    dealer_parser.add_argument("--config", required=True, help="consortium TOML file")
    dealer_parser.add_argument("--listen-fd", type=int, default=None, metavar="FD",
                               help="accept on this inherited listening socket instead of binding "
                                    "the dealer's address (how mpcarray run starts the dealer)")
    dealer_parser.set_defaults(handler=_guarded(_own_process(
        lambda a: launch.run_dealer(a.config, a.listen_fd))))

    party_parser = commands.add_parser(
        "party", help="run a script as one party of a consortium (socket backend)",
        description="Run SCRIPT with Session.from_env() connected as party NAME.")
    party_parser.add_argument("--config", required=True, help="consortium TOML file")
    party_parser.add_argument("--name", required=True, help="this party's name in the file")
    party_parser.add_argument("script", help="the analysis script")
    party_parser.add_argument("args", nargs=argparse.REMAINDER, help="the script's arguments")
    party_parser.set_defaults(handler=_guarded(_own_process(
        lambda a: launch.run_party(a.config, a.name, a.script, a.args))))

    run_parser = commands.add_parser(
        "run", help="run a script as every party on this machine (socket backend, loopback)",
        description="Create certificates and a consortium on 127.0.0.1, start one process per "
                    "party (and the dealer when a party first contacts it), and print each "
                    "process's output prefixed with its name. Exit status: 0 if every process "
                    "succeeded; 3 if some parties failed and the others completed (Shamir "
                    "sharing); 1 otherwise.")
    run_parser.add_argument("--parties", type=_run_parties, default="3",
                            help="a number (parties party0..) or comma-separated names (default: 3)")
    run_parser.add_argument("--timeout", type=float, default=None,
                            help="seconds to wait for a peer (default: 30, times the parties per "
                                 "CPU core when there are more parties than cores)")
    run_parser.add_argument("--insecure", action="store_true",
                            help="plain TCP instead of TLS; for loopback testing only")
    run_parser.add_argument("script", help="the analysis script")
    run_parser.add_argument("args", nargs=argparse.REMAINDER, help="the script's arguments")
    run_parser.set_defaults(handler=_guarded(
        lambda a: launch.run_local(a.parties, a.script, a.args, a.timeout, a.insecure)))
    return parser


def main(argv=None) -> int:
    """Run ``mpcarray`` with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "handler"):
        parser.print_help()
        return 2
    return args.handler(args)


if __name__ == "__main__":
    raise SystemExit(main())
