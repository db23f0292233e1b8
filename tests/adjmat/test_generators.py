"""Property tests of every generator kind: edge counts, degrees, duplicates, clash-freedom, sweeps, seeds,
round trips.  The validity conditions are re-checked here with plain numpy, independent of adjmat.checks."""
import warnings

import numpy as np
import pytest
from hypothesis import assume, given, strategies as st

import adjmat
from adjmat import SpecError, generate

from .strategies import clash_free_specs


# ---------------------------------------------------------------- independent validity checks (docs/patterns.md §4)
def edges_set(pat):
    return set(zip(pat.right.tolist(), pat.left.tolist()))


def assert_no_duplicates(pat):
    assert len(edges_set(pat)) == pat.W


def assert_natural_order(pat, fi):
    assert np.array_equal(pat.right, np.arange(pat.W) // fi)


def assert_clash_free(pat, z):
    banks = pat.left % z
    for c in range(pat.W // z):
        assert len(set(banks[c * z:(c + 1) * z].tolist())) == z, f"clash in clock {c}"


def assert_sweeps(pat):
    p = pat.p
    for s in range(pat.W // p):
        assert sorted(pat.left[s * p:(s + 1) * p].tolist()) == list(range(p)), f"sweep {s}"


def sweep_starts(pat, z):
    """Address of every lane in every clock of every sweep, shape (sweeps, D, z)."""
    return (pat.left // z).reshape(-1, pat.p // z, z)


@given(spec=clash_free_specs(), type_=st.sampled_from([1, 2, 3]), dither=st.booleans(), seed=st.integers(0, 2**32))
def test_clash_free_is_valid(spec, type_, dither, seed):
    p, n, fo, z, fi = spec
    pat = generate("clash_free", p, n, fo=fo, z=z, seed=seed, type=type_, dither=dither)
    assert pat.W == p * fo == n * fi
    assert_natural_order(pat, fi)                                   # condition 1
    assert np.all(np.bincount(pat.left, minlength=p) == fo)         # condition 2
    assert_no_duplicates(pat)
    assert_clash_free(pat, z)                                       # condition 3
    assert_sweeps(pat)                                              # condition 4
    addr = sweep_starts(pat, z)
    D = p // z
    if type_ in (2, 3):                                             # condition 5
        steps = (np.diff(addr, axis=1) % D) if D > 1 else np.zeros((1,))
        assert np.all(steps == 1 % D) if D > 1 else True
    if type_ == 3:                                                  # condition 6
        assert np.all(addr[:, 0, :] == addr[0:1, 0, :])
    if not dither:
        assert np.array_equal(pat.left[: z] % z, np.arange(z))
    assert adjmat.is_clash_free(pat, z)
    assert adjmat.check(pat, fo=fo, fi=fi).ok


@given(p=st.integers(1, 40), n=st.integers(1, 40), z=st.integers(1, 8))
def test_rtl_is_valid_and_deterministic(p, n, z):
    assume(p % z == 0)
    fos = [f for f in range(1, n + 1) if p * f % n == 0]
    fo = fos[len(fos) // 2]
    pat = generate("rtl", p, n, fo=fo, z=z)
    assert np.array_equal(pat.left, np.arange(p * fo) % p)
    assert_no_duplicates(pat)
    assert_clash_free(pat, z)
    assert_sweeps(pat)
    assert pat == generate("rtl", p, n, fo=fo, z=z)


def test_usn_fixes_published_imbalance():
    # the USN package gave in-degrees 224..251 for 784 -> 250 at density 0.3
    pat = generate("usn", 784, 250, density=0.3, seed=0)
    assert pat.in_degrees().min() == 235 and pat.in_degrees().max() == 236
    assert pat.out_degrees().min() == pat.out_degrees().max() == 75


@given(p=st.integers(1, 40), n=st.integers(1, 40), seed=st.integers(0, 10**6), data=st.data())
def test_basic_exact_degrees(p, n, seed, data):
    fos = [f for f in range(1, n + 1) if p * f % n == 0]
    fo = data.draw(st.sampled_from(fos))
    pat = generate("basic", p, n, fo=fo, seed=seed)
    assert np.all(pat.out_degrees() == fo)
    assert np.all(pat.in_degrees() == p * fo // n)
    assert_natural_order(pat, p * fo // n)
    assert_no_duplicates(pat)


@given(p=st.integers(1, 50), n=st.integers(1, 50), density=st.floats(0.001, 1.0), seed=st.integers(0, 10**6))
def test_random_distinct_cells(p, n, density, seed):
    W = int(round(density * p * n))
    assume(W >= 1)
    pat = generate("random", p, n, density=density, seed=seed)
    assert pat.W == W
    assert_no_duplicates(pat)
    cells = pat.right.astype(np.int64) * p + pat.left
    assert np.all(np.diff(cells) > 0)  # natural order, left ascending within a right neuron


def test_random_is_uniform_over_cells():
    # 400 draws of 10 cells among 100: each cell is hit 40 times on average; chi-square-like bound
    counts = np.zeros(100)
    for s in range(400):
        pat = generate("random", 10, 10, fo=1, seed=s)
        np.add.at(counts, pat.right * 10 + pat.left, 1)
    assert counts.sum() == 4000
    chi2 = ((counts - 40) ** 2 / 40).sum()
    assert chi2 < 160  # 99 dof: P(chi2 > 160) < 1e-4


def test_erdos_renyi_density_and_clip():
    pat = generate("erdos_renyi", 1000, 1000, seed=0)  # eps 20: density 0.04
    assert abs(pat.density - 0.04) < 0.002
    assert pat.meta["probability"] == pytest.approx(0.04)
    with pytest.warns(UserWarning, match="exceeds 1; clipped to 1"):
        small = generate("erdos_renyi", 10, 10, seed=0)
    assert small.W == 100 and small.meta["clipped_from"] == pytest.approx(4.0)


def test_fc():
    pat = generate("fc", 3, 2)
    assert pat.W == 6 and pat.to_mask().all()
    assert pat == generate("fc", 3, 2, fo=2)


@pytest.mark.parametrize("kind,kw", [
    ("random", dict(density=0.2)), ("basic", dict(fo=3)), ("usn", dict(density=0.13)),
    ("clash_free", dict(fo=3, z=4, type=1)), ("clash_free", dict(fo=3, z=4, type=2, dither=True)),
    ("clash_free", dict(fo=3, z=4, type=3)), ("erdos_renyi", dict(epsilon=2)),
])
def test_same_seed_same_bytes(kind, kw):
    a = generate(kind, 24, 12, seed=42, **kw)
    b = generate(kind, 24, 12, seed=42, **kw)
    c = generate(kind, 24, 12, seed=43, **kw)
    assert a.left.tobytes() == b.left.tobytes() and a.right.tobytes() == b.right.tobytes()
    assert a.seed == 42
    assert a != c


def test_global_random_state_untouched():
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    for kind, kw in [("usn", dict(density=0.2)), ("clash_free", dict(fo=2, z=4)), ("random", dict(fo=2))]:
        generate(kind, 16, 16, seed=None, **kw)
    assert np.array_equal(np.random.get_state()[1], before)


def test_seed_none_is_recorded_and_reproducible():
    pat = generate("usn", 50, 40, density=0.1)
    assert isinstance(pat.seed, int)
    assert generate("usn", 50, 40, density=0.1, seed=pat.seed) == pat


def test_generator_seed():
    rng = np.random.default_rng(5)
    pat = generate("basic", 20, 10, fo=2, seed=rng)
    assert pat.seed is None
    assert pat == generate("basic", 20, 10, fo=2, seed=np.random.default_rng(5))


# ---------------------------------------------------------------- the peers' duplicate bug
@pytest.mark.parametrize("p,n,fo,z", [(4, 4, 3, 2), (8, 4, 3, 4), (9, 6, 4, 3), (8, 12, 9, 2)])
def test_original_duplicate_configs_refused_clearly(p, n, fo, z):
    # fi does not divide p: the original generator produced repeated edges here; we refuse.
    fi = p * fo // n
    assert p % fi != 0
    with pytest.raises(SpecError, match=rf"fi \({fi}\) to divide p \({p}\).*try fo="):
        generate("clash_free", p, n, fo=fo, z=z, seed=0)


def test_original_duplicate_config_rtl_is_valid():
    # the rtl pattern has no sweep-straddling problem: any fi consecutive j mod p are distinct
    pat = generate("rtl", 4, 4, fo=3, z=2)
    assert_no_duplicates(pat)
    assert_clash_free(pat, 2)


# ---------------------------------------------------------------- network
def test_generate_network_streams_independent():
    net3 = adjmat.NetSpec((64, 32, 16), (4, 8), (16, 16))
    net_a = adjmat.generate_network(net3, "clash_free", seed=7)
    net_b = adjmat.generate_network(net3, "clash_free", seed=7)
    assert all(a == b for a, b in zip(net_a, net_b))
    assert net_a[0].seed == 7 and net_a[1].meta["spawn_key"] == [1]
    # junction i's stream is SeedSequence(seed).spawn(L)[i]: regenerate junction 2 alone
    again = generate("clash_free", 32, 16, fo=8, z=16, seed=np.random.SeedSequence(7, spawn_key=(1,)))
    assert again == net_a[1]


def test_generate_network_fpga_build():
    net = adjmat.NetSpec((1024, 64, 32), (4, 16), (128, 32))
    pats = adjmat.generate_network(net, "clash_free", seed=0)
    assert [p.fi for p in pats] == [64, 32]
    assert all(adjmat.is_clash_free(p, z) for p, z in zip(pats, net.z))


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("args,kw,pattern", [
    (("nope", 4, 4), dict(fo=1), r"kind must be one of 'fc'.*received kind='nope'"),
    (("usn", 0, 4), dict(fo=1), r"p must be a positive integer; received p=0"),
    (("usn", 4, -2), dict(fo=1), r"n must be a positive integer; received n=-2"),
    (("usn", 4.0, 4), dict(fo=1), r"p must be a positive integer; received p=4.0"),
    (("usn", 4, 4), dict(density=0.0), r"density must be a finite number in \(0, 1\]; received density=0.0"),
    (("usn", 4, 4), dict(density=1.5), r"density must be .*received density=1.5"),
    (("usn", 4, 4), dict(density="0.5"), r"density must be .*received density='0.5'"),
    (("usn", 4, 4), dict(fo=1, density=0.25), r"fo or density .*not both"),
    (("usn", 4, 4), dict(), r"needs fo .*or density"),
    (("basic", 4, 6), dict(fo=1), r"fi = p\*fo/n = 4\*1/6 = 0.667 must be a whole number; try fo=3 \(fi=2\)"),
    (("clash_free", 8, 4), dict(fo=2, z=3), r"z must be a divisor of p \(8\).*received z=3. Try z=2 or z=4"),
    (("clash_free", 8, 4), dict(fo=2), r"z must be given for kind='clash_free'.*received z=None"),
    (("clash_free", 8, 4), dict(fo=2, z=4, type=4), r"type must be 1, 2 or 3.*received type=4"),
    (("clash_free", 8, 4), dict(fo=2, z=4, dither="yes"), r"dither must be True or False; received dither='yes'"),
    (("clash_free", 8, 4), dict(fo=2, z=4, colour=1), r"unknown option\(s\) colour for kind='clash_free'"),
    (("usn", 8, 4), dict(fo=5), r"fo must be an integer <= 4; received fo=5"),
    (("usn", 8, 4), dict(fo=1, seed=-1), r"seed must be None, a non-negative int.*received seed=-1"),
    (("usn", 8, 4), dict(fo=1, seed=1.5), r"seed must be .*received seed=1.5"),
    (("fc", 8, 4), dict(fo=2), r"kind='fc' is fully connected: fo must be n \(4\)"),
    (("random", 10, 10), dict(density=0.001), r"rounds to 0 edges; need at least 1"),
    (("erdos_renyi", 10, 10), dict(fo=2), r"takes density .*not fo"),
    (("erdos_renyi", 10, 10), dict(epsilon=-1), r"epsilon must be a finite number in \(0, inf\]; received epsilon=-1"),
])
def test_generate_bad_input(args, kw, pattern):
    with pytest.raises(SpecError, match=pattern):
        generate(*args, **kw)


def test_generate_network_bad_input():
    with pytest.raises(SpecError, match="netspec_or_config must be an adjmat.NetSpec or a sequence of layer "
                                        "sizes; received netspec_or_config='dict'"):
        adjmat.generate_network({"a": 4}, "usn")
    with pytest.raises(SpecError, match=r"kind='usn' needs fo or densities .* config=\(4, 4\)"):
        adjmat.generate_network((4, 4), "usn")
    with pytest.raises(SpecError, match="kind must be one of"):
        adjmat.generate_network(adjmat.NetSpec((4, 4), (1,)), "dense")


def test_no_dense_matrix_for_large_patterns():
    # O(W): a 10^6 x 10^6 junction at fo=2 (a dense bool mask would be 1 TB)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pat = generate("usn", 10**6, 10**6, fo=2, seed=0)
    assert pat.W == 2 * 10**6
    assert pat.left.nbytes == 4 * pat.W


@pytest.mark.parametrize("kind,kw", [("usn", dict(density=0.2)), ("clash_free", dict(fo=2, z=4, type=1)),
                                     ("random", dict(fo=2)), ("basic", dict(fo=2))])
def test_child_stream_recorded_and_reproducible(kind, kw):
    child = np.random.SeedSequence(99).spawn(3)[2]
    pat = generate(kind, 16, 8, seed=child, **kw)
    assert pat.seed == 99 and pat.meta["spawn_key"] == [2]
    again = generate(kind, 16, 8, seed=np.random.SeedSequence(pat.seed, spawn_key=pat.meta["spawn_key"]), **kw)
    assert again == pat


# ---------------------------------------------------------------- the registry's facts are true
SIZE = {"fo": dict(fo=4), "density": dict(density=0.25), "epsilon": dict(epsilon=3)}


@pytest.mark.parametrize("name", adjmat.kind_names())
def test_registry_facts_hold_for_the_builtin_kinds(name):
    kind = adjmat.get_kind(name)
    p, n, z = 48, 16, 8
    for sizing in kind.sized_by or (None,):
        kw = dict(SIZE[sizing]) if sizing else {}
        pat = generate(name, p, n, z=z, seed=5, **kw)
        assert pat.kind == name and (pat.p, pat.n) == (p, n) and pat.z == z
        assert adjmat.check(pat, raise_errors=False).duplicates == 0
        if kind.fixed_degrees:
            assert pat.fo is not None and pat.fi is not None and pat.fo * p == pat.fi * n == pat.W
        if kind.hardware_faithful:
            assert all(adjmat.is_clash_free(pat, d) for d in (1, 2, 4, 8) if p % d == 0 and
                       (kind.needs_z is False or d == z))
        assert (pat.seed is None) == (not kind.seeded)
        assert generate(name, p, n, z=z, seed=5, **kw) == pat
    if kind.needs_z:
        with pytest.raises(SpecError, match="z must be given for kind="):
            generate(name, p, n, seed=0, **(SIZE[kind.sized_by[0]] if kind.sized_by else {}))
    unknown = {"colour": 1}
    with pytest.raises(SpecError, match="unknown option"):
        generate(name, p, n, z=z, seed=0, **(SIZE[kind.sized_by[0]] if kind.sized_by else {}), **unknown)


def test_variable_degree_kinds_really_vary():
    assert generate("random", 48, 16, fo=4, seed=5).fo is None
    assert generate("usn", 48, 16, density=0.3, seed=5).fi is None   # W = 230 is not a multiple of n


def test_kinds_is_a_live_view():
    assert adjmat.KINDS == adjmat.kind_names() == ("fc", "random", "basic", "usn", "clash_free", "rtl",
                                                  "erdos_renyi")
    assert "usn" in adjmat.KINDS and "nope" not in adjmat.KINDS and ["usn"] not in adjmat.KINDS
    assert list(adjmat.KINDS)[-1] == "erdos_renyi" and len(adjmat.KINDS) == 7
