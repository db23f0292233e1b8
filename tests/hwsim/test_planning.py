"""hwsim.planning: every budget picks the documented balanced design; impossible budgets name the nearest ones."""
import pytest

import adjmat
import hwsim
from adjmat import SpecError
from hwsim.planning import network, plan, planned_z

NET = ((800, 100, 10), (50, 10))


def test_every_budget_picks_the_documented_design():
    config, fo = NET
    options = {o["cycle"]: o for o in plan(config, fo=fo).options}
    assert sorted(options) == adjmat.NetSpec.valid_cycles(config, fo)
    assert plan(config, fo=fo).z == (400, 10)                            # default: C nearest N_1 = 100
    assert plan(config, fo=fo, z1=200).z == (200, 5) and plan(config, fo=fo, cycle=50).z == (800, 20)
    # multipliers: the fastest design within the budget
    p = plan(config, fo=fo, multipliers=options[200]["multipliers"])
    assert p.cycle == 200 and p.multipliers == options[200]["multipliers"]
    assert plan(config, fo=fo, multipliers=options[200]["multipliers"] - 1).cycle == 250
    # throughput: the cheapest design reaching it (clock / (C + overhead))
    assert plan(config, fo=fo, throughput=75_000).cycle == 200
    assert plan(config, fo=fo, throughput=75_001).cycle == 100
    rtl = plan(config, fo=fo, throughput=75_000, timing="rtl")            # rtl adds 2 + proctime = 4 clocks
    assert rtl.cycle == 100 and rtl.cpc == 104 and rtl.throughput == pytest.approx(15e6 / 104)
    assert plan(config, fo=fo, cycle=100, clock=30e6).throughput == 300_000
    # the multiplier count is hwsim's resource model of the planned netspec
    assert p.multipliers == hwsim.resources(p.netspec, p.hardware)["multipliers"]
    assert p.budget == {"name": "multipliers", "value": options[200]["multipliers"]}
    assert plan(config, fo=fo).budget == {"name": "default", "value": None}


def test_a_hardware_faithful_design_is_preferred_and_the_published_build_plans():
    p = plan((1024, 64, 32), fo=(4, 16))
    faithful = adjmat.NetSpec.valid_cycles((1024, 64, 32), (4, 16), hardware=True)
    assert p.cycle in faithful and not p.hardware_violations
    published = plan((1024, 64, 32), fo=(4, 16), z1=128)
    assert published.z == (128, 32) and published.cycle == 32 and not published.hardware_violations


@pytest.mark.parametrize("budget, nearest", [
    ({"z1": 300}, "z1=160 (z=(160, 4), C=250), z1=200 (z=(200, 5), C=200), z1=400 (z=(400, 10), C=100)"),
    ({"cycle": 150}, "cycle=50 (z=(800, 20)), cycle=100 (z=(400, 10)), cycle=200 (z=(200, 5))"),
    ({"multipliers": 50}, "multipliers=86 (z=(40, 1), 15,000 inputs/s)"),
    ({"throughput": 1e6}, "throughput=300,000 (z=(800, 20), 1683 multipliers)"),
])
def test_impossible_budgets_are_refused_with_the_nearest_feasible(budget, nearest):
    with pytest.raises(SpecError) as err:
        plan(*NET[:1], fo=NET[1], **budget)
    assert "Nearest feasible: " + nearest in str(err.value)
    name = next(iter(budget))
    assert err.value.param == name and f"--{name}=" in err.value.naming(f"--{name}")  # names the flag as data


def test_densities_give_whole_out_degrees_and_z_is_checked():
    assert network((800, 100, 10), densities=(0.5, 1.0)) == ((800, 100, 10), (50, 10))
    with pytest.raises(SpecError, match="whole out-degree") as err:
        network((800, 100, 10), densities=(0.505, 1.0))
    assert err.value.param == "densities"
    with pytest.raises(SpecError, match="not both"):
        network((800, 100, 10), fo=(50, 10), densities=(0.5, 1.0))
    assert planned_z((800, 100, 10), (50, 10)) == (400, 10) and planned_z((800, 100, 10), (50, 10), 200) == (200, 5)
    with pytest.raises(SpecError, match=r"z\[0\] \(300\) must divide p \(800\)"):
        planned_z((800, 100, 10), (50, 10), (300, 10))


def test_plan_json_and_summary():
    p = plan(*NET[:1], fo=NET[1])
    d = p.to_dict()
    assert d["z"] == [400, 10] and d["weights"] == 41_000 and isinstance(d["options"], list)
    assert p.summary().splitlines()[0] == ("plan: config (800, 100, 10), 41,000 weights (overall density 50.62 %), "
                                           "default budget")
