"""The six-key dataset npz format: validate six arrays, read a file as a hostile one, write one reproducibly."""
from __future__ import annotations

import math
import os
import stat
import tokenize
import zipfile
import zlib
from pathlib import Path

import numpy as np

from adjmat.errors import SpecError
from adjmat.memory import check_memory
from adjmat.validation import check_bool, fail
from adjmat.pattern import atomic_write

__all__ = ["KEYS", "validate", "save"]

#: The six keys of a dataset npz, in order.
KEYS = ("xtr", "ytr", "xva", "yva", "xte", "yte")
_SPLITS = (("train", "xtr", "ytr"), ("val", "xva", "yva"), ("test", "xte", "yte"))


def _join(*parts: str | None) -> str | None:
    text = " ".join(p for p in parts if p)
    return text or None


class _Refuse:
    """Builds the refusals for one dataset: the key is the parameter (``load``, ``validate``), or ``param`` names
    the whole dataset and the key is named in the text (:func:`~predefsparse.datasets.check`, whose caller maps
    ``param`` to its own name, e.g. a command-line flag)."""

    def __init__(self, where: str, origin: str | None = None, param: str | None = None):
        self.where, self.origin, self.param = where, origin, param

    def file(self, expected: str, hint: str | None) -> SpecError:
        """The file as a whole is refused (``name_or_path`` for load and info)."""
        return fail(self.where, self.param or "name_or_path", expected, self.origin, hint)

    def key(self, key: str, expected: str, value: str, hint: str | None = None) -> SpecError:
        """One of the six arrays is refused."""
        if self.param is None:
            return fail(self.where, key, expected, value, _join(f"In {self.origin}." if self.origin else None, hint))
        return fail(self.where, self.param, f"a six-key dataset npz ({key}: {expected})", self.origin,
                    _join(f"Its {key} is {value}.", hint))


def _describe(shape: tuple[int, ...], dtype: np.dtype) -> str:
    return f"array of shape {tuple(shape)} and dtype {dtype}"


def _check_shapes(refuse: _Refuse, meta: dict[str, tuple[tuple[int, ...], np.dtype]], nonempty: bool) -> None:
    """Check the six arrays' dtypes and shapes (what an npz header declares); ``nonempty``: every split too."""
    for key in KEYS:
        shape, dtype = meta[key]
        if dtype.hasobject:
            raise refuse.key(key, "a plain numeric array", f"array of dtype {dtype} (Python objects)",
                             "Datasets hold numbers only; nothing is unpickled.")
        if dtype.kind not in "biuf":
            raise refuse.key(key, "a real numeric array (bool, int, uint or float)", _describe(shape, dtype))
    for split, xk, yk in _SPLITS:
        (xs, xd), (ys, yd) = meta[xk], meta[yk]
        if len(xs) < 2:
            raise refuse.key(xk, "an array of shape (samples, features) or (samples, h, w[, c])",
                             _describe(xs, xd))
        if len(ys) != 2:
            raise refuse.key(yk, "one-hot labels of shape (samples, classes)", _describe(ys, yd))
        if xs[0] != ys[0]:
            raise refuse.key(yk, f"one label row per {split} sample ({xk} has {xs[0]})", _describe(ys, yd))
    (xtr, xtr_dtype), (ytr, ytr_dtype) = meta["xtr"], meta["ytr"]
    if xtr[0] == 0:
        raise refuse.key("xtr", "at least one training sample", _describe(xtr, xtr_dtype))
    if ytr[1] < 1:
        raise refuse.key("ytr", "one-hot labels with at least one class", _describe(ytr, ytr_dtype))
    for split, xk, yk in _SPLITS[1:]:
        (xs, xd), (ys, yd) = meta[xk], meta[yk]
        if tuple(xs[1:]) != tuple(xtr[1:]):
            raise refuse.key(xk, f"samples of shape {tuple(xtr[1:])} like xtr", _describe(xs, xd))
        if ys[1] != ytr[1]:
            raise refuse.key(yk, f"{ytr[1]} classes like ytr", _describe(ys, yd))
        if nonempty and xs[0] == 0:
            raise refuse.key(xk, f"at least one {'validation' if split == 'val' else 'test'} sample",
                             _describe(xs, xd), "Training evaluates on every split; an empty one cannot be used.")


def _check_values(refuse: _Refuse, arrays: dict[str, np.ndarray]) -> None:
    """Check the six arrays' values: finite x and y, one-hot y."""
    for key in KEYS:
        arr = arrays[key]
        if arr.dtype.kind == "f" and arr.size:
            bad = ~np.isfinite(arr)
            if bad.any():
                first = tuple(int(i) for i in np.argwhere(bad)[0])
                nan = int(np.isnan(arr).sum())
                raise refuse.key(key, "finite (no NaN or inf)",
                                 f"array with {nan} NaN and {int(bad.sum()) - nan} inf, the first at index {first}")
    for _, _, yk in _SPLITS:
        y = arrays[yk]
        if not y.size:
            continue
        binary = (y == 0) | (y == 1)
        if not binary.all():
            row = int(np.argwhere(~binary)[0][0])
            raise refuse.key(yk, "one-hot labels (values 0 or 1)",
                             f"array with value {y[~binary].flat[0].item()!r} in row {row}")
        sums = y.sum(axis=1)
        if not (sums == 1).all():
            row = int(np.flatnonzero(sums != 1)[0])
            raise refuse.key(yk, "one-hot labels (exactly one 1 per row)",
                             f"array whose row {row} holds {int(sums[row])} ones")


def _validate(where: str, arrays: dict[str, np.ndarray], origin: str | None) -> None:
    """Check the six arrays; raise SpecError naming the key and the problem."""
    refuse = _Refuse(where, origin)
    _check_shapes(refuse, {k: (a.shape, a.dtype) for k, a in arrays.items()}, nonempty=False)
    _check_values(refuse, arrays)


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
_FILE_TYPES = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISSOCK, "a socket"),
               (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))


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


def _kind_of(head: bytes) -> str:
    """What a file that is not an npz looks like, from its first bytes (never quoting them)."""
    if head.startswith(b"\x1f\x8b"):
        return "a gzip file"
    if head.startswith(b"\x89HDF"):
        return "an HDF5 file"
    if b"\x00" not in head and all(c >= 0x20 or c in b"\t\n\r" for c in head):
        return "a text file"
    return "binary data of another format"


def _shown(name: str) -> str:
    """A member name of a hostile archive, fit to quote (repr, at most 40 characters)."""
    text = repr(name)
    return text if len(text) <= 40 else text[:37] + "..."


def _scan(where: str, path: Path, param: str | None = None, nonempty: bool = False
          ) -> dict[str, tuple[zipfile.ZipInfo, tuple[int, ...], np.dtype]]:
    """Check a dataset npz from its zip directory and ``.npy`` headers alone (fast: no array is read).

    Keys, dtypes, declared shapes against the member sizes and against each other, and the total size against
    the memory limit.  Returns each key's zip member, shape and dtype.  Every problem is a SpecError naming the
    file and never quoting its bytes."""
    refuse = _Refuse(where, str(path), param)
    with _open_regular(refuse, path) as fh:
        head = fh.read(512)
        if not head:
            raise refuse.file("a six-key dataset npz",
                              "The file is empty (0 bytes): a truncated copy or a write that never finished.")
        if head[:1] == b"\x80":
            raise refuse.file("a six-key dataset npz", "The file is a Python pickle; predefsparse never unpickles "
                              "(it can run arbitrary code). Save the arrays with predefsparse.datasets.save.")
        if head[:6] == b"\x93NUMPY":
            raise refuse.file("a six-key dataset npz",
                              "It is a single .npy array, not an npz archive of the six arrays.")
        if head[:4] != b"PK\x03\x04":
            raise refuse.file("a six-key dataset npz (a zip archive of .npy files)",
                              f"It is not a zip archive: it looks like {_kind_of(head)}.")
        fh.seek(0)
        found, total = _scan_members(refuse, fh)
    _check_shapes(refuse, {k: (shape, dtype) for k, (_, shape, dtype) in found.items()}, nonempty)
    try:
        check_memory(where, total, f"the six arrays of {path}")
    except SpecError as err:
        if param is None:
            raise
        raise refuse.file("a dataset whose six arrays fit in memory", str(err)[len(where) + 2:]) from None
    return found


def _open_regular(refuse: _Refuse, path: Path):
    """Open ``path`` for reading if it is a regular file (never blocking on a FIFO); else refuse it."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as err:
        raise refuse.file("a readable six-key dataset npz", f"It cannot be read: {err.strerror}.") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        kind = next((kind for test, kind in _FILE_TYPES if test(mode)), "not a regular file")
        raise refuse.file("a regular file holding a six-key dataset npz", f"It is {kind}.")
    return os.fdopen(fd, "rb")


def _scan_members(refuse: _Refuse, fh) -> tuple[dict[str, tuple[zipfile.ZipInfo, tuple[int, ...], np.dtype]], int]:
    """Each key's zip member, declared shape and dtype, and the arrays' total bytes, from an open npz."""
    try:
        zf = zipfile.ZipFile(fh)
    except _HEADER_ERRORS as err:
        raise refuse.file("a readable six-key dataset npz",
                          f"It is not a readable zip archive (truncated or corrupted?): {err}") from None
    with zf:
        members: dict[str, zipfile.ZipInfo] = {}
        for info in zf.infolist():
            key = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
            if key in members:
                raise refuse.file("an npz with each key once", f"It holds {_shown(info.filename)} twice.")
            members[key] = info
        missing = [k for k in KEYS if k not in members]
        extra = [k if k.isidentifier() else _shown(k) for k in members if k not in KEYS]
        if missing or extra:
            parts = []
            if missing:
                parts.append("missing key(s) " + ", ".join(missing))
            if extra:
                parts.append("unexpected key(s) " + ", ".join(extra[:5]) + (", ..." if len(extra) > 5 else ""))
            raise refuse.file("an npz with exactly the keys " + ", ".join(KEYS), "It has " + " and ".join(parts) + ".")
        found = {}
        total = 0
        for key in KEYS:
            info = members[key]
            try:
                with zf.open(info) as f:
                    shape, dtype, header = _member_header(f)
            except _HEADER_ERRORS as err:
                raise refuse.key(key, "a readable .npy array", f"a garbage .npy header ({type(err).__name__})"
                                 ) from None
            if dtype.hasobject:
                raise refuse.key(key, "a plain numeric array", "an object array (pickled Python objects)",
                                 "predefsparse never unpickles (it can run arbitrary code); "
                                 "re-save the data with numeric arrays.")
            nbytes = math.prod(shape) * dtype.itemsize
            if header + nbytes != info.file_size:
                raise refuse.key(key, "an array whose header matches its data",
                                 f"a header declaring shape {shape} of {dtype} ({nbytes:,} bytes) over "
                                 f"{max(info.file_size - header, 0):,} bytes of data", "A truncated or crafted file.")
            found[key] = (info, shape, dtype)
            total += nbytes
    return found, total


def _read_npz(where: str, path: Path) -> dict[str, np.ndarray]:
    """Read a dataset npz as a hostile file: every problem is a SpecError naming the file.

    The zip directory and each member's ``.npy`` header are checked first (:func:`_scan`); only then are the
    arrays read, and their values checked."""
    found = _scan(where, path)
    arrays = {}
    with _open_regular(_Refuse(where, str(path)), path) as fh, zipfile.ZipFile(fh) as zf:
        for key, (info, _, _) in found.items():
            try:
                with zf.open(info) as f:
                    arrays[key] = np.lib.format.read_array(f, allow_pickle=False, max_header_size=_MAX_NPY_HEADER)
            except _HEADER_ERRORS as err:
                raise fail(where, key, "a readable array", f"unreadable ({type(err).__name__})",
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
