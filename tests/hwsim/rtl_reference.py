"""A plain-Python model of the published RTL's arithmetic and timing (test oracle for ``arithmetic="rtl"``).

Written from the SystemVerilog of ``souryadey/mlp-ondevice-training`` (``components.sv``: multiplier and
saturating adders; ``processor_set.sv``: FF, BP and UP processor sets; ``act_functions.sv`` and
``scripts/actlut_generator.py``: the sigmoid tables; ``layer_block.sv``: input truncation, cost term;
``DNN.sv``: the prediction logic; ``layer_block.sv`` / ``memory_ctr.sv``: delta-memory read and write clocks),
as loops over junction cycles, clocks and edges on Python integers.  It shares no code with hwsim: no numpy in
the arithmetic, no Numba, its own schedule and its own read-modify-write memory.

Scope: the published build's shape -- sigmoid in every junction, the sigmoid table indexed by the whole
working word (``lut_size = 2**width``, domain ``[-2**int_bits, 2**int_bits)``), clash-free patterns whose
clock ``c`` processes edges ``c*z .. c*z + z - 1`` with the edges of each right neuron consecutive.
"""
from __future__ import annotations

import math


class RTLModel:
    """The RTL's training and inference on integer codes.

    Parameters
    ----------
    sizes : list of int
        Neurons per layer ``(N_0, ..., N_L)``.
    edges : list of (left, right)
        Per junction, the left and right neuron of every edge in natural (clock) order.
    z : list of int
        Edges per clock per junction.
    weights, biases : list of list of int
        Initial codes per junction (modified in place by :meth:`train`).
    width, int_bits, width_in, proctime, eta_shift : int
        Word width, integer bits, input pixel bits, pipeline depth, learning-rate shift (eta = 2**-eta_shift).
    tables : (list, list), optional
        Sigmoid and derivative codes for the codes lo .. hi in order (default: the RTL's generator).
    """

    def __init__(self, sizes, edges, z, weights, biases, *, width=10, int_bits=2, width_in=8, proctime=2,
                 eta_shift=3, tables=None):
        self.sizes = list(sizes)
        self.edges = [(list(lt), list(rt)) for lt, rt in edges]
        self.z = list(z)
        self.w = [list(wi) for wi in weights]
        self.b = [list(bi) for bi in biases]
        self.width, self.int_bits = width, int_bits
        self.frac = width - int_bits - 1
        self.lo, self.hi = -(1 << (width - 1)), (1 << (width - 1)) - 1
        self.width_in, self.proctime, self.eta_shift = width_in, proctime, eta_shift
        self.L = len(sizes) - 1
        if tables is None:
            self.sig, self.dsig = self._tables()
        else:
            codes = range(self.lo, self.hi + 1)
            self.sig, self.dsig = dict(zip(codes, tables[0])), dict(zip(codes, tables[1]))
        for i, (lt, _) in enumerate(self.edges):
            zi = self.z[i]
            assert len(lt) % zi == 0
            for c in range(len(lt) // zi):
                banks = [lt[c * zi + k] % zi for k in range(zi)]
                assert len(set(banks)) == zi, "the reference models clash-free patterns only"
        self.stale_reads = [0] * self.L

    # ------------------------------------------------------------------ arithmetic units
    def sat(self, v):
        return self.lo if v < self.lo else self.hi if v > self.hi else v

    def mult(self, a, b):
        """components.sv ``multiplier``: keep sign + the width-1 bits above the frac dropped bits, saturating
        on overflow, then add the highest dropped bit unless the result is the largest positive code."""
        p = a * b
        f = self.frac
        top = p >> f  # floor(p / 2**f)
        if top > self.hi:
            t = self.hi
        elif top < self.lo:
            t = self.lo
        else:
            t = top
        rnd = (p >> (f - 1)) & 1
        return t if (rnd == 0 or t == self.hi) else t + 1

    def _tables(self):
        """act_functions.sv / actlut_generator.py: entry for code s at x = s / 2**frac; sigmoid in frac bits,
        derivative in frac - 2 bits, each round(value * 2**frac), all-ones when it does not fit."""
        f = self.frac
        sig, dsig = {}, {}
        for s in range(self.lo, self.hi + 1):
            x = s / (1 << f)
            g = 1.0 / (1.0 + math.exp(-x))
            v = int(round(g * (1 << f)))
            dv = int(round(g * (1 - g) * (1 << f)))
            sig[s] = v if v < (1 << f) else (1 << f) - 1
            dsig[s] = dv if dv < (1 << (f - 2)) else (1 << (f - 2)) - 1
        return sig, dsig

    def input_codes(self, pixels):
        """layer_block.sv input layer: width_in-bit pixels keep their top frac bits (act_in[7:1] for 8 -> 7)."""
        cut = self.width_in - self.frac
        return [(q >> cut) if cut >= 0 else (q << -cut) for q in pixels]

    # ------------------------------------------------------------------ processor sets
    def ff(self, i, a_left):
        """Junction i (0-based) feed-forward: (pre-activations, activations, derivatives) of the right layer."""
        lt, rt = self.edges[i]
        w, b = self.w[i], self.b[i]
        acc = [0] * self.sizes[i + 1]
        for j in range(len(lt)):  # the tree adder is wide enough for the fi products: exact
            acc[rt[j]] += self.mult(a_left[lt[j]], w[j])
        s = [self.sat(acc[r] + b[r]) for r in range(len(acc))]  # bias adder, then cut to the working word
        return s, [self.sig[v] for v in s], [self.dsig[v] for v in s]

    def bp(self, i, d_right, adot_left):
        """Junction i (0-based, i >= 1) back-propagation through the delta memory, clock by clock.

        The partial delta of the edge issued in address clock c is read in cycle c + 1 and written back in
        cycle c + 2 + proctime; the read-first memory returns the old word to a read in the cycle of a
        write (layer_block.sv state machine comment: reads in cycles 1..C, writes in 2 + PROCTIME ..)."""
        lt, rt = self.edges[i]
        w = self.w[i]
        zi = self.z[i]
        C = len(lt) // zi
        mem = [0] * self.sizes[i]
        writes = {}  # cycle -> list of (neuron, value)
        for k in range(C + self.proctime + 3):
            c = k - 1  # reads of address clock c happen in cycle k, before this cycle's writes land
            if 0 <= c < C:
                for lane in range(zi):
                    j = c * zi + lane
                    l = lt[j]
                    old = mem[l]
                    da = self.mult(self.mult(d_right[rt[j]], adot_left[l]), w[j])
                    writes.setdefault(c + 2 + self.proctime, []).append((l, self.sat(old + da)))
            for l, v in writes.pop(k, []):
                mem[l] = v
        assert not writes
        return mem

    def count_stale(self, i):
        """Reads of a neuron issued fewer than 2 + proctime clocks after its previous read."""
        lt = self.edges[i][0]
        zi = self.z[i]
        last = {}
        n = 0
        for j, l in enumerate(lt):
            c = j // zi
            if l in last and c - last[l] < 2 + self.proctime:
                n += 1
            last[l] = c
        return n

    def up(self, i, d_right, a_left, k):
        """Junction i (0-based) update: db = round_half_up(-delta >>> k) with -(-2**(w-1)) = 2**(w-1) - 1,
        b += db, w += mult(db, a)."""
        lt, rt = self.edges[i]
        db = []
        for d in d_right:
            neg = self.hi if d == self.lo else -d
            db.append(neg if k == 0 else (neg >> k) + ((neg >> (k - 1)) & 1))
        for j in range(len(lt)):
            self.w[i][j] = self.sat(self.w[i][j] + self.mult(db[rt[j]], a_left[lt[j]]))
        for r in range(len(db)):
            self.b[i][r] = self.sat(self.b[i][r] + db[r])

    def predict(self, act_out):
        """DNN.sv max logic: z_L / fi_L outputs per clock from clock 0; per clock the lowest index wins ties
        (max_finder_set), a clock's maximum replaces the stored one when >= (max_finder), and the result is
        latched in the last clock, before that clock's outputs are compared."""
        i = self.L - 1
        lt, rt = self.edges[i]
        g = self.z[i] * self.sizes[i + 1] // len(lt)  # z / fi
        C = self.sizes[i + 1] // g
        stored, pos = self.lo, 0
        for c in range(C):
            if c == C - 1:
                return pos
            group = act_out[c * g:(c + 1) * g]
            loc = max(range(g), key=lambda r: (group[r], -r))
            if group[loc] >= stored:
                stored, pos = group[loc], c * g + loc
        return pos

    # ------------------------------------------------------------------ runs
    def train(self, pixels, labels):
        """Pipelined training: input m is loaded in junction cycle m; junction i (1-based) runs FF for it in
        cycle m + i and BP/UP in cycle m + 2L + 1 - i, reading every weight before its update of that cycle.

        Returns (predictions, output activations per input)."""
        L, M = self.L, len(pixels)
        one = 1 << self.frac
        act, adot, delta = {}, {}, {}
        preds, outs = [None] * M, [None] * M
        for t in range(M + 2 * L):
            if t < M:
                act[(t, 0)] = self.input_codes(pixels[t])
            jobs = []
            for i in range(1, L + 1):
                m_ff, m_bu = t - i, t - (2 * L + 1 - i)
                ff = self.ff(i - 1, act[(m_ff, i - 1)]) if 0 <= m_ff < M else None
                bp = None
                if 0 <= m_bu < M and i >= 2:
                    bp = self.bp(i - 1, delta[(m_bu, i)], adot[(m_bu, i - 1)])
                    self.stale_reads[i - 1] += self.count_stale(i - 1)
                jobs.append((i, m_ff, ff, m_bu, bp))
            for i, m_ff, ff, m_bu, bp in jobs:  # FF and BP saw the old weights; now UP writes
                if 0 <= m_bu < M:
                    self.up(i - 1, delta[(m_bu, i)], act[(m_bu, i - 1)], self.eta_shift)
                if bp is not None:
                    delta[(m_bu, i - 1)] = bp
                if ff is not None:
                    s, a, da = ff
                    act[(m_ff, i)], adot[(m_ff, i)] = a, da
                    if i == L:
                        preds[m_ff] = self.predict(a)
                        outs[m_ff] = list(a)
                        delta[(m_ff, L)] = [self.sat(a[r] - (one if r == labels[m_ff] else 0))
                                            for r in range(len(a))]
        return preds, outs

    def infer(self, pixels):
        """Feed-forward only: (predictions, output activations) per input."""
        preds, outs = [], []
        for px in pixels:
            a = self.input_codes(px)
            for i in range(self.L):
                _, a, _ = self.ff(i, a)
            preds.append(self.predict(a))
            outs.append(list(a))
        return preds, outs
