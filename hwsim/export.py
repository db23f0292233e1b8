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
import re
import stat
from typing import Any, Sequence

import numpy as np

from adjmat import Pattern
from adjmat.errors import SpecError
from adjmat.intmath import divisors, nearest
from adjmat.memory import check_memory
from adjmat.validation import check_int, fail
from adjmat.pattern import atomic_write

from ._checks import check_indices

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
        check_indices(where, f"patterns[{i}]", pat)  # never write a ROM that addresses outside a bank
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


_MANIFEST_MAX_BYTES = 16 * 2**20       # a manifest is a few hundred bytes per junction
_HEADER_MAX_BYTES = 4096               # the "// ..." comment line of a hex file
_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,199}")
_FILE_KEYS = ("bank", "addr", "right", "start", "dither", "lanes")


def _inside(where: str, folder: str, name: Any, what: str, manifest: str) -> str:
    """The path of file ``name`` inside ``folder``: a plain file name (no folder part, no ``..``, not hidden)
    that, symlinks resolved, stays in the folder and is a regular file."""
    if not isinstance(name, str) or not _NAME.fullmatch(name) or name in (".", ".."):
        raise SpecError(f"{where}: {manifest!r} must name the {what} file by a plain file name inside the folder "
                        f"(letters, digits, '_', '.', '-'; no folder part, no '..', no absolute path); it names "
                        f"one that is not.")
    path = os.path.join(folder, name)
    real = os.path.realpath(path)
    if os.path.commonpath([real, os.path.realpath(folder)]) != os.path.realpath(folder):
        raise SpecError(f"{where}: the {what} file {path!r} must stay inside {folder!r}; it is a link that "
                        f"leads out of the folder.")
    return path


def _open_checked(where: str, path: str, what: str, max_bytes: int):
    """Open ``path`` for reading after checking that it is a regular file of at most ``max_bytes``."""
    try:
        info = os.stat(path)
    except OSError as err:
        raise SpecError(f"{where}: cannot read the {what} file {path!r}: {err.strerror}.") from None
    if not stat.S_ISREG(info.st_mode):
        raise SpecError(f"{where}: the {what} file {path!r} must be a regular file; it is a device, pipe or "
                        f"folder.")
    if info.st_size > max_bytes:
        raise SpecError(f"{where}: the {what} file {path!r} must be at most {max_bytes:,} bytes for what the "
                        f"manifest declares; it has {info.st_size:,} bytes.")
    try:
        return open(path, "rb")
    except OSError as err:
        raise SpecError(f"{where}: cannot read the {what} file {path!r}: {err.strerror}.") from None


def _read_hex(where: str, path: str, count: int, digits: int, bound: int, what: str) -> np.ndarray:
    with _open_checked(where, path, what, _HEADER_MAX_BYTES + count * (digits + 2)) as f:
        data = f.read()
    try:
        text = data.decode("ascii")
        words = [w for line in text.splitlines() for w in line.split("//", 1)[0].split()]
        values = np.array([int(w, 16) for w in words], dtype=np.int64)
    except (UnicodeDecodeError, ValueError, OverflowError):
        raise SpecError(f"{where}: {path!r} must hold hexadecimal words ($readmemh format); it does not.") \
            from None
    if values.size != count:
        raise SpecError(f"{where}: {path!r} must hold {count} {what} words (as the manifest declares); it holds "
                        f"a different number.")
    if values.size and (values.min() < 0 or values.max() >= bound):
        raise SpecError(f"{where}: {path!r} must hold {what} values in [0, {bound}); some are outside.")
    return values


def _key(where: str, d: Any, key: str, manifest: str, ctx: str, kind: Any = int, minimum: int | None = 1):
    """``d[key]`` checked for presence and type (ints are checked against ``minimum``)."""
    if not isinstance(d, dict) or key not in d:
        raise SpecError(f"{where}: {manifest!r} must have the key {key!r} in {ctx}; it is missing.")
    v = d[key]
    if kind is int:
        if isinstance(v, bool) or not isinstance(v, int) or (minimum is not None and v < minimum):
            raise SpecError(f"{where}: {manifest!r}: {ctx} {key} must be an integer"
                            + (f" >= {minimum}" if minimum is not None else "") + "; it is not.")
    elif kind == "int_or_none":
        if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 0):
            raise SpecError(f"{where}: {manifest!r}: {ctx} {key} must be a non-negative integer or null.")
    elif not isinstance(v, kind):
        raise SpecError(f"{where}: {manifest!r}: {ctx} {key} must be a {kind.__name__}; it is not.")
    return v


def _check_entry(where: str, e: Any, k: int, previous: dict | None, manifest: str) -> dict:
    """One junction of the manifest: every key present and typed, sizes consistent with each other and with
    the previous junction."""
    ctx = f"junctions[{k}]"
    if not isinstance(e, dict):
        raise SpecError(f"{where}: {manifest!r}: {ctx} must be an object; it is not.")
    v = {key: _key(where, e, key, manifest, ctx) for key in ("junction", "p", "n", "W", "z", "C", "D", "sweeps")}
    v["fo"] = _key(where, e, "fo", manifest, ctx, "int_or_none")
    v["fi"] = _key(where, e, "fi", manifest, ctx, "int_or_none")
    v["counters"] = _key(where, e, "counters", manifest, ctx, bool)
    v["kind"] = _key(where, e, "kind", manifest, ctx, str)
    v["seed"] = _key(where, e, "seed", manifest, ctx, "int_or_none")
    v["meta"] = _key(where, e, "meta", manifest, ctx, dict)
    files = _key(where, e, "files", manifest, ctx, dict)
    for key in _FILE_KEYS:
        _key(where, files, key, manifest, f"{ctx}.files", str)
    v["files"] = files
    p, n, W, z = v["p"], v["n"], v["W"], v["z"]
    rules = [(v["junction"] == k + 1, f"junction = {k + 1} (junctions numbered from 1 in order)"),
             (previous is None or previous["n"] == p,
              f"p equal to the previous junction's n ({previous['n'] if previous else p})"),
             (p % z == 0, f"z ({z}) dividing p ({p})"), (W % z == 0, f"z ({z}) dividing W ({W})"),
             (v["D"] == p // z, f"D = p/z = {p}/{z}"), (v["C"] == W // z, f"C = W/z = {W}/{z}"),
             (v["sweeps"] == -(-W // p), f"sweeps = ceil(W/p) = ceil({W}/{p})"),
             (W <= p * n, f"W ({W}) at most p*n = {p * n}"),
             (v["fo"] is None or v["fo"] * p == W, f"fo * p = W ({v['fo']} * {p} vs {W})"),
             (v["fi"] is None or v["fi"] * n == W, f"fi * n = W ({v['fi']} * {n} vs {W})")]
    for ok, rule in rules:
        if not ok:
            raise SpecError(f"{where}: {manifest!r}: {ctx} must have {rule}; the manifest is inconsistent.")
    return v


def load_rtl(out_dir: str | os.PathLike) -> list[Pattern]:
    """Rebuild the patterns written by :func:`export_rtl` from its hex ROMs (and cross-check the CSV).

    The left neuron of edge ``j = c*z + m`` is ``addr[j] * z + bank[j]``.  For patterns marked
    ``counters`` the rows are also regenerated from the sweep start vectors and compared.

    Every file is treated as hostile until checked: the manifest may only name plain file names inside
    ``out_dir`` (no absolute path, no ``..``, no symlink leading out, only regular files); every size is
    checked before reading (the manifest at most 16 MiB, each table at most what its declared word count
    needs); the manifest's p, n, z, W, C, D, sweeps, fo, fi and junction list must agree with each other and
    the tables with the manifest.  Error messages never quote file contents.

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
        When a file is missing, too large, outside the folder, malformed, or inconsistent with the manifest,
        the CSV or the start vectors; a missing manifest key is named with the file.

    Examples
    --------
    >>> import adjmat, hwsim, tempfile
    >>> pat = adjmat.generate("rtl", 8, 4, fo=2)
    >>> d = tempfile.mkdtemp(); _ = hwsim.export_rtl(pat, 4, d)
    >>> hwsim.load_rtl(d)[0] == pat
    True
    """
    where = "load_rtl"
    if not isinstance(out_dir, (str, os.PathLike)):
        raise fail(where, "out_dir", "a folder path (str or os.PathLike)", type(out_dir).__name__)
    out_dir = os.fspath(out_dir)
    if not os.path.isdir(out_dir):
        raise SpecError(f"{where}: out_dir must hold a manifest.json written by export_rtl; received "
                        f"out_dir={out_dir!r}, which is not a folder.")
    path = os.path.join(out_dir, "manifest.json")
    if os.path.realpath(os.path.dirname(os.path.realpath(path))) != os.path.realpath(out_dir):
        raise SpecError(f"{where}: {path!r} must be a file inside {out_dir!r}; it is a link leading out.")
    try:
        with _open_checked(where, path, "manifest", _MANIFEST_MAX_BYTES) as f:
            manifest = json.loads(f.read().decode("utf-8"))
    except SpecError as err:
        raise SpecError(f"{err} out_dir must hold a manifest.json written by export_rtl.") from None
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise SpecError(f"{where}: out_dir must hold a manifest.json written by export_rtl; {path!r} is not "
                        f"valid UTF-8 JSON.") from None
    found = manifest.get("format") if isinstance(manifest, dict) else None
    if found != FORMAT:
        raise SpecError(f"{where}: {path!r} must be a JSON object with format {FORMAT!r} (written by "
                        f"export_rtl); it has another format.")
    junctions = _key(where, manifest, "junctions", path, "the manifest", list)
    if not junctions:
        raise SpecError(f"{where}: {path!r}: junctions must list at least one junction; it is empty.")
    entries, previous = [], None
    for k, e in enumerate(junctions):
        previous = _check_entry(where, e, k, previous, path)
        entries.append(previous)
    check_memory(where, 48 * sum(e["W"] for e in entries),
                 f"the tables of {sum(e['W'] for e in entries):,} edges the manifest declares")
    out = []
    for e in entries:
        files, W, z, D, p, n = e["files"], e["W"], e["z"], e["D"], e["p"], e["n"]
        tag = f"junction {e['junction']}"

        def table(key, count, bound, what, files=files, tag=tag):
            name = _inside(where, out_dir, files[key], f"{tag} {what}", path)
            return _read_hex(where, name, count, _digits(bound - 1), bound, f"{what}")

        bank = table("bank", W, z, "bank")
        addr = table("addr", W, D, "address")
        right = table("right", W, n, "right-neuron")
        left = addr * z + bank
        if e["counters"]:
            if W % p:
                raise SpecError(f"{where}: {path!r}: {tag} may only be marked counters when p divides W; the "
                                f"manifest is inconsistent.")
            S = e["sweeps"]
            start = table("start", S * z, D, "start").reshape(S, z)
            dither = table("dither", S * z, z, "dither").reshape(S, z)
            rows = (start[:, None, :] + np.arange(D)[None, :, None]) % D
            regen = (rows * z + dither[:, None, :]).ravel()
            if not np.array_equal(regen, left):
                raise SpecError(f"{where}: {tag}: the start/dither vectors do not reproduce "
                                f"the per-clock rows; the files in {out_dir!r} are inconsistent.")
        lanes = _inside(where, out_dir, files["lanes"], f"{tag} lanes", path)
        if os.path.lexists(lanes):
            digits = len(str(max(W, p, n))) + 1
            with _open_checked(where, lanes, f"{tag} lanes", _HEADER_MAX_BYTES + W * 7 * (digits + 1)) as f:
                data = f.read()
            try:
                rows = list(csv.reader(io.StringIO(data.decode("ascii"))))[1:]
                table_ = np.array(rows, dtype=np.int64).reshape(-1, 7) if rows else np.zeros((0, 7), np.int64)
            except (UnicodeDecodeError, ValueError, OverflowError, csv.Error):
                raise SpecError(f"{where}: {tag}: {lanes!r} must be the CSV export_rtl writes (7 integer "
                                f"columns); it is not.") from None
            if table_.shape[0] != W or not (np.array_equal(table_[:, 5], left)
                                            and np.array_equal(table_[:, 6], right)):
                raise SpecError(f"{where}: {tag}: {lanes!r} disagrees with the hex ROMs.")
        try:
            pat = Pattern(left, right, p, n, kind=e["kind"], seed=e["seed"], meta=e["meta"])
        except SpecError as err:
            raise SpecError(f"{where}: {tag}: the tables do not form a valid pattern: "
                            f"{str(err).split(': ', 1)[-1]}") from None
        if (e["fo"] is not None and pat.fo != e["fo"]) or (e["fi"] is not None and pat.fi != e["fi"]):
            raise SpecError(f"{where}: {tag}: the tables' degrees disagree with the manifest's fo={e['fo']}, "
                            f"fi={e['fi']}; the files in {out_dir!r} are inconsistent.")
        out.append(pat)
    return out
