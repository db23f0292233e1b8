"""Sparse evolutionary training (SET, Mocanu et al., Nature Communications 2018) on :class:`SparseDense` layers.

:class:`SETCallback` evolves the connection patterns between epochs while the edge count of every layer stays
exactly the same (the layers keep their weight shapes; only ``left``, ``right``, ``mask`` and kernel values
change).  Rules (docs/training.md §5), with the choices the paper leaves open made explicit:

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
    rng : numpy.random.Generator, int, SeedSequence or None
        Randomness for the regrown cells (a Generator is used as given and advances; anything else is a seed).

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
    where = "evolve"
    if not isinstance(pattern, adjmat.Pattern):
        raise fail(where, "pattern", "an adjmat.Pattern", type(pattern).__name__)
    p, n, W = pattern.p, pattern.n, pattern.W
    try:
        weights = np.asarray(weights, dtype=np.float64)
    except (TypeError, ValueError):
        raise fail(where, "weights", f"a length-{W} array of real numbers (one per edge)",
                   type(weights).__name__) from None
    if weights.shape != (W,):
        raise fail(where, "weights", f"a length-{W} array (one weight per edge, in pattern order)",
                   f"array of shape {weights.shape}")
    if not np.all(np.isfinite(weights)):
        raise fail(where, "weights", "finite numbers", f"array with {int(np.sum(~np.isfinite(weights)))} "
                   f"non-finite values", "Training diverged before the evolution step?")
    zeta = check_float(where, "zeta", zeta, low=0.0, high=1.0, high_open=True)
    rng, _ = normalize_seed(where, rng)
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


def _degree_summary(pattern: adjmat.Pattern) -> dict:
    """Per-input (left neuron) out-degree summary of ``pattern``: min, max, mean, std and the inputs left with
    no edge (JSON-safe numbers)."""
    deg = pattern.out_degrees()
    return {"min": int(deg.min()), "max": int(deg.max()), "mean": float(deg.mean()), "std": float(deg.std()),
            "unconnected": int(np.count_nonzero(deg == 0))}


class SETCallback(keras.callbacks.Callback):
    """Evolve the patterns of SparseDense layers after every epoch (sparse evolutionary training).

    The rules are those of :func:`evolve` (docs/training.md §5): the edge count of every layer stays exact, the
    positive and the negative weights closest to zero are removed (``floor(zeta * count)`` of each sign), the same
    number of edges regrow at empty cells (never a just-removed one) with weight 0 and zero optimizer state.

    The callback records what it did: :attr:`history` holds one entry per evolved layer and epoch, and
    :meth:`history_for_records` returns the whole record (settings, initial and per-epoch degree summaries) as
    JSON-safe data.  The final patterns are the layers' own (``layer.pattern``; :meth:`patterns` gathers them).

    Parameters
    ----------
    zeta : float
        Fraction of positive and of negative weights replaced each epoch (0.3 in the paper), in [0, 1).
    layers : sequence of str, optional
        Names of the SparseDense layers to evolve; default all of them.
    seed : None, int, SeedSequence or Generator
        Seed of the regrowth; an int (or the one drawn for ``None``) is recorded in :attr:`seed`.

    Attributes
    ----------
    history : list of dict
        One entry per evolution step of one layer: ``step`` (1-based, counted over every ``fit`` the callback
        served), ``epoch`` (1-based, as Keras numbers it), ``layer``, ``removed`` and ``added``
        (equal: the count is exact), ``removed_positive``, ``removed_negative``, ``replaced`` (= ``removed``),
        ``W`` and ``out_degree`` (the per-input degree summary after the step: ``min``, ``max``, ``mean``,
        ``std``, ``unconnected``).
    initial : dict
        Layer name -> per-input degree summary of the pattern before the first evolution.

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
    >>> step = cb.history[-1]
    >>> step["removed"] == step["added"], sorted(step["out_degree"])
    (True, ['max', 'mean', 'min', 'std', 'unconnected'])
    """

    def __init__(self, zeta: float = 0.3, layers: Sequence[str] | None = None, seed: Any = 0):
        super().__init__()
        self.zeta = check_float("SETCallback", "zeta", zeta, low=0.0, high=1.0, high_open=True)
        if layers is not None and (isinstance(layers, str) or not isinstance(layers, Sequence)
                                   or not all(isinstance(v, str) for v in layers)):
            raise fail("SETCallback", "layers", "a list of layer names or None", layers)
        self.layer_names = None if layers is None else list(layers)
        self._rng, self.seed = normalize_seed("SETCallback", seed)
        self.history: list[dict] = []
        self.initial: dict[str, dict] = {}
        self._steps = 0

    def _layers(self) -> list[SparseDense]:
        found = [layer for layer in self.model._flatten_layers(include_self=False)
                 if isinstance(layer, SparseDense)]
        if self.layer_names is None:
            return found
        by_name = {layer.name: layer for layer in found}
        missing = [name for name in self.layer_names if name not in by_name]
        if missing:
            raise fail("SETCallback", "layers", "names of SparseDense layers of the model (" +
                       ", ".join(by_name) + ")", self.layer_names, f"Not found: {', '.join(missing)}.")
        return [by_name[name] for name in self.layer_names]

    def on_train_begin(self, logs=None):
        for layer in self._layers():
            self.initial.setdefault(layer.name, _degree_summary(layer.pattern))

    def on_epoch_end(self, epoch, logs=None):
        self._steps += 1
        for layer in self._layers():
            pattern = layer.pattern
            old = layer.edge_values()
            new, values, changed = evolve(pattern, old, self.zeta, self._rng)
            removed = changed[pattern.left, pattern.right]  # edges of the old pattern that are gone
            layer._assign_pattern(new, values)
            for slot in _slots(self.model, layer):
                value = np.asarray(ops.convert_to_numpy(slot))
                value[changed] = 0
                slot.assign(value)
            k = int(removed.sum())
            self.history.append({
                "step": self._steps, "epoch": epoch + 1, "layer": layer.name, "removed": k,
                "added": int(changed.sum()) - k,
                "removed_positive": int(np.count_nonzero(old[removed] > 0)),
                "removed_negative": int(np.count_nonzero(old[removed] < 0)),
                "replaced": k, "W": new.W, "out_degree": _degree_summary(new)})

    def patterns(self) -> dict[str, adjmat.Pattern]:
        """The current (after training: final) pattern of every evolved layer, by layer name.

        Returns
        -------
        dict of str to adjmat.Pattern

        Examples
        --------
        >>> from predefsparse import models
        >>> cb = SETCallback(seed=0)
        >>> cb.set_model(models.mlp((8, 4, 2), fo=(2, 2), kind="usn", seed=0))
        >>> {name: pat.W for name, pat in cb.patterns().items()}
        {'junction1': 16, 'junction2': 8}
        """
        return {layer.name: layer.pattern for layer in self._layers()}

    def history_for_records(self) -> dict:
        """What the training records keep about the evolution (JSON-safe: str, int, float, list, dict).

        Returns
        -------
        dict
            ``rule`` ("SET"), ``zeta``, ``seed`` (None when a Generator was given), ``layers`` (the evolved
            layers' names, None before the callback saw a model and no names were given), ``epochs`` (evolution
            steps taken), ``initial`` (per-input degree summary per layer before the first step) and ``history``
            (:attr:`history`).

        Examples
        --------
        >>> import json
        >>> cb = SETCallback(zeta=0.2, seed=3)
        >>> rec = cb.history_for_records()
        >>> rec["zeta"], rec["seed"], rec["epochs"], json.loads(json.dumps(rec)) == rec
        (0.2, 3, 0, True)
        """
        names = self.layer_names
        if names is None and self.model is not None:
            names = [layer.name for layer in self._layers()]
        return {"rule": "SET", "zeta": float(self.zeta), "seed": self.seed,
                "layers": None if names is None else list(names),
                "epochs": self._steps,
                "initial": {name: dict(summary) for name, summary in self.initial.items()},
                "history": [{**h, "out_degree": dict(h["out_degree"])} for h in self.history]}
