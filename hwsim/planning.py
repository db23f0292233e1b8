"""The budget planner: parallelism z per junction from one hardware budget, by pure adjmat + hwsim arithmetic.

Every balanced design ``z_i = W_i / C`` of a network (docs/patterns.md §6) is listed with its clocks per
junction cycle, throughput, multipliers and memory bits (:func:`hwsim.resources`); a budget -- ``z1``, a junction
cycle ``cycle``, a ``multipliers`` count or a ``throughput`` in inputs/s at the clock -- picks one, and an
impossible budget is refused before any work, naming the nearest feasible ones.  ``predefsparse design`` plans
with :func:`plan` before it draws a pattern.

Examples
--------
>>> p = plan((800, 100, 10), fo=(50, 10))
>>> p.z, p.cycle, p.multipliers
((400, 10), 100, 842)
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

import adjmat
from adjmat.errors import SpecError
from adjmat.intmath import divisors, nearest
from adjmat.validation import check_choice, check_float, check_int, check_int_tuple, fail

from .config import TIMINGS, HardwareConfig
from .resources import resources

__all__ = ["plan", "Plan", "network", "planned_z", "BUDGETS"]

#: The budgets :func:`plan` takes (at most one).
BUDGETS = ("z1", "cycle", "multipliers", "throughput")


def _plain(obj: Any) -> Any:
    """Tuples as lists, numpy scalars as Python numbers: a JSON-safe copy."""
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_plain(v) for v in obj]
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


@dataclass(frozen=True)
class Plan:
    """The hardware plan of a design: sizes, degrees, z per junction and what they give.

    Attributes
    ----------
    config, fo, fi, W, density : tuple
        Layer sizes and, per junction, out-degree, in-degree, edges, density.
    z : tuple of int
        Parallelism per junction (edges per clock), ``z_i = W_i / C``.
    cycle : int
        The junction cycle C in clocks (equal for every junction).
    cpc : int
        Clocks per junction cycle, ``C`` + the timing's overhead (``C + 2 + proctime`` in rtl timing).
    throughput : float
        Inputs/s at the clock for a clash-free pattern (``clock / cpc``); patterns with clashes are slower.
    multipliers, memory_bits : int, float
        :func:`hwsim.resources` of the plan (memory bits with the x1.1 overhead).
    budget : dict
        ``{"name": "z1" | "cycle" | "multipliers" | "throughput" | "default", "value": ...}``.
    rule : str
        How z was chosen, in one sentence.
    timing, clock : str, float
    hardware_violations : list of str
        Rules of the published RTL the plan breaks (``fi | z``, ``fo | z``); empty when hardware-faithful.
    options : list of dict
        Every balanced design of this network: cycle, z, cpc, throughput, multipliers, memory bits,
        hardware-faithful or not.

    Examples
    --------
    >>> p = plan((800, 100, 10), fo=(50, 10), multipliers=500)
    >>> p.z, p.multipliers, p.budget
    ((200, 5), 422, {'name': 'multipliers', 'value': 500})
    """

    config: tuple
    fo: tuple
    fi: tuple
    W: tuple
    density: tuple
    z: tuple
    cycle: int
    cpc: int
    throughput: float
    multipliers: int
    memory_bits: float
    budget: dict
    rule: str
    timing: str
    clock: float
    hardware_violations: list
    options: list = field(repr=False)

    @property
    def netspec(self) -> adjmat.NetSpec:
        """The planned :class:`adjmat.NetSpec`."""
        return adjmat.NetSpec(self.config, self.fo, self.z)

    @property
    def hardware(self) -> HardwareConfig:
        """The :class:`hwsim.HardwareConfig` of the plan (clock and timing; other fields default)."""
        return HardwareConfig(f_clk=self.clock, timing=self.timing)

    @property
    def weights(self) -> int:
        """Total edges ``sum(W)``."""
        return sum(self.W)

    @property
    def overall_density(self) -> float:
        """``sum(W) / sum(N_{i-1} N_i)``."""
        return self.weights / sum(a * b for a, b in zip(self.config[:-1], self.config[1:]))

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict of every field (tuples become lists).

        Examples
        --------
        >>> plan((800, 100, 10), fo=(50, 10)).to_dict()["cycle"]
        100
        """
        d = {k: getattr(self, k) for k in self.__dataclass_fields__}
        d["weights"], d["overall_density"] = self.weights, self.overall_density
        return _plain(d)

    def summary(self) -> str:
        """The plan as a few readable lines.

        Examples
        --------
        >>> print(plan((800, 100, 10), fo=(50, 10)).summary().splitlines()[0])
        plan: config (800, 100, 10), 41,000 weights (overall density 50.62 %), default budget
        """
        lines = [f"plan: config {self.config}, {self.weights:,} weights (overall density "
                 f"{100 * self.overall_density:.2f} %), {_budget_text(self.budget)}",
                 f"  {'junction':>8} {'p':>6} {'n':>6} {'fo':>5} {'fi':>5} {'W':>8} {'density':>8} {'z':>5} "
                 f"{'C':>5}"]
        for i in range(len(self.W)):
            lines.append(f"  {i + 1:>8} {self.config[i]:>6} {self.config[i + 1]:>6} {self.fo[i]:>5} "
                         f"{self.fi[i]:>5} {self.W[i]:>8,} {100 * self.density[i]:>7.2f}% {self.z[i]:>5} "
                         f"{self.cycle:>5}")
        lines.append(f"  cpc {self.cpc} clocks ({self.timing} timing) -> {self.throughput:,.0f} inputs/s at "
                     f"{self.clock / 1e6:g} MHz when clash-free; {self.multipliers:,} multipliers, "
                     f"{self.memory_bits:,.0f} memory bits")
        lines.append(f"  {self.rule}")
        if self.hardware_violations:
            lines.append("  not hardware-faithful: " + "; ".join(self.hardware_violations)
                         + " (simulated anyway; docs/patterns.md §4)")
        return "\n".join(lines)


def _budget_text(budget: dict) -> str:
    name, value = budget["name"], budget["value"]
    if name == "default":
        return "default budget"
    if name == "throughput":
        return f"budget throughput >= {value:,.0f} inputs/s"
    if name == "multipliers":
        return f"budget multipliers <= {value:,}"
    return f"budget {name}={value}"


def _option(config, fo, C, hw) -> dict[str, Any]:
    W = adjmat.NetSpec(config, fo).W
    net = adjmat.NetSpec(config, fo, tuple(w // C for w in W))
    res = resources(net, hw)
    cpc = C + hw.overhead
    return {"cycle": C, "z": list(net.z), "cpc": cpc, "throughput": hw.f_clk / cpc,
            "multipliers": int(res["multipliers"]), "memory_bits": float(res["memory_bits"]["total_with_overhead"]),
            "hardware_faithful": not net.hardware_violations()}


def _options_text(options: Sequence[dict], key: str) -> str:
    def one(o):
        z = "(" + ", ".join(map(str, o["z"])) + ")"
        if key == "multipliers":
            return f"multipliers={o['multipliers']} (z={z}, {o['throughput']:,.0f} inputs/s)"
        if key == "throughput":
            return f"throughput={o['throughput']:,.0f} (z={z}, {o['multipliers']} multipliers)"
        if key == "z1":
            return f"z1={o['z'][0]} (z={z}, C={o['cycle']})"
        return f"cycle={o['cycle']} (z={z})"
    return ", ".join(one(o) for o in options)


def _fo_of_densities(where: str, config: tuple, densities: Any) -> tuple[int, ...]:
    L = len(config) - 1
    if isinstance(densities, str):
        items = [v.strip() for v in densities.split(",")]
        try:
            if "" in items:
                raise ValueError
            densities = [float(v) for v in items]
        except ValueError:
            raise fail(where, "densities", "comma-separated densities in (0, 1], one per junction",
                       densities) from None
    if isinstance(densities, (int, float)) or not isinstance(densities, (Sequence, np.ndarray)) \
            or len(densities) != L:
        raise fail(where, "densities", f"a sequence of {L} densities in (0, 1] (one per junction)", densities)
    fos = []
    for i, d in enumerate(densities):
        d = check_float(where, "densities", d, low=0.0, high=1.0, low_open=True)
        n = config[i + 1]
        f = d * n
        if abs(f - round(f)) > 1e-9 * max(1.0, f) or round(f) < 1:
            lo, hi = max(1, math.floor(f)) / n, math.ceil(f) / n
            raise fail(where, "densities", f"densities whose d x n is a whole out-degree fo in every junction "
                       f"(junction {i + 1}: {d:g} x {n} = {f:g})", tuple(densities),
                       f"Try {lo:g} or {hi:g} for junction {i + 1}.")
        fos.append(int(round(f)))
    return tuple(fos)


def network(config: Sequence[int], fo: Sequence[int] | None = None, densities: Sequence[float] | None = None, *,
            where: str = "network") -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Layer sizes and out-degrees ``(config, fo)`` from ``fo`` or ``densities`` (exactly one), checked.

    Parameters
    ----------
    config : sequence of int
        Layer sizes ``(N_0, ..., N_L)``, at least two.
    fo, densities : sequence, optional
        Out-degree per junction, or density per junction (``fo_i = density_i * N_i``, which must be whole).
    where : str
        The public function named in errors.

    Returns
    -------
    (config, fo) : tuple of tuple of int

    Raises
    ------
    adjmat.SpecError
        Naming ``config``, ``fo`` or ``densities``.

    Examples
    --------
    >>> network((800, 100, 10), densities=(0.5, 1.0))
    ((800, 100, 10), (50, 10))
    """
    config = check_int_tuple(where, "config", config)
    if len(config) < 2:
        raise fail(where, "config", "at least two layer sizes (N_0, N_1, ...)", config)
    if fo is not None and densities is not None:
        raise SpecError(f"{where}: give fo or densities, not both; received fo={fo!r}, densities={densities!r}.",
                        param="fo")
    if fo is None and densities is None:
        raise fail(where, "fo", f"one out-degree per junction of config {config} (or densities)", None,
                   "For example fo=" + ",".join(str(max(1, n // 2)) for n in config[1:]) + ".")
    if densities is not None:
        fo = _fo_of_densities(where, config, densities)
    fo = check_int_tuple(where, "fo", fo, length=len(config) - 1)
    base = adjmat.NetSpec(config, fo)
    return base.config, base.fo


def _chosen(where, options, given, base, timing, clock) -> tuple[dict, str]:
    """The option the budget picks and the rule, in one sentence."""
    faithful = [o for o in options if o["hardware_faithful"]]
    if "z1" in given:
        z1 = check_int(where, "z1", given["z1"], minimum=1)
        chosen = next((o for o in options if o["z"][0] == z1), None)
        if chosen is None:
            near = sorted(options, key=lambda o: (abs(o["z"][0] - z1), o["z"][0]))[:3]
            raise fail(where, "z1", f"the z_1 of a balanced design (z_i = W_i/C with C = W_1/z1 = {base.W[0]}/z1, "
                       f"every z_i dividing p_i)", z1,
                       "Nearest feasible: " + _options_text(sorted(near, key=lambda o: o["z"][0]), "z1") + ".")
        return chosen, f"z chosen from z1={z1}: C = W_1/z1 = {chosen['cycle']}, z_i = W_i/C."
    if "cycle" in given:
        cycle = check_int(where, "cycle", given["cycle"], minimum=1)
        chosen = next((o for o in options if o["cycle"] == cycle), None)
        if chosen is None:
            near = sorted(options, key=lambda o: (abs(o["cycle"] - cycle), o["cycle"]))[:3]
            raise fail(where, "cycle", f"a junction cycle C with every z_i = W_i/C a divisor of p_i (W = {base.W})",
                       cycle, "Nearest feasible: " + _options_text(sorted(near, key=lambda o: o["cycle"]), "cycle")
                       + ".")
        return chosen, f"z chosen from the cycle C={cycle}: z_i = W_i/C."
    if "multipliers" in given:
        multipliers = check_int(where, "multipliers", given["multipliers"], minimum=1)
        fits = [o for o in options if o["multipliers"] <= multipliers]
        if not fits:
            cheapest = min(options, key=lambda o: o["multipliers"])
            raise fail(where, "multipliers", "at least the smallest balanced design's count", multipliers,
                       "Nearest feasible: " + _options_text([cheapest], "multipliers") + ".")
        chosen = min(fits, key=lambda o: (o["cycle"], not o["hardware_faithful"]))
        return chosen, (f"z chosen as the fastest balanced design within {multipliers:,} multipliers "
                        f"({chosen['multipliers']:,} used).")
    if "throughput" in given:
        throughput = check_float(where, "throughput", given["throughput"], low=0.0, high=math.inf, low_open=True,
                                 high_open=True)
        fits = [o for o in options if o["throughput"] >= throughput]
        if not fits:
            fastest = max(options, key=lambda o: o["throughput"])
            raise fail(where, "throughput", f"reachable at the clock ({clock:g} Hz) with {timing} timing "
                       f"(inputs/s = clock / (C + overhead))", throughput,
                       "Nearest feasible: " + _options_text([fastest], "throughput") + "; or raise the clock.")
        chosen = max(fits, key=lambda o: (o["cycle"], o["hardware_faithful"]))
        return chosen, (f"z chosen as the cheapest balanced design (fewest multipliers) reaching {throughput:,.0f} "
                        f"inputs/s ({chosen['throughput']:,.0f} when clash-free).")
    pool = faithful or options
    target = base.config[1]  # C = W_1/fi_1 = N_1: junction 1 finishes one right neuron per clock
    chosen = min(pool, key=lambda o: (abs(o["cycle"] - target), o["cycle"]))
    return chosen, (f"default z: the balanced {'hardware-faithful ' if faithful else ''}design whose cycle is "
                    f"nearest C = N_1 = {target} (junction 1 finishes one right neuron per clock).")


def plan(config: Sequence[int], *, fo: Sequence[int] | None = None, densities: Sequence[float] | None = None,
         z1: int | None = None, cycle: int | None = None, multipliers: int | None = None,
         throughput: float | None = None, timing: str = "ideal", clock: float = 15e6) -> Plan:
    """Choose z per junction for a network from one budget (the Plan phase of ``predefsparse design``).

    Every balanced design ``z_i = W_i / C`` (docs/patterns.md §6) is listed; the budget picks one:

    - ``z1``: the design whose junction 1 has parallelism z1 (``C = W_1 / z1``);
    - ``cycle``: the design with junction cycle C;
    - ``multipliers``: the fastest design with at most that many multipliers (:func:`hwsim.resources`);
    - ``throughput``: the cheapest design (largest C) reaching that many inputs/s at ``clock``, counting
      ``cpc = C + overhead`` (a clash-free pattern; clashes make a kind slower, which the simulator shows);
    - none: the design whose cycle is nearest ``C = N_1`` (junction 1 finishes one right neuron per clock),
      among hardware-faithful ones when there are any.

    Parameters
    ----------
    config : sequence of int
        Layer sizes ``(N_0, ..., N_L)``.
    fo, densities : sequence
        Out-degree or density per junction (exactly one of them).
    z1, cycle, multipliers, throughput : optional
        At most one budget.
    timing : {"ideal", "rtl"}
        Clock overhead per junction cycle (docs/hardware.md §4).
    clock : float
        Clock frequency in Hz.

    Returns
    -------
    Plan

    Raises
    ------
    adjmat.SpecError
        Before any work, for an impossible budget (naming the nearest feasible ones) or a bad argument.

    Examples
    --------
    >>> plan((800, 100, 10), fo=(50, 10), throughput=200_000).z
    (800, 20)
    >>> try:
    ...     plan((800, 100, 10), fo=(50, 10), z1=300)
    ... except adjmat.SpecError as err:
    ...     print(str(err).split("Nearest feasible: ")[1])
    z1=160 (z=(160, 4), C=250), z1=200 (z=(200, 5), C=200), z1=400 (z=(400, 10), C=100).
    """
    where = "plan"
    config, fo = network(config, fo, densities, where=where)
    timing = check_choice(where, "timing", timing, TIMINGS)
    clock = check_float(where, "clock", clock, low=0.0, high=math.inf, low_open=True, high_open=True)
    given = {k: v for k, v in (("z1", z1), ("cycle", cycle), ("multipliers", multipliers),
                               ("throughput", throughput)) if v is not None}
    if len(given) > 1:
        raise SpecError(f"{where}: give at most one budget ({', '.join(BUDGETS)}); received "
                        + ", ".join(f"{k}={v!r}" for k, v in given.items()) + ".", param=next(iter(given)))
    hw = HardwareConfig(f_clk=clock, timing=timing)
    base = adjmat.NetSpec(config, fo)
    options = [_option(config, fo, C, hw) for C in adjmat.NetSpec.valid_cycles(config, fo)]
    if not options:
        raise SpecError(f"{where}: config {config} with fo={fo} has no balanced design: no junction cycle C gives "
                        f"z_i = W_i/C dividing every p_i (W = {base.W}). Change fo so that the W_i share a divisor "
                        f"C with W_i/C dividing p_i.", param="fo")
    chosen, rule = _chosen(where, options, given, base, timing, clock)
    name = next(iter(given), "default")
    budget = {"name": name, "value": given.get(name)}
    net = adjmat.NetSpec(config, fo, tuple(chosen["z"]))
    return Plan(config=config, fo=fo, fi=net.fi, W=net.W, density=net.density, z=net.z, cycle=chosen["cycle"],
                cpc=chosen["cpc"], throughput=chosen["throughput"], multipliers=chosen["multipliers"],
                memory_bits=chosen["memory_bits"], budget=budget, rule=rule, timing=timing, clock=clock,
                hardware_violations=net.hardware_violations(), options=options)


def planned_z(config: Sequence[int], fo: Sequence[int], z: Sequence[int] | int | None = None, *,
              where: str = "planned_z") -> tuple[int, ...]:
    """z as given (a tuple per junction, or an int z_1 balanced over the junctions), or the default plan's.

    Parameters
    ----------
    config, fo : sequence of int
        Layer sizes and out-degrees (checked with :func:`network`).
    z : sequence of int, int or None
        Parallelism per junction (each must divide its p), an int z_1 (the other junctions balanced, as
        :func:`plan` with ``z1``), or None for the default plan.
    where : str
        The public function named in errors.

    Returns
    -------
    tuple of int

    Examples
    --------
    >>> planned_z((800, 100, 10), (50, 10)), planned_z((800, 100, 10), (50, 10), 200)
    ((400, 10), (200, 5))
    """
    config, fo = network(config, fo, where=where)
    if z is None:
        return plan(config, fo=fo).z
    if isinstance(z, (int, np.integer)) and not isinstance(z, bool):
        try:
            return plan(config, fo=fo, z1=int(z)).z
        except SpecError as err:
            if err.structured and err.param == "z1":
                raise fail(where, "z", err.expected, err.value, err.hint.replace("z1=", "z=")) from None
            raise
    z = check_int_tuple(where, "z", z, length=len(config) - 1)
    for i, (p, zi) in enumerate(zip(config[:-1], z)):
        if p % zi:
            raise fail(where, "z", f"a parallelism per junction dividing p (z[{i}] ({zi}) must divide p ({p}) of "
                       f"junction {i + 1} so that every bank has depth p/z)", z,
                       f"Try z[{i}]=" + " or ".join(map(str, nearest(divisors(p), zi))) + ".")
    return z
