"""Sparse evolutionary training (SET, Mocanu et al., Nature Communications 2018) on :class:`SparseDense` layers.

:class:`SETCallback` evolves the connection patterns between epochs while the edge count of every layer stays
exactly the same (the layers keep their weight shapes; only ``left``, ``right``, ``mask`` and kernel values
change).  Rules (training.md §5), with the choices the paper leaves open made explicit:

- after each epoch, in each evolved layer: remove the ``floor(zeta * #positive)`` positive weights closest to
  zero and the ``floor(zeta * #negative)`` negative weights closest to zero (exact zeros are neither and are
  kept; ties broken by edge order);
- regrow the same number of edges at cells drawn uniformly among the cells that are empty *and were not just
  removed* (a just-removed cell is never regrown in the same step); if fewer such cells exist, fewer edges
  are removed, so the count stays exact;
- new weights start at exactly zero and every optimizer slot (e.g. Adam's moments) of a removed or new cell
  is reset to zero, so absent weights keep zero state;
- the edge list is re-sorted to natural order (by right neuron, then left), the pattern's kind becomes
  ``"set"`` and its meta records the evolution count.

Randomness comes from the callback's own ``seed`` (a ``numpy`` Generator); nothing global is touched.
"""
from __future__ import annotations

from typing import Any, Sequence

import keras
import numpy as np
from keras import ops

import adjmat
from adjmat._validation import check_float, fail, normalize_seed

from .layers import SparseDense

__all__ = ["SETCallback", "evolve"]


def evolve(pattern: adjmat.Pattern, weights: np.ndarray, zeta: float, rng: np.random.Generator
           ) -> tuple[adjmat.Pattern, np.ndarray, np.ndarray]:
    """One SET step on one junction.

    Parameters
    ----------
    pattern : adjmat.Pattern
        The current pattern.
    weights : numpy.ndarray
        Weight of each edge, in ``pattern`` edge order (length W).
    zeta : float
        Fraction of the positive and of the negative weights to remove, in [0, 1).
    rng : numpy.random.Generator
        Randomness for the regrown cells.

    Returns
    -------
    new_pattern : adjmat.Pattern
        Same p, n and W, natural order, kind ``"set"``.
    new_weights : numpy.ndarray
        Weights in the new edge order; regrown edges are 0.
    changed : numpy.ndarray
        Bool ``(p, n)``: cells removed or added (their optimizer state must be reset).

    Examples
    --------
    >>> import numpy as np, adjmat
    >>> pat = adjmat.generate("usn", 10, 10, density=0.3, seed=0)
    >>> w = np.random.default_rng(1).normal(size=pat.W)
    >>> new, new_w, changed = evolve(pat, w, 0.3, np.random.default_rng(2))
    >>> new.W == pat.W, int(changed.sum()) == 2 * (int(0.3 * (w > 0).sum()) + int(0.3 * (w < 0).sum()))
    (True, True)
    """
    p, n, W = pattern.p, pattern.n, pattern.W
    weights = np.asarray(weights, dtype=np.float64)
    left = pattern.left.astype(np.int64)
    right = pattern.right.astype(np.int64)
    pos = np.flatnonzero(weights > 0)
    neg = np.flatnonzero(weights < 0)
    k_pos, k_neg = int(zeta * pos.size), int(zeta * neg.size)
    free = p * n - W
    if k_pos + k_neg > free:  # not enough empty cells to regrow into: remove fewer, keep W exact
        scale = free / (k_pos + k_neg)
        k_pos, k_neg = int(k_pos * scale), int(k_neg * scale)
    drop = np.concatenate([pos[np.argsort(weights[pos], kind="stable")[:k_pos]],
                           neg[np.argsort(-weights[neg], kind="stable")[:k_neg]]])
    keep = np.ones(W, dtype=bool)
    keep[drop] = False
    k = drop.size
    occupied = set((right * p + left).tolist())  # cell id = right * p + left; includes the just-removed cells
    new_cells: list[int] = []
    while len(new_cells) < k:
        for cell in rng.integers(0, p * n, size=2 * (k - len(new_cells)) + 8).tolist():
            if cell not in occupied:
                occupied.add(cell)
                new_cells.append(cell)
                if len(new_cells) == k:
                    break
    cells = np.concatenate([right[keep] * p + left[keep], np.asarray(new_cells, dtype=np.int64)])
    values = np.concatenate([weights[keep], np.zeros(k)])
    order = np.argsort(cells, kind="stable")  # natural order: by right, then left
    cells, values = cells[order], values[order]
    meta = dict(pattern.meta)
    meta["set_steps"] = int(meta.get("set_steps", 0)) + 1
    meta["zeta"] = zeta
    new = adjmat.Pattern(cells % p, cells // p, p, n, kind="set", seed=pattern.seed, meta=meta)
    grown = np.asarray(new_cells, dtype=np.int64)
    changed = np.zeros((p, n), dtype=bool)
    changed[left[drop], right[drop]] = True
    changed[grown % p, grown // p] = True
    return new, values, changed


def _slots(model, layer) -> list:
    """Optimizer variables of ``layer.kernel`` (same shape, named after its path)."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not optimizer.built:
        return []
    tag = layer.kernel.path.replace("/", "_")
    return [v for v in optimizer.variables if tuple(v.shape) == tuple(layer.kernel.shape) and tag in v.path]


class SETCallback(keras.callbacks.Callback):
    """Evolve the patterns of SparseDense layers after every epoch (sparse evolutionary training).

    Parameters
    ----------
    zeta : float
        Fraction of positive and of negative weights replaced each epoch (0.3 in the paper).
    layers : sequence of str, optional
        Names of the SparseDense layers to evolve; default all of them.
    seed : None or int
        Seed of the regrowth (recorded in :attr:`seed`).

    Attributes
    ----------
    history : list of dict
        One entry per evolution: epoch, layer, removed (= regrown) edge count.

    Examples
    --------
    >>> import numpy as np, keras
    >>> from predefsparse import models
    >>> model = models.mlp((20, 10, 2), densities=(0.3, 1.0), kind="erdos_renyi", seed=0)
    >>> model.compile(optimizer="adam", loss="categorical_crossentropy")
    >>> x = np.random.default_rng(0).random((64, 20)); y = np.eye(2)[np.arange(64) % 2]
    >>> cb = SETCallback(zeta=0.3, layers=["junction1"], seed=0)
    >>> _ = model.fit(x, y, epochs=2, verbose=0, callbacks=[cb])
    >>> len(cb.history), model.get_layer("junction1").pattern.kind
    (2, 'set')
    """

    def __init__(self, zeta: float = 0.3, layers: Sequence[str] | None = None, seed: Any = 0):
        super().__init__()
        self.zeta = check_float("SETCallback", "zeta", zeta, low=0.0, high=1.0, high_open=True)
        if layers is not None and (isinstance(layers, str) or not all(isinstance(v, str) for v in layers)):
            raise fail("SETCallback", "layers", "a list of layer names or None", layers)
        self.layer_names = None if layers is None else list(layers)
        self._rng, self.seed = normalize_seed("SETCallback", seed)
        self.history: list[dict] = []

    def _layers(self) -> list[SparseDense]:
        found = [layer for layer in self.model._flatten_layers(include_self=False)
                 if isinstance(layer, SparseDense)]
        if self.layer_names is None:
            return found
        by_name = {layer.name: layer for layer in found}
        missing = [name for name in self.layer_names if name not in by_name]
        if missing:
            raise fail("SETCallback", "layers", "names of SparseDense layers of the model (" +
                       ", ".join(by_name) + ")", self.layer_names)
        return [by_name[name] for name in self.layer_names]

    def on_epoch_end(self, epoch, logs=None):
        for layer in self._layers():
            pattern = layer.pattern
            kernel = np.asarray(ops.convert_to_numpy(layer.kernel))
            new, values, changed = evolve(pattern, kernel[pattern.left, pattern.right], self.zeta, self._rng)
            new_kernel = np.zeros_like(kernel)
            new_kernel[new.left, new.right] = values
            layer._assign_pattern(new, new_kernel)
            for slot in _slots(self.model, layer):
                value = np.asarray(ops.convert_to_numpy(slot))
                value[changed] = 0
                slot.assign(value)
            self.history.append({"epoch": epoch + 1, "layer": layer.name, "replaced": int(changed.sum()) // 2})
