"""The ``predefsparse`` command line.

Each sub-command is a small module in this package with ``add_parser(subparsers)`` and ``run(args) -> int``;
it adapts arguments onto one public library function.  User errors (``ValueError``, including ``SpecError``),
a diverged training run (``adjmat.DivergenceError``), ``MemoryError`` and file-system errors exit 1 with one
clear line on stderr, never a traceback; a ``SpecError`` names the flag of its parameter (the one table in
:mod:`predefsparse.cli._errors`).  Building the parser imports neither TensorFlow nor Keras, so ``--help`` is
quick; TensorFlow's C++ log lines are off unless ``--verbose`` is given (``TF_CPP_MIN_LOG_LEVEL``, set here
before anything imports TensorFlow; a value already in the environment is kept).

Examples
--------
>>> from predefsparse.cli import main
>>> main(["pattern", "rtl", "--p", "8", "--n", "4", "--fo", "2", "--z", "4"])  # doctest: +SKIP
0
"""
from __future__ import annotations

import argparse
import importlib
import os
import sys

from ._errors import user_message

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
    parser.add_argument("--version", action=_Version, nargs=0, help="show the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for module_name in COMMANDS.values():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as err:
            if err.name == module_name:
                continue  # sub-command not installed in this build
            raise
        module.add_parser(sub)
    return parser


class _Version(argparse.Action):
    """``--version``: the version is read (importing adjmat) only when asked for."""

    def __call__(self, parser, namespace, values, option_string=None):
        from predefsparse import __version__
        print(f"predefsparse {__version__}")
        parser.exit()


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 success, 1 user error, 2 usage error).

    Examples
    --------
    >>> main(["pattern", "fc", "--p", "2", "--n", "2"])  # doctest: +SKIP
    0
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    if "--verbose" not in argv:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # before any import of TensorFlow
    parser = build_parser()
    args = parser.parse_args(argv)
    known = _known(parser, args)
    try:
        return int(args.func(args) or 0)
    except MemoryError as err:
        return _error(args.command, f"out of memory{f' ({err})' if str(err) else ''}; ask for less (a smaller "
                      f"net, batch or dataset), or free memory and try again.")
    except (ValueError, ArithmeticError, OSError) as err:  # SpecError, DivergenceError, file-system errors
        return _error(args.command, user_message(err, args.command, known))


def _known(parser: argparse.ArgumentParser, args: argparse.Namespace) -> set[str]:
    """The flags and argument names of the command that ``args`` runs (with its action: ``data build``)."""
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction)).choices[args.command]
    names, todo = set(), [sub]
    while todo:
        for action in todo.pop()._actions:
            if isinstance(action, argparse._SubParsersAction):
                chosen = getattr(args, action.dest, None)
                todo.extend([action.choices[chosen]] if chosen in action.choices else action.choices.values())
            names.update(action.option_strings or [action.metavar or action.dest])
    return {name for name in names if isinstance(name, str)}


def _error(command: str, text: str) -> int:
    """Print one line (never a traceback) on stderr; exit status 1."""
    print(f"predefsparse {command}: error: {text}", file=sys.stderr)
    return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
