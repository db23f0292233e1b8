"""Sweeps: many design-style evaluations over a grid of settings, run on Ray, into one table and one report.

A *point* is one evaluation of :func:`predefsparse.codesign.evaluate`: the patterns of one kind, the simulator's
hardware figures at one z, one training run on one dataset with one seed, and the trained weights' accuracy on
the chip's fixed-point arithmetic (``hardware_accuracy``: quantised to the build's word widths and run through
:func:`hwsim.infer` on the test split) beside the float one (``accuracy``).  A *grid* names the points: the
product of its axes (densities or fo, kinds, z choices, datasets, seeds...), optionally times a list of named
*cases*, on top of settings shared by every point.  Written as TOML::

    title = "MNIST accuracy vs overall density"

    [fixed]                          # settings shared by every point
    config = [800, 100, 10]
    epochs = 2

    [grid]                           # axes: every combination is a point
    kind = ["fc", "random", "basic", "clash_free"]
    fo = [[50, 10], [20, 10], [8, 4]]
    seed = [0, 1, 2]

    [[cases]]                        # optional: named variants, each combined with every axis combination
    label = "sparser early"
    fo = [10, 10]

The keys of a point are :data:`GRID_KEYS`; any of them may be fixed, an axis or set by a case.  A fully
connected point is the reference of the sparse net its ``fo`` or ``densities`` name, as in ``design``: it runs
at that net's planned z (its own degrees are full), so ``fc`` appears once per ``fo`` like every kind.  On a
config other than the default, an ``fc`` point without ``fo`` runs at the fully connected net's own plan.

:func:`sweep` runs the points on Ray -- a local instance started with the machine's cores (and stopped after),
or a cluster by address -- and streams the results into one table, ``OUT/sweep.csv`` (and ``OUT/sweep.parquet``
where pyarrow is installed), rewritten atomically after every point (docs/sweeps.md).  Each point keeps its folder
``OUT/points/<id>/`` (``row.json``: its row in the table; the evaluation's own files: ``patterns/``,
``hwsim.json``, ``run/``...), where the id is a hash of the point's settings, so a point is the same point in
every sweep that names it.  A point is finished when its ``row.json`` is on disk: rerunning an interrupted
sweep runs only the missing points; a ``row.json`` that is not its point's (settings that do not hash to the
id, figures out of range) is run again, saying why; a failing point is recorded with its error and the others
go on; ``points=`` or ``retry_failed=True`` run chosen points again.
When the points are done, :func:`write_report` draws the plots (float and hardware accuracy side by side) and
writes ``OUT/report.html``.  A point with ``on_chip = true`` also trains on the chip's own arithmetic, as
``design --on-chip`` does (``onchip_accuracy``, ``onchip_curve``; null otherwise).

Modules: :mod:`.settings` (the keys of a point and the check of one value), :mod:`.grid` (grids and points),
:mod:`.points` (one point: run it, its row, reading a row back), :mod:`.table` (``sweep.csv``,
``sweep.json``, :func:`read_rows`), :mod:`.engines` (serial and Ray), :mod:`.cluster` (handing points out,
a lost node's points submitted again), :mod:`.transfer` (a point in a scratch folder of any node, its files
home to ``OUT`` atomically, datasets through the object store), :mod:`.job` (:func:`sweep`) and
:mod:`.report` (plots, summary, :func:`write_report`).  The package imports neither TensorFlow nor Ray: Ray is
imported when a sweep runs on it, TensorFlow inside each point.

Examples
--------
>>> from predefsparse.sweep import parse_grid
>>> grid = parse_grid({"fixed": {"config": [784, 16, 10], "dataset": "mnist"},
...                    "grid": {"kind": ["fc", "random"], "fo": [[4, 5], [2, 5]], "seed": [0, 1]}})
>>> len(grid.points())  # every kind at both fo (fc at each sparse net's planned z) and both seeds
8
>>> sorted({p.settings["kind"] for p in grid.points()})
['fc', 'random']
"""
from .engines import ENGINES
from .grid import Grid, Point, load_grid, parse_grid
from .job import SweepResult, sweep
from .report import write_report
from .settings import DEFAULTS, GRID_KEYS
from .table import read_rows

__all__ = ["GRID_KEYS", "DEFAULTS", "ENGINES", "Grid", "Point", "SweepResult", "load_grid", "parse_grid",
           "sweep", "read_rows", "write_report"]
