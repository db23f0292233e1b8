"""The figures of the design report, one function per figure, matplotlib's object API (no pyplot state).

Each title says what the figure shows; the accuracy figure draws every seed's point and the spread it promises
on an axis at least 5 points tall, so seed noise does not look like a result.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..fmt import figure
from ..html import figure_png

__all__ = ["fig_accuracy", "fig_curves", "fig_hardware", "fig_pareto", "fig_bank_loads", "pattern_png", "colour"]

_VIEW_NAMES = {"throughput": "inputs/s", "energy_pj": "energy per input", "W": "weights"}
_COLOURS = {"fc": "#4d4d4d", "random": "#d62728", "basic": "#ff7f0e", "usn": "#9467bd", "clash_free": "#2ca02c",
            "rtl": "#1f77b4", "erdos_renyi": "#8c564b"}


def colour(kind: str, i: int) -> str:
    return _COLOURS.get(kind, f"C{i % 10}")


def _int_ticks(ax, axis: str = "y") -> None:
    from matplotlib.ticker import MaxNLocator
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_locator(MaxNLocator(integer=True))


def tag(d) -> str:
    p = d.plan
    return f"config {p.config}, fo {p.fo}, z {p.z}"


def fig_accuracy(d) -> Any:
    """Every seed's accuracy per kind (float, on the chip's arithmetic, on-chip trained), the mean and +/- one
    sample standard deviation, the floor under fully connected, on an axis at least 5 points tall."""
    fig, (ax,) = figure(8.5, 4.0)
    kinds = d.kinds
    series = [("accuracies", "o", "float (Keras)", -0.2), ("hardware_accuracies", "^", "on the chip's arithmetic", 0.0),
              ("onchip_accuracies", "s", "on-chip trained", 0.2)]
    shown, values = set(), []
    for i, e in enumerate(kinds):
        for key, marker, label, dx in series:
            acc = 100 * np.asarray(e.get(key) or [], dtype=float)
            if not acc.size:
                continue
            ax.plot(np.full(acc.size, i + dx), acc, marker, color=colour(e["kind"], i), alpha=0.5, markersize=5,
                    markerfacecolor="none" if key != "accuracies" else None,
                    label=None if key in shown else label)
            shown.add(key)
            mean = float(acc.mean())
            std = float(acc.std(ddof=1)) if acc.size > 1 else 0.0
            values.extend(acc.tolist() + [mean - std, mean + std])
            ax.errorbar(i + dx, mean, yerr=std, fmt="_", color="black", markersize=12, capsize=4, linewidth=1)
    fc = next((e for e in kinds if e["kind"] == "fc"), None)
    measure = d.answer.get("rank_by", "float")
    field = {"float": "accuracy_mean", "hardware": "hardware_accuracy_mean", "onchip": "onchip_accuracy_mean"}[measure]
    if fc is not None and fc.get(field) is not None:
        floor = 100 * fc[field] - d.answer.get("max_loss", 1.0)
        ax.axhline(floor, linestyle="--", color="#999999", linewidth=1,
                   label=f"floor: fc {measure} mean - {d.answer.get('max_loss', 1.0):g} points")
        values.append(floor)
    if values:
        lo, hi = min(values), max(values)
        mid, half = (lo + hi) / 2, max(2.5, 0.55 * (hi - lo) + 0.3)
        ax.set_ylim(max(0.0, mid - half), min(100.0, mid + half))
    ax.set_xticks(np.arange(len(kinds)), [e["kind"] for e in kinds])
    ax.set_xlim(-0.6, len(kinds) - 0.4)
    ax.grid(axis="y", alpha=0.3)
    ax.set_ylabel("test accuracy (%)")
    ax.legend(fontsize=7, loc="lower left")
    seeds = kinds[0]["seeds"]
    ax.set_title(f"Test accuracy per kind: {seeds} seed(s) each (markers: every seed; bar and whiskers: mean +/- one "
                 f"sample standard deviation)\n{tag(d)}, {_epochs(d)} on {d.request['dataset']}", fontsize=9)
    return fig


def _epochs(d) -> str:
    n = d.request["epochs"]
    return f"{n} epoch" + ("" if n == 1 else "s")


def fig_curves(d) -> Any:
    """Training loss and accuracy per epoch (Keras, mean over seeds); with on-chip training, its test accuracy
    per epoch too."""
    onchip = any(r.get("onchip_curve") for r in d.rows)
    fig, axes = figure(15 if onchip else 10, 3.6, 3 if onchip else 2)
    if onchip:
        for i, e in enumerate(d.kinds):
            curves = [r["onchip_curve"] for r in d.rows if r["kind"] == e["kind"] and r.get("onchip_curve")]
            if curves:
                n = min(len(c) for c in curves)
                mean = np.mean([[p["test_accuracy"] for p in c[:n]] for c in curves], axis=0)
                axes[2].plot(np.arange(1, n + 1), 100 * mean, "-s", markersize=4, color=colour(e["kind"], i),
                             label=e["kind"])
        axes[2].set_ylabel("on-chip trained test accuracy (%)")
        axes[2].set_title("hwsim.train, fixed point, batch 1 (mean over seeds)", fontsize=9)
    for i, e in enumerate(d.kinds):
        runs = d.curves.get(e["kind"], {})
        for key, ax in (("loss", axes[0]), ("accuracy", axes[1])):
            series = [h[key] for h in runs.values() if key in h]
            if not series:
                continue
            n = min(len(s) for s in series)
            mean = np.mean([s[:n] for s in series], axis=0)
            ax.plot(np.arange(1, n + 1), mean * (100 if key == "accuracy" else 1), "-o", markersize=3,
                    color=colour(e["kind"], i), label=e["kind"])
    axes[0].set_ylabel("training loss")
    axes[1].set_ylabel("training accuracy (%)")
    epochs = d.request["epochs"]
    for ax in axes[:2]:
        ax.set_xlabel("epoch" + (" (one epoch: one point per kind)" if epochs == 1 else ""))
        ax.set_xticks(np.arange(1, epochs + 1, max(1, epochs // 10)))
        ax.set_xlim(0.5, epochs + 0.5)
        ax.margins(y=0.1)
    axes[1].legend(fontsize=8)
    fig.suptitle(f"Learning curves (training split, mean over seeds), {tag(d)}", fontsize=9)
    return fig


def fig_hardware(d) -> Any:
    fig, axes = figure(12, 3.8, 3)
    kinds = d.kinds
    names = [e["kind"] for e in kinds]
    x = np.arange(len(kinds))
    cols = [colour(k, i) for i, k in enumerate(names)]
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
    fig.suptitle(f"Hardware per kind, {tag(d)}, {d.plan.multipliers:,} multipliers", fontsize=10)
    return fig


def _short(value: float, _pos=None) -> str:
    """Axis labels of large counts: 150000 -> 150k."""
    return f"{value / 1e6:g}M" if abs(value) >= 1e6 else f"{value / 1e3:g}k" if abs(value) >= 1e3 else f"{value:g}"


_FIELDS = {"float": ("accuracy_mean", "test accuracy (%)"),
           "hardware": ("hardware_accuracy_mean", "accuracy on the chip's arithmetic (%)"),
           "onchip": ("onchip_accuracy_mean", "on-chip trained accuracy (%)")}


def fig_pareto(d) -> Any:
    """Accuracy on the ranking measure against inputs/s, energy per input and weights; the front outlined."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator
    field, ylabel = _FIELDS[d.answer.get("rank_by", "float")]
    fig, axes = figure(12, 3.8, 3)
    views = (("throughput", "inputs/s (more is better)", 1.0),
             ("energy_pj", "nJ per training input (less is better)", 1e-3), ("W", "weights (less is better)", 1.0))
    for ax, (key, label, scale) in zip(axes, views):
        front = set(d.pareto[key])
        pts = sorted({(e[key] * scale, 100 * e[field]) for e in d.kinds if e["kind"] in front})
        if len(pts) > 1:
            ax.plot([p[0] for p in pts], [p[1] for p in pts], "--", color="#999999", zorder=1)
        labels: dict[tuple, list] = {}
        for i, e in enumerate(d.kinds):
            if e[field] is None:
                continue
            on = e["kind"] in front
            xy = (e[key] * scale, 100 * e[field])
            ax.scatter(*xy, s=60 if on else 30, color=colour(e["kind"], i), edgecolors="black" if on else "none",
                       zorder=2)
            labels.setdefault(xy, []).append(e["kind"])
        for xy, names in labels.items():  # kinds at the same point share one label
            ax.annotate(", ".join(names), xy, fontsize=8, xytext=(5, 4), textcoords="offset points")
        ax.set_xlabel(label)
        ax.set_ylabel(ylabel)
        ax.margins(0.2)
        ax.xaxis.set_major_locator(MaxNLocator(5))
        ax.xaxis.set_major_formatter(FuncFormatter(_short))
        ax.set_title(f"accuracy vs {_VIEW_NAMES[key]}: front {', '.join(sorted(front))}", fontsize=9)
    fig.suptitle(f"Pareto views (outlined: on the front), {tag(d)}", fontsize=10)
    return fig


def fig_bank_loads(d) -> Any:
    L = len(d.plan.z)
    fig, axes = figure(5.5 * L, 3.6, L)
    kinds = [e["kind"] for e in d.kinds]
    width = 0.8 / max(1, len(kinds))
    for j, ax in enumerate(axes):
        top = 1
        for i, kind in enumerate(kinds):
            hist = d.hardware[kind]["max_load_hist"][j]
            ks = np.arange(1, len(hist))
            if ks.size:
                ax.bar(ks + (i - (len(kinds) - 1) / 2) * width, hist[1:], width=width, color=colour(kind, i),
                       label=kind)
                top = max(top, int(ks.max()))
        ax.set_xticks(np.arange(1, top + 1))
        ax.set_xlabel("accesses to the busiest bank in a clock (1 = clash-free)")
        ax.set_ylabel(f"clocks (run of {d.request['inputs']:,} inputs)")
        ax.margins(y=0.05)
        _int_ticks(ax)
        ax.set_title(f"junction {j + 1}: z = {d.plan.z[j]} banks", fontsize=9)
    axes[0].legend(loc="upper right", fontsize=8, title="kind", title_fontsize=8)
    fig.suptitle(f"Busiest-bank histograms from hwsim.simulate, {tag(d)}", fontsize=10)
    return fig


def pattern_png(pattern, z: int) -> bytes:
    """The shared pattern picture of :func:`predefsparse.plots.plot_pattern` (connections or bank structure,
    degrees, bank loads at z) as PNG bytes."""
    from .. import plots
    return figure_png(plots.plot_pattern(pattern, z=z))


