"""``predefsparse pattern KIND``: generate one junction's pattern, print its summary, optionally save and plot.

Examples
--------
>>> from predefsparse.cli import main
>>> main(["pattern", "clash_free", "--p", "16", "--n", "8", "--fo", "2", "--z", "4", "--seed", "0"])  # doctest: +SKIP
0
"""
from __future__ import annotations

import argparse
import json
import os

from .. import defaults
from ._args import kinds as _kinds


def whole_number(text: str) -> int:
    """An argparse type for sizes: an integer, also written as ``1e8`` or ``1_000_000`` when it is whole.

    Examples
    --------
    >>> whole_number("1e8"), whole_number("1024")
    (100000000, 1024)
    """
    try:
        return int(text.replace("_", ""))
    except ValueError:
        pass
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number; received {text!r}") from None
    if not value.is_integer():
        raise argparse.ArgumentTypeError(f"must be a whole number; received {text!r}")
    return int(value)


def add_parser(subparsers) -> None:
    """Register the ``pattern`` sub-command."""
    p = subparsers.add_parser(
        "pattern", help="generate a connection pattern and print degrees, density, clash-freedom, bank loads",
        description="Generate one junction's connection pattern (p left, n right neurons).")
    p.add_argument("kind", choices=_kinds(), metavar="KIND", help="pattern kind: %(choices)s")
    p.add_argument("--p", type=whole_number, required=True, help="left layer size (e.g. 1024 or 1e6)")
    p.add_argument("--n", type=whole_number, required=True, help="right layer size")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--fo", type=whole_number, help="out-degree (edges per left neuron)")
    g.add_argument("--density", type=float, help="junction density in (0, 1]")
    p.add_argument("--z", type=whole_number, help="degree of parallelism (banks, edges per clock)")
    p.add_argument("--seed", type=int, default=defaults.SEED,
                   help=f"random seed (default {defaults.SEED}, as every command)")
    p.add_argument("--type", type=int, choices=(1, 2, 3), help="clash_free address map (default 2)")
    p.add_argument("--dither", action="store_true", help="clash_free: random bank permutation per sweep")
    p.add_argument("--epsilon", type=float, help="erdos_renyi: SET's epsilon (default 20)")
    p.add_argument("--option", metavar="NAME=VALUE", action="append", default=[],
                   help="any kind option (repeatable), VALUE read as JSON: e.g. --option type=1 (see "
                        "adjmat.get_kind(KIND).options)")
    p.add_argument("--out", metavar="FILE", help="save the pattern (.npz)")
    p.add_argument("--plot", metavar="FILE",
                   help="write a picture (connections, degree histograms; bank loads with --z), e.g. pattern.png")
    p.set_defaults(func=run)


def _check_output(param: str, path: str | None) -> None:
    """Refuse, before any work, an output path that names a folder or lies under a file."""
    from adjmat.validation import fail
    if path is None:
        return
    if os.path.isdir(path):
        raise fail("pattern", param, "a file path", path, f"It is a folder; try "
                   f"{os.path.join(path, 'pattern.npz' if param == 'out' else 'pattern.png')!r}.")
    parent = os.path.dirname(os.path.abspath(path))
    while parent and not os.path.exists(parent):
        parent = os.path.dirname(parent)
    if parent and not os.path.isdir(parent):
        raise fail("pattern", param, "a path inside a folder", path, f"{parent!r} is a file.")


def _options(args: argparse.Namespace) -> dict:
    from adjmat.validation import fail
    options = {}
    if args.type is not None:
        options["type"] = args.type
    if args.dither:
        options["dither"] = True
    if args.epsilon is not None:
        options["epsilon"] = args.epsilon
    for item in args.option:
        name, sep, text = item.partition("=")
        if not sep or not name:
            raise fail("pattern", "option", "NAME=VALUE", item)
        try:
            options[name] = json.loads(text)
        except ValueError:
            options[name] = text  # a plain word, e.g. --option mode=fast
    return options


def run(args: argparse.Namespace) -> int:
    """Generate, summarise, save and plot as asked; returns 0 (user errors raise SpecError, one line, exit 1)."""
    import adjmat
    from adjmat.errors import SpecError
    from adjmat.memory import MEMORY_ENV
    from adjmat.validation import fail
    from predefsparse.report import pattern_summary, plot_pattern

    _check_output("out", args.out)
    _check_output("plot", args.plot)
    options = _options(args)
    try:
        pat = adjmat.generate(args.kind, args.p, args.n, fo=args.fo, density=args.density, z=args.z,
                              seed=args.seed, **options)
    except MemoryError:
        raise SpecError(f"pattern: not enough memory for a {args.kind} pattern of --p {args.p} --n {args.n}; "
                        f"ask for a smaller one (or lower {MEMORY_ENV} so that such requests are refused before "
                        f"they start).") from None
    print(pattern_summary(pat, z=args.z))
    for param, path, write in (("out", args.out, pat.save),
                               ("plot", args.plot, lambda f: plot_pattern(pat, f, z=args.z))):
        if path:
            try:
                written = write(path)
            except OSError as err:
                raise fail("pattern", param, "a file path that can be written", path,
                           f"Writing failed: {err.strerror or err}.") from None
            print(f"{'saved' if param == 'out' else 'plot':<9} {written}")
    return 0
