"""``predefsparse data``: build, inspect and list the six-key datasets.

::

    predefsparse data build NAME [--data-dir D] [--source S] [--variant baseline|difficult] [--seed N]
                                 [--out FILE] [--compress] [--no-verify] [--option KEY=VALUE ...]
    predefsparse data info FILE_OR_NAME [--data-dir D] [--json]
    predefsparse data list [--data-dir D]

Imports numpy only (no TensorFlow), so it starts fast.

Examples
--------
>>> from predefsparse.cli import main
>>> main(["data", "build", "digits", "--data-dir", "/tmp/psdata"])  # doctest: +SKIP
0
"""
from __future__ import annotations

import argparse
import sys
import time
from typing import Any

__all__ = ["add_parser", "run", "parse_option", "format_info"]


def parse_option(text: str) -> tuple[str, Any]:
    """Parse one ``--option KEY=VALUE``: true/false, an int, a float, comma-separated ints, else a string.

    Examples
    --------
    >>> parse_option("dash=3,9"), parse_option("noisesd=2.5"), parse_option("leading_space=true")
    (('dash', (3, 9)), ('noisesd', 2.5), ('leading_space', True))
    """
    from adjmat.validation import fail
    key, sep, raw = text.partition("=")
    key = key.strip().replace("-", "_")
    if not sep or not key.isidentifier():
        raise fail("data build", "option", "KEY=VALUE (e.g. noisesd=4 or dash=3,9)", text)
    raw = raw.strip()
    if raw.lower() in ("true", "false"):
        return key, raw.lower() == "true"
    for convert in (int, float):
        try:
            return key, convert(raw)
        except ValueError:
            pass
    if "," in raw:
        items = [v.strip() for v in raw.split(",")]
        if "" in items:
            raise fail("data build", "option", "KEY=VALUE with no empty item in a list VALUE", text)
        try:
            return key, tuple(int(v) for v in items)
        except ValueError:
            pass
    return key, raw


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Register ``data`` and its sub-commands ``build``, ``info`` and ``list``.

    Examples
    --------
    >>> import argparse
    >>> sub = argparse.ArgumentParser().add_subparsers()
    >>> add_parser(sub).prog.endswith("data")
    True
    """
    from ._args import LazyChoices

    def names():
        from predefsparse.datasets import DATASETS
        return DATASETS
    parser = subparsers.add_parser(
        "data", help="build or inspect a six-key dataset npz",
        description="Build a dataset from local files (nothing is downloaded) or describe a dataset file.")
    sub = parser.add_subparsers(dest="data_command", metavar="ACTION")
    sub.required = True

    b = sub.add_parser("build", help="build a dataset into the data folder",
                       description="Build a dataset and write <data folder>/<name>.npz plus a provenance note.")
    b.add_argument("name", metavar="NAME", choices=LazyChoices(names), help="one of: %(choices)s")
    b.add_argument("--data-dir", metavar="D", default=None,
                   help="data folder (default: $PREDEFSPARSE_DATA, else the repository's datasets/)")
    b.add_argument("--source", metavar="S", default=None,
                   help="folder (or archive, for cifar10) holding the raw files")
    b.add_argument("--variant", choices=("baseline", "difficult"), default=None, help="morse only")
    b.add_argument("--seed", type=int, default=None, help="seed for digits and morse (default 0)")
    b.add_argument("--out", metavar="FILE", default=None, help="write here instead of the data folder")
    b.add_argument("--compress", action="store_true", help="deflate the npz (smaller, slower to load)")
    b.add_argument("--no-verify", dest="verify", action="store_false", default=None,
                   help="cifar10 only: accept an archive whose md5 differs from the published one")
    b.add_argument("--option", metavar="KEY=VALUE", action="append", default=[],
                   help="builder option, repeatable (morse: per_class=5000,1000,1000 style=bw frame=64 "
                        "dot=1,3 dash=4,9 space=1,3 noisesd=0 maxflip=0 leading_space=false dilation=1)")
    b.set_defaults(func=run)

    i = sub.add_parser("info", help="describe a dataset file",
                       description="Shapes, dtypes, class counts and value range of a dataset npz.")
    i.add_argument("target", metavar="FILE_OR_NAME", help="a .npz path or a name in the data folder")
    i.add_argument("--data-dir", metavar="D", default=None, help="data folder for bare names")
    i.add_argument("--json", action="store_true", help="print the description as JSON")
    i.set_defaults(func=run)

    lst = sub.add_parser("list", help="list the builders and the datasets in the data folder")
    lst.add_argument("--data-dir", metavar="D", default=None, help="data folder")
    lst.set_defaults(func=run)
    parser.set_defaults(func=run)
    return parser


def _mib(n: int) -> str:
    return f"{n / 2 ** 20:.1f} MiB"


def format_info(d: dict[str, Any]) -> str:
    """Render :func:`predefsparse.datasets.info` as a readable table.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from predefsparse import datasets
    >>> x, y = np.zeros((2, 3), np.float32), np.eye(2, dtype=np.float32)
    >>> p = datasets.save(tempfile.mkdtemp() + "/d.npz", x, y, x, y, x, y)
    >>> print(format_info(datasets.info(p)).splitlines()[2])
    split  samples  x shape  x dtype  y shape  class counts
    """
    lines = [f"dataset  {d['path']}  ({_mib(d['size_bytes'])})",
             f"sample shape {d['sample_shape']}, {d['classes']} classes, x in [{d['x_min']:.4g}, "
             f"{d['x_max']:.4g}], train mean {d['x_mean']:.4g}, std {d['x_std']:.4g}"]
    rows = [("split", "samples", "x shape", "x dtype", "y shape", "class counts")]
    for split, s in d["splits"].items():
        counts = s["class_counts"]
        if len(counts) <= 10:
            text = " ".join(str(c) for c in counts)
        elif counts and min(counts) == max(counts):
            text = f"{counts[0]} each"
        else:
            text = f"min {min(counts)}, max {max(counts)}" if counts else "-"
        rows.append((split, f"{s['samples']:,}", str(s["x_shape"]), s["x_dtype"], str(s["y_shape"]), text))
    widths = [max(len(r[k]) for r in rows) for k in range(len(rows[0]))]
    for r in rows:
        lines.append("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
    p = d.get("provenance")
    if p:
        seed = p.get("seed")
        lines.append(f"built    {p.get('built_at', '?')} by predefsparse "
                     f"{p.get('versions', {}).get('predefsparse', '?')} from {p.get('source', '?')}"
                     + (f", seed {seed}" if seed is not None else ""))
        if p.get("options"):
            lines.append("options  " + ", ".join(f"{k}={v}" for k, v in p["options"].items()))
        if p.get("generator_options"):
            lines.append("generator  " + ", ".join(f"{k}={v}" for k, v in p["generator_options"].items()))
        if p.get("notes"):
            lines.append("notes    " + p["notes"])
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Carry out ``predefsparse data ...``; returns the exit status.

    Examples
    --------
    >>> from predefsparse.cli import main
    >>> main(["data", "list", "--data-dir", "/tmp/psdata"])  # doctest: +SKIP
    0
    """
    from predefsparse import datasets, jsonio
    action = getattr(args, "data_command", None)
    if action == "build":
        options = dict(parse_option(o) for o in args.option)
        if args.variant is not None:
            options["variant"] = args.variant
        if args.verify is not None:
            options["verify"] = args.verify
        kwargs: dict[str, Any] = {"data_dir": args.data_dir, "source": args.source, "out": args.out,
                                  "compress": args.compress}
        if args.seed is not None:
            kwargs["seed"] = args.seed
        started = time.perf_counter()
        path = datasets.build(args.name, **kwargs, **options)
        elapsed = time.perf_counter() - started
        print(f"wrote {path} in {elapsed:.1f} s")
        print(format_info(datasets.info(path)))
        return 0
    if action == "info":
        path = datasets.check(args.target, data_dir=args.data_dir, param="name_or_path", build=False)
        d = datasets.info(path)
        if args.json:
            print(jsonio.dumps(d, default=list))
        else:
            print(format_info(d))
        return 0
    if action == "list":
        from pathlib import Path
        folder = datasets.default_data_dir() if args.data_dir is None else Path(args.data_dir).expanduser()
        print(f"data folder {folder}")
        present = {p.stem: p for p in folder.glob("*.npz")} if folder.is_dir() else {}
        width = max(len(n) for n in list(datasets.DATASETS) + list(present))
        for name in datasets.DATASETS:
            state = _mib(present[name].stat().st_size) if name in present else "not built"
            print(f"  {name.ljust(width)}  builder  {state}")
        for name in sorted(set(present) - set(datasets.DATASETS)):
            print(f"  {name.ljust(width)}  file     {_mib(present[name].stat().st_size)}")
        return 0
    print("predefsparse data: choose build, info or list", file=sys.stderr)
    return 2
