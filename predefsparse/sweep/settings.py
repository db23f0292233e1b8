"""The settings of a sweep point: their keys, defaults and meaning, and the check of one setting's value.

Every key of :data:`DEFAULTS` may be fixed, an axis or set by a case of a grid (:mod:`.grid`); this module checks
one value of one key at a time and makes it canonical (tuples, ints, floats), naming the setting as the grid
names it (``grid.fo[1]`` in a file, ``--grid fo`` on the command line).

Examples
--------
>>> check_value("Grid", "fixed.fo", "fo", [50, 10])
(50, 10)
>>> cell((800, 100, 10)), short("/data/my.npz")
('800-100-10', 'my.npz')
"""
from __future__ import annotations

import difflib
import math
import numbers
import os
from typing import Any, Iterable

import adjmat
from adjmat import SpecError
from adjmat.validation import fail

from .. import defaults

__all__ = ["DEFAULTS", "GRID_KEYS", "OPTIONAL", "check_value", "nearest_hint", "cell", "short"]

#: The settings of a point, with their defaults (None: not set).  A kind that needs degrees and has neither
#: fo nor densities gets :data:`predefsparse.defaults.FO` with the default config, as in ``design``.
DEFAULTS: dict[str, Any] = {
    "label": None,
    "config": defaults.CONFIG,
    "kind": "clash_free",
    "fo": None,
    "densities": None,
    "z": None,
    "z1": None,
    "dataset": "mnist",
    "seed": defaults.SEED,
    "epochs": defaults.EPOCHS,
    "timing": "ideal",
    "clock": 15e6,
    "energy": None,
    "on_chip": False,
    "onchip_epochs": None,
}
#: Settings at these values are left out of a point's id (:func:`.grid.point_id`), so the points of a sweep made
#: before these keys existed keep their ids.
OPTIONAL: dict[str, Any] = {"on_chip": False, "onchip_epochs": None}

#: What each key of a grid means (the keys of :data:`DEFAULTS`).
GRID_KEYS: dict[str, str] = {
    "label": "a name for the point (not part of its id); usually set by a case",
    "config": "layer sizes, input (padded) width first, e.g. [800, 100, 10]",
    "kind": "pattern kind (fc, random, basic, usn, clash_free, rtl, ...)",
    "fo": "out-degree per junction, e.g. [50, 10] (or densities; default [50, 10] with the default config); "
          "for fc, the sparse net whose planned z it runs at",
    "densities": "density per junction, e.g. [0.5, 1.0] (or fo)",
    "z": "parallelism per junction, e.g. [400, 100] (or z1)",
    "z1": "parallelism of junction 1; the other junctions' z balance the junction cycles (needs fo)",
    "dataset": "dataset name (mnist, mnist-pca200, morse, ...) or the path of a six-key .npz",
    "seed": "seed of patterns, weights and data order (non-negative int)",
    "epochs": "training epochs",
    "timing": "simulator timing: ideal or rtl",
    "clock": "clock in Hz for inputs/s",
    "energy": "TOML file of energy per operation (default: the shipped 45 nm table)",
    "on_chip": "true: after the Keras run, train on the chip's own arithmetic too (hwsim.train, fixed point, "
               "batch 1, as design --on-chip): onchip_accuracy",
    "onchip_epochs": "epochs of on-chip training (only with on_chip = true; default 1, as design's)",
}


def nearest_hint(value: Any, choices: Iterable[str], listed: bool = True) -> str | None:
    """The sentence that follows a refusal: the nearest valid choices, then (``listed``) every valid one.

    Examples
    --------
    >>> nearest_hint("clash-free", ["fc", "clash_free"])
    "Nearest: 'clash_free'. Valid: fc, clash_free."
    """
    choices = [str(c) for c in choices]
    close = difflib.get_close_matches(str(value), choices, n=2, cutoff=0.5)
    hint = f"Nearest: {', '.join(repr(c) for c in close)}." if close else ""
    if listed:
        hint = (hint + " " if hint else "") + "Valid: " + ", ".join(choices) + "."
    return hint or None


def cell(value: Any) -> Any:
    """A table cell: per-layer lists as ``800-100-10``, everything else as is."""
    if isinstance(value, (list, tuple)):
        return "-".join(f"{v:g}" if isinstance(v, float) else str(v) for v in value)
    return value


def short(dataset: Any) -> str:
    """A dataset name as is, a dataset file by its file name."""
    text = str(dataset)
    return os.path.basename(text) if text.endswith(".npz") or os.sep in text else text


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


def _check_dataset(where: str, param: str, value: Any, data_dir: Any) -> str:
    from .. import datasets
    if not isinstance(value, str) or not value:
        raise fail(where, param, "a dataset name or the path of a .npz file", value)
    try:
        path = datasets.path_for(value, data_dir=data_dir)
    except SpecError as err:
        if err.param == "data_dir":
            raise
        raise fail(where, param, "a dataset name or the path of a .npz file", value,
                   nearest_hint(value, datasets.DATASETS)) from err
    if value in datasets.DATASETS and not path.is_file():
        return value  # built once by the sweep before the points start
    if path.is_file():
        try:  # its zip directory and .npy headers: six keys, shapes, non-empty splits (never its bytes)
            datasets.check(path, param=param, build=False)
        except SpecError as err:
            raise err.within(where) from None
        if value in datasets.DATASETS or value == path.name[:-4]:
            return value  # a name: resolved by each point in the data folder (data_dir, PREDEFSPARSE_DATA, ...)
        return os.path.abspath(path)  # a file: the same file whatever the workers' working folder
    if value.endswith(".npz") or os.sep in value or "/" in value:
        raise fail(where, param, "an existing .npz file or a dataset name", value, f"No file {str(path)!r}.")
    present = sorted(p.stem for p in path.parent.glob("*.npz")) if path.parent.is_dir() else []
    raise fail(where, param, "a dataset with a builder or a file in the data folder", value,
               nearest_hint(value, sorted(set(datasets.DATASETS) | set(present))))


def check_value(where: str, param: str, key: str, value: Any, data_dir: Any = None) -> Any:
    """One setting's value, checked and made canonical (tuples, ints, floats); ``param`` names it in messages
    and ``data_dir`` is the data folder that dataset names resolve in."""
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
        kinds = tuple(adjmat.kind_names())
        if value not in kinds:
            raise fail(where, param, "a pattern kind", value, nearest_hint(value, kinds))
        return value
    if key in ("fo", "z"):
        return _check_ints(where, param, value)
    if key == "densities":
        return _check_floats(where, param, value)
    if key in ("z1", "epochs", "onchip_epochs"):
        return _check_int(where, param, value, 1)
    if key == "on_chip":
        if not isinstance(value, bool):
            raise fail(where, param, "true or false", value)
        return value
    if key == "seed":
        return _check_int(where, param, value, 0)
    if key == "dataset":
        return _check_dataset(where, param, value, data_dir)
    if key == "timing":
        if value not in ("ideal", "rtl"):
            raise fail(where, param, "'ideal' or 'rtl'", value, nearest_hint(value, ("ideal", "rtl")))
        return value
    if key == "clock":
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) \
                or value <= 0:
            raise fail(where, param, "a positive clock in Hz", value)
        return float(value)
    if key == "energy":
        if not isinstance(value, str) or not value:
            raise fail(where, param, "the path of an energy TOML file", value)
        from ..codesign import read_energy  # validates the file (keys, sizes, units) before any work
        try:
            read_energy(value)
        except (SpecError, OSError) as err:
            raise SpecError(f"{where}: {param}: {err}", param=param) from None
        return os.path.abspath(value)
    raise AssertionError(key)  # pragma: no cover - keys are checked before
