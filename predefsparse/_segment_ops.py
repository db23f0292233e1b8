"""The ``"segment"`` kernel of :class:`~predefsparse.layers.SparseDense`: ``x @ K`` with ``keras.ops`` only, for
every backend and device (docs/sparse.md).

A gather of the inputs per edge, a multiply and a segment sum by output neuron, over tiles of the batch, with its
gradients written out the same way, so no ``(W, batch)`` tensor is formed: memory O(W + batch x (p + n)).  The
edge list is ``values[j]`` for ``left[j] -> right[j]`` in the pattern's natural order (see
:mod:`predefsparse._sparse_ops`); kernels trust their inputs (the layer validated them).
"""
from __future__ import annotations

#: Elements a per-edge intermediate of the ``"segment"`` kernel (W x tile rows) may always have (16 MiB of
#: float32: fewer, larger tiles run faster); it may also be a quarter of the activations (batch x (p + n) / 4)
#: when the batch size is known (see :func:`_segment_tile`).
SEGMENT_ELEMENTS = 1 << 22


def _segment_tile(W: int, batch=None, p: int = 0, n: int = 0) -> int:
    """Rows per tile of the ``"segment"`` kernel: each per-edge intermediate (W x rows) holds at most
    max(:data:`SEGMENT_ELEMENTS`, batch x (p + n) / 4) elements, so memory stays O(W + batch x (p + n)) (a
    training step holds a few of them at once)."""
    budget = max(SEGMENT_ELEMENTS, batch * (p + n) // 4 if isinstance(batch, int) else 0)
    return max(1, budget // max(int(W), 1))


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


def _map(fn, tiles):
    """``fn`` over the leading axis of ``tiles``, one tile at a time (TensorFlow's ``map_fn`` would otherwise run
    ten at once in a graph, holding ten tiles' intermediates; JAX's and PyTorch's maps are sequential)."""
    import keras
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf
        return tf.map_fn(fn, tiles, parallel_iterations=1)
    return keras.ops.map(fn, tiles)


def _fori(count, body, init):
    """``body(i, acc)`` for ``i < count``, one iteration at a time (in a TensorFlow graph the iterations would
    otherwise overlap, each holding its tile's intermediates)."""
    import keras
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf
        return tf.while_loop(lambda i, acc: i < count, lambda i, acc: (i + 1, body(i, acc)), (0, init),
                             parallel_iterations=1)[1]
    return keras.ops.fori_loop(0, count, body, init)


def _untile(parts, batch, k: int):
    """``(tiles, t, k)`` back to ``(batch, k)``."""
    from keras import ops
    return ops.reshape(parts, (-1, k))[:batch]


def segment_matmul(x, values, left, right, n: int):
    """``x @ K`` with ``keras.ops`` only, for every backend and device (2-D ``x``, in the type of ``x``).

    Per tile of rows of ``x`` (:data:`SEGMENT_ELEMENTS`): gather the inputs of every edge, scale, sum by output
    neuron.  The gradients are written out the same way (``dvalues[j] = sum_i x[i, left[j]] g[i, right[j]]``
    accumulated tile by tile, ``dx`` the same product with the pattern transposed), so no ``(W, batch)`` tensor
    is ever formed, forward or backward: memory O(W x tile + batch x (p + n))."""
    from keras import ops
    left, right = ops.convert_to_tensor(left, "int32"), ops.convert_to_tensor(right, "int32")
    W, p = int(left.shape[0]), int(x.shape[1])
    t = _segment_tile(W, ops.shape(x)[0], p, n)

    def products(a, idx_a, b, idx_b):
        """``sum_i a[i, idx_a[j]] * b[i, idx_b[j]]`` for every edge j, tile by tile (a, b: (batch, k))."""
        ta, tb = _tiles(a, t), _tiles(b, t)

        def body(i, acc):
            pa = ops.take(ops.transpose(ta[i]), idx_a, axis=0)
            pb = ops.take(ops.transpose(tb[i]), idx_b, axis=0)
            return ops.add(acc, ops.sum(ops.multiply(pa, pb), axis=1))

        return _fori(ops.shape(ta)[0], body, ops.zeros((W,), dtype=a.dtype))

    def matmul_tiled(a, vals, gather, scatter, size):
        """``a @ K`` (or ``a @ K.T`` with the index lists swapped), tile by tile: ``(batch, size)``."""
        def one(tile):
            return ops.transpose(_segment_forward(ops.transpose(tile), vals, gather, scatter, size))

        return _untile(_map(one, _tiles(a, t)), ops.shape(a)[0], size)

    @ops.custom_gradient
    def op(x, values):
        y = matmul_tiled(x, values, left, right, n)

        def grad(*args, upstream=None):
            g = args[0] if upstream is None else upstream
            dx = matmul_tiled(g, values, right, left, p)
            return dx, products(x, left, g, right)

        return y, grad

    return op(x, values)
