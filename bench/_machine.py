"""What every benchmark prints first: the machine, its load and the versions measured (shared by bench/*.py)."""
from __future__ import annotations

import importlib
import os
import platform


def machine_info(packages: tuple[str, ...] = ("numpy", "numba"), note: str = "") -> str:
    """Lines describing the CPU, usable cores, load average, OS and package versions.

    Examples
    --------
    >>> "machine :" in machine_info(("numpy",))
    True
    """
    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    versions = [f"Python {platform.python_version()}"]
    for name in packages:
        try:
            versions.append(f"{name} {importlib.import_module(name).__version__}")
        except ImportError:
            versions.append(f"{name} (not installed)")
    return "\n".join([f"machine : {platform.machine()} {cpu}, {cores} usable cores ({os.cpu_count()} online)"
                      + (f"; {note}" if note else ""),
                      f"load    : {load} (1, 5, 15 min averages; other work on the machine skews timings)",
                      f"system  : {platform.system()} {platform.release()}",
                      "versions: " + ", ".join(versions)])


def require_positive(parser, args, flags: tuple[str, ...]) -> None:
    """Refuse, through ``parser.error``, any of ``flags`` (argparse dests) below 1, naming the flag and value.

    >>> import argparse
    >>> ap = argparse.ArgumentParser(); _ = ap.add_argument("--repeats", type=int, default=2)
    >>> require_positive(ap, ap.parse_args([]), ("repeats",))
    """
    for dest in flags:
        value = getattr(args, dest)
        if value < 1:
            flag = "--" + dest.replace("_", "-")
            parser.error(f"{flag} must be a positive integer; received {flag}={value}")
