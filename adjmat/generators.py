"""Seeded O(W) generators of connection patterns (patterns.md §3, §4).

One entry point, :func:`generate`, and :func:`generate_network` for a whole :class:`~adjmat.NetSpec`.
Every generator takes ``seed`` (None, int, ``SeedSequence`` or ``Generator``), never touches numpy's global
random state, and costs O(W) time and memory: nothing builds a ``p x n`` matrix.
"""
from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from . import _kernels
from ._validation import SpecError, check_bool, check_choice, check_float, check_int, divisors, fail, nearest, \
    normalize_seed
from .pattern import Pattern
from .specs import JunctionSpec, NetSpec

__all__ = ["KINDS", "generate", "generate_network"]

KINDS = ("fc", "random", "basic", "usn", "clash_free", "rtl", "erdos_renyi")
_OPTIONS = {"clash_free": {"type", "dither"}, "erdos_renyi": {"epsilon"}}


def _natural_right(n: int, fi: int) -> np.ndarray:
    """``right[j] = j // fi`` as int32."""
    return np.repeat(np.arange(n, dtype=np.int32), fi)


def _right_from_degrees(indeg: np.ndarray) -> np.ndarray:
    return np.repeat(np.arange(indeg.size, dtype=np.int32), indeg)


def _edge_count(where: str, kind: str, p: int, n: int, fo, density) -> int:
    """W for the variable-degree kinds (random, usn): p*fo, or round(density*p*n)."""
    if fo is not None and density is not None:
        raise SpecError(f"{where}: give fo or density for kind={kind!r}, not both; received fo={fo!r}, "
                        f"density={density!r}.")
    if fo is None and density is None:
        raise SpecError(f"{where}: kind={kind!r} needs fo (edges per left neuron) or density in (0, 1]; "
                        f"received neither.")
    if fo is not None:
        fo = check_int(where, "fo", fo, minimum=1, maximum=n)
        return p * fo
    density = check_float(where, "density", density, low=0.0, high=1.0, low_open=True)
    W = int(round(density * p * n))
    if W < 1:
        raise SpecError(f"{where}: density ({density:g}) times p*n ({p}*{n}) rounds to {W} edges; "
                        f"need at least 1: try density={1 / (p * n):.3g} or more.")
    return W


def _check_z(where: str, p: int, z) -> int | None:
    z = check_int(where, "z", z, minimum=1, allow_none=True)
    if z is not None and p % z:
        raise SpecError(f"{where}: z ({z}) must divide p ({p}) so that every bank has depth p/z; "
                        f"try z={' or z='.join(map(str, nearest(divisors(p), z)))}.")
    return z


def _clash_free(where, spec: JunctionSpec, rng, type_: int, dither: bool) -> np.ndarray:
    p, z, fo, fi = spec.p, spec.z, spec.fo, spec.fi
    if p % fi:
        good_fo = [f for f in range(1, spec.n + 1) if (p * f) % spec.n == 0 and p % (p * f // spec.n) == 0]
        hint = "try " + " or ".join(f"fo={f} (fi={p * f // spec.n})" for f in nearest(good_fo, fo)) + "."
        raise SpecError(f"{where}: clash_free needs fi ({fi}) to divide p ({p}) so that no right neuron "
                        f"straddles a sweep (validity condition 2: no repeated edge); {hint}")
    D = p // z
    sweeps = fo if type_ != 3 else 1
    if dither:
        banks = rng.permuted(np.broadcast_to(np.arange(z, dtype=np.int64), (sweeps, z)), axis=1)
    else:
        banks = np.broadcast_to(np.arange(z, dtype=np.int64), (sweeps, z)).copy()
    out = np.empty(spec.W, dtype=np.int32)
    if type_ == 1:
        perms = rng.permuted(np.broadcast_to(np.arange(D, dtype=np.int32), (fo * z, D)), axis=1)
        _kernels.fill_type1(np.ascontiguousarray(perms), banks, D, z, out)
    else:
        starts = rng.integers(0, D, size=(sweeps, z), dtype=np.int64)
        if type_ == 3:
            starts = np.repeat(starts, fo, axis=0)
            banks = np.repeat(banks, fo, axis=0)
        _kernels.fill_type2(starts, banks, D, z, out)
    return out


def generate(kind: str, p: int, n: int, *, fo: int | None = None, density: float | None = None,
             z: int | None = None, seed: Any = None, **options) -> Pattern:
    """Generate the connection pattern of one junction (``p`` left, ``n`` right neurons).

    Parameters
    ----------
    kind : {"fc", "random", "basic", "usn", "clash_free", "rtl", "erdos_renyi"}
        - ``"fc"``: fully connected (fo = n).
        - ``"random"``: W distinct cells drawn uniformly; degrees vary (Dey's "random").
        - ``"basic"``: exactly fo and fi; a stream of uniformly random sweeps (permutations of the left layer)
          cut into right-neuron blocks, repaired so no block repeats a left neuron.
        - ``"usn"``: W = round(density*p*n) edges (or p*fo), left degrees floor/ceil(W/p) and right degrees
          floor/ceil(W/n) -- within +/-1 on BOTH sides -- no repeated edges; which neurons get the extra edge is
          random.  Same construction as ``"basic"``.
        - ``"clash_free"``: the interleaver of patterns.md §4; options ``type`` (1, 2 default, 3) and ``dither``
          (False default).  Needs z | p and fi | p (else :class:`SpecError` naming the condition).
        - ``"rtl"``: the published FPGA pattern, edge j -> left ``j mod p``; deterministic, clash-free for every
          z dividing p.
        - ``"erdos_renyi"``: each cell independently with probability ``density``, or (default) SET's
          ``epsilon*(p+n)/(p*n)`` with option ``epsilon`` (default 20), clipped at 1 with a warning.
    p, n : int
        Left and right layer sizes.
    fo : int, optional
        Out-degree (edges per left neuron).
    density : float, optional
        Junction density in (0, 1]; for fixed-degree kinds it must give a whole fo.
    z : int, optional
        Degree of parallelism (required by ``"clash_free"``; recorded in ``meta`` for the others and must
        divide p).
    seed : None, int, SeedSequence or Generator
        Randomness; the same int gives identical arrays.  ``None`` draws a seed and records it in
        ``pattern.seed``; a spawned ``SeedSequence`` is recorded as its entropy in ``pattern.seed`` and its
        spawn key in ``pattern.meta["spawn_key"]``, so ``SeedSequence(pattern.seed, spawn_key=key)``
        regenerates the pattern.
    **options
        Kind-specific options (see ``kind``); unknown ones are refused.

    Returns
    -------
    Pattern
        Edges in natural order; for fixed-degree kinds ``right[j] == j // fi``.

    Notes
    -----
    Time and memory O(W); ``"random"`` and ``"erdos_renyi"`` sort W cell numbers (O(W log W) time).
    The ``"basic"``/``"usn"`` construction is uniform over sweep orders, not over all biregular graphs.

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
    kind = check_choice(where, "kind", kind, KINDS)
    p = check_int(where, "p", p, minimum=1)
    n = check_int(where, "n", n, minimum=1)
    allowed = _OPTIONS.get(kind, set())
    unknown = set(options) - allowed
    if unknown:
        raise SpecError(f"{where}: unknown option(s) {', '.join(sorted(unknown))} for kind={kind!r}; "
                        + (f"valid options: {', '.join(sorted(allowed))}." if allowed else "it takes none."))
    z = _check_z(where, p, z)
    meta: dict[str, Any] = {} if z is None else {"z": z}
    if isinstance(seed, np.random.SeedSequence) and seed.spawn_key and kind not in ("fc", "rtl"):
        # a child stream: seed + spawn key reproduce it (SeedSequence(seed, spawn_key=...))
        meta["spawn_key"] = [int(k) for k in seed.spawn_key]

    if kind in ("fc", "rtl", "basic", "clash_free"):
        if kind == "fc":
            if fo is not None and fo != n or density is not None and density != 1:
                raise SpecError(f"{where}: kind='fc' is fully connected: fo must be n ({n}) and density 1; "
                                f"received fo={fo!r}, density={density!r}.")
            fo = n
        if fo is None and density is None:
            raise SpecError(f"{where}: kind={kind!r} needs fo (edges per left neuron) or density; received "
                            f"neither.")
        try:
            spec = JunctionSpec(p, n, fo=fo, density=density, z=z)
        except SpecError as err:
            raise SpecError(f"{where}: kind={kind!r}: " + str(err).split(": ", 1)[1]) from None
        right = _natural_right(n, spec.fi)
        if kind in ("fc", "rtl"):
            left = (np.arange(spec.W, dtype=np.int64) % p).astype(np.int32)
            return Pattern._trusted(left, right, p, n, kind, None, meta)
        rng, recorded = normalize_seed(where, seed)
        if kind == "basic":
            left = np.empty(spec.W, dtype=np.int32)
            _kernels.sweep_stream(p, np.full(n, spec.fi, dtype=np.int64), rng, left)
            return Pattern._trusted(left, right, p, n, kind, recorded, meta)
        # clash_free
        type_ = options.get("type", 2)
        if type_ not in (1, 2, 3) or isinstance(type_, bool):
            raise fail(where, "type", "1, 2 or 3 (address map of patterns.md §4)", type_)
        dither = check_bool(where, "dither", options.get("dither", False))
        if z is None:
            valid = [d for d in divisors(p)]
            raise SpecError(f"{where}: kind='clash_free' needs z (edges per clock, must divide p={p}); "
                            f"received z=None; valid z: {', '.join(map(str, valid[:12]))}"
                            + (" ..." if len(valid) > 12 else "") + ".")
        left = _clash_free(where, spec, rng, type_, dither)
        meta.update({"type": int(type_), "dither": dither})
        return Pattern._trusted(left, right, p, n, kind, recorded, meta)

    if kind == "erdos_renyi":
        if fo is not None:
            raise SpecError(f"{where}: kind='erdos_renyi' takes density (cell probability) or option epsilon, "
                            f"not fo; received fo={fo!r}.")
        if density is not None and "epsilon" in options:
            raise SpecError(f"{where}: kind='erdos_renyi' takes density or epsilon, not both; received "
                            f"density={density!r}, epsilon={options['epsilon']!r}.")
        if density is not None:
            prob = check_float(where, "density", density, low=0.0, high=1.0, low_open=True)
        else:
            eps = check_float(where, "epsilon", options.get("epsilon", 20), low=0.0, low_open=True)
            prob = eps * (p + n) / (p * n)
            meta["epsilon"] = eps
            if prob > 1:
                warnings.warn(f"generate: erdos_renyi density epsilon*(p+n)/(p*n) = {eps:g}*({p}+{n})/({p}*{n})"
                              f" = {prob:.4g} exceeds 1; clipped to 1 (fully connected).", stacklevel=2)
                meta["clipped_from"] = prob
                prob = 1.0
        meta["probability"] = prob
        rng, recorded = normalize_seed(where, seed)
        W = int(rng.binomial(p * n, prob))
        return _random_cells("erdos_renyi", p, n, W, rng, recorded, meta)

    W = _edge_count(where, kind, p, n, fo, density)
    rng, recorded = normalize_seed(where, seed)
    if kind == "random":
        return _random_cells("random", p, n, W, rng, recorded, meta)
    # usn
    q, extra = divmod(W, n)
    indeg = np.full(n, q, dtype=np.int64)
    if extra:
        indeg[rng.choice(n, size=extra, replace=False)] += 1
    left = np.empty(W, dtype=np.int32)
    _kernels.sweep_stream(p, indeg, rng, left)
    return Pattern._trusted(left, _right_from_degrees(indeg), p, n, "usn", recorded, meta)


def _random_cells(kind: str, p: int, n: int, W: int, rng, recorded, meta) -> Pattern:
    """W distinct cells of the n x p grid, uniformly, in natural order (left ascending within a right)."""
    cells = np.sort(rng.choice(p * n, size=W, replace=False).astype(np.int64))
    right = (cells // p).astype(np.int32)
    left = (cells - right.astype(np.int64) * p).astype(np.int32)
    return Pattern._trusted(left, right, p, n, kind, recorded, meta)


def generate_network(netspec: NetSpec, kind: str, seed: Any = None, **options) -> list[Pattern]:
    """Generate one pattern per junction of ``netspec``.

    Each junction draws from its own stream spawned from one ``SeedSequence`` (``SeedSequence.spawn``), so
    adding a junction does not change the others.  Every pattern records the root seed in ``pattern.seed``
    and its stream in ``pattern.meta["spawn_key"]``.

    Examples
    --------
    >>> net = NetSpec((1024, 64, 32), fo=(4, 16), z=(128, 32))
    >>> pats = generate_network(net, "clash_free", seed=0)
    >>> [pat.W for pat in pats]
    [4096, 1024]
    >>> generate_network(net, "clash_free", seed=0)[1] == pats[1]
    True
    """
    where = "generate_network"
    if not isinstance(netspec, NetSpec):
        raise fail(where, "netspec", "an adjmat.NetSpec", type(netspec).__name__)
    check_choice(where, "kind", kind, KINDS)
    if isinstance(seed, np.random.Generator):
        streams = seed.spawn(netspec.L)
    else:
        if seed is None:
            root = np.random.SeedSequence()
        elif isinstance(seed, np.random.SeedSequence):
            root = seed
        else:
            normalize_seed(where, seed)  # validates
            root = np.random.SeedSequence(int(seed))
        streams = root.spawn(netspec.L)
    patterns = []
    for i, stream in enumerate(streams):
        p, n = netspec.config[i], netspec.config[i + 1]
        z = None if netspec.z is None else netspec.z[i]
        if kind == "erdos_renyi":
            patterns.append(generate(kind, p, n, density=netspec.fo[i] / n, z=z, seed=stream, **options))
        elif kind == "fc":
            patterns.append(generate(kind, p, n, z=z, seed=stream, **options))
        else:
            patterns.append(generate(kind, p, n, fo=netspec.fo[i], z=z, seed=stream, **options))
    return patterns
