"""The ``predefsparse`` command line.

Each sub-command is a small module in this package with ``add_parser(subparsers)`` and ``run(args) -> int``;
it adapts arguments onto one library function.  User errors (``ValueError``, including ``SpecError``) exit 1
with one clear line on stderr.

Examples
--------
>>> from predefsparse.cli import main
>>> main(["pattern", "rtl", "--p", "8", "--n", "4", "--fo", "2", "--z", "4"])  # doctest: +SKIP
0
"""
from __future__ import annotations

import argparse
import importlib
import sys

# sub-command name -> module (in order of appearance in --help)
COMMANDS = {
    "pattern": "predefsparse.cli.pattern",
    "simulate": "predefsparse.cli.simulate",
    "run": "predefsparse.cli.run",
    "data": "predefsparse.cli.data",
    "design": "predefsparse.cli.design",
    "sweep": "predefsparse.cli.sweep",
}


def build_parser() -> argparse.ArgumentParser:
    """The top-level parser with every available sub-command.

    Examples
    --------
    >>> "pattern" in build_parser().format_help()
    True
    """
    parser = argparse.ArgumentParser(
        prog="predefsparse",
        description="Pre-defined sparse neural networks: patterns, hardware simulation, training.")
    from predefsparse import __version__
    parser.add_argument("--version", action="version", version=f"predefsparse {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name, module_name in COMMANDS.items():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as err:
            if err.name == module_name:
                continue  # sub-command not installed in this build
            raise
        module.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 success, 1 user error, 2 usage error).

    Examples
    --------
    >>> main(["pattern", "fc", "--p", "2", "--n", "2"])  # doctest: +SKIP
    0
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except ValueError as err:  # SpecError and friends: one clear line, exit 1
        print(f"predefsparse {args.command}: error: {err}", file=sys.stderr)
        return 1
    except FileNotFoundError as err:
        print(f"predefsparse {args.command}: error: {err}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
