"""Address ROMs for the RTL: :func:`export_rtl` writes, per junction, the bank and row every lane reads in
every clock (and the sweep start vectors of clash-free type-2/3 patterns) as ``$readmemh`` hex files and
CSV; :func:`load_rtl` rebuilds the exact patterns from those files.

Layout of ``out_dir`` (junctions numbered from 1; every file written atomically)::

    manifest.json          sizes, z, file names, word widths, provenance of each pattern
    junction<i>_bank.hex   C*z words, entry c*z + m = bank of lane m in clock c (left % z)
    junction<i>_addr.hex   C*z words, entry c*z + m = row (address) in that bank (left // z)
    junction<i>_right.hex  C*z words, entry j = right neuron of edge j (j // fi for fixed-degree patterns)
    junction<i>_start.hex  S*z words, entry s*z + m = row of lane m in the first clock of sweep s
    junction<i>_dither.hex S*z words, entry s*z + m = bank of lane m in the first clock of sweep s
    junction<i>_lanes.csv  clock, lane, edge, bank, address, left, right (one row per edge)

A sweep is p consecutive edges (D = p/z clocks); S = ceil(W/p) sweeps.  For type-2/3 clash-free patterns
(``manifest["junctions"][i]["counters"]`` true) every lane's row is a +1 counter mod D inside a sweep, so
``start`` and ``dither`` alone determine the pattern -- what the published RTL stores.
"""
from __future__ import annotations

import csv
import io
import json
import os
from typing import Sequence

import numpy as np

from adjmat import Pattern
from adjmat._validation import SpecError, check_int, divisors, fail, nearest
from adjmat.pattern import atomic_write

__all__ = ["export_rtl", "load_rtl", "FORMAT"]

FORMAT = "hwsim.rtl/1"


def _digits(max_value: int) -> int:
    return max(1, (max(int(max_value), 1).bit_length() + 3) // 4)


def _hex_text(values: np.ndarray, header: str, max_value: int) -> str:
    width = _digits(max_value)
    body = "\n".join(format(int(v), f"0{width}x") for v in values)
    return f"// {header}\n{body}\n"


def _write(path: str, text: str) -> str:
    data = text.encode()
    return atomic_write(path, lambda f: f.write(data))


def _as_lists(patterns, z) -> tuple[list[Pattern], list[int]]:
    where = "export_rtl"
    pats = [patterns] if isinstance(patterns, Pattern) else patterns
    try:
        pats = list(pats)
    except TypeError:
        raise fail(where, "patterns", "an adjmat.Pattern or a sequence of them", type(patterns).__name__) \
            from None
    if not pats:
        raise fail(where, "patterns", "a non-empty sequence of adjmat.Pattern", "[]")
    for i, pat in enumerate(pats):
        if not isinstance(pat, Pattern):
            raise fail(where, f"patterns[{i}]", "an adjmat.Pattern", type(pat).__name__)
    zs = [z] * len(pats) if not isinstance(z, (list, tuple, np.ndarray)) else list(z)
    if len(zs) != len(pats):
        raise fail(where, "z", f"an int or a sequence of {len(pats)} ints (one per pattern)", z)
    zs = [check_int(where, "z", v, minimum=1) for v in zs]
    for i, (pat, zi) in enumerate(zip(pats, zs)):
        if pat.p % zi:
            raise SpecError(f"{where}: z ({zi}) must divide p ({pat.p}) of patterns[{i}] so that every bank "
                            f"has depth p/z; try z=" + " or z=".join(
                                str(d) for d in _nearest_divisors(pat.p, zi)) + ".")
        if pat.W % zi:
            raise SpecError(f"{where}: z ({zi}) must divide W ({pat.W}) of patterns[{i}] so that every clock "
                            f"holds z edges.")
    return pats, zs


def _nearest_divisors(x: int, target: int) -> list[int]:
    return nearest(divisors(x), target)


def export_rtl(patterns: Pattern | Sequence[Pattern], z: int | Sequence[int], out_dir: str | os.PathLike
               ) -> list[str]:
    """Write per-junction address ROMs (``$readmemh`` hex) and CSV traces of the patterns.

    Parameters
    ----------
    patterns : Pattern or sequence of Pattern
        One pattern per junction, in natural edge order.
    z : int or sequence of int
        Parallelism of each junction (one int for all); must divide p and W.
    out_dir : path
        Folder to write (created if needed).  Existing files of the same names are replaced atomically.

    Returns
    -------
    list of str
        Paths written, ``manifest.json`` last.

    Raises
    ------
    adjmat.SpecError
        When z does not divide p or W, or the arguments have the wrong type.

    Examples
    --------
    >>> import adjmat, hwsim, tempfile, os
    >>> pats = [adjmat.generate("clash_free", 8, 4, fo=2, z=4, seed=0)]
    >>> d = tempfile.mkdtemp()
    >>> [os.path.basename(p) for p in hwsim.export_rtl(pats, 4, d)][:2]
    ['junction1_bank.hex', 'junction1_addr.hex']
    >>> hwsim.load_rtl(d) == pats
    True
    """
    pats, zs = _as_lists(patterns, z)
    if not isinstance(out_dir, (str, os.PathLike)):
        raise fail("export_rtl", "out_dir", "a folder path (str or os.PathLike)", out_dir)
    out_dir = os.fspath(out_dir)
    if os.path.exists(out_dir) and not os.path.isdir(out_dir):
        raise fail("export_rtl", "out_dir", "a folder (it exists and is not one)", out_dir)
    os.makedirs(out_dir, exist_ok=True)
    written: list[str] = []
    entries = []
    for i, (pat, zi) in enumerate(zip(pats, zs), start=1):
        left = pat.left.astype(np.int64)
        right = pat.right.astype(np.int64)
        W, p, D = pat.W, pat.p, pat.p // zi
        C = W // zi
        bank, addr = left % zi, left // zi
        S = -(-W // p)
        first = (np.arange(S, dtype=np.int64)[:, None] * p + np.arange(zi)[None, :]).ravel()
        first = np.minimum(first, W - 1)
        start, dither = addr[first], bank[first]
        # type-2 counters: inside each sweep, every lane's row steps +1 mod D from clock to clock
        counters = bool(W % p == 0)
        if counters and D > 1:
            a = addr.reshape(S, D, zi)
            b = bank.reshape(S, D, zi)
            counters = bool(np.all((a[:, 1:] - a[:, :-1]) % D == 1) and np.all(b == b[:, :1]))
        name = f"junction{i}"
        files = {"bank": f"{name}_bank.hex", "addr": f"{name}_addr.hex", "right": f"{name}_right.hex",
                 "start": f"{name}_start.hex", "dither": f"{name}_dither.hex", "lanes": f"{name}_lanes.csv"}
        info = f"junction {i}: p={p} n={pat.n} W={W} z={zi} C={C} D={D}"
        written.append(_write(os.path.join(out_dir, files["bank"]),
                              _hex_text(bank, f"{info}; bank of lane m in clock c at entry c*z+m", zi - 1)))
        written.append(_write(os.path.join(out_dir, files["addr"]),
                              _hex_text(addr, f"{info}; row of lane m in clock c at entry c*z+m", D - 1)))
        written.append(_write(os.path.join(out_dir, files["right"]),
                              _hex_text(right, f"{info}; right neuron of edge j", pat.n - 1)))
        written.append(_write(os.path.join(out_dir, files["start"]),
                              _hex_text(start, f"{info}; start row of lane m in sweep s at entry s*z+m", D - 1)))
        written.append(_write(os.path.join(out_dir, files["dither"]),
                              _hex_text(dither, f"{info}; bank of lane m in sweep s at entry s*z+m", zi - 1)))
        buf = io.StringIO()
        wr = csv.writer(buf, lineterminator="\n")
        wr.writerow(["clock", "lane", "edge", "bank", "address", "left", "right"])
        j = np.arange(W, dtype=np.int64)
        wr.writerows(np.column_stack([j // zi, j % zi, j, bank, addr, left, right]).tolist())
        written.append(_write(os.path.join(out_dir, files["lanes"]), buf.getvalue()))
        entries.append({"junction": i, "p": p, "n": pat.n, "W": W, "z": zi, "C": C, "D": D, "sweeps": S,
                        "fo": pat.fo, "fi": pat.fi, "counters": counters, "kind": pat.kind, "seed": pat.seed,
                        "meta": dict(pat.meta), "files": files,
                        "hex_digits": {"bank": _digits(zi - 1), "addr": _digits(D - 1),
                                       "right": _digits(pat.n - 1)}})
    manifest = json.dumps({"format": FORMAT, "junctions": entries}, indent=1) + "\n"
    written.append(_write(os.path.join(out_dir, "manifest.json"), manifest))
    return written


def _read_hex(where: str, path: str, count: int, bound: int, what: str) -> np.ndarray:
    try:
        with open(path, encoding="ascii") as f:
            words = [w for line in f for w in line.split("//", 1)[0].split()]
    except OSError as err:
        raise SpecError(f"{where}: cannot read {what} file {path!r}: {err}") from None
    try:
        values = np.array([int(w, 16) for w in words], dtype=np.int64)
    except ValueError:
        raise SpecError(f"{where}: {path!r} must hold hexadecimal words ($readmemh format).") from None
    if values.size != count:
        raise SpecError(f"{where}: {path!r} must hold {count} {what} words; found {values.size}.")
    if values.size and (values.min() < 0 or values.max() >= bound):
        raise SpecError(f"{where}: {path!r} must hold {what} values in [0, {bound}); found "
                        f"[{values.min()}, {values.max()}].")
    return values


def load_rtl(out_dir: str | os.PathLike) -> list[Pattern]:
    """Rebuild the patterns written by :func:`export_rtl` from its hex ROMs (and cross-check the CSV).

    The left neuron of edge ``j = c*z + m`` is ``addr[j] * z + bank[j]``.  For patterns marked
    ``counters`` the rows are also regenerated from the sweep start vectors and compared.

    Parameters
    ----------
    out_dir : path
        A folder written by :func:`export_rtl`.

    Returns
    -------
    list of Pattern
        Equal (``==``) to the exported patterns, with their kind, seed and meta.

    Raises
    ------
    adjmat.SpecError
        When a file is missing, malformed, or inconsistent with the manifest, the CSV or the start vectors.

    Examples
    --------
    >>> import adjmat, hwsim, tempfile
    >>> pat = adjmat.generate("rtl", 8, 4, fo=2)
    >>> d = tempfile.mkdtemp(); _ = hwsim.export_rtl(pat, 4, d)
    >>> hwsim.load_rtl(d)[0] == pat
    True
    """
    where = "load_rtl"
    out_dir = os.fspath(out_dir)
    path = os.path.join(out_dir, "manifest.json")
    try:
        with open(path, encoding="utf-8") as f:
            manifest = json.load(f)
    except (OSError, ValueError) as err:
        raise SpecError(f"{where}: out_dir must hold a manifest.json written by export_rtl; cannot read "
                        f"{path!r}: {err}") from None
    found = manifest.get("format") if isinstance(manifest, dict) else None
    if found != FORMAT:
        raise SpecError(f"{where}: {path!r} has format {found!r}; expected {FORMAT!r} (written by export_rtl).")
    out = []
    for e in manifest["junctions"]:
        files, W, z, D, p, n = e["files"], e["W"], e["z"], e["D"], e["p"], e["n"]
        bank = _read_hex(where, os.path.join(out_dir, files["bank"]), W, z, "bank")
        addr = _read_hex(where, os.path.join(out_dir, files["addr"]), W, D, "address")
        right = _read_hex(where, os.path.join(out_dir, files["right"]), W, n, "right-neuron")
        left = addr * z + bank
        if e["counters"]:
            S = e["sweeps"]
            start = _read_hex(where, os.path.join(out_dir, files["start"]), S * z, D, "start").reshape(S, z)
            dither = _read_hex(where, os.path.join(out_dir, files["dither"]), S * z, z, "dither").reshape(S, z)
            rows = (start[:, None, :] + np.arange(D)[None, :, None]) % D
            regen = (rows * z + dither[:, None, :]).ravel()
            if not np.array_equal(regen, left):
                raise SpecError(f"{where}: junction {e['junction']}: the start/dither vectors do not reproduce "
                                f"the per-clock rows; the files in {out_dir!r} are inconsistent.")
        lanes = os.path.join(out_dir, files["lanes"])
        if os.path.exists(lanes):
            with open(lanes, encoding="ascii") as f:
                rows = list(csv.reader(f))[1:]
            table = np.array(rows, dtype=np.int64).reshape(-1, 7) if rows else np.zeros((0, 7), np.int64)
            if table.shape[0] != W or not (np.array_equal(table[:, 5], left)
                                           and np.array_equal(table[:, 6], right)):
                raise SpecError(f"{where}: junction {e['junction']}: {lanes!r} disagrees with the hex ROMs.")
        out.append(Pattern(left, right, p, n, kind=e["kind"], seed=e["seed"], meta=e["meta"]))
    return out
