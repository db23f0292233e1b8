"""The benchmarks' command lines refuse bad counts and addresses up front, naming the flag and the value received."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

BENCH = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "bench")


@pytest.mark.parametrize("script, args, flag", [
    ("bench_layer.py", ["--grid", "--fit-steps", "0"], "--fit-steps=0"),
    ("bench_layer.py", ["--grid", "--repeats", "-1"], "--repeats=-1"),
    ("bench_layer.py", ["--batch-size", "0"], "--batch-size=0"),
    ("bench_layer.py", ["--peers", "--width", "0"], "--width=0"),
    ("bench_layer.py", ["--user-fit", "--rounds", "0"], "--rounds=0"),
    ("bench_device_path.py", ["--memory-runs", "0"], "--memory-runs=0"),
    ("bench_device_path.py", ["--width", "-4"], "--width=-4"),
    ("bench_sweep.py", ["--epochs", "0"], "--epochs=0"),
    ("bench_sweep.py", ["--repeats", "0"], "--repeats=0"),
])
def test_bench_refuses_non_positive_counts(script, args, flag):
    assert f"{flag.split('=')[0]} must be a positive integer; received {flag}" in _refusal(script, args)


def _refusal(script: str, args: list[str]) -> str:
    """The last line a benchmark writes to stderr when its argument parser refuses ``args`` (exit status 2)."""
    res = subprocess.run([sys.executable, os.path.join(BENCH, script), *args], capture_output=True, text=True,
                         timeout=120, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert res.returncode == 2, res.stderr[-2000:]
    return res.stderr.strip().splitlines()[-1]


@pytest.mark.parametrize("address", ["", "localhost"])
def test_bench_sweep_refuses_an_address_that_names_no_instance(address):
    last = _refusal("bench_sweep.py", ["--address", address])
    assert "--address must be 'auto', 'ray://host:port' or 'host:port'" in last
    assert f"received --address={address!r}" in last


@pytest.mark.parametrize("script, args, message", [
    ("bench_layer.py", ["--peers", "--peers-python", "/nonexistent/python"],
     "--peers-python must be the peers' Python, an executable file (bench/_peers.py says how to build it); "
     "received --peers-python='/nonexistent/python'"),
    ("bench_device_path.py", ["--density", "0"], "--density must be in (0, 1]; received --density=0.0"),
    ("bench_device_path.py", ["--density", "1.5"], "--density must be in (0, 1]; received --density=1.5"),
])
def test_bench_refuses_bad_values_naming_the_flag(script, args, message):
    assert message in _refusal(script, args)
