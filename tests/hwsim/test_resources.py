"""Resource model (docs/hardware.md §7) for the FPGA build and the other regression configurations."""
import pytest

from adjmat import NetSpec, SpecError
from hwsim import HardwareConfig, memory_bits, resources

FPGA = NetSpec((1024, 64, 32), (4, 16), (128, 32))


def test_fpga_build_memory_bits_10_bit_words_8_bit_inputs():
    # widths: working word 10 bits (1 sign, 2 integer, 7 fraction), inputs 8-bit unsigned fractions
    bits = memory_bits(FPGA, HardwareConfig())
    wbm = 10 * (128 + 128 // 64) * 32 + 10 * (32 + 32 // 32) * 32       # width * (z + z/fi) * C per junction
    am = (2 * 2 + 1) * 1024 * 8 + (2 * 1 + 1) * 64 * 10                  # (2(L-i)+1) * N_i * width_i, i < L
    adm = (2 * 1 + 1) * 64 * 10                                          # hidden layers only
    dm = 2 * 64 * 10 + 2 * 32 * 10                                       # ping-pong, layers 1..L
    assert (bits["wbm"], bits["am"], bits["adm"], bits["dm"]) == (wbm, am, adm, dm) == (52160, 42880, 1920, 1920)
    assert bits["total"] == 98880
    assert bits["total_with_overhead"] == pytest.approx(98880 * 1.1)


def test_fpga_build_arithmetic_units():
    r = resources(FPGA, HardwareConfig())
    j1, j2 = r["junctions"]
    assert (j1["multipliers_ff"], j1["multipliers_bp"], j1["multipliers_up"]) == (128, 0, 128 + 2)
    assert (j2["multipliers_ff"], j2["multipliers_bp"], j2["multipliers_up"]) == (32, 64, 32 + 1)
    assert r["multipliers"] == 258 + 129 == 387
    assert r["dsp_estimate"] == 4 * 387
    assert (j1["adders_ff"], j1["adders_bp"], j1["adders_up"]) == (128, 0, 130)
    assert (j2["adders_ff"], j2["adders_bp"], j2["adders_up"]) == (32, 32, 33)
    assert r["cost_subtractors"] == 1 and r["adders"] == 258 + 97 + 1
    assert r["comparators"] == 128 + 32
    assert (j1["lookup_tables"], j2["lookup_tables"], r["lookup_tables"]) == (4, 2, 6)
    assert r["io"] == {"inputs_per_clock": 32, "outputs_per_clock": 1}
    assert r["widths"] == {"working": 10, "int_bits": 2, "frac_bits": 7, "input": 8}


@pytest.mark.parametrize("width,int_bits,frac_bits", [(12, 3, 8), (16, 5, 10)])
def test_memory_bits_scale_with_word_width(width, int_bits, frac_bits):
    cfg = HardwareConfig(width=width, int_bits=int_bits, frac_bits=frac_bits, memory_overhead=1.0)
    bits = memory_bits(FPGA, cfg)
    assert bits["wbm"] == 52160 // 10 * width
    assert bits["am"] == 5 * 1024 * 8 + 3 * 64 * width
    assert bits["total_with_overhead"] == bits["total"]


@pytest.mark.parametrize("config,fo,z", [((64, 16, 4), (2, 2), (32, 8)), ((1024, 64, 16), (8, 8), (512, 32)),
                                         ((1024, 128, 32), (4, 8), (128, 32)),
                                         ((256, 64, 32, 16), (4, 8, 4), (128, 64, 16))])
def test_formulas_on_other_configs(config, fo, z):
    net = NetSpec(config, fo, z)
    r = resources(net)
    L = net.L
    mult = sum(zi + (2 * zi if i else 0) + zi + zi // fi for i, (zi, fi) in enumerate(zip(net.z, net.fi)))
    assert r["multipliers"] == mult
    assert r["memory_bits"]["dm"] == sum(2 * n * 10 for n in config[1:])
    assert r["memory_bits"]["adm"] == sum((2 * (L - i) + 1) * config[i] * 10 for i in range(1, L))
    assert r["lookup_tables"] == sum(2 * (zi // fi) for zi, fi in zip(net.z, net.fi))


def test_bad_input_names_the_parameter():
    with pytest.raises(SpecError, match="resources: netspec must be an adjmat.NetSpec"):
        resources((1024, 64, 32))
    with pytest.raises(SpecError, match="memory_bits: netspec.z must be"):
        memory_bits(NetSpec((1024, 64, 32), (4, 16)))
    with pytest.raises(SpecError, match="resources: hardware must be an hwsim.HardwareConfig"):
        resources(FPGA, {"width": 10})
