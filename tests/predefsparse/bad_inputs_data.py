"""Bad-input cases of the data area: predefsparse.datasets, morse, preprocess and ``predefsparse data``
(see tests/badinput.py).  Hostile files (truncated, empty, crafted headers) are among them: each is a
SpecError naming the file."""
from __future__ import annotations

import contextlib
import io
import os
import tempfile
import zipfile

import numpy as np

from adjmat import SpecError

from ..badinput import Case
from ..crafted_npz import npy_header, replace_member


def _x(rows=6, cols=4):
    return np.random.default_rng(0).random((rows, cols))


_Y = np.eye(2)[np.arange(6) % 2]


def _ds():
    from predefsparse import datasets
    return datasets


def _morse():
    from predefsparse import morse
    return morse


def _pre():
    from predefsparse import preprocess
    return preprocess


def _tmp(name):
    return os.path.join(tempfile.mkdtemp(), name)


def _valid_file():
    x = _x().astype(np.float32)
    return _ds().save(_tmp("d.npz"), x, _Y, x[:2], _Y[:2], x[:2], _Y[:2])


def _damaged(how: str):
    path = _valid_file()
    raw = open(path, "rb").read()
    if how == "empty":
        raw = b""
    elif how == "truncated":
        raw = raw[: len(raw) // 2]
    elif how == "flipped":  # a byte inside xtr's data: the zip CRC no longer matches
        with zipfile.ZipFile(path) as zf:
            info = zf.getinfo("xtr.npy")
        at = info.header_offset + 30 + len(info.filename) + 200
        raw = raw[:at] + bytes([raw[at] ^ 0xFF]) + raw[at + 1:]
    with open(path, "wb") as f:
        f.write(raw)
    return path


def _crafted(header: bytes, data: bytes = b"\x00" * 96, key="xtr"):
    return replace_member(_valid_file(), key, header + data)


def _without(key):
    return replace_member(_valid_file(), key, None)


def _with_note(text):
    path = _valid_file()
    with open(path[:-4] + ".provenance.json", "w") as f:
        f.write(text)
    return path


def _cli(*argv):
    from predefsparse.cli import main
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        rc = main(["data", *argv])
    text = err.getvalue()
    if rc == 1:
        assert len(text.strip().splitlines()) == 1 and "Traceback" not in text, text
        raise SpecError(text)
    return rc


_GARBAGE = b"\x93NUMPY\x01\x00\x10\x00{'descr': <<<<\n"

CASES: list[Case] = []
for _entry in ("load", "info"):
    _name = f"predefsparse.datasets.{_entry}"
    CASES += [
        Case(_name, "not a path", lambda e=_entry: getattr(_ds(), e)(3), ("name_or_path", "3")),
        Case(_name, "empty string", lambda e=_entry: getattr(_ds(), e)(""), ("name_or_path",)),
        Case(_name, "data_dir a number", lambda e=_entry: getattr(_ds(), e)("mnist", data_dir=5), ("data_dir",)),
        Case(_name, "empty file", lambda e=_entry: getattr(_ds(), e)(_damaged("empty")), ("d.npz", "empty")),
        Case(_name, "truncated file", lambda e=_entry: getattr(_ds(), e)(_damaged("truncated")),
             ("d.npz", "truncated")),
        Case(_name, "flipped byte", lambda e=_entry: getattr(_ds(), e)(_damaged("flipped")), ("d.npz", "xtr")),
        Case(_name, "missing key", lambda e=_entry: getattr(_ds(), e)(_without("yva")),
             ("d.npz", "missing key(s) yva")),
        Case(_name, "garbage npy header", lambda e=_entry: getattr(_ds(), e)(_crafted(_GARBAGE)),
             ("d.npz", "garbage .npy header")),
        Case(_name, "a list as npy header",
             lambda e=_entry: getattr(_ds(), e)(_crafted(b"\x93NUMPY\x01\x00\x10\x00[1, 2, 3]      \n")),
             ("d.npz", "xtr")),
        Case(_name, "header declaring 10^12 elements",
             lambda e=_entry: getattr(_ds(), e)(_crafted(npy_header((10**6, 10**6)))),
             ("d.npz", "(1000000, 1000000)")),
        Case(_name, "object array", lambda e=_entry: getattr(_ds(), e)(_crafted(npy_header((6, 4), "|O"))),
             ("d.npz", "pickled")),
        Case(_name, "a pickle", lambda e=_entry: getattr(_ds(), e)(_pickle_file()), ("pickle", "never unpickles")),
    ]
CASES += [
    Case("predefsparse.datasets.info", "build note a JSON list", lambda: _ds().info(_with_note("[1, 2]")),
         ("provenance.json", "JSON list")),
    Case("predefsparse.datasets.info", "build note truncated", lambda: _ds().info(_with_note('{"seed": 0')),
         ("provenance.json", "not valid JSON")),
    Case("predefsparse.datasets.path_for", "bad name", lambda: _ds().path_for("bad name!"), ("name_or_path",)),
    Case("predefsparse.datasets.path_for", "a float", lambda: _ds().path_for(1.5), ("name_or_path", "1.5")),
    Case("predefsparse.datasets.path_for", "data_dir a number", lambda: _ds().path_for("mnist", data_dir=3),
         ("data_dir", "3")),
    Case("predefsparse.datasets.check", "a text file (e.g. /etc/passwd)", lambda: _ds().check(_text_file()),
         ("check: dataset must be", "it looks like a text file")),
    Case("predefsparse.datasets.check", "an empty test split", lambda: _ds().check(_empty_test()),
         ("dataset", "xte: at least one test sample")),
    Case("predefsparse.datasets.check", "a misspelt name", lambda: _ds().check("mnsit", data_dir=tempfile.mkdtemp()),
         ("dataset", "'mnsit'", "Did you mean 'mnist'")),
    Case("predefsparse.datasets.check", "a folder", lambda: _ds().check(tempfile.mkdtemp() + "/"),
         ("dataset", "a folder")),
    Case("predefsparse.datasets.check", "garbage npy header", lambda: _ds().check(_crafted(_GARBAGE)),
         ("dataset", "xtr", "garbage .npy header")),
    Case("predefsparse.datasets.check", "param empty", lambda: _ds().check(_valid_file(), param=""), ("param",)),
    Case("predefsparse.datasets.check", "build a string", lambda: _ds().check(_valid_file(), build="no"),
         ("build", "'no'")),
    Case("predefsparse.datasets.shapes", "not a path", lambda: _ds().shapes(3), ("dataset", "3")),
    Case("predefsparse.datasets.shapes", "a text file", lambda: _ds().shapes(_text_file()),
         ("shapes: dataset must be", "text file")),
    Case("predefsparse.datasets.validate", "rows differ", lambda: _ds().validate(_x(), _Y, _x(), _Y, _x(), _Y[:2]),
         ("yte", "one label row per test sample")),
    Case("predefsparse.datasets.validate", "not one-hot", lambda: _ds().validate(_x(), _Y, _x(), _Y, _x(), 2 * _Y),
         ("yte", "one-hot")),
    Case("predefsparse.datasets.validate", "nan", lambda: _ds().validate(_x() * np.nan, _Y, _x(), _Y, _x(), _Y),
         ("xtr", "finite")),
    Case("predefsparse.datasets.validate", "1-D x", lambda: _ds().validate(np.zeros(6), _Y, _x(), _Y, _x(), _Y),
         ("xtr",)),
    Case("predefsparse.datasets.save", "path not .npz", lambda: _ds().save("x.csv", _x(), _Y, _x(), _Y, _x(), _Y),
         ("path", "x.csv")),
    Case("predefsparse.datasets.save", "compress not a bool",
         lambda: _ds().save(_tmp("a.npz"), _x(), _Y, _x(), _Y, _x(), _Y, compress="no"), ("compress", "'no'")),
    Case("predefsparse.datasets.save", "object array",
         lambda: _ds().save(_tmp("a.npz"), np.array([[None] * 4] * 6), _Y, _x(), _Y, _x(), _Y), ("xtr",)),
    Case("predefsparse.datasets.read_idx", "not a path", lambda: _ds().read_idx(3), ("path", "3")),
    Case("predefsparse.datasets.read_idx", "md5 not a digest", lambda: _ds().read_idx(_valid_file(), md5="zz"),
         ("md5", "'zz'")),
    Case("predefsparse.datasets.read_idx", "not an IDX file", lambda: _ds().read_idx(_valid_file()),
         ("path", "IDX")),
    Case("predefsparse.datasets.read_idx", "missing file", lambda: _ds().read_idx(_tmp("none.gz")), ("none.gz",),
         error=FileNotFoundError),
    Case("predefsparse.datasets.build", "unknown name", lambda: _ds().build("imagenet", data_dir=tempfile.mkdtemp()),
         ("name", "'imagenet'")),
    Case("predefsparse.datasets.build", "option of another builder",
         lambda: _ds().build("mnist", data_dir=tempfile.mkdtemp(), frame=64), ("frame", "'mnist'")),
    Case("predefsparse.datasets.build", "seed a string",
         lambda: _ds().build("digits", data_dir=tempfile.mkdtemp(), seed="a"), ("seed", "'a'")),
    Case("predefsparse.datasets.build", "out not .npz",
         lambda: _ds().build("digits", data_dir=tempfile.mkdtemp(), out="x.csv"), ("out",)),
    Case("predefsparse.datasets.build", "morse huge per_class",
         lambda: _ds().build("morse", data_dir=tempfile.mkdtemp(), per_class=(10**9, 1, 1)),
         ("the request needs about", "PREDEFSPARSE_MAX_MEMORY")),
    # morse
    Case("predefsparse.morse.variant_options", "unknown variant", lambda: _morse().variant_options("hard"),
         ("variant", "'hard'")),
    Case("predefsparse.morse.variant_options", "a number", lambda: _morse().variant_options(3), ("variant", "3")),
    Case("predefsparse.morse.max_length", "bad code", lambda: _morse().max_length({"a": "x"}), ("codebook",)),
    Case("predefsparse.morse.max_length", "a list", lambda: _morse().max_length([1]), ("codebook",)),
    Case("predefsparse.morse.max_length", "dot reversed", lambda: _morse().max_length(dot=(3, 1)),
         ("dot", "(3, 1)")),
    Case("predefsparse.morse.max_length", "dilation 0", lambda: _morse().max_length(dilation=0), ("dilation", "0")),
    Case("predefsparse.morse.generate", "per_class no train", lambda: _morse().generate(per_class=(0, 1, 1)),
         ("per_class",)),
    Case("predefsparse.morse.generate", "per_class beyond memory", lambda: _morse().generate(per_class=(10**9, 1, 1)),
         ("the request needs about",)),
    Case("predefsparse.morse.generate", "style unknown", lambda: _morse().generate(per_class=(1, 1, 1), style="rgb"),
         ("style", "'rgb'")),
    Case("predefsparse.morse.generate", "frame too short", lambda: _morse().generate(per_class=(1, 1, 1), frame=5),
         ("frame", "5")),
    Case("predefsparse.morse.generate", "noisesd nan",
         lambda: _morse().generate(per_class=(1, 1, 1), noisesd=float("nan")), ("noisesd", "nan")),
    Case("predefsparse.morse.generate", "maxflip negative",
         lambda: _morse().generate(per_class=(1, 1, 1), maxflip=-1), ("maxflip", "-1")),
    Case("predefsparse.morse.generate", "leading_space a string",
         lambda: _morse().generate(per_class=(1, 1, 1), leading_space="yes"), ("leading_space", "'yes'")),
    Case("predefsparse.morse.generate", "seed negative", lambda: _morse().generate(per_class=(1, 1, 1), seed=-1),
         ("seed", "-1")),
    # preprocess
    Case("predefsparse.preprocess.none", "1-D xtr", lambda: _pre().none(np.zeros(3), _x(), _x()), ("xtr",)),
    Case("predefsparse.preprocess.none", "other features", lambda: _pre().none(_x(), _x(2, 5), _x()),
         ("xva", "(4,)")),
    Case("predefsparse.preprocess.gaussian", "strings", lambda: _pre().gaussian(np.array([["a"]]), _x(), _x()),
         ("xtr", "numeric")),
    Case("predefsparse.preprocess.gaussian", "nan", lambda: _pre().gaussian(_x() * np.nan, _x(), _x()),
         ("xtr", "finite")),
    Case("predefsparse.preprocess.minmax", "no training sample", lambda: _pre().minmax(_x()[:0], _x(), _x()),
         ("xtr", "at least 1")),
    Case("predefsparse.preprocess.zca", "eps negative", lambda: _pre().zca(_x(), _x(), _x(), eps=-1),
         ("eps", "-1")),
    Case("predefsparse.preprocess.zca", "objects", lambda: _pre().zca(np.array([[None] * 4] * 6), _x(), _x()),
         ("xtr",)),
    Case("predefsparse.preprocess.gcn", "scale 0", lambda: _pre().gcn(_x(), _x(), _x(), scale=0), ("scale",)),
    Case("predefsparse.preprocess.gcn", "lam negative", lambda: _pre().gcn(_x(), _x(), _x(), lam=-1), ("lam",)),
    Case("predefsparse.preprocess.gcn", "eps 0", lambda: _pre().gcn(_x(), _x(), _x(), eps=0), ("eps",)),
    Case("predefsparse.preprocess.pca", "k 0", lambda: _pre().pca(0), ("k", "0")),
    Case("predefsparse.preprocess.pca", "k 1.5", lambda: _pre().pca(1.5), ("k", "1.5")),
    Case("predefsparse.preprocess.pca", "k above the features", lambda: _pre().pca(10)(_x(), _x(), _x()),
         ("k", "4")),
    Case("predefsparse.preprocess.lda", "labels None", lambda: _pre().lda(None), ("ytr",)),
    Case("predefsparse.preprocess.lda", "k above classes - 1", lambda: _pre().lda(_Y, k=5), ("k", "5")),
    Case("predefsparse.preprocess.lda", "rows differ", lambda: _pre().lda(_Y)(_x(3), _x(), _x()), ("xtr", "6")),
    Case("predefsparse.preprocess.get", "unknown", lambda: _pre().get("whiten"), ("name", "'whiten'")),
    Case("predefsparse.preprocess.get", "pca without k", lambda: _pre().get("pcaX"), ("name", "'pcaX'")),
    Case("predefsparse.preprocess.get", "lda without labels", lambda: _pre().get("lda"), ("ytr",)),
    Case("predefsparse.preprocess.get", "a number", lambda: _pre().get(3), ("name", "3")),
    # the command line
    Case("predefsparse.cli", "data info of a truncated file", lambda: _cli("info", _damaged("truncated")),
         ("predefsparse data: error:", "d.npz")),
    Case("predefsparse.cli", "data info of a crafted header", lambda: _cli("info", _crafted(_GARBAGE)),
         ("predefsparse data: error:", "garbage .npy header")),
    Case("predefsparse.cli", "data info of a missing file", lambda: _cli("info", _tmp("none.npz")),
         ("none.npz",)),
    Case("predefsparse.cli", "data build --option of another builder",
         lambda: _cli("build", "mnist", "--data-dir", tempfile.mkdtemp(), "--option", "frame=64"), ("frame",)),
    Case("predefsparse.cli", "data build morse beyond memory",
         lambda: _cli("build", "morse", "--data-dir", tempfile.mkdtemp(), "--option", "per_class=1000000000,1,1"),
         ("the request needs about",)),
]


def _text_file():
    path = _tmp("passwd")
    with open(path, "w") as f:
        f.write("root:x:0:0:root:/root:/bin/bash\n")
    return path


def _empty_test():
    x = _x().astype(np.float32)
    return _ds().save(_tmp("e.npz"), x, _Y, x[:2], _Y[:2], x[:0], _Y[:0])


def _pickle_file():
    path = _tmp("p.npz")
    with open(path, "wb") as f:
        f.write(b"\x80\x04}\x94.")
    return path


EXEMPT: dict[str, str] = {
    "predefsparse.datasets.default_data_dir": "takes no arguments (reads PREDEFSPARSE_DATA, checked by path_for)",
    "predefsparse.morse.load_codebook": "takes no arguments (reads the shipped codebook)",
}
