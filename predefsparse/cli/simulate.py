"""``predefsparse simulate``: cycle-level simulation of the accelerator for a network and pattern kind.

Adapts arguments onto :func:`hwsim.simulate` (and :func:`adjmat.generate_network`); prints a summary table,
optionally writes the report as JSON and CSV, plots utilisation and stalls per junction, and with
``--sweep-z`` simulates every balanced hardware-faithful z and reports throughput against z.  Imports neither
TensorFlow nor Keras.

Examples
--------
>>> from predefsparse.cli import main
>>> main(["simulate", "--config", "64,16,4", "--fo", "2,2", "--z", "32,8", "--pattern", "clash_free",
...       "--seed", "0", "--inputs", "100"])  # doctest: +SKIP
0
"""
from __future__ import annotations

import argparse
import io
import sys
from typing import Any

import adjmat
import hwsim
from adjmat._validation import check_int_tuple, fail
from adjmat.pattern import atomic_write

_LONG_RUN_EDGES = 2 * 10**8  # every-cycle runs above this many edge events print a progress line


def add_parser(subparsers) -> None:
    """Register the ``simulate`` sub-command.

    Examples
    --------
    >>> import argparse
    >>> sub = argparse.ArgumentParser().add_subparsers()
    >>> add_parser(sub)
    """
    p = subparsers.add_parser(
        "simulate", help="cycle-level simulation: clocks, throughput, utilisation, stalls, hazards, resources",
        description="Simulate the edge-processing accelerator clock by clock (hwsim.simulate) for a network "
                    "(--config, --fo, --z) and a pattern kind.")
    p.add_argument("--config", required=True, help="layer sizes N_0,...,N_L, e.g. 1024,64,32")
    p.add_argument("--fo", required=True, help="out-degree of every junction, e.g. 4,16")
    p.add_argument("--z", help="parallelism of every junction, e.g. 128,32 (optional with --sweep-z)")
    p.add_argument("--pattern", default="clash_free", choices=adjmat.KINDS, help="pattern kind (default clash_free)")
    p.add_argument("--type", type=int, choices=(1, 2, 3), help="clash_free address map (default 2)")
    p.add_argument("--dither", action="store_true", help="clash_free: random bank permutation per sweep")
    p.add_argument("--seed", type=int, help="pattern seed (default: drawn and printed)")
    p.add_argument("--mode", default="ideal", choices=hwsim.TIMINGS,
                   help="timing: ideal (cpc = C) or rtl (cpc = C + 2 + PROCTIME)")
    p.add_argument("--proctime", type=int, default=2, help="arithmetic pipeline stages (default 2)")
    p.add_argument("--ports", type=int, default=1, choices=(1, 2), help="ports per memory bank (default 1)")
    p.add_argument("--rmw", default="count", choices=hwsim.RMW_POLICIES,
                   help="delta-memory read-modify-write hazard policy (default count)")
    p.add_argument("--f-clk", type=float, default=15e6, help="clock in Hz (default 15e6)")
    p.add_argument("--inputs", type=int, default=1000, help="inputs N to simulate (default 1000)")
    p.add_argument("--infer", action="store_true", help="inference only (FF), instead of training")
    p.add_argument("--allow-unbalanced", action="store_true", help="accept unequal junction cycles")
    p.add_argument("--every-cycle", action="store_true",
                   help="simulate every junction cycle instead of one per run of identical cycles")
    p.add_argument("--json", metavar="FILE", help="write the report as JSON")
    p.add_argument("--csv", metavar="DIR", help="write the report as CSV files (one per concern)")
    p.add_argument("--plot", metavar="FILE", help="plot utilisation and stalls per junction (and throughput vs z)")
    p.add_argument("--sweep-z", action="store_true",
                   help="also simulate every balanced hardware-faithful z and report throughput vs z")
    p.set_defaults(func=run)


def _patterns(net: adjmat.NetSpec, args: argparse.Namespace) -> list[adjmat.Pattern]:
    options: dict[str, Any] = {}
    if args.type is not None:
        options["type"] = args.type
    if args.dither:
        options["dither"] = True
    return adjmat.generate_network(net, args.pattern, seed=args.seed, **options)


def _config(args: argparse.Namespace) -> hwsim.HardwareConfig:
    return hwsim.HardwareConfig(f_clk=args.f_clk, timing=args.mode, proctime=args.proctime, ports=args.ports,
                                rmw=args.rmw)


def _sweep(config: tuple, fo: tuple, args, hw: hwsim.HardwareConfig) -> list[dict[str, Any]]:
    cycles = adjmat.NetSpec.valid_cycles(config, fo, hardware=True)
    if not cycles:
        raise adjmat.SpecError(f"simulate: --sweep-z found no balanced hardware-faithful z for config={config}, "
                               f"fo={fo}; valid cycles without the hardware rules: "
                               f"{adjmat.NetSpec.valid_cycles(config, fo)}.")
    rows = []
    for k, C in enumerate(sorted(cycles, reverse=True), start=1):
        net = adjmat.NetSpec.balanced(config, fo, cycle=C, hardware=True)
        print(f"\rsweep-z: design {k}/{len(cycles)} z={net.z}", end="", file=sys.stderr, flush=True)
        try:
            pats = _patterns(net, args)
        except adjmat.SpecError as err:  # e.g. a clash_free condition this z cannot meet
            rows.append({"z": net.z, "C": C, "skipped": str(err)})
            continue
        rep = hwsim.simulate(net, pats, hw, inputs=args.inputs, mode="infer" if args.infer else "train",
                             allow_unbalanced=args.allow_unbalanced)
        rows.append({"z": net.z, "C": C, "cpc": rep.cpc, "inputs_per_s": rep.throughput_inputs_per_s,
                     "stall_clocks": rep.total_stall_clocks, "multipliers": rep.resources["multipliers"],
                     "memory_bits": rep.resources["memory_bits"]["total"]})
    print(file=sys.stderr)
    return rows


def _plot(path: str, rep: hwsim.Report | None, sweep: list[dict[str, Any]] | None) -> str:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    panels = (3 if rep is not None else 0) + (1 if sweep else 0)
    fig, axes = plt.subplots(1, panels, figsize=(5 * panels, 3.8), squeeze=False)
    axes = list(axes[0])
    if rep is not None:
        ax = axes.pop(0)
        x = np.arange(1, rep.L + 1)
        for k, unit in enumerate(("ff", "bp", "up")):
            ax.bar(x + (k - 1) * 0.27, rep.utilisation[unit], width=0.27, label=unit.upper())
        ax.set(xlabel="junction", ylabel="utilisation", ylim=(0, 1.25), xticks=x,
               title=f"utilisation ({rep.config['timing']} timing)")
        ax.legend(loc="upper center", ncol=3, fontsize=8)
        ax = axes.pop(0)
        ax.bar(x - 0.2, rep.bank_stall_clocks, width=0.4, label="bank clashes")
        ax.bar(x + 0.2, rep.rmw_stall_clocks, width=0.4, label="RMW stalls")
        ax.set(xlabel="junction", ylabel="stall clocks", xticks=x, title=f"stalls over {rep.inputs:,} inputs")
        ax.set_ylim(bottom=0, top=max(1, max(rep.bank_stall_clocks), max(rep.rmw_stall_clocks)) * 1.1)
        ax.legend()
        ax = axes.pop(0)  # read-modify-write hazards: reads that would see a partial delta not yet written back
        ax.bar(x - 0.2, rep.rmw_hazards, width=0.4, label="RMW hazards")
        ax.bar(x + 0.2, rep.rmw_stale, width=0.4, label=f"stale reads (rmw={rep.config['rmw']})")
        ax.set(xlabel="junction", ylabel="delta-memory reads", xticks=x,
               title=f"RMW hazards over {rep.inputs:,} inputs")
        ax.set_ylim(bottom=0, top=max(1, max(rep.rmw_hazards), max(rep.rmw_stale)) * 1.3)
        ax.legend(loc="upper left", fontsize=8)
    if sweep:
        ax = axes.pop(0)
        done = [r for r in sweep if "cpc" in r]
        zs = [r["z"][0] for r in done]
        ax.plot(zs, [r["inputs_per_s"] for r in done], "o-")
        ax.set_xscale("log", base=2)
        ax.set_xticks(zs, [str(r["z"]) for r in done], rotation=30)
        ax.minorticks_off()
        ax.set(xlabel="z per junction (balanced)", ylabel="inputs / s",
               title="throughput vs z")
        ax.set_ylim(bottom=0)
    fig.tight_layout()
    buf = io.BytesIO()
    fmt = path.rsplit(".", 1)[-1].lower() if "." in path else "png"
    fig.savefig(buf, format=fmt)
    plt.close(fig)
    return atomic_write(path, lambda f: f.write(buf.getvalue()))


def run(args: argparse.Namespace) -> int:
    """Simulate, print the summary, write JSON/CSV/plot as asked; returns 0 (user errors raise SpecError).

    Examples
    --------
    >>> from predefsparse.cli import main
    >>> main(["simulate", "--config", "64,16,4", "--fo", "2,2", "--z", "32,8", "--seed", "0",
    ...       "--inputs", "10"])  # doctest: +ELLIPSIS
    hwsim [64, 16, 4] fo=[2, 2] z=[32, 8]: train, 10 inputs, ideal timing at 15 MHz
    ...
    0
    """
    config = check_int_tuple("simulate", "config", args.config)
    fo = check_int_tuple("simulate", "fo", args.fo)
    hw = _config(args)
    if args.inputs < 1:
        raise fail("simulate", "--inputs", "a positive integer", args.inputs)
    rep = None
    if args.z is not None:
        net = adjmat.NetSpec(config, fo, check_int_tuple("simulate", "z", args.z))
        pats = _patterns(net, args)
        edges = args.inputs * sum(net.W) * 3
        progress = bool(args.every_cycle and edges > _LONG_RUN_EDGES)
        rep = hwsim.simulate(net, pats, hw, inputs=args.inputs, mode="infer" if args.infer else "train",
                             allow_unbalanced=args.allow_unbalanced, every_cycle=args.every_cycle,
                             progress=progress)
        print(rep.summary())
        seeds = sorted({pat.seed for pat in pats if pat.seed is not None})
        print(f"  patterns {args.pattern}" + (f", seed {seeds[0]}" if seeds else "")
              + f"; simulated {rep.perf['kernel_edge_events']:,} edge events in {rep.perf['wall_s']:.3f} s")
        if args.json:
            print(f"json      {rep.to_json(args.json)}")
        if args.csv:
            print(f"csv       {args.csv} ({len(rep.to_csv(args.csv))} files)")
    elif not args.sweep_z:
        valid = adjmat.NetSpec.valid_cycles(config, fo, hardware=True)
        raise adjmat.SpecError("simulate: --z is required (one parallelism per junction, e.g. --z 128,32) "
                               "unless --sweep-z is given; balanced hardware-faithful choices: "
                               + ", ".join(str(adjmat.NetSpec.balanced(config, fo, cycle=c).z) for c in valid)
                               + ".")
    sweep = None
    if args.sweep_z:
        sweep = _sweep(config, fo, args, hw)
        print(f"\n  {'z':>20} {'C':>5} {'cpc':>5} {'inputs/s':>14} {'stalls':>10} {'multipliers':>12} "
              f"{'memory bits':>12}")
        for r in sweep:
            if "cpc" not in r:
                print(f"  {str(r['z']):>20} {r['C']:>5}  skipped: {r['skipped']}")
                continue
            print(f"  {str(r['z']):>20} {r['C']:>5} {r['cpc']:>5} {r['inputs_per_s']:>14,.0f} "
                  f"{r['stall_clocks']:>10,} {r['multipliers']:>12,} {r['memory_bits']:>12,}")
    if args.plot:
        print(f"plot      {_plot(args.plot, rep, sweep)}")
    return 0
