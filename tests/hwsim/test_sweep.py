"""hwsim.sweep_z: every hardware-faithful z, unbalanced ones on request, rows equal to single simulations."""
import csv
import json

import numpy as np
import pytest

import adjmat
from adjmat import NetSpec, SpecError, generate_network
from hwsim import HardwareConfig, SweepRow, SweepTable, resources, simulate, sweep_z

CONFIG, FO = (1024, 64, 32), (4, 16)


def test_every_valid_hardware_cycle_is_a_row():
    table = sweep_z(CONFIG, FO, "clash_free", inputs=200, seed=0, hardware=HardwareConfig(timing="rtl"))
    cycles = NetSpec.valid_cycles(CONFIG, FO, hardware=True)
    assert sorted(r.C[0] for r in table.rows) == sorted(cycles)
    assert all(r.balanced and len(set(r.C)) == 1 for r in table.rows)
    assert [r.z for r in table.rows] == [(128, 32), (256, 64)]
    assert isinstance(table, SweepTable) and all(isinstance(r, SweepRow) for r in table.rows)


def test_rows_equal_single_simulations():
    hw = HardwareConfig(timing="rtl", rmw="stall")
    table = sweep_z(NetSpec(CONFIG, FO, (128, 32)), None, "random", inputs=300, seed=5, hardware=hw)
    for row in table.rows:
        net = NetSpec(CONFIG, FO, row.z)
        rep = simulate(net, generate_network(net, "random", seed=5), hw, inputs=300)
        assert (row.cpc, row.total_clocks, row.stall_clocks_lost) == (rep.cpc, rep.total_clocks,
                                                                      rep.total_stall_clocks)
        assert row.bank_stall_clocks == sum(rep.bank_stall_clocks) > 0
        assert row.rmw_stall_clocks == sum(rep.rmw_stall_clocks)
        assert row.rmw_hazards == sum(rep.rmw_hazards)
        assert row.throughput_inputs_per_s == rep.throughput_inputs_per_s
        assert (row.multipliers, row.memory_bits) == (rep.resources["multipliers"],
                                                      rep.resources["memory_bits"]["total"])
    assert table.seed == 5 and table.kind == "random" and table.hardware == hw.to_dict()


def test_unbalanced_designs_on_request():
    with pytest.raises(SpecError, match=r"sweep_z: allow_unbalanced must be True to simulate z\[0\] = "
                                        r"\(128, 64\), whose junction cycles C = \(32, 16\) differ"):
        sweep_z(CONFIG, FO, "clash_free", inputs=10, z=[(128, 64)])
    table = sweep_z(CONFIG, FO, "clash_free", inputs=10, z=[(128, 64)], allow_unbalanced=True, seed=0)
    assert [r.z for r in table.rows] == [(128, 32), (256, 64), (128, 64)]
    assert [r.balanced for r in table.rows] == [True, True, False] and table.rows[2].cpc == 32
    every = sweep_z(CONFIG, FO, "clash_free", inputs=10, allow_unbalanced=True, seed=0)
    faithful = [z for z in adjmat.intmath.divisors(1024) if z % 4 == 0 and z % 64 == 0], \
        [z for z in adjmat.intmath.divisors(64) if z % 16 == 0 and z % 32 == 0]
    assert len(every.rows) == len(faithful[0]) * len(faithful[1])
    assert {r.z for r in every.rows} == {(a, b) for a in faithful[0] for b in faithful[1]}


def test_seed_is_drawn_once_and_recorded():
    a = sweep_z(CONFIG, FO, "random", inputs=50)
    assert isinstance(a.seed, int)
    b = sweep_z(CONFIG, FO, "random", inputs=50, seed=a.seed)
    assert a.rows == b.rows
    c = sweep_z(CONFIG, FO, "random", inputs=50, seed=np.random.SeedSequence(a.seed))
    assert c.rows == a.rows and c.seed == a.seed


def test_kind_options_reach_the_generator_and_bad_ones_are_refused():
    t1 = sweep_z(CONFIG, FO, "clash_free", inputs=20, seed=0, type=1)
    t3 = sweep_z(CONFIG, FO, "clash_free", inputs=20, seed=0, type=3, dither=True)
    assert [r.cpc for r in t1.rows] == [r.cpc for r in t3.rows] == [32, 16]
    with pytest.raises(SpecError, match=r"sweep_z: colour is not an option of kind 'clash_free'.*type \(default "
                                        r"2\), dither \(default False\)"):
        sweep_z(CONFIG, FO, "clash_free", colour=1)


def _build_narrow(p, n, *, fo, W, density, z, rng):
    """A toy kind: the rtl address map, refused above z = 128 (a kind condition that depends on z)."""
    if z > 128:
        raise SpecError(f"generate: narrow needs z <= 128; received z={z}.")
    rtl = adjmat.generate("rtl", p, n, fo=fo)
    return adjmat.Pattern(rtl.left, rtl.right, p, n)


@pytest.fixture
def narrow_kind():
    adjmat.register_kind(adjmat.Kind("narrow", _build_narrow, fixed_degrees=True, needs_z=True,
                                     hardware_faithful=True, sized_by=("fo",), seeded=False))
    yield "narrow"
    adjmat.unregister_kind("narrow")


def test_a_design_the_kind_cannot_build_is_kept_as_skipped(narrow_kind):
    table = sweep_z(CONFIG, FO, narrow_kind, inputs=5, seed=0)
    assert [(r.z, r.cpc) for r in table.rows] == [((128, 32), 32), ((256, 64), None)]
    skipped = table.rows[1]
    assert skipped.skipped == "generate_network: junction 1 (1024 -> 64): narrow needs z <= 128; received z=256."
    assert skipped.multipliers == resources(NetSpec(CONFIG, FO, (256, 64)))["multipliers"]
    assert "skipped: generate_network: junction 1 (1024 -> 64): narrow needs z <= 128" in table.summary()
    assert table.csv_rows()[2][3] == ""


def test_a_registered_kind_is_checked_by_its_registry_facts(narrow_kind):
    """hwsim reads fixed_degrees from the registry: a fixed-degree toy kind's patterns must have exact degrees."""
    net = NetSpec((64, 16, 4), (2, 2), (32, 8))
    pats = generate_network(net, "narrow")
    assert simulate(net, pats, inputs=3).patterns[0]["kind"] == "narrow"
    uneven = generate_network(net, "random", seed=0)
    relabelled = [adjmat.Pattern(p.left, p.right, p.p, p.n, kind="narrow") for p in uneven]
    with pytest.raises(SpecError, match=r"patterns\[0\] \(junction 1\) is kind='narrow', so every out-degree "
                                        r"must be fo=2"):
        simulate(net, relabelled, inputs=3)
    adjmat.unregister_kind("narrow")                     # unknown again: checked as variable-degree
    assert simulate(net, relabelled, inputs=3).hardware_violations
    adjmat.register_kind(adjmat.Kind("narrow", _build_narrow, fixed_degrees=True, needs_z=True,
                                     hardware_faithful=True, sized_by=("fo",), seeded=False))


def test_table_files(tmp_path):
    table = sweep_z(CONFIG, FO, "clash_free", inputs=100, seed=1, mode="infer")
    d = json.load(open(table.to_json(tmp_path / "t.json")))
    assert d["mode"] == "infer" and d["rows"][0]["z"] == [128, 32] and d["rows"][0]["cpc"] == 32
    rows = list(csv.reader(open(table.to_csv(tmp_path / "t.csv"))))
    assert rows[0][:4] == ["z", "C", "balanced", "cpc"] and rows[1][:4] == ["128;32", "32;32", "True", "32"]
    assert table.summary().splitlines()[0] == ("sweep z: config (1024, 64, 32) fo (4, 16), kind clash_free, seed 1, "
                                               "infer, 100 inputs, ideal timing")


@pytest.mark.parametrize("kwargs,message", [
    (dict(netspec=(1024, 64, 32), fo=None), "sweep_z: fo must be the out-degrees"),
    (dict(netspec=(1024, 64, 32), fo=(4,)), "sweep_z: netspec must be an adjmat.NetSpec or layer sizes"),
    (dict(kind="nope"), "kind"),
    (dict(inputs=0), "sweep_z: inputs must be a positive integer"),
    (dict(mode="training"), "sweep_z: mode must be one of"),
    (dict(hardware={"timing": "rtl"}), "sweep_z: hardware must be an hwsim.HardwareConfig"),
    (dict(allow_unbalanced="yes"), "sweep_z: allow_unbalanced must be True or False"),
    (dict(z=(128, 32)), r"sweep_z: z\[0\] must be"),
    (dict(z=[(100, 32)], allow_unbalanced=True), r"sweep_z: z\[0\] = \(100, 32\): junction 1 \(1024 -> 64\): "
                                                  r"z must be a divisor of p"),
    (dict(progress=3), "sweep_z: progress must be None, a bool or a callable"),
    (dict(netspec=NetSpec(CONFIG, FO), fo=(2, 2)), "sweep_z: fo must be None or the NetSpec's fo"),
    (dict(netspec=(9, 6), fo=(2,)),
     r"sweep_z: allow_unbalanced must be True here: config=\(9, 6\), fo=\(2,\) has no balanced "
     r"hardware-faithful choice of z"),
])
def test_bad_inputs(kwargs, message):
    call = dict(netspec=CONFIG, fo=FO, kind="clash_free", inputs=10, seed=0)
    call.update(kwargs)
    with pytest.raises(SpecError, match=message):
        sweep_z(call.pop("netspec"), call.pop("fo"), call.pop("kind"), **call)
