"""The result of a cycle-level simulation: :class:`Report`, with JSON and per-concern CSV export.

The CSV layout follows SCALE-Sim's habit of one file per concern (docs/hardware.md §10): ``summary.csv``,
``junctions.csv``, ``traffic.csv``, ``clash_histogram.csv`` and ``resources.csv``; every file is written
atomically (temp file + rename).
"""
from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import asdict, dataclass, fields
from typing import Any

from adjmat.pattern import atomic_write

__all__ = ["Report", "UNITS", "TRAFFIC_KINDS", "MEMORY_OF_KIND", "CSV_FILES"]

UNITS = ("ff", "bp", "up")

#: Traffic counters, in the kernel's column order.  Each names (memory, direction) in MEMORY_OF_KIND.
TRAFFIC_KINDS = ("am_read_ff", "am_read_up", "adm_read", "dm_rmw_read", "dm_rmw_write", "wm_read", "wm_write",
                 "bm_read", "bm_write", "am_write", "adm_write", "dm_read", "dm_clear", "dm_out_write", "am_load")

#: Memory and direction of every traffic counter: AM activations, ADM activation derivatives, DM deltas,
#: WM and BM the weight and bias halves of the weight+bias memory WBM.
MEMORY_OF_KIND = {
    "am_read_ff": ("AM", "reads"), "am_read_up": ("AM", "reads"), "adm_read": ("ADM", "reads"),
    "dm_rmw_read": ("DM", "reads"), "dm_rmw_write": ("DM", "writes"), "wm_read": ("WM", "reads"),
    "wm_write": ("WM", "writes"), "bm_read": ("BM", "reads"), "bm_write": ("BM", "writes"),
    "am_write": ("AM", "writes"), "adm_write": ("ADM", "writes"), "dm_read": ("DM", "reads"),
    "dm_clear": ("DM", "writes"), "dm_out_write": ("DM", "writes"), "am_load": ("AM", "writes"),
}

CSV_FILES = ("summary.csv", "junctions.csv", "traffic.csv", "clash_histogram.csv", "resources.csv")

_SCALARS = ("mode", "inputs", "method", "total_clocks", "junction_cycles", "cpc", "latency_cycles",
            "latency_clocks", "latency_clocks_min", "latency_s", "throughput_inputs_per_s", "run_inputs_per_s",
            "edge_ops_per_input", "edge_ops_per_s", "total_stall_clocks")


@dataclass(frozen=True)
class Report:
    """Everything one :func:`hwsim.simulate` run measured.  Per-junction values are tuples indexed by
    junction (0 = junction 1); per-unit values are dicts keyed ``"ff"``, ``"bp"``, ``"up"``.

    Attributes
    ----------
    netspec, config, patterns : dict / list
        What was simulated (layer sizes, fo, fi, z, W, C; the HardwareConfig fields; pattern kind/seed/meta).
    mode, inputs, method : str, int, str
        ``"train"``/``"infer"``, N, and ``"segments"`` (one cycle per run of identical cycles, multiplied) or
        ``"every_cycle"``.
    hardware_violations : list of str
        Rules of the published RTL the netspec breaks (fi | z, fo | z, equal cycles).
    total_clocks : int
        Clocks of the whole run, fill and drain included.
    junction_cycles : int
        ``N + 2L`` (train) or ``N + L`` (infer).
    cpc : int
        Clocks per junction cycle in steady state (the longest cycle of the run), overhead included.
    latency_cycles, latency_clocks, latency_clocks_min, latency_s : int, int, int, float
        Junction cycles from loading an input to its last event (2L+1 train, L+1 infer); the most and least
        clocks any input took; the most in seconds at ``f_clk``.
    throughput_inputs_per_s, run_inputs_per_s : float
        ``f_clk / cpc`` (steady state) and ``N * f_clk / total_clocks`` (whole run).
    edge_ops_per_input, edge_ops_per_s : int, float
        Edge operations (see ``mac_convention``) per input and per second in steady state.
    mac_convention : str
        How edge operations are counted.
    active_cycles : tuple of int
        Junction cycles in which each junction had any unit active.
    unit_cycles, edges : dict of tuple of int
        Per unit and junction: cycles active, edges processed.
    utilisation : dict of tuple of float
        Edges processed / (z * clocks of the cycles the unit was active): 1.0 for a balanced clash-free
        design in ideal timing, ``C / (C + overhead)`` in rtl timing; 0 for a unit that never runs (BP of
        junction 1).
    occupancy : dict of tuple of float
        Edges processed / (z * total_clocks): includes fill and drain.
    total_stall_clocks : int
        Clocks the lock-stepped pipeline lost beyond the nominal ``C + overhead`` per cycle, summed over the
        junction cycles; in each cycle this is the slowest junction's stalls (junctions stall in parallel),
        so it is at most the sum over junctions of ``bank_stall_clocks`` and ``rmw_stall_clocks``.
    bank_stall_clocks, rmw_stall_clocks : tuple of int
        Per junction: extra clocks serialising bank clashes; extra clocks inserted by ``rmw="stall"``.
    max_load_hist : list of tuple of int
        Per junction: ``hist[k]`` = clocks whose most loaded bank had k accesses.
    rmw_hazards, rmw_stale : tuple of int
        Delta-memory reads issued while the write-back of the same left neuron's previous read was still
        pending (fewer than ``1 + proctime`` clocks earlier); of those, reads that got a stale value
        (all of them with ``rmw="count"``, none with ``"forward"`` or ``"stall"``).  With ``"stall"`` a stall
        delays the rest of the clock, so later reads of that clock are no longer pending: the hazard count
        then counts the stalls' causes, not every read of the unremedied schedule.
    rmw_min_distance : tuple of int or None
        Shortest delta-memory revisit distance in clocks, measured as issued, before the read's own RMW stall
        (None: no left neuron revisited, e.g. junction 1, which has no BP).
    traffic : dict of tuple of int
        Accesses of the whole run per kind (:data:`TRAFFIC_KINDS`) and junction.
    traffic_per_input : dict of tuple of int or None
        The same for one steady-state junction cycle (= one input); None when the run has no steady state.
    memory_traffic : dict
        ``{"AM": {"reads": ..., "writes": ...}, "ADM": ..., "DM": ..., "WM": ..., "BM": ...}`` for the run.
    resources : dict
        :func:`hwsim.resources` of the design (multipliers, adders, lookup tables, memory bits, I/O).
    weight_staleness : tuple of int
        Updates not yet landed when FF reads a weight: ``2(L-i)+1`` in pipelined training, 0 in inference.
    perf : dict
        Wall time of the simulation, junction cycles and edge events the kernel actually walked, and the
        edge events the report represents.  Machine dependent: left out of golden comparisons.

    Examples
    --------
    >>> import adjmat, hwsim
    >>> net = adjmat.NetSpec((64, 16, 4), fo=(2, 2), z=(32, 8))
    >>> rep = hwsim.simulate(net, adjmat.generate_network(net, "clash_free", seed=0), inputs=10)
    >>> rep.total_clocks, rep.utilisation["ff"]
    (56, (1.0, 1.0))
    """

    netspec: dict
    config: dict
    patterns: list
    mode: str
    inputs: int
    method: str
    hardware_violations: list
    total_clocks: int
    junction_cycles: int
    cpc: int
    latency_cycles: int
    latency_clocks: int
    latency_clocks_min: int
    latency_s: float
    throughput_inputs_per_s: float
    run_inputs_per_s: float
    edge_ops_per_input: int
    edge_ops_per_s: float
    mac_convention: str
    active_cycles: tuple
    unit_cycles: dict
    edges: dict
    utilisation: dict
    occupancy: dict
    total_stall_clocks: int
    bank_stall_clocks: tuple
    rmw_stall_clocks: tuple
    max_load_hist: list
    rmw_hazards: tuple
    rmw_stale: tuple
    rmw_min_distance: tuple
    traffic: dict
    traffic_per_input: dict | None
    memory_traffic: dict
    resources: dict
    weight_staleness: tuple
    perf: dict

    @property
    def L(self) -> int:
        """Number of junctions."""
        return len(self.netspec["z"])

    def to_dict(self, *, perf: bool = True) -> dict[str, Any]:
        """A JSON-serialisable dict of every field (tuples become lists).

        Parameters
        ----------
        perf : bool
            Include the machine-dependent ``perf`` field (False for golden comparisons).

        Examples
        --------
        >>> import adjmat, hwsim
        >>> net = adjmat.NetSpec((64, 16, 4), fo=(2, 2), z=(32, 8))
        >>> d = hwsim.simulate(net, adjmat.generate_network(net, "rtl"), inputs=4).to_dict(perf=False)
        >>> d["cpc"], "perf" in d
        (4, False)
        """
        d = json.loads(json.dumps(asdict(self)))
        if not perf:
            d.pop("perf")
        return d

    def to_json(self, path: str | os.PathLike, *, perf: bool = True) -> str:
        """Write :meth:`to_dict` as indented JSON (atomically).  Returns the path.

        Examples
        --------
        >>> import adjmat, hwsim, tempfile, os, json
        >>> net = adjmat.NetSpec((64, 16, 4), fo=(2, 2), z=(32, 8))
        >>> rep = hwsim.simulate(net, adjmat.generate_network(net, "rtl"), inputs=4)
        >>> path = rep.to_json(os.path.join(tempfile.mkdtemp(), "r.json"))
        >>> json.load(open(path))["total_clocks"]
        32
        """
        text = json.dumps(self.to_dict(perf=perf), indent=1, sort_keys=True) + "\n"
        return atomic_write(path, lambda f: f.write(text.encode()))

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Report":
        """Rebuild a report from :meth:`to_dict` output (lists stay lists; a missing ``perf`` becomes {}).

        Examples
        --------
        >>> import adjmat, hwsim
        >>> net = adjmat.NetSpec((64, 16, 4), fo=(2, 2), z=(32, 8))
        >>> rep = hwsim.simulate(net, adjmat.generate_network(net, "rtl"), inputs=4)
        >>> hwsim.Report.from_dict(rep.to_dict()).cpc
        4
        """
        names = {f.name for f in fields(cls)}
        kw = {k: v for k, v in d.items() if k in names}
        kw.setdefault("perf", {})
        return cls(**kw)

    # ------------------------------------------------------------------ CSV (one file per concern)
    def _tables(self) -> dict[str, list[list[Any]]]:
        L = self.L
        ns = self.netspec
        summary = [["key", "value"]] + [[k, getattr(self, k)] for k in _SCALARS]
        summary += [["bank_stall_clocks_sum", sum(self.bank_stall_clocks)],
                    ["rmw_stall_clocks_sum", sum(self.rmw_stall_clocks)], ["rmw_hazards_sum", sum(self.rmw_hazards)],
                    ["hardware_violations", "; ".join(self.hardware_violations)]]
        summary += [["f_clk", self.config["f_clk"]], ["timing", self.config["timing"]],
                    ["overhead", 0 if self.config["timing"] == "ideal" else 2 + self.config["proctime"]],
                    ["mac_convention", self.mac_convention]]
        head = (["junction", "p", "n", "fo", "fi", "z", "C", "active_cycles"]
                + [f"utilisation_{u}" for u in UNITS] + [f"occupancy_{u}" for u in UNITS]
                + ["bank_stall_clocks", "rmw_stall_clocks", "rmw_hazards", "rmw_stale", "rmw_min_distance",
                   "weight_staleness"])
        junctions = [head]
        for i in range(L):
            junctions.append(
                [i + 1, ns["config"][i], ns["config"][i + 1], ns["fo"][i], ns["fi"][i], ns["z"][i], ns["C"][i],
                 self.active_cycles[i]] + [self.utilisation[u][i] for u in UNITS]
                + [self.occupancy[u][i] for u in UNITS]
                + [self.bank_stall_clocks[i], self.rmw_stall_clocks[i], self.rmw_hazards[i], self.rmw_stale[i],
                   "" if self.rmw_min_distance[i] is None else self.rmw_min_distance[i],
                   self.weight_staleness[i]])
        traffic = [["junction", "kind", "memory", "direction", "total", "per_input"]]
        for i in range(L):
            for k in TRAFFIC_KINDS:
                mem, op = MEMORY_OF_KIND[k]
                per = "" if self.traffic_per_input is None else self.traffic_per_input[k][i]
                traffic.append([i + 1, k, mem, op, self.traffic[k][i], per])
        hist = [["junction", "max_bank_load", "clocks"]]
        for i, h in enumerate(self.max_load_hist):
            hist += [[i + 1, k, v] for k, v in enumerate(h) if k > 0]
        res = [["scope", "item", "value"]]
        for key, value in _flatten(self.resources):
            scope, _, item = key.partition("/") if key.startswith("junction") else ("network", "", key)
            res.append([scope, item, value])
        return {"summary.csv": summary, "junctions.csv": junctions, "traffic.csv": traffic,
                "clash_histogram.csv": hist, "resources.csv": res}

    def to_csv(self, directory: str | os.PathLike) -> list[str]:
        """Write one CSV per concern into ``directory`` (created if needed; atomic writes).

        Returns the paths written: ``summary.csv``, ``junctions.csv``, ``traffic.csv``,
        ``clash_histogram.csv``, ``resources.csv``.

        Examples
        --------
        >>> import adjmat, hwsim, tempfile, os
        >>> net = adjmat.NetSpec((64, 16, 4), fo=(2, 2), z=(32, 8))
        >>> rep = hwsim.simulate(net, adjmat.generate_network(net, "rtl"), inputs=4)
        >>> [os.path.basename(p) for p in rep.to_csv(tempfile.mkdtemp())][:2]
        ['summary.csv', 'junctions.csv']
        """
        out = []
        for name, rows in self._tables().items():
            buf = io.StringIO()
            csv.writer(buf, lineterminator="\n").writerows(rows)
            data = buf.getvalue().encode()
            out.append(atomic_write(os.path.join(os.fspath(directory), name), lambda f, data=data: f.write(data)))
        return out

    def summary(self) -> str:
        """A readable multi-line table of the headline figures and the per-junction breakdown.

        Examples
        --------
        >>> import adjmat, hwsim
        >>> net = adjmat.NetSpec((64, 16, 4), fo=(2, 2), z=(32, 8))
        >>> print(hwsim.simulate(net, adjmat.generate_network(net, "rtl"), inputs=4).summary())  # doctest: +ELLIPSIS
        hwsim ... train, 4 inputs, ideal timing at 15 MHz
        ...
        """
        c = self.config
        kinds = sorted({pat["kind"] for pat in self.patterns})
        bank, rmw = sum(self.bank_stall_clocks), sum(self.rmw_stall_clocks)
        lines = [f"hwsim {self.netspec['config']} fo={self.netspec['fo']} z={self.netspec['z']} "
                 f"kind={'/'.join(kinds)}: {self.mode}, {self.inputs:,} inputs, {c['timing']} timing at "
                 f"{c['f_clk'] / 1e6:g} MHz",
                 f"  total clocks      {self.total_clocks:,}  ({self.junction_cycles:,} junction cycles x "
                 f"cpc {self.cpc})",
                 f"  latency           {self.latency_cycles} cycles = {self.latency_clocks:,} clocks = "
                 f"{self.latency_s * 1e6:.3f} us",
                 f"  throughput        {self.throughput_inputs_per_s:,.0f} inputs/s, "
                 f"{self.edge_ops_per_s:.4g} edge ops/s ({self.edge_ops_per_input:,} per input)",
                 f"  clocks lost       {self.total_stall_clocks:,}  (stalls of the slowest junction in each "
                 f"junction cycle, summed over cycles; part of total clocks)",
                 f"  stall clocks      bank {bank:,} + RMW {rmw:,} = {bank + rmw:,}  (summed over junctions; "
                 f"junctions stalling in the same cycle overlap)",
                 f"  RMW hazards       {sum(self.rmw_hazards):,}  (stale reads {sum(self.rmw_stale):,}, "
                 f"rmw={c['rmw']})"]
        if self.hardware_violations:
            lines.append(f"  hardware violations ({len(self.hardware_violations)}):")
            lines += [f"    - {v}" for v in self.hardware_violations]
        else:
            lines.append("  hardware violations: none")
        lines.append("")
        head = f"  {'junction':>8} {'z':>5} {'C':>5} {'util FF':>8} {'util BP':>8} {'util UP':>8} " \
               f"{'bank stalls':>12} {'RMW stalls':>11} {'RMW hazards':>12} {'RMW stale':>10} {'min dist':>9}"
        lines.append(head)
        for i in range(self.L):
            md = self.rmw_min_distance[i]
            lines.append(f"  {i + 1:>8} {self.netspec['z'][i]:>5} {self.netspec['C'][i]:>5} "
                         f"{self.utilisation['ff'][i]:>8.3f} {self.utilisation['bp'][i]:>8.3f} "
                         f"{self.utilisation['up'][i]:>8.3f} {self.bank_stall_clocks[i]:>12,} "
                         f"{self.rmw_stall_clocks[i]:>11,} {self.rmw_hazards[i]:>12,} {self.rmw_stale[i]:>10,} "
                         f"{'-' if md is None else md:>9}")
        lines.append(f"  {'sum':>8} {'':>5} {'':>5} {'':>8} {'':>8} {'':>8} {bank:>12,} {rmw:>11,} "
                     f"{sum(self.rmw_hazards):>12,} {sum(self.rmw_stale):>10,}")
        r = self.resources
        lines += ["", f"  multipliers {r['multipliers']:,}, adders {r['adders']:,}, lookup tables "
                  f"{r['lookup_tables']:,}, memory bits {r['memory_bits']['total']:,} "
                  f"({r['memory_bits']['total_with_overhead']:,.0f} with x{c['memory_overhead']:g} overhead)"]
        return "\n".join(lines)


def _flatten(d: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """Flatten nested dicts/lists into ('a/b/c', value) pairs (lists of dicts are keyed junction<i>)."""
    out: list[tuple[str, Any]] = []
    if isinstance(d, dict):
        for k, v in d.items():
            out += _flatten(v, f"{prefix}/{k}" if prefix else str(k))
    elif isinstance(d, (list, tuple)) and d and isinstance(d[0], dict):
        for i, v in enumerate(d):
            out += _flatten(v, f"junction{i + 1}" + (f"/{prefix}" if prefix and prefix != "junctions" else ""))
    else:
        out.append((prefix, d))
    return out
