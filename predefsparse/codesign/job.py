"""The design job: which pattern kind, which z, and what it costs in accuracy -- five phases, one report.

:func:`design` carries one network through Plan (:func:`hwsim.planning.plan`), Patterns, Hardware
(:func:`hwsim.simulate` and :mod:`hwsim.energy`), Accuracy (Keras training per kind and seed, the trained
weights on the chip's fixed-point arithmetic, and optionally on-chip training) and Answer
(:mod:`predefsparse.codesign.ranking`), under one lock of the output folder taken before anything is written.
"""
from __future__ import annotations

import hashlib
import os
import time
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

import hwsim
from adjmat.errors import SpecError
from adjmat.validation import check_bool, check_choice, check_float, check_int, fail
from hwsim.planning import Plan, plan as make_plan

from .. import defaults, jsonio
from ..fmt import fmt_list, pct
from ..lock import FolderLock
from . import chip, ranking
from .checks import check_dataset, check_kinds, check_out, check_seed, check_verbose, read_energy
from .point import SIM_INPUTS, TRAINING, finished, netspec_for, point_hardware, point_patterns, point_train, row

__all__ = ["design", "Design", "DEFAULT_KINDS", "SEEDS", "ONCHIP_EPOCHS", "DESIGN_FORMAT"]

DEFAULT_KINDS = ("fc", "random", "basic", "usn", "clash_free", "rtl")
#: Seeds per kind by default (:data:`predefsparse.defaults.SEEDS`).
SEEDS = defaults.SEEDS
#: Epochs of on-chip training by default (one epoch of MNIST is about 15 s per kind and seed on one core).
ONCHIP_EPOCHS = 1
DESIGN_FORMAT = "predefsparse.design/2"
_REQUEST_BYTES = 2 ** 20


@dataclass(frozen=True)
class Design:
    """The result of :func:`design`: plan, one row per kind and seed, the per-kind summary (ranked), the Pareto
    fronts and the recommendation.

    Attributes
    ----------
    plan : hwsim.planning.Plan
    request : dict
        The arguments of the call (JSON-safe).
    rows : list of dict
        One :func:`predefsparse.codesign.evaluate`-style row per kind and seed (``same_as``: the kind whose
        identical patterns were trained instead).
    kinds : list of dict
        One entry per kind, ranked by the ``rank_by`` measure's mean (then inputs/s): mean, spread (sample
        standard deviation; None with one seed), min and max over seeds of the float, hardware and on-chip
        accuracies; hardware figures of the first seed; ratios against fc; ``differs_from_fc`` (Welch's test).
    curves : dict
        ``{kind: {seed: history}}``: training loss and accuracy per epoch (Keras).
    hardware : dict
        ``{kind: {...}}`` per-junction stalls, RMW hazards, busiest-bank histograms and the energy breakdown of
        the first seed.
    pareto : dict
        ``{"throughput" | "energy_pj" | "W": [kinds on the accuracy trade-off front]}`` on the ranking measure.
    recommended : str or None
        The recommended kind; None when none qualifies or the ranking is not meaningful.
    recommendation : str
        The answer: the kind, its figures, what it traded, whether it can be built on the published RTL.
    answer : dict
        The rule's facts (:func:`predefsparse.codesign.ranking.recommend`): rank_by, max_loss, meaningful,
        chance_note, qualifying, tied_with_best, buildable, buildable_note, test.
    duplicates : list of dict
        ``{"kind", "same_as", "seeds"}``: kinds whose patterns equal an earlier kind's (trained once).
    warnings : list of str
        Figures that are not meaningful (an energy table in the wrong unit, accuracies near chance).
    energy_table : dict
        The per-operation energies used.
    timings : dict
        Wall seconds per phase (``plan_s`` ... ``total_s``) and ``runs_reused``.
    out : str or None
        The folder written.
    """

    plan: Plan
    request: dict
    rows: list
    kinds: list
    curves: dict
    hardware: dict
    pareto: dict
    recommended: str | None
    recommendation: str
    answer: dict
    duplicates: list
    warnings: list
    energy_table: dict
    timings: dict
    out: str | None
    patterns: dict = field(default_factory=dict, repr=False, compare=False)

    def kind(self, name: str) -> dict:
        """The summary entry of kind ``name``."""
        for entry in self.kinds:
            if entry["kind"] == name:
                return entry
        raise fail("Design.kind", "name", "one of " + ", ".join(e["kind"] for e in self.kinds), name)

    def to_dict(self) -> dict[str, Any]:
        """Everything the report shows, JSON-safe (``design.json``; missing numbers are ``null``)."""
        from .. import __version__
        return {"format": DESIGN_FORMAT, "version": __version__, "request": self.request,
                "plan": self.plan.to_dict(), "energy_table": self.energy_table, "rows": self.rows,
                "kinds": self.kinds, "curves": self.curves, "hardware": self.hardware, "pareto": self.pareto,
                "recommended": self.recommended, "recommendation": self.recommendation, "answer": self.answer,
                "duplicates": self.duplicates, "warnings": self.warnings, "timings": self.timings, "out": self.out}

    def save(self, out: str | os.PathLike) -> dict[str, str]:
        """Write ``design.json`` (strict JSON), ``report.html`` (self-contained) and ``report.md`` with
        ``figures/`` into ``out``.  Returns the paths by role."""
        from .report import build_page
        out = os.fspath(out)
        paths = {"json": jsonio.write_json(os.path.join(out, "design.json"), self.to_dict())}
        paths.update(build_page(self).save(out))
        return paths


def _say(verbose: Any, text: str) -> None:
    if verbose != 0:
        print(text, flush=True)


def _request_hash(request: dict) -> str:
    return hashlib.sha256(jsonio.dumps(request, indent=None, sort_keys=True).encode()).hexdigest()[:8]


def _same_request(where: str, out: str, request: dict) -> None:
    """Refuse an ``out`` holding a design of another request (a rerun of the same request resumes)."""
    saved = os.path.join(out, "request.json")
    if not os.path.lexists(saved):
        return
    try:
        old = jsonio.read_json(saved, param="out", max_bytes=_REQUEST_BYTES, where=where, what="design request",
                               inside=out)
    except SpecError:
        old = None
    if old != request:
        old = old if isinstance(old, dict) else {}
        differ = sorted(k for k in set(request) | set(old) if old.get(k) != request.get(k))
        raise fail(where, "out", "an empty folder or one holding a design of this same request", out,
                   f"It holds a design of another request (differs in {', '.join(differ)}); choose another folder "
                   f"or remove that one.")


def _check_request(where, config, fo, densities, z1, cycle, multipliers, throughput, kinds, dataset, epochs, seeds,
                   seed, clock, timing, arithmetic, energy, rank_by, max_loss, on_chip, onchip_epochs, out, data_dir,
                   verbose):
    """Every check of :func:`design`, before any work; returns the plan, the checked values and the request."""
    if fo is None and densities is None:
        if not isinstance(config, (str, bytes)) and hasattr(config, "__len__") and tuple(config) == defaults.CONFIG:
            fo = defaults.FO
    the_plan = make_plan(config, fo=fo, densities=densities, z1=z1, cycle=cycle, multipliers=multipliers,
                         throughput=throughput, timing=timing, clock=clock)
    kinds = check_kinds(where, kinds)
    arithmetic = check_choice(where, "arithmetic", arithmetic, hwsim.ARITHMETICS)
    hardware = the_plan.hardware if arithmetic == "hwsim" else \
        hwsim.HardwareConfig.reconfig2018(f_clk=the_plan.clock, timing=the_plan.timing)
    epochs = check_int(where, "epochs", epochs, minimum=1)
    seeds = check_int(where, "seeds", seeds, minimum=1, maximum=1000)
    seed = check_seed(where, "seed", seed)
    verbose = check_verbose(where, verbose)
    rank_by = check_choice(where, "rank_by", rank_by, tuple(ranking.MEASURES))
    max_loss = check_float(where, "max_loss", max_loss, low=0.0, high=100.0)
    on_chip = check_bool(where, "on_chip", on_chip)
    onchip_epochs = check_int(where, "onchip_epochs", onchip_epochs, minimum=1, maximum=1000)
    if rank_by == "onchip" and not on_chip:
        raise fail(where, "rank_by", "'float' or 'hardware' unless on-chip training is asked for", rank_by,
                   "Ask for on-chip training too (on_chip=True, the command line's --on-chip).")
    table = read_energy(energy, where=where)
    dataset = check_dataset(where, dataset, data_dir, the_plan.config)
    request = {"config": list(the_plan.config), "fo": list(the_plan.fo), "z": list(the_plan.z),
               "budget": the_plan.budget, "kinds": list(kinds), "dataset": dataset, "epochs": epochs,
               "seeds": defaults.seeds_from(seed, seeds), "clock": the_plan.clock, "timing": timing,
               "arithmetic": arithmetic, "energy": table.to_dict(), "training": TRAINING, "inputs": SIM_INPUTS,
               "on_chip": on_chip,
               "onchip_epochs": onchip_epochs if on_chip else None}
    if out is None:
        out = os.path.join("designs", f"net{fmt_list(the_plan.config)}_fo{fmt_list(the_plan.fo)}"
                                      f"_z{fmt_list(the_plan.z)}_{_request_hash(request)}")
    out = check_out(where, out)
    return (the_plan, hardware, kinds, dataset, epochs, request, rank_by, max_loss, on_chip, onchip_epochs, table, out,
            verbose)


def _identical(a: list, b: list) -> bool:
    return len(a) == len(b) and all(p.p == q.p and p.n == q.n and p.W == q.W and np.array_equal(p.left, q.left)
                                    and np.array_equal(p.right, q.right) for p, q in zip(a, b))


def _patterns_phase(the_plan, kinds, seed_list, verbose):
    config, fo, z = the_plan.config, the_plan.fo, the_plan.z
    _say(verbose, f"[2/5] Patterns: {len(kinds)} kinds x {len(seed_list)} seed(s) at z={z}")
    pats, pfacts, netspecs, same_as = {}, {}, {}, {}
    for kind in kinds:
        netspecs[kind] = netspec_for(kind, config, fo, z)
        for s in seed_list:
            try:
                pats[kind, s], pfacts[kind, s] = point_patterns(kind, netspecs[kind], s)
            except SpecError as err:
                raise fail("design", "kinds", f"kinds that can be built at the planned z={z}", kind,
                           f"{kind} cannot: {err} Leave it out or choose another budget.") from None
            twin = next((k for k in kinds[:kinds.index(kind)] if _identical(pats[k, s], pats[kind, s])), None)
            if twin is not None:
                same_as[kind, s] = same_as.get((twin, s), twin)
        f0 = pfacts[kind, seed_list[0]]
        twins = sorted({same_as[kind, s] for s in seed_list if (kind, s) in same_as})
        _say(verbose, f"  {kind:<11} valid {'yes' if f0['valid'] else 'NO'}, clash-free at z "
                      f"{'yes' if f0['clash_free'] else 'no'}, scatter {f0['scatter']:.3f}"
                      + (f"; the same patterns as {', '.join(twins)} (trained once)" if twins else ""))
    return pats, pfacts, netspecs, same_as


def _accuracy_phase(the_plan, hw, kinds, seed_list, dataset, epochs, out, data_dir, verbose, pats, netspecs,
                    same_as, on_chip, onchip_epochs):
    config, fo, z = the_plan.config, the_plan.fo, the_plan.z
    todo = [(k, s) for k in kinds for s in seed_list if (k, s) not in same_as]
    _say(verbose, f"[4/5] Accuracy: {len(todo)} training run(s), {epochs} epoch(s) each on {dataset}, then each "
                  f"model on the chip's fixed-point arithmetic (hwsim.infer on the test split)"
                  + (f", then {onchip_epochs} epoch(s) of on-chip training each" if on_chip else ""))
    test = chip.test_split(dataset, data_dir, config)
    train = chip.train_split(dataset, data_dir, config) if on_chip else None
    results, reused, t0 = {}, 0, time.perf_counter()
    for done, (kind, s) in enumerate(todo, 1):
        run_dir = os.path.join(out, "runs", f"{kind}-seed{s}")
        _say(verbose, f"  run {done}/{len(todo)}: {kind}, seed {s} -> {run_dir}")
        t_run = time.perf_counter()
        reused += finished(run_dir)
        tfacts, model = point_train(kind, config, fo, z, s, dataset, epochs, run_dir, data_dir, verbose,
                                    pats[kind, s])
        acc = chip.hardware_accuracy(model, netspecs[kind], pats[kind, s], hw, test)
        if on_chip:
            acc.update(chip.onchip_training(netspecs[kind], pats[kind, s], hw, train, test, epochs=onchip_epochs,
                                            seed=s, label=f"on-chip {kind} seed {s}", verbose=verbose))
        results[kind, s] = (tfacts, run_dir, acc)
        elapsed = time.perf_counter() - t0
        _say(verbose, f"  run {done}/{len(todo)}: {kind} seed {s}: accuracy {pct(tfacts['accuracy'])}, on the "
                      f"chip's arithmetic {pct(acc['hardware_accuracy'])}"
                      + (f", on-chip trained {pct(acc.get('onchip_accuracy'))}" if on_chip else "")
                      + f" in {time.perf_counter() - t_run:.1f} s  [{'#' * done}{'.' * (len(todo) - done)}] "
                        f"{elapsed:.0f} s elapsed, ~{elapsed / done * (len(todo) - done):.0f} s left")
    return results, reused, test["classes"]


def _ranked_text(result: Design) -> str:
    onchip = any(e["onchip_accuracy_mean"] is not None for e in result.kinds)
    lines = [f"  {'rank':>4} {'kind':<11} {'accuracy':>9} {'spread':>7} {'chip arith':>10} "
             + (f"{'on-chip':>9} " if onchip else "")
             + f"{'inputs/s':>10} {'nJ/input':>9} {'weights':>8} {'stalls':>9} {'RMW haz.':>8}"]
    for e in result.kinds:
        spread = "-" if e["accuracy_std"] is None else f"{100 * e['accuracy_std']:.2f}"
        lines.append(f"  {e['rank']:>4} {e['kind']:<11} {pct(e['accuracy_mean']):>9} {spread:>7} "
                     f"{pct(e['hardware_accuracy_mean']):>10} "
                     + (f"{pct(e['onchip_accuracy_mean']):>9} " if onchip else "")
                     + f"{e['throughput']:>10,.0f} {e['energy_pj'] / 1e3:>9,.1f} {e['W']:>8,} "
                       f"{e['stall_clocks']:>9,} {e['rmw_hazards']:>8,}")
    return "\n".join(lines)


def design(config: Sequence[int] = defaults.CONFIG, *, fo: Sequence[int] | None = None,
           densities: Sequence[float] | None = None, z1: int | None = None, cycle: int | None = None,
           multipliers: int | None = None, throughput: float | None = None,
           kinds: Sequence[str] = DEFAULT_KINDS, dataset: str | os.PathLike = "mnist",
           epochs: int = defaults.EPOCHS, seeds: int = SEEDS, seed: int = defaults.SEED, clock: float = 15e6,
           timing: str = "ideal", arithmetic: str = "hwsim", energy: Any = None, rank_by: str = "float",
           max_loss: float = ranking.MAX_LOSS,
           on_chip: bool = False, onchip_epochs: int = ONCHIP_EPOCHS, out: str | os.PathLike | None = None,
           data_dir: str | os.PathLike | None = None, verbose: Any = "auto", check_only: bool = False) -> Design | None:
    """Which pattern kind and which z for this network and budget, and what it costs in accuracy.

    Runs the five phases of docs/design.md §1 -- Plan, Patterns, Hardware, Accuracy, Answer -- and writes
    ``out/report.html`` (one self-contained page), ``report.md`` with ``figures/``, ``design.json`` (everything
    the page shows), ``patterns/<kind>/seed<s>_junction<i>.npz``, ``hardware/<kind>_seed<s>.json`` (the full
    simulator reports) and ``runs/<kind>-seed<s>/`` (every training run's folder).

    Parameters
    ----------
    config : sequence of int
        Layer sizes ``(N_0, ..., N_L)``; ``N_0`` is the (padded) input width.
    fo, densities : sequence, optional
        Out-degree or density per junction of the sparse network (default :data:`predefsparse.defaults.FO`
        for the default config); ``"fc"`` is always fully connected.
    z1, cycle, multipliers, throughput : optional
        At most one hardware budget (see :func:`hwsim.planning.plan`); none: the default plan.
    kinds : sequence of str
        Pattern kinds to compare (default fc, random, basic, usn, clash_free, rtl); all at the planned z.  Kinds
        that draw identical patterns for a seed are trained once (``Design.duplicates``).
    dataset : str or path
        Dataset name (``predefsparse.datasets.DATASETS``; built first when missing) or six-key ``.npz``.
    epochs : int
        Epochs of every training run (default :data:`predefsparse.defaults.EPOCHS`).
    seeds : int
        Repeats K (default 3): seeds ``seed, seed+1, ..., seed+K-1`` for every kind (mean and spread).
    seed : int
        First seed (patterns, initial weights and data order of each run).
    clock : float
        Clock in Hz (default 15 MHz, the published FPGA build).
    timing : {"ideal", "rtl"}
        Junction-cycle overhead (docs/hardware.md §4).
    arithmetic : {"hwsim", "rtl"}
        Fixed-point rules of the build: hwsim's own (:class:`hwsim.HardwareConfig` defaults), or the published
        RTL's bit for bit (:meth:`hwsim.HardwareConfig.reconfig2018` at this clock and timing; its prediction rule
        never compares the last output neuron).
    energy : None, EnergyTable, mapping or path
        Per-operation energies (default the published 45 nm table; a TOML file of some of its keys).
    rank_by : {"float", "hardware", "onchip"}
        The accuracy that ranks the kinds, draws the Pareto views and decides the recommendation: Keras's float
        test accuracy, the trained weights on the chip's fixed-point arithmetic, or on-chip training's.
    max_loss : float
        Points of accuracy (ranking measure) a recommended kind may lose against fully connected (default 1.0).
    on_chip : bool
        Also train every kind on the chip's own arithmetic (:func:`hwsim.train`, fixed point, batch-1 SGD,
        the build's RMW policy and its sigmoid), with the test accuracy per epoch.
    onchip_epochs : int
        Epochs of on-chip training (default 1).
    out : path, optional
        Output folder (default ``designs/net<config>_fo<fo>_z<z>_<hash of the request>``).  Locked for the
        whole job; rerunning the same request into it reuses its finished runs and resumes interrupted ones; a
        folder holding another request's design, or in use by another design, is refused.
    data_dir : path, optional
        Data folder for dataset names.
    verbose : "auto", 0, 1 or 2
        0: silent; otherwise phase lines, a line per run and Keras progress (1 bars, 2 a line per epoch).
    check_only : bool
        Only check the request -- every refusal below, a missing named dataset built, the patterns drawn in
        memory -- and return None; nothing is written (the command line does this before importing TensorFlow).

    Returns
    -------
    Design or None
        None with ``check_only``.

    Raises
    ------
    adjmat.SpecError
        Before anything is written (no folder is made): an impossible budget (with the nearest feasible ones), an
        unknown kind, a dataset that does not exist or cannot be built, a kind that cannot be built at the
        planned z, a bad argument; and, before anything is written into it, when ``out`` is in use by another
        design or holds another request's design.

    Examples
    --------
    >>> import predefsparse
    >>> predefsparse.design is design
    True
    """
    where = "design"
    t_start = time.perf_counter()
    check_only = check_bool(where, "check_only", check_only)
    (the_plan, hardware, kinds, dataset, epochs, request, rank_by, max_loss, on_chip, onchip_epochs, table, out,
     verbose) = _check_request(where, config, fo, densities, z1, cycle, multipliers, throughput, kinds, dataset,
                               epochs, seeds, seed, clock, timing, arithmetic, energy, rank_by, max_loss, on_chip,
                               onchip_epochs, out, data_dir, verbose)
    seed_list = request["seeds"]
    timings = {}
    warnings = table.unit_warnings()
    for line in warnings:
        _say(verbose, f"warning: {line}")
    _say(verbose, f"[1/5] Plan\n{the_plan.summary()}")
    timings["plan_s"] = time.perf_counter() - t_start
    t0 = time.perf_counter()
    patterns = _patterns_phase(the_plan, kinds, seed_list, verbose)  # a kind refusing the z is refused here
    timings["patterns_s"] = time.perf_counter() - t0
    if check_only:
        return None
    os.makedirs(out, exist_ok=True)
    with FolderLock(out, param="out", where=where, holder="design"):
        _same_request(where, out, request)
        jsonio.write_json(os.path.join(out, "request.json"), request)
        for (kind, s), pats in patterns[0].items():
            for i, pat in enumerate(pats):
                pat.save(os.path.join(out, "patterns", kind, f"seed{s}_junction{i + 1}.npz"))
        return _run(the_plan, hardware, kinds, dataset, epochs, seed_list, request, rank_by, max_loss, on_chip,
                    onchip_epochs, table, out, data_dir, verbose, t_start, patterns, timings, warnings)


def _run(the_plan, hardware, kinds, dataset, epochs, seed_list, request, rank_by, max_loss, on_chip, onchip_epochs,
         table, out, data_dir, verbose, t_start, patterns, timings, warnings) -> Design:
    pats, pfacts, netspecs, same_as = patterns

    t0 = time.perf_counter()
    _say(verbose, f"[3/5] Hardware: hwsim.simulate, {SIM_INPUTS:,} training inputs, {the_plan.timing} timing at "
                  f"{the_plan.clock / 1e6:g} MHz")
    reps, ens = {}, {}
    for kind in kinds:
        for s in seed_list:
            twin = same_as.get((kind, s))
            reps[kind, s], ens[kind, s] = (reps[twin, s], ens[twin, s]) if twin else \
                point_hardware(netspecs[kind], pats[kind, s], hardware, table)
            reps[kind, s].to_json(os.path.join(out, "hardware", f"{kind}_seed{s}.json"))
        r, e = reps[kind, seed_list[0]], ens[kind, seed_list[0]]
        _say(verbose, f"  {kind:<11} cpc {r.cpc:>6,}  {r.throughput_inputs_per_s:>10,.0f} inputs/s  stalls "
                      f"{r.total_stall_clocks:>9,}  RMW hazards {sum(r.rmw_hazards):>7,}  "
                      f"{e['total_pj'] / 1e3:>8,.1f} nJ/input")
    timings["hardware_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    results, reused, classes = _accuracy_phase(the_plan, hardware, kinds, seed_list, dataset, epochs, out, data_dir,
                                               verbose, pats, netspecs, same_as, on_chip, onchip_epochs)
    rows, curves = [], {}
    for kind in kinds:
        for s in seed_list:
            twin = same_as.get((kind, s))
            tfacts, run_dir, acc = results[twin or kind, s]
            r = row(kind, s, netspecs[kind], the_plan.z, pfacts[kind, s], reps[kind, s], ens[kind, s], tfacts,
                    run_dir, dataset, the_plan.timing, the_plan.clock)
            r.update(acc)
            r["same_as"] = twin
            rows.append(r)
            curves.setdefault(kind, {})[str(s)] = tfacts["history"]
    timings["accuracy_s"] = time.perf_counter() - t0
    timings["runs_reused"] = reused

    _say(verbose, "[5/5] Answer")
    summary = ranking.summaries(rows, kinds, seed_list, rank_by)
    measure = ranking.MEASURES[rank_by] + "_mean"
    pareto = ranking.pareto(summary, measure)
    recommended, sentence, answer = ranking.recommend(summary, the_plan, rank_by=rank_by, max_loss=max_loss,
                                                      classes=classes, sim_inputs=SIM_INPUTS)
    if answer["chance_note"]:
        warnings.append(answer["chance_note"])
    duplicates = [{"kind": k, "same_as": t, "seeds": sorted(s for (k2, s), t2 in same_as.items()
                                                            if k2 == k and t2 == t)}
                  for k, t in dict.fromkeys((k, t) for (k, _), t in same_as.items())]
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
                    pareto=pareto, recommended=recommended, recommendation=sentence, answer=answer,
                    duplicates=duplicates, warnings=warnings, energy_table=table.to_dict(), timings=timings,
                    out=out, patterns={kind: pats[kind, seed_list[0]] for kind in kinds})
    paths = result.save(out)
    _say(verbose, _ranked_text(result))
    _say(verbose, sentence)
    _say(verbose, f"report: {paths['html']} (and report.md, design.json, patterns/, runs/) in "
                  f"{timings['total_s']:.0f} s")
    return result
