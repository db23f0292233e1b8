"""Load SET's own truly sparse MLP from a checkout the user names, with only the shims current numpy needs.

SET (Mocanu et al., Nature Communications 2018) ships a proof-of-concept MLP whose weights are SciPy CSR
matrices, trained by a Cython loop and rewired by ``weightsEvolution_Amar``: the file
``SET-MLP-Sparse-Python-Data-Structures/set_mlp_sparse_data_structures.py`` of the public repository
``dcmocanu/sparse-evolutionary-artificial-neural-networks``.  Its README publishes the minutes per epoch on a
16 GB laptop (:data:`PUBLISHED`).  None of that code is part of this project: :func:`load` imports it from the
folder the user names (``--set-code DIR``: the repository root or that sub-folder) and executes it, so point it
only at a checkout you trust.

Shims, each applied only when needed and reported in :attr:`SetCode.shims`:

- ``np.in1d`` is gone from numpy (deprecated in 2.0, removed in 2.4).  The module's ``np`` becomes a view of
  numpy whose ``in1d(a, b)`` is ``np.isin(a, b).ravel()`` (``in1d`` flattened its result, ``isin`` keeps the
  shape); numpy itself is not touched.
- ``coo_matrix(csr)`` shares the CSR's ``data`` array in current SciPy (``tocoo(copy=False)`` inside the
  constructor); the SciPy SET was written against (0.19) copied it.  SET's back-propagation builds its gradient
  as ``dw = coo_matrix(w)`` and then overwrites ``dw.data`` in place, so without a copy it overwrites the weights
  with their gradients (the net does not learn, and the edges whose gradient is exactly zero vanish at the next
  sparse addition: 119,229 -> 41,305 edges in one epoch at H = 3,000).  The module's ``coo_matrix`` becomes
  SciPy's with a sparse argument copied first.
- ``sparseoperations`` is a Cython extension; the repository ships it built for CPython 3.5 only and this
  project builds none of SET's code.  When no importable build is in the folder, a stand-in module provides
  ``backpropagation_updates_Cython`` as SET's own ``backpropagation_updates_Numpy`` from the same file (the
  same serial loop, which the file names as the fallback) compiled with ``numba.njit``.
"""
from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import sys
import types
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: Upstream repository and the file inside it that holds the truly sparse SET-MLP.
REPOSITORY = "dcmocanu/sparse-evolutionary-artificial-neural-networks"
FOLDER = "SET-MLP-Sparse-Python-Data-Structures"
FILE = "set_mlp_sparse_data_structures.py"

#: SET's published minutes per epoch (its README, "Implementation 2", 16 GB laptop, original weightsEvolution):
#: neurons per hidden layer -> minutes per epoch, on its 3312-input, 5-class lung data.
PUBLISHED = {3_000: 0.3, 30_000: 3.0, 300_000: 49.0, 600_000: 112.0}

_MAX_SOURCE_BYTES = 1 << 20       # the file is ~25 kB; anything past 1 MB is not that file


@dataclass(frozen=True)
class SetCode:
    """SET's module as loaded: the module, the file it came from and the shims applied (one line each)."""

    module: types.ModuleType
    path: Path
    shims: tuple[str, ...]


class _NumpyWithIn1d(types.ModuleType):
    """numpy as SET's module sees it: every attribute is numpy's, plus the removed ``in1d``."""

    def __init__(self):
        super().__init__("numpy")

    def __getattr__(self, name):
        return getattr(np, name)

    @staticmethod
    def in1d(ar1, ar2, assume_unique=False, invert=False):
        return np.isin(ar1, ar2, assume_unique=assume_unique, invert=invert).ravel()


def _copying_coo_matrix(arg1, *args, **kwargs):
    """``scipy.sparse.coo_matrix`` as SciPy 0.19 built it from a sparse matrix: from a copy of its data."""
    import scipy.sparse

    if scipy.sparse.issparse(arg1):
        arg1 = arg1.tocoo(copy=True)
    return scipy.sparse.coo_matrix(arg1, *args, **kwargs)


def _coo_shares_data() -> bool:
    import scipy.sparse

    csr = scipy.sparse.csr_matrix(np.eye(2))
    return bool(np.shares_memory(scipy.sparse.coo_matrix(csr).data, csr.data))


def locate(folder: str | os.PathLike, flag: str = "--set-code") -> Path:
    """The path of SET's file under ``folder`` (the repository root or its sub-folder), checked.

    Raises ``ValueError`` naming ``flag`` when the folder or the file is missing, the file is not a regular
    file inside the folder, or it is larger than SET's file can be.

    Examples
    --------
    >>> try:
    ...     locate("/nonexistent")
    ... except ValueError as err:
    ...     print(str(err)[:46])
    --set-code must be a folder holding SET's code
    """
    root = Path(folder)
    expected = (f"a folder holding SET's code ({REPOSITORY}: its root or {FOLDER}/, with {FILE})")
    if not root.is_dir():
        raise ValueError(f"{flag} must be {expected}; received {flag}={str(folder)!r}. No such folder.")
    root = root.resolve()
    for candidate in (root / FILE, root / FOLDER / FILE):
        if candidate.exists():
            path = candidate.resolve()
            if root not in path.parents or not path.is_file():
                raise ValueError(f"{flag} must be {expected}; received {flag}={str(folder)!r}. {candidate} is not "
                                 f"a regular file inside that folder.")
            size = path.stat().st_size
            if size > _MAX_SOURCE_BYTES:
                raise ValueError(f"{flag} must be {expected}; received {flag}={str(folder)!r}. {path} has "
                                 f"{size} bytes, more than SET's file can have.")
            return path
    raise ValueError(f"{flag} must be {expected}; received {flag}={str(folder)!r}. Neither {FILE} nor "
                     f"{FOLDER}/{FILE} is there; fetch the repository and check it out outside this project.")


def _built_extension(folder: Path) -> Path | None:
    """An importable build of ``sparseoperations`` in ``folder`` (this interpreter's suffixes only)."""
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        path = folder / f"sparseoperations{suffix}"
        if path.is_file():
            return path
    return None


def load(folder: str | os.PathLike, flag: str = "--set-code") -> SetCode:
    """Import SET's truly sparse MLP from ``folder``, applying only the shims this numpy needs.

    Parameters
    ----------
    folder : str or path
        The checkout (see :func:`locate`).
    flag : str
        The command-line flag named in errors.

    Returns
    -------
    SetCode
        ``module`` has ``SET_MLP``, ``Relu``, ``Sigmoid``, ``MSE`` as SET wrote them.

    Examples
    --------
    >>> try:
    ...     load("/nonexistent")
    ... except ValueError as err:
    ...     print(type(err).__name__)
    ValueError
    """
    path = locate(folder, flag)
    shims: list[str] = []
    name = "set_mlp_sparse_data_structures"
    built = _built_extension(path.parent)
    stub = None
    saved = sys.modules.get("sparseoperations")
    if built is not None:
        spec = importlib.util.spec_from_file_location("sparseoperations", built)
        ext = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(ext)
        sys.modules["sparseoperations"] = ext
    else:
        stub = types.ModuleType("sparseoperations")
        stub.__doc__ = "Stand-in for SET's Cython sparseoperations (see bench/_setcode.py)."
        sys.modules["sparseoperations"] = stub
    try:
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        if saved is None:
            sys.modules.pop("sparseoperations", None)
        else:
            sys.modules["sparseoperations"] = saved
    if stub is not None:
        import numba

        stub.backpropagation_updates_Cython = numba.njit(module.backpropagation_updates_Numpy)
        shims.append("sparseoperations (Cython, shipped built for CPython 3.5 only): stand-in whose "
                     "backpropagation_updates_Cython is SET's own backpropagation_updates_Numpy from the same "
                     f"file, compiled with numba.njit (numba {numba.__version__}; serial, as the Cython loop)")
    if _coo_shares_data():
        import scipy

        module.coo_matrix = _copying_coo_matrix
        shims.append(f"coo_matrix(sparse) shares the data array in SciPy {scipy.__version__} (0.19 copied it; "
                     "SET's back-propagation writes the gradient into that array): the module's coo_matrix "
                     "copies a sparse argument first")
    if not hasattr(np, "in1d"):
        module.np = _NumpyWithIn1d()
        shims.append(f"np.in1d (removed in numpy 2.4; here numpy {np.__version__}): the module's np.in1d(a, b) "
                     "is np.isin(a, b).ravel()")
    return SetCode(module, path, tuple(shims))


def published_table() -> str:
    """SET's published minutes per epoch as printable lines.

    Examples
    --------
    >>> print(published_table().splitlines()[1].split()[:2])
    ['3,000', '0.3']
    """
    lines = [f"{'H':>9} {'min/epoch':>10} {'s/epoch':>9}   (SET README, 16 GB laptop, original weightsEvolution)"]
    for h, minutes in PUBLISHED.items():
        lines.append(f"{h:>9,} {minutes:>10.1f} {60 * minutes:>9.0f}")
    return "\n".join(lines)
