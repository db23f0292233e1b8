"""Numba kernels of the functional mode (private; called by :mod:`hwsim.functional`, which validates inputs).

Conventions shared by every kernel (the Python layer guarantees them, the kernels trust them):

- A network of ``L`` junctions; layer ``l`` has ``N_l`` neurons.  Neuron-valued state lives in 2-D arrays of
  shape ``(R, sum_l N_l)`` (C order) -- ``R`` ring slots, one per input in flight (input ``m`` uses slot
  ``m % R``); layer ``l`` occupies columns ``noff[l]:noff[l+1]`` (``noff`` int64, length ``L + 2``).
- Edges of all junctions are concatenated: junction ``i`` (1-based, joining layer ``i-1`` to ``i``) owns edges
  ``woff[i-1]:woff[i]`` (``woff`` int64, length ``L + 1``) of ``left``/``right`` (int32, layer-local neuron
  indices, natural order) and of the weights ``w``; its biases are ``b[noff[i] - noff[1] : noff[i+1] - noff[1]]``.
- Float kernels: ``w``, ``b``, ``act``, ``dact``, ``delta``, ``eta``, ``x`` share one float dtype (float32 or
  float64) and ``one`` is ``1`` of that dtype, so float32 runs compute in float32.
- Fixed kernels: every value is an int32 code (see :mod:`hwsim.fixedpoint`); arithmetic in int64.
- The schedule (docs/hardware.md §2): input ``m`` is loaded in junction cycle ``m*S``; junction ``i`` runs FF for it
  in cycle ``m*S + i`` and BP/UP in cycle ``m*S + 2L + 1 - i``.  ``S = 1`` is the pipelined hardware,
  ``S = 2L + 1`` the flush mode.  Within one junction cycle FF and BP read every weight before UP writes it.
- RMW hazards (``count`` true): the BP read of edge ``j`` happens at clock ``rtime[j]`` (int64) of the junction
  cycle; its write lands ``lat = 2 + proctime`` clocks later (a read ``lat`` or more clocks later sees it).
  Pending writes live in per-neuron FIFOs ``pend_t`` (int64) / ``pend_v`` (value dtype), shape
  ``(max N_l, Q)``, with ``qhead``/``qlen`` (int64).
"""
from __future__ import annotations

import numpy as np
from numba import njit

__all__ = ["read_times", "train_float", "train_fixed", "infer_float", "infer_fixed"]


@njit(cache=True)
def read_times(left, z, ports):
    """Clock (within the junction cycle) of every edge's delta-memory read.

    Clock ``c`` issues edges ``c*z .. c*z+z-1``; bank of left neuron ``l`` is ``l % z``.  A clock whose most
    loaded bank has ``k`` accesses lasts ``ceil(k / ports)`` clocks; the ``r``-th access (lane order) to a bank
    within a clock goes at sub-clock ``r // ports``.  Clash-free patterns give ``j // z``.

    Parameters
    ----------
    left : int32[W]
        Left neuron of each edge, natural order.
    z, ports : int

    Returns
    -------
    int64[W]
    """
    W = left.size
    out = np.empty(W, dtype=np.int64)
    load = np.zeros(z, dtype=np.int64)
    start = 0
    for c0 in range(0, W, z):
        c1 = min(c0 + z, W)
        for j in range(c0, c1):
            load[left[j] % z] = 0
        longest = 1
        for j in range(c0, c1):
            bank = left[j] % z
            sub = load[bank] // ports
            out[j] = start + sub
            load[bank] += 1
            if sub + 1 > longest:
                longest = sub + 1
        start += longest
    return out


@njit(cache=True)
def _input_at(t, offset, S, M):
    """The input whose event at ``offset`` junction cycles after its load falls in cycle ``t``, or -1."""
    d = t - offset
    if d < 0 or d % S != 0:
        return -1
    m = d // S
    if m >= M:
        return -1
    return m


@njit(cache=True)
def _load_input(t, S, M, order, x, xscale, act):
    """Junction cycle ``t`` loads input ``m = t / S`` (row ``order[m]`` of ``x``, times ``xscale``) into its slot."""
    m = _input_at(t, 0, S, M)
    if m >= 0:
        slot = m % act.shape[0]
        row = order[m]
        for k in range(x.shape[1]):
            act[slot, k] = x[row, k] * xscale


@njit(cache=True)
def _junction(i, noff, woff, left, right, w, b):
    """Junction ``i`` (1-based): its left, right, w, b views, neuron bounds lo_in, hi_in (= lo_out), hi_out and
    edge bounds e0, e1."""
    e0 = woff[i - 1]
    e1 = woff[i]
    n0 = noff[1]
    return (left[e0:e1], right[e0:e1], w[e0:e1], b[noff[i] - n0:noff[i + 1] - n0], noff[i - 1], noff[i],
            noff[i + 1], e0, e1)


@njit(cache=True)
def _rmw_read(mem, l, time, pend_t, pend_v, qhead, qlen):
    """Land the writes to neuron ``l`` due by ``time``, then read it; returns (value, stale)."""
    Q = pend_t.shape[1]
    h = qhead[l]
    k = qlen[l]
    while k > 0 and pend_t[l, h] <= time:
        mem[l] = pend_v[l, h]
        h = (h + 1) % Q
        k -= 1
    qhead[l] = h
    qlen[l] = k
    return mem[l], k > 0


@njit(cache=True)
def _rmw_write(l, land, value, pend_t, pend_v, qhead, qlen):
    Q = pend_t.shape[1]
    pos = (qhead[l] + qlen[l]) % Q
    pend_t[l, pos] = land
    pend_v[l, pos] = value
    qlen[l] += 1


@njit(cache=True)
def _rmw_drain(mem, pend_v, qhead, qlen):
    """Land every pending write (end of the junction cycle)."""
    Q = pend_v.shape[1]
    for l in range(mem.size):
        k = qlen[l]
        if k > 0:
            mem[l] = pend_v[l, (qhead[l] + k - 1) % Q]
        qhead[l] = 0
        qlen[l] = 0


# ----------------------------------------------------------------------------------------------- float


@njit(cache=True)
def _ff_float(left, right, w, b, a_in, s_out, a_out, da_out, relu, one):
    """One junction's feed-forward: products in natural order, per-neuron sums plus bias, activation."""
    n = s_out.size
    zero = one - one
    for r in range(n):
        s_out[r] = zero
    acc = zero
    cur = right[0] if left.size else 0
    for j in range(left.size):  # sum in natural order, kept in a register while the right neuron is the same
        r = right[j]
        if r != cur:
            s_out[cur] += acc
            acc = zero
            cur = r
        acc += w[j] * a_in[left[j]]
    if left.size:
        s_out[cur] += acc
    for r in range(n):
        s = s_out[r] + b[r]
        s_out[r] = s
        if relu:
            if s > zero:
                a_out[r] = s
                da_out[r] = one
            else:
                a_out[r] = zero
                da_out[r] = zero
        else:
            a = one / (one + np.exp(-s))
            a_out[r] = a
            da_out[r] = a * (one - a)


@njit(cache=True)
def _keep_outputs(outs, m, a_out):
    """Store input ``m``'s output activations when ``outs`` has a row per input."""
    if outs.shape[0] > m:
        for r in range(a_out.size):
            outs[m, r] = a_out[r]


@njit(cache=True)
def _argmax(v):
    best = 0
    for r in range(1, v.size):
        if v[r] > v[best]:
            best = r
    return best


@njit(cache=True)
def _bp_float(left, right, w, d_right, da_left, d_left, count, rtime, lat, pend_t, pend_v, qhead, qlen):
    """BP of one junction: ``d_left[l] += d_right[r] * w * da_left[l]`` per edge by read-modify-write.

    Returns the number of stale reads (0 unless ``count``)."""
    for l in range(d_left.size):
        d_left[l] = 0
    stale = 0
    if not count:
        for j in range(left.size):
            l = left[j]
            d_left[l] += d_right[right[j]] * w[j] * da_left[l]
        return stale
    for j in range(left.size):
        l = left[j]
        old, st = _rmw_read(d_left, l, rtime[j], pend_t, pend_v, qhead, qlen)
        if st:
            stale += 1
        _rmw_write(l, rtime[j] + lat, old + d_right[right[j]] * w[j] * da_left[l], pend_t, pend_v, qhead, qlen)
    _rmw_drain(d_left, pend_v, qhead, qlen)
    return stale


@njit(cache=True)
def _up_float(left, right, w, b, a_left, d_right, eta):
    for j in range(left.size):
        w[j] -= eta * a_left[left[j]] * d_right[right[j]]
    for r in range(b.size):
        b[r] -= eta * d_right[r]


@njit(cache=True)
def train_float(t0, t1, S, M, L, x, xscale, y, order, eta, noff, woff, left, right, w, b, relu, count, rtime,
                lat, act, dact, delta, s_buf, pend_t, pend_v, qhead, qlen, pred, stale, one, outs):
    """Run junction cycles ``t0 .. t1-1`` of a float training run (state carried in the arrays).

    Parameters
    ----------
    t0, t1, S, M, L : int
        Cycle range, input spacing (1 pipelined, 2L+1 flush), number of inputs processed, junctions.
    x : float[N, N_0] or uint8[N, N_0]
        Inputs (rows); the input value is ``x * xscale`` (``xscale`` 1 for floats, 1/256 for uint8 pixels).
        ``y`` : int32[N] class of each row.  ``order`` : int64[M] row of input ``m``.
    eta : float[M]
        Learning rate applied by the updates of input ``m``.
    noff, woff : int64
        Layer and edge offsets (module docstring).  ``left``, ``right`` : int32[sum W].
    w : float[sum W], b : float[sum_{l>=1} N_l]
        Weights and biases, updated in place.
    relu, count : bool
        ReLU instead of sigmoid; model RMW hazards (else exact accumulation).
    rtime : int64[sum W]
        BP read clock of every edge (used when ``count``).  ``lat`` : int, ``2 + proctime``.
    act, dact, delta : float[R, sum N_l]
        Ring buffers of activations, derivatives and deltas.
    s_buf : float[max N_l]
        Scratch for pre-activations.
    pend_t, pend_v, qhead, qlen
        RMW FIFOs (module docstring).
    pred : int32[M]
        Output: on-chip prediction (argmax of output pre-activations) of input ``m``.
    stale : int64[L]
        Output: stale delta reads per junction (accumulated).
    one : float
        ``1`` of the float dtype.
    outs : float[M, N_L] or float[0, N_L]
        Output: the output activations of input ``m`` (kept only when it has M rows).
    """
    R = act.shape[0]
    for t in range(t0, t1):
        _load_input(t, S, M, order, x, xscale, act)
        for i in range(1, L + 1):
            jl, jr, jw, jb, lo_in, hi_in, hi_out, e0, e1 = _junction(i, noff, woff, left, right, w, b)
            lo_out = hi_in
            m = _input_at(t, i, S, M)
            if m >= 0:
                slot = m % R
                s = s_buf[:hi_out - lo_out]
                _ff_float(jl, jr, jw, jb, act[slot, lo_in:hi_in], s, act[slot, lo_out:hi_out],
                          dact[slot, lo_out:hi_out], relu, one)
                if i == L:
                    pred[m] = _argmax(s)
                    _keep_outputs(outs, m, act[slot, lo_out:hi_out])
                    cls = y[order[m]]
                    for r in range(hi_out - lo_out):
                        delta[slot, lo_out + r] = act[slot, lo_out + r] - (one if r == cls else one - one)
            m = _input_at(t, 2 * L + 1 - i, S, M)
            if m >= 0:
                slot = m % R
                d_right = delta[slot, lo_out:hi_out]
                if i >= 2:
                    stale[i - 1] += _bp_float(jl, jr, jw, d_right, dact[slot, lo_in:hi_in],
                                              delta[slot, lo_in:hi_in], count, rtime[e0:e1], lat,
                                              pend_t, pend_v, qhead, qlen)
                _up_float(jl, jr, jw, jb, act[slot, lo_in:hi_in], d_right, eta[m])


@njit(cache=True)
def infer_float(x, xscale, L, noff, woff, left, right, w, b, relu, one, out, pred):
    """Feed-forward only for every row of ``x * xscale`` (float or uint8 [N, N_0]) with fixed weights.

    ``out`` : float[N, N_L] receives the output activations, ``pred`` : int32[N] the argmax of the output
    pre-activations.  Other arguments as in :func:`train_float`.
    """
    n0 = noff[1]
    total = noff[L + 1]
    act = np.zeros(total, dtype=w.dtype)
    dact = np.zeros(total, dtype=w.dtype)
    s_buf = np.zeros(total, dtype=w.dtype)
    for row in range(x.shape[0]):
        for k in range(n0):
            act[k] = x[row, k] * xscale
        for i in range(1, L + 1):
            jl, jr, jw, jb, lo_in, hi_in, hi_out, e0, e1 = _junction(i, noff, woff, left, right, w, b)
            _ff_float(jl, jr, jw, jb, act[lo_in:hi_in], s_buf[hi_in:hi_out], act[hi_in:hi_out], dact[hi_in:hi_out],
                      relu, one)
        pred[row] = _argmax(s_buf[noff[L]:noff[L + 1]])
        for r in range(noff[L + 1] - noff[L]):
            out[row, r] = act[noff[L] + r]


# ----------------------------------------------------------------------------------------------- fixed


@njit(cache=True)
def _sat(v, lo, hi):
    if v < lo:
        return lo
    if v > hi:
        return hi
    return v


@njit(cache=True)
def _rshift(v, s):
    """``floor(v / 2**s + 1/2)``: arithmetic shift right with round-half-up (``s >= 0``).

    Written ``(v >> s) + ((v >> (s - 1)) & 1)``: with ``v = q 2**s + r`` (``0 <= r < 2**s``) the result is
    ``q`` plus one when ``r >= 2**(s-1)``, i.e. when bit ``s - 1`` of ``v`` is set.  Nothing is added before
    shifting, so no ``v`` and ``s`` can overflow int64; for ``s >= 64`` the exact result is 0."""
    if s <= 0:
        return v
    if s >= 64:
        return v - v  # |v| < 2**63 <= 2**(s-1): floor(v / 2**s + 1/2) = 0 (an int64 zero)
    return (v >> s) + ((v >> (s - 1)) & 1)


@njit(cache=True)
def _mult(a, b, frac, lo, hi, rtl):
    """The multiplier: product of two codes rescaled by ``frac`` bits to the working word.

    hwsim: ``sat(rshift(a * b, frac))``.  RTL: truncate and saturate first, then add the rounding bit
    (bit ``frac - 1`` of the product) unless the result is already the largest code, so a negative overflow
    whose rounding bit is set gives ``lo + 1``."""
    p = np.int64(a) * np.int64(b)
    if not rtl:
        return _sat(_rshift(p, frac), lo, hi)
    if frac <= 0:
        return _sat(p, lo, hi)
    t = _sat(p >> frac, lo, hi)
    if t < hi:
        t += (p >> (frac - 1)) & 1
    return t


@njit(cache=True)
def _eta_step(d, k, lo, hi, rtl):
    """hwsim: ``rshift(d, k)`` (the caller subtracts it).  RTL: ``db = rshift(-d, k)`` with ``-lo`` saturated
    to ``hi`` (the caller adds it)."""
    if not rtl:
        return _rshift(np.int64(d), k)
    neg = np.int64(hi) if d == lo else -np.int64(d)
    return _rshift(neg, k)


@njit(cache=True)
def _activate_fixed(s, relu, lut_sig, lut_dsig, lut_d, one_code, rtl, top):
    """(a, a') codes for pre-activation code ``s`` (see :mod:`hwsim.fixedpoint`); ``top = 2**frac - 1``."""
    if relu:
        if rtl:  # the RTL's ReLU: 1 LSB at or below 0, 1 - 2**-frac from 1 up, derivative 1 LSB outside (0, 1)
            if s <= 0:
                return np.int64(1), np.int64(1)
            if s >= top + 1:
                return np.int64(top), np.int64(1)
            return s, np.int64(top)
        if s > 0:
            return s, one_code
        return np.int64(0), np.int64(0)
    n = lut_sig.size
    if s < -lut_d:  # outside the table: first or last entry, without forming (s + lut_d) * n
        if rtl:
            return np.int64(1), np.int64(1)
        k = 0
    elif s >= lut_d:
        if rtl:
            return np.int64(top), np.int64(1)
        k = n - 1
    else:  # 0 <= (s + lut_d) * n < 2 * lut_d * n <= 2**62 (fixedpoint.lut_scale)
        k = min(((s + lut_d) * n) // (2 * lut_d), n - 1)
    return np.int64(lut_sig[k]), np.int64(lut_dsig[k])


@njit(cache=True)
def _predict_fixed(s_out, a_out, rtl, group):
    """hwsim: argmax of the pre-activations, first on ties.  RTL: the neurons arrive ``group`` per clock;
    within a clock the lowest index wins ties, a later clock's maximum replaces the stored one when greater or
    equal, and the last clock's group is never compared (its result is latched in that clock)."""
    if not rtl:
        return _argmax(s_out)
    best = 0
    n = a_out.size
    for c in range(n // group - 1):
        loc = c * group
        for r in range(c * group + 1, (c + 1) * group):
            if a_out[r] > a_out[loc]:
                loc = r
        if c == 0 or a_out[loc] >= a_out[best]:
            best = loc
    return best


@njit(cache=True)
def _ff_fixed(left, right, w, b, a_in, frac_in, lo, hi, s_acc, s_out, a_out, da_out, relu, lut_sig,
              lut_dsig, lut_d, one_code, rtl, top):
    """One junction's fixed-point feed-forward; ``s_acc`` int64 scratch, ``s_out`` int64 pre-activations."""
    n = s_out.size
    for r in range(n):
        s_acc[r] = 0
    acc = np.int64(0)
    cur = right[0] if left.size else 0
    for j in range(left.size):
        r = right[j]
        if r != cur:
            s_acc[cur] += acc
            acc = 0
            cur = r
        acc += _mult(a_in[left[j]], w[j], frac_in, lo, hi, rtl)
    if left.size:
        s_acc[cur] += acc
    for r in range(n):
        s = _sat(s_acc[r] + np.int64(b[r]), lo, hi)
        s_out[r] = s
        a, da = _activate_fixed(s, relu, lut_sig, lut_dsig, lut_d, one_code, rtl, top)
        a_out[r] = a
        da_out[r] = da


@njit(cache=True)
def _bp_fixed(left, right, w, d_right, da_left, d_left, frac, lo, hi, count, rtime, lat, pend_t, pend_v,
              qhead, qlen, rtl):
    for l in range(d_left.size):
        d_left[l] = 0
    stale = 0
    for j in range(left.size):
        l = left[j]
        if rtl:  # mult(mult(delta_right, a'_left), w)
            c = _mult(_mult(d_right[right[j]], da_left[l], frac, lo, hi, True), w[j], frac, lo, hi, True)
        else:  # (delta_right * w) * a'_left
            c = _mult(_mult(d_right[right[j]], w[j], frac, lo, hi, False), da_left[l], frac, lo, hi, False)
        if count:
            old, st = _rmw_read(d_left, l, rtime[j], pend_t, pend_v, qhead, qlen)
            if st:
                stale += 1
            _rmw_write(l, rtime[j] + lat, _sat(np.int64(old) + c, lo, hi), pend_t, pend_v, qhead, qlen)
        else:
            d_left[l] = _sat(np.int64(d_left[l]) + c, lo, hi)
    if count:
        _rmw_drain(d_left, pend_v, qhead, qlen)
    return stale


@njit(cache=True)
def _up_fixed(left, right, w, b, a_left, d_right, frac_a, k, lo, hi, rtl):
    if rtl:  # db = round(-delta * 2**-k); b += db; w += mult(db, a): two roundings
        for j in range(left.size):
            db = _eta_step(d_right[right[j]], k, lo, hi, True)
            w[j] = _sat(np.int64(w[j]) + _mult(db, a_left[left[j]], frac_a, lo, hi, True), lo, hi)
        for r in range(b.size):
            b[r] = _sat(np.int64(b[r]) + _eta_step(d_right[r], k, lo, hi, True), lo, hi)
        return
    for j in range(left.size):  # one rounding: the product shifted by its rescale and eta together
        u = _sat(_rshift(np.int64(a_left[left[j]]) * np.int64(d_right[right[j]]), frac_a + k), lo, hi)
        w[j] = _sat(np.int64(w[j]) - u, lo, hi)
    for r in range(b.size):
        b[r] = _sat(np.int64(b[r]) - _eta_step(d_right[r], k, lo, hi, False), lo, hi)


@njit(cache=True)
def train_fixed(t0, t1, S, M, L, x, y, order, eta_k, noff, woff, left, right, w, b, relu, count, rtime, lat,
                act, dact, delta, s_acc, s_out, pend_t, pend_v, qhead, qlen, pred, stale, frac, input_frac,
                lo, hi, lut_sig, lut_dsig, lut_d, one_code, rtl, group, outs):
    """Fixed-point twin of :func:`train_float` (all values int32 codes, see :mod:`hwsim.fixedpoint`).

    Differences: ``x`` int32 or uint8 [N, N_0] input codes (``input_frac`` fraction bits); ``eta_k`` int64[M]
    learning-rate shifts; ``w``, ``b``, ``act``, ``dact``, ``delta``, ``pend_v`` int32; ``s_acc``, ``s_out``
    int64[max N_l] scratch; ``frac``, ``lo``, ``hi`` the working format; ``lut_sig``, ``lut_dsig``
    int32[lut_size] tables, ``lut_d`` = lut_domain * 2**frac; ``one_code`` = sat(2**frac); ``rtl`` the RTL's
    arithmetic (``x`` then holds :func:`hwsim.fixedpoint.rtl_input_codes` and ``input_frac == frac``);
    ``group`` output neurons per clock of the last junction (the RTL's prediction rule); ``outs`` int32.
    """
    top = (1 << frac) - 1
    R = act.shape[0]
    for t in range(t0, t1):
        _load_input(t, S, M, order, x, 1, act)
        for i in range(1, L + 1):
            jl, jr, jw, jb, lo_in, hi_in, hi_out, e0, e1 = _junction(i, noff, woff, left, right, w, b)
            lo_out = hi_in
            n = hi_out - lo_out
            frac_in = input_frac if i == 1 else frac
            m = _input_at(t, i, S, M)
            if m >= 0:
                slot = m % R
                _ff_fixed(jl, jr, jw, jb, act[slot, lo_in:hi_in], frac_in, lo, hi, s_acc[:n], s_out[:n],
                          act[slot, lo_out:hi_out], dact[slot, lo_out:hi_out], relu, lut_sig, lut_dsig, lut_d,
                          one_code, rtl, top)
                if i == L:
                    pred[m] = _predict_fixed(s_out[:n], act[slot, lo_out:hi_out], rtl, group)
                    _keep_outputs(outs, m, act[slot, lo_out:hi_out])
                    cls = y[order[m]]
                    for r in range(n):
                        target = one_code if r == cls else 0
                        delta[slot, lo_out + r] = _sat(np.int64(act[slot, lo_out + r]) - target, lo, hi)
            m = _input_at(t, 2 * L + 1 - i, S, M)
            if m >= 0:
                slot = m % R
                d_right = delta[slot, lo_out:hi_out]
                if i >= 2:
                    stale[i - 1] += _bp_fixed(jl, jr, jw, d_right, dact[slot, lo_in:hi_in],
                                              delta[slot, lo_in:hi_in], frac, lo, hi, count, rtime[e0:e1], lat,
                                              pend_t, pend_v, qhead, qlen, rtl)
                _up_fixed(jl, jr, jw, jb, act[slot, lo_in:hi_in], d_right, frac_in, eta_k[m], lo, hi, rtl)


@njit(cache=True)
def infer_fixed(x, L, noff, woff, left, right, w, b, relu, out, pred, frac, input_frac, lo, hi, lut_sig,
                lut_dsig, lut_d, one_code, rtl, group):
    """Fixed-point feed-forward for every row of ``x`` (int32 or uint8 [N, N_0] input codes).

    ``out`` : int32[N, N_L] output activation codes; ``pred`` : int32[N].  Other arguments as in
    :func:`train_fixed`.
    """
    top = (1 << frac) - 1
    n0 = noff[1]
    total = noff[L + 1]
    act = np.zeros(total, dtype=np.int32)
    dact = np.zeros(total, dtype=np.int32)
    s_acc = np.zeros(total, dtype=np.int64)
    s_out = np.zeros(total, dtype=np.int64)
    for row in range(x.shape[0]):
        for k in range(n0):
            act[k] = x[row, k]
        for i in range(1, L + 1):
            jl, jr, jw, jb, lo_in, hi_in, hi_out, e0, e1 = _junction(i, noff, woff, left, right, w, b)
            _ff_fixed(jl, jr, jw, jb, act[lo_in:hi_in], input_frac if i == 1 else frac, lo, hi, s_acc[hi_in:hi_out],
                      s_out[hi_in:hi_out], act[hi_in:hi_out], dact[hi_in:hi_out], relu, lut_sig, lut_dsig, lut_d,
                      one_code, rtl, top)
        pred[row] = _predict_fixed(s_out[noff[L]:noff[L + 1]], act[noff[L]:noff[L + 1]], rtl, group)
        for r in range(noff[L + 1] - noff[L]):
            out[row, r] = act[noff[L] + r]
