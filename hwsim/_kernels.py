"""Numba kernels of the hwsim cycle-level engine.  They trust their inputs: :mod:`hwsim.engine` validates,
fixes dtypes and lays the patterns out as flat arrays.

Every kernel is a plain module-level ``@njit(cache=True)`` function over contiguous arrays; no Python object
is touched inside the clock loop.
"""
import numpy as np
from numba import njit

# traffic counter columns (hwsim.engine.TRAFFIC_KINDS names them, in this order)
AM_READ_FF = 0      # activation memory of the left layer, read by FF at the interleaved address
AM_READ_UP = 1      # same memory (another copy), read by UP
ADM_READ = 2        # activation-derivative memory of the left layer, read by BP
DM_RMW_READ = 3     # delta memory of the left layer, read half of BP's read-modify-write
DM_RMW_WRITE = 4    # ... and its write-back, landing 2 + PROCTIME clocks later
WM_READ = 5         # weight memory, address = clock (one read serves FF, BP and UP)
WM_WRITE = 6        # weight write-back by UP
BM_READ = 7         # bias memory read (one per right neuron)
BM_WRITE = 8        # bias write-back by UP
AM_WRITE = 9        # FF writes the right layer's activations (hidden layers)
ADM_WRITE = 10      # FF writes the right layer's activation derivatives (hidden layers)
DM_READ = 11        # BP/UP read the right layer's finished deltas in natural order
DM_CLEAR = 12       # ... and clear them (hidden layers: the ping-pong copy is reused)
DM_OUT_WRITE = 13   # output deltas a - y written in order (junction L, training)
AM_LOAD = 14        # the input x_n loaded into layer-0 activation memory (counted on junction 1)
N_TRAFFIC = 15

RMW_COUNT = 0
RMW_FORWARD = 1
RMW_STALL = 2

NO_REVISIT = np.int64(1) << np.int64(40)


@njit(cache=True)
def _read_banks(bank, base, zi, cnt, mx):
    """One read per lane of clock ``base // zi`` into the banks counted by ``cnt`` (int32 (z,), updated in
    place); returns the running most-loaded-bank count ``max(mx, max cnt)``."""
    for m in range(zi):
        b = np.uintp(bank[base + m])  # unsigned index: no negative-index wraparound check
        v = cnt[b] + 1
        cnt[b] = v
        mx = max(mx, v)
    return mx


@njit(cache=True)
def simulate_cycles(flags, load, mult, left, bank, off, z, C, p, nstart, nstart_off, train, proctime, ports,
                    rmw_policy, overhead, load_clocks,
                    hist, cyc_clocks, jclk, edges, bank_stalls, rmw_stalls, hazards, stale, mindist, traffic):
    """Simulate K junction cycles of an L-junction network clock by clock.

    In each listed junction cycle every junction whose unit flags are set walks its z_i edges per clock for
    its C_i clocks.  Per clock and active unit it performs the bank accesses of docs/hardware.md §3 (FF and UP
    read the left activation memory, BP reads the derivative memory and read-modify-writes the delta memory,
    all at bank ``left % z``), serialises them (a clock costs ``ceil(max bank load / ports)`` clocks), tracks
    the delta-memory read-modify-write distance per left neuron (hazard when a neuron is read again fewer
    than ``2 + proctime`` clocks after its previous read: the write-back lands ``2 + proctime`` clocks after
    the read, and a read in that clock still gets the old word from the read-first memory) and counts
    memory traffic.  Cycle state (bank counters, RMW times) starts fresh every junction cycle: the delta
    memory is ping-ponged per input.

    Parameters (dtype, shape)
    ----------
    flags : int8 (K, L, 3)
        Unit activity per cycle and junction: [FF, BP, UP].
    load : int8 (K,)
        1 when an input is loaded into layer 0 during the cycle.
    mult : int64 (K,)
        How many identical junction cycles each listed cycle stands for (weights ``hist`` only).
    left : int32 (sum W,)
        Left neuron of every edge, junctions concatenated, natural order.
    bank : int32 (sum W,)
        ``left % z_i`` (the bank the edge's left neuron lives in).
    off : int64 (L + 1,)
        Start of junction i's edges in ``left``/``bank``.
    z, C, p : int64 (L,)
        Parallelism, clocks per junction cycle, left layer size.
    nstart : int32 (sum C,)
        Right neurons whose first edge falls in each clock (bias accesses, finished neurons).
    nstart_off : int64 (L + 1,)
        Start of junction i's clocks in ``nstart``.
    train : int
        1 in training mode (output deltas are written).
    proctime, ports, rmw_policy, overhead, load_clocks : int
        Arithmetic pipeline depth, bank ports (1 or 2), RMW_COUNT/RMW_FORWARD/RMW_STALL, fill/drain clocks
        per junction cycle, clocks needed to load one input.

    Outputs (written in place)
    -------
    hist : int64 (L, max z + 1)
        Accumulated (weighted by ``mult``): clocks whose most loaded bank had k accesses.
    cyc_clocks : int64 (K,)
        Length of each junction cycle (slowest junction incl. stalls, + overhead).
    jclk : int64 (K, L)
        Clocks each junction needed in the cycle (0 when idle), stalls included, overhead excluded.
    edges : int64 (K, L, 3)
        Edges processed by FF, BP, UP.
    bank_stalls, rmw_stalls, hazards, stale : int64 (K, L)
        Serialisation stall clocks, RMW stall clocks, RMW hazards (revisits
        closer than 2 + proctime clocks),
        stale reads (hazards not forwarded or stalled away).
    mindist : int64 (K, L)
        Shortest RMW revisit distance in clocks (``NO_REVISIT`` when no neuron was revisited).
    traffic : int64 (K, L, N_TRAFFIC)
        Memory accesses by kind (see the module constants).
    """
    K = flags.shape[0]
    L = z.shape[0]
    zmax = 1
    pmax = 1
    for i in range(L):
        if z[i] > zmax:
            zmax = z[i]
        if p[i] > pmax:
            pmax = p[i]
    cnt_ff = np.zeros(zmax, np.int32)
    cnt_up = np.zeros(zmax, np.int32)
    cnt_adm = np.zeros(zmax, np.int32)
    cnt_dm = np.zeros(zmax, np.int32)
    lastr = np.empty(pmax, np.int64)
    window = proctime + 2  # a revisit this many clocks after a read sees its write
    shift = ports - 1  # ports is 1 or 2: r // ports == r >> shift
    for k in range(K):
        longest = load_clocks if load[k] else 0
        if load[k]:
            traffic[k, 0, AM_LOAD] += p[0]
        for i in range(L):
            ff = flags[k, i, 0] != 0
            bp = flags[k, i, 1] != 0
            up = flags[k, i, 2] != 0
            mindist[k, i] = NO_REVISIT
            if not (ff or bp or up):
                continue
            zi = z[i]
            o = off[i]
            no = nstart_off[i]
            last = i == L - 1
            if bp:
                for l in range(p[i]):
                    lastr[l] = -NO_REVISIT
            am_ff = am_up = adm_r = dm_rr = dm_rw = wm_r = wm_w = bm_r = bm_w = 0
            am_w = adm_w = dm_r = dm_clr = dm_out = 0
            hrow = hist[i]
            mk = mult[k]
            T = 0
            md = NO_REVISIT
            hz = 0
            st = 0
            rs = 0
            bs = 0
            for c in range(C[i]):
                base = o + c * zi
                mx = 0
                if ff:
                    mx = _read_banks(bank, base, zi, cnt_ff, mx)
                if up:
                    mx = _read_banks(bank, base, zi, cnt_up, mx)
                if bp:
                    for m in range(zi):
                        b = np.uintp(bank[base + m])
                        v = cnt_adm[b] + 1
                        cnt_adm[b] = v
                        mx = max(mx, v)
                        r = cnt_dm[b]
                        cnt_dm[b] = r + 1
                        mx = max(mx, r + 1)
                        # read half of the RMW issues in sub-clock r // ports of this clock
                        l = np.uintp(left[base + m])
                        tm = T + (r >> shift)
                        d = tm - lastr[l]
                        if d < md:
                            md = d
                        if d < window:
                            hz += 1
                            if rmw_policy == RMW_COUNT:
                                st += 1
                            elif rmw_policy == RMW_STALL:
                                delay = window - d
                                T += delay
                                rs += delay
                                tm += delay
                        lastr[l] = tm
                cost = (mx + ports - 1) >> shift
                T += cost
                bs += cost - 1
                hrow[np.uintp(mx)] += mk
                # clear the bank counters for the next clock
                if ff:
                    for b in range(zi):
                        cnt_ff[b] = 0
                if up:
                    for b in range(zi):
                        cnt_up[b] = 0
                if bp:
                    for b in range(zi):
                        cnt_adm[b] = 0
                        cnt_dm[b] = 0
                # memory traffic of this clock (kept in registers, stored once per junction cycle)
                ns = nstart[no + c]
                wm_r += zi
                bm_r += ns
                if ff:
                    am_ff += zi
                    if not last:
                        am_w += ns
                        adm_w += ns
                    elif train:
                        dm_out += ns
                if up:
                    am_up += zi
                    wm_w += zi
                    bm_w += ns
                if bp:
                    adm_r += zi
                    dm_rr += zi
                    dm_rw += zi
                if bp or up:
                    dm_r += ns
                    if not last:
                        dm_clr += ns
            tr = traffic[k, i]
            tr[AM_READ_FF] += am_ff
            tr[AM_READ_UP] += am_up
            tr[ADM_READ] += adm_r
            tr[DM_RMW_READ] += dm_rr
            tr[DM_RMW_WRITE] += dm_rw
            tr[WM_READ] += wm_r
            tr[WM_WRITE] += wm_w
            tr[BM_READ] += bm_r
            tr[BM_WRITE] += bm_w
            tr[AM_WRITE] += am_w
            tr[ADM_WRITE] += adm_w
            tr[DM_READ] += dm_r
            tr[DM_CLEAR] += dm_clr
            tr[DM_OUT_WRITE] += dm_out
            W = C[i] * zi
            if ff:
                edges[k, i, 0] = W
            if bp:
                edges[k, i, 1] = W
            if up:
                edges[k, i, 2] = W
            jclk[k, i] = T
            bank_stalls[k, i] = bs
            rmw_stalls[k, i] = rs
            hazards[k, i] = hz
            stale[k, i] = st
            mindist[k, i] = md
            if T > longest:
                longest = T
        cyc_clocks[k] = longest + overhead
