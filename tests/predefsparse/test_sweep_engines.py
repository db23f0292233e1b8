"""predefsparse.sweep.engines: Ray refusals in one message naming the parameter (an address that does not
answer, more CPUs per point than a node has, a local start that fails), a local instance started whatever a
killed ``ray start`` left in /tmp/ray, and only Ray's public API."""
from __future__ import annotations

import io
import os
import pathlib
import time

import pytest

from adjmat import SpecError
from predefsparse.cli import main
from predefsparse.sweep import sweep
from predefsparse.sweep.engines import Progress, RayInstance

from .sweep_helpers import failing_grid, tiny_npz


def test_no_private_ray_api_in_the_package():
    root = pathlib.Path(__file__).parents[2] / "predefsparse"
    users = [str(p) for p in root.rglob("*.py") if "ray._private" in p.read_text(encoding="utf-8")]
    assert users == []


def test_an_address_that_does_not_answer_is_refused_at_once(tmp_path, capsys):
    data = failing_grid(tiny_npz(tmp_path))
    started = time.monotonic()
    with pytest.raises(SpecError) as err:
        sweep(data, out=tmp_path / "o", address="ray://127.0.0.1:1", verbose=0)
    assert err.value.param == "address" and "Nothing answers there" in str(err.value)
    assert "ray start --head" in str(err.value) and time.monotonic() - started < 60
    assert not (tmp_path / "o").exists()
    # the command: one line naming the flag and the value
    grid = tmp_path / "g.toml"
    grid.write_text(f'[fixed]\nconfig = [800, 16, 10]\nfo = [4, 5]\ndataset = "{data["fixed"]["dataset"]}"\n')
    assert main(["sweep", str(grid), "--address", "ray://127.0.0.1:1", "--out", str(tmp_path / "o")]) == 1
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert "--address" in line and "'ray://127.0.0.1:1'" in line and "Nothing answers there" in line


def test_more_cpus_per_point_than_the_local_instance_has_is_refused_before_any_work(tmp_path, capsys):
    data = failing_grid(tiny_npz(tmp_path))
    with pytest.raises(SpecError) as err:
        sweep(data, out=tmp_path / "o", cpus_per_point=64, num_cpus=2)
    assert err.value.param == "cpus_per_point" and "at most the 2 CPUs" in str(err.value)
    assert not (tmp_path / "o").exists()
    assert main(["sweep", "--fixed", "kind=fc", "--cpus-per-point", "4096", "--out", str(tmp_path / "o")]) == 1
    line = capsys.readouterr().err.strip()
    assert "\n" not in line and "--cpus-per-point" in line and "4096" in line


@pytest.mark.ray
def test_a_local_start_that_fails_is_one_message_saying_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("RAY_TMPDIR", "/proc/no-such-folder")  # Ray cannot make its session folder there
    instance = RayInstance("sweep", address=None, num_cpus=1, cpus_per_point=1, verbose=0,
                           progress=Progress(0, io.StringIO()))
    with pytest.raises(SpecError) as err:
        instance.open()
    text = str(err.value)
    assert text.startswith("sweep: Ray could not start a local instance (") and "--serial" in text
    assert "\n" not in text


def _address_file() -> pathlib.Path:
    tmp = os.environ.get("RAY_TMPDIR") or os.environ.get("TMPDIR") or "/tmp"
    return pathlib.Path(tmp) / "ray" / "ray_current_cluster"


@pytest.mark.ray
def test_a_local_sweep_starts_its_own_instance_whatever_a_killed_ray_start_left():
    import ray
    path = _address_file()
    saved = path.read_bytes() if path.exists() else None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("127.0.0.1:1\n")  # what a killed `ray start --head` leaves: an address nobody answers
    lines = io.StringIO()
    instance = RayInstance("sweep", address=None, num_cpus=1, cpus_per_point=1, verbose=0,
                           progress=Progress(0, lines))
    try:
        instance.open()
        assert ray.cluster_resources()["CPU"] == 1  # its own instance, with the CPUs asked for
        assert ray.get(ray.remote(lambda: 6 * 7).remote()) == 42
    finally:
        instance.close()
        if saved is None:
            path.unlink(missing_ok=True)
        else:
            path.write_bytes(saved)
    assert not ray.is_initialized()
    assert "sweep: starting a local Ray instance with 1 CPUs" in lines.getvalue()
