"""Two runs into one folder at once, and runs killed (SIGKILL) at chosen points, each in its own process.

Concurrency: exactly one run proceeds, the other is refused naming the folder and the holder's pid, and the
surviving folder is consistent.  Faults: every killed run resumes to weights bit-identical to an uninterrupted
run.  The child process is tests/predefsparse/run_child.py (real MNIST, a tiny net, 3 epochs).
"""
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import keras
import numpy as np
import pytest

import adjmat
from predefsparse.results import Records
from predefsparse.training import run_model

from . import run_child

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _spawn(*args):
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": str(REPO)}
    return subprocess.Popen([sys.executable, "-m", "tests.predefsparse.run_child", *map(str, args)], cwd=REPO,
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _result(proc, timeout=300):
    out, err = proc.communicate(timeout=timeout)
    lines = [line for line in out.splitlines() if line.startswith("{")]
    return proc.returncode, (json.loads(lines[-1]) if lines else None), err


@pytest.fixture(scope="module")
def arrays():
    return run_child.data()  # also builds MNIST in the session's data folder before any child needs it


@pytest.fixture(scope="module")
def reference(arrays, tmp_path_factory):
    """The uninterrupted run the killed ones must match bit for bit."""
    _, model = run_model(run_child.net(0), arrays, out=tmp_path_factory.mktemp("ref") / "run", **run_child.RUN)
    return model.get_weights()


def _assert_consistent(folder: Path, seed: int):
    records = Records.load(folder / "records.json")
    model = keras.models.load_model(folder / "model.keras")
    assert records.status == "done" and records.seed == 0  # the data-order seed of run_child
    assert [j["seed"] for j in records.junctions] == [seed, seed]
    for name in records.patterns:
        saved = adjmat.Pattern.load(folder / "patterns" / name)
        layer = model.get_layer(name.split("_", 1)[1][:-len(".npz")])
        assert saved == layer.pattern and saved.seed == seed
    assert sorted(os.listdir(folder)) == [".lock", "model.keras", "patterns", "records.json"]


def test_two_runs_into_one_folder_exactly_one_runs(arrays, tmp_path):
    for attempt in range(3):
        out, ready, go = tmp_path / f"run{attempt}", tmp_path / f"ready{attempt}", tmp_path / f"go{attempt}"
        procs = [_spawn("--out", out, "--seed", seed, "--epochs", 2, "--ready", f"{ready}{seed}", "--go", go)
                 for seed in (0, 1)]
        deadline = time.monotonic() + 300
        while not all(Path(f"{ready}{seed}").exists() for seed in (0, 1)):
            assert time.monotonic() < deadline and all(p.poll() is None for p in procs), "children not ready"
            time.sleep(0.05)
        go.touch()
        results = [_result(p) for p in procs]
        outcomes = sorted(r[1]["outcome"] for r in results if r[1])
        assert outcomes == ["ran", "refused"], [r[2][-2000:] for r in results]
        (winner_seed, winner), = [(s, r) for s, r in zip((0, 1), results) if r[1]["outcome"] == "ran"]
        (loser,) = [r for r in results if r[1]["outcome"] == "refused"]
        assert winner[0] == 0 and loser[0] == 3
        message = loser[1]["message"]
        assert "in use by another run" in message and str(out) in message
        assert f"pid {winner[1]['pid']}" in message
        _assert_consistent(out, winner_seed)


@pytest.mark.parametrize("kill_at, truncate", [
    ("checkpoint-write:2", False),
    ("after-checkpoint:2", False),
    ("after-checkpoint:2", True),
    ("final-save", False),
])
def test_killed_run_resumes_bit_identically(arrays, reference, tmp_path, kill_at, truncate):
    out = tmp_path / "run"
    code, _, err = _result(_spawn("--out", out, "--kill-at", kill_at))
    assert code == -9, err[-2000:]  # killed, as planned
    left = sorted(os.listdir(out))
    assert "records.json" in left and "model.keras" not in left
    if truncate:  # the latest checkpoint torn: resume must fall back to the one before it
        latest = out / "checkpoint-e0002.keras"
        latest.write_bytes(latest.read_bytes()[:1000])
    records, model = run_model(run_child.net(0), arrays, out=out, resume=True, **run_child.RUN)
    assert records.status == "done" and records.epochs_done == 3 and records.resumed == 1
    for got, want in zip(model.get_weights(), reference):
        np.testing.assert_array_equal(got, want)
    # no temp file of the killed writer is left, and the folder is consistent
    _assert_consistent(out, 0)
    shutil.rmtree(out)
