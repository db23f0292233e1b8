"""``predefsparse design``: which pattern kind and which z for a network and a hardware budget, and what it costs
in accuracy (:func:`predefsparse.design`; docs/design.md).

::

    predefsparse design [--config 800,100,10] [--fo 50,10 | --densities 0.5,1]
                        [--z1 N | --cycle C | --multipliers M | --throughput R]
                        [--kinds fc,random,basic,usn,clash_free,rtl] [--dataset mnist] [--epochs 10] [--seeds 3]
                        [--seed 0] [--clock 15e6] [--timing ideal|rtl] [--arithmetic hwsim|rtl] [--energy FILE.toml]
                        [--rank-by float|hardware|onchip] [--max-loss 1.0] [--on-chip] [--onchip-epochs 1]
                        [--out DIR] [--quiet] [--verbose]

Prints the plan, one line per phase and per training run, then the ranked table and the answer; writes
``DIR/report.html`` (self-contained), ``report.md``, ``design.json``, the patterns, the simulator reports and
every run's folder.  Errors name the flag and exit 1 before any work (the request is checked before TensorFlow is
imported).

Examples
--------
>>> from predefsparse.cli import main
>>> main(["design", "--epochs", "1", "--out", "/tmp/ps-design"])  # doctest: +SKIP
0
"""
from __future__ import annotations

import argparse
import os

from .. import defaults
from ._args import float_list, int_list

__all__ = ["add_parser", "run"]

_KINDS = ("fc", "random", "basic", "usn", "clash_free", "rtl")  # the library's DEFAULT_KINDS (checked in tests)
_SEEDS, _MAX_LOSS, _ONCHIP_EPOCHS = 3, 1.0, 1                    # the library's defaults (checked in tests)


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register the ``design`` sub-command (imports no TensorFlow).

    Examples
    --------
    >>> import argparse
    >>> sub = argparse.ArgumentParser().add_subparsers()
    >>> add_parser(sub).prog.endswith("design")
    True
    """
    p = subparsers.add_parser(
        "design", help="choose pattern kind and z for a network and budget; compare accuracy, speed, energy",
        description="Plan z per junction from a budget, generate every kind's patterns, simulate the accelerator, "
                    "train every kind and fully connected with the same seeds, run the trained weights on the "
                    "chip's fixed-point arithmetic, and write one self-contained HTML report with a "
                    f"recommendation. Default: (800,100,10) fo (50,10) on MNIST, {defaults.EPOCHS} epochs, "
                    f"{_SEEDS} seeds.")
    p.add_argument("--config", default=",".join(map(str, defaults.CONFIG)), metavar="N0,N1,...",
                   help="layer sizes, input (padded) width first (default %(default)s)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--fo", default=None, metavar="FO1,...",
                   help="out-degree per junction (default " + ",".join(map(str, defaults.FO))
                        + " with the default config)")
    g.add_argument("--densities", default=None, metavar="D1,...", help="density per junction, e.g. 0.5,1")
    b = p.add_mutually_exclusive_group()
    b.add_argument("--z1", type=int, default=None, metavar="N", help="parallelism of junction 1 (others balanced)")
    b.add_argument("--cycle", type=int, default=None, metavar="C", help="junction cycle C in clocks")
    b.add_argument("--multipliers", type=int, default=None, metavar="M",
                   help="multiplier budget: the fastest design within M multipliers")
    b.add_argument("--throughput", type=float, default=None, metavar="R",
                   help="target inputs/s at the clock: the cheapest design reaching R")
    p.add_argument("--kinds", default=",".join(_KINDS), metavar="K1,K2,...",
                   help="pattern kinds to compare (default %(default)s)")
    p.add_argument("--dataset", default="mnist", help="dataset name or six-key .npz path (default mnist)")
    p.add_argument("--data-dir", default=None, metavar="D", help="data folder for dataset names")
    p.add_argument("--epochs", type=int, default=defaults.EPOCHS, help="epochs of every training run (default "
                   "%(default)s)")
    p.add_argument("--seeds", type=int, default=_SEEDS, metavar="K",
                   help="repeats per kind: mean and spread; kinds differ only beyond the seeds' noise (default "
                        "%(default)s)")
    p.add_argument("--seed", type=int, default=defaults.SEED, help="first seed (default %(default)s)")
    p.add_argument("--clock", type=float, default=15e6, metavar="HZ", help="clock in Hz (default 15e6)")
    p.add_argument("--timing", choices=("ideal", "rtl"), default="ideal",
                   help="junction-cycle overhead: ideal (none) or rtl (2 + PROCTIME clocks); default ideal")
    p.add_argument("--arithmetic", choices=("hwsim", "rtl"), default="hwsim",
                   help="fixed-point rules: hwsim's own or the published RTL's bit for bit (default hwsim)")
    p.add_argument("--energy", default=None, metavar="FILE.toml",
                   help="per-operation energy table (default: the published 45 nm figures, docs/design.md)")
    p.add_argument("--rank-by", choices=("float", "hardware", "onchip"), default="float",
                   help="accuracy that ranks the kinds and decides the answer: float (Keras), hardware (the trained "
                        "weights on the chip's fixed-point arithmetic) or onchip (needs --on-chip); default float")
    p.add_argument("--max-loss", type=float, default=_MAX_LOSS, metavar="POINTS",
                   help="recommend no kind more than POINTS below fully connected (default %(default)s)")
    p.add_argument("--on-chip", action="store_true",
                   help="also train every kind on the chip's own arithmetic (hwsim.train: fixed point, batch 1, "
                        "RMW hazards), with the test accuracy per epoch (slower than Keras)")
    p.add_argument("--onchip-epochs", type=int, default=_ONCHIP_EPOCHS, metavar="E",
                   help="epochs of on-chip training (default %(default)s)")
    p.add_argument("--out", default=None, metavar="DIR",
                   help="output folder (default designs/net<config>_fo<fo>_z<z>_<hash>)")
    p.add_argument("--quiet", action="store_true", help="no progress output, only the answer and the report path")
    p.add_argument("--verbose", action="store_true", help="also TensorFlow's own log lines")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Run :func:`predefsparse.design` as asked; returns 0 (130 when interrupted: rerun the same command to
    resume)."""
    import sys

    from ..codesign import design
    from ._startup import import_tensorflow

    where = "design"
    kwargs = dict(config=int_list(where, "config", args.config), fo=int_list(where, "fo", args.fo),
                  densities=float_list(where, "densities", args.densities), z1=args.z1, cycle=args.cycle,
                  multipliers=args.multipliers, throughput=args.throughput, kinds=args.kinds, dataset=args.dataset,
                  epochs=args.epochs, seeds=args.seeds, seed=args.seed, clock=args.clock, timing=args.timing,
                  arithmetic=args.arithmetic, energy=args.energy, rank_by=args.rank_by, max_loss=args.max_loss,
                  on_chip=args.on_chip,
                  onchip_epochs=args.onchip_epochs, out=args.out, data_dir=args.data_dir,
                  verbose=0 if args.quiet else "auto")
    design(**{**kwargs, "verbose": 0}, check_only=True)  # every refusal before TensorFlow's slow import
    import_tensorflow(verbose=args.verbose, quiet=args.quiet)
    try:
        result = design(**kwargs)
    except KeyboardInterrupt:
        print("\npredefsparse design: interrupted; rerun the same command to resume (finished runs are reused).",
              file=sys.stderr)
        return 130
    if args.quiet:
        for line in result.warnings:
            print(f"warning: {line}")
        print(result.recommendation)
        print(f"report: {os.path.join(result.out, 'report.html')}")
    return 0
