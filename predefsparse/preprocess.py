"""Normalisers for the six-key datasets: each fits on the training split only and applies to all three.

Every normaliser is a function ``(xtr, xva, xte) -> (xtr, xva, xte)``, so a list of them can be given to the
driver's ``preprocesses=``.  Two need a parameter and are factories that return such a function:
``pca(k)`` and ``lda(ytr, k)``.  Statistics are computed in float64 from ``xtr`` alone; outputs keep a floating
input dtype (float32 otherwise).  Inputs of rank > 2 (images) are treated as flat feature vectors and, where the
feature count is unchanged, reshaped back.

The two bugs of the original are fixed: min-max and Gaussian scaling never divide by zero (MNIST's constant
border pixels gave NaN), and PCA centres every split with the *training* mean (the original centred only train).

Examples
--------
>>> import numpy as np
>>> from predefsparse import preprocess
>>> xtr = np.array([[0., 5.], [2., 5.]]); xte = np.array([[1., 5.]])
>>> preprocess.minmax(xtr, xtr[:0], xte)[2]
array([[0.5, 0. ]])
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from adjmat.validation import check_choice, check_float, check_int, fail

__all__ = ["NAMES", "none", "gaussian", "minmax", "zca", "gcn", "pca", "lda", "get"]

Arrays = tuple[np.ndarray, np.ndarray, np.ndarray]
Normaliser = Callable[..., Arrays]

NAMES = ("none", "gaussian", "minmax", "zca", "gcn", "pca", "lda")


def _check_splits(where: str, xtr: Any, xva: Any, xte: Any, *, min_train: int = 1) -> list[np.ndarray]:
    """Validate the three splits; return them as arrays (not copied)."""
    out = []
    trailing = None
    for name, x in (("xtr", xtr), ("xva", xva), ("xte", xte)):
        arr = np.asarray(x)
        if arr.dtype.kind not in "biuf":
            raise fail(where, name, "a real numeric array", f"array of dtype {arr.dtype}")
        if arr.ndim < 2:
            raise fail(where, name, "an array of shape (samples, features...)", f"array of shape {arr.shape}")
        if trailing is None:
            trailing = arr.shape[1:]
        elif arr.shape[1:] != trailing:
            raise fail(where, name, f"samples of shape {trailing} like xtr", f"array of shape {arr.shape}")
        if arr.dtype.kind == "f" and arr.size and not np.isfinite(arr).all():
            raise fail(where, name, "finite (no NaN or inf)", f"array with {int((~np.isfinite(arr)).sum())} "
                       "non-finite values")
        out.append(arr)
    if out[0].shape[0] < min_train:
        raise fail(where, "xtr", f"at least {min_train} training sample(s) to fit on",
                   f"array of shape {out[0].shape}")
    return out


def _out_dtype(x: np.ndarray) -> np.dtype:
    return x.dtype if x.dtype.kind == "f" else np.dtype(np.float32)


def _flat(x: np.ndarray) -> np.ndarray:
    return x.reshape(x.shape[0], int(np.prod(x.shape[1:], dtype=np.int64)))


def _per_feature(where: str, xtr: Any, xva: Any, xte: Any, stats: Callable) -> Arrays:
    """``(x - shift) * scale`` per feature, with ``shift, scale = stats(flat float64 training split)``."""
    xtr, xva, xte = _check_splits(where, xtr, xva, xte)
    shift, scale = stats(_flat(xtr).astype(np.float64))
    dt = _out_dtype(xtr)
    return tuple(((_flat(x) - shift) * scale).astype(dt).reshape(x.shape) for x in (xtr, xva, xte))


def none(xtr: np.ndarray, xva: np.ndarray, xte: np.ndarray) -> Arrays:
    """No normalisation: return the splits unchanged (validated).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.ones((2, 3))
    >>> none(x, x, x)[0] is x
    True
    """
    xtr, xva, xte = _check_splits("none", xtr, xva, xte, min_train=0)
    return xtr, xva, xte


def gaussian(xtr: np.ndarray, xva: np.ndarray, xte: np.ndarray) -> Arrays:
    """Standardise each feature with the training mean and standard deviation.

    Constant training features (standard deviation 0) are only centred, never divided by zero: they become 0 on
    the training split and ``x - mean`` elsewhere.

    Examples
    --------
    >>> import numpy as np
    >>> xtr = np.array([[1., 7.], [3., 7.]])
    >>> gaussian(xtr, xtr[:0], np.array([[2., 8.]]))[2]
    array([[0., 1.]])
    """
    def stats(ftr):
        sd = ftr.std(axis=0)
        return ftr.mean(axis=0), 1.0 / np.where(sd == 0, 1.0, sd)

    return _per_feature("gaussian", xtr, xva, xte, stats)


def minmax(xtr: np.ndarray, xva: np.ndarray, xte: np.ndarray) -> Arrays:
    """Scale each feature to [0, 1] with the training minimum and maximum.

    Constant training features become 0 on every split (no NaN: MNIST's always-zero border pixels).  Validation
    and test values outside the training range map outside [0, 1]; they are not clipped.

    Examples
    --------
    >>> import numpy as np
    >>> xtr = np.array([[0., 4.], [10., 4.]])
    >>> minmax(xtr, xtr[:0], np.array([[5., 9.]]))[2]
    array([[0.5, 0. ]])
    """
    def stats(ftr):
        lo = ftr.min(axis=0)
        span = ftr.max(axis=0) - lo
        return lo, np.where(span == 0, 0.0, 1.0 / np.where(span == 0, 1.0, span))

    return _per_feature("minmax", xtr, xva, xte, stats)


def zca(xtr: np.ndarray, xva: np.ndarray, xte: np.ndarray, *, eps: float = 1e-2) -> Arrays:
    """ZCA whitening: centre with the training mean, multiply by ``U diag(1/sqrt(s + eps)) U^T``.

    ``U, s`` are the eigenvectors and eigenvalues of the training covariance (divided by the number of training
    samples).  ``eps`` regularises small eigenvalues: with it, directions of zero training variance (constant
    pixels) are not blown up.  Cost: O(samples * features^2 + features^3).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> xtr = rng.normal(size=(500, 3)) @ np.array([[2., 1., 0.], [0., 1., 0.], [0., 0., 3.]])
    >>> w = zca(xtr, xtr[:0], xtr[:0], eps=0.0)[0]
    >>> bool(np.allclose(np.cov(w.T, bias=True), np.eye(3), atol=1e-8))
    True
    """
    xtr, xva, xte = _check_splits("zca", xtr, xva, xte)
    eps = check_float("zca", "eps", eps, low=0.0)
    ftr = _flat(xtr).astype(np.float64)
    mean = ftr.mean(axis=0)
    c = ftr - mean
    cov = c.T @ c / ftr.shape[0]
    s, u = np.linalg.eigh(cov)
    s = np.clip(s, 0.0, None)
    with np.errstate(divide="ignore"):
        inv = np.where(s + eps > 0, 1.0 / np.sqrt(s + eps), 0.0)  # eps=0: null directions are dropped
    w = (u * inv) @ u.T
    dt = _out_dtype(xtr)
    return tuple(((_flat(x) - mean) @ w).astype(dt).reshape(x.shape) for x in (xtr, xva, xte))


def gcn(xtr: np.ndarray, xva: np.ndarray, xte: np.ndarray, *, scale: float = 1.0, lam: float = 0.0,
        eps: float = 1e-8) -> Arrays:
    """Global contrast normalisation of each sample: ``scale * (x - mean(x)) / max(eps, sqrt(lam + var(x)))``.

    Per sample, so nothing is fitted: every split is treated alike (training statistics are not needed).  A
    constant sample becomes all zeros (no division by zero).

    Examples
    --------
    >>> import numpy as np
    >>> out = gcn(np.array([[1., 3.], [5., 5.]]), np.zeros((0, 2)), np.zeros((0, 2)))[0]
    >>> out
    array([[-1.,  1.],
           [ 0.,  0.]])
    """
    xtr, xva, xte = _check_splits("gcn", xtr, xva, xte, min_train=0)
    scale = check_float("gcn", "scale", scale, low=0.0, low_open=True)
    lam = check_float("gcn", "lam", lam, low=0.0)
    eps = check_float("gcn", "eps", eps, low=0.0, low_open=True)
    dt = _out_dtype(xtr)

    def one(x):
        f = _flat(x).astype(np.float64)
        f = f - f.mean(axis=1, keepdims=True)
        norm = np.maximum(eps, np.sqrt(lam + (f * f).mean(axis=1, keepdims=True)))
        return (scale * f / norm).astype(dt).reshape(x.shape)

    return one(xtr), one(xva), one(xte)


def pca(k: int) -> Normaliser:
    """A normaliser projecting onto the top ``k`` principal components of the training split.

    Every split is centred with the **training** mean before projection (the original centred only the
    training split, which shifted validation and test).  Components are the eigenvectors of the training
    covariance with the largest eigenvalues, in decreasing order, each signed so that its largest-magnitude
    loading is positive (deterministic output).  Output shape (samples, k).

    Parameters
    ----------
    k : int
        Number of components, 1 <= k <= features (checked again against the data when applied).

    Examples
    --------
    >>> import numpy as np
    >>> xtr = np.array([[0., 0.], [2., 0.], [4., 0.]])
    >>> to1 = pca(1)
    >>> to1(xtr, xtr[:0], np.array([[2., 0.]]))[2]  # the training mean projects to 0
    array([[0.]])
    """
    k = check_int("pca", "k", k, minimum=1)

    def apply(xtr: np.ndarray, xva: np.ndarray, xte: np.ndarray) -> Arrays:
        xtr, xva, xte = _check_splits("pca", xtr, xva, xte)
        ftr = _flat(xtr).astype(np.float64)
        if k > ftr.shape[1]:
            raise fail("pca", "k", f"at most the number of features ({ftr.shape[1]})", k)
        mean = ftr.mean(axis=0)
        c = ftr - mean
        s, u = np.linalg.eigh(c.T @ c)
        comp = u[:, ::-1][:, :k]                       # (features, k), largest eigenvalue first
        big = np.abs(comp).argmax(axis=0)
        comp = comp * np.sign(comp[big, np.arange(k)])
        dt = _out_dtype(xtr)
        return tuple(((_flat(x).astype(np.float64) - mean) @ comp).astype(dt) for x in (xtr, xva, xte))

    apply.__name__ = apply.__qualname__ = f"pca{k}"
    apply.__doc__ = f"Project onto the top {k} training principal components (train-mean centred)."
    return apply


def lda(ytr: Any, k: int | None = None) -> Normaliser:
    """A normaliser projecting onto ``k`` linear discriminants fitted on the training split and its labels.

    Uses scikit-learn's ``LinearDiscriminantAnalysis`` (solver "svd").  ``k`` is at most classes - 1 (and at most
    the number of features); None takes that maximum.  The returned function checks that ``xtr`` has one row per
    label.

    Parameters
    ----------
    ytr : array
        Training labels, one-hot (samples, classes) or integer (samples,).
    k : int or None
        Number of discriminants.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat([0, 1, 2], 20)
    >>> x = rng.normal(size=(60, 4)) + y[:, None]
    >>> lda(y, 2)(x, x[:5], x[:5])[0].shape
    (60, 2)
    """
    where = "lda"
    y = np.asarray(ytr)
    if y.ndim == 2 and y.dtype.kind in "biuf" and y.shape[1] >= 1:
        labels = y.argmax(axis=1)
    elif y.ndim == 1 and y.dtype.kind in "biu":
        labels = y.astype(np.int64)
    else:
        raise fail(where, "ytr", "one-hot labels (samples, classes) or integer labels (samples,)",
                   f"array of shape {y.shape} and dtype {y.dtype}")
    classes = np.unique(labels)
    if classes.size < 2:
        raise fail(where, "ytr", "labels of at least 2 classes", f"labels of {classes.size} class(es)")
    k = check_int(where, "k", k, minimum=1, maximum=classes.size - 1, allow_none=True)

    def apply(xtr: np.ndarray, xva: np.ndarray, xte: np.ndarray) -> Arrays:
        xtr, xva, xte = _check_splits(where, xtr, xva, xte)
        if xtr.shape[0] != labels.size:
            raise fail(where, "xtr", f"one row per training label ({labels.size})", f"array of shape {xtr.shape}")
        ftr = _flat(xtr).astype(np.float64)
        kk = min(classes.size - 1, ftr.shape[1]) if k is None else k
        if kk > ftr.shape[1]:
            raise fail(where, "k", f"at most the number of features ({ftr.shape[1]})", k)
        from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
        model = LinearDiscriminantAnalysis(n_components=kk, solver="svd").fit(ftr, labels)
        dt = _out_dtype(xtr)
        return tuple(model.transform(_flat(x).astype(np.float64)).astype(dt) if x.shape[0]
                     else np.zeros((0, kk), dtype=dt) for x in (xtr, xva, xte))

    apply.__name__ = apply.__qualname__ = "lda" if k is None else f"lda{k}"
    apply.__doc__ = "Project onto linear discriminants fitted on the training split."
    return apply


def get(name: str, *, ytr: Any = None) -> Normaliser:
    """A normaliser by name: "none", "gaussian", "minmax", "zca", "gcn", "pca<k>" (e.g. "pca200"), "lda" or
    "lda<k>" (these need ``ytr``).

    Examples
    --------
    >>> get("pca200").__name__, get("minmax") is minmax
    ('pca200', True)
    """
    if isinstance(name, str):
        if name.startswith("pca") and name[3:].isdigit():
            return pca(int(name[3:]))
        if name.startswith("lda") and (name[3:].isdigit() or name == "lda"):
            if ytr is None:
                raise fail("get", "ytr", "the training labels for an LDA normaliser", None)
            return lda(ytr, int(name[3:]) if name[3:] else None)
    plain = {"none": none, "gaussian": gaussian, "minmax": minmax, "zca": zca, "gcn": gcn}
    check_choice("get", "name", name, tuple(plain) + ("pca<k>", "lda", "lda<k>"))
    if name not in plain:
        raise fail("get", "name", "a k in 'pca<k>' or 'lda<k>', such as 'pca200'", name)
    return plain[name]
