"""The answer of a design: per-kind summaries, the seed-noise test, Pareto fronts and the recommendation rule.

The rule (docs/design.md §4), on the ranking measure (``rank_by``: the float test accuracy, the accuracy on the
chip's arithmetic, or the on-chip-trained accuracy):

1. **Meaningful?**  When the most accurate kind is below twice chance, or any kind is within
   :data:`CHANCE_MARGIN` of chance (1 / classes), the ranking is not meaningful and nothing is recommended.
2. **Floor.**  A sparse kind qualifies only when its mean is at most ``max_loss`` points below fully connected;
   when none does, the answer says so and names the best trade-offs (the Pareto front against inputs/s).
3. **As accurate as the best.**  Among the qualifying kinds, those whose accuracy cannot be told apart from the
   most accurate one's: Welch's two-sample t-test over the seeds, two-sided, at :data:`ALPHA` (with one seed,
   no noise estimate exists, so within :data:`ACCURACY_TOLERANCE`).
4. **Fastest.**  Of those, the one with the most inputs/s, then the least energy per input.

The answer also says whether the recommended design can be built on the published RTL (a hardware-faithful
plan and a pattern clash-free at z) and, when it cannot, the nearest plan and kinds that can.
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np

from ..fmt import pct

__all__ = ["summaries", "pareto", "recommend", "welch", "differ", "chance_warning", "MEASURES", "ALPHA",
           "ACCURACY_TOLERANCE", "CHANCE_MARGIN", "MAX_LOSS", "PARETO_VIEWS"]

#: Ranking measures: ``rank_by`` name -> the row field holding it.
MEASURES = {"float": "accuracy", "hardware": "hardware_accuracy", "onchip": "onchip_accuracy"}
_MEASURE_TEXT = {"float": "test accuracy (float, Keras)", "hardware": "test accuracy on the chip's arithmetic",
                 "onchip": "test accuracy after on-chip training"}
#: Significance level of the seed-noise test.
ALPHA = 0.05
#: With one seed (no noise estimate): accuracies this close count as equal.
ACCURACY_TOLERANCE = 0.005
#: A kind this close to chance (fraction) makes the ranking not meaningful.
CHANCE_MARGIN = 0.05
#: Default floor: points of accuracy a recommended kind may lose against fully connected.
MAX_LOSS = 1.0
#: Pareto views: the figure traded against accuracy, and whether more of it is better.
PARETO_VIEWS = {"throughput": True, "energy_pj": False, "W": False}


def _stats(values: list) -> dict[str, Any]:
    vals = [v for v in values if v is not None]
    return {"mean": float(np.mean(vals)) if vals else None,
            "std": float(np.std(vals, ddof=1)) if len(vals) > 1 else None,
            "min": min(vals) if vals else None, "max": max(vals) if vals else None, "values": vals}


def welch(a: Sequence[float], b: Sequence[float]) -> float | None:
    """Two-sided p-value of Welch's t-test that ``a`` and ``b`` have equal means; None with under two values in
    either (no noise estimate).  Two constant samples give p = 1 when equal and 0 when not.

    Examples
    --------
    >>> welch([0.97, 0.971, 0.969], [0.95, 0.951, 0.949]) < 1e-4
    True
    >>> welch([0.9], [0.8]) is None
    True
    """
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if len(a) < 2 or len(b) < 2:
        return None
    va, vb = a.var(ddof=1) / len(a), b.var(ddof=1) / len(b)
    diff = a.mean() - b.mean()
    if va + vb == 0:
        return 1.0 if diff == 0 else 0.0
    t = diff / math.sqrt(va + vb)
    dof = (va + vb) ** 2 / (va ** 2 / (len(a) - 1) + vb ** 2 / (len(b) - 1))
    from scipy.stats import t as student
    return float(2 * student.sf(abs(t), dof))


def differ(a: Sequence[float], b: Sequence[float]) -> bool:
    """Whether two kinds' accuracies over seeds differ by more than the seeds' noise: Welch's p < :data:`ALPHA`
    (with one seed each: a difference over :data:`ACCURACY_TOLERANCE`).

    Examples
    --------
    >>> differ([0.970, 0.975, 0.968], [0.969, 0.972, 0.974]), differ([0.97], [0.96])
    (False, True)
    """
    p = welch(a, b)
    if p is None:
        return abs(float(np.mean(a)) - float(np.mean(b))) > ACCURACY_TOLERANCE
    return p < ALPHA


_HARDWARE_KEYS = ("kind", "W", "density", "cpc", "throughput", "latency_s", "stall_clocks", "bank_stall_clocks",
                  "rmw_stall_clocks", "rmw_hazards", "rmw_stale", "multipliers", "memory_bits", "energy_pj",
                  "energy_memory_pj", "energy_arithmetic_pj", "valid", "clash_free", "scatter", "balanced",
                  "hardware_violations")


def summaries(rows: list, kinds: Sequence[str], seeds: Sequence[int], rank_by: str = "float") -> list[dict]:
    """One entry per kind: hardware figures of the first seed, mean / spread / min / max over seeds of every
    accuracy measure, ratios against fc; ranked by the ``rank_by`` measure's mean (then inputs/s)."""
    out = []
    for kind in kinds:
        mine = [r for r in rows if r["kind"] == kind]
        first = next(r for r in mine if r["seed"] == seeds[0])
        entry = {k: first[k] for k in _HARDWARE_KEYS}
        entry["clash_free"] = all(r["clash_free"] for r in mine)
        entry["same_as"] = first.get("same_as")
        fl, hw, oc = (_stats([r.get(f) for r in mine]) for f in MEASURES.values())
        loss = _stats([r["loss"] for r in mine])
        entry.update({"seeds": len(fl["values"]), "accuracy_mean": fl["mean"], "accuracy_std": fl["std"],
                      "accuracy_min": fl["min"], "accuracy_max": fl["max"], "accuracies": fl["values"],
                      "hardware_accuracy_mean": hw["mean"], "hardware_accuracy_std": hw["std"],
                      "hardware_accuracies": hw["values"], "onchip_accuracy_mean": oc["mean"],
                      "onchip_accuracy_std": oc["std"], "onchip_accuracies": oc["values"],
                      "quantisation_loss": None if hw["mean"] is None or fl["mean"] is None
                      else fl["mean"] - hw["mean"],
                      "hardware_notes": sorted({r["hardware_note"] for r in mine if r.get("hardware_note")}),
                      "loss_mean": loss["mean"], "runs": [r["run"] for r in mine]})
        out.append(entry)
    fc = next((e for e in out if e["kind"] == "fc"), None)
    key = MEASURES[rank_by] + "_mean"
    for e in out:
        e["rank_measure"] = e[key]
        e["accuracy_vs_fc"] = None if fc is None or e[key] is None or fc[key] is None else e[key] - fc[key]
        e["throughput_vs_fc"] = None if fc is None else e["throughput"] / fc["throughput"]
        e["energy_vs_fc"] = None if fc is None else e["energy_pj"] / fc["energy_pj"]
        e["weights_vs_fc"] = None if fc is None else e["W"] / fc["W"]
        values = e[MEASURES[rank_by].replace("accuracy", "accuracies")]
        e["differs_from_fc"] = None if fc is None or e is fc or not values else differ(
            values, fc[MEASURES[rank_by].replace("accuracy", "accuracies")])
    out.sort(key=lambda e: (e[key] is None, -(e[key] or 0.0), -e["throughput"], e["kind"]))
    for rank, e in enumerate(out, 1):
        e["rank"] = rank
    return out


def pareto(kinds: list, measure: str = "accuracy_mean") -> dict[str, list[str]]:
    """Kinds on each accuracy-vs-figure front: no other kind is at least as good on both and better on one."""
    scored = [e for e in kinds if e.get(measure) is not None]
    fronts = {}
    for key, more_is_better in PARETO_VIEWS.items():
        def better_eq(a, b, key=key, more_is_better=more_is_better):  # a at least as good as b on the figure
            return a[key] >= b[key] if more_is_better else a[key] <= b[key]
        fronts[key] = [e["kind"] for e in scored
                       if not any(o is not e and o[measure] >= e[measure] and better_eq(o, e)
                                  and (o[measure] > e[measure] or o[key] != e[key]) for o in scored)]
    return fronts


def chance_warning(kinds: list, classes: int, measure: str) -> str | None:
    """Why a ranking at these accuracies is not meaningful (near chance), or None."""
    chance = 1.0 / classes
    means = {e["kind"]: e[measure] for e in kinds if e.get(measure) is not None}
    if not means:
        return "no kind has an accuracy on this measure"
    best = max(means.values())
    near = [k for k, m in means.items() if m - chance < CHANCE_MARGIN]
    if best < 2 * chance or near:
        what = (f"the most accurate kind reaches {pct(best)}, under twice chance ({pct(2 * chance)})"
                if best < 2 * chance else
                f"{', '.join(near)} {'is' if len(near) == 1 else 'are'} within {100 * CHANCE_MARGIN:.0f} points of "
                f"chance ({pct(chance)} for {classes} classes)")
        return (f"the ranking is not meaningful: {what}; train longer (more epochs) or check the dataset before "
                f"choosing a kind")
    return None


def _buildable(entry: dict, plan) -> list[str]:
    """Why a kind at the plan cannot be built on the published RTL (empty: it can)."""
    why = list(plan.hardware_violations) if entry["kind"] != "fc" else list(entry["hardware_violations"])
    if not entry["clash_free"]:
        why.append(f"{entry['kind']} patterns clash in the memory banks at z (the RTL reads one word per bank "
                    f"per clock)")
    return why


def _nearest_buildable(entry: dict, plan, kinds: list) -> str:
    faithful = [o for o in plan.options if o["hardware_faithful"]]
    parts = []
    if plan.hardware_violations or entry["kind"] == "fc":
        if faithful:
            o = min(faithful, key=lambda o: (abs(o["cycle"] - plan.cycle), o["cycle"]))
            parts.append(f"the nearest hardware-faithful plan is z=({', '.join(map(str, o['z']))}) (C={o['cycle']}, "
                         f"{o['throughput']:,.0f} inputs/s, {o['multipliers']:,} multipliers)")
        else:
            parts.append("no balanced design of this network is hardware-faithful (change fo so that fi | z and "
                         "fo | z)")
    clash_free = [e["kind"] for e in kinds if e["clash_free"] and e["kind"] != "fc"]
    if not entry["clash_free"] or entry["kind"] == "fc":
        parts.append("a clash-free kind (" + (", ".join(clash_free) if clash_free else "clash_free or rtl")
                     + ") is needed")
    return "; ".join(parts)


def _trade_offs(sparse: list, fc: dict, measure: str) -> str:
    front = pareto(sparse, measure)["throughput"]
    items = []
    for e in sorted((e for e in sparse if e["kind"] in front), key=lambda e: -e[measure]):
        items.append(f"{e['kind']} ({pct(e[measure])}, {100 * (e[measure] - fc[measure]):+.2f} points, "
                     f"{e['throughput'] / fc['throughput']:.2f}x the inputs/s)")
    return ", ".join(items)


def recommend(kinds: list, plan, *, rank_by: str = "float", max_loss: float = MAX_LOSS,
              classes: int | None = None, sim_inputs: int = 1000) -> tuple[str | None, str, dict]:
    """(kind or None, the answer in one paragraph, facts) by the rule of the module docstring.

    ``facts``: ``meaningful``, ``chance_note``, ``qualifying`` (kinds over the floor), ``tied_with_best`` (kinds
    that cannot be told apart from the most accurate qualifying one), ``buildable`` and ``buildable_note``."""
    field = MEASURES[rank_by] + "_mean"
    values = MEASURES[rank_by].replace("accuracy", "accuracies")
    text_measure = _MEASURE_TEXT[rank_by]
    facts = {"rank_by": rank_by, "max_loss": max_loss, "meaningful": True, "chance_note": None, "qualifying": [],
             "tied_with_best": [], "buildable": None, "buildable_note": None,
             "test": f"Welch's t-test over seeds, two-sided, alpha {ALPHA} (one seed: within "
                     f"{100 * ACCURACY_TOLERANCE:.1f} points)"}
    note = chance_warning(kinds, classes, field) if classes else None
    if note is not None:
        facts.update(meaningful=False, chance_note=note)
        return None, f"No recommendation: {note}.", facts
    fc = next((e for e in kinds if e["kind"] == "fc"), None)
    sparse = [e for e in kinds if e["kind"] != "fc" and e[field] is not None]
    if not sparse:
        return None, "No recommendation: no sparse kind was compared (add kinds besides fc).", facts
    if fc is not None:
        qualifying = [e for e in sparse if e[field] >= fc[field] - max_loss / 100]
    else:
        qualifying = list(sparse)
    facts["qualifying"] = [e["kind"] for e in qualifying]
    if not qualifying:
        return None, (f"No sparse kind qualifies: every one loses more than {max_loss:g} point(s) of {text_measure} "
                      f"against fully connected ({pct(fc[field])} over {fc['seeds']} seed(s)). Best trade-offs "
                      f"(accuracy vs inputs/s): {_trade_offs(sparse, fc, field)}. Raise --max-loss to accept one, "
                      f"or train longer."), facts
    best = max(qualifying, key=lambda e: e[field])
    tied = [e for e in qualifying if e is best or not differ(e[values], best[values])]
    facts["tied_with_best"] = [e["kind"] for e in tied]
    pick = max(tied, key=lambda e: (e["throughput"], -e["energy_pj"], e[field]))
    spread = f" +/- {100 * pick[field.replace('_mean', '_std')]:.2f}" \
        if pick[field.replace("_mean", "_std")] is not None else ""
    text = (f"Use {pick['kind']} at z={plan.z} (C={plan.cycle}): {pct(pick[field])}{spread} {text_measure} over "
            f"{len(pick[values])} seed(s), {pick['throughput']:,.0f} inputs/s at {plan.clock / 1e6:g} MHz, "
            f"{pick['energy_pj'] / 1e3:,.1f} nJ per training input, {pick['W']:,} weights")
    if rank_by != "hardware" and pick["hardware_accuracy_mean"] is not None:
        text += f"; on the chip's fixed-point arithmetic {pct(pick['hardware_accuracy_mean'])}"
    if fc is not None:
        d = 100 * (pick[field] - fc[field])
        significance = "beyond the seeds' noise" if pick["differs_from_fc"] else "within the seeds' noise"
        text += (f"; against fully connected at the same z it {'loses' if d < 0 else 'gains'} {abs(d):.2f} points "
                 f"({significance}; floor {max_loss:g} point(s) below fc) for "
                 f"{pick['throughput'] / fc['throughput']:.2f}x the inputs/s, "
                 f"{pick['energy_pj'] / fc['energy_pj']:.2f}x the energy per input and "
                 f"{pick['W'] / fc['W']:.0%} of the weights")
    else:
        text += "; no fully connected baseline was trained, so the floor was not applied (add fc to the kinds)"
    if pick["rmw_hazards"]:
        text += (f"; mind its {pick['rmw_hazards']:,} RMW hazards in {sim_inputs:,} inputs (stale partial sums "
                 f"unless the build forwards or stalls, docs/hardware.md §5)")
    if pick is not best:
        text += (f"; its accuracy cannot be told apart from the most accurate qualifying kind, {best['kind']} "
                 f"({pct(best[field])}), which runs at {best['throughput']:,.0f} inputs/s")
    why = _buildable(pick, plan)
    facts["buildable"] = not why
    if why:
        facts["buildable_note"] = "; ".join(why) + "; " + _nearest_buildable(pick, plan, kinds)
        text += f". Not buildable on the published RTL: {facts['buildable_note']}"
    else:
        text += ". Buildable on the published RTL (hardware-faithful plan, clash-free pattern)"
    return pick["kind"], text + ".", facts
