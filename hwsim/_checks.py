"""Validation shared by hwsim's public entry points (simulate, train, infer, resources): one set of rules and
messages for the design (netspec), the patterns and the hardware configuration."""
from __future__ import annotations

from typing import Any

import numpy as np

import adjmat
from adjmat import NetSpec, Pattern
from adjmat.errors import SpecError
from adjmat.validation import fail

from .config import HardwareConfig

def fixed_degrees(kind: str) -> bool:
    """Whether patterns of ``kind`` have exactly fo and fi (the kind registry's fact); unknown and custom
    kinds count as variable-degree."""
    try:
        return bool(adjmat.get_kind(kind).fixed_degrees)
    except (SpecError, KeyError, LookupError):
        return False


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


def check_hardware(where: str, hardware: Any) -> HardwareConfig:
    """``hardware`` must be None (the default build) or an hwsim.HardwareConfig."""
    if hardware is None:
        return HardwareConfig()
    if not isinstance(hardware, HardwareConfig):
        raise fail(where, "hardware", "an hwsim.HardwareConfig (or None for the FPGA build's defaults)",
                   type(hardware).__name__, "Build one with hwsim.HardwareConfig(timing=..., width=...).")
    return hardware


def check_indices(where: str, tag: str, pat: Pattern) -> None:
    """Every edge index of ``pat`` lies inside its layers: the kernels index memory with them unchecked.

    A Pattern validates its arrays and keeps them read-only, but a caller can re-enable writing or build one
    through a private path; this O(W) min/max check turns such an index into a SpecError instead of an
    out-of-bounds read."""
    for name, arr, bound in (("left", pat.left, pat.p), ("right", pat.right, pat.n)):
        if not isinstance(arr, np.ndarray) or arr.ndim != 1 or not np.issubdtype(arr.dtype, np.integer):
            raise SpecError(f"{where}: {tag}.{name} must be a 1-D integer array; received "
                            f"{type(arr).__name__}.")
        if arr.size:
            lo, hi = int(arr.min()), int(arr.max())
            if lo < 0 or hi >= bound:
                raise SpecError(f"{where}: {tag}.{name} must hold indices in [0, {bound}) "
                                f"({'p' if name == 'left' else 'n'}={bound}); received values in [{lo}, {hi}]. "
                                f"The pattern's arrays were changed after it was built: rebuild it with "
                                f"adjmat.Pattern or adjmat.generate.")
    if pat.right.size != pat.left.size:
        raise SpecError(f"{where}: {tag}.left and .right must have the same length; received "
                        f"{pat.left.size} and {pat.right.size}.")


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
        check_indices(where, tag, pat)
        if fixed_degrees(pat.kind):
            for name, degs, want in (("out", pat.out_degrees(), js.fo), ("in", pat.in_degrees(), js.fi)):
                if degs.min() != want or degs.max() != want:
                    raise SpecError(
                        f"{where}: {tag} is kind={pat.kind!r}, so every {name}-degree must be "
                        f"{'fo' if name == 'out' else 'fi'}={want}; received {name}-degrees "
                        f"{int(degs.min())}..{int(degs.max())}. Regenerate it with adjmat.generate.")
    return patterns
