"""The fixed-point number format of the FPGA build (docs/hardware.md §6), as used by :func:`hwsim.train` and
:func:`hwsim.infer` with ``numerics="fixed"``.

Every quantity is an integer *code*; its value is ``code * 2**-frac``.  The formats, all taken from a
:class:`hwsim.HardwareConfig` ``cfg``:

Working word (weights, biases, pre-activations, activations, derivatives, deltas)
    Signed two's complement of ``cfg.width = 1 + cfg.int_bits + cfg.frac_bits`` bits (FPGA build: 10 = 1 + 2 + 7).
    ``frac = cfg.frac_bits``; codes in ``[lo, hi] = [-2**(width-1), 2**(width-1) - 1]``, i.e. values in
    ``[-4, 4 - 1/128]`` for the FPGA build.
Input word (layer-0 activations)
    Unsigned fraction of ``cfg.input_width`` bits (FPGA build: 8): codes ``0 .. 2**input_width - 1``, value
    ``code / 2**input_width``.  A real input ``x`` in [0, 1] becomes ``min(floor(x * 2**input_width + 1/2),
    2**input_width - 1)``; a ``uint8`` pixel ``q`` means the value ``q / 256``.

Rounding and saturation
    ``rshift(v, s) = floor(v / 2**s + 1/2)`` -- an arithmetic right shift after adding half an LSB (round half
    up, toward +inf), written ``(v + 2**(s-1)) >> s`` for ``s >= 1``.  ``sat(v) = min(max(v, lo), hi)``.
    Real values (initial weights, table entries) are quantised the same way: ``sat(floor(v * 2**frac + 1/2))``
    (NaN is refused).

``cfg.arithmetic`` chooses one of two rule sets.  ``"hwsim"`` (the default):

Multiplier
    ``mult_a(x, y) = sat(rshift(x * y, frac_a))``: the product rescaled to the working format, ``frac_a`` the
    fraction width of the left operand's layer (``input_width`` in junction 1, ``frac_bits`` after it).
Feed-forward (per edge, then per right neuron)
    ``p_j = mult_a(a_left, w_j)``; adder tree ``s = sat(sum_j p_j + b)``.  The tree carries ``ceil(log2 fi)``
    guard bits, so the sum of the ``fi`` products is exact; the result (plus the bias) saturates.
Activation
    Sigmoid: two lookup tables of ``cfg.lut_size`` entries over ``[-d, d)``, ``d = cfg.lut_domain``, step
    ``h = 2d / lut_size``.  Entry ``k`` covers ``[-d + k h, -d + (k+1) h)`` and holds the quantised
    ``sigmoid(c_k)`` and ``sigmoid(c_k) * (1 - sigmoid(c_k))`` at the centre ``c_k = -d + (k + 1/2) h``
    (or ``cfg.sigmoid_lut`` / ``cfg.sigmoid_prime_lut`` when given).  The pre-activation code ``s`` addresses
    entry ``k = floor((s + D) * lut_size / (2 D))`` with ``D = d * 2**frac`` (an integer:
    ``cfg.lut_domain * 2**cfg.frac_bits`` must be whole), clamped to ``[0, lut_size - 1]``.  ReLU:
    ``a = max(s, 0)``; ``a' = sat(2**frac)`` (one) when ``s > 0`` else 0.
Output delta
    ``delta_L = sat(a - y * sat(2**frac))`` for one-hot ``y`` (docs/hardware.md §1: cross-entropy).
Back-propagation (junctions 2..L, per edge; two multipliers per lane)
    ``c_j = mult(mult(delta_right, w_j), a'_left)``, accumulated into the left neuron's partial delta by a
    read-modify-write: ``delta_left = sat(delta_left + c_j)`` in natural edge order.
Update (eta = 2**-k)
    ``w_j = sat(w_j - sat(rshift(a_left * delta_right, frac_a + k)))`` -- one rounding of the full product;
    ``b = sat(b - rshift(delta_right, k))``.
Prediction
    The index of the largest output pre-activation ``s`` over all outputs (first on ties).

``"rtl"``: the published RTL (``souryadey/mlp-ondevice-training``) bit for bit; differences from the above:

Inputs
    The ``input_width``-bit code keeps its top ``frac_bits`` bits (``q >> (input_width - frac_bits)``; the
    RTL's ``act_in[7:1]``) and is a working word from then on (:func:`rtl_input_codes`), in FF and UP.
Multiplier
    ``mult(x, y)``: ``t = sat(floor(x * y / 2**frac))``, then ``t + bit_{frac-1}(x * y)`` unless
    ``t == hi``.  It equals ``sat(rshift(x * y, frac))`` except after a negative overflow whose rounding bit
    is set: ``lo + 1``.
Activation
    Tables sampled at the entry starts ``c_k = -d + k h``: ``min(round(sigmoid(c_k) 2**frac), 2**frac - 1)``
    and a ``frac - 2``-bit derivative ``min(round(sigmoid'(c_k) 2**frac), 2**(frac-2) - 1)`` (31/128 at most
    for the 10-bit build, whose 1024 entries over [-4, 4) give one entry per code).  Outside ``[-d, d)``:
    ``a = 1`` LSB below, ``2**frac - 1`` above, ``a' = 1`` LSB.  ReLU: ``a = 1`` LSB for ``s <= 0``,
    ``2**frac - 1`` for ``s >= 2**frac``, else ``s``; ``a' = 2**frac - 1`` for ``0 < s < 2**frac``, else 1 LSB.
Back-propagation
    ``c_j = mult(mult(delta_right, a'_left), w_j)``.
Update
    ``db = rshift(-delta_right, k)`` with ``-lo`` taken as ``hi``; ``b = sat(b + db)``,
    ``w_j = sat(w_j + mult(db, a_left))`` -- two roundings.
Prediction
    The output activations arrive ``g = z_L / fi_L`` per clock (1 when z is unknown or not a multiple of
    fi).  Within a clock the lowest index wins ties; a clock's maximum replaces the stored one when it is
    greater or equal (later clocks win ties); the last clock's outputs are never compared (the result is
    latched in that clock).

Examples
--------
>>> from hwsim import HardwareConfig
>>> from hwsim.fixedpoint import quantize, to_real
>>> cfg = HardwareConfig()
>>> quantize([0.5, -0.01, 9.0], cfg).tolist()
[64, -1, 511]
>>> to_real(quantize([0.3], cfg), cfg).tolist()
[0.296875]
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from adjmat.errors import SpecError
from adjmat.validation import fail

__all__ = ["code_range", "quantize", "quantize_inputs", "rtl_input_codes", "to_real", "sigmoid_tables", "lut_scale"]


def code_range(config) -> tuple[int, int]:
    """``(lo, hi)``: the smallest and largest code of the working word.

    Examples
    --------
    >>> from hwsim import HardwareConfig
    >>> code_range(HardwareConfig())
    (-512, 511)
    """
    return -(1 << (config.width - 1)), (1 << (config.width - 1)) - 1


def quantize(values: Any, config) -> np.ndarray:
    """Real values to working-word codes: ``sat(floor(v * 2**frac_bits + 1/2))`` as int32.

    ``+-inf`` saturate like any value beyond the range; NaN has no code and is refused.

    Raises
    ------
    adjmat.SpecError
        When a value is NaN, naming its position.

    Examples
    --------
    >>> from hwsim import HardwareConfig
    >>> quantize([1.0, -4.5, 0.0039], HardwareConfig()).tolist()
    [128, -512, 0]
    >>> try:
    ...     quantize([0.5, float("nan")], HardwareConfig())
    ... except ValueError as err:
    ...     print(err)
    quantize: values[1] must be a real number, not NaN (NaN has no fixed-point code; +-inf saturate); \
received values[1]=nan. 1 of the 2 values is NaN.
    """
    arr = np.asarray(values, dtype=np.float64)
    nan = np.isnan(arr)
    if nan.any():
        pos = ", ".join(str(int(i)) for i in np.argwhere(nan)[0])
        raise fail("quantize", f"values[{pos}]" if pos else "values", "a real number, not NaN (NaN has no "
                   "fixed-point code; +-inf saturate)", float("nan"), f"{int(nan.sum())} of the {arr.size} values "
                   f"{'is' if nan.sum() == 1 else 'are'} NaN.")
    lo, hi = code_range(config)
    v = np.floor(arr * 2.0 ** config.frac_bits + 0.5)
    return np.clip(v, lo, hi).astype(np.int32)


def quantize_inputs(x: np.ndarray, config) -> np.ndarray:
    """Inputs to unsigned ``input_width``-bit fraction codes (int32).

    ``uint8`` arrays are pixel values ``q`` meaning ``q / 256``; real arrays hold values in [0, 1].  Either
    becomes ``min(floor(value * 2**input_width + 1/2), 2**input_width - 1)``.

    Examples
    --------
    >>> from hwsim import HardwareConfig
    >>> quantize_inputs(np.array([[0, 128, 255]], dtype=np.uint8), HardwareConfig()).tolist()
    [[0, 128, 255]]
    >>> quantize_inputs(np.array([[0.0, 0.5, 1.0]]), HardwareConfig()).tolist()
    [[0, 128, 255]]
    """
    x = np.asarray(x)
    iw = config.input_width
    top = (1 << iw) - 1
    if x.dtype == np.uint8:  # integer path: q / 256 -> iw bits
        q = x.astype(np.int32)
        if iw >= 8:
            return q << (iw - 8)
        return np.minimum((q + (1 << (7 - iw))) >> (8 - iw), top)
    return np.minimum(np.floor(np.asarray(x, dtype=np.float64) * 2.0 ** iw + 0.5), top).astype(np.int32)


def to_real(codes: Any, config, frac_bits: int | None = None) -> np.ndarray:
    """Codes to their real values ``code * 2**-frac_bits`` (float64; default: the working fraction width).

    Examples
    --------
    >>> from hwsim import HardwareConfig
    >>> to_real([128, -3], HardwareConfig()).tolist()
    [1.0, -0.0234375]
    """
    f = config.frac_bits if frac_bits is None else frac_bits
    return np.asarray(codes, dtype=np.float64) * 2.0 ** -f


def lut_scale(config, where: str = "train") -> int:
    """``D = lut_domain * 2**frac_bits``, the table's half-range in codes; must be a whole number.

    Raises
    ------
    adjmat.SpecError
        When ``config.lut_domain`` is not a multiple of ``2**-frac_bits``.

    Examples
    --------
    >>> from hwsim import HardwareConfig
    >>> lut_scale(HardwareConfig())
    1024
    """
    d = config.lut_domain * 2.0 ** config.frac_bits
    if d == math.floor(d) and d >= 1 and 2 * d * config.lut_size > 2.0 ** 62:
        raise SpecError(f"{where}: hardware.lut_domain * 2**frac_bits * lut_size must be at most 2**61 (the table "
                        f"address (s + D) * lut_size is computed exactly in int64); received "
                        f"hardware.lut_domain={config.lut_domain!r} with frac_bits={config.frac_bits} and "
                        f"lut_size={config.lut_size}. Try a smaller lut_domain or lut_size.")
    if d != math.floor(d) or d < 1:
        step = 2.0 ** -config.frac_bits
        raise SpecError(f"{where}: hardware.lut_domain must be a multiple of 2**-frac_bits = {step:g} (the table "
                        f"is addressed by the pre-activation code) for numerics='fixed'; received "
                        f"hardware.lut_domain={config.lut_domain!r}. Try lut_domain="
                        f"{max(step, math.floor(config.lut_domain / step) * step):g}.")
    return int(d)


def sigmoid_tables(config) -> tuple[np.ndarray, np.ndarray]:
    """The sigmoid and sigmoid-derivative lookup tables as working-word codes (two int32 arrays of
    ``config.lut_size`` entries; entry ``k`` covers ``[-d + k h, -d + (k+1) h)``, ``d = lut_domain``,
    ``h = 2d / lut_size``).

    - Tables given in the config (``sigmoid_lut``, ``sigmoid_prime_lut``): those.
    - ``arithmetic="hwsim"``: ``quantize`` of sigmoid and its derivative at the entry centres
      ``-d + (k + 1/2) h``.
    - ``arithmetic="rtl"`` (the RTL's table generator): at the entry starts ``c_k = -d + k h``,
      ``min(round(sigmoid(c_k) 2**f), 2**f - 1)`` (a ``frac_bits``-bit unsigned field) and
      ``min(round(sigmoid'(c_k) 2**f), 2**(f-2) - 1)`` (``frac_bits - 2`` bits: the derivative is below 1/4,
      so it saturates at ``31/128`` for the 10-bit build), ``f = frac_bits``, round to nearest.

    Examples
    --------
    >>> from hwsim import HardwareConfig
    >>> sig, dsig = sigmoid_tables(HardwareConfig())
    >>> int(sig[512]), int(dsig[512]), int(sig[0]), int(sig[-1])
    (64, 32, 0, 128)
    >>> sig, dsig = sigmoid_tables(HardwareConfig.reconfig2018())
    >>> int(sig[512]), int(dsig[512]), int(sig[0]), int(sig[-1])
    (64, 31, 2, 126)
    """
    if config.sigmoid_lut is not None:
        return (np.array(config.sigmoid_lut, dtype=np.int32), np.array(config.sigmoid_prime_lut, dtype=np.int32))
    n = config.lut_size
    h = 2.0 * config.lut_domain / n
    if config.arithmetic == "rtl":
        starts = -config.lut_domain + np.arange(n, dtype=np.float64) * h
        sig = 1.0 / (1.0 + np.exp(-starts))
        f = config.frac_bits
        top, dtop = (1 << f) - 1, max((1 << max(f - 2, 0)) - 1, 0)
        return (np.minimum(quantize(sig, config), top).astype(np.int32),
                np.minimum(quantize(sig * (1.0 - sig), config), dtop).astype(np.int32))
    centres = -config.lut_domain + (np.arange(n, dtype=np.float64) + 0.5) * h
    sig = 1.0 / (1.0 + np.exp(-centres))
    return quantize(sig, config), quantize(sig * (1.0 - sig), config)


def rtl_input_codes(x: np.ndarray, config) -> np.ndarray:
    """Inputs as the RTL feeds them to its multipliers: working-word codes with ``frac_bits`` fraction bits.

    The ``input_width``-bit codes of :func:`quantize_inputs` keep their top ``frac_bits`` bits when
    ``input_width > frac_bits`` (``q >> (input_width - frac_bits)``: the RTL's ``act_in[7:1]`` for 8-bit
    pixels and 7 fraction bits) and are padded with zeros below otherwise.

    Examples
    --------
    >>> from hwsim import HardwareConfig
    >>> rtl_input_codes(np.array([[0, 1, 128, 255]], dtype=np.uint8), HardwareConfig.reconfig2018()).tolist()
    [[0, 0, 64, 127]]
    """
    q = quantize_inputs(x, config)
    cut = config.input_width - config.frac_bits
    return (q >> cut if cut >= 0 else q << -cut).astype(np.int32)
