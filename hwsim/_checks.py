"""Validation shared by hwsim's public entry points (simulate, train, infer, resources): one set of rules and
messages for the design (netspec), the patterns and the hardware configuration."""
from __future__ import annotations

from typing import Any

from adjmat import NetSpec, Pattern
from adjmat._validation import SpecError, fail

from .config import HardwareConfig

FIXED_DEGREE_KINDS = ("fc", "basic", "clash_free", "rtl")  # kinds whose degrees are exactly fo and fi


def check_netspec(where: str, netspec: Any, require_z: bool = True) -> NetSpec:
    """``netspec`` must be an adjmat.NetSpec (with one z per junction when ``require_z``)."""
    if not isinstance(netspec, NetSpec):
        raise fail(where, "netspec", "an adjmat.NetSpec", type(netspec).__name__,
                   "Build one with adjmat.NetSpec(config, fo, z) or NetSpec.balanced(config, fo, z1=...).")
    if require_z and netspec.z is None:
        raise fail(where, "netspec.z", "one parallelism z per junction", None,
                   f"Try adjmat.NetSpec.balanced({netspec.config}, {netspec.fo}, z1=...); valid cycles C: "
                   f"{NetSpec.valid_cycles(netspec.config, netspec.fo)}.")
    return netspec


def check_config(where: str, config: Any) -> HardwareConfig:
    """``config`` must be an hwsim.HardwareConfig."""
    if not isinstance(config, HardwareConfig):
        raise fail(where, "config", "an hwsim.HardwareConfig", type(config).__name__)
    return config


def check_patterns(where: str, netspec: NetSpec, patterns: Any) -> list[Pattern]:
    """One adjmat.Pattern per junction, matching its p, n and W; fixed-degree kinds must have exactly fo/fi."""
    L = netspec.L
    if isinstance(patterns, Pattern):
        patterns = [patterns]
    try:
        patterns = list(patterns)
    except TypeError:
        raise fail(where, "patterns", f"a sequence of {L} adjmat.Pattern (one per junction)",
                   type(patterns).__name__, "Use adjmat.generate_network(netspec, kind, seed=...).") from None
    if len(patterns) != L:
        raise fail(where, "patterns", f"a sequence of {L} adjmat.Pattern (one per junction of config "
                   f"{netspec.config})", f"<{len(patterns)} item(s)>",
                   "Use adjmat.generate_network(netspec, kind, seed=...).")
    for i, (pat, js) in enumerate(zip(patterns, netspec.junctions)):
        tag = f"patterns[{i}] (junction {i + 1})"
        if not isinstance(pat, Pattern):
            raise SpecError(f"{where}: {tag} must be an adjmat.Pattern; received {type(pat).__name__}.")
        if (pat.p, pat.n) != (js.p, js.n):
            raise SpecError(f"{where}: {tag} must join p={js.p} to n={js.n} neurons as netspec.config says; "
                            f"received p={pat.p}, n={pat.n}.")
        if pat.W != js.W:
            raise SpecError(f"{where}: {tag} must have W = p*fo = {js.p}*{js.fo} = {js.W} edges; received "
                            f"W={pat.W}.")
        if pat.kind in FIXED_DEGREE_KINDS:
            for name, degs, want in (("out", pat.out_degrees(), js.fo), ("in", pat.in_degrees(), js.fi)):
                if degs.min() != want or degs.max() != want:
                    raise SpecError(
                        f"{where}: {tag} is kind={pat.kind!r}, so every {name}-degree must be "
                        f"{'fo' if name == 'out' else 'fi'}={want}; received {name}-degrees "
                        f"{int(degs.min())}..{int(degs.max())}. Regenerate it with adjmat.generate.")
    return patterns
