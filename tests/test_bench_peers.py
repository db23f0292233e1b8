"""bench/_peers.py's host half (numpy only): bad cases refused up front, a missing or torch-less peers' Python
named in the error.  The runner itself needs torch and SparseProp, which CI does not install."""
from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import numpy as np
import pytest

BENCH = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "bench")
_spec = importlib.util.spec_from_file_location("_peers", os.path.join(BENCH, "_peers.py"))
peers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(peers)


def _case(**change):
    rng = np.random.default_rng(0)
    case = dict(left=np.array([0, 3, 1, 2, 0], np.int32), right=np.array([0, 0, 1, 2, 2], np.int32),
                values=np.array([0.0, 1, 2, 3, 4], np.float32), x=rng.standard_normal((4, 4)).astype(np.float32),
                y=rng.standard_normal((4, 3)).astype(np.float32), p=4, n=3)
    case.update(change)
    return case


@pytest.mark.parametrize("change, message", [
    (dict(p=0), "p must be a positive integer; received 0"),
    (dict(repeats=True), "repeats must be a positive integer; received True"),
    (dict(left=np.array([0, 3, 1, 2, 4])), "left must lie in [0, 4); received values in [0, 4]"),
    (dict(right=np.array([0, 2, 1, 2, 2])), "sorted by right (output neuron); received right[1] = 2 before right[2]"),
    (dict(left=np.array([0, 0, 1, 2, 0])), "each edge must occur once; received (left, right) = (0, 0) more than once"),
    (dict(values=np.array([0.0, 1, np.nan, 3, 4])), "values must be finite; received 1 non-finite of 5"),
    (dict(values=np.ones(4, np.float32)), "must have one length each; received (5,), (5,) and (4,)"),
    (dict(x=np.zeros((4, 3), np.float32)), "x must be a float (batch, p=4) array; received float32 of shape (4, 3)"),
    (dict(y=np.zeros((4, 4), np.float32)), "y must be a float (batch=4, n=3) array; received float32 of shape (4, 4)"),
    (dict(timeout=0), "timeout must be a positive number of seconds; received 0"),
])
def test_peer_times_refuses_a_bad_case_before_running(change, message):
    with pytest.raises(ValueError) as err:
        peers.peer_times("/nonexistent/python", **_case(**change))
    assert message in str(err.value)


def test_peer_times_names_a_missing_python(tmp_path):
    missing = str(tmp_path / "no-venv" / "python")
    with pytest.raises(FileNotFoundError, match="no-venv/python.*PREDEFSPARSE_PEERS_PYTHON"):
        peers.peer_times(missing, **_case())


@pytest.mark.skipif(importlib.util.find_spec("torch") is not None, reason="this Python has torch: the runner runs")
def test_peer_times_names_the_python_whose_runner_failed():
    with pytest.raises(RuntimeError) as err:
        peers.peer_times(sys.executable, **_case(), timeout=120)
    assert repr(sys.executable) in str(err.value) and "No module named 'torch'" in str(err.value)


def test_default_python_reads_the_environment(monkeypatch):
    monkeypatch.delenv("PREDEFSPARSE_PEERS_PYTHON", raising=False)
    assert peers.default_python() is None
    monkeypatch.setenv("PREDEFSPARSE_PEERS_PYTHON", "/opt/peers/bin/python")
    assert peers.default_python() == "/opt/peers/bin/python"


def _good_case_file(path, **change):
    case = _case(**change)
    np.savez(path, **case)
    return path


def _crafted(tmp_path):
    """Hostile case files: each (path, words the refusal must contain)."""
    empty = tmp_path / "empty.npz"
    empty.write_bytes(b"")
    whole = _good_case_file(tmp_path / "whole.npz").read_bytes()
    truncated = tmp_path / "truncated.npz"
    truncated.write_bytes(whole[: len(whole) // 2])
    pickled = tmp_path / "pickled.npz"
    np.savez(pickled, **{**_case(), "x": np.array([{"a": 1}], dtype=object)})
    missing = tmp_path / "missing.npz"
    np.savez(missing, **{k: v for k, v in _case().items() if k != "values"})
    unsorted = _good_case_file(tmp_path / "unsorted.npz", right=np.array([0, 2, 1, 2, 2], np.int32))
    shaped = tmp_path / "shaped.npz"
    np.savez(shaped, **{**_case(), "p": np.array([4, 4])})
    return [(empty, "regular, non-empty .npz file"), (truncated, "not a readable .npz file"),
            (pickled, "not a readable .npz file of numbers"), (missing, "lacks values"),
            (unsorted, "sorted by right (output neuron)"), (shaped, "p must be one integer"),
            (tmp_path, "regular, non-empty .npz file")]


def test_runner_refuses_a_hostile_case_file_before_importing_torch(tmp_path):
    """Empty, truncated and crafted case files are refused with the file named (exit 2), before torch is
    imported: this Python need not have torch for the refusal to come."""
    for path, words in _crafted(tmp_path):
        res = subprocess.run([sys.executable, os.path.join(BENCH, "_peers.py"), str(path)], capture_output=True,
                             text=True, timeout=120)
        last = res.stderr.strip().splitlines()[-1]
        assert res.returncode == 2, (path, res.stderr[-2000:])
        assert repr(str(path)) in last and words in last, last
        assert "torch" not in res.stderr


def test_read_case_returns_the_written_case(tmp_path):
    left, right, values, x, y, p, n = peers.read_case(str(_good_case_file(tmp_path / "case.npz")))
    case = _case()
    assert (p, n) == (case["p"], case["n"])
    np.testing.assert_array_equal(left, case["left"])
    np.testing.assert_array_equal(values, case["values"])
    assert x.dtype == np.float32 and y.shape == case["y"].shape
