"""The training driver: :func:`sim_net` (build an MLP and train it) and :func:`run_model` (train any model).

Semantics of the original ``sim_net`` / ``run_model`` (docs/training.md §1) with its bugs fixed:

- ``valtest`` 0: train on train, validate on val every epoch, record the best epoch; 1 (final run): train on
  train+val, evaluate once on test; 2: train on train, evaluate once on test.
- ``epoch_step``: a checkpoint every k epochs *and* after the last one (the original dropped the remainder).
- ``input_pad`` / ``output_pad``: x is zero-padded to the model's input width, y to its OUTPUT width.
- ``preds_compare``: 0 nothing; 1 save the predictions; a path: also load "standard" predictions and record
  the mean KL(standard || this run), with probabilities clipped to [1e-7, 1] and renormalised (KL is
  unbounded, not "between 0 and 1").

A run is four steps: prepare the data, open its folder (:class:`predefsparse.results.RunFolder`: lock, fresh /
resume / extend / refuse), build and fit, finish.  The folder holds ``model.keras``, ``records.json`` (typed
:class:`predefsparse.results.Records`, no pickle), ``patterns/*.npz`` (the final connection patterns) and
``preds.npz``; docs/results.md describes it.  A non-finite loss or weight stops the run with
:class:`adjmat.DivergenceError` (status "diverged", the last finite checkpoint kept).

Randomness: the data order of epoch e (counting from 0) is ``numpy.random.default_rng([seed, e + 1]).permutation``
cut into batches (:func:`_epoch_order`), so a resumed run sees the same batches as an uninterrupted one; model
seeds are set by the builders.  No global seed is set.
"""
from __future__ import annotations

import dataclasses
import glob
import hashlib
import math
import os
import platform
import time
import warnings
from typing import Any, Callable, Sequence

import keras
import numpy as np

import adjmat
from adjmat._validation import DivergenceError, SpecError, check_bool, check_choice, check_float, check_int, \
    fail, normalize_seed

from . import results
from ._sparse_ops import ALIGN, _aligned
from .layers import SparseDense
from .results import Records, RunFolder

__all__ = ["sim_net", "run_model", "default_optimizer", "kl_divergence", "results_name", "RECORDS_FORMAT"]

#: The records schema (``predefsparse.results.SCHEMA``).
RECORDS_FORMAT = results.SCHEMA
KL_CLIP = 1e-7
_DEFAULT_FO = (50, 10)


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
    lr = check_float("default_optimizer", "lr", lr, low=0.0, low_open=True)
    decay = check_float("default_optimizer", "decay", decay, low=0.0)
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
    where = "kl_divergence"
    clip = check_float(where, "clip", clip, low=0.0, high=1.0, low_open=True)
    arrays = []
    for name, value in (("standard", standard), ("other", other)):
        try:
            a = np.array(value, dtype=np.float64)
        except (TypeError, ValueError):
            raise fail(where, name, "a 2-D array of probabilities (samples, classes)",
                       type(value).__name__) from None
        if a.ndim != 2 or not a.size:
            raise fail(where, name, "a non-empty 2-D array of probabilities (samples, classes)",
                       f"array of shape {a.shape}")
        if not np.isfinite(a).all() or (a < 0).any():
            raise fail(where, name, "finite, non-negative probabilities", "an array with negative or "
                       "non-finite values")
        arrays.append(a)
    p, q = arrays
    if p.shape != q.shape:
        raise fail(where, "other", f"an array of the shape of standard {p.shape}", f"array of shape {q.shape}")
    p = np.clip(p, clip, 1.0)
    q = np.clip(q, clip, 1.0)
    p /= p.sum(axis=1, keepdims=True)
    q /= q.sum(axis=1, keepdims=True)
    return float(np.mean(np.sum(p * np.log(p / q), axis=1)))


def _fmt(values) -> str:
    return "-".join(str(v) for v in values)


def results_name(config: Sequence[int] | None, fo: Sequence[int] | None = None, l2: float | None = None,
                 kind: str | None = None, z: Sequence[int] | None = None, seed: int | None = None,
                 densities: Sequence[float] | None = None) -> str:
    """Deprecated: the old folder name (``net800-100-10_fo50-10_l28e-05_clash_free_seed0``), which collided
    across datasets and epochs.  Runs now use :func:`predefsparse.results.run_name` (dataset, epochs and a hash
    of every setting).

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     results_name((800, 100, 10), (50, 10), 8e-5, "clash_free", seed=0)
    'net800-100-10_fo50-10_l28e-05_clash_free_seed0'
    """
    where = "results_name"
    for name, value in (("config", config), ("fo", fo), ("z", z), ("densities", densities)):
        if value is not None and (isinstance(value, (str, bytes)) or not isinstance(value, Sequence)):
            raise fail(where, name, "a sequence of numbers or None", value)
    if l2 is not None:
        check_float(where, "l2", l2, low=0.0)
    if kind is not None and not isinstance(kind, str):
        raise fail(where, "kind", "a kind name or None", kind)
    check_int(where, "seed", seed, minimum=0, allow_none=True)
    warnings.warn("predefsparse.training.results_name is deprecated (its names collide across datasets and "
                  "epochs); use predefsparse.results.run_name(settings).", DeprecationWarning, stacklevel=2)
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


def _pad(where: str, param: str, a: np.ndarray, width: int | None) -> np.ndarray:
    """Zero-pad the last axis of a 2-D array to ``width`` (never truncates)."""
    if width is None or a.shape[-1] == width:
        return a
    if a.ndim != 2:
        raise fail(where, param, f"None for data of shape {a.shape[1:]} (only 2-D x / y can be padded)", width)
    if a.shape[-1] > width:
        raise fail(where, param, f"at least the data width {a.shape[-1]}", width,
                   "Padding never truncates; build the model for the data width.")
    out = _aligned((a.shape[0], width), a.dtype)
    out[:, :a.shape[-1]] = a
    out[:, a.shape[-1]:] = 0
    return out


class _EpochClock(keras.callbacks.Callback):
    """Tells :func:`_fit_batches`'s dataset which epoch it serves (Keras's epoch index, counting from 0)."""

    def __init__(self):
        super().__init__()
        self.epoch: int | None = None

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = int(epoch)


def _as_tensor(a: np.ndarray):
    """``a`` as a TensorFlow tensor that shares its memory where it can, so that the training data is not held
    twice: through DLPack when ``a`` is C-contiguous, writable and 64-byte aligned (TensorFlow aborts the
    process on a less aligned buffer instead of raising); otherwise a copy."""
    import tensorflow as tf
    if a.size and a.flags.c_contiguous and a.flags.writeable and a.ctypes.data % ALIGN == 0:
        try:
            return tf.experimental.dlpack.from_dlpack(a.__dlpack__())
        except (AttributeError, BufferError, TypeError, ValueError, RuntimeError):
            pass  # a dtype DLPack cannot carry, or a TensorFlow without tf.experimental.dlpack: copied
    return tf.convert_to_tensor(a)


def _epoch_order(n: int, batch_size: int, seed: int, epoch: int) -> np.ndarray:
    """The sample indices of one epoch, batch after batch, each batch's indices ascending.

    Epoch e (Keras's count from 0) is ``numpy.random.default_rng([seed, e + 1]).permutation(n)`` cut into
    batches: the order every release has used (the earlier batch loader stepped its epoch once before the
    first), so results stay bit-identical across releases.
    """
    order = np.random.default_rng([seed, epoch + 1]).permutation(n)
    full = (n // batch_size) * batch_size
    order[:full].reshape(-1, batch_size).sort(axis=1)
    order[full:].sort()
    return order


def _fit_batches(x: np.ndarray, y: np.ndarray, batch_size: int, seed: int):
    """The training batches as a ``tf.data`` pipeline run inside TensorFlow, and the callback that keeps it on
    the current epoch: returns ``(dataset, clock, steps per epoch)``.

    Each epoch asks Python once for its order (:func:`_epoch_order`); every batch is then gathered in the graph
    from the data held as tensors, on the thread that runs the training step: no loader thread, no Python per
    batch, no prefetch.  This matters when processes share cores (a sweep's Ray points, two per 2 cores): a
    batch handed from Python thread to TensorFlow thread waited for the other process's time slice, and a
    3-epoch fit ran 2.3x slower in a pair than alone; it now runs as fast (docs/sweeps.md section 7).
    """
    import tensorflow as tf
    n = len(x)
    steps = math.ceil(n / batch_size)
    clock = _EpochClock()
    index = tf.int32 if n < 2 ** 31 else tf.int64

    def order():
        if clock.epoch is None:
            raise RuntimeError("the fit batches were read before Keras began an epoch")
        yield _epoch_order(n, batch_size, seed, clock.epoch).astype(index.as_numpy_dtype)

    xs, ys = _as_tensor(x), _as_tensor(y)
    starts = tf.range(0, n, batch_size, dtype=index)

    def batches(order_):
        def batch(start):
            idx = order_[start:start + batch_size]
            return tf.gather(xs, idx), tf.gather(ys, idx)
        return tf.data.Dataset.from_tensor_slices(starts).map(batch)

    ds = tf.data.Dataset.from_generator(order, output_signature=tf.TensorSpec([n], index)).flat_map(batches)
    ds = ds.apply(tf.data.experimental.assert_cardinality(steps))
    options = tf.data.Options()
    options.autotune.enabled = False  # no tuning threads; every op runs in the step's thread
    options.threading.private_threadpool_size = 1
    options.experimental_optimization.apply_default_optimizations = False
    return ds.with_options(options), clock, steps


class _Progress(keras.callbacks.ProgbarLogger):
    """Keras's progress bar with the step count clamped to the epoch's steps.

    With ``steps_per_execution`` k, Keras's epoch iterator reports the end of the last (partial) chunk of an
    epoch as ``start + k - 1`` whatever the chunk's real length (``keras/src/trainers/epoch_iterator.py``), so
    the stock bar showed ``256/235`` for 235 batches and k = 32.  The number of batches itself is right."""

    def on_train_batch_end(self, batch, logs=None):
        if self.target is not None:
            batch = min(batch, self.target - 1)
        super().on_train_batch_end(batch, logs)


class _DivergenceGuard(keras.callbacks.Callback):
    """Stop at the first non-finite loss (checked after every compiled call of ``steps_per_execution`` steps)
    or weight / epoch metric (checked at every epoch end, before the checkpoint is written)."""

    def __init__(self, steps: int, every: int):
        super().__init__()
        self.steps, self.every, self.epoch = steps, every, 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def _raise(self, what: str, value: Any, step: int | None):
        where = f"epoch {self.epoch + 1}" + (f", step {step} of {self.steps}" if step is not None else "")
        err = DivergenceError(f"run_model: training diverged: {what} became {value} at {where}; the run stopped "
                              f"there and its last finite checkpoint is kept.  Try a smaller learning rate "
                              f"(e.g. a tenth of it), or a smaller L2 / input scale.")
        err.divergence = {"epoch": self.epoch + 1, "step": step, "what": what, "value": str(value),
                          "checked_every_steps": self.every}
        raise err

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            self._raise("the training loss", float(loss), min(batch + 1, self.steps))

    def on_epoch_end(self, epoch, logs=None):
        for key, value in (logs or {}).items():
            if isinstance(value, (int, float, np.floating)) and not math.isfinite(float(value)):
                self._raise(f"the epoch's {key}", float(value), None)
        for var in self.model.weights:
            arr = keras.ops.convert_to_numpy(var)
            if arr.dtype.kind == "f" and not np.isfinite(arr).all():
                bad = int(np.count_nonzero(~np.isfinite(arr)))
                self._raise(f"weight {var.path}", f"non-finite in {bad} of {arr.size} entries", None)


class _Checkpointer(keras.callbacks.Callback):
    """Record each epoch's metrics; every ``epoch_step`` epochs and after the last, write a checkpoint."""

    def __init__(self, folder: RunFolder, records: Records, epochs: int, epoch_step: int, started: float,
                 wall_before: float):
        super().__init__()
        self.folder, self.records, self.epochs, self.epoch_step = folder, records, epochs, epoch_step
        self.started, self.wall_before = started, wall_before

    def on_epoch_end(self, epoch, logs=None):
        history = self.records.history
        for key, value in (logs or {}).items():
            if key == "learning_rate":
                continue
            history.setdefault(key, []).append(float(value))
        done = epoch + 1
        self.records.epochs_done = done
        if done % self.epoch_step == 0 or done == self.epochs:
            self.records.wall_time_s = self.wall_before + (time.perf_counter() - self.started)
            self.folder.checkpoint(self.model, self.records)


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




def _net_settings(model) -> dict[str, Any]:
    """What defines the net for a resume: the patterns' facts and digest, and the weights' shapes."""
    facts = _net_facts(model)
    digest = hashlib.blake2b(digest_size=8)
    for layer in _sparse_layers(model):
        pat = layer.pattern
        digest.update(np.asarray([pat.p, pat.n, pat.W], dtype=np.int64).tobytes())
        digest.update(np.ascontiguousarray(pat.left, dtype=np.int64).tobytes())
        digest.update(np.ascontiguousarray(pat.right, dtype=np.int64).tobytes())
    return {"config": facts["config"], "fo": facts["fo"], "z": facts["z"], "kind": facts["kind"],
            "densities": facts["densities"], "seeds": [j["seed"] for j in facts["junctions"]],
            "patterns_digest": digest.hexdigest(),
            "weight_shapes": [list(v.shape) for v in model.weights]}


def _data_digest(arrays: Sequence[np.ndarray]) -> str:
    digest = hashlib.blake2b(digest_size=8)
    for a in arrays:
        a = np.ascontiguousarray(a)
        digest.update(f"{a.dtype.str}{a.shape}".encode("ascii"))
        digest.update(memoryview(a).cast("B"))
    return digest.hexdigest()


def _name_of(obj: Any) -> Any:
    if isinstance(obj, (str, int, float, bool)) or obj is None:
        return obj
    return getattr(obj, "__name__", None) or type(obj).__name__


def _optimizer_settings(optimizer) -> dict | None:
    if optimizer is None:
        return None
    config = keras.saving.serialize_keras_object(optimizer)

    def strip(obj):  # optimizer names are auto-numbered (adam, adam_1, ...): not a setting
        if isinstance(obj, dict):
            return {k: strip(v) for k, v in obj.items() if k != "name"}
        if isinstance(obj, list):
            return [strip(v) for v in obj]
        return obj
    return results._json_safe(strip(config))


@dataclasses.dataclass
class _Data:
    """The prepared splits: fit on (xfit, yfit), evaluate on (xeval, yeval), test on (xte, yte)."""

    xfit: np.ndarray
    yfit: np.ndarray
    xeval: np.ndarray
    yeval: np.ndarray
    xte: np.ndarray
    yte: np.ndarray
    eval_split: str
    classes: int
    name: str
    digest: str
    x_pad: int | None
    y_pad: int | None
    preprocesses: list


def _prepare_data(where, model, dataset, data_dir, preprocesses, input_pad, output_pad, valtest) -> _Data:
    (xtr, ytr, xva, yva, xte, yte), data_name = _load_dataset(where, dataset, data_dir)
    digest = _data_digest((xtr, ytr, xva, yva, xte, yte))
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
    if valtest == 1:  # joined into aligned buffers (the dtype numpy's join gives): no copy for TensorFlow
        xfit, yfit = (np.concatenate([a, b], out=_aligned((len(a) + len(b), *a.shape[1:]), np.result_type(a, b)))
                      for a, b in ((xtr, xva), (ytr, yva)))
    else:
        xfit, yfit = xtr, ytr
    xeval, yeval, split = (xva, yva, "val") if valtest == 0 else (xte, yte, "test")
    return _Data(xfit, yfit, xeval, yeval, xte, yte, split, classes, data_name, digest, x_pad, y_pad,
                 [name for name, _ in steps])


def _default_folder(settings: dict, resume: bool) -> str:
    """``results/<run_name>``; on resume with a larger ``epochs``, the folder of the same run with fewer."""
    path = os.path.join("results", results.run_name(settings))
    if resume and not os.path.exists(path):
        stem = results._stem(settings)
        found = []
        for other in glob.glob(os.path.join("results", glob.escape(stem) + "_e*_"
                                            + results.settings_hash(settings))):
            tail = os.path.basename(other)[len(stem) + 2:].split("_")[0]
            if tail.isdigit() and int(tail) <= settings["epochs"]:
                found.append((int(tail), other))
        if found:  # the same run with the most epochs not above the new total
            return max(found)[1]
    return path


def _check_preds_compare(where: str, preds_compare: Any) -> str | None:
    if isinstance(preds_compare, (str, os.PathLike)):
        path = os.fspath(preds_compare)
        if os.path.isdir(path):
            path = os.path.join(path, results.PREDS)
        if not os.path.isfile(path):
            raise FileNotFoundError(f"{where}: preds_compare: no predictions file {path!r}; run the standard "
                                    f"(fully connected) model first with preds_compare=1.")
        return path
    if preds_compare not in (0, 1) or isinstance(preds_compare, bool):
        raise fail(where, "preds_compare", "0, 1 or the path of saved standard predictions", preds_compare)
    return None


def _load_standard_preds(where: str, path: str) -> np.ndarray:
    """The ``preds`` array of a ``preds.npz``, read as a hostile file."""
    try:
        with np.load(path, allow_pickle=False) as data:
            if "preds" not in data.files:
                raise SpecError(f"{where}: preds_compare: {path} has no 'preds' array (found: "
                                f"{', '.join(data.files) or 'nothing'}).")
            return np.asarray(data["preds"])
    except SpecError:
        raise
    except Exception as err:  # BadZipFile, EOFError, ValueError, zlib.error, OSError ...
        raise SpecError(f"{where}: preds_compare: {path} is not a readable predictions file "
                        f"({type(err).__name__}: {err}).") from None


def _evaluate(where, model, records: Records, data: _Data, valtest, batch_size, preds_compare, compare_path):
    """Best epoch (valtest 0) or test metrics; predictions and KL.  Returns the predictions to save (or None)."""
    records.test = records.best = records.kl = records.kl_clip = records.preds = None
    if valtest == 0:
        hist = records.history
        key, better = ("val_accuracy", np.argmax) if "val_accuracy" in hist else ("val_loss", np.argmin)
        best = int(better(hist[key]))
        records.best = {"epoch": best + 1, **{k: v[best] for k, v in hist.items() if k.startswith("val_")}}
    else:
        values = model.evaluate(data.xte, data.yte, batch_size=batch_size, verbose=0, return_dict=True)
        records.test = {k: float(v) for k, v in values.items()}
        bad = {k: v for k, v in records.test.items() if not math.isfinite(v)}
        if bad:
            raise DivergenceError(f"{where}: the test metrics are not finite ({bad}); the model's outputs "
                                  f"overflow.  Try a smaller learning rate.")
    if not preds_compare:
        return None
    preds = np.asarray(model.predict(data.xeval, batch_size=batch_size, verbose=0), dtype=np.float32)
    records.preds = {"file": results.PREDS, "split": data.eval_split}
    if compare_path:
        standard = _load_standard_preds(where, compare_path)
        if standard.ndim != 2 or standard.shape[0] != preds.shape[0] or min(standard.shape[1],
                                                                            preds.shape[1]) < data.classes:
            raise SpecError(f"{where}: preds_compare: standard predictions of shape {standard.shape} do not "
                            f"match this run's {preds.shape} ({data.classes} classes).")
        records.kl = kl_divergence(standard[:, :data.classes], preds[:, :data.classes])
        records.kl_clip = KL_CLIP
    return preds


def _set_net_facts(records: Records, model) -> None:
    facts = _net_facts(model)
    for key, value in facts.items():
        setattr(records, key, results._json_safe(value))


def _evolution(callbacks) -> list | None:
    found = [results._json_safe(cb.history_for_records()) for cb in callbacks
             if callable(getattr(cb, "history_for_records", None))]
    return found or None


# ---------------------------------------------------------------------------------------------- driver
def run_model(model: keras.Model, dataset: Any = "mnist", *, valtest: int = 1, batch_size: int = 256,
              epochs: int = 50, epoch_step: int = 1, optimizer: Any = None,
              loss: Any = "categorical_crossentropy", metrics: Sequence[Any] = ("accuracy",),
              preds_compare: Any = 0, input_pad: int | None = None, output_pad: int | None = None,
              preprocesses: Any = (), seed: Any = 0, out: str | os.PathLike | None = None,
              resume: bool = False, overwrite: bool = False, verbose: Any = "auto",
              data_dir: str | os.PathLike | None = None, callbacks: Sequence[Any] = (),
              extra_settings: dict | None = None, steps_per_execution: int = 32,
              extra_records: dict | None = None) -> tuple[Records, keras.Model]:
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
        one): also record the mean KL(standard || this run) as ``records.kl``.  Predictions are of the test
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
        Results folder; default ``results/<run_name(settings)>`` in the working directory
        (:func:`predefsparse.results.run_name`: dataset, net, kind, epochs and a hash of every other setting).
    resume : bool
        Continue the run in ``out`` from its last checkpoint (the ``model`` argument is then replaced by the
        checkpoint's model and optimizer state); every setting must match the saved run's except a larger
        ``epochs``, which continues a finished run to the new total; a finished run with the same epochs is
        returned as is; no run there: start fresh.
    overwrite : bool
        Replace an existing run in ``out`` (otherwise refused).
    verbose : "auto", 0, 1 or 2
        Keras progress display.
    data_dir : path, optional
        Data folder for dataset names.
    callbacks : sequence of keras callbacks
        Extra callbacks for ``fit`` (run after the checkpointer, so a callback that stops the run in epoch k
        finds epoch k's checkpoint already written when k is a checkpoint epoch).  A callback with a
        ``history_for_records()`` method (:class:`predefsparse.SETCallback`) has its history recorded in
        ``records.evolution``.
    extra_settings : dict, optional
        Settings that define the run beyond what the model shows (``sim_net`` stores its arguments here);
        part of the folder name's hash and compared on resume.
    steps_per_execution : int
        Training steps per compiled call when ``run_model`` compiles the model (default 32).  The mask lives
        inside the graph, so nothing has to run on the host between batches: several steps per call cut the
        per-step dispatch cost (bench/bench_layer.py measures it).  The arithmetic is the same; Keras
        callbacks' batch hooks then fire once per call (so does the divergence check of the loss).  Use 1 to
        mimic a per-batch loop.
    extra_records : dict, optional
        Deprecated spelling of ``extra_settings``.

    Returns
    -------
    records : predefsparse.results.Records
        Also in ``records.json``: settings, per-epoch ``history``, ``best`` (valtest 0) or ``test`` metrics,
        ``kl``, the final patterns' facts, ``weights``, ``wall_time_s``, ``versions``, ``folder``.
    model : keras.Model
        The trained model.

    Raises
    ------
    adjmat.SpecError
        Bad arguments; a folder in use by another run (naming its pid), holding a run without ``resume`` or
        ``overwrite``, or a resume whose settings differ (naming each, with old and new values).
    adjmat.DivergenceError
        A loss or weight became non-finite (status "diverged" recorded, last finite checkpoint kept).

    Examples
    --------
    >>> import numpy as np, tempfile
    >>> from predefsparse import models
    >>> rng = np.random.default_rng(0)
    >>> x = rng.random((64, 6), dtype=np.float32); y = np.eye(2, dtype=np.float32)[rng.integers(0, 2, 64)]
    >>> data = (x[:32], y[:32], x[32:48], y[32:48], x[48:], y[48:])
    >>> net = models.mlp((8, 4, 2), fo=(2, 2), kind="usn", seed=0)
    >>> records, net = run_model(net, data, epochs=2, batch_size=16, verbose=0, out=tempfile.mkdtemp())
    >>> records.epochs_done, records.status, sorted(records.test)
    (2, 'done', ['accuracy', 'loss'])
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
        raise SpecError(f"{where}: {results._say('resume')} and {results._say('overwrite')} exclude each other; "
                        f"received resume=True, overwrite=True.")
    if verbose not in ("auto", 0, 1, 2) or isinstance(verbose, bool):
        raise fail(where, "verbose", "'auto', 0, 1 or 2", verbose)
    if out is not None and (not isinstance(out, (str, os.PathLike)) or not os.fspath(out)):
        raise fail(where, "out", "a folder path or None", out)
    if isinstance(callbacks, keras.callbacks.Callback) or not all(
            isinstance(cb, keras.callbacks.Callback) for cb in callbacks):
        raise fail(where, "callbacks", "a sequence of keras.callbacks.Callback", callbacks)
    if extra_records is not None:
        warnings.warn("run_model(extra_records=...) is deprecated; use extra_settings=...", DeprecationWarning,
                      stacklevel=2)
        extra_settings = {**extra_records, **(extra_settings or {})}
    if extra_settings is not None and not isinstance(extra_settings, dict):
        raise fail(where, "extra_settings", "a dict of JSON-safe settings", type(extra_settings).__name__)
    compare_path = _check_preds_compare(where, preds_compare)
    if isinstance(seed, (np.random.Generator, np.random.SeedSequence)):
        raise fail(where, "seed", "None or a non-negative int (the seed is recorded)", type(seed).__name__)
    _, seed = normalize_seed(where, seed)

    # ---- 1. data
    data = _prepare_data(where, model, dataset, data_dir, preprocesses, input_pad, output_pad, valtest)
    if optimizer is not None or getattr(model, "optimizer", None) is None:
        model.compile(optimizer=optimizer if optimizer is not None else default_optimizer(), loss=loss,
                      metrics=list(metrics), steps_per_execution=steps_per_execution)
    settings = {"dataset": data.name, "data_digest": data.digest, "valtest": valtest, "batch_size": batch_size,
                "epochs": epochs, "epoch_step": epoch_step, "steps_per_execution": steps_per_execution,
                "seed": seed, "input_pad": data.x_pad, "output_pad": data.y_pad,
                "preprocesses": data.preprocesses, "preds_compare": compare_path or preds_compare,
                "optimizer": _optimizer_settings(model.optimizer), "loss": _name_of(loss),
                "metrics": [_name_of(m) for m in metrics], "net": _net_settings(model),
                **results._json_safe(extra_settings or {})}

    # ---- 2. the folder: fresh, resumed, extended or refused (locked for the whole run)
    path = os.fspath(out) if out is not None else _default_folder(settings, resume)
    started = time.perf_counter()
    with RunFolder(path, where=where) as folder:
        mode = folder.open(settings, resume=resume, overwrite=overwrite)
        if mode == "done":
            return folder.previous, keras.models.load_model(os.path.join(path, results.MODEL))
        if mode == "fresh":
            records = Records(settings=settings, seed=seed, versions=_versions(), model_name=model.name,
                              samples={"fit": int(len(data.xfit)), "eval": int(len(data.xeval)),
                                       "eval_split": data.eval_split},
                              optimizer=settings["optimizer"], folder=path,
                              callbacks=[type(cb).__name__ for cb in callbacks])
            _set_net_facts(records, model)
            records.patterns = folder.save_patterns(model)
            folder.write_records(records)
        else:
            records = folder.previous
            records.settings, records.folder = settings, path
            records.resumed += 1
            records.status = "running"
            if mode == "extend":  # a finished run continued to a larger epochs: from its final model
                model = keras.models.load_model(os.path.join(path, results.MODEL))
            else:
                model, _ = folder.restore(records)
        wall_before = records.wall_time_s

        # ---- 3. fit
        start_epoch = records.epochs_done
        if start_epoch < epochs:
            batches, clock, steps = _fit_batches(data.xfit, data.yfit, batch_size, seed)
            every = int(getattr(model, "steps_per_execution", 1) or 1)
            guard = _DivergenceGuard(steps, every)
            checkpointer = _Checkpointer(folder, records, epochs, epoch_step, started, wall_before)
            try:
                # the order is ours (seeded per epoch, _epoch_order); the clock comes first so that the
                # dataset knows the epoch before any callback or step reads it
                model.fit(batches, epochs=epochs, initial_epoch=start_epoch, verbose=verbose, shuffle=False,
                          callbacks=[clock, guard, checkpointer, _Progress(), *callbacks],
                          validation_data=(data.xeval, data.yeval) if valtest == 0 else None)
            except DivergenceError as err:
                records.wall_time_s = wall_before + (time.perf_counter() - started)
                folder.fail(records, getattr(err, "divergence", {"what": str(err)}))
                raise

        # ---- 4. evaluate once, finish
        try:
            preds = _evaluate(where, model, records, data, valtest, batch_size, preds_compare, compare_path)
        except DivergenceError as err:
            folder.fail(records, {"epoch": records.epochs_done, "step": None, "what": "the test metrics",
                                  "value": str(err)})
            raise
        _set_net_facts(records, model)
        evolution = _evolution(callbacks)
        if evolution is not None:
            records.evolution = evolution
        records.wall_time_s = wall_before + (time.perf_counter() - started)
        folder.finish(model, records, preds)
    return records, model


def sim_net(config: Sequence[int] = (800, 100, 10), fo: Sequence[int] | None = None, l2_val: float = 8e-5,
            z: Sequence[int] | None = None, dataset: Any = "mnist", preds_compare: Any = 0,
            kind: str = "clash_free", seed: Any = 0, epochs: int = 50, batch_size: int = 256, *,
            densities: Sequence[float] | None = None, valtest: int = 1, epoch_step: int = 1, lr: float = 1e-3,
            decay: float = 1e-5, preprocesses: Any = (), input_pad: int | None = None,
            output_pad: int | None = None, out: str | os.PathLike | None = None, resume: bool = False,
            overwrite: bool = False, verbose: Any = "auto", data_dir: str | os.PathLike | None = None,
            steps_per_execution: int = 32, dropout: Any = None, epsilon: float | None = None,
            callbacks: Sequence[Any] = (), **options) -> tuple[Records, keras.Model]:
    """Build a sparse MLP (:func:`predefsparse.models.mlp`) and train it with the original's settings.

    ReLU hidden layers, softmax output, He-normal kernels from real degrees, biases 0.1, L2 ``l2_val`` on the
    kernels, Adam (``lr`` 1e-3, ``decay`` 1e-5 per step), batch 256, 50 epochs, final-run mode (train+val,
    test once), input padded to ``config[0]`` and labels to ``config[-1]``.

    Parameters
    ----------
    config, densities, kind, z, **options
        The network and its patterns (see :func:`predefsparse.models.patterns`).
    fo : sequence of int, optional
        Out-degree per junction.  None: the published ``(50, 10)`` for a kind that needs a degree when neither
        ``densities`` nor ``epsilon`` is given; nothing for ``kind="fc"``.
    l2_val : float
        L2 factor (0 for none).
    dataset, preds_compare, valtest, epoch_step, preprocesses, input_pad, output_pad, out, resume, overwrite, \
verbose, data_dir, steps_per_execution, callbacks
        As :func:`run_model`.
    seed : int or None
        One seed for the patterns, the initial weights and the data order (None draws one; it is recorded).
    epochs, batch_size : int
    lr, decay : float
        Adam learning rate and the original's inverse-time decay per step.
    dropout : float or sequence of float, optional
        Dropout rate after each hidden layer (passed to :func:`predefsparse.models.mlp`).
    epsilon : float, optional
        SET / Erdos-Renyi density parameter (``kind="erdos_renyi"``; passed to :func:`predefsparse.models.mlp`).

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
    >>> records.config, records.weights, records.settings["input_pad"]
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
    if not isinstance(kind, str):
        raise fail(where, "kind", "a pattern kind name such as 'clash_free'", kind)
    if fo is None and densities is None and epsilon is None and adjmat.get_kind(kind, where).sized_by:
        fo = _DEFAULT_FO  # a kind sized by nothing (fc) needs no fo
    build = dict(options)
    if dropout is not None:
        build["dropout"] = dropout
    if epsilon is not None:
        build["epsilon"] = check_float(where, "epsilon", epsilon, low=0.0, low_open=True)
    model = models.mlp(config, fo=fo, densities=densities, kind=kind, z=z, l2=l2_val or None, seed=seed, **build)
    facts = _net_facts(model)
    extra = {"config": facts["config"], "fo": None if fo is None else list(fo),
             "densities": None if densities is None else list(densities), "z": None if z is None else list(z),
             "kind": kind, "l2": l2_val, "lr": lr, "decay": decay,
             "dropout": list(dropout) if isinstance(dropout, (list, tuple)) else dropout, "epsilon": epsilon,
             "options": options}
    return run_model(model, dataset, valtest=valtest, batch_size=batch_size, epochs=epochs,
                     epoch_step=epoch_step, optimizer=default_optimizer(lr, decay), preds_compare=preds_compare,
                     input_pad=facts["config"][0] if input_pad is None else input_pad,
                     output_pad=facts["config"][-1] if output_pad is None else output_pad,
                     preprocesses=preprocesses, seed=seed, out=out, resume=resume, overwrite=overwrite,
                     verbose=verbose, data_dir=data_dir, extra_settings=extra, callbacks=callbacks,
                     steps_per_execution=steps_per_execution)
