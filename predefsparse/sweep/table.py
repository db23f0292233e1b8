"""A sweep folder's files of record: the table of rows (``sweep.csv``, ``sweep.parquet``), the grid and its
point ids (``sweep.json``), and reading back the rows on disk.

Examples
--------
>>> import tempfile
>>> read_rows(tempfile.mkdtemp())
[]
"""
from __future__ import annotations

import csv
import io
import os
from pathlib import Path
from typing import Any, Mapping, Sequence

from adjmat import SpecError
from adjmat.pattern import atomic_write
from adjmat.validation import fail

from .. import jsonio
from .grid import Grid, Point, as_grid, parse_grid
from .points import read_row
from .settings import cell

__all__ = ["read_rows", "write_table", "write_record", "read_record", "sweep_folder"]

_SWEEP_FORMAT = "predefsparse.sweep/1"
_MAX_RECORD_BYTES = 16 << 20
_TABLE_LEAD = ("point", "status", "label", "kind", "dataset", "config", "fo", "densities", "z", "z1", "seed",
               "epochs", "accuracy", "hardware_accuracy", "onchip_accuracy", "error")


def _columns(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    """The table's columns: the lead ones, then every other figure of a row (not the nested ones: settings,
    threads, the on-chip learning curve).  The on-chip columns only when a row has on-chip training."""
    onchip = any(r.get("onchip_accuracy") is not None for r in rows)
    cols = [c for c in _TABLE_LEAD if any(c in r for r in rows) and (onchip or not c.startswith("onchip_"))]
    for row in rows:
        for key, value in row.items():
            nested = isinstance(value, dict) or (isinstance(value, list) and any(isinstance(v, dict) for v in value))
            if key not in cols and key != "format" and not nested and (onchip or not key.startswith("onchip_")):
                cols.append(key)
    return cols


def write_table(folder: Path, rows: Sequence[Mapping[str, Any]]) -> tuple[str, str | None]:
    """``sweep.csv`` (and ``sweep.parquet`` with pyarrow), atomically; per-layer lists as ``800-100-10``.
    Returns both paths (None for the parquet file without pyarrow)."""
    cols = _columns(rows)
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(cols)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else cell(row.get(c)) for c in cols])
    csv_path = atomic_write(folder / "sweep.csv", lambda f: f.write(buf.getvalue().encode("utf-8")))
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        return csv_path, None
    arrays = []
    for c in cols:
        values = [cell(r.get(c)) for r in rows]
        try:
            arrays.append(pa.array(values))
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed types in one column: text
            arrays.append(pa.array([None if v is None else str(v) for v in values], type=pa.string()))
    table = pa.Table.from_arrays(arrays, names=cols) if cols else pa.table({})
    pq_path = atomic_write(folder / "sweep.parquet", lambda f: pq.write_table(table, f))
    return csv_path, pq_path


def sweep_folder(where: str, out: Any) -> Path:
    """``out`` as the Path of an existing sweep folder (``out`` is named in the refusal)."""
    if not isinstance(out, (str, os.PathLike)) or not os.fspath(out):
        raise fail(where, "out", "the folder of a sweep", out)
    folder = Path(out)
    if not folder.is_dir():
        raise FileNotFoundError(f"{where}: no sweep folder {str(folder)!r}.")
    return folder


def write_record(folder: Path, grid: Grid, data_dir: str | None) -> None:
    """``sweep.json``: the grid, the data folder and every point with its id and settings (strict JSON)."""
    jsonio.write_json(folder / "sweep.json", {
        "format": _SWEEP_FORMAT, "grid": grid.to_dict(), "data_dir": data_dir,
        "points": [{"id": p.id, **p.settings} for p in grid.points()]})


def read_record(where: str, folder: Path) -> dict[str, Any] | None:
    """The parsed ``sweep.json`` of a sweep folder, None when there is none; a file that is not a sweep record
    (hostile, too large, too deep, not strict JSON, another format) is refused naming ``out``."""
    path = folder / "sweep.json"
    if not os.path.lexists(path):
        return None
    record = jsonio.read_json(path, param="out", max_bytes=_MAX_RECORD_BYTES, where=where, what="sweep record",
                              inside=folder)
    if not isinstance(record, dict) or record.get("format") != _SWEEP_FORMAT:
        raise SpecError(f"{where}: {path} is not a sweep record (format {_SWEEP_FORMAT}); rerun the sweep to "
                        f"rewrite it.", param="out")
    return record


def recorded_grid(where: str, folder: Path) -> Grid | None:
    """The grid saved in ``sweep.json`` (checked again), None when there is no record."""
    record = read_record(where, folder)
    if record is None:
        return None
    data_dir = record.get("data_dir") if isinstance(record.get("data_dir"), str) else None
    return parse_grid(record.get("grid"), where=where, data_dir=data_dir)


def _recorded_points(record: Mapping[str, Any]) -> list[Point]:
    """The points listed in a sweep record (entries that are not a point are left out)."""
    out = []
    for entry in record.get("points", []):
        if isinstance(entry, dict) and isinstance(entry.get("id"), str) and len(entry["id"]) == 12 \
                and all(ch in "0123456789abcdef" for ch in entry["id"]):
            out.append(Point(entry["id"], {k: v for k, v in entry.items() if k != "id"}))
    return out


def read_rows(out: str | os.PathLike, grid: Any = None) -> list[dict[str, Any]]:
    """The rows on disk of a sweep folder: one per finished point (done or failed), in grid order.

    A ``row.json`` that is not its point's (another point's, settings that do not hash to the id, an accuracy
    outside [0, 1], a negative count...) is not a finished point and is left out.

    Parameters
    ----------
    out : path
        The sweep's folder.
    grid : Grid, mapping or path, optional
        Read only this grid's points; default the points saved in ``out/sweep.json``.

    Examples
    --------
    >>> import tempfile
    >>> read_rows(tempfile.mkdtemp())
    []
    """
    where = "read_rows"
    folder = sweep_folder(where, out)
    if grid is not None:
        points = as_grid(where, grid).points()
    else:
        record = read_record(where, folder)
        points = [] if record is None else _recorded_points(record)
    rows = [read_row(folder, p)[0] for p in points]
    return [r for r in rows if r is not None]
