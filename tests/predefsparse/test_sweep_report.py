"""predefsparse.sweep.report: settings whose accuracy is near chance are named in a warning in the report and
the command's summary; a ranking of settings that learned something carries no warning."""
from __future__ import annotations

import pytest

from predefsparse.cli.sweep import format_summary
from predefsparse.sweep import SweepResult, parse_grid, read_rows, write_report
from predefsparse.sweep.points import point_row, write_row
from predefsparse.sweep.report import near_chance, summary
from predefsparse.sweep.table import write_record

from .sweep_helpers import CONFIG, tiny_npz


def _sweep_on_disk(folder, accuracies: dict) -> list:
    """A sweep folder whose rows hold the given accuracy per fo (two seeds each), as a finished sweep writes it."""
    grid = parse_grid({"fixed": {"config": CONFIG, "dataset": tiny_npz(folder), "kind": "random"},
                       "grid": {"fo": [list(fo) for fo in accuracies], "seed": [0, 1]}})
    write_record(folder, grid, None)
    for point in grid.points():
        acc = accuracies[point.settings["fo"]] + 0.01 * point.settings["seed"]
        write_row(folder, point_row(point, {"status": "done", "error": None, "started": 0.0, "wall_s": 1.0,
                                            "result": {"status": "done", "accuracy": acc, "config": CONFIG,
                                                       "fo": list(point.settings["fo"]), "W": 100}}))
    return read_rows(folder)


def test_near_chance_settings_are_warned_in_the_report_and_the_summary(tmp_path):
    rows = _sweep_on_disk(tmp_path, {(4, 5): 0.12, (2, 5): 0.21, (8, 5): 0.9})
    low = near_chance(summary(rows))
    assert [(e["fo"], e["chance"]) for e in low] == [("4-5", 0.1), ("2-5", 0.1)]
    assert [e["accuracy_mean"] for e in low] == pytest.approx([0.125, 0.215])
    page = open(write_report(tmp_path), encoding="utf-8").read()
    assert "Warning: 2 of 3 settings are near chance accuracy" in page
    assert "random fo=4-5: 12.50 % (chance 10 %)" in page and "fo=8-5" not in page.split("Warning")[1][:400]
    text = format_summary(SweepResult(str(tmp_path), rows, (), (), (), (), "t.csv", None, None, 1.0, "serial"))
    assert "Warning: 2 of 3 settings are near chance accuracy" in text


def test_no_warning_when_every_setting_learned(tmp_path):
    rows = _sweep_on_disk(tmp_path, {(4, 5): 0.8, (2, 5): 0.7})
    assert near_chance(summary(rows)) == []
    assert "near chance" not in open(write_report(tmp_path), encoding="utf-8").read()
