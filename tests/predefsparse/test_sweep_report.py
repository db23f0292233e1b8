"""predefsparse.sweep.report: the hardware accuracy (trained weights on the chip's fixed-point arithmetic) beside
the float one in the table, the report's tables and its accuracy figures; settings whose float or hardware
accuracy is near chance are named in a warning in the report and the command's summary; a ranking of settings
that learned something carries no warning."""
from __future__ import annotations

import pytest

from predefsparse.cli.sweep import format_summary
from predefsparse.sweep import SweepResult, parse_grid, read_rows, write_report
from predefsparse.sweep.points import point_row, write_row
from predefsparse.sweep.report import near_chance, summary
from predefsparse.sweep.table import write_record

from .sweep_helpers import CONFIG, tiny_npz


def _sweep_on_disk(folder, accuracies: dict, hardware: dict | None = None) -> list:
    """A sweep folder whose rows hold the given accuracy (and hardware accuracy, default 0.02 below it) per fo
    (two seeds each), as a finished sweep writes it."""
    grid = parse_grid({"fixed": {"config": CONFIG, "dataset": tiny_npz(folder), "kind": "random"},
                       "grid": {"fo": [list(fo) for fo in accuracies], "seed": [0, 1]}})
    write_record(folder, grid, None)
    for point in grid.points():
        fo, seed = point.settings["fo"], point.settings["seed"]
        acc = accuracies[fo] + 0.01 * seed
        hw = (hardware[fo] if hardware else accuracies[fo] - 0.02) + 0.01 * seed
        write_row(folder, point_row(point, {"status": "done", "error": None, "started": 0.0, "wall_s": 1.0,
                                            "result": {"status": "done", "accuracy": acc, "config": CONFIG,
                                                       "fo": list(fo), "W": 100, "density": 0.3,
                                                       "hardware_accuracy": hw, "onchip_accuracy": None,
                                                       "onchip_curve": None}}))
    return read_rows(folder)


def test_near_chance_settings_are_warned_in_the_report_and_the_summary(tmp_path):
    rows = _sweep_on_disk(tmp_path, {(4, 5): 0.12, (2, 5): 0.21, (8, 5): 0.9})
    low = near_chance(summary(rows))
    assert [(e["fo"], e["chance"]) for e in low] == [("4-5", 0.1), ("2-5", 0.1)]
    assert [e["accuracy_mean"] for e in low] == pytest.approx([0.125, 0.215])
    page = open(write_report(tmp_path), encoding="utf-8").read()
    assert "Warning: 2 of 3 settings are near chance accuracy" in page
    assert "random fo=4-5: 12.50 % float, 10.50 % hardware (chance 10 %)" in page
    assert "fo=8-5" not in page.split("Warning")[1][:600]
    text = format_summary(SweepResult(str(tmp_path), rows, (), (), (), (), "t.csv", None, None, 1.0, "serial"))
    assert "Warning: 2 of 3 settings are near chance accuracy" in text


def test_no_warning_when_every_setting_learned(tmp_path):
    rows = _sweep_on_disk(tmp_path, {(4, 5): 0.8, (2, 5): 0.7})
    assert near_chance(summary(rows)) == []
    assert "near chance" not in open(write_report(tmp_path), encoding="utf-8").read()


def test_hardware_accuracy_near_chance_is_warned_when_float_is_not(tmp_path):
    rows = _sweep_on_disk(tmp_path, {(4, 5): 0.9, (2, 5): 0.8}, hardware={(4, 5): 0.15, (2, 5): 0.79})
    (low,) = near_chance(summary(rows))
    assert low["fo"] == "4-5" and low["low"] == [("hardware", pytest.approx(0.155))]
    assert "random fo=4-5: 15.50 % hardware (chance 10 %)" in open(write_report(tmp_path), encoding="utf-8").read()


def test_hardware_accuracy_is_a_column_of_the_table_the_summary_and_the_report(tmp_path):
    import csv
    rows = _sweep_on_disk(tmp_path, {(4, 5): 0.9, (2, 5): 0.8})
    (entry,) = [e for e in summary(rows) if e["fo"] == "4-5"]
    assert entry["hardware_accuracy_mean"] == pytest.approx(0.885) and entry["onchip_accuracy_mean"] is None
    assert entry["hardware_accuracy_p10"] == pytest.approx(0.881)
    from predefsparse.sweep.table import write_table
    csv_path, _ = write_table(tmp_path, rows)
    with open(csv_path, newline="") as f:
        table = list(csv.DictReader(f))
    assert [float(r["hardware_accuracy"]) for r in table] == pytest.approx([r["hardware_accuracy"] for r in rows])
    assert "onchip_accuracy" not in table[0] and "onchip_curve" not in table[0]  # no on-chip training here
    html_path = write_report(tmp_path)
    page = open(html_path, encoding="utf-8").read()
    markdown = open(html_path[:-len("html")] + "md", encoding="utf-8").read()
    assert "hardware accuracy mean" in page and "points lost on hardware" in page and "on-chip" not in page
    assert f'data-value="{entry["hardware_accuracy_mean"]!r}"' in page  # the per-setting mean
    for row in rows:
        assert f'data-value="{row["hardware_accuracy"]!r}"' in page  # every point's own figure
    assert "hardware accuracy mean" in markdown and "88.50 %" in markdown
    # the accuracy figures draw the hardware series beside the float one, and their titles say so
    assert "Test accuracy vs overall density: float (solid), on the chip&#x27;s arithmetic (dotted)" in page \
        or "Test accuracy vs overall density: float (solid), on the chip's arithmetic (dotted)" in page
    assert page.count("data:image/png;base64,") == 2  # accuracy vs density and vs weights (no throughput here)


def test_a_row_with_a_hardware_accuracy_out_of_range_is_not_taken(tmp_path):
    from predefsparse.sweep.points import read_row
    rows = _sweep_on_disk(tmp_path, {(4, 5): 0.9})
    point = parse_grid({"fixed": {"config": CONFIG, "dataset": rows[0]["dataset"], "kind": "random"},
                        "grid": {"fo": [[4, 5]], "seed": [0, 1]}}).points()[0]
    bad = dict(rows[0], hardware_accuracy=1.5)
    write_row(tmp_path, bad)
    row, problem = read_row(tmp_path, point)
    assert row is None and problem == "hardware_accuracy=1.5 is not in [0, 1]"
