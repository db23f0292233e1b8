"""Where datasets live: the data folder, and how a dataset name is told from a path."""
from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from adjmat.validation import fail

__all__ = ["default_data_dir"]

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
    >>> from predefsparse.datasets import path_for
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


def _provenance_path(path: Path) -> Path:
    return path.with_name(path.name[:-len(".npz")] + ".provenance.json")

