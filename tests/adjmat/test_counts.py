"""count_clash_free against exhaustive enumeration and sampling; usn_model_space against exact big integers.

The clash-free construction of docs/patterns.md §4 is written again here, independently of adjmat: every start
vector / lane permutation / bank dither is enumerated with itertools, each adjacency matrix is built as a
frozenset of (right, left) edges, and the distinct ones are counted.
"""
import itertools
import math

import numpy as np
import pytest
from hypothesis import assume, given, settings, strategies as st

from adjmat import SpecError, generate
from adjmat.counts import count_clash_free, usn_model_space

from .strategies import clash_free_specs


# ---------------------------------------------------------------- independent construction and enumeration
def sweep_options(p, z, type_, dither):
    """All (bank dither, per-lane clock->address maps) choices of one sweep."""
    D = p // z
    dithers = list(itertools.permutations(range(z))) if dither else [tuple(range(z))]
    if type_ == 1:
        lane_maps = list(itertools.product(list(itertools.permutations(range(D))), repeat=z))
    else:
        lane_maps = [tuple(tuple((s + c) % D for c in range(D)) for s in starts)
                     for starts in itertools.product(range(D), repeat=z)]
    return [(v, t) for v in dithers for t in lane_maps]


def sweep_edges(p, fi, z, s, option):
    """Edges of sweep s: edge j = s*p + c*z + m goes to right j // fi and left t_m(c)*z + v_m."""
    v, t = option
    D = p // z
    return frozenset(((s * p + c * z + m) // fi, t[m][c] * z + v[m]) for c in range(D) for m in range(z))


def enumerate_count(p, n, fo, z, type_, dither):
    """Exact number of distinct matrices, by enumeration.

    Types 1 and 2 draw every sweep independently and the sweeps cover disjoint right-neuron ranges (asserted),
    so the distinct matrices are exactly the tuples of distinct sweep matrices: the product of per-sweep
    counts.  Type 3 uses one choice for all sweeps: whole matrices are enumerated.
    """
    fi = p * fo // n
    options = sweep_options(p, z, type_, dither)
    if type_ == 3:
        return len(enumerate_whole(p, n, fo, z, type_, dither))
    total, rights_seen = 1, set()
    for s in range(fo):
        distinct = {sweep_edges(p, fi, z, s, o) for o in options}
        rights = {r for mat in distinct for r, _ in mat}
        assert not rights & rights_seen, "sweeps must use disjoint right neurons"
        rights_seen |= rights
        total *= len(distinct)
    return total


def enumerate_whole(p, n, fo, z, type_, dither):
    """Distinct whole matrices over every combination of per-sweep choices (type 3: one choice for all
    sweeps); small cases only."""
    fi = p * fo // n
    options = sweep_options(p, z, type_, dither)
    if type_ == 3:
        return {frozenset().union(*(sweep_edges(p, fi, z, s, o) for s in range(fo))) for o in options}
    per_sweep = [[sweep_edges(p, fi, z, s, o) for o in options] for s in range(fo)]
    return {frozenset().union(*combo) for combo in itertools.product(*per_sweep)}


def regime(p, n, fo, z):
    fi = p * fo // n
    return "fi|z" if z % fi == 0 else ("z|fi" if fi % z == 0 else "neither")


def choices(p, fo, z, type_, dither, whole=False):
    """How many constructions enumerate_count (per sweep) or enumerate_whole (whole=True) builds."""
    D = p // z
    per = (math.factorial(z) if dither else 1) * (math.factorial(D) ** z if type_ == 1 else D ** z)
    if type_ == 3:
        return per
    return per ** fo if whole else per * fo


# Tiny configurations (p, n, fo, z) covering the three regimes, fo == n, z == p and D == 1.
CONFIGS = [
    (9, 6, 2, 3),      # fi = 3 = z (spec example)
    (12, 12, 2, 4),    # fi = 2 | z = 4 (spec example, k = 6 with dither)
    (4, 4, 1, 2),      # fi = 1
    (6, 6, 2, 3),      # fi = 2 | ... neither: fi=2, z=3
    (6, 4, 2, 2),      # fi = 3, z = 2: neither (the original code's "parasitic" case)
    (6, 4, 2, 3),      # fi = 3 = z
    (8, 2, 1, 2),      # fi = 4, z | fi, g = 2 clocks per right neuron
    (8, 4, 2, 2),      # fi = 4, z = 2, fo = 2
    (6, 2, 1, 2),      # fi = 3, z = 2: neither, fi > z
    (6, 2, 1, 3),      # fi = 3 = z
    (12, 2, 1, 4),     # fi = 6, z = 4: neither, fi > z
    (12, 4, 1, 4),     # fi = 3, z = 4: neither, fi < z
    (10, 2, 1, 2),     # fi = 5, z = 2: neither
    (10, 5, 1, 5),     # fi = 2, z = 5: neither
    (6, 3, 3, 2),      # fo == n: fully connected, fi = p
    (4, 2, 2, 2),      # fo == n with z | fi
    (4, 4, 2, 4),      # z == p (D == 1)
    (6, 6, 3, 6),      # z == p, fi = 3
    (8, 8, 2, 4),      # fi = 2 | z = 4, D = 2
]


def _cases():
    for cfg in CONFIGS:
        for type_ in (1, 2, 3):
            for dither in (False, True):
                if choices(cfg[0], cfg[2], cfg[3], type_, dither) <= 40_000:
                    yield cfg, type_, dither


CASES = list(_cases())


def test_configs_cover_all_regimes():
    seen = {regime(*cfg) for cfg, _, _ in CASES}
    assert seen == {"fi|z", "z|fi", "neither"}
    assert len(CASES) > 80


@pytest.mark.parametrize("cfg,type_,dither", CASES, ids=[f"{c}-t{t}-d{int(d)}" for c, t, d in CASES])
def test_count_matches_enumeration(cfg, type_, dither):
    p, n, fo, z = cfg
    assert count_clash_free(p, n, fo, z, type=type_, dither=dither) == enumerate_count(p, n, fo, z, type_, dither)


@pytest.mark.parametrize("cfg,type_,dither", [
    ((9, 6, 2, 3), 2, False), ((9, 6, 2, 3), 1, False), ((6, 4, 2, 2), 2, True), ((8, 4, 2, 2), 1, False),
    ((6, 4, 2, 3), 2, True), ((4, 4, 1, 2), 1, True),
])
def test_product_over_sweeps_equals_whole_enumeration(cfg, type_, dither):
    """The per-sweep product used above agrees with enumerating whole matrices (frozensets of all edges)."""
    p, n, fo, z = cfg
    whole = enumerate_whole(p, n, fo, z, type_, dither)
    assert len(whole) == enumerate_count(p, n, fo, z, type_, dither) == count_clash_free(
        p, n, fo, z, type=type_, dither=dither)


def all_tiny_configs(max_p=12, budget=3_000):
    """Every (p, n, fo, z, type, dither) with p <= max_p the generator accepts, within an enumeration budget."""
    for p in range(1, max_p + 1):
        for z in (d for d in range(1, p + 1) if p % d == 0):
            for n in range(1, max_p + 1):
                for fo in range(1, n + 1):
                    if (p * fo) % n or p % (p * fo // n):
                        continue
                    for type_ in (1, 2, 3):
                        for dither in (False, True):
                            if choices(p, fo, z, type_, dither) <= budget:
                                yield p, n, fo, z, type_, dither


def test_every_tiny_configuration():
    """Exhaustive over all accepted configurations with p <= 12 (3,000+, all three regimes)."""
    checked = {"fi|z": 0, "z|fi": 0, "neither": 0}
    for p, n, fo, z, type_, dither in all_tiny_configs():
        got = count_clash_free(p, n, fo, z, type=type_, dither=dither)
        assert got == enumerate_count(p, n, fo, z, type_, dither), (p, n, fo, z, type_, dither)
        checked[regime(p, n, fo, z)] += 1
    assert min(checked.values()) >= 100 and sum(checked.values()) > 3000


def test_spec_examples():
    assert [count_clash_free(9, 6, 2, 3, type=t) for t in (1, 2, 3)] == [46_656, 729, 27]
    assert [count_clash_free(9, 6, 2, 3, type=t, dither=True) for t in (1, 2, 3)] == [46_656, 729, 27]
    assert [count_clash_free(12, 12, 2, 4, type=t, dither=True) for t in (1, 2, 3)] == [
        60_466_176, 236_196, 486]
    assert [count_clash_free(12, 12, 2, 4, type=t) for t in (1, 2, 3)] == [
        (math.factorial(3) ** 4) ** 2, (3 ** 4) ** 2, 3 ** 4]


def test_spec_example_type1_by_whole_enumeration():
    assert len(enumerate_whole(9, 6, 2, 3, 1, False)) == 46_656


# ---------------------------------------------------------------- the closed forms of each regime
@given(spec=clash_free_specs(max_z=64, max_depth=40, max_fo=8), dither=st.booleans())
def test_closed_forms_of_the_spec_and_the_lead(spec, dither):
    p, n, fo, z, fi = spec
    D = p // z
    t1, t2, t3 = (count_clash_free(p, n, fo, z, type=t, dither=dither) for t in (1, 2, 3))
    assert t2 == t3 ** fo
    if z % fi == 0:                              # spec: exact when fi | z
        k = math.factorial(z) // math.factorial(fi) ** (z // fi) if dither else 1
        assert t1 == (k * math.factorial(D) ** z) ** fo
        if fi < p:
            assert t2 == (k * D ** z) ** fo
    if fi % z == 0:                              # z | fi: g = fi/z clocks per right neuron, dither invisible
        g = fi // z
        assert t1 == (math.factorial(D) // math.factorial(g) ** (D // g)) ** (z * fo)
        assert t2 == ((D ** z) ** fo if fi < p else 1)
        assert t1 == count_clash_free(p, n, fo, z, type=1, dither=not dither)
    if fi == p:                                  # fo == n: the fully connected matrix only
        assert t1 == t2 == t3 == 1


@settings(max_examples=40)
@given(z=st.integers(1, 4), D=st.integers(1, 3), fi_pick=st.integers(0, 20), fo=st.integers(1, 3),
       type_=st.sampled_from([1, 2, 3]), dither=st.booleans())
def test_count_matches_enumeration_property(z, D, fi_pick, fo, type_, dither):
    p = z * D
    divs = [d for d in range(1, p + 1) if p % d == 0]
    fi = divs[fi_pick % len(divs)]
    assume((p * fo) % fi == 0 and fo <= p * fo // fi)
    n = p * fo // fi
    assume(choices(p, fo, z, type_, dither) <= 6_000)
    assert count_clash_free(p, n, fo, z, type=type_, dither=dither) == enumerate_count(p, n, fo, z, type_, dither)


# ---------------------------------------------------------------- sampling the real generator
def sampled(p, n, fo, z, type_, dither, draws):
    return {frozenset(zip(pat.right.tolist(), pat.left.tolist()))
            for pat in (generate("clash_free", p, n, fo=fo, z=z, seed=s, type=type_, dither=dither)
                        for s in range(draws))}


@pytest.mark.parametrize("cfg,type_,dither", [
    ((9, 6, 2, 3), 3, False),     # 27
    ((12, 12, 2, 4), 3, False),   # 81
    ((6, 4, 2, 2), 3, True),      # neither regime: 2 * 3^2 = 18
    ((6, 4, 2, 2), 2, False),     # 81
    ((8, 2, 1, 2), 1, True),      # z | fi: (4!/(2!2!))^2 = 36, dither invisible
    ((8, 2, 1, 2), 2, True),      # 16
    ((12, 4, 1, 4), 2, True),     # neither, fi < z: 4! * 3^4 = 1944 (checked as an upper bound)
    ((4, 4, 2, 4), 2, True),      # z == p (D = 1): only the dither shows, (4!/(2!)^2)^2 = 36
    ((6, 3, 3, 2), 1, True),      # fully connected: 1
])
def test_generator_samples_stay_within_and_reach_the_count(cfg, type_, dither):
    p, n, fo, z = cfg
    count = count_clash_free(p, n, fo, z, type=type_, dither=dither)
    small = choices(p, fo, z, type_, dither, whole=True) <= 5_000
    universe = enumerate_whole(p, n, fo, z, type_, dither) if small else None
    draws = min(2_000, int(count * (math.log(count) + 6)) + 20)
    seen = sampled(p, n, fo, z, type_, dither, draws)
    assert len(seen) <= count
    if universe is not None:
        assert seen <= universe, "the generator produced a matrix outside the enumerated construction"
        assert len(universe) == count
    if count <= 200:
        assert len(seen) == count


def test_large_counts_are_exact_ints():
    c = count_clash_free(1024, 64, 4, 128, type=2)
    assert isinstance(c, int) and c == 8 ** (128 * 4)
    c1 = count_clash_free(1024, 64, 4, 128, type=1, dither=True)
    k = math.factorial(128) // math.factorial(64) ** 2       # fi = 64 divides z = 128
    assert c1 == (k * math.factorial(8) ** 128) ** 4
    assert count_clash_free(2 ** 12, 2 ** 12, 16, 256, type=3, dither=False) == 16 ** 256


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("kwargs,message", [
    (dict(p=0, n=4, fo=1, z=1), r"count_clash_free: p must be a positive integer; received p=0"),
    (dict(p=4, n=-1, fo=1, z=1), r"count_clash_free: n must be a positive integer; received n=-1"),
    (dict(p=4, n=4, fo=2.0, z=1), r"count_clash_free: fo must be a positive integer; received fo=2.0"),
    (dict(p=4, n=4, fo=1, z=None), r"count_clash_free: z must be a positive integer; received z=None"),
    (dict(p=4, n=4, fo=5, z=2), r"count_clash_free: fo must be an integer <= 4; received fo=5"),
    (dict(p=4, n=4, fo=1, z=2, type=4), r"count_clash_free: type must be 1, 2 or 3 .*received type=4"),
    (dict(p=4, n=4, fo=1, z=2, type=True), r"type must be 1, 2 or 3"),
    (dict(p=4, n=4, fo=1, z=2, dither=1), r"count_clash_free: dither must be True or False; received dither=1"),
    (dict(p=4, n=4, fo=1, z=3), r"count_clash_free: z must be a divisor of p \(4\).*Try z=2 or z=4"),
    (dict(p=4, n=3, fo=1, z=2), r"count_clash_free: fi = p\*fo/n = 4\*1/3 = 1\.33\d* must be a whole number"),
    (dict(p=4, n=4, fo=3, z=2), r"count_clash_free: fi = p\*fo/n = 4\*3/4 = 3 must divide p \(4\) so that "
                                r"no right neuron straddles a sweep.*try fo=2 \(fi=2\) or fo=4 \(fi=4\)"),
])
def test_bad_input_messages(kwargs, message):
    with pytest.raises(SpecError, match=message):
        count_clash_free(**kwargs)


def test_refuses_exactly_where_the_generator_refuses():
    # the configuration where the original generator produced duplicate edges
    with pytest.raises(SpecError, match=r"fi \(3\) to divide p \(4\)"):
        generate("clash_free", 4, 4, fo=3, z=2, seed=0)
    with pytest.raises(SpecError, match=r"fi = p\*fo/n = 4\*3/4 = 3 must divide p \(4\)"):
        count_clash_free(4, 4, 3, 2)


# ---------------------------------------------------------------- usn_model_space
def exact_log10s(nin, nout, dout, din):
    W = nin * dout
    N = math.comb(nin * nout, W)
    N1 = math.comb(nout, dout) ** nin
    N2 = math.comb(nin, din) ** nout
    return {"log10_N": math.log10(N), "log10_N1": math.log10(N1), "log10_N2": math.log10(N2),
            "log10_p1": math.log10(N1) - math.log10(N), "log10_p2": math.log10(N2) - math.log10(N),
            "log10_Nu": math.log10(N1) + math.log10(N2) - math.log10(N)}


@pytest.mark.parametrize("nin,nout,density", [
    (4, 4, 0.5), (8, 4, 0.25), (10, 20, 0.1), (30, 12, 0.5), (16, 16, 1.0), (25, 40, 0.2), (7, 9, 0.33),
    (60, 30, 0.05),
])
def test_usn_model_space_matches_exact_big_integers(nin, nout, density):
    ms = usn_model_space(nin, nout, density)
    dout, din = ms["dout"], ms["din"]
    assert dout == math.floor(density * nout + 0.5) and din == math.floor(density * nin + 0.5)
    assert ms["W"] == nin * dout
    for key, val in exact_log10s(nin, nout, dout, din).items():
        assert ms[key] == pytest.approx(val, rel=1e-9, abs=1e-9), key
    assert ms["log10_p"] == pytest.approx(ms["log10_p1"] + ms["log10_p2"], rel=1e-12, abs=1e-12)
    assert ms["V"] == pytest.approx(1 - density)
    assert ms["log10_N1"] <= ms["log10_N"] + 1e-9 and ms["log10_N2"] <= ms["log10_N"] + 1e-9


@settings(max_examples=30)
@given(nin=st.integers(1, 40), nout=st.integers(1, 40), density=st.floats(0.02, 1.0))
def test_usn_model_space_property(nin, nout, density):
    assume(math.floor(density * nout + 0.5) >= 1 and math.floor(density * nin + 0.5) >= 1)
    ms = usn_model_space(nin, nout, density)
    for key, val in exact_log10s(nin, nout, ms["dout"], ms["din"]).items():
        assert ms[key] == pytest.approx(val, rel=1e-9, abs=1e-9), key


def test_usn_model_space_large_sizes_stay_finite_and_accurate():
    # the huge-a, small-b corner, where a difference of lgamma values would lose most digits
    ms = usn_model_space(1_000, 1_000, 1e-3)
    assert ms["dout"] == ms["din"] == 1
    assert ms["log10_N"] == pytest.approx(math.log10(math.comb(10 ** 6, 10 ** 3)), rel=1e-9)
    assert ms["log10_N1"] == pytest.approx(10 ** 3 * math.log10(10 ** 3), rel=1e-12)
    assert ms["log10_Nu"] == pytest.approx(2 * 3000 - math.log10(math.comb(10 ** 6, 10 ** 3)), rel=1e-9)
    big = usn_model_space(20_000, 20_000, 0.001)
    assert all(np.isfinite(v) for v in big.values())
    assert big["log10_Nu"] < big["log10_N"]


def test_usn_model_space_rounding_is_stated():
    ms = usn_model_space(784, 100, 0.1)             # din = 78.4 -> 78
    assert (ms["dout"], ms["din"], ms["W"]) == (10, 78, 7840)
    assert usn_model_space(10, 10, 0.25)["dout"] == 3   # 2.5 rounds half up


@pytest.mark.parametrize("args,message", [
    ((0, 4, 0.5), r"usn_model_space: p must be a positive integer; received p=0"),
    ((4, 2.0, 0.5), r"usn_model_space: n must be a positive integer; received n=2.0"),
    ((4, 4, 0.0), r"usn_model_space: density must be a finite number in \(0, 1\]; received density=0.0"),
    ((4, 4, 1.5), r"density must be a finite number in \(0, 1\]; received density=1.5"),
    ((4, 4, "0.5"), r"density must be a finite number"),
    ((100, 10, 0.01), r"usn_model_space: density \(0.01\) gives dout = round\(density\*n\) = 0 .*try "
                      r"density=0.05 or more"),
])
def test_usn_model_space_bad_input(args, message):
    with pytest.raises(SpecError, match=message):
        usn_model_space(*args)


def test_usn_model_space_by_keyword():
    assert usn_model_space(784, 100, 0.1) == usn_model_space(p=784, n=100, density=0.1)
