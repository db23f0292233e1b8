"""Bad-input cases of the training area: run_model, sim_net, training.*, results.* and ``predefsparse run``
(see tests/badinput.py).

Keras is imported inside the calls, not when the meta-test collects this module.  Data are six tiny synthetic
arrays (shape checks only; nothing trains): every case is refused before a fit starts.
"""
from __future__ import annotations

import contextlib
import io
import os
import tempfile

import numpy as np

from adjmat import SpecError

from ..badinput import Case


def _data():
    rng = np.random.default_rng(0)
    x = rng.random((12, 6), dtype=np.float32)
    y = np.eye(2, dtype=np.float32)[np.arange(12) % 2]
    return x[:8], y[:8], x[8:10], y[8:10], x[10:], y[10:]


def _net():
    from predefsparse import models
    return models.mlp((8, 4, 2), fo=(2, 2), kind="usn", seed=0)


def _tmp(*parts):
    return os.path.join(tempfile.mkdtemp(), *parts)


def _run(**kwargs):
    from predefsparse.training import run_model
    args = dict(dataset=_data(), epochs=1, batch_size=4, verbose=0, out=_tmp("run"))
    args.update(kwargs)
    return run_model(args.pop("model", None) or _net(), **args)


def _sim(**kwargs):
    from predefsparse.training import sim_net
    args = dict(config=(8, 4, 2), fo=(2, 2), kind="usn", dataset=_data(), epochs=1, batch_size=4, verbose=0,
                out=_tmp("run"))
    args.update(kwargs)
    return sim_net(**args)


def _existing_file():
    path = _tmp("notes.txt")
    with open(path, "w") as f:
        f.write("mine")
    return path


def _foreign_folder():
    folder = tempfile.mkdtemp()
    with open(os.path.join(folder, "thesis.tex"), "w") as f:
        f.write("mine")
    return folder


def _finished_run():
    """A finished 1-epoch run (its folder), for the resume cases."""
    out = _tmp("run")
    _sim(out=out)
    return out


def _records_file(text: str):
    path = _tmp("records.json")
    with open(path, "w") as f:
        f.write(text)
    return path


def _records(**kwargs):
    from predefsparse.results import Records
    return Records(**{"settings": {}, **kwargs})


def _from_dict(mutate):
    from predefsparse.results import Records
    data = Records(settings={"epochs": 1}).to_dict()
    mutate(data)
    return Records.from_dict(data, origin="records.json")


def _load_records(text):
    from predefsparse.results import Records
    return Records.load(_records_file(text))


def _folder(path, **open_kwargs):
    from predefsparse.results import RunFolder
    folder = RunFolder(path)
    settings = open_kwargs.pop("settings", {"epochs": 1})
    try:
        return folder.open(settings, **open_kwargs)
    finally:
        folder.close()


def _locked_twice():
    from predefsparse.results import RunFolder
    path = tempfile.mkdtemp()
    holder = RunFolder(path)
    holder.open({"epochs": 1})
    try:
        return _folder(path)
    finally:
        holder.close()


def _tiny_npz():
    from predefsparse import datasets
    return datasets.save(_tmp("tiny.npz"), *_data())


def _cli(*argv, out=None, net=("--fo", "2,2", "--kind", "usn")):
    """``predefsparse run`` on a tiny dataset; exit status 1 becomes a SpecError holding the one stderr line."""
    from predefsparse.cli import main
    err = io.StringIO()
    base = ["run", "--config", "8,4,2", *net, "--dataset", _tiny_npz(), "--batch-size", "4", "--epochs", "1",
            "--quiet"]
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        rc = main(base + list(argv) + ["--out", out or _tmp("run")])
    text = err.getvalue()
    if rc == 1:
        assert len(text.strip().splitlines()) == 1 and "Traceback" not in text, text
        raise SpecError(text)
    return rc


def _cli_resume_other_kind():
    out = _tmp("run")
    assert _cli(out=out) == 0
    return _cli("--resume", out=out, net=("--kind", "random", "--densities", "0.5,1"))


def _kl(standard, other, **kw):
    from predefsparse.training import kl_divergence
    return kl_divergence(standard, other, **kw)


def _opt(**kw):
    from predefsparse.training import default_optimizer
    return default_optimizer(**kw)


def _run_name(settings):
    from predefsparse.results import run_name
    return run_name(settings)


def _hash(settings, **kw):
    from predefsparse.results import settings_hash
    return settings_hash(settings, **kw)


_P = np.array([[0.5, 0.5], [0.9, 0.1]])

CASES: list[Case] = []
for _name_of_entry in ("predefsparse.run_model", "predefsparse.training.run_model"):
    CASES += [
        Case(_name_of_entry, "model not a Keras model", lambda: _run(model="net"), ("model", "keras.Model")),
        Case(_name_of_entry, "valtest 3", lambda: _run(valtest=3), ("valtest", "3")),
        Case(_name_of_entry, "batch_size 0", lambda: _run(batch_size=0), ("batch_size", "0")),
        Case(_name_of_entry, "epochs 0", lambda: _run(epochs=0), ("epochs", "positive integer")),
        Case(_name_of_entry, "epochs 2.0", lambda: _run(epochs=2.0), ("epochs", "2.0")),
        Case(_name_of_entry, "epoch_step 0", lambda: _run(epoch_step=0), ("epoch_step",)),
        Case(_name_of_entry, "steps_per_execution 0", lambda: _run(steps_per_execution=0),
             ("steps_per_execution",)),
        Case(_name_of_entry, "resume and overwrite", lambda: _run(resume=True, overwrite=True),
             ("exclude each other",)),
        Case(_name_of_entry, "resume not a bool", lambda: _run(resume="yes"), ("resume", "'yes'")),
        Case(_name_of_entry, "verbose 5", lambda: _run(verbose=5), ("verbose", "5")),
        Case(_name_of_entry, "preds_compare 2", lambda: _run(preds_compare=2), ("preds_compare", "2")),
        Case(_name_of_entry, "preds_compare missing file", lambda: _run(preds_compare=_tmp("none.npz")),
             ("preds_compare", "no predictions file"), error=FileNotFoundError),
        Case(_name_of_entry, "seed negative", lambda: _run(seed=-1), ("seed", "-1")),
        Case(_name_of_entry, "seed a Generator", lambda: _run(seed=np.random.default_rng(0)),
             ("seed", "Generator")),
        Case(_name_of_entry, "dataset a number", lambda: _run(dataset=42), ("dataset", "int")),
        Case(_name_of_entry, "input_pad narrower than the data", lambda: _run(input_pad=3),
             ("input_pad", "data width 6")),
        Case(_name_of_entry, "preprocess unknown", lambda: _run(preprocesses=["whiten"]), ("whiten",)),
        Case(_name_of_entry, "preprocess not a name or function", lambda: _run(preprocesses=[42]),
             ("preprocesses", "42")),
        Case(_name_of_entry, "callbacks not callbacks", lambda: _run(callbacks=[object()]), ("callbacks",)),
        Case(_name_of_entry, "out empty", lambda: _run(out=""), ("out",)),
        Case(_name_of_entry, "out an existing file", lambda: _run(out=_existing_file()),
             ("out=", "notes.txt", "existing file")),
        Case(_name_of_entry, "out a folder of other files", lambda: _run(out=_foreign_folder()),
             ("thesis.tex", "holding other files")),
        Case(_name_of_entry, "out locked by another run", lambda: _locked_twice(), ("in use by another run", "pid")),
        Case(_name_of_entry, "extra_settings not a dict", lambda: _run(extra_settings=[1]), ("extra_settings",)),
    ]
for _name_of_entry in ("predefsparse.sim_net", "predefsparse.training.sim_net"):
    CASES += [
        Case(_name_of_entry, "l2 negative", lambda: _sim(l2=-1.0), ("l2", "-1.0")),
        Case(_name_of_entry, "lr zero", lambda: _sim(lr=0.0), ("lr", "0.0")),
        Case(_name_of_entry, "lr nan", lambda: _sim(lr=float("nan")), ("lr", "nan")),
        Case(_name_of_entry, "decay negative", lambda: _sim(decay=-1e-5), ("decay",)),
        Case(_name_of_entry, "kind not a string", lambda: _sim(kind=3), ("kind", "3")),
        Case(_name_of_entry, "kind unknown", lambda: _sim(kind="sparse"), ("kind", "'sparse'")),
        Case(_name_of_entry, "epsilon negative", lambda: _sim(kind="erdos_renyi", fo=None, epsilon=-1.0),
             ("epsilon", "-1.0")),
        Case(_name_of_entry, "dropout 1.5", lambda: _sim(dropout=1.5), ("dropout", "1.5")),
        Case(_name_of_entry, "seed a string", lambda: _sim(seed="0"), ("seed", "'0'")),
        Case(_name_of_entry, "config a set", lambda: _sim(config={8, 4, 2}), ("config",)),
        Case(_name_of_entry, "epochs 0", lambda: _sim(epochs=0), ("epochs",)),
        Case(_name_of_entry, "resume with another kind", lambda: _sim(out=_finished_run(), kind="random", fo=None,
                                                                      densities=(0.5, 1.0), resume=True),
             ("Cannot resume", "kind: saved 'usn', now 'random'")),
        Case(_name_of_entry, "resume with another seed", lambda: _sim(out=_finished_run(), seed=1, resume=True),
             ("seed: saved 0, now 1",)),
        Case(_name_of_entry, "resume with another batch size",
             lambda: _sim(out=_finished_run(), epochs=1, resume=True, batch_size=2),
             ("batch_size: saved 4, now 2",)),
    ]
CASES += [
    Case("predefsparse.training.default_optimizer", "lr zero", lambda: _opt(lr=0.0), ("lr", "0.0")),
    Case("predefsparse.training.default_optimizer", "decay negative", lambda: _opt(decay=-1.0), ("decay", "-1.0")),
    Case("predefsparse.training.kl_divergence", "1-D", lambda: _kl([0.5, 0.5], [0.5, 0.5]),
         ("standard", "2-D")),
    Case("predefsparse.training.kl_divergence", "shapes differ", lambda: _kl(_P, _P[:1]),
         ("other", "(2, 2)", "(1, 2)")),
    Case("predefsparse.training.kl_divergence", "negative probabilities", lambda: _kl(-_P, _P),
         ("standard", "non-negative")),
    Case("predefsparse.training.kl_divergence", "nan", lambda: _kl(_P, _P * np.nan), ("other", "finite")),
    Case("predefsparse.training.kl_divergence", "clip zero", lambda: _kl(_P, _P, clip=0.0), ("clip", "0.0")),
    Case("predefsparse.training.kl_divergence", "strings", lambda: _kl("ab", _P), ("standard",)),
    # results
    Case("predefsparse.results.Records", "settings not a dict", lambda: _records(settings=5), ("settings", "5")),
    Case("predefsparse.results.Records", "status unknown", lambda: _records(status="finished"),
         ("status", "'finished'")),
    Case("predefsparse.results.Records", "epochs_done negative", lambda: _records(epochs_done=-1),
         ("epochs_done", "-1")),
    Case("predefsparse.results.Records", "history of strings", lambda: _records(history={"loss": ["a"]}),
         ("history",)),
    Case("predefsparse.results.Records", "checkpoint a path", lambda: _records(checkpoint="../../etc/passwd"),
         ("checkpoint", "passwd")),
    Case("predefsparse.results.Records", "from_dict: a JSON list", lambda: _from_dict_list(),
         ("records.json", "list")),
    Case("predefsparse.results.Records", "from_dict: missing key", lambda: _from_dict(lambda d: d.pop("history")),
         ("records.json", "missing key(s) history")),
    Case("predefsparse.results.Records", "from_dict: unknown key", lambda: _from_dict(lambda d: d.update(x=1)),
         ("records.json", "unknown key(s) x")),
    Case("predefsparse.results.Records", "from_dict: old schema",
         lambda: _from_dict(lambda d: d.update(schema="predefsparse.records/1")), ("schema", "records/1")),
    Case("predefsparse.results.Records", "from_dict: history longer than epochs",
         lambda: _from_dict(lambda d: d.update(history={"loss": [1.0, 2.0]})), ("2 entries for 0 epochs",)),
    Case("predefsparse.results.Records", "load: truncated", lambda: _load_records('{"schema": "predefsparse.rec'),
         ("records.json", "not valid JSON")),
    Case("predefsparse.results.Records", "load: empty", lambda: _load_records(""), ("records.json", "empty")),
    Case("predefsparse.results.Records", "load: NaN constant", lambda: _load_records('{"kl": NaN}'),
         ("records.json", "NaN")),
    Case("predefsparse.results.Records", "load: a number", lambda: _load_records("3"), ("records.json", "int")),
    Case("predefsparse.results.RunFolder", "path a number", lambda: _folder(5), ("path", "5")),
    Case("predefsparse.results.RunFolder", "path empty", lambda: _folder(""), ("path",)),
    Case("predefsparse.results.RunFolder", "path an existing file", lambda: _folder(_existing_file()),
         ("existing file",)),
    Case("predefsparse.results.RunFolder", "settings not a mapping",
         lambda: _folder(tempfile.mkdtemp(), settings=[1]), ("settings",)),
    Case("predefsparse.results.RunFolder", "resume not a bool", lambda: _folder(tempfile.mkdtemp(), resume=1),
         ("resume", "1")),
    Case("predefsparse.results.RunFolder", "resume and overwrite",
         lambda: _folder(tempfile.mkdtemp(), resume=True, overwrite=True), ("exclude each other",)),
    Case("predefsparse.results.RunFolder", "folder locked", lambda: _locked_twice(), ("in use", "pid")),
    Case("predefsparse.results.run_name", "settings a list", lambda: _run_name([1]), ("settings", "list")),
    Case("predefsparse.results.settings_hash", "settings a string", lambda: _hash("abc"), ("settings", "str")),
    Case("predefsparse.results.settings_hash", "length 2", lambda: _hash({}, length=2), ("length", "2")),
    # the command line
    Case("predefsparse.cli", "run --epochs 0", lambda: _cli("--epochs", "0"), ("--epochs", "--epochs=0")),
    Case("predefsparse.cli", "run --lr 0", lambda: _cli("--lr", "0"), ("--lr",)),
    Case("predefsparse.cli", "run --l2 -1", lambda: _cli("--l2", "-1"), ("--l2",)),
    Case("predefsparse.cli", "run --batch-size 0", lambda: _cli("--batch-size", "0"), ("--batch-size",)),
    Case("predefsparse.cli", "run --dropout 2", lambda: _cli("--dropout", "2"), ("--dropout",)),
    Case("predefsparse.cli", "run --out an existing file", lambda: _cli(out=_existing_file()),
         ("--out", "existing file")),
    Case("predefsparse.cli", "run --out a folder of other files", lambda: _cli(out=_foreign_folder()),
         ("--out", "thesis.tex")),
    Case("predefsparse.cli", "run --resume with another --kind", lambda: _cli_resume_other_kind(),
         ("--kind: saved 'usn', now 'random'",)),
    Case("predefsparse.cli", "run --dataset missing", lambda: _cli("--dataset", _tmp("none.npz")), ("none.npz",)),
]


def _from_dict_list():
    from predefsparse.results import Records
    return Records.from_dict([1, 2], origin="records.json")


EXEMPT: dict[str, str] = {}
