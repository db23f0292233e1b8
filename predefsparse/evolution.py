"""Sparse evolutionary training (SET, Mocanu et al., Nature Communications 2018) on :class:`SparseDense` layers.

:class:`SETCallback` evolves the connection patterns during training while the edge count of every layer stays
exactly the same (the layers keep their weight shapes; only ``left``, ``right`` and the edge values change, on
either implementation of the layer).  Rules (docs/training.md §5; docs/sparse.md), with the choices the paper
leaves open made explicit:

- in each evolved layer, remove every exact zero, then the ``floor(zeta * #positive)`` positive weights closest to
  zero and the ``floor(zeta * #negative)`` negative weights closest to zero (ties broken by edge order), as SET's
  own code does (its removal band ``(largest removed negative, smallest removed positive)`` contains 0).  Exact
  zeros go first: an edge into a dead unit that never moves is replaced rather than kept for ever;
- regrow the same number of edges at cells drawn uniformly among the cells that are empty *and were not just
  removed*; if fewer such cells exist, fewer edges are removed (zeros first kept last), so the count stays exact;
- regrown weights are drawn from ``N(0, regrow_std**2)`` (``regrow_init="normal"``, SET's code: std 0.1) or set
  to exactly 0 (``regrow_init="zero"``, the old rule, which collapses over long runs: docs/sparse.md); every
  optimizer slot (e.g. Adam's moments) of a new edge starts at zero, kept edges keep theirs;
- the edge list is re-sorted to natural order (by right neuron, then left), the pattern's kind becomes
  ``"set"`` and its meta records the evolution count;
- nothing is rewired after the last epoch of a ``fit`` (the model ``fit`` returns is the trained one).

All of it is O(W) time and memory (Numba kernels in :mod:`._evolve_ops`, docs/sparse.md §4): the removal
thresholds come from a radix select on the weights' bit patterns (no sort); regrown cells are drawn as sorted
uniform cells and checked row by row against the old pattern, and a uniform subset of exactly the needed number
kept; the new edge list is a per-row merge.  No ``(p, n)`` array and no Python set of cells.  Randomness comes
from the callback's own ``seed`` (a ``numpy`` Generator, drawn outside the kernels); nothing global is
touched.
"""
from __future__ import annotations

import warnings
from typing import Any, NamedTuple, Sequence

import keras
import numpy as np
from keras import ops

import adjmat
from adjmat.errors import SpecError
from adjmat.validation import check_bool, check_choice, check_float, check_int, fail, normalize_seed

from . import _evolve_ops
from ._sparse_ops import _pointers
from .layers import SparseDense

__all__ = ["SETCallback", "evolve", "Evolution", "allocate_densities", "plot_degrees"]

REGROW_INITS = ("normal", "zero")


class Evolution(NamedTuple):
    """What one SET step did to one junction (returned by :func:`evolve`).

    Attributes
    ----------
    pattern : adjmat.Pattern
        The new pattern: same p, n and W, natural order, kind ``"set"``.
    weights : numpy.ndarray
        float32 when the given weights were float32, else float64; length W: the weights in the new edge
        order (kept edges keep theirs, regrown ones drawn by the ``regrow_init`` rule).
    source : numpy.ndarray
        int32 (a pattern's W is below 2**31), length W: for each new edge the index of the old edge it
        continues, -1 for a regrown edge (move optimizer state with it:
        ``new_slot = where(source >= 0, old_slot[source], 0)``).
    removed : numpy.ndarray
        int64: indices (in the old edge order) of the removed edges.
    """

    pattern: adjmat.Pattern
    weights: np.ndarray
    source: np.ndarray
    removed: np.ndarray


def evolve(pattern: adjmat.Pattern, weights: np.ndarray, zeta: float, rng: Any = None, *,
           regrow_init: str = "normal", regrow_std: float = 0.1, remove_zeros: bool = True) -> Evolution:
    """One SET step on one junction (the rules of the module docstring), in O(W) time and memory.

    Parameters
    ----------
    pattern : adjmat.Pattern
        The current pattern.
    weights : numpy.ndarray
        Weight of each edge, in ``pattern`` edge order (length W).
    zeta : float
        Fraction of the positive and of the negative weights to remove, in [0, 1) (exact zeros are all removed).
    rng : numpy.random.Generator, int, SeedSequence or None
        Randomness for the regrown cells and weights (a Generator is used as given and advances; anything else
        is a seed).
    regrow_init : {"normal", "zero"}
        Regrown weights: ``N(0, regrow_std**2)`` (default, SET's code) or exactly 0.
    regrow_std : float
        Standard deviation of ``"normal"`` regrowth (SET: 0.1), > 0.
    remove_zeros : bool
        Remove every exact zero first (default).  False is the old rule, under which an exact zero is neither
        positive nor negative and so is never removed (with ``regrow_init="zero"`` it collapses over long runs:
        docs/sparse.md); kept for studies and the regression test.

    Returns
    -------
    Evolution
        ``(pattern, weights, source, removed)``.

    Examples
    --------
    >>> import numpy as np, adjmat
    >>> pat = adjmat.generate("usn", 10, 10, density=0.3, seed=0)
    >>> w = np.random.default_rng(1).normal(size=pat.W)
    >>> step = evolve(pat, w, 0.3, np.random.default_rng(2))
    >>> step.pattern.W == pat.W, step.removed.size == int(0.3 * (w > 0).sum()) + int(0.3 * (w < 0).sum())
    (True, True)
    >>> int((step.source < 0).sum()) == step.removed.size
    True
    """
    where = "evolve"
    if not isinstance(pattern, adjmat.Pattern):
        raise fail(where, "pattern", "an adjmat.Pattern", type(pattern).__name__)
    p, n, W = pattern.p, pattern.n, pattern.W
    try:
        weights = np.asarray(weights)
        if weights.dtype not in (np.float32, np.float64):
            weights = weights.astype(np.float64)
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
    regrow_init = check_choice(where, "regrow_init", regrow_init, REGROW_INITS)
    regrow_std = check_float(where, "regrow_std", regrow_std, low=0.0, low_open=True)
    remove_zeros = check_bool(where, "remove_zeros", remove_zeros)
    rng, _ = normalize_seed(where, rng)
    w = weights
    n_pos, n_neg = int(np.count_nonzero(w > 0)), int(np.count_nonzero(w < 0))
    k_pos, k_neg = int(zeta * n_pos), int(zeta * n_neg)
    k_zero = W - n_pos - n_neg if remove_zeros else 0
    cells = p * n
    free = cells - W
    if k_zero > free:
        k_zero, k_pos, k_neg = free, 0, 0
    elif k_zero + k_pos + k_neg > free:  # not enough empty cells to regrow into: remove fewer, keep W exact
        scale = (free - k_zero) / (k_pos + k_neg)
        k_pos, k_neg = int(k_pos * scale), int(k_neg * scale)
    keep = _evolve_ops.removal_mask(w, w.view(np.uint32 if w.dtype == np.float32 else np.uint64), w.itemsize * 8,
                                    k_zero, k_pos, k_neg)
    k = k_zero + k_pos + k_neg
    left, right = pattern.left, pattern.right
    ptr = _pointers(right, n)
    order = _evolve_ops.row_order(left, ptr)
    grown = _grow(left, ptr, order, p, n, k, rng)
    new_values = rng.normal(0.0, regrow_std, size=k).astype(w.dtype) if regrow_init == "normal" \
        else np.zeros(k, w.dtype)
    new_left, new_right = np.empty(W, np.int32), np.empty(W, np.int32)
    values, source = np.empty(W, w.dtype), np.empty(W, np.int32)
    _evolve_ops.merge(left, ptr, keep, w, order, grown, new_values, p, source, new_left, new_right, values)
    meta = dict(pattern.meta)
    meta["set_steps"] = int(meta.get("set_steps", 0)) + 1
    meta["zeta"] = zeta
    new = adjmat.Pattern._trusted(new_left, new_right, p, n, "set", pattern.seed, meta)
    return Evolution(new, values, source, np.flatnonzero(~keep))


def _grow(left: np.ndarray, ptr: np.ndarray, order: np.ndarray, p: int, n: int, k: int,
          rng: np.random.Generator) -> np.ndarray:
    """``k`` distinct cells (int64 keys ``right * p + left``, sorted) drawn uniformly among the cells that are
    empty in the old pattern (so never a just-removed one).

    While at least a quarter of the cells is empty: ``m`` uniform cells are drawn already sorted (the order
    statistics of ``m`` uniforms are normalised cumulative sums of ``m + 1`` exponential draws), so one pass
    per row against the row's old edges (:func:`._evolve_ops.free_candidates`) keeps the distinct empty ones;
    given how many there are, they are a uniform subset of the empty cells, and a uniform subset of k of them
    is kept (``m`` is chosen to leave a surplus; a round with too few is drawn again, larger).  Otherwise the
    empty cells are listed (then ``p n < 4/3 W``: O(W)) and k of them chosen.
    """
    cells, W = p * n, left.size
    free = cells - W
    if k == 0:
        return np.zeros(0, np.int64)
    if 4 * free < cells:
        occupied = np.repeat(np.arange(n, dtype=np.int64) * p, np.diff(ptr))
        occupied += left if not order.size else left[order]  # rows by left: increasing
        empty = np.setdiff1d(np.arange(cells, dtype=np.int64), occupied, assume_unique=True)
        return np.sort(rng.choice(empty, size=k, replace=False))
    # expected distinct empty cells among m draws ~ m (free / cells) (1 - k / (2 free)): leave ~6 sigma of room
    m = int((k + 6.0 * np.sqrt(k) + 32) * cells / free * (1.0 + k / free))
    while True:
        spacings = np.cumsum(rng.standard_exponential(m + 1))
        cand = (spacings[:-1] * (cells / spacings[-1])).astype(np.int64)
        del spacings
        found = _evolve_ops.free_candidates(cand, left, ptr, order, p)
        if found.size >= k:
            break
        m = int(1.5 * m)
    if found.size > k:
        drop = np.zeros(found.size, bool)
        drop[rng.choice(found.size, size=found.size - k, replace=False)] = True
        found = found[~drop]
    return found


def _slots(model, variable) -> list:
    """Optimizer variables of ``variable`` (same shape, named after its path)."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None or not optimizer.built:
        return []
    tag = variable.path.replace("/", "_")
    return [v for v in optimizer.variables if tuple(v.shape) == tuple(variable.shape) and tag in v.path]


def _move_slots(model, layer: SparseDense, old: adjmat.Pattern | None, new: adjmat.Pattern, source: np.ndarray,
                removed: np.ndarray) -> None:
    """Carry the optimizer state of kept edges to their new positions (``source``, as :class:`Evolution`);
    zero it for regrown edges and, on the masked path, for the ``removed`` cells of ``old`` (the sparse path
    needs only ``source``)."""
    if layer.resolved_implementation == "sparse":
        for slot in _slots(model, layer.values):
            slot.assign(_evolve_ops.move(np.asarray(ops.convert_to_numpy(slot)), source))
        return
    grown = source < 0
    for slot in _slots(model, layer.kernel):
        value = np.asarray(ops.convert_to_numpy(slot))
        value[old.left[removed], old.right[removed]] = 0
        value[new.left[grown], new.right[grown]] = 0
        slot.assign(value)


def _degree_summary(pattern: adjmat.Pattern) -> dict:
    """Per-input (left neuron) out-degree summary of ``pattern``: min, max, mean, std and the inputs left with
    no edge (JSON-safe numbers)."""
    deg = pattern.out_degrees()
    return {"min": int(deg.min()), "max": int(deg.max()), "mean": float(deg.mean()), "std": float(deg.std()),
            "unconnected": int(np.count_nonzero(deg == 0))}


class SETCallback(keras.callbacks.Callback):
    """Evolve the patterns of SparseDense layers during training (sparse evolutionary training).

    The rules are those of :func:`evolve` (module docstring, docs/training.md §5): the edge count of every layer
    stays exact, exact zeros and then the positive and the negative weights closest to zero are removed
    (``floor(zeta * count)`` of each sign), the same number of edges regrow at empty cells (never a
    just-removed one) with weights drawn by ``regrow_init`` and zero optimizer state; kept edges keep their
    optimizer state.  Works on both implementations of :class:`SparseDense` (on the sparse one in O(W)).
    Nothing is rewired after the last epoch (or, with ``every_steps``, after the last step) of a ``fit``.

    The callback records what it did: :attr:`history` holds one entry per evolved layer and step,
    :attr:`degrees` the per-input degree vector of every evolved layer before the first step and after each
    (render it with :func:`plot_degrees`), and :meth:`history_for_records` the whole record (settings, initial
    and per-step degree summaries) as JSON-safe data.  The final patterns are the layers' own
    (``layer.pattern``; :meth:`patterns` gathers them).

    Parameters
    ----------
    zeta : float
        Fraction of positive and of negative weights replaced each step (0.3 in the paper), in [0, 1).
    layers : sequence of str, optional
        Names of the SparseDense layers to evolve; default all of them except the output layer (the model's
        last SparseDense layer) unless ``evolve_output``.
    seed : None, int, SeedSequence or Generator
        Seed of the regrowth; an int (or the one drawn for ``None``) is recorded in :attr:`seed`.
    regrow_init : {"normal", "zero"}
        Regrown weights: ``N(0, regrow_std**2)`` (default, as SET's code) or exactly 0.
    regrow_std : float
        Standard deviation of the ``"normal"`` regrowth (default 0.1, SET's code).
    remove_zeros : bool
        Remove every exact zero first (default True); False is the old rule that never removes exact zeros
        (see :func:`evolve`).
    evolve_output : bool
        With ``layers=None``, evolve the output layer too (default False: SET's hidden layers only).
    every_steps : int, optional
        Rewire every this many training batches instead of after every epoch (with ``steps_per_execution``
        above 1, Keras reports batches once per execution: counted in those).

    Attributes
    ----------
    history : list of dict
        One entry per evolution step of one layer: ``step`` (1-based, counted over every ``fit`` the callback
        served), ``epoch`` (1-based, as Keras numbers it), ``layer``, ``removed`` and ``added``
        (equal: the count is exact), ``removed_positive``, ``removed_negative``, ``removed_zero``,
        ``kept_zero`` (exact zeros that survived the step: 0 unless too few cells were free), ``replaced``
        (= ``removed``), ``W`` and ``out_degree`` (the per-input degree summary after the step:
        ``min``, ``max``, ``mean``, ``std``, ``unconnected``).
    initial : dict
        Layer name -> per-input degree summary of the pattern before the first evolution.
    degrees : dict
        Layer name -> list of int32 arrays (length p): per-input degrees before the first step and after each.

    Examples
    --------
    >>> import numpy as np, keras
    >>> from predefsparse import models
    >>> model = models.mlp((20, 10, 2), densities=(0.3, 1.0), kind="erdos_renyi", seed=0)
    >>> model.compile(optimizer="adam", loss="categorical_crossentropy")
    >>> x = np.random.default_rng(0).random((64, 20)); y = np.eye(2)[np.arange(64) % 2]
    >>> cb = SETCallback(zeta=0.3, seed=0)
    >>> _ = model.fit(x, y, epochs=3, verbose=0, callbacks=[cb])
    >>> len(cb.history), model.get_layer("junction1").pattern.kind  # no rewiring after the last epoch
    (2, 'set')
    >>> step = cb.history[-1]
    >>> step["layer"], step["removed"] == step["added"], len(cb.degrees["junction1"])
    ('junction1', True, 3)
    """

    def __init__(self, zeta: float = 0.3, layers: Sequence[str] | None = None, seed: Any = 0, *,
                 regrow_init: str = "normal", regrow_std: float = 0.1, evolve_output: bool = False,
                 every_steps: int | None = None, remove_zeros: bool = True):
        super().__init__()
        where = "SETCallback"
        self.zeta = check_float(where, "zeta", zeta, low=0.0, high=1.0, high_open=True)
        if layers is not None and (isinstance(layers, str) or not isinstance(layers, Sequence)
                                   or not all(isinstance(v, str) for v in layers)):
            raise fail(where, "layers", "a list of layer names or None", layers)
        self.regrow_init = check_choice(where, "regrow_init", regrow_init, REGROW_INITS)
        self.regrow_std = check_float(where, "regrow_std", regrow_std, low=0.0, low_open=True)
        self.evolve_output = check_bool(where, "evolve_output", evolve_output)
        self.every_steps = check_int(where, "every_steps", every_steps, minimum=1, allow_none=True)
        self.remove_zeros = check_bool(where, "remove_zeros", remove_zeros)
        self.layer_names = None if layers is None else list(layers)
        self._rng, self.seed = normalize_seed(where, seed)
        self.history: list[dict] = []
        self.initial: dict[str, dict] = {}
        self.degrees: dict[str, list[np.ndarray]] = {}
        self._steps = 0
        self._batches = 0
        self._epoch = 0

    def _layers(self) -> list[SparseDense]:
        found = [layer for layer in self.model._flatten_layers(include_self=False)
                 if isinstance(layer, SparseDense)]
        if self.layer_names is None:
            return found if self.evolve_output else found[:-1]
        by_name = {layer.name: layer for layer in found}
        missing = [name for name in self.layer_names if name not in by_name]
        if missing:
            raise fail("SETCallback", "layers", "names of SparseDense layers of the model (" +
                       ", ".join(by_name) + ")", self.layer_names, f"Not found: {', '.join(missing)}.")
        return [by_name[name] for name in self.layer_names]

    def on_train_begin(self, logs=None):
        for layer in self._layers():
            pattern = layer.pattern
            self.initial.setdefault(layer.name, _degree_summary(pattern))
            self.degrees.setdefault(layer.name, [pattern.out_degrees().astype(np.int32)])

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def _last_epoch(self, epoch: int) -> bool:
        epochs = (self.params or {}).get("epochs")
        return epochs is not None and epoch + 1 >= epochs

    def on_train_batch_end(self, batch, logs=None):
        if self.every_steps is None:
            return
        self._batches += 1
        steps = (self.params or {}).get("steps")
        if self._batches % self.every_steps == 0 and not (
                self._last_epoch(self._epoch) and steps is not None and batch + 1 >= steps):
            self.evolve_now(self._epoch)

    def on_epoch_end(self, epoch, logs=None):
        if self.every_steps is None and not self._last_epoch(epoch):
            self.evolve_now(epoch)

    def evolve_now(self, epoch: int = 0) -> None:
        """Take one evolution step on every evolved layer now (what the callback does after each epoch).

        Parameters
        ----------
        epoch : int
            0-based epoch recorded in :attr:`history` (as Keras numbers epochs).

        Examples
        --------
        >>> from predefsparse import models
        >>> cb = SETCallback(seed=0, evolve_output=True)
        >>> cb.set_model(models.mlp((8, 4, 2), fo=(2, 2), kind="usn", seed=0))
        >>> cb.on_train_begin(); cb.evolve_now()
        >>> [h["W"] for h in cb.history]
        [16, 8]
        """
        epoch = check_int("SETCallback.evolve_now", "epoch", epoch, minimum=0)
        self._steps += 1
        # JAX's fit holds the variables' values outside them between its epoch ends: put them back (and have fit
        # read them again at its next step) before reading or rewiring anything
        sync = getattr(self.model, "jax_state_sync", None)
        if sync is not None:
            sync()
        for layer in self._layers():
            # one layer at a time, each array released as soon as it is used: the peak memory of a step is
            # about the largest layer's old and new edge lists, not every layer's
            pattern = layer.pattern
            old = layer.edge_values()
            new, weights, source, removed = evolve(pattern, old, self.zeta, self._rng,
                                                   regrow_init=self.regrow_init, regrow_std=self.regrow_std,
                                                   remove_zeros=self.remove_zeros)
            gone = old[removed]
            k = int(removed.size)
            removed_zero = int(np.count_nonzero(gone == 0))
            removed_positive = int(np.count_nonzero(gone > 0))
            kept_zero = int(np.count_nonzero(old == 0)) - removed_zero
            del gone, old
            if layer.resolved_implementation == "sparse":
                pattern = None  # only the masked path needs the old cells to clear their slots
            layer._assign_pattern(new, weights)
            del weights
            _move_slots(self.model, layer, pattern, new, source, removed)
            del pattern
            self.degrees.setdefault(layer.name, []).append(new.out_degrees().astype(np.int32))
            self.history.append({
                "step": self._steps, "epoch": epoch + 1, "layer": layer.name, "removed": k,
                "added": int(np.count_nonzero(source < 0)),
                "removed_positive": removed_positive, "removed_negative": k - removed_zero - removed_positive,
                "removed_zero": removed_zero, "kept_zero": kept_zero,
                "replaced": k, "W": new.W, "out_degree": _degree_summary(new)})
            del new, source, removed

    def patterns(self) -> dict[str, adjmat.Pattern]:
        """The current (after training: final) pattern of every evolved layer, by layer name.

        Returns
        -------
        dict of str to adjmat.Pattern

        Examples
        --------
        >>> from predefsparse import models
        >>> cb = SETCallback(seed=0, evolve_output=True)
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
            ``rule`` ("SET"), ``zeta``, ``seed`` (None when a Generator was given), ``regrow_init``,
            ``regrow_std``, ``evolve_output``, ``every_steps``, ``remove_zeros``, ``layers`` (the evolved layers'
            names, None before the callback saw a model and no names were given), ``epochs`` (evolution steps taken),
            ``initial`` (per-input degree summary per layer before the first step) and ``history``
            (:attr:`history`).

        Examples
        --------
        >>> import json
        >>> cb = SETCallback(zeta=0.2, seed=3)
        >>> rec = cb.history_for_records()
        >>> rec["zeta"], rec["seed"], rec["epochs"], rec["regrow_init"], json.loads(json.dumps(rec)) == rec
        (0.2, 3, 0, 'normal', True)
        """
        names = self.layer_names
        if names is None and self.model is not None:
            names = [layer.name for layer in self._layers()]
        return {"rule": "SET", "zeta": float(self.zeta), "seed": self.seed, "regrow_init": self.regrow_init,
                "regrow_std": float(self.regrow_std), "evolve_output": self.evolve_output,
                "every_steps": self.every_steps, "remove_zeros": self.remove_zeros,
                "layers": None if names is None else list(names),
                "epochs": self._steps,
                "initial": {name: dict(summary) for name, summary in self.initial.items()},
                "history": [{**h, "out_degree": dict(h["out_degree"])} for h in self.history]}


def allocate_densities(config: Sequence[int], *, epsilon: float | None = None,
                       density: float | None = None) -> tuple[float, ...]:
    """Densities per junction by Erdos-Renyi (``epsilon``) or ERK (a global ``density``), clipped at 1 with the
    overflow redistributed.

    The rule: junction i gets ``W_i = c * (p_i + n_i)`` edges (density ``c (p_i + n_i) / (p_i n_i)``), the
    Erdos-Renyi shape; the total ``E`` is ``epsilon * sum(p_i + n_i)`` (SET's epsilon: what plain ER asks
    for) or ``density * sum(p_i n_i)`` (ERK, as RigL allocates).  A junction whose share exceeds its capacity
    ``p_i n_i`` is made fully connected (density 1) and the edges it cannot hold are spread over the others in
    the same ``(p + n)`` proportion, repeated until none overflows, so the total stays ``E`` (plain ER would
    lose the overflow).  A fully connected junction is reported with a warning.

    Parameters
    ----------
    config : sequence of int
        Layer sizes ``(N_0, ..., N_L)``.
    epsilon : float, optional
        SET's epsilon (> 0).
    density : float, optional
        Global density in (0, 1] (ERK).  Give exactly one of ``epsilon`` and ``density``.

    Returns
    -------
    tuple of float
        One density per junction, in (0, 1].

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     d = allocate_densities((784, 1000, 1000, 10), epsilon=20)
    >>> [round(x, 4) for x in d], len(caught)  # plain ER: 0.0455, 0.04, 2.02 (clipped to 1)
    ([0.0516, 0.0454, 1.0], 1)
    """
    where = "allocate_densities"
    if isinstance(config, (str, bytes)) or not isinstance(config, Sequence) or len(config) < 2:
        raise fail(where, "config", "a sequence of at least two layer sizes", config)
    sizes = [check_int(where, "config", v, minimum=1) for v in config]
    if (epsilon is None) == (density is None):
        raise SpecError(f"{where}: give exactly one of epsilon or density; received epsilon={epsilon!r}, "
                        f"density={density!r}.")
    p = np.asarray(sizes[:-1], np.float64)
    n = np.asarray(sizes[1:], np.float64)
    cap, shape = p * n, p + n
    if epsilon is not None:
        epsilon = check_float(where, "epsilon", epsilon, low=0.0, low_open=True)
        total = epsilon * shape.sum()
    else:
        density = check_float(where, "density", density, low=0.0, high=1.0, low_open=True)
        total = density * cap.sum()
    if total > cap.sum():
        raise SpecError(f"{where}: the edges asked for ({total:.6g}) exceed the capacity of every junction "
                        f"together ({cap.sum():.6g}); received epsilon={epsilon!r}, density={density!r}. Use a "
                        f"smaller epsilon (at most {cap.sum() / shape.sum():.4g}).")
    full = np.zeros(p.size, bool)
    while True:
        c = (total - cap[full].sum()) / shape[~full].sum()
        over = ~full & (c * shape > cap)
        if not over.any():
            break
        full |= over
    W = np.where(full, cap, c * shape)
    for i in np.flatnonzero(full):
        warnings.warn(f"{where}: junction {i + 1} ({sizes[i]} x {sizes[i + 1]}) is fully connected: its share "
                      f"exceeded its {int(cap[i])} cells; the overflow went to the other junctions.", stacklevel=2)
    return tuple(float(min(1.0, w / k)) for w, k in zip(W, cap))


def plot_degrees(degrees: Any, out: Any = None, *, layer: str | None = None,
                 image_shape: Sequence[int] | None = None, panels: int = 8):
    """SET's connectivity picture: the per-input degree of one layer as an image, one panel per recorded step.

    Parameters
    ----------
    degrees : SETCallback or dict
        A callback that has trained (its :attr:`SETCallback.degrees`) or such a dict (name -> list of arrays).
    out : str or os.PathLike, optional
        Image file to write (format from the extension); default: return the matplotlib Figure.
    layer : str, optional
        Which layer (default the first recorded, usually the input junction).
    image_shape : (rows, cols), optional
        How to lay out the p inputs (default: square when p is a square, e.g. 28 x 28 for MNIST; else 1 x p).
    panels : int
        At most this many steps shown, evenly spaced, first and last included.

    Returns
    -------
    matplotlib.figure.Figure or str
        The figure, or the path written.

    Examples
    --------
    >>> import numpy as np
    >>> fig = plot_degrees({"junction1": [np.arange(16), np.arange(16)[::-1]]})
    >>> fig.axes[0].get_title()
    'step 0'
    """
    from .fmt import blank_figure
    from .plots import save_figure
    where = "plot_degrees"
    record = degrees.degrees if isinstance(degrees, SETCallback) else degrees
    if not isinstance(record, dict) or not record:
        raise fail(where, "degrees", "a SETCallback that has trained or a non-empty dict of degree lists",
                   type(degrees).__name__)
    name = next(iter(record)) if layer is None else layer
    if name not in record:
        raise fail(where, "layer", "a recorded layer (" + ", ".join(record) + ")", layer)
    steps = [np.asarray(d) for d in record[name]]
    p = steps[0].size
    if image_shape is None:
        side = int(round(np.sqrt(p)))
        image_shape = (side, side) if side * side == p else (1, p)
    image_shape = tuple(image_shape)
    if len(image_shape) != 2 or int(np.prod(image_shape)) != p:
        raise fail(where, "image_shape", f"(rows, cols) with rows * cols == p ({p})", image_shape)
    panels = check_int(where, "panels", panels, minimum=1)
    shown = sorted(set(np.linspace(0, len(steps) - 1, min(panels, len(steps))).round().astype(int).tolist()))
    fig = blank_figure(2.0 * len(shown), 2.4)
    top = max(int(max(d.max() for d in steps)), 1)
    image = None
    for k, idx in enumerate(shown):
        ax = fig.add_subplot(1, len(shown), k + 1)
        image = ax.imshow(steps[idx].reshape(image_shape), vmin=0, vmax=top, cmap="viridis", aspect="auto")
        ax.set_title(f"step {idx}", fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.colorbar(image, ax=fig.axes, shrink=0.8, label="edges per input")
    fig.suptitle(f"SET: per-input degree of {name} ({p} inputs), steps 0-{len(steps) - 1}", fontsize=9)
    return fig if out is None else save_figure(fig, out)
