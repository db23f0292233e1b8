"""The registry of pattern kinds: one builder and one table of facts per kind (docs/kinds.md).

A :class:`Kind` says everything the rest of the project needs to know about a kind of pattern: whether its
degrees are exactly ``fo`` and ``fi``, whether it needs a parallelism ``z``, whether it is clash-free by
construction for that ``z`` (hardware-faithful), which of ``fo``, ``density`` or ``epsilon`` set its edge count
``W``, its options with their defaults, and its builder.  :func:`adjmat.generate`, :func:`adjmat.generate_network`,
hwsim's pattern checks, ``predefsparse.SparseDense`` and the command line all read this table; adding a kind is
one builder plus one :func:`register_kind` call.

The builder contract
--------------------
``builder(p, n, *, fo, W, density, z, rng, **options) -> Pattern``, called by :func:`adjmat.generate` after it
has validated everything generic: ``p``, ``n`` (int32-sized), ``z`` (divides p; present when ``needs_z``), the
edge count (``fo`` exact for ``fixed_degrees`` kinds; otherwise ``W`` from ``fo`` or ``density``; for kinds
sized by ``epsilon``, ``density`` is the cell probability), the memory estimate, unknown options (refused) and
the seed (``rng`` is a ``numpy.random.Generator``).  Every option of the kind arrives, defaults filled in; the
builder validates their values first.  It returns the pattern in natural order; ``generate`` stamps it with the
kind's name, the recorded seed and the generic facts (``z``, ``spawn_key``) in ``meta``, merged with the meta
the builder set.

Examples
--------
>>> import adjmat
>>> k = adjmat.get_kind("clash_free")
>>> k.fixed_degrees, k.needs_z, k.hardware_faithful, dict(k.options)
(True, True, True, {'type': 2, 'dither': False})
>>> "usn" in adjmat.kind_names()
True
"""
from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Callable, Mapping

import numpy as np

from .errors import SpecError
from .validation import check_bool, check_float, fail
from .intmath import nearest
from .pattern import Pattern
from .specs import clash_free_fos
from .usn import build_usn, usn_memory

__all__ = ["Kind", "register_kind", "unregister_kind", "get_kind", "kind_names", "KINDS"]

_SIZINGS = ("fo", "density", "epsilon")
_RESERVED = frozenset({"p", "n", "fo", "W", "density", "z", "rng", "seed", "kind"})  # builder keywords


def _default_memory(p: int, n: int, W: int) -> int:
    """Two int32 edge arrays plus their read-only copies: 16 bytes per edge."""
    return 16 * W


@dataclass(frozen=True)
class Kind:
    """The facts of one pattern kind, as the registry holds them.

    Parameters
    ----------
    name : str
        The kind's name (what ``generate(kind=...)`` takes).
    builder : callable
        ``builder(p, n, *, fo, W, density, z, rng, **options) -> Pattern`` (see the module docstring).
    fixed_degrees : bool
        Every left neuron has exactly ``fo`` edges and every right neuron exactly ``fi``.
    needs_z : bool
        The kind cannot be built without a parallelism ``z``.
    hardware_faithful : bool
        Clash-free by construction for every valid ``z`` (``z | p``), so the hardware never stalls on it.
    sized_by : tuple of str
        Which of ``"fo"``, ``"density"``, ``"epsilon"`` may set ``W`` (empty: the kind fixes ``W`` itself,
        as ``"fc"`` does).
    options : mapping
        Kind options and their defaults (read-only).
    summary : str
        One line for listings and ``--help``.
    memory : callable, optional
        ``memory(p, n, W) -> bytes``: peak memory of building a W-edge pattern, temporaries included
        (default 16 bytes per edge).  :func:`adjmat.generate` refuses requests above the memory limit.
    seeded : bool
        Whether the kind draws random numbers (False: deterministic, ``pattern.seed`` stays None).

    Examples
    --------
    >>> import adjmat
    >>> adjmat.get_kind("rtl").sized_by
    ('fo', 'density')
    """

    name: str
    builder: Callable[..., Pattern]
    fixed_degrees: bool
    needs_z: bool
    hardware_faithful: bool
    sized_by: tuple[str, ...]
    options: Mapping[str, Any] = field(default_factory=dict)
    summary: str = ""
    memory: Callable[[int, int, int], float] = _default_memory
    seeded: bool = True

    def __post_init__(self):
        where = "Kind"
        if not isinstance(self.name, str) or not self.name.isidentifier():
            raise fail(where, "name", "a non-empty identifier-like string such as 'stripes'", self.name)
        if not callable(self.builder):
            raise fail(where, "builder", "a callable builder(p, n, *, fo, W, density, z, rng, **options)",
                       self.builder)
        for flag in ("fixed_degrees", "needs_z", "hardware_faithful", "seeded"):
            check_bool(where, flag, getattr(self, flag))
        sized = self.sized_by
        if isinstance(sized, str) or not isinstance(sized, Sequence) \
                or any(s not in _SIZINGS for s in sized) or len(set(sized)) != len(sized):
            raise fail(where, "sized_by", "a tuple of distinct names from 'fo', 'density', 'epsilon'", sized)
        if self.fixed_degrees and "epsilon" in sized:
            raise SpecError(f"{where}: a fixed_degrees kind cannot be sized by epsilon (a cell probability); "
                            f"received sized_by={tuple(sized)!r}.", where=where, param="sized_by")
        if not isinstance(self.options, Mapping) or not all(isinstance(k, str) for k in self.options):
            raise fail(where, "options", "a mapping of option names to their defaults", self.options)
        taken = sorted(set(self.options) & _RESERVED)
        if taken:
            raise SpecError(f"{where}: options must not reuse the names generate passes itself ("
                            f"{', '.join(sorted(_RESERVED))}); received options with {', '.join(taken)}.",
                            where=where, param="options")
        if "epsilon" in sized and "epsilon" not in self.options:
            raise SpecError(f"{where}: a kind sized by epsilon needs a default in options, e.g. "
                            f"options={{'epsilon': 20}}; received options={dict(self.options)!r}.",
                            where=where, param="options")
        if not isinstance(self.summary, str):
            raise fail(where, "summary", "a string", self.summary)
        if not callable(self.memory):
            raise fail(where, "memory", "a callable memory(p, n, W) -> bytes", self.memory)
        object.__setattr__(self, "name", str(self.name))
        object.__setattr__(self, "sized_by", tuple(sized))
        object.__setattr__(self, "options", MappingProxyType(dict(self.options)))
        for flag in ("fixed_degrees", "needs_z", "hardware_faithful", "seeded"):
            object.__setattr__(self, flag, bool(getattr(self, flag)))


_REGISTRY: dict[str, Kind] = {}


class _KindNames(Sequence):
    """A live, read-only view of the registered kind names (in registration order); compares equal to the
    tuple of the names."""

    def __getitem__(self, i):
        return tuple(_REGISTRY)[i]

    def __len__(self) -> int:
        return len(_REGISTRY)

    def __contains__(self, name) -> bool:
        try:
            return name in _REGISTRY
        except TypeError:
            return False

    def __eq__(self, other) -> bool:
        return tuple(self) == (tuple(other) if isinstance(other, (tuple, list, _KindNames)) else other)

    def __hash__(self):
        return hash(tuple(self))

    def __repr__(self) -> str:
        return repr(tuple(self))


KINDS = _KindNames()
"""Live view of the registered kind names (``adjmat.KINDS``): it follows :func:`register_kind` and
:func:`unregister_kind`.  Use :func:`kind_names` for a tuple snapshot."""


def register_kind(kind: Kind, *, replace: bool = False) -> Kind:
    """Add a kind to the registry; :func:`adjmat.generate` and everything reading the registry then know it.

    Parameters
    ----------
    kind : Kind
    replace : bool
        Allow replacing a registered kind of the same name (default False: refused).

    Returns
    -------
    Kind
        The registered kind.

    Examples
    --------
    >>> import adjmat
    >>> def _build_stripes(p, n, *, fo, W, density, z, rng):
    ...     j = np.arange(W)
    ...     return adjmat.Pattern((j * 7) % p, j // (W // n), p, n)
    >>> k = adjmat.register_kind(adjmat.Kind("stripes", _build_stripes, fixed_degrees=True, needs_z=False,
    ...                                      hardware_faithful=False, sized_by=("fo",), seeded=False))
    >>> adjmat.generate("stripes", 8, 4, fo=2).left.tolist()
    [0, 7, 6, 5, 4, 3, 2, 1, 0, 7, 6, 5, 4, 3, 2, 1]
    >>> adjmat.unregister_kind("stripes")
    """
    where = "register_kind"
    if not isinstance(kind, Kind):
        raise fail(where, "kind", "an adjmat.Kind", type(kind).__name__)
    replace = check_bool(where, "replace", replace)
    if kind.name in _REGISTRY and not replace:
        raise SpecError(f"{where}: a kind named {kind.name!r} is already registered; pass replace=True to "
                        f"replace it, or choose another name (registered: {', '.join(_REGISTRY)}).",
                        where=where, param="kind")
    _REGISTRY[kind.name] = kind
    return kind


def unregister_kind(name: str) -> None:
    """Remove a registered kind (for example a toy kind a test registered).

    Examples
    --------
    >>> import adjmat
    >>> try:
    ...     adjmat.unregister_kind("nope")
    ... except adjmat.SpecError as err:
    ...     print(str(err)[:45])
    unregister_kind: name must be one of 'fc', 'r
    """
    get_kind(name, where="unregister_kind", param="name")
    del _REGISTRY[name]


def get_kind(name: str, where: str = "get_kind", param: str = "kind") -> Kind:
    """The registered :class:`Kind` called ``name``, or a SpecError naming ``param`` and the valid names.

    Parameters
    ----------
    name : str
    where : str
        The public function asking, named in the error message.
    param : str
        The parameter named in the error message (default ``"kind"``).

    Examples
    --------
    >>> get_kind("usn").fixed_degrees
    False
    """
    try:
        return _REGISTRY[name]
    except (KeyError, TypeError):
        raise fail(where, param, "one of " + ", ".join(repr(k) for k in _REGISTRY), name) from None


def kind_names() -> tuple[str, ...]:
    """The registered kind names, in registration order (a snapshot).

    Examples
    --------
    >>> kind_names()[:3]
    ('fc', 'random', 'basic')
    """
    return tuple(_REGISTRY)


# ------------------------------------------------------------------------------------------ the builders
def _natural_right(n: int, fi: int) -> np.ndarray:
    """``right[j] = j // fi`` as an int32 (n, fi) broadcast view, read row by row (the Pattern's one copy
    materialises it)."""
    return np.broadcast_to(np.arange(n, dtype=np.int32)[:, None], (n, fi))


def _modulo_left(p: int, fo: int) -> np.ndarray:
    """``left[j] = j mod p`` for ``W = p*fo`` edges, as an int32 (fo, p) broadcast view."""
    return np.broadcast_to(np.arange(p, dtype=np.int32)[None, :], (fo, p))


def _build_fc(p, n, *, fo, W, density, z, rng):
    """Fully connected, edges ``j -> (j mod p, j // p)``."""
    return Pattern._trusted(_modulo_left(p, n), _natural_right(n, p), p, n, "fc", None, {})


def _build_rtl(p, n, *, fo, W, density, z, rng):
    """The published FPGA pattern: edge j -> left ``j mod p`` (docs/patterns.md §4)."""
    return Pattern._trusted(_modulo_left(p, fo), _natural_right(n, p * fo // n), p, n, "rtl", None, {})


def _build_basic(p, n, *, fo, W, density, z, rng):
    """A stream of random sweeps cut into right-neuron blocks without repeats (docs/patterns.md §3).

    Uniform over sweep orders, not over all biregular graphs; O(W + p * sweeps) time."""
    from . import _kernels  # numba loads on first use, not with adjmat
    fi = W // n
    left = np.empty(W, dtype=np.int32)
    _kernels.sweep_stream(p, np.full(n, fi, dtype=np.int64), rng, left)
    return Pattern._trusted(left, _natural_right(n, fi), p, n, "basic", None, {})


def check_type(where: str, value: Any) -> int:
    """The clash-free address map ``type``: the int 1, 2 or 3 (not a bool, float or numpy bool)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value not in (1, 2, 3):
        raise fail(where, "type", "1, 2 or 3 (address map of docs/patterns.md §4)", value)
    return int(value)


def _clash_free_hint(p: int, n: int, fo: int) -> str:
    good_fo = clash_free_fos(p, n)
    return "try " + " or ".join(f"fo={f} (fi={p * f // n})" for f in nearest(good_fo, fo)) + "."


def _build_clash_free(p, n, *, fo, W, density, z, rng, type, dither):
    """The interleaver of docs/patterns.md §4: z banks of depth D = p/z, one lane per bank each clock."""
    from . import _kernels
    where = "generate"
    type_ = check_type(where, type)
    dither = check_bool(where, "dither", dither)
    fi = W // n
    if p % fi:
        raise SpecError(f"{where}: clash_free needs fi ({fi}) to divide p ({p}) so that no right neuron "
                        f"straddles a sweep (validity condition 2: no repeated edge); "
                        + _clash_free_hint(p, n, fo), where=where, param="fo")
    D = p // z
    sweeps = fo if type_ != 3 else 1
    if dither:
        banks = rng.permuted(np.broadcast_to(np.arange(z, dtype=np.int64), (sweeps, z)), axis=1)
    else:
        banks = np.broadcast_to(np.arange(z, dtype=np.int64), (sweeps, z)).copy()
    out = np.empty(W, dtype=np.int32)
    if type_ == 1:
        perms = rng.permuted(np.broadcast_to(np.arange(D, dtype=np.int32), (fo * z, D)), axis=1)
        _kernels.fill_type1(np.ascontiguousarray(perms), banks, D, z, out)
    else:
        starts = rng.integers(0, D, size=(sweeps, z), dtype=np.int64)
        if type_ == 3:
            starts = np.repeat(starts, fo, axis=0)
            banks = np.repeat(banks, fo, axis=0)
        _kernels.fill_type2(starts, banks, D, z, out)
    return Pattern._trusted(out, _natural_right(n, fi), p, n, "clash_free", None,
                            {"type": type_, "dither": dither})


def _random_cells(p: int, n: int, W: int, rng) -> Pattern:
    """W distinct cells of the n x p grid, uniformly, in natural order (left ascending within a right)."""
    cells = rng.choice(p * n, size=W, replace=False)
    cells.sort()
    right = (cells // p).astype(np.int32)
    cells -= right * np.int64(p)                     # now the left neuron of each cell
    return Pattern._trusted(cells.astype(np.int32), right, p, n, "random", None, {})


def _cells_memory(p: int, n: int, W: float) -> float:
    """Peak bytes of :func:`_random_cells`: numpy's choice without replacement shuffles all p*n cell numbers
    (int64) once W > 10000 and W > p*n/50, else a hash set of ~2.4 W slots; then the int64 cells, the sort,
    and the int32 outputs with their read-only copies."""
    pool = 8.0 * p * n if W > 10000 and W > p * n // 50 else 20.0 * W
    return pool + 8.0 * W + 8.0 * W + 16.0 * W


def _build_random(p, n, *, fo, W, density, z, rng):
    """W distinct cells drawn uniformly (Dey's "random"); degrees vary."""
    return _random_cells(p, n, W, rng)


def _build_erdos_renyi(p, n, *, fo, W, density, z, rng):
    """Each cell independently with probability ``density`` (SET's Erdos-Renyi initialisation)."""
    W = int(rng.binomial(p * n, density))
    pat = _random_cells(p, n, W, rng)
    return pat._with("erdos_renyi", None, {"probability": density})


def _er_memory(p: int, n: int, W: float) -> float:
    """``W`` is the expected edge count here; allow six standard deviations above it."""
    return _cells_memory(p, n, W + 6.0 * W ** 0.5 + 1)


_BUILTIN = (
    Kind("fc", _build_fc, fixed_degrees=True, needs_z=False, hardware_faithful=True, sized_by=(),
         summary="fully connected (fo = n); edges j -> left j mod p, clash-free for every z | p", seeded=False),
    Kind("random", _build_random, fixed_degrees=False, needs_z=False, hardware_faithful=False,
         sized_by=("fo", "density"), memory=_cells_memory,
         summary="W distinct cells drawn uniformly; degrees vary (Dey's 'random')"),
    Kind("basic", _build_basic, fixed_degrees=True, needs_z=False, hardware_faithful=False,
         sized_by=("fo", "density"),
         summary="exactly fo and fi; random sweeps of the left layer cut into right-neuron blocks"),
    Kind("usn", build_usn, fixed_degrees=False, needs_z=False, hardware_faithful=False,
         sized_by=("fo", "density"), memory=usn_memory,
         summary="USN's Latin blocks (Luo 2020): degrees within +/-1 on both sides, no repeated edge"),
    Kind("clash_free", _build_clash_free, fixed_degrees=True, needs_z=True, hardware_faithful=True,
         sized_by=("fo", "density"), options={"type": 2, "dither": False},
         memory=lambda p, n, W: 24 * W,            # type 1 draws a (fo*z, D) int32 permutation table
         summary="the clash-free interleaver (docs/patterns.md §4); needs z | p and fi | p"),
    Kind("rtl", _build_rtl, fixed_degrees=True, needs_z=False, hardware_faithful=True,
         sized_by=("fo", "density"), seeded=False,
         summary="the published FPGA pattern, edge j -> left j mod p; clash-free for every z | p"),
    Kind("erdos_renyi", _build_erdos_renyi, fixed_degrees=False, needs_z=False, hardware_faithful=False,
         sized_by=("density", "epsilon"), options={"epsilon": 20}, memory=_er_memory,
         summary="each cell with probability density, or SET's epsilon*(p+n)/(p*n) (epsilon default 20)"),
)
for _kind in _BUILTIN:
    register_kind(_kind)
del _kind


def epsilon_density(where: str, p: int, n: int, epsilon: Any) -> tuple[float, dict]:
    """SET's cell probability ``epsilon*(p+n)/(p*n)`` and the facts to record; clipped at 1 with a warning."""
    eps = check_float(where, "epsilon", epsilon, low=0.0, low_open=True)
    prob = eps * (p + n) / (p * n)
    meta: dict[str, Any] = {"epsilon": eps}
    if prob > 1:
        warnings.warn(f"{where}: density epsilon*(p+n)/(p*n) = {eps:g}*({p}+{n})/({p}*{n}) = {prob:.4g} "
                      f"exceeds 1; clipped to 1 (fully connected).", stacklevel=3)
        meta["clipped_from"] = prob
        prob = 1.0
    return prob, meta

