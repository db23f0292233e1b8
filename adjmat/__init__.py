"""adjmat: connection patterns for pre-defined sparse neural networks.

Specs (:class:`JunctionSpec`, :class:`NetSpec`), the immutable edge-list :class:`Pattern`, the registry of
pattern kinds (:class:`Kind`, :func:`register_kind`, :func:`get_kind`, :func:`kind_names`), seeded O(W)
generators that dispatch through it (:func:`generate`, :func:`generate_network`), validity and clash checks,
exact counts and metrics.
Shared with hwsim and predefsparse as public modules: :mod:`adjmat.errors` (the error types),
:mod:`adjmat.validation` (argument checks, ``fail``), :mod:`adjmat.intmath` (divisors), :mod:`adjmat.memory`
(memory limits), :mod:`adjmat.seeds` (per-junction random streams), :mod:`adjmat.version`.
Depends on numpy, scipy and numba only -- never TensorFlow.

Examples
--------
>>> import adjmat
>>> pat = adjmat.generate("clash_free", 1024, 64, fo=4, z=128, seed=0)
>>> pat.W, pat.fi, adjmat.is_clash_free(pat, 128)
(4096, 64, True)
"""
from .errors import DivergenceError, SpecError
from . import errors, intmath, memory, seeds, validation, version  # noqa: F401  (public modules)
from .specs import JunctionSpec, NetSpec
from .pattern import Pattern
from .kinds import KINDS, Kind, get_kind, kind_names, register_kind, unregister_kind
from .generators import generate, generate_network
from .checks import CheckReport, ClashReport, PatternError, check, clash_report, is_clash_free, \
    is_clash_free_adjacency
from .counts import count_clash_free, usn_model_space
from .metrics import scatter


__all__ = [
    "SpecError", "DivergenceError", "PatternError", "JunctionSpec", "NetSpec", "Pattern", "KINDS", "Kind",
    "register_kind", "unregister_kind", "get_kind", "kind_names", "generate", "generate_network",
    "check", "CheckReport", "is_clash_free", "is_clash_free_adjacency", "clash_report", "ClashReport",
    "count_clash_free", "usn_model_space", "scatter",
]

__version__ = version.package_version()  # one source: pyproject.toml
