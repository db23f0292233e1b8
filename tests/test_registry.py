"""A toy kind registered through adjmat's registry reaches every consumer without other edits, then leaves.

"stripes": edge j -> left (7*j) mod p, right j // fi.  With p coprime to 7 every left neuron gets exactly fo
edges and no right neuron repeats a left neuron, so it is a fixed-degree kind (not clash-free in general).
"""
import numpy as np
import pytest

import adjmat
from adjmat import Kind, Pattern, SpecError


def _build_stripes(p, n, *, fo, W, density, z, rng):
    j = np.arange(W, dtype=np.int64)
    return Pattern((7 * j) % p, j // (W // n), p, n)


@pytest.fixture
def stripes():
    kind = adjmat.register_kind(Kind("stripes", _build_stripes, fixed_degrees=True, needs_z=False,
                                     hardware_faithful=False, sized_by=("fo", "density"), seeded=False,
                                     summary="edge j -> left 7j mod p (a test kind)"))
    try:
        yield kind
    finally:
        adjmat.unregister_kind("stripes")
    assert "stripes" not in adjmat.kind_names()


def test_registry_lists_and_removes(stripes):
    assert adjmat.kind_names()[-1] == "stripes"
    assert "stripes" in adjmat.KINDS and adjmat.KINDS == adjmat.kind_names()
    assert adjmat.get_kind("stripes") is stripes
    with pytest.raises(SpecError, match="a kind named 'stripes' is already registered; pass replace=True"):
        adjmat.register_kind(stripes)
    assert adjmat.register_kind(stripes, replace=True) is stripes


def test_generate(stripes):
    pat = adjmat.generate("stripes", 8, 4, fo=2, z=4, seed=3)
    assert pat.kind == "stripes" and pat.seed is None and pat.meta["z"] == 4
    assert pat.left.tolist() == [(7 * j) % 8 for j in range(16)]
    assert pat.right.tolist() == [j // 4 for j in range(16)]
    assert adjmat.check(pat, fo=2, fi=4).ok
    assert adjmat.generate("stripes", 8, 4, density=0.5) == pat
    with pytest.raises(SpecError, match=r"kind='stripes': .*fi = p\*fo/n = 8\*1/3"):
        adjmat.generate("stripes", 8, 3, fo=1)
    with pytest.raises(SpecError, match="unknown option"):
        adjmat.generate("stripes", 8, 4, fo=2, type=2)


def test_generate_network(stripes):
    net = adjmat.NetSpec((64, 16, 4), (2, 2), (32, 8))
    pats = adjmat.generate_network(net, "stripes", seed=0)
    assert [p.kind for p in pats] == ["stripes", "stripes"]
    assert pats[1] == adjmat.generate("stripes", 16, 4, fo=2)
    assert adjmat.generate_network((64, 16, 4), "stripes", fo=2)[0] == pats[0]


def test_cli_pattern(stripes, capsys):
    from predefsparse.cli import main
    assert main(["pattern", "stripes", "--p", "64", "--n", "32", "--fo", "4", "--z", "8"]) == 0
    out = capsys.readouterr().out
    assert "pattern   stripes  p=64  n=32  W=256" in out


def test_hwsim_reads_the_registry(stripes):
    import hwsim
    net = adjmat.NetSpec((64, 16, 4), (2, 2), (32, 8))
    pats = adjmat.generate_network(net, "stripes")
    rep = hwsim.simulate(net, pats, inputs=4)
    assert rep.inputs == 4 and rep.total_clocks > 0
    # a fixed-degree kind (the registry says so) must have exactly fo and fi: hwsim refuses one that does not
    left = np.arange(128) % 64
    left[1] = 0                                  # left 0 gets 3 edges, left 1 gets 1
    bad = Pattern(left, np.arange(128) // 8, p=64, n=16, kind="stripes")
    assert bad.fo is None  # variable out-degree under a fixed-degree label
    with pytest.raises(SpecError, match="kind='stripes', so every out-degree must be fo=2"):
        hwsim.simulate(net, [bad, pats[1]], inputs=4)


@pytest.mark.slow  # imports TensorFlow
def test_sparse_dense(stripes):
    pytest.importorskip("keras")
    import keras

    import predefsparse
    layer = predefsparse.SparseDense(16, kind="stripes", fo=2)
    keras.Sequential([keras.Input((64,)), layer])
    assert layer.pattern == adjmat.generate("stripes", 64, 16, fo=2)
    assert layer.pattern.kind == "stripes"
