"""The typed records of a training run (``records.json``): :class:`Records`, its validation, and run names.

:class:`Records` holds a run's settings, the facts of its net, per-epoch history, results, provenance and the
SHA-256 of every file the run wrote; :meth:`Records.load` reads a ``records.json`` as a hostile file
(:func:`predefsparse.jsonio.read_json`).  :func:`run_name` and :func:`settings_hash` name a run's default folder.
The folder itself is :class:`predefsparse.results.RunFolder`'s.
"""
from __future__ import annotations

import dataclasses
import hashlib
import os
import re
from typing import Any, Callable, Mapping

from adjmat.errors import SpecError
from adjmat.validation import fail

from . import jsonio
from .fmt import fmt_list

__all__ = ["SCHEMA", "STATUSES", "Records", "run_name", "settings_hash", "CHECKPOINT_RE"]

#: Schema version written into every records.json (refused when it differs).
SCHEMA = "predefsparse.records/3"
#: The states of a run: "running" (or interrupted: resume it), "done", "diverged" (see docs/results.md).
STATUSES = ("running", "done", "diverged")
#: The name of a checkpoint file (its epoch count in the digits).
CHECKPOINT_RE = re.compile(r"^checkpoint-e(\d{4,})\.keras$")
_SHA256_RE = re.compile(r"^[0-9a-f]{64}$")
_MAX_RECORDS_BYTES = 64 * 2**20


# ----------------------------------------------------------------------------------------------- names
def _canonical(obj: Any) -> str:
    import json
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)


def settings_hash(settings: Mapping[str, Any], *, length: int = 8) -> str:
    """A short hex hash of every setting except ``epochs`` (canonical JSON, BLAKE2b).

    Examples
    --------
    >>> settings_hash({"seed": 0, "epochs": 5}) == settings_hash({"seed": 0, "epochs": 50})
    True
    >>> settings_hash({"seed": 0}) == settings_hash({"seed": 1})
    False
    """
    if not isinstance(settings, Mapping):
        raise fail("settings_hash", "settings", "a mapping of setting names to values", type(settings).__name__)
    if isinstance(length, bool) or not isinstance(length, int) or not 4 <= length <= 32:
        raise fail("settings_hash", "length", "an int in [4, 32]", length)
    body = {k: v for k, v in settings.items() if k != "epochs"}
    return hashlib.blake2b(_canonical(body).encode("utf-8"), digest_size=16).hexdigest()[:length]


def _slug(text: Any) -> str:
    text = os.path.basename(str(text))
    if text.endswith(".npz"):
        text = text[:-4]
    return re.sub(r"[^A-Za-z0-9.+-]+", "-", text).strip("-") or "data"


def run_name(settings: Mapping[str, Any]) -> str:
    """The default folder name of a run: dataset, net, kind, epochs and a hash of every other setting.

    Two runs that differ in any setting (the dataset, the epochs, the seed, L2, ...) get different names;
    ``results/<run_name(settings)>`` is where :func:`predefsparse.run_model` writes unless told otherwise.

    Examples
    --------
    >>> s = {"dataset": "mnist", "config": [800, 100, 10], "fo": [50, 10], "kind": "clash_free", "epochs": 10,
    ...      "seed": 0}
    >>> run_name(s).rsplit("_", 1)[0]
    'mnist_net800-100-10_fo50-10_clash_free_e10'
    >>> run_name(s) != run_name({**s, "dataset": "digits"}) and run_name(s) != run_name({**s, "epochs": 11})
    True
    """
    if not isinstance(settings, Mapping):
        raise fail("run_name", "settings", "a mapping of setting names to values", type(settings).__name__)
    return f"{_stem(settings)}_e{settings.get('epochs')}_{settings_hash(settings)}"


def _stem(settings: Mapping[str, Any]) -> str:
    net = settings.get("config") or (settings.get("net") or {}).get("config")
    parts = [_slug(settings.get("dataset", "data")), f"net{fmt_list(net)}" if net else "model"]
    if settings.get("fo") and not settings.get("densities"):
        parts.append(f"fo{fmt_list(settings['fo'])}")
    if settings.get("densities"):
        parts.append("d" + "-".join(f"{d:g}" for d in settings["densities"]))
    kind = settings.get("kind") or (settings.get("net") or {}).get("kind")
    if kind:
        parts.append(kind if isinstance(kind, str) else "+".join(map(str, kind)))
    return "_".join(parts)


# ----------------------------------------------------------------------------------------------- Records
def _is_num(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _is_opt(check):
    return lambda v: v is None or check(v)


_FIELD_CHECKS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "schema": (lambda v: v == SCHEMA, f"the string {SCHEMA!r}"),
    "status": (lambda v: v in STATUSES, "one of " + ", ".join(map(repr, STATUSES))),
    "settings": (lambda v: isinstance(v, dict), "a JSON object"),
    "junctions": (lambda v: isinstance(v, list) and all(isinstance(j, dict) for j in v), "a list of objects"),
    "config": (_is_opt(lambda v: isinstance(v, list) and all(isinstance(i, int) for i in v)),
               "a list of ints or null"),
    "fo": (_is_opt(lambda v: isinstance(v, list)), "a list or null"),
    "z": (_is_opt(lambda v: isinstance(v, list)), "a list or null"),
    "kind": (_is_opt(lambda v: isinstance(v, (str, list))), "a string, a list or null"),
    "densities": (lambda v: isinstance(v, list) and all(_is_num(d) for d in v), "a list of numbers"),
    "weights": (lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0, "a non-negative int"),
    "overall_density": (_is_opt(_is_num), "a number or null"),
    "trainable_parameters": (lambda v: isinstance(v, int) and v >= 0, "a non-negative int"),
    "seed": (_is_opt(lambda v: isinstance(v, int) and not isinstance(v, bool)), "an int or null"),
    "samples": (lambda v: isinstance(v, dict), "a JSON object"),
    "history": (lambda v: isinstance(v, dict) and all(
        isinstance(k, str) and isinstance(x, list) and all(_is_num(e) for e in x) for k, x in v.items()),
        "an object of per-epoch number lists"),
    "epochs_done": (lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0, "a non-negative int"),
    "test": (_is_opt(lambda v: isinstance(v, dict)), "an object or null"),
    "best": (_is_opt(lambda v: isinstance(v, dict)), "an object or null"),
    "kl": (_is_opt(_is_num), "a number or null"),
    "kl_clip": (_is_opt(_is_num), "a number or null"),
    "preds": (_is_opt(lambda v: isinstance(v, dict)), "an object or null"),
    "divergence": (_is_opt(lambda v: isinstance(v, dict)), "an object or null"),
    "checkpoint": (_is_opt(lambda v: isinstance(v, str) and bool(CHECKPOINT_RE.match(v))),
                   "a checkpoint-eNNNN.keras file name or null"),
    "previous_checkpoint": (_is_opt(lambda v: isinstance(v, str) and bool(CHECKPOINT_RE.match(v))),
                            "a checkpoint-eNNNN.keras file name or null"),
    "wall_time_s": (lambda v: _is_num(v) and v >= 0, "a non-negative number"),
    "resumed": (lambda v: isinstance(v, int) and v >= 0, "a non-negative int"),
    "versions": (lambda v: isinstance(v, dict), "a JSON object"),
    "patterns": (lambda v: isinstance(v, list) and all(isinstance(s, str) for s in v), "a list of file names"),
    "evolution": (_is_opt(lambda v: isinstance(v, list)), "a list or null"),
    "callbacks": (lambda v: isinstance(v, list) and all(isinstance(s, str) for s in v), "a list of names"),
    "optimizer": (_is_opt(lambda v: isinstance(v, dict)), "an object or null"),
    "model_name": (_is_opt(lambda v: isinstance(v, str)), "a string or null"),
    "folder": (_is_opt(lambda v: isinstance(v, str)), "a string or null"),
    "digests": (lambda v: isinstance(v, dict) and all(
        isinstance(k, str) and isinstance(x, str) and _SHA256_RE.match(x) for k, x in v.items()),
        "an object of file name -> SHA-256 hex digest"),
}


@dataclasses.dataclass
class Records:
    """What a run recorded: its settings, the facts of its net, per-epoch history, results and provenance.

    Written as ``records.json`` by :class:`RunFolder` (``to_dict``) and read back with validation
    (``from_dict``, ``load``).  Field names are the glossary's (docs/glossary.md); the layout is in
    docs/results.md.

    Attributes
    ----------
    settings : dict
        Every setting that defines the run (dataset and its digest, valtest, batch size, epochs, seed,
        preprocesses, optimizer, net, ...).  A resume must match all of them but ``epochs``.
    junctions, config, fo, z, kind, densities, weights, overall_density, trainable_parameters
        Facts of the net, read off its SparseDense layers (at the end of the run: a SET run's final patterns).
    seed : int or None
        The data-order seed (and, for :func:`predefsparse.sim_net`, of patterns and weights).
    samples : dict
        ``fit``, ``eval`` and ``eval_split``.
    history : dict of list of float
        Per-epoch metrics (``loss``, ``accuracy``, ``val_loss``, ...).
    epochs_done : int
    status : {"running", "done", "diverged"}
    test, best : dict or None
        Test metrics (valtest 1, 2) or the best epoch (valtest 0).
    kl, kl_clip : float or None
        Mean KL(standard || this run) and the probability clip used.
    preds : dict or None
        ``{"file": "preds.npz", "split": ...}`` when predictions were saved.
    divergence : dict or None
        ``epoch``, ``step``, ``what`` and ``value`` of the first non-finite loss or weight.
    checkpoint, previous_checkpoint : str or None
        The latest checkpoint and the one kept until the latest is verified.
    wall_time_s : float
    resumed : int
        How many times the run was resumed.
    versions : dict
    patterns : list of str
        Files under ``patterns/``.
    evolution : list or None
        SET history (``SETCallback.history_for_records()``), one entry per callback that has one.
    callbacks : list of str
        Class names of the extra callbacks (not compared on resume).
    optimizer : dict or None
        The serialised optimizer.
    model_name : str or None
    folder : str or None
        Where the run was written (the path as given).
    digests : dict
        SHA-256 of each checkpoint, model and pattern file written (``{"patterns/1_junction1.npz": ...}``),
        checked before the file is read back.
    schema : str
        :data:`SCHEMA`.

    Examples
    --------
    >>> r = Records(settings={"epochs": 2}, epochs_done=2, status="done", test={"accuracy": 0.9, "loss": 0.3})
    >>> Records.from_dict(r.to_dict()) == r
    True
    >>> r.test["accuracy"]
    0.9
    """

    settings: dict
    junctions: list = dataclasses.field(default_factory=list)
    config: list | None = None
    fo: list | None = None
    z: list | None = None
    kind: Any = None
    densities: list = dataclasses.field(default_factory=list)
    weights: int = 0
    overall_density: float | None = None
    trainable_parameters: int = 0
    seed: int | None = None
    samples: dict = dataclasses.field(default_factory=dict)
    history: dict = dataclasses.field(default_factory=dict)
    epochs_done: int = 0
    status: str = "running"
    test: dict | None = None
    best: dict | None = None
    kl: float | None = None
    kl_clip: float | None = None
    preds: dict | None = None
    divergence: dict | None = None
    checkpoint: str | None = None
    previous_checkpoint: str | None = None
    wall_time_s: float = 0.0
    resumed: int = 0
    versions: dict = dataclasses.field(default_factory=dict)
    patterns: list = dataclasses.field(default_factory=list)
    evolution: list | None = None
    callbacks: list = dataclasses.field(default_factory=list)
    optimizer: dict | None = None
    model_name: str | None = None
    folder: str | None = None
    digests: dict = dataclasses.field(default_factory=dict)
    schema: str = SCHEMA

    def __post_init__(self):
        for f in dataclasses.fields(self):
            check, expected = _FIELD_CHECKS[f.name]
            if not check(getattr(self, f.name)):
                raise fail("Records", f.name, expected, getattr(self, f.name))

    def to_dict(self) -> dict[str, Any]:
        """A JSON-safe dict of every field (round-trips through :meth:`from_dict`).

        Examples
        --------
        >>> Records(settings={}).to_dict()["schema"]
        'predefsparse.records/3'
        """
        return jsonio.plain(dataclasses.asdict(self))

    @classmethod
    def from_dict(cls, data: Any, *, origin: str | None = None, param: str = "data") -> "Records":
        """Validate ``data`` (e.g. a parsed ``records.json``) and build Records.

        Raises :class:`adjmat.SpecError` naming ``param`` (how the caller names the records), ``origin`` (the
        file) and the first bad field: a wrong schema, a missing or unknown key, or a value of the wrong type.

        Examples
        --------
        >>> try:
        ...     Records.from_dict({"schema": "predefsparse.records/3"}, origin="records.json")
        ... except ValueError as err:
        ...     print(str(err)[:72])
        Records.from_dict: data must be a valid records file; received data='rec
        """
        where = "Records.from_dict"
        src = origin or "data"

        def bad(problem: str) -> SpecError:
            return fail(where, param, "a valid records file", src, f"Invalid: {problem}.")

        if not isinstance(data, dict):
            raise bad(f"expected a JSON object, found {type(data).__name__}")
        names = [f.name for f in dataclasses.fields(cls)]
        if data.get("schema") != SCHEMA:
            found = data.get("schema", data.get("format"))
            raise bad(f"schema {found!r} is not {SCHEMA!r} (written by another version; start the run again "
                      f"with overwrite or in a new folder)")
        missing = [k for k in names if k not in data]
        if missing:
            raise bad("missing key(s) " + ", ".join(missing))
        unknown = sorted(set(data) - set(names))
        if unknown:
            raise bad("unknown key(s) " + ", ".join(unknown))
        for key in names:
            check, expected = _FIELD_CHECKS[key]
            if not check(data[key]):
                raise bad(f"{key} must be {expected}; found {data[key]!r:.80}")
        for key, values in data["history"].items():
            if len(values) != data["epochs_done"]:
                raise bad(f"history[{key!r}] has {len(values)} entries for {data['epochs_done']} epochs done")
        return cls(**{k: data[k] for k in names})

    @classmethod
    def load(cls, path: str | os.PathLike, *, param: str = "path", inside: str | os.PathLike | None = None
             ) -> "Records":
        """Read and validate a ``records.json`` as a hostile file (:func:`predefsparse.jsonio.read_json`: a
        regular file inside ``inside`` when given, strict JSON); every problem is a :class:`adjmat.SpecError`
        naming ``param`` and the file.

        Examples
        --------
        >>> import tempfile, os
        >>> p = os.path.join(tempfile.mkdtemp(), "records.json")
        >>> _ = open(p, "w").write('{"schema": "predefsparse.rec')
        >>> try:
        ...     Records.load(p)
        ... except ValueError as err:
        ...     print("records.json" in str(err), "not valid JSON" in str(err))
        True True
        """
        where = "Records.load"
        if not isinstance(path, (str, os.PathLike)):
            raise fail(where, "path", "a path to a records.json", type(path).__name__)
        data = jsonio.read_json(path, param=param, max_bytes=_MAX_RECORDS_BYTES, where=where,
                                what="records file", inside=inside)
        return cls.from_dict(data, origin=os.fspath(path), param=param)
