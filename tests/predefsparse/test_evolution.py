"""SET (sparse evolutionary training): the evolution step, the callback on real MNIST on both layer
implementations, ER/ERK allocation, the degree picture and the removal rule against a sort (the Fashion-MNIST
collapse regression is in test_set_collapse.py)."""
import json
import warnings

import keras
import numpy as np
import pytest

import adjmat
from adjmat import SpecError
from predefsparse import datasets, models
from predefsparse.evolution import SETCallback, allocate_densities, evolve, plot_degrees


def _cells(pat):
    return pat.right.astype(np.int64) * pat.p + pat.left


def test_evolve_step_rules():
    pat = adjmat.generate("usn", 30, 20, density=0.2, seed=0)
    w = np.random.default_rng(1).normal(size=pat.W)
    w[:3] = 0.0  # exact zeros are the first to go
    step = evolve(pat, w, 0.3, np.random.default_rng(2))
    new = step.pattern
    pos, neg = (w > 0).sum(), (w < 0).sum()
    k = 3 + int(0.3 * pos) + int(0.3 * neg)
    assert new.W == pat.W and (new.p, new.n) == (30, 20) and new.kind == "set" and new.meta["set_steps"] == 1
    assert np.all(np.diff(_cells(new)) > 0)  # natural order, no repeated edge
    assert step.removed.size == k and int((step.source < 0).sum()) == k
    assert set(range(3)) <= set(step.removed.tolist())
    # removed: the zeros, then the smallest positive and the largest negative weights
    kept = np.setdiff1d(np.arange(pat.W), step.removed)
    gone = w[step.removed]
    assert gone[gone > 0].max() <= w[kept][w[kept] > 0].min()
    assert gone[gone < 0].min() >= w[kept][w[kept] < 0].max()
    # regrown cells are new (never a just-removed one); kept edges keep their weights, source points to them
    grown = _cells(new)[step.source < 0]
    assert not np.isin(grown, _cells(pat)).any()
    src = step.source >= 0
    np.testing.assert_array_equal(_cells(new)[src], _cells(pat)[step.source[src]])
    np.testing.assert_array_equal(step.weights[src], w[step.source[src]])
    # regrown weights: SET's N(0, 0.1^2) by default, exactly 0 on request
    fresh = step.weights[~src]
    assert np.all(fresh != 0) and np.abs(fresh).max() < 0.6
    zero = evolve(pat, w, 0.3, np.random.default_rng(2), regrow_init="zero")
    assert np.all(zero.weights[zero.source < 0] == 0) and zero.pattern == new
    wide = evolve(pat, w, 0.3, np.random.default_rng(2), regrow_std=1.0)
    np.testing.assert_allclose(wide.weights[~src], 10 * fresh)


def test_evolve_keeps_count_when_few_cells_are_free():
    pat = adjmat.generate("usn", 4, 4, density=0.875, seed=0)  # 14 of 16 cells: 2 free
    w = np.random.default_rng(0).normal(size=pat.W)
    step = evolve(pat, w, 0.5, np.random.default_rng(0))
    assert step.pattern.W == 14 and step.removed.size <= 2
    w[:5] = 0  # more zeros than free cells: only as many as fit are replaced
    assert evolve(pat, w, 0.5, 0).removed.tolist() == [0, 1]


def test_evolve_large_is_o_of_w():
    # 3 million edges in a 30,000 x 10,000 junction: no (p, n) array (300 million cells would be 300 MB as bool)
    p, n, W = 30_000, 10_000, 3_000_000
    rng = np.random.default_rng(0)
    cells = np.sort(rng.choice(p * n, size=W, replace=False))
    pat = adjmat.Pattern(cells % p, cells // p, p, n)
    step = evolve(pat, rng.normal(size=W), 0.3, 1)
    assert step.pattern.W == W and np.all(np.diff(_cells(step.pattern)) > 0)


def _fit_set(implementation, epochs=3, seed=0, **cb_kwargs):
    xtr, ytr = datasets.load("mnist")[:2]
    x, y = xtr[:512], ytr[:512]
    model = models.mlp((784, 64, 10), densities=(0.05, 0.5), kind="erdos_renyi", seed=0)
    if implementation == "sparse":  # the same model on the sparse path
        config = model.get_config()
        for layer in config["layers"]:
            if layer["class_name"] == "SparseDense":
                layer["config"]["implementation"] = "sparse"
        weights = [lay.get_weights() for lay in model.layers]
        model = keras.Model.from_config(config)
        for lay, wts in zip(model.layers, weights):
            lay.set_weights(wts)
    model.compile(optimizer="adam", loss="categorical_crossentropy", steps_per_execution=2)
    cb = SETCallback(zeta=0.3, seed=seed, **cb_kwargs)
    model.fit(x, y, batch_size=128, epochs=epochs, verbose=0, shuffle=False, callbacks=[cb])
    return model, cb


@pytest.mark.parametrize("implementation", ["masked", "sparse"])
def test_set_callback_on_mnist(tmp_path, implementation):
    model, cb = _fit_set(implementation)
    layer = model.get_layer("junction1")
    assert layer.resolved_implementation == implementation
    after = layer.pattern
    W = cb.initial["junction1"]["mean"] * 784
    # the output layer is not evolved by default; no rewiring after the last of 3 epochs
    assert [h["layer"] for h in cb.history] == ["junction1", "junction1"]
    assert [h["epoch"] for h in cb.history] == [1, 2] and [h["step"] for h in cb.history] == [1, 2]
    assert model.get_layer("junction2").pattern.kind == "erdos_renyi"
    assert after.W == pytest.approx(W) and after.kind == "set" and after.meta["set_steps"] == 2
    for h in cb.history:  # exact count, split by sign
        assert h["removed"] == h["added"] == h["replaced"] > 0 and h["W"] == after.W
        assert h["removed_positive"] + h["removed_negative"] + h["removed_zero"] == h["removed"]
    deg = after.out_degrees()
    assert cb.history[-1]["out_degree"] == {"min": int(deg.min()), "max": int(deg.max()),
                                            "mean": float(deg.mean()), "std": float(deg.std()),
                                            "unconnected": int((deg == 0).sum())}
    assert len(cb.degrees["junction1"]) == 3 and np.array_equal(cb.degrees["junction1"][-1], deg)
    assert cb.patterns() == {"junction1": after}
    record = cb.history_for_records()
    assert json.loads(json.dumps(record)) == record and record["regrow_init"] == "normal"
    assert record["history"] == cb.history
    # optimizer slots: one value per edge on the sparse path, zero off the pattern on the masked one
    if implementation == "sparse":
        slots = [v for v in model.optimizer.variables if tuple(v.shape) == (after.W,)]
        assert len(slots) == 2
    else:
        mask = after.to_mask()
        assert np.all(keras.ops.convert_to_numpy(layer.kernel)[~mask] == 0)
        slots = [v for v in model.optimizer.variables if tuple(v.shape) == (784, 64)]
        assert len(slots) == 2 and all(np.all(keras.ops.convert_to_numpy(s)[~mask] == 0) for s in slots)
    path = tmp_path / "set.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert loaded.get_layer("junction1").pattern == after  # saved patterns equal the final ones


def test_set_same_seed_same_run_on_both_paths():
    a, cb_a = _fit_set("sparse", epochs=2, seed=5)
    b, cb_b = _fit_set("sparse", epochs=2, seed=5)
    m, cb_m = _fit_set("masked", epochs=2, seed=5)
    assert cb_a.history == cb_b.history == cb_m.history
    pa, pm = a.get_layer("junction1"), m.get_layer("junction1")
    assert pa.pattern == b.get_layer("junction1").pattern == pm.pattern
    np.testing.assert_array_equal(pa.edge_values(), b.get_layer("junction1").edge_values())
    np.testing.assert_allclose(pa.edge_values(), pm.edge_values(), atol=2e-4)


def test_new_edges_start_with_zero_optimizer_state():
    model, cb = _fit_set("sparse", epochs=2, evolve_output=True)
    layer = model.get_layer("junction2")
    before = layer.pattern
    old_values = layer.edge_values()
    slots = [v for v in model.optimizer.variables if tuple(v.shape) == (before.W,) and "junction2" in v.path]
    old_slots = [keras.ops.convert_to_numpy(s).copy() for s in slots]
    cb.evolve_now(5)
    after = layer.pattern
    grown = ~np.isin(_cells(after), _cells(before))
    assert grown.sum() == cb.history[-1]["added"] > 0
    new_slots = [keras.ops.convert_to_numpy(s) for s in slots]
    position = {c: j for j, c in enumerate(_cells(before).tolist())}
    src = np.array([position.get(c, -1) for c in _cells(after).tolist()])
    for old, new in zip(old_slots, new_slots):
        assert np.all(new[grown] == 0) and np.any(old[src[~grown]] != 0)
        np.testing.assert_array_equal(new[~grown], old[src[~grown]])
    np.testing.assert_array_equal(layer.edge_values()[~grown], old_values[src[~grown]])


def test_every_steps_and_degrees_picture(tmp_path):
    model, cb = _fit_set("sparse", epochs=1, every_steps=1)
    # 512 samples, batch 128, 2 steps per execution: Keras reports 2 batches; the last one is not rewired
    assert [h["step"] for h in cb.history] == [1]
    out = plot_degrees(cb, tmp_path / "degrees.png")
    assert (tmp_path / "degrees.png").stat().st_size > 1000 and out.endswith("degrees.png")
    fig = plot_degrees(cb, image_shape=(28, 28))
    assert "junction1" in fig._suptitle.get_text()
    with pytest.raises(SpecError, match="image_shape"):
        plot_degrees(cb, image_shape=(27, 28))


def test_allocate_densities_rules():
    config = (784, 1000, 1000, 10)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        d = allocate_densities(config, epsilon=20)
    p, n = np.array(config[:-1]), np.array(config[1:])
    assert d[2] == 1.0 and len(caught) == 1 and "junction 3" in str(caught[0].message)
    W = np.array(d) * p * n
    assert W.sum() == pytest.approx(20 * (p + n).sum())  # the overflow is redistributed, the total kept
    assert W[0] / (p[0] + n[0]) == pytest.approx(W[1] / (p[1] + n[1]))  # the others keep the ER shape
    with pytest.warns(UserWarning, match="junction 3"):
        e = allocate_densities(config, density=0.05)
    assert (np.array(e) * p * n).sum() == pytest.approx(0.05 * (p * n).sum())
    with pytest.raises(SpecError, match="exactly one of epsilon or density"):
        allocate_densities(config)
    with pytest.raises(SpecError, match="exceed the capacity"):
        allocate_densities((4, 4), epsilon=3)


@pytest.mark.parametrize("kwargs, match", [
    (dict(zeta=1.0), "zeta must be"),
    (dict(layers="junction1"), "layers must be"),
    (dict(seed=-2), "seed must be"),
    (dict(regrow_init="small"), "regrow_init must be"),
    (dict(regrow_std=0), "regrow_std must be"),
    (dict(every_steps=0), "every_steps must be"),
])
def test_set_callback_validation(kwargs, match):
    with pytest.raises(SpecError, match=match):
        SETCallback(**kwargs)


@pytest.mark.parametrize("args, match", [
    (("not a pattern", np.zeros(3), 0.3, 0), "pattern must be an adjmat.Pattern"),
    ((None, np.zeros(6), 0.3, 0), "weights must be a length-12 array"),
    ((None, np.full(12, np.nan), 0.3, 0), "weights must be finite"),
    ((None, np.ones(12), 1.0, 0), "zeta must be"),
    ((None, np.ones(12), 0.3, -1), "seed must be"),
])
def test_evolve_validation(args, match):
    pattern = adjmat.generate("usn", 6, 4, density=0.5, seed=0) if args[0] is None else args[0]
    with pytest.raises(SpecError, match=match):
        evolve(pattern, *args[1:])


def test_evolve_same_seed_same_step():
    pat = adjmat.generate("usn", 30, 20, density=0.2, seed=0)
    w = np.random.default_rng(1).normal(size=pat.W)
    a = evolve(pat, w, 0.3, 7)
    b = evolve(pat, w, 0.3, np.random.default_rng(7))
    assert a.pattern == b.pattern and all(np.array_equal(x, y) for x, y in zip(a[1:], b[1:]))



@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_removal_mask_equals_a_sort(dtype):
    """The radix-select removal (both signs in one pass, ties by position) removes exactly what a stable sort of
    each sign's magnitudes would: many ties, -0.0 counted as zero, both widths."""
    from predefsparse import _evolve_ops

    rng = np.random.default_rng(5)
    w = rng.choice(np.array([-0.3, -0.2, -1e-30, -0.0, 0.0, 1e-30, 0.2, 0.3, 0.7], dtype), size=4000)
    w[::7] = rng.normal(size=w[::7].size)
    for k_zero, k_pos, k_neg in ((0, 0, 0), (10, 300, 200), (5, 1, 1), (0, int((w > 0).sum()), 7)):
        keep = _evolve_ops.removal_mask(w, w.view(np.uint32 if dtype == "float32" else np.uint64), w.itemsize * 8,
                                        k_zero, k_pos, k_neg)
        expect = np.ones(w.size, bool)
        expect[np.flatnonzero(w == 0)[:k_zero]] = False
        pos, neg = np.flatnonzero(w > 0), np.flatnonzero(w < 0)
        expect[pos[np.argsort(w[pos], kind="stable")[:k_pos]]] = False
        expect[neg[np.argsort(-w[neg], kind="stable")[:k_neg]]] = False
        np.testing.assert_array_equal(keep, expect)
