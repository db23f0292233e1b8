"""predefsparse.results: Records (schema, JSON round trip, validation) and RunFolder (lock, modes, refusals,
stale temps, checkpoints) -- without training, except one tiny real model for the checkpoint protocol."""
import json
import os

import keras
import numpy as np
import pytest

from adjmat import SpecError
from predefsparse import models
from predefsparse.results import SCHEMA, Records, RunFolder, run_name, settings_hash


def _records(**kw):
    base = dict(settings={"epochs": 2, "seed": 0, "dataset": "mnist"}, epochs_done=2, status="done",
                history={"loss": [0.5, 0.4], "accuracy": [0.8, 0.9]}, test={"loss": 0.3, "accuracy": 0.91},
                config=[8, 4, 2], fo=[2, 2], kind="usn", densities=[0.25, 1.0], weights=16)
    base.update(kw)
    return Records(**base)


def test_records_round_trip_through_json(tmp_path):
    rec = _records(kl=0.25, evolution=[{"rule": "SET"}], patterns=["1_junction1.npz"])
    data = json.loads(json.dumps(rec.to_dict()))
    assert data["schema"] == SCHEMA == "predefsparse.records/3"
    assert Records.from_dict(data) == rec
    with RunFolder(tmp_path / "run") as folder:
        folder.open(rec.settings)
        folder.write_records(rec)
    assert Records.load(tmp_path / "run" / "records.json") == rec


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d.pop("status"), "missing key(s) status"),
    (lambda d: d.update(extra=1), "unknown key(s) extra"),
    (lambda d: d.update(schema="predefsparse.records/1"), "schema 'predefsparse.records/1'"),
    (lambda d: d.update(status="finished"), "status must be one of"),
    (lambda d: d.update(epochs_done=True), "epochs_done must be a non-negative int"),
    (lambda d: d.update(history={"loss": [0.5]}), "history['loss'] has 1 entries for 2 epochs done"),
    (lambda d: d.update(history={"loss": ["a", "b"]}), "history must be an object of per-epoch number lists"),
    (lambda d: d.update(checkpoint="../model.keras"), "checkpoint must be a checkpoint-eNNNN.keras file name"),
    (lambda d: d.update(weights=-1), "weights must be a non-negative int"),
])
def test_records_validation_names_the_file_and_field(mutate, message):
    data = _records().to_dict()
    mutate(data)
    with pytest.raises(SpecError, match="data must be a valid records file; received data='run/records.json'") \
            as err:
        Records.from_dict(data, origin="run/records.json")
    assert message in str(err.value) and err.value.param == "data"


def test_records_load_refuses_damaged_files(tmp_path):
    path = tmp_path / "records.json"
    text = json.dumps(_records().to_dict())
    for damaged, message in ((text[: len(text) // 2], "not valid JSON"), ("", "is empty"),
                             ("[1, 2]", "expected a JSON object, found list"),
                             (text.replace('"kl": null', '"kl": NaN'), "NaN is not JSON"),
                             (b"\xff\xfe{", "must be a UTF-8 records file")):
        if isinstance(damaged, bytes):
            path.write_bytes(damaged)
        else:
            path.write_text(damaged)
        with pytest.raises(SpecError, match=message) as err:
            Records.load(path)
        assert str(path) in str(err.value)


def test_records_write_non_finite_values_as_null(tmp_path):
    """Strict JSON: a missing or non-finite number is null, never a bare NaN that JSON parsers refuse."""
    rec = _records(kl=float("nan"))
    assert rec.to_dict()["kl"] is None
    with RunFolder(tmp_path / "run") as folder:
        folder.open(rec.settings)
        folder.write_records(rec)
    text = (tmp_path / "run" / "records.json").read_text()
    assert json.loads(text, parse_constant=lambda c: pytest.fail(c))["kl"] is None


def test_run_name_has_dataset_epochs_and_hash():
    s = {"dataset": "/data/fashion-mnist.npz", "config": [784, 100, 10], "fo": [50, 10], "kind": "usn",
         "epochs": 5, "seed": 0, "l2": 8e-5}
    name = run_name(s)
    assert name.startswith("fashion-mnist_net784-100-10_fo50-10_usn_e5_") and len(name.rsplit("_", 1)[1]) == 8
    changes = [{"dataset": "mnist"}, {"epochs": 6}, {"seed": 1}, {"l2": 1e-4}, {"lr": 1e-3}, {"kind": "random"}]
    names = {run_name({**s, **c}) for c in changes} | {name}
    assert len(names) == len(changes) + 1
    # the hash ignores epochs (so a longer run of the same settings is found), nothing else
    assert settings_hash(s) == settings_hash({**s, "epochs": 50}) != settings_hash({**s, "seed": 1})
    assert settings_hash({"a": 1, "b": 2}) == settings_hash({"b": 2, "a": 1})


def test_run_folder_modes_and_refusals(tmp_path):
    path = tmp_path / "run"
    settings = {"epochs": 2, "seed": 0, "kind": "usn", "options": {"type": 2}}
    with RunFolder(path) as folder:
        assert folder.open(settings) == "fresh" and folder.locked
        folder.write_records(_records(settings=settings, status="running", epochs_done=0, history={}, test=None))
    assert not folder.locked
    with pytest.raises(SpecError, match="out must be a folder holding no run.*already holds a run; ask to resume it"):
        RunFolder(path).open(settings)
    with pytest.raises(SpecError) as err:
        RunFolder(path).open({**settings, "seed": 1, "kind": "random", "options": {"type": 3}}, resume=True)
    msg = str(err.value)
    assert "seed: saved 0, now 1" in msg and "kind: saved 'usn', now 'random'" in msg
    assert "options.type: saved 2, now 3" in msg
    # killed before its first checkpoint: nothing to continue, so a resume starts afresh
    with RunFolder(path) as folder:
        assert folder.open(settings, resume=True) == "fresh"
        assert not (path / "records.json").exists()
        folder.write_records(_records(settings=settings))
    with RunFolder(path) as folder:
        assert folder.open(settings, resume=True) == "done"
    with RunFolder(path) as folder:
        assert folder.open({**settings, "epochs": 5}, resume=True) == "extend"
    with pytest.raises(SpecError, match="epochs: saved 2, now 1"):
        RunFolder(path).open({**settings, "epochs": 1}, resume=True)
    with RunFolder(path) as folder:
        assert folder.open(settings, overwrite=True) == "fresh" and sorted(os.listdir(path)) == [".lock"]


def test_run_folder_lock_is_exclusive_and_released(tmp_path):
    first = RunFolder(tmp_path)
    first.open({"epochs": 1})
    assert (tmp_path / ".lock").read_text().strip() == str(os.getpid())
    with pytest.raises(SpecError, match=rf"{tmp_path}.* is in use by another run \(pid {os.getpid()}\)"):
        RunFolder(tmp_path).open({"epochs": 1})
    first.close()
    with RunFolder(tmp_path) as again:
        assert again.open({"epochs": 1}) == "fresh"


def test_run_folder_removes_stale_temps_only(tmp_path):
    stale = [".tmp-12345-checkpoint-e0003.keras", ".records.json.k2j3.tmp", ".model.keras.x.tmp",
             ".preds.npz.y.tmp", os.path.join("patterns", ".1_junction1.npz.z.tmp")]
    (tmp_path / "patterns").mkdir()
    for name in stale:
        (tmp_path / name).write_bytes(b"torn")
    with RunFolder(tmp_path) as folder:
        folder.open({"epochs": 1})
    assert not any((tmp_path / name).exists() for name in stale)


def test_run_folder_refuses_files_and_foreign_folders(tmp_path):
    (tmp_path / "a.txt").write_text("x")
    with pytest.raises(SpecError, match="is an existing file"):
        RunFolder(tmp_path / "a.txt").open({})
    with pytest.raises(SpecError, match=r"holding other files \(a.txt\)"):
        RunFolder(tmp_path).open({})
    assert (tmp_path / "a.txt").read_text() == "x"


def test_checkpoints_keep_the_previous_until_the_next_is_verified(tmp_path):
    model = models.mlp((8, 4, 2), fo=(2, 2), kind="usn", seed=0)
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    rec = Records(settings={"epochs": 3})
    with RunFolder(tmp_path) as folder:
        folder.open(rec.settings)
        for epoch in (1, 2, 3):
            rec.epochs_done = epoch
            folder.checkpoint(model, rec)
        names = sorted(os.path.basename(p) for p in folder.checkpoints())
        assert names == ["checkpoint-e0002.keras", "checkpoint-e0003.keras"]
        assert (rec.checkpoint, rec.previous_checkpoint) == ("checkpoint-e0003.keras", "checkpoint-e0002.keras")
        assert Records.load(tmp_path / "records.json").checkpoint == "checkpoint-e0003.keras"
        latest = tmp_path / "checkpoint-e0003.keras"
        latest.write_bytes(latest.read_bytes()[:500])
        rec.history = {"loss": [1.0, 0.9, 0.8]}
        with pytest.warns(RuntimeWarning, match="resuming from checkpoint-e0002.keras"):
            restored, epochs = folder.restore(rec)
        assert epochs == 2 and rec.epochs_done == 2 and rec.history == {"loss": [1.0, 0.9]}
        for a, b in zip(restored.get_weights(), model.get_weights()):
            np.testing.assert_array_equal(a, b)
        (tmp_path / "checkpoint-e0002.keras").write_bytes(b"")
        with pytest.raises(SpecError, match="no loadable checkpoint"):
            folder.restore(Records(settings={}, checkpoint="checkpoint-e0002.keras"))
        folder.finish(model, rec)
    assert sorted(os.listdir(tmp_path)) == [".lock", "model.keras", "patterns", "records.json"]
    assert isinstance(keras.models.load_model(tmp_path / "model.keras"), keras.Model)


def _checkpointed(path, epochs=2):
    """A run folder holding checkpoints of a tiny model after ``epochs`` epochs, closed; returns its records."""
    model = models.mlp((8, 4, 2), fo=(2, 2), kind="usn", seed=0)
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    rec = Records(settings={"epochs": 5}, history={"loss": [1.0] * epochs})
    with RunFolder(path) as folder:
        folder.open(rec.settings)
        for epoch in range(1, epochs + 1):
            rec.epochs_done = epoch
            folder.checkpoint(model, rec)
    return rec


def test_checkpoints_carry_digests_and_a_symlink_out_of_the_folder_is_never_resumed(tmp_path):
    """Issue 19.4: a checkpoint swapped for a symlink to another run's file used to be resumed from, so the run
    reported another run's training as its own."""
    run, other = tmp_path / "run", tmp_path / "other"
    rec = _checkpointed(run)
    _checkpointed(other, epochs=3)
    saved = Records.load(run / "records.json")
    assert set(saved.digests) == {"checkpoint-e0001.keras", "checkpoint-e0002.keras"}
    assert all(len(d) == 64 for d in saved.digests.values())
    for name in ("checkpoint-e0001.keras", "checkpoint-e0002.keras"):
        (run / name).unlink()
        (run / name).symlink_to(other / "checkpoint-e0003.keras")
    with RunFolder(run) as folder:
        assert folder.open(rec.settings, resume=True) == "resume"
        with pytest.raises(SpecError, match="no loadable checkpoint") as err:
            folder.restore(folder.previous)
    assert "outside the folder" in str(err.value) and err.value.param == "out"


def test_a_replaced_checkpoint_is_not_resumed_from_and_the_previous_one_is(tmp_path):
    run = tmp_path / "run"
    rec = _checkpointed(run)
    other = models.mlp((8, 4, 2), fo=(2, 2), kind="usn", seed=1)
    other.compile(optimizer="adam", loss="categorical_crossentropy")
    other.save(tmp_path / "other.keras")
    (run / "checkpoint-e0002.keras").write_bytes((tmp_path / "other.keras").read_bytes())  # valid, not this run's
    with RunFolder(run) as folder:
        folder.open(rec.settings, resume=True)
        with pytest.warns(RuntimeWarning, match="checkpoint-e0002.keras .*SHA-256 differs"):
            _, epochs = folder.restore(folder.previous)
        assert epochs == 1


def test_a_fifo_records_file_is_refused_without_blocking(tmp_path):
    """Issue 19: a records.json that is a FIFO made `run --resume` block for ever."""
    import threading
    os.mkfifo(tmp_path / "records.json")
    outcome = {}

    def resume():
        try:
            RunFolder(tmp_path).open({"epochs": 1}, resume=True)
        except SpecError as err:
            outcome["err"] = err

    t = threading.Thread(target=resume, daemon=True)
    t.start()
    t.join(10)
    assert not t.is_alive(), "opening a run whose records.json is a FIFO blocked"
    assert outcome["err"].param == "out" and "FIFO" in str(outcome["err"])


def test_a_replaced_final_model_is_refused(tmp_path):
    model = models.mlp((8, 4, 2), fo=(2, 2), kind="usn", seed=0)
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    rec = _records(settings={"epochs": 2})
    with RunFolder(tmp_path) as folder:
        folder.open(rec.settings)
        folder.finish(model, rec)
    saved = Records.load(tmp_path / "records.json")
    assert {"model.keras", "patterns/1_junction1.npz", "patterns/2_junction2.npz"} <= set(saved.digests)
    with RunFolder(tmp_path) as folder:
        assert folder.open(rec.settings, resume=True) == "done"
        assert isinstance(folder.load_model(folder.previous), keras.Model)
        other = models.mlp((8, 4, 2), fo=(2, 2), kind="usn", seed=1)
        other.save(tmp_path / "other.keras")
        os.replace(tmp_path / "other.keras", tmp_path / "model.keras")
        with pytest.raises(SpecError, match="model.keras is not the file this run wrote"):
            folder.load_model(folder.previous)
