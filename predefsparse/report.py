"""Readable summaries of patterns (text tables; no Keras).  The figures live in :mod:`predefsparse.plots`;
``plot_pattern`` and ``save_figure`` are re-exported here for existing callers.

Examples
--------
>>> import adjmat
>>> from predefsparse.report import pattern_summary
>>> print(pattern_summary(adjmat.generate("rtl", 8, 4, fo=2), z=4).splitlines()[0])
pattern   rtl  p=8  n=4  W=16  density=0.5
"""
from __future__ import annotations

import numpy as np

import adjmat

from .plots import plot_pattern, save_figure

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
