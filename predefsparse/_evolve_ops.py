"""Numba kernels of one SET step (:func:`predefsparse.evolution.evolve`), O(W) time and memory.

The edges of a junction are in natural order (sorted by ``right``, then ``left``), so row ``r``'s edges are
``ptr[r]:ptr[r + 1]`` with their ``left`` sorted (through a per-row order, :func:`row_order`, when they are
not): whether candidate cells are occupied is one merge of the row's sorted candidates with its sorted edges.
Cells are the int64 keys ``right * p + left``.  Randomness is drawn outside, by the caller's numpy
Generator, and handed in: the kernels are deterministic functions of their inputs.

Kernels trust their inputs: :func:`~predefsparse.evolution.evolve` validated them.
"""
from __future__ import annotations

import numpy as np
from numba import njit

@njit(cache=True)
def _cuts(bits, width, k_pos, k_neg):  # pragma: no cover - compiled
    """Radix select, both signs at once: for each sign (0 positive, 1 negative) the bit pattern of the k-th
    smallest nonzero magnitude (1-based ``k_pos`` / ``k_neg``; 0 when k is 0) and how many are strictly smaller.

    ``bits`` are the weights' IEEE bit patterns (uint32 or uint64, ``width`` 32 or 64).  Within one sign the
    magnitude's bit pattern orders like the magnitude, so 16-bit digits from the top, each found by a counting
    pass over the weights that share the digits found so far, give the exact values in ``width / 16`` passes
    (branch-free counting: the sign is an index, not a test)."""
    top = np.uint64(width - 1)
    mag_mask = (np.uint64(1) << top) - np.uint64(1)
    ks = np.array([k_pos, k_neg], np.int64)
    prefix = np.zeros(2, np.uint64)
    below = np.zeros(2, np.int64)
    hist = np.zeros((2, 1 << 16), np.int64)
    for shift in range(width - 16, -1, -16):
        hist[:] = 0
        high = np.uint64(min(shift + 16, 63))
        first = shift + 16 >= width
        for j in range(bits.size):
            v = np.uint64(bits[j])
            s = np.int64(v >> top)
            m = v & mag_mask
            ok = m != 0 and (first or (m >> high) == (prefix[s] >> high))
            hist[s, np.int64((m >> np.uint64(shift)) & np.uint64(0xFFFF))] += ok
        for s in range(2):
            if ks[s] <= 0:
                continue
            acc = 0
            for d in range(1 << 16):
                if below[s] + acc + hist[s, d] >= ks[s]:
                    prefix[s] |= np.uint64(d) << np.uint64(shift)
                    below[s] += acc
                    break
                acc += hist[s, d]
    return prefix, below


@njit(cache=True)
def removal_mask(w, bits, width, k_zero, k_pos, k_neg):  # pragma: no cover - compiled
    """Boolean keep-mask (length W): the first ``k_zero`` exact zeros (by position) and the ``k_pos`` smallest
    positive and ``k_neg`` negative-closest-to-zero weights (ties by position) are False.  ``bits`` is ``w``
    viewed as unsigned integers of ``width`` bits."""
    W = w.size
    keep = np.ones(W, np.bool_)
    z = 0
    if k_zero > 0:
        for j in range(W):
            if w[j] == 0:
                keep[j] = False
                z += 1
                if z >= k_zero:
                    break
    cut, below = _cuts(bits, width, k_pos, k_neg)
    ties = np.array([k_pos, k_neg], np.int64) - below
    top = np.uint64(width - 1)
    mag_mask = (np.uint64(1) << top) - np.uint64(1)
    for j in range(W):
        v = np.uint64(bits[j])
        s = np.int64(v >> top)
        m = v & mag_mask
        if m != 0 and m < cut[s]:
            keep[j] = False
        elif m != 0 and m == cut[s] and ties[s] > 0:
            keep[j] = False
            ties[s] -= 1
    return keep


@njit(cache=True)
def row_order(left, ptr):  # pragma: no cover - compiled
    """The permutation that sorts every row's edges by ``left`` (int64, length W), or an empty array when they
    are sorted already (as every built-in generator and every SET step leaves them)."""
    n = ptr.size - 1
    ok = True
    for r in range(n):
        for j in range(ptr[r] + 1, ptr[r + 1]):
            if left[j] <= left[j - 1]:
                ok = False
                break
        if not ok:
            break
    if ok:
        return np.empty(0, np.int64)
    order = np.arange(left.size)
    for r in range(n):
        a, b = ptr[r], ptr[r + 1]
        if b - a > 1:
            order[a:b] = a + np.argsort(left[a:b], kind="mergesort")
    return order


@njit(cache=True)
def free_candidates(cand, left, ptr, order, p):  # pragma: no cover - compiled
    """The distinct cells of ``cand`` (int64 keys ``right * p + left``, sorted) that are empty in the old
    pattern (neither kept nor just removed), sorted: one merge per row of the row's candidates with its old
    edges (in ``left`` order, through ``order`` unless it is empty)."""
    sorted_rows = order.size == 0
    out = np.empty(cand.size, np.int64)
    got = 0
    i = 0
    m = cand.size
    while i < m:
        r = cand[i] // p
        a, ae = ptr[r], ptr[r + 1]
        row_end = (r + 1) * p
        while i < m and cand[i] < row_end:
            c = cand[i]
            i += 1
            if got and out[got - 1] == c:
                continue
            l = c - r * p
            while a < ae and left[a if sorted_rows else order[a]] < l:
                a += 1
            if a < ae and left[a if sorted_rows else order[a]] == l:
                continue
            out[got] = c
            got += 1
    return out[:got]


@njit(cache=True)
def merge(left, ptr, keep, values, order, grown, new_values, p, source_out, left_out, right_out,
          values_out):  # pragma: no cover - compiled
    """The new edge list in natural order: per row, the kept old edges (in ``left`` order, through ``order``
    unless it is empty) merged with the row's regrown cells (``grown``: sorted int64 keys, never an old cell;
    ``new_values[i]`` is the weight of ``grown[i]``).  Fills ``*_out`` (length W) and ``source_out`` (old edge
    index, -1 for a regrown edge)."""
    n = ptr.size - 1
    sorted_rows = order.size == 0
    o = 0
    b = 0
    k = grown.size
    for r in range(n):
        a, ae = ptr[r], ptr[r + 1]
        row_end = (r + 1) * p
        while True:
            while a < ae and not keep[a if sorted_rows else order[a]]:
                a += 1
            j = a if sorted_rows or a >= ae else order[a]
            new_here = b < k and grown[b] < row_end
            if a < ae and (not new_here or left[j] < grown[b] - r * p):
                left_out[o] = left[j]
                values_out[o] = values[j]
                source_out[o] = j
                a += 1
            elif new_here:
                left_out[o] = grown[b] - r * p
                values_out[o] = new_values[b]
                source_out[o] = -1
                b += 1
            else:
                break
            right_out[o] = r
            o += 1
    return o


@njit(cache=True)
def move(slot, source):  # pragma: no cover - compiled
    """``where(source >= 0, slot[source], 0)`` without temporaries (optimizer state follows kept edges)."""
    out = np.empty(source.size, slot.dtype)
    for j in range(source.size):
        s = source[j]
        out[j] = slot[s] if s >= 0 else 0
    return out
