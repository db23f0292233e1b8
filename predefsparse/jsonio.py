"""Reading and writing the JSON and TOML files of predefsparse: one strict writer, one hostile-file reader.

Writing: :func:`dumps` gives strict JSON (RFC 8259: no ``NaN`` or ``Infinity``; a missing or non-finite number
is ``null``; numpy scalars and arrays become plain numbers and lists), and :func:`write_json` writes it
atomically and durably (temp file, fsync, rename, fsync of the folder).  ``records.json``, ``design.json`` and
``sweep.json`` are all written this way, so every JSON parser (a browser's ``JSON.parse``, ``jq``) reads them.

Reading: :func:`read_json` and :func:`read_toml` treat the file as hostile.  It must be a regular file (a FIFO,
device or folder is refused without blocking), inside ``inside`` when that folder is given (a symlink that leads
out of it is refused), at most ``max_bytes`` long, UTF-8, and nested at most ``max_depth`` deep; JSON must not
hold ``NaN``/``Infinity`` or a key twice.  Every refusal is an :class:`adjmat.SpecError` naming ``param`` (a
missing file is a :class:`MissingFileError`, which is also a ``FileNotFoundError``), so the command line can
name its flag (:meth:`adjmat.SpecError.naming`).
"""
from __future__ import annotations

import errno
import hashlib
import json
import math
import os
import stat
from typing import Any, Callable

from adjmat.errors import SpecError
from adjmat.pattern import atomic_write

__all__ = ["plain", "dumps", "write_json", "read_json", "read_toml", "read_bytes", "check_regular", "sha256_file",
           "MissingFileError", "MAX_DEPTH"]

#: Default nesting limit of the readers: no file of this project nests more than a few levels.
MAX_DEPTH = 64


class MissingFileError(SpecError, FileNotFoundError):
    """A file the caller named does not exist (a :class:`adjmat.SpecError` and a ``FileNotFoundError``)."""

    def __init__(self, message: str | None = None, **parts: Any) -> None:
        SpecError.__init__(self, message, **parts)


# ----------------------------------------------------------------------------------------------- writing
def _plain(obj: Any, default: Callable[[Any], Any] | None) -> Any:
    """``obj`` as plain JSON types: non-finite floats to None, numpy values to Python, tuples to lists."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if obj is None or isinstance(obj, (bool, int, str)):
        return obj
    if isinstance(obj, dict):
        return {(k if isinstance(k, str) else str(k)): _plain(v, default) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v, default) for v in obj]
    if hasattr(obj, "dtype") and hasattr(obj, "tolist"):  # numpy scalar or array
        return _plain(obj.tolist(), default)
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    if default is not None:
        return _plain(default(obj), None)
    raise TypeError(f"dumps: {type(obj).__name__} is not JSON serialisable; convert it first.")


def plain(obj: Any, default: Callable[[Any], Any] | None = None) -> Any:
    """``obj`` as plain JSON types, as :func:`dumps` writes it (NaN and +-inf as None).

    Examples
    --------
    >>> plain({"a": (1, float("nan"))})
    {'a': [1, None]}
    """
    return _plain(obj, default)


def dumps(obj: Any, *, indent: int | None = 1, sort_keys: bool = False,
          default: Callable[[Any], Any] | None = None) -> str:
    """Strict JSON text of ``obj``: NaN and +-inf become ``null``; numpy values become plain numbers and lists.

    Parameters
    ----------
    obj : object
        Dicts, lists, tuples, str, int, float, bool, None, numpy scalars and arrays, paths.
    indent : int or None
        As for :func:`json.dumps` (None: one line).
    sort_keys : bool
        Sort the keys of every object.
    default : callable, optional
        Converts any other object to one of the types above; without it such an object raises ``TypeError``.

    Examples
    --------
    >>> import numpy as np
    >>> dumps({"a": float("nan"), "b": (1, np.float32(0.5)), "c": float("inf")}, indent=None)
    '{"a": null, "b": [1, 0.5], "c": null}'
    """
    return json.dumps(_plain(obj, default), indent=indent, sort_keys=sort_keys, allow_nan=False)


def write_json(path: str | os.PathLike, obj: Any, *, indent: int | None = 1, sort_keys: bool = False,
               default: Callable[[Any], Any] | None = None) -> str:
    """Write ``dumps(obj)`` (and a final newline) to ``path`` atomically and durably; returns the path.

    Examples
    --------
    >>> import tempfile, os
    >>> p = write_json(os.path.join(tempfile.mkdtemp(), "a.json"), {"x": float("nan")})
    >>> open(p).read()
    '{\\n "x": null\\n}\\n'
    """
    text = (dumps(obj, indent=indent, sort_keys=sort_keys, default=default) + "\n").encode("utf-8")
    return atomic_write(path, lambda f: f.write(text))


# ----------------------------------------------------------------------------------------------- reading
def _refuse(where: str, param: str, path: str, expected: str, hint: str | None = None) -> SpecError:
    return SpecError(where=where, param=param, value=path, expected=expected, hint=hint)


def _inside(path: str, folder: str) -> bool:
    real, root = os.path.realpath(path), os.path.realpath(folder)
    return os.path.commonpath([real, root]) == root


def check_regular(path: str | os.PathLike, *, param: str, where: str, what: str = "file",
                  inside: str | os.PathLike | None = None) -> os.stat_result:
    """Check that ``path`` is an existing regular file (inside ``inside`` when given) without opening it.

    Returns its ``os.stat_result``.  Raises :class:`MissingFileError` when nothing is there and
    :class:`adjmat.SpecError` for a folder, FIFO, device or socket, or a path (a symlink) leading out of
    ``inside``.

    Examples
    --------
    >>> try:
    ...     check_regular("/dev/null", param="path", where="demo")
    ... except ValueError as err:
    ...     print(err)
    demo: path must be a regular file; received path='/dev/null'. It is a character device.
    """
    path = os.fspath(path)
    if inside is not None and not _inside(path, os.fspath(inside)):
        raise _refuse(where, param, path, f"a {what} inside {os.fspath(inside)!r}",
                      f"It leads to {os.path.realpath(path)!r}, outside the folder; a run's files are its own.")
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise MissingFileError(where=where, param=param, value=path, expected=f"an existing {what}",
                               hint="No such file.") from None
    except OSError as err:
        raise _refuse(where, param, path, f"a readable {what}", f"{err.strerror or err}.") from None
    if not stat.S_ISREG(info.st_mode):
        kind = ("a folder" if stat.S_ISDIR(info.st_mode) else "a FIFO (named pipe)" if stat.S_ISFIFO(info.st_mode)
                else "a character device" if stat.S_ISCHR(info.st_mode) else "a block device"
                if stat.S_ISBLK(info.st_mode) else "a socket" if stat.S_ISSOCK(info.st_mode) else "not a file")
        raise _refuse(where, param, path, "a regular file", f"It is {kind}.")
    return info


def read_bytes(path: str | os.PathLike, *, param: str, max_bytes: int, where: str = "read_bytes",
               what: str = "file", inside: str | os.PathLike | None = None) -> bytes:
    """The bytes of a hostile file: a regular file (opened without blocking), inside ``inside`` when given, of
    at most ``max_bytes`` bytes.  Refusals are :class:`adjmat.SpecError` naming ``param``.

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "a.txt")
    >>> _ = open(p, "w").write("hello")
    >>> read_bytes(p, param="path", max_bytes=10)
    b'hello'
    """
    path = os.fspath(path)
    check_regular(path, param=param, where=where, what=what, inside=inside)
    try:  # O_NONBLOCK: a file swapped for a FIFO after the check still cannot block the open
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as err:
        if err.errno == errno.ENOENT:
            raise MissingFileError(where=where, param=param, value=path, expected=f"an existing {what}",
                                   hint="No such file.") from None
        raise _refuse(where, param, path, f"a readable {what}", f"{err.strerror or err}.") from None
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise _refuse(where, param, path, "a regular file", "It changed into a special file while opened.")
        if info.st_size > max_bytes:
            raise _refuse(where, param, path, f"a {what} of at most {max_bytes:,} bytes",
                          f"It has {info.st_size:,} bytes.")
        raw = f.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise _refuse(where, param, path, f"a {what} of at most {max_bytes:,} bytes", "It grew while read.")
    return raw


def _text(raw: bytes, where: str, param: str, path: str, what: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as err:
        raise _refuse(where, param, path, f"a UTF-8 {what}",
                      f"Byte {err.start} ({raw[err.start:err.start + 1]!r}) is not UTF-8.") from None


def _depth(obj: Any) -> int:
    """The nesting depth of parsed JSON/TOML (a scalar is 0, ``[1]`` is 1), without recursion."""
    deepest, stack = 0, [(obj, 0)]
    while stack:
        node, d = stack.pop()
        if isinstance(node, dict):
            node = list(node.values())
        elif not isinstance(node, list):
            continue
        deepest = max(deepest, d + 1)
        stack.extend((v, d + 1) for v in node if isinstance(v, (dict, list)))
    return deepest


def _check_depth(data: Any, max_depth: int, where: str, param: str, path: str, what: str) -> Any:
    if _depth(data) > max_depth:
        raise _refuse(where, param, path, f"a {what} nested at most {max_depth} levels deep",
                      "It nests deeper; no file of this kind needs that.")
    return data


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON (a missing number is null)")


def _no_duplicates(pairs: list) -> dict:
    out: dict = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"key {key!r} appears twice in one object")
        out[key] = value
    return out


def read_json(path: str | os.PathLike, *, param: str, max_bytes: int, max_depth: int = MAX_DEPTH,
              where: str = "read_json", what: str = "JSON file", inside: str | os.PathLike | None = None) -> Any:
    """Parse a hostile JSON file (see the module docstring for what is refused).

    Parameters
    ----------
    path : str or os.PathLike
    param : str
        How the caller names the path (``records`` in Python, ``--resume``'s folder on the command line).
    max_bytes : int
        The largest file accepted.
    max_depth : int
        The deepest nesting accepted (``[[1]]`` is 2).
    where : str
        The public function that reads, for messages.
    what : str
        What the file is, for messages (``"records file"``).
    inside : str or os.PathLike, optional
        The folder the file must be in (after following symlinks).

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "a.json")
    >>> _ = open(p, "w").write("[" * 100 + "]" * 100)
    >>> try:
    ...     read_json(p, param="path", max_bytes=1000)
    ... except ValueError as err:
    ...     print(str(err)[:64])
    read_json: path must be a JSON file nested at most 64 levels dee
    """
    path = os.fspath(path)
    text = _text(read_bytes(path, param=param, max_bytes=max_bytes, where=where, what=what, inside=inside),
                 where, param, path, what)
    if not text.strip():
        raise _refuse(where, param, path, f"a non-empty {what}", "It is empty (a truncated file?).")
    try:
        data = json.loads(text, parse_constant=_no_constant, object_pairs_hook=_no_duplicates)
    except RecursionError:
        raise _refuse(where, param, path, f"a {what} nested at most {max_depth} levels deep",
                      "It nests deeper; no file of this kind needs that.") from None
    except ValueError as err:
        raise _refuse(where, param, path, f"a valid {what}", f"It is not valid JSON: {err}.") from None
    return _check_depth(data, max_depth, where, param, path, what)


def read_toml(path: str | os.PathLike, *, param: str, max_bytes: int, max_depth: int = MAX_DEPTH,
              where: str = "read_toml", what: str = "TOML file", inside: str | os.PathLike | None = None) -> dict:
    """Parse a hostile TOML file (see :func:`read_json` for the parameters); returns its top-level table.

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "g.toml")
    >>> _ = open(p, "w").write('[grid]\\nseed = [0, 1]\\n')
    >>> read_toml(p, param="path", max_bytes=1000)
    {'grid': {'seed': [0, 1]}}
    """
    import tomllib
    path = os.fspath(path)
    text = _text(read_bytes(path, param=param, max_bytes=max_bytes, where=where, what=what, inside=inside),
                 where, param, path, what)
    try:
        data = tomllib.loads(text)
    except RecursionError:
        raise _refuse(where, param, path, f"a {what} nested at most {max_depth} levels deep",
                      "It nests deeper; no file of this kind needs that.") from None
    except tomllib.TOMLDecodeError as err:
        raise _refuse(where, param, path, f"a valid {what}", f"It is not valid TOML: {err}.") from None
    return _check_depth(data, max_depth, where, param, path, what)


def sha256_file(path: str | os.PathLike, *, param: str = "path", where: str = "sha256_file",
                inside: str | os.PathLike | None = None) -> str:
    """The SHA-256 hex digest of a regular file (inside ``inside`` when given), read in 1 MiB blocks.

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "a")
    >>> _ = open(p, "wb").write(b"abc")
    >>> sha256_file(p)[:16]
    'ba7816bf8f01cfea'
    """
    path = os.fspath(path)
    check_regular(path, param=param, where=where, inside=inside)
    digest = hashlib.sha256()
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
            raise _refuse(where, param, path, "a regular file", "It changed into a special file while opened.")
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
