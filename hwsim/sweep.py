"""Sweep the parallelism z of a network: one simulation per hardware-faithful z choice (docs/hardware.md §4, §7).

:func:`sweep_z` simulates every common junction cycle ``C`` that :meth:`adjmat.NetSpec.valid_cycles` allows
with ``hardware=True`` (``z_i = W_i / C`` in every junction: ``fi | z``, ``fo | z`` and ``z | p`` hold and the
cycles are equal), plus, when asked, unbalanced choices, and returns a :class:`SweepTable`: per design z,
C, cpc, clocks, throughput, stalls, RMW hazards, multipliers and memory bits.  The command line
(``predefsparse simulate --sweep-z``) prints, saves and plots this table.
"""
from __future__ import annotations

import csv
import io
import itertools
import json
import os
import sys
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

import adjmat
from adjmat import JunctionSpec, NetSpec
from adjmat.errors import SpecError
from adjmat.intmath import divisors
from adjmat.seeds import seed_root
from adjmat.validation import check_bool, check_choice, check_int, check_int_tuple, fail
from adjmat.pattern import atomic_write

from ._checks import check_hardware
from .config import HardwareConfig
from .engine import MODES, simulate
from .resources import resources

__all__ = ["sweep_z", "SweepTable", "SweepRow", "MAX_UNBALANCED"]

#: Most unbalanced z combinations ``allow_unbalanced=True`` enumerates by itself (pass ``z=`` for others).
MAX_UNBALANCED = 256

_COLUMNS = ("z", "C", "balanced", "cpc", "total_clocks", "throughput_inputs_per_s", "stall_clocks_lost",
            "bank_stall_clocks", "rmw_stall_clocks", "rmw_hazards", "multipliers", "memory_bits", "skipped")


@dataclass(frozen=True)
class SweepRow:
    """One design of a z sweep.

    Attributes
    ----------
    z, C : tuple of int
        Parallelism and junction cycle (clocks) of every junction.
    balanced : bool
        All C_i equal (lock-step pipelining without idle junctions).
    cpc, total_clocks : int or None
        Clocks per junction cycle in steady state and clocks of the whole run (None when skipped).
    throughput_inputs_per_s : float or None
        ``f_clk / cpc``.
    stall_clocks_lost : int or None
        Clocks the lock-stepped run lost to stalls (``Report.total_stall_clocks``: per junction cycle the
        slowest junction's stalls; part of ``total_clocks``).
    bank_stall_clocks, rmw_stall_clocks, rmw_hazards : int or None
        Sums over junctions of ``Report.bank_stall_clocks``, ``Report.rmw_stall_clocks`` and
        ``Report.rmw_hazards``.
    multipliers, memory_bits : int
        :func:`hwsim.resources` of the design (memory bits before the overhead factor).
    skipped : str or None
        Why the design was not simulated (the kind cannot be generated for this z), else None.
    """

    z: tuple
    C: tuple
    balanced: bool
    cpc: int | None
    total_clocks: int | None
    throughput_inputs_per_s: float | None
    stall_clocks_lost: int | None
    bank_stall_clocks: int | None
    rmw_stall_clocks: int | None
    rmw_hazards: int | None
    multipliers: int
    memory_bits: int
    skipped: str | None = None


@dataclass(frozen=True)
class SweepTable:
    """The result of :func:`sweep_z`: what was swept and one :class:`SweepRow` per design.

    Attributes
    ----------
    config, fo : tuple of int
        Layer sizes and out-degrees.
    kind : str
        Pattern kind simulated.
    seed : int or None
        The pattern seed every design used (drawn and recorded when none was given; None for a Generator).
    hardware : dict
        :meth:`hwsim.HardwareConfig.to_dict` of the hardware.
    inputs, mode : int, str
        Inputs per simulation and ``"train"`` or ``"infer"``.
    rows : tuple of SweepRow
        Balanced designs first (z increasing), then the unbalanced ones asked for.

    Examples
    --------
    >>> import hwsim
    >>> table = hwsim.sweep_z((1024, 64, 32), (4, 16), "clash_free", inputs=100, seed=0)
    >>> [(r.z, r.cpc, r.multipliers) for r in table.rows]
    [((128, 32), 32, 387), ((256, 64), 16, 774)]
    """

    config: tuple
    fo: tuple
    kind: str
    seed: int | None
    hardware: dict
    inputs: int
    mode: str
    rows: tuple = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict (tuples become lists).

        Examples
        --------
        >>> import hwsim
        >>> d = hwsim.sweep_z((64, 16, 4), (2, 2), "rtl", inputs=10).to_dict()
        >>> d["kind"], [r["z"] for r in d["rows"]][:2]
        ('rtl', [[32, 8], [64, 16]])
        """
        return json.loads(json.dumps(asdict(self)))

    def to_json(self, path: str | os.PathLike) -> str:
        """Write :meth:`to_dict` as indented JSON (atomically); returns the path.

        Examples
        --------
        >>> import hwsim, tempfile, os, json
        >>> t = hwsim.sweep_z((64, 16, 4), (2, 2), "rtl", inputs=10)
        >>> json.load(open(t.to_json(os.path.join(tempfile.mkdtemp(), "s.json"))))["mode"]
        'train'
        """
        text = json.dumps(self.to_dict(), indent=1) + "\n"
        return atomic_write(path, lambda f: f.write(text.encode()))

    def csv_rows(self) -> list[list[Any]]:
        """The table as CSV rows (header first); z and C as ``128;32`` (one entry per junction).

        Examples
        --------
        >>> import hwsim
        >>> hwsim.sweep_z((64, 16, 4), (2, 2), "rtl", inputs=10).csv_rows()[0][:3]
        ['z', 'C', 'balanced']
        """
        out: list[list[Any]] = [list(_COLUMNS)]
        for r in self.rows:
            d = asdict(r)
            out.append([";".join(map(str, d[k])) if k in ("z", "C") else ("" if d[k] is None else d[k])
                        for k in _COLUMNS])
        return out

    def to_csv(self, path: str | os.PathLike) -> str:
        """Write :meth:`csv_rows` to one CSV file (atomically); returns the path.

        Examples
        --------
        >>> import hwsim, tempfile, os
        >>> t = hwsim.sweep_z((64, 16, 4), (2, 2), "rtl", inputs=10)
        >>> open(t.to_csv(os.path.join(tempfile.mkdtemp(), "s.csv"))).readline().strip()[:12]
        'z,C,balanced'
        """
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(self.csv_rows())
        data = buf.getvalue().encode()
        return atomic_write(path, lambda f: f.write(data))

    def summary(self) -> str:
        """A readable table, one line per design.

        Examples
        --------
        >>> import hwsim
        >>> lines = hwsim.sweep_z((1024, 64, 32), (4, 16), "clash_free", inputs=100, seed=0).summary().splitlines()
        >>> print(lines[0])
        sweep z: config (1024, 64, 32) fo (4, 16), kind clash_free, seed 0, train, 100 inputs, ideal timing
        >>> lines[1].split()
        ['z', 'C', 'cpc', 'inputs/s', 'clocks', 'lost', 'bank', 'RMW', 'hazards', 'mult', 'mem', 'bits']
        >>> lines[2].split()
        ['(128,', '32)', '(32,', '32)', '32', '468,750', '3,328', '0', '0', '0', '96,000', '387', '98,880']
        """
        head = (f"sweep z: config {self.config} fo {self.fo}, kind {self.kind}, seed {self.seed}, {self.mode}, "
                f"{self.inputs:,} inputs, {self.hardware['timing']} timing")
        lines = [head, f"  {'z':>14} {'C':>10} {'cpc':>5} {'inputs/s':>11} {'clocks':>12} {'lost':>9} "
                       f"{'bank':>9} {'RMW':>9} {'hazards':>12} {'mult':>6} {'mem bits':>9}"]
        for r in self.rows:
            z, C = str(r.z), str(r.C)
            if r.skipped is not None:
                lines.append(f"  {z:>14} {C:>10}  skipped: {r.skipped}")
                continue
            lines.append(f"  {z:>14} {C:>10} {r.cpc:>5} {r.throughput_inputs_per_s:>11,.0f} {r.total_clocks:>12,} "
                         f"{r.stall_clocks_lost:>9,} {r.bank_stall_clocks:>9,} {r.rmw_stall_clocks:>9,} "
                         f"{r.rmw_hazards:>12,} {r.multipliers:>6,} {r.memory_bits:>9,}")
        lines.append("  lost: clocks lost to stalls (included in clocks); bank, RMW: stall clocks by cause and "
                     "hazards: RMW hazards, summed over junctions; mult: multipliers; mem bits: memory bits "
                     "before the overhead factor")
        return "\n".join(lines)


def _junction_choices(net: NetSpec) -> list[list[int]]:
    """Hardware-faithful z of each junction on its own (fi | z, fo | z, z | p)."""
    out = []
    for js in net.junctions:
        out.append([z for z in divisors(js.p)
                    if not JunctionSpec(js.p, js.n, fo=js.fo, z=z).hardware_violations()])
    return out


def _designs(where: str, net: NetSpec, z: Any, allow_unbalanced: bool) -> list[NetSpec]:
    cycles = NetSpec.valid_cycles(net.config, net.fo, hardware=True)
    designs = [NetSpec(net.config, net.fo, tuple(w // c for w in net.W)) for c in sorted(cycles, reverse=True)]
    seen = {d.z for d in designs}
    if z is not None:
        if isinstance(z, (str, bytes)) or not isinstance(z, Sequence) or not z:
            raise fail(where, "z", f"a non-empty sequence of z tuples (one int per junction, {net.L} each)", z)
        for k, zk in enumerate(z):
            zk = check_int_tuple(where, f"z[{k}]", zk, length=net.L)
            try:
                d = NetSpec(net.config, net.fo, zk)
            except SpecError as err:
                raise err.within(where, f"z[{k}] = {zk}") from None
            if d.cycle is None and not allow_unbalanced:
                raise fail(where, "allow_unbalanced", f"True to simulate z[{k}] = {zk}, whose junction cycles "
                           f"C = {d.cycles} differ (the slowest junction sets every cycle)", allow_unbalanced)
            if d.z not in seen:
                designs.append(d)
                seen.add(d.z)
    elif allow_unbalanced:
        choices = _junction_choices(net)
        count = int(np.prod([len(c) for c in choices], dtype=object))
        if count > MAX_UNBALANCED:
            raise fail(where, "z", f"the designs to simulate, as z=[(...), ...], when allow_unbalanced=True "
                       f"would give {count:,} combinations of per-junction hardware-faithful z (more than "
                       f"{MAX_UNBALANCED})", None)
        for zk in itertools.product(*choices):
            if zk not in seen:
                designs.append(NetSpec(net.config, net.fo, zk))
                seen.add(zk)
    if not designs:
        raise fail(where, "allow_unbalanced", f"True here: config={net.config}, fo={net.fo} has no balanced "
                   f"hardware-faithful choice of z (valid cycles without the hardware rules: "
                   f"{NetSpec.valid_cycles(net.config, net.fo)})", allow_unbalanced,
                   "Set it to sweep the unbalanced ones.")
    return designs


def sweep_z(netspec: NetSpec | Sequence[int], fo: Sequence[int] | None = None, kind: str = "clash_free", *,
            hardware: HardwareConfig | None = None, inputs: int = 1000, mode: str = "train", seed: Any = None,
            z: Sequence[Sequence[int]] | None = None, allow_unbalanced: bool = False,
            progress: bool | Callable[[int, int], Any] | None = None, **options: Any) -> SweepTable:
    """Simulate a network at every hardware-faithful parallelism z (and chosen unbalanced ones).

    Parameters
    ----------
    netspec : adjmat.NetSpec or sequence of int
        The network (its z, if any, is ignored) or its layer sizes ``config``.
    fo : sequence of int, optional
        Out-degrees; required with a ``config``, taken from the NetSpec otherwise.
    kind : str
        Pattern kind (:func:`adjmat.kind_names`), generated for each z with the same ``seed``.
    hardware : HardwareConfig, optional
        Clock, timing, PROCTIME, ports, RMW policy and widths (default ``HardwareConfig()``).
    inputs : int
        Inputs per simulation.
    mode : {"train", "infer"}
    seed : None, int, SeedSequence or Generator
        Pattern seed, the same for every design (None draws one and records it in the table).
    z : sequence of z tuples, optional
        Designs to add to the balanced ones (one z per junction each); unbalanced ones need
        ``allow_unbalanced=True``.
    allow_unbalanced : bool
        Accept designs whose junction cycles differ.  Without ``z`` this adds every combination of
        per-junction hardware-faithful z (at most :data:`MAX_UNBALANCED`).
    progress : bool or callable, optional
        True prints ``sweep-z: design k/N z=...`` to stderr; a callable gets ``(k, N)``.
    **options
        Kind options passed to :func:`adjmat.generate_network` (for example ``type=2``, ``dither=True``).

    Returns
    -------
    SweepTable

    Raises
    ------
    adjmat.SpecError
        Before any simulation, for an invalid argument or when there is no design to sweep.

    Notes
    -----
    The balanced designs are every ``C`` in ``NetSpec.valid_cycles(config, fo, hardware=True)`` with
    ``z_i = W_i / C``.  A design whose patterns cannot be generated (a kind condition this z breaks) is kept
    as a row with ``skipped`` saying why and its resources.

    Examples
    --------
    >>> import hwsim
    >>> t = hwsim.sweep_z((1024, 64, 32), (4, 16), "clash_free", inputs=1000, seed=0,
    ...                   hardware=hwsim.HardwareConfig(timing="rtl"))
    >>> [(r.z, r.cpc, round(r.throughput_inputs_per_s)) for r in t.rows]
    [((128, 32), 36, 416667), ((256, 64), 20, 750000)]
    """
    where = "sweep_z"
    if isinstance(netspec, NetSpec):
        if fo is not None and tuple(fo) != netspec.fo:
            raise fail(where, "fo", f"None or the NetSpec's fo {netspec.fo}", fo)
        net = NetSpec(netspec.config, netspec.fo)
    else:
        if fo is None:
            raise fail(where, "fo", "the out-degrees (one per junction) when netspec is a config", None,
                       "For example sweep_z((1024, 64, 32), (4, 16), 'clash_free').")
        try:
            net = NetSpec(netspec, fo)
        except SpecError as err:
            raise SpecError(f"{where}: netspec must be an adjmat.NetSpec or layer sizes (config) that fit fo; "
                            f"{str(err).split(': ', 1)[-1]}") from None
    spec = adjmat.get_kind(kind, where, "kind")
    kind = spec.name
    unknown = sorted(set(options) - set(spec.options))
    if unknown:
        raise SpecError(f"{where}: {unknown[0]} is not an option of kind {kind!r}; received {unknown[0]}="
                        f"{options[unknown[0]]!r}. Options of {kind!r}: "
                        + (", ".join(f"{k} (default {v!r})" for k, v in spec.options.items()) or "none") + ".")
    hw = check_hardware(where, hardware)
    inputs = check_int(where, "inputs", inputs, minimum=1)
    mode = check_choice(where, "mode", mode, MODES)
    allow_unbalanced = check_bool(where, "allow_unbalanced", allow_unbalanced)
    if not (progress is None or isinstance(progress, (bool, np.bool_)) or callable(progress)):
        raise fail(where, "progress", "None, a bool or a callable(done, total)", progress)
    if isinstance(seed, np.random.Generator):
        pattern_seed, recorded = seed, None
    else:
        pattern_seed, recorded = seed_root(where, seed)
    designs = _designs(where, net, z, allow_unbalanced)
    show = progress if callable(progress) else None
    rows = []
    for k, d in enumerate(designs, start=1):
        if progress is True:
            end = "\n" if k == len(designs) else ""
            print(f"\rsweep-z: design {k}/{len(designs)} z={d.z}", end=end, file=sys.stderr, flush=True)
        elif show is not None:
            show(k, len(designs))
        res = resources(d, hw)
        common = dict(z=d.z, C=d.cycles, balanced=d.cycle is not None, multipliers=res["multipliers"],
                      memory_bits=res["memory_bits"]["total"])
        try:
            pats = adjmat.generate_network(d, kind, seed=pattern_seed, **options)
        except SpecError as err:  # a condition of the kind this z breaks: keep the row, say why
            rows.append(SweepRow(cpc=None, total_clocks=None, throughput_inputs_per_s=None, stall_clocks_lost=None,
                                 bank_stall_clocks=None, rmw_stall_clocks=None, rmw_hazards=None,
                                 skipped=str(err), **common))
            continue
        rep = simulate(d, pats, hw, inputs=inputs, mode=mode, allow_unbalanced=d.cycle is None)
        rows.append(SweepRow(cpc=rep.cpc, total_clocks=rep.total_clocks,
                             throughput_inputs_per_s=rep.throughput_inputs_per_s,
                             stall_clocks_lost=rep.total_stall_clocks, bank_stall_clocks=sum(rep.bank_stall_clocks),
                             rmw_stall_clocks=sum(rep.rmw_stall_clocks), rmw_hazards=sum(rep.rmw_hazards),
                             **common))
    return SweepTable(config=net.config, fo=net.fo, kind=kind, seed=recorded, hardware=hw.to_dict(), inputs=inputs,
                      mode=mode, rows=tuple(rows))
