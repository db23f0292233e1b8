"""hwsim: a cycle-level and functional simulator of the edge-processing accelerator for pre-defined sparse
networks (docs/hardware.md).

- :class:`HardwareConfig`: clock, timing mode, PROCTIME, bank ports, RMW policy, number formats, fixed-point
  rules (``arithmetic``); :meth:`HardwareConfig.reconfig2018` is the published FPGA build, bit-exact.
- :func:`simulate` -> :class:`Report`: the Numba cycle-level engine (clocks, latency, throughput,
  utilisation, stalls, clashes, RMW hazards, memory traffic, resources, weight staleness).
- :func:`resources`, :func:`memory_bits`: the resource model (docs/hardware.md §7).
- :func:`export_rtl`, :func:`load_rtl`: per-junction address ROMs for the RTL, and back.
- :func:`sweep_z` -> :class:`SweepTable`: one simulation per hardware-faithful parallelism z.
- :func:`plan` -> :class:`Plan` (:mod:`hwsim.planning`): z per junction from one budget (z1, cycle, multipliers or
  throughput); :func:`energy_per_input` with an :class:`EnergyTable` (:mod:`hwsim.energy`): energy per input.
- :func:`train`, :func:`infer` (:mod:`hwsim.functional`): the real FF/BP/UP arithmetic through the same
  pipeline schedule, in float or fixed point (:mod:`hwsim.fixedpoint`); a float run that diverges raises
  :class:`DivergenceError` (the same class as ``adjmat.DivergenceError``).

Depends on numpy, numba and :mod:`adjmat` only -- never TensorFlow.

Examples
--------
>>> import adjmat, hwsim
>>> hwsim.HardwareConfig(timing="rtl").overhead
4
>>> net = adjmat.NetSpec((1024, 64, 32), fo=(4, 16), z=(128, 32))
>>> rep = hwsim.simulate(net, adjmat.generate_network(net, "clash_free", seed=0), inputs=1000)
>>> rep.cpc, rep.total_clocks
(32, 32128)
"""
from adjmat.errors import DivergenceError

from .config import ACTIVATIONS, ARITHMETICS, RMW_POLICIES, TIMINGS, HardwareConfig
from .report import Report
from .resources import memory_bits, resources
from .engine import simulate, schedule_flags
from .export import export_rtl, load_rtl
from .sweep import SweepRow, SweepTable, sweep_z
from .planning import Plan, plan
from .energy import EnergyTable, energy_per_input
from .functional import (ETA_SCHEDULE_FPGA, NUMERICS, FunctionalResult, InferenceResult, infer, initial_weights,
                         train, weights_from_dense, weights_to_dense)

__all__ = ["HardwareConfig", "TIMINGS", "RMW_POLICIES", "ACTIVATIONS", "ARITHMETICS", "simulate", "schedule_flags",
           "Report", "resources", "memory_bits", "export_rtl", "load_rtl", "train", "infer", "initial_weights",
           "weights_to_dense", "weights_from_dense", "FunctionalResult", "InferenceResult", "NUMERICS",
           "ETA_SCHEDULE_FPGA", "sweep_z", "SweepTable", "SweepRow", "DivergenceError", "plan", "Plan",
           "EnergyTable", "energy_per_input"]
from adjmat.version import package_version as _package_version

__version__ = _package_version()  # one source: pyproject.toml
