"""The device path forced on the CPU: the ``"segment"`` kernel (``keras.ops`` only, predefsparse/_segment_ops.py)
at p = n = 16,384, 1 %, batch 256, on every kind but fc: equal to the masked path, and its memory.

Run::

    python bench/bench_device_path.py                   # every kind, about 10 minutes on 2 cores
    python bench/bench_device_path.py --kinds random usn --width 4096

Per kind (``adjmat.generate(kind, p, n, density=..., seed=0)``; a kind whose out-degree must be a whole number
or divide p uses the nearest valid spec, named in the table) and per dtype (float32, float64), in a fresh
interpreter each:

- accuracy: ``y = x @ K``, ``dx`` and ``dvalues`` of the loss ``sum(y * g)`` (x, g standard normal) through the
  segment kernel under ``tf.GradientTape`` in a ``tf.function``, against the masked path's ``x @ K``,
  ``g @ K.T`` and ``(x.T @ g)[left, right]`` with the dense K (p x n: 1.1 GB in float32); the column is the
  largest of the three max abs differences, each relative to the largest magnitude of its reference.  Targets:
  1e-5 in float32 (the tests' tolerance), 1e-12 in float64 (issue 21).
- memory (float32): the peak resident memory of one step above what was resident before it (Linux ``VmHWM``
  after ``/proc/self/clear_refs``, glibc's free heap pages handed back first; traced on a batch of 2 first;
  thread scheduling and the allocator make it vary by about 10 MB from run to run), median (and range) of
  ``--memory-runs`` fresh interpreters, against the layer's activations ``x + y`` (batch x (p + n) x 4 bytes:
  what the masked layer's step holds besides its p x n kernel) and against one ``(W, batch)`` float32 tensor.
  Two steps: "kernel", the device path's own forward and backward (``dx``, ``dvalues`` from an upstream
  gradient ``g`` given, as a layer inside a network gets it), judged against issue 21's 2x target; and "loss",
  forward and backward of ``sum(y ** 2)``, which adds the loss's own tensors (``y ** 2`` and the gradient
  ``2 y``, 16.8 MB each here, alive with the kernel's: the same for any kernel).
- time: the "kernel" step, best of ``--repeats`` after the measured one (wall clock; the machine is shared).

Exit status 1 when a target fails.
"""
from __future__ import annotations

import argparse
import ctypes
import gc
import json
import os
import statistics
import subprocess
import sys
import time

from _machine import machine_info, require_positive  # bench/_machine.py (scripts run from bench/)

TOLERANCE = {"float32": 1e-5, "float64": 1e-12}
KINDS = ("random", "basic", "usn", "clash_free", "rtl", "erdos_renyi")


def spec_for(kind: str, p: int, n: int, density: float) -> tuple[dict, str]:
    """The generate() keywords nearest to ``density`` that ``kind`` accepts at p x n, and a note when they differ."""
    import adjmat
    facts = adjmat.get_kind(kind)
    fo = max(1, round(density * n))
    extra = {"z": 64} if facts.needs_z else {}
    if kind == "clash_free":  # fi = fo p / n must divide p: the nearest divisor
        fi = min((f for f in range(1, p + 1) if p % f == 0), key=lambda f: abs(f - fo * p / n))
        fo = fi * n // p
    if not facts.fixed_degrees or (fo == density * n and not extra):
        return {"density": density}, ""
    return {"fo": fo, **extra}, (f"fo={fo}" + (f", z={extra['z']}" if extra else "")
                                 + f" ({fo / n:.3%}: the nearest valid spec)")


def _pattern(kind, p, n, spec):
    import adjmat
    return adjmat.generate(kind, p, n, seed=0, **spec)


def _step_fn(tf, segment_matmul, pat, values, loss):
    """A traced forward + backward of the segment kernel, returning dx and dvalues: the upstream gradient ``g``
    given ("kernel") or from the loss sum(y^2) ("loss"); "accuracy": sum(y * g), returning y too."""
    left, right = tf.constant(pat.left), tf.constant(pat.right)

    def step(x, g):
        with tf.GradientTape() as tape:
            tape.watch([x, values])
            y = segment_matmul(x, values, left, right, pat.n)
            if loss == "kernel":
                return tape.gradient(y, [x, values], output_gradients=g)
            total = tf.reduce_sum(y ** 2) if loss == "loss" else tf.reduce_sum(y * g)
        grads = tape.gradient(total, [x, values])
        return grads if loss == "loss" else [y] + grads

    dtype = values.dtype
    return tf.function(step, input_signature=[tf.TensorSpec([None, pat.p], dtype), tf.TensorSpec([None, pat.n], dtype)])


def child(case: dict) -> dict:
    """One case in this (fresh) interpreter: ``case["what"]`` is "accuracy" or "memory"."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import numpy as np
    import tensorflow as tf

    from predefsparse._segment_ops import segment_matmul
    pat = _pattern(case["kind"], case["p"], case["p"], case["spec"])
    rng = np.random.default_rng(1)
    batch, dtype = case["batch"], case.get("dtype", "float32")
    values = tf.Variable(rng.normal(size=pat.W).astype(dtype))
    x = tf.constant(rng.normal(size=(batch, pat.p)).astype(dtype))
    g = tf.constant(rng.normal(size=(batch, pat.n)).astype(dtype))
    if case["what"] == "memory":
        step = _step_fn(tf, segment_matmul, pat, values, case["loss"])
        step(x[:2], g[:2])

        def vm(key):
            with open("/proc/self/status") as f:
                return next(int(line.split()[1]) * 1024 for line in f if line.startswith(key))
        gc.collect()
        getattr(ctypes.CDLL(None), "malloc_trim", abs)(0)  # glibc: free heap pages back, VmRSS = what is live
        with open("/proc/self/clear_refs", "w") as f:  # VmHWM from here: this step's peak
            f.write("5")
        before = vm("VmRSS")
        step(x, g)
        grown = vm("VmHWM") - before
        best = float("inf")
        for _ in range(case.get("repeats", 0)):
            t = time.perf_counter()
            step(x, g)[1].numpy()
            best = min(best, time.perf_counter() - t)
        return {"W": pat.W, "grown": grown, "seconds": best if best < float("inf") else None}
    y, dx, dv = (a.numpy() for a in _step_fn(tf, segment_matmul, pat, values, "accuracy")(x, g))
    K = np.zeros((pat.p, pat.n), dtype)
    K[pat.left, pat.right] = values.numpy()
    diffs = []
    for got, ref in ((y, x.numpy() @ K), (dx, g.numpy() @ K.T)):
        diffs.append(float(np.abs(got - ref).max() / np.abs(ref).max()))
        del ref
    del K
    ref = (x.numpy().T @ g.numpy())[pat.left, pat.right]
    diffs.append(float(np.abs(dv - ref).max() / np.abs(ref).max()))
    return {"W": pat.W, "diff": max(diffs)}


def run_child(case: dict) -> dict:
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--case", json.dumps(case)],
                         capture_output=True, text=True, env={**os.environ, "KERAS_BACKEND": "tensorflow"})
    if out.returncode != 0:
        raise RuntimeError(f"case {case} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=16384, help="p = n (default 16384)")
    parser.add_argument("--density", type=float, default=0.01)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--kinds", nargs="+", default=list(KINDS), choices=KINDS)
    parser.add_argument("--repeats", type=int, default=2, help="timed steps after the measured one (best kept)")
    parser.add_argument("--memory-runs", type=int, default=3, help="fresh interpreters per memory figure (median)")
    parser.add_argument("--case", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.case:
        print(json.dumps(child(json.loads(args.case))))
        return 0
    require_positive(parser, args, ("width", "batch_size", "repeats", "memory_runs"))
    if not 0 < args.density <= 1:
        parser.error(f"--density must be in (0, 1]; received --density={args.density}")
    p, batch = args.width, args.batch_size
    print(machine_info(("numpy", "keras", "tensorflow", "predefsparse"),
                       note="the segment kernel forced on the CPU, TensorFlow backend"))
    activations = batch * 2 * p * 4
    print(f"\np = n = {p:,}, density {args.density:.0%}, batch {batch}; "
          f"activations x + y = {activations / 1e6:.1f} MB; "
          f"targets: float32 <= {TOLERANCE['float32']:g}, float64 <= {TOLERANCE['float64']:g} (max abs "
          "difference / max magnitude, over y, dx, dvalues), step peak <= 2x activations\n")
    print("| kind | spec | W | float32 diff | float64 diff | kernel step peak MB (range) | / activations "
          "| / (W x batch x 4) | loss step peak MB | / activations | kernel step s | verdict |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    failed = False
    for kind in args.kinds:
        spec, note = spec_for(kind, p, p, args.density)
        base = {"kind": kind, "p": p, "spec": spec, "batch": batch}
        peaks, seconds = {}, None
        for loss in ("kernel", "loss"):
            runs = [run_child({**base, "what": "memory", "loss": loss,
                               "repeats": args.repeats if loss == "kernel" and i == 0 else 0})
                    for i in range(args.memory_runs)]
            W = runs[0]["W"]
            seconds = seconds or runs[0]["seconds"]
            peaks[loss] = sorted(r["grown"] for r in runs)
        diff = {d: run_child({**base, "what": "accuracy", "dtype": d})["diff"] for d in TOLERANCE}
        kernel = statistics.median(peaks["kernel"])
        checks = [diff[d] <= TOLERANCE[d] for d in TOLERANCE] + [kernel <= 2 * activations]
        failed |= not all(checks)
        verdict = "PASS" if all(checks) else "FAIL (" + ", ".join(
            name for name, ok in zip(("float32", "float64", "memory"), checks) if not ok) + ")"
        label = note or f"density={args.density:g}"
        loss_peak = statistics.median(peaks["loss"])
        print(f"| {kind} | {label} | {W:,} | {diff['float32']:.1e} | {diff['float64']:.1e} "
              f"| {kernel / 1e6:.1f} ({peaks['kernel'][0] / 1e6:.0f}-{peaks['kernel'][-1] / 1e6:.0f}) "
              f"| {kernel / activations:.2f}x | {kernel / (W * batch * 4):.3f} "
              f"| {loss_peak / 1e6:.1f} ({peaks['loss'][0] / 1e6:.0f}-{peaks['loss'][-1] / 1e6:.0f}) "
              f"| {loss_peak / activations:.2f}x | {seconds:.3g} | {verdict} |", flush=True)
    print(f"\nload after: {', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
