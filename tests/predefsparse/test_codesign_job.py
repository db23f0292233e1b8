"""predefsparse.codesign.job: a whole small design whose numbers equal running its parts by hand, its strict-JSON
record, one lock for the whole job, identical patterns trained once, and the command line."""
import contextlib
import dataclasses
import io
import json
import os
import subprocess
import sys
import time

import numpy as np
import pytest

import adjmat
import hwsim
from adjmat import SpecError
from hwsim.energy import energy_per_input
from predefsparse import design
from predefsparse.cli import main
from predefsparse.codesign import DEFAULT_KINDS, MAX_LOSS, ONCHIP_EPOCHS, SEEDS
from predefsparse.lock import FolderLock

from .design_helpers import mnist_subset, small_design


def _strict(path):
    """Parse a file as strict JSON (NaN and Infinity refused, as a browser's JSON.parse does)."""
    def refuse(name):
        raise ValueError(f"{path} holds {name}, which is not JSON")
    with open(path, encoding="utf-8") as f:
        return json.load(f, parse_constant=refuse)


# ------------------------------------------------------------------------------------------- whole design
@pytest.fixture(scope="module")
def small_design_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("design")
    return small_design(folder), folder


@pytest.mark.slow
def test_design_numbers_equal_its_parts_run_by_hand(small_design_run):
    d, folder = small_design_run
    out = d.out
    assert _strict(os.path.join(out, "design.json")) == json.loads(json.dumps(d.to_dict()))
    assert len(d.rows) == 3 * 2 and {r["kind"] for r in d.rows} == {"fc", "random", "clash_free"}
    hw = d.plan.hardware
    for row in d.rows:
        kind, seed = row["kind"], row["seed"]
        pats = [adjmat.Pattern.load(os.path.join(out, "patterns", kind, f"seed{seed}_junction{i}.npz"))
                for i in (1, 2)]
        net = adjmat.NetSpec(d.plan.config, (100, 10) if kind == "fc" else d.plan.fo, d.plan.z)
        assert pats == adjmat.generate_network(net, kind, seed=seed)
        rep = hwsim.simulate(net, pats, hw, inputs=1000, allow_unbalanced=kind == "fc")
        assert (row["cpc"], row["total_clocks"], row["stall_clocks"], row["rmw_hazards"]) == \
            (rep.cpc, rep.total_clocks, rep.total_stall_clocks, sum(rep.rmw_hazards))
        assert row["energy_pj"] == energy_per_input(rep)["total_pj"]
        records = _strict(os.path.join(row["run"], "records.json"))
        assert row["accuracy"] == records["test"]["accuracy"] and row["loss"] == records["test"]["loss"]
        assert records["status"] == "done" and records["settings"]["seed"] == seed
        assert abs(row["hardware_accuracy"] - row["accuracy"]) < 0.05 and row["same_as"] is None
    for entry in d.kinds:
        accs = [r["accuracy"] for r in d.rows if r["kind"] == entry["kind"]]
        hw_accs = [r["hardware_accuracy"] for r in d.rows if r["kind"] == entry["kind"]]
        assert entry["accuracy_mean"] == pytest.approx(np.mean(accs))
        assert entry["accuracy_std"] == pytest.approx(np.std(accs, ddof=1))
        assert entry["hardware_accuracy_mean"] == pytest.approx(np.mean(hw_accs))
        assert entry["quantisation_loss"] == pytest.approx(np.mean(accs) - np.mean(hw_accs))
    # ranked by mean accuracy; clash-free is clash-free, random is not, and pays for it in clocks
    means = [e["accuracy_mean"] for e in d.kinds]
    assert means == sorted(means, reverse=True) and [e["rank"] for e in d.kinds] == [1, 2, 3]
    assert d.kind("clash_free")["clash_free"] and d.kind("clash_free")["stall_clocks"] == 0
    assert not d.kind("random")["clash_free"] and d.kind("random")["cpc"] > d.kind("clash_free")["cpc"]
    assert d.kind("fc")["throughput"] == pytest.approx(d.kind("clash_free")["throughput"] / 2)
    for name in ("report.html", "report.md", "figures/pareto.png", "hardware/random_seed1.json"):
        assert os.path.getsize(os.path.join(out, name)) > 0


@pytest.mark.slow
def test_the_answer_follows_the_documented_rule(small_design_run):
    from predefsparse.codesign.ranking import recommend
    d, _ = small_design_run
    assert (d.recommended, d.recommendation, d.answer) == recommend(d.kinds, d.plan, rank_by="float",
                                                                    max_loss=MAX_LOSS, classes=10)
    fc = d.kind("fc")
    if d.recommended is not None:
        assert d.kind(d.recommended)["accuracy_mean"] >= fc["accuracy_mean"] - MAX_LOSS / 100
    else:
        assert "No sparse kind qualifies" in d.recommendation or "not meaningful" in d.recommendation
    for front in d.pareto.values():
        assert front and set(front) <= {"fc", "random", "clash_free"}


@pytest.mark.slow
def test_rerun_reuses_finished_runs_and_another_request_is_refused(small_design_run):
    d, folder = small_design_run
    again = small_design(folder)
    assert [r["accuracy"] for r in again.rows] == [r["accuracy"] for r in d.rows]
    assert d.timings["runs_reused"] == 0 and again.timings["runs_reused"] == len(d.rows)  # nothing retrained
    with pytest.raises(SpecError, match="holds a design of another request .*epochs") as err:
        small_design(folder, epochs=2)
    assert err.value.param == "out"


# ---------------------------------------------------------------------------------------------- the lock
def test_a_folder_in_use_by_another_design_is_refused_and_left_untouched(tmp_path):
    data = mnist_subset(tmp_path)
    out = tmp_path / "busy"
    out.mkdir()
    with FolderLock(out, where="design", holder="design"):
        with pytest.raises(SpecError, match="in use by another design") as err:
            design(kinds=("clash_free",), seeds=1, epochs=1, dataset=data, out=out, verbose=0)
        assert err.value.param == "out" and "--out" in err.value.naming("--out")
        assert sorted(os.listdir(out)) == [".lock"]                    # nothing written by the refused design


_CHILD = """
import sys
sys.path.insert(0, {root!r})
from tests.predefsparse.design_helpers import small_design
small_design({folder!r}, kinds=("clash_free",), seeds=1, out={out!r})
"""


@pytest.mark.slow
def test_two_designs_into_one_out_leave_what_one_run_leaves(tmp_path):
    data_folder = tmp_path
    mnist_subset(data_folder)
    out = str(tmp_path / "shared")
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    child = subprocess.Popen([sys.executable, "-c", _CHILD.format(root=root, folder=str(data_folder), out=out)])
    try:
        deadline = time.monotonic() + 300
        while not os.path.exists(os.path.join(out, "request.json")):  # written under the lock
            assert child.poll() is None and time.monotonic() < deadline, "the first design did not start"
            time.sleep(0.2)
        with pytest.raises(SpecError, match="in use by another design"):
            small_design(data_folder, kinds=("clash_free",), seeds=1, out=out)
    finally:
        assert child.wait(timeout=600) == 0
    alone = small_design(data_folder, kinds=("clash_free",), seeds=1, out=str(tmp_path / "alone"))

    def files(folder):
        return sorted(os.path.relpath(os.path.join(d, f), folder) for d, _, fs in os.walk(folder) for f in fs)
    assert files(out) == files(alone.out)
    shared, single = _strict(os.path.join(out, "design.json")), alone.to_dict()
    assert shared["request"] == single["request"] and shared["recommendation"] == single["recommendation"]
    assert [r["accuracy"] for r in shared["rows"]] == [r["accuracy"] for r in single["rows"]]


# ----------------------------------------------------------------------------------- identical patterns
@pytest.fixture()
def twin_kind():
    twin = dataclasses.replace(adjmat.get_kind("clash_free"), name="clash_free_twin")
    adjmat.register_kind(twin)
    yield twin.name
    adjmat.unregister_kind(twin.name)


def test_kinds_with_identical_patterns_are_trained_once(tmp_path, twin_kind):
    d = design(kinds=("clash_free", twin_kind), seeds=1, epochs=1, dataset=mnist_subset(tmp_path),
               out=tmp_path / "twins", verbose=0, energy={"sram_read_pj": 5e-12})   # joules, not picojoules
    assert d.warnings[0].startswith("energy table: sram_read_pj = 5e-12 pJ is far outside")
    assert _strict(tmp_path / "twins" / "design.json")["warnings"] == d.warnings
    assert d.duplicates == [{"kind": twin_kind, "same_as": "clash_free", "seeds": [0]}]
    a, b = (next(r for r in d.rows if r["kind"] == k) for k in ("clash_free", twin_kind))
    assert b["same_as"] == "clash_free" and b["run"] == a["run"] and b["accuracy"] == a["accuracy"]
    assert sorted(os.listdir(tmp_path / "twins" / "runs")) == ["clash_free-seed0"]   # one training run
    assert "draws the same patterns as clash_free" in (tmp_path / "twins" / "report.md").read_text()


# ------------------------------------------------------------------------------------------ command line
def test_cli_defaults_are_the_library_defaults():
    from predefsparse.cli import design as cli_design
    assert (cli_design._KINDS, cli_design._SEEDS, cli_design._MAX_LOSS, cli_design._ONCHIP_EPOCHS) == \
        (DEFAULT_KINDS, SEEDS, MAX_LOSS, ONCHIP_EPOCHS) and SEEDS == 3


@pytest.mark.slow
def test_cli_design_writes_the_report(tmp_path):
    data = mnist_subset(tmp_path)
    out = tmp_path / "cli"
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        rc = main(["design", "--kinds", "clash_free,rtl", "--epochs", "1", "--seeds", "1", "--dataset", data,
                   "--out", str(out), "--cycle", "200", "--timing", "rtl", "--quiet", "--rank-by", "hardware"])
    assert rc == 0
    text = buf.getvalue()
    assert "report: " in text and "Use " in text or "No " in text
    saved = _strict(out / "design.json")
    assert saved["plan"]["z"] == [200, 5] and saved["plan"]["cpc"] == 204 and saved["answer"]["rank_by"] == "hardware"
    means = [k["hardware_accuracy_mean"] for k in saved["kinds"]]
    assert means == sorted(means, reverse=True)


@pytest.mark.parametrize("argv, flag", [
    (["--z1", "300"], "--z1=300"), (["--kinds", "fc,clashfree"], "--kinds"), (["--dataset", "mnistt"], "--dataset"),
    (["--throughput", "1e9"], "--throughput"), (["--epochs", "0"], "--epochs"), (["--seeds", "0"], "--seeds"),
    (["--energy", "/nonexistent.toml"], "--energy"), (["--config", "800,,100,10"], "--config"),
    (["--max-loss", "-1"], "--max-loss"), (["--rank-by", "onchip"], "--rank-by"),
    (["--dataset", "/etc/passwd"], "--dataset"),
])
def test_cli_bad_requests_exit_1_with_one_line_naming_the_flag(argv, flag, tmp_path):
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        rc = main(["design", *argv, "--out", str(tmp_path / "never")])
    assert rc == 1 and flag in err.getvalue() and len(err.getvalue().strip().splitlines()) == 1, err.getvalue()
    assert "root:" not in err.getvalue()                               # never quotes a file's bytes
    assert not (tmp_path / "never").exists()


# ------------------------------------------------------------------------------------------ on-chip training
@pytest.mark.parametrize("arithmetic", ["hwsim", "rtl"])
def test_on_chip_training_on_the_published_build_equals_hwsim_run_by_hand(tmp_path, arithmetic):
    data = mnist_subset(tmp_path, train=1500, val=500, test=500)
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        rc = main(["design", "--config", "1024,64,32", "--fo", "4,16", "--z1", "128", "--kinds", "fc,clash_free",
                   "--seeds", "1", "--epochs", "1", "--dataset", data, "--on-chip", "--onchip-epochs", "2",
                   "--rank-by", "onchip", "--timing", "rtl", "--arithmetic", arithmetic,
                   "--out", str(tmp_path / "chip")])
    assert rc == 0 and "on-chip clash_free seed 0 epoch 2/2" in buf.getvalue()    # progress is shown
    saved = _strict(tmp_path / "chip" / "design.json")
    assert saved["plan"]["z"] == [128, 32] and saved["answer"]["rank_by"] == "onchip"
    row = next(r for r in saved["rows"] if r["kind"] == "clash_free")
    # by hand: hwsim's initial weights of seed 0, one fixed-point epoch at a time on train+val, test after each
    from predefsparse import datasets
    xtr, ytr, xva, yva, xte, yte = datasets.load(data)
    net = adjmat.NetSpec((1024, 64, 32), (4, 16), (128, 32))
    pats = adjmat.generate_network(net, "clash_free", seed=0)
    hw = hwsim.HardwareConfig(timing="rtl") if arithmetic == "hwsim" else hwsim.HardwareConfig.reconfig2018()
    x = np.pad(np.concatenate([xtr, xva]), ((0, 0), (0, 1024 - 784)))
    y = np.concatenate([ytr, yva]).argmax(1)
    xt = np.pad(xte, ((0, 0), (0, 1024 - 784)))
    w = hwsim.initial_weights(pats, seed=0)
    for epoch in (0, 1):
        res = hwsim.train(net, pats, hw, (x, y), epochs=1, numerics="fixed", weights=w)
        w = res.weights
        acc = hwsim.infer(net, pats, hw, xt, weights=w, numerics="fixed", y=yte.argmax(1)).accuracy
        point = row["onchip_curve"][epoch]
        assert (point["epoch"], point["test_accuracy"], point["train_accuracy"]) == (epoch + 1, acc, res.accuracy)
    assert row["onchip_accuracy"] == acc > 0.4 and row["onchip_stale_reads"] == sum(
        p["stale_reads"] for p in row["onchip_curve"])
    assert saved["kinds"][0]["onchip_accuracy_mean"] >= saved["kinds"][1]["onchip_accuracy_mean"]  # ranked on it


# ------------------------------------------------------------------------------------ the floor, for real
@pytest.mark.slow
def test_morse_three_seeds_recommends_no_kind_far_below_fully_connected(tmp_path):
    """Issue 17's morse case, small: a sparse kind ~20 points below fully connected is not recommended."""
    from predefsparse import datasets
    from predefsparse.codesign.ranking import recommend
    data = datasets.build("morse", data_dir=tmp_path, per_class=(150, 15, 15), seed=0)
    d = design((64, 64, 64), fo=(8, 16), kinds=("fc", "clash_free"), seeds=3, epochs=15, dataset=data,
               out=tmp_path / "morse", verbose=0)
    fc, cf = d.kind("fc"), d.kind("clash_free")
    assert fc["accuracy_mean"] - cf["accuracy_mean"] > 0.10 and cf["differs_from_fc"]
    assert cf["accuracy_mean"] > 1 / 64 + 0.05                        # far from chance: the floor decides
    assert d.recommended is None and d.recommendation.startswith("No sparse kind qualifies")
    assert "Best trade-offs (accuracy vs inputs/s): clash_free (" in d.recommendation
    loss = 100 * (fc["accuracy_mean"] - cf["accuracy_mean"])
    assert recommend(d.kinds, d.plan, max_loss=loss + 1, classes=64)[0] == "clash_free"   # a looser floor accepts it
