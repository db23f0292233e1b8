"""Crafted (hostile) pattern files for the loader tests and the bad-input cases."""
from __future__ import annotations

import io
import json
import os
import zipfile

import numpy as np

DROP = object()
"""Pass as a header value to leave that key out."""
LEFT, RIGHT = np.array([0, 1, 2, 3]), np.array([0, 0, 1, 1])


def npz_with(path: str | os.PathLike, **members) -> str:
    """Write an .npz whose members (``left``, ``right``, ``header``...) are the given raw bytes or arrays."""
    with zipfile.ZipFile(path, "w") as zf:
        for key, value in members.items():
            if isinstance(value, bytes):
                zf.writestr(key + ".npy", value)
            else:
                buf = io.BytesIO()
                np.save(buf, value)
                zf.writestr(key + ".npy", buf.getvalue())
    return os.fspath(path)


def header(**over) -> np.ndarray:
    """A saved pattern's JSON header for LEFT/RIGHT (p=4, n=2, W=4), with keys replaced or dropped."""
    h = {"format": "adjmat.Pattern/1", "p": 4, "n": 2, "W": 4, "kind": "custom", "seed": None, "meta": {}}
    h.update(over)
    return np.array(json.dumps({k: v for k, v in h.items() if v is not DROP}))


def huge_npy() -> bytes:
    """An npy member whose header declares 10^12 int64 elements but that holds 64 bytes."""
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": "<i8", "fortran_order": False, "shape": (10 ** 12,)})
    return buf.getvalue() + b"\0" * 64
