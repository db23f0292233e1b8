"""Time per training epoch: SparseDense vs Dense vs the original approach (Dense + per-batch mask callback).

Run::

    python bench/bench_layer.py                # 5 timed epochs per run, about 1 minute on 2 cores
    python bench/bench_layer.py --epochs 5

Workload: real MNIST (60,000 training images, 784 features padded to 800), the MLP (800, 100, 10) with
fo (50, 10) clash-free (the published net), Adam 1e-3, batch 256, categorical cross-entropy, ``fit`` on numpy
arrays.  The three models have the same layer sizes and the same initial weights:

- ``SparseDense``: :func:`predefsparse.models.mlp` -- mask applied in the forward pass;
- ``Dense``: ``keras.layers.Dense`` (no sparsity at all, the speed baseline);
- ``Dense + callback``: the original work's approach, Dense layers plus a callback that, after every batch,
  reads each kernel with ``get_weights``, multiplies the mask in and writes it back with ``set_weights``.

Two loop settings are measured in the same run:

- one training step per compiled call for all three (identical loops: isolates the per-batch cost of the
  callback);
- each approach at its best: Dense and SparseDense need nothing on the host between batches, so Keras runs
  ``--steps-per-execution`` (default 32) steps per compiled call, as ``predefsparse.run_model`` does by default;
  the callback approach must return to Python after every batch, so one step per call is the only setting
  that keeps its semantics.

Each run first trains one warm-up epoch (tracing), then the timed epochs are interleaved round-robin so that
load from other processes hits all alike; the table shows the median.  Times are wall-clock on a shared
machine: noisy.  Targets (issue 4): SparseDense within 1.3x of Dense (checked in both settings) and at least 2x
faster than the callback approach (printed for both settings; the issue's target is judged on the second, each
approach at its best); exit status 1 when a judged target fails.

What the callback costs is a fixed ~2 ms per batch here (two eager get/set_weights round trips of an 80,000-entry
kernel) on top of the per-step dispatch it forces; the 2x figure of the original work dates from Keras 2 / TF 1
sessions, where each get/set_weights was a graph round trip.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from _machine import machine_info  # noqa: E402  bench/_machine.py (scripts run from bench/)

import keras  # noqa: E402
import numpy as np  # noqa: E402

from predefsparse import SparseDense, datasets, models  # noqa: E402

CONFIG, FO = (800, 100, 10), (50, 10)


class MaskAfterEveryBatch(keras.callbacks.Callback):
    """The original approach: after every batch, kernel <- kernel * mask through get/set_weights."""

    def __init__(self, masks):
        super().__init__()
        self.masks = masks

    def on_train_batch_end(self, batch, logs=None):
        for layer, mask in self.masks:
            weights = layer.get_weights()
            weights[0] = weights[0] * mask
            layer.set_weights(weights)


def build(approach: str, seed: int = 0, steps_per_execution: int = 1):
    """(model, callbacks) for one approach; all three start from the same weights."""
    sparse_model = models.mlp(CONFIG, fo=FO, kind="clash_free", seed=seed)
    if approach == "SparseDense":
        model, callbacks = sparse_model, []
    else:
        inputs = keras.Input((CONFIG[0],))
        x = keras.layers.Dense(CONFIG[1], activation="relu")(inputs)
        outputs = keras.layers.Dense(CONFIG[2], activation="softmax")(x)
        model = keras.Model(inputs, outputs)
        pairs = []
        dense_layers = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
        sparse_layers = [layer for layer in sparse_model.layers if isinstance(layer, SparseDense)]
        for dense, sparse in zip(dense_layers, sparse_layers):
            dense.set_weights([keras.ops.convert_to_numpy(sparse.kernel), keras.ops.convert_to_numpy(sparse.bias)])
            pairs.append((dense, sparse.pattern.to_mask().astype("float32")))
        callbacks = [MaskAfterEveryBatch(pairs)] if approach == "Dense + callback" else []
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="categorical_crossentropy", metrics=["accuracy"],
                  steps_per_execution=steps_per_execution)
    return model, callbacks


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5, help="timed epochs per approach (default 5)")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--steps-per-execution", type=int, default=32,
                        help="steps per compiled call for the in-graph approaches at their best (default 32)")
    args = parser.parse_args(argv)

    xtr, ytr, xva, yva, _, _ = datasets.load("mnist")
    x = np.zeros((len(xtr) + len(xva), CONFIG[0]), np.float32)
    x[:, :784] = np.concatenate([xtr, xva])
    y = np.concatenate([ytr, yva])

    k = args.steps_per_execution
    approaches = {  # label -> (approach, steps per compiled call)
        "Dense": ("Dense", 1), "SparseDense": ("SparseDense", 1), "Dense + callback": ("Dense + callback", 1),
        f"Dense, {k} steps/call": ("Dense", k), f"SparseDense, {k} steps/call": ("SparseDense", k)}
    runs = {label: build(a, steps_per_execution=spe) for label, (a, spe) in approaches.items()}
    times: dict[str, list[float]] = {label: [] for label in approaches}
    for label in approaches:  # warm-up: tracing and first-epoch costs
        model, callbacks = runs[label]
        model.fit(x, y, batch_size=args.batch_size, epochs=1, verbose=0, shuffle=False, callbacks=callbacks)
    for _ in range(args.epochs):
        for label in approaches:
            model, callbacks = runs[label]
            t0 = time.perf_counter()
            model.fit(x, y, batch_size=args.batch_size, epochs=1, verbose=0, shuffle=False, callbacks=callbacks)
            times[label].append(time.perf_counter() - t0)

    # sanity: masked weights really are zero in both masked approaches
    for label in ("SparseDense", f"SparseDense, {k} steps/call"):
        layer = runs[label][0].get_layer("junction1")
        assert np.all(keras.ops.convert_to_numpy(layer.kernel)[~layer.pattern.to_mask()] == 0)

    med = {label: float(np.median(t)) for label, t in times.items()}
    steps = -(-len(x) // args.batch_size)
    print(f"# bench_layer: MNIST MLP {CONFIG} fo {FO} clash-free, {len(x):,} samples, batch {args.batch_size} "
          f"({steps} steps/epoch), {args.epochs} timed epochs each (median), interleaved")
    print(machine_info(("numpy", "keras", "tensorflow", "predefsparse")))
    print(f"| {'approach':<28} | {'s / epoch':>9} | {'ms / step':>9} | {'vs Dense':>8} | {'epochs (s)':<24} |")
    print(f"|{'-' * 30}|{'-' * 11}|{'-' * 11}|{'-' * 10}|{'-' * 26}|")
    for label in approaches:
        runs_s = ", ".join(f"{t:.2f}" for t in times[label])
        print(f"| {label:<28} | {med[label]:>9.2f} | {1000 * med[label] / steps:>9.2f} "
              f"| {med[label] / med['Dense']:>7.2f}x | {runs_s:<24} |")
    best_sparse = f"SparseDense, {k} steps/call"
    r_same = med["SparseDense"] / med["Dense"]
    r_best = med[best_sparse] / med[f"Dense, {k} steps/call"]
    cb_same = med["Dense + callback"] / med["SparseDense"]
    cb_best = med["Dense + callback"] / med[best_sparse]
    ok1, ok2, ok3 = r_same <= 1.3, r_best <= 1.3, cb_best >= 2.0
    print(f"target SparseDense <= 1.3x Dense, 1 step/call:          {r_same:.2f}x {'PASS' if ok1 else 'FAIL'}")
    print(f"target SparseDense <= 1.3x Dense, {k} steps/call:         {r_best:.2f}x {'PASS' if ok2 else 'FAIL'}")
    print(f"callback vs SparseDense, identical loops (1 step/call):   {cb_same:.2f}x (not judged: "
          f"isolates the per-batch host round trip)")
    print(f"target callback >= 2x SparseDense, each at its best:     {cb_best:.2f}x {'PASS' if ok3 else 'FAIL'}")
    return 0 if ok1 and ok2 and ok3 else 1


if __name__ == "__main__":
    sys.exit(main())
