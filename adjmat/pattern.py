"""The :class:`Pattern`: an immutable edge list in processing (natural) order.

Edge ``j`` joins left neuron ``left[j]`` to right neuron ``right[j]``; ``right`` is non-decreasing (natural
order: the hardware processes edges right neuron by right neuron, docs/patterns.md §2).  Memory is O(W): two int32
arrays.  Dense views are built only on request (:meth:`Pattern.to_mask`).

Orientation: :meth:`Pattern.to_mask` returns the Keras kernel orientation ``(p, n)`` (inputs x outputs).
:meth:`Pattern.to_scipy` returns CSR in the papers' orientation ``(n, p)`` (rows are right neurons, so the CSR
``indices`` are exactly ``left`` in processing order) unless ``orientation="pn"`` is asked for.
"""
from __future__ import annotations

import json
import os
import stat
import struct
import tempfile
import tokenize
import zipfile
import zlib
from types import MappingProxyType
from typing import Any, Mapping

import numpy as np
import scipy.sparse as sp

from .errors import SpecError
from .validation import MAX_SIZE, check_choice, check_int, check_size, fail
from .memory import check_memory

__all__ = ["Pattern", "atomic_write"]

_FORMAT = "adjmat.Pattern/1"


def atomic_write(path: str | os.PathLike, write) -> str:
    """Write a file atomically and durably: ``write(fileobj)`` into a temp file in the same folder, fsync it,
    rename it over ``path``, then fsync the folder so the rename itself survives a crash or power cut.

    The file gets the usual permissions (0666 less the umask), as ``open`` would give it.  Returns the final
    path as a string.

    Examples
    --------
    >>> import tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> p = atomic_write(os.path.join(d, "a.txt"), lambda f: f.write(b"hi"))
    >>> open(p, "rb").read()
    b'hi'
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        mask = os.umask(0)  # mkstemp makes the file private (0600); give it the usual permissions
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    _fsync_dir(folder)
    return path


def _fsync_dir(folder: str) -> None:
    """fsync a folder (makes a rename in it durable); a no-op where the platform cannot open folders."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _frozen(arr: np.ndarray, dtype=np.int32) -> np.ndarray:
    """A private read-only 1-D copy of ``arr`` (any layout, e.g. a broadcast view, read in C order) that owns
    its buffer: a view on ``bytes``, so its writeable flag can never be set again (``a.flags.writeable = True``
    raises ValueError) and no kernel can be fed edited indices.  One copy, made by ``tobytes``."""
    arr = np.asarray(arr)
    if arr.dtype != dtype:
        arr = arr.astype(dtype)
    return np.frombuffer(arr.tobytes(), dtype=dtype)


def _as_index_array(where: str, name: str, values: Any, bound: int) -> np.ndarray:
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise fail(where, name, "a 1-D integer array", f"array of shape {arr.shape}")
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        raise fail(where, name, "an integer array", f"array of dtype {arr.dtype}")
    if arr.size:
        lo, hi = int(arr.min()), int(arr.max())   # on the original values: nothing wraps before the check
        if lo < 0 or hi >= bound:
            raise fail(where, name, f"indices in [0, {bound})", f"array with values in [{lo}, {hi}]")
    return _frozen(arr)


_MAX_HEADER_CHARS = 1 << 20  # a saved header is a few hundred characters; refuse megabytes of JSON


def _npy_shape(bad, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[tuple, np.dtype, int]:
    """``(shape, dtype, header bytes)`` of a ``.npy`` zip member, from its header only (no data read)."""
    with zf.open(info) as f:
        try:
            major, _ = np.lib.format.read_magic(f)
            if major == 1:
                shape, _, dtype = np.lib.format.read_array_header_1_0(f)
            elif major in (2, 3):
                shape, _, dtype = np.lib.format.read_array_header_2_0(f)
            else:
                raise bad(f"{info.filename} has npy format version {major}")
        except (ValueError, SyntaxError, tokenize.TokenError, TypeError, EOFError) as err:
            if isinstance(err, SpecError):
                raise
            raise bad(f"{info.filename} has no valid npy header ({type(err).__name__}: {err})") from None
        if dtype.hasobject:
            raise bad(f"{info.filename} holds Python objects (pickles are never loaded)")
        return tuple(int(d) for d in shape), dtype, f.tell()


def _read_npy(bad, zf: zipfile.ZipFile, info: zipfile.ZipInfo, shape: tuple, dtype: np.dtype, offset: int):
    """The data of a ``.npy`` member: exactly ``prod(shape)`` items after its header, then end of member (the
    zip CRC is checked there)."""
    count = int(np.prod(shape, dtype=object))
    nbytes = count * dtype.itemsize
    if info.file_size != offset + nbytes:
        raise bad(f"{info.filename} declares {info.file_size} bytes but its header needs {offset + nbytes}")
    with zf.open(info) as f:
        f.read(offset)
        data = f.read(nbytes)
        if len(data) != nbytes:
            raise bad(f"{info.filename} is truncated: {len(data)} of {nbytes} data bytes")
        if f.read(1):
            raise bad(f"{info.filename} has data after its array")
    return np.frombuffer(data, dtype=dtype).reshape(shape)


def _read_header(bad, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> dict:
    """The JSON header of a saved pattern, checked key by key."""
    shape, dtype, offset = _npy_shape(bad, zf, info)
    if shape != () or dtype.kind != "U" or dtype.itemsize > 4 * _MAX_HEADER_CHARS:
        raise bad(f"header must be one JSON string of at most {_MAX_HEADER_CHARS} characters; the file declares "
                  f"shape {shape}, dtype {dtype}")
    text = str(_read_npy(bad, zf, info, shape, dtype, offset)[()])
    try:
        header = json.loads(text)
    except (ValueError, RecursionError) as err:
        raise bad(f"its header is not JSON ({err})") from None
    if not isinstance(header, dict):
        raise bad(f"its header must be a JSON object; it is a {type(header).__name__}")
    keys = ("format", "p", "n", "kind", "seed", "meta")
    missing = [k for k in keys if k not in header]
    if missing:
        raise bad(f"its header lacks {', '.join(missing)} (a saved Pattern has {', '.join(keys)})")
    if header["format"] != _FORMAT:
        raise bad(f"it has format {header['format']!r}; expected {_FORMAT!r}")
    for key in ("p", "n", "W"):
        value = header.get(key)
        if key in header and (isinstance(value, bool) or not isinstance(value, int) or value < (key != "W")
                              or value > (2 ** 62 if key == "W" else MAX_SIZE)):
            raise bad(f"its header declares {key}={value!r}; expected an integer in "
                      f"[{int(key != 'W')}, {2 ** 62 if key == 'W' else MAX_SIZE}]")
    if not isinstance(header["kind"], str) or not header["kind"]:
        raise bad(f"its header declares kind={header['kind']!r}; expected a non-empty string")
    seed = header["seed"]
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        raise bad(f"its header declares seed={seed!r}; expected a non-negative integer or null")
    if not isinstance(header["meta"], dict):
        raise bad(f"its header declares meta={header['meta']!r}; expected a JSON object")
    return header


class Pattern:
    """An immutable connection pattern of one junction, as an edge list in processing order.

    Parameters
    ----------
    left, right : array_like of int
        Edge ``j`` joins left neuron ``left[j]`` (0..p-1) to right neuron ``right[j]`` (0..n-1).  ``right``
        must be non-decreasing (natural order).  Stored as read-only int32 copies.
    p, n : int
        Left and right layer sizes.
    kind : str
        The generator that made it (``"custom"`` for hand-made ones).
    seed : int or None
        The seed it was drawn with (None for deterministic kinds or a caller-owned Generator).
    meta : mapping, optional
        JSON-serialisable facts about how it was made (for example ``{"z": 4, "type": 2}``).

    Examples
    --------
    >>> pat = Pattern(left=[0, 1, 1, 2], right=[0, 0, 1, 1], p=3, n=2)
    >>> pat.W, pat.out_degrees().tolist(), pat.in_degrees().tolist()
    (4, [1, 2, 1], [2, 2])
    >>> pat.to_mask().astype(int).tolist()
    [[1, 0], [1, 1], [0, 1]]
    """

    __slots__ = ("_left", "_right", "_p", "_n", "_kind", "_seed", "_meta", "_cache")

    def __init__(self, left, right, p: int, n: int, kind: str = "custom", seed: int | None = None,
                 meta: Mapping[str, Any] | None = None):
        where = "Pattern"
        p = check_size(where, "p", p)
        n = check_size(where, "n", n)
        if not isinstance(kind, str) or not kind:
            raise fail(where, "kind", "a non-empty string", kind)
        if seed is not None:
            seed = check_int(where, "seed", seed, minimum=0)
        left_a = _as_index_array(where, "left", left, p)
        right_a = _as_index_array(where, "right", right, n)
        if left_a.shape != right_a.shape:
            raise SpecError(f"{where}: left and right must have the same length; received "
                            f"len(left)={left_a.size}, len(right)={right_a.size}.", where=where, param="right")
        if right_a.size > 1:
            bad = np.flatnonzero(right_a[1:] < right_a[:-1])
            if bad.size:
                j = int(bad[0])
                raise SpecError(f"{where}: right must be non-decreasing (natural order, edges grouped by right "
                                f"neuron); received right[{j}]={int(right_a[j])} > right[{j + 1}]="
                                f"{int(right_a[j + 1])}. Sort the edges by right neuron first.",
                                where=where, param="right")
        if meta is not None and not isinstance(meta, Mapping):
            raise fail(where, "meta", "a JSON-serialisable mapping or None", meta)
        meta = dict(meta or {})
        try:
            json.dumps(meta)
        except TypeError as err:
            raise fail(where, "meta", "a JSON-serialisable mapping", meta, str(err)) from None
        self._left, self._right, self._p, self._n = left_a, right_a, p, n
        self._kind, self._seed, self._meta = kind, seed, MappingProxyType(meta)
        self._cache: dict[str, Any] = {}

    @classmethod
    def unchecked(cls, left: np.ndarray, right: np.ndarray, p: int, n: int, kind: str = "custom",
                  seed: int | None = None, meta: Mapping[str, Any] | None = None) -> "Pattern":
        """Wrap edge arrays without validating them: for code that built them correctly (a generator, SET's
        rewiring) and for tests that need an invalid pattern on purpose.

        The arrays are copied read-only as int32, as the checked constructor does; nothing else is checked
        (indices in range, ``right`` non-decreasing, no repeated edge: the caller's promise).  Everything else
        should use ``Pattern(...)``.

        Examples
        --------
        >>> Pattern.unchecked(np.array([1, 0]), np.array([0, 0]), 2, 1).left.tolist()
        [1, 0]
        """
        self = cls.__new__(cls)
        self._left, self._right, self._p, self._n = _frozen(left), _frozen(right), int(p), int(n)
        self._kind, self._seed, self._meta = kind, seed, MappingProxyType(dict(meta or {}))
        self._cache = {}
        return self

    _trusted = unchecked   # adjmat's generators' name for it

    def _with(self, kind: str, seed: int | None, meta: Mapping[str, Any]) -> "Pattern":
        """The same edges (arrays shared, they are immutable) with another provenance; ``meta`` is merged over
        this pattern's meta."""
        other = type(self).__new__(type(self))
        other._left, other._right, other._p, other._n = self._left, self._right, self._p, self._n
        other._kind, other._seed = kind, seed
        other._meta = MappingProxyType({**self._meta, **meta})
        other._cache = self._cache
        return other

    # ------------------------------------------------------------------ basic facts
    left = property(lambda self: self._left, doc="Left neuron of each edge (read-only int32, length W).")
    right = property(lambda self: self._right, doc="Right neuron of each edge (read-only int32, non-decreasing).")
    p = property(lambda self: self._p, doc="Left layer size.")
    n = property(lambda self: self._n, doc="Right layer size.")
    kind = property(lambda self: self._kind, doc="Generator kind that made the pattern.")
    seed = property(lambda self: self._seed, doc="Seed the pattern was drawn with, or None.")
    meta = property(lambda self: self._meta, doc="Read-only mapping of generation facts (z, type, dither, ...).")

    @property
    def W(self) -> int:
        """Number of edges."""
        return int(self._left.size)

    @property
    def density(self) -> float:
        """``W / (p * n)``."""
        return self.W / (self._p * self._n)

    def out_degrees(self) -> np.ndarray:
        """Edges leaving each left neuron (int64 array of length p).

        Examples
        --------
        >>> Pattern([0, 0], [0, 1], p=2, n=2).out_degrees().tolist()
        [2, 0]
        """
        if "out" not in self._cache:
            self._cache["out"] = _frozen(np.bincount(self._left, minlength=self._p), np.int64)
        return self._cache["out"]

    def in_degrees(self) -> np.ndarray:
        """Edges entering each right neuron (int64 array of length n).

        Examples
        --------
        >>> Pattern([0, 0], [0, 1], p=2, n=2).in_degrees().tolist()
        [1, 1]
        """
        if "in" not in self._cache:
            self._cache["in"] = _frozen(np.bincount(self._right, minlength=self._n), np.int64)
        return self._cache["in"]

    @property
    def fo(self) -> int | None:
        """The common out-degree if every left neuron has the same one, else None."""
        d = self.out_degrees()
        return int(d[0]) if d.size and d.min() == d.max() else None

    @property
    def fi(self) -> int | None:
        """The common in-degree if every right neuron has the same one, else None."""
        d = self.in_degrees()
        return int(d[0]) if d.size and d.min() == d.max() else None

    @property
    def z(self) -> int | None:
        """The parallelism the pattern was generated for (from :attr:`meta`), or None."""
        return self._meta.get("z")

    # ------------------------------------------------------------------ conversions
    def indptr(self) -> np.ndarray:
        """CSR row pointer over right neurons: edges of right neuron r are ``indptr[r]:indptr[r+1]``.

        Examples
        --------
        >>> Pattern([0, 1, 1], [0, 0, 1], p=2, n=2).indptr().tolist()
        [0, 2, 3]
        """
        if "indptr" not in self._cache:
            ptr = np.zeros(self._n + 1, dtype=np.int64)
            np.cumsum(self.in_degrees(), out=ptr[1:])
            self._cache["indptr"] = _frozen(ptr, np.int64)
        return self._cache["indptr"]

    def to_scipy(self, orientation: str = "np", dtype=np.float32) -> sp.csr_matrix:
        """The pattern as a SciPy CSR matrix of ones.

        Parameters
        ----------
        orientation : {"np", "pn"}
            ``"np"`` (default): shape ``(n, p)``, rows are right neurons -- the papers' orientation, built in
            O(W) with ``indices == left`` in processing order.  ``"pn"``: shape ``(p, n)``, the Keras kernel
            orientation (a transpose, converted to CSR).
        dtype : numpy dtype
            Value type of the stored ones.

        Examples
        --------
        >>> m = Pattern([0, 1, 1], [0, 0, 1], p=2, n=2).to_scipy()
        >>> m.shape, m.toarray().tolist()
        ((2, 2), [[1.0, 1.0], [0.0, 1.0]])
        """
        check_choice("Pattern.to_scipy", "orientation", orientation, ("np", "pn"))
        m = sp.csr_matrix((np.ones(self.W, dtype=dtype), self._left.copy(), self.indptr().copy()),
                          shape=(self._n, self._p))
        return m if orientation == "np" else m.T.tocsr()

    def to_mask(self) -> np.ndarray:
        """Dense boolean mask of shape ``(p, n)`` (Keras kernel orientation: ``mask[left, right]``).

        This is the one O(p*n) view; build it only when you need it (refused above the memory limit).

        Examples
        --------
        >>> Pattern([1], [0], p=2, n=1).to_mask().tolist()
        [[False], [True]]
        """
        check_memory("Pattern.to_mask", self._p * self._n, f"a dense {self._p}x{self._n} boolean mask")
        mask = np.zeros((self._p, self._n), dtype=bool)
        mask[self._left, self._right] = True
        return mask

    @classmethod
    def from_mask(cls, mask, kind: str = "custom", meta: Mapping[str, Any] | None = None) -> "Pattern":
        """Build a pattern from a ``(p, n)`` boolean mask (Keras orientation); edges in natural order with
        left neurons ascending within each right neuron.

        Examples
        --------
        >>> Pattern.from_mask([[True, False], [True, True]]).left.tolist()
        [0, 1, 1]
        """
        mask = np.asarray(mask)
        if mask.ndim != 2:
            raise fail("Pattern.from_mask", "mask", "a 2-D (p, n) array", f"array of shape {mask.shape}")
        right, left = np.nonzero(mask.T)
        return cls(left, right, mask.shape[0], mask.shape[1], kind=kind, meta=meta)

    @classmethod
    def from_scipy(cls, matrix, orientation: str = "np", kind: str = "custom",
                   meta: Mapping[str, Any] | None = None) -> "Pattern":
        """Build a pattern from a SciPy sparse matrix (stored entries are edges).

        ``orientation="np"`` means shape ``(n, p)``; ``"pn"`` means ``(p, n)``.  Within a right neuron the
        stored order of a CSR ``(n, p)`` matrix is kept, so ``Pattern.from_scipy(pat.to_scipy()) == pat``.

        Examples
        --------
        >>> pat = Pattern([1, 0], [0, 1], p=2, n=2)
        >>> Pattern.from_scipy(pat.to_scipy()) == pat
        True
        """
        check_choice("Pattern.from_scipy", "orientation", orientation, ("np", "pn"))
        if not sp.issparse(matrix):
            raise fail("Pattern.from_scipy", "matrix", "a scipy.sparse matrix", type(matrix).__name__)
        m = matrix if orientation == "np" else matrix.T
        m = m.tocsr()
        n, p = m.shape
        right = np.repeat(np.arange(n, dtype=np.int32), np.diff(m.indptr))
        return cls(m.indices, right, p, n, kind=kind, meta=meta)

    # ------------------------------------------------------------------ persistence
    def save(self, path: str | os.PathLike) -> str:
        """Save to ``.npz`` (no pickle; atomic temp-file-and-rename).  Returns the path written.

        Examples
        --------
        >>> import tempfile, os
        >>> pat = Pattern([0, 1], [0, 1], p=2, n=2, kind="custom")
        >>> path = pat.save(os.path.join(tempfile.mkdtemp(), "pat.npz"))
        >>> Pattern.load(path) == pat
        True
        """
        header = json.dumps({"format": _FORMAT, "p": self._p, "n": self._n, "W": self.W, "kind": self._kind,
                             "seed": self._seed, "meta": dict(self._meta)})
        arrays = {"left": self._left, "right": self._right, "header": np.array(header)}
        return atomic_write(path, lambda f: np.savez_compressed(f, **arrays))

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Pattern":
        """Load a pattern written by :meth:`save`, treating the file as hostile until checked.

        The file's size, the zip directory, the JSON header (a mapping with ``format``, ``p``, ``n``, ``kind``,
        ``seed``, ``meta`` and, in files written since 0.2, ``W``) and the declared shapes and dtypes of the
        arrays (read from their ``.npy`` headers, without the data) are checked against each other and against
        the memory limit before any array is read; arrays are read with exact byte counts (so a member that
        decompresses to more than it declares is refused) and no pickle.  Every problem -- an empty, truncated
        or corrupted file, a header that is not a mapping, a missing key, an impossible shape -- is a
        :class:`SpecError` naming the file and the problem.

        Examples
        --------
        >>> import tempfile, os
        >>> path = Pattern([0], [0], p=1, n=1).save(os.path.join(tempfile.mkdtemp(), "p.npz"))
        >>> Pattern.load(path).W
        1
        """
        where = "Pattern.load"
        if not isinstance(path, (str, os.PathLike)):
            raise fail(where, "path", "a file path (str or os.PathLike)", path)
        name = os.fspath(path)
        if isinstance(name, bytes):
            name = os.fsdecode(name)

        def bad(problem: str) -> SpecError:
            return SpecError(f"{where}: {name!r} is not a readable Pattern file: {problem}.")

        try:
            st = os.stat(name)
        except OSError as err:
            raise SpecError(f"{where}: cannot read {name!r}: {err.strerror or err}.") from None
        if not stat.S_ISREG(st.st_mode):
            raise bad("not a regular file")
        if st.st_size == 0:
            raise bad("the file is empty (0 bytes)")
        check_memory(where, st.st_size, f"reading the {st.st_size}-byte file {name!r}")
        try:
            with zipfile.ZipFile(name) as zf:
                infos = {info.filename: info for info in zf.infolist()}
                missing = {"left", "right", "header"} - {k[:-4] for k in infos if k.endswith(".npy")}
                if missing:
                    raise bad(f"missing {', '.join(sorted(missing))}; expected arrays left, right, header")
                header = _read_header(bad, zf, infos["header.npy"])
                p, n, W = header["p"], header["n"], header.get("W")
                shapes = {key: _npy_shape(bad, zf, infos[key + ".npy"]) for key in ("left", "right")}
                for key, (shape, dtype, _) in shapes.items():
                    if len(shape) != 1 or dtype.kind not in "iu" or dtype.itemsize > 8:
                        raise bad(f"{key} must be a 1-D integer array; the file declares shape {shape}, "
                                  f"dtype {dtype}")
                lengths = {key: shape[0] for key, (shape, _, _) in shapes.items()}
                if lengths["left"] != lengths["right"]:
                    raise bad(f"left and right must have the same length; the file declares "
                              f"{lengths['left']} and {lengths['right']}")
                if W is not None and lengths["left"] != W:
                    raise bad(f"the header declares W={W} edges but the arrays hold {lengths['left']}")
                edges = lengths["left"]
                check_memory(where, edges * (sum(d.itemsize for _, d, _ in shapes.values()) + 16),
                             f"a {p}x{n} pattern of {edges} edges declared by {name!r}")
                arrays = {key: _read_npy(bad, zf, infos[key + ".npy"], *shapes[key]) for key in shapes}
        except SpecError:
            raise
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, KeyError, IndexError,
                UnicodeError, NotImplementedError, RuntimeError, struct.error, TypeError, SyntaxError,
                tokenize.TokenError, MemoryError) as err:
            raise bad(f"{type(err).__name__}: {err}") from None
        try:
            return cls(arrays["left"], arrays["right"], p, n, kind=header["kind"], seed=header["seed"],
                       meta=header["meta"])
        except SpecError as err:
            raise bad("it holds an invalid pattern: " + str(err).split(": ", 1)[1].rstrip(".")) from None

    # ------------------------------------------------------------------ dunder
    def __eq__(self, other: object) -> bool:
        """Equal when sizes and the edge lists (in processing order) are identical; provenance is ignored."""
        if not isinstance(other, Pattern):
            return NotImplemented
        return (self._p == other._p and self._n == other._n and np.array_equal(self._left, other._left)
                and np.array_equal(self._right, other._right))

    def __hash__(self) -> int:
        return hash((self._p, self._n, self._left.tobytes(), self._right.tobytes()))

    def __len__(self) -> int:
        return self.W

    def __repr__(self) -> str:
        facts = [f"kind={self._kind!r}", f"p={self._p}", f"n={self._n}", f"W={self.W}",
                 f"density={self.density:.4g}"]
        fo, fi = self.fo, self.fi
        if fo is not None:
            facts.append(f"fo={fo}")
        if fi is not None:
            facts.append(f"fi={fi}")
        for key in ("z", "type", "dither"):
            if key in self._meta:
                facts.append(f"{key}={self._meta[key]!r}")
        if self._seed is not None:
            facts.append(f"seed={self._seed}")
        return "Pattern(" + ", ".join(facts) + ")"
