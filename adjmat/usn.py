"""USN's construction (Luo 2020, ``shuffle_2d``): Latin blocks of the smaller side, one row per larger-side neuron.

``adjmat.generate("usn", ...)`` builds its patterns here; :func:`usn_rows` exposes the rows it reads.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .pattern import Pattern

__all__ = ["UsnRows", "usn_rows"]


class UsnRows(NamedTuple):
    """The rows a usn pattern reads (all arrays indexed as described; see :func:`usn_rows`)."""

    perms: np.ndarray      # int32 (m, n2): block k's random permutation of the smaller side
    block: np.ndarray      # int64 (n1,): block of the row given to larger-side neuron b
    start: np.ndarray      # int64 (n1,): its rotation: row b is perms[block[b], (start[b] + c) mod n2], c = 0..
    length: np.ndarray     # int64 (n1,): how many of its values are read (the neuron's degree)
    big_is_right: bool     # whether the larger side is the right layer


def _waterfill(levels: np.ndarray, units: int, cap: int, rank: np.ndarray) -> np.ndarray:
    """``x`` with ``0 <= x <= cap``, ``sum(x) == units`` and ``levels + x`` as even as possible: each unit goes to
    the lowest current level (ties: smallest ``rank``), i.e. the ``units`` smallest keys ``levels[s] + k``,
    ``k = 1..cap``.  Needs ``units <= cap * len(levels)``.  O(len(levels) * log(cap))."""
    def filled(t: int) -> int:
        return int(np.clip(t - levels, 0, cap).sum())

    lo, hi = int(levels.min()), int(levels.max()) + cap        # filled(lo) = 0, filled(hi) = cap * size
    while hi - lo > 1:                                         # largest t with filled(t) <= units
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if filled(mid) <= units else (lo, mid)
    t = hi if filled(hi) <= units else lo
    x = np.clip(t - levels, 0, cap)
    rest = units - int(x.sum())
    if rest:
        next_ones = np.flatnonzero((levels <= t) & (x < cap))  # their next key is t + 1
        pick = next_ones[np.argsort(rank[next_ones], kind="stable")[:rest]]
        x[pick] += 1
    return x


def usn_rows(p: int, n: int, W: int, rng: np.random.Generator) -> UsnRows:
    """Draw USN's rows for a ``p -> n`` junction of ``W`` edges (``1 <= W <= p*n``), degrees within +/-1 on both
    sides.

    Let ``n1 = max(p, n)`` (the larger side; the right one on a tie) and ``n2 = min(p, n)``, ``n1 = q*n2 + r``
    with ``0 <= r < n2``, ``W = D*n1 + t`` with ``0 <= t < n1``.  USN draws ``m = ceil(n1/n2)`` random
    permutations of the smaller side; permutation ``k`` with all its ``n2`` cyclic rotations is a Latin square,
    *block* ``k``, whose row ``i`` reads ``perms[k, (i + c) mod n2]`` for ``c = 0, 1, ...``.  Each larger-side
    neuron gets one row and connects to the first ``D`` or ``D + 1`` values of it (``t`` neurons get ``D + 1``:
    the rows are read column by column, as USN does).  USN picks the ``n1`` rows at random; here the rows are
    the ``q`` whole blocks plus ``r`` evenly spaced rotations of the last one, and the ``t`` longer rows are
    chosen so that the smaller side's degrees stay within +/-1 too (Notes); the rows go to the larger-side
    neurons in random order.  O(W + p + n) time and memory.

    Notes
    -----
    Degrees on the larger side are ``D`` or ``D + 1`` by construction, and a row is a permutation, so no edge
    repeats (``D + 1 <= n2`` whenever ``t > 0``, as ``W < n1*n2`` then).  The smaller side, neuron ``s``:

    1. *A whole block whose rows all have length d gives every s exactly d edges*: column c of a Latin block is
       a permutation, so s appears once in each of the first d columns.
    2. *The r rows of the last block have starts* ``I = {(theta + floor(k*n2/r)) mod n2 : k < r}`` *and one
       common length d; they give each s* ``floor(d*r/n2)`` *or* ``ceil(d*r/n2)`` *edges*: s, at position
       ``k_s`` of that permutation, is covered by the rows with start in the cyclic window
       ``(k_s - d, k_s]``, and the number of ``k`` with ``floor(k*n2/r)`` in a window ``[x, x + d)``
       (``d <= n2``, counted around the circle) is the number of integers in ``[x*r/n2, (x + d)*r/n2)``, an
       interval of length ``d*r/n2``.  So the last block contributes ``c(s)`` in ``{a, a + 1}``.
    3. *Longer or shorter rows in whole blocks add any x(s) in [0, q]*: in whole block k, lengthening row i from
       d to d + 1 adds one edge to ``perms[k, (i + d) mod n2]`` only, and ``i -> (i + d) mod n2`` is a
       bijection, so each whole block can add one edge to any set of smaller-side neurons.
    4. If ``t <= q*n2``, all rows start at length ``D`` (the last block's too) and the ``t`` extra edges go to
       whole blocks; else all rows start at ``D + 1`` and ``n1 - t < r`` rows of whole blocks lose one.  Either
       way the ``units`` changes (``<= q*n2``) are spread by water-filling: each goes to the neuron with the
       lowest (for removals: highest) current count that has a block left, which is the choice of the
       ``units`` smallest keys ``c(s) + k`` (``k = 1..q``).  With ``tau`` the largest key taken: a neuron that
       got ``0 < x < q`` ends at its last key (``<= tau``) below its next one (``>= tau``); one that got none
       ends at ``c(s) >= tau - 1`` (its first key ``c(s) + 1`` was not taken) and ``c(s) <= a + 1 <= tau``;
       one that got all q ends at ``c(s) + q <= tau`` and ``>= a + q >= tau - 1`` (no key exceeds
       ``a + 1 + q``).  So every neuron ends in ``{tau - 1, tau}``: the degrees ``q*D + c(s) + x(s)`` (or
       ``q*(D + 1) + c(s) - x(s)``) are within one of each other, i.e. ``floor(W/n2)`` or ``ceil(W/n2)``.

    Examples
    --------
    >>> rows = usn_rows(8, 3, 10, np.random.default_rng(0))      # n1 = 8 = 2*3 + 2: two whole blocks + 2 rows
    >>> rows.perms.shape, sorted(rows.length.tolist()), rows.big_is_right
    ((3, 3), [1, 1, 1, 1, 1, 1, 2, 2], False)
    """
    big_is_right = n >= p
    n1, n2 = (n, p) if big_is_right else (p, n)
    D, t = divmod(W, n1)
    q, r = divmod(n1, n2)
    m = q + (r > 0)
    perms = rng.permuted(np.broadcast_to(np.arange(n2, dtype=np.int32), (m, n2)), axis=1)
    grow = t <= q * n2                          # else shrink: every row starts at D + 1
    base = D if grow else D + 1
    units = t if grow else n1 - t
    starts = (int(rng.integers(n2)) + np.arange(r, dtype=np.int64) * n2 // r) % n2   # evenly spaced rotations
    cover = np.zeros(2 * n2 + 1, dtype=np.int64)                 # last block's coverage, by position
    np.add.at(cover, starts, 1)
    np.add.at(cover, starts + base, -1)
    cover = np.cumsum(cover)[:2 * n2]
    cover = cover[:n2] + cover[n2:]
    count = np.zeros(n2, dtype=np.int64)                         # ... by neuron of the smaller side
    if r:
        count[perms[-1]] = cover
    rank = rng.permutation(n2)
    x = _waterfill(count if grow else -count, units, q, rank)
    length = np.full((m, n2), base, dtype=np.int64)
    if units:                                                    # neuron s changes one row in x[s] whole blocks
        s = np.repeat(np.arange(n2), x)
        k = np.arange(s.size) - np.repeat(np.cumsum(x) - x, x)
        blk = (rank[s] + k) % q
        inverse = np.empty_like(perms)
        np.put_along_axis(inverse, perms.astype(np.int64),
                          np.broadcast_to(np.arange(n2, dtype=np.int32), (m, n2)), axis=1)
        length[blk, (inverse[blk, s].astype(np.int64) - D) % n2] += 1 if grow else -1
    row = rng.permutation(n1)               # larger-side neuron b reads row[b]: whole rows 0 .. q*n2 - 1, then I
    part = row >= q * n2
    row[part] = (m - 1) * n2 + starts[row[part] - q * n2]        # now the cell (block, rotation) as block*n2 + i
    return UsnRows(perms, row // n2, row % n2, length.ravel()[row], big_is_right)


def build_usn(p, n, *, fo, W, density, z, rng):
    """The registry's builder for ``usn`` (:func:`usn_rows`, read column by column, in natural order)."""
    from . import _kernels  # numba loads on first use, not with adjmat
    rows = usn_rows(p, n, W, rng)
    left = np.empty(W, dtype=np.int32)
    right = np.empty(W, dtype=np.int32)
    _kernels.usn_fill(rows.perms, rows.block, rows.start, rows.length, rows.big_is_right, left, right)
    return Pattern._trusted(left, right, p, n, "usn", None, {})


def usn_memory(p: int, n: int, W: int) -> int:
    """Peak bytes of :func:`build_usn`: the int32 edge arrays and their read-only copies (16 B per edge) and
    about 64 B per neuron of either side for the blocks, rows and their bookkeeping."""
    return 16 * W + 64 * (p + n)
