"""SparseDense and sparse(): Keras-style layer tests (shapes, dtypes, config, saving, training, init scale)."""
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

import adjmat
from adjmat import SpecError
from predefsparse import SparseDense, sparse
from predefsparse.layers import degree_scaled_kernel

from .layer_checks import check_sparse_layer

RNG = np.random.default_rng(1234)


def _x(*shape):
    return RNG.normal(size=shape).astype("float32")


# ---------------------------------------------------------------------- the checklist, several configurations
@pytest.mark.parametrize("make_layer, input_shape, out_shape", [
    (lambda: SparseDense(6, density=0.5, seed=0, activation="relu"), (10,), (6,)),
    (lambda: SparseDense(4, fo=2, kind="clash_free", z=4, seed=3, kernel_regularizer="l2"), (8,), (4,)),
    (lambda: SparseDense(5, density=0.4, kind="random", seed=1, use_bias=False), (3, 7), (3, 5)),
    (lambda: SparseDense(3, fi=2, seed=2, kernel_initializer="he_normal"), (2, 2, 6), (2, 2, 3)),
])
def test_layer_checklist(make_layer, input_shape, out_shape, tmp_path):
    check_sparse_layer(make_layer, input_shape, tmp_path, expected_output_shape=out_shape)


def test_layer_checklist_mixed_precision(tmp_path):
    model = check_sparse_layer(lambda: SparseDense(6, density=0.5, seed=0, dtype="mixed_float16"), (12,),
                               tmp_path, expected_output_shape=(6,), compute_dtype="float16")
    layer = model.layers[1]
    assert layer.kernel.dtype == "float32" and layer.mask.dtype == "float32"
    assert layer.left.dtype == "int32"


# ---------------------------------------------------------------------- functional equivalence
def test_fc_matches_dense_given_same_weights():
    x = _x(5, 3, 9)
    dense = keras.layers.Dense(4, activation="tanh")
    sd = SparseDense(4, kind="fc", activation="tanh")
    dense.build((None, 3, 9))
    sd.build((None, 3, 9))
    kernel, bias = _x(9, 4), _x(4)
    dense.set_weights([kernel, bias])
    sd.kernel.assign(kernel)
    sd.bias.assign(bias)
    assert sd.pattern.W == 36 and sd.pattern.kind == "fc"
    np.testing.assert_allclose(keras.ops.convert_to_numpy(sd(x)), keras.ops.convert_to_numpy(dense(x)),
                               rtol=1e-6, atol=1e-6)


def test_pattern_matches_numpy_reference():
    pat = adjmat.generate("usn", 12, 5, density=0.3, seed=7)
    layer = SparseDense(5, pattern=pat)
    layer.build((None, 12))
    w, b = _x(12, 5), _x(5)
    layer.set_weights([w, b] + layer.get_weights()[2:])
    x = _x(7, 12)
    expected = x.astype(np.float64) @ (w * pat.to_mask()) + b
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer(x)), expected, rtol=1e-5, atol=1e-5)
    # set_weights zeroed the absent entries, so the stored kernel is the effective one
    assert np.all(keras.ops.convert_to_numpy(layer.kernel)[~pat.to_mask()] == 0)


# ---------------------------------------------------------------------- gradients, regularizer, constraint
@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="uses tf.GradientTape")
def test_gradients_of_absent_weights_are_exactly_zero():
    import tensorflow as tf
    layer = SparseDense(8, density=0.25, seed=5, kernel_regularizer=keras.regularizers.L2(0.1))
    x = _x(16, 20)
    layer.build((None, 20))
    # even with garbage at absent positions (assigned behind the layer's back), nothing flows there
    layer.kernel.assign(_x(20, 8))
    with tf.GradientTape() as tape:
        loss = tf.reduce_sum(layer(x) ** 2) + tf.add_n(layer.losses)
    grad = tape.gradient(loss, layer.kernel).numpy()
    mask = layer.pattern.to_mask()
    assert np.all(grad[~mask] == 0)
    assert np.all(grad[mask] != 0)


def test_l2_applies_to_the_masked_kernel():
    layer = SparseDense(4, density=0.5, seed=0, kernel_regularizer=keras.regularizers.L2(0.5))
    layer.build((None, 6))
    w = _x(6, 4)
    layer.kernel.assign(w)  # absent entries non-zero on purpose
    mask = layer.pattern.to_mask()
    (penalty,) = layer.losses
    assert float(penalty) == pytest.approx(0.5 * float(np.sum((w * mask) ** 2)), rel=1e-5)


class _AddOne(keras.constraints.Constraint):
    def __call__(self, w):
        return w + 1.0


def test_constraint_keeps_absent_entries_zero():
    layer = SparseDense(3, density=0.5, seed=0, kernel_constraint=_AddOne())
    model = keras.Sequential([keras.Input((4,)), layer])
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse")
    before = keras.ops.convert_to_numpy(layer.kernel)
    model.fit(_x(8, 4), _x(8, 3), epochs=1, verbose=0)  # one step: each present weight moves by ~1e-3, then +1
    kernel = keras.ops.convert_to_numpy(layer.kernel)
    mask = layer.pattern.to_mask()
    assert np.all(kernel[~mask] == 0)
    np.testing.assert_allclose(kernel[mask], before[mask] + 1.0, atol=2e-3)


# ---------------------------------------------------------------------- initialisation from real degrees
@pytest.mark.parametrize("init, rule", [
    ("glorot_uniform", lambda fi, fo: 2.0 / (fi + fo)),
    ("glorot_normal", lambda fi, fo: 2.0 / (fi + fo)),
    ("he_normal", lambda fi, fo: 2.0 / fi),
    ("he_uniform", lambda fi, fo: 2.0 / fi),
    ("lecun_normal", lambda fi, fo: 1.0 / fi),
])
def test_initial_scale_follows_real_degrees(init, rule):
    # "random" has unequal degrees, so the per-edge rule is really exercised
    pat = adjmat.generate("random", 400, 100, density=0.1, seed=3)
    layer = SparseDense(100, pattern=pat, kernel_initializer=keras.initializers.get(
        {"class_name": init, "config": {"seed": 11}}))
    layer.build((None, 400))
    kernel = keras.ops.convert_to_numpy(layer.kernel)
    mask = pat.to_mask()
    assert np.all(kernel[~mask] == 0)
    var = rule(pat.in_degrees()[pat.right].astype(float), pat.out_degrees()[pat.left].astype(float))
    ratio = kernel[pat.left, pat.right] ** 2 / var  # unit mean under the rule
    # std of x^2 for unit-variance x is <= sqrt(2) (normal); W = 4000 samples -> std of the mean <= 0.023;
    # tolerance 0.08 is > 3.5 sigma.  A Dense-style init (fan = p = 400) would give a mean of ~0.1.
    assert ratio.mean() == pytest.approx(1.0, abs=0.08)


def test_fc_initial_scale_equals_dense():
    sd = SparseDense(200, kind="fc", kernel_initializer=keras.initializers.GlorotUniform(seed=1))
    dense = keras.layers.Dense(200, kernel_initializer=keras.initializers.GlorotUniform(seed=2))
    sd.build((None, 300))
    dense.build((None, 300))
    v_sparse = float(np.var(keras.ops.convert_to_numpy(sd.kernel)))
    v_dense = float(np.var(keras.ops.convert_to_numpy(dense.kernel)))
    # both 2/(300+200) = 0.004; 60,000 samples each -> relative std ~0.4 %; tolerance 3 %
    assert v_sparse == pytest.approx(0.004, rel=0.03)
    assert v_sparse == pytest.approx(v_dense, rel=0.03)


def test_fixed_scale_initializers_are_used_as_given():
    pat = adjmat.generate("usn", 10, 4, density=0.5, seed=0)
    k = degree_scaled_kernel(keras.initializers.Constant(0.25), pat)
    np.testing.assert_array_equal(k, 0.25 * pat.to_mask())


def test_seeded_initializer_is_reproducible():
    def make():
        return SparseDense(5, density=0.5, seed=4, kernel_initializer=keras.initializers.HeNormal(seed=9))
    a, b = make(), make()
    a.build((None, 10))
    b.build((None, 10))
    for u, v in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(u, v)


# ---------------------------------------------------------------------- models of every style
def test_functional_and_subclassed_models_train():
    inputs = keras.Input((10,))
    h = SparseDense(8, density=0.5, seed=0, activation="relu")(inputs)
    outputs = keras.layers.Dense(2)(h)
    functional = keras.Model(inputs, outputs)

    class Net(keras.Model):
        def __init__(self):
            super().__init__()
            self.a = SparseDense(8, density=0.5, seed=0, activation="relu")
            self.b = SparseDense(2, density=0.5, seed=1)

        def call(self, x):
            return self.b(self.a(x))

    subclassed = Net()
    x, y = _x(32, 10), _x(32, 2)
    for model in (functional, subclassed):
        model.compile(optimizer="adam", loss="mse")
        hist = model.fit(x, y, epochs=3, verbose=0)
        assert np.isfinite(hist.history["loss"]).all()
    mask = subclassed.a.pattern.to_mask()
    assert np.all(keras.ops.convert_to_numpy(subclassed.a.kernel)[~mask] == 0)


def _load_in_fresh_interpreter(tmp_path, imports):
    model = keras.Sequential([keras.Input((6,)), SparseDense(4, density=0.5, seed=0)])
    path = os.fspath(tmp_path / "m.keras")
    model.save(path)
    np.save(tmp_path / "w.npy", model.get_weights()[0])
    code = (f"import numpy as np\n{imports}\n"
            f"m = keras.models.load_model({path!r})\n"
            f"assert np.array_equal(m.get_weights()[0], np.load({os.fspath(tmp_path / 'w.npy')!r}))\n"
            "print(type(m.layers[0]).__name__, m.layers[0].pattern.W)\n")
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)


def test_load_needs_no_custom_objects(tmp_path):
    out = _load_in_fresh_interpreter(tmp_path, "import keras, predefsparse.layers")
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().endswith("SparseDense 12")


@pytest.mark.parametrize("imports", ["import keras, predefsparse", "import predefsparse, keras"])
def test_load_needs_no_custom_objects_after_plain_import(tmp_path, imports):
    out = _load_in_fresh_interpreter(tmp_path, imports)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().endswith("SparseDense 12")


def test_from_config_without_weights_then_set_weights():
    layer = SparseDense(4, density=0.5, seed=0)
    layer.build((None, 6))
    clone = SparseDense.from_config(layer.get_config())
    clone.build((None, 6))
    with pytest.raises(ValueError, match="never loaded"):
        _ = clone.pattern
    clone.set_weights(layer.get_weights())
    assert clone.pattern == layer.pattern
    assert clone.pattern.kind == "usn" and clone.pattern.seed == 0


def test_load_refuses_inconsistent_mask(tmp_path):
    model = keras.Sequential([keras.Input((6,)), SparseDense(4, density=0.5, seed=0)])
    path = os.fspath(tmp_path / "w.weights.h5")
    layer = model.layers[0]
    layer.mask.assign(np.ones((6, 4), dtype="float32"))  # corrupt: mask no longer matches left/right
    model.save_weights(path)
    fresh = keras.Sequential([keras.Input((6,)), SparseDense(4, density=0.5, seed=0)])
    with pytest.raises(ValueError, match="does not match"):
        fresh.load_weights(path)


# ---------------------------------------------------------------------- patterns, seeds, errors
def test_seed_none_is_drawn_and_recorded():
    a = SparseDense(4, density=0.5)
    assert isinstance(a.seed, int)
    a.build((None, 8))
    b = SparseDense(4, density=0.5, seed=a.seed)
    b.build((None, 8))
    assert a.pattern == b.pattern


def test_generator_seed_and_pattern_argument():
    layer = SparseDense(4, density=0.5, seed=np.random.default_rng(0))
    assert layer.seed is None
    layer.build((None, 8))
    assert layer.pattern.W == 16
    pat = adjmat.generate("rtl", 8, 4, fo=2, z=4)
    given = SparseDense(4, pattern=pat)
    assert given.pattern is pat and given.kind == "rtl"
    given.build((None, 8))
    assert given.pattern == pat and given.pattern.z == 4
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(given.left), pat.left)  # processing order kept


@pytest.mark.parametrize("kwargs, match", [
    (dict(units=-3, density=0.5), "units must be a positive integer; received units=-3"),
    (dict(units=4.0, density=0.5), "received units=4.0"),
    (dict(units=4, density=1.5), "density must be .*received density=1.5"),
    (dict(units=4, density=0.5, fo=2), "at most one of density, fo or fi"),
    (dict(units=4), "needs density, fo or fi"),
    (dict(units=4, density=0.5, kind="nope"), "kind must be one of"),
    (dict(units=4, fo=0), "fo must be a positive integer; received fo=0"),
    (dict(units=4, density=0.5, z=0), "received z=0"),
    (dict(units=4, density=0.5, seed=-1), "received seed=-1"),
    (dict(units=4, density=0.5, use_bias="yes"), "use_bias must be True or False"),
    (dict(units=5, pattern=adjmat.generate("rtl", 8, 4, fo=2)), "n == units"),
    (dict(units=4, pattern=adjmat.generate("rtl", 8, 4, fo=2), density=0.5), "give pattern or density"),
    (dict(units=4, pattern=adjmat.generate("rtl", 8, 4, fo=2), kind="usn"), None),  # default kind is fine
    (dict(units=4, pattern=adjmat.generate("rtl", 8, 4, fo=2), kind="random"), "kind must be left"),
    (dict(units=2, pattern=adjmat.Pattern([0, 0], [0, 0], p=2, n=2)), "without repeated edges"),
    (dict(units=4, density=0.5, pattern_options=3), "pattern_options must be"),
    # what a kind needs comes from the registry, and is refused at construction, before build
    (dict(units=4, fo=2, kind="clash_free"), "kind='clash_free' needs z .* received z=None"),
    (dict(units=4, fo=2, kind="erdos_renyi"), "fo must be left out for kind='erdos_renyi'.*received fo=2"),
    (dict(units=4, density=0.5, pattern_options={"epsilon": 3}), "Unknown: epsilon"),
    (dict(units=4, fo=2, kind="clash_free", z=4, pattern_options={"typ": 1}), "options of kind 'clash_free'"),
])
def test_validation_names_the_argument(kwargs, match):
    if match is None:
        SparseDense(**kwargs)
        return
    with pytest.raises(SpecError, match=match):
        SparseDense(**kwargs)


def test_build_errors():
    with pytest.raises(ValueError, match="pattern's p"):
        SparseDense(4, pattern=adjmat.generate("rtl", 8, 4, fo=2)).build((None, 9))
    with pytest.raises(SpecError, match=r"z must be a divisor of p \(8\)"):
        SparseDense(4, fo=2, kind="clash_free", z=3).build((None, 8))
    with pytest.raises(ValueError, match="last input dimension"):
        SparseDense(4, density=0.5).build((None, None))


# ---------------------------------------------------------------------- the USN-compatible constructor
def test_sparse_maps_usn_arguments():
    layer = sparse(250, density=0.3, rseed=1, activation="relu")
    assert (layer.kind, layer.density, layer.seed) == ("usn", 0.3, 1)
    layer.build((None, 784))
    deg = layer.pattern.in_degrees()
    assert layer.pattern.W == round(0.3 * 784 * 250) and deg.max() - deg.min() <= 1
    assert sparse(16, dout=2, rseed=0).fo == 2
    assert sparse(16, din=4, rseed=0).fi == 4
    assert sparse(16, rseed=0).fo == 1  # USN's default dout=1
    assert sparse(16, density=0.5, confun="random_2d", rseed=0).kind == "random"
    assert sparse(16, density=0.5, weight_type=2, rseed=0).kind == "usn"


@pytest.mark.parametrize("kwargs, match", [
    (dict(confun="shuffle_1d", density=0.5), "shuffle_1d"),
    (dict(share_kernel=True, density=0.5), "share_kernel must be False"),
    (dict(density=0.5, dout=2), "at most one of density, din or dout"),
    (dict(density=0.5, weight_type=3), "weight_type must be one of"),
    (dict(density=0.5, rseed=1.5), "rseed must be"),
])
def test_sparse_refuses_unsupported(kwargs, match):
    with pytest.raises(SpecError, match=match):
        sparse(16, **kwargs)



# ---------------------------------------------------------------------- one seed: pattern and initial weights
SEED_FORMS = {"int": lambda: 3, "SeedSequence": lambda: np.random.SeedSequence(3),
              "Generator": lambda: np.random.default_rng(3)}


@pytest.mark.parametrize("form", sorted(SEED_FORMS))
def test_one_seed_gives_the_pattern_and_bit_identical_initial_weights(form):
    make = SEED_FORMS[form]
    layers = []
    for _ in range(2):
        layer = SparseDense(6, density=0.5, seed=make(), bias_initializer="random_normal")
        layer.build((None, 10))
        layers.append(layer)
    a, b = layers
    assert a.pattern == b.pattern == adjmat.generate("usn", 10, 6, density=0.5, seed=make())
    for u, v in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(u, v)
    assert np.any(a.get_weights()[1] != 0)  # the bias initializer was seeded too
    other = SparseDense(6, density=0.5, seed=4)
    other.build((None, 10))
    assert not np.array_equal(other.get_weights()[0], a.get_weights()[0])


def test_initializer_seed_derivation_is_the_documented_one():
    from adjmat.seeds import extra_stream
    layer = SparseDense(4, density=0.5, seed=11, bias_initializer="random_uniform")
    kernel_seed, bias_seed = (int(w) for w in extra_stream("test", 11).generate_state(2))
    assert layer.kernel_initializer.get_config()["seed"] == kernel_seed
    assert layer.bias_initializer.get_config()["seed"] == bias_seed
    # an initializer given with its own seed keeps it; constants have none to set
    given = SparseDense(4, density=0.5, seed=11, kernel_initializer=keras.initializers.HeNormal(seed=2))
    assert given.kernel_initializer.get_config()["seed"] == 2
    assert given.bias_initializer.get_config() == {}
    # the config round trip keeps the derived seeds, so a rebuilt layer starts from the same weights
    assert SparseDense.from_config(layer.get_config()).get_config() == layer.get_config()


def test_layer_from_a_pattern_records_the_patterns_seed():
    (first, second) = adjmat.generate_network((12, 8, 4), "usn", 21, fo=(2, 2))
    layer = SparseDense(4, pattern=second)
    config = layer.get_config()
    assert config["seed"] == second.seed == 21 and config["pattern"]["meta"]["spawn_key"] == [1]
    # its initial weights come from the pattern's own stream: same pattern, same weights
    twin = SparseDense(4, pattern=second)
    layer.build((None, 8))
    twin.build((None, 8))
    np.testing.assert_array_equal(layer.get_weights()[0], twin.get_weights()[0])
    deterministic = SparseDense(4, pattern=adjmat.generate("rtl", 8, 4, fo=2), kernel_initializer="zeros")
    assert deterministic.get_config()["seed"] is None  # rtl draws nothing and no initializer needs a seed


def test_kinds_that_need_no_size():
    # the registry says which: fc is sized by nothing, erdos_renyi by its epsilon option (default 20)
    fc = SparseDense(3, kind="fc", seed=0)
    fc.build((None, 5))
    assert fc.pattern.W == 15
    er = SparseDense(30, kind="erdos_renyi", pattern_options={"epsilon": 2}, seed=0)
    er.build((None, 40))
    assert er.pattern.meta["epsilon"] == 2 and 0 < er.pattern.W < 40 * 30
    assert sparse(30, confun="erdos_renyi", rseed=0).fo is None  # no USN default dout=1 for it


# ---------------------------------------------------------------------- memory guards (before any allocation)
@pytest.fixture
def limit_8g(monkeypatch):
    """An 8 GiB limit whatever the machine has, so a guard that failed could not allocate tens of GiB here."""
    monkeypatch.setenv("PREDEFSPARSE_MAX_MEMORY", "8G")


def test_a_masked_layer_too_big_is_refused_with_its_estimate(limit_8g):
    layer = SparseDense(60000, fo=1, seed=0, implementation="masked")
    with pytest.raises(SpecError, match=r"^SparseDense: the request needs about 43\.[0-9] GiB \(SparseDense "
                                        r"'sparse_dense.*', masked 60,000 x 60,000: .*more than the 8 GiB"):
        layer(np.zeros((1, 60000), "float32"))
    assert not layer.built and not layer.weights
    from predefsparse import models
    with pytest.raises(SpecError, match=r"masked 60,000 x 60,000"):
        models.mlp((60000, 60000, 10), fo=(1, 1), implementation="masked", seed=0)
    # the same net on the sparse path is O(W): 60,000 edges fit
    sparse_layer = SparseDense(60000, fo=1, seed=0, implementation="sparse")
    sparse_layer(np.zeros((1, 60000), "float32"))
    assert sparse_layer.pattern.W == 60000


def test_a_sparse_layer_too_big_is_refused_with_its_estimate(monkeypatch):
    monkeypatch.setenv("PREDEFSPARSE_MAX_MEMORY", "1M")
    pat = adjmat.generate("usn", 1000, 100, fo=30, seed=0)  # 30,000 edges x 44 bytes = 1.26 MiB
    layer = SparseDense(100, pattern=pat, implementation="sparse")
    with pytest.raises(SpecError, match=r"needs about 1\.26 MiB \(SparseDense '.*', sparse with W = 30,000 edges "
                                        r"at 44 bytes per edge\)"):
        layer(np.zeros((1, 1000), "float32"))
    monkeypatch.setenv("PREDEFSPARSE_MAX_MEMORY", "2M")
    assert SparseDense(100, pattern=pat, implementation="sparse")(np.zeros((1, 1000), "float32")).shape == (1, 100)


def _crafted_keras(tmp_path, edit_config=None, edit_weights=None):
    """A saved one-layer model whose config (a dict) or weights file (an h5py File) is edited."""
    import json
    import zipfile

    import h5py
    inputs = keras.Input((20,))
    keras.Model(inputs, SparseDense(6, density=0.2, seed=0, implementation="sparse", name="sd")(inputs)).save(
        tmp_path / "m.keras")
    with zipfile.ZipFile(tmp_path / "m.keras") as zf:
        files = {name: zf.read(name) for name in zf.namelist()}
    if edit_config:
        config = json.loads(files["config.json"])
        layer = next(c for c in config["config"]["layers"] if c["class_name"] == "SparseDense")
        edit_config(layer["config"])
        files["config.json"] = json.dumps(config).encode()
    if edit_weights:
        (tmp_path / "w.h5").write_bytes(files["model.weights.h5"])
        with h5py.File(tmp_path / "w.h5", "r+") as f:
            edit_weights(f)
        files["model.weights.h5"] = (tmp_path / "w.h5").read_bytes()
    with zipfile.ZipFile(tmp_path / "crafted.keras", "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return tmp_path / "crafted.keras"


def test_a_crafted_keras_file_declaring_1e10_edges_is_refused_before_allocating(tmp_path, limit_8g):
    path = _crafted_keras(tmp_path, edit_config=lambda c: c["pattern"].update(W=10**10))
    with pytest.raises(SpecError, match=r"needs about 410 GiB \(SparseDense 'sd', sparse with W = "
                                        r"10,000,000,000 edges"):
        keras.models.load_model(path)


def test_a_crafted_weights_array_is_refused_before_it_is_read(tmp_path, limit_8g):
    def replace_values(shape, **kw):
        def edit(f):
            group = next(g for name, g in f["layers"].items() if name.startswith("sparse"))["vars"]
            del group["0"]
            group.create_dataset("0", shape=shape, dtype="float32", **kw)
        return edit

    # stored in full but of another shape: refused from its declared shape, before it is read
    path = _crafted_keras(tmp_path, edit_weights=replace_values((10**6,), data=np.zeros(10**6, "float32")))
    with pytest.raises(ValueError, match=r"stored array 0 has shape \(1000000,\); this layer \(p=20, n=6, "
                                         r"W=24\) stores arrays of shape"):
        keras.models.load_model(path)
    # 10^10 values declared over nothing stored (a decompression bomb): Keras's own store refuses it
    path = _crafted_keras(tmp_path, edit_weights=replace_values((10**10,), chunks=(1 << 16,), compression="gzip"))
    assert path.stat().st_size < 100_000
    with pytest.raises(ValueError, match=r"declares 37\.25 GB|stored array 0 has shape"):
        keras.models.load_model(path)
