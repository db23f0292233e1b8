"""Kernels of the truly sparse path of :class:`~predefsparse.layers.SparseDense` (docs/sparse.md).

The layer keeps one value per edge, ``values[j]`` for the edge ``left[j] -> right[j]`` of its pattern, in the
pattern's natural order (``right`` non-decreasing, i.e. CSR by output neuron).  ``y = x @ K`` with the implicit
``(p, n)`` kernel ``K[left[j], right[j]] = values[j]`` is computed in O(batch x W) without ever forming ``K``:

- ``"numba"``: Numba kernels over the transposed activations (``x.T`` is ``(p, batch)``, so every edge is one
  contiguous axpy of length ``batch``), called from the TensorFlow graph through ``tf.numpy_function`` with a
  ``tf.custom_gradient`` (the fastest measured on CPU: docs/sparse.md);
- ``"segment"``: ``keras.ops`` only, for every backend and device (:mod:`predefsparse._segment_ops`: a gather
  of the inputs per edge, a multiply and a segment sum by output neuron, tiled so that memory stays
  O(W + batch x (p + n))).

Kernels compute in float64 for a float64 layer and in float32 otherwise (float16 and bfloat16 inputs are
widened to float32, the products accumulated in float32 and the result rounded back, as :func:`matmul` does).
Kernels trust their inputs: the layer validated the edge list.
"""
from __future__ import annotations

import numpy as np
from numba import njit, prange

KERNELS = ("numba", "segment")


def _float(a) -> np.dtype:
    """The kernels' compute type for an array: float64 stays float64, anything else is float32."""
    return np.dtype(np.float64) if np.asarray(a).dtype == np.float64 else np.dtype(np.float32)


@njit(cache=True)
def _pointers(index, size):  # pragma: no cover - compiled
    """Group pointers (int64, size + 1): edges with ``index == k`` are the k-th group (int32 ``index``)."""
    ptr = np.zeros(size + 1, np.int64)
    for j in range(index.size):
        ptr[index[j] + 1] += 1
    for k in range(size):
        ptr[k + 1] += ptr[k]
    return ptr


@njit(cache=True)
def _csr(right, n):  # pragma: no cover - compiled
    """Row pointers (int64, length n + 1) of edges sorted by ``right`` (int32, non-decreasing)."""
    return _pointers(right, n)


@njit(cache=True)
def _csc(left, p):  # pragma: no cover - compiled
    """Column pointers (int64, p + 1) and the edge permutation (int64, W) that groups edges by ``left``."""
    ptr = _pointers(left, p)
    pos = ptr[:-1].copy()
    perm = np.empty(left.size, np.int64)
    for j in range(left.size):
        perm[pos[left[j]]] = j
        pos[left[j]] += 1
    return ptr, perm


#: Largest per-thread scratch (bytes) of the scatter backward pass; above it the gather pass is used.
SCATTER_BYTES = 64 << 20


#: Bytes: TensorFlow's largest (Eigen's AVX-512) alignment; an array aligned so is shared, not copied.
ALIGN = 64


def _aligned(shape, dtype=np.float32) -> np.ndarray:
    """An uninitialised C-order array whose data start on an :data:`ALIGN`-byte boundary: TensorFlow takes such
    an array back from ``tf.numpy_function``, or through DLPack (``training._as_tensor``), without copying it
    (it copies anything less aligned; numpy's own large arrays are 16-byte aligned)."""
    size = int(np.prod(shape)) * np.dtype(dtype).itemsize
    raw = np.empty(size + ALIGN, np.uint8)
    start = (-raw.ctypes.data) % ALIGN
    return raw[start:start + size].view(dtype).reshape(shape)


@njit(parallel=True, fastmath=True, cache=True)
def _forward_into(yt, xt, left, ptr, values):  # pragma: no cover - compiled
    """``y.T`` into ``yt`` ((n, batch), any content) from ``x.T`` (C-order (p, batch)), the edges (int32
    ``left``, ``values`` in the type of ``x``, length W, in natural order) and their row pointers ``ptr``
    (:func:`_csr`).  Each output row accumulates in place (no allocation per row: it dominated at batch 2),
    eight edges per pass over the row, then four, then one, so the row is loaded and stored once per eight
    input rows read (one edge per pass was bound by those loads and stores: at 4096 x 4096, 1 %, batch 256,
    one thread, 3.5-4.0 ms against 2.4 ms)."""
    n = ptr.size - 1
    b = xt.shape[1]
    for r in prange(n):
        j, end = ptr[r], ptr[r + 1]
        for i in range(b):
            yt[r, i] = 0.0
        while j + 8 <= end:
            w0, w1, w2, w3 = values[j], values[j + 1], values[j + 2], values[j + 3]
            w4, w5, w6, w7 = values[j + 4], values[j + 5], values[j + 6], values[j + 7]
            l0, l1, l2, l3 = left[j], left[j + 1], left[j + 2], left[j + 3]
            l4, l5, l6, l7 = left[j + 4], left[j + 5], left[j + 6], left[j + 7]
            for i in range(b):
                yt[r, i] += (((w0 * xt[l0, i] + w1 * xt[l1, i]) + (w2 * xt[l2, i] + w3 * xt[l3, i]))
                             + ((w4 * xt[l4, i] + w5 * xt[l5, i]) + (w6 * xt[l6, i] + w7 * xt[l7, i])))
            j += 8
        if j + 4 <= end:
            w0, w1, w2, w3 = values[j], values[j + 1], values[j + 2], values[j + 3]
            l0, l1, l2, l3 = left[j], left[j + 1], left[j + 2], left[j + 3]
            for i in range(b):
                yt[r, i] += (w0 * xt[l0, i] + w1 * xt[l1, i]) + (w2 * xt[l2, i] + w3 * xt[l3, i])
            j += 4
        while j < end:
            w = values[j]
            l = left[j]
            for i in range(b):
                yt[r, i] += w * xt[l, i]
            j += 1


def _forward_t(xt, left, ptr, values):
    """``y.T`` ((n, batch) in the type of ``x.T``, 64-byte aligned): see :func:`_forward_into`."""
    yt = _aligned((ptr.size - 1, xt.shape[1]), xt.dtype)
    _forward_into(yt, xt, left, ptr, values)
    return yt


@njit(parallel=True, fastmath=True, cache=True)
def _zero_parts(buf):  # pragma: no cover - compiled
    """Zero the per-thread scratches ``buf`` (parts, p, batch) in parallel."""
    parts, p, b = buf.shape
    for t in prange(parts):
        for l in range(p):
            for i in range(b):
                buf[t, l, i] = 0.0


@njit(parallel=True, fastmath=True, cache=True)
def _sum_parts(buf):  # pragma: no cover - compiled
    """Sum the per-thread scratches into ``buf[0]``."""
    parts, p, b = buf.shape
    for l in prange(p):
        for t in range(1, parts):
            for i in range(b):
                buf[0, l, i] += buf[t, l, i]


def _row_blocks(ptr: np.ndarray, parts: int) -> np.ndarray:
    """``parts + 1`` row bounds splitting the rows into blocks of about W / parts edges each."""
    n, W = ptr.size - 1, int(ptr[-1])
    bounds = np.searchsorted(ptr, np.arange(parts + 1) * (W / parts))
    bounds[0], bounds[parts] = 0, n
    return bounds


@njit(parallel=True, fastmath=True, cache=True)
def _backward_scatter(buf, dv, xt, gt, left, ptr, values, bounds):  # pragma: no cover - compiled
    """Gradients in one pass over the edges in natural order: thread t takes the rows ``bounds[t]:bounds[t+1]``
    (:func:`_row_blocks`) and scatters ``values[j] * g.T[r]`` into its own zeroed ``(p, batch)`` scratch
    ``buf[t]`` (summed afterwards by :func:`_sum_parts`) for ``dx.T``; when ``dv`` is not empty it also writes
    ``dvalues[j] = x.T[left[j]] . g.T[r]`` there.  Edge data stream in order; no permutation is read."""
    b = gt.shape[1]
    with_values = dv.size > 0
    for t in prange(buf.shape[0]):
        for r in range(bounds[t], bounds[t + 1]):
            for j in range(ptr[r], ptr[r + 1]):
                l = left[j]
                w = values[j]
                if with_values:
                    s = np.float32(0.0)  # float64 when the arrays are (Numba unifies the two)
                    for i in range(b):
                        g = gt[r, i]
                        s += xt[l, i] * g
                        buf[t, l, i] += w * g
                    dv[j] = s
                else:
                    for i in range(b):
                        buf[t, l, i] += w * gt[r, i]


@njit(parallel=True, fastmath=True, cache=True)
def _grad_values_into(dv, xt, gt, left, ptr):  # pragma: no cover - compiled
    """``dvalues[j] = x.T[left[j]] . g.T[r]`` for the edges j of every right neuron r, into ``dv``: eight
    edges per pass over ``g.T[r]``, then four, then one."""
    n = ptr.size - 1
    b = xt.shape[1]
    for r in prange(n):
        j, end = ptr[r], ptr[r + 1]
        while j + 8 <= end:
            l0, l1, l2, l3 = left[j], left[j + 1], left[j + 2], left[j + 3]
            l4, l5, l6, l7 = left[j + 4], left[j + 5], left[j + 6], left[j + 7]
            s0 = s1 = s2 = s3 = s4 = s5 = s6 = s7 = np.float32(0.0)  # float64 with float64 arrays (Numba unifies)
            for i in range(b):
                g = gt[r, i]
                s0 += xt[l0, i] * g
                s1 += xt[l1, i] * g
                s2 += xt[l2, i] * g
                s3 += xt[l3, i] * g
                s4 += xt[l4, i] * g
                s5 += xt[l5, i] * g
                s6 += xt[l6, i] * g
                s7 += xt[l7, i] * g
            dv[j], dv[j + 1], dv[j + 2], dv[j + 3] = s0, s1, s2, s3
            dv[j + 4], dv[j + 5], dv[j + 6], dv[j + 7] = s4, s5, s6, s7
            j += 8
        if j + 4 <= end:
            l0, l1, l2, l3 = left[j], left[j + 1], left[j + 2], left[j + 3]
            s0 = s1 = s2 = s3 = np.float32(0.0)
            for i in range(b):
                g = gt[r, i]
                s0 += xt[l0, i] * g
                s1 += xt[l1, i] * g
                s2 += xt[l2, i] * g
                s3 += xt[l3, i] * g
            dv[j], dv[j + 1], dv[j + 2], dv[j + 3] = s0, s1, s2, s3
            j += 4
        while j < end:
            l = left[j]
            s = np.float32(0.0)
            for i in range(b):
                s += xt[l, i] * gt[r, i]
            dv[j] = s
            j += 1


def _scatter(kernel, p: int, b: int, ptr: np.ndarray, parts: int, dtype, *args) -> np.ndarray:
    """Run a scatter ``kernel`` over zeroed per-thread scratches and return their sum (``(p, batch)`` of
    ``dtype``, 64-byte aligned)."""
    buf = _aligned((parts, p, b), dtype)
    _zero_parts(buf)
    kernel(buf, *args, _row_blocks(ptr, parts))
    if parts > 1:
        _sum_parts(buf)
    return buf[0]


def _grad_values(xt, gt, left, ptr):
    """``dvalues`` alone (W, 64-byte aligned, in the compute type of ``x.T``)."""
    dtype = _float(xt)
    dv = _aligned((left.size,), dtype)
    _grad_values_into(dv, np.ascontiguousarray(xt, dtype=dtype), np.ascontiguousarray(gt, dtype=dtype), left, ptr)
    return dv


def _grad_inputs(gt, values, left, right, ptr, p: int):
    """``dx.T`` alone ((p, batch), 64-byte aligned, in the compute type of ``g.T``): scatter or gather as
    :func:`_backward_t`."""
    dtype = _float(gt)
    gt = np.ascontiguousarray(gt, dtype=dtype)
    values = np.asarray(values, dtype)
    b = gt.shape[1]
    parts = _scatter_parts(p, b, left.size, dtype.itemsize)
    if parts:
        no_dv, no_xt = np.empty(0, dtype), np.empty((0, b), dtype)
        return _scatter(_backward_scatter, p, b, ptr, parts, dtype, no_dv, no_xt, gt, left, ptr, values)
    # the gather pass: dx.T is the forward product of the transposed pattern (edges grouped by left neuron)
    cptr, perm = _csc(left, p)
    dxt = _aligned((p, b), dtype)
    _forward_into(dxt, gt, right[perm], cptr, values[perm])
    return dxt


#: Batch size from which the backward pass runs as two ops (``dvalues``, ``dx``) instead of one fused pass:
#: TensorFlow then drops the ``dx`` op of a layer whose input needs no gradient (the first layer).  At small
#: batches the fused pass is cheaper (one read of the edge list for both); at batch 256 the second read is
#: negligible beside 2 x 256 multiply-adds per edge.
SPLIT_BATCH = 16


def _scatter_parts(p: int, b: int, W: int, itemsize: int = 4) -> int:
    """Threads of the scatter pass, or 0 to use the gather pass: one per ~4 p edges, at most Numba's thread
    count, while their scratch fits in :data:`SCATTER_BYTES`.  One thread alone scatters slower than the
    gather pass runs on all of them (measured at 4096 x 4096, 0.1 %, batch 256: 1.5 vs 0.9 ms), so the
    scatter needs at least two."""
    import numba
    parts = min(numba.get_num_threads(), W // max(1, 4 * p))
    return parts if parts >= 2 and parts * p * b * itemsize <= SCATTER_BYTES else 0


def _backward_t(xt, gt, left, right, ptr, values):
    """Gradients ``(dx.T, dvalues)``: ``(p, batch)`` and ``(W,)``, from ``x.T`` ``(p, batch)`` and the output
    gradient ``g.T`` ``(n, batch)`` (C-order, both float32 or both float64, as ``values``): the scatter pass
    where its scratch is small, else the gather pass."""
    p, b = xt.shape
    parts = _scatter_parts(p, b, left.size, xt.dtype.itemsize)
    if parts:
        dv = _aligned((left.size,), xt.dtype)
        return _scatter(_backward_scatter, p, b, ptr, parts, xt.dtype, dv, xt, gt, left, ptr, values), dv
    return _grad_inputs(gt, values, left, right, ptr, p), _grad_values(xt, gt, left, ptr)


def forward_numpy(x: np.ndarray, left: np.ndarray, right: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """``x @ K`` for a 2-D ``x`` (batch, p): the host side of the ``"numba"`` kernel (float64 for a float64
    ``x``, else float32)."""
    dtype = _float(x)
    xt = np.ascontiguousarray(np.asarray(x, dtype=dtype).T)
    ptr = _csr(np.asarray(right, np.int32), int(n))
    return np.ascontiguousarray(_forward_t(xt, np.asarray(left, np.int32), ptr, np.asarray(values, dtype)).T)


def backward_numpy(x, g, left, right, values, n):
    """``(dx, dvalues)`` for ``y = x @ K`` given the output gradient ``g`` (batch, n)."""
    dtype = _float(x)
    xt = np.ascontiguousarray(np.asarray(x, dtype=dtype).T)
    gt = np.ascontiguousarray(np.asarray(g, dtype=dtype).T)
    right = np.asarray(right, np.int32)
    dxt, dv = _backward_t(xt, gt, np.asarray(left, np.int32), right, _csr(right, int(n)),
                          np.asarray(values, dtype))
    return np.ascontiguousarray(dxt.T), dv


def _forward_host(xt, values, left, right, n):
    """Forward on the host: ``y.T`` and the row pointers, which the backward pass of the same step reuses."""
    ptr = _csr(right, n)
    dtype = _float(xt)
    return _forward_t(np.ascontiguousarray(xt, dtype=dtype), left, ptr, np.asarray(values, dtype)), ptr


def _backward_host(xt, gt, values, left, right, ptr):
    dtype = _float(xt)
    return _backward_t(np.ascontiguousarray(xt, dtype=dtype), np.ascontiguousarray(gt, dtype=dtype),
                       left, right, ptr, np.asarray(values, dtype))


def numba_matmul(x, values, left, right, n: int):
    """``x @ K`` as a TensorFlow op with gradients for ``x`` and ``values`` (2-D ``x``, float32 or float64;
    ``values`` of the same type).

    The transposes around the kernels run in TensorFlow (multi-threaded, ~4x faster here than numpy's copy,
    which made up most of a step at 0.1 % density).  From a batch of :data:`SPLIT_BATCH` the backward pass is
    two ops, so TensorFlow drops the input gradient where nothing needs it (a model's first layer).
    """
    import tensorflow as tf
    n, p = int(n), int(x.shape[1])
    dt = x.dtype

    @tf.custom_gradient
    def op(x, values):
        xt = tf.transpose(x)
        yt, ptr = tf.numpy_function(lambda a, v, lf, rt: _forward_host(a, v, lf, rt, n),
                                    [xt, values, left, right], [dt, tf.int64], stateful=False)
        yt.set_shape([n, x.shape[0]])

        def grad(g):
            gt = tf.transpose(g)
            if x.shape[0] is None or x.shape[0] >= SPLIT_BATCH:
                dv = tf.numpy_function(_grad_values, [xt, gt, left, ptr], dt, stateful=False)
                dxt = tf.numpy_function(lambda a, v, lf, rt, pt: _grad_inputs(a, v, lf, rt, pt, p),
                                        [gt, values, left, right, ptr], dt, stateful=False)
            else:
                dxt, dv = tf.numpy_function(_backward_host, [xt, gt, values, left, right, ptr], [dt, dt],
                                            stateful=False)
            dxt.set_shape([x.shape[1], x.shape[0]])
            dv.set_shape(values.shape)
            return tf.transpose(dxt), dv

        return tf.transpose(yt), grad

    return op(x, values)


def matmul(kernel: str, x, values, left, right, n: int):
    """Dispatch to one of :data:`KERNELS` (``x`` 2-D, values in the compute dtype).

    ``"numba"`` computes a float64 ``x`` in float64, and every other type in float32 (float16 and bfloat16
    are widened, and the result rounded back to their type); ``"segment"`` computes in the type of ``x``."""
    if kernel == "numba":
        from keras import ops
        dtype = x.dtype
        if dtype == "float64":
            return numba_matmul(x, ops.cast(values, dtype), left, right, n)
        y = numba_matmul(ops.cast(x, "float32"), ops.cast(values, "float32"), left, right, n)
        return ops.cast(y, dtype)
    from ._segment_ops import segment_matmul
    return segment_matmul(x, values, left, right, n)
