"""How a sweep's points run: one after another in this process, or as Ray tasks (a local instance started here,
or a running cluster by address), with one progress line per finished point.

Only Ray's public API is used.  Without an address the sweep starts its own instance (``address="local"``),
whatever a killed ``ray start`` left in ``/tmp/ray``; a start that fails, an address that does not answer, or
``cpus_per_point`` above what any node has is refused in one message naming the parameter and what to do.
"""
from __future__ import annotations

import os
import socket
import sys
import time
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

from adjmat import SpecError
from adjmat.validation import fail

from .. import fmt
from .grid import Point
from .cluster import run_here, run_on_ray
from .points import thread_env

__all__ = ["ENGINES", "Progress", "check_address", "usable_cpus", "run_serial", "RayInstance"]

#: How :func:`predefsparse.sweep.sweep` runs the points: on Ray (parallel), or one after another in this process.
ENGINES = ("ray", "serial")

Finished = Callable[[Point, Mapping[str, Any]], None]


class Progress:
    """One line per finished point: count, id, what it was, the result and an estimate of the time left."""

    def __init__(self, total: int, stream=None, enabled: bool = True):
        self.total, self.done = total, 0
        self.stream, self.enabled, self.started = stream or sys.stderr, enabled, time.time()

    def line(self, text: str) -> None:
        """Print ``sweep: text`` (when enabled)."""
        if self.enabled:
            print(f"sweep: {text}", file=self.stream, flush=True)

    def point(self, point: Point, row: Mapping[str, Any]) -> None:
        """The line of a point just finished."""
        self.done += 1
        elapsed = time.time() - self.started
        left = self.total - self.done
        eta = f", about {duration(elapsed / self.done * left)} left" if left else ""
        if row["status"] == "done":
            what = f"accuracy {fmt.pct(row.get('accuracy'))}, hardware {fmt.pct(row.get('hardware_accuracy'))}"
        else:
            what = "FAILED: " + str(row.get("error"))[:200]
        self.line(f"[{self.done}/{self.total}] {point.id} {point.describe()}: {what} "
                  f"({row['wall_s']:.0f} s{eta})")


def duration(seconds: float) -> str:
    """``42 s`` below two minutes, ``3.5 min`` above."""
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} min"


def check_address(where: str, address: Any) -> str | None:
    """``address`` when it has the shape of a Ray address (None, ``auto``, ``ray://host:port``, ``host:port``).

    Examples
    --------
    >>> check_address("sweep", "ray://10.0.0.1:10001")
    'ray://10.0.0.1:10001'
    """
    if address is None:
        return None
    if not isinstance(address, str) or not address or (
            address != "auto" and not address.startswith("ray://") and ":" not in address):
        raise fail(where, "address", "None (a local Ray instance), 'auto' (the running cluster), "
                   "'ray://host:port' or 'host:port'", address)
    return address


def usable_cpus() -> int:
    """The cores this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def run_serial(todo: Sequence[Point], folder: Path, finished: Finished, data_dir: str | None,
               progress: Progress) -> None:
    """Evaluate the points one after another in this process."""
    if todo and "tensorflow" not in sys.modules:
        progress.line("importing TensorFlow for the first point")
    run_here(todo, folder, finished, data_dir)  # each point in a scratch folder, as on a cluster


def _answers(where: str, address: str) -> None:
    """Refuse at once an address where nothing listens (Ray itself waits about a minute before it says so)."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    try:
        port_number = int(port)
    except ValueError:
        raise fail(where, "address", "'auto', 'ray://host:port' or 'host:port' with a port number",
                   address) from None
    try:
        socket.create_connection((host or "127.0.0.1", port_number), timeout=5).close()
    except OSError as err:
        raise fail(where, "address", "the address of a running Ray cluster", address,
                   f"Nothing answers there ({err.strerror or err}). Start one with `ray start --head` (it prints "
                   f"the address to give), or leave the address out for a local instance.") from None


class RayInstance:
    """The Ray session a sweep runs its points on, opened by :meth:`open` and closed by :meth:`close`.

    With ``address`` None a local instance is started with ``num_cpus`` CPUs (``address="local"``: a stale
    ``/tmp/ray/ray_current_cluster`` is ignored) and stopped at the end; with an address the running cluster is
    joined and left.  A Ray session already open in this process is used as is.
    """

    def __init__(self, where: str, *, address: str | None, num_cpus: int | None, cpus_per_point: int,
                 verbose: int, progress: Progress):
        self.where, self.address, self.num_cpus = where, address, num_cpus
        self.cpus_per_point, self.verbose, self.progress = cpus_per_point, verbose, progress
        self.ours = False

    def open(self) -> "RayInstance":
        """Start or join Ray; check that a point's CPUs fit on a node.  Raises SpecError naming the parameter."""
        import ray

        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
        if not ray.is_initialized():
            kwargs = dict(include_dashboard=False, log_to_driver=self.verbose >= 2, logging_level="ERROR")
            threads = {**thread_env(self.cpus_per_point),
                       "TF_CPP_MIN_LOG_LEVEL": os.environ.get("TF_CPP_MIN_LOG_LEVEL", "2")}
            if self.address is None:
                cpus = self.num_cpus or usable_cpus()
                self.progress.line(f"starting a local Ray instance with {cpus} CPUs")
                self._start_local(ray, kwargs, threads, cpus)
            else:
                self.progress.line(f"connecting to the Ray cluster at {self.address}")
                if self.address != "auto":
                    _answers(self.where, self.address)
                try:  # a cluster's workers run elsewhere: the thread limits travel with the job
                    ray.init(address=self.address, runtime_env={"env_vars": threads}, **kwargs)
                except Exception as err:
                    raise fail(self.where, "address", "the address of a running Ray cluster", self.address,
                               f"Ray could not join it ({type(err).__name__}: {str(err)[:300]}). Check the "
                               f"address that `ray start --head` printed, or leave the address out for a "
                               f"local instance.") from None
            self.ours = True
        try:
            self._check_cpus(ray)
        except SpecError:
            self.close()
            raise
        return self

    def _start_local(self, ray, kwargs: dict, threads: dict[str, str], cpus: int) -> None:
        # A local instance's workers are children of the raylet started here: they inherit this process's
        # environment, so the thread limits go there for the time of the start (a runtime_env would start
        # Ray's runtime-env agent path for every worker: 1-4 s more before the first point starts).
        saved = {name: os.environ.get(name) for name in threads}
        os.environ.update(threads)
        try:
            ray.init(address="local", num_cpus=cpus, **kwargs)
        except Exception as err:
            raise SpecError(f"{self.where}: Ray could not start a local instance ({type(err).__name__}: "
                            f"{str(err)[:300]}). Check that `python -c \"import ray; ray.init()\"` works here, "
                            f"or run the points in this process without Ray (engine='serial'; --serial on the "
                            f"command line).", param="engine") from None
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value

    def _check_cpus(self, ray) -> None:
        per_node = [node.get("Resources", {}).get("CPU", 0) for node in ray.nodes() if node.get("Alive")]
        most = int(max(per_node, default=0))
        if self.cpus_per_point > most:
            raise fail(self.where, "cpus_per_point", f"at most the {most} CPUs of the largest node of the Ray "
                       f"instance", self.cpus_per_point,
                       "A point runs on one node, so it would never start. Ask for fewer CPUs per point, or "
                       "join a cluster with larger nodes.")

    def close(self) -> None:
        """Stop the instance started here (its workers with it), or leave the cluster joined here."""
        if self.ours:
            import ray
            ray.shutdown()
            self.ours = False

    def run(self, todo: Sequence[Point], folder: Path, finished: Finished, data_dir: str | None) -> None:
        """Submit every point as a Ray task; hand each outcome to ``finished`` as it arrives."""
        run_on_ray(todo, folder, finished, cpus_per_point=self.cpus_per_point, data_dir=data_dir,
                   line=self.progress.line, cancel_on_interrupt=not self.ours)
