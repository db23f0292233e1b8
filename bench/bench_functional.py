"""Speed of hwsim's functional mode against numpy loops, and (``--mnist``) its MNIST accuracy.

The network is the published FPGA build: config (1024, 64, 32), fo (4, 16), z (128, 32), a clash-free pattern,
sigmoid; real MNIST digits (784 pixels padded with zeros to 1024, 10 classes padded to 32 outputs).

Speed: one training input costs ``2 * sum(W) + sum(W[1:])`` edge events (FF and UP in every junction, BP in
junctions 2..L): 11,264 for the FPGA build.  Baselines measured in the same run on the same inputs, both plain
sequential SGD in float64 (what ``train(..., pipelined=False)`` computes, which the script checks):

- ``numpy dense``: per input, dense masked (p, n) matrices (``a @ (W * mask)``, ``np.outer`` updates);
- ``numpy edges``: per input, the edge lists (``np.bincount`` sums, gathers and scatters over W edges).

Usage::

    python bench/bench_functional.py                     # speed table, 60,000 inputs (about a minute)
    python bench/bench_functional.py --inputs 10000 --baseline-inputs 500
    python bench/bench_functional.py --mnist --epochs 1  # test accuracy: fixed vs float, rmw, eta schedule

Timings on a shared machine are noisy; the ratios matter more than the absolute numbers.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from _machine import machine_info  # bench/_machine.py (scripts run from bench/)

import numpy as np

import adjmat
from hwsim.config import HardwareConfig
from hwsim.functional import ETA_SCHEDULE_FPGA, infer, initial_weights, train
from predefsparse.datasets import MNIST_MD5, read_idx

ROOT = Path(__file__).resolve().parents[1]
FPGA = dict(config=(1024, 64, 32), fo=(4, 16), z=(128, 32))


def load_mnist(split: str) -> tuple[np.ndarray, np.ndarray]:
    """uint8 images padded to 1024 columns, int labels (from the repository's datasets/mnist)."""
    stem = "train" if split == "train" else "t10k"
    folder = ROOT / "datasets" / "mnist"
    images = read_idx(folder / f"{stem}-images-idx3-ubyte.gz", md5=MNIST_MD5[f"{stem}-images-idx3-ubyte"])
    labels = read_idx(folder / f"{stem}-labels-idx1-ubyte.gz", md5=MNIST_MD5[f"{stem}-labels-idx1-ubyte"])
    images = images.reshape(images.shape[0], -1)
    return np.pad(images, ((0, 0), (0, 1024 - images.shape[1]))), labels.astype(np.int64)


def numpy_dense(x, y, pats, w0, eta):
    """Plain masked-MLP SGD, one input at a time, dense (p, n) matrices."""
    masks = [p.to_mask() for p in pats]
    W = [np.zeros(m.shape) for m in masks]
    for Wi, p, (w, _) in zip(W, pats, w0):
        Wi[p.left, p.right] = w
    B = [b.copy() for _, b in w0]
    for m in range(x.shape[0]):
        a = [x[m]]
        for Wi, bi in zip(W, B):
            a.append(1.0 / (1.0 + np.exp(-(a[-1] @ Wi + bi))))
        delta = a[-1].copy()
        delta[y[m]] -= 1.0
        for i in range(len(W) - 1, -1, -1):
            prev = (W[i] @ delta) * a[i] * (1.0 - a[i]) if i else None
            W[i] -= eta * np.outer(a[i], delta) * masks[i]
            B[i] -= eta * delta
            delta = prev
    return [(Wi[p.left, p.right], bi) for Wi, p, bi in zip(W, pats, B)]


def numpy_edges(x, y, pats, w0, eta):
    """The same SGD on edge lists: bincount sums, gathers and scatters, one input at a time."""
    w = [wi.copy() for wi, _ in w0]
    B = [b.copy() for _, b in w0]
    lefts = [np.asarray(p.left, dtype=np.int64) for p in pats]
    rights = [np.asarray(p.right, dtype=np.int64) for p in pats]
    for m in range(x.shape[0]):
        a = [x[m]]
        for wi, bi, l, r, p in zip(w, B, lefts, rights, pats):
            s = np.bincount(r, weights=wi * a[-1][l], minlength=p.n) + bi
            a.append(1.0 / (1.0 + np.exp(-s)))
        delta = a[-1].copy()
        delta[y[m]] -= 1.0
        for i in range(len(w) - 1, -1, -1):
            l, r = lefts[i], rights[i]
            prev = None
            if i:
                prev = np.bincount(l, weights=delta[r] * w[i], minlength=pats[i].p) * a[i] * (1.0 - a[i])
            w[i] -= eta * a[i][l] * delta[r]
            B[i] -= eta * delta
            delta = prev
    return list(zip(w, B))


def speed(args) -> None:
    net = adjmat.NetSpec(**FPGA)
    pats = adjmat.generate_network(net, "clash_free", seed=0)
    x8, y = load_mnist("train")
    x8, y = x8[:args.inputs], y[:args.inputs]
    events = 2 * sum(net.W) + sum(net.W[1:])
    cfg = HardwareConfig(rmw="forward")
    rows = []

    first = {}
    for numerics in ("float64", "float32", "fixed"):
        t0 = time.perf_counter()
        res = train(net, pats, cfg, (x8[:10], y[:10]), numerics=numerics, seed=0)
        infer(net, pats, cfg, x8[:10], weights=res.weights, numerics=numerics)
        first[numerics] = time.perf_counter() - t0

    nb = min(args.baseline_inputs, args.inputs)
    xb = x8[:nb].astype(np.float64) / 256.0
    ref = train(net, pats, cfg, (x8[:nb], y[:nb]), seed=0, pipelined=False)
    w0 = initial_weights(pats, seed=0)
    for name, fn in (("numpy dense (float64, flush)", numpy_dense), ("numpy edges (float64, flush)", numpy_edges)):
        t0 = time.perf_counter()
        out = fn(xb, y[:nb], pats, w0, cfg.eta)
        wall = time.perf_counter() - t0
        err = max(float(np.max(np.abs(o[0] - r[0]))) for o, r in zip(out, ref.weights))
        rows.append((name, nb, wall, f"max |dw| vs hwsim {err:.1e}"))
    base = rows[0][2] / nb

    for numerics, pipelined in (("float64", False), ("float64", True), ("float32", True), ("fixed", True)):
        res = train(net, pats, cfg, (x8, y), numerics=numerics, seed=0, pipelined=pipelined)
        rows.append((f"hwsim.train {numerics}, {'pipelined' if pipelined else 'flush'}", args.inputs, res.wall_s,
                     f"first train+infer call {first[numerics]:.2f} s"))
    cnt = train(net, pats, HardwareConfig(rmw="count"), (x8, y), numerics="fixed", seed=0)
    rows.append(("hwsim.train fixed, pipelined, rmw=count", args.inputs, cnt.wall_s, "hazard FIFOs on"))
    t0 = time.perf_counter()
    infer(net, pats, cfg, x8, weights=cnt.weights, numerics="fixed")
    rows.append(("hwsim.infer fixed (FF only)", args.inputs, time.perf_counter() - t0, "FF events only"))

    guard = divergence_guard_cost(net)
    float_row = next(r for r in rows if r[0] == "hwsim.train float64, pipelined")
    chunk_s = float_row[2] / float_row[1] * 8192

    print(machine_info(("numpy", "numba", "hwsim")))
    print(f"network: FPGA build {FPGA['config']}, fo {FPGA['fo']}, z {FPGA['z']}; {events} edge events per "
          f"training input (FF + BP + UP)")
    head = f"{'mode':44s} {'inputs':>7s} {'wall s':>8s} {'inputs/s':>10s} {'edge ev/s':>10s} {'vs dense':>9s}  note"
    print(head)
    print("-" * len(head))
    for name, n, wall, note in rows:
        per = wall / n
        ev = events * n / wall if "infer" not in name else sum(net.W) * n / wall
        print(f"{name:44s} {n:7d} {wall:8.3f} {n / wall:10.0f} {ev:10.2e} {base / per:8.1f}x  {note}")
    print(f"divergence guard (float modes: copy + isfinite of the training state once per 8192 inputs): "
          f"{guard * 1e6:.0f} us per chunk = {100 * guard / chunk_s:.2g} % of a float64 chunk ({chunk_s * 1e3:.0f} ms)")


def divergence_guard_cost(net) -> float:
    """Seconds of one chunk's divergence guard in hwsim.train: the snapshot of the state a replay needs and the
    isfinite scan of weights, biases, activations and deltas, on arrays of the training state's sizes."""
    from hwsim.functional import _finite
    L, total, nmax = net.L, sum(net.config), max(net.config)
    R, Q = 2 * L + 2, 1 * 3 + 1
    w, b = np.zeros(sum(net.W)), np.zeros(sum(net.config[1:]))
    act, dact, delta = (np.zeros((R, total)) for _ in range(3))
    state = (w, b, act, dact, delta, np.zeros((nmax, Q), np.int64), np.zeros((nmax, Q)), np.zeros(nmax, np.int64),
             np.zeros(nmax, np.int64))
    best = float("inf")
    for _ in range(50):
        t0 = time.perf_counter()
        _ = [a.copy() for a in state]
        _finite(w, b, act, delta)
        best = min(best, time.perf_counter() - t0)
    return best


def accuracy(args) -> None:
    net = adjmat.NetSpec(**FPGA)
    pats = adjmat.generate_network(net, "clash_free", seed=0)
    xtr, ytr = load_mnist("train")
    xte, yte = load_mnist("test")
    print(f"MNIST, FPGA build {FPGA['config']}, fo {FPGA['fo']}, z {FPGA['z']}, clash_free seed 0, sigmoid, "
          f"pipelined, {args.epochs} epoch(s) of 60,000, init seed 0; test = 10,000 digits")
    head = f"{'numerics':9s} {'rmw':8s} {'eta':22s} {'train (on-chip, last epoch)':>28s} {'test':>7s} {'wall s':>7s}"
    print(head)
    print("-" * len(head))
    for rmw in ("forward", "count"):
        for eta, eta_name in ((None, "1/8"), (ETA_SCHEDULE_FPGA, "1/8, 1/16, 1/32 (FPGA)")):
            for numerics in ("fixed", "float64"):
                cfg = HardwareConfig(rmw=rmw)
                res = train(net, pats, cfg, (xtr, ytr), numerics=numerics, seed=0, eta=eta, epochs=args.epochs)
                acc = infer(net, pats, cfg, xte, weights=res.weights, numerics=numerics, y=yte).accuracy
                print(f"{numerics:9s} {rmw:8s} {eta_name:22s} {res.accuracy:28.4f} {acc:7.4f} {res.wall_s:7.2f}",
                      flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--inputs", type=int, default=60_000, help="training inputs for the hwsim timings")
    parser.add_argument("--baseline-inputs", type=int, default=1000, help="inputs for the numpy baselines")
    parser.add_argument("--mnist", action="store_true", help="print the MNIST accuracy table instead")
    parser.add_argument("--epochs", type=int, default=1, help="epochs for --mnist")
    args = parser.parse_args(argv)
    if args.mnist:
        accuracy(args)
    else:
        speed(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
