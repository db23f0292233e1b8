"""Keras callbacks of a training run: the epoch clock, the divergence guard, the checkpointer, the progress display.

:func:`predefsparse.run_model` passes them to ``fit`` in this order: :class:`EpochClock` (tells the batch
pipeline its epoch), :class:`DivergenceGuard` (stops at the first non-finite loss or weight),
:class:`Checkpointer` (records each epoch and writes checkpoints), then the progress display: Keras's bar on a
terminal (:class:`Progress`), one line per epoch otherwise (:class:`EpochLines`), so log files stay small.
"""
from __future__ import annotations

import math
import sys
import time
from typing import Any

import keras
import numpy as np

from adjmat.errors import DivergenceError

from .results import Records, RunFolder

__all__ = ["EpochClock", "DivergenceGuard", "Checkpointer", "Progress", "EpochLines", "progress_callback"]


class EpochClock(keras.callbacks.Callback):
    """Tells :func:`fit_batches`'s dataset which epoch it serves (Keras's epoch index, counting from 0)."""

    def __init__(self):
        super().__init__()
        self.epoch: int | None = None

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = int(epoch)


class Progress(keras.callbacks.ProgbarLogger):
    """Keras's progress bar with the step count clamped to the epoch's steps.

    With ``steps_per_execution`` k, Keras's epoch iterator reports the end of the last (partial) chunk of an
    epoch as ``start + k - 1`` whatever the chunk's real length (``keras/src/trainers/epoch_iterator.py``), so
    the stock bar showed ``256/235`` for 235 batches and k = 32.  The number of batches itself is right."""

    def on_train_batch_end(self, batch, logs=None):
        if self.target is not None:
            batch = min(batch, self.target - 1)
        super().on_train_batch_end(batch, logs)


class DivergenceGuard(keras.callbacks.Callback):
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


class Checkpointer(keras.callbacks.Callback):
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


class EpochLines(keras.callbacks.Callback):
    """One line per finished epoch (``epoch 3/10: loss 0.2143, accuracy 0.9370 (12.4 s)``) on ``stream``, for
    output that is not a terminal, where Keras's bar would write every step into the log."""

    def __init__(self, epochs: int, stream: Any = None):
        super().__init__()
        self.epochs, self.stream, self._started = epochs, stream, 0.0

    def on_epoch_begin(self, epoch, logs=None):
        self._started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        shown = ", ".join(f"{k} {float(v):.4f}" for k, v in (logs or {}).items() if k != "learning_rate")
        print(f"epoch {epoch + 1}/{self.epochs}: {shown} ({time.perf_counter() - self._started:.1f} s)",
              file=self.stream or sys.stdout, flush=True)


def progress_callback(verbose: Any, epochs: int, stream: Any = None) -> keras.callbacks.Callback | None:
    """The progress display for ``verbose``: ``"auto"`` gives Keras's bar on a terminal and one line per epoch
    otherwise; 1 always the bar; 2 always one line per epoch; 0 nothing (returns None).

    Examples
    --------
    >>> import io
    >>> type(progress_callback("auto", 3, io.StringIO())).__name__, progress_callback(0, 3)
    ('EpochLines', None)
    """
    if verbose == 0:
        return None
    stream = stream or sys.stdout
    terminal = bool(getattr(stream, "isatty", lambda: False)())
    if verbose == 1 or (verbose == "auto" and terminal):
        return Progress()
    return EpochLines(epochs, stream)
