"""Model builders: sparse MLPs and conv / recurrent front-ends followed by a sparse MLP head.

Every builder takes the network's layer sizes ``config = (N_0, ..., N_L)`` of the sparse part and one of
``fo`` (out-degree per junction) or ``densities`` (density per junction), a pattern ``kind`` and ``z``.  What a
kind needs (a size, a ``z``, its options) is read from the kind registry (``adjmat.get_kind``, docs/kinds.md).
The patterns come from :func:`adjmat.generate_network` (one seed, one stream per junction), so a model and the
patterns a hardware designer generates with the same arguments always agree; each layer is a
:class:`~predefsparse.layers.SparseDense` holding its pattern and recording the pattern's seed.

Seeds: one ``seed`` (None, int, SeedSequence or Generator).  Junction i's pattern draws from the seed's child
``i`` (``adjmat.generate_network``); the initial weights and dropout draw from its child with spawn key
``2**31`` (``adjmat.seeds.extra_stream``): ``generate_state(2 * L)`` gives junction i's kernel seed (word i,
also its bias initializer's) and the seed of the dropout after it (word L + i).  ``None`` draws one seed and uses
it for both.  Nothing touches global random state (``keras.utils.set_random_seed`` is never called), so building
the same model twice with the same seed gives identical patterns and bit-for-bit identical initial weights.
A Generator is the caller's state: each build spawns new junction streams from it, so pass an int or a
SeedSequence to repeat a build.
"""
from __future__ import annotations

import math
from typing import Any, Sequence

import keras
import numpy as np

import adjmat
from adjmat.errors import SpecError
from adjmat.seeds import extra_stream, seed_root
from adjmat.validation import check_choice, check_float, check_int, check_int_tuple, fail

from .layer_rules import needs_size
from .layers import SparseDense

__all__ = ["patterns", "mlp", "cifar", "conv_gru", "default_z"]


def default_z(config: Sequence[int], fo: Sequence[int] | None = None, densities: Sequence[float] | None = None
              ) -> tuple[int, ...]:
    """The parallelism used for a kind that needs ``z`` (``"clash_free"``) when ``z`` is not given.

    ``z_i`` is the largest divisor of ``p_i = config[i]`` that also divides ``fi_i`` (the in-degree from ``fo``
    or ``densities``): ``z_i = gcd(p_i, fi_i)``, which is ``fi_i`` -- one right neuron's edges per clock --
    whenever ``fi_i`` divides ``p_i``, as every clash-free junction needs.  Where ``fi_i`` is not a whole number
    ``z_i = 1``, so the generator can say what is wrong with the ``fo`` or density given rather than with a ``z``
    nobody gave.

    Parameters
    ----------
    config : sequence of int
        Layer sizes ``(N_0, ..., N_L)``.
    fo : sequence of int, optional
        Out-degree per junction.
    densities : sequence of float, optional
        Density per junction (instead of ``fo``).

    Returns
    -------
    tuple of int

    Examples
    --------
    >>> default_z((800, 100, 10), (50, 10))
    (400, 100)
    >>> default_z((64, 16, 8), densities=(0.25, 1.0))
    (16, 16)
    """
    where = "default_z"
    config, fo, densities = _sizes(where, config, fo, densities)
    if fo is None and densities is None:
        raise SpecError(f"{where}: give fo or densities (one per junction); received neither.")
    out = []
    for i, (p, n) in enumerate(zip(config[:-1], config[1:])):
        fi = p * fo[i] / n if fo is not None else densities[i] * p
        whole = abs(fi - round(fi)) <= 1e-9 and round(fi) >= 1
        out.append(math.gcd(p, int(round(fi))) if whole else 1)
    return tuple(out)


def _sizes(where: str, config, fo, densities):
    """Validated ``(config, fo, densities)``: config of two or more sizes, fo or densities (not both) per
    junction."""
    config = check_int_tuple(where, "config", config)
    if len(config) < 2:
        raise fail(where, "config", "at least two layer sizes (N_0, N_1, ...)", config)
    L = len(config) - 1
    fo = check_int_tuple(where, "fo", fo, length=L, allow_none=True)
    if densities is not None:
        if fo is not None:
            raise SpecError(f"{where}: give fo or densities, not both; received fo={fo!r}, "
                            f"densities={densities!r}.")
        if isinstance(densities, (str, bytes, set, frozenset, dict)) or not hasattr(densities, "__len__"):
            raise fail(where, "densities", f"a sequence of {L} densities in (0, 1] (one per junction)",
                       densities)
        densities = tuple(densities)
        if len(densities) != L:
            raise fail(where, "densities", f"a sequence of {L} densities in (0, 1] (one per junction)", densities)
        densities = tuple(check_float(where, "densities", d, low=0.0, high=1.0, low_open=True) for d in densities)
    return config, fo, densities


def _junction_args(where: str, config, fo, densities, kind, z):
    config, fo, densities = _sizes(where, config, fo, densities)
    facts = adjmat.get_kind(kind, where)
    if fo is None and densities is None and needs_size(facts):
        raise SpecError(f"{where}: kind={kind!r} needs fo or densities (one per junction); received neither. "
                        f"Example: fo={tuple(max(1, n // 2) for n in config[1:])}.")
    if z is not None:
        z = check_int_tuple(where, "z", z, length=len(config) - 1)
    return config, fo, densities, facts, z


def _root(where: str, seed: Any):
    """The seed resolved once: a Generator as given, anything else as its root SeedSequence (``None`` drawn
    here, so the patterns and the weights share it)."""
    if isinstance(seed, np.random.Generator):
        return seed
    return seed_root(where, seed)[0]


def patterns(config: Sequence[int], fo: Sequence[int] | None = None, densities: Sequence[float] | None = None,
             kind: str = "clash_free", z: Sequence[int] | None = None, seed: Any = 0,
             **options) -> list[adjmat.Pattern]:
    """The connection pattern of every junction of a network (the patterns of :func:`mlp` with the same
    arguments).

    Parameters
    ----------
    config : sequence of int
        Layer sizes ``(N_0, ..., N_L)``.
    fo : sequence of int, optional
        Out-degree per junction.  For a kind sized by density only (``"erdos_renyi"``) ``fo_i`` is the expected
        out-degree: density ``fo_i / N_{i+1}``.
    densities : sequence of float, optional
        Density per junction (instead of ``fo``).
    kind : str
        A registered kind (``adjmat.kind_names()``); default ``"clash_free"``.  Kinds that need no size
        (``"fc"``; ``"erdos_renyi"``, sized by its ``epsilon`` option) need neither fo nor densities.
    z : sequence of int, optional
        Parallelism per junction; for a kind that needs z the default is :func:`default_z`.
    seed : None, int, SeedSequence or Generator
        Root seed, as :func:`adjmat.generate_network` takes it: ``patterns(..., seed=s)`` equals
        ``adjmat.generate_network(config, kind, s, fo=..., z=...)`` and the patterns of ``mlp(..., seed=s)``.
    **options
        Kind options (``adjmat.get_kind(kind).options``: ``type``, ``dither``, ``epsilon``).

    Returns
    -------
    list of adjmat.Pattern

    Examples
    --------
    >>> pats = patterns((800, 100, 10), fo=(50, 10), kind="clash_free", seed=0)
    >>> [(p.W, p.z) for p in pats]
    [(40000, 400), (1000, 100)]
    >>> pats == adjmat.generate_network((800, 100, 10), "clash_free", 0, fo=(50, 10), z=(400, 100))
    True
    """
    where = "patterns"
    config, fo, densities, facts, z = _junction_args(where, config, fo, densities, kind, z)
    return _patterns(where, config, fo, densities, facts, z, _root(where, seed), options)


def _patterns(where, config, fo, densities, facts, z, seed, options) -> list[adjmat.Pattern]:
    if facts.needs_z and z is None and (fo is not None or densities is not None):
        z = default_z(config, fo, densities)
    if fo is not None and "fo" not in facts.sized_by and "density" in facts.sized_by:
        fo, densities = None, tuple(f / n for f, n in zip(fo, config[1:]))  # expected out-degree fo
    try:
        pats = adjmat.generate_network(config, facts.name, seed, fo=fo, densities=densities, z=z, **options)
    except SpecError as err:
        raise err.within(where) from None
    if not facts.sized_by and (fo is not None or densities is not None):
        # a kind sized by nothing fixes W itself: a size given must be the one it has (generate_network does not
        # pass sizes to such kinds, so check here rather than ignore them)
        for i, pat in enumerate(pats):
            given, name = (fo[i], "fo") if fo is not None else (densities[i], "densities")
            has = (pat.W == pat.p * given and bool(np.all(pat.out_degrees() == given))) if fo is not None \
                else pat.W == round(given * pat.p * pat.n)
            if not has:
                raise SpecError(f"{where}: kind={facts.name!r} fixes its own size (junction {i + 1}: W = "
                                f"{pat.W} edges, out-degree {pat.W / pat.p:g}, density {pat.W / (pat.p * pat.n):g}"
                                f"); received {name}={fo if fo is not None else densities!r}. Leave {name} out.")
    return pats


def _initializer(name: Any, seed: int):
    """A Keras initializer with an explicit seed (config dicts, names and instances accepted)."""
    if isinstance(name, (int, float)) and not isinstance(name, bool):
        return keras.initializers.Constant(float(name))
    init = keras.initializers.get(name)
    config = init.get_config()
    if "seed" in config:
        config["seed"] = int(seed)
        return type(init).from_config(config)
    return init


def _dropout_rates(where: str, dropout: Any, hidden: int) -> tuple[float, ...]:
    """One rate in [0, 1) per hidden layer from None, a number or a sequence of ``hidden`` numbers."""
    if dropout is None:
        return (0.0,) * hidden
    if isinstance(dropout, (str, bytes, set, frozenset, dict)) or \
            (not isinstance(dropout, (int, float, np.number)) and not hasattr(dropout, "__len__")):
        raise fail(where, "dropout", f"a rate in [0, 1) or a sequence of {hidden} rates (one per hidden layer)",
                   dropout)
    if hasattr(dropout, "__len__"):
        rates = tuple(dropout)
        if len(rates) != hidden:
            raise fail(where, "dropout", f"a rate in [0, 1) or a sequence of {hidden} rates (one per hidden "
                       f"layer)", dropout, f"config has {hidden} hidden layer(s).")
    else:
        rates = (dropout,) * hidden
    return tuple(check_float(where, "dropout", r, low=0.0, high=1.0, high_open=True) for r in rates)


def _sparse_head(x, config, pats, activation, output_activation, l2, weight_seeds, dropout_rates,
                 dropout_seeds, kernel_initializer, bias_initializer, prefix="junction", implementation="auto"):
    L = len(pats)
    reg = None if not l2 else keras.regularizers.L2(l2)
    for i, pat in enumerate(pats):
        last = i == L - 1
        x = SparseDense(pat.n, activation=output_activation if last else activation, pattern=pat,
                        kernel_initializer=_initializer(kernel_initializer, weight_seeds[i]),
                        bias_initializer=_initializer(bias_initializer, weight_seeds[i]),
                        kernel_regularizer=reg, name=f"{prefix}{i + 1}", implementation=implementation,
                        dtype="float32" if last else None)(x)
        if not last and dropout_rates[i] > 0:
            x = keras.layers.Dropout(dropout_rates[i], seed=dropout_seeds[i], name=f"dropout{i + 1}")(x)
    return x


def mlp(config: Sequence[int], fo: Sequence[int] | None = None, densities: Sequence[float] | None = None,
        kind: str = "clash_free", z: Sequence[int] | None = None, activation: str = "relu", *,
        l2: float | None = None, dropout: float | Sequence[float] | None = None, seed: Any = 0,
        output_activation: str | None = "softmax", kernel_initializer: Any = "he_normal",
        bias_initializer: Any = 0.1, name: str | None = None, implementation: str = "auto",
        **options) -> keras.Model:
    """A sparse multilayer perceptron: input width ``config[0]``, one :class:`SparseDense` per junction.

    As the original work (docs/training.md §1): ReLU hidden layers, softmax output, **He-normal kernels**
    (scaled by each neuron's real fan-in) and **biases 0.1**, optional L2 on the kernels (masked, so absent
    weights add nothing).  This differs from a bare :class:`SparseDense`, which defaults to Dense's Glorot-uniform
    kernel and zero bias.

    Parameters
    ----------
    config : sequence of int
        Layer sizes ``(N_0, ..., N_L)``; ``N_0`` is the (padded) input width.
    fo, densities, kind, z, **options
        The patterns, as :func:`patterns`; ``fo`` and ``densities`` may be left out for a kind that needs no
        size (``kind="fc"``; ``kind="erdos_renyi"`` with option ``epsilon``, default 20, as SET does).
    activation : str
        Hidden activation.
    l2 : float, optional
        L2 factor on every kernel (Keras 2's ``l2(x)``: ``x * sum(w**2)``).
    dropout : float or sequence of float, optional
        Dropout after each hidden layer's activation (as SET's MLPs): one rate in [0, 1) for all of them or one
        per hidden layer (``len(config) - 2`` rates); 0 or None adds no layer.  Layers ``dropout1`` ..
        follow ``junction1`` ..; each is seeded from ``seed``.
    seed : None, int, SeedSequence or Generator
        One seed for the patterns (``adjmat.generate_network``), the initial weights and the dropout (see the
        module docstring): the same seed gives the same patterns and bit-for-bit the same initial weights.  Each
        layer's config records its pattern's seed.
    output_activation : str or None
        Activation of the last layer (``"softmax"``); its layer computes in float32 under mixed precision.
    kernel_initializer, bias_initializer
        Initializers (a number means a constant); their seeds are set from ``seed``.
    name : str, optional
        Model name (default ``"mlp_800_100_10"`` style).
    implementation : {"auto", "masked", "sparse"}
        Every layer's :class:`SparseDense` implementation (docs/sparse.md): ``"auto"`` picks per junction by
        density, ``"sparse"`` keeps one value per edge and never forms a ``(p, n)`` tensor.

    Returns
    -------
    keras.Model
        Functional model; layers are named ``junction1`` .. ``junctionL`` (and ``dropout1`` ..).

    Examples
    --------
    >>> model = mlp((800, 100, 10), fo=(50, 10), kind="clash_free", seed=0)
    >>> [layer.pattern.W for layer in model.layers[1:]]
    [40000, 1000]
    >>> model.output_shape
    (None, 10)
    >>> er = mlp((784, 300, 10), kind="erdos_renyi", epsilon=3, dropout=0.3, seed=0)
    >>> [layer.name for layer in er.layers[1:]]
    ['junction1', 'dropout1', 'junction2']
    >>> thin = mlp((784, 300, 10), kind="erdos_renyi", epsilon=3, seed=0, implementation="sparse")
    >>> [layer.resolved_implementation for layer in thin.layers[1:]]
    ['sparse', 'sparse']
    """
    where = "mlp"
    implementation = check_choice(where, "implementation", implementation, ("auto", "masked", "sparse"))
    config, fo, densities, facts, z = _junction_args(where, config, fo, densities, kind, z)
    if l2 is not None:
        l2 = check_float(where, "l2", l2, low=0.0)
    L = len(config) - 1
    rates = _dropout_rates(where, dropout, L - 1)
    root = _root(where, seed)
    pats = _patterns(where, config, fo, densities, facts, z, root, options)
    words = [int(s) for s in extra_stream(where, root).generate_state(2 * L)]
    inputs = keras.Input((config[0],), name="inputs")
    outputs = _sparse_head(inputs, config, pats, activation, output_activation, l2, words[:L], rates, words[L:],
                           kernel_initializer, bias_initializer, implementation=implementation)
    return keras.Model(inputs, outputs, name=name or "mlp_" + "_".join(map(str, config)))


def _conv_block(x, filters, kernel_size, activation, seed):
    x = keras.layers.Conv2D(filters, kernel_size, padding="same", use_bias=False,
                            kernel_initializer=keras.initializers.HeNormal(seed=seed))(x)
    x = keras.layers.BatchNormalization()(x)
    return keras.layers.Activation(activation)(x)


def cifar(front: str = "deep", config: Sequence[int] = (4000, 500, 10), fo: Sequence[int] | None = (50, 10),
          densities: Sequence[float] | None = None, kind: str = "clash_free", z: Sequence[int] | None = None,
          activation: str = "relu", *, input_shape: Sequence[int] = (32, 32, 3), dropout: float = 0.25,
          l2: float | None = None, seed: Any = 0, name: str | None = None, **options) -> keras.Model:
    """A CIFAR conv front-end of the original work followed by a sparse MLP head.

    - ``"deep"``: three blocks of two 3x3 Conv-BatchNorm-activation (60, 125, 250 filters), each block ending in
      2x2 max-pooling and dropout; 32x32x3 inputs flatten to 4x4x250 = 4000 features.
    - ``"shallow"``: one 5x5 conv of 250 filters, BatchNorm, activation, 8x8 max-pooling; flattens to 4000.

    Parameters
    ----------
    front : {"deep", "shallow"}
    config : sequence of int
        Sizes of the sparse head; ``config[0]`` must equal the front-end's flattened width.
    fo, densities, kind, z, activation, l2, seed, **options
        As :func:`mlp` (convolutions use He-normal init, no bias before BatchNorm).
    input_shape : tuple
        Image shape (channels last).
    dropout : float
        Dropout rate after each pooling of ``"deep"`` (the original's rate is not documented; 0.25 here).
    name : str, optional

    Returns
    -------
    keras.Model

    Examples
    --------
    >>> model = cifar("shallow", (4000, 500, 10), fo=(50, 10), seed=0)
    >>> model.output_shape, model.get_layer("junction1").pattern.W
    ((None, 10), 200000)
    """
    where = "cifar"
    front = check_choice(where, "front", front, ("deep", "shallow"))
    config, fo, densities, facts, z = _junction_args(where, config, fo, densities, kind, z)
    dropout = check_float(where, "dropout", dropout, low=0.0, high=1.0, high_open=True)
    input_shape = check_int_tuple(where, "input_shape", input_shape, length=3)
    root = _root(where, seed)
    seeds = [int(s) for s in extra_stream(where, root).generate_state(16 + len(config))]
    inputs = keras.Input(input_shape, name="images")
    x = inputs
    if front == "deep":
        k = 0
        for filters in (60, 125, 250):
            for _ in range(2):
                x = _conv_block(x, filters, 3, activation, seeds[k])
                k += 1
            x = keras.layers.MaxPooling2D(2)(x)
            x = keras.layers.Dropout(dropout, seed=seeds[k])(x)
            k += 1
    else:
        x = _conv_block(x, 250, 5, activation, seeds[0])
        x = keras.layers.MaxPooling2D(8)(x)
    x = keras.layers.Flatten()(x)
    if x.shape[-1] != config[0]:
        raise SpecError(f"{where}: config[0] must equal the {front} front-end's flattened width "
                        f"{x.shape[-1]} for input_shape={input_shape}; received config={config}.")
    pats = _patterns(where, config, fo, densities, facts, z, root, options)
    outputs = _sparse_head(x, config, pats, activation, "softmax", l2, seeds[16:], (0.0,) * len(pats), (),
                           "he_normal", 0.1)
    return keras.Model(inputs, outputs, name=name or f"cifar_{front}_" + "_".join(map(str, config)))


def conv_gru(config: Sequence[int] = (128, 128, 10), fo: Sequence[int] | None = (32, 10),
             densities: Sequence[float] | None = None, kind: str = "clash_free", z: Sequence[int] | None = None,
             activation: str = "relu", *, input_shape: Sequence[int] = (28, 28), filters: int = 64,
             kernel_size: int = 5, l2: float | None = None, seed: Any = 0, name: str | None = None,
             **options) -> keras.Model:
    """A Conv1D + bidirectional-GRU front-end (sequences, e.g. MNIST rows as 28 steps of 28) and a sparse head.

    Conv1D(``filters``, ``kernel_size``, same padding, activation) -> MaxPooling1D(2) ->
    Bidirectional(GRU(``config[0] // 2``)) -> the sparse MLP ``config``.

    Parameters
    ----------
    config : sequence of int
        Sizes of the sparse head; ``config[0]`` (even) is the GRU output width (both directions).
    fo, densities, kind, z, activation, l2, seed, **options
        As :func:`mlp`.
    input_shape : (steps, features)
    filters, kernel_size : int
        The Conv1D layer.
    name : str, optional

    Returns
    -------
    keras.Model

    Examples
    --------
    >>> model = conv_gru((128, 128, 10), fo=(32, 10), seed=0)
    >>> model.output_shape, model.get_layer("junction1").pattern.fi
    ((None, 10), 32)
    """
    where = "conv_gru"
    config, fo, densities, facts, z = _junction_args(where, config, fo, densities, kind, z)
    if config[0] % 2:
        raise fail(where, "config", "sizes whose first entry (the BiGRU width, two directions) is even", config)
    input_shape = check_int_tuple(where, "input_shape", input_shape, length=2)
    filters = check_int(where, "filters", filters, minimum=1)
    kernel_size = check_int(where, "kernel_size", kernel_size, minimum=1)
    root = _root(where, seed)
    pats = _patterns(where, config, fo, densities, facts, z, root, options)
    seeds = [int(s) for s in extra_stream(where, root).generate_state(4 + len(config))]
    inputs = keras.Input(input_shape, name="sequence")
    x = keras.layers.Conv1D(filters, kernel_size, padding="same", activation=activation,
                            kernel_initializer=keras.initializers.HeNormal(seed=seeds[0]))(inputs)
    x = keras.layers.MaxPooling1D(2)(x)
    gru = keras.layers.GRU(config[0] // 2, kernel_initializer=keras.initializers.GlorotUniform(seed=seeds[1]),
                           recurrent_initializer=keras.initializers.Orthogonal(seed=seeds[2]))
    x = keras.layers.Bidirectional(gru)(x)
    outputs = _sparse_head(x, config, pats, activation, "softmax", l2, seeds[4:], (0.0,) * len(pats), (),
                           "he_normal", 0.1)
    return keras.Model(inputs, outputs, name=name or "conv_gru_" + "_".join(map(str, config)))
