"""Benchmark of adjmat's generators: generation time and peak memory, 10^3 to 10^6 neurons per side.

Run::

    python bench/bench_adjmat.py            # full table, about 1-2 minutes on 2 cores
    python bench/bench_adjmat.py --quick    # sizes 10^3 and 10^4 only
    python bench/bench_adjmat.py --usn      # only the usn O(W) table (about 20 s)

Every case runs in a fresh interpreter (``python bench_adjmat.py --case '<json>'``) that imports numpy and
adjmat, warms the Numba kernels on a tiny instance of the same kind, records ``ru_maxrss`` (its baseline),
times the case and records ``ru_maxrss`` again: "peak MB" is the difference, the memory the case itself
needed.  The baseline of that idle interpreter is printed once.  Times are the best of a few repeats for
small cases, a single run for the largest; they are wall-clock and noisy on a shared machine.

Workload: p = n = N, fo = 8 (W = 8N, at most 8e6 edges), density = fo/N for the density kinds, z = N/125
(bank depth D = 125) for clash_free.  ``fc`` runs only where W = N^2 <= 2e7.  The dense baseline is what the
peers do: ``np.zeros((p, n), bool)`` and then W random cells set, at sizes where a p x n matrix fits in
memory (here up to 10^4; 10^5 would need 10 GB: "n/a").

Targets (issue 2): clash_free type 2 with p = n = 2^20, fo = 16, z = 4096 (16.8 M edges) in under 3 s and
under 1 GB peak RSS (whole process); usn at 20,000 x 20,000, density 0.1 %, in under 0.2 s (median of 5).
Exit status 1 when a target fails.

The usn O(W) table: usn (Latin blocks, docs/kinds.md) at W = 8e4 .. 8e6 edges on a fixed 10^4 x 10^3 junction,
and at W = 8e6 on junctions of 10^6 .. 10^12 cells (both sides the larger in turn): time per edge (ns) and
memory per edge (bytes) stay flat as W grows and do not follow p * n.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

from _machine import machine_info  # bench/_machine.py (scripts run from bench/)

SIZES = (10 ** 3, 10 ** 4, 10 ** 5, 10 ** 6)
FO = 8
MAX_W = 2 * 10 ** 7
DENSE_MAX_CELLS = 10 ** 8          # a (p, n) bool matrix of at most 100 MB
KINDS = [("fc", {}), ("random", {}), ("basic", {}), ("usn", {}), ("clash_free", {"type": 1}),
         ("clash_free", {"type": 2}), ("clash_free", {"type": 3}), ("rtl", {}), ("erdos_renyi", {})]


# ---------------------------------------------------------------------------------------------- child side
def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0   # Linux: kB


def _kwargs(kind: str, N: int, n: int, fo: int, z: int | None, options: dict) -> dict:
    if kind == "fc":
        return {}
    if kind == "usn" and fo is None:
        return {"density": options["density"]}
    if kind in ("random", "usn", "erdos_renyi"):
        return {"density": fo / n}
    kw = {"fo": fo, **options}
    if kind == "clash_free":
        kw["z"] = z
    return kw


def run_case(case: dict) -> dict:
    """Executed in the fresh child interpreter: warm up, measure, return the numbers."""
    import numpy as np
    import adjmat

    kind, p, n, fo, z = case["kind"], case["p"], case["n"], case["fo"], case.get("z")
    options, repeats = case.get("options", {}), case.get("repeats", 1)
    if kind == "dense":
        def make():
            rng = np.random.default_rng(0)
            mask = np.zeros((p, n), dtype=bool)
            mask.flat[rng.choice(p * n, size=p * fo, replace=False)] = True
            return mask
    else:
        def make():
            return adjmat.generate(kind, p, n, seed=0, **_kwargs(kind, p, n, fo, z, options))
        small_z = 8 if kind == "clash_free" else None
        adjmat.generate(kind, 64, 64, seed=0, **_kwargs(kind, 64, 64, 4, small_z, options))   # warm the JIT
    base = _maxrss_mb()
    times, W = [], None
    for _ in range(repeats):
        t0 = time.perf_counter()
        obj = make()
        times.append(time.perf_counter() - t0)
        W = int(obj.sum()) if kind == "dense" else obj.W
        del obj
    peak = _maxrss_mb()
    return {"best": min(times), "median": sorted(times)[len(times) // 2], "base_mb": base, "peak_mb": peak,
            "delta_mb": peak - base, "W": W}


def idle_rss() -> dict:
    import numpy  # noqa: F401
    import adjmat
    adjmat.generate("clash_free", 64, 64, fo=4, z=8, seed=0)
    return {"rss_mb": _maxrss_mb()}


# ---------------------------------------------------------------------------------------------- parent side
def _child(payload: dict) -> dict:
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--case", json.dumps(payload)],
                         capture_output=True, text=True, check=False)
    if out.returncode:
        raise RuntimeError(f"case {payload} failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _fmt(x, spec):
    """``format(x, spec)``, or "n/a" right-aligned to the same width."""
    width = int(spec.split(".")[0])
    return f"{'n/a':>{width}}" if x is None else format(x, spec)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="sizes 10^3 and 10^4 only")
    ap.add_argument("--usn", action="store_true", help="only the usn O(W) table")
    ap.add_argument("--case", help=argparse.SUPPRESS)
    ap.add_argument("--idle", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.case:
        print(json.dumps(run_case(json.loads(args.case))))
        return 0
    if args.idle:
        print(json.dumps(idle_rss()))
        return 0

    t_start = time.perf_counter()
    print(machine_info(("numpy", "scipy", "numba", "adjmat")))
    if args.usn:
        usn_table()
        print(f"\ntotal benchmark time {time.perf_counter() - t_start:.0f} s")
        return 0
    print(f"idle interpreter with numpy + adjmat imported and kernels warm: "
          f"{_child_idle()['rss_mb']:.0f} MB max RSS (subtracted below)")
    print(f"workload: p = n = N, fo = {FO} (W = {FO}N), density = fo/N, clash_free z = N/125 (D = 125); "
          f"times: best of 3 when W <= 1e6, else one run; noisy on a shared machine\n")
    sizes = SIZES[:2] if args.quick else SIZES
    dense = {}
    for N in sizes:
        if N * N <= DENSE_MAX_CELLS:
            dense[N] = _child({"kind": "dense", "p": N, "n": N, "fo": FO, "repeats": 3 if N * FO <= 1e6 else 1})

    header = (f"{'kind':<12} {'options':<8} {'N':>9} {'W':>10} {'time s':>9} {'peak MB':>8} "
              f"{'dense s':>9} {'dense MB':>8} {'t/dense':>8} {'MB/dense':>8}")
    print(header)
    print("-" * len(header))
    for kind, options in KINDS:
        for N in sizes:
            fo = N if kind == "fc" else FO
            W = N * fo
            opt = ",".join(f"t{v}" for v in options.values()) or "-"
            d = dense.get(N)
            dense_cols = (f"{_fmt(d and d['best'], '9.4f')} {_fmt(d and d['delta_mb'], '8.1f')}")
            if W > MAX_W:
                print(f"{kind:<12} {opt:<8} {N:>9} {W:>10.2g} {'n/a':>9} {'n/a':>8} {dense_cols} "
                      f"{'n/a':>8} {'n/a':>8}")
                continue
            res = _child({"kind": kind, "p": N, "n": N, "fo": fo, "z": N // 125, "options": options,
                          "repeats": 3 if W <= 10 ** 6 else 1})
            t_ratio = None if d is None else res["best"] / max(d["best"], 1e-9)
            m_ratio = None if d is None else res["delta_mb"] / max(d["delta_mb"], 1e-3)
            print(f"{kind:<12} {opt:<8} {N:>9} {res['W']:>10} {res['best']:>9.4f} {res['delta_mb']:>8.1f} "
                  f"{dense_cols} {_fmt(t_ratio, '8.3f')} {_fmt(m_ratio, '8.3f')}", flush=True)
    print("(dense = np.zeros((p, n), bool) + W random cells set; n/a: matrix above 100 MB, or W above 2e7 "
          "for fc)\n")

    ok = True
    cf = _child({"kind": "clash_free", "p": 2 ** 20, "n": 2 ** 20, "fo": 16, "z": 4096, "options": {"type": 2},
                 "repeats": 3})
    cf_pass = cf["median"] < 3.0 and cf["peak_mb"] < 1024
    ok &= cf_pass
    print(f"TARGET clash_free type 2, p = n = 2^20, fo = 16, z = 4096, W = {cf['W']:,}: "
          f"median {cf['median']:.3f} s (best {cf['best']:.3f} s; target < 3 s), peak RSS {cf['peak_mb']:.0f} MB "
          f"whole process ({cf['delta_mb']:.0f} MB for the case; target < 1024 MB): "
          f"{'PASS' if cf_pass else 'FAIL'}")
    usn = _child({"kind": "usn", "p": 20000, "n": 20000, "fo": 20, "repeats": 5})
    usn_pass = usn["median"] < 0.2
    ok &= usn_pass
    print(f"TARGET usn 20,000 x 20,000, density 0.1 %, W = {usn['W']:,}: median {usn['median']:.4f} s "
          f"(best {usn['best']:.4f} s; target < 0.2 s), {usn['delta_mb']:.0f} MB for the case: "
          f"{'PASS' if usn_pass else 'FAIL'}")
    print()
    usn_table()
    print(f"\ntotal benchmark time {time.perf_counter() - t_start:.0f} s")
    return 0 if ok else 1


USN_CASES = [(10 ** 4, 10 ** 3, 0.008), (10 ** 4, 10 ** 3, 0.08), (10 ** 4, 10 ** 3, 0.8),
             (10 ** 4, 800, 1.0), (8 * 10 ** 6, 1, 1.0), (1, 8 * 10 ** 6, 1.0),
             (10 ** 6, 10 ** 6, 8e-6)]


def usn_table() -> None:
    """usn's time and memory per edge as W and p * n grow (each case in a fresh interpreter, best of 3)."""
    header = f"{'p':>9} {'n':>9} {'p*n':>8} {'W':>10} {'time s':>8} {'ns/edge':>8} {'peak MB':>8} {'B/edge':>7}"
    print("usn O(W): time and peak memory per edge")
    print(header)
    print("-" * len(header))
    for p, n, density in USN_CASES:
        res = _child({"kind": "usn", "p": p, "n": n, "fo": None, "options": {"density": density}, "repeats": 3})
        print(f"{p:>9} {n:>9} {p * n:>8.0e} {res['W']:>10} {res['best']:>8.4f} {1e9 * res['best'] / res['W']:>8.1f} "
              f"{res['delta_mb']:>8.1f} {res['delta_mb'] * 2 ** 20 / res['W']:>7.1f}", flush=True)


def _child_idle() -> dict:
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--idle"], capture_output=True, text=True,
                         check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    sys.exit(main())
