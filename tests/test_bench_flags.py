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
    ("bench_sweep.py", ["--epochs", "0"], "--epochs=0"),
    ("bench_sweep.py", ["--repeats", "0"], "--repeats=0"),
])
def test_bench_refuses_non_positive_counts(script, args, flag):
    res = subprocess.run([sys.executable, os.path.join(BENCH, script), *args], capture_output=True, text=True,
                         timeout=120, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert res.returncode == 2, res.stderr[-2000:]
    last = res.stderr.strip().splitlines()[-1]
    assert f"{flag.split('=')[0]} must be a positive integer; received {flag}" in last


@pytest.mark.parametrize("address", ["", "localhost"])
def test_bench_sweep_refuses_an_address_that_names_no_instance(address):
    res = subprocess.run([sys.executable, os.path.join(BENCH, "bench_sweep.py"), "--address", address],
                         capture_output=True, text=True, timeout=120,
                         env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert res.returncode == 2, res.stderr[-2000:]
    last = res.stderr.strip().splitlines()[-1]
    assert "--address must be 'auto', 'ray://host:port' or 'host:port'" in last
    assert f"received --address={address!r}" in last
