"""One design point: the patterns, hardware figures, energy, training and on-hardware accuracy of one kind and seed.

:func:`evaluate` is the unit :func:`predefsparse.design` and the sweep are made of; the phase helpers here
(:func:`point_patterns`, :func:`point_hardware`, :func:`point_train`, :func:`row`) are what both call.
"""
from __future__ import annotations

import math
import os
from typing import Any, Sequence

import adjmat
import hwsim
from adjmat.validation import check_choice, check_float, check_int, fail
from hwsim.energy import energy_per_input
from hwsim.planning import network, planned_z

from .. import defaults, jsonio
from .checks import check_dataset, check_kind, check_seed, check_verbose, fixes_own_size, read_energy

__all__ = ["evaluate", "TRAINING", "SIM_INPUTS", "netspec_for", "point_patterns", "point_hardware", "point_train",
           "records_facts", "row", "finished"]

#: Inputs simulated per kind (the figures are per input; 1,000 gives fill, steady state and drain).
SIM_INPUTS = 1000
#: Training settings shared by every run (those of ``predefsparse run``, docs/training.md §1).
TRAINING = {"l2": defaults.L2, "lr": 1e-3, "decay": 1e-5, "batch_size": defaults.BATCH_SIZE, "valtest": 1}


def netspec_for(kind: str, config: tuple, fo: tuple, z: tuple) -> adjmat.NetSpec:
    """The netspec a kind runs at: the planned z for every kind; fc has its own fo (= n), so its cycles differ."""
    return adjmat.NetSpec(config, config[1:] if fixes_own_size(kind) else fo, z)


def point_patterns(kind: str, netspec: adjmat.NetSpec, seed: int) -> tuple[list, dict]:
    """The kind's patterns at the planned z and their checks: validity, clash-freedom, scatter."""
    pats = adjmat.generate_network(netspec, kind, seed=seed)
    checks = [adjmat.check(p, raise_errors=False) for p in pats]
    clash = [adjmat.clash_report(p, z) for p, z in zip(pats, netspec.z)]
    facts = {"valid": all(c.ok for c in checks), "errors": [e for c in checks for e in c.errors],
             "clash_free": all(c.clash_free for c in clash),
             "clash_free_per_junction": [bool(c.clash_free) for c in clash],
             "scatter": float(adjmat.scatter(pats)["scatter"])}
    return pats, facts


def point_hardware(netspec: adjmat.NetSpec, pats: list, hardware: hwsim.HardwareConfig, table) -> tuple:
    """Simulate the patterns (train mode, :data:`SIM_INPUTS` inputs) and price one input."""
    rep = hwsim.simulate(netspec, pats, hardware, inputs=SIM_INPUTS, allow_unbalanced=netspec.cycle is None)
    return rep, energy_per_input(rep, table)


def records_facts(records: Any) -> dict[str, Any]:
    """What the design reads from a run's records (typed ``Records`` or its dict): the one adapter."""
    d = records.to_dict() if hasattr(records, "to_dict") else dict(records)
    test = d.get("test") or {}
    return {"accuracy": test.get("accuracy"), "loss": test.get("loss"), "history": d.get("history", {}),
            "epochs": d.get("epochs_done"), "train_s": d.get("wall_time_s"), "status": d.get("status")}


def point_train(kind, config, fo, z, seed, dataset, epochs, run_dir, data_dir, verbose, pats) -> tuple[dict, Any]:
    """Train the kind (same settings for every kind) into ``run_dir``; resumes or reuses a run already there.

    Returns the training facts (:func:`records_facts`) and the trained Keras model."""
    from .. import models, training
    model = models.mlp(config, fo=None if fixes_own_size(kind) else fo, kind=kind, z=z, seed=seed,
                       l2=TRAINING["l2"])
    model_pats = [layer.pattern for layer in model.layers if hasattr(layer, "pattern")]
    if [(p.left.tolist() == q.left.tolist() and p.right.tolist() == q.right.tolist())
            for p, q in zip(model_pats, pats)] != [True] * len(pats):
        raise RuntimeError(f"design: the model's {kind} patterns differ from adjmat.generate_network's for seed "
                           f"{seed}; the seed paths disagree (a bug, please report it).")
    records, model = training.run_model(
        model, dataset, valtest=TRAINING["valtest"], batch_size=TRAINING["batch_size"], epochs=epochs,
        optimizer=training.default_optimizer(TRAINING["lr"], TRAINING["decay"]), seed=seed, out=run_dir,
        resume=True, verbose=verbose, data_dir=data_dir,
        extra_settings={"kind": kind, "z": list(z), "l2": TRAINING["l2"], "lr": TRAINING["lr"],
                        "decay": TRAINING["decay"]})
    return records_facts(records), model


def row(kind, seed, netspec, plan_z, pfacts, rep, en, tfacts, run_dir, dataset, timing, clock) -> dict:
    """The flat JSON-safe row of one point (docs/design.md §2 lists the fields)."""
    res = rep.resources
    out = {
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
        "accuracy": None, "loss": None, "hardware_accuracy": None, "hardware_note": None,
        "onchip_accuracy": None, "onchip_curve": None, "onchip_stale_reads": None, "onchip_note": None,
        "same_as": None, "epochs": None, "train_s": None, "run": None, "status": "hardware",
    }
    if tfacts is not None:
        out.update({"accuracy": tfacts["accuracy"], "loss": tfacts["loss"], "epochs": tfacts["epochs"],
                    "train_s": tfacts["train_s"], "run": None if run_dir is None else os.fspath(run_dir),
                    "status": tfacts["status"] or "done"})
    return out


def finished(run_dir: str) -> bool:
    """Whether ``run_dir`` already holds a finished run (which run_model then returns as it is)."""
    try:
        records = jsonio.read_json(os.path.join(run_dir, "records.json"), param="out", max_bytes=64 * 2 ** 20,
                                   inside=run_dir)
    except (OSError, ValueError):
        return False
    return isinstance(records, dict) and records.get("status") == "done"


def evaluate(config: Sequence[int], kind: str, *, fo: Sequence[int] | None = None,
             densities: Sequence[float] | None = None, z: Sequence[int] | int | None = None,
             seed: int = defaults.SEED, dataset: str | os.PathLike = "mnist", epochs: int = defaults.EPOCHS,
             timing: str = "ideal", clock: float = 15e6, energy: Any = None, out: str | os.PathLike | None = None,
             data_dir: str | os.PathLike | None = None, verbose: Any = 0, train: bool = True) -> dict[str, Any]:
    """One design point: one kind and seed at one z -- patterns, hardware figures, energy, training and the
    accuracy of the trained weights on the hardware's fixed-point arithmetic.

    Parameters
    ----------
    config : sequence of int
        Layer sizes.
    kind : str
        Pattern kind (``adjmat.KINDS``); ``"fc"`` ignores ``fo`` (it is fully connected) but runs at the same z.
    fo, densities : sequence, optional
        Out-degree or density per junction of the sparse network (default :data:`predefsparse.defaults.FO`
        for the default config).
    z : sequence of int or int, optional
        Parallelism per junction; an int is z_1 with the others balanced (:func:`hwsim.planning.plan`); default
        the default plan's z.  Unbalanced z is simulated with the slowest junction setting every cycle
        (``balanced`` False).
    seed : int
        Seed of the patterns, the initial weights and the data order.
    dataset : str or path
        Dataset name or six-key ``.npz`` (see :func:`predefsparse.datasets.load`).
    epochs : int
        Training epochs.
    timing, clock : str, float
        Hardware timing and clock (Hz).
    energy : None, EnergyTable, mapping or path
        Per-operation energies (:func:`predefsparse.codesign.read_energy`).
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
        hardware_violations, accuracy, loss, hardware_accuracy (the trained weights quantised and run through
        :func:`hwsim.infer` on the test split), hardware_note (why it is None, when it is), onchip_accuracy,
        onchip_curve, onchip_stale_reads (None here: on-chip training is ``design(on_chip=True)``), epochs,
        train_s, run (folder), status.

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
    from .chip import hardware_accuracy, test_split
    where = "evaluate"
    kind = check_kind(where, "kind", kind)
    if fo is None and densities is None and tuple(config) == defaults.CONFIG:
        fo = defaults.FO
    config, fo = network(config, fo, densities, where=where)
    z = planned_z(config, fo, z, where=where)
    seed = check_seed(where, "seed", seed)
    epochs = check_int(where, "epochs", epochs, minimum=1)
    timing = check_choice(where, "timing", timing, hwsim.TIMINGS)
    clock = check_float(where, "clock", clock, low=0.0, high=math.inf, low_open=True, high_open=True)
    table = read_energy(energy, where=where)
    if not isinstance(train, bool):
        raise fail(where, "train", "True or False", train)
    verbose = check_verbose(where, verbose)
    if out is not None and (not isinstance(out, (str, os.PathLike)) or not os.fspath(out)):
        raise fail(where, "out", "a folder path", out)
    if train:
        if out is None:
            raise fail(where, "out", "a folder for the point's files (the training run goes in out/run)", None)
        dataset = check_dataset(where, dataset, data_dir, config)
    hardware = hwsim.HardwareConfig(f_clk=clock, timing=timing)
    netspec = netspec_for(kind, config, fo, z)
    pats, pfacts = point_patterns(kind, netspec, seed)
    rep, en = point_hardware(netspec, pats, hardware, table)
    run_dir = tfacts = None
    if out is not None:
        out = os.fspath(out)
        for i, pat in enumerate(pats):
            pat.save(os.path.join(out, "patterns", f"junction{i + 1}.npz"))
        rep.to_json(os.path.join(out, "hwsim.json"))
    result = None
    if train:
        run_dir = os.path.join(out, "run")
        tfacts, model = point_train(kind, config, fo, z, seed, dataset, epochs, run_dir, data_dir, verbose, pats)
        result = hardware_accuracy(model, netspec, pats, hardware, test_split(dataset, data_dir, config))
    point = row(kind, seed, netspec, z, pfacts, rep, en, tfacts, run_dir, os.fspath(dataset), timing, clock)
    if result is not None:
        point.update(result)
    if out is not None:
        jsonio.write_json(os.path.join(out, "point.json"), point)
    return point
