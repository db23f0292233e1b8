"""The CIFAR-10 builder: the binary archive or its extracted batches (never the pickled Python version)."""
from __future__ import annotations

import hashlib
import os
import tarfile
from pathlib import Path
from typing import Any

import numpy as np

from adjmat.validation import check_bool, fail

from .folders import _SourceMissing
from .npz import _one_hot

__all__ = ["CIFAR10_BINARY_MD5"]

#: md5 of ``cifar-10-binary.tar.gz`` (170,052,171 bytes) as published on the CIFAR page.
CIFAR10_BINARY_MD5 = "c32a1d4ab5d03f1284b67883e8d87530"
_CIFAR_URL = "https://www.cs.toronto.edu/~kriz/cifar.html"
_CIFAR_RECORD = 1 + 32 * 32 * 3


def _cifar_members(where: str, source: Path, verify: bool):
    """Read the six binary batches from an archive or a folder; return ({base: bytes}, record)."""
    names = [f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]
    pickled_hint = ("This is the pickled Python version of CIFAR-10; predefsparse never unpickles data (it can run "
                    f"arbitrary code). Download the binary version, cifar-10-binary.tar.gz, from {_CIFAR_URL}.")
    if source.is_file():
        with open(source, "rb") as f:
            digest = hashlib.md5()
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        got = digest.hexdigest()
        try:
            tar = tarfile.open(source, "r:*")
        except (tarfile.TarError, OSError) as err:
            raise fail(where, "source", "the CIFAR-10 binary archive (cifar-10-binary.tar.gz) or a folder of "
                       "its *.bin files", str(source), f"Not a readable tar archive ({err}).") from None
        with tar:
            members = {os.path.basename(m.name): m for m in tar.getmembers() if m.isfile()}
            if "data_batch_1" in members or any("batches-py" in m for m in tar.getnames()):
                raise fail(where, "source", "the CIFAR-10 binary archive, not the Python one", str(source),
                           pickled_hint)
            missing = [n for n in names if n not in members]
            if missing:
                raise fail(where, "source", "the CIFAR-10 binary archive (cifar-10-binary.tar.gz)", str(source),
                           f"It lacks {', '.join(missing)}.")
            if verify and got != CIFAR10_BINARY_MD5:
                raise fail(where, "source", f"the published cifar-10-binary.tar.gz (md5 {CIFAR10_BINARY_MD5})",
                           str(source), f"Its md5 is {got}: corrupt or modified. Download it again from "
                           f"{_CIFAR_URL}, or pass verify=False (CLI --no-verify) to accept a modified copy.")
            data = {n: tar.extractfile(members[n]).read() for n in names}
            meta = tar.extractfile(members["batches.meta.txt"]).read() if "batches.meta.txt" in members else b""
        return data, meta, {source.name: {"md5": got, "bytes": source.stat().st_size}}
    # a folder: the archive inside it, or the extracted files
    for archive in (source / "cifar-10-binary.tar.gz",):
        if archive.is_file():
            return _cifar_members(where, archive, verify)
    folders = [source, source / "cifar-10-batches-bin"]
    for folder in folders:
        if all((folder / n).is_file() for n in names):
            data = {n: (folder / n).read_bytes() for n in names}
            if verify:
                for n, b in data.items():
                    if len(b) != 10000 * _CIFAR_RECORD:
                        raise fail(where, "source", "the CIFAR-10 binary batches (10,000 records each)",
                                   str(folder / n), f"It holds {len(b)} bytes, not {10000 * _CIFAR_RECORD}. Pass "
                                   "verify=False (CLI --no-verify) to accept other sizes.")
            meta_file = folder / "batches.meta.txt"
            meta = meta_file.read_bytes() if meta_file.is_file() else b""
            record = {n: {"md5": hashlib.md5(b).hexdigest(), "bytes": len(b)} for n, b in data.items()}
            return data, meta, record
    if (source / "cifar-10-python.tar.gz").is_file() or (source / "cifar-10-batches-py").is_dir() or \
            (source / "data_batch_1").is_file():
        raise fail(where, "source", "the CIFAR-10 binary archive or its *.bin files", str(source), pickled_hint)
    raise _SourceMissing(where, (
        f"CIFAR-10 binary data not found in {source} (looked for cifar-10-binary.tar.gz, data_batch_1..5.bin "
        f"and test_batch.bin, also under cifar-10-batches-bin/). Download cifar-10-binary.tar.gz from "
        f"{_CIFAR_URL} and build from it: `predefsparse data build cifar10 --source PATH`."))


def _cifar_source(where: str, source: Any, data_dir: Path) -> Path:
    """The archive or folder CIFAR-10 is read from: ``source``, else ``<data_dir>/cifar10``."""
    if source is not None:
        if not isinstance(source, (str, os.PathLike)) or not os.fspath(source):
            raise fail(where, "source", "the CIFAR-10 binary archive or a folder of its *.bin files", source)
        path = Path(source).expanduser()
        if not path.exists():
            raise fail(where, "source", "an existing CIFAR-10 binary archive or folder", os.fspath(source),
                       f"No such file or folder. Download cifar-10-binary.tar.gz from {_CIFAR_URL}.")
        return path
    path = data_dir / "cifar10"
    if not path.exists():
        raise _SourceMissing(where, (
            f"CIFAR-10 is not on this machine (looked in {path}). Download the binary version, "
            f"cifar-10-binary.tar.gz, from {_CIFAR_URL} and put it in {path}, or build the dataset once from "
            "where it is: `predefsparse data build cifar10 --source PATH` (Python: "
            "predefsparse.datasets.build('cifar10', source=PATH))."))
    return path


def _build_cifar10(ctx: Any):  # builders._Context
    where = "build"
    verify = check_bool(where, "verify", ctx.options.get("verify", True))
    source = _cifar_source(where, ctx.source, ctx.data_dir)
    data, meta, record = _cifar_members(where, source, verify)
    xs, ys = [], []
    for n in [f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]:
        b = data[n]
        if not b or len(b) % _CIFAR_RECORD:
            raise fail(where, "source", f"CIFAR-10 binary batches (records of {_CIFAR_RECORD} bytes)", n,
                       f"It holds {len(b)} bytes, not a positive multiple of {_CIFAR_RECORD}.")
        rec = np.frombuffer(b, dtype=np.uint8).reshape(-1, _CIFAR_RECORD)
        labels = rec[:, 0]
        if labels.max() > 9:
            raise fail(where, "source", "CIFAR-10 binary batches (labels 0..9)", n,
                       f"It has label {int(labels.max())}: not CIFAR-10 (CIFAR-100 records are 3074 bytes).")
        img = rec[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)  # channels last, as Keras expects
        xs.append((img.astype(np.float32) / np.float32(255)))
        ys.append(_one_hot(labels, 10))
    out = {"xtr": np.concatenate(xs[:4]), "ytr": np.concatenate(ys[:4]), "xva": xs[4], "yva": ys[4],
           "xte": xs[5], "yte": ys[5]}
    names = [s for s in meta.decode("ascii", "replace").split() if s]
    return out, {"source": str(source), "source_files": record, "class_names": names[:10],
                 "notes": "images (samples, 32, 32, 3) channels last, x = pixels / 255 as float32; training = "
                          "data_batch_1..4, validation = data_batch_5, test = test_batch (Krizhevsky 2009)."}
