"""Data of a training run: load the dataset, apply the preprocesses, pad and join the splits; standard preds.

:func:`prepare_data` turns a dataset name, ``.npz`` path or six arrays into the :class:`RunData` that
:func:`predefsparse.run_model` fits and evaluates on (``valtest`` 1 joins train and val into one aligned buffer
that reaches TensorFlow without a copy).
"""
from __future__ import annotations

import dataclasses
import hashlib
import os
from typing import Any, Callable, Sequence

import numpy as np

from adjmat.errors import SpecError
from adjmat.validation import fail

from . import results
from ._sparse_ops import _aligned

__all__ = ["RunData", "prepare_data", "check_dataset", "load_dataset", "resolve_preprocesses", "pad", "data_digest",
           "check_preds_compare", "load_standard_preds"]


def pad(where: str, param: str, a: np.ndarray, width: int | None) -> np.ndarray:
    """Zero-pad the last axis of a 2-D array to ``width`` (never truncates)."""
    if width is None or a.shape[-1] == width:
        return a
    if a.ndim != 2:
        raise fail(where, param, f"None for data of shape {a.shape[1:]} (only 2-D x / y can be padded)", width)
    if a.shape[-1] > width:
        raise fail(where, param, f"at least the data width {a.shape[-1]}", width,
                   "Padding never truncates; build the model for the data width.")
    out = _aligned((a.shape[0], width), a.dtype)
    out[:, :a.shape[-1]] = a
    out[:, a.shape[-1]:] = 0
    return out



def check_dataset(dataset: Any, data_dir) -> None:
    """Check a dataset name or file before any work (:func:`predefsparse.datasets.check`: headers, shapes,
    non-empty splits; a missing named dataset is built); six arrays are checked when loaded."""
    if isinstance(dataset, (str, os.PathLike)):
        from . import datasets
        datasets.check(dataset, data_dir=data_dir, param="dataset")


def load_dataset(where: str, dataset: Any, data_dir) -> tuple[tuple[np.ndarray, ...], str]:
    from . import datasets
    if isinstance(dataset, (str, os.PathLike)):
        return datasets.load(dataset, data_dir=data_dir), os.fspath(dataset)
    if isinstance(dataset, (tuple, list)) and len(dataset) == 6:
        arrays = tuple(np.asarray(a) for a in dataset)
        datasets.validate(*arrays)
        return arrays, "arrays"
    raise fail(where, "dataset", "a dataset name, a .npz path or the six arrays (xtr, ytr, xva, yva, xte, yte)",
               type(dataset).__name__)


def resolve_preprocesses(where: str, preprocesses, ytr) -> list[tuple[str, Callable]]:
    from . import preprocess
    if preprocesses is None:
        return []
    if callable(preprocesses) or isinstance(preprocesses, str):
        preprocesses = [preprocesses]
    out = []
    for item in preprocesses:
        if isinstance(item, str):
            out.append((item, preprocess.get(item, ytr=ytr)))
        elif callable(item):
            out.append((getattr(item, "__name__", repr(item)), item))
        else:
            raise fail(where, "preprocesses", "names (e.g. 'minmax', 'pca200') or functions "
                       "(xtr, xva, xte) -> (xtr, xva, xte)", item)
    return out



def data_digest(arrays: Sequence[np.ndarray]) -> str:
    digest = hashlib.blake2b(digest_size=8)
    for a in arrays:
        a = np.ascontiguousarray(a)
        digest.update(f"{a.dtype.str}{a.shape}".encode("ascii"))
        digest.update(memoryview(a).cast("B"))
    return digest.hexdigest()



@dataclasses.dataclass
class RunData:
    """The prepared splits: fit on (xfit, yfit), evaluate on (xeval, yeval), test on (xte, yte)."""

    xfit: np.ndarray
    yfit: np.ndarray
    xeval: np.ndarray
    yeval: np.ndarray
    xte: np.ndarray
    yte: np.ndarray
    eval_split: str
    classes: int
    name: str
    digest: str
    x_pad: int | None
    y_pad: int | None
    preprocesses: list


def prepare_data(where, model, dataset, data_dir, preprocesses, input_pad, output_pad, valtest) -> RunData:
    (xtr, ytr, xva, yva, xte, yte), data_name = load_dataset(where, dataset, data_dir)
    digest = data_digest((xtr, ytr, xva, yva, xte, yte))
    classes = int(ytr.shape[1])
    steps = resolve_preprocesses(where, preprocesses, ytr)
    for _, fn in steps:
        xtr, xva, xte = fn(xtr, xva, xte)
    # auto-padding only for flat (2-D) inputs / outputs of single-input, single-output models
    in_shape, out_shape = model.input_shape, model.output_shape
    in_width = in_shape[-1] if isinstance(in_shape, tuple) and len(in_shape) == 2 else None
    out_width = out_shape[-1] if isinstance(out_shape, tuple) and len(out_shape) == 2 else None
    x_pad = input_pad if input_pad is not None else (in_width if xtr.ndim == 2 and in_width else None)
    y_pad = output_pad if output_pad is not None else out_width
    xtr, xva, xte = (pad(where, "input_pad", a, x_pad) for a in (xtr, xva, xte))
    ytr, yva, yte = (pad(where, "output_pad", a, y_pad) for a in (ytr, yva, yte))
    if valtest == 1:  # joined into aligned buffers (the dtype numpy's join gives): no copy for TensorFlow
        xfit, yfit = (np.concatenate([a, b], out=_aligned((len(a) + len(b), *a.shape[1:]), np.result_type(a, b)))
                      for a, b in ((xtr, xva), (ytr, yva)))
    else:
        xfit, yfit = xtr, ytr
    xeval, yeval, split = (xva, yva, "val") if valtest == 0 else (xte, yte, "test")
    return RunData(xfit, yfit, xeval, yeval, xte, yte, split, classes, data_name, digest, x_pad, y_pad,
                 [name for name, _ in steps])



def check_preds_compare(where: str, preds_compare: Any) -> str | None:
    if isinstance(preds_compare, (str, os.PathLike)):
        path = os.fspath(preds_compare)
        if os.path.isdir(path):
            path = os.path.join(path, results.PREDS)
        if not os.path.isfile(path):
            raise FileNotFoundError(f"{where}: preds_compare: no predictions file {path!r}; run the standard "
                                    f"(fully connected) model first with preds_compare=1.")
        return path
    if preds_compare not in (0, 1) or isinstance(preds_compare, bool):
        raise fail(where, "preds_compare", "0, 1 or the path of saved standard predictions", preds_compare)
    return None


def load_standard_preds(where: str, path: str) -> np.ndarray:
    """The ``preds`` array of a ``preds.npz``, read as a hostile file."""
    try:
        with np.load(path, allow_pickle=False) as data:
            if "preds" not in data.files:
                raise SpecError(f"{where}: preds_compare: {path} has no 'preds' array (found: "
                                f"{', '.join(data.files) or 'nothing'}).")
            return np.asarray(data["preds"])
    except SpecError:
        raise
    except Exception as err:  # BadZipFile, EOFError, ValueError, zlib.error, OSError ...
        raise SpecError(f"{where}: preds_compare: {path} is not a readable predictions file "
                        f"({type(err).__name__}: {err}).") from None
