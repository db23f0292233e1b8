"""The design report: the page of :func:`predefsparse.design.design` and its figures (docs/design.md §5).

:func:`build_page` turns a :class:`~predefsparse.design.Design` into an :class:`predefsparse.html.Page`:
the answer first, then the plan, the patterns, the hardware, the accuracy and the Pareto views.  Every figure
is made here with matplotlib's object API (no pyplot state) and its title says what it shows.
"""
from __future__ import annotations

import os
from typing import Any

import numpy as np

from .html import Cell, Page, figure_png

__all__ = ["build_page"]

_VIEW_NAMES = {"throughput": "inputs/s", "energy_pj": "energy per input", "W": "weights"}
_COLOURS = {"fc": "#4d4d4d", "random": "#d62728", "basic": "#ff7f0e", "usn": "#9467bd", "clash_free": "#2ca02c",
            "rtl": "#1f77b4", "erdos_renyi": "#8c564b"}


def _colour(kind: str, i: int) -> str:
    return _COLOURS.get(kind, f"C{i % 10}")


def _figure(width: float, height: float, ncols: int = 1):
    from matplotlib.figure import Figure
    fig = Figure(figsize=(width, height))
    axes = fig.subplots(1, ncols)
    return fig, (list(axes) if ncols > 1 else [axes])


def _int_ticks(ax, axis: str = "y") -> None:
    from matplotlib.ticker import MaxNLocator
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_locator(MaxNLocator(integer=True))


def _pct(x) -> str:
    return "-" if x is None else f"{100 * x:.2f} %"


def _pct_cell(x) -> Cell:
    return Cell(_pct(x), x)


def _spread_cell(std) -> Cell:
    return Cell("- (one seed)" if std is None else f"{100 * std:.2f}", std)


def _num(x, fmt: str = ",.0f") -> Cell:
    return Cell("-" if x is None else format(x, fmt), x)


def _reused(d) -> str:
    k, n = d.timings.get("runs_reused", 0), len(d.rows)
    return f" ({k} of {n} training runs reused from an earlier call into this folder)" if k else ""


def _tag(d) -> str:
    p = d.plan
    return f"config {p.config}, fo {p.fo}, z {p.z}"


# ---------------------------------------------------------------------------------------------- figures
def _fig_accuracy(d) -> Any:
    fig, (ax,) = _figure(7.5, 3.8)
    kinds = d.kinds
    for i, e in enumerate(kinds):
        acc = 100 * np.array(e["accuracies"])
        mean = 100 * e["accuracy_mean"]
        ax.plot(np.full(len(acc), i), acc, "o", color=_colour(e["kind"], i), alpha=0.45, markersize=5)
        ax.errorbar(i, mean, yerr=[[mean - acc.min()], [acc.max() - mean]], fmt="D", color=_colour(e["kind"], i),
                    markeredgecolor="black", markersize=8, capsize=5)
        ax.annotate(f"{mean:.2f} %", (i, mean), ha="left", va="center", fontsize=8, xytext=(9, 0),
                    textcoords="offset points")
    ax.set_xticks(np.arange(len(kinds)), [e["kind"] for e in kinds])
    ax.set_xlim(-0.5, len(kinds) - 0.2)
    ax.margins(y=0.25)
    ax.grid(axis="y", alpha=0.3)
    ax.set_ylabel("test accuracy (%)")
    seeds = kinds[0]["seeds"]
    how = "diamond: mean, whiskers: min-max, dots: runs" if seeds > 1 else "one run each"
    ax.set_title(f"Test accuracy per kind, {seeds} seed(s) each ({how})\n{_tag(d)}, {_epochs(d)} on "
                 f"{d.request['dataset']}", fontsize=9)
    fig.tight_layout()
    return fig


def _epochs(d) -> str:
    n = d.request["epochs"]
    return f"{n} epoch" + ("" if n == 1 else "s")


def _fig_curves(d) -> Any:
    fig, axes = _figure(10, 3.6, 2)
    for i, e in enumerate(d.kinds):
        runs = d.curves.get(e["kind"], {})
        for key, ax in (("loss", axes[0]), ("accuracy", axes[1])):
            series = [h[key] for h in runs.values() if key in h]
            if not series:
                continue
            n = min(len(s) for s in series)
            mean = np.mean([s[:n] for s in series], axis=0)
            ax.plot(np.arange(1, n + 1), mean * (100 if key == "accuracy" else 1), "-o", markersize=3,
                    color=_colour(e["kind"], i), label=e["kind"])
    axes[0].set_ylabel("training loss")
    axes[1].set_ylabel("training accuracy (%)")
    epochs = d.request["epochs"]
    for ax in axes:
        ax.set_xlabel("epoch" + (" (one epoch: one point per kind)" if epochs == 1 else ""))
        ax.set_xticks(np.arange(1, epochs + 1, max(1, epochs // 10)))
        ax.set_xlim(0.5, epochs + 0.5)
        ax.margins(y=0.1)
    axes[1].legend(fontsize=8)
    fig.suptitle(f"Learning curves (training split, mean over seeds), {_tag(d)}", fontsize=9)
    fig.tight_layout()
    return fig


def _fig_hardware(d) -> Any:
    fig, axes = _figure(12, 3.8, 3)
    kinds = d.kinds
    names = [e["kind"] for e in kinds]
    x = np.arange(len(kinds))
    cols = [_colour(k, i) for i, k in enumerate(names)]
    axes[0].bar(x, [e["throughput"] for e in kinds], color=cols)
    axes[0].set_ylabel("inputs/s")
    from matplotlib.ticker import FuncFormatter
    axes[0].yaxis.set_major_formatter(FuncFormatter(_short))
    axes[0].set_title(f"Throughput at {d.plan.clock / 1e6:g} MHz ({d.plan.timing} timing)", fontsize=9)
    inputs = d.request["inputs"]
    bank = np.array([e["bank_stall_clocks"] for e in kinds]) / inputs
    rmw = np.array([e["rmw_stall_clocks"] for e in kinds]) / inputs
    axes[1].bar(x, bank, color="#d62728", label="bank clashes")
    axes[1].bar(x, rmw, bottom=bank, color="#9467bd", label="RMW stalls")
    lost = np.array([e["stall_clocks"] for e in kinds]) / inputs
    axes[1].plot(x, lost, "_", color="black", markersize=22, markeredgewidth=2.5,
                 label="lost by the lock-stepped pipeline")
    axes[1].set_ylim(0, max(1.0, float((bank + rmw).max()), float(lost.max())) * 1.15)
    axes[1].set_ylabel("stall clocks per input")
    axes[1].set_title(f"Stalls per cause, summed over junctions (C = {d.plan.cycle})", fontsize=9)
    axes[1].legend(fontsize=8)
    mem = np.array([e["energy_memory_pj"] for e in kinds]) / 1e3
    ari = np.array([e["energy_arithmetic_pj"] for e in kinds]) / 1e3
    axes[2].bar(x, mem, color="#1f77b4", label="memory accesses")
    axes[2].bar(x, ari, bottom=mem, color="#ff7f0e", label="multiplies and adds")
    axes[2].set_ylabel("nJ per training input")
    axes[2].set_title("Energy per input (" + d.energy_table["numerics"] + " numerics)", fontsize=9)
    axes[2].legend(fontsize=8)
    for ax in axes:
        ax.set_xticks(x, names, rotation=30, ha="right", fontsize=8)
    fig.suptitle(f"Hardware per kind, {_tag(d)}, {d.plan.multipliers:,} multipliers", fontsize=10)
    fig.tight_layout()
    return fig


def _short(value: float, _pos=None) -> str:
    """Axis labels of large counts: 150000 -> 150k."""
    return f"{value / 1e6:g}M" if abs(value) >= 1e6 else f"{value / 1e3:g}k" if abs(value) >= 1e3 else f"{value:g}"


def _fig_pareto(d) -> Any:
    from matplotlib.ticker import FuncFormatter, MaxNLocator
    fig, axes = _figure(12, 3.8, 3)
    views = (("throughput", "inputs/s (more is better)", 1.0),
             ("energy_pj", "nJ per training input (less is better)", 1e-3), ("W", "weights (less is better)", 1.0))
    for ax, (key, label, scale) in zip(axes, views):
        front = set(d.pareto[key])
        pts = sorted({(e[key] * scale, 100 * e["accuracy_mean"]) for e in d.kinds if e["kind"] in front})
        if len(pts) > 1:
            ax.plot([p[0] for p in pts], [p[1] for p in pts], "--", color="#999999", zorder=1)
        labels: dict[tuple, list] = {}
        for i, e in enumerate(d.kinds):
            on = e["kind"] in front
            xy = (e[key] * scale, 100 * e["accuracy_mean"])
            ax.scatter(*xy, s=60 if on else 30, color=_colour(e["kind"], i), edgecolors="black" if on else "none",
                       zorder=2)
            labels.setdefault(xy, []).append(e["kind"])
        for xy, names in labels.items():  # kinds at the same point share one label
            ax.annotate(", ".join(names), xy, fontsize=8, xytext=(5, 4), textcoords="offset points")
        ax.set_xlabel(label)
        ax.set_ylabel("test accuracy (%)")
        ax.margins(0.2)
        ax.xaxis.set_major_locator(MaxNLocator(5))
        ax.xaxis.set_major_formatter(FuncFormatter(_short))
        ax.set_title(f"accuracy vs {_VIEW_NAMES[key]}: front {', '.join(sorted(front))}", fontsize=9)
    fig.suptitle(f"Pareto views (outlined: on the front), {_tag(d)}", fontsize=10)
    fig.tight_layout()
    return fig


def _fig_bank_loads(d) -> Any:
    L = len(d.plan.z)
    fig, axes = _figure(5.5 * L, 3.6, L)
    kinds = [e["kind"] for e in d.kinds]
    width = 0.8 / max(1, len(kinds))
    for j, ax in enumerate(axes):
        top = 1
        for i, kind in enumerate(kinds):
            hist = d.hardware[kind]["max_load_hist"][j]
            ks = np.arange(1, len(hist))
            if ks.size:
                ax.bar(ks + (i - (len(kinds) - 1) / 2) * width, hist[1:], width=width, color=_colour(kind, i),
                       label=kind)
                top = max(top, int(ks.max()))
        ax.set_xticks(np.arange(1, top + 1))
        ax.set_xlabel("accesses to the busiest bank in a clock (1 = clash-free)")
        ax.set_ylabel(f"clocks (run of {d.request['inputs']:,} inputs)")
        ax.margins(y=0.05)
        _int_ticks(ax)
        ax.set_title(f"junction {j + 1}: z = {d.plan.z[j]} banks", fontsize=9)
    axes[0].legend(loc="upper right", fontsize=8, title="kind", title_fontsize=8)
    fig.suptitle(f"Busiest-bank histograms from hwsim.simulate, {_tag(d)}", fontsize=10)
    fig.tight_layout()
    return fig


def _pattern_png(pattern, z: int) -> bytes:
    """The shared pattern picture of :func:`predefsparse.plots.plot_pattern` (connections or bank structure,
    degrees, bank loads at z) as PNG bytes."""
    from . import plots
    return figure_png(plots.plot_pattern(pattern, z=z))


# ------------------------------------------------------------------------------------------------- page
def build_page(d) -> Page:
    """The report page of a :class:`~predefsparse.design.Design`.

    Examples
    --------
    >>> callable(build_page)
    True
    """
    p = d.plan
    req = d.request
    page = Page(f"predefsparse design: {_tag(d)}",
                f"{', '.join(req['kinds'])} on {req['dataset']}, {_epochs(d)}, seeds "
                f"{', '.join(map(str, req['seeds']))}; {p.timing} timing at {p.clock / 1e6:g} MHz; made in "
                f"{d.timings.get('total_s', 0):.0f} s" + _reused(d))

    # ---- answer
    page.heading("Answer")
    page.paragraph(d.recommendation, style="answer")
    rows = []
    for e in d.kinds:
        rows.append([e["rank"], e["kind"], _pct_cell(e["accuracy_mean"]),
                     _spread_cell(e["accuracy_std"]), _num(e["throughput"]),
                     Cell(f"{e['energy_pj'] / 1e3:,.1f}", e["energy_pj"]), _num(e["W"]),
                     Cell("-" if e["accuracy_vs_fc"] is None else f"{100 * e['accuracy_vs_fc']:+.2f}",
                          e["accuracy_vs_fc"]),
                     Cell("-" if e["throughput_vs_fc"] is None else f"{e['throughput_vs_fc']:.2f}x",
                          e["throughput_vs_fc"]),
                     "yes" if e["clash_free"] else "no"])
    page.table(["rank", "kind", "accuracy", "spread (points)", "inputs/s", "nJ/input", "weights",
                "vs fc (points)", "inputs/s vs fc", "clash-free"], rows,
               caption="Kinds ranked by mean test accuracy (then inputs/s); spread = sample standard deviation over "
                       "seeds; hardware figures of the first seed.", table_id="ranked",
               highlight=[i for i, e in enumerate(d.kinds) if e["kind"] == d.recommended])
    page.paragraph("Recommendation rule (docs/design.md §4): among the sparse kinds whose mean accuracy is within "
                   "max(0.5 points, two spreads) of the most accurate sparse kind, the one with the most inputs/s, "
                   "then the least energy per input.", style="note")

    # ---- plan
    page.heading("Plan")
    page.paragraph(p.rule)
    page.table(["junction", "p", "n", "fo", "fi", "W", "density", "z", "C"],
               [[i + 1, p.config[i], p.config[i + 1], p.fo[i], p.fi[i], _num(p.W[i]), _pct_cell(p.density[i]),
                 p.z[i], p.cycle] for i in range(len(p.W))],
               caption=f"{p.weights:,} weights, overall density {_pct(p.overall_density)}; cpc {p.cpc} clocks, "
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
        page.figure(_pattern_png(pats[0], p.z[0]), f"{kind}: junction 1 pattern ({pats[0].p} -> {pats[0].n}, "
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
    page.figure(_fig_hardware(d), "Throughput, stall clocks per input by cause, and energy per input by part, per "
                "kind at the planned z", "hardware")
    page.figure(_fig_bank_loads(d), "Busiest-bank histograms per junction: how many clocks had their busiest "
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
    page.table(["kind", "seeds", "mean accuracy", "spread (points)", "min", "max", "mean loss", "run folders"],
               [[e["kind"], e["seeds"], _pct_cell(e["accuracy_mean"]),
                 _spread_cell(e["accuracy_std"]), _pct_cell(e["accuracy_min"]),
                 _pct_cell(e["accuracy_max"]), Cell(f"{e['loss_mean']:.4f}", e["loss_mean"]),
                 ", ".join(os.path.relpath(r, d.out) if d.out else r for r in e["runs"])] for e in d.kinds],
               caption=f"Every kind trained with the same settings (ReLU MLP, L2 {req['training']['l2']:g}, Adam "
                       f"{req['training']['lr']:g}, batch {req['training']['batch_size']}, train+val then test once) "
                       f"and seeds; accuracy on the test split.", table_id="accuracy")
    page.figure(_fig_accuracy(d), "Test accuracy per kind with its spread over seeds", "accuracy")
    page.figure(_fig_curves(d), "Learning curves: training loss and accuracy per epoch", "curves")

    # ---- pareto
    page.heading("Pareto views")
    page.figure(_fig_pareto(d), "Accuracy against inputs/s, energy per input and weights; outlined kinds are on "
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
