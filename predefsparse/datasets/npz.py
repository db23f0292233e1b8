"""The six-key dataset npz format: validate six arrays, read a file as a hostile one, write one reproducibly."""
from __future__ import annotations

import math
import os
import tokenize
import zipfile
import zlib
from pathlib import Path

import numpy as np

from adjmat._validation import check_bool, check_memory, fail
from adjmat.pattern import atomic_write

__all__ = ["KEYS", "validate", "save"]

#: The six keys of a dataset npz, in order.
KEYS = ("xtr", "ytr", "xva", "yva", "xte", "yte")
_SPLITS = (("train", "xtr", "ytr"), ("val", "xva", "yva"), ("test", "xte", "yte"))


def _describe(arr: np.ndarray) -> str:
    return f"array of shape {arr.shape} and dtype {arr.dtype}"


def _validate(where: str, arrays: dict[str, np.ndarray], origin: str | None) -> None:
    """Check the six arrays; raise SpecError naming the key and the problem."""
    hint = f"In {origin}." if origin else None
    for key in KEYS:
        arr = arrays[key]
        if arr.dtype.hasobject:
            raise fail(where, key, "a plain numeric array", f"array of dtype {arr.dtype} (Python objects)",
                       "Datasets hold numbers only; nothing is unpickled.")
        if arr.dtype.kind not in "biuf":
            raise fail(where, key, "a real numeric array (bool, int, uint or float)", _describe(arr), hint)
    for split, xk, yk in _SPLITS:
        x, y = arrays[xk], arrays[yk]
        if x.ndim < 2:
            raise fail(where, xk, "an array of shape (samples, features) or (samples, h, w[, c])",
                       _describe(x), hint)
        if y.ndim != 2:
            raise fail(where, yk, "one-hot labels of shape (samples, classes)", _describe(y), hint)
        if x.shape[0] != y.shape[0]:
            raise fail(where, yk, f"one label row per {split} sample ({xk} has {x.shape[0]})", _describe(y),
                       hint)
    xtr, ytr = arrays["xtr"], arrays["ytr"]
    if xtr.shape[0] == 0:
        raise fail(where, "xtr", "at least one training sample", _describe(xtr), hint)
    if ytr.shape[1] < 1:
        raise fail(where, "ytr", "one-hot labels with at least one class", _describe(ytr), hint)
    for _, xk, yk in _SPLITS[1:]:
        if arrays[xk].shape[1:] != xtr.shape[1:]:
            raise fail(where, xk, f"samples of shape {xtr.shape[1:]} like xtr", _describe(arrays[xk]), hint)
        if arrays[yk].shape[1] != ytr.shape[1]:
            raise fail(where, yk, f"{ytr.shape[1]} classes like ytr", _describe(arrays[yk]), hint)
    for key in KEYS:
        arr = arrays[key]
        if arr.dtype.kind == "f" and arr.size:
            bad = ~np.isfinite(arr)
            if bad.any():
                first = tuple(int(i) for i in np.argwhere(bad)[0])
                nan = int(np.isnan(arr).sum())
                raise fail(where, key, "finite (no NaN or inf)",
                           f"array with {nan} NaN and {int(bad.sum()) - nan} inf, the first at index {first}",
                           hint)
    for _, _, yk in _SPLITS:
        y = arrays[yk]
        if not y.size:
            continue
        binary = (y == 0) | (y == 1)
        if not binary.all():
            row = int(np.argwhere(~binary)[0][0])
            raise fail(where, yk, "one-hot labels (values 0 or 1)",
                       f"array with value {y[~binary].flat[0].item()!r} in row {row}", hint)
        sums = y.sum(axis=1)
        if not (sums == 1).all():
            row = int(np.flatnonzero(sums != 1)[0])
            raise fail(where, yk, "one-hot labels (exactly one 1 per row)",
                       f"array whose row {row} holds {int(sums[row])} ones", hint)


def validate(xtr: np.ndarray, ytr: np.ndarray, xva: np.ndarray, yva: np.ndarray, xte: np.ndarray,
             yte: np.ndarray) -> None:
    """Check six arrays against the dataset format; raise :class:`adjmat.SpecError` on the first problem.

    Rules: numeric arrays; x of rank >= 2 with the same sample shape in every split; y of shape
    (samples, classes) with the same number of classes in every split; one label row per sample; at least one
    training sample (validation and test may be empty); finite values; y one-hot (0/1, one 1 per row).

    Examples
    --------
    >>> import numpy as np
    >>> x, y = np.zeros((2, 3)), np.eye(2)
    >>> validate(x, y, x, y, x, y)
    >>> try:
    ...     validate(x, y, x, y, x, 2 * y)
    ... except ValueError as err:
    ...     print(err)
    validate: yte must be one-hot labels (values 0 or 1); received yte='array with value 2.0 in row 0'.
    """
    given = dict(zip(KEYS, (xtr, ytr, xva, yva, xte, yte)))
    _validate("validate", {k: np.asarray(v) for k, v in given.items()}, None)


# ----------------------------------------------------------------------------------------------- load / save
_HEADER_ERRORS = (ValueError, EOFError, OSError, SyntaxError, zipfile.BadZipFile, zlib.error, TypeError,
                  KeyError, IndexError, OverflowError, RecursionError, tokenize.TokenError,
                  NotImplementedError, RuntimeError)  # zipfile: unknown compression, "encrypted"
_MAX_NPY_HEADER = 10000


def _member_header(f) -> tuple[tuple[int, ...], np.dtype, int]:
    """Shape, dtype and header length of the ``.npy`` stream ``f`` (read without reading the array)."""
    version = np.lib.format.read_magic(f)
    if version == (1, 0):
        shape, _, dtype = np.lib.format.read_array_header_1_0(f, max_header_size=_MAX_NPY_HEADER)
    elif version == (2, 0):
        shape, _, dtype = np.lib.format.read_array_header_2_0(f, max_header_size=_MAX_NPY_HEADER)
    else:
        raise ValueError(f"unsupported .npy format version {version}")
    if not isinstance(shape, tuple) or not all(isinstance(d, int) and d >= 0 for d in shape):
        raise ValueError(f"shape {shape!r} is not a tuple of non-negative ints")
    return shape, np.dtype(dtype), f.tell()


def _read_npz(where: str, path: Path) -> dict[str, np.ndarray]:
    """Read a dataset npz as a hostile file: every problem is a SpecError naming the file.

    The zip directory and each member's ``.npy`` header are checked first (keys, dtypes, declared shapes
    against the member sizes, total size against the memory limit); only then are the arrays read."""
    size = path.stat().st_size
    if size == 0:
        raise fail(where, "name_or_path", "a six-key dataset npz", str(path),
                   "The file is empty (0 bytes): a truncated copy or a write that never finished.")
    with open(path, "rb") as f:
        magic = f.read(6)
    if magic[:1] == b"\x80":
        raise fail(where, "name_or_path", "a six-key dataset npz", str(path),
                   "The file is a Python pickle; predefsparse never unpickles (it can run arbitrary code). "
                   "Save the arrays with predefsparse.datasets.save.")
    if magic == b"\x93NUMPY":
        raise fail(where, "name_or_path", "a six-key dataset npz", str(path),
                   "It is a single .npy array, not an npz archive of the six arrays.")
    if magic[:4] != b"PK\x03\x04":
        raise fail(where, "name_or_path", "a six-key dataset npz (a zip archive of .npy files)", str(path),
                   f"It starts with {magic!r}.")
    try:
        zf = zipfile.ZipFile(path)
    except _HEADER_ERRORS as err:
        raise fail(where, "name_or_path", "a readable six-key dataset npz", str(path),
                   f"It is not a readable zip archive (truncated or corrupted?): {err}") from None
    with zf:
        members: dict[str, zipfile.ZipInfo] = {}
        for info in zf.infolist():
            key = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
            if key in members:
                raise fail(where, "name_or_path", "an npz with each key once", str(path),
                           f"It holds {info.filename!r} twice.")
            members[key] = info
        found = list(members)
        missing = [k for k in KEYS if k not in found]
        extra = [k for k in found if k not in KEYS]
        if missing or extra:
            parts = []
            if missing:
                parts.append("missing key(s) " + ", ".join(missing))
            if extra:
                parts.append("unexpected key(s) " + ", ".join(extra))
            raise fail(where, "name_or_path", "an npz with exactly the keys " + ", ".join(KEYS), str(path),
                       "It has " + " and ".join(parts) + ".")
        total = 0
        for key in KEYS:
            info = members[key]
            try:
                with zf.open(info) as f:
                    shape, dtype, header = _member_header(f)
            except _HEADER_ERRORS as err:
                raise fail(where, key, "a readable .npy array", f"a garbage .npy header ({err})",
                           f"In {path}.") from None
            if dtype.hasobject:
                raise fail(where, key, "a plain numeric array", "an object array (pickled Python objects)",
                           f"In {path}. predefsparse never unpickles (it can run arbitrary code); "
                           "re-save the data with numeric arrays.")
            nbytes = math.prod(shape) * dtype.itemsize
            if header + nbytes != info.file_size:
                raise fail(where, key, "an array whose header matches its data",
                           f"a header declaring shape {shape} of {dtype} ({nbytes:,} bytes) over "
                           f"{max(info.file_size - header, 0):,} bytes of data",
                           f"In {path}: a truncated or crafted file.")
            total += nbytes
        check_memory(where, total, f"the six arrays of {path}")
        arrays = {}
        for key in KEYS:
            try:
                with zf.open(members[key]) as f:
                    arrays[key] = np.lib.format.read_array(f, allow_pickle=False,
                                                           max_header_size=_MAX_NPY_HEADER)
            except _HEADER_ERRORS as err:
                raise fail(where, key, "a readable array", f"unreadable ({type(err).__name__}: {err})",
                           f"In {path}: a truncated or corrupted file.") from None
    _validate(where, arrays, str(path))
    return arrays



def _write_npz(f, arrays: dict[str, np.ndarray], compress: bool) -> None:
    """An npz whose bytes depend only on the arrays (fixed zip timestamps, unlike numpy.savez)."""
    method = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with zipfile.ZipFile(f, "w", compression=method, allowZip64=True) as zf:
        for key, arr in arrays.items():
            entry = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = method
            entry.external_attr = 0o644 << 16
            with zf.open(entry, "w", force_zip64=True) as out:
                np.lib.format.write_array(out, np.ascontiguousarray(arr), allow_pickle=False)


def save(path: str | os.PathLike, xtr: np.ndarray, ytr: np.ndarray, xva: np.ndarray, yva: np.ndarray,
         xte: np.ndarray, yte: np.ndarray, *, compress: bool = False) -> str:
    """Validate the six arrays and write them atomically as a dataset npz; returns the path.

    Parameters
    ----------
    path : str or os.PathLike
        Destination; must end in ``.npz``.  Folders are created.
    xtr, ytr, xva, yva, xte, yte : array_like
        The splits (see :func:`validate` for the rules).
    compress : bool
        Deflate the arrays (smaller file, slower load).  Default False: loads are fastest.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> x, y = np.ones((2, 2), np.float32), np.eye(2, dtype=np.float32)
    >>> p = save(tempfile.mkdtemp() + "/d.npz", x, y, x, y, x, y)
    >>> p.endswith("d.npz")
    True
    """
    where = "save"
    if not isinstance(path, (str, os.PathLike)) or not os.fspath(path).endswith(".npz"):
        raise fail(where, "path", "a file path ending in .npz", path)
    compress = check_bool(where, "compress", compress)
    arrays = {k: np.asarray(v) for k, v in zip(KEYS, (xtr, ytr, xva, yva, xte, yte))}
    _validate(where, arrays, None)
    return atomic_write(Path(path).expanduser(), lambda f: _write_npz(f, arrays, compress))



def _one_hot(labels: np.ndarray, classes: int) -> np.ndarray:
    y = np.zeros((labels.size, classes), dtype=np.float32)
    y[np.arange(labels.size), labels.astype(np.int64)] = 1.0
    return y
