"""predefsparse.lock: the one flock-based folder lock (runs, designs, sweeps)."""
import os
import subprocess
import sys
import threading

import pytest

from adjmat import SpecError
from predefsparse.lock import FolderLock, alive, holder_pid, read_pid


def test_lock_is_exclusive_names_the_param_and_the_holder_and_is_released(tmp_path):
    with FolderLock(tmp_path, param="out", where="design", holder="design") as lock:
        assert lock.locked and read_pid(tmp_path / ".lock") == os.getpid()
        with pytest.raises(SpecError, match=rf"in use by another design \(pid {os.getpid()}\)") as err:
            FolderLock(tmp_path, where="design", holder="design").acquire()
        assert err.value.param == "out" and err.value.naming("--out").startswith("design: --out must be")
    assert not lock.locked
    with FolderLock(tmp_path) as again:
        assert again.locked


def test_lock_held_by_another_process_is_refused_and_dies_with_it(tmp_path):
    code = ("import sys, time; from predefsparse.lock import FolderLock; FolderLock(sys.argv[1]).acquire(); "
            "print('held', flush=True); time.sleep(60)")
    child = subprocess.Popen([sys.executable, "-c", code, str(tmp_path)], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "held"
        with pytest.raises(SpecError, match=rf"pid {child.pid}\)"):
            FolderLock(tmp_path).acquire()
    finally:
        child.kill()
        child.wait()
    with FolderLock(tmp_path) as lock:  # the OS released the dead holder's lock: no takeover needed
        assert lock.locked


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()  # exited and reaped: no process has this pid now (pids are not reused this quickly)
    return child.pid


@pytest.mark.parametrize("before", ["", "dead"])
def test_holder_pid_is_read_once_the_holder_has_written_it(tmp_path, before):
    """A taker that finds the folder locked between the holder's flock and its pid write sees the file empty,
    or naming the previous (dead) holder: it reads again until the live holder's pid is there."""
    lock = tmp_path / ".lock"
    lock.write_text(f"{_dead_pid()}\n" if before == "dead" else "")
    writer = threading.Timer(0.2, lambda: lock.write_text(f"{os.getpid()}\n"))
    writer.start()
    try:
        assert holder_pid(str(lock), wait_s=10.0) == os.getpid()
    finally:
        writer.join()
    lock.write_text(f"{_dead_pid()}\n")
    assert holder_pid(str(lock), wait_s=0.05) is None and not alive(_dead_pid())


def test_lock_file_that_is_a_symlink_or_a_fifo_is_not_followed(tmp_path):
    target = tmp_path / "elsewhere"
    target.write_text("keep")
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / ".lock").symlink_to(target)
    with pytest.raises(SpecError, match="lock file cannot be opened"):
        FolderLock(folder).acquire()
    assert target.read_text() == "keep"
    os.mkfifo(tmp_path / "fifo")
    assert read_pid(tmp_path / "fifo") is None  # does not block
