"""Points that run anywhere: a point is evaluated in a scratch folder of whichever node runs it, its files come
back to the driver as one archive, and its dataset reaches the node through Ray's object store.

No shared file system is assumed, and the task of a point is given no path of the driver's:

- :func:`run_anywhere` (the Ray task; the serial engine calls it too) evaluates one point in a fresh scratch
  folder under the node's temporary folder, packs what the point wrote (``patterns/``, ``hwsim.json``,
  ``point.json``, ``run/``) into one uncompressed tar and returns it with the outcome; the scratch folder is
  removed whatever happens.  The archive travels back as the task's return value: Ray's object store moves
  large objects between nodes in chunks and spills them to disk, so no storage service is needed (a point's
  files are a few MB: the patterns, the simulator's report and the trained model).
- :func:`install` (the driver) unpacks that archive into a new folder inside ``OUT/points/`` and renames it to
  ``OUT/points/<id>`` (the old folder, a failed or forged point's, is moved aside first and removed after), so
  a point's folder is either the old one or the complete new one, never half-written.  The paths the node used
  (its scratch folder, its copy of the dataset) are replaced in the point's JSON files and in its row by the
  driver's folder and by the dataset as the grid names it.
- :class:`Shipped` is a point's dataset: the driver reads the file once, computes its sha256 and puts its bytes
  in the object store once per sweep; a node keeps a copy, named by the digest, in
  ``<tmp>/predefsparse-<uid>/datasets/`` and fetches the bytes only when that copy is missing.  The bytes
  received and a copy used for the first time in a process are checked against the driver's digest.

A point interrupted on a node (a node lost, a sweep stopped) leaves nothing in ``OUT``; it is run again from the
start.  Its scratch folder, locked while the point runs, is removed by the next point that starts on that node.
"""
from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import io
import os
import shutil
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any, Mapping

from ..jsonio import sha256_file
from .points import ROW, run_point

__all__ = ["Shipped", "ship_datasets", "run_anywhere", "install", "pack", "unpack", "node_folder"]

#: Digests of the node's dataset copies already checked by this process.
_CHECKED: dict[str, str] = {}


def node_folder(*parts: str) -> Path:
    """A folder of this node's for sweeps (``<tmp>/predefsparse-<uid>/...``), made when missing (mode 0700)."""
    folder = Path(tempfile.gettempdir(), f"predefsparse-{os.getuid()}", *parts)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


@dataclasses.dataclass(frozen=True)
class Shipped:
    """A point's dataset as the driver hands it to the node that runs the point.

    Attributes
    ----------
    name : str
        The dataset as the grid names it (a name or a path): what the row and the run's records show.
    digest : str
        sha256 of the driver's file.
    path : str or None
        The driver's file, for a point run in the driver's process (serial engine); None on Ray.
    ref : list or None
        ``[ObjectRef]`` of the file's bytes in the object store (wrapped in a list so that Ray does not fetch the
        bytes for a node that has its copy already); None for the serial engine.
    """

    name: str
    digest: str
    path: str | None = None
    ref: list | None = None

    def local_path(self) -> str:
        """The dataset's file on this node: the driver's own (serial), or this node's checked copy."""
        if self.ref is None:
            return os.fspath(self.path)
        copy = node_folder("datasets") / f"{self.digest}.npz"
        if _CHECKED.get(self.digest) == str(copy) and copy.is_file():
            return str(copy)
        if copy.is_file() and sha256_file(copy) == self.digest:
            _CHECKED[self.digest] = str(copy)
            return str(copy)
        import ray
        data = ray.get(self.ref[0])
        got = hashlib.sha256(data).hexdigest()
        if got != self.digest:
            raise ValueError(f"the dataset {self.name!r} arrived with sha256 {got}, the driver's copy has "
                             f"{self.digest}; nothing was trained on it")
        fd, tmp = tempfile.mkstemp(prefix=f".{self.digest[:16]}-", dir=copy.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
            os.replace(tmp, copy)  # atomic: nodes' workers writing the same copy at once each write a whole file
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        _CHECKED[self.digest] = str(copy)
        return str(copy)


def ship_datasets(points, data_dir: str | None, *, put=None) -> dict[str, Shipped]:
    """The datasets of ``points`` (each read and hashed once), by the name the grid gives them.

    ``put`` (``ray.put``) puts each file's bytes in the object store once; without it the points use the
    driver's files in place (the serial engine).  The datasets were checked, and built when missing, by the
    sweep before any work.
    """
    from .. import datasets
    shipped = {}
    for name in sorted({p.settings["dataset"] for p in points}):
        path = datasets.path_for(name, data_dir=data_dir).absolute()
        if put is None:
            shipped[name] = Shipped(name, sha256_file(path), path=str(path))
        else:
            data = path.read_bytes()
            shipped[name] = Shipped(name, hashlib.sha256(data).hexdigest(), ref=[put(data)])
    return shipped


def pack(folder: str | os.PathLike) -> bytes:
    """The files and folders under ``folder`` as one uncompressed tar (links and other special files left out)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for root, dirs, files in os.walk(folder):
            dirs.sort()
            for name in sorted(dirs) + sorted(files):
                path = os.path.join(root, name)
                if os.path.islink(path) or not (os.path.isdir(path) or os.path.isfile(path)):
                    continue
                if name == ".lock" and os.path.isfile(path):  # a lock file of the node's run: nothing to keep
                    continue
                tar.add(path, arcname=os.path.relpath(path, folder), recursive=False)
    return buffer.getvalue()


def unpack(data: bytes, folder: str | os.PathLike) -> None:
    """Extract an archive made by :func:`pack` into ``folder``: regular files and folders only, every name inside
    it (tarfile's ``data`` filter refuses absolute names, ``..`` and links), and the archive whole: it must end
    with tar's end-of-archive marker (two zero blocks) after its last member, which a truncated archive lacks
    (tarfile itself reads an archive cut at a member boundary as a shorter, valid one)."""
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:") as tar:
        for member in tar.getmembers():
            if not (member.isfile() or member.isdir()):
                raise ValueError(f"a point's archive holds {member.name!r}, which is not a file or a folder")
        if data[tar.offset:tar.offset + 2 * tarfile.BLOCKSIZE] != bytes(2 * tarfile.BLOCKSIZE):
            raise ValueError(f"a point's archive is cut short ({len(data):,} bytes, no end-of-archive marker after "
                             f"its last member)")
        tar.extractall(folder, filter="data")


def _failed(started: float, error: str) -> dict[str, Any]:
    return {"status": "failed", "error": error, "result": {}, "started": started, "wall_s": time.time() - started,
            "cpu_s": None, "threads": None, "host": os.uname().nodename, "pid": os.getpid()}


def run_anywhere(settings: Mapping[str, Any], dataset: Shipped, threads: int | None = None,
                 point: str = "point") -> tuple[dict[str, Any], bytes]:
    """Evaluate one point in a scratch folder of this node; return its outcome and its files as one archive.

    What a Ray task runs (and the serial engine, in the driver's process): it is given the point's settings and
    its dataset, never a folder of the driver's.  The outcome (:func:`predefsparse.sweep.points.run_point`) has
    ``moved``: the scratch folder and the dataset file this node used, which :func:`install` replaces by the
    driver's.  Never raises for a point that fails: the error is the outcome (the files written until then are
    returned too).
    """
    started = time.time()
    scratch = tempfile.mkdtemp(prefix=f"point-{point}-", dir=node_folder("points"))
    folder = os.path.join(scratch, "p")
    held = _hold(scratch)
    _sweep_dead(Path(scratch).parent)
    try:
        try:
            local = dataset.local_path()
        except Exception as err:  # recorded as the point's error; the sweep goes on
            return _failed(started, f"{type(err).__name__}: {err}"), b""
        outcome = run_point(dict(settings, dataset=local), folder, threads)
        outcome["moved"] = {"folder": folder, "dataset": local}
        return outcome, pack(folder) if os.path.isdir(folder) else b""
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
        os.close(held)


def _hold(scratch: str) -> int:
    """Lock a scratch folder for as long as its point runs (the lock goes with the process, however it ends)."""
    fd = os.open(os.path.join(scratch, ".holding"), os.O_CREAT | os.O_RDWR, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.rename(os.path.join(scratch, ".holding"), os.path.join(scratch, ".held"))  # seen by others only when locked
    return fd


def _sweep_dead(points: Path) -> None:
    """Remove the scratch folders of points whose process died (killed node, stopped sweep): their lock is free."""
    for entry in points.glob("point-*"):
        try:
            fd = os.open(entry / ".held", os.O_RDWR)
        except OSError:  # being made (no lock file yet), or gone
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # a running point's
            continue
        finally:
            os.close(fd)
        shutil.rmtree(entry, ignore_errors=True)


def _replace(value: Any, pairs: list[tuple[str, str]]) -> Any:
    """``value`` with every string's occurrences of each ``old`` replaced by ``new``."""
    if isinstance(value, str):
        for old, new in pairs:
            value = value.replace(old, new)
        return value
    if isinstance(value, dict):
        return {k: _replace(v, pairs) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_replace(v, pairs) for v in value)
    return value


def _clear(points: Path, prefix: str) -> None:
    """Remove what an install of the same point left when the driver died in the middle (the sweep's lock is
    held, so nothing else is writing there)."""
    for entry in points.glob(prefix + "*"):
        shutil.rmtree(entry, ignore_errors=True)


def install(out: str | os.PathLike, point_id: str, settings: Mapping[str, Any], outcome: dict[str, Any],
            data: bytes) -> dict[str, Any]:
    """Write a point's files into ``out/points/<point_id>/`` atomically; return the outcome with the node's paths
    replaced by the driver's.

    The archive is unpacked into a new folder beside it, the node's scratch folder and dataset copy are
    replaced (in the JSON files and the outcome) by the point's folder and the dataset as the grid names it,
    and the folder is renamed into place; an earlier folder of the point (a failed or rejected row) is moved
    aside first and removed after.  The row (``row.json``) is written after this by the sweep: a point is
    finished only when it is there.
    """
    points = Path(out, "points")
    points.mkdir(parents=True, exist_ok=True)
    final = points / point_id
    moved = outcome.pop("moved", None) or {}
    pairs = sorted(((moved[k], new) for k, new in (("folder", str(final.absolute())),
                                                   ("dataset", str(settings["dataset"])))
                    if moved.get(k)), key=lambda p: -len(p[0]))
    _clear(points, f".incoming-{point_id}-")
    _clear(points, f".old-{point_id}-")
    incoming = Path(tempfile.mkdtemp(prefix=f".incoming-{point_id}-", dir=points))
    try:
        if data:
            unpack(data, incoming)
        escaped = [(_json_text(old), _json_text(new)) for old, new in pairs]
        for path in incoming.rglob("*.json"):
            text = path.read_text(encoding="utf-8")
            new_text = text
            for old, new in escaped:
                new_text = new_text.replace(old, new)
            if new_text != text:
                path.write_text(new_text, encoding="utf-8")
        (incoming / ROW).unlink(missing_ok=True)  # the row is the sweep's to write
        old = None
        if os.path.lexists(final):
            old = Path(tempfile.mkdtemp(prefix=f".old-{point_id}-", dir=points)) / "p"
            os.rename(final, old)
        os.rename(incoming, final)
        if old is not None:
            shutil.rmtree(old.parent, ignore_errors=True)
    except BaseException:
        shutil.rmtree(incoming, ignore_errors=True)
        raise
    return _replace(outcome, pairs)


def _json_text(text: str) -> str:
    """``text`` as it appears inside a JSON string."""
    import json
    return json.dumps(text)[1:-1]
