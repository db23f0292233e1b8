"""HardwareConfig: defaults of the FPGA build, derived values, validation naming every field."""
import dataclasses
import math

import pytest

from adjmat import SpecError
from hwsim import HardwareConfig


def test_defaults_are_the_fpga_build():
    cfg = HardwareConfig()
    assert (cfg.f_clk, cfg.timing, cfg.proctime, cfg.ports, cfg.rmw) == (15e6, "ideal", 2, 1, "count")
    assert (cfg.width, cfg.int_bits, cfg.frac_bits, cfg.input_width) == (10, 2, 7, 8)
    assert (cfg.activation, cfg.lut_size, cfg.lut_domain, cfg.eta_shift) == ("sigmoid", 1024, 8.0, 3)
    assert cfg.memory_overhead == 1.1
    assert cfg.overhead == 0 and cfg.eta == 0.125


@pytest.mark.parametrize("proctime,overhead", [(0, 2), (2, 4), (5, 7)])
def test_rtl_overhead_is_2_plus_proctime(proctime, overhead):
    assert HardwareConfig(timing="rtl", proctime=proctime).overhead == overhead
    assert HardwareConfig(timing="ideal", proctime=proctime).overhead == 0


def test_other_word_formats():
    assert HardwareConfig(width=12, int_bits=3, frac_bits=8).width == 12
    assert HardwareConfig(width=16, int_bits=5, frac_bits=10).frac_bits == 10


def test_frozen_and_round_trip():
    cfg = HardwareConfig(timing="rtl", ports=2, rmw="stall")
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.ports = 1
    assert HardwareConfig(**cfg.to_dict()) == cfg
    assert hash(cfg) == hash(HardwareConfig(**cfg.to_dict()))


def test_reconfig2018_is_the_published_build():
    cfg = HardwareConfig.reconfig2018()
    assert (cfg.f_clk, cfg.timing, cfg.proctime, cfg.ports, cfg.rmw) == (15e6, "rtl", 2, 1, "count")
    assert (cfg.width, cfg.int_bits, cfg.frac_bits, cfg.input_width) == (10, 2, 7, 8)
    assert (cfg.activation, cfg.lut_size, cfg.lut_domain, cfg.eta_shift) == ("sigmoid", 1024, 4.0, 3)
    assert cfg.arithmetic == "rtl" and cfg.sigmoid_lut is None and cfg.overhead == 4
    assert HardwareConfig().arithmetic == "hwsim"
    assert HardwareConfig.reconfig2018(rmw="forward", eta_shift=4) == dataclasses.replace(cfg, rmw="forward",
                                                                                           eta_shift=4)
    with pytest.raises(SpecError, match="'depth' is not a HardwareConfig field"):
        HardwareConfig.reconfig2018(depth=3)
    with pytest.raises(SpecError, match="HardwareConfig: rmw must be"):
        HardwareConfig.reconfig2018(rmw="ignore")


def test_tables_given_as_arrays_are_stored_as_tuples_and_round_trip():
    np = pytest.importorskip("numpy")
    sig = np.arange(1024, dtype=np.int64) // 8
    cfg = HardwareConfig(sigmoid_lut=sig, sigmoid_prime_lut=[3] * 1024)
    assert cfg.sigmoid_lut == tuple(v // 8 for v in range(1024)) and cfg.sigmoid_prime_lut == (3,) * 1024
    assert type(cfg.sigmoid_lut) is tuple and type(cfg.sigmoid_lut[0]) is int
    assert HardwareConfig(**cfg.to_dict()) == cfg and hash(cfg) == hash(HardwareConfig(**cfg.to_dict()))


def test_numpy_scalars_are_normalised():
    np = pytest.importorskip("numpy")
    cfg = HardwareConfig(proctime=np.int64(3), f_clk=np.float32(1e6))
    assert type(cfg.proctime) is int and type(cfg.f_clk) is float


BAD = [
    ("f_clk", 0), ("f_clk", -1.0), ("f_clk", math.inf), ("f_clk", "15MHz"),
    ("timing", "fast"), ("timing", None),
    ("proctime", -1), ("proctime", 2.0), ("proctime", True),
    ("ports", 3), ("ports", 0), ("ports", 2.0), ("ports", True),
    ("rmw", "ignore"),
    ("width", 1), ("int_bits", -1), ("frac_bits", -2), ("input_width", 0),
    ("activation", "tanh"),
    ("lut_size", 1000), ("lut_size", 1), ("lut_domain", 0.0), ("lut_domain", math.nan),
    ("eta_shift", -1), ("memory_overhead", 0.9),
    ("arithmetic", "exact"), ("arithmetic", None),
    ("sigmoid_lut", [1, 2, 3]), ("sigmoid_lut", "table"), ("sigmoid_lut", [0.5] * 1024),
    ("sigmoid_lut", [600] * 1024), ("sigmoid_prime_lut", [0] * 1024),
]


@pytest.mark.parametrize("param,value", BAD)
def test_bad_value_names_the_parameter(param, value):
    with pytest.raises(SpecError) as err:
        HardwareConfig(**{param: value})
    msg = str(err.value)
    assert msg.startswith("HardwareConfig: ")
    assert f"{param} must" in msg and f"received {param}=" in msg


def test_every_field_is_covered_by_the_bad_value_table():
    assert {f.name for f in dataclasses.fields(HardwareConfig)} <= {p for p, _ in BAD}


def test_width_rule_shows_the_arithmetic():
    with pytest.raises(SpecError, match=r"width must equal 1 \+ int_bits \+ frac_bits = 1 \+ 2 \+ 7 = 10; "
                                        r"received width=12"):
        HardwareConfig(width=12)
