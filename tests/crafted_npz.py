"""Crafted (hostile) ``.npz`` members for the loader tests and the bad-input cases of every package."""
from __future__ import annotations

import os
import zipfile


def npy_header(shape, descr: str = "<f4") -> bytes:
    """A valid npy 1.0 header declaring ``shape`` and ``descr`` (no data): the start of a crafted member."""
    head = repr({"descr": descr, "fortran_order": False, "shape": shape}).encode("latin1")
    head += b" " * (63 - (len(head) + 10) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(head).to_bytes(2, "little") + head


def replace_member(path: str | os.PathLike, key: str, raw: bytes | None) -> str:
    """Rewrite member ``key.npy`` of the npz at ``path`` as the raw bytes ``raw`` (None: leave it out)."""
    with zipfile.ZipFile(path) as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    if raw is None:
        members.pop(f"{key}.npy", None)
    else:
        members[f"{key}.npy"] = raw
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return os.fspath(path)
