"""predefsparse.sweep and ``predefsparse sweep``: grids and point ids, bad grids refused before any work, the
table and report, failed points recorded while the others finish, and an interrupted sweep on a local Ray
instance rerun so that only the missing points run.

The points train a small net (800, 16, 10) for one epoch on 1,000 real MNIST images.  Tests that start Ray are
marked ``ray`` (deselect locally with ``-m 'not ray'``; CI runs them).
"""
from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from adjmat import SpecError
from predefsparse import datasets
from predefsparse.cli import main
from predefsparse.sweep import Grid, load_grid, parse_grid, read_rows, sweep, write_report

CONFIG = [800, 16, 10]


@pytest.fixture(scope="module")
def mnist_npz_1000(mnist, tmp_path_factory):
    """1,000 / 200 / 500 real MNIST images as a six-key npz (784 features; the nets pad to 800)."""
    xtr, ytr, xva, yva, xte, yte = mnist
    path = tmp_path_factory.mktemp("data") / "mnist_npz_1000.npz"
    datasets.save(path, xtr[:1000], ytr[:1000], xva[:200], yva[:200], xte[:500], yte[:500])
    return str(path)


def _grid(data_path, **axes):
    axes = axes or {"kind": ["random", "clash_free"], "fo": [[4, 5], [2, 5]], "seed": [0, 1]}
    return {"title": "test grid", "fixed": {"config": CONFIG, "dataset": data_path, "epochs": 1}, "grid": axes}


def _toml(data) -> str:
    """The grid as TOML text (the tests' grids hold strings, ints and lists only)."""
    def value(v):
        return json.dumps(v)
    lines = [f"title = {value(data['title'])}", "[fixed]"]
    lines += [f"{k} = {value(v)}" for k, v in data["fixed"].items()]
    lines.append("[grid]")
    lines += [f"{k} = {value(v)}" for k, v in data["grid"].items()]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------- grids
def test_points_are_the_product_fc_included_at_each_sparse_net(mnist_npz_1000):
    grid = parse_grid(_grid(mnist_npz_1000, kind=["fc", "random", "clash_free"], fo=[[4, 5], [2, 5]], seed=[0, 1]))
    points = grid.points()
    assert len(points) == 3 * 2 * 2  # fc is the reference of each fo's sparse net (its planned z), as in design
    assert len({p.id for p in points}) == len(points)
    assert {(p.settings["kind"], p.settings["fo"], p.settings["seed"]) for p in points} == {
        (k, fo, s) for k in ("fc", "random", "clash_free") for fo in ((4, 5), (2, 5)) for s in (0, 1)}
    assert all(p.settings["config"] == (800, 16, 10) and p.settings["epochs"] == 1 for p in points)
    # on another config, an fc point without fo runs at the fully connected net's own plan
    (own,) = parse_grid({"fixed": {"config": [64, 10], "kind": "fc", "dataset": mnist_npz_1000}}).points()
    assert own.settings["fo"] is None


def test_point_ids_are_stable_across_file_mapping_and_flags(mnist_npz_1000, tmp_path):
    data = _grid(mnist_npz_1000)
    path = tmp_path / "g.toml"
    path.write_text(_toml(data))
    from_file = [p.id for p in load_grid(path).points()]
    assert from_file == [p.id for p in parse_grid(data).points()]
    # the same points from flags: same ids, whatever the order of the settings
    from predefsparse.cli.sweep import parse_setting
    flags = {"fixed": dict([parse_setting("--fixed", "epochs=1"), parse_setting("--fixed", f"dataset={mnist_npz_1000}"),
                            parse_setting("--fixed", "config=800,16,10")]),
             "grid": dict([parse_setting("--grid", "kind=random,clash_free"), parse_setting("--grid", "fo=4-5,2-5"),
                           parse_setting("--grid", "seed=0,1")])}
    assert [p.id for p in parse_grid(flags).points()] == from_file
    # a label is not part of the id; any other setting is
    labelled = parse_grid({**data, "fixed": {**data["fixed"], "label": "x"}}).points()
    assert [p.id for p in labelled] == from_file
    other = parse_grid({**data, "fixed": {**data["fixed"], "epochs": 2}}).points()
    assert not {p.id for p in other} & set(from_file)


def test_cases_combine_with_the_axes(mnist_npz_1000):
    grid = parse_grid({"fixed": {"config": CONFIG, "dataset": mnist_npz_1000, "kind": "random"},
                       "grid": {"seed": [0, 1, 2]},
                       "cases": [{"label": "early", "fo": [2, 5]}, {"label": "late", "fo": [4, 2]}]})
    points = grid.points()
    assert [(p.label, p.settings["fo"], p.settings["seed"]) for p in points] == [
        ("early", (2, 5), 0), ("early", (2, 5), 1), ("early", (2, 5), 2),
        ("late", (4, 2), 0), ("late", (4, 2), 1), ("late", (4, 2), 2)]
    assert grid.to_dict()["cases"][1] == {"label": "late", "fo": [4, 2]}
    assert [p.id for p in parse_grid(grid.to_dict()).points()] == [p.id for p in points]


@pytest.mark.parametrize("data, mentions", [
    ({"grid": {"kinds": ["fc", "random"]}}, ["grid key", "'kinds'", "Nearest: 'kind'"]),
    ({"grid": {"kind": ["fc", "clash-free"]}}, ["grid.kind[1]", "'clash-free'", "Nearest: 'clash_free'"]),
    ({"fixed": {"dataset": "mnst"}}, ["fixed.dataset", "'mnst'", "Nearest: 'mnist'"]),
    ({"fixed": {"dataset": "/no/such/data.npz"}}, ["fixed.dataset", "/no/such/data.npz"]),
])
def test_bad_grids_fail_before_any_work(tmp_path, data, mentions):
    out = tmp_path / "never"
    with pytest.raises(SpecError) as err:
        sweep({"fixed": {"config": CONFIG, "fo": [4, 5], **data.get("fixed", {})}, **{
            k: v for k, v in data.items() if k != "fixed"}}, out=out)
    for text in mentions:
        assert text in str(err.value)
    assert not out.exists()  # nothing was written, nothing ran


def test_cli_refuses_a_bad_grid_file_with_one_line(tmp_path, capsys, mnist_npz_1000):
    path = tmp_path / "g.toml"
    path.write_text(f'[fixed]\nconfig = [800, 16, 10]\nfo = [4, 5]\ndataset = "{mnist_npz_1000}"\n'
                    '[grid]\nseeds = [0, 1]\n')
    assert main(["sweep", str(path), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "grid key" in err and "'seeds'" in err and "Nearest: 'seed'" in err
    assert not (tmp_path / "out").exists()


def test_list_shows_points_and_ids_without_running(tmp_path, capsys, mnist_npz_1000):
    path = tmp_path / "g.toml"
    path.write_text(_toml(_grid(mnist_npz_1000)))
    assert main(["sweep", str(path), "--list", "--out", str(tmp_path / "out")]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    ids = [p.id for p in load_grid(path).points()]
    assert [line.split()[0] for line in lines[1:-1]] == ids
    assert all(line.split()[1] == "-" for line in lines[1:-1])  # none run
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------------------------------------- running
def _csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


@pytest.mark.slow
def test_serial_sweep_table_equals_rows_and_run_records(tmp_path, mnist_npz_1000):
    data = _grid(mnist_npz_1000, kind=["fc", "clash_free"], fo=[[4, 5], [4, 3]])  # fo (4, 3): fi = 4.8, invalid
    result = sweep(data, out=tmp_path, engine="serial", verbose=0)
    ids = [p.id for p in parse_grid(data).points()]
    assert len(ids) == 4 and result.ran == tuple(ids) and result.skipped == () and result.missing == ()
    rows = {r["point"]: r for r in result.rows}
    bad = tuple(pid for pid in ids if rows[pid]["settings"]["fo"] == [4, 3])  # fc at that net's plan fails too
    assert len(bad) == 2 and result.failed == bad
    assert all(rows[pid]["status"] == "failed" and "SpecError" in rows[pid]["error"] and "4.8" in rows[pid]["error"]
               for pid in bad)
    table = {r["point"]: r for r in _csv(result.table)}
    assert set(table) == set(ids)
    for pid, row in rows.items():
        assert table[pid]["status"] == row["status"]
        if row["status"] != "done":
            continue
        with open(os.path.join(row["run"], "records.json")) as f:
            records = json.load(f)
        assert row["accuracy"] == records["test"]["accuracy"]  # the table holds the run's own figure
        assert float(table[pid]["accuracy"]) == pytest.approx(row["accuracy"], rel=1e-12)
        assert 0.0 < row["accuracy"] <= 1.0 and row["epochs"] == 1
        # the trained weights on the chip's fixed-point arithmetic (hwsim.infer on the 500 test images)
        assert 0.0 <= row["hardware_accuracy"] <= 1.0 and row["hardware_note"] is None
        assert row["hardware_accuracy"] * 500 == pytest.approx(round(row["hardware_accuracy"] * 500))
        assert float(table[pid]["hardware_accuracy"]) == pytest.approx(row["hardware_accuracy"], rel=1e-12)
        with open(tmp_path / "points" / pid / "row.json") as f:
            on_disk = json.load(f)  # strict JSON: null where not measured (no on-chip training in a sweep)
        assert on_disk["hardware_accuracy"] == row["hardware_accuracy"] and on_disk["onchip_accuracy"] is None
        assert row["W"] == (800 * 16 + 16 * 10 if row["kind"] == "fc" else 800 * 4 + 16 * 5)
        assert os.path.isdir(tmp_path / "points" / pid / "patterns")
        assert 0.0 < row["cpu_s"] and float(table[pid]["cpu_s"]) == row["cpu_s"]
    pq = pytest.importorskip("pyarrow.parquet")
    parquet = pq.read_table(result.parquet).to_pylist()
    assert [r["point"] for r in parquet] == [r["point"] for r in _csv(result.table)]
    assert result.report and os.path.isfile(result.report)
    page = open(result.report, encoding="utf-8").read()
    for row in rows.values():
        if row["status"] == "done":
            assert f'data-value="{row["accuracy"]!r}"' in page  # the page shows the rows' exact numbers
            assert f'data-value="{row["hardware_accuracy"]!r}"' in page
    assert "hardware accuracy mean" in page and "on the chip&#x27;s arithmetic (dotted)" in page.replace("'", "&#x27;")
    assert page.count("data:image/png;base64,") == 3  # accuracy vs density, throughput vs z, accuracy vs W
    assert "4.8" in page  # the failed point with its message
    # a rerun with the same grid runs nothing; --retry-failed runs the failed point only
    again = sweep(data, out=tmp_path, engine="serial", verbose=0)
    assert again.ran == () and set(again.skipped) == set(ids)
    retried = sweep(data, out=tmp_path, engine="serial", verbose=0, retry_failed=True, report=False)
    assert retried.ran == bad and retried.failed == bad
    # one point alone, again, fresh: the same numbers (seeded)
    good = next(pid for pid, r in rows.items() if r["status"] == "done" and r["kind"] == "clash_free")
    alone = sweep(data, out=tmp_path, engine="serial", verbose=0, points=[good], report=False)
    assert alone.ran == (good,)
    assert next(r for r in alone.rows if r["point"] == good)["accuracy"] == rows[good]["accuracy"]
    assert read_rows(tmp_path) == alone.rows
    assert write_report(tmp_path) == result.report


@pytest.mark.slow
def test_a_point_with_on_chip_training_has_its_onchip_accuracy_in_the_table_and_report(tmp_path, mnist_npz_1000):
    data = {"title": "on chip", "fixed": {"config": CONFIG, "dataset": mnist_npz_1000, "epochs": 1,
                                         "kind": "clash_free", "fo": [4, 5], "on_chip": True}}
    result = sweep(data, out=tmp_path, engine="serial", verbose=0)
    (row,) = result.rows
    assert row["status"] == "done" and row["on_chip"] is True and row["onchip_epochs"] is None
    # one epoch of hwsim.train on the 1,200 training + validation images, then the 500 test images on the chip
    (epoch,) = row["onchip_curve"]
    assert epoch["epoch"] == 1 and 0.0 <= row["onchip_accuracy"] == epoch["test_accuracy"] <= 1.0
    assert row["onchip_accuracy"] * 500 == pytest.approx(round(row["onchip_accuracy"] * 500))
    assert row["onchip_stale_reads"] == epoch["stale_reads"] >= 0 and row["onchip_note"] is None
    assert 0.0 <= row["hardware_accuracy"] <= 1.0
    with open(tmp_path / "points" / row["point"] / "point.json") as f:
        assert json.load(f)["onchip_accuracy"] == row["onchip_accuracy"]
    (line,) = _csv(result.table)
    assert float(line["onchip_accuracy"]) == pytest.approx(row["onchip_accuracy"], rel=1e-12)
    assert "onchip_curve" not in line
    page = open(result.report, encoding="utf-8").read()
    assert "on-chip trained mean" in page and f'data-value="{row["onchip_accuracy"]!r}"' in page
    assert "on-chip trained (dash-dot)" in page


@pytest.mark.slow
def test_cli_sweep_exit_status_and_summary(tmp_path, capsys, mnist_npz_1000):
    path = tmp_path / "g.toml"
    path.write_text(_toml(_grid(mnist_npz_1000, kind=["clash_free"], fo=[[4, 5], [4, 3]])))
    out = str(tmp_path / "out")
    assert main(["sweep", str(path), "--serial", "--out", out, "--no-report"]) == 3  # one point failed
    captured = capsys.readouterr()
    rows = {r["settings"]["fo"][1]: r for r in read_rows(out)}
    assert f"FAILED {rows[3]['point']}: SpecError" in captured.out
    summary = next(line for line in captured.out.splitlines() if line.startswith("clash_free"))
    assert f"{100 * rows[5]['accuracy']:.2f}" in summary and "3,280" in summary
    assert f"{100 * rows[5]['hardware_accuracy']:.2f}" in summary and "hardware" in captured.out
    assert "[2/2]" in captured.err and "to run" in captured.err
    assert not os.path.exists(os.path.join(out, "report.html"))
    # the good point alone, again: still 3 (the grid still has its failed point), no progress lines
    assert main(["sweep", str(path), "--serial", "--out", out, "--point", rows[5]["point"], "--quiet"]) == 3
    assert "sweep:" not in capsys.readouterr().err


def _rows_on_disk(out, ids):
    return {pid for pid in ids if os.path.isfile(os.path.join(out, "points", pid, "row.json"))}


def _start(grid_path, out, env):
    return subprocess.Popen([sys.executable, "-m", "predefsparse", "sweep", str(grid_path), "--out", str(out),
                             "--no-report"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, start_new_session=True)


def _table_points(out):
    try:
        return {r["point"] for r in _csv(os.path.join(out, "sweep.csv"))}
    except (OSError, KeyError):
        return set()


def _wait_for_rows(proc, out, ids, k, timeout=240):
    """Wait until ``k`` rows are on disk and in the table (each point's row is written, then the table)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if len(_rows_on_disk(out, ids)) >= k and len(_table_points(out)) >= k:
            return
        if proc.poll() is not None:
            pytest.fail(f"the sweep ended before {k} points were on disk: {proc.stderr.read()[-3000:]}")
        time.sleep(0.2)
    proc.kill()
    pytest.fail(f"fewer than {k} points on disk after {timeout} s")


def _reap_group(pgid, timeout=30):
    """SIGKILL the whole session of the sweep (its driver and the Ray processes it started) and wait."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        return
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)


@pytest.mark.ray
@pytest.mark.slow
def test_interrupted_sweep_on_ray_reruns_only_the_missing_points(tmp_path, mnist_npz_1000):
    data = _grid(mnist_npz_1000)
    grid_path = tmp_path / "grid.toml"
    grid_path.write_text(_toml(data))
    ids = [p.id for p in load_grid(grid_path).points()]
    assert len(ids) == 8
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}

    # 1. SIGKILL the whole sweep (driver and Ray) once two points are on disk
    proc = _start(grid_path, out, env)
    _wait_for_rows(proc, out, ids, 2)
    _reap_group(proc.pid)
    proc.wait(timeout=30)
    first = _rows_on_disk(out, ids)
    assert 2 <= len(first) < 8
    first_rows = {pid: (out / "points" / pid / "row.json").read_bytes() for pid in first}
    # the table held every row on disk when the sweep died, but a point whose row landed in the instant
    # before the kill (two run at once)
    assert len(first) - 1 <= len(_table_points(out)) and _table_points(out) <= first

    # 2. Ctrl-C (SIGINT to the driver) a rerun after it has added a point: exit 130, the rows kept
    proc = _start(grid_path, out, env)
    _wait_for_rows(proc, out, ids, len(first) + 1)
    os.kill(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    _reap_group(proc.pid)
    assert proc.returncode == 130, err[-3000:]
    assert "rerun the same command" in err
    assert f"({len(first)} done, 0 failed, {8 - len(first)} to run)" in err  # the rerun ran only the missing
    second = _rows_on_disk(out, ids)
    assert first < second
    assert all((out / "points" / pid / "row.json").read_bytes() == first_rows[pid] for pid in first)

    # 3. finish: exactly the missing points run, the others are not touched
    result = sweep(str(grid_path), out=out, verbose=0, report=False, num_cpus=2)
    assert set(result.ran) == set(ids) - second and len(result.ran) == 8 - len(second)
    assert set(result.skipped) == second
    assert result.failed == () and result.missing == ()
    assert all((out / "points" / pid / "row.json").read_bytes() == first_rows[pid] for pid in first)
    table = _csv(out / "sweep.csv")
    assert [r["point"] for r in table] == ids and all(r["status"] == "done" for r in table)
    accuracy = {(r["kind"], r["fo"], r["seed"]): float(r["accuracy"]) for r in table}
    assert len(accuracy) == 8 and all(0.0 < a <= 1.0 for a in accuracy.values())
    # seeds differ, kinds differ: the points really are different runs
    assert accuracy[("clash_free", "4-5", "0")] != accuracy[("clash_free", "4-5", "1")]


@pytest.mark.ray
@pytest.mark.slow
def test_failed_point_on_ray_is_recorded_while_the_others_finish(tmp_path, mnist_npz_1000):
    data = _grid(mnist_npz_1000, kind=["random"], fo=[[4, 5], [4, 3], [2, 5]])  # (4, 3) is invalid
    serial = sweep(data, out=tmp_path / "serial", engine="serial", verbose=0, report=False)
    result = sweep(data, out=tmp_path / "ray", verbose=0, num_cpus=2)
    rows = {tuple(r["settings"]["fo"]): r for r in result.rows}
    assert [r["status"] for r in result.rows] == ["done", "failed", "done"]
    assert result.failed == (rows[(4, 3)]["point"],)
    assert "junction 2" in rows[(4, 3)]["error"] and "4.8" in rows[(4, 3)]["error"]
    # Ray and one process give the same numbers, point by point (seeded)
    assert [r.get("accuracy") for r in result.rows] == [r.get("accuracy") for r in serial.rows]
    assert [r.get("throughput") for r in result.rows] == [r.get("throughput") for r in serial.rows]
    # the points ran in Ray's worker processes, not in this one, each held to one thread: TensorFlow's pools,
    # and the BLAS limit the worker inherited from the local instance's start (no runtime_env)
    assert all(r["pid"] != os.getpid() for r in result.rows)
    assert all(r["threads"] == {"tf_intra_op": 1, "tf_inter_op": 1, "blas": 1} for r in result.rows)
    assert all(0.0 < r["cpu_s"] for r in result.rows)
    assert result.report and "4.8" in open(result.report, encoding="utf-8").read()


def test_accuracy_band_over_seeds_in_the_summary(tmp_path):
    from predefsparse.sweep.report import summary
    rows = [{"status": "done", "kind": "random", "dataset": "d", "accuracy": a, "W": 10, "density": 0.5,
             "settings": {"kind": "random", "seed": s}, "seed": s} for s, a in enumerate([0.90, 0.92, 0.94, 0.96])]
    (entry,) = summary(rows)
    assert entry["seeds"] == 4
    assert entry["accuracy_mean"] == pytest.approx(0.93)
    assert entry["accuracy_p10"] == pytest.approx(np.percentile([0.90, 0.92, 0.94, 0.96], 10))
    assert entry["accuracy_p90"] == pytest.approx(0.954)


def test_grid_checks_again_when_built_directly():
    with pytest.raises(SpecError, match="grid.seed"):
        Grid(fixed={"config": (800, 16, 10), "fo": (4, 5)}, axes={"seed": 3})


def test_shipped_examples_are_valid_grids():
    folder = os.path.join(os.path.dirname(__file__), "..", "..", "examples")
    names = sorted(f for f in os.listdir(folder) if f.endswith(".toml"))
    assert len(names) >= 5
    for name in names:
        grid = load_grid(os.path.join(folder, name))
        points = grid.points()
        assert points and grid.title != name[:-5], name  # each states what it shows
        assert all(p.settings["epochs"] >= 3 for p in points), name


def test_a_sweep_into_a_folder_another_sweep_holds_is_refused_before_any_work(tmp_path, mnist_npz_1000):
    from predefsparse.lock import FolderLock
    with FolderLock(tmp_path, where="other", holder="sweep"):  # the lock every sweep takes (flock)
        with pytest.raises(SpecError, match=r"out must be a folder no other sweep is using.*in use by another "
                                            rf"sweep \(pid {os.getpid()}\)"):
            sweep(_grid(mnist_npz_1000), out=tmp_path, engine="serial", verbose=0)
    assert sorted(os.listdir(tmp_path)) == [".lock"]  # nothing written: no record, no table, no point
