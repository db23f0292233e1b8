"""Independent numpy references for the functional mode (tests only; shares no code with hwsim).

Everything here is written from the specification (docs/hardware.md §1, §2, §5, §6 and the format stated in
hwsim/fixedpoint.py's docstring) with dense ``(p, n)`` matrices and per-sample loops:

- :func:`float_sgd`: a plain masked-MLP, batch-1 SGD.  ``delayed=True`` applies the pipeline's delayed-update
  rule through a history of weight versions (FF of input ``m`` in junction ``i`` uses the weights after the
  updates of inputs ``0 .. m - 2(L-i) - 2``; BP uses the weights after inputs ``0 .. m-1``).
- :func:`fixed_sgd`: the same in integer codes (dense products, table sigmoid, rounding shifts, saturation).
- Both can model the RMW hazard rule of the ``"count"`` policy for clash-free patterns: the BP read of edge ``j``
  happens at clock ``j // z`` and sees the value written by the latest earlier read of the same left neuron
  that happened at least ``lat`` clocks before (else 0); the final value is the last write.
"""
from __future__ import annotations

import math

import numpy as np


def masks_from_edges(edges, sizes):
    """Dense boolean (p, n) masks from ``[(left, right), ...]``."""
    out = []
    for (left, right), p, n in zip(edges, sizes[:-1], sizes[1:]):
        m = np.zeros((p, n), dtype=bool)
        m[np.asarray(left), np.asarray(right)] = True
        out.append(m)
    return out


def dense_from_edges(edges, sizes, values):
    """Dense (p, n) kernels with ``values[i][j]`` at ``(left[j], right[j])``."""
    out = []
    for (left, right), p, n, v in zip(edges, sizes[:-1], sizes[1:], values):
        k = np.zeros((p, n), dtype=np.asarray(v).dtype)
        k[np.asarray(left), np.asarray(right)] = v
        out.append(k)
    return out


def _hazard_accumulate(left, right, contrib, p, z, lat, add):
    """Accumulate per-edge contributions into p partial sums under the 'count' RMW rule (closed form).

    ``add(old, c)`` combines; returns (values, stale_count)."""
    t = np.arange(len(left)) // z
    written = [None] * len(left)
    last = {}
    history = {l: [] for l in range(p)}  # left neuron -> list of (time, edge index)
    stale = 0
    for j, l in enumerate(left):
        l = int(l)
        seen = None
        newer = False
        for tj, jj in history[l]:
            if tj <= t[j] - lat:
                seen = jj
            else:
                newer = True
        stale += newer
        old = 0 if seen is None else written[seen]
        written[j] = add(old, contrib[j])
        history[l].append((t[j], j))
        last[l] = j
    values = [0] * p
    for l, j in last.items():
        values[l] = written[j]
    return values, stale


def float_sgd(x, labels, edges, sizes, w0, b0, etas, *, activation="sigmoid", delayed=False, hazard=None):
    """Masked-MLP batch-1 SGD in float64 with dense matrices.

    Parameters
    ----------
    x : (M, N_0) float inputs in processing order; labels : (M,) int classes.
    edges : [(left, right)] per junction (natural order); sizes : layer sizes.
    w0 : per junction edge values (natural order); b0 : biases.  etas : (M,) learning rate per input.
    hazard : None or (z_per_junction, lat) -- model the 'count' RMW rule in BP.

    Returns (kernels, biases, predictions, stale_per_junction).
    """
    L = len(edges)
    masks = masks_from_edges(edges, sizes)
    Wt = [k.astype(np.float64) for k in dense_from_edges(edges, sizes, w0)]
    bt = [np.array(b, dtype=np.float64) for b in b0]
    hist = [[(Wt[i].copy(), bt[i].copy())] for i in range(L)]  # hist[i][v] = weights after v updates
    preds = np.zeros(len(x), dtype=int)
    stale = [0] * L

    def act(s):
        if activation == "relu":
            return np.maximum(s, 0.0), (s > 0).astype(np.float64)
        a = 1.0 / (1.0 + np.exp(-s))
        return a, a * (1.0 - a)

    for m in range(len(x)):
        a = [np.asarray(x[m], dtype=np.float64)]
        da = [None]
        s = None
        for i in range(L):
            if delayed:
                v = max(0, m - (2 * (L - (i + 1)) + 1))
                Wf, bf = hist[i][v]
            else:
                Wf, bf = Wt[i], bt[i]
            s = a[-1] @ Wf + bf
            ai, dai = act(s)
            a.append(ai)
            da.append(dai)
        preds[m] = int(np.argmax(s))
        y = np.zeros(sizes[-1])
        y[labels[m]] = 1.0
        delta = a[-1] - y
        for i in range(L - 1, -1, -1):
            prev = None
            if i >= 1:
                if hazard is None:
                    prev = (Wt[i] @ delta) * da[i]
                else:
                    left, right = edges[i]
                    contrib = [delta[r] * Wt[i][l, r] * da[i][l] for l, r in zip(left, right)]
                    vals, st = _hazard_accumulate(left, right, contrib, sizes[i], hazard[0][i], hazard[1],
                                                  lambda o, c: o + c)
                    prev = np.array(vals, dtype=np.float64)
                    stale[i] += st
            Wt[i] = Wt[i] - etas[m] * np.outer(a[i], delta) * masks[i]
            bt[i] = bt[i] - etas[m] * delta
            hist[i].append((Wt[i].copy(), bt[i].copy()))
            delta = prev
    return Wt, bt, preds, stale


class Fmt:
    """The fixed-point format, re-derived from the widths (hwsim/fixedpoint.py docstring)."""

    def __init__(self, width, frac, input_width, lut_size, lut_domain):
        self.width, self.frac, self.input_width = width, frac, input_width
        self.lo, self.hi = -2 ** (width - 1), 2 ** (width - 1) - 1
        self.one = min(2 ** frac, self.hi)
        self.lut_size, self.lut_domain = lut_size, lut_domain
        step = 2.0 * lut_domain / lut_size
        centres = np.array([-lut_domain + (k + 0.5) * step for k in range(lut_size)])
        sig = 1.0 / (1.0 + np.exp(-centres))
        self.sig = self.real_to_code(sig)
        self.dsig = self.real_to_code(sig * (1.0 - sig))
        self.step = step

    def clip(self, v):
        return np.clip(v, self.lo, self.hi)

    def real_to_code(self, v):
        return self.clip(np.floor(np.asarray(v, dtype=np.float64) * 2.0 ** self.frac + 0.5)).astype(np.int64)

    @staticmethod
    def round_shift(v, s):
        """floor(v / 2**s + 1/2) with integer floor division."""
        v = np.asarray(v, dtype=np.int64)
        if s == 0:
            return v
        return (v + 2 ** (s - 1)) // 2 ** s

    def activation(self, s, kind):
        if kind == "relu":
            return np.maximum(s, 0), np.where(s > 0, self.one, 0)
        real = s.astype(np.float64) / 2.0 ** self.frac
        k = np.floor((real + self.lut_domain) / self.step).astype(np.int64)
        k = np.clip(k, 0, self.lut_size - 1)
        return self.sig[k], self.dsig[k]


def fixed_sgd(x_codes, labels, edges, sizes, w0, b0, shifts, fmt, *, activation="sigmoid", delayed=False,
              hazard=None):
    """Integer-code batch-1 SGD (the hardware's fixed-point arithmetic) with dense code matrices.

    ``x_codes`` (M, N_0) unsigned input codes (``fmt.input_width`` fraction bits); ``w0``/``b0`` codes;
    ``shifts`` (M,) learning-rate shifts k (eta = 2**-k).  Returns (kernels, biases, predictions, stale).
    """
    L = len(edges)
    masks = masks_from_edges(edges, sizes)
    Wt = [k.astype(np.int64) for k in dense_from_edges(edges, sizes, [np.asarray(w, np.int64) for w in w0])]
    bt = [np.array(b, dtype=np.int64) for b in b0]
    hist = [[(Wt[i].copy(), bt[i].copy())] for i in range(L)]
    preds = np.zeros(len(x_codes), dtype=int)
    stale = [0] * L
    f = fmt.frac
    rs = fmt.round_shift
    for m in range(len(x_codes)):
        a = [np.asarray(x_codes[m], dtype=np.int64)]
        da = [None]
        fa = [fmt.input_width]
        s = None
        for i in range(L):
            if delayed:
                Wf, bf = hist[i][max(0, m - (2 * (L - (i + 1)) + 1))]
            else:
                Wf, bf = Wt[i], bt[i]
            prod = fmt.clip(rs(a[-1][:, None] * Wf, fa[-1])) * masks[i]
            s = fmt.clip(prod.sum(axis=0) + bf)
            ai, dai = fmt.activation(s, activation)
            a.append(ai)
            da.append(dai)
            fa.append(f)
        preds[m] = int(np.argmax(s))
        delta = fmt.clip(a[-1] - fmt.one * (np.arange(sizes[-1]) == labels[m]))
        k = int(shifts[m])
        for i in range(L - 1, -1, -1):
            prev = None
            if i >= 1:
                left, right = edges[i]
                contrib = [int(fmt.clip(rs(fmt.clip(rs(delta[r] * Wt[i][l, r], f)) * da[i][l], f)))
                           for l, r in zip(left, right)]
                add = lambda o, c: int(fmt.clip(o + c))  # noqa: E731
                if hazard is None:
                    acc = [0] * sizes[i]
                    for l, c in zip(left, contrib):
                        acc[l] = add(acc[l], c)
                else:
                    acc, st = _hazard_accumulate(left, right, contrib, sizes[i], hazard[0][i], hazard[1], add)
                    stale[i] += st
                prev = np.array(acc, dtype=np.int64)
            upd = fmt.clip(rs(a[i][:, None] * delta[None, :], fa[i] + k)) * masks[i]
            Wt[i] = fmt.clip(Wt[i] - upd)
            bt[i] = fmt.clip(bt[i] - rs(delta, k))
            hist[i].append((Wt[i].copy(), bt[i].copy()))
            delta = prev
    return Wt, bt, preds, stale


def forward(x, edges, sizes, w, b, *, activation="sigmoid", fmt=None):
    """Feed-forward predictions (argmax of output pre-activations) for every row; float or fixed (``fmt``)."""
    Wd = dense_from_edges(edges, sizes, w)
    preds = np.zeros(len(x), dtype=int)
    outs = []
    for m in range(len(x)):
        a = np.asarray(x[m], dtype=np.int64 if fmt is not None else np.float64)
        fa = None if fmt is None else fmt.input_width
        for i in range(len(edges)):
            if fmt is None:
                s = a @ Wd[i] + b[i]
                a = np.maximum(s, 0.0) if activation == "relu" else 1.0 / (1.0 + np.exp(-s))
            else:
                mask = masks_from_edges([edges[i]], sizes[i:i + 2])[0]
                prod = fmt.clip(fmt.round_shift(a[:, None] * Wd[i].astype(np.int64), fa)) * mask
                s = fmt.clip(prod.sum(axis=0) + np.asarray(b[i], dtype=np.int64))
                a, _ = fmt.activation(s, activation)
                fa = fmt.frac
        preds[m] = int(np.argmax(s))
        outs.append(a)
    return preds, np.array(outs)


def glorot_sigma(W, p, n):
    return math.sqrt(2.0 / (W / n + W / p))
