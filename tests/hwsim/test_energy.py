"""hwsim.energy: energy per input is the simulator's traffic and operations times the table; tables are checked."""
import os

import pytest

import adjmat
import hwsim
from adjmat import SpecError
from hwsim.energy import EnergyTable, energy_per_input, energy_table

SHIPPED = os.path.join(os.path.dirname(__file__), "..", "..", "predefsparse", "data", "energy_45nm.toml")


def _report():
    net = adjmat.NetSpec((64, 16, 4), fo=(2, 2), z=(32, 8))
    return hwsim.simulate(net, adjmat.generate_network(net, "clash_free", seed=0), inputs=10)


def test_energy_is_traffic_and_operations_times_the_table():
    rep = _report()
    e = energy_per_input(rep)
    t = rep.traffic_per_input
    reads = sum(sum(v) for k, v in t.items() if hwsim.report.MEMORY_OF_KIND[k][1] == "reads")
    writes = sum(sum(v) for k, v in t.items() if hwsim.report.MEMORY_OF_KIND[k][1] == "writes")
    assert sum(a["reads"] for a in e["accesses"].values()) == reads
    assert sum(a["writes"] for a in e["accesses"].values()) == writes
    # 8-bit input words in junction 1's activation reads and the input load, 10-bit words elsewhere
    narrow = t["am_read_ff"][0] + t["am_read_up"][0] + sum(t["am_load"])
    assert e["memory_pj"] == pytest.approx(5.0 / 32 * (8 * narrow + 10 * (reads + writes - narrow)))
    assert e["mul_pj"] == pytest.approx(0.2 * (10 / 8) ** 2) and e["add_pj"] == pytest.approx(0.03 * 10 / 8)
    assert e["arithmetic_pj"] == pytest.approx(e["multiplies"] * e["mul_pj"] + e["adds"] * e["add_pj"])
    f = energy_per_input(rep, {"numerics": "float32", "sram_read_pj": 10.0})
    assert f["mul_pj"] == 3.7 and f["add_pj"] == 0.9 and f["width"] == 32
    assert f["memory_pj"] == pytest.approx(10.0 * reads + 5.0 * writes)


def test_tables_are_checked_key_by_key():
    with pytest.raises(SpecError, match="'sram_reed_pj' \\(did you mean 'sram_read_pj'\\?\\)") as err:
        energy_table({"sram_reed_pj": 4.0})
    assert err.value.param == "energy"
    with pytest.raises(SpecError, match="sram_read_pj is a number of picojoules"):
        energy_table({"sram_read_pj": -1.0})
    assert energy_table() == EnergyTable.default() == EnergyTable()


def test_the_shipped_toml_is_the_default_table():
    import tomllib
    with open(SHIPPED, "rb") as f:
        assert EnergyTable(**tomllib.load(f)) == EnergyTable()


def test_a_table_in_the_wrong_unit_is_flagged():
    assert EnergyTable().unit_warnings() == []
    warned = EnergyTable(sram_read_pj=5e-12, int8_mul_pj=2e-13).unit_warnings()
    assert len(warned) == 2 and "sram_read_pj = 5e-12 pJ" in warned[0] and "picojoules" in warned[0]
