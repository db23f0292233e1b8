"""Checks of a design request before any work: kinds, dataset, seeds, energy table file and output folder.

Every check raises :class:`adjmat.SpecError` naming the Python parameter (``param``), so the command line can
name its flag (:mod:`predefsparse.cli._errors`); none of them writes anything.
"""
from __future__ import annotations

import difflib
import os
from typing import Any

import adjmat
from adjmat.errors import SpecError
from adjmat.validation import check_int, fail
from hwsim.energy import EnergyTable, energy_table

from .. import jsonio

__all__ = ["kind_names", "usable_kinds", "check_kind", "check_kinds", "fixes_own_size", "check_seed",
           "check_verbose", "read_energy", "check_dataset", "check_out", "ENERGY_FILE_BYTES"]

#: The largest energy table file read (a dozen lines of TOML; anything bigger is not one).
ENERGY_FILE_BYTES = 64 * 1024
_VERBOSE = (0, 1, 2, "auto")


def kind_names() -> tuple[str, ...]:
    """Every registered pattern kind (:func:`adjmat.kind_names`)."""
    return adjmat.kind_names()


def _fits_the_plan(kind: str) -> bool:
    """Whether a kind draws exactly W = p*fo edges (or is fc): the accelerator's address ROMs hold C*z = W edges
    per junction, so a kind with a random edge count (erdos_renyi) cannot run at a planned z."""
    sized_by = adjmat.get_kind(kind).sized_by
    return not sized_by or "fo" in sized_by  # sized by nothing (fc: fo = n) or by an exact fo


def usable_kinds() -> list[str]:
    """The kinds a design can compare: those with exactly W = p*fo edges per junction (and fc)."""
    return [k for k in kind_names() if _fits_the_plan(k)]


def fixes_own_size(kind: str) -> bool:
    """A kind sized by nothing (fc) fixes its own degrees: fully connected, fo = n (its registry facts)."""
    return not adjmat.get_kind(kind).sized_by


def check_kind(where: str, param: str, kind: Any) -> str:
    """``kind`` if it is a usable kind name; else a SpecError naming ``param`` with the nearest name."""
    known, usable = kind_names(), usable_kinds()
    if not isinstance(kind, str) or kind not in known:
        near = difflib.get_close_matches(str(kind), known, n=1)
        raise fail(where, param, "one of " + ", ".join(usable), kind, f"Did you mean {near[0]!r}?" if near else None)
    if kind not in usable:
        raise fail(where, param, "kinds with W = p*fo edges per junction (the accelerator's address memories hold "
                   "C*z = W edges)", kind, f"It draws a random number of edges. Use one of: {', '.join(usable)}.")
    return kind


def check_kinds(where: str, kinds: Any) -> tuple[str, ...]:
    """A non-empty tuple of distinct usable kinds from a sequence or a comma-separated string."""
    if isinstance(kinds, str):
        items = [k.strip() for k in kinds.split(",")]
        if "" in items:
            raise fail(where, "kinds", "comma-separated kind names with no empty item", kinds)
        kinds = items
    if isinstance(kinds, (bytes, dict)) or not hasattr(kinds, "__len__") or not len(kinds):
        raise fail(where, "kinds", "a non-empty sequence of kind names (" + ", ".join(usable_kinds()) + ")", kinds)
    return tuple(dict.fromkeys(check_kind(where, "kinds", k) for k in kinds))


def check_seed(where: str, param: str, seed: Any) -> int:
    """A seed: an int >= 0."""
    return check_int(where, param, seed, minimum=0)


def check_verbose(where: str, verbose: Any) -> Any:
    """0 (silent), 1, 2 or "auto" (progress lines and Keras's display)."""
    if isinstance(verbose, bool) or verbose not in _VERBOSE:
        raise fail(where, "verbose", "0, 1, 2 or 'auto'", verbose)
    return verbose


def read_energy(energy: Any, *, where: str = "read_energy") -> EnergyTable:
    """An energy table from None (the published 45 nm table), an :class:`hwsim.energy.EnergyTable`, a mapping of
    some of its keys, or the path of a TOML file of such keys (read with :func:`predefsparse.jsonio.read_toml`).

    The shipped ``predefsparse/data/energy_45nm.toml`` is the published table as a file to copy and edit.

    Raises
    ------
    adjmat.SpecError
        With ``param="energy"``: a missing, special, oversized, non-UTF-8 or invalid file, an unknown key or a
        value out of range.

    Examples
    --------
    >>> read_energy(None).sram_read_pj
    5.0
    """
    if energy is None or isinstance(energy, EnergyTable) or hasattr(energy, "keys"):
        try:
            return energy_table(energy)
        except SpecError as err:
            raise fail(where, "energy", err.expected, err.value, err.hint) from None
    if not isinstance(energy, (str, os.PathLike)) or not os.fspath(energy):
        raise fail(where, "energy", "None, an EnergyTable or the path of a TOML file", type(energy).__name__)
    path = os.fspath(energy)
    data = jsonio.read_toml(path, param="energy", max_bytes=ENERGY_FILE_BYTES, where=where,
                            what="TOML energy table")
    try:
        return energy_table(data)
    except SpecError as err:
        raise fail(where, "energy", "a TOML " + err.expected.removeprefix("a "), path, err.hint) from None


def check_dataset(where: str, dataset: Any, data_dir: Any, config: tuple | None = None) -> str:
    """The dataset's name or path, checked (and built when a missing named one has a builder, naming its source)
    before any work, by :func:`predefsparse.datasets.check`.

    It must be a valid six-key dataset of flat features that fit ``config[0]`` and classes that fit
    ``config[-1]`` (when ``config`` is given).  Messages name the parameter, never the file's bytes.
    """
    from .. import datasets
    if not isinstance(dataset, (str, os.PathLike)) or not os.fspath(dataset):
        raise fail(where, "dataset", "a dataset name (" + ", ".join(datasets.DATASETS) + ") or a .npz path",
                   dataset)
    name = os.fspath(dataset)
    path = datasets.check(dataset, data_dir=data_dir, param="dataset")
    found = datasets.shapes(path, param="dataset")
    if len(found["xtr"]) != 2:
        raise fail(where, "dataset", "a dataset of flat feature vectors (samples, features)", name,
                   f"Its samples have shape {found['xtr'][1:]}.")
    features, n_classes = found["xtr"][1], found["ytr"][1]
    if config is not None and features > config[0]:
        raise fail(where, "config", f"layer sizes whose input width config[0] holds the dataset's {features} "
                   f"features ({name})", tuple(config), f"Use config[0] >= {features}.")
    if config is not None and n_classes > config[-1]:
        raise fail(where, "config", f"layer sizes whose output width config[-1] holds the dataset's {n_classes} "
                   f"classes ({name})", tuple(config), f"Use config[-1] >= {n_classes}.")
    return name


def check_out(where: str, out: Any) -> str:
    """An output folder path: a folder, or a path where one can be made (nothing is made here)."""
    if not isinstance(out, (str, os.PathLike)) or not os.fspath(out):
        raise fail(where, "out", "a folder path", out)
    out = os.fspath(out)
    if os.path.exists(out) and not os.path.isdir(out):
        raise fail(where, "out", "a folder (or a path where one can be made)", out, "It is a file.")
    parent = os.path.dirname(os.path.abspath(out))
    while parent and not os.path.exists(parent):
        parent = os.path.dirname(parent)
    if not os.path.isdir(parent) or not os.access(parent, os.W_OK | os.X_OK):
        raise fail(where, "out", "a folder this process can create or write", out,
                   f"{parent} is not a writable folder.")
    return out
