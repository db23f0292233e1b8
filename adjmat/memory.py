"""The memory limit a request is checked against before any work (``PREDEFSPARSE_MAX_MEMORY`` or what is free)."""
from __future__ import annotations

import os

import numpy as np

from .errors import SpecError

__all__ = ["MEMORY_ENV", "memory_limit", "available_memory", "check_memory"]

MEMORY_ENV = "PREDEFSPARSE_MAX_MEMORY"
"""Environment variable that sets :func:`memory_limit` (e.g. ``16G``, ``8e9``)."""


def _parse_bytes(text: str) -> int:
    """``"8e9"``, ``"16G"``, ``"512M"``, ``"2GiB"`` -> bytes (G/M/K are powers of 1024)."""
    units = {"": 1, "B": 1, "K": 2**10, "KB": 2**10, "KIB": 2**10, "M": 2**20, "MB": 2**20, "MIB": 2**20,
             "G": 2**30, "GB": 2**30, "GIB": 2**30, "T": 2**40, "TB": 2**40, "TIB": 2**40}
    s = text.strip().upper()
    num = s.rstrip("KMGTIB")
    unit = s[len(num):]
    try:
        value = float(num)
    except ValueError:
        value = float("nan")
    if unit not in units or not np.isfinite(value) or value <= 0:
        raise SpecError(f"{MEMORY_ENV} must be a positive number of bytes such as 8e9, 16G or 512M; "
                        f"received {MEMORY_ENV}={text!r}.", param=MEMORY_ENV)
    return int(value * units[unit])


def available_memory() -> int:
    """Bytes this process may use: ``MemAvailable`` of ``/proc/meminfo`` (or the cgroup limit, if lower).

    Falls back to 8 GiB where neither can be read.

    Examples
    --------
    >>> available_memory() > 0
    True
    """
    avail = None
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    avail = int(line.split()[1]) * 1024
                    break
    except (OSError, ValueError, IndexError):
        avail = None
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            with open(path, encoding="ascii") as f:
                text = f.read().strip()
            if text.isdigit() and int(text) < 2**62:
                avail = int(text) if avail is None else min(avail, int(text))
        except OSError:
            continue
    return avail if avail else 8 * 2**30


def memory_limit() -> int:
    """The most memory one request may plan to use, in bytes.

    ``PREDEFSPARSE_MAX_MEMORY`` (e.g. ``16G``, ``8e9``) when set, else :func:`available_memory`.

    Examples
    --------
    >>> import os
    >>> os.environ["PREDEFSPARSE_MAX_MEMORY"] = "1G"; memory_limit()
    1073741824
    >>> del os.environ["PREDEFSPARSE_MAX_MEMORY"]
    """
    text = os.environ.get(MEMORY_ENV)
    return _parse_bytes(text) if text else available_memory()


def _human(nbytes: float) -> str:
    for unit, size in (("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if nbytes >= size:
            return f"{nbytes / size:.3g} {unit}"
    return f"{int(nbytes)} B"


def check_memory(where: str, nbytes: float, what: str) -> None:
    """Refuse, before any work, a request whose estimated memory exceeds :func:`memory_limit`.

    ``what`` says what the estimate counts (e.g. ``"a pattern of W=10^12 edges at 8 bytes per edge"``).  The
    message states the estimate and the limit and how to raise the limit.

    Examples
    --------
    >>> check_memory("generate", 1e3, "a tiny pattern")
    >>> try:
    ...     check_memory("generate", 1e30, "a huge pattern")
    ... except SpecError as err:
    ...     print(str(err)[:48])
    generate: the request needs about 9.09e+17 TiB (
    """
    limit = memory_limit()
    if nbytes > limit:
        raise SpecError(f"{where}: the request needs about {_human(nbytes)} ({what}), more than the "
                        f"{_human(limit)} this machine can give it; ask for less, or raise the limit with the "
                        f"environment variable {MEMORY_ENV} (e.g. {MEMORY_ENV}=64G) if you know it fits.", where=where)
