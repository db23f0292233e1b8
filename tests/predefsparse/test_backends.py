"""SparseDense (both implementations), SET and run_model on the JAX backend, and ``.keras`` files moved between
TensorFlow and JAX.

CI runs this file, with the layer checklist of test_layers.py, under ``KERAS_BACKEND=jax`` (Keras reads the
variable at import, so that is a separate pytest process).  Under the default TensorFlow backend the JAX-only
tests skip, and the file test runs when jax is installed (it spawns the other backend either way).
"""
import importlib.util
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

import adjmat
from predefsparse import SparseDense, models
from predefsparse.evolution import SETCallback
from predefsparse.layers import auto_implementation
from predefsparse.training import run_model

from .layer_checks import check_sparse_layer

ON_JAX = keras.backend.backend() == "jax"
jax_only = pytest.mark.skipif(not ON_JAX, reason="JAX backend only: run with KERAS_BACKEND=jax (pip install jax)")
needs_jax = pytest.mark.skipif(importlib.util.find_spec("jax") is None,
                               reason="needs jax (pip install -e '.[jax]') to load the file under the other backend")


# ---------------------------------------------------------------------- the layer under JAX
@jax_only
@pytest.mark.parametrize("make_layer", [
    lambda: SparseDense(6, density=0.1, seed=3, implementation="sparse", activation="relu"),
    lambda: SparseDense(6, fo=3, kind="clash_free", z=4, seed=1, implementation="sparse",
                        kernel_constraint=keras.constraints.MaxNorm(0.5), kernel_regularizer="l2"),
    lambda: SparseDense(6, density=0.3, seed=2, implementation="masked",
                        kernel_constraint=keras.constraints.MaxNorm(0.5)),
])
def test_layer_checklist_on_both_paths_under_jax(tmp_path, make_layer):
    model = check_sparse_layer(make_layer, (20,), tmp_path, expected_output_shape=(6,))
    layer = model.layers[1]
    if layer.resolved_implementation == "sparse":
        assert layer._sparse_kernel == "segment"  # no tf.numpy_function under JAX
    if layer.kernel_constraint is not None:  # MaxNorm(0.5) held per output neuron after training
        norms = np.linalg.norm(keras.ops.convert_to_numpy(layer.kernel), axis=0)
        assert np.all(norms <= 0.5 + 1e-5), norms


@jax_only
def test_auto_rule_under_jax_judges_the_segment_kernel():
    assert auto_implementation(4096, 4096, int(0.01 * 4096 ** 2)) == "masked"
    assert auto_implementation(4096, 4096, int(0.001 * 4096 ** 2)) == "sparse"
    thin = SparseDense(8, density=0.001, seed=0)
    thin(np.zeros((1, 4000), "float32"))
    assert thin.resolved_implementation == "sparse" and thin._sparse_kernel == "segment"


@jax_only
@pytest.mark.parametrize("dtype, tol", [("float32", 1e-5), ("float64", 1e-12)])
def test_sparse_equals_masked_under_jax_grad(dtype, tol):
    """Forward, the edge-value gradients and the input gradients of the segment kernel equal the masked path's
    under ``jax.grad`` and ``jax.jit`` (the traced step a JAX ``fit`` runs)."""
    import jax
    if dtype == "float64" and not jax.config.jax_enable_x64:
        pytest.skip("float64 on JAX needs JAX_ENABLE_X64=1 (JAX computes in float32 otherwise)")
    pat = adjmat.generate("usn", 24, 12, density=0.25, seed=0)
    masked = SparseDense(12, pattern=pat, implementation="masked", seed=7, dtype=dtype, bias_initializer="ones")
    sparse = SparseDense(12, pattern=pat, implementation="sparse", seed=7, dtype=dtype, bias_initializer="ones")
    x = np.random.default_rng(1).normal(size=(9, 24)).astype(dtype)
    masked(x), sparse(x)

    def loss(layer):
        def f(kernel, x):
            trainable = [kernel] + [v.value for v in layer.trainable_variables[1:]]
            y, _ = layer.stateless_call(trainable, [v.value for v in layer.non_trainable_variables], x)
            return jax.numpy.sum(y ** 2)
        return f

    for transform in (lambda f: f, jax.jit):
        gm = transform(jax.value_and_grad(loss(masked), argnums=(0, 1)))
        gs = transform(jax.value_and_grad(loss(sparse), argnums=(0, 1)))
        lm, (gk, gxm) = gm(masked.kernel.value, x)
        ls, (gv, gxs) = gs(sparse.values.value, x)
        scale = max(1.0, float(lm))
        np.testing.assert_allclose(float(ls), float(lm), rtol=tol)
        np.testing.assert_allclose(np.asarray(gv), np.asarray(gk)[pat.left, pat.right], rtol=0, atol=tol * scale)
        np.testing.assert_allclose(np.asarray(gxs), np.asarray(gxm), rtol=0, atol=tol * scale)
        assert np.all(np.asarray(gk)[~pat.to_mask()] == 0)


# ---------------------------------------------------------------------- training under JAX
@pytest.fixture(scope="module")
def mnist_small(mnist):
    xtr, ytr, xva, yva, xte, yte = mnist
    return xtr[:2000], ytr[:2000], xva[:300], yva[:300], xte[:500], yte[:500]


def _net(implementation):
    return models.mlp((784, 64, 10), densities=(0.1, 0.5), kind="erdos_renyi", seed=0, implementation=implementation)


@jax_only
@pytest.mark.parametrize("implementation", ["masked", "sparse"])
def test_run_model_with_set_under_jax(mnist_small, tmp_path, implementation):
    """run_model (its tf.data pipeline feeding JAX) for two epochs with SET rewiring after the first: above
    chance, W constant, absent weights and their optimizer state exactly zero, the file saved with the final
    pattern."""
    net = _net(implementation)
    W = net.get_layer("junction1").pattern.W
    cb = SETCallback(zeta=0.3, seed=0)
    records, model = run_model(net, mnist_small, valtest=2, epochs=2, batch_size=64, out=tmp_path / "run",
                               verbose=0, callbacks=[cb])
    assert records.test["accuracy"] > 0.3, records.test  # chance 0.1; measured 0.43-0.51 (TensorFlow: 0.48)
    layer = model.get_layer("junction1")
    assert layer.resolved_implementation == implementation
    pattern = layer.pattern
    assert [h["layer"] for h in cb.history] == ["junction1"] and cb.history[0]["removed"] > 0
    assert pattern.W == W and pattern.kind == "set" and pattern.meta["set_steps"] == 1
    if implementation == "masked":
        mask = pattern.to_mask()
        assert np.all(keras.ops.convert_to_numpy(layer.kernel)[~mask] == 0)
        slots = [v for v in model.optimizer.variables if tuple(v.shape) == mask.shape and "junction1" in v.path]
        assert len(slots) == 2 and all(np.all(keras.ops.convert_to_numpy(s)[~mask] == 0) for s in slots)
    else:
        assert tuple(layer.values.shape) == (W,)
    assert keras.models.load_model(tmp_path / "run" / "model.keras").get_layer("junction1").pattern == pattern


@jax_only
def test_set_every_steps_under_jax(mnist_small):
    """Rewiring inside an epoch: SET brings JAX's state back into the variables first, and the next step trains
    the new pattern (the new edges' weights move from their regrown values)."""
    xtr, ytr = mnist_small[:2]
    model = _net("sparse")
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    layer = model.get_layer("junction1")
    initial = layer.pattern
    cb = SETCallback(zeta=0.3, seed=0, every_steps=3)
    model.fit(xtr[:640], ytr[:640], batch_size=64, epochs=1, verbose=0, shuffle=False, callbacks=[cb])
    assert [h["step"] for h in cb.history] == [1, 2, 3]  # after batches 3, 6, 9 of 10
    assert all(h["removed"] == h["added"] > 0 for h in cb.history)
    after = layer.pattern  # what the third step made, kept through the tenth batch and fit's closing sync
    assert after.W == initial.W and after.meta["set_steps"] == 3 and after != initial
    np.testing.assert_array_equal(after.out_degrees(), cb.degrees["junction1"][-1])
    before = layer.edge_values().copy()
    model.fit(xtr[:64], ytr[:64], batch_size=64, epochs=1, verbose=0)  # one more step on the new pattern
    assert layer.pattern == after and np.mean(layer.edge_values() != before) > 0.5


# ---------------------------------------------------------------------- .keras files across backends
_FILES = """
import os
import numpy as np, keras
from predefsparse import SparseDense


def save(folder, backend, seed):
    inputs = keras.Input((30,))
    hidden = SparseDense(20, density=0.2, seed=seed, implementation="masked", activation="relu", name="masked")(inputs)
    outputs = SparseDense(5, density=0.3, seed=seed + 10, implementation="sparse", name="sparse")(hidden)
    model = keras.Model(inputs, outputs)
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(16, 30)).astype("float32")
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, rng.normal(size=(16, 5)).astype("float32"), epochs=2, verbose=0)  # weights off their initial values
    model.save(os.path.join(folder, backend + ".keras"))
    arrays = {"x": x, "pred": model.predict(x, verbose=0)}
    for name in ("masked", "sparse"):
        layer = model.get_layer(name)
        arrays.update({name + "_left": layer.pattern.left, name + "_right": layer.pattern.right,
                       name + "_values": layer.edge_values()})
    np.savez(os.path.join(folder, backend + ".npz"), **arrays)


def check(folder, backend):
    data = np.load(os.path.join(folder, backend + ".npz"))
    loaded = keras.models.load_model(os.path.join(folder, backend + ".keras"))
    np.testing.assert_allclose(loaded.predict(data["x"], verbose=0), data["pred"], rtol=1e-5, atol=1e-5)
    for name in ("masked", "sparse"):
        layer = loaded.get_layer(name)
        assert layer.resolved_implementation == name
        assert np.array_equal(layer.pattern.left, data[name + "_left"])
        assert np.array_equal(layer.pattern.right, data[name + "_right"])
        np.testing.assert_array_equal(layer.edge_values(), data[name + "_values"])
"""

# the other backend's process: check this backend's file, then save its own
_OTHER = """
import sys
import keras
folder, mine, theirs = sys.argv[1:4]
assert keras.backend.backend() == mine, keras.backend.backend()
exec(open(folder + "/files.py").read())
check(folder, theirs)
save(folder, mine, seed=1)
print("ok", mine)
"""


@needs_jax
def test_keras_file_moves_between_tensorflow_and_jax(tmp_path):
    """A model with a masked and a sparse SparseDense, trained and saved under this backend, loads under the other
    (a subprocess) with the same patterns and edge values bit for bit and the same predictions to float32
    tolerance; and the other backend's file loads here the same way."""
    mine = keras.backend.backend()
    if mine not in ("tensorflow", "jax"):
        pytest.skip(f"TensorFlow <-> JAX only; this process runs {mine}")
    other = "jax" if mine == "tensorflow" else "tensorflow"
    (tmp_path / "files.py").write_text(_FILES)
    files = {}
    exec(_FILES, files)
    files["save"](os.fspath(tmp_path), mine, seed=0)
    env = {**os.environ, "KERAS_BACKEND": other, "TF_CPP_MIN_LOG_LEVEL": "3"}
    out = subprocess.run([sys.executable, "-c", _OTHER, os.fspath(tmp_path), other, mine], env=env,
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0 and f"ok {other}" in out.stdout, out.stderr[-3000:]
    files["check"](os.fspath(tmp_path), other)
