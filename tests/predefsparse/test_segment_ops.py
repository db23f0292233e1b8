"""The ``"segment"`` kernel (predefsparse._segment_ops): ``x @ K`` and its gradients in ``keras.ops`` only, tiled
over the batch and chunked over the edges, equal to the masked product ``x @ K`` on every kind (float32 to its
precision, float64 to 1e-12), eagerly and traced, on the backend the tests run under (TensorFlow by default;
also run under ``KERAS_BACKEND=jax``), and its memory O(W + batch x (p + n)), never W x batch."""
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

import adjmat
from predefsparse import _segment_ops

P, N = 24, 12
ON_JAX = keras.backend.backend() == "jax"


def _pattern(kind, p=P, n=N):
    facts = adjmat.get_kind(kind)
    kw = {"fo": 3} if "fo" in facts.sized_by else ({"density": 0.25} if "density" in facts.sized_by else {})
    if facts.needs_z:
        kw["z"] = 4
    return adjmat.generate(kind, p, n, seed=0, **kw)


def _loss_and_grads(matmul, x, w, g, traced):
    """``sum(matmul(x, w) * g)`` and its gradients in x and w, on the current backend (traced: under
    ``tf.function`` with an unknown batch size, or ``jax.jit``)."""
    if ON_JAX:
        import jax

        def f(x, w):
            return keras.ops.sum(matmul(x, w) * g)
        step = jax.value_and_grad(f, argnums=(0, 1))
        loss, (gx, gw) = (jax.jit(step) if traced else step)(x, w)
        return float(loss), np.asarray(gx), np.asarray(gw)
    import tensorflow as tf

    def step(x, w):
        with tf.GradientTape() as tape:
            tape.watch([x, w])
            loss = tf.reduce_sum(matmul(x, w) * g)
        return [loss] + tape.gradient(loss, [x, w])
    if traced:
        step = tf.function(step, input_signature=[tf.TensorSpec([None, x.shape[1]], x.dtype),
                                                  tf.TensorSpec(w.shape, w.dtype)])
    loss, gx, gw = step(tf.constant(x), tf.constant(w))
    return float(loss), gx.numpy(), gw.numpy()


def _check_against_masked(pat, dtype, tol, batches=(40, 3, 0), traced_too=True):
    """The segment kernel's loss and gradients (dx, dvalues) equal the masked product's (x @ K, K dense)."""
    if ON_JAX and dtype == "float64":
        import jax
        if not jax.config.jax_enable_x64:
            pytest.skip("float64 on JAX needs JAX_ENABLE_X64=1")
    rng = np.random.default_rng(3)
    v = rng.normal(size=pat.W).astype(dtype)
    K = np.zeros((pat.p, pat.n), dtype)
    K[pat.left, pat.right] = v
    for batch in batches:
        x = rng.normal(size=(batch, pat.p)).astype(dtype)
        g = keras.ops.convert_to_tensor(rng.normal(size=(batch, pat.n)).astype(dtype))
        for traced in (False, True) if traced_too else (False,):
            ls, gxs, gv = _loss_and_grads(
                lambda x, w: _segment_ops.segment_matmul(x, w, pat.left, pat.right, pat.n), x, v, g, traced)
            lm, gxm, gk = _loss_and_grads(lambda x, w: keras.ops.matmul(x, w), x, K, g, traced)
            scale = max(1.0, abs(lm), np.abs(gxm).max(initial=0), np.abs(gk).max(initial=0))
            assert abs(ls - lm) <= tol * scale, (batch, traced, ls, lm)
            np.testing.assert_allclose(gxs, gxm, rtol=0, atol=tol * scale)
            np.testing.assert_allclose(gv, gk[pat.left, pat.right], rtol=0, atol=tol * scale)
            assert gv.dtype == np.dtype(dtype) and gxs.dtype == np.dtype(dtype)


def test_plan_bounds_every_per_edge_intermediate():
    """Rows x edges per chunk stay within SEGMENT_ELEMENTS (plus one row of rounding); the chunks cover W."""
    E, R = _segment_ops.SEGMENT_ELEMENTS, _segment_ops.SEGMENT_ROWS
    for W in (0, 1, 1000, E // R, E // R + 1, 167_772, 2_684_355, 50_000_000):
        for batch in (None, 0, 1, 5, 256, 10_000):
            rows, chunk = _segment_ops._segment_plan(W, batch)
            assert rows >= 1 and 0 <= chunk <= W, (W, batch, rows, chunk)
            if chunk < W:  # several chunks: SEGMENT_ROWS rows or the whole (smaller) batch
                assert rows == (R if batch is None else min(R, max(batch, 1)))
                assert -(-W // chunk) * chunk < W + chunk
            assert min(rows, batch if batch else rows) * chunk <= E + rows, (W, batch, rows, chunk)


@pytest.mark.parametrize("kind", adjmat.kind_names())
@pytest.mark.parametrize("dtype, tol", [("float32", 1e-5), ("float64", 1e-12)])
def test_segment_equals_masked_on_every_kind(monkeypatch, kind, dtype, tol):
    """Edges in chunks of about 7 with 4 rows per tile (the last chunk overlapping the one before it, the last
    tile padded) on every kind: loss, dx and dvalues equal the masked product's, eagerly and traced."""
    pat = _pattern(kind)
    monkeypatch.setattr(_segment_ops, "SEGMENT_ROWS", 4)
    monkeypatch.setattr(_segment_ops, "SEGMENT_ELEMENTS", 28)
    rows, chunk = _segment_ops._segment_plan(pat.W, 40)
    assert rows == 4 and chunk < pat.W
    _check_against_masked(pat, dtype, tol, traced_too=kind in ("usn", "clash_free"))


@pytest.mark.parametrize("dtype, tol", [("float32", 1e-5), ("float64", 1e-12)])
def test_segment_tiles_without_chunks_equal_masked(monkeypatch, dtype, tol):
    """All edges in one chunk, tiles of 7 rows (batch 40: 6 tiles of 7, the last padded; batch 3: one tile;
    batch 0: one empty tile), eagerly and traced with an unknown batch size."""
    pat = adjmat.generate("usn", P, N, density=0.25, seed=0)
    monkeypatch.setattr(_segment_ops, "SEGMENT_ELEMENTS", 7 * pat.W)
    monkeypatch.setattr(_segment_ops, "SEGMENT_ROWS", 4)
    assert _segment_ops._segment_plan(pat.W, 40) == (7, pat.W)
    _check_against_masked(pat, dtype, tol)


def test_segment_float64_wide_layer_is_exact_to_1e12(monkeypatch):
    """A wider junction (512 x 384, 5 %) in several chunks of edges, float64: within 1e-12 of x @ K, relative."""
    pat = adjmat.generate("random", 512, 384, density=0.05, seed=1)
    monkeypatch.setattr(_segment_ops, "SEGMENT_ELEMENTS", 1 << 12)
    assert _segment_ops._segment_plan(pat.W, 64)[1] < pat.W
    _check_against_masked(pat, "float64", 1e-12, batches=(64,), traced_too=False)


_PEAK = """
import ctypes, os
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"
import numpy as np, tensorflow as tf
import adjmat
from predefsparse import _segment_ops
p = n = 2048
pat = adjmat.generate("random", p, n, density=0.05, seed=0)
rng = np.random.default_rng(0)
v = tf.Variable(rng.normal(size=pat.W).astype("float32"))
left, right = tf.constant(pat.left), tf.constant(pat.right)

@tf.function(input_signature=[tf.TensorSpec([None, p], tf.float32)])
def step(x):
    with tf.GradientTape() as tape:
        tape.watch(x)
        loss = tf.reduce_sum(_segment_ops.segment_matmul(x, v, left, right, n) ** 2)
    return tape.gradient(loss, [x, v])

def vm(key):
    return next(int(line.split()[1]) * 1024 for line in open("/proc/self/status") if line.startswith(key))

x = tf.constant(rng.normal(size=(1024, p)).astype("float32"))
step(x[:2])
getattr(ctypes.CDLL(None), "malloc_trim", abs)(0)  # glibc: free heap pages back, VmRSS = what is live
with open("/proc/self/clear_refs", "w") as f:  # the peak from here on (ru_maxrss keeps the parent's across exec)
    f.write("5")
before = vm("VmRSS")
step(x)
print(pat.W, vm("VmHWM") - before)
"""


@pytest.mark.skipif(ON_JAX or not os.path.exists("/proc/self/clear_refs"),
                    reason="measures the TensorFlow graph's peak resident memory through Linux's /proc")
def test_segment_kernel_memory_is_not_w_times_batch():
    """Forward and backward (in a tf.function, the loss sum(y^2)) at p = n = 2048, 5 % (W = 209,715), batch 1024:
    one (W, batch) float32 tensor would be 859 MB; the step's peak resident memory above what was resident
    before it is a small multiple of the activations (x and y, 16.8 MB), with the per-edge intermediates
    (SEGMENT_ELEMENTS, 4 MiB each) and dvalues (0.8 MB)."""
    out = subprocess.run([sys.executable, "-c", _PEAK], capture_output=True, text=True, timeout=600,
                         env={**os.environ, "KERAS_BACKEND": "tensorflow"})
    assert out.returncode == 0, out.stderr[-2000:]
    W, grown = map(int, out.stdout.split())
    activations = 1024 * (2048 + 2048) * 4  # 16.8 MB: x and y of the step
    assert W * 1024 * 4 > 800e6 and grown < 5 * activations, (W, grown, grown / activations)  # measured: 2.3-2.8x
