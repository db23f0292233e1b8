"""IDX files (the MNIST format): read one, checksum a set of four, and find the folder holding them."""
from __future__ import annotations

import gzip
import hashlib
import os
import re
from pathlib import Path
from typing import Any

import numpy as np

from adjmat.validation import fail

from .folders import _SourceMissing

__all__ = ["read_idx"]

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


def _idx_folder(where: str, name: str, what: str, checksums: dict[str, str], source: Any,
                defaults: list[Path], how: str = "") -> tuple[Path, dict[str, Path]]:
    """The first folder holding all four IDX files of dataset ``name`` (``source`` alone when given).

    ``how`` says where else to get the files (a package, a download) in the message when none is found."""
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
    raise _SourceMissing(where, (
        f"the four {what} IDX files ({', '.join(b + '[.gz]' for b in checksums)}) were not found. "
        f"Looked in: {'; '.join(tried)}. {how}Put them in one of these folders, or build the dataset once from "
        f"the folder holding them: `predefsparse data build {name} --source FOLDER` (Python: "
        f"predefsparse.datasets.build({name!r}, source=FOLDER))."))


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
