"""The sweep job: check the request, lock the folder, run the points not yet on disk, write table and report.

:func:`sweep` is the one entry point (the ``predefsparse sweep`` command calls it); everything it is asked is
checked before any work, and a rerun of an interrupted sweep runs only the points without a finished row.
"""
from __future__ import annotations

import dataclasses
import os
import time
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from adjmat import SpecError
from adjmat.validation import check_bool, check_int, fail

from ..lock import FolderLock
from .engines import ENGINES, Progress, RayInstance, check_address, duration, run_serial, usable_cpus
from .grid import Grid, Point, as_grid
from .points import point_row, read_row, write_row
from .report import write_report
from .settings import nearest_hint
from .table import write_record, write_table

__all__ = ["sweep", "SweepResult"]


@dataclasses.dataclass(frozen=True)
class SweepResult:
    """What :func:`sweep` did.

    Attributes
    ----------
    out : str
        The sweep's folder.
    rows : list of dict
        The row of every finished point of the grid (done or failed), in grid order.
    ran, skipped : tuple of str
        Ids of the points evaluated by this call, and of those already on disk and left alone.
    failed : tuple of str
        Ids of the grid's points recorded as failed (by this call or before).
    missing : tuple of str
        Ids of the grid's points with no row yet (a call with ``points=`` leaves the others missing).
    table, parquet, report : str or None
        ``sweep.csv``, ``sweep.parquet`` (None without pyarrow) and ``report.html`` (None when not written).
    wall_s : float
        Wall time of the call.
    engine : str
        ``"ray"`` or ``"serial"``.
    """

    out: str
    rows: list
    ran: tuple
    skipped: tuple
    failed: tuple
    missing: tuple
    table: str
    parquet: str | None
    report: str | None
    wall_s: float
    engine: str


def sweep(grid: Any, *, out: str | os.PathLike, address: str | None = None, engine: str = "ray",
          num_cpus: int | None = None, cpus_per_point: int = 1, points: Sequence[str] | None = None,
          retry_failed: bool = False, report: bool = True, verbose: int = 1, stream: Any = None,
          data_dir: str | os.PathLike | None = None) -> SweepResult:
    """Evaluate every point of a grid (on Ray by default) into one table and one report.

    Parameters
    ----------
    grid : Grid, mapping or path
        The grid (:func:`load_grid`, :func:`parse_grid`).  Checked completely before any work.
    out : path
        The sweep's folder: ``sweep.csv``, ``sweep.parquet``, ``sweep.json`` (the grid and its point ids),
        ``points/<id>/`` per point, ``figures/`` and ``report.html``.
    address : str, optional
        None: start a local Ray instance with ``num_cpus`` CPUs and stop it at the end, whatever a killed
        ``ray start`` left behind (a Ray session already open in this process is used as is); ``"auto"``,
        ``"ray://host:port"`` or ``"host:port"``: a running cluster.  No shared file system is needed: each
        point runs in a scratch folder of its node, its dataset is shipped there and its files come back into
        ``out`` on this machine (:mod:`predefsparse.sweep.transfer`).
    engine : {"ray", "serial"}
        ``"serial"`` evaluates the points one after another in this process (no Ray).
    num_cpus : int, optional
        CPUs of the local instance; default the cores this process may use.
    cpus_per_point : int
        CPUs reserved by each point; its TensorFlow, OpenMP and Numba threads are held to that number.  At most
        the CPUs of the local instance (or of the cluster's largest node).
    points : sequence of str, optional
        Evaluate exactly these point ids (again, even if done); the others are left as they are.
    retry_failed : bool
        Also evaluate again the points recorded as failed (by default a failed point stays failed).
    report : bool
        Write the plots and ``report.html`` at the end (:func:`write_report`).
    verbose : {0, 1, 2}
        0 silent; 1 a line per finished point; 2 also the workers' own output (Keras, TensorFlow).
    stream : file, optional
        Where the progress lines go (default stderr).
    data_dir : path, optional
        The data folder that dataset names resolve in and missing datasets are built in (default:
        :func:`predefsparse.datasets.default_data_dir`).

    Returns
    -------
    SweepResult

    Raises
    ------
    adjmat.SpecError
        A bad grid or argument, before any work; an unknown key or value names the nearest valid one.
    KeyboardInterrupt
        After the finished points are written: rerunning the same call runs only the missing points.

    Examples
    --------
    >>> import tempfile
    >>> sweep({"grid": {"kinds": ["fc"]}}, out=tempfile.mkdtemp())  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    adjmat.SpecError: sweep: grid key must be one of label, config, kind, ...; received grid key='kinds'. ...
    """
    where = "sweep"
    if data_dir is not None:
        if not isinstance(data_dir, (str, os.PathLike)) or not os.fspath(data_dir):
            raise fail(where, "data_dir", "the path of a data folder", data_dir)
        data_dir = os.path.abspath(data_dir)  # the workers' working folder may differ
    grid = as_grid(where, grid, data_dir)
    if not isinstance(out, (str, os.PathLike)) or not os.fspath(out):
        raise fail(where, "out", "the path of the sweep's folder", out)
    address = check_address(where, address)
    if engine not in ENGINES:
        raise fail(where, "engine", "'ray' or 'serial'", engine, nearest_hint(engine, ENGINES))
    if engine == "serial" and address is not None:
        raise fail(where, "address", "None with engine='serial' (an address is for the Ray engine)", address)
    if num_cpus is not None:
        num_cpus = check_int(where, "num_cpus", num_cpus, minimum=1)
    cpus_per_point = check_int(where, "cpus_per_point", cpus_per_point, minimum=1)
    if engine == "ray" and address is None and cpus_per_point > (num_cpus or usable_cpus()):
        raise fail(where, "cpus_per_point", f"at most the {num_cpus or usable_cpus()} CPUs of the local Ray "
                   f"instance", cpus_per_point, "A point asking for more would never start.")
    check_bool(where, "retry_failed", retry_failed)
    check_bool(where, "report", report)
    if verbose not in (0, 1, 2) or isinstance(verbose, bool):
        raise fail(where, "verbose", "0, 1 or 2", verbose)
    all_points = grid.points()
    by_id = {p.id: p for p in all_points}
    if points is not None:
        if isinstance(points, str) or not isinstance(points, (list, tuple)) or not points:
            raise fail(where, "points", "a non-empty list of point ids", points)
        for pid in points:
            if pid not in by_id:
                raise fail(where, "points", "ids of this grid's points", pid, nearest_hint(pid, by_id))
    if engine == "ray":
        try:
            import ray  # noqa: F401
        except ImportError:
            raise SpecError(f"{where}: engine='ray' needs the ray package; install the extra with "
                            f"pip install -e \".[dist]\", or pass engine='serial'.", param="engine") from None

    started = time.time()
    folder = Path(out)
    progress = Progress(0, stream, enabled=verbose > 0)
    # what would run, read before anything is written: Ray starts and datasets are built only when needed
    rows, problems = _rows(folder, all_points) if folder.is_dir() else ({p.id: None for p in all_points}, {})
    todo = _todo(all_points, rows, points, retry_failed)
    _ensure_datasets(todo, progress, data_dir)
    ray_instance = None

    def ray_session() -> RayInstance:
        nonlocal ray_instance
        if ray_instance is None:
            ray_instance = RayInstance(where, address=address, num_cpus=num_cpus, cpus_per_point=cpus_per_point,
                                       verbose=verbose, progress=progress).open()
        return ray_instance

    if engine == "ray" and todo:
        ray_session()  # started (and checked) before anything is written
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with FolderLock(folder, param="out", where=where, holder="sweep"):
            return _run(grid, folder, all_points, points, retry_failed, report, engine, address, num_cpus,
                        data_dir, ray_session, progress, started)
    finally:
        if ray_instance is not None:
            ray_instance.close()


def _rows(folder: Path, points: Sequence[Point]) -> tuple[dict[str, Any], dict[str, str]]:
    """The finished row of each point (None: none yet) and why a row on disk was not taken."""
    rows, problems = {}, {}
    for p in points:
        rows[p.id], problem = read_row(folder, p)
        if problem:
            problems[p.id] = problem
    return rows, problems


def _todo(all_points: Sequence[Point], rows: Mapping[str, Any], points: Sequence[str] | None,
          retry_failed: bool) -> list[Point]:
    if points is not None:
        by_id = {p.id: p for p in all_points}
        return [by_id[pid] for pid in dict.fromkeys(points)]
    return [p for p in all_points if rows[p.id] is None or (retry_failed and rows[p.id]["status"] == "failed")]


def _run(grid: Grid, folder: Path, all_points: list[Point], points, retry_failed: bool, report: bool, engine: str,
         address: str | None, num_cpus: int | None, data_dir: str | None, ray_session: Callable[[], RayInstance],
         progress: Progress, started: float) -> SweepResult:
    """The sweep once its folder is locked: record, rows, the points to run, table and report."""
    write_record(folder, grid, data_dir)
    rows, problems = _rows(folder, all_points)  # again, under the lock
    todo = _todo(all_points, rows, points, retry_failed)
    todo_ids = {p.id for p in todo}
    skipped = tuple(p.id for p in all_points if rows[p.id] is not None and p.id not in todo_ids)
    progress.total = len(todo)
    n_done = sum(1 for r in rows.values() if r is not None and r["status"] == "done")
    n_failed = sum(1 for r in rows.values() if r is not None and r["status"] == "failed")
    where_run = "in this process" if engine == "serial" else (
        f"Ray at {address}" if address else f"a local Ray instance ({num_cpus or usable_cpus()} CPUs)")
    named = "" if grid.title == "sweep" else f"{grid.title}: "
    progress.line(f"{named}{len(all_points)} points ({n_done} done, {n_failed} failed, "
                  f"{len(todo)} to run) {where_run} -> {folder}")
    for pid, problem in problems.items():
        progress.line(f"point {pid}: its row.json is not taken ({problem}); running the point again")
    table = write_table(folder, [r for r in rows.values() if r is not None])

    def finished(point: Point, outcome: Mapping[str, Any]) -> None:
        nonlocal table
        row = point_row(point, outcome)
        write_row(folder, row)
        rows[point.id] = row
        table = write_table(folder, [r for r in rows.values() if r is not None])
        progress.point(point, row)

    if todo and engine == "serial":
        run_serial(todo, folder, finished, data_dir, progress)
    elif todo:  # Ray is started already, unless the rows changed between the first look and the lock
        ray_session().run(todo, folder, finished, data_dir)
    final = [r for r in (rows[p.id] for p in all_points) if r is not None]
    report_path = None
    if report and any(r["status"] == "done" for r in final):
        report_path = write_report(folder, grid)
    failed = tuple(r["point"] for r in final if r["status"] == "failed")
    missing = tuple(p.id for p in all_points if rows[p.id] is None)
    wall = time.time() - started
    progress.line(f"{len(final) - len(failed)} done, {len(failed)} failed, {len(missing)} missing "
                  f"({len(todo)} run now, {duration(wall)}); table {table[0]}"
                  + (f"; report {report_path}" if report_path else ""))
    return SweepResult(str(folder), final, tuple(p.id for p in todo), skipped, failed, missing,
                       table[0], table[1], report_path, wall, engine)


def _ensure_datasets(points: Sequence[Point], progress: Progress, data_dir: str | None) -> None:
    """Build once, here, every named dataset that is missing, so parallel points do not all build it (its
    source named first), and check it like any other dataset file."""
    from .. import datasets
    for name in sorted({p.settings["dataset"] for p in points}):
        if name in datasets.DATASETS and not datasets.path_for(name, data_dir=data_dir).is_file():
            progress.line(f"building dataset {name!r} once before the points start")
            datasets.check(name, data_dir=data_dir, param="dataset")
