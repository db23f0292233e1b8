"""The sweep report: plots (accuracy vs density, throughput vs z, accuracy vs weights), a summary per setting
with seeds pooled, near-chance warnings, and ``report.html`` / ``report.md`` from the rows on disk.

Examples
--------
>>> rows = [{"status": "done", "kind": "fc", "dataset": "d", "accuracy": a, "config": [64, 10],
...          "settings": {"kind": "fc", "seed": s}} for s, a in enumerate([0.11, 0.13])]
>>> [e["accuracy_mean"] for e in summary(rows)]
[0.12]
>>> near_chance(summary(rows))[0]["chance"]
0.1
"""
from __future__ import annotations

import json
import math
import numbers
import os
from typing import Any, Callable, Mapping, Sequence

from .. import fmt
from .grid import Point, as_grid
from .settings import cell, short
from .table import read_rows, recorded_grid, sweep_folder

__all__ = ["write_report", "summary", "near_chance", "near_chance_text", "NEAR_CHANCE"]

#: A setting whose mean test accuracy (float, on the chip's arithmetic or on-chip trained) is below
#: ``chance + NEAR_CHANCE * (1 - chance)`` (chance = 1 / classes) has learned little: its rank among other
#: settings says nothing (too few epochs, a dataset too hard for the net, or weights the word widths cannot
#: hold), and the report says so.
NEAR_CHANCE = 0.25
#: The accuracies of a row: (field, name in the report).  ``hardware_accuracy`` is the trained weights quantised
#: and run through :func:`hwsim.infer` in fixed point; ``onchip_accuracy`` the build's own training (None in a
#: sweep's rows unless its evaluation trained on the chip).
ACCURACIES = (("accuracy", "float"), ("hardware_accuracy", "hardware"), ("onchip_accuracy", "on-chip"))


def _number(row: Mapping[str, Any], key: str) -> float | None:
    value = row.get(key)
    if isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def _metric(row: Mapping[str, Any], name: str) -> float | None:
    """A figure of a row (the names of :func:`predefsparse.codesign.evaluate`'s rows)."""
    return _number(row, {"accuracy": "accuracy", "hardware_accuracy": "hardware_accuracy",
                         "onchip_accuracy": "onchip_accuracy", "density": "density", "weights": "W",
                         "throughput": "throughput"}[name])


def _z1(row: Mapping[str, Any]) -> float | None:
    """The parallelism of junction 1 (the x axis of throughput vs z)."""
    z = row.get("z")
    if isinstance(z, (list, tuple)) and z and isinstance(z[0], numbers.Real):
        return float(z[0])
    return None


def _group_name(row: Mapping[str, Any], datasets: int) -> str:
    name = str(row.get("kind"))
    if row.get("label"):
        name = f"{row['label']}: {name}"
    return f"{name} ({row.get('dataset')})" if datasets > 1 else name


def _series(rows: Sequence[Mapping[str, Any]], x: Callable, y: Callable, group: Callable):
    """``{group: [(x, [y of every point there, e.g. over seeds]), ...]}`` sorted by x."""
    out: dict[Any, dict[float, list[float]]] = {}
    for row in rows:
        xv, yv = x(row), y(row)
        if xv is None or yv is None:
            continue
        out.setdefault(group(row), {}).setdefault(xv, []).append(yv)
    return {g: sorted(d.items()) for g, d in out.items()}


#: The accuracy series of a figure: (field, legend suffix, line style, marker); float first.
_ACCURACY_STYLES = (("accuracy", "", "-", "o"), ("hardware_accuracy", ", hardware", ":", "s"),
                    ("onchip_accuracy", ", on-chip", "-.", "^"))
_HARDWARE_WORDS = ("float: Keras, solid, with a band from the 10th to the 90th percentile over seeds; hardware: "
                  "the trained weights quantised to the build's word widths and run through hwsim.infer in "
                  "fixed point, dotted, same colour")
_FIGURES = (
    ("accuracy_vs_density", "Test accuracy vs overall density",
     "Test accuracy against the network's overall density (weights / (sum of p n)), per kind, median over "
     "seeds ({measures}); a fully connected net (density 1) is a level, dashed for its float accuracy.",
     lambda r: _metric(r, "density"), "accuracy", "overall density", "test accuracy", True),
    ("throughput_vs_z", "Throughput vs z",
     "Inputs per second at the clock (simulated, with the stalls of each kind's clashes) against the "
     "parallelism z of junction 1, per kind; each marker is one design (median over seeds).",
     _z1, "throughput", "z of junction 1", "inputs / s", True),
    ("accuracy_vs_weights", "Test accuracy vs weights",
     "Test accuracy against the number of weights, per kind, median over seeds ({measures}).",
     lambda r: _metric(r, "weights"), "accuracy", "weights", "test accuracy", True),
)


def _measures(done: Sequence[Mapping[str, Any]]) -> list[tuple[str, str, str, str]]:
    """The accuracy series the rows have a value for (float always)."""
    return [m for m in _ACCURACY_STYLES if m[0] == "accuracy" or any(_metric(r, m[0]) is not None for r in done)]


def _measure_words(measures: Sequence[tuple[str, str, str, str]]) -> tuple[str, str]:
    """(title suffix, caption words) for the accuracy series drawn."""
    if len(measures) == 1:
        return "", "band: 10th to 90th percentile over seeds"
    names = {"accuracy": "float (solid)", "hardware_accuracy": "on the chip's arithmetic (dotted)",
             "onchip_accuracy": "on-chip trained (dash-dot)"}
    words = _HARDWARE_WORDS + (
        "; on-chip: hwsim.train in fixed point, batch 1, dash-dot" if len(measures) > 2 else "")
    return ": " + ", ".join(names[m[0]] for m in measures), words


def _figures(rows: Sequence[Mapping[str, Any]]) -> list[tuple[Any, str, str, str]]:
    """The sweep's matplotlib figures (no pyplot: nothing to close): ``(figure, name, title, caption)``."""
    import matplotlib.ticker
    import numpy as np

    done = [r for r in rows if r.get("status") == "done"]
    n_data = len({r.get("dataset") for r in done})
    measures = _measures(done)
    suffix, words = _measure_words(measures)
    out = []
    for name, title, caption, x, y, xlabel, ylabel, logx in _FIGURES:
        drawn = measures if y == "accuracy" else [(y, "", "none", "o")]  # throughput: separate designs, no lines
        group = lambda r: _group_name(r, n_data)  # noqa: E731
        series = {field: _series(done, x, lambda r, f=field: _metric(r, f), group) for field, *_ in drawn}
        if not series[drawn[0][0]]:
            continue
        if y == "accuracy":
            title, caption = title + suffix, caption.format(measures=words)
        fig, (ax,) = fmt.figure(7.0, 4.4)
        for key in sorted(series[drawn[0][0]]):
            colour = None
            for field, tail, linestyle, marker in drawn:
                pts = series[field].get(key)
                if not pts:
                    continue
                xs = np.array([p[0] for p in pts])
                ys = [np.asarray(p[1]) for p in pts]
                mid = np.array([np.median(v) for v in ys])
                counts = sorted({len(v) for v in ys})
                n = f"{counts[0]}" if len(counts) == 1 else f"{counts[0]}-{counts[-1]}"
                label = f"{key}{tail} (n={n})"
                if name == "accuracy_vs_density" and len(xs) == 1 and xs[0] == 1.0:
                    # a fully connected reference: a level to compare the sparse lines with
                    if colour is None:
                        (probe,) = ax.plot([], [])  # the next colour of the cycle, so two references differ
                        colour = probe.get_color()
                    ax.axhline(mid[0], linestyle="--" if field == "accuracy" else linestyle, linewidth=1.2,
                               color=colour, label=label)
                    continue
                (line,) = ax.plot(xs, mid, marker=marker, markersize=4, linestyle=linestyle, label=label,
                                  **({} if colour is None else {"color": colour}))
                colour = line.get_color()
                if counts[-1] > 1 and field == "accuracy" and y == "accuracy":
                    ax.fill_between(xs, [np.percentile(v, 10) for v in ys], [np.percentile(v, 90) for v in ys],
                                    color=colour, alpha=0.2, linewidth=0)
        xs_all = [p[0] for pts in series[drawn[0][0]].values() for p in pts]
        if logx and min(xs_all) > 0 and max(xs_all) >= 10 * min(xs_all):  # log only over a decade or more
            ax.set_xscale("log")
            ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())  # minor labels overlap
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_title(title, **({"fontsize": 10} if suffix and y == "accuracy" else {}))
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=7, loc="best")
        out.append((fig, name, title, caption))
    return out


def _setting_key(row: Mapping[str, Any]) -> str:
    """Rows that differ only in seed share this key (their requested settings without the seed)."""
    settings = dict(row.get("settings") or {})
    settings.pop("seed", None)
    return json.dumps(settings, sort_keys=True, default=str)


def summary(rows: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One entry per setting (seeds pooled): mean, 10th and 90th percentile over seeds of each accuracy of
    :data:`ACCURACIES` (``accuracy_mean``, ``hardware_accuracy_mean``, ``onchip_accuracy_mean``, ... None where
    no seed has it), and the hardware figures (the same for every seed of a clash-free kind; those of the
    first seed otherwise)."""
    import numpy as np
    groups: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        if row.get("status") == "done":
            groups.setdefault(_setting_key(row), []).append(row)
    out = []
    for members in groups.values():
        first = members[0]
        entry = {"label": first.get("label"), "kind": first.get("kind"), "dataset": first.get("dataset"),
                 "config": cell(first.get("config")), "fo": cell(first.get("fo")),
                 "z": cell(first.get("z")), "seeds": len(members), "weights": _metric(first, "weights"),
                 "density": _metric(first, "density")}
        for field, _ in ACCURACIES:
            acc = [a for a in (_metric(r, field) for r in members) if a is not None]
            entry.update({f"{field}_mean": float(np.mean(acc)) if acc else None,
                          f"{field}_p10": float(np.percentile(acc, 10)) if acc else None,
                          f"{field}_p90": float(np.percentile(acc, 90)) if acc else None})
        entry.update({"throughput": _metric(first, "throughput"), "energy_pj": _number(first, "energy_pj"),
                      "classes": _classes(first)})
        out.append(entry)
    return out


def _classes(row: Mapping[str, Any]) -> int | None:
    """The number of classes of a row's net (its last layer)."""
    config = row.get("config")
    last = config[-1] if isinstance(config, (list, tuple)) and config else None
    return int(last) if isinstance(last, numbers.Integral) and not isinstance(last, bool) and last > 0 else None


def near_chance(entries: Sequence[Mapping[str, Any]], margin: float = NEAR_CHANCE) -> list[dict[str, Any]]:
    """The settings of :func:`summary` with a mean accuracy near chance, with their chance level and ``low``:
    ``[(name, mean), ...]`` of each accuracy that is (``float``, ``hardware``, ``on-chip``).

    An accuracy is near chance when its mean over seeds is below ``chance + margin * (1 - chance)``, where
    chance is 1 / classes (guessing one class): 32.5 % for 10 classes at the default margin.
    """
    out = []
    for e in entries:
        classes = e.get("classes")
        if not classes:
            continue
        chance = 1.0 / classes
        low = [(name, e[f"{field}_mean"]) for field, name in ACCURACIES
               if e.get(f"{field}_mean") is not None and e[f"{field}_mean"] < chance + margin * (1.0 - chance)]
        if low:
            out.append({**e, "chance": chance, "low": low})
    return out


def near_chance_text(entries: Sequence[Mapping[str, Any]]) -> str | None:
    """One warning sentence for the settings near chance (None: none is)."""
    low = near_chance(entries)
    if not low:
        return None
    names = "; ".join(f"{e['kind']}{' (' + str(e['label']) + ')' if e.get('label') else ''} fo={e['fo'] or '-'}: "
                      + ", ".join(f"{fmt.pct(acc)} {name}" for name, acc in e["low"])
                      + f" (chance {fmt.pct(e['chance'], 0)})" for e in low[:6])
    more = f" and {len(low) - 6} more" if len(low) > 6 else ""
    return (f"Warning: {len(low)} of {len(entries)} settings are near chance accuracy, in float or on the chip's "
            f"fixed-point arithmetic (hardware): {names}{more}. They have learned little, so ranking them says "
            f"nothing: train longer (epochs) or check the dataset and net. A hardware accuracy near chance beside "
            f"a float one that is not means the chip's arithmetic loses what the float net learned.")


def _pct(x: float | None) -> Any:
    from ..html import Cell
    return "-" if x is None else Cell(fmt.pct(x), x)


def _num(x: float | None, spec: str = "{:,.0f}") -> Any:
    from ..html import Cell
    return "-" if x is None else Cell(spec.format(x), x)


def _points_lost(entry: Mapping[str, Any]) -> Any:
    """Float mean minus hardware mean, in percentage points ('-' without a hardware accuracy)."""
    fl, hw = entry["accuracy_mean"], entry["hardware_accuracy_mean"]
    return "-" if fl is None or hw is None else _num(100 * (fl - hw), "{:+.2f}")


def write_report(out: str | os.PathLike, grid: Any = None) -> str:
    """Draw the sweep's plots and write ``OUT/report.html`` (one self-contained page), ``OUT/report.md`` and
    the figures as ``OUT/figures/*.png``.

    Plots: accuracy vs overall density per kind with a 10-90 % band over seeds, throughput vs z, accuracy vs
    weights, each accuracy plot with the hardware accuracy (the trained weights on the chip's fixed-point
    arithmetic) beside the float one; tables: one line per setting (seeds pooled: float and hardware accuracy),
    the failed points with their errors, every point.
    Works on a partly finished sweep (what is on disk).

    Parameters
    ----------
    out : path
        The sweep's folder.
    grid : Grid, mapping or path, optional
        Default: the grid saved in ``out/sweep.json``.

    Returns
    -------
    str
        The path of ``report.html``.

    Examples
    --------
    >>> import tempfile
    >>> write_report(tempfile.mkdtemp())  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    FileNotFoundError: write_report: no finished points in ...
    """
    from ..html import Page
    where = "write_report"
    folder = sweep_folder(where, out)
    grid_obj = as_grid(where, grid) if grid is not None else None
    rows = read_rows(folder, grid_obj)
    if not rows:
        raise FileNotFoundError(f"{where}: no finished points in {str(folder)!r}; run the sweep first.")
    if grid_obj is None:
        grid_obj = recorded_grid(where, folder)
    total = len(grid_obj.points())
    done = [r for r in rows if r["status"] == "done"]
    failed = [r for r in rows if r["status"] == "failed"]
    page = Page("Sweep" if grid_obj.title == "sweep" else f"Sweep: {grid_obj.title}",
                f"{total} points: {len(done)} done, {len(failed)} failed, {total - len(rows)} not run yet")
    page.heading("Grid")
    page.table(["section", "key", "values"],
               [["fixed", k, cell(v)] for k, v in grid_obj.fixed.items()]
               + [["grid", k, ", ".join(str(cell(v)) for v in vals)] for k, vals in grid_obj.axes.items()]
               + [[f"case {i + 1}", k, cell(v)] for i, c in enumerate(grid_obj.cases) for k, v in c.items()],
               caption="Settings shared by every point (fixed), the axes whose product gives the points (grid) "
                       "and the cases combined with them; a fully connected point runs at the planned z of the sparse "
                       "net its fo names.",
               table_id="grid")
    entries = summary(rows)
    warning = near_chance_text(entries)
    if warning:
        page.paragraph(warning, style="note")
    page.heading("Results per setting")
    # columns that vary in this sweep (a column holding one value for every line says nothing)
    varying = {k for k in ("label", "dataset", "config") if len({str(e[k]) for e in entries}) > 1}
    cols = [(k, h) for k, h in (("label", "label"), ("kind", "kind"), ("dataset", "dataset"), ("config", "config"),
                                ("fo", "fo"), ("z", "z")) if k in varying or k in ("kind", "fo", "z")]
    onchip = any(e["onchip_accuracy_mean"] is not None for e in entries)
    extra = [("onchip_accuracy", "on-chip trained mean")] if onchip else []
    page.table([h for _, h in cols] + ["seeds", "weights", "overall density", "accuracy mean", "10th pct",
                                       "90th pct", "hardware accuracy mean", "points lost on hardware"]
               + [h for _, h in extra] + ["inputs/s", "pJ / input"],
               [[short(e[k]) if k == "dataset" else (e[k] or "") for k, _ in cols]
                + [e["seeds"], _num(e["weights"]), _num(e["density"], "{:.4f}"), _pct(e["accuracy_mean"]),
                   _pct(e["accuracy_p10"]), _pct(e["accuracy_p90"]), _pct(e["hardware_accuracy_mean"]),
                   _points_lost(e)] + [_pct(e[f"{f}_mean"]) for f, _ in extra]
                + [_num(e["throughput"]), _num(e["energy_pj"], "{:,.0f}")] for e in entries],
               caption="One line per setting, seeds pooled: test accuracy (float, Keras) mean and its 10th / 90th "
                       "percentiles over seeds; hardware accuracy: the trained weights quantised to the build's "
                       "word widths and run through hwsim.infer in fixed point on the test split (mean over seeds; "
                       "'-' where it could not be simulated, e.g. inputs outside [0, 1]), and the points lost to "
                       "that arithmetic"
                       + ("; on-chip trained: hwsim.train in fixed point, batch 1" if onchip else "")
                       + "; inputs/s and energy per input from the simulator at the point's z.",
               table_id="summary")
    page.heading("Plots")
    for fig, name, title, caption in _figures(rows):
        page.heading(title, 3).figure(fig, caption, name)
    if failed:
        page.heading("Failed points")
        page.table(["point", "settings", "error"],
                   [[r["point"], Point(r["point"], dict(r.get("settings") or {})).describe()
                     if r.get("settings") else "", r.get("error") or ""] for r in failed],
                   caption="Recorded with their errors; the other points went on. Run one again with "
                           "predefsparse sweep GRID --point ID, or all of them with --retry-failed.",
                   table_id="failed")
    page.heading("Every point")
    page.table(["point", "status", "label", "kind", "dataset", "fo", "z", "seed", "W", "density", "accuracy",
                "hardware accuracy"] + (["on-chip accuracy"] if onchip else [])
               + ["inputs/s", "stall clocks", "wall (s)"],
               [[r["point"], r["status"], r.get("label") or "", r.get("kind"), short(r.get("dataset")),
                 cell(r.get("fo")), cell(r.get("z")), r.get("seed"), _num(_number(r, "W")),
                 _num(_number(r, "density"), "{:.4f}"), _pct(_number(r, "accuracy")),
                 _pct(_number(r, "hardware_accuracy"))]
                + ([_pct(_number(r, "onchip_accuracy"))] if onchip else [])
                + [_num(_number(r, "throughput")), _num(_number(r, "stall_clocks")),
                   _num(_number(r, "wall_s"), "{:.0f}")] for r in rows],
               caption="Every finished point; its folder is points/<point>/ (row.json, the patterns, the "
                       "simulator report and the training run).", table_id="points")
    page.paragraph(f"Table: {folder / 'sweep.csv'}. Grid and point ids: {folder / 'sweep.json'}.", style="note")
    return page.save(folder, "report")["html"]

