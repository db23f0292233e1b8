"""The hardware configuration of the edge-processing accelerator (docs/hardware.md §4-§7).

One small frozen dataclass, :class:`HardwareConfig`, shared by the cycle-level engine (:mod:`hwsim.engine`) and
the functional mode (:mod:`hwsim.functional`).  Every field is validated in ``__post_init__`` with the
:mod:`adjmat.validation` helpers, so a bad value fails at construction with a message that names it.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from adjmat.errors import SpecError
from adjmat.validation import check_choice, check_float, check_int

__all__ = ["HardwareConfig", "TIMINGS", "RMW_POLICIES", "ACTIVATIONS", "ARITHMETICS", "MAX_WIDTH", "MAX_INPUT_WIDTH"]

TIMINGS = ("ideal", "rtl")
RMW_POLICIES = ("count", "forward", "stall")
ACTIVATIONS = ("sigmoid", "relu")
#: Fixed-point rule sets (docs/hardware.md §6): ``"hwsim"`` rounds each update once and samples the tables at
#: entry centres; ``"rtl"`` follows the authors' SystemVerilog bit for bit.
ARITHMETICS = ("hwsim", "rtl")

#: Widest working word the fixed-point kernels hold exactly: codes live in int32, and the product of two codes
#: (|a * w| <= 2**31 * 2**31 = 2**62) plus a rounding half-LSB fits int64; the adder tree sums at most fi
#: saturated products (fi * 2**31 < 2**62 for every fi < 2**31).
MAX_WIDTH = 32
#: Widest unsigned input fraction: codes 0 .. 2**input_width - 1 must fit int32.
MAX_INPUT_WIDTH = 31


def _check_width(where: str, name: str, value: Any, minimum: int, maximum: int, why: str) -> int:
    value = check_int(where, name, value, minimum=minimum)
    if value > maximum:
        raise SpecError(f"{where}: {name} must be at most {maximum} bits ({why}); received {name}={value!r}. "
                        f"Try {name}={maximum}.")
    return value


def _check_lut(where: str, name: str, value: Any, lut_size: int, width: int) -> tuple | None:
    """None, or ``lut_size`` integer codes of the working word, returned as a tuple of Python ints."""
    if value is None:
        return None
    expected = f"None or a 1-D sequence of lut_size={lut_size} integer codes of the {width}-bit working word"
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__"):
        raise SpecError(f"{where}: {name} must be {expected}; received {name}={type(value).__name__}.")
    arr = np.asarray(value)
    if arr.ndim != 1 or arr.shape[0] != lut_size:
        raise SpecError(f"{where}: {name} must be {expected}; received {name}=<array of shape {arr.shape}>.")
    if arr.dtype == np.bool_ or not np.issubdtype(arr.dtype, np.integer):
        raise SpecError(f"{where}: {name} must be {expected} (value = code * 2**-frac_bits); received "
                        f"{name}=<array of dtype {arr.dtype}>. Convert real values with "
                        f"hwsim.fixedpoint.quantize.")
    lo, hi = -(1 << (width - 1)), (1 << (width - 1)) - 1
    bad = np.flatnonzero((arr < lo) | (arr > hi))
    if bad.size:
        k = int(bad[0])
        raise SpecError(f"{where}: {name} must be {expected}, in [{lo}, {hi}]; received {name}=<table whose "
                        f"entry {k} is {int(arr[k])}> ({bad.size} entries outside).")
    return tuple(int(v) for v in arr)


@dataclass(frozen=True)
class HardwareConfig:
    """Clock, timing, memory-port and number-format settings of one accelerator build.

    The defaults are the FPGA MNIST build's formats (docs/hardware.md §6, §8) under hwsim's own arithmetic:
    15 MHz, 10-bit words with 1 sign, 2 integer and 7 fraction bits, 8-bit unsigned inputs, sigmoid from
    1024-entry tables over [-8, 8), eta = 1/8, single-port banks.  :meth:`reconfig2018` is the published build
    exactly as its RTL computes.

    Parameters
    ----------
    f_clk : float
        Network clock in Hz (> 0).
    timing : {"ideal", "rtl"}
        ``"ideal"``: a junction cycle is exactly its clocks (overhead 0).  ``"rtl"``: the authors' RTL adds
        ``2 + proctime`` fill/drain clocks per junction cycle.
    proctime : int
        Pipeline stages of the arithmetic (0 unpipelined, 2 as shipped).  A delta read-modify-write's
        write-back lands ``2 + proctime`` clocks after its read: a read of the same word issued ``1 + proctime``
        clocks later meets the write in the same clock and the read-first memory returns the old word.
    ports : {1, 2}
        Ports per memory bank.  A clock whose most loaded bank has k accesses costs k clocks (1 port) or
        ``ceil(k / 2)`` clocks (2 ports).
    rmw : {"count", "forward", "stall"}
        Policy for delta-memory read-modify-write hazards: only count them, forward the pending value (no
        stale read, no extra clocks) or stall until the write has landed (no stale read, extra clocks).
    width, int_bits, frac_bits : int
        Working word: ``width = 1 + int_bits + frac_bits`` (sign, integer, fraction bits); 2 <= width <= 32
        (:data:`MAX_WIDTH`: the fixed-point kernels hold every code in int32 and every product exactly in
        int64, so nothing wraps).
    input_width : int
        Bits of the unsigned input fractions (input-layer activation memory width); 1 <= input_width <= 31
        (:data:`MAX_INPUT_WIDTH`).
    activation : {"sigmoid", "relu"}
        Hidden and output activation.
    lut_size : int
        Entries of the sigmoid and sigmoid-derivative lookup tables (a power of two >= 2).
    lut_domain : float
        The tables cover ``[-lut_domain, lut_domain)``.
    eta_shift : int
        Learning rate ``eta = 2**-eta_shift`` (an arithmetic shift in hardware).
    memory_overhead : float
        Multiplier on memory bits (1.1 in the authors' resource script); must be >= 1.
    arithmetic : {"hwsim", "rtl"}
        Fixed-point rules (``numerics="fixed"``, docs/hardware.md §6).  ``"hwsim"``: one rounding per weight
        update, tables sampled at entry centres, inputs at full ``input_width`` precision, prediction = argmax
        of the output pre-activations.  ``"rtl"``: the authors' RTL bit for bit (inputs cut to ``frac_bits``,
        tables sampled at entry starts with a ``frac_bits - 2``-bit derivative, BP as
        ``mult(mult(delta, a'), w)``, UP as ``db = round(-delta * eta)``, ``w += mult(db, a)``, the RTL's
        prediction rule).  :func:`hwsim.train` and :func:`hwsim.infer` with ``"rtl"`` run in fixed point.
    sigmoid_lut, sigmoid_prime_lut : sequence of int, optional
        Sigmoid and derivative tables as working-word codes, ``lut_size`` entries each, entry 0 covering
        ``-lut_domain`` (stored as tuples of int).  None: built from the ``arithmetic``'s rule
        (:func:`hwsim.fixedpoint.sigmoid_tables`).  Give both or neither.

    Attributes
    ----------
    overhead : int
        Extra clocks per junction cycle: 0 (ideal) or ``2 + proctime`` (rtl).
    eta : float
        ``2**-eta_shift``.

    Raises
    ------
    adjmat.SpecError
        Naming the field, the expected values and the value received.

    Examples
    --------
    >>> from hwsim import HardwareConfig
    >>> cfg = HardwareConfig(timing="rtl")
    >>> cfg.overhead, cfg.eta, cfg.width
    (4, 0.125, 10)
    >>> HardwareConfig(width=12, int_bits=3, frac_bits=8).frac_bits
    8
    >>> HardwareConfig.reconfig2018().arithmetic
    'rtl'
    """

    f_clk: float = 15e6
    timing: str = "ideal"
    proctime: int = 2
    ports: int = 1
    rmw: str = "count"
    width: int = 10
    int_bits: int = 2
    frac_bits: int = 7
    input_width: int = 8
    activation: str = "sigmoid"
    lut_size: int = 1024
    lut_domain: float = 8.0
    eta_shift: int = 3
    memory_overhead: float = 1.1
    arithmetic: str = "hwsim"
    sigmoid_lut: tuple | None = None
    sigmoid_prime_lut: tuple | None = None

    @classmethod
    def reconfig2018(cls, **overrides: Any) -> "HardwareConfig":
        """The published FPGA build (Dey et al., ReConFig 2018; RTL ``souryadey/mlp-ondevice-training``).

        10-bit words (1 sign, 2 integer, 7 fraction bits), 8-bit pixel inputs, sigmoid in every junction from
        1024-entry tables over [-4, 4) (one entry per 10-bit code), eta = 1/8, ``proctime=2``,
        ``timing="rtl"``, ``rmw="count"`` (no forwarding) and ``arithmetic="rtl"``; its network is
        ``adjmat.NetSpec((1024, 64, 32), fo=(4, 16), z=(128, 32))`` with the ``"rtl"`` pattern kind.

        Parameters
        ----------
        **overrides
            Fields to change (any :class:`HardwareConfig` field), validated as usual.

        Examples
        --------
        >>> cfg = HardwareConfig.reconfig2018()
        >>> cfg.width, cfg.lut_domain, cfg.timing, cfg.rmw, cfg.arithmetic
        (10, 4.0, 'rtl', 'count', 'rtl')
        >>> HardwareConfig.reconfig2018(rmw="forward").rmw
        'forward'
        """
        fields = dict(f_clk=15e6, timing="rtl", proctime=2, ports=1, rmw="count", width=10, int_bits=2,
                      frac_bits=7, input_width=8, activation="sigmoid", lut_size=1024, lut_domain=4.0,
                      eta_shift=3, arithmetic="rtl")
        unknown = sorted(set(overrides) - set(cls.__dataclass_fields__))
        if unknown:
            raise SpecError(f"HardwareConfig.reconfig2018: {unknown[0]!r} is not a HardwareConfig field; "
                            f"valid overrides: {', '.join(cls.__dataclass_fields__)}.")
        fields.update(overrides)
        return cls(**fields)

    def __post_init__(self):
        where = "HardwareConfig"
        f_clk = check_float(where, "f_clk", self.f_clk, low=0.0, high=math.inf, low_open=True,
                            high_open=True)
        check_choice(where, "timing", self.timing, TIMINGS)
        proctime = check_int(where, "proctime", self.proctime, minimum=0, maximum=64)
        ports = check_choice(where, "ports", check_int(where, "ports", self.ports, minimum=1), (1, 2))
        check_choice(where, "rmw", self.rmw, RMW_POLICIES)
        width = _check_width(where, "width", self.width, 2, MAX_WIDTH,
                             "the fixed-point kernels hold codes in int32 and multiply two codes exactly in int64")
        int_bits = check_int(where, "int_bits", self.int_bits, minimum=0, maximum=MAX_WIDTH - 1)
        frac_bits = check_int(where, "frac_bits", self.frac_bits, minimum=0, maximum=MAX_WIDTH - 1)
        if width != 1 + int_bits + frac_bits:
            raise SpecError(f"{where}: width must equal 1 + int_bits + frac_bits = 1 + {int_bits} + {frac_bits} "
                            f"= {1 + int_bits + frac_bits}; received width={width!r}. Try "
                            f"width={1 + int_bits + frac_bits} or frac_bits={width - 1 - int_bits}"
                            + (" (1 sign bit + integer bits + fraction bits)." if width - 1 - int_bits >= 0
                               else "."))
        input_width = _check_width(where, "input_width", self.input_width, 1, MAX_INPUT_WIDTH,
                                   "unsigned input codes are held in int32")
        check_choice(where, "activation", self.activation, ACTIVATIONS)
        lut_size = check_int(where, "lut_size", self.lut_size, minimum=2, maximum=1 << 24)
        if lut_size & (lut_size - 1):
            lo = 1 << (lut_size.bit_length() - 1)
            raise SpecError(f"{where}: lut_size must be a power of two (the table is addressed by the top bits "
                            f"of the pre-activation); received lut_size={lut_size!r}. Try lut_size={lo} or "
                            f"lut_size={2 * lo}.")
        lut_domain = check_float(where, "lut_domain", self.lut_domain, low=0.0, high=math.inf,
                                 low_open=True, high_open=True)
        eta_shift = check_int(where, "eta_shift", self.eta_shift, minimum=0, maximum=62)
        memory_overhead = check_float(where, "memory_overhead", self.memory_overhead, low=1.0,
                                      high=math.inf, high_open=True)
        check_choice(where, "arithmetic", self.arithmetic, ARITHMETICS)
        luts = [_check_lut(where, name, getattr(self, name), lut_size, width)
                for name in ("sigmoid_lut", "sigmoid_prime_lut")]
        if (luts[0] is None) != (luts[1] is None):
            given, missing = ("sigmoid_lut", "sigmoid_prime_lut") if luts[1] is None else \
                ("sigmoid_prime_lut", "sigmoid_lut")
            raise SpecError(f"{where}: {given} must come with {missing} (the two tables are one unit); "
                            f"received {given}=<table of {lut_size} entries> and {missing}=None. Give both "
                            f"tables or neither.")
        object.__setattr__(self, "sigmoid_lut", luts[0])
        object.__setattr__(self, "sigmoid_prime_lut", luts[1])
        # store normalised Python scalars (numpy ints in, plain ints out)
        for name, value in (("f_clk", f_clk), ("proctime", proctime), ("ports", int(ports)), ("width", width),
                            ("int_bits", int_bits), ("frac_bits", frac_bits), ("input_width", input_width),
                            ("lut_size", lut_size), ("lut_domain", lut_domain), ("eta_shift", eta_shift),
                            ("memory_overhead", memory_overhead)):
            object.__setattr__(self, name, value)

    @property
    def overhead(self) -> int:
        """Extra clocks per junction cycle: 0 for ``"ideal"``, ``2 + proctime`` for ``"rtl"``."""
        return 0 if self.timing == "ideal" else 2 + self.proctime

    @property
    def eta(self) -> float:
        """The learning rate ``2**-eta_shift``."""
        return 2.0 ** -self.eta_shift

    def to_dict(self) -> dict[str, Any]:
        """All fields as a plain dict (JSON-serialisable); ``HardwareConfig(**cfg.to_dict()) == cfg``.

        Examples
        --------
        >>> HardwareConfig().to_dict()["f_clk"]
        15000000.0
        """
        return asdict(self)
