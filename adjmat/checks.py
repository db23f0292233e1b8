"""Validity and clash checks of patterns (docs/patterns.md §4).

:func:`check` verifies degrees, duplicates and unconnected neurons; :func:`is_clash_free` and
:func:`clash_report` look at the banks each clock touches (edge order matters); :func:`is_clash_free_adjacency`
decides clash-freedom from the adjacency alone where that is possible (fi | z or z | fi).

The clash counting here is plain numpy on purpose: the hardware simulator counts stalls with its own kernel and
the two are compared in tests.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from .errors import SpecError
from .validation import check_bool, check_int, fail
from .pattern import Pattern

__all__ = ["PatternError", "CheckReport", "ClashReport", "check", "is_clash_free", "clash_report",
           "is_clash_free_adjacency"]


class PatternError(ValueError):
    """A pattern breaks a validity condition (duplicate edges, wrong degrees, a clash)."""


def _require_pattern(where: str, pattern) -> Pattern:
    if not isinstance(pattern, Pattern):
        raise fail(where, "pattern", "an adjmat.Pattern", type(pattern).__name__)
    return pattern


def _check_z(where: str, z, W: int) -> int:
    return check_int(where, "z", z, minimum=1)


@dataclass(frozen=True)
class CheckReport:
    """What :func:`check` found.  ``errors`` empty means valid; ``warnings`` list unconnected neurons.

    Attributes
    ----------
    W : int
    out_degree_min, out_degree_max, in_degree_min, in_degree_max : int
    duplicates : int
        Edges repeating an earlier (right, left) pair.
    unconnected_left, unconnected_right : int
        Neurons with no edge at all.
    sweep_property : bool or None
        Every block of p consecutive edges holds each left neuron once (None when W is not a multiple of p).
    errors, warnings : list of str
    """

    W: int
    out_degree_min: int
    out_degree_max: int
    in_degree_min: int
    in_degree_max: int
    duplicates: int
    unconnected_left: int
    unconnected_right: int
    sweep_property: bool | None
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no error was found."""
        return not self.errors


def sweep_property(pattern: Pattern) -> bool | None:
    """True when every block of p consecutive edges holds each left neuron exactly once (condition 4).

    None when W is not a multiple of p.

    Examples
    --------
    >>> from adjmat import generate
    >>> sweep_property(generate("clash_free", 8, 4, fo=2, z=4, seed=0))
    True
    """
    p, W = pattern.p, pattern.W
    if W % p:
        return None
    sweeps = W // p
    key = (np.arange(W, dtype=np.int64) // p) * p + pattern.left
    counts = np.bincount(key, minlength=sweeps * p)
    return bool(np.all(counts == 1))


def check(pattern: Pattern, *, fo: int | None = None, fi: int | None = None, raise_errors: bool = True
          ) -> CheckReport:
    """Check a pattern's degrees, duplicate edges and unconnected neurons.

    Parameters
    ----------
    pattern : Pattern
    fo, fi : int, optional
        Expected out- and in-degree of every neuron; a mismatch is an error.
    raise_errors : bool
        Raise :class:`PatternError` when an error is found (default); else return the report.

    Returns
    -------
    CheckReport

    Notes
    -----
    O(W + p + n) time (duplicates by a marker array in a Numba kernel).

    Examples
    --------
    >>> from adjmat import generate, Pattern
    >>> check(generate("usn", 100, 30, density=0.1, seed=0)).duplicates
    0
    >>> check(Pattern([0, 0], [0, 0], p=2, n=1), raise_errors=False).errors
    ['1 duplicate edge(s)']
    """
    where = "check"
    pattern = _require_pattern(where, pattern)
    fo = check_int(where, "fo", fo, minimum=1, allow_none=True)
    fi = check_int(where, "fi", fi, minimum=1, allow_none=True)
    raise_errors = check_bool(where, "raise_errors", raise_errors)
    out_d, in_d = pattern.out_degrees(), pattern.in_degrees()
    from . import _kernels  # numba loads on first use, not with adjmat
    dup = int(_kernels.count_duplicates(pattern.left, np.ascontiguousarray(pattern.indptr()), pattern.p))
    errors, warns = [], []
    if dup:
        errors.append(f"{dup} duplicate edge(s)")
    if fo is not None and not np.all(out_d == fo):
        bad = int(np.flatnonzero(out_d != fo)[0])
        errors.append(f"out-degree must be {fo} everywhere; left neuron {bad} has {int(out_d[bad])}")
    if fi is not None and not np.all(in_d == fi):
        bad = int(np.flatnonzero(in_d != fi)[0])
        errors.append(f"in-degree must be {fi} everywhere; right neuron {bad} has {int(in_d[bad])}")
    ul, ur = int(np.count_nonzero(out_d == 0)), int(np.count_nonzero(in_d == 0))
    if ul:
        warns.append(f"{ul} left neuron(s) have no edge (their inputs are ignored)")
    if ur:
        warns.append(f"{ur} right neuron(s) have no edge (they output only their bias)")
    report = CheckReport(W=pattern.W, out_degree_min=int(out_d.min()), out_degree_max=int(out_d.max()),
                         in_degree_min=int(in_d.min()), in_degree_max=int(in_d.max()), duplicates=dup,
                         unconnected_left=ul, unconnected_right=ur, sweep_property=sweep_property(pattern),
                         errors=errors, warnings=warns)
    if errors and raise_errors:
        raise PatternError(f"check: {pattern!r} is invalid: " + "; ".join(errors) + ".")
    return report


@dataclass(frozen=True)
class ClashReport:
    """Bank usage of a pattern processed z edges per clock on z single-port banks.

    Attributes
    ----------
    z : int
    clocks : int
        ``ceil(W / z)`` (the last clock may be partial).
    clash_clocks : int
        Clocks in which some bank is accessed more than once.
    stall_clocks : int
        Extra clocks when clashing accesses serialise: sum over clocks of (most-loaded-bank count - 1).
    max_load_hist : numpy.ndarray
        ``max_load_hist[k]`` = number of clocks whose most-loaded bank has k accesses (index 0 unused).
    """

    z: int
    clocks: int
    clash_clocks: int
    stall_clocks: int
    max_load_hist: np.ndarray

    @property
    def clash_free(self) -> bool:
        """True when no clock has a clash."""
        return self.clash_clocks == 0

    @property
    def slowdown(self) -> float:
        """(clocks + stall_clocks) / clocks: time relative to a clash-free pattern."""
        return (self.clocks + self.stall_clocks) / self.clocks


def _max_loads(pattern: Pattern, z: int) -> np.ndarray:
    """Most-loaded-bank count of every clock (int64, length ceil(W/z))."""
    W = pattern.W
    clocks = -(-W // z)
    key = (np.arange(W, dtype=np.int64) // z) * z + (pattern.left.astype(np.int64) % z)
    loads = np.bincount(key, minlength=clocks * z).reshape(clocks, z)
    return loads.max(axis=1)


def clash_report(pattern: Pattern, z: int) -> ClashReport:
    """Count clashes and serialisation stalls of ``pattern`` at parallelism ``z`` (bank = left mod z).

    Examples
    --------
    >>> from adjmat import Pattern
    >>> rep = clash_report(Pattern([0, 2, 1, 3], [0, 0, 1, 1], p=4, n=2), 2)
    >>> rep.clash_clocks, rep.stall_clocks, rep.max_load_hist.tolist()
    (2, 2, [0, 0, 2])
    """
    where = "clash_report"
    pattern = _require_pattern(where, pattern)
    z = _check_z(where, z, pattern.W)
    ml = _max_loads(pattern, z)
    hist = np.bincount(ml, minlength=2)
    return ClashReport(z=z, clocks=int(ml.size), clash_clocks=int(np.count_nonzero(ml > 1)),
                       stall_clocks=int((ml - 1).sum()), max_load_hist=hist)


def is_clash_free(pattern: Pattern, z: int) -> bool:
    """True when every clock's z edges touch z distinct banks (validity condition 3).

    Examples
    --------
    >>> from adjmat import generate
    >>> is_clash_free(generate("rtl", 64, 32, fo=16), 32)
    True
    """
    where = "is_clash_free"
    pattern = _require_pattern(where, pattern)
    z = _check_z(where, z, pattern.W)
    return bool(np.all(_max_loads(pattern, z) == 1))


def is_clash_free_adjacency(pattern_or_matrix, z: int) -> bool:
    """Decide clash-freedom from the adjacency alone (edge order unknown), docs/patterns.md §4.

    Possible when ``fi | z`` (each group of z/fi consecutive right neurons covers banks 0..z-1 exactly once)
    or ``z | fi`` (each right neuron has fi/z edges in every bank).  In other regimes the edge order is needed
    and :class:`SpecError` is raised.

    Parameters
    ----------
    pattern_or_matrix : Pattern or scipy.sparse matrix of shape (n, p)
    z : int

    Examples
    --------
    >>> from adjmat import generate
    >>> pat = generate("clash_free", 16, 8, fo=2, z=4, seed=3)   # fi = 4 = z
    >>> is_clash_free_adjacency(pat.to_scipy(), 4)
    True
    """
    where = "is_clash_free_adjacency"
    if isinstance(pattern_or_matrix, Pattern):
        m = pattern_or_matrix.to_scipy()
    elif sp.issparse(pattern_or_matrix):
        m = pattern_or_matrix.tocsr()
    else:
        raise fail(where, "pattern_or_matrix", "an adjmat.Pattern or a scipy.sparse (n, p) matrix",
                   type(pattern_or_matrix).__name__)
    z = check_int(where, "z", z, minimum=1)
    n, p = m.shape
    indeg = np.diff(m.indptr)
    if n == 0 or indeg.min() != indeg.max():
        raise SpecError(f"{where}: needs a fixed in-degree fi; received in-degrees from {indeg.min()} to "
                        f"{indeg.max()}.", where=where)
    fi = int(indeg[0])
    banks = m.indices.astype(np.int64) % z
    if z % fi == 0:
        g = z // fi
        if n % g:
            raise SpecError(f"{where}: with fi | z, n ({n}) must be a multiple of z/fi ({g}).", where=where)
        groups = np.repeat(np.arange(n // g, dtype=np.int64), g * fi)
        counts = np.bincount(groups * z + banks, minlength=(n // g) * z)
        return bool(np.all(counts == 1))
    if fi % z == 0:
        rows = np.repeat(np.arange(n, dtype=np.int64), fi)
        counts = np.bincount(rows * z + banks, minlength=n * z)
        return bool(np.all(counts == fi // z))
    raise SpecError(f"{where}: clash-freedom is decidable from the adjacency only when fi | z or z | fi; "
                    f"received fi={fi}, z={z}. Use is_clash_free(pattern, z) with the edge order.", where=where)
