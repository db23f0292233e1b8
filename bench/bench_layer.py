"""Time per training epoch: SparseDense vs Dense vs the original approach (Dense + per-batch mask callback).

Run::

    python bench/bench_layer.py                # 3 timed epochs per approach, about 1 minute on 2 cores
    python bench/bench_layer.py --epochs 5

Workload: real MNIST (60,000 training images, 784 features padded to 800), the MLP (800, 100, 10) with
fo (50, 10) clash-free (the published net), Adam 1e-3, batch 256, categorical cross-entropy, ``fit`` on numpy
arrays.  The three models have the same layer sizes and the same initial weights:

- ``SparseDense``: :func:`predefsparse.models.mlp` -- mask applied in the forward pass;
- ``Dense``: ``keras.layers.Dense`` (no sparsity at all, the speed baseline);
- ``Dense + callback``: the original work's approach, Dense layers plus a callback that, after every batch,
  reads each kernel with ``get_weights``, multiplies the mask in and writes it back with ``set_weights``.

Each approach first runs one warm-up epoch (tracing), then the timed epochs are interleaved round-robin
(A, B, C, A, B, C, ...) so that load from other processes hits all three alike; the table shows the median.
Times are wall-clock on a shared machine: noisy.  Targets (issue 4): SparseDense within 1.3x of Dense and at
least 2x faster than the callback approach; exit status 1 when a target fails.

What the callback costs is a fixed ~2 ms per batch here (two eager get/set_weights round trips of an 80,000-entry
kernel), so its ratio grows as batches get cheaper (``--batch-size 64``) and shrinks as they get dearer; the 2x
figure dates from Keras 2 / TF 1 sessions, where each get/set_weights was a graph round trip.
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


def build(approach: str, seed: int = 0):
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
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="categorical_crossentropy", metrics=["accuracy"])
    return model, callbacks


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs per approach (default 3)")
    parser.add_argument("--batch-size", type=int, default=256)
    args = parser.parse_args(argv)

    xtr, ytr, xva, yva, _, _ = datasets.load("mnist")
    x = np.zeros((len(xtr) + len(xva), CONFIG[0]), np.float32)
    x[:, :784] = np.concatenate([xtr, xva])
    y = np.concatenate([ytr, yva])

    approaches = ["Dense", "SparseDense", "Dense + callback"]
    runs = {a: build(a) for a in approaches}
    times: dict[str, list[float]] = {a: [] for a in approaches}
    for a in approaches:  # warm-up: tracing and first-epoch costs
        model, callbacks = runs[a]
        model.fit(x, y, batch_size=args.batch_size, epochs=1, verbose=0, shuffle=False, callbacks=callbacks)
    for _ in range(args.epochs):
        for a in approaches:
            model, callbacks = runs[a]
            t0 = time.perf_counter()
            model.fit(x, y, batch_size=args.batch_size, epochs=1, verbose=0, shuffle=False, callbacks=callbacks)
            times[a].append(time.perf_counter() - t0)

    # sanity: masked weights really are zero in both masked approaches
    sparse_model = runs["SparseDense"][0]
    layer = sparse_model.get_layer("junction1")
    assert np.all(keras.ops.convert_to_numpy(layer.kernel)[~layer.pattern.to_mask()] == 0)

    med = {a: float(np.median(t)) for a, t in times.items()}
    steps = -(-len(x) // args.batch_size)
    print(f"# bench_layer: MNIST MLP {CONFIG} fo {FO} clash-free, {len(x):,} samples, batch {args.batch_size} "
          f"({steps} steps/epoch), {args.epochs} timed epochs each (median), interleaved")
    print(machine_info(("numpy", "keras", "tensorflow", "predefsparse")))
    print(f"| {'approach':<17} | {'s / epoch':>9} | {'ms / step':>9} | {'vs Dense':>8} | {'epochs (s)':<34} |")
    print(f"|{'-' * 19}|{'-' * 11}|{'-' * 11}|{'-' * 10}|{'-' * 36}|")
    for a in approaches:
        runs_s = ", ".join(f"{t:.2f}" for t in times[a])
        print(f"| {a:<17} | {med[a]:>9.2f} | {1000 * med[a] / steps:>9.2f} | {med[a] / med['Dense']:>7.2f}x "
              f"| {runs_s:<34} |")
    r_dense = med["SparseDense"] / med["Dense"]
    r_cb = med["Dense + callback"] / med["SparseDense"]
    ok1, ok2 = r_dense <= 1.3, r_cb >= 2.0
    print(f"target SparseDense <= 1.3x Dense: {r_dense:.2f}x {'PASS' if ok1 else 'FAIL'}")
    print(f"target callback >= 2x SparseDense: {r_cb:.2f}x {'PASS' if ok2 else 'FAIL'}")
    return 0 if ok1 and ok2 else 1


if __name__ == "__main__":
    sys.exit(main())
