"""predefsparse.sweep.points: a row.json is taken only when it is its point's own (settings digest) with figures
in range, otherwise the point runs again with a line saying why; rows are strict JSON (NaN is null)."""
from __future__ import annotations

import io
import json
import shutil

import pytest

from predefsparse.sweep import parse_grid, read_rows, sweep
from predefsparse.sweep.points import point_row, read_row, write_row

from .sweep_helpers import failing_grid, tiny_npz


def _strict(text: str):
    def refuse(name):
        raise ValueError(f"{name} is not JSON")
    return json.loads(text, parse_constant=refuse)


def _forged(point, **figures):
    outcome = {"status": "done", "error": None, "result": {"status": "done", "accuracy": 0.5, "W": 3280,
                                                            **figures},
               "started": 0.0, "wall_s": 1.0}
    return point_row(point, outcome)


@pytest.mark.parametrize("figures, why", [
    ({"accuracy": 7.5}, "accuracy=7.5 is not in [0, 1]"),
    ({"W": -5}, "W=-5 is not a non-negative integer"),
    ({"epochs": 1.5}, "epochs=1.5 is not a non-negative integer"),
])
def test_a_row_out_of_range_is_run_again_saying_why(tmp_path, figures, why):
    data = failing_grid(tiny_npz(tmp_path))
    (point,) = parse_grid(data).points()
    out = tmp_path / "out"
    write_row(out, _forged(point, **figures))  # a finished-looking row with a value no run gives
    (out / "points" / point.id / "extra.txt").write_text("left by the forger")
    assert read_rows(out, data) == []  # not a finished point
    lines = io.StringIO()
    result = sweep(data, out=out, engine="serial", stream=lines, report=False)
    assert f"point {point.id}: its row.json is not taken ({why}); running the point again" in lines.getvalue()
    assert result.ran == (point.id,) and result.skipped == ()
    (row,) = result.rows
    assert row["status"] == "failed" and "4.8" in row["error"]  # the real outcome replaced the forged one
    assert read_rows(out) == [row]
    assert not (out / "points" / point.id / "extra.txt").exists()  # run afresh


def test_a_row_of_other_settings_is_not_taken(tmp_path):
    data = failing_grid(tiny_npz(tmp_path))
    (point,) = parse_grid(data).points()
    (other,) = parse_grid({"fixed": {**data["fixed"], "seed": 1}}).points()
    row = _forged(other)
    row["point"] = point.id  # another point's row under this point's id
    write_row(tmp_path, row)
    assert read_row(tmp_path, point) == (None, "its settings are not the point's (their digest differs from "
                                               "the point id)")
    good = _forged(point)
    write_row(tmp_path, good)
    assert read_row(tmp_path, point) == (json.loads(json.dumps(good)), None)


def test_a_row_that_is_a_symlink_out_of_its_folder_is_not_taken(tmp_path):
    data = failing_grid(tiny_npz(tmp_path))
    (point,) = parse_grid(data).points()
    write_row(tmp_path / "elsewhere", _forged(point))
    folder = tmp_path / "out" / "points" / point.id
    folder.mkdir(parents=True)
    (folder / "row.json").symlink_to(tmp_path / "elsewhere" / "points" / point.id / "row.json")
    row, why = read_row(tmp_path / "out", point)
    assert row is None and "outside the folder" in why


def test_rows_and_the_sweep_record_are_strict_json(tmp_path):
    data = failing_grid(tiny_npz(tmp_path))
    (point,) = parse_grid(data).points()
    write_row(tmp_path, _forged(point, loss=float("nan"), throughput=float("inf")))
    row = _strict((tmp_path / "points" / point.id / "row.json").read_text())
    assert row["loss"] is None and row["throughput"] is None and row["accuracy"] == 0.5
    shutil.rmtree(tmp_path / "points")
    sweep(data, out=tmp_path / "out", engine="serial", verbose=0, report=False)
    record = _strict((tmp_path / "out" / "sweep.json").read_text())
    assert [p["id"] for p in record["points"]] == [point.id]
    _strict((tmp_path / "out" / "points" / point.id / "row.json").read_text())


@pytest.mark.slow
def test_fully_connected_runs_at_the_sparse_nets_planned_z_as_in_design(tmp_path):
    from predefsparse.codesign import evaluate
    config, fo = (800, 16, 10), (4, 5)
    planned = evaluate(config, "fc", fo=fo, train=False)["z"]  # what design runs fc at
    data = {"fixed": {"config": list(config), "fo": list(fo), "dataset": tiny_npz(tmp_path), "epochs": 1,
                      "kind": "fc"}}
    (row,) = sweep(data, out=tmp_path / "out", engine="serial", verbose=0, report=False).rows
    own = evaluate(config, "fc", fo=config[1:], train=False)["z"]  # the fully connected net's own plan
    assert row["status"] == "done" and row["z"] == planned and planned != own
    assert row["W"] == 800 * 16 + 16 * 10  # fully connected at that z
