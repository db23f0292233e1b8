"""Training-free quality metrics of connection patterns: :func:`scatter` (docs/patterns.md §7).

Scatter asks whether every neuron "sees" every region of the layer it draws from about as much as it would if
its connections (or paths) were spread perfectly evenly.  Everything is computed with SciPy sparse products;
windows are a sparse window-indicator matrix, so no Python loop runs over neurons.
"""
from __future__ import annotations

import numbers
from typing import Any, Sequence

import numpy as np
import scipy.sparse as sp

from .errors import SpecError
from .validation import check_int, fail
from .pattern import Pattern

__all__ = ["scatter"]

# Window columns are processed in blocks so that a block's path-count matrix stays near this many entries.
_BLOCK_ENTRIES = 1 << 23


def _starts(size: int, window: int, stride: int) -> np.ndarray:
    """Window starts 0, stride, 2*stride, ... that fit; plus ``size - window`` when the tail would be missed."""
    starts = np.arange(0, size - window + 1, stride, dtype=np.int64)
    if starts[-1] + window < size:
        starts = np.append(starts, size - window)
    return starts


def _indicator(size: int, window, stride, shape2d) -> tuple[sp.csr_matrix, int]:
    """Window-indicator CSR of shape (number of windows, size) and the window size in neurons."""
    if shape2d is None:
        w = min(window, size)
        starts = _starts(size, w, stride)
        cols = starts[:, None] + np.arange(w, dtype=np.int64)[None, :]
    else:
        H, Wd = shape2d
        h, w = min(window[0], H), min(window[1], Wd)
        ys, xs = _starts(H, h, stride[0]), _starts(Wd, w, stride[1])
        patch = (np.arange(h, dtype=np.int64)[:, None] * Wd + np.arange(w, dtype=np.int64)[None, :]).ravel()
        origin = (ys[:, None] * Wd + xs[None, :]).ravel()
        cols = origin[:, None] + patch[None, :]
    nw, wsize = cols.shape
    ind = sp.csr_matrix((np.ones(cols.size), cols.ravel(), np.arange(0, cols.size + 1, wsize)),
                        shape=(nw, size))
    return ind, wsize


def _scores(chain: Sequence[sp.csr_matrix], indicator: sp.csr_matrix, wsize: int, totals: np.ndarray,
            n_source: int) -> np.ndarray:
    """Per-neuron scatter of the last layer of ``chain`` w.r.t. windows on its first layer.

    ``chain`` holds sparse (target, source) matrices applied in order; path counts from each window are
    ``chain[-1] @ ... @ chain[0] @ indicator.T``.  Score of neuron o = mean over windows of
    ``min(count / ideal_o, 1)`` with ``ideal_o = wsize * totals[o] / n_source``; 0 when ``totals[o] == 0``.
    Zero counts add nothing, so only stored entries are visited.
    """
    n_target = totals.size
    nw = indicator.shape[0]
    ideal = wsize * totals / n_source
    widest = max([indicator.shape[1]] + [m.shape[0] for m in chain])
    block = max(1, _BLOCK_ENTRIES // max(widest, 1))
    sums = np.zeros(n_target)
    for lo in range(0, nw, block):
        x = indicator[lo:lo + block].T.tocsr()
        for m in chain:
            x = m @ x
        x = x.tocsr()
        x.eliminate_zeros()
        rows = np.repeat(np.arange(n_target), np.diff(x.indptr))
        sums += np.bincount(rows, weights=np.minimum(x.data / ideal[rows], 1.0), minlength=n_target)
    return sums / nw


def _as_chain(where: str, patterns) -> list[Pattern]:
    if isinstance(patterns, Pattern):
        return [patterns]
    if isinstance(patterns, (str, bytes)) or not isinstance(patterns, Sequence):
        raise fail(where, "patterns", "an adjmat.Pattern or a sequence of them (one per junction)",
                   type(patterns).__name__)
    chain = list(patterns)
    if not chain:
        raise fail(where, "patterns", "a non-empty sequence of adjmat.Pattern", patterns)
    for i, pat in enumerate(chain):
        if not isinstance(pat, Pattern):
            raise fail(where, f"patterns[{i}]", "an adjmat.Pattern", type(pat).__name__)
    for i in range(1, len(chain)):
        if chain[i].p != chain[i - 1].n:
            raise SpecError(f"{where}: junctions must chain: patterns[{i}].p must equal patterns[{i - 1}].n "
                            f"({chain[i - 1].n}); received patterns[{i}].p={chain[i].p}.",
                            where=where, param="patterns")
    return chain


def _per_layer(where: str, name: str, value, sizes: list[int], default) -> list:
    """Expand an int (or None -> default) to one item per layer; accept a sequence of len(sizes) items."""
    if value is None:
        return list(default)
    if isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_)):
        return [value] * len(sizes)
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or len(value) != len(sizes):
        raise fail(where, name, f"a positive int or a sequence of {len(sizes)} items (one per layer, input "
                   f"layer first)", value)
    return list(value)


def _check_item(where: str, name: str, item, two_d: bool):
    """A positive int, or on a 2-D input layer an int or an (h, w) pair of positive ints."""
    if two_d:
        if isinstance(item, numbers.Integral) and not isinstance(item, (bool, np.bool_)):
            item = (item, item)
        if isinstance(item, (str, bytes)) or not isinstance(item, Sequence) or len(item) != 2:
            raise fail(where, name, "a positive int or an (h, w) pair of positive ints", item)
        return tuple(check_int(where, name, v, minimum=1) for v in item)
    return check_int(where, name, item, minimum=1)


def scatter(patterns: Pattern | Sequence[Pattern], *, windows: Any = 8, stride: Any = None,
            image_shape: tuple[int, int] | None = None) -> dict:
    """Scatter of a network of junctions (Dey et al., ITA 2018; docs/patterns.md §7).

    For each neuron of a layer and each window of neurons of another layer, count the connections (or, for
    the whole network, the paths) from that window; divide by the ideal share ``window size * total / size
    of the other layer`` (``total`` = the neuron's connections or paths to that whole layer); clip at 1;
    average over windows, then over neurons.  Done for every junction forward (right neurons w.r.t. windows
    on the left layer) and reverse (left neurons w.r.t. windows on the right layer), and for the whole
    network (outputs w.r.t. input windows through ``M = A_L ... A_1``, and inputs w.r.t. output windows).
    The network's scatter is the minimum of these values: 1 means every neuron sees every window at least
    its fair share; low values mean some neurons are blind to some regions.

    Parameters
    ----------
    patterns : Pattern or sequence of Pattern
        The junctions in order; ``patterns[i].p == patterns[i-1].n``.
    windows : int or sequence of L+1 items
        Window size per layer (input layer first); one int is used for every layer.  With ``image_shape``
        the input layer's item may be an ``(h, w)`` pair (an int means a square patch).  A window larger than
        its layer is clipped to the layer.
    stride : None, int or sequence of L+1 items
        Step between windows, same layout as ``windows``; None (default) means non-overlapping windows
        (stride = window size).
    image_shape : (int, int), optional
        ``(H, W)`` of the input layer (row-major, ``H*W == patterns[0].p``): input windows become 2-D
        patches.  Without it every layer is a 1-D run of neurons.

    Returns
    -------
    dict
        ``"scatter"``: the minimum of all values below; ``"forward"``, ``"reverse"``: lists with one value
        per junction; ``"net_forward"``, ``"net_reverse"``: the whole-network values; ``"per_output"``:
        the net-forward value of each output neuron (numpy array, length N_L); ``"per_input"``: the
        net-reverse value of each input neuron (length N_0); ``"windows"``: ``(number, size)`` of the
        windows on each layer.

    Raises
    ------
    SpecError
        For a non-Pattern, junctions that do not chain, bad window/stride values or an image shape whose
        area is not the input size.

    Notes
    -----
    Windows start at 0, stride, 2*stride, ... while they fit; when that would leave the last neurons
    uncovered one more window ending at the last neuron is added (the original code silently dropped them).
    A neuron with no connection (no path) to the other layer scores 0.  Path counts use float64 sparse
    products (exact up to 2**53).  Cost: sparse products of the junction matrices with the window-indicator
    matrix, processed in blocks of windows; memory is bounded by the number of (neuron, window) pairs
    with a path, per block.

    Examples
    --------
    >>> from adjmat import generate, Pattern
    >>> fc = [generate("fc", 16, 8), generate("fc", 8, 4)]
    >>> scatter(fc, windows=4)["scatter"]
    1.0
    >>> half = Pattern(left=list(range(8)) + [0, 1, 2, 3], right=[0] * 8 + [1] * 4, p=8, n=2)
    >>> res = scatter(half, windows=2)      # output 1 sees only inputs 0..3
    >>> res["per_output"].tolist(), res["forward"], res["scatter"]
    ([1.0, 0.5], [0.75], 0.75)
    """
    where = "scatter"
    chain = _as_chain(where, patterns)
    sizes = [chain[0].p] + [pat.n for pat in chain]
    L = len(chain)
    two_d = image_shape is not None
    if two_d:
        if isinstance(image_shape, (str, bytes)) or not isinstance(image_shape, Sequence) \
                or len(image_shape) != 2:
            raise fail(where, "image_shape", "an (H, W) pair of positive ints", image_shape)
        image_shape = tuple(check_int(where, "image_shape", v, minimum=1) for v in image_shape)
        if image_shape[0] * image_shape[1] != sizes[0]:
            raise SpecError(f"{where}: image_shape H*W must equal the input size patterns[0].p ({sizes[0]}); "
                            f"received image_shape={image_shape} (H*W = {image_shape[0] * image_shape[1]}).",
                            where=where, param="image_shape")
    win = _per_layer(where, "windows", windows, sizes, [8] * len(sizes))
    win = [_check_item(where, "windows", w, two_d and k == 0) for k, w in enumerate(win)]
    strd = _per_layer(where, "stride", stride, sizes, win)
    strd = [_check_item(where, "stride", s, two_d and k == 0) for k, s in enumerate(strd)]

    indicators = [_indicator(sizes[k], win[k], strd[k], image_shape if k == 0 else None)
                  for k in range(L + 1)]
    mats = [pat.to_scipy(dtype=np.float64) for pat in chain]          # (n, p): right x left
    mats_t = [m.T.tocsr() for m in mats]                               # (p, n)

    forward, reverse = [], []
    for i, pat in enumerate(chain):
        ind_left, w_left = indicators[i]
        ind_right, w_right = indicators[i + 1]
        forward.append(float(np.mean(_scores([mats[i]], ind_left, w_left, pat.in_degrees().astype(float),
                                              sizes[i]))))
        reverse.append(float(np.mean(_scores([mats_t[i]], ind_right, w_right,
                                              pat.out_degrees().astype(float), sizes[i + 1]))))
    into_outputs = np.ones(sizes[0])
    for m in mats:
        into_outputs = m @ into_outputs                               # paths into each output
    out_of_inputs = np.ones(sizes[-1])
    for m in reversed(mats_t):
        out_of_inputs = m @ out_of_inputs                             # paths out of each input
    per_output = _scores(mats, indicators[0][0], indicators[0][1], into_outputs, sizes[0])
    per_input = _scores(mats_t[::-1], indicators[-1][0], indicators[-1][1], out_of_inputs, sizes[-1])
    net_forward, net_reverse = float(np.mean(per_output)), float(np.mean(per_input))
    return {
        "scatter": min(forward + reverse + [net_forward, net_reverse]),
        "forward": forward,
        "reverse": reverse,
        "net_forward": net_forward,
        "net_reverse": net_reverse,
        "per_output": per_output,
        "per_input": per_input,
        "windows": [(ind.shape[0], wsize) for ind, wsize in indicators],
    }
