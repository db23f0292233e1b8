"""The training batches of run_model (predefsparse.batches): the seeded order of every epoch, the
in-graph pipeline that serves it, and the zero-copy hand-over of the data to TensorFlow."""
import numpy as np
import pytest
import tensorflow as tf

from predefsparse import models
from predefsparse._sparse_ops import _aligned
from predefsparse.batches import as_tensor, epoch_order, fit_batches
from predefsparse.rundata import pad, prepare_data
from predefsparse.training import default_optimizer, run_model


@pytest.fixture(scope="module")
def mnist_1000(mnist):
    """1,000 real MNIST training images and their one-hot labels."""
    xtr, ytr = mnist[0], mnist[1]
    return np.ascontiguousarray(xtr[:1000]), np.ascontiguousarray(ytr[:1000])


@pytest.mark.parametrize("n, batch", [(1000, 128), (1000, 100), (7, 256), (1, 1)])
def testepoch_order_is_the_seeded_permutation_cut_into_sorted_batches(n, batch):
    for seed, epoch in ((0, 0), (0, 4), (3, 1)):
        order = epoch_order(n, batch, seed, epoch)
        expected = np.random.default_rng([seed, epoch + 1]).permutation(n)
        assert sorted(order.tolist()) == list(range(n))
        for start in range(0, n, batch):
            np.testing.assert_array_equal(order[start:start + batch], np.sort(expected[start:start + batch]))
    assert not np.array_equal(epoch_order(1000, 128, 0, 0), epoch_order(1000, 128, 0, 1))
    np.testing.assert_array_equal(epoch_order(1000, 128, 5, 2), epoch_order(1000, 128, 5, 2))


def testfit_batches_serve_the_clocks_epoch_in_order(mnist_1000):
    x, y = mnist_1000
    ds, clock, steps = fit_batches(x, y, 128, seed=7)
    assert steps == 8 and int(ds.cardinality()) == 8
    for epoch in (0, 3):
        clock.on_epoch_begin(epoch)
        got = list(ds)
        assert [len(b[0]) for b in got] == [128] * 7 + [104]
        order = epoch_order(1000, 128, 7, epoch)
        np.testing.assert_array_equal(np.concatenate([b[0].numpy() for b in got]), x[order])
        np.testing.assert_array_equal(np.concatenate([b[1].numpy() for b in got]), y[order])


def testfit_batches_refuse_to_be_read_before_an_epoch_begins(mnist_1000):
    ds, _, _ = fit_batches(*mnist_1000, 128, seed=0)
    with pytest.raises(Exception, match="before Keras began an epoch"):
        next(iter(ds))


def test_run_model_trains_on_exactly_those_batches_one_step_each(mnist, tmp_path):
    """run_model's compiled loop (32 steps per call) against a plain loop of train_on_batch over the batches of
    epoch_order: the same weights after 2 epochs."""
    xtr, ytr, xva, yva, xte, yte = (a[:600] if i < 2 else a[:100] for i, a in enumerate(mnist))
    data = (xtr, ytr, xva, yva, xte, yte)
    net = dict(config=(784, 32, 10), fo=(8, 10), kind="clash_free", seed=3, l2=1e-4)
    _, trained = run_model(models.mlp(**net), data, valtest=2, epochs=2, batch_size=64, seed=11,
                           out=tmp_path / "run", verbose=0)
    ref = models.mlp(**net)
    ref.compile(optimizer=default_optimizer(), loss="categorical_crossentropy")
    for epoch in range(2):
        order = epoch_order(600, 64, 11, epoch)
        for start in range(0, 600, 64):
            idx = order[start:start + 64]
            ref.train_on_batch(xtr[idx], ytr[idx])
    assert int(trained.optimizer.iterations.numpy()) == int(ref.optimizer.iterations.numpy()) == 20
    for a, b in zip(trained.get_weights(), ref.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def testas_tensor_shares_an_aligned_array_and_copies_any_other():
    aligned = np.zeros(4096 + 16, np.float32)
    start = (-aligned.ctypes.data % 64) // 4  # first 64-byte boundary inside the buffer
    a = aligned[start:start + 4096].reshape(64, 64)
    assert a.ctypes.data % 64 == 0
    t = as_tensor(a)
    a[5, 7] = 3.5  # shared memory: the tensor sees the write
    assert float(tf.reduce_sum(t)) == 3.5
    # 4 bytes off the boundary: TensorFlow would abort the process on it, so it is copied
    b = aligned[start + 1:start + 1 + 4095]
    t = as_tensor(b)
    b[0] = 2.0
    assert float(tf.reduce_sum(t)) == 3.5  # a copy: it holds the values from before the write
    # read-only and non-contiguous arrays are copied too, with their values
    ro = np.arange(12, dtype=np.float32).reshape(3, 4)
    ro.flags.writeable = False
    np.testing.assert_array_equal(as_tensor(ro).numpy(), ro)
    strided = np.arange(24, dtype=np.float32).reshape(4, 6)[:, ::2]
    np.testing.assert_array_equal(as_tensor(strided).numpy(), strided)
    assert as_tensor(np.zeros((0, 3), np.float32)).shape == (0, 3)


def test_prepared_fit_data_is_aligned_so_it_is_not_copied_again(mnist):
    """numpy's large arrays start 16 bytes past a page: the joined and padded fit data is put in 64-byte
    aligned buffers, which as_tensor shares with TensorFlow instead of copying."""
    for shape, dtype in (((1000, 800), np.float32), ((7, 3), np.float64), ((0, 5), np.float32), ((3,), np.int8)):
        a = _aligned(shape, dtype)
        assert a.shape == shape and a.dtype == dtype and a.flags.c_contiguous and a.flags.writeable
        assert a.size == 0 or a.ctypes.data % 64 == 0  # (an empty array has no data to align)
    x = mnist[0][:50]
    padded = pad("t", "input_pad", x, 800)
    assert padded.ctypes.data % 64 == 0
    np.testing.assert_array_equal(padded[:, :784], x)
    assert not padded[:, 784:].any()
    data = prepare_data("t", models.mlp((800, 16, 10), fo=(4, 5), seed=0), mnist, None, (), None, None, 1)
    assert len(data.xfit) == len(mnist[0]) + len(mnist[2])
    np.testing.assert_array_equal(data.xfit[len(mnist[0]):, :784], mnist[2])
    np.testing.assert_array_equal(data.yfit[:len(mnist[1])], mnist[1])
    assert data.xfit.dtype == mnist[0].dtype and data.yfit.dtype == mnist[1].dtype
    # mixed dtypes join as numpy joins them (float32 with float64: float64), never narrowed
    mixed = (mnist[0][:20], mnist[1][:20], mnist[2][:10].astype(np.float64), mnist[3][:10], mnist[4][:5],
             mnist[5][:5])
    joined = prepare_data("t", models.mlp((800, 16, 10), fo=(4, 5), seed=0), mixed, None, (), None, None, 1)
    assert joined.xfit.dtype == np.float64
    np.testing.assert_array_equal(joined.xfit[20:, :784], mnist[2][:10].astype(np.float64))
    for a in (data.xfit, data.yfit):
        assert a.ctypes.data % 64 == 0
        t = as_tensor(a)
        a.flat[0] += 1.0  # shared, not copied: the tensor sees the write
        assert float(tf.reshape(t, [-1])[0]) == float(a.flat[0])
        a.flat[0] -= 1.0
