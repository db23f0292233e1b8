"""Readable summaries and plots of patterns (text tables and matplotlib figures; no Keras).

Examples
--------
>>> import adjmat
>>> from predefsparse.report import pattern_summary
>>> print(pattern_summary(adjmat.generate("rtl", 8, 4, fo=2), z=4).splitlines()[0])
pattern   rtl  p=8  n=4  W=16  density=0.5
"""
from __future__ import annotations

import os

import numpy as np

import adjmat
from adjmat.pattern import atomic_write

__all__ = ["pattern_summary", "plot_pattern", "save_figure"]


def _degree_line(name: str, d: np.ndarray) -> str:
    vals, counts = np.unique(d, return_counts=True)
    if vals.size <= 4:
        spread = ", ".join(f"{int(v)} x{int(c)}" for v, c in zip(vals, counts))
    else:
        spread = f"mean {d.mean():.2f}, std {d.std():.2f}"
    return f"{name:<9} min {int(d.min())}  max {int(d.max())}  ({spread})"


def pattern_summary(pattern: adjmat.Pattern, z: int | None = None) -> str:
    """A few lines on a pattern: sizes, degrees, duplicates, unconnected neurons and, with ``z``, clash-freedom
    and bank loads.

    Examples
    --------
    >>> import adjmat
    >>> text = pattern_summary(adjmat.generate("clash_free", 16, 8, fo=2, z=4, seed=0), z=4)
    >>> "clash-free yes" in text
    True
    """
    rep = adjmat.check(pattern, raise_errors=False)
    lines = [f"pattern   {pattern.kind}  p={pattern.p}  n={pattern.n}  W={pattern.W}  density={pattern.density:.4g}"
             + (f"  seed={pattern.seed}" if pattern.seed is not None else "")
             + "".join(f"  {k}={pattern.meta[k]}" for k in ("type", "dither") if k in pattern.meta),
             _degree_line("out-deg", pattern.out_degrees()),
             _degree_line("in-deg", pattern.in_degrees()),
             f"valid     {'yes' if rep.ok else 'NO: ' + '; '.join(rep.errors)}"
             f"  duplicates {rep.duplicates}  unconnected left {rep.unconnected_left}"
             f"  right {rep.unconnected_right}"
             + ("" if rep.sweep_property is None else f"  sweep property {'yes' if rep.sweep_property else 'no'}")]
    if z is not None:
        cr = adjmat.clash_report(pattern, z)
        hist = ", ".join(f"{k}: {int(c)}" for k, c in enumerate(cr.max_load_hist) if k and c)
        lines.append(f"z={z:<7} clash-free {'yes' if cr.clash_free else 'no'}  clocks {cr.clocks}"
                     f"  clash clocks {cr.clash_clocks}  stall clocks {cr.stall_clocks}"
                     f"  slowdown {cr.slowdown:.2f}x")
        lines.append(f"bank load most-loaded-bank count per clock -> clocks: {hist}")
    return "\n".join(lines)


def save_figure(fig, path: str | os.PathLike) -> str:
    """Save a matplotlib figure atomically (format from the file extension).

    Examples
    --------
    >>> import matplotlib; matplotlib.use("Agg")
    >>> import matplotlib.pyplot as plt, tempfile, os
    >>> fig = plt.figure(); p = save_figure(fig, os.path.join(tempfile.mkdtemp(), "f.png")); plt.close(fig)
    >>> p.endswith("f.png")
    True
    """
    fmt = os.path.splitext(os.fspath(path))[1].lstrip(".") or "png"
    return atomic_write(path, lambda f: fig.savefig(f, format=fmt, dpi=110, bbox_inches="tight"))


def plot_pattern(pattern: adjmat.Pattern, path: str | os.PathLike, z: int | None = None,
                 max_cells: int = 400) -> str:
    """Plot a pattern: connection picture (exact spy plot when small, edge-density image when large) and
    out-/in-degree histograms; with ``z``, the most-loaded-bank histogram.  Written atomically; returns path.

    Examples
    --------
    >>> import adjmat, tempfile, os
    >>> out = plot_pattern(adjmat.generate("usn", 64, 32, density=0.1, seed=0), os.path.join(tempfile.mkdtemp(), "p.png"))
    >>> os.path.getsize(out) > 0
    True
    """
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ncols = 4 if z is not None else 3
    fig, axes = plt.subplots(1, ncols, figsize=(4.2 * ncols, 4))
    ax = axes[0]
    p, n = pattern.p, pattern.n
    if p <= max_cells and n <= max_cells:
        ax.imshow(pattern.to_mask().T, aspect="auto", cmap="Greys", interpolation="nearest")
        ax.set_title("connections (right x left)")
    else:  # edge density over a grid of blocks: O(W), never a p x n matrix
        bp, bn = min(p, max_cells), min(n, max_cells)
        img = np.zeros((bn, bp))
        np.add.at(img, ((pattern.right.astype(np.int64) * bn) // n, (pattern.left.astype(np.int64) * bp) // p), 1)
        cells_p = np.bincount((np.arange(p, dtype=np.int64) * bp) // p, minlength=bp)
        cells_n = np.bincount((np.arange(n, dtype=np.int64) * bn) // n, minlength=bn)
        img /= np.outer(cells_n, cells_p)  # exact cells per block: the image shows true densities
        im = ax.imshow(img, aspect="auto", cmap="viridis", interpolation="nearest",
                       extent=(0, p, n, 0))
        fig.colorbar(im, ax=ax, label="density")
        ax.set_title("edge density (right x left)")
    ax.set_xlabel("left neuron")
    ax.set_ylabel("right neuron")
    for ax, d, name in ((axes[1], pattern.out_degrees(), "out-degree (left neurons)"),
                        (axes[2], pattern.in_degrees(), "in-degree (right neurons)")):
        lo, hi = int(d.min()), int(d.max())
        ax.hist(d, bins=np.arange(lo, hi + 2) - 0.5 if hi - lo < 60 else 60)
        ax.set_title(name)
        ax.set_xlabel("degree")
        ax.set_ylabel("neurons")
    if z is not None:
        cr = adjmat.clash_report(pattern, z)
        ks = np.arange(1, cr.max_load_hist.size)
        axes[3].bar(ks, cr.max_load_hist[1:])
        axes[3].set_title(f"most-loaded bank per clock (z={z})")
        axes[3].set_xlabel("accesses to the busiest bank")
        axes[3].set_ylabel("clocks")
    fig.suptitle(repr(pattern), fontsize=8)
    fig.tight_layout()
    try:
        return save_figure(fig, path)
    finally:
        plt.close(fig)
