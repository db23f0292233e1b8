"""The training driver: :func:`run_model` trains any model into a results folder; :func:`sim_net` builds an MLP for it.

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
cut into batches (:func:`predefsparse.batches.epoch_order`), so a resumed run sees the same batches as an
uninterrupted one; model seeds are set by the builders.  No global seed is set.
"""
from __future__ import annotations

import glob
import math
import os
import platform
import time
from typing import Any, Sequence

import keras
import numpy as np

import adjmat
from adjmat.errors import DivergenceError, SpecError
from adjmat.validation import check_bool, check_choice, check_float, check_int, fail, normalize_seed

from . import defaults, jsonio, results
from .batches import fit_batches
from .callbacks import Checkpointer, DivergenceGuard, progress_callback
from .netfacts import net_facts, net_settings
from .results import Records, RunFolder
from .rundata import RunData, check_dataset, check_preds_compare, load_standard_preds, prepare_data

__all__ = ["sim_net", "run_model", "default_optimizer", "kl_divergence", "RECORDS_FORMAT"]

#: The records schema (``predefsparse.results.SCHEMA``).
RECORDS_FORMAT = results.SCHEMA
KL_CLIP = 1e-7


def _plain(obj: Any) -> Any:
    """Plain JSON types for records (non-finite numbers to None, anything else unknown by its repr)."""
    return jsonio.plain(obj, default=repr)


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


def _versions() -> dict[str, str]:
    import predefsparse
    out = {"python": platform.python_version(), "numpy": np.__version__, "keras": keras.__version__,
           "backend": keras.backend.backend(), "predefsparse": predefsparse.__version__,
           "adjmat": adjmat.__version__, "platform": platform.platform()}
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf
        out["tensorflow"] = tf.__version__
    return out



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
    return _plain(strip(config))


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


def _evaluate(where, model, records: Records, data: RunData, valtest, batch_size, preds_compare, compare_path):
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
        standard = load_standard_preds(where, compare_path)
        if standard.ndim != 2 or standard.shape[0] != preds.shape[0] or min(standard.shape[1],
                                                                            preds.shape[1]) < data.classes:
            raise SpecError(f"{where}: preds_compare: standard predictions of shape {standard.shape} do not "
                            f"match this run's {preds.shape} ({data.classes} classes).")
        records.kl = kl_divergence(standard[:, :data.classes], preds[:, :data.classes])
        records.kl_clip = KL_CLIP
    return preds


def _set_net_facts(records: Records, model) -> None:
    facts = net_facts(model)
    for key, value in facts.items():
        setattr(records, key, _plain(value))


def _evolution(callbacks) -> list | None:
    found = [_plain(cb.history_for_records()) for cb in callbacks
             if callable(getattr(cb, "history_for_records", None))]
    return found or None


# ---------------------------------------------------------------------------------------------- driver
def run_model(model: keras.Model, dataset: Any = "mnist", *, valtest: int = 1,
              batch_size: int = defaults.BATCH_SIZE,
              epochs: int = defaults.EPOCHS, epoch_step: int = 1, optimizer: Any = None,
              loss: Any = "categorical_crossentropy", metrics: Sequence[Any] = ("accuracy",),
              preds_compare: Any = 0, input_pad: int | None = None, output_pad: int | None = None,
              preprocesses: Any = (), seed: Any = defaults.SEED, out: str | os.PathLike | None = None,
              resume: bool = False, overwrite: bool = False, verbose: Any = "auto",
              data_dir: str | os.PathLike | None = None, callbacks: Sequence[Any] = (),
              extra_settings: dict | None = None, steps_per_execution: int = 32
              ) -> tuple[Records, keras.Model]:
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
        Progress display: ``"auto"`` Keras's bar on a terminal and one line per epoch otherwise; 1 the bar;
        2 one line per epoch; 0 nothing.
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
        raise fail(where, "overwrite", "False when resume is True", overwrite,
                   "Resume and overwrite exclude each other; ask for one of them.")
    if verbose not in ("auto", 0, 1, 2) or isinstance(verbose, bool):
        raise fail(where, "verbose", "'auto', 0, 1 or 2", verbose)
    if out is not None and (not isinstance(out, (str, os.PathLike)) or not os.fspath(out)):
        raise fail(where, "out", "a folder path or None", out)
    if isinstance(callbacks, keras.callbacks.Callback) or not all(
            isinstance(cb, keras.callbacks.Callback) for cb in callbacks):
        raise fail(where, "callbacks", "a sequence of keras.callbacks.Callback", callbacks)
    if extra_settings is not None and not isinstance(extra_settings, dict):
        raise fail(where, "extra_settings", "a dict of JSON-safe settings", type(extra_settings).__name__)
    compare_path = check_preds_compare(where, preds_compare)
    if isinstance(seed, (np.random.Generator, np.random.SeedSequence)):
        raise fail(where, "seed", "None or a non-negative int (the seed is recorded)", type(seed).__name__)
    _, seed = normalize_seed(where, seed)

    # ---- 1. data (checked before any folder is made)
    check_dataset(dataset, data_dir)
    data = prepare_data(where, model, dataset, data_dir, preprocesses, input_pad, output_pad, valtest)
    if optimizer is not None or getattr(model, "optimizer", None) is None:
        model.compile(optimizer=optimizer if optimizer is not None else default_optimizer(), loss=loss,
                      metrics=list(metrics), steps_per_execution=steps_per_execution)
    settings = {"dataset": data.name, "data_digest": data.digest, "valtest": valtest, "batch_size": batch_size,
                "epochs": epochs, "epoch_step": epoch_step, "steps_per_execution": steps_per_execution,
                "seed": seed, "input_pad": data.x_pad, "output_pad": data.y_pad,
                "preprocesses": data.preprocesses, "preds_compare": compare_path or preds_compare,
                "optimizer": _optimizer_settings(model.optimizer), "loss": _name_of(loss),
                "metrics": [_name_of(m) for m in metrics], "net": net_settings(model),
                **_plain(extra_settings or {})}

    # ---- 2. the folder: fresh, resumed, extended or refused (locked for the whole run)
    path = os.fspath(out) if out is not None else _default_folder(settings, resume)
    started = time.perf_counter()
    with RunFolder(path, where=where) as folder:
        mode = folder.open(settings, resume=resume, overwrite=overwrite)
        if mode == "done":
            return folder.previous, folder.load_model(folder.previous)
        if mode == "fresh":
            records = Records(settings=settings, seed=seed, versions=_versions(), model_name=model.name,
                              samples={"fit": int(len(data.xfit)), "eval": int(len(data.xeval)),
                                       "eval_split": data.eval_split},
                              optimizer=settings["optimizer"], folder=path,
                              callbacks=[type(cb).__name__ for cb in callbacks])
            _set_net_facts(records, model)
            folder.save_patterns(model, records)
            folder.write_records(records)
        else:
            records = folder.previous
            records.settings, records.folder = settings, path
            records.resumed += 1
            records.status = "running"
            if mode == "extend":  # a finished run continued to a larger epochs: from its final model
                model = folder.load_model(records)
            else:
                model, _ = folder.restore(records)
        wall_before = records.wall_time_s

        # ---- 3. fit
        start_epoch = records.epochs_done
        if start_epoch < epochs:
            batches, clock, steps = fit_batches(data.xfit, data.yfit, batch_size, seed)
            every = int(getattr(model, "steps_per_execution", 1) or 1)
            guard = DivergenceGuard(steps, every)
            checkpointer = Checkpointer(folder, records, epochs, epoch_step, started, wall_before)
            display = progress_callback(verbose, epochs)
            shown = [display] if display is not None else []
            bar = isinstance(display, keras.callbacks.ProgbarLogger)
            try:
                # the order is ours (seeded per epoch, epoch_order); the clock comes first so that the
                # dataset knows the epoch before any callback or step reads it
                model.fit(batches, epochs=epochs, initial_epoch=start_epoch, verbose=1 if bar else 0, shuffle=False,
                          callbacks=[clock, guard, checkpointer, *shown, *callbacks],
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


def sim_net(config: Sequence[int] = defaults.CONFIG, fo: Sequence[int] | None = None, l2: float = defaults.L2,
            z: Sequence[int] | None = None, dataset: Any = "mnist", preds_compare: Any = 0,
            kind: str = "clash_free", seed: Any = defaults.SEED, epochs: int = defaults.EPOCHS,
            batch_size: int = defaults.BATCH_SIZE, *,
            densities: Sequence[float] | None = None, valtest: int = 1, epoch_step: int = 1, lr: float = 1e-3,
            decay: float = 1e-5, preprocesses: Any = (), input_pad: int | None = None,
            output_pad: int | None = None, out: str | os.PathLike | None = None, resume: bool = False,
            overwrite: bool = False, verbose: Any = "auto", data_dir: str | os.PathLike | None = None,
            steps_per_execution: int = 32, dropout: Any = None, epsilon: float | None = None,
            callbacks: Sequence[Any] = (), **options) -> tuple[Records, keras.Model]:
    """Build a sparse MLP (:func:`predefsparse.models.mlp`) and train it with the original's settings.

    ReLU hidden layers, softmax output, He-normal kernels from real degrees, biases 0.1, L2 ``l2`` on the
    kernels, Adam (``lr`` 1e-3, ``decay`` 1e-5 per step), batch 256, :data:`predefsparse.defaults.EPOCHS` epochs
    (the published runs: 50), final-run mode (train+val,
    test once), input padded to ``config[0]`` and labels to ``config[-1]``.

    Parameters
    ----------
    config, densities, kind, z, **options
        The network and its patterns (see :func:`predefsparse.models.patterns`).
    fo : sequence of int, optional
        Out-degree per junction.  None: the published ``(50, 10)`` for a kind that needs a degree when neither
        ``densities`` nor ``epsilon`` is given; nothing for ``kind="fc"``.
    l2 : float
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
    l2 = check_float(where, "l2", l2, low=0.0)
    lr = check_float(where, "lr", lr, low=0.0, low_open=True)
    decay = check_float(where, "decay", decay, low=0.0)
    if isinstance(seed, (np.random.Generator, np.random.SeedSequence)):
        raise fail(where, "seed", "None or a non-negative int (the seed is recorded)", type(seed).__name__)
    _, seed = normalize_seed(where, seed)
    if not isinstance(kind, str):
        raise fail(where, "kind", "a pattern kind name such as 'clash_free'", kind)
    if fo is None and densities is None and epsilon is None and adjmat.get_kind(kind, where).sized_by:
        fo = defaults.FO  # a kind sized by nothing (fc) needs no fo
    check_dataset(dataset, data_dir)  # before any pattern is made
    build = dict(options)
    if dropout is not None:
        build["dropout"] = dropout
    if epsilon is not None:
        build["epsilon"] = check_float(where, "epsilon", epsilon, low=0.0, low_open=True)
    model = models.mlp(config, fo=fo, densities=densities, kind=kind, z=z, l2=l2 or None, seed=seed, **build)
    facts = net_facts(model)
    extra = {"config": facts["config"], "fo": None if fo is None else list(fo),
             "densities": None if densities is None else list(densities), "z": None if z is None else list(z),
             "kind": kind, "l2": l2, "lr": lr, "decay": decay,
             "dropout": list(dropout) if isinstance(dropout, (list, tuple)) else dropout, "epsilon": epsilon,
             "options": options}
    return run_model(model, dataset, valtest=valtest, batch_size=batch_size, epochs=epochs,
                     epoch_step=epoch_step, optimizer=default_optimizer(lr, decay), preds_compare=preds_compare,
                     input_pad=facts["config"][0] if input_pad is None else input_pad,
                     output_pad=facts["config"][-1] if output_pad is None else output_pad,
                     preprocesses=preprocesses, seed=seed, out=out, resume=resume, overwrite=overwrite,
                     verbose=verbose, data_dir=data_dir, extra_settings=extra, callbacks=callbacks,
                     steps_per_execution=steps_per_execution)
