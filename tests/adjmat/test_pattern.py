"""Pattern: immutability, conversions (orientation), save/load, equality, repr."""
import os

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, strategies as st

from adjmat import Pattern, SpecError, generate

KINDS_KW = [("fc", {}), ("random", dict(density=0.3)), ("basic", dict(fo=2)), ("usn", dict(density=0.27)),
            ("clash_free", dict(fo=2, z=4, type=1, dither=True)), ("rtl", dict(fo=2, z=4)),
            ("erdos_renyi", dict(density=0.2))]


def test_orientation():
    pat = Pattern(left=[2, 0, 1], right=[0, 1, 1], p=3, n=2)
    mask = pat.to_mask()
    assert mask.shape == (3, 2)                       # Keras kernel (inputs, outputs)
    assert mask[2, 0] and mask[0, 1] and mask[1, 1] and mask.sum() == 3
    m = pat.to_scipy()
    assert m.shape == (2, 3)                          # papers' (right, left)
    assert np.array_equal(m.toarray().T.astype(bool), mask)
    assert np.array_equal(m.indices, pat.left)        # processing order kept
    assert np.array_equal(pat.to_scipy("pn").toarray().astype(bool), mask)


@pytest.mark.parametrize("kind,kw", KINDS_KW)
def test_round_trips(kind, kw, tmp_path):
    pat = generate(kind, 16, 8, seed=3, **kw)
    path = pat.save(tmp_path / "pat.npz")
    back = Pattern.load(path)
    assert back == pat and back.kind == pat.kind and back.seed == pat.seed and dict(back.meta) == dict(pat.meta)
    assert Pattern.from_scipy(pat.to_scipy()) == pat
    via_mask = Pattern.from_mask(pat.to_mask())
    assert np.array_equal(via_mask.to_mask(), pat.to_mask())
    assert Pattern.from_scipy(pat.to_scipy("pn"), orientation="pn").to_mask().tolist() == pat.to_mask().tolist()


@given(st.lists(st.tuples(st.integers(0, 9), st.integers(0, 6)), min_size=1, max_size=40, unique=True))
def test_mask_round_trip_property(edges):
    edges = sorted(edges, key=lambda e: (e[1], e[0]))
    pat = Pattern([e[0] for e in edges], [e[1] for e in edges], p=10, n=7)
    assert Pattern.from_mask(pat.to_mask()) == pat
    assert pat.out_degrees().sum() == pat.in_degrees().sum() == pat.W


def test_immutable():
    pat = generate("usn", 10, 10, density=0.2, seed=0)
    with pytest.raises(ValueError):
        pat.left[0] = 1
    with pytest.raises(AttributeError):
        pat.p = 3
    with pytest.raises(TypeError):
        pat.meta["z"] = 4


def test_input_arrays_copied():
    left = np.array([0, 1])
    pat = Pattern(left, [0, 0], p=2, n=1)
    left[0] = 1
    assert pat.left.tolist() == [0, 1]


def test_repr_and_facts():
    pat = generate("clash_free", 1024, 64, fo=4, z=128, seed=0)
    assert repr(pat) == ("Pattern(kind='clash_free', p=1024, n=64, W=4096, density=0.0625, fo=4, fi=64, z=128, "
                         "type=2, dither=False, seed=0)")
    assert pat.z == 128 and len(pat) == 4096 and pat.density == 0.0625


def test_atomic_save_leaves_no_temp(tmp_path):
    pat = generate("rtl", 8, 4, fo=2)
    pat.save(tmp_path / "a.npz")
    assert sorted(os.listdir(tmp_path)) == ["a.npz"]


@pytest.mark.parametrize("kw,pattern", [
    (dict(left=[0, 5], right=[0, 0], p=2, n=1), r"left must be indices in \[0, 2\); received left=.*\[0, 5\]"),
    (dict(left=[0], right=[0, 0], p=2, n=1), r"left and right must have the same length"),
    (dict(left=[0, 1], right=[1, 0], p=2, n=2), r"right must be non-decreasing .*right\[0\]=1 > right\[1\]=0"),
    (dict(left=[0.5], right=[0], p=2, n=1), r"left must be an integer array; received left='array of dtype float64'"),
    (dict(left=[[0]], right=[0], p=2, n=1), r"left must be a 1-D integer array"),
    (dict(left=[0], right=[0], p=0, n=1), r"Pattern: p must be a positive integer; received p=0"),
    (dict(left=[0], right=[0], p=1, n=1, kind=""), r"kind must be a non-empty string"),
    (dict(left=[0], right=[0], p=1, n=1, meta={"x": object()}), r"meta must be a JSON-serialisable mapping"),
])
def test_pattern_bad(kw, pattern):
    with pytest.raises(SpecError, match=pattern):
        Pattern(**kw)


def test_load_refuses_pickles_and_foreign_files(tmp_path):
    bad = tmp_path / "obj.npz"
    np.savez(bad, left=np.array([object()], dtype=object), right=np.array([0]), header=np.array("{}"))
    with pytest.raises(SpecError, match="cannot read .* as a Pattern .npz"):
        Pattern.load(bad)
    other = tmp_path / "other.npz"
    np.savez(other, x=np.zeros(3))
    with pytest.raises(SpecError, match="missing header, left, right"):
        Pattern.load(other)
    with pytest.raises(SpecError, match="cannot read"):
        Pattern.load(tmp_path / "absent.npz")


def test_conversion_bad():
    pat = generate("rtl", 8, 4, fo=2)
    with pytest.raises(SpecError, match="orientation must be one of 'np', 'pn'; received orientation='kp'"):
        pat.to_scipy("kp")
    with pytest.raises(SpecError, match="matrix must be a scipy.sparse matrix; received matrix='ndarray'"):
        Pattern.from_scipy(np.ones((2, 2)))
    with pytest.raises(SpecError, match="mask must be a 2-D"):
        Pattern.from_mask(np.ones(3, bool))


def test_scipy_products_match_dense():
    a = generate("usn", 30, 20, density=0.2, seed=1)
    b = generate("usn", 20, 10, density=0.3, seed=2)
    paths = (b.to_scipy() @ a.to_scipy()).toarray()
    assert np.array_equal(paths, (a.to_mask().astype(int) @ b.to_mask().astype(int)).T)
    assert sp.issparse(a.to_scipy())


def test_saved_file_has_usual_permissions(tmp_path):
    import stat
    mask = os.umask(0o022)
    try:
        path = generate("rtl", 8, 4, fo=2).save(tmp_path / "perm.npz")
    finally:
        os.umask(mask)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644
