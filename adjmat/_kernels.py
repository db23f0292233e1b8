"""Numba kernels of adjmat.  They trust their inputs: the Python layer validates, fixes dtypes and seeds.

Every kernel is a plain module-level ``@njit(cache=True)`` function over contiguous arrays.
"""
import numpy as np
from numba import njit


@njit(cache=True)
def fill_type2(starts, banks, D, z, out):
    """Clash-free types 2/3: ``out[s*p + c*z + m] = ((starts[s, m] + c) mod D) * z + banks[s, m]``.

    starts : int64 (S, z), start address of each lane in each sweep, values in [0, D)
    banks  : int64 (S, z), bank of each lane in each sweep (a permutation of 0..z-1 per row)
    out    : int32 (S * D * z,), written in place (natural edge order)
    """
    S = starts.shape[0]
    p = D * z
    for s in range(S):
        base = s * p
        for m in range(z):
            t = starts[s, m]
            b = banks[s, m]
            j = base + m
            for _c in range(D):
                out[j] = t * z + b
                j += z
                t += 1
                if t == D:
                    t = 0


@njit(cache=True)
def fill_type1(perms, banks, D, z, out):
    """Clash-free type 1: ``out[s*p + c*z + m] = perms[s*z + m, c] * z + banks[s, m]``.

    perms : int32 (S * z, D), one permutation of 0..D-1 per (sweep, lane)
    banks : int64 (S, z)
    out   : int32 (S * D * z,)
    """
    S = banks.shape[0]
    p = D * z
    for s in range(S):
        base = s * p
        for m in range(z):
            row = s * z + m
            b = banks[s, m]
            j = base + m
            for c in range(D):
                out[j] = perms[row, c] * z + b
                j += z


@njit(cache=True)
def _shuffle(rng, a, lo, hi):
    """Fisher-Yates shuffle of a[lo:hi] in place with the caller's Generator."""
    for i in range(hi - 1, lo, -1):
        k = lo + rng.integers(0, i - lo + 1)
        tmp = a[i]
        a[i] = a[k]
        a[k] = tmp


@njit(cache=True)
def sweep_stream(p, indeg, rng, out):
    """Left neurons for a stream of random sweeps cut into right-neuron blocks without repeated edges.

    The stream is a concatenation of uniformly random permutations of 0..p-1 (one per sweep, the last one
    truncated); right neuron r takes the next ``indeg[r]`` values (``indeg[r] <= p``).  A block can straddle
    two sweeps; the next permutation is then drawn uniformly among those whose first ``b`` values avoid the
    ``a`` values the block already holds (possible because ``a + b <= p``), so no right neuron gets a left
    neuron twice.  Every left neuron appears once per complete sweep.  O(W + p * sweeps) = O(W) time.

    p     : int
    indeg : int64 (n,), in-degree of each right neuron, each <= p
    rng   : numpy.random.Generator
    out   : int32 (sum(indeg),), written in place
    """
    n = indeg.shape[0]
    perm = np.arange(p, dtype=np.int64)
    mark = np.full(p, -1, dtype=np.int64)
    buf = np.empty(p, dtype=np.int64)
    pos = p
    j = 0
    for r in range(n):
        d = indeg[r]
        for k in range(d):
            if pos == p:
                b = d - k  # values of this block still to come from the new permutation
                if k == 0:
                    _shuffle(rng, perm, 0, p)
                else:
                    nu = 0
                    for v in range(p):  # unmarked values first, marked ones after
                        if mark[v] != r:
                            buf[nu] = v
                            nu += 1
                    nm = nu
                    for v in range(p):
                        if mark[v] == r:
                            buf[nm] = v
                            nm += 1
                    _shuffle(rng, buf, 0, nu)        # head: b values drawn from the unmarked ones
                    _shuffle(rng, buf, b, p)         # tail: the rest, in random order
                    for v in range(p):
                        perm[v] = buf[v]
                pos = 0
            v = perm[pos]
            pos += 1
            mark[v] = r
            out[j] = v
            j += 1


@njit(cache=True)
def count_duplicates(left, indptr, p):
    """Number of repeated (right, left) edges: edges beyond the first of each pair.

    left   : int32 (W,)
    indptr : int64 (n + 1,), CSR pointer over right neurons
    """
    mark = np.full(p, -1, dtype=np.int64)
    dup = 0
    n = indptr.shape[0] - 1
    for r in range(n):
        for j in range(indptr[r], indptr[r + 1]):
            v = left[j]
            if mark[v] == r:
                dup += 1
            else:
                mark[v] = r
    return dup


@njit(cache=True)
def usn_fill(perms, block, start, length, big_is_right, left, right):
    """USN's edges: row ``b`` of the larger side reads ``perms[block[b], (start[b] + c) mod n2]`` for
    ``c < length[b]`` (a cyclic rotation of its block's permutation), in natural order.

    Edges are enumerated column by column (all rows' column 0, then column 1, ...), as USN reads its rows,
    and grouped by right neuron with a counting sort, so inside one right neuron they keep that order.
    O(W + n1 * max(length)) time.

    perms        : int32 (m, n2), the blocks' permutations of the smaller side
    block, start, length : int64 (n1,), the row given to each larger-side neuron
    big_is_right : bool, whether the larger side is the right layer (else the left)
    left, right  : int32 (W,), written in place
    """
    n1 = block.shape[0]
    n2 = perms.shape[1]
    nr = n1 if big_is_right else n2
    ptr = np.zeros(nr + 1, dtype=np.int64)
    dmax = 0
    for b in range(n1):
        dmax = max(dmax, length[b])
        if big_is_right:
            ptr[b + 1] += length[b]
        else:
            for c in range(length[b]):
                ptr[perms[block[b], (start[b] + c) % n2] + 1] += 1
    for r in range(nr):
        ptr[r + 1] += ptr[r]
    for c in range(dmax):
        for b in range(n1):
            if c < length[b]:
                s = perms[block[b], (start[b] + c) % n2]
                if big_is_right:
                    j = ptr[b]
                    ptr[b] += 1
                    left[j] = s
                    right[j] = b
                else:
                    j = ptr[s]
                    ptr[s] += 1
                    left[j] = b
                    right[j] = s
