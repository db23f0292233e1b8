"""Seeded O(W) generators of connection patterns (docs/patterns.md §3, §4).

One entry point, :func:`generate`, and :func:`generate_network` for a whole network.  Both dispatch through the
registry of kinds (:mod:`adjmat.kinds`): this module holds only the rules every kind shares (sizes, edge count,
``z``, options, memory, seed); each kind's own rules live in its builder and its registry entry.  Every
generator takes ``seed`` (None, int, ``SeedSequence`` or ``Generator``), never touches numpy's global random
state, and costs O(W) time and memory: nothing builds a ``p x n`` matrix.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .seeds import junction_streams
from .errors import SpecError
from .validation import check_float, check_int, check_int_tuple, check_size, fail, normalize_seed
from .intmath import divisors, near_divisors
from .memory import check_memory
from .kinds import KINDS, Kind, epsilon_density, get_kind
from .pattern import Pattern
from .specs import JunctionSpec, NetSpec

__all__ = ["KINDS", "generate", "generate_network"]


def _check_z(where: str, p: int, z) -> int | None:
    z = check_int(where, "z", z, minimum=1, allow_none=True)
    if z is not None and p % z:
        raise fail(where, "z", f"a divisor of p ({p}), so that every bank has depth p/z", z,
                   f"Try z={' or z='.join(map(str, near_divisors(p, z)))}.")
    return z


def _variable_edge_count(where: str, kind: str, p: int, n: int, fo, density) -> int:
    """W for variable-degree kinds sized by fo or density: p*fo, or round(density*p*n)."""
    if fo is not None and density is not None:
        raise SpecError(f"{where}: give fo or density for kind={kind!r}, not both; received fo={fo!r}, "
                        f"density={density!r}.", where=where)
    if fo is None and density is None:
        raise SpecError(f"{where}: kind={kind!r} needs fo (edges per left neuron) or density in (0, 1]; "
                        f"received neither.", where=where)
    if fo is not None:
        fo = check_int(where, "fo", fo, minimum=1, maximum=n)
        return p * fo
    density = check_float(where, "density", density, low=0.0, high=1.0, low_open=True)
    W = int(round(density * p * n))
    if W < 1:
        raise SpecError(f"{where}: density ({density:g}) times p*n ({p}*{n}) rounds to {W} edges; "
                        f"need at least 1: try density={1 / (p * n):.3g} or more.", where=where, param="density")
    return W


def _size(where: str, kind: Kind, p: int, n: int, fo, density, z, options: dict, epsilon_given: bool
          ) -> tuple[int | None, int | None, float, float, dict]:
    """``(fo, W, density, expected W, meta)`` of a request, by the kind's ``sized_by`` and ``fixed_degrees``.

    ``fo`` is exact for fixed-degree kinds (None for variable ones sized by density); ``W`` is the edge count
    (None for kinds sized by a cell probability, whose builder draws it; the expected count is then what the
    memory estimate uses); ``density`` is the cell probability for those kinds.  ``options`` loses
    ``epsilon`` when the kind is sized by it.
    """
    name, sized = kind.name, kind.sized_by
    if not sized:  # the kind fixes W itself (fc)
        fo = check_int(where, "fo", fo, minimum=1, allow_none=True)
        density = check_float(where, "density", density, low=0.0, high=1.0, low_open=True, allow_none=True)
        if fo is not None and fo != n or density is not None and density != 1:
            raise SpecError(f"{where}: kind={name!r} is fully connected: fo must be n ({n}) and density 1; "
                            f"received fo={fo!r}, density={density!r}.", where=where, param="fo")
        return n, p * n, 1.0, p * n, {}
    for param, value in (("fo", fo), ("density", density)):
        if value is not None and param not in sized:
            raise SpecError(f"{where}: kind={name!r} takes {' or '.join(sized)}, not {param}; received "
                            f"{param}={value!r}.", where=where, param=param)
    if "epsilon" in sized:  # a cell probability: density, or epsilon*(p+n)/(p*n)
        if density is not None:
            if epsilon_given:
                raise SpecError(f"{where}: kind={name!r} takes density or epsilon, not both; received "
                                f"density={density!r}, epsilon={options['epsilon']!r}.", where=where, param="epsilon")
            prob = check_float(where, "density", density, low=0.0, high=1.0, low_open=True)
            meta: dict[str, Any] = {}
        else:
            prob, meta = epsilon_density(where, p, n, options["epsilon"])
        del options["epsilon"]
        return None, None, prob, prob * p * n, meta
    if kind.fixed_degrees:
        if fo is None and density is None:
            raise SpecError(f"{where}: kind={name!r} needs fo (edges per left neuron) or density; received "
                            f"neither.", where=where)
        try:
            spec = JunctionSpec(p, n, fo=fo, density=density, z=z)
        except SpecError as err:
            raise err.within(where, f"kind={name!r}") from None
        return spec.fo, spec.W, spec.density, spec.W, {}
    W = _variable_edge_count(where, name, p, n, fo, density)
    return (W // p if fo is not None else None), W, W / (p * n), W, {}


def generate(kind: str, p: int, n: int, *, fo: int | None = None, density: float | None = None,
             z: int | None = None, seed: Any = None, **options) -> Pattern:
    """Generate the connection pattern of one junction (``p`` left, ``n`` right neurons).

    Parameters
    ----------
    kind : str
        A registered kind: :func:`adjmat.kind_names` lists them, :func:`adjmat.get_kind` gives each one's facts
        (fixed degrees, needs z, hardware-faithful, sized by, options) and docs/kinds.md describes the built-in
        ones -- ``"fc"``, ``"random"``, ``"basic"``, ``"usn"``, ``"clash_free"`` (options ``type``, ``dither``),
        ``"rtl"`` and ``"erdos_renyi"`` (option ``epsilon``).
    p, n : int
        Left and right layer sizes (at most 2**31 - 1: indices are int32).
    fo : int, optional
        Out-degree (edges per left neuron).
    density : float, optional
        Junction density in (0, 1]; for fixed-degree kinds it must give a whole fo.
    z : int, optional
        Degree of parallelism (required by kinds that need it, such as ``"clash_free"``; recorded in ``meta``
        for the others and must divide p).
    seed : None, int, SeedSequence or Generator
        Randomness; the same int gives identical arrays.  ``None`` draws a seed and records it in
        ``pattern.seed``; a spawned ``SeedSequence`` is recorded as its entropy in ``pattern.seed`` and its
        spawn key in ``pattern.meta["spawn_key"]``, so ``SeedSequence(pattern.seed, spawn_key=key)``
        regenerates the pattern.
    **options
        Kind-specific options (``adjmat.get_kind(kind).options`` lists them with their defaults); unknown
        ones are refused.

    Returns
    -------
    Pattern
        Edges in natural order; for fixed-degree kinds ``right[j] == j // fi``.

    Raises
    ------
    SpecError
        On any bad value, and before any work when the estimated memory (edges times the kind's bytes per
        edge, temporaries included) exceeds :func:`adjmat.memory.memory_limit` (environment variable
        ``PREDEFSPARSE_MAX_MEMORY``).

    Notes
    -----
    Every built-in kind costs O(W) memory (each kind's ``memory`` estimate says how many bytes per edge) and
    O(W) time, O(W log W) for the kinds that sort cell numbers (``"random"``, ``"erdos_renyi"``).

    Examples
    --------
    >>> pat = generate("clash_free", 12, 12, fo=2, z=4, seed=1, type=2, dither=True)
    >>> pat.fo, pat.fi, pat.meta["type"]
    (2, 2, 2)
    >>> generate("rtl", 8, 4, fo=2).left.tolist()
    [0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7]
    >>> u = generate("usn", 784, 250, density=0.3, seed=0)
    >>> int(u.in_degrees().min()), int(u.in_degrees().max())
    (235, 236)
    """
    where = "generate"
    kind_ = get_kind(kind, where)
    p = check_size(where, "p", p)
    n = check_size(where, "n", n)
    unknown = set(options) - set(kind_.options)
    if unknown:
        allowed = sorted(kind_.options)
        raise SpecError(f"{where}: unknown option(s) {', '.join(sorted(unknown))} for kind={kind_.name!r}; "
                        + (f"valid options: {', '.join(allowed)}." if allowed else "it takes none."), where=where)
    opts = {**kind_.options, **options}
    z = _check_z(where, p, z)
    if kind_.needs_z and z is None:
        valid = divisors(p)
        raise fail(where, "z", f"given for kind={kind_.name!r}: edges per clock, a divisor of p ({p})", None,
                   f"Valid z: {', '.join(map(str, valid[:12]))}" + (" ..." if len(valid) > 12 else "") + ".")
    rng, recorded = normalize_seed(where, seed)  # validates the seed for every kind
    fo, W, prob, expected, meta = _size(where, kind_, p, n, fo, density, z, opts, "epsilon" in options)
    check_memory(where, kind_.memory(p, n, expected),
                 f"a {kind_.name} pattern of {p}x{n} with {'about ' if W is None else ''}{expected:.4g} edges")
    if z is not None:
        meta["z"] = z
    if not kind_.seeded:
        recorded = None
    elif isinstance(seed, np.random.SeedSequence) and seed.spawn_key:
        # a child stream: seed + spawn key reproduce it (SeedSequence(seed, spawn_key=...))
        meta["spawn_key"] = [int(k) for k in seed.spawn_key]
    pat = kind_.builder(p, n, fo=fo, W=W, density=prob, z=z, rng=rng, **opts)
    if not isinstance(pat, Pattern) or (pat.p, pat.n) != (p, n):
        raise TypeError(f"{where}: the builder of kind {kind_.name!r} must return an adjmat.Pattern of "
                        f"p={p}, n={n}; it returned {pat!r:.100}.")
    return pat._with(kind_.name, recorded, {**meta, **{k: v for k, v in pat.meta.items() if k not in meta}})


def _per_junction(where: str, name: str, value, L: int, check) -> tuple | None:
    """None, one value for every junction, or an ordered sequence of L values (each passed through check)."""
    if value is None:
        return None
    if isinstance(value, (str, bytes)) or not isinstance(value, (Sequence, np.ndarray)):
        value = [value] * L
    items = list(value)
    if len(items) != L:
        raise fail(where, name, f"one value or an ordered sequence of {L} (one per junction)", value)
    return tuple(check(v) for v in items)


def generate_network(netspec_or_config: NetSpec | Sequence[int] | None = None, kind: str | None = None,
                     seed: Any = None, *, fo: Any = None, densities: Any = None, z: Any = None,
                     **options) -> list[Pattern]:
    """Generate one pattern per junction of a network, each from its own stream of one seed.

    This is the one place that turns a seed into per-junction streams: junction ``i`` draws from
    ``SeedSequence(seed, spawn_key=(i,))`` (a first ``SeedSequence(seed).spawn(L)``), so adding a junction does
    not change the others; every pattern records the root seed in ``pattern.seed`` and its stream in
    ``pattern.meta["spawn_key"]``.  ``predefsparse.models`` and ``hwsim`` draw their patterns through it.

    Parameters
    ----------
    netspec_or_config : NetSpec or sequence of int
        A :class:`~adjmat.NetSpec` (its ``fo`` and ``z`` are used), or the layer sizes ``(N_0, ..., N_L)``;
        then give ``fo`` or ``densities`` per junction unless the kind needs neither (``"fc"``, or
        ``"erdos_renyi"`` sized by ``epsilon``).
    kind : str
        A registered kind (:func:`adjmat.kind_names`).
    seed : None, int, SeedSequence or Generator
        One seed for the whole network.  A SeedSequence is not mutated; a Generator gives ``seed.spawn(L)``
        (advancing its spawn counter; the patterns then record seed None).
    fo, densities, z : int, float or sequence, optional
        Per-junction out-degrees, densities and parallelisms for a plain config (one value is used for every
        junction).  With a NetSpec, ``densities`` may replace its fo for kinds sized by density
        (``erdos_renyi``: by default a NetSpec's ``fo[i]/n`` is the cell probability).
    **options
        Kind options, passed to :func:`generate` for every junction.

    Returns
    -------
    list of Pattern

    Examples
    --------
    >>> net = NetSpec((1024, 64, 32), fo=(4, 16), z=(128, 32))
    >>> pats = generate_network(net, "clash_free", seed=0)
    >>> [pat.W for pat in pats]
    [4096, 1024]
    >>> generate_network(net, "clash_free", seed=0)[1] == pats[1]
    True
    >>> [p.W for p in generate_network((784, 300, 10), "erdos_renyi", seed=0, epsilon=5)][1] > 0
    True
    >>> generate_network((8, 4, 2), "usn", seed=1, densities=0.5)[0].W
    16
    """
    where = "generate_network"
    kind_ = get_kind(kind, where)
    if netspec_or_config is None:
        raise fail(where, "netspec_or_config", "an adjmat.NetSpec or a sequence of layer sizes", None)
    if isinstance(netspec_or_config, NetSpec):
        net = netspec_or_config
        config, L = net.config, net.L
        if fo is not None:
            raise SpecError(f"{where}: fo comes from the NetSpec ({net.fo}); received fo={fo!r} too. Pass the "
                            f"layer sizes {net.config} instead of a NetSpec to choose fo here.",
                            where=where, param="fo")
        if z is not None:
            raise SpecError(f"{where}: z comes from the NetSpec ({net.z}); received z={z!r} too.",
                            where=where, param="z")
        fos, zs = net.fo, net.z
        if densities is None and "fo" not in kind_.sized_by and kind_.sized_by:
            densities = tuple(f / n for f, n in zip(net.fo, config[1:]))   # e.g. erdos_renyi: fo/n
        if densities is not None:
            fos = None
    elif isinstance(netspec_or_config, (str, bytes, Sequence, np.ndarray)):
        config = check_int_tuple(where, "netspec_or_config", netspec_or_config)
        if len(config) < 2:
            raise fail(where, "netspec_or_config", "a NetSpec or at least two layer sizes (N_0, N_1, ...)",
                       netspec_or_config)
        L = len(config) - 1
        fos = _per_junction(where, "fo", fo, L, lambda v: check_int(where, "fo", v, minimum=1))
        zs = _per_junction(where, "z", z, L, lambda v: check_int(where, "z", v, minimum=1))
    else:
        raise fail(where, "netspec_or_config", "an adjmat.NetSpec or a sequence of layer sizes",
                   type(netspec_or_config).__name__)
    densities = _per_junction(where, "densities", densities, L,
                              lambda v: check_float(where, "densities", v, low=0.0, high=1.0, low_open=True))
    if fos is not None and densities is None and "fo" not in kind_.sized_by and "density" in kind_.sized_by:
        densities = tuple(f / n for f, n in zip(fos, config[1:]))  # a density-sized kind (erdos_renyi): fo/n
        fos = None
    if fos is not None and densities is not None:
        raise SpecError(f"{where}: give fo or densities, not both; received fo={fos!r}, densities={densities!r}.",
                        where=where)
    if kind_.sized_by and "epsilon" not in kind_.sized_by and fos is None and densities is None:
        raise SpecError(f"{where}: kind={kind_.name!r} needs fo or densities (one per junction, or one for all) "
                        f"with a plain config; received neither for config={config}.", where=where)
    streams, _ = junction_streams(where, seed, L)
    patterns = []
    for i, stream in enumerate(streams):
        p, n = config[i], config[i + 1]
        size = {}  # passed even to a kind sized by nothing (fc), so that generate refuses a wrong size
        if fos is not None:
            size["fo"] = fos[i]
        if densities is not None:
            size["density"] = densities[i]
        try:
            patterns.append(generate(kind_.name, p, n, z=None if zs is None else zs[i], seed=stream, **size,
                                     **options))
        except SpecError as err:
            raise err.within(where, f"junction {i + 1} ({p} -> {n})") from None
    return patterns
