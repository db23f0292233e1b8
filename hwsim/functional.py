"""Functional mode: train and run the network with the real FF/BP/UP values, through the hardware's schedule.

:func:`train` runs batch-1 SGD exactly as the edge-processing accelerator does (docs/hardware.md §1, §2, §5, §6):
each junction walks its edges in natural order (the order of ``pattern.left``); FF multiplies, sums per right
neuron with the bias and applies the activation; the output delta is ``a - y``; BP (junctions 2..L) accumulates
``delta_right * w * a'_left`` into the left neuron's partial delta by read-modify-write; UP applies
``w -= eta * a_left * delta_right`` and ``b -= eta * delta_right``.

Schedule.  Input ``m`` is loaded in junction cycle ``m``; junction ``i`` runs its FF in cycle ``m + i`` and its
BP/UP in cycle ``m + 2L + 1 - i``.  Within a junction cycle FF and BP read each weight before UP writes it.  So
with ``pipelined=True`` the FF of junction ``i`` sees weights lacking the updates of the ``2(L - i) + 1``
previous inputs, while BP uses the weights current in its cycle (every earlier input's update has landed).
``pipelined=False`` spaces inputs ``2L + 1`` cycles apart: no overlap, plain sequential SGD.

Loss.  The output layer has the same activation as the hidden layers.  With sigmoid outputs ``delta_L = a - y``
is the exact gradient of the summed per-output binary cross-entropy with respect to the output
pre-activations (no softmax: the hardware has none).  With ReLU outputs the same ``a - y`` is used (the
gradient of ``0.5 * ||a - y||**2`` where ``a > 0``).  The prediction is the argmax of the output
pre-activations (the activation is monotone), first index on ties, over all ``N_L`` outputs (pad outputs
included; they are trained towards 0); under ``hardware.arithmetic="rtl"`` it is the RTL's rule
(:mod:`hwsim.fixedpoint`: argmax of the output activations, later clock wins ties, the last clock's outputs
not compared).

RMW hazards (``hardware.rmw``).  BP's write of a partial delta lands ``2 + hardware.proctime`` clocks after its
read (a read issued ``1 + proctime`` clocks later meets the write in the same clock and the read-first memory
returns the old word).  With ``"count"`` a read less than ``2 + proctime`` clocks after an earlier read of
the same neuron sees the value before that earlier write landed, and the later write overwrites it: the
partial sum is lost, as in the hardware without forwarding.  The read clock of edge ``j`` is ``j // z`` for
clash-free patterns; clashing accesses are serialised (``hardware.ports`` per bank and clock).  ``"forward"``
and ``"stall"`` give exact deltas.

Numerics.  ``"float64"`` and ``"float32"``: exact sigmoid ``1 / (1 + exp(-s))``, derivative ``a (1 - a)``; all
state and arithmetic in that dtype.  ``"fixed"``: the FPGA build's fixed-point format defined in
:mod:`hwsim.fixedpoint` (saturating working word of ``hardware.width`` bits, lookup-table sigmoid, eta as a
rounding shift) under ``hardware.arithmetic`` (``"hwsim"`` or ``"rtl"``, the published RTL bit for bit),
bit-exact.  ``"rtl"`` runs in fixed point only (``numerics=None`` picks it).

Weights layout.  Per junction a pair ``(w, b)``: ``w`` float64 of length ``W`` in natural edge order (the
order of ``pattern.left`` / ``pattern.right``) and ``b`` float64 of length ``n``.  :func:`weights_to_dense`
turns them into Keras-orientation ``(p, n)`` kernels, :func:`weights_from_dense` back.
"""
from __future__ import annotations

import math
import numbers
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from adjmat import NetSpec, Pattern
from adjmat.errors import DivergenceError, SpecError
from adjmat.memory import check_memory
from adjmat.seeds import junction_streams
from adjmat.validation import check_bool, check_choice, check_int, fail

from . import _fkernels
from ._checks import check_hardware, check_indices, check_netspec, check_patterns
from .config import HardwareConfig
from .fixedpoint import code_range, lut_scale, quantize, quantize_inputs, rtl_input_codes, sigmoid_tables, to_real

__all__ = ["NUMERICS", "ETA_SCHEDULE_FPGA", "FunctionalResult", "InferenceResult", "train", "infer",
           "initial_weights", "weights_to_dense", "weights_from_dense"]

NUMERICS = ("float64", "float32", "fixed")

#: The learning-rate schedule of the authors' testbench (docs/hardware.md §6): 1/8 for the first 25,000 inputs,
#: 1/16 for the next 50,000, then 1/32.  Pass as ``eta=ETA_SCHEDULE_FPGA``.
ETA_SCHEDULE_FPGA = ((25_000, 0.125), (50_000, 0.0625), (None, 0.03125))

Weights = Sequence[tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True, eq=False)
class FunctionalResult:
    """What :func:`train` returns.

    Attributes
    ----------
    weights : tuple of (w, b)
        Final weights per junction: ``w`` float64 (W,) in natural edge order, ``b`` float64 (n,).  In fixed
        mode these are the exact real values of the codes.
    codes : tuple of (w, b) or None
        Fixed mode: the int32 codes (value = code * 2**-hardware.frac_bits); None in float modes.
    predictions : numpy.ndarray
        int32 (inputs,): the on-chip prediction made for each training input in processing order (its FF
        ran with the weights of that moment).
    labels : numpy.ndarray
        int32 (inputs,): the class of each processed input.
    epoch_accuracy : tuple of float
        Fraction of correct on-chip predictions in each epoch.
    accuracy : float
        ``epoch_accuracy[-1]``.
    numerics, pipelined, epochs, inputs, seed
        As run; ``inputs = epochs * N``; ``seed`` the recorded seed of the initial weights (None when weights
        were given or a Generator was passed).
    eta : tuple of (count or None, eta)
        The learning-rate schedule used.
    staleness : tuple of int
        Updates missing from the weights an FF sees, per junction: ``2(L - i) + 1`` pipelined, 0 flushed.
    rmw_stale_reads : tuple of int
        Per junction, delta reads that saw a value before an earlier write landed (hazards that lost a partial
        sum); 0 with ``hardware.rmw`` "forward" or "stall" and always 0 in junction 1 (no BP).
    junction_cycles : int
        Junction cycles simulated (``inputs + 2L`` pipelined, ``(2L + 1) * inputs`` flushed).
    wall_s : float
        Wall time of the simulation in seconds (validation and compilation excluded).
    outputs : numpy.ndarray or None
        With ``keep_outputs=True``: float64 (inputs, N_L), the output activations of each input's on-chip FF
        in processing order (exact real values of the codes in fixed mode); else None.
    """

    weights: tuple
    codes: tuple | None
    predictions: np.ndarray
    labels: np.ndarray
    epoch_accuracy: tuple
    numerics: str
    pipelined: bool
    epochs: int
    inputs: int
    seed: int | None
    eta: tuple
    staleness: tuple
    rmw_stale_reads: tuple
    junction_cycles: int
    wall_s: float = field(default=0.0)
    outputs: np.ndarray | None = field(default=None)

    @property
    def accuracy(self) -> float:
        """Fraction of correct on-chip predictions in the last epoch."""
        return self.epoch_accuracy[-1]

    def dense(self, patterns: Sequence[Pattern]) -> list[tuple[np.ndarray, np.ndarray]]:
        """The final weights as Keras-orientation ``(p, n)`` kernels and biases (see :func:`weights_to_dense`).

        Examples
        --------
        >>> import adjmat, numpy as np
        >>> from hwsim import HardwareConfig
        >>> from hwsim.functional import train
        >>> net = adjmat.NetSpec((8, 4, 2), fo=(2, 2), z=(4, 2))
        >>> pats = adjmat.generate_network(net, "rtl")
        >>> x = np.linspace(0, 1, 16).reshape(2, 8); y = np.array([0, 1])
        >>> res = train(net, pats, HardwareConfig(rmw="forward"), (x, y), seed=0)
        >>> [k.shape for k, b in res.dense(pats)]
        [(8, 4), (4, 2)]
        """
        return weights_to_dense(patterns, self.weights)


@dataclass(frozen=True, eq=False)
class InferenceResult:
    """What :func:`infer` returns.

    Attributes
    ----------
    predictions : numpy.ndarray
        int32 (N,): argmax of the output pre-activations (first on ties); the RTL's rule under
        ``hardware.arithmetic="rtl"`` (:mod:`hwsim.fixedpoint`).
    outputs : numpy.ndarray
        float64 (N, N_L): output activations (exact real values of the codes in fixed mode).
    accuracy : float or None
        Fraction of correct predictions when labels were given.
    """

    predictions: np.ndarray
    outputs: np.ndarray
    accuracy: float | None


# ------------------------------------------------------------------------------------------ validation


def _check_x(where: str, x: Any, n0: int, name: str = "x") -> np.ndarray:
    arr = np.asarray(x) if not isinstance(x, np.ndarray) else x
    if arr.dtype == object or not (arr.dtype == np.uint8 or np.issubdtype(arr.dtype, np.floating)
                                   or np.issubdtype(arr.dtype, np.integer)) or arr.dtype == np.bool_:
        raise fail(where, name, "a real array (values in [0, 1]) or a uint8 pixel array", f"array of dtype "
                   f"{arr.dtype}")
    if arr.ndim != 2 or arr.shape[1] != n0 or arr.shape[0] < 1:
        hint = ""
        if arr.ndim == 2 and 0 < arr.shape[1] < n0:
            pad = n0 - arr.shape[1]
            hint = f"Pad the inputs with zeros to {n0} columns: np.pad(x, ((0, 0), (0, {pad})))."
        raise fail(where, name, f"a 2-D array of shape (N, {n0}) with N >= 1 (N_0 = {n0} inputs)",
                   f"array of shape {arr.shape}", hint or None)
    if arr.dtype == np.uint8:
        return arr
    if np.issubdtype(arr.dtype, np.integer):
        raise fail(where, name, "real values in [0, 1] or a uint8 pixel array (value q/256)",
                   f"array of dtype {arr.dtype}", "Convert pixels with x.astype(np.uint8) or x / 255.")
    arr = np.asarray(arr, dtype=np.float64)
    if not np.all(np.isfinite(arr)) or arr.min() < 0.0 or arr.max() > 1.0:
        raise fail(where, name, "real values in [0, 1] (the hardware's unsigned input fractions)",
                   f"array with values in [{arr.min():g}, {arr.max():g}]")
    return arr


def _check_y(where: str, y: Any, n_rows: int, n_out: int, name: str = "y") -> np.ndarray:
    arr = np.asarray(y)
    if arr.ndim == 1:
        if arr.size and not np.issubdtype(arr.dtype, np.integer) or arr.dtype == np.bool_:
            raise fail(where, name, f"integer class labels in [0, {n_out}) or one-hot rows of width {n_out}",
                       f"1-D array of dtype {arr.dtype}")
        if arr.shape[0] != n_rows:
            raise SpecError(f"{where}: {name} must have one label per input row (N = {n_rows}); received "
                            f"{name} with {arr.shape[0]} labels.")
        if arr.size and (arr.min() < 0 or arr.max() >= n_out):
            raise fail(where, name, f"class labels in [0, {n_out}) (N_L = {n_out} outputs)",
                       f"labels in [{arr.min()}, {arr.max()}]")
        return arr.astype(np.int32)
    if arr.ndim != 2 or arr.shape[1] != n_out:
        raise fail(where, name, f"one-hot rows of width {n_out} (N_L) or 1-D integer class labels",
                   f"array of shape {arr.shape}",
                   f"Pad one-hot labels with zero columns to {n_out}." if arr.ndim == 2 and arr.shape[1] < n_out
                   else None)
    if arr.shape[0] != n_rows:
        raise SpecError(f"{where}: {name} must have one row per input row (N = {n_rows}); received {name} with "
                        f"{arr.shape[0]} rows.")
    if arr.dtype == object:
        raise fail(where, name, "a numeric one-hot array", "array of dtype object")
    ones = arr == 1
    zeros = arr == 0
    bad = np.flatnonzero(~np.all(ones | zeros, axis=1) | (ones.sum(axis=1) != 1))
    if bad.size:
        r = int(bad[0])
        raise fail(where, name, "one-hot (exactly one 1 per row, 0 elsewhere)",
                   f"array whose row {r} is {arr[r].tolist()}", f"{bad.size} of {n_rows} rows are not one-hot.")
    return np.argmax(arr, axis=1).astype(np.int32)


def _check_weights(where: str, weights: Any, patterns: list[Pattern], name: str = "weights") -> list:
    L = len(patterns)
    if isinstance(weights, (np.ndarray, str)) or not isinstance(weights, Sequence) or len(weights) != L:
        raise fail(where, name, f"a sequence of {L} pairs (w, b), one per junction (w of length W in natural "
                   f"edge order, b of length n)", type(weights).__name__ if not isinstance(weights, Sequence)
                   else f"sequence of length {len(weights)}")
    out = []
    for i, (pair, pat) in enumerate(zip(weights, patterns)):
        if not isinstance(pair, Sequence) or len(pair) != 2:
            raise fail(where, f"{name}[{i}]", "a pair (w, b)", type(pair).__name__)
        w = np.asarray(pair[0], dtype=np.float64)
        b = np.asarray(pair[1], dtype=np.float64)
        if w.shape != (pat.W,):
            raise fail(where, f"{name}[{i}][0]", f"a 1-D array of the junction's W = {pat.W} edge weights "
                       "(natural order)", f"array of shape {w.shape}",
                       "Convert a (p, n) kernel with hwsim.weights_from_dense." if w.ndim == 2 else None)
        if b.shape != (pat.n,):
            raise fail(where, f"{name}[{i}][1]", f"a 1-D array of n = {pat.n} biases", f"array of shape {b.shape}")
        if not (np.all(np.isfinite(w)) and np.all(np.isfinite(b))):
            raise fail(where, f"{name}[{i}]", "finite values", "an array with nan or inf")
        out.append((w.copy(), b.copy()))
    return out


def _is_power_of_two_fraction(eta: float) -> int | None:
    """k with eta == 2**-k (k >= 0), else None."""
    if eta <= 0 or eta > 1:
        return None
    k = -math.log2(eta)
    kr = int(round(k))
    return kr if 2.0 ** -kr == eta else None


def _eta_schedule(where: str, eta: Any, config: HardwareConfig, numerics: str) -> tuple:
    """Normalise ``eta`` into ((count or None, value), ...) with a final open-ended segment."""
    if eta is None:
        sched = ((None, config.eta),)
    elif isinstance(eta, numbers.Real) and not isinstance(eta, (bool, np.bool_)):
        sched = ((None, float(eta)),)
    elif isinstance(eta, Sequence) and not isinstance(eta, str) and len(eta) >= 1:
        sched = []
        for k, seg in enumerate(eta):
            ok = isinstance(seg, Sequence) and len(seg) == 2 and isinstance(seg[1], numbers.Real) and (
                (seg[0] is None and k == len(eta) - 1) or (
                    isinstance(seg[0], numbers.Integral) and not isinstance(seg[0], bool) and seg[0] >= 1))
            if not ok:
                raise fail(where, "eta", "None, a positive number or a schedule of (inputs, eta) pairs ending "
                           "with (None, eta)", eta, "For example eta=hwsim.ETA_SCHEDULE_FPGA.")
            sched.append((None if seg[0] is None else int(seg[0]), float(seg[1])))
        if sched[-1][0] is not None:
            sched.append((None, sched[-1][1]))
        sched = tuple(sched)
    else:
        raise fail(where, "eta", "None, a positive number or a schedule of (inputs, eta) pairs ending with "
                   "(None, eta)", eta)
    for _, value in sched:
        if not (math.isfinite(value) and value > 0):
            raise fail(where, "eta", "positive learning rates", eta)
        if numerics == "float32" and value > float(np.finfo(np.float32).max):
            raise fail(where, "eta", "learning rates float32 can hold (at most 3.4e38) for numerics='float32'",
                       eta, "Use a smaller eta.")
        if numerics == "fixed" and _is_power_of_two_fraction(value) is None:
            k = max(0, round(-math.log2(value))) if value > 0 else 0
            raise fail(where, "eta", "powers of two 2**-k with k >= 0 for numerics='fixed' (applied as an "
                       "arithmetic shift)", eta, f"Try eta={2.0 ** -k:g}.")
    return sched


def _eta_per_input(sched: tuple, M: int) -> np.ndarray:
    out = np.empty(M, dtype=np.float64)
    start = 0
    for count, value in sched:
        stop = M if count is None else min(M, start + count)
        out[start:stop] = value
        start = stop
        if start >= M:
            break
    return out


def _check_progress(where: str, progress: Any) -> Callable[[int, int], None] | None:
    if progress is None or progress is False:
        return None
    if progress is True:
        t0 = time.perf_counter()

        def show(done: int, total: int) -> None:
            end = "\n" if done >= total else ""
            print(f"\r{where}: {done}/{total} inputs ({100.0 * done / total:.0f} %), "
                  f"{time.perf_counter() - t0:.1f} s", end=end, file=sys.stderr, flush=True)
        return show
    if callable(progress):
        return progress
    raise fail(where, "progress", "True, False or a callable progress(done, total)", progress)


# ------------------------------------------------------------------------------------------ layouts


def _layout(patterns: list[Pattern], config_sizes: tuple[int, ...]):
    noff = np.zeros(len(config_sizes) + 1, dtype=np.int64)
    noff[1:] = np.cumsum(config_sizes)
    woff = np.zeros(len(patterns) + 1, dtype=np.int64)
    woff[1:] = np.cumsum([p.W for p in patterns])
    left = np.ascontiguousarray(np.concatenate([p.left for p in patterns]), dtype=np.int32)
    right = np.ascontiguousarray(np.concatenate([p.right for p in patterns]), dtype=np.int32)
    return noff, woff, left, right


def _seed_streams(where: str, seed: Any, L: int) -> tuple[list[np.random.Generator], int | None]:
    """One Generator per junction from :func:`adjmat.seeds.junction_streams` (the project's one seed path)."""
    streams, recorded = junction_streams(where, seed, L)
    return [s if isinstance(s, np.random.Generator) else np.random.default_rng(s) for s in streams], recorded


# ------------------------------------------------------------------------------------------ public API


def initial_weights(patterns: Sequence[Pattern], *, seed: Any = None) -> list[tuple[np.ndarray, np.ndarray]]:
    """Glorot-normal initial weights (real values) and zero biases, one pair per junction.

    Junction ``i`` draws ``W`` values from a normal distribution with ``sigma = sqrt(2 / (fi + fo))``
    (docs/hardware.md §6; for variable-degree patterns the mean degrees ``W/n`` and ``W/p``) from its own stream,
    spawned from one ``SeedSequence``, so adding a junction does not change the others.  Fixed-point training
    quantises these values (:func:`hwsim.fixedpoint.quantize`).

    Parameters
    ----------
    patterns : sequence of adjmat.Pattern
        One per junction.
    seed : None, int, numpy.random.SeedSequence or numpy.random.Generator

    Returns
    -------
    list of (w, b)
        ``w`` float64 (W,) in natural edge order, ``b`` float64 (n,) zeros.

    Examples
    --------
    >>> import adjmat
    >>> from hwsim.functional import initial_weights
    >>> pats = adjmat.generate_network(adjmat.NetSpec((1024, 64, 32), (4, 16)), "basic", seed=1)
    >>> w = initial_weights(pats, seed=0)
    >>> [round(float(wi.std()), 2) for wi, _ in w]
    [0.17, 0.2]
    """
    where = "initial_weights"
    if isinstance(patterns, Pattern) or not isinstance(patterns, Sequence) or not all(
            isinstance(p, Pattern) for p in patterns) or not patterns:
        raise fail(where, "patterns", "a non-empty sequence of adjmat.Pattern", patterns)
    return _draw_initial(where, list(patterns), seed)[0]


def _draw_initial(where: str, patterns: list[Pattern], seed: Any) -> tuple[list, int | None]:
    streams, recorded = _seed_streams(where, seed, len(patterns))
    out = []
    for pat, rng in zip(patterns, streams):
        fi, fo = pat.W / pat.n, pat.W / pat.p
        sigma = math.sqrt(2.0 / (fi + fo))
        out.append((rng.normal(0.0, sigma, size=pat.W), np.zeros(pat.n)))
    return out, recorded


def weights_to_dense(patterns: Sequence[Pattern], weights: Weights) -> list[tuple[np.ndarray, np.ndarray]]:
    """Edge-list weights to Keras-orientation kernels: ``kernel[left[j], right[j]] = w[j]``, shape ``(p, n)``.

    Parameters
    ----------
    patterns : sequence of adjmat.Pattern
    weights : sequence of (w, b)
        As returned by :func:`train` (``w`` of length W in natural order, ``b`` of length n).

    Returns
    -------
    list of (kernel, bias)
        ``kernel`` float64 (p, n), zero off the pattern; ``bias`` float64 (n,).

    Examples
    --------
    >>> import adjmat
    >>> from hwsim.functional import weights_to_dense
    >>> pat = adjmat.Pattern(left=[0, 2, 1, 2], right=[0, 0, 1, 1], p=3, n=2)
    >>> k, b = weights_to_dense([pat], [([1.0, 2.0, 3.0, 4.0], [0.5, 0.0])])[0]
    >>> k.tolist()
    [[1.0, 0.0], [0.0, 3.0], [2.0, 4.0]]
    """
    where = "weights_to_dense"
    if isinstance(patterns, Pattern) or not isinstance(patterns, Sequence) or not all(
            isinstance(p, Pattern) for p in patterns):
        raise fail(where, "patterns", "a sequence of adjmat.Pattern", patterns)
    pats = list(patterns)
    for i, pat in enumerate(pats):
        check_indices(where, f"patterns[{i}]", pat)
    ws = _check_weights(where, weights, pats)
    out = []
    for pat, (w, b) in zip(pats, ws):
        kernel = np.zeros((pat.p, pat.n))
        np.add.at(kernel, (pat.left, pat.right), w)
        out.append((kernel, b))
    return out


def weights_from_dense(patterns: Sequence[Pattern], dense: Sequence[tuple[np.ndarray, np.ndarray]]) \
        -> list[tuple[np.ndarray, np.ndarray]]:
    """Keras-orientation ``(p, n)`` kernels and biases to edge-list weights ``w[j] = kernel[left[j], right[j]]``.

    Raises
    ------
    adjmat.SpecError
        When a kernel has the wrong shape or non-zero entries off the pattern (it belongs to another pattern).

    Examples
    --------
    >>> import adjmat, numpy as np
    >>> from hwsim.functional import weights_from_dense
    >>> pat = adjmat.Pattern(left=[0, 2, 1, 2], right=[0, 0, 1, 1], p=3, n=2)
    >>> w, b = weights_from_dense([pat], [(np.array([[1., 0.], [0., 3.], [2., 4.]]), np.zeros(2))])[0]
    >>> w.tolist()
    [1.0, 2.0, 3.0, 4.0]
    """
    where = "weights_from_dense"
    if isinstance(patterns, Pattern) or not isinstance(patterns, Sequence) or not all(
            isinstance(p, Pattern) for p in patterns):
        raise fail(where, "patterns", "a sequence of adjmat.Pattern", patterns)
    pats = list(patterns)
    for i, pat in enumerate(pats):
        check_indices(where, f"patterns[{i}]", pat)
    if not isinstance(dense, Sequence) or len(dense) != len(pats):
        raise fail(where, "dense", f"a sequence of {len(pats)} pairs (kernel, bias)", dense)
    out = []
    for i, (pair, pat) in enumerate(zip(dense, pats)):
        if not isinstance(pair, Sequence) or len(pair) != 2:
            raise fail(where, f"dense[{i}]", "a pair (kernel, bias)", type(pair).__name__)
        kernel = np.asarray(pair[0], dtype=np.float64)
        bias = np.asarray(pair[1], dtype=np.float64)
        if kernel.shape != (pat.p, pat.n):
            hint = "It looks transposed; pass kernel.T." if kernel.shape == (pat.n, pat.p) else None
            raise fail(where, f"dense[{i}][0]", f"a kernel of shape (p, n) = ({pat.p}, {pat.n})",
                       f"array of shape {kernel.shape}", hint)
        if bias.shape != (pat.n,):
            raise fail(where, f"dense[{i}][1]", f"a bias of shape ({pat.n},)", f"array of shape {bias.shape}")
        off = kernel.copy()
        off[pat.left, pat.right] = 0.0
        nz = np.count_nonzero(off)
        if nz:
            raise fail(where, f"dense[{i}][0]", "zero off the pattern (a kernel trained with this pattern)",
                       f"kernel with {nz} non-zero entries off the pattern")
        out.append((kernel[pat.left, pat.right].copy(), bias.copy()))
    return out


def _float_inputs(x: np.ndarray, dt) -> tuple[np.ndarray, Any]:
    """(array, scale) for the float kernels: uint8 pixels stay uint8 with scale 1/256 (no big copy)."""
    if x.dtype == np.uint8:
        return np.ascontiguousarray(x), dt(1.0 / 256.0)
    return np.ascontiguousarray(x, dtype=dt), dt(1.0)


def _fixed_inputs(x: np.ndarray, config: HardwareConfig) -> np.ndarray:
    """Input codes for the fixed kernels: uint8 pixels pass unchanged when input_width is 8."""
    if x.dtype == np.uint8 and config.input_width == 8:
        return np.ascontiguousarray(x)
    return quantize_inputs(x, config)


def _fixed_params(where: str, config: HardwareConfig, netspec: NetSpec) -> dict:
    lo, hi = code_range(config)
    lut_d = lut_scale(config, where)
    sig, dsig = sigmoid_tables(config)
    rtl = config.arithmetic == "rtl"
    return dict(frac=config.frac_bits, input_frac=config.frac_bits if rtl else config.input_width, lo=lo, hi=hi,
                lut_sig=sig, lut_dsig=dsig, lut_d=lut_d, one_code=min(1 << config.frac_bits, hi), rtl=rtl,
                group=_output_group(netspec))


def _output_group(netspec: NetSpec) -> int:
    """Output neurons finished per clock of the last junction, ``z_L / fi_L`` (the RTL's prediction rule
    compares them as one group); 1 when z is not given or is not a multiple of fi."""
    js = netspec.junctions[-1]
    if netspec.z is None or js.z % js.fi:
        return 1
    return js.z // js.fi


def _resolve_numerics(where: str, numerics: Any, config: HardwareConfig) -> str:
    """None -> "fixed" under arithmetic="rtl", else "float64"; float numerics are refused under "rtl"."""
    if numerics is None:
        return "fixed" if config.arithmetic == "rtl" else "float64"
    numerics = check_choice(where, "numerics", numerics, NUMERICS)
    if config.arithmetic == "rtl" and numerics != "fixed":
        raise fail(where, "numerics", "'fixed' (or None) when hardware.arithmetic='rtl' (the RTL's rules are "
                   "fixed-point rules)", numerics, "For a float run of the same build use "
                   "hardware=dataclasses.replace(hardware, arithmetic='hwsim').")
    return numerics


def _fixed_input_codes(x: np.ndarray, config: HardwareConfig) -> np.ndarray:
    """Input codes for the fixed kernels: the RTL's cut to frac_bits under arithmetic='rtl', else
    :func:`_fixed_inputs`."""
    return rtl_input_codes(x, config) if config.arithmetic == "rtl" else _fixed_inputs(x, config)


def train(netspec: NetSpec, patterns: Sequence[Pattern], hardware: HardwareConfig | None = None,
          data: tuple[Any, Any] | None = None, *, epochs: int = 1, numerics: str | None = None,
          pipelined: bool = True, eta: Any = None, seed: Any = None, weights: Weights | None = None,
          progress: bool | Callable[[int, int], None] = False, keep_outputs: bool = False
          ) -> FunctionalResult:
    """Train the network with the hardware's real arithmetic and schedule (batch-1 SGD, natural edge order).

    Parameters
    ----------
    netspec : adjmat.NetSpec
        Layer sizes ``config = (N_0, ..., N_L)`` and degrees; ``z`` is needed when ``hardware.rmw == "count"``.
    patterns : sequence of adjmat.Pattern
        One per junction, matching the netspec's ``p``, ``n`` and ``W``.
    hardware : hwsim.HardwareConfig, optional
        Uses ``activation``, ``rmw``, ``proctime``, ``ports``, ``eta_shift`` and, for ``numerics="fixed"``,
        the number format (``width``, ``int_bits``, ``frac_bits``, ``input_width``, ``lut_size``,
        ``lut_domain``); default ``HardwareConfig()``.
    data : (x, y)
        ``x``: (N, N_0) real values in [0, 1], or uint8 pixels meaning ``q / 256`` (pad to N_0 with zeros).
        ``y``: one-hot (N, N_L) (pad with zero columns) or integer class labels (N,) in [0, N_L).
    epochs : int
        Passes over ``data`` in the given order; inputs stream through the pipeline without a drain between
        epochs.
    numerics : {"float64", "float32", "fixed"} or None
        None: ``"fixed"`` when ``hardware.arithmetic == "rtl"`` (the only numerics it allows), else
        ``"float64"``.  Fixed point follows ``hardware.arithmetic`` (:mod:`hwsim.fixedpoint`).
    pipelined : bool
        True: the hardware's overlapped schedule with delayed updates.  False: flush (plain sequential SGD).
    eta : None, float or sequence of (inputs, eta)
        None: ``hardware.eta`` (``2**-hardware.eta_shift``).  A schedule such as :data:`ETA_SCHEDULE_FPGA` gives the
        rate of consecutive runs of inputs; the last pair has ``None`` (all remaining inputs).  Fixed point
        needs powers of two.
    seed : None, int, SeedSequence or Generator
        Draws the initial weights (:func:`initial_weights`) when ``weights`` is None.
    weights : sequence of (w, b), optional
        Initial real weights (natural edge order) and biases; quantised in fixed mode.
    progress : bool or callable
        True prints a progress line to stderr; a callable receives ``(inputs_done, inputs_total)``.
    keep_outputs : bool
        Keep every input's output activations (``FunctionalResult.outputs``, ``8 * inputs * N_L`` bytes).

    Returns
    -------
    FunctionalResult

    Raises
    ------
    adjmat.SpecError
        For any invalid argument, naming it, before any work.
    hwsim.DivergenceError
        Float numerics only: a weight, bias, activation or delta became NaN or infinite (the learning rate is
        too large).  The state is checked after every chunk of inputs; the message names the junction and
        the input at which it first happened.  Nothing is returned.

    Examples
    --------
    >>> import adjmat, numpy as np
    >>> from hwsim import HardwareConfig
    >>> from hwsim.functional import train
    >>> net = adjmat.NetSpec((16, 8, 4), fo=(2, 2), z=(8, 4))
    >>> pats = adjmat.generate_network(net, "clash_free", seed=0)
    >>> rng = np.random.default_rng(0)
    >>> x, y = rng.random((50, 16)), rng.integers(0, 4, 50)
    >>> res = train(net, pats, HardwareConfig(rmw="forward"), (x, y), epochs=2, seed=1,
    ...                   numerics="fixed")
    >>> res.inputs, res.staleness, res.junction_cycles, res.codes[0][0].dtype
    (100, (3, 1), 104, dtype('int32'))

    On MNIST (784 pixels padded to 1024, labels padded to 32; clash-free pattern, seed 0, eta 1/8, one pipelined
    epoch, ``rmw="forward"``) the FPGA build reaches 89.4 % test accuracy in 10-bit fixed point beside 90.3 % in
    float64 (``python bench/bench_functional.py --mnist`` prints the full table).
    """
    where = "train"
    netspec = check_netspec(where, netspec, require_z=False)
    pats = check_patterns(where, netspec, patterns)
    config = check_hardware(where, hardware)
    numerics = _resolve_numerics(where, numerics, config)
    pipelined = check_bool(where, "pipelined", pipelined)
    epochs = check_int(where, "epochs", epochs, minimum=1)
    if not isinstance(data, (tuple, list)) or len(data) != 2:
        raise fail(where, "data", "a pair (x, y) of inputs and labels", type(data).__name__)
    x = _check_x(where, data[0], netspec.config[0])
    y = _check_y(where, data[1], x.shape[0], netspec.config[-1])
    sched = _eta_schedule(where, eta, config, numerics)
    show = _check_progress(where, progress)
    keep_outputs = check_bool(where, "keep_outputs", keep_outputs)
    count = config.rmw == "count"
    if count and netspec.z is None:
        raise SpecError(f"{where}: netspec.z must be set when hardware.rmw='count' (the read-modify-write hazards "
                        f"depend on the clock schedule); received netspec.z=None. Give z (for example "
                        f"adjmat.NetSpec.balanced(config, fo, z1=...)) or use HardwareConfig(rmw='forward') "
                        f"for exact deltas.")
    fixed = _fixed_params(where, config, netspec) if numerics == "fixed" else None
    if weights is None:
        init, recorded = _draw_initial(where, pats, seed)
    else:
        init = _check_weights(where, weights, pats)
        recorded = None

    L = netspec.L
    N = x.shape[0]
    M = N * epochs
    check_memory(where, 24 * M + (12 * M * netspec.config[-1] if keep_outputs else 0),
                 f"per-input order, learning rate and prediction{' and outputs' if keep_outputs else ''} of "
                 f"{M:,} inputs (N x epochs)")
    S = 1 if pipelined else 2 * L + 1
    T = (M - 1) * S + 2 * L + 1
    R = 2 * L + 2
    noff, woff, left, right = _layout(pats, netspec.config)
    total = int(noff[-1])
    nmax = max(netspec.config)
    order = np.tile(np.arange(N, dtype=np.int64), epochs)
    eta_m = _eta_per_input(sched, M)
    relu = config.activation == "relu"
    lat = 2 + config.proctime  # a BP write-back lands 2 + proctime clocks after its read
    Q = config.ports * lat + 1
    if count:
        rtime = np.concatenate([_fkernels.read_times(p.left, int(js.z), config.ports)
                                for p, js in zip(pats, netspec.junctions)])
    else:
        rtime = np.zeros(left.size, dtype=np.int64)
    pred = np.full(M, -1, dtype=np.int32)
    stale = np.zeros(L, dtype=np.int64)
    pend_t = np.zeros((nmax, Q), dtype=np.int64)
    qhead = np.zeros(nmax, dtype=np.int64)
    qlen = np.zeros(nmax, dtype=np.int64)

    if fixed is None:
        dt = np.float64 if numerics == "float64" else np.float32
        xs, xscale = _float_inputs(x, dt)
        w = np.ascontiguousarray(np.concatenate([wi for wi, _ in init]), dtype=dt)
        b = np.ascontiguousarray(np.concatenate([bi for _, bi in init]), dtype=dt)
        act = np.zeros((R, total), dtype=dt)
        dact = np.zeros((R, total), dtype=dt)
        delta = np.zeros((R, total), dtype=dt)
        s_buf = np.zeros(nmax, dtype=dt)
        pend_v = np.zeros((nmax, Q), dtype=dt)
        eta_arr = eta_m.astype(dt)
        one = dt(1.0)
        outs = np.zeros((M if keep_outputs else 0, netspec.config[-1]), dtype=dt)

        def run(t0: int, t1: int) -> None:
            _fkernels.train_float(t0, t1, S, M, L, xs, xscale, y, order, eta_arr, noff, woff, left, right, w, b,
                                  relu, count, rtime, lat, act, dact, delta, s_buf, pend_t, pend_v, qhead, qlen, pred,
                                  stale, one, outs)
    else:
        xs = _fixed_input_codes(x, config)
        w = np.concatenate([quantize(wi, config) for wi, _ in init]).astype(np.int32)
        b = np.concatenate([quantize(bi, config) for _, bi in init]).astype(np.int32)
        act = np.zeros((R, total), dtype=np.int32)
        dact = np.zeros((R, total), dtype=np.int32)
        delta = np.zeros((R, total), dtype=np.int32)
        s_acc = np.zeros(nmax, dtype=np.int64)
        s_out = np.zeros(nmax, dtype=np.int64)
        pend_v = np.zeros((nmax, Q), dtype=np.int32)
        eta_k = np.array([_is_power_of_two_fraction(e) for e in eta_m], dtype=np.int64)
        outs = np.zeros((M if keep_outputs else 0, netspec.config[-1]), dtype=np.int32)

        def run(t0: int, t1: int) -> None:
            _fkernels.train_fixed(t0, t1, S, M, L, xs, y, order, eta_k, noff, woff, left, right, w, b, relu,
                                  count, rtime, lat, act, dact, delta, s_acc, s_out, pend_t, pend_v, qhead, qlen,
                                  pred, stale, fixed["frac"], fixed["input_frac"], fixed["lo"], fixed["hi"],
                                  fixed["lut_sig"], fixed["lut_dsig"], fixed["lut_d"], fixed["one_code"],
                                  fixed["rtl"], fixed["group"], outs)

    chunk = 8192 * S
    start = time.perf_counter()
    state = (w, b, act, dact, delta, pend_t, pend_v, qhead, qlen)  # what a replayed cycle reads
    for t0 in range(0, T, chunk):
        t1 = min(T, t0 + chunk)
        saved = [a.copy() for a in state] if fixed is None else None
        run(t0, t1)
        if fixed is None and not _finite(w, b, act, delta):
            # replay the chunk one junction cycle at a time from its start to find the first bad value
            for a, keep in zip(state, saved):
                a[...] = keep
            for t in range(t0, t1):
                run(t, t + 1)
                if not _finite(w, b, act, delta):
                    raise _divergence(where, t, S, M, N, L, noff, woff, w, b, act, delta, eta_m)
            raise _divergence(where, t1 - 1, S, M, N, L, noff, woff, w, b, act, delta, eta_m)  # never reached
        if show is not None:
            show(min(M, max(0, (t1 - 2 * L - 1) // S + 1)) if t1 < T else M, M)
    wall = time.perf_counter() - start

    labels = y[order]
    correct = pred == labels
    epoch_acc = tuple(float(correct[e * N:(e + 1) * N].mean()) for e in range(epochs))
    if fixed is None:
        wr, br = w.astype(np.float64), b.astype(np.float64)
        codes = None
    else:
        wr, br = to_real(w, config), to_real(b, config)
        codes = tuple((w[woff[i]:woff[i + 1]].copy(), b[noff[i + 1] - noff[1]:noff[i + 2] - noff[1]].copy())
                      for i in range(L))
    final = tuple((wr[woff[i]:woff[i + 1]].copy(), br[noff[i + 1] - noff[1]:noff[i + 2] - noff[1]].copy())
                  for i in range(L))
    staleness = tuple((2 * (L - i) + 1) if pipelined else 0 for i in range(1, L + 1))
    return FunctionalResult(weights=final, codes=codes, predictions=pred, labels=labels, epoch_accuracy=epoch_acc,
                            numerics=numerics, pipelined=pipelined, epochs=epochs, inputs=M, seed=recorded,
                            eta=sched, staleness=staleness, rmw_stale_reads=tuple(int(s) for s in stale),
                            outputs=(to_real(outs, config) if fixed is not None else outs.astype(np.float64))
                            if keep_outputs else None,
                            junction_cycles=T, wall_s=wall)


def _finite(*arrays: np.ndarray) -> bool:
    return all(bool(np.isfinite(a).all()) for a in arrays)


def _input_at(t: int, offset: int, S: int, M: int) -> int:
    d = t - offset
    return d // S if d >= 0 and d % S == 0 and d // S < M else -1


def _divergence(where, t, S, M, N, L, noff, woff, w, b, act, delta, eta_m) -> DivergenceError:
    """The error for the first junction cycle ``t`` after which some state is non-finite: which junction,
    which values, which input (in the order the junctions run inside a cycle)."""
    R = act.shape[0]
    n0 = noff[1]
    found = None
    for i in range(1, L + 1):
        m = _input_at(t, i, S, M)
        if m >= 0 and not _finite(act[m % R, noff[i]:noff[i + 1]]):
            found = (i, m, "activations in the feed-forward pass")
            break
        m = _input_at(t, 2 * L + 1 - i, S, M)
        if m >= 0:
            if not _finite(delta[m % R, noff[i - 1]:noff[i]]) and i >= 2:
                found = (i, m, "deltas in back-propagation")
                break
            if not _finite(w[woff[i - 1]:woff[i]], b[noff[i] - n0:noff[i + 1] - n0]):
                found = (i, m, "weights or biases in the update")
                break
    if found is None:  # not reached: every value written in cycle t belongs to one of the cases above
        return DivergenceError(f"{where}: training diverged in junction cycle {t}: a weight, activation or delta "
                               f"became non-finite (inf or nan). Use a smaller eta.")
    i, m, what = found
    eta = float(eta_m[m])
    smaller = 0.125 if eta > 1 else 2.0 ** (math.floor(math.log2(eta)) - 3)
    return DivergenceError(
        f"{where}: training diverged: junction {i} {what} became non-finite (inf or nan) at input {m} (epoch "
        f"{m // N + 1}, row {m % N} of x; eta={eta:g}). The result is not returned. Use a smaller eta, e.g. "
        f"eta={smaller:g}, or numerics='fixed' (saturating).")


def infer(netspec: NetSpec, patterns: Sequence[Pattern], hardware: HardwareConfig | None = None, x: Any = None, *,
          weights: Weights, numerics: str | None = None, y: Any = None) -> InferenceResult:
    """Run the feed-forward pass only (the hardware's inference mode) with given weights.

    Parameters
    ----------
    netspec, patterns, hardware
        As in :func:`train` (``hardware.activation`` and, for fixed point, the number format are used).
    x : array_like
        (N, N_0) real values in [0, 1] or uint8 pixels (``q / 256``).
    weights : sequence of (w, b)
        Real weights per junction in natural edge order and biases (for example ``FunctionalResult.weights``
        or :func:`weights_from_dense` of a Keras model's kernels); quantised in fixed mode.
    numerics : {"float64", "float32", "fixed"} or None
        None: ``"fixed"`` when ``hardware.arithmetic == "rtl"`` (the only numerics it allows), else
        ``"float64"``.  Fixed point follows ``hardware.arithmetic`` (:mod:`hwsim.fixedpoint`).
    y : array_like, optional
        One-hot (N, N_L) or integer labels; gives ``accuracy``.

    Returns
    -------
    InferenceResult

    Examples
    --------
    >>> import adjmat, numpy as np
    >>> from hwsim import HardwareConfig
    >>> from hwsim.functional import infer, initial_weights
    >>> net = adjmat.NetSpec((16, 8, 4), fo=(2, 2), z=(8, 4))
    >>> pats = adjmat.generate_network(net, "clash_free", seed=0)
    >>> w = initial_weights(pats, seed=3)
    >>> x = np.random.default_rng(0).random((5, 16))
    >>> out = infer(net, pats, HardwareConfig(), x, weights=w, y=np.zeros(5, dtype=int))
    >>> out.predictions.shape, out.outputs.shape, 0.0 <= out.accuracy <= 1.0
    ((5,), (5, 4), True)
    """
    where = "infer"
    netspec = check_netspec(where, netspec, require_z=False)
    pats = check_patterns(where, netspec, patterns)
    config = check_hardware(where, hardware)
    numerics = _resolve_numerics(where, numerics, config)
    xa = _check_x(where, x, netspec.config[0])
    ya = None if y is None else _check_y(where, y, xa.shape[0], netspec.config[-1])
    ws = _check_weights(where, weights, pats)
    L = netspec.L
    noff, woff, left, right = _layout(pats, netspec.config)
    relu = config.activation == "relu"
    N, n_out = xa.shape[0], netspec.config[-1]
    pred = np.zeros(N, dtype=np.int32)
    if numerics == "fixed":
        fx = _fixed_params(where, config, netspec)
        w = np.concatenate([quantize(wi, config) for wi, _ in ws]).astype(np.int32)
        b = np.concatenate([quantize(bi, config) for _, bi in ws]).astype(np.int32)
        out = np.zeros((N, n_out), dtype=np.int32)
        _fkernels.infer_fixed(_fixed_input_codes(xa, config), L, noff, woff, left, right, w, b, relu, out, pred,
                              fx["frac"], fx["input_frac"], fx["lo"], fx["hi"], fx["lut_sig"], fx["lut_dsig"],
                              fx["lut_d"], fx["one_code"], fx["rtl"], fx["group"])
        outputs = to_real(out, config)
    else:
        dt = np.float64 if numerics == "float64" else np.float32
        xs, xscale = _float_inputs(xa, dt)
        w = np.concatenate([wi for wi, _ in ws]).astype(dt)
        b = np.concatenate([bi for _, bi in ws]).astype(dt)
        out = np.zeros((N, n_out), dtype=dt)
        _fkernels.infer_float(xs, xscale, L, noff, woff, left, right, w, b, relu, dt(1.0), out, pred)
        outputs = out.astype(np.float64)
    acc = None if ya is None else float(np.mean(pred == ya))
    return InferenceResult(predictions=pred, outputs=outputs, accuracy=acc)
