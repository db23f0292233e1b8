"""``predefsparse sweep``: evaluate every point of a grid on Ray into one table and one report
(:func:`predefsparse.sweep.sweep`, docs/sweeps.md).

::

    predefsparse sweep [GRID] [--grid KEY=V1,V2 ...] [--fixed KEY=V ...] [--out DIR] [--data-dir D]
                       [--address auto|ray://host:port] [--serial] [--num-cpus N] [--cpus-per-point N]
                       [--point ID ...] [--retry-failed] [--list] [--no-report] [--quiet | --verbose]

``--grid`` adds an axis (or replaces the file's), ``--fixed`` a shared setting; values are written as on the
command line of ``predefsparse run``: ``--fixed config=800,100,10``; choices of an axis are separated by commas,
the numbers of one per-junction choice by ``-``: ``--grid fo=50-10,20-10``, ``--grid kind=fc,clash_free``.  A
TOML array works too: ``--grid 'fo=[[50, 10], [20, 10]]'``.  An empty item (``fo=50--10``, ``seed=0,,1``) is
refused, never dropped.

Exit status: 0 when every point is done, 3 when the sweep finished with failed points (listed; run them again
with ``--retry-failed`` or ``--point ID``), 1 for a bad request (before any work), 130 when interrupted
(rerun the same command: only the missing points run).

Examples
--------
>>> from predefsparse.cli import main
>>> main(["sweep", "--fixed", "kind=fc", "--grid", "seed=0,1", "--list", "--out", "/tmp/ps-sweep"])
... # doctest: +SKIP
0
"""
from __future__ import annotations

import argparse
import os
import sys
import tomllib
from typing import Any

__all__ = ["add_parser", "run", "parse_setting", "format_summary"]

_INT_TUPLES = ("config", "fo", "z")
_FLOAT_TUPLES = ("densities",)
_INTS = ("z1", "epochs", "seed", "onchip_epochs")
_BOOLS = ("on_chip",)
_FLOATS = ("clock",)


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register the ``sweep`` sub-command.

    Examples
    --------
    >>> import argparse
    >>> sub = argparse.ArgumentParser().add_subparsers()
    >>> add_parser(sub).prog.endswith("sweep")
    True
    """
    p = subparsers.add_parser(
        "sweep", help="evaluate a grid of design points (patterns, hardware, training) on Ray",
        description="Evaluate every point of a grid -- the product of its axes (kind, fo or densities, z, "
                    "dataset, seed, ...) -- on Ray, into one table (sweep.csv, sweep.parquet) and one report "
                    "(report.html).  A rerun runs only the missing points.")
    p.add_argument("grid_file", nargs="?", default=None, metavar="GRID",
                   help="the grid: [fixed] settings, [grid] axes, optional [[cases]] (docs/sweeps.md)")
    p.add_argument("--grid", action="append", default=[], metavar="KEY=V1,V2", dest="axes",
                   help="an axis, repeatable: --grid kind=fc,clash_free --grid fo=50-10,20-10")
    p.add_argument("--fixed", action="append", default=[], metavar="KEY=V",
                   help="a setting shared by every point, repeatable: --fixed config=800,100,10")
    p.add_argument("--out", default=None, metavar="DIR",
                   help="the sweep's folder (default sweeps/<grid name>)")
    p.add_argument("--data-dir", default=None, metavar="D", help="data folder for dataset names")
    p.add_argument("--address", default=None, metavar="ADDR",
                   help="a running Ray cluster: auto or ray://host:port (default: a local instance with "
                        "this machine's cores, stopped at the end)")
    p.add_argument("--serial", action="store_true", help="no Ray: the points one after another in this process")
    p.add_argument("--num-cpus", type=int, default=None, metavar="N",
                   help="CPUs of the local Ray instance (default: the usable cores)")
    p.add_argument("--cpus-per-point", type=int, default=1, metavar="N",
                   help="CPUs (and TensorFlow threads) per point (default 1)")
    p.add_argument("--point", action="append", default=None, metavar="ID",
                   help="evaluate this point again (see --list for the ids), repeatable")
    p.add_argument("--retry-failed", action="store_true", help="evaluate the failed points again")
    p.add_argument("--list", action="store_true", help="list the points, their ids and status; run nothing")
    p.add_argument("--no-report", action="store_true", help="no plots and no report.html")
    v = p.add_mutually_exclusive_group()
    v.add_argument("--quiet", action="store_true", help="no progress lines")
    v.add_argument("--verbose", action="store_true", help="also the workers' own output")
    p.set_defaults(func=run)
    return p


def _number(flag: str, key: str, text: str, kind: type, whole: str) -> Any:
    try:
        return kind(text)
    except ValueError:
        from adjmat.validation import fail  # here, not at the top: --help stays free of adjmat's numba kernels
        what = "a number" if kind is float else "an integer"
        raise fail("sweep", f"{flag} {key}", what if text == whole else f"{what}s ({text!r} is not one)",
                   whole) from None


def _one(flag: str, key: str, text: str, sep: str, whole: str) -> Any:
    """One value of ``key`` written on the command line (per-junction numbers separated by ``sep``; an empty
    item is refused, not dropped)."""
    from adjmat.validation import fail
    text = text.strip()
    if key in _INT_TUPLES or key in _FLOAT_TUPLES:
        kind = int if key in _INT_TUPLES else float
        items = [t.strip() for t in text.split(sep)]
        if not all(items):
            raise fail("sweep", f"{flag} {key}", f"numbers separated by {sep!r}, none of them empty", whole,
                       "A negative number is not a valid value either." if sep == "-" else None)
        return [_number(flag, key, t, kind, whole) for t in items]
    if not text:
        raise fail("sweep", f"{flag} {key}", "a value" if flag == "--fixed" else "a list of values, none of them "
                   "empty", whole)
    if key in _INTS:
        return _number(flag, key, text, int, whole)
    if key in _FLOATS:
        return _number(flag, key, text, float, whole)
    if key in _BOOLS:
        if text.lower() not in ("true", "false"):
            raise fail("sweep", f"{flag} {key}", "true or false", whole)
        return text.lower() == "true"
    return text


def parse_setting(flag: str, text: str) -> tuple[str, Any]:
    """``KEY=VALUE`` of ``--fixed`` or ``--grid`` as ``(key, value)``: one value for ``--fixed`` (per-junction
    numbers separated by commas), a list of choices for ``--grid`` (separated by commas, per-junction numbers
    by ``-``), or a TOML value after ``=``.

    Examples
    --------
    >>> parse_setting("--fixed", "config=800,100,10")
    ('config', [800, 100, 10])
    >>> parse_setting("--grid", "fo=50-10,20-10")
    ('fo', [[50, 10], [20, 10]])
    >>> parse_setting("--grid", "kind=fc,clash_free")
    ('kind', ['fc', 'clash_free'])
    >>> parse_setting("--grid", "fo=[[50, 10]]")
    ('fo', [[50, 10]])
    """
    from adjmat.validation import fail
    from predefsparse.sweep import DEFAULTS
    from predefsparse.sweep.settings import nearest_hint
    key, eq, value = text.partition("=")
    key = key.strip()
    if not eq or not key:
        raise fail("sweep", flag, "KEY=VALUE", text, "Keys: " + ", ".join(DEFAULTS) + ".")
    if key not in DEFAULTS:
        raise fail("sweep", f"{flag} key", "one of " + ", ".join(DEFAULTS), key,
                   nearest_hint(key, DEFAULTS, listed=False))
    value = value.strip()
    if value.startswith("["):
        try:
            return key, tomllib.loads(f"v = {value}")["v"]
        except tomllib.TOMLDecodeError as err:
            raise fail("sweep", f"{flag} {key}", "a TOML array", value, f"({err})") from None
    if flag == "--fixed":
        return key, _one(flag, key, value, ",", value)
    return key, [_one(flag, key, v, "-", value) for v in value.split(",")]


def _grid_data(args: argparse.Namespace) -> tuple[dict[str, Any], dict[tuple[str, str], str], str]:
    """The grid file merged with the flags (a flag replaces the file's setting of the same key)."""
    data: dict[str, Any] = {}
    name = "sweep"
    if args.grid_file is not None:
        from predefsparse.sweep.grid import read_grid_file
        path = args.grid_file
        data = read_grid_file(path, param="path", where="sweep")
        name = os.path.splitext(os.path.basename(path))[0]
        data.setdefault("title", name)
    origin: dict[tuple[str, str], str] = {}
    for flag, section, other, texts in (("--fixed", "fixed", "grid", args.fixed),
                                        ("--grid", "grid", "fixed", args.axes)):
        for text in texts:
            key, value = parse_setting(flag, text)
            if not isinstance(data.get(section, {}), dict) or not isinstance(data.get(other, {}), dict):
                break  # the file's own error is reported by parse_grid
            data.setdefault(section, {})[key] = value
            data.get(other, {}).pop(key, None)
            origin[(section, key)] = flag
    return data, origin, name


def run(args: argparse.Namespace) -> int:
    """Run the sweep as asked; print where the table and report are and a summary per setting."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from predefsparse.sweep import parse_grid, read_rows, sweep

    data, origin, name = _grid_data(args)
    grid = parse_grid(data, where="sweep", origin=origin, data_dir=args.data_dir)
    out = args.out if args.out is not None else os.path.join("sweeps", name)
    points = grid.points()
    if args.list:
        done = {r["point"]: r for r in (read_rows(out, grid) if os.path.isdir(out) else [])}
        print(f"{'point':<12}  {'status':<7}  settings")
        for p in points:
            print(f"{p.id:<12}  {done[p.id]['status'] if p.id in done else '-':<7}  {p.describe()}")
        print(f"{len(points)} points; folder {out}")
        return 0
    try:
        result = sweep(grid, out=out, address=args.address, engine="serial" if args.serial else "ray",
                       num_cpus=args.num_cpus, cpus_per_point=args.cpus_per_point, points=args.point,
                       retry_failed=args.retry_failed, report=not args.no_report,
                       verbose=0 if args.quiet else (2 if args.verbose else 1), data_dir=args.data_dir)
    except KeyboardInterrupt:
        rows = read_rows(out, grid) if os.path.isdir(out) else []
        print(f"\npredefsparse sweep: interrupted; {len(rows)} of {len(points)} points are on disk in {out!r}; "
              f"rerun the same command to run only the missing ones.", file=sys.stderr)
        return 130
    print(format_summary(result))
    return 3 if result.failed else 0


def _fmt(value: Any, spec: str) -> str:
    return "-" if value is None else format(value, spec)


def format_summary(result) -> str:
    """The command's closing lines: one line per setting (seeds pooled: float accuracy, its 10-90 % band and the
    hardware accuracy, on the chip's fixed-point arithmetic), the failed points, the files.

    Examples
    --------
    >>> from predefsparse.sweep import SweepResult
    >>> r = SweepResult("out", [], (), (), (), (), "out/sweep.csv", None, None, 1.0, "serial")
    >>> print(format_summary(r).splitlines()[-1])
    table   out/sweep.csv
    """
    from predefsparse.sweep.report import near_chance_text, summary as per_setting
    lines = []
    summary = per_setting(result.rows)
    if summary:
        lines.append(f"{'kind':<12} {'label':<16} {'dataset':<14} {'fo':<10} {'z':<10} {'seeds':>5} "
                     f"{'weights':>9} {'density':>8} {'accuracy':>9} {'10-90 % band':>13} {'hardware':>9} "
                     f"{'inputs/s':>12}")
        for e in summary:
            acc = [None if e[k] is None else 100 * e[k]
                   for k in ("accuracy_mean", "accuracy_p10", "accuracy_p90", "hardware_accuracy_mean")]
            band = "-" if acc[1] is None else f"{acc[1]:.2f}-{acc[2]:.2f}"
            lines.append(f"{str(e['kind']):<12} {str(e['label'] or '-'):<16} "
                         f"{os.path.basename(str(e['dataset'])):<14} {str(e['fo'] or '-'):<10} "
                         f"{str(e['z'] or '-'):<10} {e['seeds']:>5} {_fmt(e['weights'], ',.0f'):>9} "
                         f"{_fmt(e['density'], '.4f'):>8} {_fmt(acc[0], '.2f'):>9} {band:>13} "
                         f"{_fmt(acc[3], '.2f'):>9} "
                         f"{_fmt(e['throughput'], ',.0f'):>12}")
    warning = near_chance_text(summary)
    if warning:
        lines.append(warning)
    for r in result.rows:
        if r["status"] == "failed":
            lines.append(f"FAILED {r['point']}: {r.get('error')}")
    if result.missing:
        lines.append(f"{len(result.missing)} points not run (e.g. {', '.join(result.missing[:3])})")
    if result.report:
        lines.append(f"report  {result.report}")
    lines.append(f"table   {result.table}")
    return "\n".join(lines)
