"""Facts of a model's sparse net, read off its SparseDense layers: patterns, degrees, weights, digest.

Used by the records of a run (:mod:`predefsparse.results`) and by the training driver; imports no training code.
"""
from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

from .layers import SparseDense

__all__ = ["sparse_layers", "net_facts", "net_settings"]


def sparse_layers(model) -> list[SparseDense]:
    """The SparseDense layers of ``model``, in order (nested models included)."""
    return [layer for layer in model._flatten_layers(include_self=False) if isinstance(layer, SparseDense)]


def net_facts(model) -> dict[str, Any]:
    """config / fo / z / kind / densities / weights read off the model's SparseDense layers."""
    layers = sparse_layers(model)
    pats = [layer.pattern for layer in layers]
    facts: dict[str, Any] = {"junctions": [
        {"layer": layer.name, "p": pat.p, "n": pat.n, "W": pat.W, "density": pat.density, "fo": pat.fo,
         "fi": pat.fi, "kind": pat.kind, "seed": pat.seed, "z": pat.z, "meta": dict(pat.meta)}
        for layer, pat in zip(layers, pats)]}
    chain = all(a.n == b.p for a, b in zip(pats, pats[1:]))
    facts["config"] = [pats[0].p] + [pat.n for pat in pats] if pats and chain else None
    facts["fo"] = [pat.fo for pat in pats] if pats else None
    facts["z"] = [pat.z for pat in pats] if pats and any(pat.z for pat in pats) else None
    kinds = sorted({pat.kind for pat in pats})
    facts["kind"] = kinds[0] if len(kinds) == 1 else (kinds or None)
    facts["densities"] = [pat.density for pat in pats]
    facts["weights"] = int(sum(pat.W for pat in pats))
    total = sum(pat.p * pat.n for pat in pats)
    facts["overall_density"] = facts["weights"] / total if total else None
    masked_out = sum(pat.p * pat.n - pat.W for pat in pats)
    facts["trainable_parameters"] = int(sum(int(np.prod(v.shape)) for v in model.trainable_weights) - masked_out)
    return facts


def net_settings(model) -> dict[str, Any]:
    """What defines the net for a resume: the patterns' facts and digest, and the weights' shapes."""
    facts = net_facts(model)
    digest = hashlib.blake2b(digest_size=8)
    for layer in sparse_layers(model):
        pat = layer.pattern
        digest.update(np.asarray([pat.p, pat.n, pat.W], dtype=np.int64).tobytes())
        digest.update(np.ascontiguousarray(pat.left, dtype=np.int64).tobytes())
        digest.update(np.ascontiguousarray(pat.right, dtype=np.int64).tobytes())
    return {"config": facts["config"], "fo": facts["fo"], "z": facts["z"], "kind": facts["kind"],
            "densities": facts["densities"], "seeds": [j["seed"] for j in facts["junctions"]],
            "patterns_digest": digest.hexdigest(),
            "weight_shapes": [list(v.shape) for v in model.weights]}
