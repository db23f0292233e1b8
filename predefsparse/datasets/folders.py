"""Where datasets live: the data folder, and the file a dataset name or path refers to."""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from adjmat.validation import fail

__all__ = ["default_data_dir", "path_for"]

_ROOT = Path(__file__).resolve().parent.parent.parent
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]*$")


class _SourceMissing(FileNotFoundError):
    """A builder's source files are not on this machine; ``detail`` is the message without the function name."""

    def __init__(self, where: str, detail: str):
        super().__init__(f"{where}: {detail}")
        self.detail = detail


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
    from .builders import DATASETS
    raise fail(where, "name_or_path", "a dataset name (letters, digits, '-', '_', '.', '+') or a path to a "
               ".npz file", name_or_path, "Known names: " + ", ".join(DATASETS) + ".")



def _provenance_path(path: Path) -> Path:
    return path.with_name(path.name[:-len(".npz")] + ".provenance.json")

