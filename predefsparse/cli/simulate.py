"""``predefsparse simulate``: cycle-level simulation of the accelerator for a network and pattern kind.

Adapts arguments onto :func:`hwsim.simulate` (with :func:`adjmat.generate_network`) and :func:`hwsim.sweep_z`;
prints the report's summary (and the sweep table), optionally writes them as JSON and CSV and plots them
(:mod:`predefsparse.plots`).  Imports neither TensorFlow nor Keras.

Examples
--------
>>> from predefsparse.cli import main
>>> main(["simulate", "--config", "64,16,4", "--fo", "2,2", "--z", "32,8", "--kind", "clash_free",
...       "--seed", "0", "--inputs", "100"])  # doctest: +SKIP
0
"""
from __future__ import annotations

import argparse
import os
from typing import Any

from typing import TYPE_CHECKING

from .. import defaults
from ._args import LazyChoices, int_list, kinds

if TYPE_CHECKING:
    import hwsim


def _hwsim_choices(name: str) -> LazyChoices:
    def load():
        import hwsim
        return getattr(hwsim, name)
    return LazyChoices(load)

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
                    "(--config, --fo, --z) and a pattern kind; --sweep-z simulates every hardware-faithful z "
                    "(hwsim.sweep_z).")
    p.add_argument("--config", required=True, help="layer sizes N_0,...,N_L, e.g. 1024,64,32")
    p.add_argument("--fo", required=True, help="out-degree of every junction, e.g. 4,16")
    p.add_argument("--z", help="parallelism of every junction, e.g. 128,32 (optional with --sweep-z)")
    p.add_argument("--kind", choices=kinds(), default="clash_free", metavar="KIND",
                   help="pattern kind: %(choices)s (default clash_free)")
    p.add_argument("--type", type=int, choices=(1, 2, 3), help="clash_free address map (default 2)")
    p.add_argument("--dither", action="store_true", help="clash_free: random bank permutation per sweep")
    p.add_argument("--seed", type=int, default=defaults.SEED,
                   help=f"pattern seed (default {defaults.SEED}, as every command)")
    p.add_argument("--timing", choices=_hwsim_choices("TIMINGS"), default="ideal", metavar="TIMING",
                   help="ideal (cpc = C) or rtl (cpc = C + 2 + PROCTIME); default ideal")
    p.add_argument("--proctime", type=int, default=2, help="arithmetic pipeline stages (default 2)")
    p.add_argument("--ports", type=int, default=1, choices=(1, 2), help="ports per memory bank (default 1)")
    p.add_argument("--rmw", default="count", choices=_hwsim_choices("RMW_POLICIES"), metavar="POLICY",
                   help="delta-memory read-modify-write hazard policy: %(choices)s (default count)")
    p.add_argument("--f-clk", type=float, default=15e6, help="clock in Hz (default 15e6)")
    p.add_argument("--inputs", type=int, default=1000, help="inputs N to simulate (default 1000)")
    p.add_argument("--infer", action="store_true", help="inference only (FF), instead of training")
    p.add_argument("--allow-unbalanced", action="store_true",
                   help="accept unequal junction cycles (with --sweep-z: also sweep every unbalanced "
                        "combination of per-junction hardware-faithful z)")
    p.add_argument("--every-cycle", action="store_true",
                   help="simulate every junction cycle instead of one per run of identical cycles")
    p.add_argument("--json", metavar="FILE",
                   help="write the report (or, with --sweep-z alone, the sweep table; with both, "
                        "{\"report\": ..., \"sweep_z\": ...}) as JSON")
    p.add_argument("--csv", metavar="DIR", help="write the report as CSV files (one per concern) and the sweep "
                                                "table as sweep_z.csv")
    p.add_argument("--plot", metavar="FILE",
                   help="plot utilisation, stalls and RMW hazards per junction; with --sweep-z, throughput and "
                        "multipliers vs z (to FILE, or FILE with _sweep_z before the extension when both)")
    p.add_argument("--sweep-z", action="store_true",
                   help="also simulate every hardware-faithful z (hwsim.sweep_z) and report throughput vs z")
    p.set_defaults(func=run)


def _options(args: argparse.Namespace) -> dict[str, Any]:
    import adjmat
    from adjmat.errors import SpecError
    options: dict[str, Any] = {}
    if args.type is not None:
        options["type"] = args.type
    if args.dither:
        options["dither"] = True
    known = adjmat.get_kind(args.kind).options
    for name in options:
        if name not in known:
            takers = [k for k in adjmat.kind_names() if name in adjmat.get_kind(k).options]
            raise SpecError(f"simulate: --{name} applies only to kinds with that option ({', '.join(takers)}); "
                            f"received --{name} with --kind {args.kind}. Drop --{name} or choose one of those "
                            f"kinds.")
    return options


def _hardware(args: argparse.Namespace) -> "hwsim.HardwareConfig":
    import hwsim
    return hwsim.HardwareConfig(f_clk=args.f_clk, timing=args.timing, proctime=args.proctime, ports=args.ports,
                                rmw=args.rmw)


def _check_outputs(args: argparse.Namespace) -> None:
    """Refuse output paths that cannot be written before any simulation runs."""
    from adjmat.errors import SpecError
    for flag, path, want in (("--json", args.json, "file"), ("--plot", args.plot, "file"),
                             ("--csv", args.csv, "folder")):
        if path is None:
            continue
        if want == "file" and os.path.isdir(path):
            raise SpecError(f"simulate: {flag} must name a file to write; received {flag} {path}, which is a "
                            f"folder.")
        if want == "folder" and os.path.exists(path) and not os.path.isdir(path):
            raise SpecError(f"simulate: {flag} must name a folder to write the CSV files into; received {flag} "
                            f"{path}, which is a file.")
        parent = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(parent):
            raise SpecError(f"simulate: {flag} must be inside an existing folder; received {flag} {path} "
                            f"(no folder {parent}).")
    if args.plot is not None and os.path.splitext(args.plot)[1].lower() not in (".png", ".svg", ".pdf"):
        raise SpecError(f"simulate: --plot must end in .png, .svg or .pdf; received --plot {args.plot}.")


def _sweep_plot_path(path: str, both: bool) -> str:
    if not both:
        return path
    stem, ext = os.path.splitext(path)
    return f"{stem}_sweep_z{ext}"


def _simulate(args, config, fo, hw):
    import adjmat
    import hwsim
    net = adjmat.NetSpec(config, fo, int_list("simulate", "z", args.z))
    pats = adjmat.generate_network(net, args.kind, seed=args.seed, **_options(args))
    edges = args.inputs * sum(net.W) * 3
    progress = bool(args.every_cycle and edges > _LONG_RUN_EDGES)
    rep = hwsim.simulate(net, pats, hardware=hw, inputs=args.inputs, mode="infer" if args.infer else "train",
                         allow_unbalanced=args.allow_unbalanced, every_cycle=args.every_cycle, progress=progress)
    print(rep.summary())
    seeds = sorted({pat.seed for pat in pats if pat.seed is not None})
    print(f"  patterns {args.kind}" + (f", seed {seeds[0]}" if seeds else "")
          + f"; simulated {rep.perf['kernel_edge_events']:,} edge events in {rep.perf['wall_s']:.3f} s")
    return rep


def run(args: argparse.Namespace) -> int:
    """Simulate, print the summary, write JSON/CSV/plot as asked; returns 0 (user errors raise SpecError,
    worded with the command-line flags).

    Examples
    --------
    >>> from predefsparse.cli import main
    >>> main(["simulate", "--config", "64,16,4", "--fo", "2,2", "--z", "32,8", "--seed", "0",
    ...       "--inputs", "10"])  # doctest: +ELLIPSIS
    hwsim [64, 16, 4] fo=[2, 2] z=[32, 8] kind=clash_free: train, 10 inputs, ideal timing at 15 MHz
    ...
    0
    """
    from adjmat.errors import SpecError
    try:
        return _run(args)
    except MemoryError:
        raise SpecError("simulate: the request does not fit in memory; use fewer --inputs, leave out "
                        "--every-cycle or choose a smaller --config.") from None
    except OSError as err:  # an output that cannot be written (permissions, full disk)
        raise SpecError(f"simulate: cannot write {err.filename or 'an output file'}: {err.strerror or err}; "
                        f"choose another --json, --csv or --plot.") from None


def _run(args: argparse.Namespace) -> int:
    import adjmat
    import hwsim
    from adjmat.errors import SpecError
    config = int_list("simulate", "config", args.config)
    fo = int_list("simulate", "fo", args.fo)
    _check_outputs(args)
    hw = _hardware(args)
    rep = None
    if args.z is not None:
        rep = _simulate(args, config, fo, hw)
    elif not args.sweep_z:
        valid = adjmat.NetSpec.valid_cycles(config, fo, hardware=True)
        raise SpecError("simulate: --z is required (one parallelism per junction, e.g. --z 128,32) unless "
                        "--sweep-z is given; balanced hardware-faithful choices: "
                        + (", ".join(",".join(map(str, adjmat.NetSpec.balanced(config, fo, cycle=c).z))
                                     for c in valid) or "none") + ".")
    table = None
    if args.sweep_z:
        table = hwsim.sweep_z(config, fo, args.kind, hardware=hw, inputs=args.inputs,
                              mode="infer" if args.infer else "train", seed=args.seed,
                              allow_unbalanced=args.allow_unbalanced, progress=True, **_options(args))
        print(("\n" if rep is not None else "") + table.summary())
    if args.json:
        if rep is not None and table is not None:
            from .. import jsonio
            path = jsonio.write_json(args.json, {"report": rep.to_dict(), "sweep_z": table.to_dict()})
        else:
            path = rep.to_json(args.json) if rep is not None else table.to_json(args.json)
        print(f"json      {path}")
    if args.csv:
        written = rep.to_csv(args.csv) if rep is not None else []
        if table is not None:
            os.makedirs(args.csv, exist_ok=True)
            written.append(table.to_csv(os.path.join(args.csv, "sweep_z.csv")))
        print(f"csv       {args.csv} ({len(written)} files)")
    if args.plot:
        from predefsparse.plots import plot_simulation, plot_sweep_z
        if rep is not None:
            print(f"plot      {plot_simulation(rep, args.plot)}")
        if table is not None:
            print(f"plot      {plot_sweep_z(table, _sweep_plot_path(args.plot, rep is not None))}")
    return 0
