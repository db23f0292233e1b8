"""The resource model of docs/hardware.md §7: multipliers, adders, lookup tables, memory bits and I/O.

Plain functions of a :class:`adjmat.NetSpec` and a :class:`hwsim.HardwareConfig`; nothing is simulated.
Where ``fi`` does not divide ``z`` (not hardware-faithful) the per-clock neuron count ``z/fi`` is rounded up.
"""
from __future__ import annotations

from typing import Any

from adjmat import NetSpec

from ._checks import check_hardware, check_netspec
from .config import HardwareConfig

__all__ = ["resources", "memory_bits", "DSP_PER_MULTIPLIER"]

DSP_PER_MULTIPLIER = 4  # docs/hardware.md §7: one DSP-based estimate counts 4 DSP slices per multiplier


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def _check(where: str, netspec: Any, hardware: Any) -> HardwareConfig:
    check_netspec(where, netspec)
    return check_hardware(where, hardware)


def memory_bits(netspec: NetSpec, hardware: HardwareConfig | None = None) -> dict[str, float]:
    """Memory bits of the training build (docs/hardware.md §7), before and after ``config.memory_overhead``.

    - WBM = width * (z + z/fi) * C per junction (z weights and z/fi biases per address, C addresses);
    - AM = sum over layers i < L of (2(L-i)+1) * N_i * width_i, with ``input_width`` for layer 0;
    - ADM = sum over hidden layers of (2(L-i)+1) * N_i * width;
    - DM = sum over layers 1..L of 2 * N_i * width (ping-pong).

    Examples
    --------
    >>> import adjmat, hwsim
    >>> bits = memory_bits(adjmat.NetSpec((1024, 64, 32), (4, 16), (128, 32)), hwsim.HardwareConfig())
    >>> bits["wbm"], bits["am"], bits["adm"], bits["dm"], bits["total"]
    (52160, 42880, 1920, 1920, 98880)
    """
    config = _check("memory_bits", netspec, hardware)
    L, N, w = netspec.L, netspec.config, config.width
    wbm = sum(w * (js.z + _ceil_div(js.z, js.fi)) * js.C for js in netspec.junctions)
    am = sum((2 * (L - i) + 1) * N[i] * (config.input_width if i == 0 else w) for i in range(L))
    adm = sum((2 * (L - i) + 1) * N[i] * w for i in range(1, L))
    dm = sum(2 * N[i] * w for i in range(1, L + 1))
    total = wbm + am + adm + dm
    return {"wbm": wbm, "am": am, "adm": adm, "dm": dm, "total": total,
            "total_with_overhead": total * config.memory_overhead}


def resources(netspec: NetSpec, hardware: HardwareConfig | None = None) -> dict[str, Any]:
    """Arithmetic units, lookup tables, memory bits and I/O of the design (docs/hardware.md §7).

    Per junction i (z, fi, C of that junction):

    - multipliers: FF z; BP 2z (junctions 2..L only); UP z + z/fi;
    - adders: FF z/fi trees of fi inputs (fi - 1 adders) plus one bias adder each, i.e. z; UP z + z/fi;
      BP z (junctions 2..L); comparators z (the §7 line taken literally); the output cost ``a - y`` needs
      z_L/fi_L subtractors once;
    - lookup tables: z/fi activation tables and as many derivative tables.

    Network totals sum the junctions.  ``dsp_estimate`` counts 4 DSP slices per multiplier.

    Parameters
    ----------
    netspec : adjmat.NetSpec
        Must have z.
    hardware : HardwareConfig, optional
        Word widths and the memory overhead factor (default ``HardwareConfig()``).

    Returns
    -------
    dict
        ``widths``, ``junctions`` (list of per-junction dicts), ``multipliers``, ``dsp_estimate``,
        ``adders``, ``comparators``, ``cost_subtractors``, ``lookup_tables``, ``memory_bits``
        (:func:`memory_bits`) and ``io`` (``inputs_per_clock`` z_1/fo_1, ``outputs_per_clock`` z_L/fi_L).

    Examples
    --------
    >>> import adjmat, hwsim
    >>> r = resources(adjmat.NetSpec((1024, 64, 32), (4, 16), (128, 32)), hwsim.HardwareConfig())
    >>> r["multipliers"], [j["multipliers"] for j in r["junctions"]], r["lookup_tables"]
    (387, [258, 129], 6)
    >>> r["memory_bits"]["total_with_overhead"]
    108768.00000000001
    """
    config = _check("resources", netspec, hardware)
    junctions = []
    for i, js in enumerate(netspec.junctions):
        z, fi = js.z, js.fi
        per_clock = _ceil_div(z, fi)                       # right neurons finishing per clock
        tree_inputs = min(fi, z)
        mult = {"ff": z, "bp": 2 * z if i > 0 else 0, "up": z + per_clock}
        add = {"ff": per_clock * (tree_inputs - 1 + 1), "bp": z if i > 0 else 0, "up": z + per_clock}
        junctions.append({
            "z": z, "fi": fi, "C": js.C,
            "multipliers_ff": mult["ff"], "multipliers_bp": mult["bp"], "multipliers_up": mult["up"],
            "multipliers": sum(mult.values()),
            "adders_ff": add["ff"], "adders_bp": add["bp"], "adders_up": add["up"], "adders": sum(add.values()),
            "comparators": z,
            "activation_tables": per_clock, "derivative_tables": per_clock, "lookup_tables": 2 * per_clock,
            "wbm_bits": config.width * (z + per_clock) * js.C,
        })
    last = netspec.junctions[-1]
    cost = _ceil_div(last.z, last.fi)
    multipliers = sum(j["multipliers"] for j in junctions)
    return {
        "widths": {"working": config.width, "int_bits": config.int_bits, "frac_bits": config.frac_bits,
                   "input": config.input_width},
        "junctions": junctions,
        "multipliers": multipliers,
        "dsp_estimate": DSP_PER_MULTIPLIER * multipliers,
        "adders": sum(j["adders"] for j in junctions) + cost,
        "comparators": sum(j["comparators"] for j in junctions),
        "cost_subtractors": cost,
        "lookup_tables": sum(j["lookup_tables"] for j in junctions),
        "memory_bits": memory_bits(netspec, config),
        "io": {"inputs_per_clock": _ceil_div(netspec.z[0], netspec.fo[0]), "outputs_per_clock": cost},
    }
