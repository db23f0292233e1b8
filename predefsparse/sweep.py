"""Sweeps: many design-style evaluations over a grid of settings, run on Ray (docs/sweeps.md).

A *point* is one evaluation of :func:`predefsparse.design.evaluate`: the patterns of one kind, the simulator's
hardware figures at one z and one training run on one dataset with one seed.  A *grid* names the points: the
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
connected point ignores ``fo`` and ``densities`` (its density is 1), so ``fc`` appears once per combination of
the other axes, as the reference.

:func:`sweep` runs the points on Ray -- a local instance started with the machine's cores (and stopped after),
or a cluster by address -- and streams the results into one table, ``OUT/sweep.csv`` (and ``OUT/sweep.parquet``
where pyarrow is installed), rewritten atomically after every point.  Each point keeps its folder
``OUT/points/<id>/`` (``row.json``: its row in the table; the evaluation's own files: ``patterns/``,
``hwsim.json``, ``run/``...), where the id is a hash of the point's settings, so a point is the same point in
every sweep that names it.  A point is finished when its ``row.json`` is on disk: rerunning an interrupted
sweep runs only the missing points; a failing point is recorded with its error and the others go on;
``points=`` or ``retry_failed=True`` run chosen points again.
When the points are done, :func:`write_report` draws the plots and writes ``OUT/report.html``.

This module imports neither TensorFlow nor Ray: Ray is imported when a sweep runs on it, TensorFlow inside each
point.

Examples
--------
>>> from predefsparse.sweep import parse_grid
>>> grid = parse_grid({"fixed": {"config": [784, 16, 10], "dataset": "mnist"},
...                    "grid": {"kind": ["fc", "random"], "fo": [[4, 5], [2, 5]], "seed": [0, 1]}})
>>> len(grid.points())  # fc once per seed, random for both fo
6
>>> sorted({p.settings["kind"] for p in grid.points()})
['fc', 'random']
"""
from __future__ import annotations

import csv
import dataclasses
import difflib
import hashlib
import io
import itertools
import json
import math
import numbers
import os
import shutil
import sys
import time
import tomllib
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import adjmat
from adjmat._validation import SpecError, fail
from adjmat.pattern import atomic_write

__all__ = ["GRID_KEYS", "DEFAULTS", "ENGINES", "Grid", "Point", "SweepResult", "load_grid", "parse_grid",
           "sweep", "read_rows", "write_report"]

#: Epochs of a point unless the grid says otherwise (a sweep multiplies them by its points; the published
#: runs used 50).
DEFAULT_EPOCHS = 2

#: Out-degrees of a point with the default config and neither fo nor densities (the published MNIST net).
DEFAULT_FO = (50, 10)

#: The settings of a point, with their defaults (None: not set).
DEFAULTS: dict[str, Any] = {
    "label": None,
    "config": (800, 100, 10),
    "kind": "clash_free",
    "fo": None,
    "densities": None,
    "z": None,
    "z1": None,
    "dataset": "mnist",
    "seed": 0,
    "epochs": DEFAULT_EPOCHS,
    "timing": "ideal",
    "clock": 15e6,
    "energy": None,
}

#: What each key of a grid means (the keys of :data:`DEFAULTS`).
GRID_KEYS: dict[str, str] = {
    "label": "a name for the point (not part of its id); usually set by a case",
    "config": "layer sizes, input (padded) width first, e.g. [800, 100, 10]",
    "kind": "pattern kind (fc, random, basic, usn, clash_free, rtl, ...)",
    "fo": "out-degree per junction, e.g. [50, 10] (or densities; default [50, 10] with the default config)",
    "densities": "density per junction, e.g. [0.5, 1.0] (or fo)",
    "z": "parallelism per junction, e.g. [400, 100] (or z1)",
    "z1": "parallelism of junction 1; the other junctions' z balance the junction cycles (needs fo)",
    "dataset": "dataset name (mnist, mnist-pca200, morse, ...) or the path of a six-key .npz",
    "seed": "seed of patterns, weights and data order (non-negative int)",
    "epochs": "training epochs",
    "timing": "simulator timing: ideal or rtl",
    "clock": "clock in Hz for inputs/s",
    "energy": "TOML file of energy per operation (default: the shipped 45 nm table)",
}

#: How :func:`sweep` runs the points: on Ray (parallel), or one after another in this process.
ENGINES = ("ray", "serial")

_SECTIONS = ("title", "fixed", "grid", "cases")
_POINT_FORMAT = "predefsparse.sweep-point/1"
_ROW = "row.json"
_SWEEP_FORMAT = "predefsparse.sweep/1"
_MAX_GRID_BYTES = 1 << 20
_MAX_ROW_BYTES = 4 << 20
_MAX_POINTS = 100_000
_TABLE_LEAD = ("point", "status", "label", "kind", "dataset", "config", "fo", "densities", "z", "z1", "seed",
               "epochs", "error")


# -------------------------------------------------------------------------------------------------- grid
def _nearest_hint(value: Any, choices: Iterable[str], listed: bool = True) -> str:
    choices = [str(c) for c in choices]
    close = difflib.get_close_matches(str(value), choices, n=2, cutoff=0.5)
    hint = f"Nearest: {', '.join(repr(c) for c in close)}." if close else ""
    if listed:
        hint = (hint + " " if hint else "") + "Valid: " + ", ".join(choices) + "."
    return hint or None


def _kind_names() -> tuple[str, ...]:
    names = getattr(adjmat, "kind_names", None)
    return tuple(names()) if callable(names) else tuple(adjmat.KINDS)


def _check_int(where: str, param: str, value: Any, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise fail(where, param, "a positive integer" if minimum == 1 else f"an integer >= {minimum}", value)
    return int(value)


def _check_ints(where: str, param: str, value: Any) -> tuple[int, ...]:
    if not isinstance(value, (list, tuple)) or not value or any(
            isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 1 for v in value):
        raise fail(where, param, "a non-empty list of positive integers (one per layer or junction)", value)
    return tuple(int(v) for v in value)


def _check_floats(where: str, param: str, value: Any) -> tuple[float, ...]:
    ok = isinstance(value, (list, tuple)) and value and all(
        not isinstance(v, bool) and isinstance(v, numbers.Real) and 0 < v <= 1 for v in value)
    if not ok:
        raise fail(where, param, "a non-empty list of densities in (0, 1], one per junction", value)
    return tuple(float(v) for v in value)


def _check_dataset(where: str, param: str, value: Any) -> str:
    from . import datasets
    if not isinstance(value, str) or not value:
        raise fail(where, param, "a dataset name or the path of a .npz file", value)
    try:
        path = datasets.path_for(value)
    except SpecError as err:
        raise fail(where, param, "a dataset name or the path of a .npz file", value,
                   _nearest_hint(value, datasets.DATASETS)) from err
    if value in datasets.DATASETS or (path.is_file() and value == path.name[:-4]):
        return value  # a name: resolved by each point (PREDEFSPARSE_DATA, the checkout's datasets/...)
    if path.is_file():
        return os.path.abspath(path)  # a file: the same file whatever the workers' working folder
    if value.endswith(".npz") or os.sep in value or "/" in value:
        raise fail(where, param, "an existing .npz file or a dataset name", value, f"No file {str(path)!r}.")
    present = sorted(p.stem for p in path.parent.glob("*.npz")) if path.parent.is_dir() else []
    raise fail(where, param, "a dataset with a builder or a file in the data folder", value,
               _nearest_hint(value, sorted(set(datasets.DATASETS) | set(present))))


def _check_value(where: str, param: str, key: str, value: Any) -> Any:
    """One setting's value, checked and made canonical (tuples, ints, floats)."""
    if key == "label":
        if not isinstance(value, str) or not value:
            raise fail(where, param, "a non-empty string", value)
        return value
    if key == "config":
        config = _check_ints(where, param, value)
        if len(config) < 2:
            raise fail(where, param, "at least two layer sizes (input and output)", value)
        return config
    if key == "kind":
        kinds = _kind_names()
        if value not in kinds:
            raise fail(where, param, "a pattern kind", value, _nearest_hint(value, kinds))
        return value
    if key in ("fo", "z"):
        return _check_ints(where, param, value)
    if key == "densities":
        return _check_floats(where, param, value)
    if key in ("z1", "epochs"):
        return _check_int(where, param, value, 1)
    if key == "seed":
        return _check_int(where, param, value, 0)
    if key == "dataset":
        return _check_dataset(where, param, value)
    if key == "timing":
        if value not in ("ideal", "rtl"):
            raise fail(where, param, "'ideal' or 'rtl'", value, _nearest_hint(value, ("ideal", "rtl")))
        return value
    if key == "clock":
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) \
                or value <= 0:
            raise fail(where, param, "a positive clock in Hz", value)
        return float(value)
    if key == "energy":
        if not isinstance(value, str) or not value:
            raise fail(where, param, "the path of an energy TOML file", value)
        from .energy import load_energy  # validates the file (keys, sizes, units) before any work
        try:
            load_energy(value)
        except (SpecError, OSError) as err:
            raise SpecError(f"{where}: {param}: {err}") from None
        return os.path.abspath(value)
    raise AssertionError(key)  # pragma: no cover - keys are checked before


def _param(section: str, key: str, origin: Mapping[tuple[str, str], str], index: int | None = None) -> str:
    """How a setting is named in messages: ``grid.fo[1]`` from a file, ``--grid fo`` from a flag."""
    flag = origin.get((section, key))
    suffix = "" if index is None else f"[{index}]"
    return f"{flag} {key}{suffix}" if flag else f"{section}.{key}{suffix}"


def _check_keys(where: str, section: str, mapping: Any, origin: Mapping[tuple[str, str], str]) -> dict[str, Any]:
    if not isinstance(mapping, Mapping):
        raise fail(where, section, "a table of settings", mapping)
    for key in mapping:
        if key not in DEFAULTS:
            flag = origin.get((section, key))
            raise fail(where, f"{flag} key" if flag else f"{section} key", "one of " + ", ".join(DEFAULTS), key,
                       _nearest_hint(key, DEFAULTS, listed=False))
    return dict(mapping)


@dataclasses.dataclass(frozen=True)
class Point:
    """One point of a sweep: its settings (the keys of :data:`DEFAULTS`) and its stable id.

    Attributes
    ----------
    id : str
        12 hex digits of the SHA-256 of the settings (the label left out): the name of its folder
        ``OUT/points/<id>/``.
    settings : dict
        Every setting of the point (defaults filled in); tuples for per-layer values.

    Examples
    --------
    >>> from predefsparse.sweep import parse_grid
    >>> point = parse_grid({"fixed": {"kind": "fc", "seed": 3}}).points()[0]
    >>> point.settings["kind"], point.settings["fo"], len(point.id)
    ('fc', None, 12)
    """

    id: str
    settings: dict

    @property
    def label(self) -> str | None:
        """The point's label (set by a case), or None."""
        return self.settings.get("label")

    def describe(self) -> str:
        """The settings that vary in typical grids, in one line.

        Examples
        --------
        >>> from predefsparse.sweep import parse_grid
        >>> parse_grid({"fixed": {"kind": "random", "fo": [4, 5], "config": [784, 16, 10]}}).points()[0].describe()
        'random fo=4-5 seed=0 mnist'
        """
        s = self.settings
        parts = [s["label"]] if s.get("label") else []
        parts.append(s["kind"])
        for key in ("fo", "densities", "z", "z1"):
            if s.get(key) is not None:
                parts.append(f"{key}={_cell(s[key])}")
        parts += [f"seed={s['seed']}", _short(s["dataset"])]
        return " ".join(parts)


def _point_id(settings: Mapping[str, Any]) -> str:
    canon = {k: list(v) if isinstance(v, tuple) else v for k, v in sorted(settings.items()) if k != "label"}
    text = json.dumps(canon, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


@dataclasses.dataclass(frozen=True)
class Grid:
    """A sweep's grid: settings shared by every point, axes (every combination is a point) and cases.

    Built by :func:`load_grid` (a TOML file) or :func:`parse_grid` (a mapping of the same shape); the
    constructor checks everything again, so a ``Grid`` is always valid.

    Parameters
    ----------
    fixed : dict
        Settings shared by every point (keys of :data:`DEFAULTS`).
    axes : dict
        ``{key: list of values}``; the points are their product, in the order given.
    cases : sequence of dict
        Named variants (each a dict of settings, usually with a ``label``); every case is combined with every
        combination of the axes.  Empty: one implicit case with no settings.
    title : str
        Shown in the report.

    Examples
    --------
    >>> g = Grid(fixed={"config": (784, 16, 10), "fo": (4, 5)}, axes={"seed": [0, 1, 2]}, title="three seeds")
    >>> [p.settings["seed"] for p in g.points()]
    [0, 1, 2]
    """

    fixed: dict = dataclasses.field(default_factory=dict)
    axes: dict = dataclasses.field(default_factory=dict)
    cases: tuple = ()
    title: str = "sweep"
    where: dataclasses.InitVar[str] = "Grid"
    origin: dataclasses.InitVar[Mapping | None] = None

    def __post_init__(self, where: str = "Grid", origin: Mapping | None = None):
        origin = dict(origin or {})
        if not isinstance(self.title, str):
            raise fail(where, "title", "a string", self.title)
        fixed = _check_keys(where, "fixed", self.fixed, origin)
        fixed = {k: _check_value(where, _param("fixed", k, origin), k, v) for k, v in fixed.items()
                 if v is not None}
        axes = _check_keys(where, "grid", self.axes, origin)
        checked_axes = {}
        for key, values in axes.items():
            param = _param("grid", key, origin)
            if not isinstance(values, (list, tuple)) or not values:
                raise fail(where, param, "a non-empty list of choices", values,
                           f"For one value write it in [fixed], or as a list: {key} = [{values!r}].")
            choices = [_check_value(where, _param("grid", key, origin, i), key, v) for i, v in enumerate(values)]
            twice = [c for i, c in enumerate(choices) if c in choices[:i]]
            if twice:
                raise fail(where, param, "a list of distinct choices", values, f"{twice[0]!r} is listed twice.")
            if key in fixed:
                raise SpecError(f"{where}: {key} is both fixed and an axis; received "
                                f"{_param('fixed', key, origin)}={fixed[key]!r}, {param}={values!r}. "
                                f"Keep one of them.")
            checked_axes[key] = tuple(choices)
        if not isinstance(self.cases, (list, tuple)):
            raise fail(where, "cases", "a list of tables ([[cases]] in TOML)", self.cases)
        cases = []
        for i, case in enumerate(self.cases):
            section = f"cases[{i}]"
            case = _check_keys(where, section, case, origin)
            case = {k: _check_value(where, _param(section, k, origin), k, v) for k, v in case.items()}
            clash = sorted(set(case) & set(checked_axes))
            if clash:
                raise SpecError(f"{where}: {section} sets {clash[0]}, which is also an axis "
                                f"({_param('grid', clash[0], origin)}); received {section}.{clash[0]}="
                                f"{case[clash[0]]!r}. Move it out of one of them.")
            cases.append(case)
        object.__setattr__(self, "fixed", fixed)
        object.__setattr__(self, "axes", checked_axes)
        object.__setattr__(self, "cases", tuple(cases))
        size = max(len(cases), 1) * math.prod(len(v) for v in checked_axes.values())
        if size > _MAX_POINTS:
            raise SpecError(f"{where}: the grid has {size:,} combinations, more than {_MAX_POINTS:,}; received "
                            f"axes of sizes {[len(v) for v in checked_axes.values()]}. Split the sweep.")
        self._expand(where)  # every point checked now, before any work

    def points(self) -> list[Point]:
        """Every point of the grid, in order (cases, then the axes' product); duplicates (fully connected
        points that differ only in fo or densities) appear once.

        Examples
        --------
        >>> Grid(axes={"kind": ["fc", "rtl"], "fo": [[50, 10], [20, 10]]}).points()[0].settings["fo"] is None
        True
        """
        return self._expand("Grid.points")

    def _expand(self, where: str) -> list[Point]:
        out, seen = [], set()
        keys = list(self.axes)
        for case in self.cases or ({},):
            for combo in itertools.product(*(self.axes[k] for k in keys)):
                settings = {**DEFAULTS, **self.fixed, **case, **dict(zip(keys, combo))}
                _check_point(where, settings)
                if settings["kind"] == "fc":
                    settings["fo"] = settings["densities"] = None
                pid = _point_id(settings)
                if pid not in seen:
                    seen.add(pid)
                    out.append(Point(pid, settings))
        return out

    def to_dict(self) -> dict[str, Any]:
        """The grid as TOML-shaped, JSON-safe data (:func:`parse_grid` reads it back).

        Examples
        --------
        >>> parse_grid(Grid(axes={"seed": [0, 1]}).to_dict()).axes
        {'seed': (0, 1)}
        """
        def plain(v):
            return [plain(x) for x in v] if isinstance(v, (list, tuple)) else v
        return {"title": self.title, "fixed": {k: plain(v) for k, v in self.fixed.items()},
                "grid": {k: plain(v) for k, v in self.axes.items()},
                "cases": [{k: plain(v) for k, v in c.items()} for c in self.cases]}


def _check_point(where: str, s: dict[str, Any]) -> None:
    """Rules between a point's settings that make it meaningless as a whole (caught before any work)."""
    what = s.get("label") or f"{s['kind']} point"
    if s["fo"] is not None and s["densities"] is not None and s["kind"] != "fc":
        raise SpecError(f"{where}: fo and densities exclude each other; received fo={list(s['fo'])}, "
                        f"densities={list(s['densities'])} for the {what}. Give one of them per point.")
    if s["z"] is not None and s["z1"] is not None:
        raise SpecError(f"{where}: z and z1 exclude each other; received z={list(s['z'])}, z1={s['z1']} for the "
                        f"{what}. Give z per junction, or z1 to balance the others.")
    junctions = len(s["config"]) - 1
    for key in ("fo", "densities", "z"):
        if s[key] is not None and len(s[key]) != junctions:
            raise SpecError(f"{where}: {key} must have one value per junction ({junctions} for config "
                            f"{list(s['config'])}); received {key}={list(s[key])} for the {what}.")
    if s["kind"] != "fc" and s["fo"] is None and s["densities"] is None:
        if tuple(s["config"]) == DEFAULTS["config"]:
            s["fo"] = DEFAULT_FO  # the published net's out-degrees, as design's default
            return
        raise SpecError(f"{where}: a {s['kind']} point needs fo or densities; received neither for the {what} "
                        f"(config {list(s['config'])}). Add e.g. fo to [fixed] or [grid].")
    if s["z1"] is not None and s["kind"] != "fc" and s["fo"] is None:
        raise SpecError(f"{where}: z1 balances the junction cycles from fo; received z1={s['z1']} with "
                        f"densities={list(s['densities'])} for the {what}. Give fo, or z per junction.")


def parse_grid(data: Mapping[str, Any], *, where: str = "parse_grid",
               origin: Mapping[tuple[str, str], str] | None = None) -> Grid:
    """A :class:`Grid` from a mapping shaped like the TOML file (``title``, ``fixed``, ``grid``, ``cases``).

    Parameters
    ----------
    data : mapping
        The parsed TOML (or the same built in Python).  Unknown sections or keys are refused, naming the
        nearest valid one.
    where : str
        Name of the caller in error messages.
    origin : mapping, optional
        ``{(section, key): flag}`` for settings that came from command-line flags, so messages name the flag
        (``--grid fo``) instead of the file's table (``grid.fo``).

    Returns
    -------
    Grid

    Examples
    --------
    >>> g = parse_grid({"title": "seeds", "fixed": {"kind": "fc"}, "grid": {"seed": [0, 1]}})
    >>> g.title, len(g.points())
    ('seeds', 2)
    """
    if not isinstance(data, Mapping):
        raise fail(where, "data", "a mapping with title, fixed, grid and cases", type(data).__name__)
    for key in data:
        if key not in _SECTIONS:
            hint = _nearest_hint(key, _SECTIONS)
            if key in DEFAULTS:
                hint = f"Settings go in [fixed] (shared) or [grid] (axes): [fixed] {key} = ... . " + hint
            raise fail(where, "section", "one of title, fixed, grid, cases", key, hint)
    return Grid(fixed=data.get("fixed", {}), axes=data.get("grid", {}), cases=data.get("cases", ()),
                title=data.get("title", "sweep"), where=where, origin=origin)


def load_grid(path: str | os.PathLike) -> Grid:
    """Read a grid from a TOML file (see the module docstring for its shape).

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "g.toml")
    >>> _ = open(path, "w").write('[fixed]\\nkind = "fc"\\n[grid]\\nseed = [0, 1, 2]\\n')
    >>> len(load_grid(path).points())
    3
    """
    where = "load_grid"
    if not isinstance(path, (str, os.PathLike)) or not os.fspath(path):
        raise fail(where, "path", "the path of a grid TOML file", path)
    path = os.fspath(path)
    return parse_grid({"title": Path(path).stem, **read_grid_file(where, "path", path)}, where=where)


def read_grid_file(where: str, param: str, path: str) -> dict[str, Any]:
    """The TOML table of a grid file, read as hostile: it must exist, hold at most ``_MAX_GRID_BYTES`` and parse
    (``param`` is how the caller names the path in messages: ``path`` in Python, ``GRID`` on the command line).

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "g.toml")
    >>> _ = open(path, "w").write('[grid]\\nseed = [0, 1]\\n')
    >>> read_grid_file("load_grid", "path", path)
    {'grid': {'seed': [0, 1]}}
    """
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{where}: no grid file {path!r}.")
    size = os.path.getsize(path)
    if size > _MAX_GRID_BYTES:
        raise fail(where, param, f"a grid file of at most {_MAX_GRID_BYTES:,} bytes", path,
                   f"It has {size:,} bytes.")
    with open(path, "rb") as f:
        try:
            return tomllib.load(f)
        except tomllib.TOMLDecodeError as err:
            raise SpecError(f"{where}: {path} is not valid TOML: {err}.") from None


def _as_grid(where: str, grid: Any) -> Grid:
    if isinstance(grid, Grid):
        return grid
    if isinstance(grid, (str, os.PathLike)):
        return load_grid(grid)
    if isinstance(grid, Mapping):
        return parse_grid(grid, where=where)
    raise fail(where, "grid", "a Grid, a mapping or the path of a grid TOML file", type(grid).__name__)


# -------------------------------------------------------------------------------------------------- points
def _cell(value: Any) -> Any:
    """A table cell: per-layer lists as ``800-100-10``, everything else as is."""
    if isinstance(value, (list, tuple)):
        return "-".join(f"{v:g}" if isinstance(v, float) else str(v) for v in value)
    return value


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return value.item()
    return value


def _thread_env(threads: int) -> dict[str, str]:
    """The environment that holds one point to ``threads`` cores: TensorFlow's intra-op pool, OpenMP, OpenBLAS
    and Numba at ``threads``, TensorFlow's inter-op pool at 1.  Measured on 2 cores with two points at once
    (docs/sweeps.md §7), inter-op 2 or intra-op 2 per point took 6 % and 14 % more CPU for the same points."""
    return {"TF_NUM_INTRAOP_THREADS": str(threads), "TF_NUM_INTEROP_THREADS": "1",
            "OMP_NUM_THREADS": str(threads), "OPENBLAS_NUM_THREADS": str(threads),
            "NUMBA_NUM_THREADS": str(threads)}


def _limit_threads(threads: int | None) -> None:
    """Keep one point to ``threads`` cores: environment for libraries not yet loaded, TensorFlow's own
    setting when it is loaded but not yet started (a Ray worker runs many points; the first one decides)."""
    if not threads:
        return
    env = _thread_env(threads)
    os.environ.update(env)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf
    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(int(env["TF_NUM_INTEROP_THREADS"]))
    except RuntimeError:  # already started by an earlier point in this worker: its setting holds
        pass


def _evaluate(settings: Mapping[str, Any], folder: str) -> dict[str, Any]:
    """One point through :func:`predefsparse.design.evaluate` (``z1`` is its int ``z``: z_1 with the other
    junctions balanced).  A fully connected point is the fully connected network at its own plan."""
    from . import design
    s = dict(settings)
    fo = tuple(s["config"][1:]) if s["kind"] == "fc" else s["fo"]
    return dict(design.evaluate(s["config"], s["kind"], fo=fo, densities=s["densities"],
                                z=s["z1"] if s["z1"] is not None else s["z"], seed=s["seed"],
                                dataset=s["dataset"], epochs=s["epochs"], timing=s["timing"], clock=s["clock"],
                                energy=s["energy"], out=folder, verbose=0))


def _run_point(settings: dict[str, Any], folder: str, threads: int | None = None,
               fresh: bool = False) -> dict[str, Any]:
    """Evaluate one point in its folder (what a Ray task or the serial loop runs); never raises for a point
    that fails -- the error is the result.  An interrupted training run left in the folder resumes from its
    last checkpoint; ``fresh`` (a retry) clears the folder first."""
    started, cpu = time.time(), time.process_time()
    if fresh and os.path.isdir(folder):
        for entry in os.listdir(folder):
            if entry != _ROW:
                path = os.path.join(folder, entry)
                shutil.rmtree(path) if os.path.isdir(path) else os.unlink(path)
    os.makedirs(folder, exist_ok=True)
    blas = os.environ.get("OPENBLAS_NUM_THREADS")  # read by numpy's BLAS when the process started
    try:
        _limit_threads(threads)
        row, error = _evaluate(settings, folder), None
    except Exception as err:  # recorded; the sweep goes on
        row, error = {}, f"{type(err).__name__}: {err}"
    tf = sys.modules.get("tensorflow")
    pools = tf.config.threading if tf is not None else None
    return {"status": "failed" if error else "done", "error": error, "result": _jsonable(row),
            "started": started, "wall_s": time.time() - started, "cpu_s": time.process_time() - cpu,
            "threads": {"tf_intra_op": pools.get_intra_op_parallelism_threads() if pools else None,
                        "tf_inter_op": pools.get_inter_op_parallelism_threads() if pools else None,
                        "blas": int(blas) if blas and blas.isdigit() else None},
            "host": os.uname().nodename, "pid": os.getpid()}


def _point_row(point: Point, outcome: Mapping[str, Any]) -> dict[str, Any]:
    """The point's row: id, status, everything the evaluation returned (the actual fo, z, W, figures...),
    then the settings it does not report (label, z1, epochs...), and the settings as asked under
    ``settings``."""
    row: dict[str, Any] = {"format": _POINT_FORMAT, "point": point.id, "status": outcome["status"],
                           "error": outcome["error"]}
    result = dict(outcome.get("result") or {})
    if result.get("status") not in (None, "done"):
        row["status"] = "failed"
        row["error"] = row["error"] or f"the evaluation ended with status {result['status']!r}"
    for key, value in result.items():
        if key not in row:
            row[key] = value
    for key, value in point.settings.items():
        if key not in result:
            row[key] = _jsonable(value)
    row.update({"wall_s": outcome["wall_s"], "cpu_s": outcome.get("cpu_s"), "threads": outcome.get("threads"),
                "started": outcome["started"], "host": outcome.get("host"),
                "pid": outcome.get("pid"), "settings": _jsonable(point.settings)})
    return row


def _read_row(folder: Path, pid: str) -> dict[str, Any] | None:
    """The point's row if complete on disk (checked: size, JSON, format, id, status), else None."""
    path = folder / "points" / pid / _ROW
    try:
        if not path.is_file() or path.stat().st_size > _MAX_ROW_BYTES:
            return None
        with open(path, encoding="utf-8") as f:
            row = json.load(f)
    except (OSError, ValueError):
        return None
    if not isinstance(row, dict) or row.get("format") != _POINT_FORMAT or row.get("point") != pid \
            or row.get("status") not in ("done", "failed"):
        return None
    return row


def _write_json(path: Path, obj: Any) -> None:
    text = json.dumps(_jsonable(obj), indent=1, allow_nan=True) + "\n"
    atomic_write(path, lambda f: f.write(text.encode("utf-8")))


# -------------------------------------------------------------------------------------------------- table
def _columns(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    cols = [c for c in _TABLE_LEAD if any(c in r for r in rows)]
    for row in rows:
        for key in row:
            if key not in cols and key != "format" and not isinstance(row[key], dict):
                cols.append(key)
    return cols


def _write_table(folder: Path, rows: Sequence[Mapping[str, Any]]) -> tuple[str, str | None]:
    """``sweep.csv`` (and ``sweep.parquet`` with pyarrow), atomically; per-layer lists as ``800-100-10``."""
    cols = _columns(rows)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(cols)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else _cell(row.get(c)) for c in cols])
    csv_path = atomic_write(folder / "sweep.csv", lambda f: f.write(buf.getvalue().encode("utf-8")))
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        return csv_path, None
    arrays = []
    for c in cols:
        values = [_cell(r.get(c)) for r in rows]
        try:
            arrays.append(pa.array(values))
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed types in one column: text
            arrays.append(pa.array([None if v is None else str(v) for v in values], type=pa.string()))
    table = pa.Table.from_arrays(arrays, names=cols) if cols else pa.table({})
    pq_path = atomic_write(folder / "sweep.parquet", lambda f: pq.write_table(table, f))
    return csv_path, pq_path


def _sweep_folder(where: str, out: Any) -> Path:
    if not isinstance(out, (str, os.PathLike)) or not os.fspath(out):
        raise fail(where, "out", "the folder of a sweep", out)
    folder = Path(out)
    if not folder.is_dir():
        raise FileNotFoundError(f"{where}: no sweep folder {str(folder)!r}.")
    return folder


def read_rows(out: str | os.PathLike, grid: Any = None) -> list[dict[str, Any]]:
    """The rows on disk of a sweep folder: one per finished point (done or failed), in grid order.

    Parameters
    ----------
    out : path
        The sweep's folder.
    grid : Grid, mapping or path, optional
        Read only this grid's points; default the grid saved in ``out/sweep.json``.

    Examples
    --------
    >>> import tempfile
    >>> read_rows(tempfile.mkdtemp())
    []
    """
    where = "read_rows"
    folder = _sweep_folder(where, out)
    if grid is not None:
        ids = [p.id for p in _as_grid(where, grid).points()]
    else:
        saved = folder / "sweep.json"
        if not saved.is_file():
            return []
        if saved.stat().st_size > _MAX_GRID_BYTES * 16:
            raise SpecError(f"{where}: {saved} is larger than a sweep record can be; it is not one.")
        with open(saved, encoding="utf-8") as f:
            try:
                record = json.load(f)
            except ValueError:
                raise SpecError(f"{where}: {saved} is not valid JSON; rerun the sweep to rewrite it.") from None
        if not isinstance(record, dict) or record.get("format") != _SWEEP_FORMAT:
            raise SpecError(f"{where}: {saved} is not a sweep record (format {_SWEEP_FORMAT}).")
        ids = [p["id"] for p in record.get("points", []) if isinstance(p, dict) and isinstance(p.get("id"), str)
               and len(p["id"]) == 12 and all(ch in "0123456789abcdef" for ch in p["id"])]
    rows = [_read_row(folder, pid) for pid in ids]
    return [r for r in rows if r is not None]


# -------------------------------------------------------------------------------------------------- running
@dataclasses.dataclass(frozen=True)
class SweepResult:
    """What :func:`sweep` did.

    Attributes
    ----------
    out : str
        The sweep's folder.
    rows : list of dict
        The row of every finished point of the grid (done or failed), in grid order.
    ran, skipped : tuple of str
        Ids of the points evaluated by this call, and of those already on disk and left alone.
    failed : tuple of str
        Ids of the grid's points recorded as failed (by this call or before).
    missing : tuple of str
        Ids of the grid's points with no row yet (a call with ``points=`` leaves the others missing).
    table, parquet, report : str or None
        ``sweep.csv``, ``sweep.parquet`` (None without pyarrow) and ``report.html`` (None when not written).
    wall_s : float
        Wall time of the call.
    engine : str
        ``"ray"`` or ``"serial"``.
    """

    out: str
    rows: list
    ran: tuple
    skipped: tuple
    failed: tuple
    missing: tuple
    table: str
    parquet: str | None
    report: str | None
    wall_s: float
    engine: str


class _Progress:
    """One line per finished point: count, id, what it was, the result and an estimate of the time left."""

    def __init__(self, total: int, parallel: int, stream=None, enabled: bool = True):
        self.total, self.parallel, self.done = total, max(parallel, 1), 0
        self.stream, self.enabled, self.started = stream or sys.stderr, enabled, time.time()

    def line(self, text: str) -> None:
        if self.enabled:
            print(f"sweep: {text}", file=self.stream, flush=True)

    def point(self, point: Point, row: Mapping[str, Any]) -> None:
        self.done += 1
        elapsed = time.time() - self.started
        left = self.total - self.done
        eta = f", about {_duration(elapsed / self.done * left)} left" if left else ""
        if row["status"] == "done":
            acc = _metric(row, "accuracy")
            what = "accuracy " + ("-" if acc is None else f"{100 * acc:.2f} %")
        else:
            what = "FAILED: " + str(row.get("error"))[:200]
        self.line(f"[{self.done}/{self.total}] {point.id} {point.describe()}: {what} "
                  f"({row['wall_s']:.0f} s{eta})")


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def _check_address(where: str, address: Any) -> str | None:
    if address is None:
        return None
    if not isinstance(address, str) or not address or (
            address != "auto" and not address.startswith("ray://") and ":" not in address):
        raise fail(where, "address", "None (a local Ray instance), 'auto' (the running cluster), "
                   "'ray://host:port' or 'host:port'", address)
    return address


def _usable_cpus() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


class _Lock:
    """``OUT/.sweep.lock`` holding our pid: two sweeps writing one folder would overwrite each other's table.
    A lock whose process is gone is taken over.  The lock file appears with the pid already in it (written to
    a private file first, then hard-linked into place, which fails if the lock exists), so another sweep never
    reads it empty and takes it over from a live owner."""

    def __init__(self, where: str, folder: Path):
        from .results import _alive, _read_pid
        self.path = folder / ".sweep.lock"
        mine = folder / f".sweep.lock.{os.getpid()}"
        mine.write_text(str(os.getpid()))
        try:
            for _ in range(2):
                try:
                    _link_or_create(mine, self.path)
                except FileExistsError:
                    other = _read_pid(str(self.path)) or 0
                    if other > 0 and other != os.getpid() and _alive(other):
                        raise SpecError(f"{where}: out {str(folder)!r} is in use by another sweep (pid {other}); "
                                        f"wait for it or choose another out.") from None
                    self.path.unlink(missing_ok=True)
                    continue
                return
        finally:
            mine.unlink(missing_ok=True)
        raise SpecError(f"{where}: could not lock {str(self.path)!r}; remove it if no sweep is running.")

    def release(self) -> None:
        self.path.unlink(missing_ok=True)


def _link_or_create(source: Path, path: Path) -> None:
    """Hard-link ``source`` (holding our pid) to ``path``, or raise FileExistsError.  Where the file system
    has no hard links, create ``path`` exclusively and write the pid (a reader may then see it empty for an
    instant)."""
    try:
        os.link(source, path)
    except FileExistsError:
        raise
    except OSError:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        with os.fdopen(fd, "w") as f:
            f.write(source.read_text())


def _ensure_datasets(points: Sequence[Point], progress: _Progress) -> None:
    """Build once, here, every named dataset that is missing, so parallel points do not all build it."""
    from . import datasets
    for name in sorted({p.settings["dataset"] for p in points}):
        if name in datasets.DATASETS and not datasets.path_for(name).is_file():
            progress.line(f"building dataset {name!r} once before the points start")
            datasets.build(name)


def sweep(grid: Any, *, out: str | os.PathLike, address: str | None = None, engine: str = "ray",
          num_cpus: int | None = None, cpus_per_point: int = 1, points: Sequence[str] | None = None,
          retry_failed: bool = False, report: bool = True, verbose: int = 1,
          stream: Any = None) -> SweepResult:
    """Evaluate every point of a grid (on Ray by default) into one table and one report.

    Parameters
    ----------
    grid : Grid, mapping or path
        The grid (:func:`load_grid`, :func:`parse_grid`).  Checked completely before any work.
    out : path
        The sweep's folder: ``sweep.csv``, ``sweep.parquet``, ``sweep.json`` (the grid and its point ids),
        ``points/<id>/`` per point, ``figures/`` and ``report.html``.
    address : str, optional
        None: start a local Ray instance with ``num_cpus`` CPUs and stop it at the end (a Ray session already
        open in this process is used as is); ``"auto"``, ``"ray://host:port"`` or ``"host:port"``: a running
        cluster (``out`` should then be a folder every node shares).
    engine : {"ray", "serial"}
        ``"serial"`` evaluates the points one after another in this process (no Ray).
    num_cpus : int, optional
        CPUs of the local instance; default the cores this process may use.
    cpus_per_point : int
        CPUs reserved by each point; its TensorFlow, OpenMP and Numba threads are held to that number.
    points : sequence of str, optional
        Evaluate exactly these point ids (again, even if done); the others are left as they are.
    retry_failed : bool
        Also evaluate again the points recorded as failed (by default a failed point stays failed).
    report : bool
        Write the plots and ``report.html`` at the end (:func:`write_report`).
    verbose : {0, 1, 2}
        0 silent; 1 a line per finished point; 2 also the workers' own output (Keras, TensorFlow).
    stream : file, optional
        Where the progress lines go (default stderr).

    Returns
    -------
    SweepResult

    Raises
    ------
    adjmat.SpecError
        A bad grid or argument, before any work; an unknown key or value names the nearest valid one.
    KeyboardInterrupt
        After the finished points are written: rerunning the same call runs only the missing points.

    Examples
    --------
    >>> import tempfile
    >>> sweep({"grid": {"kinds": ["fc"]}}, out=tempfile.mkdtemp())  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    adjmat.SpecError: sweep: grid key must be one of label, config, kind, ...; received grid key='kinds'. ...
    """
    where = "sweep"
    grid = _as_grid(where, grid)
    if not isinstance(out, (str, os.PathLike)) or not os.fspath(out):
        raise fail(where, "out", "the path of the sweep's folder", out)
    address = _check_address(where, address)
    if engine not in ENGINES:
        raise fail(where, "engine", "'ray' or 'serial'", engine, _nearest_hint(engine, ENGINES))
    if engine == "serial" and address is not None:
        raise SpecError(f"{where}: address is for the Ray engine; received engine='serial', address={address!r}.")
    if num_cpus is not None:
        num_cpus = _check_int(where, "num_cpus", num_cpus, 1)
    cpus_per_point = _check_int(where, "cpus_per_point", cpus_per_point, 1)
    if not isinstance(retry_failed, bool):
        raise fail(where, "retry_failed", "True or False", retry_failed)
    if not isinstance(report, bool):
        raise fail(where, "report", "True or False", report)
    if verbose not in (0, 1, 2) or isinstance(verbose, bool):
        raise fail(where, "verbose", "0, 1 or 2", verbose)
    all_points = grid.points()
    by_id = {p.id: p for p in all_points}
    if points is not None:
        if isinstance(points, str) or not isinstance(points, (list, tuple)) or not points:
            raise fail(where, "points", "a non-empty list of point ids", points)
        for pid in points:
            if pid not in by_id:
                raise fail(where, "points", "ids of this grid's points", pid, _nearest_hint(pid, by_id))
    if engine == "ray":
        try:
            import ray  # noqa: F401
        except ImportError:
            raise SpecError(f"{where}: engine='ray' needs the ray package; install the extra with "
                            f"pip install -e \".[dist]\", or pass engine='serial'.") from None

    started = time.time()
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    lock = _Lock(where, folder)
    try:
        _write_json(folder / "sweep.json", {"format": _SWEEP_FORMAT, "grid": grid.to_dict(),
                                            "points": [{"id": p.id, **p.settings} for p in all_points]})
        rows = {p.id: _read_row(folder, p.id) for p in all_points}
        if points is not None:
            todo = [by_id[pid] for pid in dict.fromkeys(points)]
        else:
            todo = [p for p in all_points if rows[p.id] is None
                    or (retry_failed and rows[p.id]["status"] == "failed")]
        todo_ids = {p.id for p in todo}
        skipped = tuple(p.id for p in all_points if rows[p.id] is not None and p.id not in todo_ids)
        parallel = 1 if engine == "serial" else (num_cpus or _usable_cpus()) // cpus_per_point
        progress = _Progress(len(todo), parallel, stream, enabled=verbose > 0)
        n_done = sum(1 for r in rows.values() if r is not None and r["status"] == "done")
        n_failed = sum(1 for r in rows.values() if r is not None and r["status"] == "failed")
        where_run = "in this process" if engine == "serial" else (
            f"Ray at {address}" if address else f"a local Ray instance ({num_cpus or _usable_cpus()} CPUs)")
        named = "" if grid.title == "sweep" else f"{grid.title}: "
        progress.line(f"{named}{len(all_points)} points ({n_done} done, {n_failed} failed, "
                      f"{len(todo)} to run) {where_run} -> {folder}")
        table = _write_table(folder, [r for r in rows.values() if r is not None])

        def finished(point: Point, outcome: Mapping[str, Any]) -> None:
            nonlocal table
            row = _point_row(point, outcome)
            _write_json(folder / "points" / point.id / _ROW, row)
            rows[point.id] = row
            table = _write_table(folder, [r for r in rows.values() if r is not None])
            progress.point(point, row)

        if todo:
            _ensure_datasets(todo, progress)
            if engine == "serial":
                for point in todo:
                    finished(point, _run_point(point.settings, str(folder / "points" / point.id),
                                               fresh=rows[point.id] is not None))
            else:
                _run_on_ray(todo, folder, finished, {p.id for p in todo if rows[p.id] is not None},
                            address=address, num_cpus=num_cpus,
                            cpus_per_point=cpus_per_point, verbose=verbose)
        final = [r for r in (rows[p.id] for p in all_points) if r is not None]
        report_path = None
        if report and any(r["status"] == "done" for r in final):
            report_path = write_report(folder, grid)
        failed = tuple(r["point"] for r in final if r["status"] == "failed")
        missing = tuple(p.id for p in all_points if rows[p.id] is None)
        wall = time.time() - started
        progress.line(f"{len(final) - len(failed)} done, {len(failed)} failed, {len(missing)} missing "
                      f"({len(todo)} run now, {_duration(wall)}); table {table[0]}"
                      + (f"; report {report_path}" if report_path else ""))
        return SweepResult(str(folder), final, tuple(p.id for p in todo), skipped, failed, missing,
                           table[0], table[1], report_path, wall, engine)
    finally:
        lock.release()


def _run_on_ray(todo: Sequence[Point], folder: Path, finished: Callable[[Point, Mapping[str, Any]], None],
                fresh: set[str], *,
                address: str | None, num_cpus: int | None, cpus_per_point: int, verbose: int) -> None:
    """Submit every point as a Ray task; hand each outcome to ``finished`` as it arrives."""
    import ray

    threads = {**_thread_env(cpus_per_point),
               "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2")}
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    ours = False
    if not ray.is_initialized():
        kwargs = dict(include_dashboard=False, log_to_driver=verbose >= 2, logging_level="ERROR")
        if address is None:
            # A local instance's workers are children of the raylet started here: they inherit this process's
            # environment, so the thread limits go there for the time of the start (a runtime_env would start
            # Ray's runtime-env agent path for every worker: 1-4 s more before the first point starts).
            kwargs["num_cpus"] = num_cpus or _usable_cpus()
            saved = {name: os.environ.get(name) for name in threads}
            os.environ.update(threads)
            try:
                ray.init(**kwargs)
            finally:
                for name, value in saved.items():
                    if value is None:
                        os.environ.pop(name, None)
                    else:
                        os.environ[name] = value
        else:  # a cluster's workers run elsewhere: the limits travel with the job
            ray.init(address=address, runtime_env={"env_vars": threads}, **kwargs)
        ours = True
    try:
        task = ray.remote(num_cpus=cpus_per_point, max_retries=0)(_run_point)
        refs = {task.remote(dict(p.settings), str((folder / "points" / p.id).absolute()), cpus_per_point,
                            p.id in fresh): p for p in todo}
        pending = list(refs)
        while pending:
            ready, pending = ray.wait(pending, num_returns=1)
            for ref in ready:
                point = refs[ref]
                try:
                    outcome = ray.get(ref)
                except Exception as err:  # the worker died (memory, a signal): recorded, the others go on
                    outcome = {"status": "failed", "error": f"{type(err).__name__}: {str(err)[:2000]}",
                               "result": {}, "started": time.time(), "wall_s": 0.0}
                finished(point, outcome)
    except KeyboardInterrupt:
        # An instance started here is stopped below, its workers with it.  Cancelling its tasks first raced
        # with tasks finishing at that moment and could abort the driver inside Ray ("Tried to complete task
        # that was not pending"), so only a cluster's tasks are cancelled.
        if not ours:
            for ref in refs if "refs" in locals() else ():
                ray.cancel(ref, force=True)
        raise
    finally:
        if ours:
            _stop_monitor(ray)
            ray.shutdown()


def _stop_monitor(ray) -> None:
    """Kill the autoscaler monitor of a local instance this command started, before ``ray.shutdown``.

    ``ray.shutdown`` stops the instance's processes one after another, each with a 1 s grace period after
    SIGTERM; the monitor alone uses all of it (its SIGTERM handler reports to the GCS, which is stopped just
    before it), so shutting down took 1.2-1.4 s, 1.0 s of it waiting for the monitor (measured, Ray 2.60).
    The monitor only scales clusters and holds no state a local sweep needs.  This reads Ray's private node
    table; where that is not there (another Ray version), ``ray.shutdown`` does it the slow way."""
    try:
        node = ray._private.worker._global_node
        procs = node.all_processes.get("monitor", []) if node is not None and node.is_head() else []
    except AttributeError:
        return
    import subprocess
    for info in procs:
        process = getattr(info, "process", None)
        if process is not None and process.poll() is None:
            process.kill()
            try:
                process.wait(timeout=1)
            except subprocess.TimeoutExpired:  # ray.shutdown waits for it again
                pass


# -------------------------------------------------------------------------------------------------- report
def _number(row: Mapping[str, Any], key: str) -> float | None:
    value = row.get(key)
    if isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def _metric(row: Mapping[str, Any], name: str) -> float | None:
    """A figure of a row (the names of :func:`predefsparse.design.evaluate`'s rows)."""
    return _number(row, {"accuracy": "accuracy", "density": "density", "weights": "W",
                         "throughput": "throughput"}[name])


def _z1(row: Mapping[str, Any]) -> float | None:
    """The parallelism of junction 1 (the x axis of throughput vs z)."""
    z = row.get("z")
    if isinstance(z, (list, tuple)) and z and isinstance(z[0], numbers.Real):
        return float(z[0])
    return None


def _group_name(row: Mapping[str, Any], datasets: int) -> str:
    name = str(row.get("kind"))
    if row.get("label"):
        name = f"{row['label']}: {name}"
    return f"{name} ({row.get('dataset')})" if datasets > 1 else name


def _series(rows: Sequence[Mapping[str, Any]], x: Callable, y: Callable, group: Callable):
    """``{group: [(x, [y of every point there, e.g. over seeds]), ...]}`` sorted by x."""
    out: dict[Any, dict[float, list[float]]] = {}
    for row in rows:
        xv, yv = x(row), y(row)
        if xv is None or yv is None:
            continue
        out.setdefault(group(row), {}).setdefault(xv, []).append(yv)
    return {g: sorted(d.items()) for g, d in out.items()}


_FIGURES = (
    ("accuracy_vs_density", "Test accuracy vs overall density",
     "Test accuracy against the network's overall density (weights / (sum of p n)), per kind: the line is the "
     "median over seeds, the band spans the 10th to the 90th percentile; a fully connected net (density 1) "
     "is the dashed level.",
     lambda r: _metric(r, "density"), lambda r: _metric(r, "accuracy"), "overall density", "test accuracy", True),
    ("throughput_vs_z", "Throughput vs z",
     "Inputs per second at the clock (simulated, with the stalls of each kind's clashes) against the "
     "parallelism z of junction 1, per kind; each marker is one design (median over seeds).",
     _z1, lambda r: _metric(r, "throughput"), "z of junction 1", "inputs / s", True),
    ("accuracy_vs_weights", "Test accuracy vs weights",
     "Test accuracy against the number of weights, per kind: median over seeds, band 10th to 90th percentile.",
     lambda r: _metric(r, "weights"), lambda r: _metric(r, "accuracy"), "weights", "test accuracy", True),
)


def _figures(rows: Sequence[Mapping[str, Any]]) -> list[tuple[Any, str, str, str]]:
    """The sweep's matplotlib figures: ``(figure, name, title, caption)``; the caller closes them."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker
    import numpy as np

    done = [r for r in rows if r.get("status") == "done"]
    n_data = len({r.get("dataset") for r in done})
    out = []
    for name, title, caption, x, y, xlabel, ylabel, logx in _FIGURES:
        series = _series(done, x, y, lambda r: _group_name(r, n_data))
        if not series:
            continue
        fig, ax = plt.subplots(figsize=(7.0, 4.4))
        for group, pts in sorted(series.items()):
            xs = np.array([p[0] for p in pts])
            ys = [np.asarray(p[1]) for p in pts]
            mid = np.array([np.median(v) for v in ys])
            counts = sorted({len(v) for v in ys})
            n = f"{counts[0]}" if len(counts) == 1 else f"{counts[0]}-{counts[-1]}"
            if name == "accuracy_vs_density" and len(xs) == 1 and xs[0] == 1.0:
                # a fully connected reference: a level to compare the sparse lines with
                (probe,) = ax.plot([], [])  # the next colour of the cycle, so two references differ
                ax.axhline(mid[0], linestyle="--", linewidth=1.2, color=probe.get_color(), label=f"{group} (n={n})")
                continue
            style = {"linestyle": "none"} if name == "throughput_vs_z" else {}  # separate designs: no lines
            (line,) = ax.plot(xs, mid, marker="o", markersize=4, label=f"{group} (n={n})", **style)
            if counts[-1] > 1 and not style:
                ax.fill_between(xs, [np.percentile(v, 10) for v in ys], [np.percentile(v, 90) for v in ys],
                                color=line.get_color(), alpha=0.2, linewidth=0)
        xs_all = [p[0] for pts in series.values() for p in pts]
        if logx and min(xs_all) > 0 and max(xs_all) >= 10 * min(xs_all):  # log only over a decade or more
            ax.set_xscale("log")
            ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())  # minor labels overlap
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_title(title)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=7, loc="best")
        fig.tight_layout()
        out.append((fig, name, title, caption))
    return out


def _setting_key(row: Mapping[str, Any]) -> str:
    """Rows that differ only in seed share this key (their requested settings without the seed)."""
    settings = dict(row.get("settings") or {})
    settings.pop("seed", None)
    return json.dumps(settings, sort_keys=True, default=str)


def _summary(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One entry per setting (seeds pooled): accuracy mean, 10th and 90th percentile, and the hardware figures
    (the same for every seed of a clash-free kind; those of the first seed otherwise)."""
    import numpy as np
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        if row.get("status") == "done":
            groups.setdefault(_setting_key(row), []).append(row)
    out = []
    for members in groups.values():
        first = members[0]
        acc = [a for a in (_metric(r, "accuracy") for r in members) if a is not None]
        out.append({"label": first.get("label"), "kind": first.get("kind"), "dataset": first.get("dataset"),
                    "config": _cell(first.get("config")), "fo": _cell(first.get("fo")),
                    "z": _cell(first.get("z")), "seeds": len(members), "weights": _metric(first, "weights"),
                    "density": _metric(first, "density"),
                    "accuracy_mean": float(np.mean(acc)) if acc else None,
                    "accuracy_p10": float(np.percentile(acc, 10)) if acc else None,
                    "accuracy_p90": float(np.percentile(acc, 90)) if acc else None,
                    "throughput": _metric(first, "throughput"), "energy_pj": _number(first, "energy_pj")})
    return out


def _short(dataset: Any) -> str:
    """A dataset name as is, a dataset file by its file name."""
    text = str(dataset)
    return os.path.basename(text) if text.endswith(".npz") or os.sep in text else text


def _pct(x: float | None) -> Any:
    from .html import Cell
    return "-" if x is None else Cell(f"{100 * x:.2f} %", x)


def _num(x: float | None, fmt: str = "{:,.0f}") -> Any:
    from .html import Cell
    return "-" if x is None else Cell(fmt.format(x), x)


def write_report(out: str | os.PathLike, grid: Any = None) -> str:
    """Draw the sweep's plots and write ``OUT/report.html`` (one self-contained page), ``OUT/report.md`` and
    the figures as ``OUT/figures/*.png``.

    Plots: accuracy vs overall density per kind with a 10-90 % band over seeds, throughput vs z, accuracy vs
    weights; tables: one line per setting (seeds pooled), the failed points with their errors, every point.
    Works on a partly finished sweep (what is on disk).

    Parameters
    ----------
    out : path
        The sweep's folder.
    grid : Grid, mapping or path, optional
        Default: the grid saved in ``out/sweep.json``.

    Returns
    -------
    str
        The path of ``report.html``.

    Examples
    --------
    >>> import tempfile
    >>> write_report(tempfile.mkdtemp())  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    FileNotFoundError: write_report: no finished points in ...
    """
    import matplotlib.pyplot as plt

    from .html import Page
    where = "write_report"
    folder = _sweep_folder(where, out)
    grid_obj = _as_grid(where, grid) if grid is not None else None
    rows = read_rows(folder, grid_obj)
    if not rows:
        raise FileNotFoundError(f"{where}: no finished points in {str(folder)!r}; run the sweep first.")
    if grid_obj is None:
        with open(folder / "sweep.json", encoding="utf-8") as f:
            grid_obj = parse_grid(json.load(f)["grid"], where=where)
    total = len(grid_obj.points())
    done = [r for r in rows if r["status"] == "done"]
    failed = [r for r in rows if r["status"] == "failed"]
    page = Page("Sweep" if grid_obj.title == "sweep" else f"Sweep: {grid_obj.title}",
                f"{total} points: {len(done)} done, {len(failed)} failed, {total - len(rows)} not run yet")
    page.heading("Grid")
    page.table(["section", "key", "values"],
               [["fixed", k, _cell(v)] for k, v in grid_obj.fixed.items()]
               + [["grid", k, ", ".join(str(_cell(v)) for v in vals)] for k, vals in grid_obj.axes.items()]
               + [[f"case {i + 1}", k, _cell(v)] for i, c in enumerate(grid_obj.cases) for k, v in c.items()],
               caption="Settings shared by every point (fixed), the axes whose product gives the points (grid) "
                       "and the cases combined with them; a fully connected point ignores fo and densities.",
               table_id="grid")
    page.heading("Results per setting")
    summary = _summary(rows)
    # columns that vary in this sweep (a column holding one value for every line says nothing)
    varying = {k for k in ("label", "dataset", "config") if len({str(e[k]) for e in summary}) > 1}
    cols = [(k, h) for k, h in (("label", "label"), ("kind", "kind"), ("dataset", "dataset"), ("config", "config"),
                                ("fo", "fo"), ("z", "z")) if k in varying or k in ("kind", "fo", "z")]
    page.table([h for _, h in cols] + ["seeds", "weights", "overall density", "accuracy mean", "10th pct",
                                       "90th pct", "inputs/s", "pJ / input"],
               [[_short(e[k]) if k == "dataset" else (e[k] or "") for k, _ in cols]
                + [e["seeds"], _num(e["weights"]), _num(e["density"], "{:.4f}"), _pct(e["accuracy_mean"]),
                   _pct(e["accuracy_p10"]), _pct(e["accuracy_p90"]), _num(e["throughput"]),
                   _num(e["energy_pj"], "{:,.0f}")] for e in summary],
               caption="One line per setting, seeds pooled: test accuracy mean and its 10th / 90th percentiles "
                       "over seeds; inputs/s and energy per input from the simulator at the point's z.",
               table_id="summary")
    page.heading("Plots")
    for fig, name, title, caption in _figures(rows):
        try:
            page.heading(title, 3).figure(fig, caption, name)
        finally:
            plt.close(fig)
    if failed:
        page.heading("Failed points")
        page.table(["point", "settings", "error"],
                   [[r["point"], Point(r["point"], dict(r.get("settings") or {})).describe()
                     if r.get("settings") else "", r.get("error") or ""] for r in failed],
                   caption="Recorded with their errors; the other points went on. Run one again with "
                           "predefsparse sweep GRID --point ID, or all of them with --retry-failed.",
                   table_id="failed")
    page.heading("Every point")
    page.table(["point", "status", "label", "kind", "dataset", "fo", "z", "seed", "W", "density", "accuracy",
                "inputs/s", "stall clocks", "wall (s)"],
               [[r["point"], r["status"], r.get("label") or "", r.get("kind"), _short(r.get("dataset")),
                 _cell(r.get("fo")), _cell(r.get("z")), r.get("seed"), _num(_number(r, "W")),
                 _num(_number(r, "density"), "{:.4f}"), _pct(_number(r, "accuracy")),
                 _num(_number(r, "throughput")), _num(_number(r, "stall_clocks")),
                 _num(_number(r, "wall_s"), "{:.0f}")] for r in rows],
               caption="Every finished point; its folder is points/<point>/ (row.json, the patterns, the "
                       "simulator report and the training run).", table_id="points")
    page.paragraph(f"Table: {folder / 'sweep.csv'}. Grid and point ids: {folder / 'sweep.json'}.", style="note")
    return page.save(folder, "report")["html"]
