"""Model builders: patterns, seeds, initial weights, front-end shapes, one real training step."""
import keras
import numpy as np
import pytest

import adjmat
from adjmat import SpecError
from predefsparse import SparseDense, datasets, models


def _sparse(model):
    return [layer for layer in model.layers if isinstance(layer, SparseDense)]


def test_mlp_patterns_and_defaults():
    model = models.mlp((800, 100, 10), fo=(50, 10), seed=0, l2=8e-5)
    layers = _sparse(model)
    assert [layer.name for layer in layers] == ["junction1", "junction2"]
    pats = [layer.pattern for layer in layers]
    assert pats == models.patterns((800, 100, 10), fo=(50, 10), seed=0)
    assert [(p.W, p.fo, p.fi, p.z, p.kind) for p in pats] == [(40000, 50, 400, 400, "clash_free"),
                                                               (1000, 10, 100, 100, "clash_free")]
    assert model.input_shape == (None, 800) and model.output_shape == (None, 10)
    assert layers[-1].activation is keras.activations.softmax and layers[0].activation is keras.activations.relu
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layers[0].bias), np.full(100, 0.1, np.float32))
    # L2 present on the kernels, none on the biases
    assert len(model.losses) == 2
    # He-normal from real degrees: variance 2 / fi = 2 / 400 on the present edges
    kernel = keras.ops.convert_to_numpy(layers[0].kernel)[pats[0].to_mask()]
    assert np.var(kernel) == pytest.approx(2 / 400, rel=0.05)  # 40,000 draws: relative std ~0.7 %


def test_mlp_seed_reproducible_and_distinct():
    a = models.mlp((20, 8, 4), fo=(2, 4), kind="usn", seed=5)
    b = models.mlp((20, 8, 4), fo=(2, 4), kind="usn", seed=5)
    c = models.mlp((20, 8, 4), fo=(2, 4), kind="usn", seed=6)
    for u, v in zip(a.get_weights(), b.get_weights()):
        np.testing.assert_array_equal(u, v)
    assert _sparse(a)[0].pattern != _sparse(c)[0].pattern
    assert not np.array_equal(a.get_weights()[0], c.get_weights()[0])


def test_mlp_densities_fc_and_z():
    model = models.mlp((40, 20, 10), densities=(0.25, 0.5), kind="usn", seed=0)
    assert [layer.pattern.W for layer in _sparse(model)] == [200, 100]
    fc = models.mlp((784, 112, 10), kind="fc")
    assert [layer.pattern.W for layer in _sparse(fc)] == [87808, 1120]
    assert models.patterns((784, 112, 10), fo=(112, 10), kind="fc") == [layer.pattern for layer in _sparse(fc)]
    cf = models.mlp((64, 16, 8), fo=(4, 8), z=(16, 8), seed=0)
    assert [layer.pattern.z for layer in _sparse(cf)] == [16, 8]
    dens = models.mlp((64, 16, 8), densities=(0.25, 1.0), seed=0)  # clash_free from densities: z = fi
    assert [layer.pattern.z for layer in _sparse(dens)] == [16, 16]


@pytest.mark.parametrize("kwargs, match", [
    (dict(config=(20, 8, 4), fo=(2, 4), densities=(0.5, 0.5)), "fo or densities, not both"),
    (dict(config=(20, 8, 4), fo=(2,)), "fo must be a sequence of 2 integers"),
    (dict(config=(20, 8, 4)), "needs fo or densities"),
    (dict(config=(20,), fo=(2,)), "at least two layer sizes"),
    (dict(config=(20, 8, 4), fo=(2, 4), kind="dense"), "kind must be one of"),
    (dict(config=(20, 8, 4), fo=(2, 4), dropout=1.0), "dropout must be"),
    (dict(config=(20, 8, 4), fo=(2, 4), dropout=(0.1, 0.2)), "one per hidden layer"),
    (dict(config=(20, 8, 4), fo=(2, 4), dropout="0.5"), "dropout must be"),
    (dict(config=(20, 8, 4), fo=(2, 4), kind="usn", bogus=1), "bogus"),
    (dict(config=(20, 8, 4), kind="erdos_renyi", epsilon=-1), "epsilon must be"),
    (dict(config=(20, 8, 4), densities=(0.5, 1.5)), "densities must be"),
    (dict(config=(20, 8, 4), fo=(3, 4)), "junction 1"),
    (dict(config=(20, 8, 4), fo=(2, 4), kind="fc"), "fully connected: fo must be n \\(8\\)"),
    (dict(config=(20, 8, 4), densities=(0.5, 1.0), kind="fc"), "density 1; received fo=None, density=0.5"),
    (dict(config=(20, 8, 4), fo=(2, 4), l2=-1.0), "l2 must be"),
])
def test_mlp_validation(kwargs, match):
    with pytest.raises(SpecError, match=match):
        models.mlp(**kwargs)


@pytest.mark.parametrize("front", ["deep", "shallow"])
def test_cifar_front_ends_flatten_to_4000(front):
    model = models.cifar(front, (4000, 500, 10), fo=(50, 10), seed=0)
    assert model.get_layer("junction1").pattern.p == 4000
    assert model.get_layer("junction1").pattern.W == 200000
    convs = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    if front == "deep":
        assert [c.filters for c in convs] == [60, 60, 125, 125, 250, 250]
        assert len([lay for lay in model.layers if isinstance(lay, keras.layers.Dropout)]) == 3
    else:
        assert [(c.filters, c.kernel_size) for c in convs] == [(250, (5, 5))]
    y = model.predict(np.zeros((2, 32, 32, 3), np.float32), verbose=0)
    assert y.shape == (2, 10)
    np.testing.assert_allclose(y.sum(axis=1), 1.0, rtol=1e-5)


def test_cifar_checks_head_width():
    with pytest.raises(SpecError, match="flattened width 4000"):
        models.cifar("shallow", (1000, 100, 10), fo=(10, 10))
    with pytest.raises(SpecError, match="front must be one of"):
        models.cifar("medium")


def test_conv_gru_trains_on_mnist_rows():
    xtr, ytr = datasets.load("mnist")[:2]
    x = xtr[:256].reshape(-1, 28, 28)
    model = models.conv_gru((128, 128, 10), fo=(32, 10), seed=0)
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    hist = model.fit(x, ytr[:256], batch_size=64, epochs=1, verbose=0, shuffle=False)
    assert np.isfinite(hist.history["loss"][0])
    layer = model.get_layer("junction1")
    mask = layer.pattern.to_mask()
    assert np.all(keras.ops.convert_to_numpy(layer.kernel)[~mask] == 0)
    with pytest.raises(SpecError, match="is even"):
        models.conv_gru((127, 128, 10), fo=(32, 10))


@pytest.mark.parametrize("kind", ["clash_free", "usn", "basic", "random", "rtl"])
def test_same_seed_same_patterns_as_the_hardware_designer(kind):
    # issue 2's promise: adjmat/hwsim users and Keras users get the same pattern from the same arguments and seed
    net = adjmat.NetSpec((64, 32, 16), (4, 8), (16, 16))
    hardware = adjmat.generate_network(net, kind, seed=5)
    model = models.mlp(net.config, fo=net.fo, kind=kind, z=net.z, seed=5)
    keras_patterns = [layer.pattern for layer in model.layers if isinstance(layer, SparseDense)]
    assert keras_patterns == hardware
    for pat in keras_patterns:  # the recorded provenance regenerates each one
        if pat.seed is not None:
            ss = np.random.SeedSequence(pat.seed, spawn_key=tuple(pat.meta["spawn_key"]))
            assert adjmat.generate(kind, pat.p, pat.n, fo=pat.fo if kind != "random" else None,
                                   density=pat.density if kind == "random" else None, z=pat.z, seed=ss,
                                   **{k: pat.meta[k] for k in ("type", "dither") if k in pat.meta}) == pat


SEED_FORMS = {"int": lambda: 5, "SeedSequence": lambda: np.random.SeedSequence(5),
              "Generator": lambda: np.random.default_rng(5)}


@pytest.mark.parametrize("form", sorted(SEED_FORMS))
@pytest.mark.parametrize("kind", ["clash_free", "usn", "random"])
def test_one_seed_path_for_every_seed_form(kind, form):
    # fresh, equal seed objects each time: adjmat, hwsim and Keras see the same patterns
    import hwsim
    make = SEED_FORMS[form]
    config, fo, z = (64, 32, 16), (4, 8), (16, 16)
    designer = adjmat.generate_network(config, kind, make(), fo=fo, z=z)
    assert models.patterns(config, fo=fo, kind=kind, z=z, seed=make()) == designer
    model = models.mlp(config, fo=fo, kind=kind, z=z, seed=make())
    assert [layer.pattern for layer in _sparse(model)] == designer
    # the three forms are one seed: SeedSequence(5) is 5, and default_rng(5) spawns SeedSequence(5)'s children
    assert designer == adjmat.generate_network(config, kind, 5, fo=fo, z=z)
    if kind == "clash_free":  # the hardware designer simulates exactly the model's patterns
        net = adjmat.NetSpec(config, fo, z)
        a = hwsim.simulate(net, designer, inputs=4)
        b = hwsim.simulate(net, [layer.pattern for layer in _sparse(model)], inputs=4)
        assert a.total_clocks == b.total_clocks and a.total_clocks > 0
    # same seed, same initial weights bit for bit
    again = models.mlp(config, fo=fo, kind=kind, z=z, seed=make())
    for u, v in zip(model.get_weights(), again.get_weights()):
        np.testing.assert_array_equal(u, v)


@pytest.mark.parametrize("kind", ["clash_free", "usn", "erdos_renyi", "fc"])
def test_layers_record_their_patterns_seed(kind, tmp_path):
    sizes = {"fc": {}, "erdos_renyi": {"epsilon": 4}}.get(kind, {"fo": (4, 8)})
    model = models.mlp((64, 32, 16), kind=kind, seed=9, **sizes)
    for i, layer in enumerate(_sparse(model)):
        pat, config = layer.pattern, layer.get_config()
        assert config["seed"] == pat.seed
        if adjmat.get_kind(kind).seeded:
            assert pat.seed == 9 and config["pattern"]["meta"]["spawn_key"] == [i]
            # the recorded seed and spawn key regenerate the pattern through adjmat
            again = adjmat.generate_network((64, 32, 16), kind, np.random.SeedSequence(config["seed"]),
                                            z=models.default_z((64, 32, 16), (4, 8)) if kind == "clash_free"
                                            else None, **sizes)[i]
            assert again == pat
        else:
            assert pat.seed is None
    # loading never regenerates: the saved edges come back even though the patterns' seed is known
    path = tmp_path / "m.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert [layer.pattern for layer in _sparse(loaded)] == [layer.pattern for layer in _sparse(model)]


def test_mlp_published_knobs_dropout_epsilon_fc():
    # SET's MLP: Erdos-Renyi with epsilon, no fo or densities, dropout after every hidden layer
    with pytest.warns(UserWarning, match=r"20\*\(100\+10\)/\(100\*10\) = 2.2 exceeds 1; clipped to 1"):
        model = models.mlp((784, 300, 100, 10), kind="erdos_renyi", epsilon=20, dropout=0.3, seed=0)
    pats = [layer.pattern for layer in _sparse(model)]
    assert [p.meta["epsilon"] for p in pats] == [20, 20, 20] and pats[2].W == 1000  # the last one clipped
    expected = 20 * (784 + 300)  # W ~ Binomial(p n, eps (p+n)/(p n)): mean eps (p+n), std < sqrt(mean) = 147
    assert abs(pats[0].W - expected) < 5 * 147
    drops = [layer for layer in model.layers if isinstance(layer, keras.layers.Dropout)]
    assert [(d.name, d.rate) for d in drops] == [("dropout1", 0.3), ("dropout2", 0.3)]
    # one rate per hidden layer; 0 adds no layer
    per_layer = models.mlp((784, 300, 100, 10), kind="erdos_renyi", epsilon=3, dropout=(0.5, 0.0), seed=0)
    assert [(d.name, d.rate) for d in per_layer.layers if isinstance(d, keras.layers.Dropout)] == [("dropout1", 0.5)]
    # seeded dropout: two builds from one seed drop the same units in training mode
    x = np.ones((4, 784), np.float32)
    with pytest.warns(UserWarning, match="clipped"):
        twin = models.mlp((784, 300, 100, 10), kind="erdos_renyi", epsilon=20, dropout=0.3, seed=0)
    np.testing.assert_array_equal(model(x, training=True), twin(x, training=True))
    assert not np.allclose(model(x, training=True), model(x, training=False))
    # fc needs no fo
    assert [p.W for p in models.patterns((20, 8, 4), kind="fc")] == [160, 32]


def test_clash_free_default_z_message_blames_what_was_given():
    # issue 8.11: no z was given, so the message must not blame one
    with pytest.raises(SpecError) as err:
        models.mlp((4, 4, 2), fo=(3, 1))
    msg = str(err.value)
    assert msg.startswith("mlp: junction 1 (4 -> 4):") and "fi (3) to divide p (4)" in msg and "fo=2" in msg
    assert "z (3)" not in msg
    assert models.default_z((4, 4, 2), (3, 1)) == (1, 2)


@pytest.fixture
def toy_kind():
    def _build(p, n, *, fo, W, density, z, rng):
        j = np.arange(W)
        return adjmat.Pattern((j * 7) % p, j // (W // n), p, n)
    adjmat.register_kind(adjmat.Kind("toy_stripes", _build, fixed_degrees=True, needs_z=False,
                                     hardware_faithful=False, sized_by=("fo",), seeded=False))
    yield "toy_stripes"
    adjmat.unregister_kind("toy_stripes")


def test_a_kind_registered_at_run_time_builds_models(toy_kind):
    model = models.mlp((16, 8, 4), fo=(2, 2), kind=toy_kind, seed=0)
    pats = [layer.pattern for layer in _sparse(model)]
    assert [(p.kind, p.W) for p in pats] == [(toy_kind, 32), (toy_kind, 16)]
    assert pats[0].left[:4].tolist() == [0, 7, 14, 5]
    with pytest.raises(SpecError, match="needs fo or densities"):
        models.mlp((16, 8, 4), kind=toy_kind)


def test_mlp_implementation_sparse_matches_masked():
    x = np.random.default_rng(0).normal(size=(7, 784)).astype("float32")
    masked = models.mlp((784, 300, 10), kind="erdos_renyi", epsilon=3, seed=0, implementation="masked")
    sparse = models.mlp((784, 300, 10), kind="erdos_renyi", epsilon=3, seed=0, implementation="sparse")
    for a, b in zip(masked.layers[1:], sparse.layers[1:]):
        assert (a.resolved_implementation, b.resolved_implementation) == ("masked", "sparse")
        assert a.pattern == b.pattern
        np.testing.assert_array_equal(a.edge_values(), b.edge_values())  # one seed, the same initial weights
    np.testing.assert_allclose(sparse.predict(x, verbose=0), masked.predict(x, verbose=0), rtol=1e-4, atol=1e-6)
