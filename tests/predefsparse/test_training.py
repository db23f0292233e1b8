"""run_model / sim_net on a real MNIST subset: valtest modes, padding, checkpoints and resume, KL, records,
folder names, the resume rules, divergence, SET patterns and the progress bar."""
import os

import keras
import numpy as np
import pytest

import adjmat
import predefsparse
from adjmat import SpecError
from predefsparse import models
from predefsparse.results import Records, RunFolder, run_name
from predefsparse.training import kl_divergence, run_model, sim_net


@pytest.fixture(scope="module")
def mnist_2000(mnist):
    """2,000 / 500 / 500 real MNIST images (784 features, 10 classes) from predefsparse.datasets."""
    xtr, ytr, xva, yva, xte, yte = mnist
    return xtr[:2000], ytr[:2000], xva[:500], yva[:500], xte[:500], yte[:500]


@pytest.fixture(scope="module")
def mnist_tiny(mnist_2000):
    """600 / 100 / 100 real MNIST images: enough for the folder and resume rules."""
    xtr, ytr, xva, yva, xte, yte = mnist_2000
    return xtr[:600], ytr[:600], xva[:100], yva[:100], xte[:100], yte[:100]


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


def _same_weights(a, b):
    wa, wb = a.get_weights(), b.get_weights()
    assert len(wa) == len(wb)
    for x, y in zip(wa, wb):
        np.testing.assert_array_equal(x, y)


def test_final_run_writes_results_folder(mnist_2000, tmp_path):
    out = tmp_path / "run"
    records, model = run_model(_net(), mnist_2000, valtest=1, epochs=2, batch_size=128, out=out, verbose=0)
    assert isinstance(records, Records)
    # train+val used, test once, x padded 784 -> 800 and y stays at the OUTPUT width 10
    assert records.samples == {"fit": 2500, "eval": 500, "eval_split": "test"}
    assert records.settings["input_pad"] == 800 and records.settings["output_pad"] == 10
    assert 0.5 < records.test["accuracy"] <= 1.0
    assert len(records.history["loss"]) == 2 and "val_loss" not in records.history
    assert records.config == [800, 32, 10] and records.fo == [8, 10] and records.kind == "clash_free"
    assert records.weights == 800 * 8 + 32 * 10 and records.z == [200, 32]
    assert records.status == "done" and records.wall_time_s > 0 and records.folder == str(out)
    assert {"keras", "numpy", "python", "predefsparse"} <= set(records.versions)
    on_disk = Records.load(out / "records.json")
    assert on_disk == records
    # patterns saved and identical to the model's; the model reloads with the same predictions
    saved = sorted(os.listdir(out / "patterns"))
    assert saved == records.patterns == ["1_junction1.npz", "2_junction2.npz"]
    assert adjmat.Pattern.load(out / "patterns" / saved[0]) == model.get_layer("junction1").pattern
    loaded = keras.models.load_model(out / "model.keras")
    x = np.zeros((4, 800), np.float32)
    x[:, :784] = mnist_2000[4][:4]
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert not list(out.glob("checkpoint-*")) and not list(out.glob(".*.tmp")) and not list(out.glob(".tmp-*"))


def test_model_selection_records_best_epoch(mnist_2000, tmp_path):
    records, _ = run_model(_net(), mnist_2000, valtest=0, epochs=3, batch_size=128, out=tmp_path, verbose=0)
    hist = records.history
    assert len(hist["val_accuracy"]) == 3 and records.test is None
    best = records.best["epoch"]
    assert hist["val_accuracy"][best - 1] == max(hist["val_accuracy"]) == records.best["val_accuracy"]
    assert records.samples["fit"] == 2000 and records.samples["eval_split"] == "val"


def test_valtest2_trains_on_train_only(mnist_2000, tmp_path):
    records, _ = run_model(_net(), mnist_2000, valtest=2, epochs=1, batch_size=128, out=tmp_path, verbose=0)
    assert records.samples == {"fit": 2000, "eval": 500, "eval_split": "test"} and records.test is not None


def test_output_padded_with_output_width(mnist_2000, tmp_path):
    net = models.mlp((800, 32, 16), fo=(8, 16), kind="usn", seed=0)
    records, model = run_model(net, mnist_2000, epochs=1, batch_size=128, out=tmp_path, verbose=0)
    assert records.settings["output_pad"] == 16 and records.settings["input_pad"] == 800
    assert model.output_shape == (None, 16) and np.isfinite(records.test["loss"])


@pytest.mark.slow
def test_epoch_step_keeps_remainder_and_resume_is_exact(mnist_2000, tmp_path):
    # epochs=5, epoch_step=2: checkpoints after 2, 4 and 5 (the original dropped epoch 5)
    full, full_model = run_model(_net(), mnist_2000, epochs=5, epoch_step=2, batch_size=256,
                                 out=tmp_path / "full", verbose=0)
    assert len(full.history["loss"]) == 5 and full.epochs_done == 5

    with pytest.raises(KeyboardInterrupt):
        run_model(_net(), mnist_2000, epochs=5, epoch_step=2, batch_size=256, out=tmp_path / "cut", verbose=0,
                  callbacks=[_StopAfter(3)])
    saved = Records.load(tmp_path / "cut" / "records.json")
    assert saved.status == "running" and saved.epochs_done == 2
    assert saved.checkpoint == "checkpoint-e0002.keras"
    assert [p.name for p in (tmp_path / "cut").glob("checkpoint-*")] == ["checkpoint-e0002.keras"]
    assert saved.history["loss"] == full.history["loss"][:2]

    with pytest.raises(SpecError, match=r"already holds a run; ask to resume it \(resume\)"):
        run_model(_net(), mnist_2000, epochs=5, epoch_step=2, batch_size=256, out=tmp_path / "cut", verbose=0)
    with pytest.raises(SpecError, match="settings differ.*batch_size: saved 256, now 128"):
        run_model(_net(), mnist_2000, epochs=5, epoch_step=2, batch_size=128, out=tmp_path / "cut", verbose=0,
                  resume=True)
    resumed, model = run_model(_net(), mnist_2000, epochs=5, epoch_step=2, batch_size=256,
                               out=tmp_path / "cut", verbose=0, resume=True)
    assert resumed.resumed == 1 and resumed.epochs_done == 5
    # same batches, same optimizer state: the resumed run is bit-identical to the uninterrupted one
    assert resumed.history == full.history and resumed.test == full.test
    _same_weights(model, full_model)
    # a finished run is returned as is
    again, _ = run_model(_net(), mnist_2000, epochs=5, epoch_step=2, batch_size=256, out=tmp_path / "cut",
                         verbose=0, resume=True)
    assert again.test == resumed.test


def test_resume_with_another_model_seed_is_refused(mnist_tiny, tmp_path):
    with pytest.raises(KeyboardInterrupt):
        run_model(_net(), mnist_tiny, epochs=3, batch_size=128, out=tmp_path, verbose=0, callbacks=[_StopAfter(1)])
    # the old code silently replaced the given model by the checkpoint's; a different net is a different run
    with pytest.raises(SpecError, match=r"net\.seeds: saved \[0, 0\], now \[99, 99\]"):
        run_model(_net(seed=99), mnist_tiny, epochs=3, batch_size=128, out=tmp_path, verbose=0, resume=True)


@pytest.fixture(scope="module")
def finished_sim_net(mnist_tiny, tmp_path_factory):
    """A finished 1-epoch sim_net run on the tiny MNIST subset (the base of the resume-rule tests)."""
    out = tmp_path_factory.mktemp("base") / "run"
    kwargs = dict(config=(800, 32, 10), fo=(8, 10), kind="clash_free", z=(100, 16), seed=0, l2=1e-4,
                  dataset=mnist_tiny, epochs=1, batch_size=128, lr=1e-3, preprocesses=(), out=out, verbose=0)
    records, model = sim_net(**kwargs)
    return kwargs, records, model


@pytest.mark.parametrize("change, mentions", [
    (dict(kind="usn", z=None), ["kind: saved 'clash_free', now 'usn'"]),
    (dict(config=(800, 64, 10)), ["config: saved [800, 32, 10], now [800, 64, 10]"]),
    (dict(fo=(4, 10)), ["fo: saved [8, 10], now [4, 10]"]),
    (dict(z=(200, 32)), ["z: saved [100, 16], now [200, 32]"]),
    (dict(seed=1), ["seed: saved 0, now 1"]),
    (dict(l2=2e-4), ["l2: saved 0.0001, now 0.0002"]),
    (dict(lr=2e-3), ["lr: saved 0.001, now 0.002"]),
    (dict(batch_size=64), ["batch_size: saved 128, now 64"]),
    (dict(preprocesses=["minmax"]), ["preprocesses: saved [], now ['minmax']"]),
    (dict(fo=None, densities=(0.01, 1.0), kind="usn", z=None), ["densities: saved None, now [0.01, 1.0]"]),
    (dict(type=3), ["options.type: saved None, now 3"]),
    (dict(valtest=2), ["valtest: saved 1, now 2"]),
])
def test_resume_refuses_every_changed_setting(finished_sim_net, change, mentions):
    kwargs, records, _ = finished_sim_net
    with pytest.raises(SpecError) as err:
        sim_net(**{**kwargs, **change}, resume=True)
    msg = str(err.value)
    assert "Cannot resume" in msg and str(kwargs["out"]) in msg
    for m in mentions:
        assert m in msg
    assert Records.load(kwargs["out"] / "records.json") == records  # nothing touched


def test_resume_refuses_another_dataset(finished_sim_net, mnist_tiny):
    kwargs, _, _ = finished_sim_net
    other = tuple(np.asarray(a)[::-1].copy() for a in mnist_tiny)  # same shapes, other samples order
    with pytest.raises(SpecError, match="data_digest: saved"):
        sim_net(**{**kwargs, "dataset": other}, resume=True)
    with pytest.raises(SpecError, match="epochs: saved 1, now 0|epochs must be"):
        sim_net(**{**kwargs, "epochs": 0}, resume=True)


@pytest.mark.slow
def test_resume_with_larger_epochs_continues_a_finished_run(mnist_tiny, tmp_path):
    kwargs = dict(config=(800, 32, 10), fo=(8, 10), dataset=mnist_tiny, batch_size=128, verbose=0, seed=0)
    two, two_model = sim_net(**kwargs, epochs=2, out=tmp_path / "two")
    one, _ = sim_net(**kwargs, epochs=1, out=tmp_path / "grow")
    assert one.status == "done" and one.epochs_done == 1
    with pytest.raises(SpecError, match="epochs: saved 1, now 0|epochs must be a positive"):
        sim_net(**kwargs, epochs=0, out=tmp_path / "grow", resume=True)
    grown, grown_model = sim_net(**kwargs, epochs=2, out=tmp_path / "grow", resume=True)
    assert grown.epochs_done == 2 and grown.settings["epochs"] == 2 and grown.resumed == 1
    assert grown.history == two.history and grown.test == two.test
    _same_weights(grown_model, two_model)
    # a smaller epochs is refused, not silently returned
    with pytest.raises(SpecError, match="epochs: saved 2, now 1"):
        sim_net(**kwargs, epochs=1, out=tmp_path / "grow", resume=True)


def test_same_seed_reproduces(mnist_2000, tmp_path):
    a, _ = run_model(_net(), mnist_2000, epochs=1, batch_size=128, out=tmp_path / "a", verbose=0)
    b, _ = run_model(_net(), mnist_2000, epochs=1, batch_size=128, out=tmp_path / "b", verbose=0)
    assert a.history == b.history and a.test == b.test


def test_steps_per_execution_changes_speed_not_results(mnist_2000, tmp_path):
    one, m1 = run_model(_net(), mnist_2000, epochs=2, batch_size=128, out=tmp_path / "a", verbose=0,
                        steps_per_execution=1)
    many, m32 = run_model(_net(), mnist_2000, epochs=2, batch_size=128, out=tmp_path / "b", verbose=0,
                          steps_per_execution=32)
    assert one.settings["steps_per_execution"] == 1 and many.settings["steps_per_execution"] == 32
    for a, b in zip(m1.get_weights(), m32.get_weights()):
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-5)
    assert one.test["accuracy"] == pytest.approx(many.test["accuracy"], abs=0.002)


def test_progress_bar_total_matches_the_steps(mnist_2000, tmp_path, capsys):
    # 2,500 samples / batch 128 = 20 steps; with 32 steps per call Keras used to print "32/20"
    run_model(_net(), mnist_2000, epochs=1, batch_size=128, out=tmp_path, verbose=1, steps_per_execution=32)
    text = capsys.readouterr().out
    assert "20/20" in text and "32/20" not in text


@pytest.mark.slow
def test_preds_compare_records_clipped_kl(mnist_2000, tmp_path):
    std, _ = sim_net((784, 32, 10), kind="fc", l2=1e-4, dataset=mnist_2000, epochs=1,
                     batch_size=128, preds_compare=1, out=tmp_path / "fc", verbose=0)
    assert std.preds == {"file": "preds.npz", "split": "test"} and std.kl is None
    sparse, _ = sim_net((800, 32, 10), fo=(8, 10), dataset=mnist_2000, epochs=1, batch_size=128,
                        preds_compare=tmp_path / "fc", out=tmp_path / "sp", verbose=0)
    with np.load(tmp_path / "fc" / "preds.npz") as f, np.load(tmp_path / "sp" / "preds.npz") as g:
        expected = kl_divergence(f["preds"], g["preds"])
    assert sparse.kl == pytest.approx(expected) and 0 < sparse.kl < 5
    with pytest.raises(FileNotFoundError, match="no predictions file"):
        sim_net((800, 32, 10), fo=(8, 10), dataset=mnist_2000, epochs=1, preds_compare=tmp_path / "nothing",
                out=tmp_path / "x", verbose=0)


def test_kl_divergence_values():
    p = np.array([[0.25, 0.75]])
    q = np.array([[0.5, 0.5]])
    assert kl_divergence(p, q) == pytest.approx(0.25 * np.log(0.5) + 0.75 * np.log(1.5))
    assert kl_divergence(p, p) == 0.0
    # a zero probability gives a large but finite value (the original returned inf / claimed a [0, 1] range)
    big = kl_divergence(np.array([[0.0, 1.0]]), np.array([[1.0, 0.0]]))
    assert np.isfinite(big) and big > 10


def test_sim_net_records_and_default_folder(mnist_2000, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    records, model = sim_net(dataset=mnist_2000, epochs=1, verbose=0, seed=3)
    assert records.folder == os.path.join("results", run_name(records.settings))
    assert os.path.basename(records.folder).startswith("arrays_net800-100-10_fo50-10_clash_free_e1_")
    assert (tmp_path / records.folder / "records.json").is_file()
    assert records.weights == 41000 and records.settings["l2"] == 8e-5 and records.seed == 3
    assert [j["seed"] for j in records.junctions] == [3, 3] and records.z == [400, 100]
    assert records.densities == [0.5, 1.0] and round(records.overall_density, 3) == 0.506
    assert records.optimizer["config"]["learning_rate"]["class_name"] == "InverseTimeDecay"
    assert records.settings["batch_size"] == 256 and records.settings["valtest"] == 1


@pytest.mark.slow
def test_default_folders_differ_by_dataset_and_epochs(mnist_tiny, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    kwargs = dict(config=(800, 16, 10), fo=(4, 10), batch_size=128, verbose=0, seed=0)
    a, _ = sim_net(dataset=mnist_tiny, epochs=1, **kwargs)
    other = tuple(np.asarray(x)[:300] for x in mnist_tiny)
    b, _ = sim_net(dataset=other, epochs=1, **kwargs)  # another dataset: no "already holds a run"
    c, _ = sim_net(dataset=mnist_tiny, epochs=2, **kwargs)  # more epochs: a new folder, not a collision
    assert len({a.folder, b.folder, c.folder}) == 3
    assert "_e1_" in a.folder and "_e2_" in c.folder
    # resuming with a larger epochs finds the same run with the most epochs (here 2) and continues it
    grown, _ = sim_net(dataset=mnist_tiny, epochs=3, resume=True, **kwargs)
    assert grown.folder == c.folder and grown.epochs_done == 3 and grown.resumed == 1


@pytest.mark.slow
def test_sim_net_fc_default_fo_dropout_and_epsilon(mnist_tiny, tmp_path):
    fc, model = sim_net((784, 16, 10), kind="fc", dataset=mnist_tiny, epochs=1, batch_size=128,
                        out=tmp_path / "fc", verbose=0)
    assert fc.weights == 784 * 16 + 16 * 10 and fc.kind == "fc" and fc.settings["fo"] is None
    dr, model = sim_net((800, 32, 10), fo=(8, 10), dropout=0.25, dataset=mnist_tiny, epochs=1, batch_size=128,
                        out=tmp_path / "dropout", verbose=0)
    rates = [layer.rate for layer in model.layers if isinstance(layer, keras.layers.Dropout)]
    assert rates == [0.25] and dr.settings["dropout"] == 0.25
    er, _ = sim_net((784, 64, 10), kind="erdos_renyi", epsilon=5, dataset=mnist_tiny, epochs=1, batch_size=128,
                    out=tmp_path / "er", verbose=0)
    assert er.kind == "erdos_renyi" and er.settings["epsilon"] == 5.0
    assert 0 < er.densities[0] < 1 and er.weights < 784 * 64 + 64 * 10


def test_preprocesses_by_name(mnist_2000, tmp_path):
    records, _ = run_model(_net(), mnist_2000, epochs=1, batch_size=128, preprocesses=["gaussian"],
                           out=tmp_path, verbose=0)
    assert records.settings["preprocesses"] == ["gaussian"] and np.isfinite(records.test["loss"])


# ---------------------------------------------------------------------------------------------- SET
def test_set_run_saves_final_patterns_and_evolution(mnist_tiny, tmp_path):
    net = models.mlp((784, 64, 10), kind="erdos_renyi", epsilon=5, seed=0)
    initial = net.get_layer("junction1").pattern
    callback = predefsparse.SETCallback(zeta=0.3, seed=0)
    records, model = run_model(net, mnist_tiny, epochs=2, batch_size=128, out=tmp_path, verbose=0,
                               callbacks=[callback])
    final = model.get_layer("junction1").pattern
    assert final.kind == "set" and final != initial
    for name in records.patterns:
        layer = model.get_layer(name.split("_", 1)[1][:-len(".npz")])
        assert adjmat.Pattern.load(tmp_path / "patterns" / name) == layer.pattern
    assert records.junctions[0]["kind"] == "set" and records.junctions[0]["W"] == final.W
    assert records.callbacks == ["SETCallback"]
    if hasattr(callback, "history_for_records"):
        assert records.evolution == [callback.history_for_records()]
    # the saved model holds the same final patterns
    reloaded = keras.models.load_model(tmp_path / "model.keras")
    assert reloaded.get_layer("junction1").pattern == final


# ---------------------------------------------------------------------------------------------- reliability
def test_second_run_into_a_locked_folder_is_refused(mnist_tiny, tmp_path):
    holder = RunFolder(tmp_path / "busy")
    holder.open({"epochs": 1})
    try:
        with pytest.raises(SpecError, match=rf"in use by another run \(pid {os.getpid()}\)") as err:
            run_model(_net(), mnist_tiny, epochs=1, batch_size=128, out=tmp_path / "busy", verbose=0)
        assert str(tmp_path / "busy") in str(err.value)
    finally:
        holder.close()


def test_divergence_is_an_error_with_status_recorded(mnist_tiny, tmp_path):
    with pytest.raises(predefsparse.DivergenceError, match="smaller learning rate") as err:
        sim_net((800, 32, 10), fo=(8, 10), lr=1e30, decay=0, dataset=mnist_tiny, epochs=2, batch_size=64,
                out=tmp_path, verbose=0)
    assert isinstance(err.value, ArithmeticError)
    assert "diverged" in str(err.value) and "epoch 1" in str(err.value)
    saved = Records.load(tmp_path / "records.json")
    assert saved.status == "diverged" and saved.divergence["epoch"] == 1
    assert saved.divergence["step"] is None or 1 <= saved.divergence["step"] <= 11
    assert saved.epochs_done == 0 and not (tmp_path / "model.keras").exists()
    # a diverged run is not resumed into the same failure
    with pytest.raises(SpecError, match="diverged"):
        sim_net((800, 32, 10), fo=(8, 10), lr=1e30, decay=0, dataset=mnist_tiny, epochs=2, batch_size=64,
                out=tmp_path, verbose=0, resume=True)


def test_divergence_keeps_the_last_finite_checkpoint(mnist_tiny, tmp_path):
    # a finite first epoch, then a learning rate that blows up (Keras's own scheduler callback)
    net = _net()
    boom = keras.callbacks.LearningRateScheduler(lambda epoch, lr: 1e-3 if epoch == 0 else 1e30)
    with pytest.raises(predefsparse.DivergenceError):
        run_model(net, mnist_tiny, epochs=3, batch_size=64, out=tmp_path, verbose=0,
                  optimizer=keras.optimizers.Adam(1e-3), callbacks=[boom])
    saved = Records.load(tmp_path / "records.json")
    assert saved.status == "diverged" and saved.divergence["epoch"] == 2 and saved.epochs_done == 1
    assert saved.checkpoint == "checkpoint-e0001.keras"
    kept = keras.models.load_model(tmp_path / saved.checkpoint)
    assert all(np.isfinite(w).all() for w in kept.get_weights())
    assert len(saved.history["loss"]) == 1 and np.isfinite(saved.history["loss"][0])


@pytest.mark.slow
def test_torn_latest_checkpoint_falls_back_to_the_previous(mnist_tiny, tmp_path):
    full, full_model = run_model(_net(), mnist_tiny, epochs=3, batch_size=128, out=tmp_path / "full", verbose=0)
    with pytest.raises(KeyboardInterrupt):
        run_model(_net(), mnist_tiny, epochs=3, batch_size=128, out=tmp_path / "cut", verbose=0,
                  callbacks=[_StopAfter(2)])
    names = sorted(p.name for p in (tmp_path / "cut").glob("checkpoint-*"))
    assert names == ["checkpoint-e0001.keras", "checkpoint-e0002.keras"]  # the previous one is kept
    latest = tmp_path / "cut" / "checkpoint-e0002.keras"
    latest.write_bytes(latest.read_bytes()[: latest.stat().st_size // 2])  # torn
    with pytest.warns(RuntimeWarning, match="checkpoint-e0001"):
        resumed, model = run_model(_net(), mnist_tiny, epochs=3, batch_size=128, out=tmp_path / "cut", verbose=0,
                                   resume=True)
    assert resumed.history == full.history and resumed.test == full.test
    _same_weights(model, full_model)


def test_stale_temp_files_are_removed_and_torn_records_named(mnist_tiny, tmp_path):
    out = tmp_path / "run"
    with pytest.raises(KeyboardInterrupt):
        run_model(_net(), mnist_tiny, epochs=2, batch_size=128, out=out, verbose=0, callbacks=[_StopAfter(1)])
    stale = [out / ".tmp-999999-checkpoint-e0002.keras", out / ".records.json.abc123.tmp",
             out / ".checkpoint-e0002.keras.x1y2.tmp", out / "patterns" / ".1_junction1.npz.q.tmp"]
    for path in stale:
        path.write_bytes(b"half a file")
    records, _ = run_model(_net(), mnist_tiny, epochs=2, batch_size=128, out=out, verbose=0, resume=True)
    assert records.status == "done" and not any(p.exists() for p in stale)
    # a truncated records.json is an error that names the file
    text = (out / "records.json").read_text()
    (out / "records.json").write_text(text[: len(text) // 2])
    with pytest.raises(SpecError, match=r"records.json'. It is not valid JSON"):
        run_model(_net(), mnist_tiny, epochs=2, batch_size=128, out=out, verbose=0, resume=True)


def test_out_naming_an_existing_file_or_foreign_folder_is_refused(mnist_tiny, tmp_path):
    file = tmp_path / "notes.txt"
    file.write_text("mine")
    with pytest.raises(SpecError, match="is an existing file"):
        run_model(_net(), mnist_tiny, epochs=1, batch_size=128, out=file, verbose=0)
    assert file.read_text() == "mine"
    with pytest.raises(SpecError, match=r"holding other files \(notes.txt\)"):
        run_model(_net(), mnist_tiny, epochs=1, batch_size=128, out=tmp_path, verbose=0)


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
def test_run_model_validation(mnist_2000, tmp_path, kwargs, match):
    kwargs.setdefault("dataset", mnist_2000)
    with pytest.raises(SpecError, match=match):
        run_model(_net(), out=tmp_path, verbose=0, epochs=kwargs.pop("epochs", 1), **kwargs)
