"""predefsparse.sweep.grid and the command line's grid flags: empty list items refused naming the flag and the
value, grid checks in O(points), dataset names resolved in --data-dir."""
from __future__ import annotations

import time

import pytest

from adjmat import SpecError
from predefsparse.cli import main
from predefsparse.cli.sweep import parse_setting
from predefsparse.sweep import Grid, sweep

from .sweep_helpers import tiny_npz


@pytest.mark.parametrize("flag, text, mentions", [
    ("--grid", "fo=50--10,20-10", ("--grid fo", "'50--10,20-10'", "none of them empty")),
    ("--grid", "fo=50-10,,20-10", ("--grid fo", "'50-10,,20-10'")),
    ("--grid", "seed=0,,1", ("--grid seed", "'0,,1'")),
    ("--grid", "kind=fc,", ("--grid kind", "'fc,'")),
    ("--fixed", "config=800,,10", ("--fixed config", "'800,,10'")),
    ("--fixed", "fo=50,", ("--fixed fo", "'50,'")),
])
def test_an_empty_item_is_refused_never_dropped(flag, text, mentions):
    with pytest.raises(SpecError) as err:
        parse_setting(flag, text)
    for m in mentions:
        assert m in str(err.value)


def test_an_empty_item_on_the_command_line_is_one_line_naming_the_flag(tmp_path, capsys):
    assert main(["sweep", "--grid", "fo=50--10,20-10", "--list", "--out", str(tmp_path / "o")]) == 1
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "--grid fo" in err and "50--10,20-10" in err
    assert not (tmp_path / "o").exists()


def test_a_grid_of_99999_seeds_is_checked_and_listed_in_linear_time(tmp_path, capsys):
    seeds = list(range(99_999))
    cpu = time.process_time()
    grid = Grid(fixed={"kind": "fc"}, axes={"seed": seeds})
    points = grid.points()
    assert [p.settings["seed"] for p in points] == seeds and len({p.id for p in points}) == 99_999
    path = tmp_path / "g.toml"
    path.write_text('[fixed]\nkind = "fc"\n[grid]\nseed = [' + ", ".join(map(str, seeds)) + "]\n")
    assert main(["sweep", str(path), "--list", "--out", str(tmp_path / "o")]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == f"99999 points; folder {tmp_path / 'o'}"
    assert time.process_time() - cpu < 30  # about 5 s of CPU; a quadratic check took minutes
    with pytest.raises(SpecError, match=r"grid.seed must be a list of distinct choices.*99998 is listed twice"):
        Grid(fixed={"kind": "fc"}, axes={"seed": seeds + [99_998]})


def test_data_dir_resolves_dataset_names_on_the_command_line(tmp_path, capsys):
    folder = tmp_path / "data"
    folder.mkdir()
    tiny_npz(folder, "mine")
    argv = ["sweep", "--fixed", "config=800,16,10", "--fixed", "fo=4,5", "--fixed", "dataset=mine",
            "--grid", "seed=0,1", "--list", "--out", str(tmp_path / "o")]
    assert main(argv + ["--data-dir", str(folder)]) == 0
    assert "mine" in capsys.readouterr().out
    assert main(argv) == 1  # not in the default data folder
    err = capsys.readouterr().err
    assert "--fixed dataset" in err and "'mine'" in err


def test_a_dataset_file_is_checked_from_its_headers_before_any_work(tmp_path):
    import numpy as np
    rng = np.random.default_rng(0)
    x, y = rng.random((20, 784), dtype=np.float32), np.eye(10, dtype=np.float32)[rng.integers(0, 10, 20)]
    empty = str(tmp_path / "empty_test.npz")
    np.savez(empty, xtr=x, ytr=y, xva=x, yva=y, xte=x[:0], yte=y[:0])
    for dataset, says in (("/etc/passwd", "not a zip archive"), (empty, "xte")):
        with pytest.raises(SpecError) as err:
            sweep({"fixed": {"config": [800, 16, 10], "fo": [4, 5], "dataset": dataset}}, out=tmp_path / "o",
                  engine="serial")
        assert err.value.param == "fixed.dataset" and says in str(err.value)
        assert "root:" not in str(err.value)  # the file's bytes are never quoted
    assert not (tmp_path / "o").exists()


# ---------------------------------------------------------------------------------------------- on-chip training
def _id_without_on_chip_keys(settings) -> str:
    """A point's id as it was computed before on_chip / onchip_epochs existed (all settings but the label)."""
    import hashlib
    import json
    canon = {k: list(v) if isinstance(v, tuple) else v for k, v in sorted(settings.items())
             if k not in ("label", "on_chip", "onchip_epochs")}
    return hashlib.sha256(json.dumps(canon, sort_keys=True, separators=(",", ":")).encode()).hexdigest()[:12]


def test_on_chip_is_a_grid_key_and_points_without_it_keep_their_ids():
    from predefsparse.sweep import parse_grid
    grid = parse_grid({"fixed": {"config": [800, 16, 10], "fo": [4, 5], "kind": "clash_free"},
                       "grid": {"seed": [0, 1]},
                       "cases": [{"label": "float"}, {"label": "chip", "on_chip": True, "onchip_epochs": 2}]})
    points = grid.points()
    assert [(p.settings["on_chip"], p.settings["onchip_epochs"]) for p in points] == \
        [(False, None), (False, None), (True, 2), (True, 2)]
    assert [p.id == _id_without_on_chip_keys(p.settings) for p in points] == [True, True, False, False]
    assert len({p.id for p in points}) == 4
    assert points[2].describe() == "chip clash_free fo=4-5 seed=0 mnist on-chip 2"
    assert parse_setting("--grid", "on_chip=false,true") == ("on_chip", [False, True])
    assert parse_setting("--fixed", "onchip_epochs=3") == ("onchip_epochs", 3)


@pytest.mark.parametrize("settings, mentions", [
    ({"on_chip": "yes"}, ("fixed.on_chip", "'yes'", "true or false")),
    ({"on_chip": 1}, ("fixed.on_chip", "true or false")),
    ({"onchip_epochs": 0}, ("fixed.onchip_epochs", "0")),
    ({"onchip_epochs": 2}, ("onchip_epochs=2", "on_chip=false", "Set on_chip = true")),
])
def test_bad_on_chip_settings_are_refused_naming_the_key(settings, mentions):
    from predefsparse.sweep import parse_grid
    with pytest.raises(SpecError) as err:
        parse_grid({"fixed": {"config": [800, 16, 10], "fo": [4, 5], **settings}})
    for m in mentions:
        assert m in str(err.value)
    with pytest.raises(SpecError, match="--fixed on_chip"):
        parse_setting("--fixed", "on_chip=yes")
