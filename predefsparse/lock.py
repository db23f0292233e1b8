"""The one folder lock of predefsparse: an exclusive OS lock (``fcntl.flock``) that runs, designs and sweeps take.

:class:`FolderLock` locks a lock file inside the folder (``.lock`` by default) and writes the holder's pid into
it.  The OS releases the lock when the holder closes it or dies (``kill -9`` included), so there is no stale lock
to take over and no race between two takers: the second is refused at once, with the holder's pid, by an
:class:`adjmat.SpecError` naming ``param`` (``out``; the command line names ``--out``).
"""
from __future__ import annotations

import errno
import os
import time

from adjmat.errors import SpecError

__all__ = ["FolderLock", "holder_pid", "read_pid", "alive"]


class FolderLock:
    """An exclusive lock of ``folder``, held from :meth:`acquire` (or ``with``) to :meth:`release`.

    Parameters
    ----------
    folder : str or os.PathLike
        The folder to lock; it must exist when the lock is taken.
    param : str
        How the caller names the folder in messages (``out``).
    where : str
        The public function that takes the lock, for messages.
    name : str
        The lock file's name inside the folder.
    holder : str
        What holds such a lock, for messages (``"run"``, ``"design"``, ``"sweep"``).

    Examples
    --------
    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> with FolderLock(folder, where="demo") as lock:
    ...     try:
    ...         FolderLock(folder, where="demo").acquire()
    ...     except ValueError as err:
    ...         print("in use by another run" in str(err), lock.locked)
    True True
    """

    def __init__(self, folder: str | os.PathLike, *, param: str = "out", where: str = "FolderLock",
                 name: str = ".lock", holder: str = "run") -> None:
        self.folder = os.fspath(folder)
        self.param = param
        self.where = where
        self.path = os.path.join(self.folder, name)
        self.holder = holder
        self._fd: int | None = None

    def __repr__(self) -> str:
        return f"FolderLock({self.folder!r}, locked={self.locked})"

    @property
    def locked(self) -> bool:
        """Whether this object holds the lock."""
        return self._fd is not None

    def acquire(self) -> "FolderLock":
        """Take the lock without waiting; a lock held by another process (or another object) is refused."""
        import fcntl
        if self._fd is not None:
            return self
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0), 0o644)
        except OSError as err:
            raise SpecError(where=self.where, param=self.param, value=self.folder,
                            expected="a folder this process can write",
                            hint=f"Its lock file cannot be opened: {err.strerror or err}.") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as err:
            os.close(fd)
            if err.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise
            pid = holder_pid(self.path)
            raise SpecError(where=self.where, param=self.param, value=self.folder,
                            expected=f"a folder no other {self.holder} is using",
                            hint=f"It is in use by another {self.holder} (pid "
                                 f"{pid if pid is not None else 'unknown'}); wait for it to finish, or choose "
                                 f"another folder.") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        os.fsync(fd)
        self._fd = fd
        return self

    def release(self) -> None:
        """Release the lock (also released by the OS if the process dies); the lock file stays."""
        if self._fd is not None:
            import fcntl
            try:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
            finally:
                os.close(self._fd)
                self._fd = None

    def __enter__(self) -> "FolderLock":
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def holder_pid(path: str | os.PathLike, wait_s: float = 1.0) -> int | None:
    """The pid of the live process holding the lock file ``path``, or None.

    The holder writes its pid just after taking the lock, so a reader that comes in between finds the file
    empty, or still naming the previous holder, which is dead (a lock dies with its process): it reads again
    for up to ``wait_s`` seconds.
    """
    deadline = time.monotonic() + wait_s
    while True:
        pid = read_pid(path)
        if pid is not None and alive(pid):
            return pid
        if time.monotonic() >= deadline:
            return None
        time.sleep(0.01)


def alive(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie (dead, not yet reaped: it holds no lock).

    Examples
    --------
    >>> alive(os.getpid())
    True
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return True


def read_pid(path: str | os.PathLike) -> int | None:
    """The pid written in the lock file ``path`` (its first 32 bytes), or None when absent or unreadable."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW)
        with os.fdopen(fd, "rb") as f:
            text = f.read(32).decode("ascii", "replace").strip()
        return int(text) if text.isdigit() else None
    except OSError:
        return None
