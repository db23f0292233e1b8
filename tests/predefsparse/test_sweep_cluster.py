"""A sweep on a real two-node Ray cluster with no shared file system: a head offering 0 CPUs (so every point runs on
a worker node) and worker nodes in their own mount namespace (``unshare --mount``) where the driver's ``OUT`` and
data folders are hidden under a tmpfs.  The points' files must come back into the driver's ``OUT``, the dataset must
reach the workers through the object store, the table must equal a serial sweep's, a rerun must run nothing, and a
worker node killed mid-sweep must cost only the points it held.

Every node gets its own ``--temp-dir`` under a short folder in /tmp (nothing is written to /tmp/ray), token
authentication with a fresh token shared through ``RAY_AUTH_MODE`` / ``RAY_AUTH_TOKEN`` (as docs/sweeps.md tells
cluster users), and is stopped by SIGKILL of its own session's processes (never ``ray stop``, which stops every Ray
process on the machine).  The driver is the ``predefsparse sweep --address`` command in a subprocess.

Marked ``ray`` and ``slow``; skipped with a one-line reason unless run as root with ``unshare`` and ``ray`` usable
(CI runs it as root).  The pieces it relies on (:mod:`predefsparse.sweep.transfer`: the archive, the atomic
install, the node's paths replaced, the scratch folders of dead points removed, the dataset copy taken by its
digest) are tested first, without Ray.
"""
from __future__ import annotations

import csv
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from predefsparse.sweep import parse_grid, sweep
from predefsparse.sweep import transfer

from .sweep_helpers import CONFIG, tiny_npz


#: Seconds any one start, join or sweep may take (starts take 10 s and more on a loaded machine).
WAIT = 300
#: Columns a seeded point gives identically wherever it runs.
SAME = ("point", "status", "kind", "seed", "fo", "z", "W", "density", "cpc", "throughput", "energy_pj", "accuracy",
        "hardware_accuracy", "epochs")


def _skip_reason() -> str | None:
    if os.geteuid() != 0:
        return "needs root for unshare --mount and mount -t tmpfs"
    if shutil.which("ray") is None:
        return "no `ray` executable on PATH"
    if shutil.which("unshare") is None:
        return "no `unshare` executable on PATH"
    try:
        probe = subprocess.run(["unshare", "--mount", "--propagation", "private", "true"], capture_output=True,
                               text=True, timeout=30)
    except subprocess.TimeoutExpired:
        return "unshare --mount did not answer in 30 s"
    if probe.returncode != 0:
        return f"unshare --mount refused: {probe.stderr.strip()[:200]}"
    return None


def _point_files(folder: Path, dataset: str) -> None:
    """What a point leaves in its scratch folder, naming the scratch folder and the node's dataset copy."""
    (folder / "run").mkdir(parents=True)
    (folder / "patterns").mkdir()
    (folder / "patterns" / "junction1.npz").write_bytes(b"npz bytes")
    (folder / "run" / ".lock").write_text("123")
    (folder / "run" / "records.json").write_text(json.dumps(
        {"folder": str(folder / "run"), "settings": {"dataset": dataset, "epochs": 1}}, indent=1))
    (folder / "point.json").write_text(json.dumps({"run": str(folder / "run"), "dataset": dataset}))


def test_install_replaces_a_points_folder_whole_with_the_drivers_paths(tmp_path):
    scratch, copy = tmp_path / "node" / "point-x" / "p", str(tmp_path / "node" / "datasets" / "ab12.npz")
    _point_files(scratch, copy)
    (scratch / "link").symlink_to("/etc/passwd")  # never packed
    data = transfer.pack(scratch)
    out = tmp_path / "out"
    old = out / "points" / "abc"
    old.mkdir(parents=True)
    (old / "row.json").write_text("{}")
    (old / "left.txt").write_text("from a failed run")
    outcome = {"status": "done", "result": {"run": str(scratch / "run"), "dataset": copy, "W": 5},
               "moved": {"folder": str(scratch), "dataset": copy}}
    back = transfer.install(out, "abc", {"dataset": "mnist"}, outcome, data)
    final = out / "points" / "abc"
    assert back == {"status": "done", "result": {"run": str(final / "run"), "dataset": "mnist", "W": 5}}
    assert sorted(str(p.relative_to(final)) for p in final.rglob("*")) == [
        "patterns", "patterns/junction1.npz", "point.json", "run", "run/records.json"]
    assert json.loads((final / "point.json").read_text()) == {"run": str(final / "run"), "dataset": "mnist"}
    assert json.loads((final / "run" / "records.json").read_text()) == {
        "folder": str(final / "run"), "settings": {"dataset": "mnist", "epochs": 1}}
    assert (final / "patterns" / "junction1.npz").read_bytes() == b"npz bytes"
    assert sorted(p.name for p in (out / "points").iterdir()) == ["abc"]  # nothing half-made left beside it


def test_an_archive_with_a_link_or_a_name_outside_is_refused(tmp_path):
    import io
    import tarfile
    for name, kind in (("evil", tarfile.SYMTYPE), ("../outside.txt", tarfile.REGTYPE)):
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as tar:
            member = tarfile.TarInfo(name)
            member.type, member.linkname = kind, "/etc/passwd" if kind == tarfile.SYMTYPE else ""
            tar.addfile(member, io.BytesIO(b""))
        with pytest.raises((ValueError, tarfile.TarError)):
            transfer.install(tmp_path / "out", "abc", {"dataset": "d"}, {"status": "done"}, buffer.getvalue())
        assert not (tmp_path / "outside.txt").exists() and not (tmp_path / "out" / "points" / "abc").exists()
        assert list((tmp_path / "out" / "points").iterdir()) == []


def test_a_truncated_or_garbage_archive_is_refused_and_leaves_nothing(tmp_path):
    import tarfile
    scratch = tmp_path / "node" / "p"
    _point_files(scratch, "d.npz")
    whole = transfer.pack(scratch)
    for data in (whole[: len(whole) // 2 + 7], b"not a tar archive at all" * 40):
        with pytest.raises((ValueError, tarfile.TarError, EOFError, OSError)):
            transfer.install(tmp_path / "out", "abc", {"dataset": "d"}, {"status": "done"}, data)
        assert list((tmp_path / "out" / "points").iterdir()) == []
    # in a sweep, such a point is recorded as failed (nothing installed) and the sweep goes on
    from predefsparse.sweep import cluster
    from predefsparse.sweep.grid import Point
    point = Point(id="abc", settings={"dataset": "d"})
    failed = cluster._install(tmp_path / "out", point, {"status": "done"}, whole[: len(whole) // 2 + 7])
    assert failed["status"] == "failed" and "cut short" in failed["error"]
    assert not (tmp_path / "out" / "points" / "abc").exists()


def test_a_dead_points_scratch_folder_is_removed_by_the_next_point_on_the_node(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # this node's temporary folder
    code = ("import os, tempfile; tempfile.tempdir = {tmp!r}; from predefsparse.sweep import transfer; "
            "s = tempfile.mkdtemp(prefix='point-dead-', dir=transfer.node_folder('points')); transfer._hold(s); "
            "print(s, flush=True); os.kill(os.getpid(), 9)").format(tmp=str(tmp_path))
    dead = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120).stdout.strip()
    assert os.path.isdir(dead)
    live = tempfile.mkdtemp(prefix="point-live-", dir=transfer.node_folder("points"))
    held = transfer._hold(live)
    try:
        outcome, _ = transfer.run_anywhere({"dataset": "x"}, transfer.Shipped(
            "x", "0" * 64, path=str(tmp_path / "missing.npz")), None, "p")  # fails at once: no settings
    except Exception as err:  # noqa: BLE001 - the point itself is not what is tested
        pytest.fail(f"run_anywhere raised {err!r}")
    finally:
        os.close(held)
    assert outcome["status"] == "failed"
    assert not os.path.exists(dead) and os.path.isdir(live)  # the dead point's folder went, the running one's stays
    assert [p.name for p in Path(live).parent.iterdir()] == [Path(live).name]  # its own scratch folder removed


def test_a_nodes_dataset_copy_is_taken_by_its_digest(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    data = Path(tiny_npz(tmp_path))
    points = parse_grid({"fixed": {"config": CONFIG, "dataset": str(data), "fo": [4, 5]}}).points()
    (shipped,) = transfer.ship_datasets(points, None).values()
    import hashlib
    assert shipped.digest == hashlib.sha256(data.read_bytes()).hexdigest() and shipped.local_path() == str(data)
    copy = transfer.node_folder("datasets") / f"{shipped.digest}.npz"
    copy.write_bytes(data.read_bytes())
    on_node = transfer.Shipped(shipped.name, shipped.digest, ref=[None])  # a Ray node: its copy, no fetch
    assert on_node.local_path() == str(copy)


class Cluster:
    """A head and worker nodes started by ``ray start --block``, each the leader of its own session."""

    def __init__(self, root: Path, hidden: Path):
        self.root, self.hidden = root, hidden
        self.env = {k: v for k, v in os.environ.items()
                    if k not in ("RAY_ADDRESS", "RAY_AUTH_MODE", "RAY_AUTH_TOKEN", "RAY_AUTH_TOKEN_PATH")}
        self.env.update(RAY_AUTH_MODE="token", RAY_AUTH_TOKEN=secrets.token_hex(32), RAY_USAGE_STATS_ENABLED="0",
                        PYTHONPATH=os.pathsep.join(sys.path))
        self.procs: dict[str, subprocess.Popen] = {}
        self.address = ""

    def _start(self, name: str, argv: list[str], env: dict) -> subprocess.Popen:
        log = open(self.root / f"{name}.log", "wb")
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        log.close()
        self.procs[name] = proc
        return proc

    def log(self, name: str, tail: int | None = 3000) -> str:
        """A process's output: its last ``tail`` characters for a message, all of it (``tail=None``) to search, as
        Ray's own lines about a lost node can push the sweep's lines out of any tail."""
        text = (self.root / f"{name}.log").read_text(errors="replace")
        return text if tail is None else text[-tail:]

    def head(self) -> str:
        proc = self._start("head", ["ray", "start", "--head", "--port=0", "--num-cpus=0", "--include-dashboard=false",
                                    "--object-store-memory=100000000", "--temp-dir", str(self.root / "h"),
                                    "--disable-usage-stats", "--block"], self.env)
        address_file = self.root / "h" / "ray_current_cluster"
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            if address_file.is_file() and address_file.read_text().strip():
                self.address = address_file.read_text().strip()
                return self.address
            if proc.poll() is not None:
                pytest.fail(f"the Ray head exited ({proc.returncode}):\n{self.log('head')}")
            time.sleep(0.3)
        pytest.fail(f"the Ray head did not start in {WAIT} s:\n{self.log('head')}")

    def worker(self, name: str, cpus: int) -> subprocess.Popen:
        """A worker node in its own mount namespace, the driver's folder hidden under a tmpfs, its own TMPDIR
        (its scratch folders and dataset copies)."""
        tmp = self.root / f"{name}-tmp"
        tmp.mkdir()
        script = ('mount -t tmpfs -o size=1m hidden "$1" && exec ray start --address="$2" --num-cpus="$3" '
                  '--object-store-memory=100000000 --temp-dir="$4" --disable-usage-stats --block')
        return self._start(name, ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh",
                                  str(self.hidden), self.address, str(cpus), str(self.root / name)],
                           dict(self.env, TMPDIR=str(tmp)))

    def joined(self, *names: str) -> None:
        """Wait until each worker's ``ray start`` says its node runs (it has registered with the head)."""
        deadline = time.monotonic() + WAIT
        for name in names:
            while "Ray runtime started" not in self.log(name, tail=None):
                if self.procs[name].poll() is not None:
                    pytest.fail(f"worker {name} exited ({self.procs[name].returncode}):\n{self.log(name)}")
                if time.monotonic() > deadline:
                    pytest.fail(f"worker {name} did not join in {WAIT} s:\n{self.log(name)}")
                time.sleep(0.3)

    def kill(self, name: str) -> None:
        """SIGKILL every process of one node (they all stay in its ``ray start`` session) and reap it."""
        proc = self.procs[name]
        for pid in _session_pids(proc.pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            pass

    def close(self) -> None:
        for name in list(self.procs):
            self.kill(name)
        time.sleep(0.5)
        for pid in _naming(str(self.root)):  # anything else started under our folders
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass


def _session_pids(sid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "-s", str(sid)], capture_output=True, text=True).stdout
    return [int(p) for p in out.split()]


def _naming(text: str) -> list[int]:
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit() and int(entry) != os.getpid():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    if text.encode() in f.read():
                        pids.append(int(entry))
            except OSError:
                pass
    return pids


@pytest.fixture
def cluster():
    reason = _skip_reason()
    if reason:
        pytest.skip(reason)
    root = Path(tempfile.mkdtemp(prefix="rayc-", dir="/tmp"))  # short: Ray's sockets live below it
    hidden = root / "driver"  # OUT and the data: the driver's alone
    (hidden / "data").mkdir(parents=True)
    nodes = Cluster(root, hidden)
    try:
        yield nodes
    finally:
        nodes.close()
        shutil.rmtree(root, ignore_errors=True)


def _sweep(nodes: Cluster, grid_path: Path, out: Path, name: str) -> subprocess.Popen:
    log = open(nodes.root / f"{name}.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "predefsparse", "sweep", str(grid_path), "--out", str(out),
                             "--address", nodes.address, "--no-report"], stdout=log, stderr=subprocess.STDOUT,
                            env=nodes.env, start_new_session=True)
    log.close()
    nodes.procs[name] = proc
    return proc


def _started(nodes: Cluster) -> dict[str, set[str]]:
    """The points each worker node has started in this test (their scratch folders, ``point-<id>-*``, seen now or
    left by a killed node)."""
    return {name: {p.name.split("-")[1] for p in nodes.root.glob(f"{name}-tmp/predefsparse-*/points/point-*")}
            for name in ("w1", "w2")}


def _finish(nodes: Cluster, proc: subprocess.Popen, name: str, seen: dict | None = None) -> str:
    """Wait for a sweep to end (exit 0); meanwhile note in ``seen`` the processes of each worker node by name (a
    job's Ray workers end with its driver)."""
    deadline = time.monotonic() + WAIT
    while proc.poll() is None:
        for node in seen or {}:
            seen[node] |= set(_session_pids(nodes.procs[node].pid))
        if time.monotonic() > deadline:
            nodes.kill(name)
            pytest.fail(f"the sweep did not finish in {WAIT} s:\n{nodes.log(name)}")
        time.sleep(0.3)
    text = nodes.log(name, tail=None)
    assert proc.returncode == 0, text
    return text


def _table(out: Path) -> list[dict]:
    with open(out / "sweep.csv", newline="") as f:
        return [{k: r[k] for k in SAME} for r in csv.DictReader(f)]


def _files(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.ray
@pytest.mark.slow
def test_a_sweep_on_two_nodes_brings_every_point_home_and_survives_a_lost_node(cluster, tmp_path):
    data = tiny_npz(cluster.hidden / "data")
    grid = {"title": "cluster", "fixed": {"config": CONFIG, "dataset": data, "epochs": 1, "fo": [4, 5]},
            "grid": {"kind": ["random", "clash_free"], "seed": [0, 1, 2]}}
    grid_path = cluster.hidden / "grid.toml"
    grid_path.write_text("title = \"cluster\"\n[fixed]\n" + "".join(
        f"{k} = {json.dumps(v)}\n" for k, v in grid["fixed"].items()) + "[grid]\n" + "".join(
        f"{k} = {json.dumps(v)}\n" for k, v in grid["grid"].items()))
    ids = [p.id for p in parse_grid(grid).points()]
    assert len(ids) == 6
    serial = tmp_path / "serial"
    sweep(grid, out=serial, engine="serial", verbose=0, report=False)

    cluster.head()
    cluster.worker("w1", 1)
    cluster.worker("w2", 1)
    cluster.joined("w1", "w2")

    # 1. every point runs on a worker, which cannot see OUT nor the data; its files come back to OUT
    out = cluster.hidden / "out"
    seen = {"w1": set(), "w2": set()}
    text = _finish(cluster, _sweep(cluster, grid_path, out, "sweep1"), "sweep1", seen)
    assert "6 done, 0 failed, 0 missing" in text, text
    assert _table(out) == _table(serial)
    for pid in ids:
        folder = out / "points" / pid
        assert {"row.json", "point.json", "hwsim.json", "patterns/junction1.npz", "patterns/junction2.npz",
                "run/records.json", "run/model.keras"} <= set(_files(folder)), pid
        row = json.loads((folder / "row.json").read_text())
        assert row["run"] == str(folder / "run") and row["dataset"] == data  # the driver's paths, not the node's
        records = json.loads((folder / "run" / "records.json").read_text())
        assert records["folder"] == str(folder / "run") and records["settings"]["dataset"] == data
        assert row["pid"] in seen["w1"] | seen["w2"]  # a process of a worker node ran it
    # the dataset reached the workers through the object store: a copy named by its digest, nothing else left
    import hashlib
    digest = hashlib.sha256(Path(data).read_bytes()).hexdigest()
    copies = sorted(cluster.root.glob("w*-tmp/predefsparse-*/datasets/*.npz"))
    assert copies and all(c.name == f"{digest}.npz" for c in copies)
    assert not list(cluster.root.glob("w*-tmp/predefsparse-*/points/point-*"))  # scratch folders removed
    before = {pid: _files(out / "points" / pid) for pid in ids}

    # 2. a rerun runs nothing and touches nothing
    text = _finish(cluster, _sweep(cluster, grid_path, out, "sweep2"), "sweep2")
    assert "(6 done, 0 failed, 0 to run)" in text, text
    assert {pid: _files(out / "points" / pid) for pid in ids} == before

    # 3. a node is killed just as a point starts on it, after the first point is home: that point runs again on
    # the node left, the points already home are kept.  Killing just after a start (not at a moment chosen by the
    # clock) makes sure the node holds a running point: six points on two one-CPU nodes run two at a time, so
    # when the first is home, points are still to start.
    out = cluster.hidden / "out-kill"
    proc = _sweep(cluster, grid_path, out, "sweep3")
    deadline = time.monotonic() + WAIT

    def waiting(what: str) -> None:
        if proc.poll() is not None or time.monotonic() > deadline:
            cluster.kill("sweep3")
            pytest.fail(f"{what}:\n{cluster.log('sweep3')}")
        time.sleep(0.02)

    while not list(out.glob("points/*/row.json")):
        waiting("no point finished")
    started = _started(cluster)
    while not (fresh := {node: now - started[node] for node, now in _started(cluster).items()
                         if now - started[node]}):
        waiting("no point started after the first was home")
    victim = sorted(fresh)[0]
    victim_pids = set(_session_pids(cluster.procs[victim].pid))
    killed_at = time.time()
    cluster.kill(victim)
    home = sorted(p.parent.name for p in out.glob("points/*/row.json"))
    kept = {pid: _files(out / "points" / pid) for pid in home}
    text = _finish(cluster, proc, "sweep3")
    lost = [line.split()[2].rstrip(":") for line in text.splitlines() if "its node was lost" in line]
    assert set(fresh[victim]) <= set(lost) and not set(lost) & set(home), text
    assert all("running it again (1 of 2)" in line for line in text.splitlines() if "its node was lost" in line)
    assert "6 done, 0 failed, 0 missing" in text, text
    assert _table(out) == _table(serial)
    assert {pid: _files(out / "points" / pid) for pid in home} == kept  # the points already home: untouched
    for pid in lost:  # the lost points ran again, on the node that is left
        row = json.loads((out / "points" / pid / "row.json").read_text())
        assert row["started"] > killed_at and row["pid"] not in victim_pids
