"""Grids: settings shared by every point, axes whose product gives the points, and named cases.

A :class:`Grid` is checked completely when built (every point's settings, and the rules between them), so a
grid that exists is valid; :func:`parse_grid` builds one from a TOML-shaped mapping and :func:`load_grid` from
a TOML file.  A :class:`Point` is one combination, with an id that hashes its settings.

Examples
--------
>>> grid = parse_grid({"fixed": {"config": [784, 16, 10]}, "grid": {"kind": ["fc", "random"], "fo": [[4, 5]]}})
>>> [p.settings["kind"] for p in grid.points()]
['fc', 'random']
"""
from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
import math
import os
from pathlib import Path
from typing import Any, Mapping

from adjmat import SpecError
from adjmat.validation import fail

from .. import defaults, jsonio
from .settings import DEFAULTS, OPTIONAL, cell, check_value, nearest_hint, short

__all__ = ["Grid", "Point", "parse_grid", "load_grid", "read_grid_file", "as_grid", "point_id", "MAX_POINTS"]

SECTIONS = ("title", "fixed", "grid", "cases")
MAX_GRID_BYTES = 1 << 20
#: The most points a grid may have.
MAX_POINTS = 100_000


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
                       nearest_hint(key, DEFAULTS, listed=False))
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
    >>> point.settings["kind"], point.settings["fo"], len(point.id)  # fc at the default sparse net's plan
    ('fc', (50, 10), 12)
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
                parts.append(f"{key}={cell(s[key])}")
        parts += [f"seed={s['seed']}", short(s["dataset"])]
        if s.get("on_chip"):
            parts.append(f"on-chip{'' if s.get('onchip_epochs') is None else ' ' + str(s['onchip_epochs'])}")
        return " ".join(parts)


def id_settings(settings: Mapping[str, Any]) -> dict[str, Any]:
    """The settings a point's id hashes: all but the label, and but the :data:`.settings.OPTIONAL` ones at
    their default value (so a point keeps its id when keys are added)."""
    return {k: list(v) if isinstance(v, tuple) else v for k, v in sorted(settings.items())
            if k != "label" and not (k in OPTIONAL and v == OPTIONAL[k] and type(v) is type(OPTIONAL[k]))}


def point_id(settings: Mapping[str, Any]) -> str:
    """12 hex digits of the SHA-256 of a point's settings (JSON, keys sorted, the label left out, and
    ``on_chip = false`` and an unset ``onchip_epochs`` left out: :func:`id_settings`)."""
    text = json.dumps(id_settings(settings), sort_keys=True, separators=(",", ":"))
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
    data_dir: dataclasses.InitVar[Any] = None

    def __post_init__(self, where: str = "Grid", origin: Mapping | None = None, data_dir: Any = None):
        origin = dict(origin or {})

        def check(param: str, key: str, value: Any) -> Any:
            return check_value(where, param, key, value, data_dir)

        if not isinstance(self.title, str):
            raise fail(where, "title", "a string", self.title)
        fixed = _check_keys(where, "fixed", self.fixed, origin)
        fixed = {k: check(_param("fixed", k, origin), k, v) for k, v in fixed.items()
                 if v is not None}
        axes = _check_keys(where, "grid", self.axes, origin)
        checked_axes = {}
        for key, values in axes.items():
            param = _param("grid", key, origin)
            if not isinstance(values, (list, tuple)) or not values:
                raise fail(where, param, "a non-empty list of choices", values,
                           f"For one value write it in [fixed], or as a list: {key} = [{values!r}].")
            choices = [check(_param("grid", key, origin, i), key, v) for i, v in enumerate(values)]
            if len(set(choices)) < len(choices):  # canonical values are hashable: one pass, O(choices)
                seen: set = set()
                twice = next(c for c in choices if c in seen or seen.add(c))
                raise fail(where, param, "a list of distinct choices", values, f"{twice!r} is listed twice.")
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
            case = {k: check(_param(section, k, origin), k, v) for k, v in case.items()}
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
        if size > MAX_POINTS:
            raise SpecError(f"{where}: the grid has {size:,} combinations, more than {MAX_POINTS:,}; received "
                            f"axes of sizes {[len(v) for v in checked_axes.values()]}. Split the sweep.")
        object.__setattr__(self, "_points", self._expand(where))  # every point checked now, before any work

    def points(self) -> list[Point]:
        """Every point of the grid, in order (cases, then the axes' product); a point named twice (by two
        cases) appears once.

        Examples
        --------
        >>> [p.settings["fo"] for p in Grid(axes={"kind": ["fc", "rtl"], "fo": [[50, 10], [20, 10]]}).points()]
        [(50, 10), (20, 10), (50, 10), (20, 10)]
        """
        return list(self._points)

    def _expand(self, where: str) -> list[Point]:
        out, seen = [], set()
        keys = list(self.axes)
        for case in self.cases or ({},):
            for combo in itertools.product(*(self.axes[k] for k in keys)):
                settings = {**DEFAULTS, **self.fixed, **case, **dict(zip(keys, combo))}
                _check_point(where, settings)
                pid = point_id(settings)
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
    if s["fo"] is not None and s["densities"] is not None:
        raise SpecError(f"{where}: fo and densities exclude each other; received fo={list(s['fo'])}, "
                        f"densities={list(s['densities'])} for the {what}. Give one of them per point.")
    if s["z"] is not None and s["z1"] is not None:
        raise SpecError(f"{where}: z and z1 exclude each other; received z={list(s['z'])}, z1={s['z1']} for the "
                        f"{what}. Give z per junction, or z1 to balance the others.")
    if s["onchip_epochs"] is not None and not s["on_chip"]:
        raise SpecError(f"{where}: onchip_epochs counts epochs of on-chip training; received "
                        f"onchip_epochs={s['onchip_epochs']} with on_chip=false for the {what}. Set on_chip = true "
                        f"where you set onchip_epochs (in the same case, or both fixed), or leave it out.",
                        param="onchip_epochs")
    junctions = len(s["config"]) - 1
    for key in ("fo", "densities", "z"):
        if s[key] is not None and len(s[key]) != junctions:
            raise SpecError(f"{where}: {key} must have one value per junction ({junctions} for config "
                            f"{list(s['config'])}); received {key}={list(s[key])} for the {what}.")
    if s["fo"] is None and s["densities"] is None:
        if tuple(s["config"]) == DEFAULTS["config"]:
            s["fo"] = defaults.FO  # the published net's out-degrees, as design's default
            return
        if s["kind"] == "fc":
            return  # no sparse net to be the reference of: the fully connected net's own plan
        raise SpecError(f"{where}: a {s['kind']} point needs fo or densities; received neither for the {what} "
                        f"(config {list(s['config'])}). Add e.g. fo to [fixed] or [grid].")
    if s["z1"] is not None and s["kind"] != "fc" and s["fo"] is None:
        raise SpecError(f"{where}: z1 balances the junction cycles from fo; received z1={s['z1']} with "
                        f"densities={list(s['densities'])} for the {what}. Give fo, or z per junction.")


def parse_grid(data: Mapping[str, Any], *, where: str = "parse_grid",
               origin: Mapping[tuple[str, str], str] | None = None, data_dir: Any = None) -> Grid:
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
    data_dir : path, optional
        The data folder that dataset names resolve in (default: :func:`predefsparse.datasets.default_data_dir`).

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
        if key not in SECTIONS:
            hint = nearest_hint(key, SECTIONS)
            if key in DEFAULTS:
                hint = f"Settings go in [fixed] (shared) or [grid] (axes): [fixed] {key} = ... . " + hint
            raise fail(where, "section", "one of title, fixed, grid, cases", key, hint)
    return Grid(fixed=data.get("fixed", {}), axes=data.get("grid", {}), cases=data.get("cases", ()),
                title=data.get("title", "sweep"), where=where, origin=origin, data_dir=data_dir)


def load_grid(path: str | os.PathLike, *, data_dir: Any = None) -> Grid:
    """Read a grid from a TOML file (see :mod:`predefsparse.sweep` for its shape); ``data_dir`` as for
    :func:`parse_grid`.

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
    return parse_grid({"title": Path(path).stem, **read_grid_file(path, where=where)}, where=where,
                      data_dir=data_dir)


def read_grid_file(path: str | os.PathLike, *, param: str = "path", where: str = "load_grid") -> dict[str, Any]:
    """The TOML table of a grid file, read as hostile (:func:`predefsparse.jsonio.read_toml`: a regular UTF-8
    file of at most ``MAX_GRID_BYTES``, nested at most 64 deep); ``param`` is how the caller names the path in
    messages (``path`` in Python, ``GRID`` on the command line).

    Examples
    --------
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "g.toml")
    >>> _ = open(path, "w").write('[grid]\\nseed = [0, 1]\\n')
    >>> read_grid_file(path)
    {'grid': {'seed': [0, 1]}}
    """
    return jsonio.read_toml(path, param=param, where=where, max_bytes=MAX_GRID_BYTES, what="grid file")


def as_grid(where: str, grid: Any, data_dir: Any = None) -> Grid:
    """``grid`` as a :class:`Grid`: one as is, a mapping through :func:`parse_grid`, a path through
    :func:`load_grid`."""
    if isinstance(grid, Grid):
        return grid
    if isinstance(grid, (str, os.PathLike)):
        return load_grid(grid, data_dir=data_dir)
    if isinstance(grid, Mapping):
        return parse_grid(grid, where=where, data_dir=data_dir)
    raise fail(where, "grid", "a Grid, a mapping or the path of a grid TOML file", type(grid).__name__)
