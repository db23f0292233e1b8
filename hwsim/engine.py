"""The cycle-level engine: :func:`simulate` walks every edge of FF, BP and UP clock by clock (docs/hardware.md §1-§5).

How a run of N inputs is simulated
----------------------------------
Junction cycle ``t`` (0-based) of a training run loads input ``t`` and, in junction ``i`` (1-based), runs FF
for input ``t - i`` and BP/UP for input ``t - (2L + 1 - i)`` whenever those inputs exist (docs/hardware.md §2); an
inference run only has the FF part.  A junction cycle's clock-level behaviour depends only on which units of
which junctions are active: bank counters and RMW distances start fresh every junction cycle (the delta
memory is ping-ponged per input), and the pattern is the same every cycle.  :func:`simulate` therefore cuts
the ``N + 2L`` (training) or ``N + L`` (inference) cycles into runs of identical activity -- fill, steady
state, drain -- simulates one cycle of each run clock by clock in the Numba kernel and multiplies its
counters by the run length.  This is exact, not an estimate.  ``every_cycle=True`` instead simulates every
junction cycle clock by clock (in chunks inside the kernel; no Python loop per input); the tests check that
both give identical reports, and the benchmark measures the ``every_cycle`` path for its edge-event rate.
"""
from __future__ import annotations

import math
import sys
import time
from typing import Any, Callable, Sequence

import numpy as np

from adjmat import NetSpec, Pattern
from adjmat.errors import SpecError
from adjmat.memory import check_memory
from adjmat.validation import check_bool, check_choice, check_int, fail

from . import _kernels
from ._checks import check_hardware, check_netspec, check_patterns
from .config import HardwareConfig
from .report import Report, UNITS, TRAFFIC_KINDS, MEMORY_OF_KIND
from .resources import resources

__all__ = ["simulate", "schedule_flags", "count_bound", "MODES"]

MODES = ("train", "infer")
_RMW_CODES = {"count": _kernels.RMW_COUNT, "forward": _kernels.RMW_FORWARD, "stall": _kernels.RMW_STALL}
_CHUNK = 4096  # junction cycles per kernel call in every_cycle mode (progress granularity)
MAC_CONVENTION = ("one edge operation = one edge processed by one unit: an FF multiply-accumulate, a BP "
                  "delta multiply-accumulate (2 multipliers) or an UP weight update; a training input costs "
                  "FF W_i + BP W_i (junctions 2..L) + UP W_i edge operations, an inference input FF W_i. "
                  "Count each as one MAC (= 2 arithmetic operations).")


def schedule_flags(t: np.ndarray, inputs: int, L: int, mode: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """Unit activity of junction cycles ``t`` under the pipeline schedule of docs/hardware.md §2.

    Parameters
    ----------
    t : array of int
        Junction cycle indices (0-based; input ``n`` is loaded in cycle ``n``).
    inputs : int
        Number of inputs N in the run.
    L : int
        Number of junctions.
    mode : {"train", "infer"}

    Returns
    -------
    flags : int8 array (len(t), L, 3)
        ``[FF, BP, UP]`` activity of every junction (BP of junction 1 is always 0).
    load : int8 array (len(t),)
        1 when an input is loaded in that cycle.

    Examples
    --------
    >>> flags, load = schedule_flags(np.arange(6), inputs=1, L=2)
    >>> flags[:, :, 0].tolist()   # FF of junctions 1, 2: input 0 in cycles 1 and 2
    [[0, 0], [1, 0], [0, 1], [0, 0], [0, 0], [0, 0]]
    >>> flags[:, :, 2].tolist()   # UP: junction 2 in cycle 3, junction 1 in cycle 4 (= 2L)
    [[0, 0], [0, 0], [0, 0], [0, 1], [1, 0], [0, 0]]
    """
    where = "schedule_flags"
    inputs = check_int(where, "inputs", inputs, minimum=0)
    L = check_int(where, "L", L, minimum=1)
    mode = check_choice(where, "mode", mode, MODES)
    arr = np.asarray(t)
    if arr.ndim != 1 or (arr.size and (arr.dtype == np.bool_ or not np.issubdtype(arr.dtype, np.integer))):
        raise fail(where, "t", "a 1-D array of integer junction-cycle indices", f"array of dtype {arr.dtype} "
                   f"and shape {arr.shape}")
    t = arr.astype(np.int64)[:, None]
    i = np.arange(1, L + 1, dtype=np.int64)[None, :]
    flags = np.zeros((t.shape[0], L, 3), dtype=np.int8)
    ff_in = t - i
    flags[:, :, 0] = (ff_in >= 0) & (ff_in < inputs)
    if mode == "train":
        bu_in = t - (2 * L + 1 - i)
        bu = (bu_in >= 0) & (bu_in < inputs)
        flags[:, :, 2] = bu
        flags[:, 1:, 1] = bu[:, 1:]
    load = (t[:, 0] < inputs).astype(np.int8)
    return flags, load


def _segments(inputs: int, L: int, mode: str) -> tuple[np.ndarray, np.ndarray]:
    """Cut the run's cycles into maximal runs of identical activity: (first cycle, length) of each run."""
    total = inputs + (2 * L if mode == "train" else L)
    cuts = {0, total, inputs}
    for i in range(1, L + 1):
        cuts.update((i, inputs + i))
        if mode == "train":
            cuts.update((2 * L + 1 - i, inputs + 2 * L + 1 - i))
    cuts = np.array(sorted(c for c in cuts if 0 <= c <= total), dtype=np.int64)
    return cuts[:-1], np.diff(cuts)


_INT64_MAX = 2**63 - 1


def count_bound(netspec: NetSpec, config: HardwareConfig) -> int:
    """An upper bound on every counter one junction cycle adds (clocks, edges, accesses, stalls, hazards).

    A junction cycle lasts at most ``load + overhead + sum_i C_i * (3 z_i + 3 (1 + proctime) z_i)`` clocks:
    every clock of every junction serialises at most three units' z accesses each, and each delta read waits
    at most ``2 + proctime <= 3 (1 + proctime)`` clocks.  Edge and traffic counts per cycle are below
    ``4 * sum W``.  The bound is loose by design: it only has to keep ``junction cycles * bound`` provably inside int64.
    """
    W = sum(netspec.W)
    load = math.ceil(netspec.config[0] * netspec.fo[0] / netspec.z[0])
    return load + config.overhead + 3 * (2 + config.proctime) * W + 4 * W + 64


def _validate(netspec, patterns, config, inputs, mode, allow_unbalanced, every_cycle, progress):
    where = "simulate"
    netspec = check_netspec(where, netspec)
    config = check_hardware(where, config)
    inputs = check_int(where, "inputs", inputs, minimum=1)
    mode = check_choice(where, "mode", mode, MODES)
    allow_unbalanced = check_bool(where, "allow_unbalanced", allow_unbalanced)
    every_cycle = check_bool(where, "every_cycle", every_cycle)
    if not (progress is None or isinstance(progress, (bool, np.bool_)) or callable(progress)):
        raise fail(where, "progress", "None, a bool or a callable(done, total)", progress)
    if netspec.cycle is None and not allow_unbalanced:
        try:
            suggestion = NetSpec.balanced(netspec.config, netspec.fo, z1=netspec.z[0])
            hint = f"NetSpec.balanced({netspec.config}, {netspec.fo}, z1={netspec.z[0]}) gives z={suggestion.z}"
        except SpecError:
            hint = f"valid common cycles: {NetSpec.valid_cycles(netspec.config, netspec.fo)}"
        raise fail(where, "allow_unbalanced", f"True to simulate junction cycles C_i = W_i/z_i that differ (lock-step "
                   f"pipelining needs them equal): z={netspec.z} gives C = W/z = {netspec.W}/{netspec.z} = "
                   f"{netspec.cycles}", allow_unbalanced,
                   f"Set it to simulate anyway (the slowest junction sets every cycle), or rebalance: {hint}.")
    L = netspec.L
    cycles = inputs + (2 * L if mode == "train" else L)
    bound = count_bound(netspec, config)
    if cycles * bound > _INT64_MAX:
        most = _INT64_MAX // bound - (2 * L if mode == "train" else L)
        raise fail(where, "inputs", f"at most {most:,} for this design so that every count (clocks, edges, memory "
                   f"accesses) fits a 64-bit integer ({cycles:,} junction cycles x up to {bound:,} counts per "
                   f"cycle exceed 2**63 - 1)", inputs,
                   "Simulate fewer inputs: the steady state repeats, so throughput and cpc do not depend on N.")
    if every_cycle:
        check_memory(where, 3 * 8 * cycles, f"every_cycle=True keeps 3 int64 counters per junction cycle "
                     f"({cycles:,} cycles); every_cycle=False gives the same report in constant memory")
    patterns = check_patterns(where, netspec, patterns)
    return netspec, patterns, inputs, mode, config, allow_unbalanced, every_cycle, progress


def _layout(netspec: NetSpec, patterns: Sequence[Pattern]) -> dict[str, np.ndarray]:
    """Flatten the patterns into the kernel's arrays (one address ROM per junction)."""
    L = netspec.L
    z = np.array(netspec.z, dtype=np.int64)
    C = np.array(netspec.cycles, dtype=np.int64)
    p = np.array(netspec.config[:-1], dtype=np.int64)
    off = np.zeros(L + 1, dtype=np.int64)
    off[1:] = np.cumsum(netspec.W)
    noff = np.zeros(L + 1, dtype=np.int64)
    noff[1:] = np.cumsum(C)
    left = np.concatenate([pat.left for pat in patterns]).astype(np.int32)
    bank = np.concatenate([pat.left % np.int32(zi) for pat, zi in zip(patterns, netspec.z)]).astype(np.int32)
    nstart = np.zeros(int(noff[-1]), dtype=np.int32)
    for i, pat in enumerate(patterns):
        r = pat.right
        first = np.flatnonzero(np.r_[True, r[1:] != r[:-1]]) if r.size else np.zeros(0, np.int64)
        nstart[noff[i]:noff[i + 1]] = np.bincount(first // netspec.z[i], minlength=int(C[i]))
    return dict(left=left, bank=bank, off=off, z=z, C=C, p=p, nstart=nstart, nstart_off=noff)


def _run_kernel(lay, flags, load, mult, train, config, load_clocks, zmax):
    K, L = flags.shape[0], flags.shape[1]
    out = dict(
        cyc_clocks=np.zeros(K, np.int64), jclk=np.zeros((K, L), np.int64), edges=np.zeros((K, L, 3), np.int64),
        bank_stalls=np.zeros((K, L), np.int64), rmw_stalls=np.zeros((K, L), np.int64),
        hazards=np.zeros((K, L), np.int64), stale=np.zeros((K, L), np.int64), mindist=np.zeros((K, L), np.int64),
        traffic=np.zeros((K, L, _kernels.N_TRAFFIC), np.int64))
    hist = np.zeros((L, zmax + 1), np.int64)
    _kernels.simulate_cycles(
        flags, load, mult, lay["left"], lay["bank"], lay["off"], lay["z"], lay["C"], lay["p"], lay["nstart"],
        lay["nstart_off"], int(train), config.proctime, config.ports, _RMW_CODES[config.rmw], config.overhead,
        load_clocks, hist, out["cyc_clocks"], out["jclk"], out["edges"], out["bank_stalls"], out["rmw_stalls"],
        out["hazards"], out["stale"], out["mindist"], out["traffic"])
    out["hist"] = hist
    return out


def _progress_printer(label: str) -> Callable[[int, int], None]:
    def show(done: int, total: int) -> None:
        end = "\n" if done >= total else ""
        print(f"\r{label}: {done:,}/{total:,} junction cycles ({100.0 * done / total:5.1f} %)", end=end,
              file=sys.stderr, flush=True)
    return show


def _latency_extremes(starts: np.ndarray, lengths: np.ndarray, clocks: np.ndarray, inputs: int,
                      span: int) -> tuple[int, int]:
    """Max and min over inputs n of sum(cycle clocks for cycles n .. n+span-1), exactly, from runs."""
    bounds = np.r_[starts, starts[-1] + lengths[-1]]
    prefix = np.r_[0, np.cumsum(clocks * lengths)]

    def S(t):  # clocks of cycles 0 .. t-1
        t = np.asarray(t, dtype=np.int64)
        k = np.clip(np.searchsorted(bounds, t, side="right") - 1, 0, len(starts) - 1)
        return prefix[k] + (t - bounds[k]) * clocks[k]

    cand = np.concatenate([bounds, bounds - span, bounds - 1, bounds - span - 1, [0, inputs - 1]])
    cand = np.unique(cand[(cand >= 0) & (cand <= inputs - 1)])
    lat = S(cand + span) - S(cand)
    return int(lat.max()), int(lat.min())


def simulate(netspec: NetSpec, patterns: Sequence[Pattern], hardware: HardwareConfig | None = None, *,
             inputs: int = 1000, mode: str = "train", allow_unbalanced: bool = False, every_cycle: bool = False,
             progress: bool | Callable[[int, int], Any] | None = None) -> Report:
    """Cycle-level simulation of the edge-processing accelerator running ``inputs`` inputs.

    Per junction and clock the Numba kernel walks the z edges of FF, BP and UP as scheduled in docs/hardware.md
    §2 (junction cycle t: junction i runs FF for input t-i and BP/UP for input t-(2L+1-i); fill and drain
    cycles have idle units), performs every bank access of §3, serialises clashing accesses (1 port: a clock
    costs its most loaded bank's access count; 2 ports: half of it, rounded up), tracks the delta-memory
    read-modify-write distances (hazard: a left neuron read again within ``1 + proctime`` clocks, before the
    write-back of the earlier read lands ``2 + proctime`` clocks after it; policy
    ``hardware.rmw``) and counts memory traffic.  Junctions run in lock step: a junction cycle lasts as long as
    its slowest junction (stalls included) plus ``hardware.overhead``.

    Parameters
    ----------
    netspec : adjmat.NetSpec
        Layer sizes, out-degrees and per-junction parallelism z (required).
    patterns : sequence of adjmat.Pattern
        One pattern per junction, matching ``netspec`` in p, n and W.  Kinds the registry marks
        ``fixed_degrees`` (:func:`adjmat.get_kind`; "fc", "basic", "clash_free", "rtl") must have exactly fo
        and fi; other kinds (and kinds the registry does not know, such as "custom") may vary: the variation
        is listed in ``Report.hardware_violations``.  Every index is range-checked before the kernel runs.
    hardware : HardwareConfig, optional
        Clock, timing mode, PROCTIME, ports, RMW policy, widths; default ``HardwareConfig()``.
    inputs : int
        Number of inputs N (training samples or inference queries).  Refused when the run's counts could
        exceed int64 (``(N + 2L) * count_bound(netspec, hardware) > 2**63 - 1``; about 10**14 inputs for the
        FPGA design).
    mode : {"train", "infer"}
        ``"train"``: FF, BP and UP pipelined over ``N + 2L`` junction cycles; ``"infer"``: FF only over
        ``N + L``.
    allow_unbalanced : bool
        Simulate junctions with unequal cycles C_i (otherwise a :class:`adjmat.SpecError`).
    every_cycle : bool
        False (default): simulate one junction cycle of every run of identical cycles (fill, steady state,
        drain) and multiply -- exact, because cycles with the same activity are identical.  True: simulate
        every junction cycle clock by clock (cost grows with N; same result).
    progress : bool or callable, optional
        True prints a progress line to stderr; a callable gets ``(cycles_done, cycles_total)``.

    Returns
    -------
    Report
        Cycle totals, latency, throughput, utilisation, stalls, clash histogram, RMW hazards, memory traffic,
        resources and weight staleness (see :class:`hwsim.Report`).

    Raises
    ------
    adjmat.SpecError
        Before any work, when an argument is invalid or the patterns do not match the netspec.

    Notes
    -----
    Utilisation of a unit = edges it processed / (z * clocks of the junction cycles in which it was active),
    so fill/drain cycles in which it is idle do not count against it; ``occupancy`` divides by all clocks
    of the run instead.  Throughput counts edge operations as stated in ``Report.mac_convention``.

    Examples
    --------
    >>> import adjmat, hwsim
    >>> net = adjmat.NetSpec((1024, 64, 32), fo=(4, 16), z=(128, 32))
    >>> pats = adjmat.generate_network(net, "clash_free", seed=0)
    >>> rep = hwsim.simulate(net, pats, hardware=hwsim.HardwareConfig(timing="rtl"), inputs=100)
    >>> rep.cpc, rep.total_clocks, rep.total_stall_clocks
    (36, 3744, 0)
    >>> round(rep.throughput_inputs_per_s)
    416667
    """
    netspec, patterns, inputs, mode, config, allow_unbalanced, every_cycle, progress = _validate(
        netspec, patterns, hardware, inputs, mode, allow_unbalanced, every_cycle, progress)
    L = netspec.L
    train = mode == "train"
    lay = _layout(netspec, patterns)
    zmax = int(lay["z"].max())
    load_clocks = math.ceil(netspec.config[0] * netspec.fo[0] / netspec.z[0])  # z_1/fo_1 inputs per clock
    total_cycles = inputs + (2 * L if train else L)
    report_progress = _progress_printer("hwsim.simulate") if progress is True else (
        progress if callable(progress) else None)

    t0 = time.perf_counter()
    if not every_cycle:
        starts, lengths = _segments(inputs, L, mode)
        flags, load = schedule_flags(starts, inputs, L, mode)
        res = _run_kernel(lay, flags, load, lengths, train, config, load_clocks, zmax)
        red = _reduce(res, flags, load, lengths, netspec, config, load_clocks, train)
        cycle_runs = (starts, lengths, res["cyc_clocks"])
        sim_cycles = len(starts)
        if report_progress:
            report_progress(total_cycles, total_cycles)
    else:
        red = None
        clocks = np.zeros(total_cycles, np.int64)
        for a in range(0, total_cycles, _CHUNK):
            t = np.arange(a, min(a + _CHUNK, total_cycles), dtype=np.int64)
            flags, load = schedule_flags(t, inputs, L, mode)
            ones = np.ones(t.size, np.int64)
            res = _run_kernel(lay, flags, load, ones, train, config, load_clocks, zmax)
            clocks[a:a + t.size] = res["cyc_clocks"]
            part = _reduce(res, flags, load, ones, netspec, config, load_clocks, train)
            red = part if red is None else _combine(red, part)
            if report_progress:
                report_progress(a + t.size, total_cycles)
        cycle_runs = (np.arange(total_cycles, dtype=np.int64), np.ones(total_cycles, np.int64), clocks)
        sim_cycles = total_cycles
    wall = time.perf_counter() - t0
    span = 2 * L + 1 if train else L + 1
    latency = _latency_extremes(*cycle_runs, inputs, span)
    return _build_report(netspec, patterns, config, inputs, mode, every_cycle, red, latency, sim_cycles, wall)


def _reduce(res, flags, load, w, netspec, config, load_clocks, train) -> dict[str, Any]:
    """Fold per-cycle kernel rows (each standing for ``w`` identical cycles) into run totals."""
    L = flags.shape[1]
    cyc = res["cyc_clocks"]
    active_any = flags.any(axis=2)                                          # (K, L)
    unit_active = flags != 0                                                # (K, L, 3)
    full = np.ones((L, 3), dtype=bool)
    full[0, 1] = False
    if not train:
        full[:, 1:] = False
    all_on = (unit_active == full[None]).all(axis=(1, 2))
    steady_rows = np.flatnonzero(all_on & (load != 0))  # prefer a cycle that also loads an input
    if not steady_rows.size:
        steady_rows = np.flatnonzero(all_on)
    nominal = np.maximum(np.where(load != 0, load_clocks, 0),
                         (active_any * np.array(netspec.cycles, dtype=np.int64)[None, :]).max(axis=1))
    wk = w[:, None]
    return dict(
        total_clocks=int((cyc * w).sum()), total_cycles=int(w.sum()), cpc=int(cyc.max()),
        stall_total=int(((cyc - config.overhead - nominal) * w).sum()),
        edges=(res["edges"] * w[:, None, None]).sum(axis=0),
        unit_clocks=(unit_active * (cyc * w)[:, None, None]).sum(axis=0),
        unit_cycles=(unit_active * w[:, None, None]).sum(axis=0),
        active_cycles=(active_any * wk).sum(axis=0),
        bank_stalls=(res["bank_stalls"] * wk).sum(axis=0), rmw_stalls=(res["rmw_stalls"] * wk).sum(axis=0),
        hazards=(res["hazards"] * wk).sum(axis=0), stale=(res["stale"] * wk).sum(axis=0),
        mindist=res["mindist"].min(axis=0), traffic=(res["traffic"] * w[:, None, None]).sum(axis=0),
        steady_traffic=res["traffic"][steady_rows[0]] if steady_rows.size else None,
        steady_clocks=int(cyc[steady_rows[0]]) if steady_rows.size else None,
        hist=res["hist"],
        kernel_edges=int(res["edges"].sum()))


def _combine(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Merge two reductions of consecutive chunks of cycles."""
    out = {}
    for k, v in a.items():
        if k == "cpc":
            out[k] = max(v, b[k])
        elif k == "mindist":
            out[k] = np.minimum(v, b[k])
        elif k in ("steady_traffic", "steady_clocks"):
            out[k] = v if v is not None else b[k]
        else:
            out[k] = v + b[k]
    return out


def _build_report(netspec, patterns, config, inputs, mode, every_cycle, red, latency, sim_cycles, wall):
    L = netspec.L
    train = mode == "train"
    z = np.array(netspec.z, dtype=np.int64)
    edges = red["edges"]
    unit_clocks = red["unit_clocks"]
    total_clocks = red["total_clocks"]
    util = np.where(unit_clocks > 0, edges / (z[:, None] * np.maximum(unit_clocks, 1)), 0.0)
    occupancy = edges / (z[:, None] * total_clocks)
    cpc = red["cpc"]
    per_input_ops = sum(W * ((2 + (i > 0)) if train else 1) for i, W in enumerate(netspec.W))
    ips = config.f_clk / cpc
    traffic = red["traffic"]
    memory_traffic: dict[str, dict[str, int]] = {}
    for n, kind in enumerate(TRAFFIC_KINDS):
        mem, op = MEMORY_OF_KIND[kind]
        entry = memory_traffic.setdefault(mem, {"reads": 0, "writes": 0})
        entry[op] += int(traffic[:, n].sum())
    hist = red["hist"]
    per_input = red["steady_traffic"]

    def per_unit(arr, cast):
        return {u: tuple(cast(v) for v in arr[:, k]) for k, u in enumerate(UNITS)}

    return Report(
        netspec={"config": list(netspec.config), "fo": list(netspec.fo), "fi": list(netspec.fi),
                 "z": list(netspec.z), "W": list(netspec.W), "C": list(netspec.cycles)},
        config=config.to_dict(),
        patterns=[{"kind": pat.kind, "seed": pat.seed,
                   "meta": {k: v for k, v in pat.meta.items() if k in ("z", "type", "dither")}}
                  for pat in patterns],
        mode=mode, inputs=inputs, method="every_cycle" if every_cycle else "segments",
        hardware_violations=list(netspec.hardware_violations()) + [
            f"junction {i + 1}: in-degrees vary ({int(pat.in_degrees().min())}..{int(pat.in_degrees().max())}), "
            f"so the right neurons finishing per clock vary" for i, pat in enumerate(patterns) if pat.fi is None],
        total_clocks=total_clocks, junction_cycles=red["total_cycles"], cpc=cpc,
        latency_cycles=2 * L + 1 if train else L + 1, latency_clocks=latency[0], latency_clocks_min=latency[1],
        latency_s=latency[0] / config.f_clk,
        throughput_inputs_per_s=ips, run_inputs_per_s=inputs * config.f_clk / total_clocks,
        edge_ops_per_input=per_input_ops, edge_ops_per_s=per_input_ops * ips, mac_convention=MAC_CONVENTION,
        active_cycles=tuple(int(v) for v in red["active_cycles"]),
        unit_cycles=per_unit(red["unit_cycles"], int),
        edges=per_unit(edges, int),
        utilisation=per_unit(util, float),
        occupancy=per_unit(occupancy, float),
        total_stall_clocks=red["stall_total"],
        bank_stall_clocks=tuple(int(v) for v in red["bank_stalls"]),
        rmw_stall_clocks=tuple(int(v) for v in red["rmw_stalls"]),
        max_load_hist=[tuple(int(v) for v in np.trim_zeros(hist[i], "b")) for i in range(L)],
        rmw_hazards=tuple(int(v) for v in red["hazards"]), rmw_stale=tuple(int(v) for v in red["stale"]),
        rmw_min_distance=tuple(None if v >= _kernels.NO_REVISIT else int(v) for v in red["mindist"]),
        traffic={k: tuple(int(v) for v in traffic[:, n]) for n, k in enumerate(TRAFFIC_KINDS)},
        traffic_per_input=None if per_input is None else
        {k: tuple(int(v) for v in per_input[:, n]) for n, k in enumerate(TRAFFIC_KINDS)},
        memory_traffic=memory_traffic,
        resources=resources(netspec, config),
        weight_staleness=tuple((2 * (L - i) + 1) if train else 0 for i in range(1, L + 1)),
        perf={"wall_s": wall, "simulated_cycles": int(sim_cycles), "kernel_edge_events": red["kernel_edges"],
              "represented_edge_events": int(edges.sum()),
              "kernel_edge_events_per_s": red["kernel_edges"] / wall if wall > 0 else None},
    )
