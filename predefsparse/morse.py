"""Morse code symbol datasets (Dey, Chugg, Beerel, ICCCNT 2018), generated -- never downloaded.

Each sample is one frame of ``frame`` values holding the dots and dashes of one Morse symbol.  The 64 symbols
and their codes come from the codebook shipped with the package (``predefsparse/data/morse_codebook.json``);
class ``k`` is the ``k``-th entry of the codebook, in file order.  Two symbols, ``"H^"`` and ``"("``, share the
code ``-.--.``: a perfect classifier is impossible, as in the published dataset.

Generation is vectorised numpy over all samples at once (the 448,000-sample baseline takes about a second) and
draws from one seeded :class:`numpy.random.Generator`, so the same seed gives identical bytes.

Examples
--------
>>> from predefsparse import morse
>>> xtr, ytr, xva, yva, xte, yte = morse.generate(per_class=(5, 1, 1), seed=0)
>>> xtr.shape, ytr.shape, xte.shape
((320, 64), (320, 64), (64, 64))
"""
from __future__ import annotations

import json
import os
from typing import Any, Mapping

import numpy as np

from adjmat.memory import check_memory
from adjmat.validation import check_bool, check_choice, check_float, check_int, check_int_tuple, fail, \
    normalize_seed

__all__ = ["VARIANTS", "STYLES", "LEVELS", "LEVEL_MEAN", "LEVEL_SD", "load_codebook", "variant_options",
           "max_length", "generate"]

#: Published variants: options that differ from the generator defaults.
VARIANTS: dict[str, dict[str, Any]] = {
    "baseline": {},
    "difficult": {"noisesd": 4.0, "leading_space": True, "dash": (3, 9)},
}
STYLES = ("grey", "bw")
#: Greyscale: number of levels (values are clipped to [0, LEVELS] then divided by LEVELS).
LEVELS = 16
#: Greyscale: each dot or dash step has level ~ Normal(LEVEL_MEAN, LEVEL_SD).
LEVEL_MEAN = 12.0
LEVEL_SD = 1.34

_CODEBOOK_PATH = os.path.join(os.path.dirname(os.path.abspath(__file__)), "data", "morse_codebook.json")


def load_codebook() -> dict[str, str]:
    """The 64 Morse symbols and codes of the published datasets, in class order.

    Returns
    -------
    dict
        ``symbol -> code`` (a string of ``.`` and ``-``); the insertion order is the class order.

    Examples
    --------
    >>> book = load_codebook()
    >>> len(book), book["A"], list(book).index("A")
    (64, '.-', 30)
    >>> sorted(s for s, c in book.items() if c == "-.--.")
    ['(', 'H^']
    """
    with open(_CODEBOOK_PATH, encoding="utf-8") as f:
        return json.load(f)


def variant_options(variant: str) -> dict[str, Any]:
    """The generator options of a published variant ("baseline" or "difficult").

    Examples
    --------
    >>> variant_options("difficult")
    {'noisesd': 4.0, 'leading_space': True, 'dash': (3, 9)}
    """
    check_choice("variant_options", "variant", variant, tuple(VARIANTS))
    return dict(VARIANTS[variant])


def _check_codebook(where: str, codebook: Any) -> dict[str, str]:
    if codebook is None:
        return load_codebook()
    if not isinstance(codebook, Mapping) or not codebook:
        raise fail(where, "codebook", "a non-empty mapping symbol -> code (or None for the shipped one)",
                   type(codebook).__name__ if not isinstance(codebook, Mapping) else codebook)
    for sym, code in codebook.items():
        if not isinstance(sym, str) or not isinstance(code, str) or not code or set(code) - {".", "-"}:
            raise fail(where, "codebook", "a mapping of symbol strings to non-empty codes of '.' and '-'",
                       {sym: code}, "Fix that entry.")
    return dict(codebook)


def _check_range(where: str, param: str, value: Any, minimum: int) -> tuple[int, int]:
    lo, hi = check_int_tuple(where, param, value, length=2, minimum=minimum)
    if lo > hi:
        raise fail(where, param, "a (min, max) pair with min <= max", value, f"Try {param}=({hi}, {lo}).")
    return lo, hi


def max_length(codebook: Mapping[str, str] | None = None, *, dot: tuple[int, int] = (1, 3),
               dash: tuple[int, int] = (4, 9), space: tuple[int, int] = (1, 3),
               dilation: int = 1) -> tuple[int, str]:
    """The longest a code can be with the longest durations, and the symbol that reaches it.

    A frame must be at least this long, or some draws would not fit (``generate`` checks this up front).

    Examples
    --------
    >>> max_length()  # 4 dashes x 9 + 2 dots x 3 + 5 spaces x 3
    (57, '!')
    """
    where = "max_length"
    book = _check_codebook(where, codebook)
    dot = _check_range(where, "dot", dot, 1)
    dash = _check_range(where, "dash", dash, 1)
    space = _check_range(where, "space", space, 0)
    dilation = check_int(where, "dilation", dilation, minimum=1)
    best, best_sym = -1, ""
    for sym, code in book.items():
        dots, dashes = code.count("."), code.count("-")
        length = dilation * (dots * dot[1] + dashes * dash[1] + (len(code) - 1) * space[1])
        if length > best:
            best, best_sym = length, sym
    return best, best_sym


def generate(codebook: Mapping[str, str] | None = None, *, per_class: tuple[int, int, int] = (5000, 1000, 1000),
             style: str = "grey", frame: int = 64, dot: tuple[int, int] = (1, 3), dash: tuple[int, int] = (4, 9),
             space: tuple[int, int] = (1, 3), noisesd: float = 0.0, maxflip: int = 0,
             leading_space: bool = False, dilation: int = 1, seed: Any = None
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Generate a Morse code dataset as the six arrays ``xtr, ytr, xva, yva, xte, yte``.

    Parameters
    ----------
    codebook : mapping or None
        ``symbol -> code`` of ``.`` and ``-``; class ``k`` is the ``k``-th entry.  None: the shipped 64-symbol
        codebook (:func:`load_codebook`).
    per_class : (int, int, int)
        Training, validation and test samples per class (published: 5000, 1000, 1000).  Train must be >= 1.
    style : {"grey", "bw"}
        "grey": a dot or dash step has level ~ Normal(12, 1.34), spaces are 0, optional additive Gaussian noise
        ``noisesd`` on the whole frame, then clip to [0, 16], divide by 16 and round to 3 decimals.
        "bw": dot and dash steps are 1, spaces 0; ``maxflip`` noise flips a uniform random number 0..maxflip of
        distinct positions of each frame.
    frame : int
        Frame length in steps (before dilation).
    dot, dash, space : (int, int)
        Inclusive ranges of the uniform integer durations of each dot, each dash and each space between the
        symbols of one code (none after the last).  ``space`` may start at 0.
    noisesd : float
        Standard deviation of the additive Gaussian noise ("grey" only; 0 = none).
    maxflip : int
        Largest number of flipped positions per frame ("bw" only; 0 = none).
    leading_space : bool
        False: the code starts at step 0.  True: a uniform random number of the spare positions (0..frame-length)
        goes before the code, the rest after.
    dilation : int
        Multiplies the frame length and both ends of every duration range (as the original generator did:
        durations are drawn uniformly in the dilated ranges), and the range of leading spaces with them.
    seed : None, int, SeedSequence or Generator
        Randomness; the same seed gives identical arrays.

    Returns
    -------
    xtr, ytr, xva, yva, xte, yte : numpy.ndarray
        x float32 of shape (samples, frame * dilation) with values in [0, 1]; y one-hot float32 of shape
        (samples, classes).  Each split holds ``per_class[i]`` samples of every class, shuffled.

    Raises
    ------
    adjmat.SpecError
        On a bad parameter, on noise options that do not belong to the style, and when the frame is too short for
        the longest code with the longest durations (checked up front: durations are never re-drawn or clipped,
        so every sample keeps the published distribution).

    Notes
    -----
    Cost is O(samples * frame) time and memory; the published baseline (448,000 x 64) takes about a second.
    Draw order: element durations, spaces, leading spaces, levels (or flips), noise, then one permutation per
    split.

    Examples
    --------
    >>> xtr, ytr, xva, yva, xte, yte = generate(per_class=(3, 1, 1), seed=1)
    >>> xtr.shape, ytr.shape, float(xtr.min()) >= 0.0, float(xtr.max()) <= 1.0
    ((192, 64), (192, 64), True, True)
    >>> bw = generate({"E": ".", "T": "-"}, per_class=(2, 0, 0), style="bw", frame=12, seed=0)
    >>> sorted(set(bw[0].ravel().tolist()))
    [0.0, 1.0]
    """
    where = "generate"
    book = _check_codebook(where, codebook)
    per_class = check_int_tuple(where, "per_class", per_class, length=3, minimum=0)
    if per_class[0] < 1:
        raise fail(where, "per_class", "(train, val, test) counts with train >= 1", per_class)
    style = check_choice(where, "style", style, STYLES)
    frame = check_int(where, "frame", frame, minimum=1)
    dot = _check_range(where, "dot", dot, 1)
    dash = _check_range(where, "dash", dash, 1)
    space = _check_range(where, "space", space, 0)
    noisesd = check_float(where, "noisesd", noisesd, low=0.0)
    dilation = check_int(where, "dilation", dilation, minimum=1)
    maxflip = check_int(where, "maxflip", maxflip, minimum=0, maximum=frame * dilation)
    leading_space = check_bool(where, "leading_space", leading_space)
    if style == "grey" and maxflip:
        raise fail(where, "maxflip", "0 for style='grey' (bit flips are the 'bw' noise)", maxflip,
                   "Use noisesd for greyscale noise, or style='bw'.")
    if style == "bw" and noisesd:
        raise fail(where, "noisesd", "0 for style='bw' (additive noise is the 'grey' noise)", noisesd,
                   "Use maxflip for black-and-white noise, or style='grey'.")
    longest, sym = max_length(book, dot=dot, dash=dash, space=space, dilation=dilation)
    if longest > frame * dilation:
        code = book[sym]
        raise fail(where, "frame", f"at least {-(-longest // dilation)} so that every code fits", frame,
                   f"The longest draw of {sym!r} ({code}) is {code.count('-')} dashes x {dash[1]} + "
                   f"{code.count('.')} dots x {dot[1]} + {len(code) - 1} spaces x {space[1]}"
                   + (f", x dilation {dilation}" if dilation > 1 else "")
                   + f" = {longest} steps; try frame={-(-longest // dilation)} or shorter durations.")
    rng, _ = normalize_seed(where, seed)
    samples = sum(per_class) * len(book)
    # x (float32) and y (float32 one-hot) of every split, plus the int64 durations drawn per sample and symbol
    check_memory(where, samples * (4 * frame * dilation + 4 * len(book) + 8 * 2 * max(map(len, book.values()))),
                 f"{samples:,} samples of {frame * dilation} steps and {len(book)} classes")

    classes = len(book)
    codes = list(book.values())
    m_max = max(len(c) for c in codes)
    # per class: element kinds (1 = dash, 0 = dot, -1 = absent)
    kinds = np.full((classes, m_max), -1, dtype=np.int8)
    for k, code in enumerate(codes):
        kinds[k, :len(code)] = [1 if ch == "-" else 0 for ch in code]
    each = sum(per_class)
    label = np.repeat(np.arange(classes, dtype=np.int64), each)  # class-major: class k's block of `each`
    n = label.size
    kind = kinds[label]                                       # (n, m_max)
    valid = kind >= 0
    length = valid.sum(axis=1)                                # elements per sample

    # durations (dilated ranges, as the original)
    d = np.zeros((n, m_max), dtype=np.int64)
    is_dot, is_dash = kind == 0, kind == 1
    d[is_dot] = rng.integers(dot[0] * dilation, dot[1] * dilation + 1, size=int(is_dot.sum()))
    d[is_dash] = rng.integers(dash[0] * dilation, dash[1] * dilation + 1, size=int(is_dash.sum()))
    gap = np.zeros((n, m_max), dtype=np.int64)
    has_gap = np.arange(m_max)[None, :] < (length - 1)[:, None]  # a space after every element but the last
    gap[has_gap] = rng.integers(space[0] * dilation, space[1] * dilation + 1, size=int(has_gap.sum()))
    width = frame * dilation
    total = d.sum(axis=1) + gap.sum(axis=1)
    if leading_space:
        lead = rng.integers(0, width - total + 1)  # uniform 0..spare, per sample
    else:
        lead = np.zeros(n, dtype=np.int64)
    start = lead[:, None] + np.cumsum(d + gap, axis=1) - (d + gap)
    end = start + d
    # on/off mask by a difference array: +1 at each start, -1 at each end, cumulative sum > 0 is "on"
    diff = np.zeros((n, width + 1), dtype=np.int8)
    rows, cols = np.nonzero(valid)
    diff[rows, start[rows, cols]] += 1  # starts are distinct within a row (durations >= 1)
    diff[rows, end[rows, cols]] -= 1    # ends too; a start may equal an end only when space has 0
    on = np.cumsum(diff[:, :width], axis=1, dtype=np.int8) > 0

    if style == "grey":
        x = np.zeros((n, width), dtype=np.float64)
        x[on] = rng.normal(LEVEL_MEAN, LEVEL_SD, size=int(on.sum()))
        if noisesd > 0:
            x += rng.normal(0.0, noisesd, size=x.shape)
        np.clip(x, 0.0, LEVELS, out=x)
        x /= LEVELS
        x = np.round(x, 3).astype(np.float32)
    else:
        x = on.astype(np.float32)
        if maxflip > 0:
            nflip = rng.integers(0, maxflip + 1, size=n)
            keys = rng.random((n, width))
            # flip the nflip positions with the smallest keys: distinct positions, uniformly chosen
            kth = np.sort(keys, axis=1)
            kth = np.concatenate([kth, np.full((n, 1), np.inf)], axis=1)[np.arange(n), nflip]
            flip = keys < kth[:, None]
            x[flip] = 1.0 - x[flip]
    y = np.zeros((n, classes), dtype=np.float32)
    y[np.arange(n), label] = 1.0

    # split per class (first per_class[0] of each block train, next val, rest test), then shuffle each split
    pos = np.tile(np.arange(each), classes)
    bounds = np.cumsum((0,) + per_class)
    out = []
    for i in range(3):
        idx = np.flatnonzero((pos >= bounds[i]) & (pos < bounds[i + 1]))
        idx = idx[rng.permutation(idx.size)]
        out += [x[idx], y[idx]]
    return tuple(out)
