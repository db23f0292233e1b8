"""The training driver: :func:`sim_net` (build an MLP and train it) and :func:`run_model` (train any model).

Semantics of the original ``sim_net`` / ``run_model`` (training.md §1) with its bugs fixed:

- ``valtest`` 0: train on train, validate on val every epoch, record the best epoch; 1 (final run): train on
  train+val, evaluate once on test; 2: train on train, evaluate once on test.
- ``epoch_step``: a checkpoint every k epochs *and* after the last one (the original dropped the remainder).
- ``input_pad`` / ``output_pad``: x is zero-padded to the model's input width, y to its OUTPUT width.
- ``preds_compare``: 0 nothing; 1 save the predictions; a path: also load "standard" predictions and record
  the mean KL(standard || this run), with probabilities clipped to [1e-7, 1] and renormalised (KL is
  unbounded, not "between 0 and 1").
- Results are a folder: ``model.keras``, ``records.json`` (no pickle), ``patterns/*.npz`` (the connection
  patterns, so the run can be reproduced and deployed) and ``preds.npz``.
- Checkpoints (model with optimizer state + records) are written atomically; ``resume=True`` continues an
  interrupted run from its last checkpoint without losing anything recorded.

Randomness: the data order of epoch e is ``numpy.random.default_rng([seed, e]).permutation``, so a resumed run
sees the same batches as an uninterrupted one; model seeds are set by the builders.  No global seed is set.
"""
from __future__ import annotations

import glob
import json
import math
import os
import platform
import shutil
import time
from typing import Any, Callable, Sequence

import keras
import numpy as np

import adjmat
from adjmat._validation import SpecError, check_bool, check_choice, check_float, check_int, fail, \
    normalize_seed
from adjmat.pattern import atomic_write

from .layers import SparseDense

__all__ = ["sim_net", "run_model", "default_optimizer", "kl_divergence", "results_name", "RECORDS_FORMAT"]

RECORDS_FORMAT = "predefsparse.records/1"
KL_CLIP = 1e-7
_RECORDS = "records.json"
_MODEL = "model.keras"
_PREDS = "preds.npz"


# ---------------------------------------------------------------------------------------------- helpers
def default_optimizer(lr: float = 1e-3, decay: float = 1e-5) -> keras.optimizers.Optimizer:
    """Adam as the original: ``lr / (1 + decay * iterations)`` -- Keras 2's ``decay`` as an
    ``InverseTimeDecay`` schedule stepped per batch.

    Examples
    --------
    >>> opt = default_optimizer()
    >>> round(float(opt.learning_rate), 6)
    0.001
    """
    if decay:
        schedule = keras.optimizers.schedules.InverseTimeDecay(lr, decay_steps=1, decay_rate=decay)
        return keras.optimizers.Adam(learning_rate=schedule)
    return keras.optimizers.Adam(learning_rate=lr)


def kl_divergence(standard: np.ndarray, other: np.ndarray, clip: float = KL_CLIP) -> float:
    """Mean over samples of KL(standard || other), in nats.

    Both are clipped to ``[clip, 1]`` and renormalised per row first, so a zero probability gives a large but
    finite value.  KL is unbounded above (the original called it "between 0 and 1": it is not).

    Examples
    --------
    >>> p = np.array([[0.5, 0.5], [1.0, 0.0]])
    >>> round(kl_divergence(p, p), 12)
    0.0
    >>> kl_divergence(p, np.array([[0.9, 0.1], [0.0, 1.0]])) > 1
    True
    """
    p = np.clip(np.asarray(standard, dtype=np.float64), clip, 1.0)
    q = np.clip(np.asarray(other, dtype=np.float64), clip, 1.0)
    p /= p.sum(axis=1, keepdims=True)
    q /= q.sum(axis=1, keepdims=True)
    return float(np.mean(np.sum(p * np.log(p / q), axis=1)))


def _fmt(values) -> str:
    return "-".join(str(v) for v in values)


def results_name(config: Sequence[int] | None, fo: Sequence[int] | None = None, l2: float | None = None,
                 kind: str | None = None, z: Sequence[int] | None = None, seed: int | None = None,
                 densities: Sequence[float] | None = None) -> str:
    """The default results folder name of a run, e.g. ``net800-100-10_fo50-10_l28e-05_clash_free_seed0``.

    Examples
    --------
    >>> results_name((800, 100, 10), (50, 10), 8e-5, "clash_free", seed=0)
    'net800-100-10_fo50-10_l28e-05_clash_free_seed0'
    """
    parts = [f"net{_fmt(config)}"] if config else ["model"]
    if fo:
        parts.append(f"fo{_fmt(fo)}")
    if densities:
        parts.append("d" + "-".join(f"{d:g}" for d in densities))
    if l2 is not None:
        parts.append(f"l2{l2:g}")
    if kind:
        parts.append(str(kind))
    if z:
        parts.append(f"z{_fmt(z)}")
    if seed is not None:
        parts.append(f"seed{seed}")
    return "_".join(parts)


def _versions() -> dict[str, str]:
    import predefsparse
    out = {"python": platform.python_version(), "numpy": np.__version__, "keras": keras.__version__,
           "backend": keras.backend.backend(), "predefsparse": predefsparse.__version__,
           "adjmat": adjmat.__version__, "platform": platform.platform()}
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf
        out["tensorflow"] = tf.__version__
    return out


def _sparse_layers(model) -> list[SparseDense]:
    return [layer for layer in model._flatten_layers(include_self=False) if isinstance(layer, SparseDense)]


def _write_json(path: str, obj: Any) -> None:
    text = json.dumps(obj, indent=1, sort_keys=False, allow_nan=True) + "\n"
    atomic_write(path, lambda f: f.write(text.encode("utf-8")))


def _save_model(model, path: str) -> None:
    """``model.save`` to a temp ``.keras`` beside ``path``, then an atomic rename."""
    folder = os.path.dirname(os.path.abspath(path))
    tmp = os.path.join(folder, f".tmp-{os.getpid()}-{os.path.basename(path)}")
    try:
        model.save(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _pad(where: str, param: str, a: np.ndarray, width: int | None) -> np.ndarray:
    """Zero-pad the last axis of a 2-D array to ``width`` (never truncates)."""
    if width is None or a.shape[-1] == width:
        return a
    if a.ndim != 2:
        raise fail(where, param, f"None for data of shape {a.shape[1:]} (only 2-D x / y can be padded)", width)
    if a.shape[-1] > width:
        raise fail(where, param, f"at least the data width {a.shape[-1]}", width,
                   "Padding never truncates; build the model for the data width.")
    out = np.zeros((a.shape[0], width), dtype=a.dtype)
    out[:, :a.shape[-1]] = a
    return out


class _EpochBatches(keras.utils.PyDataset):
    """Mini-batches in a seeded order per epoch: epoch e uses ``default_rng([seed, e]).permutation(N)``."""

    def __init__(self, x, y, batch_size: int, seed: int, first_epoch: int):
        super().__init__(workers=1, use_multiprocessing=False)
        self.x, self.y, self.batch_size, self.seed = x, y, batch_size, seed
        self.epoch = first_epoch
        self._order = np.random.default_rng([seed, first_epoch]).permutation(len(x))

    def __len__(self):
        return math.ceil(len(self.x) / self.batch_size)

    def __getitem__(self, i):
        idx = np.sort(self._order[i * self.batch_size:(i + 1) * self.batch_size])
        return self.x[idx], self.y[idx]

    def on_epoch_end(self):
        self.epoch += 1
        self._order = np.random.default_rng([self.seed, self.epoch]).permutation(len(self.x))


class _Checkpointer(keras.callbacks.Callback):
    """Record each epoch's metrics; every ``epoch_step`` epochs and after the last, write a checkpoint."""

    def __init__(self, folder: str, records: dict, epochs: int, epoch_step: int, started: float):
        super().__init__()
        self.folder, self.records, self.epochs, self.epoch_step = folder, records, epochs, epoch_step
        self.started = started

    def on_epoch_end(self, epoch, logs=None):
        history = self.records["history"]
        for key, value in (logs or {}).items():
            if key == "learning_rate":
                continue
            history.setdefault(key, []).append(float(value))
        done = epoch + 1
        self.records["epochs_done"] = done
        if done % self.epoch_step == 0 or done == self.epochs:
            _checkpoint(self.folder, self.model, self.records, self.started)


def _checkpoint(folder: str, model, records: dict, started: float) -> None:
    """Model + optimizer state, then the records pointing at it; older checkpoints removed last."""
    name = f"checkpoint-e{records['epochs_done']:04d}.keras"
    _save_model(model, os.path.join(folder, name))
    records["checkpoint"] = name
    records["wall_time_s"] = records.get("wall_time_before_s", 0.0) + (time.perf_counter() - started)
    _write_json(os.path.join(folder, _RECORDS), records)
    for old in glob.glob(os.path.join(folder, "checkpoint-e*.keras")):
        if os.path.basename(old) != name:
            os.unlink(old)


def _load_dataset(where: str, dataset: Any, data_dir) -> tuple[tuple[np.ndarray, ...], str]:
    from . import datasets
    if isinstance(dataset, (str, os.PathLike)):
        return datasets.load(dataset, data_dir=data_dir), os.fspath(dataset)
    if isinstance(dataset, (tuple, list)) and len(dataset) == 6:
        arrays = tuple(np.asarray(a) for a in dataset)
        datasets.validate(*arrays)
        return arrays, "arrays"
    raise fail(where, "dataset", "a dataset name, a .npz path or the six arrays (xtr, ytr, xva, yva, xte, yte)",
               type(dataset).__name__)


def _resolve_preprocesses(where: str, preprocesses, ytr) -> list[tuple[str, Callable]]:
    from . import preprocess
    if preprocesses is None:
        return []
    if callable(preprocesses) or isinstance(preprocesses, str):
        preprocesses = [preprocesses]
    out = []
    for item in preprocesses:
        if isinstance(item, str):
            out.append((item, preprocess.get(item, ytr=ytr)))
        elif callable(item):
            out.append((getattr(item, "__name__", repr(item)), item))
        else:
            raise fail(where, "preprocesses", "names (e.g. 'minmax', 'pca200') or functions "
                       "(xtr, xva, xte) -> (xtr, xva, xte)", item)
    return out


def _net_facts(model) -> dict[str, Any]:
    """config / fo / z / kind / densities / weights read off the model's SparseDense layers."""
    layers = _sparse_layers(model)
    pats = [layer.pattern for layer in layers]
    facts: dict[str, Any] = {"junctions": [
        {"layer": layer.name, "p": pat.p, "n": pat.n, "W": pat.W, "density": pat.density, "fo": pat.fo,
         "fi": pat.fi, "kind": pat.kind, "seed": pat.seed, "z": pat.z, "meta": dict(pat.meta)}
        for layer, pat in zip(layers, pats)]}
    chain = all(a.n == b.p for a, b in zip(pats, pats[1:]))
    facts["config"] = [pats[0].p] + [pat.n for pat in pats] if pats and chain else None
    facts["fo"] = [pat.fo for pat in pats] if pats else None
    facts["z"] = [pat.z for pat in pats] if pats and any(pat.z for pat in pats) else None
    kinds = sorted({pat.kind for pat in pats})
    facts["kind"] = kinds[0] if len(kinds) == 1 else (kinds or None)
    facts["densities"] = [pat.density for pat in pats]
    facts["weights"] = int(sum(pat.W for pat in pats))
    total = sum(pat.p * pat.n for pat in pats)
    facts["overall_density"] = facts["weights"] / total if total else None
    masked_out = sum(pat.p * pat.n - pat.W for pat in pats)
    facts["trainable_parameters"] = int(sum(int(np.prod(v.shape)) for v in model.trainable_weights) - masked_out)
    return facts


# ---------------------------------------------------------------------------------------------- driver
def run_model(model: keras.Model, dataset: Any = "mnist", *, valtest: int = 1, batch_size: int = 256,
              epochs: int = 50, epoch_step: int = 1, optimizer: Any = None,
              loss: Any = "categorical_crossentropy", metrics: Sequence[Any] = ("accuracy",),
              preds_compare: Any = 0, input_pad: int | None = None, output_pad: int | None = None,
              preprocesses: Any = (), seed: Any = 0, out: str | os.PathLike | None = None,
              resume: bool = False, overwrite: bool = False, verbose: Any = "auto",
              data_dir: str | os.PathLike | None = None, callbacks: Sequence[Any] = (),
              extra_records: dict | None = None, steps_per_execution: int = 32) -> tuple[dict, keras.Model]:
    """Train ``model`` on a dataset with the semantics of the original ``run_model`` and write a results folder.

    Parameters
    ----------
    model : keras.Model
        The network (e.g. from :func:`predefsparse.models.mlp`).  Compiled here with ``optimizer``, ``loss`` and
        ``metrics`` unless ``optimizer`` is None and the model is already compiled.
    dataset : str, path or tuple
        A dataset name (``"mnist"``), a six-key ``.npz`` path (both via :func:`predefsparse.datasets.load`) or
        the six arrays ``(xtr, ytr, xva, yva, xte, yte)``.
    valtest : {0, 1, 2}
        0: train on train, validate every epoch, record the best epoch; 1: train on train+val, test once;
        2: train on train, test once.
    batch_size, epochs : int
        Mini-batch size and total epochs (the original's ``total_epochs``).
    epoch_step : int
        Checkpoint every ``epoch_step`` epochs and after the last epoch.
    optimizer : keras optimizer, optional
        Default :func:`default_optimizer` (Adam 1e-3 with the original's decay 1e-5 per step).
    loss, metrics
        As ``model.compile``.
    preds_compare : 0, 1 or path
        0: nothing; 1: save predictions to ``preds.npz``; a path (a ``preds.npz`` or a results folder holding
        one): also record the mean KL(standard || this run) as ``records["kl"]``.  Predictions are of the test
        split (valtest 1, 2) or the validation split (valtest 0); the KL uses the dataset's real classes.
    input_pad, output_pad : int, optional
        Zero-pad x / y (2-D only) to this width; by default to the model's input / output width when the data
        is narrower and the model's input / output is flat.  y is padded to the OUTPUT width (the original used
        the input width).  Images or sequences are not reshaped: do that in a preprocess function.
    preprocesses : sequence of str or callables
        Normalisers ``(xtr, xva, xte) -> (xtr, xva, xte)`` applied in order with statistics from train only;
        names go through :func:`predefsparse.preprocess.get`.
    seed : None or int
        Seed of the per-epoch data order (recorded; None draws one).
    out : path, optional
        Results folder; default ``results/<results_name(...)>`` in the working directory.
    resume : bool
        Continue the run in ``out`` from its last checkpoint (the ``model`` argument is then replaced by the
        checkpoint's model and optimizer state); a finished run is returned as is; no run there: start fresh.
    overwrite : bool
        Replace an existing run in ``out`` (otherwise refused).
    verbose : "auto", 0, 1 or 2
        Keras progress display.
    data_dir : path, optional
        Data folder for dataset names.
    callbacks : sequence of keras callbacks
        Extra callbacks for ``fit`` (run after the checkpointer, so a callback that stops the run in epoch k
        finds epoch k's checkpoint already written when k is a checkpoint epoch).
    extra_records : dict, optional
        Facts added to the records (``sim_net`` stores its arguments here).
    steps_per_execution : int
        Training steps per compiled call when ``run_model`` compiles the model (default 32).  The mask lives
        inside the graph, so nothing has to run on the host between batches: several steps per call cut the
        per-step dispatch cost (bench/bench_layer.py measures it).  The arithmetic is the same; Keras
        callbacks' batch hooks then fire once per call.  Use 1 to mimic a per-batch loop.

    Returns
    -------
    records : dict
        Also in ``records.json``: settings, per-epoch ``history``, ``best`` (valtest 0) or ``test`` metrics,
        ``kl``, the patterns' facts, ``weights``, ``wall_time_s``, ``versions``.
    model : keras.Model
        The trained model.

    Examples
    --------
    >>> import numpy as np, tempfile
    >>> from predefsparse import models
    >>> rng = np.random.default_rng(0)
    >>> x = rng.random((64, 6), dtype=np.float32); y = np.eye(2, dtype=np.float32)[rng.integers(0, 2, 64)]
    >>> data = (x[:32], y[:32], x[32:48], y[32:48], x[48:], y[48:])
    >>> net = models.mlp((8, 4, 2), fo=(2, 2), kind="usn", seed=0)
    >>> records, net = run_model(net, data, epochs=2, batch_size=16, verbose=0, out=tempfile.mkdtemp())
    >>> records["epochs_done"], sorted(records["test"])
    (2, ['accuracy', 'loss'])
    """
    where = "run_model"
    if not isinstance(model, keras.Model):
        raise fail(where, "model", "a keras.Model", type(model).__name__)
    valtest = check_choice(where, "valtest", valtest, (0, 1, 2))
    batch_size = check_int(where, "batch_size", batch_size, minimum=1)
    steps_per_execution = check_int(where, "steps_per_execution", steps_per_execution, minimum=1)
    epochs = check_int(where, "epochs", epochs, minimum=1)
    epoch_step = check_int(where, "epoch_step", epoch_step, minimum=1)
    input_pad = check_int(where, "input_pad", input_pad, minimum=1, allow_none=True)
    output_pad = check_int(where, "output_pad", output_pad, minimum=1, allow_none=True)
    resume = check_bool(where, "resume", resume)
    overwrite = check_bool(where, "overwrite", overwrite)
    if resume and overwrite:
        raise SpecError(f"{where}: resume and overwrite exclude each other; received resume=True, overwrite=True.")
    if verbose not in ("auto", 0, 1, 2):
        raise fail(where, "verbose", "'auto', 0, 1 or 2", verbose)
    compare_path = None
    if isinstance(preds_compare, (str, os.PathLike)):
        compare_path = os.fspath(preds_compare)
        if os.path.isdir(compare_path):
            compare_path = os.path.join(compare_path, _PREDS)
        if not os.path.isfile(compare_path):
            raise FileNotFoundError(f"{where}: preds_compare: no predictions file {compare_path!r}; run the "
                                    f"standard (fully connected) model first with preds_compare=1.")
    elif preds_compare not in (0, 1) or isinstance(preds_compare, bool):
        raise fail(where, "preds_compare", "0, 1 or the path of saved standard predictions", preds_compare)
    if isinstance(seed, (np.random.Generator, np.random.SeedSequence)):
        raise fail(where, "seed", "None or a non-negative int (the seed is recorded)", type(seed).__name__)
    _, seed = normalize_seed(where, seed)
    facts = _net_facts(model)
    extra = dict(extra_records or {})
    folder = os.fspath(out) if out is not None else os.path.join("results", results_name(
        extra.get("config", facts["config"]), extra.get("fo", facts["fo"]), extra.get("l2"),
        extra.get("kind", facts["kind"]), extra.get("z"), seed, extra.get("densities")))

    # ---- data
    (xtr, ytr, xva, yva, xte, yte), data_name = _load_dataset(where, dataset, data_dir)
    classes = int(ytr.shape[1])
    steps = _resolve_preprocesses(where, preprocesses, ytr)
    for _, fn in steps:
        xtr, xva, xte = fn(xtr, xva, xte)
    # auto-padding only for flat (2-D) inputs / outputs of single-input, single-output models
    in_shape, out_shape = model.input_shape, model.output_shape
    in_width = in_shape[-1] if isinstance(in_shape, tuple) and len(in_shape) == 2 else None
    out_width = out_shape[-1] if isinstance(out_shape, tuple) and len(out_shape) == 2 else None
    x_pad = input_pad if input_pad is not None else (in_width if xtr.ndim == 2 and in_width else None)
    y_pad = output_pad if output_pad is not None else out_width
    xtr, xva, xte = (_pad(where, "input_pad", a, x_pad) for a in (xtr, xva, xte))
    ytr, yva, yte = (_pad(where, "output_pad", a, y_pad) for a in (ytr, yva, yte))
    if valtest == 1:
        xfit, yfit = np.concatenate([xtr, xva]), np.concatenate([ytr, yva])
    else:
        xfit, yfit = xtr, ytr
    xeval, yeval, eval_split = (xva, yva, "val") if valtest == 0 else (xte, yte, "test")

    settings = {"dataset": data_name, "valtest": valtest, "batch_size": batch_size, "epochs": epochs,
                "epoch_step": epoch_step, "steps_per_execution": steps_per_execution, "seed": seed,
                "input_pad": x_pad, "output_pad": y_pad,
                "preprocesses": [name for name, _ in steps],
                "preds_compare": compare_path if compare_path else preds_compare}

    # ---- results folder: fresh, resumed or refused
    records_path = os.path.join(folder, _RECORDS)
    previous = None
    if os.path.exists(records_path):
        if overwrite:
            _clear_run(folder)
        elif not resume:
            raise SpecError(f"{where}: results folder {folder!r} already holds a run; pass resume=True to continue "
                            f"it, overwrite=True to replace it, or choose another out=.")
        else:
            with open(records_path, encoding="utf-8") as f:
                previous = json.load(f)
            differ = {k: (previous.get("settings", {}).get(k), v) for k, v in settings.items()
                      if previous.get("settings", {}).get(k) != v}
            if differ:
                raise SpecError(f"{where}: cannot resume {folder!r}: settings differ from the saved run "
                                + ", ".join(f"{k}: saved {a!r}, now {b!r}" for k, (a, b) in differ.items()) + ".")
    os.makedirs(folder, exist_ok=True)
    started = time.perf_counter()
    if previous is not None and previous.get("status") == "done":
        return previous, keras.models.load_model(os.path.join(folder, _MODEL))
    if previous is not None and previous.get("checkpoint"):
        records = previous
        records["wall_time_before_s"] = records.get("wall_time_s", 0.0)
        records["resumed"] = records.get("resumed", 0) + 1
        model = keras.models.load_model(os.path.join(folder, records["checkpoint"]))
        start_epoch = records["epochs_done"]
        for key in records["history"]:
            records["history"][key] = records["history"][key][:start_epoch]
    else:
        if optimizer is not None or getattr(model, "optimizer", None) is None:
            model.compile(optimizer=optimizer if optimizer is not None else default_optimizer(), loss=loss,
                          metrics=list(metrics), steps_per_execution=steps_per_execution)
        records = {"format": RECORDS_FORMAT, "status": "running", **facts, "seed": seed, **extra,
                   "settings": settings,
                   "optimizer": keras.saving.serialize_keras_object(model.optimizer),
                   "model_name": model.name,
                   "samples": {"fit": int(len(xfit)), "eval": int(len(xeval)), "eval_split": eval_split},
                   "history": {}, "epochs_done": 0, "checkpoint": None,
                   "wall_time_s": 0.0, "versions": _versions()}
        start_epoch = 0
        for i, layer in enumerate(_sparse_layers(model)):
            layer.pattern.save(os.path.join(folder, "patterns", f"{i + 1}_{layer.name}.npz"))
        records["patterns"] = sorted(os.listdir(os.path.join(folder, "patterns"))) if facts["junctions"] else []
        _write_json(records_path, records)

    # ---- train
    if start_epoch < epochs:
        batches = _EpochBatches(xfit, yfit, batch_size, seed, start_epoch)
        callback = _Checkpointer(folder, records, epochs, epoch_step, started)
        # shuffle=False: the order is ours (seeded per epoch); Keras would reshuffle the batches of a PyDataset
        # with Python's global `random`, which made runs irreproducible
        model.fit(batches, epochs=epochs, initial_epoch=start_epoch, verbose=verbose, shuffle=False,
                  callbacks=[callback, *callbacks],
                  validation_data=(xeval, yeval) if valtest == 0 else None)

    # ---- evaluate once, predictions, KL
    if valtest == 0:
        hist = records["history"]
        key, better = ("val_accuracy", np.argmax) if "val_accuracy" in hist else ("val_loss", np.argmin)
        best = int(better(hist[key]))
        records["best"] = {"epoch": best + 1, **{k: v[best] for k, v in hist.items() if k.startswith("val_")}}
    else:
        values = model.evaluate(xte, yte, batch_size=batch_size, verbose=0, return_dict=True)
        records["test"] = {k: float(v) for k, v in values.items()}
    if preds_compare:
        preds = np.asarray(model.predict(xeval, batch_size=batch_size, verbose=0), dtype=np.float32)
        atomic_write(os.path.join(folder, _PREDS), lambda f: np.savez_compressed(f, preds=preds))
        records["preds"] = {"file": _PREDS, "split": eval_split}
        if compare_path:
            with np.load(compare_path, allow_pickle=False) as data:
                standard = data["preds"]
            if standard.shape[0] != preds.shape[0] or min(standard.shape[1], preds.shape[1]) < classes:
                raise SpecError(f"{where}: preds_compare: standard predictions of shape {standard.shape} do not "
                                f"match this run's {preds.shape} ({classes} classes).")
            records["kl"] = kl_divergence(standard[:, :classes], preds[:, :classes])
            records["kl_clip"] = KL_CLIP
    _save_model(model, os.path.join(folder, _MODEL))
    records["status"] = "done"
    records["wall_time_s"] = records.get("wall_time_before_s", 0.0) + (time.perf_counter() - started)
    records.pop("wall_time_before_s", None)
    records["checkpoint"] = None
    _write_json(records_path, records)
    for old in glob.glob(os.path.join(folder, "checkpoint-e*.keras")):
        os.unlink(old)
    return records, model


def _clear_run(folder: str) -> None:
    """Remove the files a run writes (and nothing else) from ``folder``."""
    for name in (_RECORDS, _MODEL, _PREDS):
        path = os.path.join(folder, name)
        if os.path.exists(path):
            os.unlink(path)
    for path in glob.glob(os.path.join(folder, "checkpoint-e*.keras")):
        os.unlink(path)
    if os.path.isdir(os.path.join(folder, "patterns")):
        shutil.rmtree(os.path.join(folder, "patterns"))


def sim_net(config: Sequence[int] = (800, 100, 10), fo: Sequence[int] | None = (50, 10), l2_val: float = 8e-5,
            z: Sequence[int] | None = None, dataset: Any = "mnist", preds_compare: Any = 0,
            kind: str = "clash_free", seed: Any = 0, epochs: int = 50, batch_size: int = 256, *,
            densities: Sequence[float] | None = None, valtest: int = 1, epoch_step: int = 1, lr: float = 1e-3,
            decay: float = 1e-5, preprocesses: Any = (), input_pad: int | None = None,
            output_pad: int | None = None, out: str | os.PathLike | None = None, resume: bool = False,
            overwrite: bool = False, verbose: Any = "auto", data_dir: str | os.PathLike | None = None,
            steps_per_execution: int = 32, **options) -> tuple[dict, keras.Model]:
    """Build a sparse MLP (:func:`predefsparse.models.mlp`) and train it with the original's settings.

    ReLU hidden layers, softmax output, He-normal kernels from real degrees, biases 0.1, L2 ``l2_val`` on the
    kernels, Adam (``lr`` 1e-3, ``decay`` 1e-5 per step), batch 256, 50 epochs, final-run mode (train+val,
    test once), input padded to ``config[0]`` and labels to ``config[-1]``.

    Parameters
    ----------
    config, fo, densities, kind, z, **options
        The network and its patterns (see :func:`predefsparse.models.patterns`); ``kind="fc"`` needs no fo.
    l2_val : float
        L2 factor (0 for none).
    dataset, preds_compare, valtest, epoch_step, preprocesses, input_pad, output_pad, out, resume, overwrite, \
verbose, data_dir, steps_per_execution
        As :func:`run_model`.
    seed : int or None
        One seed for the patterns, the initial weights and the data order (None draws one; it is recorded).
    epochs, batch_size : int
    lr, decay : float
        Adam learning rate and the original's inverse-time decay per step.

    Returns
    -------
    (records, model)

    Examples
    --------
    >>> import numpy as np, tempfile
    >>> rng = np.random.default_rng(0)
    >>> x = rng.random((64, 6), dtype=np.float32); y = np.eye(2, dtype=np.float32)[rng.integers(0, 2, 64)]
    >>> data = (x[:32], y[:32], x[32:48], y[32:48], x[48:], y[48:])
    >>> records, model = sim_net((8, 4, 2), fo=(2, 2), kind="usn", dataset=data, epochs=1, batch_size=16,
    ...                          verbose=0, out=tempfile.mkdtemp())
    >>> records["config"], records["weights"], records["settings"]["input_pad"]
    ([8, 4, 2], 24, 8)
    """
    from . import models
    where = "sim_net"
    l2_val = check_float(where, "l2_val", l2_val, low=0.0)
    lr = check_float(where, "lr", lr, low=0.0, low_open=True)
    decay = check_float(where, "decay", decay, low=0.0)
    if isinstance(seed, (np.random.Generator, np.random.SeedSequence)):
        raise fail(where, "seed", "None or a non-negative int (the seed is recorded)", type(seed).__name__)
    _, seed = normalize_seed(where, seed)
    model = models.mlp(config, fo=fo, densities=densities, kind=kind, z=z, l2=l2_val or None, seed=seed,
                       **options)
    facts = _net_facts(model)
    extra = {"l2": l2_val, "lr": lr, "decay": decay,
             "requested": {"config": list(facts["config"]), "fo": None if fo is None else list(fo),
                           "densities": None if densities is None else list(densities),
                           "z": None if z is None else list(z), "kind": kind, "options": options}}
    return run_model(model, dataset, valtest=valtest, batch_size=batch_size, epochs=epochs,
                     epoch_step=epoch_step, optimizer=default_optimizer(lr, decay), preds_compare=preds_compare,
                     input_pad=facts["config"][0] if input_pad is None else input_pad,
                     output_pad=facts["config"][-1] if output_pad is None else output_pad,
                     preprocesses=preprocesses,
                     seed=seed, out=out if out is not None else os.path.join("results", results_name(
                         facts["config"], fo if densities is None else None, l2_val, kind, z, seed, densities)),
                     resume=resume, overwrite=overwrite, verbose=verbose, data_dir=data_dir, extra_records=extra,
                     steps_per_execution=steps_per_execution)
