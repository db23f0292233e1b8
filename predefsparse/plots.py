"""Every figure of the project in one place: patterns, bank loads, simulations and z sweeps (matplotlib, no Keras).

Each ``plot_*`` function draws one figure and returns it (``out=None``) or writes it atomically to ``out``
(format from the extension: ``.png``, ``.svg``, ``.pdf``) and returns the path.  Titles name the kind, the
sizes, z and the headline figure (throughput, clash-freedom); integer data get integer ticks.
:func:`figure_to_svg` and :func:`figure_to_png_data_uri` embed a figure in an HTML report.

Figures are built with :class:`matplotlib.figure.Figure` (the Agg canvas), never through ``pyplot``'s global
state, so plotting from several threads or in a notebook does not leak figures.

Examples
--------
>>> import adjmat
>>> from predefsparse.plots import plot_pattern, figure_to_svg
>>> fig = plot_pattern(adjmat.generate("clash_free", 64, 16, fo=2, z=8, seed=0), z=8)
>>> figure_to_svg(fig).lstrip().startswith("<?xml")
True
"""
from __future__ import annotations

import base64
import io
import os
from typing import Any

import numpy as np

import adjmat
from adjmat.errors import SpecError
from adjmat.validation import check_int, fail
from adjmat.pattern import atomic_write

from .fmt import blank_figure

__all__ = ["plot_pattern", "plot_bank_loads", "plot_simulation", "plot_sweep_z", "save_figure", "figure_to_svg",
           "figure_to_png_data_uri", "bank_loads"]

_DPI = 110


def _integer_axis(axis) -> None:
    from matplotlib.ticker import MaxNLocator
    axis.set_major_locator(MaxNLocator(integer=True))


def _thousands(axis) -> None:
    """Integer ticks written with thousands separators (135,000 rather than 135000)."""
    from matplotlib.ticker import FuncFormatter
    _integer_axis(axis)
    axis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))


def _format(path: str) -> str:
    ext = os.path.splitext(path)[1].lstrip(".").lower()
    return ext or "png"


def save_figure(fig, path: str | os.PathLike) -> str:
    """Write a matplotlib figure atomically (format from the file extension; default PNG).  Returns the path.

    Examples
    --------
    >>> import tempfile, os
    >>> from matplotlib.figure import Figure
    >>> save_figure(Figure(), os.path.join(tempfile.mkdtemp(), "f.png")).endswith("f.png")
    True
    """
    if not isinstance(path, (str, os.PathLike)):
        raise fail("save_figure", "path", "a file path (str or os.PathLike)", path)
    path = os.fspath(path)
    if os.path.isdir(path):
        raise fail("save_figure", "path", "a file path (it names an existing folder)", path)
    fmt = _format(path)
    buf = io.BytesIO()
    try:
        fig.savefig(buf, format=fmt, dpi=_DPI)
    except ValueError:
        raise SpecError(f"save_figure: path must end in an image format matplotlib writes (.png, .svg, .pdf); "
                        f"received path={path!r}.") from None
    data = buf.getvalue()
    return atomic_write(path, lambda f: f.write(data))


def figure_to_svg(fig) -> str:
    """The figure as SVG text, for inlining in HTML.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> "<svg" in figure_to_svg(Figure(figsize=(1, 1)))
    True
    """
    buf = io.StringIO()
    fig.savefig(buf, format="svg")
    return buf.getvalue()


def figure_to_png_data_uri(fig, dpi: int = _DPI) -> str:
    """The figure as a ``data:image/png;base64,...`` URI, for an ``<img src=...>``.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> figure_to_png_data_uri(Figure(figsize=(1, 1)))[:22]
    'data:image/png;base64,'
    """
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _finish(fig, out: Any):
    if out is None:
        return fig
    return save_figure(fig, out)


def _check_pattern(where: str, pattern: Any) -> adjmat.Pattern:
    if not isinstance(pattern, adjmat.Pattern):
        raise fail(where, "pattern", "an adjmat.Pattern", type(pattern).__name__)
    return pattern


def _check_z(where: str, pattern: adjmat.Pattern, z: Any) -> int | None:
    z = check_int(where, "z", z, minimum=1, allow_none=True)
    if z is not None and pattern.p % z:
        raise SpecError(f"{where}: z ({z}) must divide p ({pattern.p}) so that every bank holds p/z left "
                        f"neurons; received z={z}.")
    return z


def bank_loads(pattern: adjmat.Pattern, z: int) -> np.ndarray:
    """Accesses to each bank in each clock when the pattern's edges are read z per clock in natural order.

    Edge ``j`` is read in clock ``j // z`` from bank ``left[j] % z`` (docs/hardware.md §3).  Returns an int64
    array of shape ``(ceil(W / z), z)``; a clash-free pattern has all ones (O(W) time and memory).

    Examples
    --------
    >>> import adjmat
    >>> bank_loads(adjmat.generate("rtl", 8, 4, fo=2), 4).tolist()
    [[1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1]]
    """
    pattern = _check_pattern("bank_loads", pattern)
    z = _check_z("bank_loads", pattern, z)
    if z is None:
        raise fail("bank_loads", "z", "a positive integer dividing p", None)
    C = -(-pattern.W // z)
    j = np.arange(pattern.W, dtype=np.int64)
    cells = (j // z) * z + pattern.left.astype(np.int64) % z
    return np.bincount(cells, minlength=C * z).reshape(C, z)


def _blocks(rows: np.ndarray, most: int) -> tuple[np.ndarray, int]:
    """Max over consecutive blocks of rows so that at most ``most`` rows remain; returns (rows, block)."""
    block = -(-rows.shape[0] // most)
    if block == 1:
        return rows, 1
    pad = (-rows.shape[0]) % block
    padded = np.concatenate([rows, np.zeros((pad, rows.shape[1]), rows.dtype)]) if pad else rows
    return padded.reshape(-1, block, rows.shape[1]).max(axis=1), block


def plot_bank_loads(pattern: adjmat.Pattern, z: int, out: Any = None, *, ax: Any = None,
                    max_clocks: int = 400):
    """Image of the accesses per bank (x) and clock (y), with the busiest bank's load per clock beside it.

    Parameters
    ----------
    pattern : adjmat.Pattern
    z : int
        Parallelism (number of banks); must divide p.
    out : path, optional
        Write the figure there and return the path; default: return the Figure.
    ax : matplotlib Axes, optional
        Draw the image into this axes (of a caller's figure) instead and return it.
    max_clocks : int
        More clocks than this are shown as blocks of clocks (the most accesses in the block).

    Examples
    --------
    >>> import adjmat
    >>> fig = plot_bank_loads(adjmat.generate("random", 64, 16, fo=2, seed=0), 8)
    >>> fig.axes[0].get_title()
    'bank loads (z=8): max 5 per clock, clashes'
    """
    where = "plot_bank_loads"
    pattern = _check_pattern(where, pattern)
    z = _check_z(where, pattern, z)
    if z is None:
        raise fail(where, "z", "a positive integer dividing p", None)
    max_clocks = check_int(where, "max_clocks", max_clocks, minimum=1)
    loads = bank_loads(pattern, z)
    shown, block = _blocks(loads, max_clocks)
    peak = int(loads.max()) if loads.size else 0
    own = ax is None
    if own:
        fig = blank_figure(8.5, 4.2)
        ax, side = fig.subplots(1, 2, width_ratios=(3, 1))
    else:
        fig, side = ax.figure, None
    from matplotlib.colors import BoundaryNorm, ListedColormap
    import matplotlib as mpl
    levels = max(peak, 1)
    cmap = ListedColormap(mpl.colormaps["viridis"](np.linspace(0, 1, levels + 1)))
    norm = BoundaryNorm(np.arange(-0.5, levels + 1.5), cmap.N)
    im = ax.imshow(shown, aspect="auto", interpolation="nearest", cmap=cmap, norm=norm,
                   extent=(-0.5, z - 0.5, shown.shape[0] * block - 0.5, -0.5))
    bar = ax.figure.colorbar(im, ax=ax, label="accesses in the clock" + (" (max of block)" if block > 1 else ""))
    _integer_axis(bar.ax.yaxis)
    ax.set_xlabel("bank (left % z)")
    ax.set_ylabel("clock" + (f" (blocks of {block})" if block > 1 else ""))
    _integer_axis(ax.xaxis)
    _integer_axis(ax.yaxis)
    ax.set_title(f"bank loads (z={z}): max {peak} per clock, {'clash-free' if peak <= 1 else 'clashes'}")
    if side is not None:
        busiest = loads.max(axis=1)
        ks, counts = np.unique(busiest, return_counts=True)
        side.barh(ks, counts, color="tab:gray")
        side.set_xlabel("clocks")
        side.set_ylabel("busiest bank's accesses")
        _integer_axis(side.yaxis)
        _integer_axis(side.xaxis)
        side.set_title("clocks per busiest-bank load")
        fig.suptitle(f"{pattern.kind}  p={pattern.p} n={pattern.n} W={pattern.W}  z={z}  C={loads.shape[0]}")
        return _finish(fig, out)
    return ax


def _degree_panel(ax, degrees: np.ndarray, what: str) -> None:
    lo, hi = int(degrees.min()), int(degrees.max())
    if hi - lo <= 60:
        ks, counts = np.unique(degrees, return_counts=True)
        ax.bar(ks, counts, width=0.8)
        ax.set_xlim(lo - 1, hi + 1)
    else:
        ax.hist(degrees, bins=60)
    _integer_axis(ax.xaxis)
    _integer_axis(ax.yaxis)
    spread = f"all {lo}" if lo == hi else f"{lo}..{hi}, mean {degrees.mean():.3g}"
    ax.set_title(f"{what}: {spread}")
    ax.set_xlabel("degree")
    ax.set_ylabel("neurons")


def _lane_banks(ax, pattern: adjmat.Pattern, z: int, max_clocks: int) -> None:
    """Which bank every lane reads in each clock (clocks x lanes, colour = bank): the address map's structure."""
    C = -(-pattern.W // z)
    shown = min(C, max_clocks)
    left = pattern.left[:shown * z].astype(np.int64)
    img = np.full(shown * z, -1, dtype=np.int64)
    img[:left.size] = left % z
    img = np.ma.masked_less(img.reshape(shown, z), 0)
    import matplotlib as mpl
    im = ax.imshow(img, aspect="auto", interpolation="nearest", cmap=mpl.colormaps["twilight"],
                   extent=(-0.5, z - 0.5, shown - 0.5, -0.5), vmin=0, vmax=max(z - 1, 1))
    bar = ax.figure.colorbar(im, ax=ax, label="bank read")
    _integer_axis(bar.ax.yaxis)
    _integer_axis(ax.xaxis)
    _integer_axis(ax.yaxis)
    ax.set_xlabel("lane")
    ax.set_ylabel("clock")
    ax.set_title(f"bank read by each lane ({'all' if shown == C else f'first {shown} of'} {C} clocks)")


def plot_pattern(pattern: adjmat.Pattern, out: Any = None, *, z: int | None = None, max_cells: int = 400):
    """Picture of a pattern: its connections, its degree histograms and, with ``z``, its bank loads.

    Small patterns (p and n at most ``max_cells``) are drawn exactly (a cell per connection).  Large ones show
    bank structure instead of a blurred density: which bank each lane reads in each clock (z from the argument
    or the pattern's ``meta``); without any z, a block density image.  With ``z`` a fourth panel shows
    :func:`plot_bank_loads`.  The title names the kind, p, n, W, z and whether the pattern is clash-free.

    Parameters
    ----------
    pattern : adjmat.Pattern
    out : path, optional
        Write there (atomically) and return the path; default: return the Figure.
    z : int, optional
        Parallelism for the bank panels (must divide p).
    max_cells : int
        Largest p and n drawn cell by cell; also the most clocks drawn in the bank pictures.

    Examples
    --------
    >>> import adjmat, tempfile, os
    >>> out = plot_pattern(adjmat.generate("usn", 64, 32, density=0.1, seed=0),
    ...                    os.path.join(tempfile.mkdtemp(), "p.png"))
    >>> os.path.getsize(out) > 0
    True
    """
    where = "plot_pattern"
    pattern = _check_pattern(where, pattern)
    z = _check_z(where, pattern, z)
    max_cells = check_int(where, "max_cells", max_cells, minimum=1)
    bank_z = z if z is not None else pattern.meta.get("z")
    if isinstance(bank_z, int) and (bank_z < 1 or pattern.p % bank_z):
        bank_z = None
    ncols = 4 if z is not None else 3
    fig = blank_figure(4.3 * ncols, 4.3)
    axes = fig.subplots(1, ncols)
    ax = axes[0]
    p, n = pattern.p, pattern.n
    if p <= max_cells and n <= max_cells:
        ax.imshow(pattern.to_mask().T, aspect="auto", cmap="Greys", interpolation="nearest",
                  extent=(-0.5, p - 0.5, n - 0.5, -0.5))
        ax.set_title("connections (a cell per edge)")
        ax.set_xlabel("left neuron")
        ax.set_ylabel("right neuron")
        _integer_axis(ax.xaxis)
        _integer_axis(ax.yaxis)
    elif isinstance(bank_z, int):
        _lane_banks(ax, pattern, bank_z, max_cells)
    else:  # edge density over a grid of blocks: O(W), never a p x n matrix
        bp, bn = min(p, max_cells), min(n, max_cells)
        img = np.zeros((bn, bp))
        np.add.at(img, ((pattern.right.astype(np.int64) * bn) // n, (pattern.left.astype(np.int64) * bp) // p), 1)
        cells_p = np.bincount((np.arange(p, dtype=np.int64) * bp) // p, minlength=bp)
        cells_n = np.bincount((np.arange(n, dtype=np.int64) * bn) // n, minlength=bn)
        img /= np.outer(cells_n, cells_p)
        im = ax.imshow(img, aspect="auto", cmap="viridis", interpolation="nearest", extent=(0, p, n, 0))
        fig.colorbar(im, ax=ax, label="density")
        ax.set_title("edge density (no z: banks unknown)")
        ax.set_xlabel("left neuron")
        ax.set_ylabel("right neuron")
    _degree_panel(axes[1], pattern.out_degrees(), "out-degree (left)")
    _degree_panel(axes[2], pattern.in_degrees(), "in-degree (right)")
    headline = ""
    if z is not None:
        plot_bank_loads(pattern, z, ax=axes[3], max_clocks=max_cells)
        cr = adjmat.clash_report(pattern, z)
        headline = f"  z={z}: {'clash-free' if cr.clash_free else f'clashes, slowdown {cr.slowdown:.2f}x'}"
    elif isinstance(bank_z, int):
        headline = f"  z={bank_z}"
    extra = "".join(f" {k}={pattern.meta[k]}" for k in ("type", "dither") if k in pattern.meta)
    fig.suptitle(f"{pattern.kind}{extra}  p={p} n={n} W={pattern.W} (density {pattern.density:.3g})"
                 + (f" seed={pattern.seed}" if pattern.seed is not None else "") + headline)
    return _finish(fig, out)


def _check_report(where: str, report: Any):
    import hwsim
    if not isinstance(report, hwsim.Report):
        raise fail(where, "report", "an hwsim.Report (from hwsim.simulate)", type(report).__name__)
    return report


def _design_title(report) -> str:
    ns = report.netspec
    kinds = "/".join(sorted({pat["kind"] for pat in report.patterns}))
    return (f"{kinds}  config={tuple(ns['config'])} fo={tuple(ns['fo'])} z={tuple(ns['z'])}, "
            f"{report.config['timing']} timing, {report.mode}: {report.throughput_inputs_per_s:,.0f} inputs/s "
            f"(cpc {report.cpc})")


def plot_simulation(report, out: Any = None):
    """Utilisation, stall clocks and RMW hazards per junction of one :func:`hwsim.simulate` report.

    Examples
    --------
    >>> import adjmat, hwsim
    >>> net = adjmat.NetSpec((64, 16, 4), (2, 2), (32, 8))
    >>> rep = hwsim.simulate(net, adjmat.generate_network(net, "clash_free", seed=0), inputs=10)
    >>> plot_simulation(rep).get_suptitle()
    'clash_free  config=(64, 16, 4) fo=(2, 2) z=(32, 8), ideal timing, train: 3,750,000 inputs/s (cpc 4)'
    """
    rep = _check_report("plot_simulation", report)
    fig = blank_figure(15, 4.2)
    axes = fig.subplots(1, 3)
    x = np.arange(1, rep.L + 1)
    ax = axes[0]
    for k, unit in enumerate(("ff", "bp", "up")):
        ax.bar(x + (k - 1) * 0.27, rep.utilisation[unit], width=0.27, label=unit.upper())
    ax.set(xlabel="junction", ylabel="edges / (z x active clocks)", ylim=(0, 1.25), xticks=x,
           title="utilisation per unit")
    ax.legend(loc="upper center", ncol=3, fontsize=8)
    ax = axes[1]
    ax.bar(x - 0.2, rep.bank_stall_clocks, width=0.4, label=f"bank clashes (sum {sum(rep.bank_stall_clocks):,})")
    ax.bar(x + 0.2, rep.rmw_stall_clocks, width=0.4, label=f"RMW stalls (sum {sum(rep.rmw_stall_clocks):,})")
    ax.set(xlabel="junction", ylabel="stall clocks", xticks=x,
           title=f"stalls over {rep.inputs:,} inputs ({rep.total_stall_clocks:,} clocks lost)")
    ax.set_ylim(bottom=0, top=max(1, max(rep.bank_stall_clocks), max(rep.rmw_stall_clocks)) * 1.3)
    _thousands(ax.yaxis)
    ax.legend(loc="upper left", fontsize=8)
    ax = axes[2]
    ax.bar(x - 0.2, rep.rmw_hazards, width=0.4, label="RMW hazards")
    ax.bar(x + 0.2, rep.rmw_stale, width=0.4, label=f"stale reads (rmw={rep.config['rmw']})")
    ax.set(xlabel="junction", ylabel="delta-memory reads", xticks=x, title=f"RMW hazards over {rep.inputs:,} inputs")
    ax.set_ylim(bottom=0, top=max(1, max(rep.rmw_hazards), max(rep.rmw_stale)) * 1.3)
    _thousands(ax.yaxis)
    ax.legend(loc="upper left", fontsize=8)
    fig.suptitle(_design_title(rep))
    return _finish(fig, out)


def plot_sweep_z(table, out: Any = None):
    """Throughput and multipliers of every design of a :func:`hwsim.sweep_z` table (x: z per junction).

    Examples
    --------
    >>> import hwsim
    >>> t = hwsim.sweep_z((1024, 64, 32), (4, 16), "clash_free", inputs=100, seed=0)
    >>> plot_sweep_z(t).get_suptitle()
    'clash_free  config=(1024, 64, 32) fo=(4, 16), ideal timing, train: best 937,500 inputs/s at z=(256, 64)'
    """
    import hwsim
    if not isinstance(table, hwsim.SweepTable):
        raise fail("plot_sweep_z", "table", "an hwsim.SweepTable (from hwsim.sweep_z)", type(table).__name__)
    rows = list(table.rows)
    labels = [str(tuple(r.z)) + ("" if r.balanced else " *") for r in rows]
    x = np.arange(len(rows))
    done = [k for k, r in enumerate(rows) if r.skipped is None]
    fig = blank_figure(max(9.0, 1.1 * len(rows) + 4), 4.4)
    ax, bx = fig.subplots(1, 2)
    for balanced, colour, name in ((True, "tab:blue", "balanced"), (False, "tab:red", "unbalanced")):
        ks = [k for k in done if rows[k].balanced == balanced]
        if ks:  # balanced designs are ordered by z (one line); unbalanced ones are separate points
            ax.plot(x[ks], [rows[k].throughput_inputs_per_s for k in ks], "o-" if balanced else "o", color=colour,
                    label=name)
    if any(not r.balanced for r in rows):
        ax.legend(loc="lower right", fontsize=8)
    for k in done:
        ax.annotate(f"cpc {rows[k].cpc}", (x[k], rows[k].throughput_inputs_per_s), textcoords="offset points",
                    xytext=(0, 6), ha="center", fontsize=8)
    ax.set_ylabel("throughput (inputs / s)")
    ax.set_ylim(bottom=0, top=max([rows[k].throughput_inputs_per_s for k in done] or [1]) * 1.2)
    ax.set_title("throughput vs z")
    _thousands(ax.yaxis)
    bx.bar(x, [r.multipliers for r in rows], color=["tab:blue" if r.balanced else "tab:red" for r in rows])
    bx.set_ylabel("multipliers")
    _thousands(bx.yaxis)
    bx.set_title("multipliers vs z")
    for a in (ax, bx):
        a.set_xlim(-0.6, len(rows) - 0.4)
        a.set_xticks(x, labels, rotation=30, ha="right")
        a.set_xlabel("z per junction" + (" (* unbalanced)" if any(not r.balanced for r in rows) else ""))
    best = max(done, key=lambda k: rows[k].throughput_inputs_per_s) if done else None
    head = (f"best {rows[best].throughput_inputs_per_s:,.0f} inputs/s at z={tuple(rows[best].z)}"
            if best is not None else "no design simulated")
    fig.suptitle(f"{table.kind}  config={tuple(table.config)} fo={tuple(table.fo)}, {table.hardware['timing']} "
                 f"timing, {table.mode}: {head}")
    return _finish(fig, out)
