"""Datasets in the six-key npz format, and the builders that make them from local files.

A dataset is one ``.npz`` holding exactly ``xtr, ytr, xva, yva, xte, yte`` (training, validation, test): x of
shape (samples, features) -- or images (samples, h, w, c) for conv nets -- and y one-hot (samples, classes).
:func:`load` validates every file it reads (``allow_pickle=False``; keys, shapes, one-hot labels, finite
values) and refuses a bad one with a :class:`adjmat.SpecError` naming the key and the problem.

Data folder: a bare name such as ``"mnist"`` means ``<data folder>/mnist.npz``.  The data folder is, in order,
the ``data_dir=`` argument, the ``PREDEFSPARSE_DATA`` environment variable, the ``datasets/`` folder of the
repository when running from a checkout, else ``~/.predefsparse/datasets``.  When the file is missing and a
builder of that name exists, :func:`load` builds it first (and says so on stderr).

Builders (:func:`build`) make each dataset from files already on the machine -- nothing is downloaded:

=================  ==========================================================================================
``mnist``          the four IDX gzip files shipped in ``datasets/mnist/`` (md5-checked); x/255 as float32;
                   validation = the last 10,000 of the 60,000 training images
``mnist-pca200``   ``mnist`` projected on 200 principal components fitted on its training split, every split
                   centred with the training mean
``fashion-mnist``  the four IDX files from ``source=``, Debian's package path or the Keras cache (md5-checked)
``digits``         scikit-learn's bundled 8x8 digits (1797), x/16, seeded stratified 60/20/20 split
``morse``          the Morse code generator (:mod:`predefsparse.morse`), variants "baseline" / "difficult"
``morse-difficult``  the same as ``morse`` with ``variant="difficult"``
``cifar10``        the CIFAR-10 *binary* archive or its extracted ``*.bin`` files (never the pickled version)
=================  ==========================================================================================

Each build writes ``<name>.npz`` and a provenance note ``<name>.provenance.json`` (builder, options, seed,
source files and their checksums, versions).  The npz bytes depend only on the inputs and the seed.

This module imports numpy only (scikit-learn on demand); never TensorFlow, so ``predefsparse data`` starts fast.

Examples
--------
>>> import tempfile
>>> from predefsparse import datasets
>>> folder = tempfile.mkdtemp()
>>> path = datasets.build("morse", data_dir=folder, per_class=(20, 5, 5), seed=0)
>>> xtr, ytr, xva, yva, xte, yte = datasets.load(path)
>>> xtr.shape, ytr.shape
((1280, 64), (1280, 64))
"""
from __future__ import annotations

import gzip
import hashlib
import json
import math
import os
import re
import sys
import tarfile
import time
import tokenize
import zipfile
import zlib
from pathlib import Path
from typing import Any, Callable

import numpy as np

from adjmat._validation import check_bool, check_choice, check_memory, fail, normalize_seed
from adjmat.pattern import atomic_write

__all__ = ["KEYS", "DATASETS", "MNIST_MD5", "FASHION_MNIST_MD5", "CIFAR10_BINARY_MD5", "default_data_dir",
           "path_for", "validate", "load", "save", "info", "read_idx", "build"]

#: The six keys of a dataset npz, in order.
KEYS = ("xtr", "ytr", "xva", "yva", "xte", "yte")
_SPLITS = (("train", "xtr", "ytr"), ("val", "xva", "yva"), ("test", "xte", "yte"))

#: md5 of the *uncompressed* IDX files (as published; the gzip bytes vary with the compressor).
MNIST_MD5 = {
    "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
    "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
}
FASHION_MNIST_MD5 = {
    "train-images-idx3-ubyte": "f4a8712d7a061bf5bd6d2ca38dc4d50a",
    "train-labels-idx1-ubyte": "9018921c3c673c538a1fc5bad174d6f9",
    "t10k-images-idx3-ubyte": "8181f5470baa50b63fa0f6fddb340f0a",
    "t10k-labels-idx1-ubyte": "15d484375f8d13e6eb1aabb0c3f46965",
}
#: md5 of ``cifar-10-binary.tar.gz`` (170,052,171 bytes) as published on the CIFAR page.
CIFAR10_BINARY_MD5 = "c32a1d4ab5d03f1284b67883e8d87530"
_CIFAR_URL = "https://www.cs.toronto.edu/~kriz/cifar.html"
_CIFAR_RECORD = 1 + 32 * 32 * 3

_PKG_DIR = Path(__file__).resolve().parent
_ROOT = _PKG_DIR.parent
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]*$")
_FORMAT = "predefsparse.dataset/1"


# ----------------------------------------------------------------------------------------------- locations
def _checkout_datasets() -> Path | None:
    """The repository's ``datasets/`` folder when running from a checkout (setup.py beside the package)."""
    folder = _ROOT / "datasets"
    if (_ROOT / "setup.py").is_file() and folder.is_dir():
        return folder
    return None


def default_data_dir() -> Path:
    """The data folder used when no ``data_dir=`` is given.

    ``$PREDEFSPARSE_DATA`` if set (and not empty), else the repository's ``datasets/`` folder when running from a
    checkout, else ``~/.predefsparse/datasets``.

    Examples
    --------
    >>> path_for("mnist") == default_data_dir() / "mnist.npz"
    True
    """
    env = os.environ.get("PREDEFSPARSE_DATA", "")
    if env:
        return Path(env).expanduser()
    return _checkout_datasets() or Path.home() / ".predefsparse" / "datasets"


def _data_dir(where: str, data_dir: Any) -> Path:
    if data_dir is None:
        return default_data_dir()
    if not isinstance(data_dir, (str, os.PathLike)) or not os.fspath(data_dir):
        raise fail(where, "data_dir", "a folder path (str or os.PathLike) or None", data_dir)
    folder = Path(data_dir).expanduser()
    if folder.exists() and not folder.is_dir():
        raise fail(where, "data_dir", "a folder (or a path where one can be made)", str(data_dir),
                   "It is a file.")
    return folder


def _is_name(text: str) -> bool:
    return bool(_NAME_RE.match(text)) and not text.endswith(".npz") and os.sep not in text


def path_for(name_or_path: str | os.PathLike, *, data_dir: str | os.PathLike | None = None) -> Path:
    """The file a dataset name or path refers to (it need not exist yet).

    A string ending in ``.npz`` or containing a path separator, or any ``os.PathLike``, is a path; anything else
    is a bare name resolved to ``<data folder>/<name>.npz`` (see :func:`default_data_dir`).

    Examples
    --------
    >>> path_for("mnist", data_dir="/data").as_posix()
    '/data/mnist.npz'
    >>> path_for("runs/my.npz").as_posix()
    'runs/my.npz'
    """
    where = "path_for"
    if isinstance(name_or_path, os.PathLike):
        return Path(name_or_path)
    if not isinstance(name_or_path, str) or not name_or_path:
        raise fail(where, "name_or_path", "a dataset name such as 'mnist' or a path to a .npz file",
                   name_or_path)
    if _is_name(name_or_path):
        return _data_dir(where, data_dir) / f"{name_or_path}.npz"
    if name_or_path.endswith(".npz") or "/" in name_or_path or os.sep in name_or_path:
        return Path(name_or_path).expanduser()
    raise fail(where, "name_or_path", "a dataset name (letters, digits, '-', '_', '.', '+') or a path to a "
               ".npz file", name_or_path, "Known names: " + ", ".join(DATASETS) + ".")


# ----------------------------------------------------------------------------------------------- validation
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


def load(name_or_path: str | os.PathLike, *, data_dir: str | os.PathLike | None = None
         ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Load and validate a six-key dataset: ``xtr, ytr, xva, yva, xte, yte``.

    Parameters
    ----------
    name_or_path : str or os.PathLike
        A bare dataset name ("mnist", "morse", ...) resolved in the data folder, or a path to a ``.npz``.
    data_dir : str, os.PathLike or None
        The data folder for bare names (default :func:`default_data_dir`).

    Returns
    -------
    tuple of numpy.ndarray
        The six arrays, as stored.

    Raises
    ------
    adjmat.SpecError
        The file is not a valid dataset (a missing or extra key, a pickled object array, wrong shapes,
        NaN/inf, labels that are not one-hot); the message names the key and the problem.
    FileNotFoundError
        No such file, and no builder of that name (or its source files are missing).

    Notes
    -----
    A missing file with a builder of the same name (see :data:`DATASETS`) is built first; a line on stderr says
    so.  Loading never unpickles (``allow_pickle=False``).

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> path = tempfile.mkdtemp() + "/tiny.npz"
    >>> x, y = np.zeros((4, 3), np.float32), np.eye(2, dtype=np.float32)[[0, 1, 0, 1]]
    >>> _ = save(path, x, y, x[:2], y[:2], x[:2], y[:2])
    >>> [a.shape for a in load(path)]
    [(4, 3), (4, 2), (2, 3), (2, 2), (2, 3), (2, 2)]
    """
    where = "load"
    if not isinstance(name_or_path, (str, os.PathLike)) or not os.fspath(name_or_path):
        raise fail(where, "name_or_path", "a dataset name such as 'mnist' or a path to a .npz file",
                   name_or_path)
    data_dir = _data_dir(where, data_dir)
    path = path_for(name_or_path, data_dir=data_dir)
    if not path.is_file():
        name = os.fspath(name_or_path)
        if isinstance(name_or_path, str) and _is_name(name) and name in DATASETS:
            print(f"predefsparse: {path} not found; building dataset {name!r} (once; later loads read the file)",
                  file=sys.stderr)
            path = Path(build(name, data_dir=data_dir))
        elif isinstance(name_or_path, str) and _is_name(name):
            present = sorted(p.stem for p in data_dir.glob("*.npz")) if data_dir.is_dir() else []
            raise FileNotFoundError(
                f"load: no dataset {name!r}: {path} does not exist and there is no builder of that name. "
                f"Builders: {', '.join(DATASETS)}. In {data_dir}: {', '.join(present) or 'no .npz files'}.")
        else:
            raise FileNotFoundError(f"load: no such dataset file: {path}")
    arrays = _read_npz(where, path)
    return tuple(arrays[k] for k in KEYS)


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


def _provenance_path(path: Path) -> Path:
    return path.with_name(path.name[:-len(".npz")] + ".provenance.json")


def info(name_or_path: str | os.PathLike, *, data_dir: str | os.PathLike | None = None) -> dict[str, Any]:
    """Describe a dataset file: shapes, dtypes, class counts and value range of each split.

    Unlike :func:`load`, never builds a missing dataset.

    Returns
    -------
    dict
        ``path``, ``size_bytes``, ``sample_shape`` (features or image shape), ``classes``, ``x_min``,
        ``x_max``, ``x_mean``, ``x_std`` (training split), ``splits`` (for "train", "val", "test": ``samples``,
        ``x_shape``, ``x_dtype``, ``y_shape``, ``y_dtype``, ``class_counts``), and ``provenance`` (the build
        note, or None).

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> x, y = np.zeros((2, 3), np.float32), np.eye(2, dtype=np.float32)
    >>> p = save(tempfile.mkdtemp() + "/d.npz", x, y, x, y, x, y)
    >>> d = info(p)
    >>> d["classes"], d["splits"]["train"]["class_counts"]
    (2, [1, 1])
    """
    where = "info"
    if not isinstance(name_or_path, (str, os.PathLike)) or not os.fspath(name_or_path):
        raise fail(where, "name_or_path", "a dataset name such as 'mnist' or a path to a .npz file",
                   name_or_path)
    path = path_for(name_or_path, data_dir=_data_dir(where, data_dir))
    if not path.is_file():
        hint = (f" Build it with `predefsparse data build {name_or_path}`."
                if isinstance(name_or_path, str) and name_or_path in DATASETS else "")
        raise FileNotFoundError(f"info: no such dataset file: {path}.{hint}")
    arrays = _read_npz(where, path)
    splits = {}
    for split, xk, yk in _SPLITS:
        x, y = arrays[xk], arrays[yk]
        splits[split] = {"samples": int(x.shape[0]), "x_shape": tuple(x.shape), "x_dtype": str(x.dtype),
                         "y_shape": tuple(y.shape), "y_dtype": str(y.dtype),
                         "class_counts": [int(c) for c in y.sum(axis=0, dtype=np.int64)]}
    xs = [arrays[k] for k in ("xtr", "xva", "xte") if arrays[k].size]
    xtr = arrays["xtr"].astype(np.float64)
    prov_path = _provenance_path(path)
    provenance = None
    if prov_path.is_file():
        if prov_path.stat().st_size > 2**20:
            raise fail(where, "name_or_path", "a dataset with a build note of at most 1 MiB", str(path),
                       f"{prov_path} holds {prov_path.stat().st_size:,} bytes.")
        try:
            provenance = json.loads(prov_path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError, RecursionError) as err:
            raise fail(where, "name_or_path", "a dataset with a readable build note", str(path),
                       f"{prov_path} is not valid JSON ({err}); delete it or rebuild the dataset.") from None
        if not isinstance(provenance, dict):
            raise fail(where, "name_or_path", "a dataset whose build note is a JSON object", str(path),
                       f"{prov_path} holds a JSON {type(provenance).__name__}; delete it or rebuild the dataset.")
    return {
        "path": str(path),
        "size_bytes": path.stat().st_size,
        "sample_shape": tuple(arrays["xtr"].shape[1:]),
        "classes": int(arrays["ytr"].shape[1]),
        "x_min": float(min(x.min() for x in xs)),
        "x_max": float(max(x.max() for x in xs)),
        "x_mean": float(xtr.mean()),
        "x_std": float(xtr.std()),
        "splits": splits,
        "provenance": provenance,
    }


# ----------------------------------------------------------------------------------------------- IDX files
_IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def _find_file(folder: Path, base: str) -> Path | None:
    for candidate in (folder / f"{base}.gz", folder / base):
        if candidate.is_file():
            return candidate
    return None


def _read_bytes(path: Path) -> bytes:
    raw = path.read_bytes()
    return gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw


def _parse_idx(where: str, data: bytes, origin: str) -> np.ndarray:
    if len(data) < 4 or data[:2] != b"\0\0" or data[2] not in _IDX_TYPES:
        raise fail(where, "path", "an IDX file (magic 0x00 0x00 <type> <ndim>)", origin,
                   f"It starts with {data[:4]!r}.")
    ndim = data[3]
    header = 4 + 4 * ndim
    dims = tuple(int(d) for d in np.frombuffer(data[4:header], dtype=">u4")) if ndim else ()
    dtype = np.dtype(_IDX_TYPES[data[2]])
    expected = header + int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    if len(data) != expected:
        raise fail(where, "path", f"an IDX file of {expected} bytes for shape {dims}", origin,
                   f"It holds {len(data)} bytes (truncated or padded).")
    return np.frombuffer(data, dtype=dtype, offset=header).reshape(dims).astype(dtype.newbyteorder("="))


def read_idx(path: str | os.PathLike, *, md5: str | None = None) -> np.ndarray:
    """Read an IDX file (plain or gzip), optionally checking the md5 of its uncompressed bytes.

    Parameters
    ----------
    path : str or os.PathLike
        The file (``*.gz`` is detected by content, not by name).
    md5 : str or None
        Expected md5 hex digest of the uncompressed bytes; a mismatch raises :class:`adjmat.SpecError`.

    Examples
    --------
    >>> import tempfile, gzip, numpy as np
    >>> p = tempfile.mkdtemp() + "/t.gz"
    >>> _ = open(p, "wb").write(gzip.compress(b"\\0\\0\\x08\\x01" + (3).to_bytes(4, "big") + bytes([1, 2, 3])))
    >>> read_idx(p)
    array([1, 2, 3], dtype=uint8)
    """
    where = "read_idx"
    if not isinstance(path, (str, os.PathLike)):
        raise fail(where, "path", "a file path", path)
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"read_idx: no such file: {path}")
    if md5 is not None and (not isinstance(md5, str) or not re.fullmatch(r"[0-9a-f]{32}", md5)):
        raise fail(where, "md5", "None or an md5 hex digest (32 lowercase hex digits)", md5)
    data = _read_bytes(path)
    if md5 is not None:
        got = hashlib.md5(data).hexdigest()
        if got != md5:
            raise fail(where, "path", f"a file whose uncompressed md5 is {md5}", str(path),
                       f"Its md5 is {got}: the file is corrupt or not the published one; copy it again.")
    return _parse_idx(where, data, str(path))


def _one_hot(labels: np.ndarray, classes: int) -> np.ndarray:
    y = np.zeros((labels.size, classes), dtype=np.float32)
    y[np.arange(labels.size), labels.astype(np.int64)] = 1.0
    return y


def _idx_folder(where: str, what: str, checksums: dict[str, str], source: Any,
                defaults: list[Path]) -> tuple[Path, dict[str, Path]]:
    """The first folder holding all four IDX files (``source`` alone when given)."""
    def complete(folder: Path) -> tuple[dict[str, Path], list[str]]:
        found, missing = {}, []
        for base in checksums:
            f = _find_file(folder, base)
            if f is None:
                missing.append(base)
            else:
                found[base] = f
        return found, missing

    if source is not None:
        if not isinstance(source, (str, os.PathLike)) or not os.fspath(source):
            raise fail(where, "source", f"a folder holding the four {what} IDX files", source)
        folder = Path(source).expanduser()
        found, missing = complete(folder) if folder.is_dir() else ({}, list(checksums))
        if missing:
            raise fail(where, "source", f"a folder holding the four {what} IDX files ({', '.join(checksums)}, "
                       "each plain or .gz)", os.fspath(source),
                       "Not a folder." if not folder.is_dir() else f"Missing: {', '.join(missing)}.")
        return folder, found
    tried = []
    seen = set()
    for folder in defaults:
        key = str(folder.resolve()) if folder.exists() else str(folder)
        if key in seen:
            continue
        seen.add(key)
        found, missing = complete(folder) if folder.is_dir() else ({}, list(checksums))
        if not missing:
            return folder, found
        tried.append(f"{folder} ({'missing ' + ', '.join(missing) if folder.is_dir() else 'no such folder'})")
    raise FileNotFoundError(
        f"{where}: the four {what} IDX files ({', '.join(b + '[.gz]' for b in checksums)}) were not found. "
        f"Looked in: {'; '.join(tried)}. Put them in one of these folders or pass source=FOLDER "
        f"(CLI: --source FOLDER).")


def _read_idx_set(where: str, files: dict[str, Path], checksums: dict[str, str], what: str
                  ) -> tuple[dict[str, np.ndarray], dict[str, dict[str, str]]]:
    arrays, record = {}, {}
    for base, path in files.items():
        data = _read_bytes(path)
        got = hashlib.md5(data).hexdigest()
        if got != checksums[base]:
            raise fail(where, "source", f"the published {what} files", str(path),
                       f"The md5 of the uncompressed {base} is {got}, expected {checksums[base]}: the file is "
                       "corrupt or a different dataset; copy it again.")
        arrays[base] = _parse_idx(where, data, str(path))
        record[path.name] = {"md5_uncompressed": got, "bytes": path.stat().st_size}
    return arrays, record


def _mnist_like(where: str, arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """60,000 + 10,000 28x28 uint8 images -> six arrays; validation = the last 10,000 training images."""
    xtrain = arrays["train-images-idx3-ubyte"].reshape(60000, -1).astype(np.float32) / np.float32(255)
    xtest = arrays["t10k-images-idx3-ubyte"].reshape(10000, -1).astype(np.float32) / np.float32(255)
    ytrain = _one_hot(arrays["train-labels-idx1-ubyte"], 10)
    ytest = _one_hot(arrays["t10k-labels-idx1-ubyte"], 10)
    return {"xtr": xtrain[:50000], "ytr": ytrain[:50000], "xva": xtrain[50000:], "yva": ytrain[50000:],
            "xte": xtest, "yte": ytest}


# ----------------------------------------------------------------------------------------------- builders
class _Context:
    """What a builder gets: the data folder, the source, the seed's generator and the options."""

    def __init__(self, name: str, data_dir: Path, source: Any, rng: np.random.Generator, seed: Any,
                 options: dict[str, Any]):
        self.name, self.data_dir, self.source, self.rng, self.seed, self.options = \
            name, data_dir, source, rng, seed, options


def _build_mnist(ctx: _Context):
    where = "build"
    defaults = [ctx.data_dir / "mnist"]
    shipped = _checkout_datasets()
    if shipped is not None:
        defaults.append(shipped / "mnist")
    folder, files = _idx_folder(where, "MNIST", MNIST_MD5, ctx.source, defaults)
    arrays, record = _read_idx_set(where, files, MNIST_MD5, "MNIST")
    out = _mnist_like(where, arrays)
    return out, {"source": str(folder), "source_files": record,
                 "notes": "x = pixels / 255 as float32 (784 features); validation = the last 10,000 of the "
                          "60,000 training images (the published final runs train on train+val = all 60,000); "
                          "test = the 10,000 t10k images. MNIST: LeCun, Cortes, Burges, CC BY-SA 3.0."}


def _build_fashion_mnist(ctx: _Context):
    where = "build"
    defaults = [ctx.data_dir / "fashion-mnist", Path("/usr/share/datasets/fashion-mnist"),
                Path.home() / ".keras" / "datasets" / "fashion-mnist"]
    folder, files = _idx_folder(where, "Fashion-MNIST", FASHION_MNIST_MD5, ctx.source, defaults)
    arrays, record = _read_idx_set(where, files, FASHION_MNIST_MD5, "Fashion-MNIST")
    out = _mnist_like(where, arrays)
    return out, {"source": str(folder), "source_files": record,
                 "notes": "x = pixels / 255 as float32 (784 features); validation = the last 10,000 of the "
                          "60,000 training images; test = the 10,000 t10k images. Fashion-MNIST: Zalando, MIT."}


def _build_mnist_pca200(ctx: _Context):
    from predefsparse import preprocess
    mnist_path = ctx.data_dir / "mnist.npz"
    if not mnist_path.is_file():
        print(f"predefsparse: {mnist_path} not found; building 'mnist' first", file=sys.stderr)
        build("mnist", data_dir=ctx.data_dir, source=ctx.source)
    arrays = _read_npz("build", mnist_path)
    xtr, xva, xte = preprocess.pca(200)(arrays["xtr"], arrays["xva"], arrays["xte"])
    out = {"xtr": xtr, "ytr": arrays["ytr"], "xva": xva, "yva": arrays["yva"], "xte": xte, "yte": arrays["yte"]}
    return out, {"source": str(mnist_path), "source_files": {"mnist.npz": {"md5": _md5_file(mnist_path)}},
                 "notes": "mnist projected on its top 200 principal components, fitted on the 50,000-image "
                          "training split only; every split centred with the training mean."}


def _build_digits(ctx: _Context):
    from sklearn.datasets import load_digits
    bunch = load_digits()
    x = (bunch.data / 16.0).astype(np.float32)
    labels = bunch.target.astype(np.int64)
    parts = {"tr": [], "va": [], "te": []}
    for c in range(10):
        idx = np.flatnonzero(labels == c)
        idx = idx[ctx.rng.permutation(idx.size)]
        n_va = n_te = int(round(0.2 * idx.size))
        parts["va"].append(idx[:n_va])
        parts["te"].append(idx[n_va:n_va + n_te])
        parts["tr"].append(idx[n_va + n_te:])
    out = {}
    for s in ("tr", "va", "te"):
        idx = np.concatenate(parts[s])
        idx = idx[ctx.rng.permutation(idx.size)]
        out[f"x{s}"], out[f"y{s}"] = x[idx], _one_hot(labels[idx], 10)
    return out, {"source": "sklearn.datasets.load_digits", "source_files": {},
                 "notes": "1797 8x8 images, x = value / 16 as float32 (64 features); stratified seeded split: "
                          "per class round(20%) validation, round(20%) test, the rest training (60/20/20); "
                          "each split shuffled."}


_MORSE_OPTIONS = ("variant", "codebook", "per_class", "style", "frame", "dot", "dash", "space", "noisesd",
                  "maxflip", "leading_space", "dilation")


def _build_morse(ctx: _Context):
    from predefsparse import morse
    opts = dict(ctx.options)
    variant = check_choice("build", "variant", opts.pop("variant", "baseline"), tuple(morse.VARIANTS))
    gen = {**morse.variant_options(variant), **opts}
    if gen.get("style") == "bw" and variant == "difficult":
        # the published 'difficult' noise is greyscale (noisesd=4); a black-and-white one needs its own maxflip
        if "maxflip" not in opts:
            raise fail("build", "maxflip", "given for the 'difficult' variant in style 'bw'", None,
                       "The published 'difficult' variant is greyscale (noisesd=4); pass maxflip=K for a "
                       "black-and-white one.")
        gen["noisesd"] = opts.get("noisesd", 0.0)
    arrays = dict(zip(KEYS, morse.generate(seed=ctx.rng, **gen)))
    record = {k: (list(v) if isinstance(v, tuple) else v) for k, v in gen.items() if k != "codebook"}
    return arrays, {"source": "predefsparse.morse.generate", "source_files": {},
                    "generator_options": record, "variant": variant,
                    "notes": "Morse code symbols (Dey, Chugg, Beerel, ICCCNT 2018): class k = k-th codebook entry "
                             "of predefsparse/data/morse_codebook.json; two symbols share the code -.--.; "
                             "each split holds per_class samples of every class, shuffled."}


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
    raise FileNotFoundError(
        f"{where}: CIFAR-10 binary data not found in {source} (looked for cifar-10-binary.tar.gz, "
        f"data_batch_1..5.bin and test_batch.bin, also under cifar-10-batches-bin/). Download "
        f"cifar-10-binary.tar.gz from {_CIFAR_URL} and pass source=PATH (CLI: --source PATH).")


def _build_cifar10(ctx: _Context):
    where = "build"
    verify = check_bool(where, "verify", ctx.options.get("verify", True))
    if ctx.source is not None:
        if not isinstance(ctx.source, (str, os.PathLike)) or not os.fspath(ctx.source):
            raise fail(where, "source", "the CIFAR-10 binary archive or a folder of its *.bin files", ctx.source)
        source = Path(ctx.source).expanduser()
        if not source.exists():
            raise fail(where, "source", "an existing CIFAR-10 binary archive or folder", os.fspath(ctx.source),
                       f"No such file or folder. Download cifar-10-binary.tar.gz from {_CIFAR_URL}.")
    else:
        source = ctx.data_dir / "cifar10"
        if not source.exists():
            raise FileNotFoundError(
                f"{where}: CIFAR-10 is not on this machine (looked in {source}). Download the binary version, "
                f"cifar-10-binary.tar.gz, from {_CIFAR_URL} and put it in {source} or pass source=PATH "
                "(CLI: --source PATH).")
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


#: dataset name -> (builder, accepted options, uses the seed, fixed options)
_BUILDERS: dict[str, tuple[Callable, tuple[str, ...], bool, dict[str, Any]]] = {
    "mnist": (_build_mnist, (), False, {}),
    "mnist-pca200": (_build_mnist_pca200, (), False, {}),
    "fashion-mnist": (_build_fashion_mnist, (), False, {}),
    "digits": (_build_digits, (), True, {}),
    "morse": (_build_morse, _MORSE_OPTIONS, True, {}),
    "morse-difficult": (_build_morse, _MORSE_OPTIONS, True, {"variant": "difficult"}),
    "cifar10": (_build_cifar10, ("verify",), False, {}),
}
#: The dataset names that :func:`build` (and :func:`load`, for a missing file) can make.
DATASETS = tuple(_BUILDERS)


def _md5_file(path: Path) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, (Path,)):
        return str(value)
    return value


def _file_stem(name: str, options: dict[str, Any]) -> str:
    """The file name of a build: the dataset name, with a digest of any non-published Morse options."""
    if _BUILDERS[name][0] is not _build_morse:
        return name
    variant = options.get("variant", "baseline")
    custom = {k: v for k, v in options.items() if k != "variant"}
    base = "morse" if variant == "baseline" else f"morse-{variant}"
    if not custom:
        return base
    if "codebook" in custom and isinstance(custom["codebook"], dict):
        custom["codebook"] = list(custom["codebook"].items())  # class order matters
    digest = hashlib.sha256(json.dumps(_json_safe(custom), sort_keys=True).encode()).hexdigest()[:8]
    return f"{base}-{digest}"


def build(name: str, *, data_dir: str | os.PathLike | None = None, source: str | os.PathLike | None = None,
          seed: Any = 0, out: str | os.PathLike | None = None, compress: bool = False, **options: Any) -> str:
    """Build a dataset from local files and write it as a six-key npz; returns the path written.

    Parameters
    ----------
    name : str
        One of :data:`DATASETS`: "mnist", "mnist-pca200", "fashion-mnist", "digits", "morse",
        "morse-difficult", "cifar10".
    data_dir : str, os.PathLike or None
        Where the npz goes (default :func:`default_data_dir`); also searched for source files
        (``<data_dir>/mnist/``, ``<data_dir>/fashion-mnist/``, ``<data_dir>/cifar10/``).
    source : str, os.PathLike or None
        The folder (or archive, for cifar10) holding the raw files.  Default search: mnist -- ``<data_dir>/mnist``
        then the repository's shipped ``datasets/mnist``; fashion-mnist -- ``<data_dir>/fashion-mnist``,
        ``/usr/share/datasets/fashion-mnist`` (Debian's ``dataset-fashion-mnist``), ``~/.keras/datasets/
        fashion-mnist``; cifar10 -- ``<data_dir>/cifar10``.  mnist-pca200 passes it on to the mnist build when
        ``<data_dir>/mnist.npz`` is missing.  Refused for digits and morse.
    seed : None, int, SeedSequence or Generator
        Randomness of "digits" (the split) and "morse" (everything).  Default 0, so a build gives the same bytes on
        every machine; the other builders are deterministic and ignore it.
    out : str, os.PathLike or None
        Write here instead of ``<data_dir>/<name>.npz``.
    compress : bool
        Deflate the npz (smaller, slower to load).
    **options
        "morse" / "morse-difficult": ``variant`` ("baseline" | "difficult") and every option of
        :func:`predefsparse.morse.generate` (``per_class``, ``style``, ``frame``, ``dot``, ``dash``, ``space``,
        ``noisesd``, ``maxflip``, ``leading_space``, ``dilation``, ``codebook``); a build with options other
        than a published variant's is written as ``morse[-difficult]-<8 hex digits>.npz`` so it never replaces
        the published one.  "cifar10": ``verify`` (default True: the archive's md5, or 10,000 records per
        extracted batch).

    Returns
    -------
    str
        The npz path.  A provenance note ``<stem>.provenance.json`` is written beside it.

    Raises
    ------
    adjmat.SpecError
        A bad parameter or option, a checksum mismatch, or a refused source (e.g. pickled CIFAR-10).
    FileNotFoundError
        The source files are not on this machine; the message lists the paths tried.

    Examples
    --------
    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> build("digits", data_dir=folder).endswith("digits.npz")
    True
    >>> build("morse", data_dir=folder, per_class=(10, 2, 2), noisesd=1.0).split("/")[-1][:6]
    'morse-'
    """
    where = "build"
    check_choice(where, "name", name, DATASETS)
    data_dir = _data_dir(where, data_dir)
    builder, accepted, uses_seed, fixed = _BUILDERS[name]
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        key = unknown[0]
        raise fail(where, key, f"an option of {name!r}" + (f" ({', '.join(accepted)})" if accepted else
                   " (it takes none)"), options[key])
    if source is not None and name in ("digits", "morse", "morse-difficult"):
        raise fail(where, "source", f"None for {name!r} (it is generated or bundled, not read from files)",
                   os.fspath(source) if isinstance(source, os.PathLike) else source)
    for key, value in fixed.items():
        if key in options and options[key] != value:
            raise fail(where, key, f"{value!r} for {name!r}", options[key], f"Use name='morse' with {key}=...")
    options = {**fixed, **options}
    if "variant" in options:
        from predefsparse import morse
        check_choice(where, "variant", options["variant"], tuple(morse.VARIANTS))
    compress = check_bool(where, "compress", compress)
    if out is not None and (not isinstance(out, (str, os.PathLike)) or not os.fspath(out).endswith(".npz")):
        raise fail(where, "out", "a file path ending in .npz, or None", out)
    rng, recorded = normalize_seed(where, seed)
    path = Path(out).expanduser() if out is not None else data_dir / f"{_file_stem(name, options)}.npz"

    started = time.perf_counter()
    arrays, prov = builder(_Context(name, data_dir, source, rng, seed, options))
    _validate(where, arrays, f"the {name!r} build")
    atomic_write(path, lambda f: _write_npz(f, arrays, compress))
    elapsed = time.perf_counter() - started
    from predefsparse import __version__
    note = {
        "format": _FORMAT,
        "dataset": name,
        "file": path.name,
        "md5": _md5_file(path),
        "options": _json_safe({k: v for k, v in options.items() if k != "codebook"}),
        "seed": recorded if uses_seed else None,
        "shapes": {k: list(v.shape) for k, v in arrays.items()},
        **_json_safe(prov),
        "built_seconds": round(elapsed, 3),
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "versions": {"predefsparse": __version__, "numpy": np.__version__, "python": sys.version.split()[0]},
    }
    atomic_write(_provenance_path(path), lambda f: f.write((json.dumps(note, indent=1) + "\n").encode("utf-8")))
    return str(path)
