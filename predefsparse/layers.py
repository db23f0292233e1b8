"""Keras 3 layers with a pre-defined sparse connection pattern.

:class:`SparseDense` is a drop-in replacement for ``keras.layers.Dense`` whose kernel only has the edges of an
:class:`adjmat.Pattern`.  :func:`sparse` builds one from the argument names of the USN package (``din``,
``dout``, ``confun``, ``rseed``) so its users can switch by changing an import.

Design (see the class docstring for the user-facing rules):

- The pattern is fixed state, kept in three NON-trainable weights: ``left`` and ``right`` (int32, length W, the
  edge list in processing order, exactly as the hardware consumes it) and ``mask`` (p, n), derived from them.
  Being weights, they are saved with the model and restored on load; the layer never regenerates a pattern
  for a saved model.
- ``call`` computes ``inputs @ (kernel * mask) + bias`` with ``keras.ops`` only, so absent weights receive
  exactly zero gradient and therefore keep exactly zero optimizer state (Adam moments stay 0).
- Kernel regularizers and constraints see the masked kernel.
- Variance-scaling initializers (Glorot, He, LeCun, ``VarianceScaling``) use each edge's real degrees.
"""
from __future__ import annotations

import numbers
from typing import Any, Mapping

import keras
import numpy as np
from keras import activations, constraints, initializers, ops, regularizers

import adjmat
from adjmat._seeds import extra_stream, seed_root
from adjmat._validation import SpecError, check_bool, check_choice, check_float, check_int, fail, \
    normalize_seed

__all__ = ["SparseDense", "sparse"]

_DESCRIPTION_KEYS = ("p", "n", "W", "kind", "seed", "meta")


class _MaskedRegularizer:
    """Apply a kernel regularizer to ``kernel * mask`` (so absent weights never add a penalty)."""

    def __init__(self, regularizer, layer):
        self.regularizer = regularizer
        self.layer = layer

    def __call__(self, kernel):
        return self.regularizer(ops.multiply(kernel, ops.cast(self.layer.mask, kernel.dtype)))


class _MaskedConstraint:
    """Apply a kernel constraint, then re-zero the absent positions."""

    def __init__(self, constraint, layer):
        self.constraint = constraint
        self.layer = layer

    def __call__(self, kernel):
        out = self.constraint(kernel)
        return ops.multiply(out, ops.cast(self.layer.mask, out.dtype))


def _describe(pattern: adjmat.Pattern) -> dict:
    """JSON description of a pattern without its arrays (what ``get_config`` stores)."""
    return {"p": pattern.p, "n": pattern.n, "W": pattern.W, "kind": pattern.kind, "seed": pattern.seed,
            "meta": dict(pattern.meta)}


def _initial_kernel(initializer, pattern: adjmat.Pattern, dtype: str):
    """Backend tensor version of :func:`degree_scaled_kernel` (keras.ops only, so it also runs when a layer is
    first built inside a traced function, as subclassed models are)."""
    init = initializers.get(initializer)
    p, n, W = pattern.p, pattern.n, pattern.W
    if isinstance(init, initializers.VarianceScaling):
        if W == 0:
            return ops.zeros((p, n), dtype=dtype)
        fi = pattern.in_degrees()[pattern.right].astype(np.float64)
        fo = pattern.out_degrees()[pattern.left].astype(np.float64)
        fan = {"fan_in": fi, "fan_out": fo, "fan_avg": (fi + fo) / 2.0}[init.mode]
        std = np.sqrt(init.scale / np.maximum(fan, 1.0)).astype("float32")
        unit = initializers.VarianceScaling(scale=1.0, mode="fan_in", distribution=init.distribution,
                                            seed=init.seed)
        draws = ops.reshape(unit(shape=(1, W), dtype="float32"), (W,))
        indices = np.stack([pattern.left, pattern.right], axis=1).astype(np.int32)
        kernel = ops.scatter(indices, ops.multiply(draws, std), (p, n))
        return ops.cast(kernel, dtype)
    full = init(shape=(p, n), dtype=dtype)
    return ops.multiply(full, ops.cast(pattern.to_mask(), full.dtype))


def _needs_size(kind: adjmat.Kind) -> bool:
    """Whether ``kind`` needs a size from the user (fo, fi or density): it is sized by something and no sizing
    has a default among its options (``erdos_renyi``'s ``epsilon`` has one; ``fc`` is sized by nothing)."""
    return bool(kind.sized_by) and not any(s in kind.options for s in kind.sized_by)


def _check_kind_args(where: str, units: int, kind: Any, given: Mapping[str, Any], z, options: Mapping[str, Any]
                     ) -> None:
    """Refuse, from the kind registry's facts, what the generator would refuse in ``build``."""
    facts = adjmat.get_kind(kind, where)
    if not given and _needs_size(facts):
        raise SpecError(f"{where}: kind={kind!r} needs density, fo or fi (or pass pattern=); received none of "
                        f"them. Example: SparseDense({units}, density=0.25, kind={kind!r}).")
    sizings = [s for s in facts.sized_by if s in ("fo", "density")]
    for name, value in given.items():
        usable = ("fo", "density") if name == "fi" else (name,)  # fi becomes fo or density in build
        if facts.sized_by and not any(s in sizings for s in usable):
            hint = (f"Pass {sizings[0]}= instead." if sizings else
                    f"Pass pattern_options={{{facts.sized_by[0]!r}: ...}} instead.")
            raise fail(where, name, f"left out for kind={kind!r}, which is sized by "
                       + " or ".join(facts.sized_by), value, hint)
    if facts.needs_z and z is None:
        raise SpecError(f"{where}: kind={kind!r} needs z (edges per clock, a divisor of the input width p); "
                        f"received z=None. Example: SparseDense({units}, fo=2, kind={kind!r}, z=4).")
    unknown = sorted(set(options) - set(facts.options))
    if unknown:
        raise fail(where, "pattern_options", "options of kind " + repr(kind) + ": " +
                   (", ".join(f"{k}={v!r}" for k, v in facts.options.items()) if facts.options else "none"),
                   dict(options), f"Unknown: {', '.join(unknown)}.")


def _layer_seed(where: str, seed: Any, pattern: adjmat.Pattern | None) -> tuple[Any, int | None]:
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


def _seeded_initializers(where: str, kernel_init, bias_init, source, recorded):
    """Seed the unseeded random initializers from the layer's seed (:data:`adjmat._seeds.WEIGHT_KEY` stream:
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
    return np.asarray(ops.convert_to_numpy(_initial_kernel(initializer, pattern, dtype)), dtype=dtype)


@keras.saving.register_keras_serializable(package="predefsparse")
class SparseDense(keras.layers.Layer):
    """Densely-shaped layer whose kernel only has the edges of a pre-defined sparse pattern.

    Implements ``output = activation(inputs @ (kernel * mask) + bias)``: a drop-in replacement for
    ``keras.layers.Dense`` (same arguments, same shapes, any input rank, Sequential / functional / subclassed
    models, mixed precision) whose connections are an :class:`adjmat.Pattern`, given or generated in
    ``build`` from the real input width ``p``.

    Parameters
    ----------
    units : int
        Output width ``n`` (right layer size).
    activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer, \
activity_regularizer, kernel_constraint, bias_constraint
        As for ``keras.layers.Dense``.  Regularizers and constraints act on the masked kernel.  The defaults are
        Dense's: Glorot-uniform kernel, zero bias -- with each edge's real degrees in the variance-scaling
        rule (:func:`degree_scaled_kernel`).  (:func:`predefsparse.models.mlp` and ``sim_net`` instead use the
        original work's He-normal kernels and biases 0.1.)  Unseeded random initializers are seeded from
        ``seed`` (see there); an initializer given with its own seed keeps it.
    pattern : adjmat.Pattern, optional
        The connection pattern, ``pattern.n == units`` and ``pattern.p`` equal to the input width.  Exclusive
        with ``density``/``fo``/``fi``.
    density : float, optional
        Junction density in (0, 1]; the pattern is generated in ``build`` with ``kind``.
    fo : int, optional
        Out-degree (edges per input neuron).
    fi : int, optional
        In-degree (edges per output neuron): ``W = fi * units``.
    kind : str
        Generator for ``density``/``fo``/``fi``: any registered kind (``adjmat.kind_names()``; see
        docs/kinds.md); default ``"usn"`` (uniform sparse network).  What the kind needs is read from the
        registry (``adjmat.get_kind(kind)``): kinds sized by nothing (``"fc"``) or with a default size
        (``"erdos_renyi"``'s ``epsilon``) need no density; kinds with ``needs_z`` need ``z``.  With
        ``pattern=`` it must be left at the default or equal ``pattern.kind``.
    z : int, optional
        Parallelism (edges per clock, a divisor of the input width): required by kinds that need it
        (``"clash_free"``), recorded in the pattern's meta by the others.
    seed : None, int, SeedSequence or numpy Generator
        One seed for the layer's pattern and its initial weights.  The pattern draws from ``seed`` itself
        (``adjmat.generate(..., seed=seed)``); unseeded random initializers get the first (kernel) and second
        (bias) word of the stream ``adjmat._seeds.extra_stream(seed)`` (the seed's child with spawn key
        ``2**31``), so the same seed gives the same pattern and bit-for-bit the same initial weights.  ``None``
        draws a seed at construction and records it in ``get_config``; for a layer given ``pattern=``,
        ``None`` means the pattern's own seed (and stream, ``pattern.meta["spawn_key"]``), which the config
        then records.  A Generator is the caller's state (recorded as None).  Never touches global random
        state.
    pattern_options : dict, optional
        Kind-specific generator options, as ``adjmat.get_kind(kind).options`` lists them (``{"type": 3,
        "dither": True}`` for ``"clash_free"``, ``{"epsilon": 11}`` for ``"erdos_renyi"``).
    **kwargs
        Base layer arguments (``name``, ``dtype`` such as ``"mixed_float16"``, ``trainable``).

    Attributes
    ----------
    pattern : adjmat.Pattern
        The connection pattern, rebuilt from the stored ``left``/``right`` weights.
    kernel, bias : keras.Variable
        Trainable weights; ``kernel`` is ``(p, n)`` and exactly zero at absent positions.
    left, right : keras.Variable
        Non-trainable int32 edge list (length W) in processing order.
    mask : keras.Variable
        Non-trainable ``(p, n)`` 0/1 mask derived from ``left``/``right`` (variable dtype; autocast to the
        compute dtype in ``call``).

    Notes
    -----
    Weights, in ``get_weights()`` order: ``kernel``, ``bias`` (if ``use_bias``), ``left``, ``right``,
    ``mask``.  ``get_config`` carries every constructor argument; once built, ``pattern`` is a description
    ``{"p", "n", "W", "kind", "seed", "meta"}`` without the arrays, and :meth:`from_config` then makes
    placeholder weights that ``keras.models.load_model`` / ``load_weights`` / ``set_weights`` fill in: the
    topology always comes from the saved weights, never from regenerating.  ``layer.pattern`` refuses to
    answer until they are loaded.

    ``set_weights`` re-derives ``mask`` from ``left``/``right`` and zeroes the kernel at absent positions.

    Not supported from Dense: LoRA (``lora_rank``, ``lora_alpha``, ``enable_lora``) and quantization
    (``quantize``, ``quantization_config``): a masked kernel would need masked adapters.

    Compute and memory are those of Dense (the mask is dense); the win is exact sparsity semantics (zero
    gradients and optimizer state for absent weights), the saved topology and the hardware edge order.

    Examples
    --------
    >>> import keras, numpy as np, predefsparse
    >>> layer = predefsparse.SparseDense(4, density=0.5, seed=0)
    >>> y = layer(np.ones((2, 8), dtype="float32"))
    >>> tuple(y.shape), layer.pattern.W, layer.pattern.p
    ((2, 4), 16, 8)
    >>> model = keras.Sequential([keras.Input((8,)),
    ...                           predefsparse.SparseDense(16, fo=4, kind="clash_free", z=4, seed=1,
    ...                                                    activation="relu"),
    ...                           predefsparse.SparseDense(2, activation="softmax", seed=2, density=0.5)])
    >>> model.output_shape
    (None, 2)
    """

    def __init__(self, units: int, activation=None, use_bias: bool = True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, *,
                 pattern: adjmat.Pattern | Mapping[str, Any] | None = None, density: float | None = None,
                 fo: int | None = None, fi: int | None = None, kind: str = "usn", z: int | None = None,
                 seed: Any = None, pattern_options: Mapping[str, Any] | None = None, **kwargs):
        where = "SparseDense"
        units = check_int(where, "units", units, minimum=1)
        use_bias = check_bool(where, "use_bias", use_bias)
        density = check_float(where, "density", density, low=0.0, high=1.0, low_open=True, allow_none=True)
        fo = check_int(where, "fo", fo, minimum=1, allow_none=True)
        fi = check_int(where, "fi", fi, minimum=1, allow_none=True)
        z = check_int(where, "z", z, minimum=1, allow_none=True)
        if pattern_options is not None and not isinstance(pattern_options, Mapping):
            raise fail(where, "pattern_options", "a dict of generator options or None", pattern_options)
        pattern_options = dict(pattern_options or {})
        sizes = {k: v for k, v in (("density", density), ("fo", fo), ("fi", fi)) if v is not None}
        if len(sizes) > 1:
            raise SpecError(f"{where}: give at most one of density, fo or fi; received "
                            + ", ".join(f"{k}={v!r}" for k, v in sizes.items()) + ".")
        self._pattern_obj: adjmat.Pattern | None = None
        self._description: dict | None = None
        if isinstance(pattern, adjmat.Pattern):
            if sizes:
                (name, value), = sizes.items()
                raise SpecError(f"{where}: give pattern or {name}, not both; received pattern={pattern!r}, "
                                f"{name}={value!r}.")
            if pattern.n != units:
                raise fail(where, "pattern", f"a pattern with n == units ({units})", pattern,
                           f"Its n is {pattern.n}.")
            if kind not in ("usn", pattern.kind):
                raise fail(where, "kind", f"left at its default or equal to pattern.kind ({pattern.kind!r})",
                           kind)
            if len(set(zip(pattern.left.tolist(), pattern.right.tolist()))) != pattern.W:
                raise fail(where, "pattern", "a pattern without repeated edges", pattern,
                           "Each (left, right) pair may appear once.")
            self._pattern_obj = pattern
            self._description = _describe(pattern)
            kind = pattern.kind
        elif isinstance(pattern, Mapping):
            self._description = self._check_description(pattern, units)
        elif pattern is not None:
            raise fail(where, "pattern", "an adjmat.Pattern, a pattern description dict or None",
                       type(pattern).__name__)
        else:
            _check_kind_args(where, units, kind, sizes, z, pattern_options)
        source, recorded = _layer_seed(where, seed, self._pattern_obj)
        self._seed_source = source
        kernel_initializer, bias_initializer, recorded = _seeded_initializers(
            where, initializers.get(kernel_initializer), initializers.get(bias_initializer), source, recorded)
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.kernel_initializer = kernel_initializer
        self.bias_initializer = bias_initializer
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.density, self.fo, self.fi, self.kind, self.z = density, fo, fi, kind, z
        self.seed = recorded
        self.pattern_options = pattern_options
        self.input_spec = keras.layers.InputSpec(min_ndim=2)
        self.supports_masking = True

    @staticmethod
    def _check_description(desc: Mapping[str, Any], units: int) -> dict:
        where = "SparseDense"
        missing = [k for k in _DESCRIPTION_KEYS if k not in desc]
        if missing:
            raise fail(where, "pattern", "a Pattern or a description dict with keys " + ", ".join(_DESCRIPTION_KEYS),
                       dict(desc), f"Missing: {', '.join(missing)}.")
        out = dict(desc)
        out["p"] = check_int(where, "pattern['p']", out["p"], minimum=1)
        out["n"] = check_int(where, "pattern['n']", out["n"], minimum=1)
        out["W"] = check_int(where, "pattern['W']", out["W"], minimum=0)
        if out["n"] != units:
            raise fail(where, "pattern", f"a description with n == units ({units})", dict(desc))
        out["meta"] = dict(out["meta"] or {})
        return out

    # ------------------------------------------------------------------ build
    def _make_pattern(self, p: int) -> adjmat.Pattern:
        kind, n = self.kind, self.units
        fo, density = self.fo, self.density
        if self.fi is not None:
            W = self.fi * n
            if W > p * n:
                raise SpecError(f"SparseDense: fi ({self.fi}) must be at most the input width p ({p}); received "
                                f"fi={self.fi}.")
            if W % p == 0 and "fo" in adjmat.get_kind(kind, "SparseDense").sized_by:
                fo = W // p
            else:
                density = W / (p * n)
        seed = self._seed_source
        if isinstance(seed, np.random.SeedSequence):
            seed = np.random.SeedSequence(seed.entropy, spawn_key=seed.spawn_key)  # reusable copy
        return adjmat.generate(kind, p, n, fo=fo, density=density, z=self.z, seed=seed, **self.pattern_options)

    def build(self, input_shape):
        p = input_shape[-1]
        if p is None:
            raise ValueError(f"SparseDense: the last input dimension must be known to build the layer; received "
                             f"input_shape={tuple(input_shape)}.")
        p = int(p)
        pattern = self._pattern_obj
        placeholder = False
        if pattern is None and self._description is not None:
            placeholder = True  # from_config: the real pattern arrives with the weights
            desc = self._description
        elif pattern is None:
            pattern = self._make_pattern(p)
            self._pattern_obj = pattern
            self._description = desc = _describe(pattern)
        else:
            desc = self._description
        if desc["p"] != p:
            raise ValueError(f"SparseDense: the input width must equal the pattern's p ({desc['p']}); received "
                             f"input_shape={tuple(input_shape)}.")
        n, W = self.units, desc["W"]
        if placeholder:
            left = right = np.zeros(W, dtype=np.int32)
            mask = np.zeros((p, n), dtype="float32")
            kernel_init = "zeros"
        else:
            left, right = pattern.left, pattern.right
            mask = pattern.to_mask()
            kernel_init = lambda shape, dtype=None: _initial_kernel(  # noqa: E731
                self.kernel_initializer, pattern, dtype or "float32")

        self._kernel = self.add_weight(name="kernel", shape=(p, n), initializer=kernel_init)
        if self.kernel_regularizer is not None:
            self._kernel.regularizer = _MaskedRegularizer(self.kernel_regularizer, self)
        if self.kernel_constraint is not None:
            self._kernel.constraint = _MaskedConstraint(self.kernel_constraint, self)
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=(n,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        else:
            self.bias = None
        self.left = self.add_weight(name="left", shape=(W,), dtype="int32", trainable=False,
                                    initializer=lambda shape, dtype=None: np.asarray(left, dtype=np.int32))
        self.right = self.add_weight(name="right", shape=(W,), dtype="int32", trainable=False,
                                     initializer=lambda shape, dtype=None: np.asarray(right, dtype=np.int32))
        mask_values = np.asarray(mask, dtype="float32")
        self.mask = self.add_weight(name="mask", shape=(p, n), trainable=False,
                                    initializer=lambda shape, dtype=None: ops.cast(mask_values, dtype))
        self.input_spec = keras.layers.InputSpec(min_ndim=2, axes={-1: p})
        self.built = True

    @property
    def kernel(self):
        """The trainable ``(p, n)`` kernel variable (zero at absent positions)."""
        if not self.built:
            raise AttributeError("You must build the layer before accessing `kernel`.")
        return self._kernel

    # ------------------------------------------------------------------ compute
    def call(self, inputs, training=None):
        kernel = ops.multiply(self.kernel, self.mask)
        x = ops.matmul(inputs, kernel)
        if self.bias is not None:
            x = ops.add(x, self.bias)
        if self.activation is not None:
            x = self.activation(x)
        return x

    def compute_output_shape(self, input_shape):
        output_shape = list(input_shape)
        output_shape[-1] = self.units
        return tuple(output_shape)

    # ------------------------------------------------------------------ the pattern
    @property
    def pattern(self) -> adjmat.Pattern:
        """The connection pattern (an :class:`adjmat.Pattern`), rebuilt from the stored edge list.

        Raises ``AttributeError`` before ``build`` when the pattern is generated there, and ``ValueError`` for a
        layer made by ``from_config`` whose weights were never loaded.
        """
        if not self.built:
            if self._pattern_obj is not None:
                return self._pattern_obj
            raise AttributeError(f"SparseDense {self.name!r}: the pattern is generated in build() from the input "
                                 f"width; build the layer (or call it on data) before accessing `pattern`.")
        left = np.asarray(ops.convert_to_numpy(self.left), dtype=np.int32)
        right = np.asarray(ops.convert_to_numpy(self.right), dtype=np.int32)
        if left.size and not np.any(ops.convert_to_numpy(self.mask)):
            raise ValueError(f"SparseDense {self.name!r} was rebuilt from its config and its weights (which hold "
                             f"the pattern) were never loaded; use keras.models.load_model, model.load_weights or "
                             f"set_weights first.")
        desc = self._description
        seed = desc["seed"]
        return adjmat.Pattern(left, right, desc["p"], desc["n"], kind=desc["kind"],
                              seed=None if seed is None else int(seed), meta=desc["meta"])

    def _sync_pattern(self, where: str, rederive: bool) -> None:
        """Check the stored edge list; re-derive (or verify) the mask and zero absent kernel entries."""
        desc = self._description
        left = np.asarray(ops.convert_to_numpy(self.left))
        right = np.asarray(ops.convert_to_numpy(self.right))
        try:
            pat = adjmat.Pattern(left, right, desc["p"], desc["n"])
        except SpecError as err:
            raise ValueError(f"SparseDense {self.name!r}: {where}: the stored edge list is not a valid pattern: "
                             f"{err}") from None
        mask = pat.to_mask()
        if int(mask.sum()) != pat.W:
            raise ValueError(f"SparseDense {self.name!r}: {where}: the stored edge list repeats edges "
                             f"({pat.W} edges, {int(mask.sum())} distinct).")
        stored = np.asarray(ops.convert_to_numpy(self.mask)) != 0
        if not np.array_equal(stored, mask):
            if not rederive:
                raise ValueError(f"SparseDense {self.name!r}: {where}: the stored mask does not match the stored "
                                 f"edge list; the saved file is inconsistent.")
            self.mask.assign(mask.astype(self.mask.dtype))
        if rederive:
            kernel = np.asarray(ops.convert_to_numpy(self._kernel))
            if np.any(kernel[~mask]):
                kernel = np.where(mask, kernel, 0).astype(kernel.dtype)
                self._kernel.assign(kernel)

    def _assign_pattern(self, pattern: adjmat.Pattern, kernel) -> None:
        """Replace the pattern (same p, n and W: the weight shapes are fixed) and the kernel in place.

        For dynamic-sparsity callbacks (:class:`predefsparse.evolution.SETCallback`); the caller resets the optimizer
        state of changed cells.
        """
        desc = self._description
        if not self.built or (pattern.p, pattern.n, pattern.W) != (desc["p"], desc["n"], desc["W"]):
            raise ValueError(f"SparseDense {self.name!r}: a replacement pattern must keep p, n and W "
                             f"({desc['p']}, {desc['n']}, {desc['W']}); received ({pattern.p}, {pattern.n}, "
                             f"{pattern.W}).")
        mask = pattern.to_mask()
        self.left.assign(pattern.left)
        self.right.assign(pattern.right)
        self.mask.assign(mask.astype(self.mask.dtype))
        self._kernel.assign(np.where(mask, np.asarray(kernel), 0).astype(self._kernel.dtype))
        self._pattern_obj = pattern
        self._description = _describe(pattern)

    def load_own_variables(self, store):
        super().load_own_variables(store)
        if self.built:
            self._sync_pattern("load", rederive=False)

    def set_weights(self, weights):
        """Set ``[kernel, bias, left, right, mask]`` (as from ``get_weights``); the mask is re-derived from
        ``left``/``right`` and absent kernel entries are set to zero."""
        super().set_weights(weights)
        self._sync_pattern("set_weights", rederive=True)

    # ------------------------------------------------------------------ config
    def get_config(self):
        base_config = super().get_config()
        config = {
            "units": self.units,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "pattern": None if self._description is None else dict(self._description),
            "density": self.density,
            "fo": self.fo,
            "fi": self.fi,
            "kind": self.kind,
            "z": self.z,
            "seed": self.seed,
            "pattern_options": dict(self.pattern_options),
        }
        return {**base_config, **config}


_USN_CONFUN = {"shuffle_2d": "usn", "random_2d": "random"}


def sparse(units: int, density: float | None = None, *, din: int | None = None, dout: int | None = None,
           share_kernel: bool = False, weight_type: int | None = None, confun: str = "shuffle_2d",
           rseed: int | None = None, activation=None, use_bias: bool = True,
           kernel_initializer="glorot_uniform", bias_initializer="zeros", kernel_regularizer=None,
           bias_regularizer=None, activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
           **kwargs) -> SparseDense:
    """A :class:`SparseDense` from the argument names of the USN package's ``sparse`` layer.

    Parameters
    ----------
    units : int
        Output width.
    density : float, optional
        Connection density; ``W = round(density * p * units)`` edges, degrees within +/-1 on both sides.
    din : int, optional
        Edges per output neuron (mapped to ``fi``).
    dout : int, optional
        Edges per input neuron (mapped to ``fo``).  When none of density/din/dout is given, ``dout=1`` (the USN
        package's default).  Give at most one of them (USN silently let density override the others).
    share_kernel : bool
        Not supported (one weight shared by all edges of an input neuron); must be False.
    weight_type : {None, 1, 2}
        Accepted and ignored: USN's storage switch.  SparseDense always keeps a masked ``(p, n)`` kernel.
    confun : {"shuffle_2d", "random_2d"} or an adjmat kind
        ``"shuffle_2d"`` (USN, the default) -> kind ``"usn"``; ``"random_2d"`` -> ``"random"``.
        ``"shuffle_1d"`` (uniform on the input side only) is refused: use ``"shuffle_2d"``, which is uniform on
        both sides.  Any registered kind (``adjmat.kind_names()``) is passed through.
    rseed : int, optional
        Seed of the pattern and the initial weights (mapped to ``seed``, see :class:`SparseDense`).  Unlike
        USN, ``None`` draws a seed and records it, and the global numpy random state is never touched.
    activation, use_bias, kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer, \
activity_regularizer, kernel_constraint, bias_constraint, **kwargs
        As for :class:`SparseDense` (``z=``, ``pattern_options=``, ``name=``, ``dtype=`` included).

    Returns
    -------
    SparseDense

    Examples
    --------
    >>> import predefsparse
    >>> layer = predefsparse.sparse(250, density=0.3, rseed=1, activation="relu")
    >>> layer.kind, layer.density, layer.seed
    ('usn', 0.3, 1)
    """
    where = "sparse"
    if check_bool(where, "share_kernel", share_kernel):
        raise fail(where, "share_kernel", "False (one weight per edge)", share_kernel,
                   "Shared per-input-neuron kernels are not supported by SparseDense.")
    if weight_type is not None:
        check_choice(where, "weight_type", weight_type, (1, 2))
    if confun == "shuffle_1d":
        raise fail(where, "confun", "'shuffle_2d', 'random_2d' or an adjmat kind", confun,
                   "'shuffle_1d' (uniform on one side only) is not provided; 'shuffle_2d' is uniform on both.")
    names = adjmat.kind_names()
    if not isinstance(confun, str) or (confun not in _USN_CONFUN and confun not in names):
        raise fail(where, "confun", "'shuffle_2d', 'random_2d' or a registered kind (" +
                   ", ".join(map(repr, names)) + ")", confun)
    kind = _USN_CONFUN.get(confun, confun)
    given = {k: v for k, v in (("density", density), ("din", din), ("dout", dout)) if v is not None}
    if len(given) > 1:
        raise SpecError(f"{where}: give at most one of density, din or dout; received "
                        + ", ".join(f"{k}={v!r}" for k, v in given.items()) + ".")
    if not given and _needs_size(adjmat.get_kind(kind, where)):
        dout = 1
    if rseed is not None and (isinstance(rseed, bool) or not isinstance(rseed, numbers.Integral)):
        raise fail(where, "rseed", "None or a non-negative int", rseed)
    return SparseDense(units, activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
                       bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                       bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
                       kernel_constraint=kernel_constraint, bias_constraint=bias_constraint, density=density,
                       fo=dout, fi=din, kind=kind, seed=rseed, **kwargs)
