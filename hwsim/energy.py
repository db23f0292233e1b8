"""Energy per input of the edge-processing accelerator from the simulator's counts (docs/design.md §3).

Energy per training input = memory accesses x energy per access + multiplies and adds x energy per operation.
The access counts are :attr:`hwsim.Report.traffic_per_input` (one steady-state junction cycle, i.e. one input,
per memory and junction); the operations are the resource model's units (docs/hardware.md §7) times the clocks
they are busy.  The per-operation figures are an :class:`EnergyTable`: by default the published 45 nm numbers
of Horowitz (ISSCC 2014), changed by a mapping of some of its keys (``predefsparse design --energy FILE.toml``
reads such a mapping from a file).

Examples
--------
>>> import adjmat, hwsim
>>> net = adjmat.NetSpec((64, 16, 4), fo=(2, 2), z=(32, 8))
>>> rep = hwsim.simulate(net, adjmat.generate_network(net, "clash_free", seed=0), inputs=10)
>>> e = energy_per_input(rep)
>>> e["multiplies"], e["adds"], round(e["total_pj"], 1)
(404, 372, 1465.2)
"""
from __future__ import annotations

import dataclasses
import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from adjmat.errors import SpecError
from adjmat.validation import fail

from .report import MEMORY_OF_KIND, Report

__all__ = ["EnergyTable", "energy_table", "energy_per_input", "NUMERICS", "KEYS"]

#: How words and arithmetic are costed: the build's fixed-point widths, or 32-bit floats throughout.
NUMERICS = ("fixed", "float32")
_MAX_PJ = 1e6                   # 1 microjoule per operation: far above any real figure
_PLAUSIBLE_PJ = (1e-4, 1e4)     # outside this a figure is almost surely in the wrong unit (unit_warnings)


@dataclass(frozen=True)
class EnergyTable:
    """Energy per operation in picojoules, with its source.

    Parameters
    ----------
    source : str
        Where the figures come from (shown in the report).
    sram_read_pj, sram_write_pj : float
        One access of one SRAM word of ``sram_word_bits`` bits (default: 5 pJ for 32 bits from an 8 KB array;
        writes assumed equal to reads).
    sram_word_bits : int
        Bits of the word the two figures above are for; an access of ``b`` bits costs ``b / sram_word_bits``
        times as much.
    int8_mul_pj, int8_add_pj : float
        8-bit integer multiply and add (0.2 and 0.03 pJ).
    fp32_mul_pj, fp32_add_pj : float
        32-bit float multiply and add (3.7 and 0.9 pJ).
    numerics : {"fixed", "float32"}
        ``"fixed"``: words of the build's widths (``HardwareConfig.width``, inputs ``input_width``), a multiply
        ``int8_mul_pj * (width/8)**2`` (array multipliers grow with the square of the width), an add
        ``int8_add_pj * width/8``.  ``"float32"``: 32-bit words and the fp32 figures.

    Raises
    ------
    adjmat.SpecError
        A field out of range, naming it.

    Examples
    --------
    >>> t = EnergyTable.default()
    >>> t.sram_read_pj, t.int8_mul_pj, t.numerics
    (5.0, 0.2, 'fixed')
    >>> round(t.mul_pj(10), 4), round(t.access_pj(10, write=False), 4)
    (0.3125, 1.5625)
    """

    source: str = "M. Horowitz, Computing's energy problem (and what we can do about it), ISSCC 2014; 45 nm, 0.9 V"
    sram_read_pj: float = 5.0
    sram_write_pj: float = 5.0
    sram_word_bits: int = 32
    int8_mul_pj: float = 0.2
    int8_add_pj: float = 0.03
    fp32_mul_pj: float = 3.7
    fp32_add_pj: float = 0.9
    numerics: str = "fixed"

    def __post_init__(self):
        where = "EnergyTable"
        if not isinstance(self.source, str) or not self.source.strip():
            raise fail(where, "source", "a non-empty string naming where the figures come from", self.source)
        for f in dataclasses.fields(self):
            if f.name.endswith("_pj"):
                value = getattr(self, f.name)
                if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
                        or not 0 < value <= _MAX_PJ:
                    raise fail(where, f.name, f"a number of picojoules in (0, {_MAX_PJ:g}]", value,
                               "Figures are per operation in pJ (e.g. 5.0 for a 32-bit SRAM read).")
                object.__setattr__(self, f.name, float(value))
        bits = self.sram_word_bits
        if isinstance(bits, bool) or not isinstance(bits, int) or not 1 <= bits <= 1024:
            raise fail(where, "sram_word_bits", "an int in [1, 1024] (bits per SRAM word)", bits)
        if self.numerics not in NUMERICS:
            raise fail(where, "numerics", f"one of {', '.join(map(repr, NUMERICS))}", self.numerics)

    @classmethod
    def default(cls) -> "EnergyTable":
        """The published 45 nm table (the field defaults; ``predefsparse/data/energy_45nm.toml`` is its TOML).

        Examples
        --------
        >>> EnergyTable.default().fp32_mul_pj
        3.7
        """
        return cls()

    def unit_warnings(self) -> list[str]:
        """Figures many orders of magnitude off the documented unit (picojoules per operation), one line each.

        The published figures are 0.03 to 5 pJ; a value under 1e-4 pJ or over 1e4 pJ is more likely a slip of
        units (joules, nanojoules) than a real technology, so the result it gives is not meaningful.

        Examples
        --------
        >>> EnergyTable(sram_read_pj=5e-12).unit_warnings()[0][:40]
        'energy table: sram_read_pj = 5e-12 pJ is'
        >>> EnergyTable().unit_warnings()
        []
        """
        out = []
        for name in PJ_KEYS:
            value = getattr(self, name)
            if not _PLAUSIBLE_PJ[0] <= value <= _PLAUSIBLE_PJ[1]:
                out.append(f"energy table: {name} = {value:g} pJ is far outside {_PLAUSIBLE_PJ[0]:g} to "
                           f"{_PLAUSIBLE_PJ[1]:g} pJ per operation (published 45 nm figures: 0.03 to 5 pJ); the "
                           f"figures must be in picojoules, so the energies computed from it are not meaningful.")
        return out

    def access_pj(self, bits: int, *, write: bool) -> float:
        """Energy of one memory access of a ``bits``-bit word (32 bits whatever ``bits`` under float32).

        Examples
        --------
        >>> EnergyTable().access_pj(32, write=True)
        5.0
        """
        bits = 32 if self.numerics == "float32" else bits
        return (self.sram_write_pj if write else self.sram_read_pj) * bits / self.sram_word_bits

    def mul_pj(self, width: int) -> float:
        """Energy of one multiply of ``width``-bit operands.

        Examples
        --------
        >>> EnergyTable().mul_pj(8), EnergyTable(numerics="float32").mul_pj(10)
        (0.2, 3.7)
        """
        return self.fp32_mul_pj if self.numerics == "float32" else self.int8_mul_pj * (width / 8) ** 2

    def add_pj(self, width: int) -> float:
        """Energy of one add of ``width``-bit operands.

        Examples
        --------
        >>> EnergyTable().add_pj(8)
        0.03
        """
        return self.fp32_add_pj if self.numerics == "float32" else self.int8_add_pj * width / 8

    def to_dict(self) -> dict[str, Any]:
        """All fields as a JSON-safe dict; ``EnergyTable(**t.to_dict()) == t``.

        Examples
        --------
        >>> EnergyTable().to_dict()["sram_word_bits"]
        32
        """
        return dataclasses.asdict(self)


#: The keys of an energy table (the fields of :class:`EnergyTable`).
KEYS = tuple(f.name for f in dataclasses.fields(EnergyTable))
PJ_KEYS = tuple(k for k in KEYS if k.endswith("_pj"))


def energy_table(energy: Any = None) -> EnergyTable:
    """An :class:`EnergyTable` from None (the published 45 nm table), a table, or a mapping of some of its keys.

    A mapping may give any subset of :data:`KEYS` (the others keep the published values); unknown keys, values
    of the wrong type or out of range are refused before anything is computed.

    Parameters
    ----------
    energy : None, EnergyTable or mapping

    Returns
    -------
    EnergyTable

    Raises
    ------
    adjmat.SpecError
        With ``param="energy"``: an unknown key (with the nearest known one) or a bad value (naming the key).

    Examples
    --------
    >>> t = energy_table({"sram_read_pj": 2.5, "numerics": "float32"})
    >>> t.sram_read_pj, t.sram_write_pj, t.numerics
    (2.5, 5.0, 'float32')
    >>> energy_table() == EnergyTable()
    True
    """
    where = "energy_table"
    if energy is None:
        return EnergyTable()
    if isinstance(energy, EnergyTable):
        return energy
    if not isinstance(energy, Mapping):
        raise fail(where, "energy", "None, an EnergyTable or a mapping of its keys", type(energy).__name__)
    unknown = sorted(str(k) for k in set(energy) - set(KEYS))
    if unknown:
        hints = []
        for key in unknown:
            near = difflib.get_close_matches(key, KEYS, n=1)
            hints.append(f"{key!r}" + (f" (did you mean {near[0]!r}?)" if near else ""))
        raise fail(where, "energy", "a table of the keys " + ", ".join(KEYS), dict(energy),
                   f"Unknown key(s): {', '.join(hints)}.")
    try:
        return EnergyTable(**{**EnergyTable().to_dict(), **energy})
    except SpecError as err:
        if not err.structured:
            raise
        raise fail(where, "energy", f"a table whose {err.param} is {err.expected} (received {err.param}="
                   f"{err.value!r})", dict(energy), err.hint) from None


def _word_bits(kind: str, junction: int, config: dict) -> int:
    """Bits of one access of traffic counter ``kind`` in ``junction`` (0-based): input-layer activations are
    ``input_width`` bits, every other word ``width``."""
    if kind == "am_load" or (kind in ("am_read_ff", "am_read_up") and junction == 0):
        return int(config["input_width"])
    return int(config["width"])


def energy_per_input(report: Any, table: Any = None) -> dict[str, Any]:
    """Energy per input of a simulated design: memory traffic and arithmetic times an energy table.

    Per input (one steady-state junction cycle) and junction i with W_i edges and n_i right neurons:

    - memory: every access in :attr:`hwsim.Report.traffic_per_input`, a read or a write of a word of
      ``input_width`` bits (input-layer activations) or ``width`` bits (everything else);
    - training: multiplies FF W_i + BP 2 W_i (junctions 2..L) + UP W_i + n_i, adds FF W_i + BP W_i + UP W_i + n_i
      (the resource model's units of docs/hardware.md §7 times the clocks they are busy); inference FF only.

    Parameters
    ----------
    report : hwsim.Report
        A run with a steady state (``traffic_per_input`` not None).
    table : None, EnergyTable or mapping
        Per-operation energies (default: the published 45 nm table; see :func:`energy_table`).

    Returns
    -------
    dict
        ``total_pj``, ``memory_pj``, ``arithmetic_pj``, ``per_memory_pj`` (AM, ADM, DM, WM, BM),
        ``accesses`` (reads and writes per memory), ``multiplies``, ``adds``, ``mul_pj``, ``add_pj`` (per
        operation), ``numerics``, ``width``, ``source``.

    Raises
    ------
    adjmat.SpecError
        ``report`` is not an hwsim.Report or has no steady state.

    Examples
    --------
    >>> import adjmat, hwsim
    >>> net = adjmat.NetSpec((64, 16, 4), fo=(2, 2), z=(32, 8))
    >>> rep = hwsim.simulate(net, adjmat.generate_network(net, "rtl"), inputs=10)
    >>> sorted(energy_per_input(rep)["per_memory_pj"])
    ['ADM', 'AM', 'BM', 'DM', 'WM']
    """
    where = "energy_per_input"
    if not isinstance(report, Report):
        raise fail(where, "report", "an hwsim.Report (from hwsim.simulate)", type(report).__name__)
    table = energy_table(table)
    if report.traffic_per_input is None:
        raise SpecError(f"{where}: report must have a steady state (every unit busy in some junction cycle); "
                        f"received a run of inputs={report.inputs}. Simulate at least {2 * report.L + 1} inputs.")
    cfg = report.config
    width = 32 if table.numerics == "float32" else int(cfg["width"])
    per_memory = {mem: 0.0 for mem in ("AM", "ADM", "DM", "WM", "BM")}
    accesses = {mem: {"reads": 0, "writes": 0} for mem in per_memory}
    for kind, counts in report.traffic_per_input.items():
        mem, op = MEMORY_OF_KIND[kind]
        for i, count in enumerate(counts):
            per_memory[mem] += count * table.access_pj(_word_bits(kind, i, cfg), write=op == "writes")
            accesses[mem][op] += int(count)
    W, fi = report.netspec["W"], report.netspec["fi"]
    multiplies = adds = 0
    for i, (w, f) in enumerate(zip(W, fi)):
        n = w // f
        multiplies += w
        adds += w
        if report.mode == "train":
            multiplies += (2 * w if i > 0 else 0) + w + n
            adds += (w if i > 0 else 0) + w + n
    mul_pj, add_pj = table.mul_pj(width), table.add_pj(width)
    memory_pj = sum(per_memory.values())
    arithmetic_pj = multiplies * mul_pj + adds * add_pj
    return {"total_pj": memory_pj + arithmetic_pj, "memory_pj": memory_pj, "arithmetic_pj": arithmetic_pj,
            "per_memory_pj": per_memory, "accesses": accesses, "multiplies": int(multiplies), "adds": int(adds),
            "mul_pj": mul_pj, "add_pj": add_pj, "numerics": table.numerics, "width": width,
            "source": table.source}
