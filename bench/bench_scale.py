"""SET at scale: our SparseDense + SETCallback against SET's own truly sparse code, 3,000 to 600,000 neurons.

Run::

    python bench/bench_scale.py --set-code /path/to/sparse-evolutionary-artificial-neural-networks
    python bench/bench_scale.py --sizes 3000,30000 --epochs 2 --set-code DIR
    python bench/bench_scale.py --ours-only            # SET's side from the record of an earlier run
    python bench/bench_scale.py                        # without --set-code: SET's published figures beside ours

The shape is SET's (its ``set_mlp_sparse_data_structures.py``): 3312 inputs, three hidden layers of H ReLU
neurons, 5 sigmoid outputs, Erdos-Renyi connectivity with epsilon 20 in every junction, mean squared error
(ours back-propagates SET's own output delta: ``bench_set_tutorial.set_delta_loss`` on the logits),
SGD with learning rate 0.01, momentum 0.9 and weight decay 0.0002 per step, batch size 2, SET rewiring with
zeta 0.3 after each epoch in all four junctions.  Both sides draw each junction's cells as SET does (epsilon
(p + n) cells with replacement): the same expected edge count, ``p n (1 - exp(-epsilon (p + n) / (p n))``.

Data: SET trains on the "lung" gene-expression set (203 samples, 3312 features, 5 classes), which is not
available offline.  This benchmark measures speed, not accuracy, so it uses a seeded synthetic set of that
shape (class sizes 139/17/21/20/6 as lung's, each class a Gaussian cloud around its own centroid), split 134
training / 69 test samples (an even training set: 67 steps of batch 2 per epoch on both sides) and
standardised as SET does.  The same arrays go to both sides.

Every case runs in a fresh interpreter (``--case '<json>'``), so its peak resident memory (``ru_maxrss``) is its
own (the parent imports nothing heavy: a child inherits its parent's peak); the table shows the whole process's
peak and the peak above the interpreter's baseline after its imports and warm-up ("case").  Times are wall
clock and CPU seconds (``time.process_time``, summed over threads): on a loaded shared machine the wall time
of a single-threaded program stretches with the load while its CPU time stays near its cost.  Columns:

- set-up: building the network (patterns and initial weights; ours also compiles and runs one traced warm-up
  step of batch 2 -- that step is counted here, not in the epoch);
- epoch: one training epoch, the mean over ``--epochs`` (no test-set evaluation inside it, on either side);
- rewire: one SET rewiring of all four junctions, the mean over the epochs;
- acc: test accuracy after the last epoch (synthetic data; a sanity check that both sides train).

SET's side: its own ``SET_MLP`` imported from ``--set-code`` by ``bench/_setcode.py``, which applies only the
shims this numpy and SciPy need and prints them.  Its code runs in float64 as written, single-threaded (SciPy
and the Numba stand-in for its Cython loop); TensorFlow uses every usable core.  SET's numbers are recorded in
``--set-record`` (JSON) after each measured case; ``--ours-only`` reads them back instead of re-running SET's side
(at 300,000 it takes many minutes).  Cases whose estimated memory exceeds ``adjmat.memory.memory_limit()``
are refused up front with the estimate.

Targets (issue 10): at H = 300,000 one epoch with SET rewiring after it takes less time and less memory than
SET's code; at H = 30,000 an epoch is at least 3x faster than SET's.  Exit status 1 when a judged target fails.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import resource
import subprocess
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from _machine import machine_info  # noqa: E402  bench/_machine.py (scripts run from bench/)
from bench_set_tutorial import set_delta_loss  # noqa: E402  SET's sigmoid-output MSE delta, as a logits loss

SIZES = (3_000, 30_000, 300_000)
INPUTS, CLASSES, EPSILON = 3312, 5, 20
CLASS_SIZES = (139, 17, 21, 20, 6)             # lung's classes, 203 samples
N_TRAIN = 134                                   # even: 67 full batches of 2, as SET's loop drops the remainder
BATCH, LR, MOMENTUM, DECAY, ZETA = 2, 0.01, 0.9, 0.0002, 0.3
DEFAULT_RECORD = os.path.join(os.path.expanduser("~"), ".cache", "predefsparse", "bench_scale_set.json")
_MAX_RECORD_BYTES = 1 << 20


# ---------------------------------------------------------------------------------------------- shared
def config(H: int) -> tuple[int, ...]:
    """Layer sizes of SET's MLP with ``H`` neurons per hidden layer."""
    return (INPUTS, H, H, H, CLASSES)


def densities(H: int) -> list[float]:
    """Per-junction density that gives SET's expected edge count (epsilon (p + n) draws with replacement)."""
    sizes = config(H)
    return [1.0 - math.exp(-EPSILON * (p + n) / (p * n)) for p, n in zip(sizes[:-1], sizes[1:])]


def expected_edges(H: int) -> int:
    sizes = config(H)
    return int(sum(d * p * n for d, p, n in zip(densities(H), sizes[:-1], sizes[1:])))


def estimate_bytes(side: str, H: int) -> float:
    """Peak memory of one case from its edge count, per-edge costs as measured here (1 December 2026) with room:
    SET ~75 B/edge at H = 300,000 (LIL lists of Python objects while building, CSR weights, momentum and COO
    copies per step), estimated at 110; ours ~100 B/edge at H = 300,000 (edge values, momentum, gradient, int32
    indices, the rewiring's sort keys), estimated at 110, plus 1 GB for TensorFlow itself; the masked path holds
    dense (p, n) kernel, mask, gradient and momentum (~24 B/cell)."""
    W = expected_edges(H)
    if side == "set":
        return 110.0 * W + 0.3e9
    if side == "ours-masked":
        sizes = config(H)
        return 24.0 * sum(p * n for p, n in zip(sizes[:-1], sizes[1:])) + 1e9
    return 110.0 * W + 1e9


def make_data(seed: int):
    """Seeded synthetic data of the lung shape: (x_train, y_train, x_test, y_test), float64, one-hot labels."""
    import numpy as np

    rng = np.random.default_rng(seed)
    labels = np.repeat(np.arange(CLASSES), CLASS_SIZES)
    rng.shuffle(labels)
    centroids = rng.normal(0.0, 0.5, size=(CLASSES, INPUTS))
    x = centroids[labels] + rng.normal(0.0, 1.0, size=(labels.size, INPUTS))
    y = np.eye(CLASSES)[labels]
    x_train, x_test, y_train, y_test = x[:N_TRAIN], x[N_TRAIN:], y[:N_TRAIN], y[N_TRAIN:]
    mean, std = x_train.mean(axis=0), x_train.std(axis=0)
    return (x_train - mean) / (std + 0.0001), y_train, (x_test - mean) / (std + 0.0001), y_test


def _now() -> tuple[float, float]:
    """(wall, CPU) clocks; CPU time is summed over all threads of the process."""
    return time.perf_counter(), time.process_time()


def _since(t0: tuple[float, float]) -> list[float]:
    """[wall seconds, CPU seconds] since ``t0``."""
    wall, cpu = _now()
    return [wall - t0[0], cpu - t0[1]]


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0   # Linux: kB


# ---------------------------------------------------------------------------------------------- child: SET
def run_set(case: dict) -> dict:
    """SET's own SET_MLP on the data: set-up, then per epoch ``fit(epochs=1)`` and ``weightsEvolution_Amar``."""
    import numpy as np

    import _setcode

    code = _setcode.load(case["set_code"])
    m = code.module
    x, y, xt, yt = make_data(case["seed"])
    fit = dict(loss=m.MSE, epochs=1, batch_size=BATCH, learning_rate=LR, momentum=MOMENTUM, weight_decay=DECAY,
               zeta=ZETA, testing=False)
    np.random.seed(case["seed"])            # SET's code draws from numpy's global generator
    with contextlib.redirect_stdout(sys.stderr):   # SET prints progress; stdout carries our JSON
        tiny = m.SET_MLP((INPUTS, 8, 8, 8, CLASSES), (m.Relu, m.Relu, m.Relu, m.Sigmoid), epsilon=EPSILON)
        tiny.fit(x[:4], y[:4], xt, yt, **fit)   # compiles the Numba stand-in before the baseline
        tiny.weightsEvolution_Amar()
        del tiny
        base = _maxrss_mb()
        t0 = _now()
        net = m.SET_MLP(config(case["H"]), (m.Relu, m.Relu, m.Relu, m.Sigmoid), epsilon=EPSILON)
        setup = _since(t0)
        W = int(sum(net.w[i].nnz for i in range(1, len(config(case["H"])))))
        epochs, rewires = [], []
        for _ in range(case["epochs"]):
            t0 = _now()
            net.fit(x, y, xt, yt, **fit)
            epochs.append(_since(t0))
            t0 = _now()
            net.weightsEvolution_Amar()
            rewires.append(_since(t0))
        W_after = int(sum(net.w[i].nnz for i in range(1, len(config(case["H"])))))
        acc, _ = net.predict(xt, yt, batch_size=1)
    peak = _maxrss_mb()
    return {"side": "set", "H": case["H"], "W": W, "W_after": W_after, "setup": setup, "epochs": epochs,
            "rewires": rewires, "acc": float(acc), "base_mb": base, "peak_mb": peak, "shims": list(code.shims),
            "impl": "SET_MLP (CSR, float64)"}


# ---------------------------------------------------------------------------------------------- child: ours
def _build_ours(H: int, seed: int, implementation: str):
    """SET's MLP from SparseDense layers: ER junctions with SET's expected edge counts, N(0, 0.1^2) weights as
    SET draws them, zero biases; one seed per junction spawned from ``seed``."""
    import keras
    import numpy as np

    from predefsparse import SparseDense

    sizes = config(H)
    seeds = np.random.SeedSequence(seed).spawn(len(sizes) - 1)
    x = inputs = keras.Input((sizes[0],), name="inputs")
    for i, (n, d) in enumerate(zip(sizes[1:], densities(H))):
        last = i == len(sizes) - 2
        x = SparseDense(n, activation=None if last else "relu", density=d, kind="erdos_renyi",
                        kernel_initializer=keras.initializers.RandomNormal(stddev=0.1), bias_initializer="zeros",
                        seed=seeds[i], implementation=implementation, name=f"junction{i + 1}")(x)
    return keras.Model(inputs, x, name=f"set_mlp_{H}")


def run_ours(case: dict) -> dict:
    """Our mlp + SETCallback in model.fit: a clock callback on each side of the SETCallback splits epoch time
    from rewiring time."""
    import keras
    import numpy as np

    from predefsparse import SETCallback, SparseDense

    x, y, xt, yt = (a.astype("float32") for a in make_data(case["seed"]))
    warm = _build_ours(64, case["seed"], case["implementation"])       # imports, kernels, tracing machinery
    warm.compile(optimizer=keras.optimizers.SGD(LR), loss=set_delta_loss)
    warm.fit(x[:2], y[:2], batch_size=BATCH, epochs=1, verbose=0)
    del warm
    base = _maxrss_mb()
    t0 = _now()
    model = _build_ours(case["H"], case["seed"], case["implementation"])
    model.compile(optimizer=keras.optimizers.SGD(LR, momentum=MOMENTUM, weight_decay=DECAY / LR),
                  loss=set_delta_loss)
    model.fit(x[:BATCH], y[:BATCH], batch_size=BATCH, epochs=1, verbose=0, shuffle=False)   # traces the step
    setup = _since(t0)
    layers = [layer for layer in model.layers if isinstance(layer, SparseDense)]
    W = int(sum(layer.pattern.W for layer in layers))
    impl = sorted({_impl_name(layer) for layer in layers})

    marks: dict[str, list[tuple[float, float]]] = {"begin": [], "end": [], "rewired": []}

    class Clock(keras.callbacks.Callback):
        def __init__(self, key):
            super().__init__()
            self.key = key

        def on_epoch_begin(self, epoch, logs=None):
            if self.key == "end":
                marks["begin"].append(_now())

        def on_epoch_end(self, epoch, logs=None):
            marks[self.key].append(_now())

    rewire = case.get("rewire", True)
    cb = SETCallback(zeta=ZETA, layers=[layer.name for layer in layers], seed=case["seed"])
    model.fit(x, y, batch_size=BATCH, epochs=case["epochs"], verbose=0, shuffle=True,
              callbacks=[Clock("end"), cb, Clock("rewired")] if rewire else [Clock("end")])
    epochs = [[e[0] - b[0], e[1] - b[1]] for b, e in zip(marks["begin"], marks["end"])]
    rewires = [[r[0] - e[0], r[1] - e[1]] for e, r in zip(marks["end"], marks["rewired"])] if rewire else []
    steps = len({h["epoch"] for h in cb.history})
    if rewire and steps < case["epochs"]:   # the callback leaves the last epoch alone: rewire it here, timed
        t0 = _now()
        _rewire_now(cb, model, case["epochs"] - 1)
        rewires[-1] = _since(t0)
    W_after = int(sum(layer.pattern.W for layer in layers))
    acc = float(np.mean(np.argmax(model.predict(xt, batch_size=256, verbose=0), axis=1) == np.argmax(yt, axis=1)))
    peak = _maxrss_mb()
    return {"side": "ours", "H": case["H"], "W": W, "W_after": W_after, "setup": setup, "epochs": epochs,
            "rewires": rewires, "acc": acc, "base_mb": base, "peak_mb": peak, "impl": "SparseDense " + "/".join(impl)}


def _impl_name(layer) -> str:
    """The implementation a built SparseDense runs (``masked`` before the sparse path existed)."""
    return str(getattr(layer, "resolved_implementation", None) or getattr(layer, "implementation", "masked"))


def _rewire_now(cb, model, epoch: int) -> None:
    """One SET step of every evolved layer outside fit, through the callback's public step."""
    step = getattr(cb, "evolve_now", None)
    if step is None:
        raise RuntimeError("SETCallback skipped the last epoch and offers no evolve_now(); cannot time the "
                           "rewiring after it")
    step(epoch)


# ---------------------------------------------------------------------------------------------- parent side
def _child(payload: dict) -> dict:
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--case", json.dumps(payload)],
                         capture_output=True, text=True, check=False)
    if out.returncode:
        tail = "\n".join(out.stderr.strip().splitlines()[-15:])
        raise RuntimeError(f"case {payload['side']} H={payload['H']} failed (exit {out.returncode}):\n{tail}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def _read_record(path: str) -> dict:
    """The SET record file (hostile until checked: size, JSON object of case dicts with numeric fields)."""
    if not os.path.isfile(path):
        return {}
    if os.path.getsize(path) > _MAX_RECORD_BYTES:
        raise ValueError(f"--set-record must be a record written by this benchmark; received --set-record={path!r}. "
                         f"It has {os.path.getsize(path)} bytes, more than a record can have.")
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        cases = data["cases"]
        for key, res in cases.items():
            int(key.split(":")[0])
            for field in ("peak_mb", "base_mb", "W", "acc"):
                float(res[field])
            for wall, cpu in [res["setup"]] + res["epochs"] + res["rewires"]:
                float(wall), float(cpu)
            str(res["impl"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
        raise ValueError(f"--set-record must be a record written by this benchmark; received --set-record={path!r}. "
                         f"It does not read as one ({type(err).__name__}: {err}).") from None
    return data


def _write_record(path: str, data: dict) -> None:
    from adjmat.pattern import atomic_write

    atomic_write(path, lambda f: f.write(json.dumps(data, indent=1, sort_keys=True).encode()))


class _Skipped(Exception):
    """A side the command line asked not to run."""


def _version(name: str) -> str:
    from importlib import metadata

    for dist in (name, name + "-cpu"):
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return "(not installed)"


def _times(res: dict) -> dict[str, tuple[float, float]]:
    """(wall, CPU) seconds of a case: set-up, mean epoch, mean rewiring and their sum epoch + rewiring."""
    def mean(pairs, i):
        return sum(p[i] for p in pairs) / len(pairs)

    ep = (mean(res["epochs"], 0), mean(res["epochs"], 1))
    rw = (mean(res["rewires"], 0), mean(res["rewires"], 1)) if res["rewires"] else (math.nan, math.nan)
    return {"setup": tuple(res["setup"]), "epoch": ep, "rewire": rw, "total": (ep[0] + rw[0], ep[1] + rw[1])}


def _row(label: str, res: dict | None) -> str:
    if res is None:
        return f"  {label:<6} {'not run':>12}"
    t = _times(res)
    cols = " ".join(f"{t[k][0]:>8.2f} {t[k][1]:>8.2f}" for k in ("setup", "epoch", "rewire", "total"))
    return (f"  {label:<6} {res['W']:>12,} {cols} {res['peak_mb']:>8.0f} {res['peak_mb'] - res['base_mb']:>8.0f} "
            f"{res['acc']:>6.3f}  {res['impl']}")


def _ratios(ours: dict, theirs: dict) -> str:
    o, s = _times(ours), _times(theirs)
    parts = [f"{name} {s[k][0] / o[k][0]:.1f}x (CPU {s[k][1] / o[k][1]:.1f}x)"
             for k, name in (("setup", "set-up"), ("epoch", "epoch"), ("rewire", "rewire"),
                             ("total", "epoch + rewire"))]
    return "  SET / ours: " + ", ".join(parts) + f", peak memory {theirs['peak_mb'] / ours['peak_mb']:.1f}x"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default=",".join(map(str, SIZES)),
                    help="neurons per hidden layer, comma-separated (default 3000,30000,300000; 600000 too "
                         "where memory allows)")
    ap.add_argument("--epochs", type=int, default=1, help="timed epochs per case, each followed by a rewiring")
    ap.add_argument("--set-code", help="folder of SET's code (the repository root or its "
                                       "SET-MLP-Sparse-Python-Data-Structures/); absent: published figures only")
    ap.add_argument("--ours-only", action="store_true", help="do not run SET's side; read it from --set-record")
    ap.add_argument("--no-rewire", action="store_true", help="our side without SETCallback (set-up and epoch only)")
    ap.add_argument("--set-only", action="store_true", help="run (and record) SET's side only")
    ap.add_argument("--set-record", default=DEFAULT_RECORD, help=f"JSON record of SET's side (default "
                                                                 f"{DEFAULT_RECORD})")
    ap.add_argument("--implementation", default="sparse", choices=("sparse", "masked", "auto"),
                    help="our SparseDense implementation (default sparse)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the data, the patterns and both sides' draws")
    ap.add_argument("--case", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.case:
        case = json.loads(args.case)
        print(json.dumps(run_set(case) if case["side"] == "set" else run_ours(case)))
        return 0
    try:
        sizes = [int(v) for v in args.sizes.split(",") if v.strip()]
        if not sizes or min(sizes) < 1:
            raise ValueError
    except ValueError:
        print(f"bench_scale: --sizes must be positive integers separated by commas; received --sizes="
              f"{args.sizes!r}. Try --sizes 3000,30000.", file=sys.stderr)
        return 1
    if args.ours_only and args.set_only:
        print("bench_scale: --ours-only and --set-only exclude each other; received both. Give one.",
              file=sys.stderr)
        return 1
    if args.set_only and not args.set_code:
        print("bench_scale: --set-only needs --set-code DIR; received --set-only without it.", file=sys.stderr)
        return 1
    if args.epochs < 1:
        print(f"bench_scale: --epochs must be at least 1; received --epochs={args.epochs}. Try --epochs 1.",
              file=sys.stderr)
        return 1
    import _setcode
    from adjmat.errors import SpecError
    from adjmat.memory import check_memory, memory_limit

    set_path = None
    if args.set_code and not args.ours_only:
        try:
            set_path = _setcode.locate(args.set_code)   # loaded (with its shims) in each SET case only
        except ValueError as err:
            print(f"bench_scale: {err}", file=sys.stderr)
            return 1
    try:
        record = _read_record(args.set_record)
    except ValueError as err:
        print(f"bench_scale: {err}", file=sys.stderr)
        return 1
    record.setdefault("cases", {})

    t_start = time.perf_counter()
    # Light imports only: a forked child inherits this process's peak RSS (Linux keeps ru_maxrss across exec),
    # so importing TensorFlow here would raise every case's baseline.
    print(machine_info(("numpy", "scipy", "numba"), note="TensorFlow " + _version("tensorflow")
                       + ", Keras " + _version("keras")))
    print(f"shape: {INPUTS}-H-H-H-{CLASSES}, Erdos-Renyi epsilon {EPSILON}, ReLU / sigmoid, MSE, SGD lr {LR} "
          f"momentum {MOMENTUM} weight decay {DECAY}/step, batch {BATCH}, zeta {ZETA}, all 4 junctions rewired")
    print(f"data : seeded synthetic set of the lung shape (203 x {INPUTS}, 5 classes; lung itself is not available "
          f"offline): {N_TRAIN} training samples ({N_TRAIN // BATCH} steps per epoch), {203 - N_TRAIN} test; "
          f"speed, not accuracy")
    print(f"ours : predefsparse.SparseDense(kind='erdos_renyi', implementation={args.implementation!r}) x 4 + "
          f"SETCallback in model.fit")
    if set_path is not None:
        print(f"SET  : {set_path} (imported in each case with the shims printed there)")
    elif args.ours_only and record["cases"]:
        print(f"SET  : not re-run (--ours-only); its numbers from {args.set_record}, recorded "
              f"{record.get('when', '?')} on: {record.get('machine', '?')}")
    else:
        print("SET  : not run (no --set-code); its published figures:")
    print("\nSET's published minutes per epoch:\n" + _setcode.published_table() + "\n")
    print(f"memory limit for one case: {memory_limit() / 1e9:.1f} GB (PREDEFSPARSE_MAX_MEMORY or MemAvailable)\n")

    header = (f"  {'':<6} {'':>12} {'set-up s':>17} {'epoch s':>17} {'rewire s':>17} {'epoch+rewire s':>17} "
              f"{'peak RSS MB':>17}\n"
              f"  {'side':<6} {'W':>12} " + "     wall      CPU " * 4 + f"{'process':>8} {'case':>8} {'acc':>6}"
              "  implementation")
    results = {}
    shims_shown = False
    for H in sizes:
        print(f"H = {H:,} (expected W = {expected_edges(H):,})")
        print(header)
        ours = set_res = None
        ours_side = "ours-masked" if args.implementation == "masked" else "ours"
        try:
            if args.set_only:
                raise _Skipped("--set-only")
            check_memory("bench_scale", estimate_bytes(ours_side, H),
                         f"our side at H={H:,} (see estimate_bytes)")
            ours = _child({"side": "ours", "H": H, "epochs": args.epochs, "seed": args.seed,
                           "implementation": args.implementation, "rewire": not args.no_rewire})
        except _Skipped:
            pass
        except (SpecError, RuntimeError) as err:
            print(f"  ours   refused or failed: {err}")
        key = f"{H}:{args.epochs}:{args.seed}"
        if set_path is not None:
            try:
                check_memory("bench_scale", estimate_bytes("set", H), f"SET's side at H={H:,} (see estimate_bytes)")
                set_res = _child({"side": "set", "H": H, "epochs": args.epochs, "seed": args.seed,
                                  "set_code": args.set_code})
                if not shims_shown:
                    print("  SET's code imported with these shims:\n" + "".join(f"  - {s}\n" for s in set_res["shims"]),
                          end="")
                    shims_shown = True
                record["cases"][key] = set_res
                record["machine"] = machine_info(("numpy", "scipy", "numba")).splitlines()[0]
                record["when"] = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
                _write_record(args.set_record, record)
            except (SpecError, RuntimeError) as err:
                print(f"  SET    refused or failed: {err}")
        elif args.ours_only:
            set_res = record["cases"].get(key)
        print(_row("ours", ours))
        print(_row("SET", set_res) + ("   (recorded)" if set_res is not None and set_path is None else ""))
        pub = _setcode.PUBLISHED.get(H)
        if ours is not None and set_res is not None:
            print(_ratios(ours, set_res))
        if pub is not None and ours is not None:
            e_o = _times(ours)["epoch"][0]
            print(f"  SET published: {pub} min/epoch = {60 * pub:.0f} s; ours here: {e_o:.1f} s "
                  f"({60 * pub / e_o:.0f}x)")
        print()
        results[H] = (ours, set_res)

    ok = True
    judged = False
    for H, judge in ((300_000, "time+memory"), (30_000, "3x")):
        ours, set_res = results.get(H, (None, None))
        if ours is None or set_res is None:
            if H in results:
                print(f"TARGET H = {H:,}: not judged (one side missing)")
            continue
        judged = True
        o, t = _times(ours), _times(set_res)
        if judge == "3x":
            passed = t["epoch"][0] >= 3 * o["epoch"][0]
            print(f"TARGET H = 30,000: epoch {o['epoch'][0]:.2f} s vs SET {t['epoch'][0]:.2f} s = "
                  f"{t['epoch'][0] / o['epoch'][0]:.1f}x wall (CPU {t['epoch'][1] / o['epoch'][1]:.1f}x; target >= 3x "
                  f"wall): {'PASS' if passed else 'FAIL'}")
        else:
            passed = o["total"][0] < t["total"][0] and ours["peak_mb"] < set_res["peak_mb"]
            print(f"TARGET H = 300,000: epoch + rewiring {o['total'][0]:.1f} s vs SET {t['total'][0]:.1f} s wall "
                  f"(CPU {o['total'][1]:.1f} vs {t['total'][1]:.1f} s), peak {ours['peak_mb']:.0f} MB vs SET "
                  f"{set_res['peak_mb']:.0f} MB (target: both lower): {'PASS' if passed else 'FAIL'}")
        ok &= passed
    if not judged:
        print("TARGETS not judged: they need both sides at H = 30,000 and 300,000")
    print(f"\ntotal benchmark time {time.perf_counter() - t_start:.0f} s; load now "
          f"{', '.join(f'{v:.2f}' for v in os.getloadavg())}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
