"""Check a dataset before any work: a name is built if needed, a file is validated from its headers alone."""
from __future__ import annotations

import difflib
import os
from pathlib import Path

from adjmat.validation import check_bool, fail

from .builders import DATASETS, _build_announced
from .folders import _data_dir, _is_name
from .npz import _scan
from .reading import path_for

__all__ = ["check", "shapes"]

_WHAT = "a dataset name (" + ", ".join(DATASETS) + ") or a path to a six-key .npz file"


def check(name_or_path: str | os.PathLike, *, data_dir: str | os.PathLike | None = None, param: str = "dataset",
          build: bool = True) -> Path:
    """Check a dataset name or file before any other work; build a named dataset that is missing.

    Commands call this first, so a request with an unusable dataset is refused in well under a second, before
    any pattern, folder or model is made.  A file is checked from its zip directory and ``.npy`` headers alone
    (the arrays are not read): the six keys ``xtr, ytr, xva, yva, xte, yte``, numeric dtypes, shapes that agree
    (samples, features, classes), declared sizes that match the data, every split non-empty (training
    evaluates on the validation and test splits), and the total size within the memory limit
    (``PREDEFSPARSE_MAX_MEMORY``).  Values (NaN, one-hot labels) are checked when :func:`load` reads them.

    Parameters
    ----------
    name_or_path : str or os.PathLike
        A dataset name (:data:`DATASETS`, or the stem of an npz in the data folder) or a path to a ``.npz``
        (see :func:`path_for`).
    data_dir : str, os.PathLike or None
        The data folder for names (default :func:`default_data_dir`).
    param : str
        The name the caller knows the dataset by (``"dataset"``; a command line maps it to its flag): every
        refusal is an :class:`adjmat.SpecError` whose ``param`` is this name.
    build : bool
        Build a named dataset whose file is missing (default True), after a line on stderr naming its source
        (the builder's files: e.g. Debian's ``/usr/share/datasets/fashion-mnist``).  False refuses instead.

    Returns
    -------
    pathlib.Path
        The absolute path of the dataset's npz (symbolic links are kept as given).

    Raises
    ------
    adjmat.SpecError
        Anything that makes the dataset unusable, with ``param`` as the parameter: an unknown name (with the
        nearest known ones), a missing file, a builder whose source files are not on this machine (where it
        looked and what to install or pass), something that is not a regular file, a file that is not a valid
        six-key npz, an empty split, a size over the memory limit.  No message quotes the file's bytes.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from predefsparse.datasets import save
    >>> x, y = np.zeros((2, 3), np.float32), np.eye(2, dtype=np.float32)
    >>> p = save(tempfile.mkdtemp() + "/d.npz", x, y, x, y, x, y)
    >>> check(p) == Path(p)
    True
    >>> p = save(tempfile.mkdtemp() + "/e.npz", x, y, x, y, x[:0], y[:0])
    >>> try:
    ...     check(p)
    ... except ValueError as err:
    ...     print(str(err).split(";")[0])
    check: dataset must be a six-key dataset npz (xte: at least one test sample)
    """
    where = "check"
    if not isinstance(param, str) or not param:
        raise fail(where, "param", "the parameter name to report (a non-empty str)", param)
    build = check_bool(where, "build", build)
    if not isinstance(name_or_path, (str, os.PathLike)) or not os.fspath(name_or_path):
        raise fail(where, param, _WHAT, name_or_path)
    text = os.fspath(name_or_path)
    folder = _data_dir(where, data_dir)
    named = isinstance(name_or_path, str) and _is_name(text)
    if isinstance(name_or_path, str) and not named and not (text.endswith(".npz") or "/" in text or os.sep in text):
        raise fail(where, param, _WHAT, text, "A name has letters, digits, '-', '_', '.' and '+' only.")
    path = Path(os.path.abspath(path_for(name_or_path, data_dir=folder)))
    try:
        st = os.stat(path)
    except FileNotFoundError:
        st = None
    except OSError as err:
        raise fail(where, param, "a readable six-key dataset npz", str(path),
                   f"It cannot be read: {err.strerror}.") from None
    if st is None:
        if named and text in DATASETS:
            if not build:
                raise fail(where, param, "a dataset that is built", text,
                           f"{path} does not exist; build it with `predefsparse data build {text}`.")
            try:
                path = Path(os.path.abspath(_build_announced(where, text, folder)))
            except FileNotFoundError as err:
                raise fail(where, param, "a dataset whose source files are on this machine", text,
                           getattr(err, "detail", str(err))) from None
        elif named:
            present = sorted(p.stem for p in folder.glob("*.npz")) if folder.is_dir() else []
            known = list(dict.fromkeys([*DATASETS, *present]))
            near = difflib.get_close_matches(text, known, n=2)
            raise fail(where, param, "a known dataset name or an existing .npz file", text,
                       f"{path} does not exist. " + (f"Did you mean {' or '.join(map(repr, near))}? " if near else "")
                       + f"Known names: {', '.join(known)}.")
        else:
            raise fail(where, param, "an existing six-key .npz file", str(path), "No such file.")
    _scan(where, path, param, nonempty=True)
    return path


def shapes(path: str | os.PathLike, *, param: str = "dataset") -> dict[str, tuple[int, ...]]:
    """The shapes of a dataset file's six arrays, read from the npz headers alone (no array is read).

    Meant for a file :func:`check` accepted, e.g. to compare the features and classes with a network before
    building it; the file is checked again (the same checks and refusals, naming ``param``).

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from predefsparse.datasets import save
    >>> x, y = np.zeros((4, 3), np.float32), np.eye(2, dtype=np.float32)[[0, 1, 0, 1]]
    >>> shapes(save(tempfile.mkdtemp() + "/d.npz", x, y, x[:2], y[:2], x[:1], y[:1]))["xte"]
    (1, 3)
    """
    where = "shapes"
    if not isinstance(path, (str, os.PathLike)) or not os.fspath(path):
        raise fail(where, param, "a path to a six-key .npz file", path)
    found = _scan(where, Path(path), param, nonempty=True)
    return {key: tuple(shape) for key, (_, shape, _) in found.items()}
