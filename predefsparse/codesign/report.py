"""The design report page: the answer first, then the plan, patterns, hardware, accuracy and Pareto views.

:func:`build_page` turns a :class:`~predefsparse.codesign.Design` into an :class:`predefsparse.html.Page`
(one self-contained HTML file and a Markdown twin); the figures are :mod:`predefsparse.codesign.figures`.
"""
from __future__ import annotations

import os

from ..fmt import pct
from ..html import Cell, Page
from . import figures as F
from .ranking import ACCURACY_TOLERANCE, ALPHA

__all__ = ["build_page"]

_VIEW_NAMES = {"throughput": "inputs/s", "energy_pj": "energy per input", "W": "weights"}


def _pct_cell(x) -> Cell:
    return Cell(pct(x), x)


def _spread_cell(std) -> Cell:
    return Cell("- (one seed)" if std is None else f"{100 * std:.2f}", std)


def _num(x, fmt: str = ",.0f") -> Cell:
    return Cell("-" if x is None else format(x, fmt), x)


def _reused(d) -> str:
    k, n = d.timings.get("runs_reused", 0), len(d.rows)
    return f" ({k} of {n} training runs reused from an earlier call into this folder)" if k else ""


def _epochs(d) -> str:
    n = d.request["epochs"]
    return f"{n} epoch" + ("" if n == 1 else "s")


# ------------------------------------------------------------------------------------------------- page
def build_page(d) -> Page:
    """The report page of a :class:`~predefsparse.codesign.Design`.

    Examples
    --------
    >>> callable(build_page)
    True
    """
    p = d.plan
    req = d.request
    page = Page(f"predefsparse design: {F.tag(d)}",
                f"{', '.join(req['kinds'])} on {req['dataset']}, {_epochs(d)}, seeds "
                f"{', '.join(map(str, req['seeds']))}; {p.timing} timing at {p.clock / 1e6:g} MHz; made in "
                f"{d.timings.get('total_s', 0):.0f} s" + _reused(d))

    # ---- answer
    page.heading("Answer")
    page.paragraph(d.recommendation, style="answer")
    for line in d.warnings:
        page.paragraph("Warning: " + line, style="note")
    for dup in d.duplicates:
        page.paragraph(f"{dup['kind']} draws the same patterns as {dup['same_as']} here (seeds "
                       f"{', '.join(map(str, dup['seeds']))}); it was simulated and trained once and its rows repeat "
                       f"{dup['same_as']}'s numbers.", style="note")
    measure = d.answer.get("rank_by", "float")
    rows = []
    for e in d.kinds:
        rows.append([e["rank"], e["kind"], _pct_cell(e["accuracy_mean"]),
                     _spread_cell(e["accuracy_std"]), _num(e["throughput"]),
                     Cell(f"{e['energy_pj'] / 1e3:,.1f}", e["energy_pj"]), _num(e["W"]),
                     _pct_cell(e["hardware_accuracy_mean"]), _pct_cell(e["onchip_accuracy_mean"]),
                     Cell("-" if e["accuracy_vs_fc"] is None else f"{100 * e['accuracy_vs_fc']:+.2f}",
                          e["accuracy_vs_fc"]),
                     "-" if e["differs_from_fc"] is None else ("yes" if e["differs_from_fc"] else "no"),
                     Cell("-" if e["throughput_vs_fc"] is None else f"{e['throughput_vs_fc']:.2f}x",
                          e["throughput_vs_fc"]),
                     "yes" if e["clash_free"] else "no"])
    page.table(["rank", "kind", "accuracy (float)", "spread (points)", "inputs/s", "nJ/input", "weights",
                "on the chip's arithmetic", "on-chip trained", f"vs fc (points, {measure})",
                "differs from fc beyond noise", "inputs/s vs fc", "clash-free"], rows,
               caption=f"Kinds ranked by the mean {measure} accuracy (then inputs/s); spread = sample standard "
                       f"deviation over seeds; hardware figures of the first seed. 'On the chip's arithmetic': the "
                       f"trained weights quantised to the build's words and run through hwsim.infer on the test "
                       f"split; 'on-chip trained': hwsim.train's fixed-point batch-1 training (--on-chip).",
               table_id="ranked", highlight=[i for i, e in enumerate(d.kinds) if e["kind"] == d.recommended])
    page.paragraph(f"Recommendation rule (docs/design.md §4), on the {measure} accuracy: no recommendation when it "
                   f"is near chance; a sparse kind qualifies when its mean is at most {d.answer.get('max_loss', 1):g} "
                   f"points below fully connected; of the qualifying kinds whose accuracy cannot be told apart from "
                   f"the most accurate one's (Welch's t-test over seeds, two-sided, p >= {ALPHA}; one seed: within "
                   f"{100 * ACCURACY_TOLERANCE:.1f} points), the one with the most inputs/s, then the least energy "
                   f"per input. Buildable on the published RTL: a hardware-faithful plan and a pattern clash-free "
                   f"at z.", style="note")

    # ---- plan
    page.heading("Plan")
    page.paragraph(p.rule)
    page.table(["junction", "p", "n", "fo", "fi", "W", "density", "z", "C"],
               [[i + 1, p.config[i], p.config[i + 1], p.fo[i], p.fi[i], _num(p.W[i]), _pct_cell(p.density[i]),
                 p.z[i], p.cycle] for i in range(len(p.W))],
               caption=f"{p.weights:,} weights, overall density {pct(p.overall_density)}; cpc {p.cpc} clocks, "
                       f"{p.throughput:,.0f} inputs/s when clash-free, {p.multipliers:,} multipliers, "
                       f"{p.memory_bits:,.0f} memory bits.", table_id="plan")
    if p.hardware_violations:
        page.paragraph("Not hardware-faithful (the published RTL needs fi | z and fo | z, docs/patterns.md §4): "
                       + "; ".join(p.hardware_violations) + ". The simulator runs it anyway.", style="note")
    page.table(["C", "z", "cpc", "inputs/s (clash-free)", "multipliers", "memory bits", "hardware-faithful"],
               [[o["cycle"], ", ".join(map(str, o["z"])), o["cpc"], _num(o["throughput"]), _num(o["multipliers"]),
                 _num(o["memory_bits"]), "yes" if o["hardware_faithful"] else "no"] for o in p.options],
               caption="Every balanced design of this network (z_i = W_i / C); the chosen one is marked.",
               table_id="options", highlight=[i for i, o in enumerate(p.options) if o["cycle"] == p.cycle])

    # ---- patterns
    page.heading("Patterns")
    first = {r["kind"]: r for r in d.rows if r["seed"] == req["seeds"][0]}
    page.table(["kind", "valid", "clash-free at z", "scatter", "W", "overall density"],
               [[k, "yes" if first[k]["valid"] else "NO", "yes" if first[k]["clash_free"] else "no",
                 Cell(f"{first[k]['scatter']:.3f}", first[k]["scatter"]), _num(first[k]["W"]),
                 _pct_cell(first[k]["density"])] for k in req["kinds"]],
               caption=f"Patterns of seed {req['seeds'][0]} (all seeds saved in patterns/<kind>/); scatter as "
                       f"in docs/patterns.md §7 (1 = every neuron sees every window its fair share).",
               table_id="patterns")
    for kind, pats in d.patterns.items():
        page.figure(F.pattern_png(pats[0], p.z[0]), f"{kind}: junction 1 pattern ({pats[0].p} -> {pats[0].n}, "
                    f"z = {p.z[0]}): connections, degrees and busiest-bank loads", f"pattern-{kind}")

    # ---- hardware
    page.heading("Hardware")
    page.table(["kind", "cpc", "inputs/s", "latency (us)", "stall clocks", "bank stalls", "RMW stalls",
                "RMW hazards", "multipliers", "memory bits", "nJ/input", "memory nJ", "arithmetic nJ"],
               [[e["kind"], e["cpc"], _num(e["throughput"]), Cell(f"{1e6 * e['latency_s']:.2f}", e["latency_s"]),
                 _num(e["stall_clocks"]), _num(e["bank_stall_clocks"]), _num(e["rmw_stall_clocks"]),
                 _num(e["rmw_hazards"]), _num(e["multipliers"]), _num(e["memory_bits"]),
                 Cell(f"{e['energy_pj'] / 1e3:,.1f}", e["energy_pj"]),
                 Cell(f"{e['energy_memory_pj'] / 1e3:,.1f}", e["energy_memory_pj"]),
                 Cell(f"{e['energy_arithmetic_pj'] / 1e3:,.1f}", e["energy_arithmetic_pj"])] for e in d.kinds],
               caption=f"hwsim.simulate of {req['inputs']:,} training inputs per kind at the same z; stall and "
                       f"hazard counts are totals of that run (bank and RMW stalls summed over junctions; stall "
                       f"clocks = clocks the lock-stepped pipeline lost). fc has its own fo (= n), so at the same z "
                       f"its junction cycles are longer.", table_id="hardware")
    page.figure(F.fig_hardware(d), "Throughput, stall clocks per input by cause, and energy per input by part, per "
                "kind at the planned z", "hardware")
    page.figure(F.fig_bank_loads(d), "Busiest-bank histograms per junction: how many clocks had their busiest "
                "bank read k times (k > 1 is a clash that costs k - 1 stall clocks)", "bank-loads")
    t = d.energy_table
    page.table(["operation", "energy (pJ)"],
               [["SRAM read of one " + str(t["sram_word_bits"]) + "-bit word (8 KB array)",
                 Cell(f"{t['sram_read_pj']:g}", t["sram_read_pj"])],
                ["SRAM write of one " + str(t["sram_word_bits"]) + "-bit word",
                 Cell(f"{t['sram_write_pj']:g}", t["sram_write_pj"])],
                ["8-bit integer multiply", Cell(f"{t['int8_mul_pj']:g}", t["int8_mul_pj"])],
                ["8-bit integer add", Cell(f"{t['int8_add_pj']:g}", t["int8_add_pj"])],
                ["32-bit float multiply", Cell(f"{t['fp32_mul_pj']:g}", t["fp32_mul_pj"])],
                ["32-bit float add", Cell(f"{t['fp32_add_pj']:g}", t["fp32_add_pj"])]],
               caption=f"Energy table: {t['source']}. Numerics {t['numerics']!r}: "
                       + ("words of the build's widths (10-bit working words, 8-bit inputs); an access costs the "
                          "word's share of a 32-bit read, a multiply int8 x (width/8)^2, an add int8 x width/8."
                          if t["numerics"] == "fixed" else "32-bit words and float arithmetic.")
                       + " See docs/design.md §3.", table_id="energy-table")

    # ---- accuracy
    page.heading("Accuracy")
    page.table(["kind", "seeds", "mean accuracy", "spread (points)", "min", "max", "on the chip's arithmetic",
                "lost to quantisation (points)", "on-chip trained", "mean loss", "run folders"],
               [[e["kind"], e["seeds"], _pct_cell(e["accuracy_mean"]),
                 _spread_cell(e["accuracy_std"]), _pct_cell(e["accuracy_min"]),
                 _pct_cell(e["accuracy_max"]), _pct_cell(e["hardware_accuracy_mean"]),
                 Cell("-" if e["quantisation_loss"] is None else f"{100 * e['quantisation_loss']:.2f}",
                      e["quantisation_loss"]), _pct_cell(e["onchip_accuracy_mean"]),
                 Cell(f"{e['loss_mean']:.4f}", e["loss_mean"]),
                 ", ".join(sorted({os.path.relpath(r, d.out) if d.out else r for r in e["runs"] if r}))]
                for e in d.kinds],
               caption=f"Every kind trained with the same settings (ReLU MLP, L2 {req['training']['l2']:g}, Adam "
                       f"{req['training']['lr']:g}, batch {req['training']['batch_size']}, train+val then test once) "
                       f"and seeds; accuracy on the test split. The chip's arithmetic "
                       f"({req.get('arithmetic', 'hwsim')} rules): {d.plan.hardware.width}-bit "
                       f"words ({d.plan.hardware.frac_bits} fraction bits), {d.plan.hardware.input_width}-bit inputs, "
                       f"the network's own hidden activation (hwsim has sigmoid and ReLU; any other gets no figure), "
                       f"prediction = largest output pre-activation (the class softmax picks)."
                       + ("" if not d.request.get("on_chip") else
                          f" On-chip training: {d.request['onchip_epochs']} epoch(s) of hwsim.train in fixed point "
                          f"(batch 1, eta {d.plan.hardware.eta:g}, sigmoid as the published RTL, RMW policy "
                          f"{d.plan.hardware.rmw!r}: hazards lose partial sums) from hwsim's initial weights."),
               table_id="accuracy")
    notes = sorted({n for e in d.kinds for n in e["hardware_notes"]})
    for note in notes:
        page.paragraph("On the chip's arithmetic: " + note + ".", style="note")
    page.figure(F.fig_accuracy(d), "Test accuracy per kind: every seed (float, on the chip's arithmetic, on-chip "
                "trained), mean +/- one sample standard deviation, and the floor under fully connected", "accuracy")
    page.figure(F.fig_curves(d), "Learning curves: training loss and accuracy per epoch", "curves")

    # ---- pareto
    page.heading("Pareto views")
    page.figure(F.fig_pareto(d), "Accuracy against inputs/s, energy per input and weights; outlined kinds are on "
                "the front (no other kind is at least as good on both axes)", "pareto")
    page.table(["view", "kinds on the front"],
               [[f"accuracy vs {_VIEW_NAMES[key]}", ", ".join(front)] for key, front in d.pareto.items()],
               table_id="pareto")

    page.heading("Files")
    page.paragraph("design.json holds every number of this page and request.json the settings that define it; "
                   "patterns/<kind>/seed<s>_junction<i>.npz the "
                   "patterns (adjmat.Pattern.load); hardware/<kind>_seed<s>.json the full simulator reports; "
                   "runs/<kind>-seed<s>/ each training run (model.keras, records.json, patterns/).")
    return page
