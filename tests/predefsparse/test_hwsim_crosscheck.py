"""The hardware and the Keras model agree: hwsim.infer, given the weights of a Keras model trained on the same
patterns, predicts what the Keras model predicts (issue 3's cross-check, now that both sides exist)."""
import os

import keras
import numpy as np
import pytest

import adjmat
import hwsim
from predefsparse import SparseDense
from predefsparse.datasets import read_idx

SHIPPED_MNIST = os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, "datasets", "mnist")


def mnist_subset(n_train, n_test):
    folder = SHIPPED_MNIST
    x = read_idx(os.path.join(folder, "train-images-idx3-ubyte.gz"))[:n_train].reshape(n_train, -1)
    y = read_idx(os.path.join(folder, "train-labels-idx1-ubyte.gz"))[:n_train]
    xt = read_idx(os.path.join(folder, "t10k-images-idx3-ubyte.gz"))[:n_test].reshape(n_test, -1)
    yt = read_idx(os.path.join(folder, "t10k-labels-idx1-ubyte.gz"))[:n_test]
    def pad(a):  # hwsim's q/256 inputs, padded to the FPGA build's 1024
        return np.pad(a.astype(np.float64) / 256.0, ((0, 0), (0, 1024 - 784)))

    return pad(x), y, pad(xt), yt


@pytest.mark.slow
def test_hwsim_infer_matches_trained_keras_model():
    net = adjmat.NetSpec((1024, 64, 32), fo=(4, 16), z=(128, 32))          # the FPGA build
    pats = adjmat.generate_network(net, "clash_free", seed=0)
    x, y, xt, yt = mnist_subset(20000, 2000)
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((1024,)),
                              SparseDense(64, pattern=pats[0], activation="sigmoid"),
                              SparseDense(32, pattern=pats[1], activation="sigmoid")])
    model.compile(keras.optimizers.Adam(1e-2), "binary_crossentropy")
    model.fit(x.astype("float32"), np.eye(32)[y], epochs=4, batch_size=32, verbose=0)

    keras_out = model.predict(xt.astype("float32"), verbose=0)
    keras_pred = keras_out.argmax(axis=1)
    dense = [(keras.ops.convert_to_numpy(layer.kernel) * layer.pattern.to_mask(), layer.bias.numpy())
             for layer in model.layers]  # either implementation: the kernel as a (p, n) array, zero off the pattern
    weights = hwsim.weights_from_dense(pats, dense)

    res = hwsim.infer(net, pats, hwsim.HardwareConfig(activation="sigmoid"), xt, weights=weights,
                      numerics="float64", y=yt)
    assert (keras_pred == yt).mean() > 0.85                                # a really trained model
    np.testing.assert_allclose(res.outputs, keras_out, rtol=0, atol=2e-5)  # float32 Keras vs float64 hwsim
    assert np.mean(res.predictions == keras_pred) >= 0.999
    assert res.accuracy == pytest.approx((keras_pred == yt).mean(), abs=1e-3)

    # the 10-bit fixed-point hardware keeps most of the float predictions (quantised weights and sigmoid table)
    fixed = hwsim.infer(net, pats, hwsim.HardwareConfig(activation="sigmoid"), xt, weights=weights,
                        numerics="fixed", y=yt)
    assert np.mean(fixed.predictions == keras_pred) > 0.9
