"""Pattern: immutability, conversions (orientation), save/load, equality, repr."""
import json
import os

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, strategies as st

from adjmat import Pattern, SpecError, generate

from .crafted import DROP, LEFT, RIGHT, header, huge_npy, npz_with

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
    header = json.dumps({"format": "adjmat.Pattern/1", "p": 1, "n": 1, "kind": "custom", "seed": None, "meta": {}})
    np.savez(bad, left=np.array([object()], dtype=object), right=np.array([0]), header=np.array(header))
    with pytest.raises(SpecError, match=r"obj.npz' is not a readable Pattern file: left.npy holds Python objects"):
        Pattern.load(bad)
    other = tmp_path / "other.npz"
    np.savez(other, x=np.zeros(3))
    with pytest.raises(SpecError, match="missing header, left, right"):
        Pattern.load(other)
    with pytest.raises(SpecError, match="cannot read .*absent.npz"):
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


# ---------------------------------------------------------------- hostile files (issue 8.8)
def _saved(tmp_path, name="good.npz"):
    return generate("clash_free", 64, 32, fo=4, z=8, seed=0).save(tmp_path / name)


def _zip_with(tmp_path, name, **members):
    return npz_with(tmp_path / name, **members)


_header = header





def test_load_empty_file(tmp_path):
    (tmp_path / "empty.npz").write_bytes(b"")
    with pytest.raises(SpecError, match=r"empty.npz' is not a readable Pattern file: the file is empty"):
        Pattern.load(tmp_path / "empty.npz")


@pytest.mark.parametrize("keep", [0.3, 0.6, 0.9, 0.99])
def test_load_truncated_file(tmp_path, keep):
    data = open(_saved(tmp_path), "rb").read()
    cut = tmp_path / "cut.npz"
    cut.write_bytes(data[:int(len(data) * keep)])
    with pytest.raises(SpecError, match=r"cut.npz' is not a readable Pattern file"):
        Pattern.load(cut)


def test_load_every_flipped_byte_is_refused_or_identical(tmp_path):
    good = _saved(tmp_path)
    data = bytearray(open(good, "rb").read())
    original = Pattern.load(good)
    flipped = tmp_path / "flip.npz"
    outcomes = {"refused": 0, "identical": 0}
    for i in range(0, len(data), max(1, len(data) // 300)):
        bent = bytearray(data)
        bent[i] ^= 0xFF
        flipped.write_bytes(bytes(bent))
        try:
            again = Pattern.load(flipped)
        except SpecError as err:
            assert "flip.npz" in str(err)
            outcomes["refused"] += 1
        else:  # a byte the zip format does not read (e.g. a timestamp): the pattern must be unchanged
            assert again == original and again.seed == original.seed
            outcomes["identical"] += 1
    assert outcomes["refused"] > outcomes["identical"]


@pytest.mark.parametrize("header,message", [
    (np.array(json.dumps([1, 2, 3])), "its header must be a JSON object; it is a list"),
    (np.array("{not json"), "its header is not JSON"),
    (_header(kind=DROP), "its header lacks kind"),
    (_header(meta=DROP, seed=DROP), "its header lacks seed, meta"),
    (_header(p=-4), r"its header declares p=-4; expected an integer in \[1, 2147483647\]"),
    (_header(p=2 ** 40), r"its header declares p=1099511627776"),
    (_header(seed=1.5), "its header declares seed=1.5"),
    (_header(meta=[1]), r"its header declares meta=\[1\]; expected a JSON object"),
    (_header(W=5), "the header declares W=5 edges but the arrays hold 4"),
    (_header(format="other/1"), "it has format 'other/1'"),
    (np.zeros(3), "header must be one JSON string"),
])
def test_load_bad_headers(tmp_path, header, message):
    path = _zip_with(tmp_path, "h.npz", left=LEFT, right=RIGHT, header=header)
    with pytest.raises(SpecError, match=r"h.npz' is not a readable Pattern file: " + message):
        Pattern.load(path)


def test_load_missing_member(tmp_path):
    path = _zip_with(tmp_path, "m.npz", left=LEFT, header=_header())
    with pytest.raises(SpecError, match=r"m.npz' .*missing right"):
        Pattern.load(path)


def test_load_garbage_npy_header(tmp_path):
    path = _zip_with(tmp_path, "g.npz", left=b"\x93NUMPY\x01\x00\x10\x00{'descr': <i8, oops", right=RIGHT,
                     header=_header())
    with pytest.raises(SpecError, match=r"g.npz' is not a readable Pattern file: left.npy has no valid npy header"):
        Pattern.load(path)
    path = _zip_with(tmp_path, "g2.npz", left=b"not an npy file at all", right=RIGHT, header=_header())
    with pytest.raises(SpecError, match=r"g2.npz' is not a readable Pattern file: left.npy has no valid npy header"):
        Pattern.load(path)


def test_load_header_declaring_1e12_elements_is_refused_before_reading(tmp_path):
    huge = huge_npy()                           # the header claims 8 TB; the member holds 64 bytes
    path = _zip_with(tmp_path, "huge.npz", left=huge, right=huge, header=_header(W=DROP, p=10 ** 6, n=10 ** 6))
    with pytest.raises(SpecError, match=r"Pattern.load: the request needs about .* TiB .*1000000000000 edges "
                                        r"declared by .*huge.npz"):
        Pattern.load(path)


def test_load_member_larger_than_declared(tmp_path):
    import io
    buf = io.BytesIO()
    np.save(buf, LEFT)
    path = _zip_with(tmp_path, "long.npz", left=buf.getvalue() + b"\0" * 1000, right=RIGHT, header=_header())
    with pytest.raises(SpecError, match=r"left.npy declares .* bytes but its header needs"):
        Pattern.load(path)


def test_load_wrong_dtype_and_shape(tmp_path):
    path = _zip_with(tmp_path, "f.npz", left=LEFT.astype(float), right=RIGHT, header=_header())
    with pytest.raises(SpecError,
                       match=r"left must be a 1-D integer array; the file declares shape \(4,\), dtype float64"):
        Pattern.load(path)
    path = _zip_with(tmp_path, "r.npz", left=LEFT, right=RIGHT[::-1].copy(), header=_header())
    with pytest.raises(SpecError, match=r"r.npz' .*holds an invalid pattern: right must be non-decreasing"):
        Pattern.load(path)


def test_load_values_out_of_range(tmp_path):
    path = _zip_with(tmp_path, "v.npz", left=np.array([0, 1, 2, 2 ** 32 + 3]), right=RIGHT, header=_header())
    with pytest.raises(SpecError, match=r"invalid pattern: left must be indices in \[0, 4\)"):
        Pattern.load(path)


def test_load_roundtrip_keeps_everything(tmp_path):
    pat = generate("usn", 50, 20, density=0.2, seed=np.random.SeedSequence(5, spawn_key=(1,)))
    again = Pattern.load(pat.save(tmp_path / "u.npz"))
    assert again == pat and again.seed == 5 and dict(again.meta) == dict(pat.meta) and again.kind == "usn"


# ---------------------------------------------------------------- immutability and int32 (issue 8.6, 8.7)
@pytest.mark.parametrize("attr", ["left", "right"])
def test_arrays_cannot_be_made_writeable(attr):
    pat = generate("clash_free", 16, 8, fo=2, z=4, seed=0)
    a = getattr(pat, attr)
    with pytest.raises(ValueError):
        a.flags.writeable = True
    with pytest.raises(ValueError):
        a[1] = 2 ** 30
    for arr in (pat.out_degrees(), pat.in_degrees(), pat.indptr()):
        with pytest.raises(ValueError):
            arr.flags.writeable = True
    hand = Pattern([0, 1], [0, 1], p=2, n=2)
    with pytest.raises(ValueError):
        hand.left.flags.writeable = True


def test_pattern_keeps_a_private_copy():
    left = np.array([0, 1], dtype=np.int32)
    pat = Pattern(left, [0, 1], p=2, n=2)
    left[0] = 1
    assert pat.left.tolist() == [0, 1]


def test_index_values_checked_before_the_int32_cast():
    with pytest.raises(SpecError, match=r"left must be indices in \[0, 8\); received left='array with values in "
                                        r"\[5, 4294967299\]'"):
        Pattern(np.array([2 ** 32 + 3, 5]), [0, 0], p=8, n=1)
    with pytest.raises(SpecError, match=r"p must be a positive integer <= 2147483647"):
        Pattern([0], [0], p=2 ** 31, n=1)
