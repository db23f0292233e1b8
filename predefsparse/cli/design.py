"""``predefsparse design``: which pattern kind and which z for a network and a hardware budget, and what it costs
in accuracy (:func:`predefsparse.design.design`; docs/design.md).

::

    predefsparse design [--config 800,100,10] [--fo 50,10 | --density 0.5,1]
                        [--z1 N | --cycle C | --multipliers M | --throughput R]
                        [--kinds fc,random,basic,usn,clash_free,rtl] [--dataset mnist] [--epochs 10] [--seeds 1]
                        [--seed 0] [--clock 15e6] [--timing ideal|rtl] [--energy FILE.toml] [--out DIR] [--quiet]

Prints the plan, one line per phase, Keras progress and one line per training run, then the ranked table and the
recommendation; writes ``DIR/report.html`` (self-contained), ``report.md``, ``design.json``, the patterns, the
simulator reports and every run's folder.  Errors name the flag and exit 1 before any work.

Examples
--------
>>> from predefsparse.cli import main
>>> main(["design", "--epochs", "1", "--out", "/tmp/ps-design"])  # doctest: +SKIP
0
"""
from __future__ import annotations

import argparse
import os

__all__ = ["add_parser", "run", "FLAGS"]

#: Python parameter -> the flag that sets it (error messages name the flag).
FLAGS = {"config": "--config", "fo": "--fo", "density": "--density", "z1": "--z1", "cycle": "--cycle",
         "multipliers": "--multipliers", "throughput": "--throughput", "kinds": "--kinds", "dataset": "--dataset",
         "epochs": "--epochs", "seeds": "--seeds", "seed": "--seed", "clock": "--clock", "timing": "--timing",
         "energy": "--energy", "out": "--out", "data_dir": "--data-dir", "verbose": "--quiet", "kind": "--kinds",
         "densities": "--density", "z": "--z1"}


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register the ``design`` sub-command.

    Examples
    --------
    >>> import argparse
    >>> sub = argparse.ArgumentParser().add_subparsers()
    >>> add_parser(sub).prog.endswith("design")
    True
    """
    from predefsparse.design import DEFAULT_EPOCHS, DEFAULT_KINDS
    p = subparsers.add_parser(
        "design", help="choose pattern kind and z for a network and budget; compare accuracy, speed, energy",
        description="Plan z per junction from a budget, generate every kind's patterns, simulate the accelerator, "
                    "train every kind and fully connected with the same seeds, and write one self-contained "
                    "HTML report with a recommendation. Default: (800,100,10) fo (50,10) on MNIST, "
                    f"{DEFAULT_EPOCHS} epochs.")
    p.add_argument("--config", default="800,100,10", metavar="N0,N1,...",
                   help="layer sizes, input (padded) width first (default 800,100,10)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--fo", default=None, metavar="FO1,...",
                   help="out-degree per junction (default 50,10 with the default config)")
    g.add_argument("--density", default=None, metavar="D1,...", help="density per junction, e.g. 0.5,1")
    b = p.add_mutually_exclusive_group()
    b.add_argument("--z1", type=int, default=None, metavar="N", help="parallelism of junction 1 (others balanced)")
    b.add_argument("--cycle", type=int, default=None, metavar="C", help="junction cycle C in clocks")
    b.add_argument("--multipliers", type=int, default=None, metavar="M",
                   help="multiplier budget: the fastest design within M multipliers")
    b.add_argument("--throughput", type=float, default=None, metavar="R",
                   help="target inputs/s at the clock: the cheapest design reaching R")
    p.add_argument("--kinds", default=",".join(DEFAULT_KINDS), metavar="K1,K2,...",
                   help=f"pattern kinds to compare (default {','.join(DEFAULT_KINDS)})")
    p.add_argument("--dataset", default="mnist", help="dataset name or six-key .npz path (default mnist)")
    p.add_argument("--data-dir", default=None, metavar="D", help="data folder for dataset names")
    p.add_argument("--epochs", type=int, default=DEFAULT_EPOCHS,
                   help=f"epochs of every training run (default {DEFAULT_EPOCHS})")
    p.add_argument("--seeds", type=int, default=1, metavar="K", help="repeats per kind: mean and spread (default 1)")
    p.add_argument("--seed", type=int, default=0, help="first seed (default 0)")
    p.add_argument("--clock", type=float, default=15e6, metavar="HZ", help="clock in Hz (default 15e6)")
    p.add_argument("--timing", choices=("ideal", "rtl"), default="ideal",
                   help="junction-cycle overhead: ideal (none) or rtl (2 + PROCTIME clocks); default ideal")
    p.add_argument("--energy", default=None, metavar="FILE.toml",
                   help="per-operation energy table (default: the shipped 45 nm figures, docs/design.md)")
    p.add_argument("--out", default=None, metavar="DIR",
                   help="output folder (default designs/net<config>_fo<fo>_z<z>_<hash>)")
    p.add_argument("--quiet", action="store_true", help="no progress output, only the result lines")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Run the design job as asked; returns 0 (130 when interrupted: rerun the same command to resume)."""
    import sys
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from predefsparse import design as _design

    try:
        result = _design._run_design(
            FLAGS, args.config, args.fo, args.density, args.z1, args.cycle, args.multipliers, args.throughput,
            args.kinds, args.dataset, args.epochs, args.seeds, args.seed, args.clock, args.timing, args.energy,
            args.out, args.data_dir, 0 if args.quiet else "auto")
    except KeyboardInterrupt:
        print("\npredefsparse design: interrupted; rerun the same command to resume (finished runs are reused).",
              file=sys.stderr)
        return 130
    if args.quiet:
        print(result.recommendation)
        print(f"report: {os.path.join(result.out, 'report.html')}")
    return 0
