"""The results folder of a training run: :class:`RunFolder` owns it (lock, modes, durable files, digests).

A run folder holds (docs/results.md)::

    .lock                      exclusive OS lock (fcntl.flock) of the run that owns the folder, with its pid
    records.json               the Records (strict JSON, schema "predefsparse.records/3"), with the SHA-256
                               of every checkpoint, model and pattern file (checked before each is read)
    model.keras                the final model with its optimizer state (written at finish)
    checkpoint-eNNNN.keras     the latest checkpoint, and the one before it until the newer is verified
    patterns/<i>_<layer>.npz   the connection patterns (the final ones: a SET run saves its evolved patterns)
    preds.npz                  predictions (``preds_compare``)

Every file is written through one durable helper (temp file, fsync, rename, fsync of the folder), so a crash
leaves either the old or the new file, never a torn one; the temp files a killed writer leaves behind are
removed by the next run that takes the lock.  A run reads back only its own files: regular files inside the
folder (no symlink out, no FIFO or device) whose SHA-256 matches the digest its records hold.  Nothing here
imports Keras at module level.  The records themselves (:class:`Records`, :func:`run_name`) are in
:mod:`predefsparse.records`, re-exported here.
"""
from __future__ import annotations

import glob
import os
import shutil
import warnings
import zipfile
from typing import Any, Callable, Mapping, Sequence

from adjmat.errors import SpecError
from adjmat.validation import check_bool, fail
from adjmat.pattern import atomic_write

from . import jsonio
from .lock import FolderLock
from .records import CHECKPOINT_RE as _CHECKPOINT_RE
from .records import SCHEMA, STATUSES, Records, _canonical, _stem, run_name, settings_hash  # noqa: F401

__all__ = ["SCHEMA", "STATUSES", "Records", "RunFolder", "SettingsDiffer", "run_name", "settings_hash"]

RECORDS = "records.json"
MODEL = "model.keras"
PREDS = "preds.npz"
PATTERNS = "patterns"
LOCK = ".lock"
# temp files of atomic_write (".<name>.<random>.tmp") and of the old _save_model (".tmp-<pid>-<name>")
_TEMP_GLOBS = (".*.tmp", ".tmp-*", os.path.join(PATTERNS, ".*.tmp"))

# ----------------------------------------------------------------------------------------------- files
def durable_write(path: str | os.PathLike, write: Callable[[Any], Any]) -> str:
    """:func:`adjmat.pattern.atomic_write` (temp file, fsync, rename, fsync of the folder): every file of a run
    folder goes through here."""
    return atomic_write(path, write)


def _verify_keras_file(path: str) -> None:
    """Read back a ``.keras`` archive and check every member's CRC and the members a model needs."""
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        if not {"config.json", "metadata.json"} <= names or not any(n.startswith("model.weights") for n in names):
            raise OSError(f"{path}: not a complete .keras archive (members: {sorted(names)})")
        bad = zf.testzip()
        if bad is not None:
            raise OSError(f"{path}: member {bad} fails its CRC check")


def save_model(model, path: str | os.PathLike) -> str:
    """Save a Keras model (with optimizer state) durably to ``path`` and verify the written archive."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    # Keras saves only to a path ending in .keras: save beside the target, then copy through the durable
    # helper (a killed writer leaves `.tmp-<pid>-*`, removed by the next run that takes the lock)
    scratch = os.path.join(folder, f".tmp-{os.getpid()}-{os.path.basename(path)}")
    try:
        model.save(scratch)
        with open(scratch, "rb") as src:
            durable_write(path, lambda f: shutil.copyfileobj(src, f, 2**20))
    finally:
        if os.path.exists(scratch):
            os.unlink(scratch)
    _verify_keras_file(path)
    return path


# ----------------------------------------------------------------------------------------------- RunFolder
class SettingsDiffer(SpecError):
    """A resume whose settings differ from the saved run's; ``differ`` holds ``{setting: (saved, now)}``.

    :meth:`naming_settings` words the message with other names for the settings (the command line's flags).

    Examples
    --------
    >>> err = SettingsDiffer("run_model", "out/run", {"seed": (0, 1)})
    >>> "seed: saved 0, now 1" in str(err), "--seed: saved 0" in err.naming_settings(lambda k: "--" + k)
    (True, True)
    """

    def __init__(self, where: str, path: str, differ: Mapping[str, tuple[Any, Any]]) -> None:
        self.differ = dict(differ)
        super().__init__(where=where, param="out", value=path, expected="a run with the settings asked for",
                         hint=self._hint(lambda k: k))

    def _hint(self, name: Callable[[str], str]) -> str:
        parts = [f"{name(k)}: saved {a!r}, now {b!r}" for k, (a, b) in self.differ.items()]
        return ("Cannot resume: settings differ from the saved run: " + "; ".join(parts) + f".  Only a larger "
                f"{name('epochs')} may change on resume; use the saved settings, {name('overwrite')}, or "
                f"another folder.")

    def naming_settings(self, name: Callable[[str], str]) -> str:
        """The message with every setting (and the folder's parameter) named by ``name``."""
        return str(SpecError(where=self.where, param=name(self.param), value=self.value, expected=self.expected,
                             hint=self._hint(name)))


class RunFolder:
    """The results folder of one run, owned by it from :meth:`open` to :meth:`close`.

    :meth:`open` takes an exclusive OS lock (``fcntl.flock`` on ``.lock``, released on exit or death) before
    anything else is written, removes the temp files of dead writers, and decides what the run does:
    ``"fresh"`` (nothing there, or ``overwrite``), ``"resume"`` (an interrupted run, continued from its last
    checkpoint), ``"extend"`` (a finished run asked for more epochs), ``"done"`` (a finished run, returned as
    is).  It refuses a folder that already holds a run unless asked to resume or overwrite, a resume whose
    settings differ (naming each), a path that is a file, and a folder of other files.

    Parameters
    ----------
    path : str or os.PathLike
        The folder (created if missing).
    where : str
        Function name used in error messages.

    Examples
    --------
    >>> import tempfile, os
    >>> folder = RunFolder(os.path.join(tempfile.mkdtemp(), "run"))
    >>> folder.open({"epochs": 1, "seed": 0})
    'fresh'
    >>> try:
    ...     RunFolder(folder.path).open({"epochs": 1, "seed": 0})
    ... except ValueError as err:
    ...     print("in use by another run" in str(err))
    True
    >>> folder.close()
    """

    def __init__(self, path: str | os.PathLike, *, where: str = "RunFolder"):
        if not isinstance(path, (str, os.PathLike)) or not os.fspath(path):
            raise fail("RunFolder", "path", "a folder path", path)
        if not isinstance(where, str):
            raise fail("RunFolder", "where", "a function name", where)
        self.path = os.fspath(path)
        self.where = where
        self.mode: str | None = None
        self.previous: Records | None = None
        self._folder_lock: FolderLock | None = None

    def __repr__(self) -> str:
        return f"RunFolder({self.path!r}, mode={self.mode!r}, locked={self._folder_lock is not None})"

    def __enter__(self) -> "RunFolder":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- lock ------------------------------------------------------------------------------------
    def _lock(self) -> None:
        self._folder_lock = FolderLock(self.path, param="out", where=self.where, holder="run").acquire()

    @property
    def locked(self) -> bool:
        """Whether this object holds the folder's lock."""
        return self._folder_lock is not None

    def close(self) -> None:
        """Release the lock (also released by the OS if the process dies)."""
        if self._folder_lock is not None:
            self._folder_lock.release()
            self._folder_lock = None

    def _require_lock(self) -> None:
        if self._folder_lock is None:
            raise RuntimeError(f"{self.where}: {self.path!r} is not open (call RunFolder.open first)")

    # -- open ------------------------------------------------------------------------------------
    def open(self, settings: Mapping[str, Any], *, resume: bool = False, overwrite: bool = False) -> str:
        """Lock the folder and decide the run's mode (``"fresh"``, ``"resume"``, ``"extend"`` or ``"done"``).

        Parameters
        ----------
        settings : mapping
            Every setting that defines the run (compared with the saved run's on resume; only a larger
            ``epochs`` may differ).
        resume : bool
            Continue the run saved here (no run here: start fresh).
        overwrite : bool
            Replace the run saved here.

        Returns
        -------
        str
            The mode, also in :attr:`mode`; the saved Records (if any) are in :attr:`previous`.

        Examples
        --------
        >>> import tempfile
        >>> with RunFolder(tempfile.mkdtemp()) as f:
        ...     f.open({"epochs": 3})
        'fresh'
        """
        resume = check_bool(self.where, "resume", resume)
        overwrite = check_bool(self.where, "overwrite", overwrite)
        if not isinstance(settings, Mapping):
            raise fail(self.where, "settings", "a mapping of setting names to values", type(settings).__name__)
        if resume and overwrite:
            raise fail(self.where, "overwrite", "False when resume is True", overwrite,
                       "Resume and overwrite exclude each other; ask for one of them.")
        if self._folder_lock is not None:
            raise SpecError(f"{self.where}: {self.path!r} is already open in this process.")
        if os.path.lexists(self.path) and not os.path.isdir(self.path):
            raise fail(self.where, "out", "a folder path", self.path, "It is an existing file, not a folder.")
        try:
            os.makedirs(self.path, exist_ok=True)
        except OSError as err:
            raise fail(self.where, "out", "a folder that can be created", self.path,
                       f"Creating it failed: {err.strerror or err}.") from None
        self._lock()
        try:
            self._remove_stale_temps()
            self._refuse_foreign()
            self.mode = self._decide(dict(settings), resume, overwrite)
        except BaseException:
            self.close()
            raise
        return self.mode

    def _remove_stale_temps(self) -> list[str]:
        """Remove temp files left by killed writers.  Safe: every writer of this folder holds its lock, and we
        hold it now, so no temp file here belongs to a live writer."""
        removed = []
        for pattern in _TEMP_GLOBS:
            for path in glob.glob(os.path.join(self.path, pattern)):
                if os.path.isfile(path) and not os.path.islink(path):
                    os.unlink(path)
                    removed.append(os.path.basename(path))
        return removed

    def _refuse_foreign(self) -> None:
        ours = {LOCK, RECORDS, MODEL, PREDS, PATTERNS}
        foreign = sorted(name for name in os.listdir(self.path)
                         if name not in ours and not _CHECKPOINT_RE.match(name))
        if foreign:
            shown = ", ".join(foreign[:5]) + (", ..." if len(foreign) > 5 else "")
            raise fail(self.where, "out", "a new or empty folder, or a results folder", self.path,
                       f"It is a folder holding other files ({shown}); choose a new or empty folder.")

    def _decide(self, settings: dict, resume: bool, overwrite: bool) -> str:
        records_path = os.path.join(self.path, RECORDS)
        leftovers = [n for n in os.listdir(self.path) if n != LOCK]
        if not os.path.exists(records_path):
            if leftovers:  # files of a run killed before its first records: nothing to resume
                self.clean()
            return "fresh"
        if overwrite:
            self.clean()
            return "fresh"
        if not resume:
            raise fail(self.where, "out", "a folder holding no run", self.path,
                       "It already holds a run; ask to resume it (resume), to replace it (overwrite), or choose "
                       "another folder.")
        previous = Records.load(records_path, param="out", inside=self.path)
        self._compare(previous.settings, settings)
        self.previous = previous
        old_epochs, new_epochs = previous.settings.get("epochs"), settings.get("epochs")
        if previous.status == "diverged":
            raise fail(self.where, "out", "a run that can be resumed", self.path,
                       f"Its run diverged (epoch {previous.divergence.get('epoch') if previous.divergence else '?'}"
                       f"); resuming would diverge again.  Start it again (overwrite) with a smaller learning "
                       f"rate (lr).")
        if previous.status == "done":
            if new_epochs == old_epochs:
                return "done"
            return "extend"
        if previous.checkpoint is None:  # killed before its first checkpoint: nothing to continue from
            self.previous = None
            self.clean()
            return "fresh"
        return "resume"

    def _compare(self, old: dict, new: dict) -> None:
        differ = _diff(old, new)
        epochs = differ.pop("epochs", None)
        if epochs is not None:
            a, b = epochs
            if not (isinstance(a, int) and isinstance(b, int) and b > a):
                differ["epochs"] = epochs
        derived = [k for k in differ if k.split(".")[0] in ("net", "optimizer")]
        if len(derived) < len(differ):  # the settings that were given explain the model's and optimizer's change
            for k in derived:
                differ.pop(k)
        if differ:
            raise SettingsDiffer(self.where, self.path, differ)

    # -- writing -----------------------------------------------------------------------------------
    def write_records(self, records: Records) -> str:
        """Write ``records.json`` durably (the folder must be open)."""
        self._require_lock()
        return jsonio.write_json(os.path.join(self.path, RECORDS), records.to_dict())

    def save_patterns(self, model, records: Records) -> list[str]:
        """Save every SparseDense pattern of ``model`` to ``patterns/<i>_<layer>.npz``, record each file's
        digest in ``records.digests``; returns the names (also set as ``records.patterns``)."""
        self._require_lock()
        from .netfacts import sparse_layers
        folder = os.path.join(self.path, PATTERNS)
        names = []
        for key in [k for k in records.digests if k.startswith(PATTERNS + "/")]:
            del records.digests[key]
        for i, layer in enumerate(sparse_layers(model)):
            name = f"{i + 1}_{layer.name}.npz"
            layer.pattern.save(os.path.join(folder, name))  # atomic and durable (temp, fsync, rename, fsync)
            self._digest(records, f"{PATTERNS}/{name}")
            names.append(name)
        records.patterns = names
        if os.path.isdir(folder):
            for stale in set(os.listdir(folder)) - set(names):
                if stale.endswith(".npz"):
                    os.unlink(os.path.join(folder, stale))
        return names

    def checkpoint(self, model, records: Records) -> str:
        """Write ``checkpoint-eNNNN.keras`` (model + optimizer state), verify it, point the records at it, and
        only then delete checkpoints older than the previous one."""
        self._require_lock()
        name = f"checkpoint-e{records.epochs_done:04d}.keras"
        save_model(model, os.path.join(self.path, name))
        self._digest(records, name)
        if records.checkpoint != name:
            records.previous_checkpoint = records.checkpoint
        records.checkpoint = name
        keep = {records.checkpoint, records.previous_checkpoint}
        for key in [k for k in records.digests if _CHECKPOINT_RE.match(k) and k not in keep]:
            del records.digests[key]
        self.write_records(records)
        for path in self.checkpoints():
            if os.path.basename(path) not in keep:
                os.unlink(path)
        return name

    def _digest(self, records: Records, name: str) -> None:
        records.digests[name] = jsonio.sha256_file(os.path.join(self.path, name), param="out", where=self.where,
                                                   inside=self.path)

    def check_file(self, records: Records, name: str) -> str:
        """The path of the run's file ``name`` after checking that it is a regular file inside the folder whose
        SHA-256 is the one ``records`` hold; refused (:class:`adjmat.SpecError` naming ``out``) otherwise."""
        path = os.path.join(self.path, name)
        recorded = records.digests.get(name.replace(os.sep, "/"))
        if recorded is None:
            raise fail(self.where, "out", "a run folder whose records hold a digest of every file", self.path,
                       f"records.json holds no digest of {name}.")
        found = jsonio.sha256_file(path, param="out", where=self.where, inside=self.path)
        if found != recorded:
            raise fail(self.where, "out", "a run folder holding the files its run wrote", self.path,
                       f"{name} is not the file this run wrote (its SHA-256 differs from the one in "
                       f"records.json: replaced or changed after the run).")
        return path

    def check_files(self, records: Records, names: Sequence[str]) -> None:
        """:meth:`check_file` for each of ``names``."""
        for name in names:
            self.check_file(records, name)

    def load_model(self, records: Records):
        """The final ``model.keras`` of a finished run, after :meth:`check_file` of it and of the patterns."""
        import keras
        self.check_files(records, [f"{PATTERNS}/{name}" for name in records.patterns])
        return keras.models.load_model(self.check_file(records, MODEL))

    def checkpoints(self) -> list[str]:
        """Paths of the checkpoint files present, oldest first."""
        return sorted(p for p in glob.glob(os.path.join(self.path, "checkpoint-e*.keras"))
                      if _CHECKPOINT_RE.match(os.path.basename(p)))

    def restore(self, records: Records):
        """Load the latest loadable checkpoint named by ``records`` (the previous one when the latest is torn).

        Returns ``(model, epochs)``: the model with its optimizer state and the epochs it has done; the
        records' history is cut to those epochs.
        """
        self._require_lock()
        import keras
        tried = []
        for name in (records.checkpoint, records.previous_checkpoint):
            if not name:
                continue
            try:
                path = self.check_file(records, name)
                _verify_keras_file(path)
                model = keras.models.load_model(path)
            except SpecError as err:  # not the run's own file: never loaded, the previous one is tried
                tried.append(f"{name} ({(err.hint or str(err)).rstrip('.')})")
                continue
            except Exception as err:  # a torn or missing file: fall back to the previous checkpoint
                tried.append(f"{name} ({type(err).__name__}: {str(err)[:120]})")
                continue
            epochs = int(_CHECKPOINT_RE.match(name).group(1))
            if epochs != records.epochs_done:
                warnings.warn(f"{self.where}: {tried[0] if tried else name} could not be loaded; resuming from "
                              f"{name} (epoch {epochs}).", RuntimeWarning, stacklevel=3)
            _cut_history(records, epochs)
            records.checkpoint = name
            records.previous_checkpoint = None
            return model, epochs
        why = "; ".join(tried) if tried else "the run was interrupted before its first checkpoint"
        raise fail(self.where, "out", "a run with a loadable checkpoint", self.path,
                   f"Cannot resume: no loadable checkpoint: {why}; start it again (overwrite).")

    def finish(self, model, records: Records, preds: Any = None) -> Records:
        """Write the final model, patterns (from ``model``: a SET run's final ones), predictions and records
        (status "done"), then remove the checkpoints.  ``preds`` is an array or None."""
        self._require_lock()
        if preds is not None:
            import numpy as np
            durable_write(os.path.join(self.path, PREDS), lambda f: np.savez_compressed(f, preds=preds))
        save_model(model, os.path.join(self.path, MODEL))
        self._digest(records, MODEL)
        self.save_patterns(model, records)
        records.status = "done"
        records.checkpoint = records.previous_checkpoint = None
        records.digests = {k: v for k, v in records.digests.items() if not _CHECKPOINT_RE.match(k)}
        self.write_records(records)
        for path in self.checkpoints():
            os.unlink(path)
        return records

    def fail(self, records: Records, divergence: Mapping[str, Any]) -> Records:
        """Record a diverged run (status "diverged", where and what) and keep its last finite checkpoint."""
        self._require_lock()
        records.status = "diverged"
        records.divergence = dict(divergence)
        self.write_records(records)
        return records

    def clean(self) -> None:
        """Remove the files a run writes here (and nothing else)."""
        self._require_lock()
        for name in (RECORDS, MODEL, PREDS):
            path = os.path.join(self.path, name)
            if os.path.lexists(path):
                os.unlink(path)
        for path in self.checkpoints():
            os.unlink(path)
        if os.path.isdir(os.path.join(self.path, PATTERNS)):
            shutil.rmtree(os.path.join(self.path, PATTERNS))
        self._remove_stale_temps()


def _diff(old: Any, new: Any, prefix: str = "") -> dict[str, tuple[Any, Any]]:
    """Differing settings as ``{dotted key: (old, new)}``; nested dicts are compared key by key."""
    out: dict[str, tuple[Any, Any]] = {}
    if isinstance(old, dict) and isinstance(new, dict):
        for key in list(old) + [k for k in new if k not in old]:
            out.update(_diff(old.get(key), new.get(key), f"{prefix}{key}."))
        return out
    if _canonical(old) != _canonical(new):
        out[prefix.rstrip(".")] = (old, new)
    return out


def _cut_history(records: Records, epochs: int) -> None:
    for key in records.history:
        records.history[key] = records.history[key][:epochs]
    records.epochs_done = epochs

