"""adjmat.usn: USN's Latin-block construction, its degrees (+/-1 on both sides) and its edge statistics."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import adjmat
from adjmat import generate
from adjmat.usn import build_usn, usn_memory, usn_rows

from .strategies import usn_sizes


def _edges(pat):
    return set(zip(pat.left.tolist(), pat.right.tolist()))


def _assert_usn_degrees(pat, W):
    p, n = pat.p, pat.n
    out_d, in_d = pat.out_degrees(), pat.in_degrees()
    assert pat.W == W
    assert out_d.min() >= W // p and out_d.max() <= -(-W // p), (out_d.min(), out_d.max())
    assert in_d.min() >= W // n and in_d.max() <= -(-W // n), (in_d.min(), in_d.max())
    assert len(_edges(pat)) == W                                  # no repeated edge
    assert np.all(np.diff(pat.right) >= 0)                        # natural order


@settings(max_examples=200)
@given(size=usn_sizes(), seed=st.integers(0, 2 ** 32 - 1))
def test_degrees_within_one_on_both_sides(size, seed):
    p, n, density = size
    _assert_usn_degrees(generate("usn", p, n, density=density, seed=seed), int(round(density * p * n)))


@pytest.mark.parametrize("p, n, fo", [(800, 100, 50), (100, 800, 400), (784, 250, 75), (64, 64, 7)])
def test_degrees_at_fo(p, n, fo):
    _assert_usn_degrees(generate("usn", p, n, fo=fo, seed=0), p * fo)


def test_usn_is_not_basic_at_the_default_network():
    for seed in range(3):
        usn = generate("usn", 800, 100, fo=50, seed=seed)
        basic = generate("basic", 800, 100, fo=50, seed=seed)
        assert usn != basic and _edges(usn) != _edges(basic)
        assert usn.fo == basic.fo == 50 and usn.fi == basic.fi == 400


def _overlaps(pat):
    mask = pat.to_mask().astype(np.int32)
    ov = mask @ mask.T                  # shared right neurons of each pair of left neurons
    np.fill_diagonal(ov, -1)
    return mask, ov


def test_latin_blocks_seen_in_the_pattern_alone():
    """800 -> 100, fo 50: each left neuron reads a cyclic window of 50 of its block's order of the 100 right
    neurons.  So each has exactly one partner with a disjoint window (rotation 50) and two whose windows share
    49 (rotations +/-1), chaining the 800 into 8 cycles of 100 (the blocks); in each block every right neuron
    is read 50 times (each column of a Latin block is a permutation).  For basic, two random 50-subsets share
    0 or 49 neurons with probability below 1e-20."""
    mask, ov = _overlaps(generate("usn", 800, 100, fo=50, seed=4))
    assert (ov == 0).sum(1).tolist() == [1] * 800
    assert (ov == 49).sum(1).tolist() == [2] * 800
    seen = np.zeros(800, bool)
    blocks = []
    for a in range(800):
        if seen[a]:
            continue
        cycle, prev, cur = [a], -1, a
        while True:
            nxt = [b for b in np.flatnonzero(ov[cur] == 49) if b != prev][0]
            if nxt == a:
                break
            cycle.append(nxt)
            prev, cur = cur, nxt
        seen[cycle] = True
        blocks.append(cycle)
    assert sorted(len(b) for b in blocks) == [100] * 8
    for b in blocks:
        assert mask[b].sum(0).tolist() == [50] * 100
    _, ov_basic = _overlaps(generate("basic", 800, 100, fo=50, seed=4))
    assert not np.any(ov_basic == 0) and not np.any(ov_basic == 49)


@pytest.mark.parametrize("p, n, W", [(800, 100, 40000), (100, 800, 40000), (37, 10, 101), (10, 37, 300),
                                     (37, 10, 360), (9, 9, 40), (1000, 3, 1500), (5, 1, 3)])
def test_rows_are_latin_blocks_read_column_by_column(p, n, W):
    rows = usn_rows(p, n, W, np.random.default_rng(7))
    n1, n2 = max(p, n), min(p, n)
    q, r = divmod(n1, n2)
    m = q + (r > 0)
    assert rows.big_is_right == (n >= p) and rows.perms.shape == (m, n2)
    assert all(sorted(perm) == list(range(n2)) for perm in rows.perms.tolist())
    for k in range(q):                               # whole blocks: every rotation once
        assert sorted(rows.start[rows.block == k].tolist()) == list(range(n2))
    if r:                                            # the last block: r evenly spaced rotations
        gaps = np.diff(np.sort(rows.start[rows.block == m - 1]).tolist() + [rows.start[rows.block == m - 1].min() + n2])
        assert len(gaps) == r and gaps.max() - gaps.min() <= 1
    for k in range(q):                               # column c of a whole block is a permutation
        sel = rows.block == k
        for c in range(min(n2, 3)):
            assert sorted(rows.perms[k, (rows.start[sel] + c) % n2].tolist()) == list(range(n2))
    D = W // n1
    assert sorted(set(rows.length.tolist())) <= [D, D + 1] and rows.length.sum() == W
    pat = build_usn(p, n, fo=None, W=W, density=None, z=None, rng=np.random.default_rng(7))
    expected = set()
    for b in range(n1):
        for c in range(rows.length[b]):
            s = int(rows.perms[rows.block[b], (rows.start[b] + c) % n2])
            expected.add((s, b) if rows.big_is_right else (b, s))
    assert _edges(pat) == expected
    _assert_usn_degrees(pat, W)


def test_within_a_right_neuron_edges_keep_the_column_order():
    # larger side left: right neuron s collects its left neurons column by column (column, then row order)
    rows = usn_rows(12, 4, 30, np.random.default_rng(3))
    pat = build_usn(12, 4, fo=None, W=30, density=None, z=None, rng=np.random.default_rng(3))
    for s in range(4):
        got = pat.left[pat.right == s].tolist()
        want = [b for c in range(3) for b in range(12)
                if c < rows.length[b] and rows.perms[rows.block[b], (rows.start[b] + c) % 4] == s]
        assert got == want


def test_pinned_values():
    pat = generate("usn", 7, 3, density=0.5, seed=11)
    assert pat.left.tolist() == [3, 4, 6, 2, 2, 5, 0, 0, 1, 6]
    assert pat.right.tolist() == [0, 0, 0, 0, 1, 1, 1, 2, 2, 2]
    pat = generate("usn", 3, 8, fo=3, seed=2)
    assert pat.left.tolist() == [1, 1, 2, 2, 0, 1, 2, 0, 0]
    assert pat.right.tolist() == [0, 1, 2, 3, 3, 4, 5, 6, 7]
    pat = generate("usn", 800, 100, fo=50, seed=0)
    assert pat.left[:8].tolist() == [159, 282, 320, 409, 473, 640, 733, 796]
    assert generate("usn", 800, 100, fo=50, seed=0) == pat and generate("usn", 800, 100, fo=50, seed=1) != pat


def test_memory_estimate_covers_the_build():
    import tracemalloc
    for p, n, fo in [(4000, 50, 10), (50, 4000, 4000), (20000, 1, 1)]:
        generate("usn", p, n, fo=fo, seed=0)                # warm the kernel outside the measurement
        tracemalloc.start()
        pat = generate("usn", p, n, fo=fo, seed=0)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak <= usn_memory(p, n, pat.W), (p, n, peak, usn_memory(p, n, pat.W))
    assert adjmat.get_kind("usn").memory is usn_memory


def test_registered_kinds_differ_where_the_pattern_is_not_forced():
    """At the default network's first junction (800 -> 100, fo 50) the built-in kinds give pairwise different
    edge sets; at fo = n (its second junction, 100 -> 10, fo 10) every kind is fully connected."""
    def edge_sets(p, n, fo):
        out = {}
        for kind in ("fc", "random", "basic", "usn", "clash_free", "rtl", "erdos_renyi"):
            kw = {} if kind == "fc" else {"density": fo / n} if kind == "erdos_renyi" else {"fo": fo}
            out[kind] = frozenset(_edges(generate(kind, p, n, seed=0, z=p // 2 if kind == "clash_free" else None,
                                                  **kw)))
        return out

    first = edge_sets(800, 100, 50)
    assert len(set(first.values())) == len(first)
    second = edge_sets(100, 10, 10)
    assert len(set(second.values())) == 1 and len(second["usn"]) == 1000
