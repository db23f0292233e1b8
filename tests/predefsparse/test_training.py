"""run_model / sim_net on a real MNIST subset: valtest modes, padding, checkpoints and resume, KL, records."""
import json
import os

import keras
import numpy as np
import pytest

import adjmat
from adjmat import SpecError
from predefsparse import datasets, models
from predefsparse.training import kl_divergence, results_name, run_model, sim_net


@pytest.fixture(scope="module")
def mnist_small():
    """2,000 / 500 / 500 real MNIST images (784 features, 10 classes) from predefsparse.datasets."""
    xtr, ytr, xva, yva, xte, yte = datasets.load("mnist")
    return xtr[:2000], ytr[:2000], xva[:500], yva[:500], xte[:500], yte[:500]


def _net(seed=0, config=(800, 32, 10), fo=(8, 10), kind="clash_free"):
    return models.mlp(config, fo=fo, kind=kind, seed=seed, l2=1e-4)


class _StopAfter(keras.callbacks.Callback):
    """Simulate an interruption (Ctrl-C) at the end of a given epoch."""

    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 == self.epoch:
            raise KeyboardInterrupt


def test_final_run_writes_results_folder(mnist_small, tmp_path):
    out = tmp_path / "run"
    records, model = run_model(_net(), mnist_small, valtest=1, epochs=2, batch_size=128, out=out, verbose=0)
    # train+val used, test once, x padded 784 -> 800 and y stays at the OUTPUT width 10
    assert records["samples"] == {"fit": 2500, "eval": 500, "eval_split": "test"}
    assert records["settings"]["input_pad"] == 800 and records["settings"]["output_pad"] == 10
    assert 0.5 < records["test"]["accuracy"] <= 1.0
    assert len(records["history"]["loss"]) == 2 and "val_loss" not in records["history"]
    assert records["config"] == [800, 32, 10] and records["fo"] == [8, 10] and records["kind"] == "clash_free"
    assert records["weights"] == 800 * 8 + 32 * 10 and records["z"] == [200, 32]
    assert records["status"] == "done" and records["wall_time_s"] > 0
    assert {"keras", "numpy", "python", "predefsparse"} <= set(records["versions"])
    on_disk = json.loads((out / "records.json").read_text())
    assert on_disk["test"] == records["test"]
    # patterns saved and identical to the model's; the model reloads with the same predictions
    saved = sorted(os.listdir(out / "patterns"))
    assert saved == ["1_junction1.npz", "2_junction2.npz"]
    assert adjmat.Pattern.load(out / "patterns" / saved[0]) == model.get_layer("junction1").pattern
    loaded = keras.models.load_model(out / "model.keras")
    x = np.zeros((4, 800), np.float32)
    x[:, :784] = mnist_small[4][:4]
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert not list(out.glob("checkpoint-*"))


def test_model_selection_records_best_epoch(mnist_small, tmp_path):
    records, _ = run_model(_net(), mnist_small, valtest=0, epochs=3, batch_size=128, out=tmp_path, verbose=0)
    hist = records["history"]
    assert len(hist["val_accuracy"]) == 3 and "test" not in records
    best = records["best"]["epoch"]
    assert hist["val_accuracy"][best - 1] == max(hist["val_accuracy"]) == records["best"]["val_accuracy"]
    assert records["samples"]["fit"] == 2000 and records["samples"]["eval_split"] == "val"


def test_valtest2_trains_on_train_only(mnist_small, tmp_path):
    records, _ = run_model(_net(), mnist_small, valtest=2, epochs=1, batch_size=128, out=tmp_path, verbose=0)
    assert records["samples"] == {"fit": 2000, "eval": 500, "eval_split": "test"} and "test" in records


def test_output_padded_with_output_width(mnist_small, tmp_path):
    net = models.mlp((800, 32, 16), fo=(8, 16), kind="usn", seed=0)
    records, model = run_model(net, mnist_small, epochs=1, batch_size=128, out=tmp_path, verbose=0)
    assert records["settings"]["output_pad"] == 16 and records["settings"]["input_pad"] == 800
    assert model.output_shape == (None, 16) and np.isfinite(records["test"]["loss"])


def test_epoch_step_keeps_remainder_and_resume_is_exact(mnist_small, tmp_path):
    # epochs=5, epoch_step=2: checkpoints after 2, 4 and 5 (the original dropped epoch 5)
    full, full_model = run_model(_net(), mnist_small, epochs=5, epoch_step=2, batch_size=256,
                                 out=tmp_path / "full", verbose=0)
    assert len(full["history"]["loss"]) == 5 and full["epochs_done"] == 5

    with pytest.raises(KeyboardInterrupt):
        run_model(_net(), mnist_small, epochs=5, epoch_step=2, batch_size=256, out=tmp_path / "cut", verbose=0,
                  callbacks=[_StopAfter(3)])
    saved = json.loads((tmp_path / "cut" / "records.json").read_text())
    assert saved["status"] == "running" and saved["epochs_done"] == 2
    assert saved["checkpoint"] == "checkpoint-e0002.keras"
    assert [p.name for p in (tmp_path / "cut").glob("checkpoint-*")] == ["checkpoint-e0002.keras"]
    assert saved["history"]["loss"] == full["history"]["loss"][:2]

    with pytest.raises(SpecError, match="already holds a run"):
        run_model(_net(), mnist_small, epochs=5, epoch_step=2, batch_size=256, out=tmp_path / "cut", verbose=0)
    with pytest.raises(SpecError, match="settings differ"):
        run_model(_net(), mnist_small, epochs=5, epoch_step=2, batch_size=128, out=tmp_path / "cut", verbose=0,
                  resume=True)
    resumed, model = run_model(_net(seed=99), mnist_small, epochs=5, epoch_step=2, batch_size=256,
                               out=tmp_path / "cut", verbose=0, resume=True)
    assert resumed["resumed"] == 1 and resumed["epochs_done"] == 5
    # same batches, same optimizer state: the resumed run is bit-identical to the uninterrupted one
    assert resumed["history"] == full["history"] and resumed["test"] == full["test"]
    for a, b in zip(model.get_weights(), full_model.get_weights()):
        np.testing.assert_array_equal(a, b)
    # a finished run is returned as is
    again, _ = run_model(_net(), mnist_small, epochs=5, epoch_step=2, batch_size=256, out=tmp_path / "cut",
                         verbose=0, resume=True)
    assert again["test"] == resumed["test"]


def test_same_seed_reproduces(mnist_small, tmp_path):
    a, _ = run_model(_net(), mnist_small, epochs=1, batch_size=128, out=tmp_path / "a", verbose=0)
    b, _ = run_model(_net(), mnist_small, epochs=1, batch_size=128, out=tmp_path / "b", verbose=0)
    assert a["history"] == b["history"] and a["test"] == b["test"]


def test_steps_per_execution_changes_speed_not_results(mnist_small, tmp_path):
    one, m1 = run_model(_net(), mnist_small, epochs=2, batch_size=128, out=tmp_path / "a", verbose=0,
                        steps_per_execution=1)
    many, m32 = run_model(_net(), mnist_small, epochs=2, batch_size=128, out=tmp_path / "b", verbose=0,
                          steps_per_execution=32)
    assert one["settings"]["steps_per_execution"] == 1 and many["settings"]["steps_per_execution"] == 32
    for a, b in zip(m1.get_weights(), m32.get_weights()):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-5)
    assert one["test"]["accuracy"] == pytest.approx(many["test"]["accuracy"], abs=0.002)


def test_preds_compare_records_clipped_kl(mnist_small, tmp_path):
    std, _ = sim_net((784, 32, 10), fo=None, kind="fc", l2_val=1e-4, dataset=mnist_small, epochs=1,
                     batch_size=128, preds_compare=1, out=tmp_path / "fc", verbose=0)
    assert std["preds"] == {"file": "preds.npz", "split": "test"} and "kl" not in std
    sparse, _ = sim_net((800, 32, 10), fo=(8, 10), dataset=mnist_small, epochs=1, batch_size=128,
                        preds_compare=tmp_path / "fc", out=tmp_path / "sp", verbose=0)
    with np.load(tmp_path / "fc" / "preds.npz") as f, np.load(tmp_path / "sp" / "preds.npz") as g:
        expected = kl_divergence(f["preds"], g["preds"])
    assert sparse["kl"] == pytest.approx(expected) and 0 < sparse["kl"] < 5
    with pytest.raises(FileNotFoundError, match="no predictions file"):
        sim_net((800, 32, 10), fo=(8, 10), dataset=mnist_small, epochs=1, preds_compare=tmp_path / "nothing",
                out=tmp_path / "x", verbose=0)


def test_kl_divergence_values():
    p = np.array([[0.25, 0.75]])
    q = np.array([[0.5, 0.5]])
    assert kl_divergence(p, q) == pytest.approx(0.25 * np.log(0.5) + 0.75 * np.log(1.5))
    assert kl_divergence(p, p) == 0.0
    # a zero probability gives a large but finite value (the original returned inf / claimed a [0, 1] range)
    big = kl_divergence(np.array([[0.0, 1.0]]), np.array([[1.0, 0.0]]))
    assert np.isfinite(big) and big > 10


def test_sim_net_records_and_default_folder(mnist_small, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    records, model = sim_net(dataset=mnist_small, epochs=1, verbose=0, seed=3)
    name = results_name((800, 100, 10), (50, 10), 8e-5, "clash_free", seed=3)
    assert (tmp_path / "results" / name / "records.json").is_file()
    assert records["weights"] == 41000 and records["l2"] == 8e-5 and records["seed"] == 3
    assert [j["seed"] for j in records["junctions"]] == [3, 3] and records["z"] == [400, 100]
    assert records["densities"] == [0.5, 1.0] and round(records["overall_density"], 3) == 0.506
    assert records["optimizer"]["config"]["learning_rate"]["class_name"] == "InverseTimeDecay"
    assert records["settings"]["batch_size"] == 256 and records["settings"]["valtest"] == 1


def test_preprocesses_by_name(mnist_small, tmp_path):
    records, _ = run_model(_net(), mnist_small, epochs=1, batch_size=128, preprocesses=["gaussian"],
                           out=tmp_path, verbose=0)
    assert records["settings"]["preprocesses"] == ["gaussian"] and np.isfinite(records["test"]["loss"])


@pytest.mark.parametrize("kwargs, match", [
    (dict(valtest=3), "valtest must be one of"),
    (dict(epochs=0), "epochs must be a positive integer"),
    (dict(epoch_step=0), "epoch_step must be"),
    (dict(batch_size=-1), "batch_size must be"),
    (dict(steps_per_execution=0), "steps_per_execution must be a positive integer"),
    (dict(preds_compare=2), "preds_compare must be"),
    (dict(input_pad=700), "input_pad must be at least the data width 784"),
    (dict(resume=True, overwrite=True), "exclude each other"),
    (dict(seed=np.random.default_rng(0)), "seed must be"),
    (dict(dataset=42), "dataset must be"),
])
def test_run_model_validation(mnist_small, tmp_path, kwargs, match):
    kwargs.setdefault("dataset", mnist_small)
    with pytest.raises(SpecError, match=match):
        run_model(_net(), out=tmp_path, verbose=0, epochs=kwargs.pop("epochs", 1), **kwargs)
