"""Keras 3 layers with a pre-defined sparse connection pattern.

:class:`SparseDense` is a drop-in replacement for ``keras.layers.Dense`` whose kernel only has the edges of an
:class:`adjmat.Pattern`.  :func:`sparse` builds one from the argument names of the USN package (``din``,
``dout``, ``confun``, ``rseed``) so its users can switch by changing an import.

Design (see the class docstring for the user-facing rules):

- The pattern is fixed state, kept in three NON-trainable weights: ``left`` and ``right`` (int32, length W, the
  edge list in processing order, exactly as the hardware consumes it) and ``mask`` (p, n), derived from them.
  Being weights, they are saved with the model and restored on load; the layer never regenerates a pattern
  for a saved model.
- Two implementations (docs/sparse.md).  ``"masked"``: a trainable ``(p, n)`` kernel times the mask, ``call``
  computes ``inputs @ (kernel * mask) + bias`` with ``keras.ops`` only, so absent weights receive exactly zero
  gradient and keep exactly zero optimizer state (Adam moments stay 0); regularizers and constraints see the
  masked kernel.  ``"sparse"``: a trainable ``values`` vector, one value per edge in the pattern's natural
  order (CSR by right neuron; for fixed in-degree ``fi`` that is the ``(n, fi)`` fan-in layout, flattened), no
  mask and no ``(p, n)`` tensor anywhere: forward and backward cost O(batch x W) (:mod:`._sparse_ops`).
  ``"auto"`` picks by density with the measured rule of :func:`auto_implementation`.
- Variance-scaling initializers (Glorot, He, LeCun, ``VarianceScaling``) use each edge's real degrees.

Modules: this one holds the layer; :mod:`.layer_rules` what it decides before building (implementation, kernel,
memory guard, the kind's arguments), :mod:`.layer_weights` its initial weights, regularizers and constraints,
:mod:`.layer_store` the checks of a stored weight list, :mod:`._sparse_ops` the sparse kernels.
"""
from __future__ import annotations

import numbers
from typing import Any, Mapping

import keras
import numpy as np
from keras import activations, constraints, initializers, ops, regularizers

import adjmat
from adjmat.errors import SpecError
from adjmat.validation import check_bool, check_choice, check_float, check_int, fail

from .layer_rules import IMPLEMENTATIONS, auto_implementation, check_description, check_kind_args, \
    check_layer_memory, describe_pattern, needs_size, sparse_kernel, uniform_in_degree
from .layer_store import check_stored_shapes, split_weights
from .layer_weights import SHAPED_INITIALIZERS, EdgeConstraint, MaskedConstraint, MaskedRegularizer, \
    degree_scaled_kernel, initial_kernel, initial_values, layer_seed, seeded_initializers  # noqa: F401 (re-export)

__all__ = ["SparseDense", "sparse", "auto_implementation"]

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
        (bias) word of the stream ``adjmat.seeds.extra_stream(seed)`` (the seed's child with spawn key
        ``2**31``), so the same seed gives the same pattern and bit-for-bit the same initial weights.  ``None``
        draws a seed at construction and records it in ``get_config``; for a layer given ``pattern=``,
        ``None`` means the pattern's own seed (and stream, ``pattern.meta["spawn_key"]``), which the config
        then records.  A Generator is the caller's state (recorded as None).  Never touches global random
        state.
    pattern_options : dict, optional
        Kind-specific generator options, as ``adjmat.get_kind(kind).options`` lists them (``{"type": 3,
        "dither": True}`` for ``"clash_free"``, ``{"epsilon": 11}`` for ``"erdos_renyi"``).
    implementation : {"auto", "masked", "sparse"}
        How the layer computes (docs/sparse.md).  ``"masked"``: a dense ``(p, n)`` kernel times the mask (cost
        and memory of Dense).  ``"sparse"``: one trainable value per edge and kernels that never form a
        ``(p, n)`` tensor (forward and backward O(batch x W); gradients, optimizer slots, regularizers and
        constraints act on the W edge values; Keras counts W kernel parameters).  ``"auto"`` (default):
        :func:`auto_implementation`'s measured rule, chosen in ``build`` from ``p``, ``n`` and ``W``
        (:attr:`resolved_implementation` says which).  A model saved with one implementation loads into the
        other (the variables convert in ``load_own_variables`` / ``set_weights``).  Both compute in the layer's
        compute dtype: the sparse kernels run in float64 for ``dtype="float64"`` (equal to the masked path to
        1e-12) and in float32 for float32, float16 and bfloat16 (half-precision inputs are widened, the result
        rounded back to the half type).
    **kwargs
        Base layer arguments (``name``, ``dtype`` such as ``"mixed_float16"``, ``trainable``).

    Attributes
    ----------
    pattern : adjmat.Pattern
        The connection pattern, rebuilt from the stored ``left``/``right`` weights.
    kernel : keras.Variable or tensor
        Masked path: the trainable ``(p, n)`` kernel variable, exactly zero at absent positions.  Sparse path:
        a dense ``(p, n)`` view of :attr:`values`, built on request (O(p n) time and memory; read-only).
    values : keras.Variable
        Sparse path only: the trainable edge weights, length W, in the pattern's edge order.
    bias : keras.Variable
        Trainable bias (``None`` without ``use_bias``).
    left, right : keras.Variable
        Non-trainable int32 edge list (length W) in processing order.
    mask : keras.Variable
        Masked path only: non-trainable ``(p, n)`` 0/1 mask derived from ``left``/``right`` (variable dtype;
        autocast to the compute dtype in ``call``).
    resolved_implementation : str
        ``"masked"`` or ``"sparse"`` once built (what ``"auto"`` chose).

    Notes
    -----
    Weights, in ``get_weights()`` order: masked ``kernel``, ``bias`` (if ``use_bias``), ``left``, ``right``,
    ``mask``; sparse ``values``, ``bias``, ``left``, ``right``.  ``set_weights`` and loading accept either
    list.  ``get_config`` carries every constructor argument; once built, ``pattern`` is a description
    ``{"p", "n", "W", "kind", "seed", "meta"}`` without the arrays, and :meth:`from_config` then makes
    placeholder weights that ``keras.models.load_model`` / ``load_weights`` / ``set_weights`` fill in: the
    topology always comes from the saved weights, never from regenerating.  ``layer.pattern`` refuses to
    answer until they are loaded.

    ``set_weights`` re-derives ``mask`` from ``left``/``right`` and zeroes the kernel at absent positions (a
    masked-format list given to a sparse layer keeps the kernel's entries at the edges).

    Not supported from Dense: LoRA (``lora_rank``, ``lora_alpha``, ``enable_lora``) and quantization
    (``quantize``, ``quantization_config``): a masked kernel would need masked adapters.

    The masked path costs what Dense costs (the mask is dense); its win is exact sparsity semantics (zero
    gradients and optimizer state for absent weights), the saved topology and the hardware edge order.  The
    sparse path keeps those semantics with O(W) memory and O(batch x W) work; it runs with the Numba kernel
    on CPU TensorFlow (no XLA: the layer reports ``supports_jit = False``) and with ``keras.ops`` segment sums
    on other backends and on GPUs.  On JAX both implementations train, save and load (a ``.keras`` file moves
    between TensorFlow and JAX); ``dtype="float64"`` there needs ``JAX_ENABLE_X64=1``, and a masked layer's
    ``kernel_constraint`` re-zeroes the entries that were zero (:class:`~.layer_weights.MaskedConstraint`).

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
    >>> thin = predefsparse.SparseDense(64, density=0.01, seed=0, implementation="sparse")
    >>> _ = thin(np.ones((2, 1000), dtype="float32"))
    >>> trainable = sum(int(np.prod(v.shape)) for v in thin.trainable_weights)
    >>> trainable == thin.pattern.W + 64, tuple(thin.values.shape) == (thin.pattern.W,)
    (True, True)
    """

    def __init__(self, units: int, activation=None, use_bias: bool = True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, *,
                 pattern: adjmat.Pattern | Mapping[str, Any] | None = None, density: float | None = None,
                 fo: int | None = None, fi: int | None = None, kind: str = "usn", z: int | None = None,
                 seed: Any = None, pattern_options: Mapping[str, Any] | None = None,
                 implementation: str = "auto", **kwargs):
        where = "SparseDense"
        implementation = check_choice(where, "implementation", implementation, IMPLEMENTATIONS)
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
            self._description = describe_pattern(pattern)
            kind = pattern.kind
        elif isinstance(pattern, Mapping):
            self._description = check_description(pattern, units)
        elif pattern is not None:
            raise fail(where, "pattern", "an adjmat.Pattern, a pattern description dict or None",
                       type(pattern).__name__)
        else:
            check_kind_args(where, units, kind, sizes, z, pattern_options)
        source, recorded = layer_seed(where, seed, self._pattern_obj)
        self._seed_source = source
        kernel_initializer, bias_initializer, recorded = seeded_initializers(
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
        self.implementation = implementation
        self.resolved_implementation: str | None = None
        self._loaded = True
        self._uniform_fi: int | None = None
        self.input_spec = keras.layers.InputSpec(min_ndim=2)
        self.supports_masking = True

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
        if self.implementation == "masked":  # refused before its pattern is even made
            check_layer_memory(self.name, "masked", p, self.units, 0, self.variable_dtype)
        pattern = self._pattern_obj
        placeholder = False
        if pattern is None and self._description is not None:
            placeholder = True  # from_config: the real pattern arrives with the weights
            desc = self._description
        elif pattern is None:
            pattern = self._make_pattern(p)
            self._pattern_obj = pattern
            self._description = desc = describe_pattern(pattern)
        else:
            desc = self._description
        if desc["p"] != p:
            raise ValueError(f"SparseDense: the input width must equal the pattern's p ({desc['p']}); received "
                             f"input_shape={tuple(input_shape)}.")
        n, W = self.units, desc["W"]
        resolved = self.implementation
        if resolved == "auto":
            resolved = auto_implementation(p, n, W)
        self.resolved_implementation = resolved
        check_layer_memory(self.name, resolved, p, n, W, self.variable_dtype)
        if placeholder:
            left = right = np.zeros(W, dtype=np.int32)
            self._loaded = False
        else:
            left, right = pattern.left, pattern.right
        if resolved == "sparse":
            self._build_sparse(pattern, p, n, W, placeholder)
        else:
            self._build_masked(pattern, p, n, placeholder)
        if self.use_bias:
            self.bias = self.add_weight(name="bias", shape=(n,), initializer=self.bias_initializer,
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        else:
            self.bias = None
        self.left = self.add_weight(name="left", shape=(W,), dtype="int32", trainable=False,
                                    initializer=lambda shape, dtype=None: np.asarray(left, dtype=np.int32))
        self.right = self.add_weight(name="right", shape=(W,), dtype="int32", trainable=False,
                                     initializer=lambda shape, dtype=None: np.asarray(right, dtype=np.int32))
        if resolved == "masked":
            mask_values = np.zeros((p, n), "float32") if placeholder else pattern.to_mask().astype("float32")
            self.mask = self.add_weight(name="mask", shape=(p, n), trainable=False,
                                        initializer=lambda shape, dtype=None: ops.cast(mask_values, dtype))
        else:
            self._uniform_fi = None if placeholder else uniform_in_degree(pattern)
        self.input_spec = keras.layers.InputSpec(min_ndim=2, axes={-1: p})
        self.built = True
        self._pattern_obj = None  # the variables hold the pattern now (a copy would cost 8 bytes per edge)

    def _build_masked(self, pattern, p, n, placeholder):
        kernel_init = "zeros" if placeholder else (lambda shape, dtype=None: initial_kernel(  # noqa: E731
            self.kernel_initializer, pattern, dtype or "float32"))
        self._kernel = self.add_weight(name="kernel", shape=(p, n), initializer=kernel_init)
        if self.kernel_regularizer is not None:
            self._kernel.regularizer = MaskedRegularizer(self.kernel_regularizer, self)
        if self.kernel_constraint is not None:
            self._kernel.constraint = MaskedConstraint(self.kernel_constraint, self)

    def _build_sparse(self, pattern, p, n, W, placeholder):
        init = self.kernel_initializer
        if type(init).__name__ in SHAPED_INITIALIZERS:
            raise SpecError(f"SparseDense: kernel_initializer must be element-wise or variance-scaling for "
                            f"implementation='sparse' (it draws W = {W} edge values, never a (p, n) kernel); "
                            f"received kernel_initializer={type(init).__name__}. Use implementation='masked'.")
        values_init = "zeros" if placeholder else (lambda shape, dtype=None: initial_values(  # noqa: E731
            init, pattern, dtype or "float32"))
        self.values = self.add_weight(name="values", shape=(W,), initializer=values_init,
                                      regularizer=self.kernel_regularizer)
        if self.kernel_constraint is not None:
            self.values.constraint = EdgeConstraint(self.kernel_constraint, self)
        self._sparse_kernel = sparse_kernel()
        if self._sparse_kernel == "numba":
            self.supports_jit = False  # tf.numpy_function: no XLA

    @property
    def kernel(self):
        """The ``(p, n)`` kernel: the trainable variable (masked path) or, on the sparse path, a dense view of
        :attr:`values` made on request (O(p n) time and memory, read-only: assign to ``values`` instead)."""
        if not self.built:
            raise AttributeError("You must build the layer before accessing `kernel`.")
        if self.resolved_implementation == "masked":
            return self._kernel
        desc = self._description
        indices = ops.stack([ops.cast(self.left, "int32"), ops.cast(self.right, "int32")], axis=1)
        return ops.scatter(indices, ops.convert_to_tensor(self.values), (desc["p"], desc["n"]))

    def edge_values(self) -> np.ndarray:
        """The weight of every edge, in the pattern's edge order (length W, numpy; O(W) on the sparse path).

        Returns
        -------
        numpy.ndarray

        Examples
        --------
        >>> import numpy as np
        >>> layer = SparseDense(3, fo=1, seed=0, implementation="sparse")
        >>> _ = layer(np.ones((1, 6), dtype="float32"))
        >>> layer.edge_values().shape
        (6,)
        """
        if self.resolved_implementation == "sparse":
            return np.asarray(ops.convert_to_numpy(self.values))
        left = np.asarray(ops.convert_to_numpy(self.left))
        right = np.asarray(ops.convert_to_numpy(self.right))
        return np.asarray(ops.convert_to_numpy(self._kernel))[left, right]

    # ------------------------------------------------------------------ compute
    def call(self, inputs, training=None):
        if self.resolved_implementation == "sparse":
            from . import _sparse_ops
            p, n = self._description["p"], self.units
            flat = inputs if len(inputs.shape) == 2 else ops.reshape(inputs, (-1, p))
            values = ops.cast(self.values, inputs.dtype)
            x = _sparse_ops.matmul(self._sparse_kernel, flat, values, self.left, self.right, n)
            if len(inputs.shape) != 2:
                x = ops.reshape(x, tuple(ops.shape(inputs)[:-1]) + (n,))
        else:
            x = ops.matmul(inputs, ops.multiply(self.kernel, self.mask))
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
        if not self._loaded:
            raise ValueError(f"SparseDense {self.name!r} was rebuilt from its config and its weights (which hold "
                             f"the pattern) were never loaded; use keras.models.load_model, model.load_weights or "
                             f"set_weights first.")
        left = np.asarray(ops.convert_to_numpy(self.left), dtype=np.int32)
        right = np.asarray(ops.convert_to_numpy(self.right), dtype=np.int32)
        desc = self._description
        seed = desc["seed"]
        return adjmat.Pattern(left, right, desc["p"], desc["n"], kind=desc["kind"],
                              seed=None if seed is None else int(seed), meta=desc["meta"])

    def _store_weights(self, where: str, arrays: list, from_file: bool) -> None:
        """Assign a weight list of either implementation (see the class Notes) to this layer's variables,
        converting masked kernel <-> edge values through the stored edge list."""
        desc = self._description
        p, n = desc["p"], desc["n"]
        pat, first, edge, bias, masked = split_weights(f"SparseDense {self.name!r}: {where}", desc, self.use_bias,
                                                       arrays, from_file)
        self.left.assign(pat.left)
        self.right.assign(pat.right)
        if bias is not None:
            self.bias.assign(bias)
        if self.resolved_implementation == "sparse":
            self.values.assign(edge.astype(self.values.dtype))
            self._uniform_fi = uniform_in_degree(pat)
        else:
            mask = pat.to_mask()
            if masked:
                kernel = first if from_file else np.where(mask, first, 0)
            else:
                kernel = np.zeros((p, n), dtype=self._kernel.dtype)
                kernel[pat.left, pat.right] = edge
            self._kernel.assign(np.asarray(kernel, dtype=self._kernel.dtype))
            self.mask.assign(mask.astype(self.mask.dtype))
        self._loaded = True

    def _assign_pattern(self, pattern: adjmat.Pattern, values) -> None:
        """Replace the pattern (same p, n and W: the weight shapes are fixed) and the edge values in place.

        ``values`` are the new edges' weights in ``pattern``'s edge order (length W).  For dynamic-sparsity
        callbacks (:class:`predefsparse.evolution.SETCallback`); the caller moves the optimizer state.
        """
        desc = self._description
        if not self.built or (pattern.p, pattern.n, pattern.W) != (desc["p"], desc["n"], desc["W"]):
            raise ValueError(f"SparseDense {self.name!r}: a replacement pattern must keep p, n and W "
                             f"({desc['p']}, {desc['n']}, {desc['W']}); received ({pattern.p}, {pattern.n}, "
                             f"{pattern.W}).")
        values = np.asarray(values)
        self.left.assign(pattern.left)
        self.right.assign(pattern.right)
        if self.resolved_implementation == "sparse":
            self.values.assign(values.astype(self.values.dtype, copy=False))
            self._uniform_fi = uniform_in_degree(pattern)
        else:
            kernel = np.zeros((pattern.p, pattern.n), dtype=self._kernel.dtype)
            kernel[pattern.left, pattern.right] = values
            self.mask.assign(pattern.to_mask().astype(self.mask.dtype))
            self._kernel.assign(kernel)
        self._description = describe_pattern(pattern)

    def load_own_variables(self, store):
        """Load this layer's variables from a ``.keras`` / weights file of either implementation.

        Each stored array's declared shape is checked against the layer's (``(p, n)``, ``(n,)`` or ``(W,)``) and
        their total size against the memory limit before any of them is read."""
        arrays = [store[str(i)] for i in range(len(store.keys()))]
        check_stored_shapes(f"SparseDense {self.name!r}: load", self._description, arrays)
        self._store_weights("load", arrays, from_file=True)

    def set_weights(self, weights):
        """Set the weights from a list in either implementation's ``get_weights`` order (class Notes); on the
        masked path the mask is re-derived from ``left``/``right`` and absent kernel entries set to zero."""
        self._store_weights("set_weights", list(weights), from_file=False)

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
            "implementation": self.implementation,
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
    if not given and needs_size(adjmat.get_kind(kind, where)):
        dout = 1
    if rseed is not None and (isinstance(rseed, bool) or not isinstance(rseed, numbers.Integral)):
        raise fail(where, "rseed", "None or a non-negative int", rseed)
    return SparseDense(units, activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
                       bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
                       bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
                       kernel_constraint=kernel_constraint, bias_constraint=bias_constraint, density=density,
                       fo=dout, fi=din, kind=kind, seed=rseed, **kwargs)
