"""Benchmark of the hwsim cycle-level engine against a pure-Python implementation of the same cycle loop.

Run from the repository root::

    python bench/bench_hwsim.py            # full run (about a minute on one core)
    python bench/bench_hwsim.py --quick    # smaller workloads

What is measured (all in one process, after warming the JIT, except the compile/cache rows; every timed row is
the best of two runs):

- cycle mode, ``every_cycle=True``: the kernel walks every edge of every unit of every junction cycle; "edge
  events" are the (unit, edge) pairs it really walked (FF + BP + UP; 11,264 per training input of the FPGA
  build), taken from ``Report.perf["kernel_edge_events"]``;
- the same cycle loop written in plain Python (lists and ints, no numpy in the loop), on fewer inputs, checked
  to give the same clocks, stalls and hazards;
- cycle mode with the default ``every_cycle=False`` (one simulated cycle per run of identical cycles): its
  wall time for the same run; it walks far fewer edges, so no edge-event rate is claimed for it;
- Numba compile time (fresh cache directory, new process) and cached-load time (same cache, new process).

- functional mode: ``hwsim.functional.train`` (real arithmetic through the same schedule) on the FPGA build,
  float64 and fixed point; its accuracy and its own numpy baselines are in ``bench/bench_functional.py``;
- ``hwsim.sweep_z`` over every hardware-faithful z of the FPGA config against the same designs simulated one by
  one (the ratio is what the library sweep costs beyond the simulations themselves).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

from _machine import machine_info  # bench/_machine.py (scripts run from bench/)

import numpy as np

import adjmat
import hwsim

FPGA = adjmat.NetSpec((1024, 64, 32), (4, 16), (128, 32))


# ------------------------------------------------------------------ the pure-Python baseline
def python_cycle_loop(netspec, patterns, config, inputs):
    """The engine's cycle loop in plain Python: every junction cycle, junction, clock, unit and lane.

    Same model as hwsim/_kernels.py (bank counting and serialisation, RMW distances with the config's policy,
    per-clock traffic of the weight memory), written the straightforward way.  Returns (total clocks, bank
    stalls, rmw stalls, hazards, stale, edge events walked).
    """
    L = netspec.L
    lefts = [pat.left.tolist() for pat in patterns]
    zs, Cs, ps = list(netspec.z), list(netspec.cycles), list(netspec.config[:-1])
    P, ports, policy, overhead = config.proctime, config.ports, config.rmw, config.overhead
    load_clocks = Cs[0]
    total = bank_stalls = rmw_stalls = hazards = stale = events = wm_reads = 0
    for t in range(inputs + 2 * L):
        longest = load_clocks if t < inputs else 0
        for i in range(1, L + 1):
            ff = 0 <= t - i < inputs
            bu = 0 <= t - (2 * L + 1 - i) < inputs
            bp = bu and i > 1
            up = bu
            if not (ff or bp or up):
                continue
            left, z = lefts[i - 1], zs[i - 1]
            last = [None] * ps[i - 1]
            T = 0
            for c in range(Cs[i - 1]):
                cnt_ff, cnt_up, cnt_adm, cnt_dm = [0] * z, [0] * z, [0] * z, [0] * z
                mx = 0
                for m in range(z):
                    l = left[c * z + m]
                    b = l % z
                    if ff:
                        cnt_ff[b] += 1
                        mx = max(mx, cnt_ff[b])
                        events += 1
                    if up:
                        cnt_up[b] += 1
                        mx = max(mx, cnt_up[b])
                        events += 1
                    if bp:
                        cnt_adm[b] += 1
                        r = cnt_dm[b]
                        cnt_dm[b] += 1
                        mx = max(mx, cnt_adm[b], cnt_dm[b])
                        events += 1
                        tm = T + r // ports
                        if last[l] is not None and tm - last[l] < 2 + P:
                            hazards += 1
                            if policy == "count":
                                stale += 1
                            elif policy == "stall":
                                delay = 2 + P - (tm - last[l])
                                T += delay
                                rmw_stalls += delay
                                tm += delay
                        last[l] = tm
                cost = -(-mx // ports)
                T += cost
                bank_stalls += cost - 1
                wm_reads += z
            longest = max(longest, T)
        total += longest + overhead
    return total, bank_stalls, rmw_stalls, hazards, stale, events


# ------------------------------------------------------------------ helpers
def compile_and_cache_times() -> tuple[float, float]:
    """First-call time in a new process with an empty Numba cache (compile), then with that cache (load)."""
    code = ("import time, adjmat, hwsim\n"
            "net = adjmat.NetSpec((64, 16, 4), (2, 2), (32, 8)); pats = adjmat.generate_network(net, 'rtl')\n"
            "t = time.perf_counter(); hwsim.simulate(net, pats, inputs=3); print(time.perf_counter() - t)\n")
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        times = []
        for _ in range(2):
            out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
            times.append(float(out.stdout.strip().splitlines()[-1]))
    return times[0], times[1]


def best_of(repeats: int, fn):
    """Run ``fn`` ``repeats`` times; return ((least CPU s, least wall s), last result)."""
    best_cpu = best_wall = float("inf")
    for _ in range(repeats):
        c0, t0 = time.process_time(), time.perf_counter()
        out = fn()
        best_cpu = min(best_cpu, time.process_time() - c0)
        best_wall = min(best_wall, time.perf_counter() - t0)
    return (best_cpu, best_wall), out


def functional_rows(inputs: int) -> list[tuple]:
    """hwsim.functional.train on the FPGA build (pipelined schedule, float64 and 10-bit fixed point).

    Seeded random 8-bit inputs and labels: speed does not depend on the values.  Accuracy on real MNIST and the
    numpy baselines of the functional mode are in bench/bench_functional.py.
    """
    from hwsim.functional import train

    pats = adjmat.generate_network(FPGA, "clash_free", seed=0)
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, size=(inputs, FPGA.config[0]), dtype=np.uint8)
    y = rng.integers(0, 10, size=inputs)
    per_input = 2 * sum(FPGA.W) + sum(FPGA.W[1:])
    rows = []
    for numerics in ("float64", "fixed"):
        train(FPGA, pats, hwsim.HardwareConfig(), (x[:4], y[:4]), numerics=numerics, seed=0)  # warm the JIT
        (cpu, wall), _ = best_of(2, lambda numerics=numerics: train(FPGA, pats, hwsim.HardwareConfig(), (x, y),
                                                                    numerics=numerics, seed=0))
        ev = inputs * per_input
        rows.append((f"functional train   FPGA build, clash_free, {numerics}", f"{inputs:,}", ev, wall, cpu,
                     ev / cpu, "real FF/BP/UP arithmetic"))
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smaller workloads")
    args = ap.parse_args(argv)
    epoch = 6000 if args.quick else 60000
    py_inputs = 10 if args.quick else 100

    print(machine_info(("numpy", "numba", "hwsim", "adjmat"), note="kernels run on one core"))
    compile_s, cached_s = compile_and_cache_times()

    rows = []
    cases = [("FPGA build, clash_free type 2, ideal", adjmat.generate_network(FPGA, "clash_free", seed=0),
              hwsim.HardwareConfig()),
             ("FPGA build, random (clashes), rtl", adjmat.generate_network(FPGA, "random", seed=0),
              hwsim.HardwareConfig(timing="rtl")),
             ("FPGA build, rtl pattern, rmw=stall", adjmat.generate_network(FPGA, "rtl"),
              hwsim.HardwareConfig(timing="rtl", rmw="stall"))]
    hwsim.simulate(FPGA, cases[0][1], cases[0][2], inputs=3, every_cycle=True)  # warm the JIT
    py_rate = None
    for name, pats, cfg in cases:
        (cpu, wall), rep = best_of(2, lambda pats=pats, cfg=cfg: hwsim.simulate(FPGA, pats, cfg, inputs=epoch,
                                                                                every_cycle=True))
        ev = rep.perf["kernel_edge_events"]
        (py_cpu, py_wall), ref = best_of(2, lambda pats=pats, cfg=cfg: python_cycle_loop(FPGA, pats, cfg, py_inputs))
        small = hwsim.simulate(FPGA, pats, cfg, inputs=py_inputs)
        agree = ref[:5] == (small.total_clocks, sum(small.bank_stall_clocks), sum(small.rmw_stall_clocks),
                            sum(small.rmw_hazards), sum(small.rmw_stale))
        ratio = (ev / cpu) / (ref[5] / py_cpu)
        rows.append((f"cycle/every_cycle  {name}", f"{epoch:,}", ev, wall, cpu, ev / cpu, f"{ratio:,.0f}x Python"))
        rows.append((f"pure Python loop   {name}", f"{py_inputs:,}", ref[5], py_wall, py_cpu, ref[5] / py_cpu,
                     "same clocks/stalls/hazards" if agree else "DISAGREES with the kernel"))
        if py_rate is None:
            py_rate = ref[5] / py_cpu
    c0, t0 = time.process_time(), time.perf_counter()
    seg = hwsim.simulate(FPGA, cases[0][1], cases[0][2], inputs=epoch)
    rows.append((f"cycle/segments     {cases[0][0]}", f"{epoch:,}", seg.perf["kernel_edge_events"],
                 time.perf_counter() - t0, time.process_time() - c0, None,
                 f"represents {seg.perf['represented_edge_events']:,} events"))
    rows += functional_rows(epoch // 6)
    sweep_line = sweep_z_line(epoch)

    print(f"\nNumba compile (empty cache, new process): {compile_s:.2f} s; cached load (new process): "
          f"{cached_s:.3f} s\n")
    head = (f"{'what':<62} {'inputs':>8} {'edge events':>14} {'wall s':>8} {'CPU s':>8} {'events/CPU s':>12}"
            f"  note")
    print(head)
    print("-" * len(head))
    for name, n, ev, wall, cpu, rate, note in rows:
        print(f"{name:<62} {n:>8} {ev:>14,} {wall:>8.3f} {cpu:>8.3f} "
              f"{'-' if rate is None else format(rate, '.3g'):>12}  {note}")
    first = rows[0]
    print(f"\n{epoch:,}-input epoch of the FPGA build, every cycle simulated: {first[3]:.2f} s wall, "
          f"{first[4]:.2f} s CPU (target < 15 s for 60,000); {first[5]:.3g} edge events per CPU second "
          f"(target >= 5e7 per core); {first[5] / py_rate:,.0f}x the pure-Python loop (target >= 100x).")
    print("Rates use CPU time of this process (the kernels are single-threaded), so other load on a shared "
          "machine disturbs them less than wall time; still expect noise.")
    print(sweep_line)
    return 0


def sweep_z_line(inputs: int) -> str:
    """hwsim.sweep_z over every hardware-faithful z of the FPGA config (balanced and unbalanced) against the
    same designs generated and simulated one by one (the ratio is the sweep's own overhead)."""
    hw = hwsim.HardwareConfig(timing="rtl")
    hwsim.sweep_z(FPGA.config, FPGA.fo, "clash_free", hardware=hw, inputs=10, seed=0)  # warm up
    t0 = time.process_time()
    table = hwsim.sweep_z(FPGA.config, FPGA.fo, "clash_free", hardware=hw, inputs=inputs, seed=0,
                          allow_unbalanced=True)
    sweep_cpu = time.process_time() - t0
    t0 = time.process_time()
    for row in table.rows:
        net = adjmat.NetSpec(FPGA.config, FPGA.fo, row.z)
        hwsim.simulate(net, adjmat.generate_network(net, "clash_free", seed=0), hw, inputs=inputs,
                       allow_unbalanced=True)
        hwsim.resources(net, hw)
    loop_cpu = time.process_time() - t0
    best = max(table.rows, key=lambda r: r.throughput_inputs_per_s)
    return (f"hwsim.sweep_z of the FPGA config ({len(table.rows)} hardware-faithful designs, {inputs:,} inputs each, "
            f"rtl): {sweep_cpu:.3f} s CPU vs {loop_cpu:.3f} s for the same designs one by one "
            f"({sweep_cpu / loop_cpu:.2f}x); best {best.throughput_inputs_per_s:,.0f} inputs/s at z={best.z} with "
            f"{best.multipliers:,} multipliers.")


if __name__ == "__main__":
    sys.exit(main())
