"""What Ray costs a sweep: its fixed cost, its cost per point, and the wall time of an 8-point sweep on a local
Ray instance vs the same points one after another in one process.

Run::

    python bench/bench_sweep.py                 # 10 epochs per point (the design default), about 5 minutes
    python bench/bench_sweep.py --repeats 2     # about 9 minutes
    python bench/bench_sweep.py --epochs 1      # short points: Ray's fixed start and stop weigh more
    python bench/bench_sweep.py --costs-only    # Ray's fixed and per-point costs only (no whole sweeps)
    python bench/bench_sweep.py --address auto  # Ray on an instance already running (`ray start --head`)

Points train 10 epochs by default (:data:`predefsparse.defaults.EPOCHS`, as every command).

Ray's costs (measured last, in this process, with the sweep's own pieces): its fixed cost -- the start of a local
instance as the sweep starts it, the first task (a worker process starts), putting the dataset in the object
store once, the stop -- and its cost per point: the first point of the grid run ``--overhead-points`` times, one
at a time, the two ways taking turns, each warmed by one run first (TensorFlow imported, the dataset on the
node), held to one thread as a sweep's Ray point is: in this process as the serial engine runs it (scratch
folder, archive, install), and as a Ray task on the instance (submit, schedule, result through the object
store, install).  The per-point overhead is the difference of the two medians (wall per point as the driver
sees it); the part outside the evaluation (driver's wall minus the evaluation's own) is printed for both,
being less noisy.
Ray's fixed cost and TensorFlow's import in every worker are paid once per sweep, so the speed-up grows with
the length of a point (bench/RESULTS.md has the current figures).

Workload: the 8 points kind (random, clash_free) x fo ((50, 10), (20, 10)) x seed (0, 1) of the published
MNIST net (800, 100, 10), each a full design point (:func:`predefsparse.codesign.evaluate`: patterns, the
simulator at the planned z, energy, training on the 60,000 MNIST images and a test).  Both ways are the real
command, ``predefsparse sweep GRID``, started as a fresh process, so each wall time counts everything a user
waits for: imports, the Ray start and stop, TensorFlow in every worker, the table after every point:

- ``one process``: ``--serial`` (TensorFlow free to use every core for each point in turn);
- ``Ray``: a local instance with the usable cores, one point per core, TensorFlow held to one thread per point
  (with ``--address``: the running instance there, whose start is then not timed).

Before every run the files both ways read (the imported packages, Python's standard library, the dataset) are
read once, so that both start from a warm page cache (``--cold`` leaves the cache as the run before left it).
On this project's 2-core machine the kernel pages out file pages left unused for 60 s (DAMON ``pageout``) and
the disk reads about 20 MB/s, so otherwise the way that ran less recently -- Ray after a one-process run,
whose libraries have then been idle for a minute -- re-reads them from disk: seconds, once a minute.

The two take turns (serial, Ray, serial, Ray... with ``--repeats``) so that load from other processes hits both
alike; the table shows each run (its wall time, the sum of the points' own wall and CPU times: what ran inside
the evaluations, the rest being start-up) and the ratio of the medians, then the bound that the points alone
set: with one point per usable core, Ray is at most cores x (one process's s / point) / (Ray's s / point)
faster, taken over the points that are not their process's first (the first imports TensorFlow).  Around
every run CPU-bound probes (one per core) measure the cores free right now (``free cores``: the usable cores on
a quiet machine): a job at normal priority, or
a ``chrt -i`` job in another session while the kernel's autogroup scheduling is on (each session's group gets
an equal share of a core, whatever the policies inside it), leaves about 1 core, and then Ray's two points run
at half speed each and cannot win; such runs are flagged.  Both sweeps must produce the same accuracies
point by point (seeded), which is checked (exit status 1 when they differ).  There is no speed-up target: the
speed-up is set by the cores and the per-point bound printed beside it.  Times are wall-clock on a shared
machine: noisy; the load average is printed before and after.
"""
from __future__ import annotations

import argparse
import csv
import os
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time

from _machine import machine_info, require_positive  # bench/_machine.py (scripts run from bench/)


def _grid(epochs: int) -> str:
    return ("title = \"bench_sweep\"\n[fixed]\nconfig = [800, 100, 10]\ndataset = \"mnist\"\n"
            f"epochs = {epochs}\n[grid]\nkind = [\"random\", \"clash_free\"]\nfo = [[50, 10], [20, 10]]\n"
            "seed = [0, 1]\n")


_SPIN = ("import time\nw, c = time.perf_counter(), time.process_time()\nx = 0\nfor i in range(8_000_000): x += i\n"
         "print((time.process_time() - c) / (time.perf_counter() - w))")


def _free_cores(cores: int = 2) -> float:
    """How many cores CPU-bound processes get right now: ``cores`` copies of a pure-Python loop (about half a
    second) at once, the sum of each one's CPU time over its wall time (2.0 on a quiet 2-core machine; 1.0 when
    another job holds a core at normal priority: Ray then has one core for two points and cannot be faster)."""
    procs = [subprocess.Popen([sys.executable, "-c", _SPIN], stdout=subprocess.PIPE, text=True)
             for _ in range(cores)]
    return sum(float(p.communicate()[0]) for p in procs)


def _runtime_folders(dataset: str) -> list[str]:
    """The folders whose files a sweep's processes read: every package imported here (this process has imported
    what the points import: TensorFlow, Keras, Ray, the project), Python's standard library and the dataset."""
    folders = {sysconfig.get_paths()["stdlib"], dataset}
    for name, module in list(sys.modules.items()):
        top = name.partition(".")[0]
        if top == name and getattr(module, "__path__", None):
            folders.update(module.__path__)
    return sorted(f for f in folders if os.path.exists(f))


def _files_under(folder: str):
    """Every file under ``folder``, less test suites and other installs (the standard library's folder holds
    its own ``site-packages``), which no point reads."""
    for d, dirs, files in os.walk(folder):
        dirs[:] = [x for x in dirs if x not in ("site-packages", "test", "tests")]
        yield from (os.path.join(d, f) for f in files)


def _read_files(folders: list[str]) -> tuple[int, float]:
    """Read every file under ``folders`` once (bytes read, seconds), so that the next run finds them in the page
    cache.  Both ways are measured from a warm cache: this kernel pages out file pages left unused for 60 s
    (DAMON's ``pageout`` scheme) and its disk reads about 20 MB/s, so without this the way that ran less
    recently re-reads TensorFlow's and Ray's libraries from disk (seconds to a minute, measured)."""
    started, total, buf = time.perf_counter(), 0, bytearray(1 << 20)
    for folder in folders:
        for path in [folder] if os.path.isfile(folder) else _files_under(folder):
            try:
                with open(path, "rb", buffering=0) as f:
                    while n := f.readinto(buf):
                        total += n
            except OSError:  # a socket, a file removed meanwhile: nothing to warm
                pass
    return total, time.perf_counter() - started


def _damon_pageout() -> bool:
    """Whether a DAMON ``pageout`` scheme is running (it evicts file pages left unused, here for 60 s)."""
    base = "/sys/kernel/mm/damon/admin/kdamonds"
    try:
        for k in os.listdir(base):
            with open(f"{base}/{k}/state") as f:
                if f.read().strip() != "on":
                    continue
            for root, _, files in os.walk(f"{base}/{k}/contexts"):
                if "action" in files:
                    with open(os.path.join(root, "action")) as f:
                        if f.read().strip() == "pageout":
                            return True
    except OSError:
        pass
    return False


def _run(grid: str, out: str, serial: bool, address: str | None = None
         ) -> tuple[float, dict[str, float], float, float, list[float]]:
    cmd = [sys.executable, "-m", "predefsparse", "sweep", grid, "--out", out, "--no-report", "--quiet"]
    if serial:
        cmd.append("--serial")
    elif address:
        cmd += ["--address", address]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    started = time.perf_counter()
    res = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if res.returncode != 0:
        sys.exit(f"bench_sweep: {' '.join(cmd)} failed ({res.returncode}):\n{res.stderr[-3000:]}")
    with open(os.path.join(out, "sweep.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    if len(rows) != 8 or any(r["status"] != "done" for r in rows):
        sys.exit(f"bench_sweep: expected 8 done points in {out}, found {[r['status'] for r in rows]}")
    first = {}  # each process's first point also imports TensorFlow (and traces Keras's code the first time)
    for r in sorted(rows, key=lambda r: float(r["started"])):
        first.setdefault((r["host"], r["pid"]), r["point"])
    steady = [float(r["wall_s"]) for r in rows if first[r["host"], r["pid"]] != r["point"]]
    return (wall, {r["point"]: float(r["accuracy"]) for r in rows}, sum(float(r["wall_s"]) for r in rows),
            sum(float(r.get("cpu_s") or "nan") for r in rows), steady)


def _compare(args, grid: str, folders: list[str], tmp: str, cores: int) -> bool:
    """The two whole sweeps, taking turns; prints the table and the medians; whether the accuracies agree."""
    walls: dict[str, list[float]] = {"one process": [], "Ray": []}
    per_point: dict[str, list[float]] = {"one process": [], "Ray": []}
    outside: dict[str, list[float]] = {"one process": [], "Ray": []}
    accuracy: dict[str, dict[str, float]] = {}
    print(f"{'run':>4}  {'way':<12} {'wall (s)':>9} {'s / point':>10} {'points wall (s)':>16} "
          f"{'points CPU (s)':>15}  {'free cores':>10}  load (1 min)")
    free_all = []
    for i in range(args.repeats):
        for way in ("one process", "Ray"):
            if not args.cold:
                _read_files(folders)
            free = _free_cores(cores)
            wall, acc, busy, cpu, steady = _run(grid, os.path.join(tmp, f"{way.replace(' ', '_')}{i}"),
                                                serial=way == "one process", address=args.address)
            free = min(free, _free_cores(cores))  # before and after: the worse of the two
            free_all.append(free)
            walls[way].append(wall)
            per_point[way] += steady
            outside[way].append(wall - busy / (1 if way == "one process" else cores))
            if accuracy.setdefault(way, acc) != acc:
                sys.exit(f"bench_sweep: {way} gave different accuracies between runs")
            print(f"{i + 1:>4}  {way:<12} {wall:>9.1f} {wall / 8:>10.1f} {busy:>16.1f} {cpu:>15.1f}  "
                  f"{free:>10.2f}  {os.getloadavg()[0]:.2f}")
    same = accuracy["one process"] == accuracy["Ray"]
    serial, parallel = statistics.median(walls["one process"]), statistics.median(walls["Ray"])
    ratio = serial / parallel
    print()
    print(f"median wall: one process {serial:.1f} s, Ray {parallel:.1f} s -> Ray {ratio:.2f}x faster "
          f"(per-point bound below)")
    print(f"accuracies point by point: {'identical' if same else 'DIFFERENT'} in both ways "
          f"(mean {100 * statistics.mean(accuracy['Ray'].values()):.2f} %)")
    out_serial, out_ray = (statistics.median(outside[w]) for w in ("one process", "Ray"))
    print(f"outside the points (wall minus the points' wall, over {cores} for Ray's {cores} at a time; median): "
          f"one process {out_serial:.1f} s, Ray {out_ray:.1f} s (start-up, Ray's start and stop, the table)")
    a, b = (statistics.median(per_point[w]) for w in ("one process", "Ray"))
    print(f"a point after its process's first (median of its own wall): one process {a:.2f} s, Ray {b:.2f} s "
          f"{cores} at a time -> at most {cores} x {a:.2f} / {b:.2f} = {cores * a / b:.2f}x (the per-point bound "
          f"for {cores} cores), before the first points (each process imports TensorFlow) and anything outside "
          f"the points")
    if min(free_all) < 0.9 * cores:
        print(f"free cores fell to {min(free_all):.2f} of {cores} around some runs (other jobs): those runs do not "
              f"show what Ray gains on {cores} free cores")
    return same


def _ray_costs(args, tmp: str, grid: str, cores: int) -> None:
    """Ray's fixed cost (start, first task, dataset put, stop) and its cost per point against the same point in
    this process, both through the sweep's own pieces (:mod:`predefsparse.sweep.transfer`)."""
    import ray

    from predefsparse.sweep import load_grid
    from predefsparse.sweep.engines import Progress, RayInstance
    from predefsparse.sweep.transfer import install, run_anywhere, ship_datasets

    point = load_grid(grid).points()[0]
    k = args.overhead_points
    print()
    print(f"Ray's costs: point {point.id} ({point.describe()}, {args.epochs} epoch(s)) run 1 + {k} times each way, "
          f"taking turns, one at a time, one thread (load {os.getloadavg()[0]:.2f} before)")

    plain: tuple[list[float], list[float], list[float]] = ([], [], [])
    on_ray: tuple[list[float], list[float], list[float]] = ([], [], [])

    def timed(run_one, into) -> None:
        started = time.perf_counter()
        outcome = run_one()
        if outcome["status"] != "done":
            sys.exit(f"bench_sweep: the point failed: {outcome['error']}")
        into[0].append(time.perf_counter() - started)
        into[1].append(outcome["wall_s"])
        into[2].append(outcome["cpu_s"])

    free = _free_cores(cores)
    started = time.perf_counter()
    instance = RayInstance("bench_sweep", address=args.address, num_cpus=None if args.address else cores,
                           cpus_per_point=1, verbose=0, progress=Progress(0, enabled=False)).open()
    t_start = time.perf_counter() - started
    saved = dict(os.environ)  # the point's thread limits must not reach what runs after it
    try:
        started = time.perf_counter()
        ray.get(ray.remote(num_cpus=1)(lambda: None).remote())
        t_first = time.perf_counter() - started
        started = time.perf_counter()
        shipped = ship_datasets([point], None, put=ray.put)[point.settings["dataset"]]
        t_put = time.perf_counter() - started
        here = ship_datasets([point], None)[point.settings["dataset"]]
        task = ray.remote(num_cpus=1, max_retries=0)(run_anywhere)
        for _ in range(k + 1):  # taking turns; the first run of each way warms it (TensorFlow, the dataset)
            timed(lambda: install(os.path.join(tmp, "plain"), point.id, point.settings,
                                  *run_anywhere(point.settings, here, 1, point.id)), plain)
            timed(lambda: install(os.path.join(tmp, "ray"), point.id, point.settings,
                                  *ray.get(task.remote(dict(point.settings), shipped, 1, point.id))), on_ray)
    finally:
        os.environ.clear()
        os.environ.update(saved)
        started = time.perf_counter()
        instance.close()
        t_stop = time.perf_counter() - started
    free = min(free, _free_cores(cores))
    for way in (plain, on_ray):
        del way[0][0], way[1][0], way[2][0]
    what = "joining " + args.address if args.address else f"a local instance with {cores} CPUs"
    print(f"fixed cost per sweep: start ({what}) {t_start:.2f} s, first task {t_first:.2f} s, dataset into "
          f"the object store {t_put:.2f} s, stop {t_stop:.2f} s")
    mp, mr = statistics.median(plain[0]), statistics.median(on_ray[0])
    op, orr = (statistics.median(w - i for w, i in zip(x[0], x[1])) for x in (plain, on_ray))
    cp, cr = (statistics.median(x[2]) for x in (plain, on_ray))
    print(f"per point (median of {k}): in this process {mp:.2f} s ({op:.2f} s outside the evaluation), as a "
          f"Ray task {mr:.2f} s ({orr:.2f} s outside) -> Ray's per-point overhead {mr - mp:+.2f} s "
          f"(outside the evaluation {orr - op:+.2f} s); load {os.getloadavg()[0]:.2f} after")
    print(f"the evaluation's own CPU time (median): in this process {cp:.2f} s, as a Ray task {cr:.2f} s (equal CPU "
          f"and more wall means the task waited for a core: the machine's load, not work Ray added); free cores "
          f"{free:.2f} of {cores} (the worse of before and after)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--epochs", type=int, default=10, help="training epochs per point (default 10, the design "
                    "default)")
    ap.add_argument("--repeats", type=int, default=1, help="runs of each way, taking turns (default 1)")
    ap.add_argument("--address", help="run the Ray way on this running instance (auto, host:port or "
                    "ray://host:port) instead of the local instance that the command starts and stops; its start "
                    "is then not timed")
    ap.add_argument("--overhead-points", type=int, default=3, help="timed runs of one point each way for the "
                    "per-point overhead (default 3, after one warm-up run each)")
    ap.add_argument("--costs-only", action="store_true", help="measure Ray's fixed and per-point costs only, "
                    "not the two whole sweeps")
    ap.add_argument("--cold", action="store_true", help="do not read the libraries into the page cache before "
                    "each run (measures what the page cache left from the run before)")
    args = ap.parse_args(argv)
    require_positive(ap, args, ("epochs", "repeats", "overhead_points"))
    from adjmat import SpecError
    from predefsparse.sweep.engines import check_address  # the sweep command's own rule for an address
    try:
        check_address("bench_sweep", args.address)
    except SpecError:
        ap.error(f"--address must be 'auto', 'ray://host:port' or 'host:port' (a running Ray instance); "
                 f"received --address={args.address!r}")
    import ray
    import tensorflow as tf

    import predefsparse.codesign  # noqa: F401  (what a point imports, so that its folders are warmed)
    import predefsparse.sweep  # noqa: F401

    print(machine_info(("numpy", "numba"), note=f"ray {ray.__version__}, tensorflow {tf.__version__}"))
    if not args.costs_only:
        print(f"workload: 8 design points of (800, 100, 10) on MNIST, {args.epochs} epoch(s) each; "
              f"{args.repeats} run(s) of each way, taking turns")
    print("Ray way: " + (f"the running instance at {args.address} (its start is not timed)" if args.address else
                         "a local instance that each run starts and stops (timed, as a user waits for it)"))
    from predefsparse.sweep.engines import usable_cpus
    cores = usable_cpus()  # the local instance's CPUs: one point per core
    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as tmp:
        grid = os.path.join(tmp, "grid.toml")
        with open(grid, "w") as f:
            f.write(_grid(args.epochs))
        # the MNIST npz is built once before timing (a first run would otherwise pay for it)
        from predefsparse import datasets
        if not datasets.path_for("mnist").is_file():
            datasets.build("mnist")
        folders = _runtime_folders(str(datasets.path_for("mnist")))
        if args.costs_only:
            pass  # each way is warmed by a run of its own before it is timed
        elif args.cold:
            print("page cache: left as the run before left it (--cold)"
                  + ("; this kernel pages out files unused for 60 s (DAMON)" if _damon_pageout() else ""))
        else:
            size, took = _read_files(folders)
            print(f"page cache: before each run, the {size / 1e9:.2f} GB of files both ways read (the libraries, "
                  f"Python's own, the dataset) are read once ({took:.1f} s now)"
                  + ("; this kernel pages out files unused for 60 s (DAMON), so without it the way that ran "
                     "less recently pays for the disk" if _damon_pageout() else ""))
        print()
        same = True if args.costs_only else _compare(args, grid, folders, tmp, cores)
        _ray_costs(args, tmp, grid, cores)
        print(machine_info(()).splitlines()[1])
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
