"""One sweep point: evaluate it in its folder (what a Ray task or the serial loop runs), make its row, and read
a row back from disk only when it is the point's own and its values are in range.

A point is finished when ``OUT/points/<id>/row.json`` is on disk and passes :func:`read_row`: its format, its
id, the digest of its settings (they must hash to the point's id) and the ranges of its figures (the float,
hardware and on-chip accuracies in [0, 1] or null, counts non-negative integers).  A row that fails is not
taken: the sweep says why and runs the point again.
"""
from __future__ import annotations

import math
import numbers
import os
import sys
import time
from pathlib import Path
from typing import Any, Mapping

from .. import jsonio
from .grid import Point, id_settings, point_id

__all__ = ["ROW", "run_point", "point_row", "read_row", "write_row", "thread_env"]

#: The file of a finished point, inside its folder.
ROW = "row.json"
_POINT_FORMAT = "predefsparse.sweep-point/1"
_MAX_ROW_BYTES = 4 << 20
#: Figures of a row that count something: non-negative integers (or absent / None).
_COUNTS = ("W", "cpc", "clocks_per_input", "total_clocks", "inputs", "latency_clocks", "stall_clocks",
           "bank_stall_clocks", "rmw_stall_clocks", "rmw_hazards", "rmw_stale", "multipliers", "epochs",
           "onchip_stale_reads")
#: Per-junction figures of a row: lists of positive integers (or absent / None).
_PER_JUNCTION = ("config", "fo", "z", "C")
#: Accuracies of a row besides the float one, None when not measured: on the chip's fixed-point arithmetic
#: (the trained weights through hwsim.infer) and after on-chip training.
_ACCURACIES = ("hardware_accuracy", "onchip_accuracy")


def thread_env(threads: int) -> dict[str, str]:
    """The environment that holds one point to ``threads`` cores: TensorFlow's intra-op pool, OpenMP, OpenBLAS
    and Numba at ``threads``, TensorFlow's inter-op pool at 1.  Measured on 2 cores with two points at once
    (docs/sweeps.md), inter-op 2 or intra-op 2 per point took 6 % and 14 % more CPU for the same points."""
    return {"TF_NUM_INTRAOP_THREADS": str(threads), "TF_NUM_INTEROP_THREADS": "1",
            "OMP_NUM_THREADS": str(threads), "OPENBLAS_NUM_THREADS": str(threads),
            "NUMBA_NUM_THREADS": str(threads)}


def _limit_threads(threads: int | None) -> None:
    """Keep one point to ``threads`` cores: environment for libraries not yet loaded, TensorFlow's own
    setting when it is loaded but not yet started (a Ray worker runs many points; the first one decides)."""
    if not threads:
        return
    env = thread_env(threads)
    os.environ.update(env)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf
    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(int(env["TF_NUM_INTEROP_THREADS"]))
    except RuntimeError:  # already started by an earlier point in this worker: its setting holds
        pass


def _evaluate(settings: Mapping[str, Any], folder: str, data_dir: str | None) -> dict[str, Any]:
    """One point through :func:`predefsparse.codesign.evaluate` (``z1`` is its int ``z``: z_1 with the other
    junctions balanced).  A fully connected point runs at the planned z of the sparse net its fo or densities
    name, as ``design`` runs it; without either (a config other than the default), at its own plan."""
    from ..codesign import evaluate
    s = dict(settings)
    own = s["kind"] == "fc" and s["fo"] is None and s["densities"] is None
    fo = tuple(s["config"][1:]) if own else s["fo"]
    row = dict(evaluate(s["config"], s["kind"], fo=fo, densities=s["densities"],
                        z=s["z1"] if s["z1"] is not None else s["z"], seed=s["seed"],
                        dataset=s["dataset"], epochs=s["epochs"], timing=s["timing"], clock=s["clock"],
                        energy=s["energy"], out=folder, data_dir=data_dir, verbose=0))
    if s.get("on_chip"):
        row.update(_on_chip(s, row, data_dir))
        jsonio.write_json(os.path.join(folder, "point.json"), row)
    return row


def _on_chip(s: Mapping[str, Any], row: Mapping[str, Any], data_dir: str | None) -> dict[str, Any]:
    """On-chip training of a point, as ``design --on-chip`` does it (:func:`predefsparse.codesign.chip.
    onchip_training`): the evaluated patterns at the evaluated z, on the build the evaluation simulated."""
    import hwsim
    from ..codesign import ONCHIP_EPOCHS, chip
    from ..codesign.point import netspec_for, point_patterns
    config = tuple(row["config"])
    netspec = netspec_for(row["kind"], config, tuple(row["fo"]), tuple(row["z"]))
    pats, _ = point_patterns(row["kind"], netspec, s["seed"])  # the patterns evaluate trained (same seed)
    hardware = hwsim.HardwareConfig(f_clk=row["clock"], timing=row["timing"])
    return chip.onchip_training(netspec, pats, hardware, chip.train_split(s["dataset"], data_dir, config),
                                chip.test_split(s["dataset"], data_dir, config),
                                epochs=s["onchip_epochs"] or ONCHIP_EPOCHS, seed=s["seed"], verbose=0)


def run_point(settings: dict[str, Any], folder: str, threads: int | None = None,
              data_dir: str | None = None) -> dict[str, Any]:
    """Evaluate one point in its folder; never raises for a point that fails -- the error is the result.

    ``folder`` is the point's scratch folder on the node that runs it (:func:`.transfer.run_anywhere` makes a
    new one each time), so every point starts from the beginning: a point interrupted on a worker is run again
    from its first epoch, never resumed.  Returns the outcome that :func:`point_row` turns into the row:
    status, error, the evaluation's row, times, thread pools, host and pid.
    """
    started, cpu = time.time(), time.process_time()
    os.makedirs(folder, exist_ok=True)
    blas = os.environ.get("OPENBLAS_NUM_THREADS")  # read by numpy's BLAS when the process started
    try:
        _limit_threads(threads)
        row, error = _evaluate(settings, folder, data_dir), None
    except Exception as err:  # recorded; the sweep goes on
        row, error = {}, f"{type(err).__name__}: {err}"
    tf = sys.modules.get("tensorflow")
    pools = tf.config.threading if tf is not None else None
    return {"status": "failed" if error else "done", "error": error, "result": row,
            "started": started, "wall_s": time.time() - started, "cpu_s": time.process_time() - cpu,
            "threads": {"tf_intra_op": pools.get_intra_op_parallelism_threads() if pools else None,
                        "tf_inter_op": pools.get_inter_op_parallelism_threads() if pools else None,
                        "blas": int(blas) if blas and blas.isdigit() else None},
            "host": os.uname().nodename, "pid": os.getpid()}


def _plain(value: Any) -> Any:
    """Settings as JSON holds them (tuples as lists)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return [_plain(v) for v in value] if isinstance(value, (list, tuple)) else value


def point_row(point: Point, outcome: Mapping[str, Any]) -> dict[str, Any]:
    """The point's row: id, status, everything the evaluation returned (the actual fo, z, W, figures...),
    then the settings it does not report (label, z1, epochs...), and the settings as asked under
    ``settings``."""
    row: dict[str, Any] = {"format": _POINT_FORMAT, "point": point.id, "status": outcome["status"],
                           "error": outcome["error"]}
    result = dict(outcome.get("result") or {})
    if result.get("status") not in (None, "done"):
        row["status"] = "failed"
        row["error"] = row["error"] or f"the evaluation ended with status {result['status']!r}"
    for key, value in result.items():
        if key not in row:
            row[key] = value
    for key, value in point.settings.items():
        if key not in result:
            row[key] = _plain(value)
    row.update({"wall_s": outcome["wall_s"], "cpu_s": outcome.get("cpu_s"), "threads": outcome.get("threads"),
                "started": outcome["started"], "host": outcome.get("host"),
                "pid": outcome.get("pid"), "settings": _plain(point.settings)})
    return row


def write_row(folder: Path, row: Mapping[str, Any]) -> None:
    """Write a point's row atomically as strict JSON (a NaN figure is ``null``)."""
    jsonio.write_json(Path(folder) / "points" / row["point"] / ROW, row)


def _is_count(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= 0


def _row_problem(row: Any, point: Point) -> str | None:
    """Why a parsed row.json is not the finished row of ``point`` (None: it is)."""
    if not isinstance(row, dict) or row.get("format") != _POINT_FORMAT:
        return f"it is not a point row (format {_POINT_FORMAT})"
    if row.get("point") != point.id:
        return f"it names point {str(row.get('point'))[:40]!r}"
    if row.get("status") not in ("done", "failed"):
        return f"its status {str(row.get('status'))[:40]!r} is neither 'done' nor 'failed'"
    settings = row.get("settings")
    if not isinstance(settings, dict) or point_id(settings) != point.id \
            or id_settings(settings) != id_settings(_plain(point.settings)):
        return "its settings are not the point's (their digest differs from the point id)"
    for key in ("accuracy",) + _ACCURACIES:
        accuracy = row.get(key)
        if accuracy is not None or (key == "accuracy" and row["status"] == "done"):
            if isinstance(accuracy, bool) or not isinstance(accuracy, numbers.Real) or not 0 <= accuracy <= 1:
                return f"{key}={accuracy!r} is not in [0, 1]"
    for key in _COUNTS:
        if row.get(key) is not None and not _is_count(row[key]):
            return f"{key}={row[key]!r} is not a non-negative integer"
    for key in _PER_JUNCTION:
        value = row.get(key)
        if value is not None and (not isinstance(value, list)
                                  or not all(_is_count(v) and v > 0 for v in value)):
            return f"{key}={value!r} is not a list of positive integers"
    for key in ("density", "throughput", "energy_pj", "wall_s"):
        value = row.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, numbers.Real)
                                  or not math.isfinite(value) or value < 0):
            return f"{key}={value!r} is not a finite non-negative number"
    return None


def read_row(folder: Path, point: Point) -> tuple[dict[str, Any] | None, str | None]:
    """The point's row on disk and why it is not taken: ``(row, None)`` for a finished point, ``(None, None)``
    when there is no row yet, ``(None, reason)`` when ``row.json`` is there but is not this point's finished
    row (unreadable, not strict JSON, another point's, settings or figures out of range)."""
    path = Path(folder) / "points" / point.id / ROW
    if not os.path.lexists(path):
        return None, None
    try:
        row = jsonio.read_json(path, param="row", max_bytes=_MAX_ROW_BYTES, where="read_row",
                               what="point row", inside=Path(folder) / "points" / point.id)
    except (ValueError, OSError) as err:  # SpecError is a ValueError
        return None, str(getattr(err, "hint", None) or err)
    problem = _row_problem(row, point)
    return (None, problem) if problem else (row, None)
