"""The main job: which pattern kind, which parallelism z, and what it costs in accuracy (docs/design.md).

:func:`design` carries one network through five phases and writes one report:

1. **Plan** -- z per junction from a budget (``z1``, a junction cycle ``cycle``, a ``multipliers`` count or a
   ``throughput`` in inputs/s at the clock) with :meth:`adjmat.NetSpec.balanced`'s rule ``z_i = W_i / C``;
   an impossible budget is refused before any work, naming the nearest feasible ones (:func:`plan`).
2. **Patterns** -- every kind from the same seeds (:func:`adjmat.generate_network`); validity, clash-freedom
   at the planned z and scatter.
3. **Hardware** -- every kind at the same z through :func:`hwsim.simulate`: clocks, inputs/s, latency, stalls
   per cause, RMW hazards, memory bits, multipliers and energy per input (:mod:`predefsparse.energy`).
4. **Accuracy** -- every kind trained with the same settings and seeds through
   :func:`predefsparse.run_model`, each run in its own folder.
5. **Answer** -- a ranked table, Pareto views and a one-line recommendation that says what it traded.

:func:`evaluate` is one point of that: one kind, one seed, hardware and training; :func:`design` and the
sweep (:mod:`predefsparse.sweep`) are made of such points.

The module is callable: ``predefsparse.design(config, ...)`` is :func:`design`.

Examples
--------
>>> p = plan((800, 100, 10), fo=(50, 10))
>>> p.z, p.cycle, p.multipliers
((400, 10), 100, 842)
"""
from __future__ import annotations

import json
import math
import os
import sys
import time
import types
import zipfile
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

import adjmat
import hwsim
from adjmat._validation import SpecError, check_choice, check_float, check_int, check_int_tuple, fail
from adjmat.pattern import atomic_write

from . import energy as _energy

__all__ = ["design", "evaluate", "plan", "Plan", "Design", "DEFAULT_KINDS", "DEFAULT_EPOCHS", "DEFAULT_CONFIG",
           "DEFAULT_FO", "ACCURACY_TOLERANCE"]

DEFAULT_CONFIG = (800, 100, 10)
DEFAULT_FO = (50, 10)
DEFAULT_KINDS = ("fc", "random", "basic", "usn", "clash_free", "rtl")
#: Epochs of every training run by default (the published runs used 50; 10 keeps the default job short).
DEFAULT_EPOCHS = 10
#: Inputs simulated per kind (the figures are per input; 1,000 gives fill, steady state and drain).
SIM_INPUTS = 1000
#: Accuracy within this much (or within two spreads over seeds) of the best sparse kind counts as "as accurate"
#: in the recommendation (docs/design.md §4).
ACCURACY_TOLERANCE = 0.005
#: Training settings shared by every run (those of ``predefsparse run``, docs/training.md §1).
TRAINING = {"l2": 8e-5, "lr": 1e-3, "decay": 1e-5, "batch_size": 256, "valtest": 1}

_BUDGETS = ("z1", "cycle", "multipliers", "throughput")
_PYTHON_NAMES = {k: k for k in ("config", "fo", "density", "z1", "cycle", "multipliers", "throughput", "kinds",
                                "dataset", "epochs", "seeds", "seed", "clock", "timing", "energy", "out",
                                "data_dir", "verbose", "kind", "densities", "z")}


# ================================================================================================ plan
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
    def hardware(self) -> hwsim.HardwareConfig:
        """The :class:`hwsim.HardwareConfig` of the plan (clock and timing; other fields default)."""
        return hwsim.HardwareConfig(f_clk=self.clock, timing=self.timing)

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
        return json.loads(json.dumps(d))

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
    res = hwsim.resources(net, hw)
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


def _net_args(where, names, config, fo, density):
    config = check_int_tuple(where, names["config"], config)
    if len(config) < 2:
        raise fail(where, names["config"], "at least two layer sizes (N_0, N_1, ...)", config)
    L = len(config) - 1
    if fo is not None and density is not None:
        raise SpecError(f"{where}: give {names['fo']} or {names['density']}, not both; received "
                        f"{names['fo']}={fo!r}, {names['density']}={density!r}.")
    if fo is None and density is None:
        if config != DEFAULT_CONFIG:
            raise SpecError(f"{where}: {names['fo']} or {names['density']} is required for config {config} "
                            f"(one per junction); example: {names['fo']}="
                            + ",".join(str(max(1, n // 2)) for n in config[1:]) + ".")
        fo = DEFAULT_FO
    if density is not None:
        if isinstance(density, str):
            try:
                density = [float(v) for v in density.split(",") if v.strip()]
            except ValueError:
                raise fail(where, names["density"], "comma-separated densities in (0, 1]", density) from None
        if isinstance(density, (int, float)) or not isinstance(density, (Sequence, np.ndarray)) \
                or len(density) != L:
            raise fail(where, names["density"], f"a sequence of {L} densities in (0, 1] (one per junction)",
                       density)
        fos = []
        for i, d in enumerate(density):
            d = check_float(where, names["density"], d, low=0.0, high=1.0, low_open=True)
            n = config[i + 1]
            f = d * n
            if abs(f - round(f)) > 1e-9 * max(1.0, f) or round(f) < 1:
                raise SpecError(f"{where}: {names['density']} of junction {i + 1} ({d:g}) times n ({n}) must be "
                                f"a whole out-degree fo; got {f:g}; try {names['density']} "
                                + " or ".join(f"{max(1, math.floor(f)) / n:g}, {math.ceil(f) / n:g}".split(", "))
                                + ".")
            fos.append(int(round(f)))
        fo = tuple(fos)
    fo = check_int_tuple(where, names["fo"], fo, length=L)
    try:
        base = adjmat.NetSpec(config, fo)
    except SpecError as err:
        raise SpecError(f"{where}: {names['fo']}: " + str(err).split(": ", 1)[1]) from None
    return base.config, base.fo


def _plan(where: str, names: dict, config, fo=None, density=None, z1=None, cycle=None, multipliers=None,
          throughput=None, timing="ideal", clock=15e6) -> Plan:
    config, fo = _net_args(where, names, config, fo, density)
    timing = check_choice(where, names["timing"], timing, hwsim.TIMINGS)
    clock = check_float(where, names["clock"], clock, low=0.0, high=math.inf, low_open=True, high_open=True)
    given = {k: v for k, v in (("z1", z1), ("cycle", cycle), ("multipliers", multipliers),
                               ("throughput", throughput)) if v is not None}
    if len(given) > 1:
        raise SpecError(f"{where}: give at most one budget ({', '.join(names[b] for b in _BUDGETS)}); received "
                        + ", ".join(f"{names[k]}={v!r}" for k, v in given.items()) + ".")
    hw = hwsim.HardwareConfig(f_clk=clock, timing=timing)
    base = adjmat.NetSpec(config, fo)
    options = [_option(config, fo, C, hw) for C in adjmat.NetSpec.valid_cycles(config, fo)]
    if not options:
        raise SpecError(f"{where}: config {config} with {names['fo']}={fo} has no balanced design: no junction "
                        f"cycle C gives z_i = W_i/C dividing every p_i (W = {base.W}). Change {names['fo']} so "
                        f"that the W_i share a divisor C with W_i/C dividing p_i.")
    faithful = [o for o in options if o["hardware_faithful"]]
    by_cycle = {o["cycle"]: o for o in options}
    if "z1" in given:
        z1 = check_int(where, names["z1"], z1, minimum=1)
        chosen = next((o for o in options if o["z"][0] == z1), None)
        if chosen is None:
            near = sorted(options, key=lambda o: (abs(o["z"][0] - z1), o["z"][0]))[:3]
            raise SpecError(f"{where}: {names['z1']} must give a balanced design (z_i = W_i/C with C = W_1/z1 "
                            f"= {base.W[0]}/{z1}, every z_i dividing p_i); received {names['z1']}={z1}. Nearest "
                            f"feasible: " + _options_text(sorted(near, key=lambda o: o["z"][0]), "z1") + ".")
        rule = f"z chosen from z1={z1}: C = W_1/z1 = {chosen['cycle']}, z_i = W_i/C."
    elif "cycle" in given:
        cycle = check_int(where, names["cycle"], cycle, minimum=1)
        chosen = by_cycle.get(cycle)
        if chosen is None:
            near = sorted(options, key=lambda o: (abs(o["cycle"] - cycle), o["cycle"]))[:3]
            raise SpecError(f"{where}: {names['cycle']} must be a junction cycle C with every z_i = W_i/C a "
                            f"divisor of p_i (W = {base.W}); received {names['cycle']}={cycle}. Nearest "
                            f"feasible: " + _options_text(sorted(near, key=lambda o: o["cycle"]), "cycle") + ".")
        rule = f"z chosen from the cycle C={cycle}: z_i = W_i/C."
    elif "multipliers" in given:
        multipliers = check_int(where, names["multipliers"], multipliers, minimum=1)
        fits = [o for o in options if o["multipliers"] <= multipliers]
        if not fits:
            cheapest = min(options, key=lambda o: o["multipliers"])
            raise SpecError(f"{where}: {names['multipliers']} must be at least the smallest balanced design's "
                            f"count; received {names['multipliers']}={multipliers}. Nearest feasible: "
                            + _options_text([cheapest], "multipliers") + ".")
        chosen = min(fits, key=lambda o: (o["cycle"], not o["hardware_faithful"]))
        rule = (f"z chosen as the fastest balanced design within {multipliers:,} multipliers "
                f"({chosen['multipliers']:,} used).")
    elif "throughput" in given:
        throughput = check_float(where, names["throughput"], throughput, low=0.0, high=math.inf, low_open=True,
                                 high_open=True)
        fits = [o for o in options if o["throughput"] >= throughput]
        if not fits:
            fastest = max(options, key=lambda o: o["throughput"])
            raise SpecError(f"{where}: {names['throughput']} must be reachable at {names['clock']}={clock:g} Hz "
                            f"with {timing} timing (inputs/s = clock / (C + overhead)); received "
                            f"{names['throughput']}={throughput:g}. Nearest feasible: "
                            + _options_text([fastest], "throughput") + f"; or raise {names['clock']}.")
        chosen = max(fits, key=lambda o: (o["cycle"], o["hardware_faithful"]))
        rule = (f"z chosen as the cheapest balanced design (fewest multipliers) reaching {throughput:,.0f} "
                f"inputs/s ({chosen['throughput']:,.0f} when clash-free).")
    else:
        pool = faithful or options
        target = config[1]  # C = W_1/fi_1 = N_1: junction 1 finishes one right neuron per clock
        chosen = min(pool, key=lambda o: (abs(o["cycle"] - target), o["cycle"]))
        rule = (f"default z: the balanced {'hardware-faithful ' if faithful else ''}design whose cycle is nearest "
                f"C = N_1 = {target} (junction 1 finishes one right neuron per clock).")
    budget = {"name": next(iter(given), "default"), "value": next(iter(given.values()), None)}
    if budget["name"] in given:
        budget["value"] = {"z1": z1, "cycle": cycle, "multipliers": multipliers, "throughput": throughput}[
            budget["name"]]
    net = adjmat.NetSpec(config, fo, tuple(chosen["z"]))
    return Plan(config=config, fo=fo, fi=net.fi, W=net.W, density=net.density, z=net.z, cycle=chosen["cycle"],
                cpc=chosen["cpc"], throughput=chosen["throughput"], multipliers=chosen["multipliers"],
                memory_bits=chosen["memory_bits"], budget=budget, rule=rule, timing=timing, clock=clock,
                hardware_violations=net.hardware_violations(), options=options)


def plan(config: Sequence[int] = DEFAULT_CONFIG, *, fo: Sequence[int] | None = None,
         density: Sequence[float] | None = None, z1: int | None = None, cycle: int | None = None,
         multipliers: int | None = None, throughput: float | None = None, timing: str = "ideal",
         clock: float = 15e6) -> Plan:
    """Choose z per junction for a network from one budget (the Plan phase of :func:`design`).

    Every balanced design ``z_i = W_i / C`` (docs/patterns.md §6) is listed; the budget picks one:

    - ``z1``: the design whose junction 1 has parallelism z1 (``C = W_1 / z1``);
    - ``cycle``: the design with junction cycle C;
    - ``multipliers``: the fastest design with at most that many multipliers (:func:`hwsim.resources`);
    - ``throughput``: the cheapest design (largest C) reaching that many inputs/s at ``clock``, counting
      ``cpc = C + overhead`` (a clash-free pattern; clashes make a kind slower, which the Hardware phase shows);
    - none: the design whose cycle is nearest ``C = N_1`` (junction 1 finishes one right neuron per clock),
      among hardware-faithful ones when there are any.

    Parameters
    ----------
    config : sequence of int
        Layer sizes ``(N_0, ..., N_L)``.
    fo, density : sequence, optional
        Out-degree or density per junction (one of them; default ``fo=(50, 10)`` for the default config).
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
    return _plan("plan", _PYTHON_NAMES, config, fo, density, z1, cycle, multipliers, throughput, timing, clock)


# ====================================================================================== one point
def _kind_names() -> tuple[str, ...]:
    return adjmat.kind_names()


def _fits_the_plan(kind: str) -> bool:
    """Whether a kind draws exactly W = p*fo edges (or is fc): the accelerator's address ROMs hold C*z = W edges
    per junction, so a kind with a random edge count (erdos_renyi) cannot run at a planned z."""
    sized_by = adjmat.get_kind(kind).sized_by
    return not sized_by or "fo" in sized_by  # sized by nothing (fc: fo = n) or by an exact fo


def _fixes_own_size(kind: str) -> bool:
    """A kind sized by nothing (fc) fixes its own degrees: fully connected, fo = n (its registry facts)."""
    return not adjmat.get_kind(kind).sized_by


def _check_kind(where: str, param: str, kind: Any) -> str:
    known = _kind_names()
    usable = [k for k in known if _fits_the_plan(k)]
    if not isinstance(kind, str) or kind not in known:
        import difflib
        near = difflib.get_close_matches(str(kind), known, n=1)
        raise fail(where, param, "one of " + ", ".join(usable), kind, f"Did you mean {near[0]!r}?" if near else None)
    if kind not in usable:
        raise SpecError(f"{where}: {param} must name kinds with W = p*fo edges per junction (the accelerator's "
                        f"address memories hold C*z = W edges); received {param}={kind!r}, which draws a random "
                        f"number of edges. Use one of: {', '.join(usable)}.")
    return kind


def _npz_shapes(path: str) -> dict[str, tuple] | None:
    """Shapes of ``xtr`` and ``ytr`` read from the npz headers (no array is read); None when unreadable."""
    try:
        with zipfile.ZipFile(path) as zf:
            out = {}
            for key in ("xtr", "ytr"):
                with zf.open(f"{key}.npy") as f:
                    version = np.lib.format.read_magic(f)
                    read = np.lib.format.read_array_header_1_0 if version == (1, 0) else \
                        np.lib.format.read_array_header_2_0
                    shape, _, _ = read(f)
                out[key] = tuple(shape)
            return out
    except Exception:
        return None


def _check_dataset(where: str, names: dict, dataset: Any, data_dir: Any, width: int | None, classes: int | None):
    """Refuse a dataset that does not exist (listing the known names) or does not fit the network."""
    from . import datasets
    if not isinstance(dataset, (str, os.PathLike)) or not os.fspath(dataset):
        raise fail(where, names["dataset"], "a dataset name (" + ", ".join(datasets.DATASETS) + ") or a .npz path",
                   dataset)
    try:
        path = datasets.path_for(dataset, data_dir=data_dir)
    except SpecError as err:
        raise SpecError(f"{where}: {names['dataset']}: " + str(err).split(": ", 1)[1]) from None
    name = os.fspath(dataset)
    if not path.is_file():
        if isinstance(dataset, str) and name in datasets.DATASETS:
            return os.fspath(dataset)  # built on first load
        import difflib
        folder = path.parent
        present = sorted(p.stem for p in folder.glob("*.npz")) if folder.is_dir() else []
        known = list(dict.fromkeys([*datasets.DATASETS, *present]))
        near = difflib.get_close_matches(name, known, n=2)
        raise SpecError(f"{where}: {names['dataset']} must be a known dataset name or an existing .npz file; "
                        f"received {names['dataset']}={name!r} ({path} does not exist). "
                        + (f"Did you mean {' or '.join(map(repr, near))}? " if near else "")
                        + f"Known names: {', '.join(known)}.")
    shapes = _npz_shapes(os.fspath(path))
    if shapes and width is not None:
        x, y = shapes["xtr"], shapes["ytr"]
        if len(x) == 2 and x[1] > width:
            raise SpecError(f"{where}: {names['config']}[0] ({width}) must be at least the dataset's "
                            f"{x[1]} features ({name}); received {names['config']}[0]={width}.")
        if len(y) == 2 and classes is not None and y[1] > classes:
            raise SpecError(f"{where}: {names['config']}[-1] ({classes}) must be at least the dataset's "
                            f"{y[1]} classes ({name}); received {names['config']}[-1]={classes}.")
    return name


def _check_seed(where: str, param: str, seed: Any) -> int:
    return check_int(where, param, seed, minimum=0)


def _netspec_for(kind: str, config: tuple, fo: tuple, z: tuple) -> adjmat.NetSpec:
    """The netspec a kind runs at: the planned z for every kind; fc has its own fo (= n), so its cycles differ."""
    return adjmat.NetSpec(config, config[1:] if _fixes_own_size(kind) else fo, z)


def _point_patterns(kind: str, netspec: adjmat.NetSpec, seed: int) -> tuple[list, dict]:
    """The kind's patterns at the planned z and their checks: validity, clash-freedom, scatter."""
    pats = adjmat.generate_network(netspec, kind, seed=seed)
    checks = [adjmat.check(p, raise_errors=False) for p in pats]
    clash = [adjmat.clash_report(p, z) for p, z in zip(pats, netspec.z)]
    facts = {"valid": all(c.ok for c in checks), "errors": [e for c in checks for e in c.errors],
             "clash_free": all(c.clash_free for c in clash),
             "clash_free_per_junction": [bool(c.clash_free) for c in clash],
             "scatter": float(adjmat.scatter(pats)["scatter"])}
    return pats, facts


def _point_hardware(netspec: adjmat.NetSpec, pats: list, hardware: hwsim.HardwareConfig, table) -> tuple:
    """Simulate the patterns (train mode, SIM_INPUTS inputs) and price one input."""
    rep = hwsim.simulate(netspec, pats, hardware, inputs=SIM_INPUTS, allow_unbalanced=netspec.cycle is None)
    return rep, _energy.energy_per_input(rep, table)


def _records_facts(records: Any) -> dict[str, Any]:
    """What the design reads from a run's records (typed ``Records`` or the older dict): the one adapter."""
    d = records.to_dict() if hasattr(records, "to_dict") else dict(records)
    test = d.get("test") or {}
    return {"accuracy": test.get("accuracy"), "loss": test.get("loss"), "history": d.get("history", {}),
            "epochs": d.get("epochs_done"), "train_s": d.get("wall_time_s"), "status": d.get("status")}


def _point_train(kind, config, fo, z, seed, dataset, epochs, run_dir, data_dir, verbose, pats) -> dict:
    """Train the kind (same settings for every kind) into ``run_dir``; resumes or reuses a run already there."""
    from . import models, training
    model = models.mlp(config, fo=None if _fixes_own_size(kind) else fo, kind=kind, z=z, seed=seed,
                       l2=TRAINING["l2"])
    model_pats = [layer.pattern for layer in model.layers if hasattr(layer, "pattern")]
    if [(p.left.tolist() == q.left.tolist() and p.right.tolist() == q.right.tolist())
            for p, q in zip(model_pats, pats)] != [True] * len(pats):
        raise RuntimeError(f"design: the model's {kind} patterns differ from adjmat.generate_network's for seed "
                           f"{seed}; the seed paths disagree (a bug, please report it).")
    records, _ = training.run_model(
        model, dataset, valtest=TRAINING["valtest"], batch_size=TRAINING["batch_size"], epochs=epochs,
        optimizer=training.default_optimizer(TRAINING["lr"], TRAINING["decay"]), seed=seed, out=run_dir,
        resume=True, verbose=verbose, data_dir=data_dir,
        extra_settings={"kind": kind, "z": list(z), "l2": TRAINING["l2"], "lr": TRAINING["lr"],
                       "decay": TRAINING["decay"]})
    return _records_facts(records)


def _row(kind, seed, netspec, plan_z, pfacts, rep, en, tfacts, run_dir, dataset, timing, clock) -> dict:
    """The flat JSON-safe row of one point (docs/design.md §2 lists the fields)."""
    res = rep.resources
    row = {
        "kind": kind, "seed": seed, "dataset": dataset, "config": list(netspec.config), "fo": list(netspec.fo),
        "z": list(plan_z), "C": list(netspec.cycles), "balanced": netspec.cycle is not None,
        "W": int(sum(netspec.W)), "density": float(netspec.overall_density),
        "densities": [float(d) for d in netspec.density],
        "valid": pfacts["valid"], "clash_free": pfacts["clash_free"], "scatter": pfacts["scatter"],
        "timing": timing, "clock": float(clock), "cpc": int(rep.cpc), "clocks_per_input": int(rep.cpc),
        "total_clocks": int(rep.total_clocks), "inputs": int(rep.inputs),
        "throughput": float(rep.throughput_inputs_per_s), "latency_s": float(rep.latency_s),
        "latency_clocks": int(rep.latency_clocks),
        "stall_clocks": int(rep.total_stall_clocks), "bank_stall_clocks": int(sum(rep.bank_stall_clocks)),
        "rmw_stall_clocks": int(sum(rep.rmw_stall_clocks)), "rmw_hazards": int(sum(rep.rmw_hazards)),
        "rmw_stale": int(sum(rep.rmw_stale)),
        "memory_bits": float(res["memory_bits"]["total_with_overhead"]), "multipliers": int(res["multipliers"]),
        "energy_pj": float(en["total_pj"]), "energy_memory_pj": float(en["memory_pj"]),
        "energy_arithmetic_pj": float(en["arithmetic_pj"]),
        "hardware_violations": list(rep.hardware_violations),
        "accuracy": None, "loss": None, "epochs": None, "train_s": None, "run": None, "status": "hardware",
    }
    if tfacts is not None:
        row.update({"accuracy": tfacts["accuracy"], "loss": tfacts["loss"], "epochs": tfacts["epochs"],
                    "train_s": tfacts["train_s"], "run": None if run_dir is None else os.fspath(run_dir),
                    "status": tfacts["status"] or "done"})
    return row


def _z_for(where, names, z, config, fo) -> tuple[int, ...]:
    """z as given (a tuple per junction, or an int z_1 balanced over the junctions), or the default plan's."""
    L = len(config) - 1
    if z is None:
        return _plan(where, names, config, fo).z
    if isinstance(z, (int, np.integer)) and not isinstance(z, bool):
        return _plan(where, {**names, "z1": names["z"]}, config, fo, z1=int(z)).z
    z = check_int_tuple(where, names["z"], z, length=L)
    for i, (p, zi) in enumerate(zip(config[:-1], z)):
        if p % zi:
            raise SpecError(f"{where}: {names['z']}[{i}] ({zi}) must divide p ({p}) of junction {i + 1} so that "
                            f"every bank has depth p/z; try {names['z']}[{i}]="
                            + " or ".join(map(str, adjmat._validation.nearest(adjmat._validation.divisors(p), zi)))
                            + ".")
    return z


def evaluate(config: Sequence[int], kind: str, *, fo: Sequence[int] | None = None,
             densities: Sequence[float] | None = None, z: Sequence[int] | int | None = None, seed: int = 0,
             dataset: str | os.PathLike = "mnist", epochs: int = DEFAULT_EPOCHS, timing: str = "ideal",
             clock: float = 15e6, energy: Any = None, out: str | os.PathLike | None = None,
             data_dir: str | os.PathLike | None = None, verbose: Any = 0, train: bool = True) -> dict[str, Any]:
    """One design point: one kind and seed at one z -- patterns, hardware figures, energy and training.

    Parameters
    ----------
    config : sequence of int
        Layer sizes.
    kind : str
        Pattern kind (``adjmat.KINDS``); ``"fc"`` ignores ``fo`` (it is fully connected) but runs at the same z.
    fo, densities : sequence, optional
        Out-degree or density per junction of the sparse network (default ``(50, 10)`` for the default config).
    z : sequence of int or int, optional
        Parallelism per junction; an int is z_1 with the others balanced (:func:`plan`); default the default
        plan's z.  Unbalanced z is simulated with the slowest junction setting every cycle (``balanced`` False).
    seed : int
        Seed of the patterns, the initial weights and the data order.
    dataset : str or path
        Dataset name or six-key ``.npz`` (see :func:`predefsparse.datasets.load`).
    epochs : int
        Training epochs.
    timing, clock : str, float
        Hardware timing and clock (Hz).
    energy : None, EnergyTable or path
        Per-operation energies (:func:`predefsparse.energy.load_energy`).
    out : path, optional
        Folder of this point: ``patterns/`` (the .npz of every junction), ``hwsim.json`` (the full simulator
        report), ``run/`` (the training run folder) and ``point.json`` (the row).  Required to train.
    data_dir : path, optional
        Data folder for dataset names.
    verbose : 0, 1, 2 or "auto"
        Keras progress display of the training.
    train : bool
        False: hardware figures only (accuracy fields None, status ``"hardware"``).

    Returns
    -------
    dict
        A flat JSON-safe row: kind, seed, dataset, config, fo, z, C, balanced, W, density, densities, valid,
        clash_free, scatter, timing, clock, cpc, clocks_per_input, total_clocks, inputs, throughput (inputs/s),
        latency_s, latency_clocks, stall_clocks, bank_stall_clocks, rmw_stall_clocks, rmw_hazards, rmw_stale,
        memory_bits, multipliers, energy_pj (per input), energy_memory_pj, energy_arithmetic_pj,
        hardware_violations, accuracy, loss, epochs, train_s, run (folder), status.

    Raises
    ------
    adjmat.SpecError
        Before any work, for an invalid argument.

    Examples
    --------
    >>> row = evaluate((800, 100, 10), "clash_free", fo=(50, 10), z=(400, 10), train=False)
    >>> row["cpc"], row["throughput"], row["clash_free"], row["multipliers"]
    (100, 150000.0, True, 842)
    """
    where = "evaluate"
    names = _PYTHON_NAMES
    kind = _check_kind(where, "kind", kind)
    config, fo = _net_args(where, {**names, "density": "densities"}, config, fo, densities)
    z = _z_for(where, names, z, config, fo)
    seed = _check_seed(where, "seed", seed)
    epochs = check_int(where, "epochs", epochs, minimum=1)
    timing = check_choice(where, "timing", timing, hwsim.TIMINGS)
    clock = check_float(where, "clock", clock, low=0.0, high=math.inf, low_open=True, high_open=True)
    table = _energy.load_energy(energy)
    if not isinstance(train, bool):
        raise fail(where, "train", "True or False", train)
    if verbose not in (0, 1, 2, "auto"):
        raise fail(where, "verbose", "0, 1, 2 or 'auto'", verbose)
    if out is not None and (not isinstance(out, (str, os.PathLike)) or not os.fspath(out)):
        raise fail(where, "out", "a folder path", out)
    if train:
        if out is None:
            raise fail(where, "out", "a folder for the point's files (the training run goes in out/run)", None)
        dataset = _check_dataset(where, names, dataset, data_dir, config[0], config[-1])
    hardware = hwsim.HardwareConfig(f_clk=clock, timing=timing)
    netspec = _netspec_for(kind, config, fo, z)
    pats, pfacts = _point_patterns(kind, netspec, seed)
    rep, en = _point_hardware(netspec, pats, hardware, table)
    run_dir = tfacts = None
    if out is not None:
        out = os.fspath(out)
        for i, pat in enumerate(pats):
            pat.save(os.path.join(out, "patterns", f"junction{i + 1}.npz"))
        rep.to_json(os.path.join(out, "hwsim.json"))
    if train:
        run_dir = os.path.join(out, "run")
        tfacts = _point_train(kind, config, fo, z, seed, dataset, epochs, run_dir, data_dir, verbose, pats)
    row = _row(kind, seed, netspec, z, pfacts, rep, en, tfacts, run_dir, os.fspath(dataset), timing, clock)
    if out is not None:
        _write_json(os.path.join(out, "point.json"), row)
    return row


def _finished(run_dir: str) -> bool:
    """Whether ``run_dir`` already holds a finished run (which run_model then returns as it is)."""
    try:
        with open(os.path.join(run_dir, "records.json"), encoding="utf-8") as f:
            return json.load(f).get("status") == "done"
    except (OSError, ValueError, AttributeError):
        return False


def _write_json(path: str, obj: Any) -> str:
    text = json.dumps(obj, indent=1, allow_nan=True) + "\n"
    return atomic_write(path, lambda f: f.write(text.encode("utf-8")))


# ====================================================================================== the design job
@dataclass(frozen=True)
class Design:
    """The result of :func:`design`: plan, one row per kind and seed, the per-kind summary (ranked), the Pareto
    fronts and the recommendation.

    Attributes
    ----------
    plan : Plan
    request : dict
        The arguments of the call (JSON-safe).
    rows : list of dict
        One :func:`evaluate`-style row per kind and seed.
    kinds : list of dict
        One entry per kind, ranked by mean accuracy (then inputs/s): accuracy mean, spread (sample standard
        deviation; None with one seed), min and max over seeds; hardware figures of the first seed; ratios against fc.
    curves : dict
        ``{kind: {seed: history}}``: training loss and accuracy per epoch.
    hardware : dict
        ``{kind: {...}}`` per-junction stalls, RMW hazards, busiest-bank histograms and the energy breakdown of
        the first seed.
    pareto : dict
        ``{"throughput" | "energy_pj" | "W": [kinds on the accuracy trade-off front]}``.
    recommended : str
        The recommended kind.
    recommendation : str
        One line: the kind, its figures and what it traded.
    energy_table : dict
        The per-operation energies used.
    timings : dict
        Wall seconds per phase (``plan_s`` ... ``total_s``) and ``runs_reused``, the finished runs of an earlier
        call into the same folder that were returned as they were.
    out : str or None
        The folder written.

    Examples
    --------
    >>> sorted(Design.__dataclass_fields__)[:4]
    ['curves', 'energy_table', 'hardware', 'kinds']
    """

    plan: Plan
    request: dict
    rows: list
    kinds: list
    curves: dict
    hardware: dict
    pareto: dict
    recommended: str
    recommendation: str
    energy_table: dict
    timings: dict
    out: str | None
    patterns: dict = field(default_factory=dict, repr=False, compare=False)

    def kind(self, name: str) -> dict:
        """The summary entry of kind ``name``.

        Examples
        --------
        >>> Design.kind.__name__
        'kind'
        """
        for entry in self.kinds:
            if entry["kind"] == name:
                return entry
        raise fail("Design.kind", "name", "one of " + ", ".join(e["kind"] for e in self.kinds), name)

    def to_dict(self) -> dict[str, Any]:
        """Everything the report shows, JSON-safe (``design.json``).

        Examples
        --------
        >>> "to_dict" in dir(Design)
        True
        """
        from . import __version__
        return json.loads(json.dumps({
            "format": DESIGN_FORMAT, "version": __version__, "request": self.request, "plan": self.plan.to_dict(),
            "energy_table": self.energy_table, "rows": self.rows, "kinds": self.kinds, "curves": self.curves,
            "hardware": self.hardware, "pareto": self.pareto, "recommended": self.recommended,
            "recommendation": self.recommendation,
            "timings": self.timings, "out": self.out}, allow_nan=True))

    def save(self, out: str | os.PathLike) -> dict[str, str]:
        """Write ``design.json``, ``report.html`` (self-contained) and ``report.md`` with ``figures/`` into
        ``out``.  Returns the paths by role.

        Examples
        --------
        >>> "save" in dir(Design)
        True
        """
        out = os.fspath(out)
        os.makedirs(out, exist_ok=True)
        paths = {"json": _write_json(os.path.join(out, "design.json"), self.to_dict())}
        from .design_report import build_page
        paths.update(build_page(self).save(out))
        return paths


DESIGN_FORMAT = "predefsparse.design/1"


def _say(verbose: Any, text: str) -> None:
    if verbose != 0:
        print(text, flush=True)


def _spread(values: list) -> float | None:
    """Sample standard deviation; None for fewer than two values (one seed has no spread)."""
    return float(np.std(values, ddof=1)) if len(values) > 1 else None


def _summaries(rows: list, kinds: Sequence[str], seeds: Sequence[int]) -> list[dict]:
    out = []
    for kind in kinds:
        mine = [r for r in rows if r["kind"] == kind]
        first = next(r for r in mine if r["seed"] == seeds[0])
        acc = [r["accuracy"] for r in mine if r["accuracy"] is not None]
        loss = [r["loss"] for r in mine if r["loss"] is not None]
        entry = {k: first[k] for k in ("kind", "W", "density", "cpc", "throughput", "latency_s", "stall_clocks",
                                       "bank_stall_clocks", "rmw_stall_clocks", "rmw_hazards", "rmw_stale",
                                       "multipliers", "memory_bits", "energy_pj", "energy_memory_pj",
                                       "energy_arithmetic_pj", "valid", "clash_free", "scatter", "balanced",
                                       "hardware_violations")}
        entry.update({"seeds": len(acc), "accuracy_mean": float(np.mean(acc)) if acc else None,
                      "accuracy_std": _spread(acc), "accuracy_min": min(acc) if acc else None,
                      "accuracy_max": max(acc) if acc else None, "loss_mean": float(np.mean(loss)) if loss else None,
                      "accuracies": acc, "runs": [r["run"] for r in mine]})
        out.append(entry)
    fc = next((e for e in out if e["kind"] == "fc"), None)
    for e in out:
        e["accuracy_vs_fc"] = None if fc is None else e["accuracy_mean"] - fc["accuracy_mean"]
        e["throughput_vs_fc"] = None if fc is None else e["throughput"] / fc["throughput"]
        e["energy_vs_fc"] = None if fc is None else e["energy_pj"] / fc["energy_pj"]
        e["weights_vs_fc"] = None if fc is None else e["W"] / fc["W"]
    out.sort(key=lambda e: (-(e["accuracy_mean"] or 0.0), -e["throughput"], e["kind"]))
    for rank, e in enumerate(out, 1):
        e["rank"] = rank
    return out


#: Pareto views: the figure traded against accuracy, and whether more of it is better.
PARETO_VIEWS = {"throughput": True, "energy_pj": False, "W": False}


def _pareto(kinds: list) -> dict[str, list[str]]:
    """Kinds on each accuracy-vs-figure front: no other kind is at least as good on both and better on one."""
    fronts = {}
    for key, more_is_better in PARETO_VIEWS.items():
        def better_eq(a, b, key=key, more_is_better=more_is_better):  # a at least as good as b on the figure
            return a[key] >= b[key] if more_is_better else a[key] <= b[key]
        front = []
        for e in kinds:
            dominated = any(o is not e and o["accuracy_mean"] >= e["accuracy_mean"] and better_eq(o, e)
                            and (o["accuracy_mean"] > e["accuracy_mean"] or o[key] != e[key]) for o in kinds)
            if not dominated:
                front.append(e["kind"])
        fronts[key] = front
    return fronts


def _pct(x: float) -> str:
    return f"{100 * x:.2f} %"


def _recommend(kinds: list, plan: Plan) -> tuple[str, str]:
    """(kind, sentence): the fastest kind as accurate as the best sparse kind (docs/design.md §4)."""
    sparse = [e for e in kinds if e["kind"] != "fc"] or list(kinds)
    best = max(sparse, key=lambda e: e["accuracy_mean"])
    margin = max(ACCURACY_TOLERANCE, 2 * (best["accuracy_std"] or 0.0))
    candidates = [e for e in sparse if e["accuracy_mean"] >= best["accuracy_mean"] - margin]
    pick = max(candidates, key=lambda e: (e["throughput"], -e["energy_pj"], e["accuracy_mean"]))
    spread = f" +/- {100 * pick['accuracy_std']:.2f}" if pick["seeds"] > 1 else ""
    text = (f"Use {pick['kind']} at z={plan.z} (C={plan.cycle}): {_pct(pick['accuracy_mean'])}{spread} test "
            f"accuracy, {pick['throughput']:,.0f} inputs/s at {plan.clock / 1e6:g} MHz, "
            f"{pick['energy_pj'] / 1e3:,.1f} nJ per training input, {pick['W']:,} weights")
    fc = next((e for e in kinds if e["kind"] == "fc"), None)
    if fc is not None and pick is not fc:
        d = 100 * (pick["accuracy_mean"] - fc["accuracy_mean"])
        text += (f"; against fully connected at the same z it trades {abs(d):.2f} points of accuracy "
                 f"({'lost' if d < 0 else 'gained'}) for {pick['throughput'] / fc['throughput']:.2f}x the "
                 f"inputs/s, {pick['energy_pj'] / fc['energy_pj']:.2f}x the energy per input and "
                 f"{pick['W'] / fc['W']:.0%} of the weights")
    if pick["rmw_hazards"]:
        text += (f"; mind its {pick['rmw_hazards']:,} RMW hazards in {SIM_INPUTS:,} inputs (stale partial sums "
                 f"unless the build forwards or stalls, docs/hardware.md §5)")
    if pick is not best:
        text += (f"; it is within {100 * margin:.2f} points of the most accurate sparse kind, {best['kind']} "
                 f"({_pct(best['accuracy_mean'])}), which runs at {best['throughput']:,.0f} inputs/s")
    return pick["kind"], text + "."


def _request_hash(request: dict) -> str:
    import hashlib
    return hashlib.sha256(json.dumps(request, sort_keys=True).encode()).hexdigest()[:8]


def _check_out(where: str, names: dict, out: Any, request: dict) -> str:
    """The output folder: refuse one holding a design (``request.json``, written before any work) of another
    request; a rerun of the same request resumes."""
    if not isinstance(out, (str, os.PathLike)) or not os.fspath(out):
        raise fail(where, names["out"], "a folder path", out)
    out = os.fspath(out)
    if os.path.exists(out) and not os.path.isdir(out):
        raise fail(where, names["out"], "a folder (or a path where one can be made)", out, "It is a file.")
    saved = os.path.join(out, "request.json")
    if os.path.isfile(saved):
        if os.path.getsize(saved) > 2 ** 20:
            raise SpecError(f"{where}: {saved} is over 1 MiB, not a design request; choose another {names['out']}.")
        try:
            with open(saved, encoding="utf-8") as f:
                old = json.load(f)
        except (OSError, ValueError):
            old = None
        if old != request:
            old = old if isinstance(old, dict) else {}
            differ = sorted(k for k in set(request) | set(old) if old.get(k) != request.get(k))
            raise SpecError(f"{where}: {names['out']} {out!r} holds a design of another request (differs in "
                            f"{', '.join(differ)}); choose another {names['out']} or remove that folder.")
    return out


def _run_design(names: dict, config, fo, density, z1, cycle, multipliers, throughput, kinds, dataset, epochs,
                seeds, seed, clock, timing, energy, out, data_dir, verbose) -> Design:
    where = "design"
    t_start = time.perf_counter()
    # ---- every check before any work
    the_plan = _plan(where, names, config, fo, density, z1, cycle, multipliers, throughput, timing, clock)
    if isinstance(kinds, str):
        kinds = [k for k in kinds.replace(" ", "").split(",") if k]
    if not isinstance(kinds, (Sequence, np.ndarray)) or not len(kinds):
        raise fail(where, names["kinds"], "a non-empty sequence of kind names (" + ", ".join(_kind_names()) + ")",
                   kinds)
    kinds = tuple(dict.fromkeys(_check_kind(where, names["kinds"], k) for k in kinds))
    epochs = check_int(where, names["epochs"], epochs, minimum=1)
    seeds = check_int(where, names["seeds"], seeds, minimum=1, maximum=1000)
    seed = _check_seed(where, names["seed"], seed)
    seed_list = [seed + k for k in range(seeds)]
    if verbose not in (0, 1, 2, "auto"):
        raise fail(where, names["verbose"], "0, 1, 2 or 'auto'", verbose)
    try:
        table = _energy.load_energy(energy)
    except SpecError as err:
        raise SpecError(f"{where}: {names['energy']}: " + str(err).split(": ", 1)[1]) from None
    dataset = _check_dataset(where, names, dataset, data_dir, the_plan.config[0], the_plan.config[-1])
    request = {"config": list(the_plan.config), "fo": list(the_plan.fo), "z": list(the_plan.z),
               "budget": the_plan.budget, "kinds": list(kinds), "dataset": dataset, "epochs": epochs,
               "seeds": seed_list, "clock": the_plan.clock, "timing": timing, "energy": table.to_dict(),
               "training": TRAINING, "inputs": SIM_INPUTS}
    if out is None:
        out = os.path.join("designs", f"net{'-'.join(map(str, the_plan.config))}_fo{'-'.join(map(str, the_plan.fo))}"
                                      f"_z{'-'.join(map(str, the_plan.z))}_{_request_hash(request)}")
    out = _check_out(where, names, out, request)
    os.makedirs(out, exist_ok=True)
    _write_json(os.path.join(out, "request.json"), request)  # a rerun of another request into out is refused
    config, fo, z = the_plan.config, the_plan.fo, the_plan.z
    hardware = the_plan.hardware
    # clash_free and friends may refuse this z: generate every kind's patterns before training anything
    timings = {}

    _say(verbose, f"[1/5] Plan\n{the_plan.summary()}")
    timings["plan_s"] = time.perf_counter() - t_start

    t0 = time.perf_counter()
    _say(verbose, f"[2/5] Patterns: {len(kinds)} kinds x {seeds} seed(s) at z={z}")
    pats, pfacts, netspecs = {}, {}, {}
    for kind in kinds:
        netspecs[kind] = _netspec_for(kind, config, fo, z)
        for s in seed_list:
            try:
                pats[kind, s], pfacts[kind, s] = _point_patterns(kind, netspecs[kind], s)
            except SpecError as err:
                raise SpecError(f"{where}: {names['kinds']}: kind {kind!r} cannot be built at the planned "
                                f"z={z}: " + str(err).split(": ", 1)[-1] + f" Leave {kind} out of "
                                f"{names['kinds']} or choose another budget.") from None
            for i, pat in enumerate(pats[kind, s]):
                pat.save(os.path.join(out, "patterns", kind, f"seed{s}_junction{i + 1}.npz"))
        f0 = pfacts[kind, seed_list[0]]
        _say(verbose, f"  {kind:<11} valid {'yes' if f0['valid'] else 'NO'}, clash-free at z "
                      f"{'yes' if f0['clash_free'] else 'no'}, scatter {f0['scatter']:.3f}")
    timings["patterns_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    _say(verbose, f"[3/5] Hardware: hwsim.simulate, {SIM_INPUTS:,} training inputs, {timing} timing at "
                  f"{the_plan.clock / 1e6:g} MHz")
    reps, ens = {}, {}
    for kind in kinds:
        for s in seed_list:
            reps[kind, s], ens[kind, s] = _point_hardware(netspecs[kind], pats[kind, s], hardware, table)
            reps[kind, s].to_json(os.path.join(out, "hardware", f"{kind}_seed{s}.json"))
        r, e = reps[kind, seed_list[0]], ens[kind, seed_list[0]]
        _say(verbose, f"  {kind:<11} cpc {r.cpc:>6,}  {r.throughput_inputs_per_s:>10,.0f} inputs/s  stalls "
                      f"{r.total_stall_clocks:>9,}  RMW hazards {sum(r.rmw_hazards):>7,}  "
                      f"{e['total_pj'] / 1e3:>8,.1f} nJ/input")
    timings["hardware_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    total = len(kinds) * len(seed_list)
    _say(verbose, f"[4/5] Accuracy: {total} training run(s), {epochs} epoch(s) each on {dataset}")
    rows, curves = [], {}
    done = reused = 0
    for kind in kinds:
        for s in seed_list:
            run_dir = os.path.join(out, "runs", f"{kind}-seed{s}")
            _say(verbose, f"  run {done + 1}/{total}: {kind}, seed {s} -> {run_dir}")
            t_run = time.perf_counter()
            reused += _finished(run_dir)
            tfacts = _point_train(kind, config, fo, z, s, dataset, epochs, run_dir, data_dir, verbose,
                                  pats[kind, s])
            done += 1
            elapsed = time.perf_counter() - t0
            _say(verbose, f"  run {done}/{total}: {kind} seed {s}: accuracy {_pct(tfacts['accuracy'])} in "
                          f"{time.perf_counter() - t_run:.1f} s  [{'#' * done}{'.' * (total - done)}] "
                          f"{elapsed:.0f} s elapsed, ~{elapsed / done * (total - done):.0f} s left")
            rows.append(_row(kind, s, netspecs[kind], z, pfacts[kind, s], reps[kind, s], ens[kind, s], tfacts,
                             run_dir, dataset, timing, the_plan.clock))
            curves.setdefault(kind, {})[str(s)] = tfacts["history"]
    timings["accuracy_s"] = time.perf_counter() - t0
    timings["runs_reused"] = reused

    _say(verbose, "[5/5] Answer")
    summary = _summaries(rows, kinds, seed_list)
    pareto = _pareto(summary)
    recommended, sentence = _recommend(summary, the_plan)
    details = {}
    for kind in kinds:
        r, e = reps[kind, seed_list[0]], ens[kind, seed_list[0]]
        details[kind] = {"seed": seed_list[0], "z": list(r.netspec["z"]), "C": list(r.netspec["C"]),
                         "bank_stall_clocks": list(r.bank_stall_clocks), "rmw_stall_clocks": list(r.rmw_stall_clocks),
                         "rmw_hazards": list(r.rmw_hazards), "rmw_stale": list(r.rmw_stale),
                         "max_load_hist": [list(h) for h in r.max_load_hist], "energy": e,
                         "utilisation_ff": list(r.utilisation["ff"])}
    timings["total_s"] = time.perf_counter() - t_start
    result = Design(plan=the_plan, request=request, rows=rows, kinds=summary, curves=curves, hardware=details,
                    pareto=pareto, recommended=recommended, recommendation=sentence,
                    energy_table=table.to_dict(), timings=timings, out=out,
                    patterns={kind: pats[kind, seed_list[0]] for kind in kinds})
    paths = result.save(out)
    _say(verbose, _ranked_text(result))
    _say(verbose, sentence)
    _say(verbose, f"report: {paths['html']} (and report.md, design.json, patterns/, runs/) in "
                  f"{timings['total_s']:.0f} s")
    return result


def _ranked_text(result: Design) -> str:
    lines = [f"  {'rank':>4} {'kind':<11} {'accuracy':>9} {'spread':>7} {'inputs/s':>10} {'nJ/input':>9} "
             f"{'weights':>8} {'stalls':>9} {'RMW haz.':>8}"]
    for e in result.kinds:
        spread = "-" if e["accuracy_std"] is None else f"{100 * e['accuracy_std']:.2f}"
        lines.append(f"  {e['rank']:>4} {e['kind']:<11} {_pct(e['accuracy_mean']):>9} "
                     f"{spread:>7} {e['throughput']:>10,.0f} {e['energy_pj'] / 1e3:>9,.1f} "
                     f"{e['W']:>8,} {e['stall_clocks']:>9,} {e['rmw_hazards']:>8,}")
    return "\n".join(lines)


def design(config: Sequence[int] = DEFAULT_CONFIG, *, fo: Sequence[int] | None = None,
           density: Sequence[float] | None = None, z1: int | None = None, cycle: int | None = None,
           multipliers: int | None = None, throughput: float | None = None,
           kinds: Sequence[str] = DEFAULT_KINDS, dataset: str | os.PathLike = "mnist",
           epochs: int = DEFAULT_EPOCHS, seeds: int = 1, seed: int = 0, clock: float = 15e6,
           timing: str = "ideal", energy: Any = None, out: str | os.PathLike | None = None,
           data_dir: str | os.PathLike | None = None, verbose: Any = "auto") -> Design:
    """Which pattern kind and which z for this network and budget, and what it costs in accuracy.

    Runs the five phases of docs/design.md §1 -- Plan, Patterns, Hardware, Accuracy, Answer -- and writes
    ``out/report.html`` (one self-contained page), ``report.md`` with ``figures/``, ``design.json`` (everything
    the page shows), ``patterns/<kind>/seed<s>_junction<i>.npz``, ``hardware/<kind>_seed<s>.json`` (the full
    simulator reports) and ``runs/<kind>-seed<s>/`` (every training run's folder).

    Parameters
    ----------
    config : sequence of int
        Layer sizes ``(N_0, ..., N_L)``; ``N_0`` is the (padded) input width.
    fo, density : sequence, optional
        Out-degree or density per junction of the sparse network (default ``fo=(50, 10)`` for the default
        config); ``"fc"`` is always fully connected.
    z1, cycle, multipliers, throughput : optional
        At most one hardware budget (see :func:`plan`); none: the default plan.
    kinds : sequence of str
        Pattern kinds to compare (default fc, random, basic, usn, clash_free, rtl); all at the planned z.
    dataset : str or path
        Dataset name (``predefsparse.datasets.DATASETS``) or six-key ``.npz``.
    epochs : int
        Epochs of every training run (default 10).
    seeds : int
        Repeats K: seeds ``seed, seed+1, ..., seed+K-1`` for every kind (mean and spread over them).
    seed : int
        First seed (patterns, initial weights and data order of each run).
    clock : float
        Clock in Hz (default 15 MHz, the published FPGA build).
    timing : {"ideal", "rtl"}
        Junction-cycle overhead (docs/hardware.md §4).
    energy : None, EnergyTable or path
        Per-operation energies (default the shipped 45 nm table; see :mod:`predefsparse.energy`).
    out : path, optional
        Output folder (default ``designs/net<config>_fo<fo>_z<z>_<hash of the request>``).  Rerunning the same
        request into the same folder reuses its finished runs and resumes interrupted ones; a folder holding
        another request's design is refused.
    data_dir : path, optional
        Data folder for dataset names.
    verbose : "auto", 0, 1 or 2
        0: silent; otherwise phase lines, a line per run and Keras progress (1 bars, 2 a line per epoch).

    Returns
    -------
    Design

    Raises
    ------
    adjmat.SpecError
        Before any work: an impossible budget (with the nearest feasible ones), an unknown kind, a dataset that
        does not exist (with the known names), a kind that cannot be built at the planned z, a bad argument.

    Examples
    --------
    >>> import predefsparse
    >>> callable(predefsparse.design), predefsparse.design.design is design
    (True, True)
    """
    return _run_design(_PYTHON_NAMES, config, fo, density, z1, cycle, multipliers, throughput, kinds, dataset,
                       epochs, seeds, seed, clock, timing, energy, out, data_dir, verbose)


class _CallableModule(types.ModuleType):
    """``predefsparse.design(...)`` calls :func:`design`; ``predefsparse.design.evaluate`` etc. stay reachable."""

    def __call__(self, *args, **kwargs):
        return design(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
