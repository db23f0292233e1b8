"""``predefsparse pattern KIND``: generate one junction's pattern, print its summary, optionally save and plot.

Examples
--------
>>> from predefsparse.cli import main
>>> main(["pattern", "clash_free", "--p", "16", "--n", "8", "--fo", "2", "--z", "4", "--seed", "0"])  # doctest: +SKIP
0
"""
from __future__ import annotations

import argparse

import adjmat


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
    kinds = adjmat.kind_names()  # read when the parser is built, so a registered kind appears
    p.add_argument("kind", choices=kinds, help="pattern kind: " + ", ".join(kinds))
    p.add_argument("--p", type=whole_number, required=True, help="left layer size (e.g. 1024 or 1e6)")
    p.add_argument("--n", type=whole_number, required=True, help="right layer size")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--fo", type=whole_number, help="out-degree (edges per left neuron)")
    g.add_argument("--density", type=float, help="junction density in (0, 1]")
    p.add_argument("--z", type=whole_number, help="degree of parallelism (banks, edges per clock)")
    p.add_argument("--seed", type=int, help="random seed (default: drawn and printed)")
    p.add_argument("--type", type=int, choices=(1, 2, 3), help="clash_free address map (default 2)")
    p.add_argument("--dither", action="store_true", help="clash_free: random bank permutation per sweep")
    p.add_argument("--epsilon", type=float, help="erdos_renyi: SET's epsilon (default 20)")
    p.add_argument("--out", metavar="FILE", help="save the pattern (.npz)")
    p.add_argument("--plot", metavar="FILE", help="write a picture (spy plot, degree histograms) e.g. pattern.png")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Generate, summarise, save and plot as asked; returns 0."""
    from predefsparse.report import pattern_summary, plot_pattern

    options = {}
    if args.type is not None:
        options["type"] = args.type
    if args.dither:
        options["dither"] = True
    if args.epsilon is not None:
        options["epsilon"] = args.epsilon
    pat = adjmat.generate(args.kind, args.p, args.n, fo=args.fo, density=args.density, z=args.z,
                          seed=args.seed, **options)
    print(pattern_summary(pat, z=args.z))
    if args.out:
        print(f"saved     {pat.save(args.out)}")
    if args.plot:
        print(f"plot      {plot_pattern(pat, args.plot, z=args.z)}")
    return 0
