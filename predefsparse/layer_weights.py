"""SparseDense's weights: initial values from the layer's seed with each edge's real degrees, and regularizers and
constraints applied to the masked kernel or the edge values."""
from __future__ import annotations

from typing import Any

import keras
import numpy as np
from keras import initializers, ops

import adjmat
from adjmat.seeds import extra_stream, seed_root
from adjmat.validation import normalize_seed

__all__ = ["degree_scaled_kernel", "initial_values", "initial_kernel", "layer_seed", "seeded_initializers",
           "SHAPED_INITIALIZERS", "MaskedRegularizer", "MaskedConstraint", "EdgeConstraint"]

class MaskedRegularizer:
    """Apply a kernel regularizer to ``kernel * mask`` (so absent weights never add a penalty)."""

    def __init__(self, regularizer, layer):
        self.regularizer = regularizer
        self.layer = layer

    def __call__(self, kernel):
        return self.regularizer(ops.multiply(kernel, ops.cast(self.layer.mask, kernel.dtype)))


class MaskedConstraint:
    """Apply a kernel constraint, then re-zero the absent positions.

    On JAX, ``fit`` applies constraints inside the optimizer's stateless update, which is given the trainable
    variables only: the mask (non-trainable) cannot be read there.  The absent positions are then taken from the
    kernel itself: they are exactly zero before the constraint (zero gradient, zero optimizer state), so the
    entries that were zero are re-zeroed.  This equals the mask rule for every constraint that maps a zero entry
    to zero (all of Keras's: ``MaxNorm``, ``MinMaxNorm``, ``UnitNorm``, ``NonNeg``); a constraint that moves
    zeros (``w + 1``) leaves a present weight that is exactly zero where it was.
    """

    def __init__(self, constraint, layer):
        self.constraint = constraint
        self.layer = layer

    def __call__(self, kernel):
        out = self.constraint(kernel)
        if keras.backend.backend() == "jax":
            return ops.where(ops.equal(kernel, 0), ops.zeros_like(out), out)
        return ops.multiply(out, ops.cast(self.layer.mask, out.dtype))


class EdgeConstraint:
    """Apply a kernel constraint to the edge values of the sparse path.

    With the same in-degree ``fi`` for every right neuron the values are seen as the ``(fi, n)`` array whose
    column r holds right neuron r's incoming weights (the nonzeros of Dense's kernel column r), so ``axis=0``
    norm constraints (``MaxNorm``, ``UnitNorm``, ``MinMaxNorm``) act per output neuron exactly as on the masked
    kernel; otherwise the constraint sees the length-W vector (exact for element-wise constraints such as
    ``NonNeg``).
    """

    def __init__(self, constraint, layer):
        self.constraint = constraint
        self.layer = layer

    def __call__(self, values):
        fi = self.layer._uniform_fi
        if fi is None:
            return self.constraint(values)
        view = ops.transpose(ops.reshape(values, (self.layer.units, fi)))
        return ops.reshape(ops.transpose(self.constraint(view)), (-1,))


SHAPED_INITIALIZERS = ("Orthogonal", "OrthogonalInitializer", "Identity", "IdentityInitializer", "STFT",
                        "STFTInitializer")


def initial_values(initializer, pattern: adjmat.Pattern, dtype: str):
    """The sparse path's initial edge values (length W, keras.ops only): for variance-scaling initializers
    exactly the masked path's nonzeros (same draws, same per-edge degrees); any other initializer is called
    on the shape ``(W,)`` (same distribution for element-wise initializers; initializers that need the
    ``(p, n)`` shape, such as ``Orthogonal``, are refused in ``build``)."""
    init = initializers.get(initializer)
    if isinstance(init, initializers.VarianceScaling):
        if pattern.W == 0:
            return ops.zeros((0,), dtype=dtype)
        return ops.cast(_degree_scaled_draws(init, pattern), dtype)
    return init(shape=(pattern.W,), dtype=dtype)


def _degree_scaled_draws(init, pattern: adjmat.Pattern):
    """One float32 draw per edge (length W, in edge order) from a variance-scaling initializer's distribution,
    with variance ``scale / fan`` from the edge's real degrees (see :func:`degree_scaled_kernel`)."""
    fi = pattern.in_degrees()[pattern.right].astype(np.float64)
    fo = pattern.out_degrees()[pattern.left].astype(np.float64)
    fan = {"fan_in": fi, "fan_out": fo, "fan_avg": (fi + fo) / 2.0}[init.mode]
    std = np.sqrt(init.scale / np.maximum(fan, 1.0)).astype("float32")
    unit = initializers.VarianceScaling(scale=1.0, mode="fan_in", distribution=init.distribution, seed=init.seed)
    draws = ops.reshape(unit(shape=(1, pattern.W), dtype="float32"), (pattern.W,))
    return ops.multiply(draws, std)


def initial_kernel(initializer, pattern: adjmat.Pattern, dtype: str):
    """Backend tensor version of :func:`degree_scaled_kernel` (keras.ops only, so it also runs when a layer is
    first built inside a traced function, as subclassed models are)."""
    init = initializers.get(initializer)
    p, n, W = pattern.p, pattern.n, pattern.W
    if isinstance(init, initializers.VarianceScaling):
        if W == 0:
            return ops.zeros((p, n), dtype=dtype)
        indices = np.stack([pattern.left, pattern.right], axis=1).astype(np.int32)
        return ops.cast(ops.scatter(indices, _degree_scaled_draws(init, pattern), (p, n)), dtype)
    full = init(shape=(p, n), dtype=dtype)
    return ops.multiply(full, ops.cast(pattern.to_mask(), full.dtype))


def layer_seed(where: str, seed: Any, pattern: adjmat.Pattern | None) -> tuple[Any, int | None]:
    """``(source, recorded)``: where the layer's randomness comes from, and the int its config records.

    An int is used and recorded as given; ``None`` draws one and records it, except for a layer given a pattern,
    whose seed is the pattern's own (its root seed and, in ``meta["spawn_key"]``, its stream); a SeedSequence is
    recorded as its entropy when it is a root (no spawn key); a Generator is the caller's state, recorded as None.
    """
    if seed is None and pattern is not None:
        if pattern.seed is None:
            return None, None
        key = tuple(int(k) for k in pattern.meta.get("spawn_key", ()))
        return np.random.SeedSequence(pattern.seed, spawn_key=key), int(pattern.seed)
    if isinstance(seed, np.random.Generator):
        return seed, None
    if isinstance(seed, np.random.SeedSequence):
        _, recorded = normalize_seed(where, seed)
        return seed, recorded if not seed.spawn_key else None
    _, recorded = normalize_seed(where, seed)
    return recorded, recorded


def _unseeded(init) -> bool:
    try:
        config = init.get_config()
    except (AttributeError, NotImplementedError, TypeError):
        return False
    return "seed" in config and config["seed"] is None


def _with_seed(init, seed: int):
    config = init.get_config()
    config["seed"] = int(seed)
    return type(init).from_config(config)


def seeded_initializers(where: str, kernel_init, bias_init, source, recorded):
    """Seed the unseeded random initializers from the layer's seed (:data:`adjmat.seeds.WEIGHT_KEY` stream:
    its first word seeds the kernel, its second the bias); an initializer given with a seed keeps it.  For a
    layer whose pattern has no seed (``fc``, ``rtl``) and no ``seed=``, a seed is drawn and recorded."""
    need = [_unseeded(kernel_init), _unseeded(bias_init)]
    if not any(need):
        return kernel_init, bias_init, recorded
    if source is None:
        source, recorded = seed_root(where, None)
    words = [int(w) for w in extra_stream(where, source).generate_state(2)]
    if need[0]:
        kernel_init = _with_seed(kernel_init, words[0])
    if need[1]:
        bias_init = _with_seed(bias_init, words[1])
    return kernel_init, bias_init, recorded


def degree_scaled_kernel(initializer, pattern: adjmat.Pattern, dtype: str = "float32") -> np.ndarray:
    """Initial ``(p, n)`` kernel for ``pattern``: the initializer's rule applied with each edge's real degrees.

    For variance-scaling initializers (``glorot_*``, ``he_*``, ``lecun_*``, ``VarianceScaling``) the edge
    ``(l, r)`` is drawn from the initializer's distribution with variance ``scale / fan`` where ``fan`` is the
    in-degree ``fi_r`` of right neuron r (``mode="fan_in"``), the out-degree ``fo_l`` of left neuron l
    (``"fan_out"``) or ``(fi_r + fo_l) / 2`` (``"fan_avg"``).  So Glorot gives variance ``2 / (fi_r + fo_l)``
    and He ``2 / fi_r``; for a fully connected pattern this is exactly Dense's rule.  Any other initializer
    (constants, fixed-scale ``RandomNormal``, ``Orthogonal``, callables) is called on the full ``(p, n)`` shape
    as Dense would.  Absent positions are exactly zero in both cases.

    Parameters
    ----------
    initializer : keras initializer, str or callable
        As for ``Dense(kernel_initializer=...)``.  A seeded initializer gives identical values every call.
    pattern : adjmat.Pattern
        The connection pattern.
    dtype : str
        Dtype of the returned array.

    Returns
    -------
    numpy.ndarray
        Shape ``(pattern.p, pattern.n)``.

    Examples
    --------
    >>> import adjmat, keras
    >>> pat = adjmat.generate("usn", 6, 4, density=0.5, seed=0)
    >>> k = degree_scaled_kernel(keras.initializers.HeNormal(seed=1), pat)
    >>> k.shape, bool((k[~pat.to_mask()] == 0).all())
    ((6, 4), True)
    """
    return np.asarray(ops.convert_to_numpy(initial_kernel(initializer, pattern, dtype)), dtype=dtype)
