"""predefsparse.codesign.ranking: the floor under fully connected, the seed-noise test, near-chance rankings, the
"no kind qualifies" answer and the buildable-on-the-RTL note, on hand-made summaries (exact inputs, no training)."""
import pytest

from hwsim.planning import plan
from predefsparse.codesign.ranking import pareto, recommend, summaries, welch

PLAN = plan((800, 100, 10), fo=(50, 10))                       # z (400, 10): junction 2 breaks fi | z
FAITHFUL = plan((1024, 64, 32), fo=(4, 16), z1=128)            # the published build


def _rows(accuracies: dict, *, throughput=None, clash_free=("clash_free", "rtl"), hardware=None):
    """Rows of a design: ``{kind: [accuracy per seed]}`` with made-up but consistent hardware figures."""
    rows = []
    for kind, accs in accuracies.items():
        for seed, acc in enumerate(accs):
            rows.append({"kind": kind, "seed": seed, "W": 81_000 if kind == "fc" else 41_000, "density": 0.5,
                         "cpc": 200 if kind == "fc" else 100, "latency_s": 1e-5,
                         "throughput": (throughput or {}).get(kind, 75_000.0 if kind == "fc" else 150_000.0),
                         "stall_clocks": 0, "bank_stall_clocks": 0, "rmw_stall_clocks": 0, "rmw_hazards": 0,
                         "rmw_stale": 0, "multipliers": 842, "memory_bits": 1.0,
                         "energy_pj": 520e3 if kind == "fc" else 267e3, "energy_memory_pj": 1.0,
                         "energy_arithmetic_pj": 1.0, "valid": True, "clash_free": kind in clash_free or kind == "fc",
                         "scatter": 1.0, "balanced": kind != "fc",
                         "hardware_violations": ["unequal cycles"] if kind == "fc" else [],
                         "accuracy": acc, "loss": 0.1, "run": f"runs/{kind}-seed{seed}",
                         "hardware_accuracy": None if hardware is None else hardware[kind][seed],
                         "onchip_accuracy": None, "hardware_note": None})
    return rows


def _answer(accuracies, plan_=PLAN, classes=10, **kw):
    seeds = list(range(len(next(iter(accuracies.values())))))
    rank_by, max_loss = kw.pop("rank_by", "float"), kw.pop("max_loss", 1.0)
    kinds = summaries(_rows(accuracies, **kw), list(accuracies), seeds, rank_by)
    return kinds, recommend(kinds, plan_, rank_by=rank_by, max_loss=max_loss, classes=classes)


def test_a_kind_30_points_below_fc_is_never_recommended():
    # the morse case of issue 17: clash_free 38.6 % against fully connected 69.05 %, three seeds each
    kinds, (pick, text, facts) = _answer({"fc": [0.69, 0.695, 0.686], "clash_free": [0.38, 0.39, 0.388],
                                          "random": [0.36, 0.37, 0.35]}, classes=64)
    assert pick is None and facts["qualifying"] == []
    assert text.startswith("No sparse kind qualifies: every one loses more than 1 point(s)")
    assert "Best trade-offs (accuracy vs inputs/s): clash_free (38.60 %, -30.43 points, 2.00x the inputs/s)" in text


def test_the_floor_is_max_loss_points_under_fc_on_the_ranking_measure():
    acc = {"fc": [0.970, 0.972, 0.971], "clash_free": [0.962, 0.963, 0.961], "random": [0.968, 0.969, 0.970]}
    _, (pick, _, facts) = _answer(acc, max_loss=1.0)
    # clash_free is worse than random beyond the seeds' noise
    assert sorted(facts["qualifying"]) == ["clash_free", "random"] and pick == "random"
    _, (pick, _, facts) = _answer(acc, max_loss=0.5)
    assert facts["qualifying"] == ["random"] and pick == "random"
    _, (pick, text, _) = _answer(acc, max_loss=0.05)
    assert pick is None and "No sparse kind qualifies" in text
    # the hardware measure ranks on the hardware accuracies, whatever the float ones say
    hw = {"fc": [0.96, 0.961, 0.962], "clash_free": [0.958, 0.957, 0.959], "random": [0.90, 0.91, 0.905]}
    kinds, (pick, text, facts) = _answer(acc, rank_by="hardware", hardware=hw)
    assert facts["qualifying"] == ["clash_free"] and pick == "clash_free" and kinds[0]["kind"] == "fc"
    assert "on the chip's arithmetic" in text


def test_kinds_within_seed_noise_are_one_group_and_the_fastest_wins():
    acc = {"fc": [0.9731, 0.9711, 0.9690], "random": [0.9712, 0.9690, 0.9731], "clash_free": [0.9700, 0.9721, 0.9680]}
    assert welch(acc["random"], acc["clash_free"]) > 0.05
    kinds, (pick, text, facts) = _answer(acc, throughput={"fc": 75_000.0, "random": 61_728.0})
    assert sorted(facts["tied_with_best"]) == ["clash_free", "random"]
    assert pick == "clash_free"                                   # the faster of two kinds noise cannot tell apart
    assert "within the seeds' noise" in text and "cannot be told apart" in text
    assert {e["kind"]: e["differs_from_fc"] for e in kinds} == {"fc": None, "random": False, "clash_free": False}


@pytest.mark.parametrize("accs, why", [
    ({"fc": [0.18, 0.19], "clash_free": [0.16, 0.17]}, "under twice chance"),            # digits after 3 epochs
    ({"fc": [0.95, 0.96], "clash_free": [0.11, 0.10]}, "within 5 points of chance"),     # one kind collapsed
])
def test_a_ranking_near_chance_is_not_meaningful(accs, why):
    _, (pick, text, facts) = _answer(accs, classes=10)
    assert pick is None and not facts["meaningful"]
    assert text.startswith("No recommendation: the ranking is not meaningful") and why in text


def test_buildable_on_the_published_rtl_or_the_nearest_plan_that_is():
    acc = {"fc": [0.97, 0.971], "clash_free": [0.969, 0.97], "random": [0.9695, 0.9705]}
    slower = {"fc": 75_000.0, "random": 61_728.0}
    _, (pick, text, facts) = _answer(acc, plan_=PLAN, throughput=slower)
    assert pick == "clash_free" and facts["buildable"] is False
    assert "Not buildable on the published RTL: junction 2: fi (100) must divide z (10)" in text
    assert "no balanced design of this network is hardware-faithful" in text
    _, (pick, text, facts) = _answer(acc, plan_=plan((1024, 64, 32), fo=(4, 16), cycle=64), throughput=slower)
    assert "Not buildable on the published RTL: junction 2: fi (32) must divide z (16)" in text
    assert "the nearest hardware-faithful plan is z=(128, 32) (C=32," in text
    _, (pick, text, facts) = _answer(acc, plan_=FAITHFUL, throughput=slower)
    assert pick == "clash_free" and facts["buildable"] is True
    assert text.endswith("Buildable on the published RTL (hardware-faithful plan, clash-free pattern).")
    # a pick that clashes in the banks needs a clash-free kind
    _, (pick, text, facts) = _answer({"fc": [0.97, 0.971], "random": [0.9695, 0.9705]}, plan_=FAITHFUL)
    assert pick == "random" and "a clash-free kind" in text and facts["buildable"] is False


def test_pareto_fronts_on_the_measure():
    kinds = summaries(_rows({"fc": [0.97], "clash_free": [0.96], "random": [0.95]}), ["fc", "clash_free", "random"],
                      [0])
    fronts = pareto(kinds)
    assert fronts["throughput"] == ["fc", "clash_free"] and "random" not in fronts["energy_pj"]
