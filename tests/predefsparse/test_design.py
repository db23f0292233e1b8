"""predefsparse.design: the plan's budgets, one evaluated point, and a whole small design whose numbers equal
running its parts by hand (hwsim.simulate on the saved patterns; the run folders' records)."""
import contextlib
import io
import json
import os

import numpy as np
import pytest

import adjmat
import hwsim
from adjmat import SpecError
from predefsparse import energy
from predefsparse.cli import main
from predefsparse.design import ACCURACY_TOLERANCE, evaluate, plan

from .design_helpers import mnist_subset, small_design


# ---------------------------------------------------------------------------------------------------- plan
def test_every_budget_picks_the_documented_design():
    options = {o["cycle"]: o for o in plan().options}
    assert sorted(options) == adjmat.NetSpec.valid_cycles((800, 100, 10), (50, 10))
    assert plan().z == (400, 10)                                   # default: C nearest N_1 = 100
    assert plan(z1=200).z == (200, 5) and plan(cycle=50).z == (800, 20)
    # multipliers: the fastest design within the budget
    p = plan(multipliers=options[200]["multipliers"])
    assert p.cycle == 200 and p.multipliers == options[200]["multipliers"]
    assert plan(multipliers=options[200]["multipliers"] - 1).cycle == 250
    # throughput: the cheapest design reaching it (clock / (C + overhead))
    assert plan(throughput=75_000).cycle == 200
    assert plan(throughput=75_001).cycle == 100
    rtl = plan(throughput=75_000, timing="rtl")                    # rtl adds 2 + proctime = 4 clocks per cycle
    assert rtl.cycle == 100 and rtl.cpc == 104 and rtl.throughput == pytest.approx(15e6 / 104)
    assert plan(cycle=100, clock=30e6).throughput == 300_000
    # the multiplier count is hwsim's resource model of the planned netspec
    assert p.multipliers == hwsim.resources(p.netspec, p.hardware)["multipliers"]


def test_a_hardware_faithful_design_is_preferred_by_default():
    p = plan((1024, 64, 32), fo=(4, 16))
    faithful = adjmat.NetSpec.valid_cycles((1024, 64, 32), (4, 16), hardware=True)
    assert p.cycle in faithful and not p.hardware_violations
    assert p.cycle == 64 if 64 in faithful else min(faithful, key=lambda c: abs(c - 64)) == p.cycle


@pytest.mark.parametrize("budget, nearest", [
    ({"z1": 300}, "z1=160 (z=(160, 4), C=250), z1=200 (z=(200, 5), C=200), z1=400 (z=(400, 10), C=100)"),
    ({"cycle": 150}, "cycle=50 (z=(800, 20)), cycle=100 (z=(400, 10)), cycle=200 (z=(200, 5))"),
    ({"multipliers": 50}, "multipliers=86 (z=(40, 1), 15,000 inputs/s)"),
    ({"throughput": 1e6}, "throughput=300,000 (z=(800, 20), 1683 multipliers)"),
])
def test_impossible_budgets_are_refused_with_the_nearest_feasible(budget, nearest):
    with pytest.raises(SpecError) as err:
        plan(**budget)
    assert "Nearest feasible: " + nearest in str(err.value)


# ----------------------------------------------------------------------------------------------- one point
def test_evaluate_hardware_equals_simulating_by_hand(tmp_path):
    row = evaluate((800, 100, 10), "random", fo=(50, 10), z=(400, 10), seed=3, train=False, out=tmp_path)
    net = adjmat.NetSpec((800, 100, 10), (50, 10), (400, 10))
    pats = adjmat.generate_network(net, "random", seed=3)
    rep = hwsim.simulate(net, pats, hwsim.HardwareConfig(), inputs=1000)
    assert (row["cpc"], row["total_clocks"], row["stall_clocks"]) == (rep.cpc, rep.total_clocks, rep.total_stall_clocks)
    assert row["bank_stall_clocks"] == sum(rep.bank_stall_clocks) > 0 and not row["clash_free"]
    assert row["throughput"] == rep.throughput_inputs_per_s == 15e6 / rep.cpc
    assert row["energy_pj"] == energy.energy_per_input(rep)["total_pj"]
    assert row["status"] == "hardware" and row["accuracy"] is None
    saved = [adjmat.Pattern.load(tmp_path / "patterns" / f"junction{i}.npz") for i in (1, 2)]
    assert saved == pats
    assert json.loads((tmp_path / "point.json").read_text()) == json.loads(json.dumps(row))
    # an int z is z_1 with the other junctions balanced; fc runs at the same z with its own (longer) cycles
    assert evaluate((800, 100, 10), "rtl", z=200, train=False)["z"] == [200, 5]
    fc = evaluate((800, 100, 10), "fc", z=(400, 10), train=False)
    assert fc["C"] == [200, 100] and not fc["balanced"] and fc["cpc"] == 200 and fc["W"] == 81_000


def test_evaluate_trains_into_its_folder(tmp_path):
    data = mnist_subset(tmp_path)
    row = evaluate((800, 100, 10), "clash_free", seed=1, dataset=data, epochs=1, out=tmp_path / "pt")
    records = json.loads((tmp_path / "pt" / "run" / "records.json").read_text())
    assert row["accuracy"] == records["test"]["accuracy"] and 0.5 < row["accuracy"] <= 1
    assert row["status"] == "done" and row["epochs"] == 1 and row["run"] == os.fspath(tmp_path / "pt" / "run")
    run_pats = [adjmat.Pattern.load(tmp_path / "pt" / "run" / "patterns" / name)
                for name in sorted(os.listdir(tmp_path / "pt" / "run" / "patterns"))]
    design_pats = [adjmat.Pattern.load(tmp_path / "pt" / "patterns" / f"junction{i}.npz") for i in (1, 2)]
    assert [(p.left.tolist(), p.right.tolist()) for p in run_pats] == \
        [(p.left.tolist(), p.right.tolist()) for p in design_pats]


# ------------------------------------------------------------------------------------------- whole design
@pytest.fixture(scope="module")
def small_design_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("design")
    return small_design(folder), folder


@pytest.mark.slow
def test_design_numbers_equal_its_parts_run_by_hand(small_design_run):
    d, folder = small_design_run
    out = d.out
    saved = json.loads(open(os.path.join(out, "design.json"), encoding="utf-8").read())
    assert saved == d.to_dict()
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
        assert row["energy_pj"] == energy.energy_per_input(rep)["total_pj"]
        records = json.loads(open(os.path.join(row["run"], "records.json"), encoding="utf-8").read())
        assert row["accuracy"] == records["test"]["accuracy"] and row["loss"] == records["test"]["loss"]
        assert records["status"] == "done" and records["settings"]["seed"] == seed
    for entry in d.kinds:
        accs = [r["accuracy"] for r in d.rows if r["kind"] == entry["kind"]]
        assert entry["accuracy_mean"] == pytest.approx(np.mean(accs))
        assert entry["accuracy_std"] == pytest.approx(np.std(accs, ddof=1))
    # ranked by mean accuracy; clash-free is clash-free, random is not, and pays for it in clocks
    means = [e["accuracy_mean"] for e in d.kinds]
    assert means == sorted(means, reverse=True) and [e["rank"] for e in d.kinds] == [1, 2, 3]
    assert d.kind("clash_free")["clash_free"] and d.kind("clash_free")["stall_clocks"] == 0
    assert not d.kind("random")["clash_free"] and d.kind("random")["cpc"] > d.kind("clash_free")["cpc"]
    assert d.kind("fc")["throughput"] == pytest.approx(d.kind("clash_free")["throughput"] / 2)
    for name in ("report.html", "report.md", "figures/pareto.png", "hardware/random_seed1.json"):
        assert os.path.getsize(os.path.join(out, name)) > 0


@pytest.mark.slow
def test_recommendation_follows_the_documented_rule(small_design_run):
    d, _ = small_design_run
    sparse = [e for e in d.kinds if e["kind"] != "fc"]
    best = max(sparse, key=lambda e: e["accuracy_mean"])
    margin = max(ACCURACY_TOLERANCE, 2 * best["accuracy_std"])
    pick = max((e for e in sparse if e["accuracy_mean"] >= best["accuracy_mean"] - margin),
               key=lambda e: (e["throughput"], -e["energy_pj"]))
    assert d.recommendation.startswith(f"Use {pick['kind']} at z=(400, 10)")
    assert "against fully connected" in d.recommendation and "of the weights" in d.recommendation
    for front in d.pareto.values():
        assert front and set(front) <= {"fc", "random", "clash_free"}
    assert "fc" in d.pareto["throughput"] or d.kind("fc")["accuracy_mean"] < max(e["accuracy_mean"] for e in sparse)


@pytest.mark.slow
def test_rerun_reuses_finished_runs_and_another_request_is_refused(small_design_run):
    d, folder = small_design_run
    again = small_design(folder)
    assert [r["accuracy"] for r in again.rows] == [r["accuracy"] for r in d.rows]
    assert d.timings["runs_reused"] == 0 and again.timings["runs_reused"] == len(d.rows)  # nothing retrained
    with pytest.raises(SpecError, match="holds a design of another request .*epochs"):
        small_design(folder, epochs=2)


@pytest.mark.slow
def test_cli_design_writes_the_report(tmp_path):
    data = mnist_subset(tmp_path)
    out = tmp_path / "cli"
    buf = io.StringIO()
    with contextlib.redirect_stdout(buf):
        rc = main(["design", "--kinds", "clash_free,rtl", "--epochs", "1", "--dataset", data, "--out", str(out),
                   "--cycle", "200", "--timing", "rtl", "--quiet"])
    assert rc == 0
    text = buf.getvalue()
    assert text.startswith("Use ") and "report: " in text
    saved = json.loads((out / "design.json").read_text())
    assert saved["plan"]["z"] == [200, 5] and saved["plan"]["cpc"] == 204
    assert [k["kind"] for k in saved["kinds"]] == sorted(["clash_free", "rtl"],
                                                        key=lambda k: -saved["kinds"][[e["kind"] for e in
                                                                                      saved["kinds"]].index(k)][
                                                            "accuracy_mean"])


@pytest.mark.parametrize("argv, flag", [
    (["--z1", "300"], "--z1=300"), (["--kinds", "fc,clashfree"], "--kinds"), (["--dataset", "mnistt"], "mnist"),
    (["--throughput", "1e9"], "--throughput"), (["--epochs", "0"], "--epochs"), (["--seeds", "0"], "--seeds"),
    (["--energy", "/nonexistent.toml"], "no energy table"),
])
def test_cli_bad_requests_exit_1_with_one_line_naming_the_flag(argv, flag, tmp_path):
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        rc = main(["design", *argv, "--out", str(tmp_path / "never")])
    assert rc == 1 and flag in err.getvalue() and len(err.getvalue().strip().splitlines()) == 1
    assert not (tmp_path / "never").exists()


# -------------------------------------------------------------------------------------------------- energy
def test_energy_is_traffic_and_operations_times_the_table(tmp_path):
    net = adjmat.NetSpec((64, 16, 4), fo=(2, 2), z=(32, 8))
    rep = hwsim.simulate(net, adjmat.generate_network(net, "clash_free", seed=0), inputs=10)
    e = energy.energy_per_input(rep)
    t = rep.traffic_per_input
    reads = sum(sum(v) for k, v in t.items() if hwsim.report.MEMORY_OF_KIND[k][1] == "reads")
    writes = sum(sum(v) for k, v in t.items() if hwsim.report.MEMORY_OF_KIND[k][1] == "writes")
    assert sum(a["reads"] for a in e["accesses"].values()) == reads
    assert sum(a["writes"] for a in e["accesses"].values()) == writes
    # 8-bit input words in junction 1's activation reads and the input load, 10-bit words elsewhere
    narrow = t["am_read_ff"][0] + t["am_read_up"][0] + sum(t["am_load"])
    memory = 5.0 / 32 * (8 * narrow + 10 * (reads + writes - narrow))
    assert e["memory_pj"] == pytest.approx(memory)
    assert e["mul_pj"] == pytest.approx(0.2 * (10 / 8) ** 2) and e["add_pj"] == pytest.approx(0.03 * 10 / 8)
    assert e["arithmetic_pj"] == pytest.approx(e["multiplies"] * e["mul_pj"] + e["adds"] * e["add_pj"])
    path = tmp_path / "fp.toml"
    path.write_text('numerics = "float32"\nsram_read_pj = 10.0\n')
    f = energy.energy_per_input(rep, path)
    assert f["mul_pj"] == 3.7 and f["add_pj"] == 0.9 and f["width"] == 32
    assert f["memory_pj"] == pytest.approx(10.0 * reads + 5.0 * writes)


def test_energy_table_file_is_validated(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("sram_reed_pj = 4.0\n")
    with pytest.raises(SpecError, match="unknown key.*'sram_reed_pj' \\(did you mean 'sram_read_pj'\\?\\)"):
        energy.load_energy(bad)
    bad.write_text("sram_read_pj = -1.0\n")
    with pytest.raises(SpecError, match="sram_read_pj must be a number of picojoules"):
        energy.load_energy(bad)
    bad.write_bytes(b"# " + b"x" * 70_000 + b"\n")
    with pytest.raises(SpecError, match="at most 65536 bytes"):
        energy.load_energy(bad)
    assert energy.load_energy() == energy.EnergyTable.default() == energy.EnergyTable()
