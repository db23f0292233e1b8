"""Accuracy as the chip computes it: trained weights on the build's fixed-point arithmetic, and on-chip training.

- :func:`hardware_accuracy`: the trained Keras weights, quantised to the build's word widths, run through
  :func:`hwsim.infer` (fixed point) on the test split with the planned patterns and z.  The hidden activation is
  the one the network was trained with; hwsim has sigmoid and ReLU, so a network trained with any other hidden
  activation gets no hardware accuracy (``None``, with the reason in ``hardware_note``).  The output activation
  only has to preserve the order of the outputs (softmax, sigmoid, linear): the prediction is the output with
  the largest pre-activation, which is the class softmax picks.
- :func:`onchip_training`: the build's own training, :func:`hwsim.train` in fixed point (batch-1 SGD through the
  pipelined schedule, the build's RMW policy, so hazards lose partial sums as on the chip), on the same training
  data, with the test accuracy after every epoch.
"""
from __future__ import annotations

import dataclasses
import sys
import time
from typing import Any, Callable

import numpy as np

import hwsim

__all__ = ["test_split", "train_split", "hardware_accuracy", "onchip_training", "HIDDEN_ACTIVATIONS"]

#: Hidden activations the simulator computes (:data:`hwsim.ACTIVATIONS`).
HIDDEN_ACTIVATIONS = tuple(hwsim.ACTIVATIONS)
#: Output activations whose arg-max is the arg-max of the pre-activations (the hardware's prediction).
_ORDER_PRESERVING = ("softmax", "sigmoid", "linear", "relu")


def _split(dataset, data_dir, config, keys) -> dict[str, Any]:
    from .. import datasets
    arrays = dict(zip(datasets.KEYS, datasets.load(dataset, data_dir=data_dir)))
    xs = [arrays[k] for k in keys[0]]
    ys = [arrays[k] for k in keys[1]]
    x = np.concatenate(xs) if len(xs) > 1 else xs[0]
    y = np.concatenate(ys) if len(ys) > 1 else ys[0]
    labels = np.argmax(y, axis=1).astype(np.int32)
    note = None
    if x.ndim != 2:
        note = f"the dataset's samples are not flat vectors (shape {x.shape[1:]})"
    elif x.size and (not np.isfinite(x).all() or x.min() < 0.0 or x.max() > 1.0):
        note = (f"the dataset's inputs lie in [{float(x.min()):g}, {float(x.max()):g}], outside [0, 1]: the chip's "
                f"input layer holds unsigned fractions")
    if note is None and x.shape[1] < config[0]:
        x = np.pad(x, ((0, 0), (0, config[0] - x.shape[1])))
    return {"x": x, "labels": labels, "classes": int(y.shape[1]), "note": note}


def test_split(dataset, data_dir, config) -> dict[str, Any]:
    """The test split as the chip sees it: inputs padded with zeros to ``config[0]``, integer labels, the number
    of classes, and ``note``: why the chip cannot take these inputs (None when it can)."""
    return _split(dataset, data_dir, config, (("xte",), ("yte",)))


def train_split(dataset, data_dir, config) -> dict[str, Any]:
    """Training and validation splits together (the data every Keras run trains on, ``valtest=1``), as
    :func:`test_split`."""
    return _split(dataset, data_dir, config, (("xtr", "xva"), ("ytr", "yva")))


def _activation_name(fn: Any) -> str:
    import keras
    try:
        name = keras.activations.serialize(fn)
    except Exception:  # a custom callable
        name = getattr(fn, "__name__", repr(fn))
    return name if isinstance(name, str) else str(getattr(fn, "__name__", name))


def activations_of(model: Any) -> tuple[list[str], str]:
    """(hidden activations, output activation) of a model's sparse layers, by name."""
    layers = [layer for layer in model.layers if hasattr(layer, "pattern")]
    names = [_activation_name(layer.activation) for layer in layers]
    return names[:-1], names[-1]


def hardware_accuracy(model: Any, netspec, patterns: list, hardware: hwsim.HardwareConfig,
                      split: dict[str, Any]) -> dict[str, Any]:
    """``{"hardware_accuracy": float or None, "hardware_note": str or None}`` of a trained model.

    The model's edge weights (:meth:`predefsparse.SparseDense.edge_values`, in the patterns' edge order) and
    biases run through :func:`hwsim.infer` with ``numerics="fixed"`` and ``hardware`` (its word widths, with
    the model's hidden activation) on ``split`` (:func:`test_split`).
    """
    hidden, output = activations_of(model)
    kinds = sorted(set(hidden))
    if split["note"] is not None:
        return {"hardware_accuracy": None, "hardware_note": f"not simulated: {split['note']}"}
    if len(kinds) > 1 or (kinds and kinds[0] not in HIDDEN_ACTIVATIONS):
        return {"hardware_accuracy": None, "hardware_note": f"not simulated: hidden activation {', '.join(kinds)}; "
                f"the simulator computes {' or '.join(HIDDEN_ACTIVATIONS)} only"}
    if output not in _ORDER_PRESERVING:
        return {"hardware_accuracy": None, "hardware_note": f"not simulated: output activation {output} may reorder "
                f"the outputs; the hardware predicts the largest pre-activation"}
    hw = dataclasses.replace(hardware, activation=kinds[0] if kinds else hardware.activation)
    layers = [layer for layer in model.layers if hasattr(layer, "pattern")]
    weights = [(np.asarray(layer.edge_values(), dtype=np.float64),
                np.asarray(layer.bias.numpy() if layer.bias is not None else np.zeros(layer.units), dtype=np.float64))
               for layer in layers]
    res = hwsim.infer(netspec, patterns, hw, split["x"], weights=weights, numerics="fixed", y=split["labels"])
    return {"hardware_accuracy": float(res.accuracy), "hardware_note": None}


def _progress_printer(label: str, verbose: Any, every_s: float = 10.0) -> Callable[[int, int], None] | None:
    if verbose == 0:
        return None
    state = {"t": time.perf_counter()}

    def show(done: int, total: int) -> None:
        now = time.perf_counter()
        if now - state["t"] >= every_s or done == total:
            state["t"] = now
            print(f"    {label}: {done:,}/{total:,} inputs", flush=True, file=sys.stdout)
    return show


def onchip_training(netspec, patterns: list, hardware: hwsim.HardwareConfig, train: dict[str, Any],
                    test: dict[str, Any], *, epochs: int, seed: int, label: str = "on-chip",
                    verbose: Any = "auto") -> dict[str, Any]:
    """Train on the chip's own arithmetic: ``epochs`` passes of :func:`hwsim.train` (fixed point, batch-1 SGD,
    pipelined, ``hardware.rmw``) from :func:`hwsim.initial_weights` drawn with ``seed``, each followed by a
    fixed-point :func:`hwsim.infer` of the test split.

    Each epoch is one call of :func:`hwsim.train` continuing from the last one's weights (the pipeline drains
    between epochs, a few junction cycles per epoch).

    Returns
    -------
    dict
        ``onchip_accuracy`` (test accuracy after the last epoch), ``onchip_curve`` (per epoch: ``epoch``,
        ``test_accuracy``, ``train_accuracy`` (the on-chip predictions made while training), ``stale_reads``,
        ``wall_s``), ``onchip_stale_reads`` (delta reads that lost a partial sum, summed over epochs) and
        ``hardware_note`` (why it was not run, or None).
    """
    if train["note"] is not None:
        return {"onchip_accuracy": None, "onchip_curve": None, "onchip_stale_reads": None,
                "onchip_note": f"not run: {train['note']}"}
    weights = hwsim.initial_weights(patterns, seed=seed)
    curve, stale = [], 0
    for epoch in range(1, epochs + 1):
        t0 = time.perf_counter()
        res = hwsim.train(netspec, patterns, hardware, (train["x"], train["labels"]), epochs=1, numerics="fixed",
                          weights=weights, progress=_progress_printer(f"{label} epoch {epoch}/{epochs}", verbose)
                          or False)
        weights = res.weights
        test_acc = hwsim.infer(netspec, patterns, hardware, test["x"], weights=weights, numerics="fixed",
                               y=test["labels"]).accuracy
        stale += int(sum(res.rmw_stale_reads))
        curve.append({"epoch": epoch, "test_accuracy": float(test_acc), "train_accuracy": float(res.accuracy),
                      "stale_reads": int(sum(res.rmw_stale_reads)), "wall_s": time.perf_counter() - t0})
    return {"onchip_accuracy": curve[-1]["test_accuracy"], "onchip_curve": curve, "onchip_stale_reads": stale,
            "onchip_note": None}
