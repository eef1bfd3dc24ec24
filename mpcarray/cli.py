"""The ``mpcarray`` console command.

``mpcarray demo`` runs the built-in demo (:mod:`mpcarray.demo`);
``mpcarray audit verify LOG...`` checks audit logs' hash chains. Each
subcommand is a subparser whose ``handler`` default receives the parsed
arguments and returns the exit status.
"""

import argparse

import mpcarray as mpc

from . import demo
from .errors import AuditError
from .privacy import verify_audit_log


def _party_list(text: str) -> list[str]:
    """Parse ``"hosp_a,hosp_b,lab_c"`` into at least two distinct names."""
    names = [name.strip() for name in text.split(",")]
    if len(names) < 2 or not all(names) or len(set(names)) != len(names):
        raise argparse.ArgumentTypeError(
            f"expected at least two distinct, comma-separated party names, got {text!r}"
        )
    return names


def _run_demo(args) -> int:
    demo.run_demo(parties=args.parties, frac_bits=args.frac_bits, seed=args.seed)
    return 0


def _verify_audit(args) -> int:
    status = 0
    for path in args.logs:
        try:
            print(f"{path}: OK, {verify_audit_log(path)} records")
        except (AuditError, OSError) as err:
            print(f"FAILED {err}")
            status = 1
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
    demo_parser.set_defaults(handler=_run_demo)

    audit_parser = commands.add_parser("audit", help="audit log tools")
    audit_commands = audit_parser.add_subparsers(title="audit commands", metavar="ACTION", required=True)
    verify_parser = audit_commands.add_parser(
        "verify", help="check audit logs for edited, deleted or reordered records",
        description="Recompute each record's SHA-256 and the chain between records; exit 1 "
                    "and name the first bad record of any log that fails.")
    verify_parser.add_argument("logs", nargs="+", metavar="LOG", help="a party's .jsonl audit log")
    verify_parser.set_defaults(handler=_verify_audit)
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
