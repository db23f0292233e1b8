"""The one place that turns a user's ``seed`` into per-junction random streams.

Every package derives its randomness from these two functions, so the same seed gives the same patterns through
adjmat, hwsim and predefsparse:

- :func:`junction_streams` gives junction ``i`` the child ``i`` of the seed's ``SeedSequence`` -- exactly what a
  first ``SeedSequence(seed).spawn(L)`` gives -- so adding a junction never shifts the others;
- :func:`extra_stream` gives any other randomness (a model's initial weights, dropout) the child with a key far
  from every junction's key (:data:`WEIGHT_KEY` = 2**31), so weights and patterns come from one seed without
  shifting each other.

Neither function mutates a ``SeedSequence`` the caller passes: children are built as
``SeedSequence(root.entropy, spawn_key=root.spawn_key + (i,))``.  A ``numpy.random.Generator`` is the
caller's state: its junction streams are ``gen.spawn(L)``, which advances the generator's spawn counter, so
two calls with one Generator give different streams (pass an int or a SeedSequence to repeat a run).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .errors import SpecError
from .validation import normalize_seed

__all__ = ["junction_streams", "extra_stream", "seed_root", "WEIGHT_KEY"]

WEIGHT_KEY = 2 ** 31
"""Spawn key of the initial-weight stream; junction patterns use keys 0 .. L-1."""


def _child(root: np.random.SeedSequence, key: int) -> np.random.SeedSequence:
    return np.random.SeedSequence(root.entropy, spawn_key=tuple(root.spawn_key) + (int(key),),
                                  pool_size=root.pool_size)


def _recorded(root: np.random.SeedSequence) -> int | None:
    ent = root.entropy
    return int(ent) if isinstance(ent, (int, np.integer)) else None


def seed_root(where: str, seed: Any) -> tuple[np.random.SeedSequence, int | None]:
    """``(root SeedSequence, recorded seed)`` for ``seed`` = None, int or SeedSequence (not a Generator).

    ``None`` draws fresh entropy and records it; an int is recorded as itself; a SeedSequence is used as given
    (not copied, never spawned from) and recorded as its entropy.

    Examples
    --------
    >>> root, rec = seed_root("f", 7)
    >>> rec, root.spawn_key
    (7, ())
    """
    if isinstance(seed, np.random.SeedSequence):
        return seed, _recorded(seed)
    if isinstance(seed, np.random.Generator):
        raise SpecError(f"{where}: seed_root takes None, an int or a SeedSequence; received a Generator.",
                        where=where, param="seed")
    _, recorded = normalize_seed(where, seed)  # validates; draws and records entropy for None
    return np.random.SeedSequence(recorded), recorded


def junction_streams(where: str, seed: Any, L: int) -> tuple[list, int | None]:
    """One random stream per junction from one seed, and the seed to record.

    Parameters
    ----------
    where : str
        The public function asking (named in error messages).
    seed : None, int, SeedSequence or Generator
        ``None`` draws a seed and records it; an int or SeedSequence gives the children
        ``SeedSequence(root.entropy, spawn_key=root.spawn_key + (i,))`` for i = 0 .. L-1 (equal to a first
        ``root.spawn(L)``; the caller's SeedSequence is not mutated); a Generator gives ``seed.spawn(L)``
        (this advances the Generator's spawn counter; recorded seed None).
    L : int
        Number of junctions.

    Returns
    -------
    (list, int or None)
        The streams (SeedSequences, or Generators for a Generator seed) and the recorded root seed.

    Examples
    --------
    >>> streams, rec = junction_streams("generate_network", 7, 2)
    >>> rec, [s.spawn_key for s in streams]
    (7, [(0,), (1,)])
    >>> ss = np.random.SeedSequence(7)
    >>> _ = junction_streams("generate_network", ss, 2); ss.n_children_spawned
    0
    """
    if isinstance(seed, np.random.Generator):
        try:
            return list(seed.spawn(L)), None
        except (NotImplementedError, TypeError):
            raise SpecError(f"{where}: seed must be a Generator built from a SeedSequence (so that it can "
                            f"spawn one stream per junction), e.g. numpy.random.default_rng(0); received a "
                            f"Generator without one.", where=where, param="seed") from None
    root, recorded = seed_root(where, seed)
    return [_child(root, i) for i in range(L)], recorded


def extra_stream(where: str, seed: Any, key: int = WEIGHT_KEY) -> np.random.SeedSequence:
    """The stream for randomness other than patterns (initial weights, dropout) from the same ``seed``.

    It is the child ``key`` of the seed's SeedSequence (for a Generator: of the SeedSequence it was built
    from; the Generator is not advanced), far from the junction keys 0 .. L-1, so drawing weights never shifts a
    pattern and vice versa.  Keras initializers take an int: use ``int(stream.generate_state(1)[0])``.
    With ``seed=None`` resolve the seed once (:func:`seed_root`) and pass the root SeedSequence both here and to
    :func:`junction_streams`, else the two draw unrelated entropy.

    Examples
    --------
    >>> extra_stream("mlp", 7).spawn_key
    (2147483648,)
    >>> a = extra_stream("mlp", np.random.default_rng(7)); b = extra_stream("mlp", 7)
    >>> bool((a.generate_state(2) == b.generate_state(2)).all())
    True
    """
    if isinstance(seed, np.random.Generator):
        root = getattr(seed.bit_generator, "seed_seq", None)
        if not isinstance(root, np.random.SeedSequence):
            raise SpecError(f"{where}: seed must be a Generator built from a SeedSequence, e.g. "
                            f"numpy.random.default_rng(0); received a Generator without one.",
                            where=where, param="seed")
    else:
        root, _ = seed_root(where, seed)
    return _child(root, key)
