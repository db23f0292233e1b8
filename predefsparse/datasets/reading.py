"""Load and describe a dataset given by name or path (a missing named dataset is built first); the file a name or
path refers to."""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from adjmat.validation import fail

from .builders import DATASETS, _build_announced
from .folders import _data_dir, _is_name, _provenance_path
from .npz import _SPLITS, KEYS, _read_npz

__all__ = ["load", "info", "path_for"]


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
    >>> from predefsparse.datasets import save
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
            path = _build_announced(where, name, data_dir)
        elif isinstance(name_or_path, str) and _is_name(name):
            present = sorted(p.stem for p in data_dir.glob("*.npz")) if data_dir.is_dir() else []
            raise FileNotFoundError(
                f"load: no dataset {name!r}: {path} does not exist and there is no builder of that name. "
                f"Builders: {', '.join(DATASETS)}. In {data_dir}: {', '.join(present) or 'no .npz files'}.")
        else:
            raise FileNotFoundError(f"load: no such dataset file: {path}")
    arrays = _read_npz(where, path)
    return tuple(arrays[k] for k in KEYS)


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
    >>> from predefsparse.datasets import save
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

