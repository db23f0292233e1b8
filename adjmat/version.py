"""The one version of the distribution: ``pyproject.toml``'s ``[project] version``, read back through the
installed metadata (or, in a checkout that was never installed, from ``pyproject.toml`` itself)."""
from __future__ import annotations

import importlib.metadata
import os
import re


def package_version() -> str:
    """The installed ``predefsparse`` distribution's version (adjmat, hwsim and predefsparse share it).

    Examples
    --------
    >>> package_version().count(".") >= 1
    True
    """
    try:
        return importlib.metadata.version("predefsparse")
    except importlib.metadata.PackageNotFoundError:
        pyproject = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "pyproject.toml")
        try:
            with open(pyproject, encoding="utf-8") as f:
                match = re.search(r'^version\s*=\s*"([^"]+)"', f.read(), re.MULTILINE)
        except OSError:
            match = None
        return match.group(1) if match else "0+unknown"
