"""hwsim: a cycle-level and functional simulator of the edge-processing accelerator for pre-defined sparse
networks (hardware.md).

Depends on numpy, numba and :mod:`adjmat` only -- never TensorFlow.

Examples
--------
>>> import hwsim
>>> hwsim.HardwareConfig(timing="rtl").overhead
4
"""
from .config import ACTIVATIONS, RMW_POLICIES, TIMINGS, HardwareConfig

__all__ = ["HardwareConfig", "TIMINGS", "RMW_POLICIES", "ACTIVATIONS"]
__version__ = "0.1.0"
