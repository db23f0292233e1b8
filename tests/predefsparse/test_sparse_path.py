"""The truly sparse path of SparseDense (implementation="sparse"): equal to the masked path on every kind
(forward, gradients, fit steps), O(W) state, Keras integration (fit with steps_per_execution, optimizers,
regularizers, constraints, mixed precision, .keras save/load across implementations)."""
import keras
import numpy as np
import pytest
import tensorflow as tf

import adjmat
from predefsparse import SparseDense, datasets
from predefsparse import _segment_ops, _sparse_ops
from predefsparse.layers import auto_implementation

from .layer_checks import check_sparse_layer

P, N = 24, 12


def _pattern(kind):
    facts = adjmat.get_kind(kind)
    kw = {"fo": 3} if "fo" in facts.sized_by else ({"density": 0.25} if "density" in facts.sized_by else {})
    if facts.needs_z:
        kw["z"] = 4
    return adjmat.generate(kind, P, N, seed=0, **kw)


def _pair(pattern, **kwargs):
    """The same layer on both paths, built, with the same initial weights (variance-scaling init)."""
    kwargs.setdefault("seed", 7)
    masked = SparseDense(pattern.n, pattern=pattern, implementation="masked", **kwargs)
    sparse = SparseDense(pattern.n, pattern=pattern, implementation="sparse", **kwargs)
    x = np.zeros((1, pattern.p), "float32")
    masked(x), sparse(x)
    return masked, sparse


@pytest.mark.parametrize("kind", adjmat.kind_names())
def test_sparse_equals_masked_on_every_kind(kind):
    pat = _pattern(kind)
    masked, sparse = _pair(pat, activation="relu", bias_initializer="ones")
    np.testing.assert_array_equal(masked.edge_values(), sparse.edge_values())  # same seed, same values
    x = tf.constant(np.random.default_rng(1).normal(size=(9, P)).astype("float32"))
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        ym, ys = masked(x), sparse(x)
        lm, ls = tf.reduce_sum(ym ** 2), tf.reduce_sum(ys ** 2)
    np.testing.assert_allclose(ys.numpy(), ym.numpy(), rtol=1e-5, atol=1e-5)
    gm = tape.gradient(lm, masked.kernel).numpy()
    gs = tape.gradient(ls, sparse.values).numpy()
    np.testing.assert_allclose(gs, gm[pat.left, pat.right], rtol=1e-4, atol=1e-4)
    assert np.all(gm[~pat.to_mask()] == 0)
    np.testing.assert_allclose(tape.gradient(ls, x).numpy(), tape.gradient(lm, x).numpy(), rtol=1e-4, atol=1e-4)
    # the kernel view on request equals the masked kernel
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(sparse.kernel), masked.kernel.numpy())


def _model(pattern, implementation, optimizer, **kwargs):
    inputs = keras.Input((pattern.p,))
    x = SparseDense(pattern.n, pattern=pattern, activation="relu", implementation=implementation,
                    name="sparse_layer", **kwargs)(inputs)
    outputs = keras.layers.Dense(10, activation="softmax", kernel_initializer=keras.initializers.GlorotUniform(1))(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=optimizer, loss="categorical_crossentropy", steps_per_execution=3)
    return model


def _mnist(n=384):
    xtr, ytr = datasets.load("mnist")[:2]
    return xtr[:n], ytr[:n]


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "rmsprop", "adamw", "adagrad"])
def test_fit_steps_equal_on_both_paths(optimizer):
    pat = adjmat.generate("usn", 784, 64, density=0.02, seed=0)
    x, y = _mnist()
    runs = {}
    for impl in ("masked", "sparse"):
        model = _model(pat, impl, keras.optimizers.get(optimizer), kernel_regularizer=keras.regularizers.L2(1e-3))
        hist = model.fit(x, y, batch_size=64, epochs=2, verbose=0, shuffle=False)
        runs[impl] = (model, hist.history["loss"])
    (mm, lm), (ms, ls) = runs["masked"], runs["sparse"]
    np.testing.assert_allclose(ls, lm, rtol=1e-4)
    np.testing.assert_allclose(ms.get_layer("sparse_layer").edge_values(),
                               mm.get_layer("sparse_layer").edge_values(), rtol=1e-3, atol=1e-5)
    # O(W) state: no variable of the sparse layer nor optimizer slot is (p, n)
    layer = ms.get_layer("sparse_layer")
    shapes = [tuple(v.shape) for v in list(layer.weights) + list(ms.optimizer.variables)]
    assert (784, 64) not in shapes and layer.count_params() == 3 * pat.W + 64
    assert sum(int(np.prod(v.shape)) for v in layer.trainable_weights) == pat.W + 64


def test_constraints_act_per_output_neuron():
    pat = adjmat.generate("usn", P, N, fo=3, seed=0)  # fi = 6 for every right neuron
    masked, sparse = _pair(pat, kernel_constraint=keras.constraints.MaxNorm(0.3, axis=0),
                           kernel_initializer=keras.initializers.RandomNormal(stddev=1.0, seed=0))
    sparse.values.assign(masked.edge_values())
    got = keras.ops.convert_to_numpy(sparse.values.constraint(sparse.values))
    want = keras.ops.convert_to_numpy(masked.kernel.constraint(masked.kernel))[pat.left, pat.right]
    np.testing.assert_allclose(got, want, rtol=1e-6)
    nonneg = SparseDense(N, pattern=pat, implementation="sparse", kernel_constraint="non_neg")
    nonneg(np.zeros((1, P), "float32"))
    assert np.all(keras.ops.convert_to_numpy(nonneg.values.constraint(-nonneg.values)) >= 0)


def test_mixed_precision_and_higher_rank_inputs():
    pat = adjmat.generate("usn", P, N, density=0.25, seed=0)
    masked, sparse = _pair(pat, dtype="mixed_float16")
    x = np.random.default_rng(0).normal(size=(2, 5, P)).astype("float32")
    ym, ys = masked(x), sparse(x)
    assert keras.backend.standardize_dtype(ys.dtype) == "float16" and tuple(ys.shape) == (2, 5, N)
    assert sparse.values.dtype == "float32"
    np.testing.assert_allclose(np.asarray(ys, np.float32), np.asarray(ym, np.float32), rtol=1e-2, atol=1e-2)


@pytest.mark.parametrize("saved, loaded", [("sparse", "masked"), ("masked", "sparse"), ("sparse", "sparse")])
def test_save_with_one_implementation_load_with_the_other(tmp_path, saved, loaded):
    pat = adjmat.generate("clash_free", 784, 64, fo=4, z=16, seed=0)
    x, y = _mnist(256)
    model = _model(pat, saved, "adam")
    model.fit(x, y, batch_size=64, epochs=1, verbose=0, shuffle=False)
    path = tmp_path / "m.keras"
    model.save(path)
    again = keras.models.load_model(path)  # same implementation, same config
    assert again.get_layer("sparse_layer").get_config() == model.get_layer("sparse_layer").get_config()
    np.testing.assert_array_equal(again.predict(x, verbose=0), model.predict(x, verbose=0))
    other = _model(pat, loaded, "adam")
    other.load_weights(path)  # the variables convert (masked kernel <-> edge values)
    layer = other.get_layer("sparse_layer")
    assert layer.resolved_implementation == loaded and layer.pattern == pat
    np.testing.assert_allclose(other.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    # layer-level set_weights takes either list too
    layer.set_weights(model.get_layer("sparse_layer").get_weights())
    np.testing.assert_array_equal(layer.edge_values(), model.get_layer("sparse_layer").edge_values())


def test_from_config_placeholder_refuses_pattern_until_loaded():
    layer = SparseDense(4, density=0.5, seed=0, implementation="sparse")
    layer(np.zeros((1, 8), "float32"))
    clone = SparseDense.from_config(layer.get_config())
    clone(np.zeros((1, 8), "float32"))
    with pytest.raises(ValueError, match="never loaded"):
        _ = clone.pattern
    clone.set_weights(layer.get_weights())
    assert clone.pattern == layer.pattern


def test_auto_rule():
    assert auto_implementation(4096, 4096, int(0.01 * 4096 ** 2)) == "sparse"
    assert auto_implementation(800, 100, 40_000) == "masked"
    small = SparseDense(8, density=0.01, seed=0)
    small(np.zeros((1, 1000), "float32"))
    assert small.resolved_implementation == "sparse" and small.get_config()["implementation"] == "auto"


def test_kernels_agree_with_numpy_reference():
    rng = np.random.default_rng(0)
    for p, n, density in ((50, 30, 0.1), (64, 17, 0.5), (5, 7, 1.0)):
        pat = adjmat.generate("random", p, n, density=density, seed=1)
        v = rng.normal(size=pat.W).astype(np.float32)
        x = rng.normal(size=(11, p)).astype(np.float32)
        g = rng.normal(size=(11, n)).astype(np.float32)
        K = np.zeros((p, n), np.float32)
        K[pat.left, pat.right] = v
        np.testing.assert_allclose(_sparse_ops.forward_numpy(x, pat.left, pat.right, v, n), x @ K, atol=1e-4)
        dx, dv = _sparse_ops.backward_numpy(x, g, pat.left, pat.right, v, n)
        np.testing.assert_allclose(dx, g @ K.T, atol=1e-4)
        np.testing.assert_allclose(dv, (x.T @ g)[pat.left, pat.right], atol=1e-4)
        seg = _segment_ops.segment_matmul(x, v, pat.left, pat.right, n)
        np.testing.assert_allclose(keras.ops.convert_to_numpy(seg), x @ K, atol=1e-4)


@pytest.mark.parametrize("scratch", ["scatter", "gather"])
def test_backward_passes_agree_with_numpy_reference(monkeypatch, scratch):
    """Both backward passes (the per-thread scatter, and the gather used when the scatter would run on one
    thread or its scratch would be too big), on shapes with W >= 8 p (two threads' blocks or more)."""
    import numba

    if scratch == "gather":
        monkeypatch.setattr(_sparse_ops, "SCATTER_BYTES", 0)
    rng = np.random.default_rng(3)
    for p, n, density, b in ((20, 300, 0.5, 3), (30, 200, 0.3, 2), (16, 40, 1.0, 1)):
        pat = adjmat.generate("random", p, n, density=density, seed=2)
        expect = scratch == "scatter" and numba.get_num_threads() >= 2
        assert (_sparse_ops._scatter_parts(p, b, pat.W) > 0) == expect
        v = rng.normal(size=pat.W).astype(np.float32)
        x = rng.normal(size=(b, p)).astype(np.float32)
        g = rng.normal(size=(b, n)).astype(np.float32)
        K = np.zeros((p, n), np.float32)
        K[pat.left, pat.right] = v
        dx, dv = _sparse_ops.backward_numpy(x, g, pat.left, pat.right, v, n)
        np.testing.assert_allclose(dx, g @ K.T, atol=1e-4)
        np.testing.assert_allclose(dv, (x.T @ g)[pat.left, pat.right], atol=1e-4)


@pytest.mark.parametrize("batch", [3, 40])
def test_graph_op_gradients_fused_and_split(batch):
    """The TensorFlow op's gradients for x and the values equal the dense reference below the split batch
    (one fused backward op) and above it (separate dvalues and dx ops), eagerly and in a tf.function."""
    import tensorflow as tf

    assert 3 < _sparse_ops.SPLIT_BATCH <= 40  # the two batches take the two paths
    rng = np.random.default_rng(4)
    p, n = 60, 50
    pat = adjmat.generate("random", p, n, density=0.4, seed=3)
    v = tf.constant(rng.normal(size=pat.W).astype(np.float32))
    x = tf.constant(rng.normal(size=(batch, p)).astype(np.float32))
    w = tf.constant(rng.normal(size=(batch, n)).astype(np.float32))
    K = np.zeros((p, n), np.float32)
    K[pat.left, pat.right] = v.numpy()
    left, right = tf.constant(pat.left), tf.constant(pat.right)

    def grads(x, v):
        with tf.GradientTape() as tape:
            tape.watch([x, v])
            loss = tf.reduce_sum(_sparse_ops.numba_matmul(x, v, left, right, n) * w)
        return tape.gradient(loss, [x, v])

    for fn in (grads, tf.function(grads)):
        dx, dv = fn(x, v)
        np.testing.assert_allclose(dx.numpy(), w.numpy() @ K.T, atol=1e-4)
        np.testing.assert_allclose(dv.numpy(), (x.numpy().T @ w.numpy())[pat.left, pat.right], atol=1e-4)


@pytest.mark.parametrize("kwargs", [dict(density=0.1, kind="usn"), dict(fo=3, kind="clash_free", z=4),
                                    dict(kind="erdos_renyi", pattern_options={"epsilon": 2})])
def test_layer_checklist_on_the_sparse_path(tmp_path, kwargs):
    model = check_sparse_layer(lambda: SparseDense(6, seed=3, implementation="sparse", **kwargs), (20,), tmp_path,
                               expected_output_shape=(6,))
    assert model.layers[1].resolved_implementation == "sparse"


def test_segment_kernel_in_the_layer_equals_numba():
    pat = adjmat.generate("usn", P, N, density=0.25, seed=0)
    _, a = _pair(pat)
    _, b = _pair(pat)
    b._sparse_kernel = "segment"
    x = tf.constant(np.random.default_rng(2).normal(size=(5, P)).astype("float32"))
    with tf.GradientTape(persistent=True) as tape:
        la, lb = tf.reduce_sum(a(x) ** 2), tf.reduce_sum(b(x) ** 2)
    np.testing.assert_allclose(lb.numpy(), la.numpy(), rtol=1e-5)
    np.testing.assert_allclose(tape.gradient(lb, b.values).numpy(), tape.gradient(la, a.values).numpy(),
                               rtol=1e-4, atol=1e-4)


def test_first_layer_computes_no_input_gradient(monkeypatch):
    """At batch >= SPLIT_BATCH the backward pass is two ops, and TensorFlow drops the input-gradient op of the
    first layer (its input needs none): counted through the host functions over three training steps."""
    calls = {"inputs": 0, "values": 0}
    grad_inputs, grad_values = _sparse_ops._grad_inputs, _sparse_ops._grad_values

    def count_inputs(*args):
        calls["inputs"] += 1
        return grad_inputs(*args)

    def count_values(*args):
        calls["values"] += 1
        return grad_values(*args)

    monkeypatch.setattr(_sparse_ops, "_grad_inputs", count_inputs)
    monkeypatch.setattr(_sparse_ops, "_grad_values", count_values)
    inputs = keras.Input((64,))
    hidden = SparseDense(32, density=0.1, seed=0, implementation="sparse")(inputs)
    model = keras.Model(inputs, SparseDense(4, density=0.5, seed=1, implementation="sparse")(hidden))
    model.compile(optimizer="sgd", loss="mse")
    x = np.random.default_rng(0).random((_sparse_ops.SPLIT_BATCH, 64)).astype("float32")
    for _ in range(3):
        model.train_on_batch(x, np.zeros((len(x), 4), "float32"))
    assert calls == {"inputs": 3, "values": 6}


# the layer's dtype: float64 computes in float64 (both kernels); float16 / bfloat16 within their own precision
_TOLERANCE = {"float64": 1e-12, "float32": 1e-5, "float16": 1e-2, "bfloat16": 5e-2}


@pytest.mark.parametrize("dtype", list(_TOLERANCE))
@pytest.mark.parametrize("kernel", _sparse_ops.KERNELS)
@pytest.mark.parametrize("batch", [3, 40])  # below and above SPLIT_BATCH: the fused and the split backward ops
def test_sparse_computes_in_the_layer_dtype(dtype, kernel, batch):
    pat = adjmat.generate("usn", P, N, density=0.25, seed=0)
    masked, sparse = _pair(pat, dtype=dtype, bias_initializer="ones")
    sparse._sparse_kernel = kernel
    assert keras.backend.standardize_dtype(sparse.values.dtype) == dtype
    x = tf.constant(np.random.default_rng(1).normal(size=(batch, P)), dtype=dtype)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(x)
        ym, ys = masked(x), sparse(x)
        lm, ls = tf.reduce_sum(tf.cast(ym, "float64") ** 2), tf.reduce_sum(tf.cast(ys, "float64") ** 2)
    assert keras.backend.standardize_dtype(ys.dtype) == dtype
    # exact float64 reference from the same (rounded) inputs and weights
    x64 = tf.cast(x, "float64").numpy()
    v64 = tf.cast(sparse.values, "float64").numpy()
    K = np.zeros((P, N))
    K[pat.left, pat.right] = v64
    exact = x64 @ K + 1.0
    tol = _TOLERANCE[dtype]
    scale = np.abs(exact).max()
    for y in (ys, ym):
        np.testing.assert_allclose(tf.cast(y, "float64").numpy(), exact, rtol=0, atol=tol * scale)
    gx_exact = 2 * exact @ K.T
    gv_exact = (x64.T @ (2 * exact))[pat.left, pat.right]
    gx = tf.cast(tape.gradient(ls, x), "float64").numpy()
    gv = tf.cast(tape.gradient(ls, sparse.values), "float64").numpy()
    np.testing.assert_allclose(gx, gx_exact, rtol=0, atol=tol * np.abs(gx_exact).max() * 4)
    np.testing.assert_allclose(gv, gv_exact, rtol=0, atol=tol * np.abs(gv_exact).max() * 4)
    if dtype == "float64":  # the two paths agree to float64 precision, gradients too
        np.testing.assert_allclose(ys.numpy(), ym.numpy(), rtol=0, atol=1e-12 * scale)
        gm = tape.gradient(lm, masked.kernel).numpy()[pat.left, pat.right]
        np.testing.assert_allclose(gv, gm, rtol=0, atol=1e-12 * np.abs(gm).max())


@pytest.mark.parametrize("scratch", ["scatter", "gather"])
def test_float64_kernels_are_exact_to_1e12(monkeypatch, scratch):
    if scratch == "gather":
        monkeypatch.setattr(_sparse_ops, "SCATTER_BYTES", 0)
    rng = np.random.default_rng(5)
    pat = adjmat.generate("random", 20, 300, density=0.5, seed=2)
    v, x, g = rng.normal(size=pat.W), rng.normal(size=(3, 20)), rng.normal(size=(3, 300))
    K = np.zeros((20, 300))
    K[pat.left, pat.right] = v
    y = _sparse_ops.forward_numpy(x, pat.left, pat.right, v, 300)
    dx, dv = _sparse_ops.backward_numpy(x, g, pat.left, pat.right, v, 300)
    assert y.dtype == dx.dtype == dv.dtype == np.float64
    np.testing.assert_allclose(y, x @ K, rtol=0, atol=1e-12)
    np.testing.assert_allclose(dx, g @ K.T, rtol=0, atol=1e-12)
    np.testing.assert_allclose(dv, (x.T @ g)[pat.left, pat.right], rtol=0, atol=1e-12)
