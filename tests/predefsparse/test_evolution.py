"""SET (sparse evolutionary training): the evolution step and the callback on a real MNIST run."""
import json

import keras
import numpy as np
import pytest

import adjmat
from adjmat import SpecError
from predefsparse import datasets, models
from predefsparse.evolution import SETCallback, evolve


def test_evolve_step_rules():
    pat = adjmat.generate("usn", 30, 20, density=0.2, seed=0)
    w = np.random.default_rng(1).normal(size=pat.W)
    w[:3] = 0.0  # exact zeros are neither positive nor negative: kept
    new, new_w, changed = evolve(pat, w, 0.3, np.random.default_rng(2))
    pos, neg = (w > 0).sum(), (w < 0).sum()
    k = int(0.3 * pos) + int(0.3 * neg)
    assert new.W == pat.W and (new.p, new.n) == (30, 20) and new.kind == "set" and new.meta["set_steps"] == 1
    assert np.all(np.diff(new.right) >= 0)
    assert len(set(zip(new.left.tolist(), new.right.tolist()))) == new.W  # no repeated edge
    old_cells = set(zip(pat.left.tolist(), pat.right.tolist()))
    new_cells = set(zip(new.left.tolist(), new.right.tolist()))
    removed, grown = old_cells - new_cells, new_cells - old_cells
    assert len(removed) == len(grown) == k and int(changed.sum()) == 2 * k
    # removed: the smallest positive and the largest negative weights
    weight = {cell: v for cell, v in zip(zip(pat.left.tolist(), pat.right.tolist()), w)}
    kept = [weight[c] for c in old_cells & new_cells]
    assert max(weight[c] for c in removed if weight[c] > 0) <= min(v for v in kept if v > 0)
    assert min(weight[c] for c in removed if weight[c] < 0) >= max(v for v in kept if v < 0)
    # regrown cells are new (never a just-removed one) and start at zero; kept weights are unchanged
    assert not grown & removed
    value = {cell: v for cell, v in zip(zip(new.left.tolist(), new.right.tolist()), new_w)}
    assert all(value[c] == 0 for c in grown) and all(value[c] == weight[c] for c in old_cells & new_cells)
    again = evolve(pat, w, 0.3, np.random.default_rng(2))[0]
    assert again == new


def test_evolve_keeps_count_when_few_cells_are_free():
    pat = adjmat.generate("usn", 4, 4, density=0.875, seed=0)  # 14 of 16 cells: 2 free
    w = np.random.default_rng(0).normal(size=pat.W)
    new, _, changed = evolve(pat, w, 0.5, np.random.default_rng(0))
    assert new.W == 14 and int(changed.sum()) <= 4


def test_set_callback_on_mnist(tmp_path):
    xtr, ytr = datasets.load("mnist")[:2]
    x, y = xtr[:1024], ytr[:1024]
    model = models.mlp((784, 64, 10), densities=(0.1, 1.0), kind="erdos_renyi", seed=0)
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    before = model.get_layer("junction1").pattern
    cb = SETCallback(zeta=0.3, layers=["junction1"], seed=0)
    model.fit(x, y, batch_size=128, epochs=2, verbose=0, shuffle=False, callbacks=[cb])
    layer = model.get_layer("junction1")
    after = layer.pattern
    assert after.W == before.W and after != before and after.kind == "set" and after.meta["set_steps"] == 2
    assert [h["epoch"] for h in cb.history] == [1, 2] and all(h["replaced"] > 0 for h in cb.history)
    assert [h["step"] for h in cb.history] == [1, 2]
    # the record: removed == added (exact count), split by sign, and the per-input degree summary of the result
    for h in cb.history:
        assert h["layer"] == "junction1" and h["removed"] == h["added"] == h["replaced"] > 0
        assert h["removed_positive"] + h["removed_negative"] == h["removed"] and h["W"] == before.W
    deg = after.out_degrees()
    assert cb.history[-1]["out_degree"] == {"min": int(deg.min()), "max": int(deg.max()),
                                            "mean": float(deg.mean()), "std": float(deg.std()),
                                            "unconnected": int((deg == 0).sum())}
    assert cb.initial["junction1"]["mean"] == pytest.approx(before.W / 784)
    assert cb.patterns() == {"junction1": after}
    record = cb.history_for_records()
    assert json.loads(json.dumps(record)) == record
    assert (record["zeta"], record["seed"], record["layers"], record["epochs"]) == (0.3, 0, ["junction1"], 2)
    assert record["history"] == cb.history
    mask = after.to_mask()
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(layer.mask), mask.astype("float32"))
    assert np.all(keras.ops.convert_to_numpy(layer.kernel)[~mask] == 0)
    slots = [v for v in model.optimizer.variables if tuple(v.shape) == (784, 64)]
    assert len(slots) == 2 and all(np.all(keras.ops.convert_to_numpy(s)[~mask] == 0) for s in slots)
    path = tmp_path / "set.keras"
    model.save(path)
    loaded = keras.models.load_model(path)
    assert loaded.get_layer("junction1").pattern == after
    assert loaded.get_layer("junction1").pattern.kind == "set"


@pytest.mark.parametrize("kwargs, match", [
    (dict(zeta=1.0), "zeta must be"),
    (dict(layers="junction1"), "layers must be"),
    (dict(seed=-2), "seed must be"),
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
    assert a[0] == b[0] and np.array_equal(a[1], b[1]) and np.array_equal(a[2], b[2])
