"""JunctionSpec / NetSpec: derived quantities, balancing, and specific errors."""
import pytest
from hypothesis import given, strategies as st

from adjmat import JunctionSpec, NetSpec, SpecError


def test_junction_derived():
    js = JunctionSpec(1024, 64, fo=4, z=128)
    assert (js.fi, js.W, js.density, js.D, js.C) == (64, 4096, 0.0625, 8, 32)
    assert JunctionSpec(1024, 64, fi=64) == JunctionSpec(1024, 64, fo=4)
    assert JunctionSpec(1024, 64, density=0.0625).fo == 4
    assert JunctionSpec(8, 4, fo=2).z is None and JunctionSpec(8, 4, fo=2).C is None


@given(p=st.integers(1, 200), n=st.integers(1, 200), fo=st.integers(1, 200))
def test_junction_identities(p, n, fo):
    try:
        js = JunctionSpec(p, n, fo=fo)
    except SpecError as err:
        assert fo > n or (p * fo) % n, str(err)
        return
    assert js.W == p * js.fo == n * js.fi
    assert js.density == pytest.approx(js.fo / n) == pytest.approx(js.fi / p)


@pytest.mark.parametrize("kw,pattern", [
    (dict(p=0, n=4, fo=1), r"JunctionSpec: p must be a positive integer; received p=0"),
    (dict(p=4, n=-1, fo=1), r"n must be a positive integer; received n=-1"),
    (dict(p=4, n=4), r"one of fo, fi or density is required"),
    (dict(p=4, n=4, fo=0), r"fo must be a positive integer; received fo=0"),
    (dict(p=4, n=4, fo=5), r"fo must be an integer <= 4; received fo=5"),
    (dict(p=4, n=6, fo=1), r"fi = p\*fo/n = 4\*1/6 = 0.667 must be a whole number; try fo=3 \(fi=2\)"),
    (dict(p=4, n=4, density=0.3), r"density \(0.3\) times n \(4\) must be a whole out-degree fo; got 1.2; "
                                  r"try density=0.25"),
    (dict(p=4, n=4, density=0), r"density must be a finite number in \(0, 1\]; received density=0"),
    (dict(p=4, n=4, density=float("nan")), r"density must be a finite number"),
    (dict(p=4, n=6, fi=3), r"fi \(3\) must make fo = fi\*n/p = 3\*6/4 a whole number; try fi=2 or fi=4"),
    (dict(p=4, n=4, fo=1, fi=2), r"fo, fi and density disagree: fo=1 \(fo=1\), fi=2 \(fo=2\)"),
    (dict(p=12, n=4, fo=1, z=5), r"z must be a divisor of p \(12\), .*received z=5. Try z=4 or z=6"),
    (dict(p=12, n=4, fo=1, z=True), r"z must be a positive integer or None; received z=True"),
])
def test_junction_bad(kw, pattern):
    with pytest.raises(SpecError, match=pattern):
        JunctionSpec(**kw)


def test_spec_error_is_value_error():
    assert issubclass(SpecError, ValueError)


def test_hardware_violations():
    assert JunctionSpec(64, 32, fo=16, z=32).hardware_violations() == []
    assert JunctionSpec(64, 32, fo=16, z=8).hardware_violations() == ["fi (32) must divide z (8)",
                                                                      "fo (16) must divide z (8)"]


@pytest.mark.parametrize("name,config,fo,z,C", [
    ("FPGA MNIST build", (1024, 64, 32), (4, 16), (128, 32), 32),
    ("small", (64, 16, 4), (2, 2), (32, 8), 4),
    ("powerful device", (1024, 64, 16), (8, 8), (512, 32), 16),
    ("pipelining test", (1024, 128, 32), (4, 8), (128, 32), 32),
])
def test_regression_configs_balance(name, config, fo, z, C):
    net = NetSpec.balanced(config, fo, z1=z[0], hardware=True)
    assert net.z == z and net.cycle == C and net.hardware_violations() == []
    assert NetSpec.balanced(config, fo, cycle=C).z == z


def test_netspec_derived():
    net = NetSpec((800, 100, 10), (50, 10))
    assert net.fi == (400, 100) and net.W == (40000, 1000) and net.weights == 41000
    assert net.parameters == 41000 + 110
    assert net.overall_density == pytest.approx(41000 / 81000)
    assert net.density == (0.5, 1.0)
    assert net.cycles is None and net.cycle is None
    unbalanced = NetSpec((1024, 64, 32), (4, 16), (128, 16))
    assert unbalanced.cycles == (32, 64) and unbalanced.cycle is None
    assert "junction cycles C = W/z must be equal" in unbalanced.hardware_violations()[-1]


@pytest.mark.parametrize("args,kw,pattern", [
    (((1024,), (4,)), {}, r"config must be at least two layer sizes"),
    (((1024, 64, 32), (4,)), {}, r"fo must be a sequence of 2 integers; received fo=\(4,\)"),
    (((1024, 64, 32), (4, 16), (128,)), {}, r"z must be a sequence of 2 integers"),
    (((1024, 0, 32), (4, 16)), {}, r"config must be a sequence of positive integers \(item 1 is 0\)"),
    (((1024, 64, 32), (4, 16), (100, 32)), {}, r"junction 1 \(1024 -> 64\): z must be a divisor of p \(1024\)"),
    (((1000, 64, 32), (3, 16)), {}, r"junction 1 \(1000 -> 64\): fi = p\*fo/n"),
])
def test_netspec_bad(args, kw, pattern):
    with pytest.raises(SpecError, match=pattern):
        NetSpec(*args, **kw)


def test_balanced_errors_list_valid_cycles():
    with pytest.raises(SpecError, match=r"give exactly one of z1 or cycle.*valid cycles: C=1"):
        NetSpec.balanced((1024, 64, 32), (4, 16))
    with pytest.raises(SpecError, match=r"z1 \(3\) must divide W_1 = 4096"):
        NetSpec.balanced((1024, 64, 32), (4, 16), z1=3)
    # C = 64 makes z2 = 16 < fi2 = 32: not hardware-faithful; nearest valid C listed
    with pytest.raises(SpecError, match=r"z1=64 gives C=64 .* not a valid hardware-faithful design; nearest "
                                        r"valid: C=16 .*C=32"):
        NetSpec.balanced((1024, 64, 32), (4, 16), z1=64, hardware=True)
    assert NetSpec.balanced((1024, 64, 32), (4, 16), z1=64).z == (64, 16)


def test_netspec_string_config():
    assert NetSpec("1024,64,32", "4,16", "128,32").config == (1024, 64, 32)
