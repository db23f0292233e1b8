"""Formatting shared by the summaries, reports and figures of predefsparse: percentages, lists, blank figures.

Examples
--------
>>> pct(0.98765), pct(None), fmt_list((800, 100, 10))
('98.77 %', '-', '800-100-10')
"""
from __future__ import annotations

from typing import Any, Iterable

__all__ = ["pct", "fmt_list", "figure", "blank_figure"]


def pct(x: float | None, digits: int = 2, *, missing: str = "-") -> str:
    """``x`` (a fraction) as a percentage with ``digits`` decimals, ``missing`` for None.

    Examples
    --------
    >>> pct(0.5), pct(0.123456, 1), pct(None, missing="n/a")
    ('50.00 %', '12.3 %', 'n/a')
    """
    return missing if x is None else f"{100 * x:.{digits}f} %"


def fmt_list(values: Iterable[Any], sep: str = "-") -> str:
    """The values joined by ``sep`` (``800-100-10``: the net in folder names and tables).

    Examples
    --------
    >>> fmt_list([50, 10]), fmt_list((0.5, 1), ",")
    ('50-10', '0.5,1')
    """
    return sep.join(str(v) for v in values)


def blank_figure(width: float, height: float, *, layout: str | None = "constrained"):
    """A matplotlib ``Figure`` of ``width`` x ``height`` inches without axes (no pyplot, no GUI backend)."""
    from matplotlib.figure import Figure
    return Figure(figsize=(width, height), layout=layout)


def figure(width: float, height: float, ncols: int = 1, *, layout: str | None = "constrained"):
    """A figure with ``ncols`` axes side by side: ``(fig, [ax, ...])`` (always a list).

    Examples
    --------
    >>> fig, axes = figure(6, 3, 2)
    >>> len(axes), fig.get_size_inches().tolist()
    (2, [6.0, 3.0])
    """
    fig = blank_figure(width, height, layout=layout)
    axes = fig.subplots(1, ncols, squeeze=False)[0]
    return fig, list(axes)
