"""Model builders: sparse MLPs and conv / recurrent front-ends followed by a sparse MLP head.

Every builder takes the network's layer sizes ``config = (N_0, ..., N_L)`` of the sparse part and one of
``fo`` (out-degree per junction) or ``densities`` (density per junction), a pattern ``kind`` and ``z``.  The
patterns come from :func:`patterns` (seeded, one stream per junction), so a model and its recorded patterns
always agree; each layer is a :class:`~predefsparse.layers.SparseDense` holding its pattern.

Seeds: one ``seed`` feeds a ``numpy.random.SeedSequence``; its first child draws the patterns, its second the
initializer and dropout seeds.  Nothing touches global random state (``keras.utils.set_random_seed`` is never
called), so building the same model twice gives identical weights.
"""
from __future__ import annotations

from typing import Any, Sequence

import keras
import numpy as np

import adjmat
from adjmat._validation import SpecError, check_choice, check_float, check_int, check_int_tuple, fail, \
    normalize_seed

from .layers import SparseDense

__all__ = ["patterns", "mlp", "cifar", "conv_gru", "default_z"]


def default_z(config: Sequence[int], fo: Sequence[int]) -> tuple[int, ...]:
    """The parallelism used for ``"clash_free"`` when ``z`` is not given: ``z_i = fi_i`` (one right neuron's
    edges per clock; valid whenever the pattern is, since clash-free patterns need ``fi | p``).

    Examples
    --------
    >>> default_z((800, 100, 10), (50, 10))
    (400, 100)
    """
    spec = adjmat.NetSpec(config, fo)
    return spec.fi


def _seed_streams(where: str, seed: Any) -> tuple[np.random.SeedSequence, np.random.SeedSequence, int | None]:
    """(pattern root, weight stream, recorded seed) from one seed.

    The pattern root is the seed's own ``SeedSequence``: junction i draws from ``root.spawn(L)[i]``, exactly as
    :func:`adjmat.generate_network` does, so a model built with ``seed=s`` has the patterns a hardware
    designer gets from ``adjmat.generate_network(netspec, kind, seed=s)``.  Initial weights and dropout draw from
    the child with spawn key ``WEIGHT_STREAM``, far from any junction's key.
    """
    if isinstance(seed, np.random.SeedSequence):
        root, recorded = seed, None
    elif isinstance(seed, np.random.Generator):
        root, recorded = np.random.SeedSequence(seed.integers(0, 2 ** 63)), None
    else:
        _, recorded = normalize_seed(where, seed)
        root = np.random.SeedSequence(recorded)
    weight_ss = np.random.SeedSequence(root.entropy, spawn_key=tuple(root.spawn_key) + (WEIGHT_STREAM,))
    return root, weight_ss, recorded


WEIGHT_STREAM = 2 ** 31  # spawn key of the initial-weight stream (junction patterns use keys 0 .. L-1)


def _junction_args(where: str, config, fo, densities, kind, z):
    config = check_int_tuple(where, "config", config)
    if len(config) < 2:
        raise fail(where, "config", "at least two layer sizes (N_0, N_1, ...)", config)
    L = len(config) - 1
    kind = check_choice(where, "kind", kind, adjmat.KINDS)
    fo = check_int_tuple(where, "fo", fo, length=L, allow_none=True)
    if densities is not None:
        if fo is not None:
            raise SpecError(f"{where}: give fo or densities, not both; received fo={fo!r}, "
                            f"densities={densities!r}.")
        try:
            densities = tuple(densities)
        except TypeError:
            raise fail(where, "densities", f"a sequence of {L} densities in (0, 1]", densities) from None
        if len(densities) != L:
            raise fail(where, "densities", f"a sequence of {L} densities in (0, 1] (one per junction)", densities)
        densities = tuple(check_float(where, "densities", d, low=0.0, high=1.0, low_open=True) for d in densities)
    if fo is None and densities is None:
        if kind != "fc":
            raise SpecError(f"{where}: kind={kind!r} needs fo or densities (one per junction); received neither. "
                            f"Example: fo={tuple(max(1, n // 2) for n in config[1:])}.")
        fo = config[1:]
    if kind == "fc" and fo is not None and fo != config[1:]:
        raise SpecError(f"{where}: kind='fc' is fully connected: fo must be config[1:] = {config[1:]} (or "
                        f"omitted); received fo={fo!r}.")
    if z is not None:
        z = check_int_tuple(where, "z", z, length=L)
    return config, fo, densities, kind, z


def patterns(config: Sequence[int], fo: Sequence[int] | None = None, densities: Sequence[float] | None = None,
             kind: str = "clash_free", z: Sequence[int] | None = None, seed: Any = 0,
             **options) -> list[adjmat.Pattern]:
    """The connection pattern of every junction of a network.

    Parameters
    ----------
    config : sequence of int
        Layer sizes ``(N_0, ..., N_L)``.
    fo : sequence of int, optional
        Out-degree per junction.
    densities : sequence of float, optional
        Density per junction (instead of ``fo``).
    kind : str
        Any of ``adjmat.KINDS``; default ``"clash_free"``.  ``"fc"`` needs neither fo nor densities.
    z : sequence of int, optional
        Parallelism per junction; for ``"clash_free"`` the default is :func:`default_z` (``z_i = fi_i``).
    seed : None, int, SeedSequence or Generator
        Root seed; junction i draws from the i-th child of the first stream of :func:`mlp`'s seed tree, so
        ``patterns(..., seed=s)`` are exactly the patterns of ``mlp(..., seed=s)``.
    **options
        Kind options for :func:`adjmat.generate` (``type``, ``dither``, ``epsilon``).

    Returns
    -------
    list of adjmat.Pattern

    Examples
    --------
    >>> pats = patterns((800, 100, 10), fo=(50, 10), kind="clash_free", seed=0)
    >>> [(p.W, p.z) for p in pats]
    [(40000, 400), (1000, 100)]
    """
    where = "patterns"
    config, fo, densities, kind, z = _junction_args(where, config, fo, densities, kind, z)
    pattern_ss, _, _ = _seed_streams(where, seed)
    return _patterns(where, config, fo, densities, kind, z, pattern_ss, options)


def _patterns(where, config, fo, densities, kind, z, pattern_ss, options) -> list[adjmat.Pattern]:
    L = len(config) - 1
    if kind == "clash_free" and z is None:
        if fo is not None:
            z = default_z(config, fo)
        else:
            fis = []
            for i, d in enumerate(densities):
                fi = d * config[i]
                if abs(fi - round(fi)) > 1e-9:
                    raise SpecError(f"{where}: junction {i + 1}: density {d} gives fi = density*p = {fi:g}, not a "
                                    f"whole number; clash_free needs whole degrees.")
                fis.append(int(round(fi)))
            z = tuple(fis)
    streams = pattern_ss.spawn(L)
    out = []
    for i in range(L):
        p, n = config[i], config[i + 1]
        zi = None if z is None else z[i]
        try:
            if kind == "fc":
                pat = adjmat.generate("fc", p, n, z=zi, seed=streams[i], **options)
            elif densities is not None:
                pat = adjmat.generate(kind, p, n, density=densities[i], z=zi, seed=streams[i], **options)
            elif kind == "erdos_renyi":
                pat = adjmat.generate(kind, p, n, density=fo[i] / n, z=zi, seed=streams[i], **options)
            else:
                pat = adjmat.generate(kind, p, n, fo=fo[i], z=zi, seed=streams[i], **options)
        except SpecError as err:
            raise SpecError(f"{where}: junction {i + 1} ({p} -> {n}): {err}") from None
        out.append(pat)
    return out


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


def _sparse_head(x, where, config, fo, densities, kind, z, activation, output_activation, l2, pattern_ss,
                 weight_seeds, kernel_initializer, bias_initializer, options, prefix="junction"):
    pats = _patterns(where, config, fo, densities, kind, z, pattern_ss, options)
    L = len(pats)
    reg = None if not l2 else keras.regularizers.L2(l2)
    for i, pat in enumerate(pats):
        last = i == L - 1
        x = SparseDense(pat.n, activation=output_activation if last else activation, pattern=pat,
                        kernel_initializer=_initializer(kernel_initializer, weight_seeds[i]),
                        bias_initializer=_initializer(bias_initializer, weight_seeds[i]),
                        kernel_regularizer=reg, name=f"{prefix}{i + 1}",
                        dtype="float32" if last else None)(x)
    return x


def mlp(config: Sequence[int], fo: Sequence[int] | None = None, densities: Sequence[float] | None = None,
        kind: str = "clash_free", z: Sequence[int] | None = None, activation: str = "relu", *,
        l2: float | None = None, seed: Any = 0, output_activation: str | None = "softmax",
        kernel_initializer: Any = "he_normal", bias_initializer: Any = 0.1, name: str | None = None,
        **options) -> keras.Model:
    """A sparse multilayer perceptron: input width ``config[0]``, one :class:`SparseDense` per junction.

    As the original work: ReLU hidden layers, softmax output, He-normal kernels (scaled by each neuron's real
    fan-in), biases 0.1, optional L2 on the kernels (masked, so absent weights add nothing).

    Parameters
    ----------
    config : sequence of int
        Layer sizes ``(N_0, ..., N_L)``; ``N_0`` is the (padded) input width.
    fo, densities, kind, z, **options
        The patterns, as :func:`patterns`.
    activation : str
        Hidden activation.
    l2 : float, optional
        L2 factor on every kernel (Keras 2's ``l2(x)``: ``x * sum(w**2)``).
    seed : None, int, SeedSequence or Generator
        Root seed of the patterns and the initial weights.
    output_activation : str or None
        Activation of the last layer (``"softmax"``); its layer computes in float32 under mixed precision.
    kernel_initializer, bias_initializer
        Initializers (a number means a constant); their seeds are set from ``seed``.
    name : str, optional
        Model name (default ``"mlp_800_100_10"`` style).

    Returns
    -------
    keras.Model
        Functional model; layers are named ``junction1`` .. ``junctionL``.

    Examples
    --------
    >>> model = mlp((800, 100, 10), fo=(50, 10), kind="clash_free", seed=0)
    >>> [layer.pattern.W for layer in model.layers[1:]]
    [40000, 1000]
    >>> model.output_shape
    (None, 10)
    """
    where = "mlp"
    config, fo, densities, kind, z = _junction_args(where, config, fo, densities, kind, z)
    if l2 is not None:
        l2 = check_float(where, "l2", l2, low=0.0)
    pattern_ss, weight_ss, _ = _seed_streams(where, seed)
    weight_seeds = [int(s) for s in weight_ss.generate_state(len(config) - 1)]
    inputs = keras.Input((config[0],), name="inputs")
    outputs = _sparse_head(inputs, where, config, fo, densities, kind, z, activation, output_activation, l2,
                           pattern_ss, weight_seeds, kernel_initializer, bias_initializer, options)
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
    config, fo, densities, kind, z = _junction_args(where, config, fo, densities, kind, z)
    dropout = check_float(where, "dropout", dropout, low=0.0, high=1.0, high_open=True)
    input_shape = check_int_tuple(where, "input_shape", input_shape, length=3)
    pattern_ss, weight_ss, _ = _seed_streams(where, seed)
    seeds = [int(s) for s in weight_ss.generate_state(16 + len(config))]
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
    outputs = _sparse_head(x, where, config, fo, densities, kind, z, activation, "softmax", l2, pattern_ss,
                           seeds[16:], "he_normal", 0.1, options)
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
    config, fo, densities, kind, z = _junction_args(where, config, fo, densities, kind, z)
    if config[0] % 2:
        raise fail(where, "config", "sizes whose first entry (the BiGRU width, two directions) is even", config)
    input_shape = check_int_tuple(where, "input_shape", input_shape, length=2)
    filters = check_int(where, "filters", filters, minimum=1)
    kernel_size = check_int(where, "kernel_size", kernel_size, minimum=1)
    pattern_ss, weight_ss, _ = _seed_streams(where, seed)
    seeds = [int(s) for s in weight_ss.generate_state(4 + len(config))]
    inputs = keras.Input(input_shape, name="sequence")
    x = keras.layers.Conv1D(filters, kernel_size, padding="same", activation=activation,
                            kernel_initializer=keras.initializers.HeNormal(seed=seeds[0]))(inputs)
    x = keras.layers.MaxPooling1D(2)(x)
    gru = keras.layers.GRU(config[0] // 2, kernel_initializer=keras.initializers.GlorotUniform(seed=seeds[1]),
                           recurrent_initializer=keras.initializers.Orthogonal(seed=seeds[2]))
    x = keras.layers.Bidirectional(gru)(x)
    outputs = _sparse_head(x, where, config, fo, densities, kind, z, activation, "softmax", l2, pattern_ss,
                           seeds[4:], "he_normal", 0.1, options)
    return keras.Model(inputs, outputs, name=name or "conv_gru_" + "_".join(map(str, config)))
