"""The slow start of a training command: import TensorFlow once, quietly, after saying so.

TensorFlow writes C++ log lines while it loads (oneDNN's notice and absl's "before InitializeLog" warning) that
``TF_CPP_MIN_LOG_LEVEL`` does not reach, so :func:`import_tensorflow` sends the process's stderr (file
descriptor 2) to ``/dev/null`` for the import only, unless ``verbose``.  A failing import still raises its
Python error, after stderr is restored.
"""
from __future__ import annotations

import os
import sys

__all__ = ["import_tensorflow"]


def import_tensorflow(*, verbose: bool = False, quiet: bool = False) -> None:
    """Print ``importing TensorFlow ...`` (unless ``quiet``) and import it (silencing its C++ logs unless
    ``verbose``); a no-op when it is already imported."""
    if "tensorflow" in sys.modules:
        return
    if not quiet:
        print("importing TensorFlow ...", flush=True)
    if verbose:
        import tensorflow  # noqa: F401
        return
    sys.stderr.flush()
    saved = os.dup(2)
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 2)
        import tensorflow  # noqa: F401
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(null)
