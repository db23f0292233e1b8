"""How the engines hand points out and take their files back (:mod:`.transfer`): one after another in this process,
or as Ray tasks that may run on any node of a cluster, with a point whose node was lost run again.

A point's Ray task gets its settings, its dataset (:class:`~.transfer.Shipped`) and its CPUs, never a path of the
driver's.  Its result (outcome and files) is fetched as soon as it is ready: a result left on a node that dies is
lost with it.  Tasks are not retried by Ray (``max_retries=0``): a point whose node died (``NodeDiedError``, the
node's raylet gone, its result lost) is submitted again here, up to :data:`RESUBMITS` times, with a line saying
so; a worker process that crashed (memory, a signal) is the point's failure, recorded like any other.
"""
from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from .grid import Point
from .transfer import install, run_anywhere, ship_datasets

__all__ = ["RESUBMITS", "run_here", "run_on_ray", "node_lost"]

#: How many times a point whose node was lost is submitted again before it is recorded as failed.
RESUBMITS = 2

Finished = Callable[[Point, Mapping[str, Any]], None]


def _failed(err: BaseException) -> dict[str, Any]:
    return {"status": "failed", "error": f"{type(err).__name__}: {str(err)[:2000]}", "result": {},
            "started": time.time(), "wall_s": 0.0}


def _install(folder: Path, point: Point, outcome: dict[str, Any], data: bytes) -> dict[str, Any]:
    """Install a point's files (:func:`predefsparse.sweep.transfer.install`); an archive that is not whole or not
    a point's makes the point failed (its error recorded, nothing installed) instead of stopping the sweep."""
    import tarfile
    try:
        return install(folder, point.id, point.settings, outcome, data)
    except (ValueError, tarfile.TarError) as err:
        return _failed(err)


def run_here(todo: Sequence[Point], folder: Path, finished: Finished, data_dir: str | None) -> None:
    """Evaluate the points one after another in this process, each in a scratch folder like a Ray task, its
    files installed into ``folder/points/<id>/`` before ``finished`` writes its row."""
    shipped = ship_datasets(todo, data_dir)
    for point in todo:
        outcome, data = run_anywhere(point.settings, shipped[point.settings["dataset"]], None, point.id)
        finished(point, _install(folder, point, outcome, data))


def node_lost(err: BaseException) -> bool:
    """Whether a task's error says its node was lost (run the point again) rather than that the point failed."""
    import ray.exceptions as rex
    lost = tuple(getattr(rex, name) for name in ("NodeDiedError", "LocalRayletDiedError", "ObjectLostError")
                 if hasattr(rex, name))
    return isinstance(err, lost) or isinstance(getattr(err, "cause", None), lost)


def run_on_ray(todo: Sequence[Point], folder: Path, finished: Finished, *, cpus_per_point: int,
               data_dir: str | None, line: Callable[[str], None], cancel_on_interrupt: bool,
               resubmits: int = RESUBMITS) -> None:
    """Submit every point as a Ray task; install each one's files and hand its outcome to ``finished`` as it
    arrives; submit again (at most ``resubmits`` times) a point whose node was lost."""
    import ray

    refs: dict = {}
    try:
        shipped = ship_datasets(todo, data_dir, put=ray.put)
        task = ray.remote(num_cpus=cpus_per_point, max_retries=0)(run_anywhere)

        def submit(point: Point):
            refs[task.remote(dict(point.settings), shipped[point.settings["dataset"]], cpus_per_point,
                             point.id)] = point

        for point in todo:
            submit(point)
        again: dict[str, int] = {}
        while refs:
            ready, _ = ray.wait(list(refs), num_returns=1)
            for ref in ready:
                point = refs.pop(ref)
                try:
                    outcome, data = ray.get(ref)
                except Exception as err:
                    if node_lost(err) and again.get(point.id, 0) < resubmits:
                        again[point.id] = again.get(point.id, 0) + 1
                        line(f"point {point.id}: its node was lost ({type(err).__name__}); running it again "
                             f"({again[point.id]} of {resubmits})")
                        submit(point)
                        continue
                    finished(point, _failed(err))  # the worker died (memory, a signal): recorded, the others go on
                    continue
                finished(point, _install(folder, point, outcome, data))
    except KeyboardInterrupt:
        # An instance started here is stopped by close(), its workers with it.  Cancelling its tasks first
        # raced with tasks finishing at that moment and could abort the driver inside Ray ("Tried to
        # complete task that was not pending"), so only a cluster's tasks are cancelled.
        if cancel_on_interrupt:
            for ref in refs:
                ray.cancel(ref, force=True)
        raise
