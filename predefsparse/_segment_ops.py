"""The ``"segment"`` kernel of :class:`~predefsparse.layers.SparseDense`: ``x @ K`` with ``keras.ops`` only, for
every backend and device (docs/sparse.md).

A gather of the inputs per edge, a multiply and a segment sum by output neuron, over tiles of the batch and, when
W is large, chunks of the edges, with its gradients written out the same way: no ``(W, batch)`` tensor is formed
and no per-edge intermediate exceeds :data:`SEGMENT_ELEMENTS`, so memory is O(W + batch x (p + n)).  The
edge list is ``values[j]`` for ``left[j] -> right[j]`` in the pattern's natural order (see
:mod:`predefsparse._sparse_ops`); kernels trust their inputs (the layer validated them).
"""
from __future__ import annotations

#: Elements a per-edge intermediate of the ``"segment"`` kernel (edges x tile rows) may have: 4 MiB of float32.
#: Every such tensor is bounded by this constant, not by W or the batch, so a step's memory is O(W + batch x
#: (p + n)): the edges are cut into chunks when W x :data:`SEGMENT_ROWS` exceeds it (see :func:`_segment_plan`).
SEGMENT_ELEMENTS = 1 << 20

#: Batch rows per tile when the edges must be cut into chunks: a gather of rows of 16 floats runs about 5x faster
#: per element than one of single floats, 32 a little faster again; more rows make more, smaller chunks, each with
#: a per-tile cost of O(p + n) (a transposed tile, a partial sum of the outputs).
SEGMENT_ROWS = 32


def _segment_plan(W: int, batch=None) -> tuple[int, int]:
    """``(rows, chunk)``: batch rows per tile and edges per chunk of the ``"segment"`` kernel, so that each
    per-edge intermediate (chunk x rows) holds at most :data:`SEGMENT_ELEMENTS` elements (a training step holds
    a few of them at once).  All edges in one chunk, with as many rows as fit, when W x :data:`SEGMENT_ROWS`
    fits; otherwise :data:`SEGMENT_ROWS` rows (the batch when smaller and known) and equal chunks of edges."""
    W = int(W)
    rows = min(SEGMENT_ROWS, max(batch, 1)) if isinstance(batch, int) else SEGMENT_ROWS
    if W * rows <= SEGMENT_ELEMENTS:
        return max(1, SEGMENT_ELEMENTS // max(W, 1)), W
    chunks = -(-W * rows // SEGMENT_ELEMENTS)
    return rows, -(-W // chunks)


def _segment_forward(xt, values, left, right, n):
    """``y.T`` (n, tile) from ``x.T`` (p, tile): gather the inputs of every edge, scale, sum by output neuron."""
    from keras import ops
    per_edge = ops.multiply(ops.take(xt, left, axis=0), ops.expand_dims(values, 1))  # (W, tile)
    return ops.segment_sum(per_edge, right, num_segments=n)


def _tiles(a, t: int):
    """``a`` (batch, k) cut into ``(tiles, rows, k)``: ``ceil(batch / t)`` tiles of equal size ``rows <= t``,
    the last padded with fewer than ``tiles`` zero rows (the batch may be a tensor: a traced unknown size)."""
    from keras import ops
    batch = ops.shape(a)[0]
    count = (batch + t - 1) // t
    count = max(count, 1) if isinstance(count, int) else ops.maximum(count, 1)  # an empty batch: one empty tile
    rows = (batch + count - 1) // count
    pad = count * rows - batch
    return ops.reshape(ops.pad(a, [[0, pad], [0, 0]]), (count, rows, ops.shape(a)[1]))


def _fori(count, body, init):
    """``body(i, acc)`` for ``i < count``, one iteration at a time (in a TensorFlow graph the iterations would
    otherwise overlap, each holding its tile's intermediates)."""
    import keras
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf
        return tf.while_loop(lambda i, acc: i < count, lambda i, acc: (i + 1, body(i, acc)), (0, init),
                             parallel_iterations=1)[1]
    return keras.ops.fori_loop(0, count, body, init)


def segment_matmul(x, values, left, right, n: int):
    """``x @ K`` with ``keras.ops`` only, for every backend and device (2-D ``x``, in the type of ``x``).

    Per tile of rows of ``x`` and chunk of edges (:func:`_segment_plan`): gather the inputs of every edge,
    scale, sum by output neuron.  The gradients are written out the same way (``dvalues[j] = sum_i x[i, left[j]]
    g[i, right[j]]`` accumulated tile by tile for each chunk of edges, ``dx`` the same product as the forward
    with the pattern transposed), so no ``(W, batch)`` tensor is ever formed, forward or backward, and no
    per-edge intermediate exceeds :data:`SEGMENT_ELEMENTS`: memory O(W + batch x (p + n))."""
    from keras import ops
    left, right = ops.convert_to_tensor(left, "int32"), ops.convert_to_tensor(right, "int32")
    W, p = int(left.shape[0]), int(x.shape[1])
    t, chunk = _segment_plan(W, ops.shape(x)[0])
    chunks = -(-W // chunk) if W > chunk else 1

    def edge_chunk(c, *arrays):
        """Chunk ``c`` of each edge array: ``chunk`` edges from ``min(c chunk, W - chunk)`` (the last chunk
        overlaps the one before it rather than running past W), that start, and a mask of the edges new in it."""
        start = ops.minimum(c * chunk, W - chunk)
        fresh = ops.greater_equal(ops.arange(chunk) + start, c * chunk)
        return [ops.slice(a, [start], [chunk]) for a in arrays] + [start, fresh]

    def products(a, idx_a, b, idx_b, after):
        """``sum_i a[i, idx_a[j]] * b[i, idx_b[j]]`` for every edge j (a, b: (batch, k)): per chunk of edges,
        accumulated over the tiles of the batch, written into a (W,) buffer in place.  Starts once ``after``
        (a tensor) exists: in a TensorFlow graph the two halves of the backward pass would otherwise run at
        once, each holding its own intermediates."""
        ta, tb = _tiles(a, t), _tiles(b, t)
        zero = ops.sum(after[:0, 0])  # 0, once ``after`` is computed

        def zeros(size):
            return ops.broadcast_to(zero, (size,))  # one allocation (zeros + zero would make two)

        def one_chunk(ia, ib):
            def body(i, acc):
                pa = ops.take(ops.transpose(ta[i]), ia, axis=0)  # (chunk, rows)
                pb = ops.take(ops.transpose(tb[i]), ib, axis=0)
                return ops.add(acc, ops.sum(ops.multiply(pa, pb), axis=1))

            return _fori(ops.shape(ta)[0], body, zeros(ops.shape(ia)[0]))

        if chunks == 1:
            return one_chunk(idx_a, idx_b)

        def body(c, out):  # the last chunk rewrites its overlap with the same sums
            ia, ib, start, _ = edge_chunk(c, idx_a, idx_b)
            return ops.scatter_update(out, ops.expand_dims(ops.arange(chunk) + start, 1), one_chunk(ia, ib))

        return _fori(chunks, body, zeros(W))

    def matmul_tiled(a, vals, gather, scatter, size):
        """``a @ K`` (or ``a @ K.T`` with the index lists swapped), tile by tile, each tile's rows written into
        a ``(batch, size)`` buffer in place (a map would stack the tiles into a second such tensor)."""
        tiles = _tiles(a, t)
        count, rows = ops.shape(tiles)[0], ops.shape(tiles)[1]

        def one(tile):
            at = ops.transpose(tile)  # (k, rows)
            if chunks == 1:
                return ops.transpose(_segment_forward(at, vals, gather, scatter, size))

            def body(c, acc):
                v, g, s, _, fresh = edge_chunk(c, vals, gather, scatter)
                return ops.add(acc, _segment_forward(at, ops.where(fresh, v, ops.zeros_like(v)), g, s, size))

            return ops.transpose(_fori(chunks, body, ops.zeros((size, rows), dtype=a.dtype)))

        def body(i, out):
            return ops.scatter_update(out, ops.expand_dims(ops.arange(rows) + i * rows, 1), one(tiles[i]))

        return _fori(count, body, ops.zeros((count * rows, size), dtype=a.dtype))[:ops.shape(a)[0]]

    @ops.custom_gradient
    def op(x, values):
        y = matmul_tiled(x, values, left, right, n)

        def grad(*args, upstream=None):
            g = args[0] if upstream is None else upstream
            dx = matmul_tiled(g, values, right, left, p)
            return dx, products(x, left, g, right, after=dx)

        return y, grad

    return op(x, values)
