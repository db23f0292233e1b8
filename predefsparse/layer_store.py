"""SparseDense's stored weights: a weight list of either implementation checked (count, declared shapes, edge
list, mask) and split into the pattern, the edge values and the bias."""
from __future__ import annotations

import math
from typing import Any

import numpy as np

import adjmat
from adjmat.errors import SpecError
from adjmat.memory import check_memory

__all__ = ["check_stored_shapes", "stored_pattern", "split_weights"]


def check_stored_shapes(where: str, desc: dict, arrays: list) -> None:
    """Refuse stored arrays (h5 datasets or arrays) of shapes other than ``(p, n)``, ``(n,)`` or ``(W,)`` and a
    total over the memory limit, from their declared shapes and dtypes, before any is read."""
    allowed = {(desc["p"], desc["n"]), (desc["n"],), (desc["W"],)}
    total = 0
    for i, a in enumerate(arrays):
        shape = tuple(int(d) for d in getattr(a, "shape", np.shape(a)))
        if shape not in allowed:
            raise ValueError(f"{where}: stored array {i} has shape {shape}; this layer (p={desc['p']}, n={desc['n']}, "
                             f"W={desc['W']}) stores arrays of shape " + ", ".join(map(str, sorted(allowed)))
                             + ". The file is inconsistent or crafted.")
        total += math.prod(shape) * np.dtype(getattr(a, "dtype", np.float64)).itemsize
    check_memory("SparseDense", total, f"the stored weights ({where})")


def stored_pattern(where: str, desc: dict, left, right) -> adjmat.Pattern:
    """The stored edge list as a pattern, refused when invalid or with repeated edges (O(W))."""
    try:
        pat = adjmat.Pattern(left, right, desc["p"], desc["n"])
    except SpecError as err:
        raise ValueError(f"{where}: the stored edge list is not a valid pattern: {err}") from None
    cells = np.sort(pat.right.astype(np.int64) * pat.p + pat.left)
    if cells.size > 1 and np.any(cells[1:] == cells[:-1]):
        raise ValueError(f"{where}: the stored edge list repeats edges ({pat.W} edges, "
                         f"{int(np.unique(cells).size)} distinct).")
    return pat


def split_weights(where: str, desc: dict, use_bias: bool, arrays: list, from_file: bool
                  ) -> tuple[adjmat.Pattern, np.ndarray, np.ndarray, Any, bool]:
    """``(pattern, first array, edge values, bias or None, masked format?)`` from a weight list in either
    implementation's order (masked: kernel, [bias], left, right, mask; sparse: values, [bias], left, right)."""
    p, n, W = desc["p"], desc["n"], desc["W"]
    arrays = [np.asarray(a) for a in arrays]
    masked = bool(arrays) and arrays[0].ndim == 2
    expected = (5 if masked else 4) - (0 if use_bias else 1)
    if len(arrays) != expected:
        raise ValueError(f"{where}: expected {expected} weight arrays for a {'masked' if masked else 'sparse'}-"
                         f"format list (use_bias={use_bias}); received {len(arrays)}.")
    first, rest = arrays[0], arrays[1:]
    bias = rest.pop(0) if use_bias else None
    left, right = rest[0], rest[1]
    if left.shape != (W,) or right.shape != (W,):
        raise ValueError(f"{where}: left and right must have shape ({W},); received {left.shape} and "
                         f"{right.shape}.")
    pat = stored_pattern(where, desc, left, right)
    if masked:
        if first.shape != (p, n) or rest[2].shape != (p, n):
            raise ValueError(f"{where}: kernel and mask must have shape ({p}, {n}); received {first.shape} and "
                             f"{rest[2].shape}.")
        if from_file and not np.array_equal(rest[2] != 0, pat.to_mask()):
            raise ValueError(f"{where}: the stored mask does not match the stored edge list; the saved file is "
                             "inconsistent.")
        return pat, first, first[pat.left, pat.right], bias, masked
    if first.shape != (W,):
        raise ValueError(f"{where}: values must have shape ({W},); received {first.shape}.")
    return pat, first, first, bias, masked
