"""bench/bench_set_tutorial.py takes SET's own setting: its image subset, its dropout and its dense rates.

The facts pinned here were read from SET's IJCAI 2019 tutorial code (dcmocanu/sparse-evolutionary-artificial-
neural-networks) and checked against its published runs; none of its code is used.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"
FASHION = BENCH.parent.parent / "shared" / "data" / "fashion-mnist"
sys.path.insert(0, str(BENCH))

import bench_set_tutorial as bst  # noqa: E402  (bench/ is not a package)


def test_subset_indices_are_sets():
    tr, te = bst.set_subset_indices()
    assert tr[:5].tolist() == [3048, 19563, 58303, 8870, 40228]
    assert te[:5].tolist() == [6154, 5047, 7004, 6317, 8538]
    assert (len(tr), len(np.unique(tr)), tr.max() < 60000) == (2000, 2000, True)
    assert (len(te), len(np.unique(te)), te.max() < 10000) == (1000, 1000, True)
    # the test shuffle continues the same RandomState: a fresh one gives other test images
    assert np.random.RandomState(0).permutation(10000)[:5].tolist() != te[:5].tolist()


@pytest.mark.skipif(not FASHION.is_dir(), reason="Fashion-MNIST raw files not on this machine")
def test_subset_is_sets_images_in_idx_order(tmp_path):
    from predefsparse import datasets

    xtr, ytr, xte, yte = bst.load_subset(str(FASHION), str(tmp_path))
    assert (xtr.shape, xte.shape) == ((2000, 784), (1000, 784))
    assert np.bincount(yte.argmax(1), minlength=10).tolist() == [85, 91, 109, 102, 112, 104, 95, 101, 113, 88]
    images = datasets.read_idx(FASHION / "train-images-idx3-ubyte.gz").reshape(60000, 784)
    labels = datasets.read_idx(FASHION / "train-labels-idx1-ubyte.gz")
    tr, te = bst.set_subset_indices()
    np.testing.assert_array_equal(xtr, images[tr].astype(np.float32) / np.float32(255))
    np.testing.assert_array_equal(ytr.argmax(1), labels[tr])
    test_images = datasets.read_idx(FASHION / "t10k-images-idx3-ubyte.gz").reshape(10000, 784)
    np.testing.assert_array_equal(xte, test_images[te].astype(np.float32) / np.float32(255))


def _tf():
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "tensorflow":
        pytest.skip("gradients are read with tf.GradientTape")
    import tensorflow as tf
    return tf


def test_set_dropout_masks_forward_only_and_scales_at_test():
    tf = _tf()
    layer = bst.set_dropout_layer(0.2, test_scale=0.8, seed=3)
    x = tf.constant(np.random.default_rng(0).uniform(0.5, 1.5, (400, 250)).astype(np.float32))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = layer(x, training=True)
        loss = tf.reduce_sum(y * tf.range(250, dtype=tf.float32))
    y, grad = y.numpy(), tape.gradient(loss, x).numpy()
    kept = y != 0
    np.testing.assert_array_equal(y[kept], x.numpy()[kept])            # no 1/(1-p) scaling
    assert abs(kept.mean() - 0.8) < 0.01
    np.testing.assert_array_equal(grad, np.broadcast_to(np.arange(250, dtype=np.float32), grad.shape))
    np.testing.assert_allclose(layer(x, training=False).numpy(), 0.8 * x.numpy(), rtol=1e-7)


def test_set_dropout_model_at_test_is_sets_forward_pass():
    """SET's test pass: z = a @ W + b, times (1 - p) for every layer but the first, ReLU on the hidden layers."""
    _tf()
    import keras

    model = bst.build("dense", 0, "sparse", "set2019", "set")
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    rng = np.random.default_rng(1)
    for layer in dense:
        kernel, bias = layer.get_weights()
        layer.set_weights([kernel, rng.normal(0, 0.1, bias.shape).astype(np.float32)])
    x = rng.random((6, 784)).astype(np.float32)
    a = x.astype(np.float64)
    for i, layer in enumerate(dense):
        kernel, bias = layer.get_weights()
        z = (a @ kernel + bias) * (1.0 if i == 0 else 1.0 - bst.DROPOUT)
        a = np.maximum(z, 0.0) if i < len(dense) - 1 else z
    np.testing.assert_allclose(model(x, training=False).numpy(), a, rtol=1e-4, atol=1e-4)
    assert abs(a).max() > 1.0


@pytest.mark.parametrize("variant, dense_lr, kernel_rate, bias_rate", [
    ("dense", "set", 0.04, 0.001),       # SET's 0.001 on the sum over 40 = 0.04 on the mean; biases 0.001
    ("dense", "equal", 0.05, 0.05),
    ("set", "set", 0.05, 0.05),          # the sparse variants never take the dense rates
])
def test_optimizer_rates_and_weight_decay(variant, dense_lr, kernel_rate, bias_rate):
    tf = _tf()
    import keras

    rng = np.random.default_rng(2)
    x = rng.random((bst.BATCH, 5)).astype(np.float32)
    t = rng.random((bst.BATCH, 3)).astype(np.float32)
    model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(3, bias_initializer="ones")])
    model.compile(optimizer=bst.optimizer(variant, dense_lr), loss="mse")
    kernel, bias = model.layers[0].kernel, model.layers[0].bias
    w0, b0 = kernel.numpy(), bias.numpy()
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(keras.losses.mean_squared_error(t, model(x)))
    gw, gb = (g.numpy() for g in tape.gradient(loss, [kernel, bias]))
    model.train_on_batch(x, t)
    np.testing.assert_allclose(kernel.numpy(), w0 - kernel_rate * gw - bst.DECAY * w0, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(bias.numpy(), b0 - bias_rate * gb - bst.DECAY * b0, rtol=1e-5, atol=1e-7)


def test_cli_refuses_a_negative_first_seed():
    res = subprocess.run([sys.executable, str(BENCH / "bench_set_tutorial.py"), "--first-seed", "-1"],
                         capture_output=True, text=True, timeout=120,
                         env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert res.returncode == 1
    assert "--first-seed must be at least 0; received --first-seed=-1" in res.stderr


def test_table_judges_a_two_point_drop_as_within_two_points():
    def run(seed, best, last):
        return {"variant": "set", "seed": seed, "epochs": 400, "acc": [best, last], "max": best, "max_epoch": 1,
                "last": last, "seconds_per_epoch": 1.0, "implementation": ["sparse"], "subset": bst.SUBSET,
                "recipe": "set2019", "dropout": "set", "dense_lr": None}
    two = float(np.float32(0.837)), float(np.float32(0.817))      # 0.02000004 apart in float
    text, verdict = bst.table({"runs": {"a": run(0, *two)}}, 400)
    assert verdict is True and "83.70 +- 0.00" in text
    _, verdict = bst.table({"runs": {"a": run(0, *two), "b": run(1, 0.834, 0.811)}}, 400)
    assert verdict is False
    assert bst.table({"runs": {"a": {**run(0, *two), "subset": None}}}, 400)[1] is None   # another subset
