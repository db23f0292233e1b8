"""The training batches of run_model: a seeded order per epoch, served by an in-graph ``tf.data`` pipeline.

The data order of epoch e (counting from 0) is ``numpy.random.default_rng([seed, e + 1]).permutation`` cut into
batches (:func:`epoch_order`), so a resumed run sees the same batches as an uninterrupted one.
"""
from __future__ import annotations

import math

import numpy as np

from ._sparse_ops import ALIGN
from .callbacks import EpochClock

__all__ = ["as_tensor", "epoch_order", "fit_batches"]


def as_tensor(a: np.ndarray):
    """``a`` as a TensorFlow tensor that shares its memory where it can, so that the training data is not held
    twice: through DLPack when ``a`` is C-contiguous, writable and 64-byte aligned (TensorFlow aborts the
    process on a less aligned buffer instead of raising); otherwise a copy."""
    import tensorflow as tf
    if a.size and a.flags.c_contiguous and a.flags.writeable and a.ctypes.data % ALIGN == 0:
        try:
            return tf.experimental.dlpack.from_dlpack(a.__dlpack__())
        except (AttributeError, BufferError, TypeError, ValueError, RuntimeError):
            pass  # a dtype DLPack cannot carry, or a TensorFlow without tf.experimental.dlpack: copied
    return tf.convert_to_tensor(a)


def epoch_order(n: int, batch_size: int, seed: int, epoch: int) -> np.ndarray:
    """The sample indices of one epoch, batch after batch, each batch's indices ascending.

    Epoch e (Keras's count from 0) is ``numpy.random.default_rng([seed, e + 1]).permutation(n)`` cut into
    batches: the order every release has used (the earlier batch loader stepped its epoch once before the
    first), so results stay bit-identical across releases.
    """
    order = np.random.default_rng([seed, epoch + 1]).permutation(n)
    full = (n // batch_size) * batch_size
    order[:full].reshape(-1, batch_size).sort(axis=1)
    order[full:].sort()
    return order


def fit_batches(x: np.ndarray, y: np.ndarray, batch_size: int, seed: int):
    """The training batches as a ``tf.data`` pipeline run inside TensorFlow, and the callback that keeps it on
    the current epoch: returns ``(dataset, clock, steps per epoch)``.

    Each epoch asks Python once for its order (:func:`epoch_order`); every batch is then gathered in the graph
    from the data held as tensors, on the thread that runs the training step: no loader thread, no Python per
    batch, no prefetch.  This matters when processes share cores (a sweep's Ray points, two per 2 cores): a
    batch handed from Python thread to TensorFlow thread waited for the other process's time slice, and a
    3-epoch fit ran 2.3x slower in a pair than alone; it now runs as fast (docs/sweeps.md section 7).
    """
    import keras
    import tensorflow as tf
    n = len(x)
    steps = math.ceil(n / batch_size)
    clock = EpochClock()
    index = tf.int32 if n < 2 ** 31 else tf.int64

    peek = keras.backend.backend() == "jax"

    def order():
        # JAX's fit reads one batch before its first epoch, to build the compiled metrics from its shapes, and
        # drops that iterator: the peek gets epoch 0's order; any other read before an epoch began is a bug
        if clock.epoch is None and not peek:
            raise RuntimeError("the fit batches were read before Keras began an epoch")
        yield epoch_order(n, batch_size, seed, clock.epoch or 0).astype(index.as_numpy_dtype)

    xs, ys = as_tensor(x), as_tensor(y)
    starts = tf.range(0, n, batch_size, dtype=index)

    def batches(order_):
        def batch(start):
            idx = order_[start:start + batch_size]
            return tf.gather(xs, idx), tf.gather(ys, idx)
        return tf.data.Dataset.from_tensor_slices(starts).map(batch)

    ds = tf.data.Dataset.from_generator(order, output_signature=tf.TensorSpec([n], index)).flat_map(batches)
    ds = ds.apply(tf.data.experimental.assert_cardinality(steps))
    options = tf.data.Options()
    options.autotune.enabled = False  # no tuning threads; every op runs in the step's thread
    options.threading.private_threadpool_size = 1
    options.experimental_optimization.apply_default_optimizations = False
    return ds.with_options(options), clock, steps
