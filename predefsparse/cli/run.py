"""``predefsparse run``: train a sparse MLP on a dataset (:func:`predefsparse.sim_net`) and print a summary.

::

    predefsparse run [--config 800,100,10] [--fo 50,10 | --densities 0.5,1] [--kind clash_free] [--z 400,100]
                     [--dataset mnist] [--epochs 10] [--batch-size 256] [--l2 8e-5] [--seed 0] [--valtest 1]
                     [--epoch-step 1] [--preprocess NAME ...] [--preds-compare 0|1|PATH] [--dropout R]
                     [--epsilon E] [--out DIR] [--resume | --overwrite] [--quiet]

Defaults: the published MNIST net (800, 100, 10) with fo (50, 10), clash-free, L2 8e-5, Adam 1e-3 with decay
1e-5, batch 256, train+val then test once -- but 10 epochs, not the published 50 (``--epochs 50``), so the
default run finishes in about a minute on a 2-core machine.  Keras and TensorFlow are imported only when the
command runs.  The results go to ``--out`` or ``results/<dataset>_<net>_<kind>_e<epochs>_<hash>`` (a hash of
every other setting, docs/results.md); the summary's last line says where.  Errors name the flags; a run that
diverges exits 1 with one line.

Examples
--------
>>> from predefsparse.cli import main
>>> main(["run", "--epochs", "1", "--out", "/tmp/ps-run"])  # doctest: +SKIP
0
"""
from __future__ import annotations

import argparse
import sys

from .. import defaults
from ..fmt import pct
from ._args import float_list, int_list, kinds
from ._startup import import_tensorflow

__all__ = ["add_parser", "run", "format_summary"]

DEFAULT_EPOCHS = defaults.EPOCHS


def _preds_compare(text: str):
    return int(text) if text in ("0", "1") else text


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register the ``run`` sub-command.

    Examples
    --------
    >>> import argparse
    >>> sub = argparse.ArgumentParser().add_subparsers()
    >>> add_parser(sub).prog.endswith("run")
    True
    """
    p = subparsers.add_parser(
        "run", help="train a sparse MLP on a dataset and write a results folder",
        description="Train a pre-defined sparse MLP (the original sim_net) and write model, records, patterns. "
                    f"Defaults: MNIST, (800,100,10) fo (50,10) clash-free, {DEFAULT_EPOCHS} epochs "
                    "(published: 50).")
    p.add_argument("--config", default=None, metavar="N0,N1,...",
                   help="layer sizes, input (padded) width first (default 800,100,10)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--fo", default=None, metavar="FO1,...", help="out-degree per junction (default 50,10 with "
                   "the default config)")
    g.add_argument("--densities", default=None, metavar="D1,...", help="density per junction")
    p.add_argument("--kind", choices=kinds(), default="clash_free", metavar="KIND",
                   help="pattern kind: %(choices)s (default clash_free)")
    p.add_argument("--z", default=None, metavar="Z1,...",
                   help="parallelism per junction (clash_free default: z = fi)")
    p.add_argument("--type", type=int, choices=(1, 2, 3), default=None, help="clash_free address map (default 2)")
    p.add_argument("--dither", action="store_true", help="clash_free: random bank permutation per sweep")
    p.add_argument("--dataset", default="mnist", help="dataset name or six-key .npz path (default mnist)")
    p.add_argument("--data-dir", default=None, metavar="D", help="data folder for dataset names")
    p.add_argument("--epochs", type=int, default=DEFAULT_EPOCHS,
                   help=f"training epochs (default {DEFAULT_EPOCHS}; the published runs used 50)")
    p.add_argument("--batch-size", type=int, default=defaults.BATCH_SIZE,
                   help=f"mini-batch size (default {defaults.BATCH_SIZE})")
    p.add_argument("--l2", type=float, default=defaults.L2, help=f"L2 factor on the kernels (default {defaults.L2:g})")
    p.add_argument("--lr", type=float, default=1e-3, help="Adam learning rate (default 1e-3)")
    p.add_argument("--decay", type=float, default=1e-5, help="inverse-time decay per step (default 1e-5)")
    p.add_argument("--seed", type=int, default=defaults.SEED,
                   help=f"seed of patterns, weights and data order (default {defaults.SEED})")
    p.add_argument("--valtest", type=int, choices=(0, 1, 2), default=1,
                   help="0 validate each epoch; 1 train+val then test once (default); 2 train then test")
    p.add_argument("--epoch-step", type=int, default=1, help="checkpoint every k epochs (default 1)")
    p.add_argument("--preprocess", action="append", default=[], metavar="NAME",
                   help="normaliser, repeatable (none, gaussian, minmax, zca, gcn, pca<k>, lda)")
    p.add_argument("--preds-compare", type=_preds_compare, default=0, metavar="0|1|PATH",
                   help="1 save predictions; PATH also record KL(standard || this run)")
    p.add_argument("--dropout", default=None, metavar="R[,R...]",
                   help="dropout rate after each hidden layer (one, or one per hidden layer)")
    p.add_argument("--epsilon", type=float, default=None, metavar="E",
                   help="erdos_renyi: the SET density parameter epsilon (then --fo is not needed)")
    p.add_argument("--out", default=None, metavar="DIR",
                   help="results folder (default results/<dataset>_<net>_<kind>_e<epochs>_<hash of the other "
                   "settings>)")
    r = p.add_mutually_exclusive_group()
    r.add_argument("--resume", action="store_true", help="continue an interrupted run in --out (same settings; "
                   "a larger --epochs continues a finished run)")
    r.add_argument("--overwrite", action="store_true", help="replace an existing run in --out")
    p.add_argument("--quiet", action="store_true", help="no progress display")
    p.add_argument("--verbose", action="store_true", help="also TensorFlow's own log lines")
    p.set_defaults(func=run)
    return p


def format_summary(records, folder: str | None = None) -> str:
    """The final summary table of a run, from its :class:`predefsparse.results.Records`.

    Examples
    --------
    >>> from predefsparse.results import Records
    >>> rec = Records(junctions=[{"layer": "junction1", "p": 8, "n": 4, "W": 16, "density": 0.5, "fo": 2,
    ...                           "fi": 4, "kind": "usn", "z": None}], weights=16, overall_density=0.5,
    ...               epochs_done=1, settings={"dataset": "mnist", "valtest": 1, "batch_size": 256, "seed": 0},
    ...               samples={"fit": 60000}, history={"loss": [0.5]}, test={"loss": 0.4, "accuracy": 0.9},
    ...               wall_time_s=3.0, folder="out")
    >>> print(format_summary(rec).splitlines()[2])
    junction1        8      4        16   50.00 %     2     4      -  usn
    """
    lines = [f"{'junction':<12} {'p':>5} {'n':>6} {'W':>9} {'density':>9} {'fo':>5} {'fi':>5} {'z':>6}  kind",
             "-" * 72]
    for j in records.junctions:
        lines.append(f"{j['layer']:<12} {j['p']:>5} {j['n']:>6} {j['W']:>9} {pct(j['density']):>9} "
                     f"{'-' if j['fo'] is None else j['fo']:>5} {'-' if j['fi'] is None else j['fi']:>5} "
                     f"{'-' if j['z'] is None else j['z']:>6}  {j['kind']}")
    s = records.settings
    mode = {0: "train, validate each epoch", 1: "train+val, test once", 2: "train, test once"}[s["valtest"]]
    lines += ["",
              f"{'weights':<12} {records.weights:,} (overall density {pct(records.overall_density)})",
              f"{'data':<12} {s['dataset']}, {records.samples['fit']:,} training samples ({mode})",
              f"{'epochs':<12} {records.epochs_done} (batch {s['batch_size']}, seed {s['seed']})",
              f"{'final loss':<12} {records.history['loss'][-1]:.4f}"]
    if records.test is not None:
        lines.append(f"{'test':<12} accuracy {pct(records.test.get('accuracy'))}, "
                     f"loss {records.test['loss']:.4f}")
    if records.best is not None:
        b = records.best
        lines.append(f"{'best epoch':<12} {b['epoch']}: val accuracy {pct(b.get('val_accuracy'))}, "
                     f"val loss {b.get('val_loss', float('nan')):.4f}")
    if records.kl is not None:
        lines.append(f"{'KL':<12} {records.kl:.4g} nats (standard || this run)")
    lines += [f"{'wall time':<12} {records.wall_time_s:.1f} s",
              f"{'results':<12} {folder if folder is not None else records.folder}"]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Train as asked, print the summary; returns 0 (130 when interrupted: resume with ``--resume``)."""
    config = int_list("run", "config", args.config) or defaults.CONFIG
    fo = int_list("run", "fo", args.fo)
    z = int_list("run", "z", args.z)
    densities = float_list("run", "densities", args.densities)
    dropout = float_list("run", "dropout", args.dropout)
    options = {}
    if args.type is not None:
        options["type"] = args.type
    if args.dither:
        options["dither"] = True
    if dropout is not None:
        dropout = dropout[0] if len(dropout) == 1 else list(dropout)

    import_tensorflow(verbose=args.verbose, quiet=args.quiet)
    from predefsparse.training import sim_net
    try:
        records, _ = sim_net(
            config, fo=fo, l2=args.l2, z=z, dataset=args.dataset, preds_compare=args.preds_compare,
            kind=args.kind, seed=args.seed, epochs=args.epochs, batch_size=args.batch_size,
            densities=densities, valtest=args.valtest, epoch_step=args.epoch_step, lr=args.lr,
            decay=args.decay, preprocesses=args.preprocess, out=args.out, resume=args.resume,
            overwrite=args.overwrite, verbose=0 if args.quiet else "auto", data_dir=args.data_dir,
            dropout=dropout, epsilon=args.epsilon, **options)
    except KeyboardInterrupt:
        where = f"in {args.out!r}" if args.out else "in its results folder"
        print(f"\npredefsparse run: interrupted; the last checkpoint is {where}; continue with the same "
              f"arguments plus --resume.", file=sys.stderr)
        return 130
    print()
    print(format_summary(records))  # its last line says where the run wrote
    return 0
