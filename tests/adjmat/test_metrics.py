"""scatter: hand-computed values, fully connected nets, and agreement with a slow plain-loop reference."""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from adjmat import Pattern, SpecError, generate
from adjmat import metrics
from adjmat.metrics import scatter


# ---------------------------------------------------------------- slow reference: plain Python loops
def ref_starts(size, w, s):
    starts = list(range(0, size - w + 1, s))
    if starts[-1] + w < size:
        starts.append(size - w)
    return starts


def ref_windows(size, w, s, shape2d=None):
    if shape2d is None:
        w = min(w, size)
        return [list(range(a, a + w)) for a in ref_starts(size, w, s)]
    H, W = shape2d
    h, ww = min(w[0], H), min(w[1], W)
    return [[(y + a) * W + x + b for a in range(h) for b in range(ww)]
            for y in ref_starts(H, h, s[0]) for x in ref_starts(W, ww, s[1])]


def ref_dense(pat):
    m = [[0] * pat.p for _ in range(pat.n)]
    for l, r in zip(pat.left.tolist(), pat.right.tolist()):
        m[r][l] += 1
    return m


def ref_matmul(a, b):
    return [[sum(a[i][k] * b[k][j] for k in range(len(b))) for j in range(len(b[0]))] for i in range(len(a))]


def ref_transpose(a):
    return [list(col) for col in zip(*a)]


def ref_scores(m, wins, n_source):
    out = []
    for row in m:
        total = sum(row)
        if total == 0:
            out.append(0.0)
            continue
        ideal = len(wins[0]) * total / n_source
        vals = [min(sum(row[i] for i in win) / ideal, 1.0) for win in wins]
        out.append(sum(vals) / len(vals))
    return out


def ref_scatter(pats, windows, strides, image_shape=None):
    sizes = [pats[0].p] + [p.n for p in pats]
    wins = [ref_windows(sizes[k], windows[k], strides[k], image_shape if k == 0 else None)
            for k in range(len(sizes))]
    mats = [ref_dense(p) for p in pats]
    fwd = [np.mean(ref_scores(mats[i], wins[i], sizes[i])) for i in range(len(pats))]
    rev = [np.mean(ref_scores(ref_transpose(mats[i]), wins[i + 1], sizes[i + 1])) for i in range(len(pats))]
    net = mats[0]
    for m in mats[1:]:
        net = ref_matmul(m, net)
    per_out = ref_scores(net, wins[0], sizes[0])
    per_in = ref_scores(ref_transpose(net), wins[-1], sizes[-1])
    return fwd, rev, per_out, per_in


# ---------------------------------------------------------------- hand-computed values
def test_fully_connected_is_one():
    for pats, kwargs in [
        ([generate("fc", 12, 6)], dict(windows=4)),
        ([generate("fc", 16, 8), generate("fc", 8, 4)], dict(windows=[4, 3, 2], stride=[2, 1, 1])),
        ([generate("fc", 16, 5), generate("fc", 5, 3), generate("fc", 3, 2)], dict(windows=5)),
        ([generate("fc", 36, 4)], dict(windows=[(2, 3), 2], stride=[(1, 2), 1], image_shape=(6, 6))),
    ]:
        res = scatter(pats, **kwargs)
        assert res["scatter"] == 1.0
        assert res["forward"] == [1.0] * len(pats) and res["reverse"] == [1.0] * len(pats)
        assert np.all(res["per_output"] == 1.0) and np.all(res["per_input"] == 1.0)


def test_output_that_sees_half_the_inputs():
    # output 0 <- all 8 inputs; output 1 <- inputs 0..3.  Windows of 2: output 1 sees 2 of 4 windows fully.
    half = Pattern(left=list(range(8)) + [0, 1, 2, 3], right=[0] * 8 + [1] * 4, p=8, n=2)
    res = scatter(half, windows=2)
    assert res["per_output"].tolist() == [1.0, 0.5]
    assert res["forward"] == [0.75] and res["net_forward"] == 0.75
    assert res["reverse"] == [1.0] and res["net_reverse"] == 1.0      # one window of both outputs
    assert res["scatter"] == 0.75
    assert res["windows"] == [(4, 2), (1, 2)]


def test_two_junction_hand_example():
    # hidden 0 <- inputs 0..3, hidden 1 <- inputs 4..7; output 0 <- hidden 0, output 1 <- hidden 0 and 1.
    a1 = Pattern(left=list(range(8)), right=[0] * 4 + [1] * 4, p=8, n=2)
    a2 = Pattern(left=[0, 0, 1], right=[0, 1, 1], p=2, n=2)
    res = scatter([a1, a2], windows=[4, 1, 1])
    # junction 1 forward: each hidden neuron sees 1 of the 2 input windows -> 0.5
    # junction 2 forward: output 0 total 1, ideal 0.5, counts [1, 0] -> 0.5; output 1 -> 1; mean 0.75
    assert res["forward"] == [0.5, 0.75]
    # junction 1 reverse: each input reaches 1 of 2 hidden neurons, ideal 0.5 -> 0.5
    # junction 2 reverse: hidden 0 reaches both outputs -> 1; hidden 1: ideal 0.5, counts [0, 1] -> 0.5
    assert res["reverse"] == [0.5, 0.75]
    # network: output 0 gets paths from inputs 0..3 only (0.5), output 1 from all (1)
    assert res["per_output"].tolist() == [0.5, 1.0] and res["net_forward"] == 0.75
    # inputs 0..3 reach both outputs (1), inputs 4..7 only output 1 (0.5)
    assert res["per_input"].tolist() == [1.0] * 4 + [0.5] * 4 and res["net_reverse"] == 0.75
    assert res["scatter"] == 0.5


def test_image_patches_differ_from_rows():
    # 4x4 image, one output wired to the top-left 2x2 quadrant (pixels 0, 1, 4, 5)
    quad = Pattern(left=[0, 1, 4, 5], right=[0] * 4, p=16, n=1)
    res2d = scatter(quad, windows=[2, 1], image_shape=(4, 4))
    assert res2d["windows"][0] == (4, 4)
    assert res2d["per_output"].tolist() == [0.25]             # one of four patches
    res1d = scatter(quad, windows=[4, 1])
    assert res1d["per_output"].tolist() == [0.5]              # rows 0 and 1 each hold two of its inputs
    assert res1d["net_reverse"] == res2d["net_reverse"] == 0.25   # 12 inputs reach nothing -> 0


def test_block_diagonal_is_blind_and_usn_is_not():
    block = Pattern(left=np.arange(64), right=np.arange(64) // 8, p=64, n=8)   # output r <- inputs 8r..8r+7
    assert scatter(block, windows=8)["forward"] == [0.125]
    usn = generate("usn", 64, 8, fo=1, seed=0)
    assert scatter(usn, windows=8)["forward"][0] > 0.4


def test_windows_cover_the_tail_and_clip_to_the_layer():
    pat = generate("usn", 10, 3, fo=2, seed=1)
    res = scatter(pat, windows=[3, 8])
    assert res["windows"] == [(4, 3), (1, 3)]       # starts 0, 3, 6 and 7; right layer window clipped to 3
    fwd, rev, per_out, per_in = ref_scatter([pat], [3, 8], [3, 8])
    assert res["forward"] == pytest.approx(fwd) and res["reverse"] == pytest.approx(rev)


def test_blocks_of_windows_give_the_same_result(monkeypatch):
    pats = [generate("random", 60, 30, density=0.2, seed=3), generate("usn", 30, 7, density=0.3, seed=4)]
    whole = scatter(pats, windows=[5, 3, 2], stride=[2, 1, 1])
    monkeypatch.setattr(metrics, "_BLOCK_ENTRIES", 1)       # one window per block
    blocks = scatter(pats, windows=[5, 3, 2], stride=[2, 1, 1])
    assert blocks["forward"] == pytest.approx(whole["forward"], abs=1e-12)
    np.testing.assert_allclose(blocks["per_output"], whole["per_output"], atol=1e-12)
    np.testing.assert_allclose(blocks["per_input"], whole["per_input"], atol=1e-12)


# ---------------------------------------------------------------- agreement with the slow reference
@st.composite
def nets(draw):
    L = draw(st.integers(1, 3))
    sizes = [draw(st.integers(1, 12)) for _ in range(L + 1)]
    pats = []
    for i in range(L):
        p, n = sizes[i], sizes[i + 1]
        kind = draw(st.sampled_from(["random", "usn"]))
        W = draw(st.integers(1, p * n))
        pats.append(generate(kind, p, n, density=W / (p * n), seed=draw(st.integers(0, 2 ** 20))))
    image_shape = None
    if draw(st.booleans()):
        hs = [h for h in range(1, sizes[0] + 1) if sizes[0] % h == 0]
        H = draw(st.sampled_from(hs))
        image_shape = (H, sizes[0] // H)
    windows, strides = [], []
    for k in range(len(sizes)):
        if k == 0 and image_shape is not None:
            windows.append((draw(st.integers(1, 5)), draw(st.integers(1, 5))))
            strides.append((draw(st.integers(1, 4)), draw(st.integers(1, 4))))
        else:
            windows.append(draw(st.integers(1, 6)))
            strides.append(draw(st.integers(1, 6)))
    return pats, windows, strides, image_shape


@settings(max_examples=80)
@given(net=nets())
def test_agrees_with_plain_loop_reference(net):
    pats, windows, strides, image_shape = net
    res = scatter(pats, windows=windows, stride=strides, image_shape=image_shape)
    fwd, rev, per_out, per_in = ref_scatter(pats, windows, strides, image_shape)
    assert res["forward"] == pytest.approx(fwd, abs=1e-12)
    assert res["reverse"] == pytest.approx(rev, abs=1e-12)
    np.testing.assert_allclose(res["per_output"], per_out, atol=1e-12)
    np.testing.assert_allclose(res["per_input"], per_in, atol=1e-12)
    assert res["scatter"] == pytest.approx(min(fwd + rev + [np.mean(per_out), np.mean(per_in)]), abs=1e-12)
    assert 0.0 <= res["scatter"] <= 1.0


def test_mnist_sized_network_runs_sparse():
    pats = [generate("clash_free", 800, 100, fo=10, z=80, seed=0), generate("usn", 100, 10, fo=1, seed=0)]
    res = scatter(pats, windows=[(4, 4), 10, 10], image_shape=(20, 40))
    assert res["windows"][0] == (50, 16)
    assert all(0.0 <= v <= 1.0 for v in res["forward"] + res["reverse"])
    assert res["per_output"].shape == (10,) and res["per_input"].shape == (800,)


# ---------------------------------------------------------------- bad input
def test_bad_input_messages():
    pat = generate("fc", 4, 2)
    cases = [
        (dict(patterns="x"), r"scatter: patterns must be an adjmat.Pattern or a sequence of them"),
        (dict(patterns=[]), r"scatter: patterns must be a non-empty sequence of adjmat.Pattern"),
        (dict(patterns=[pat, 3]), r"scatter: patterns\[1\] must be an adjmat.Pattern; received patterns\[1\]='int'"),
        (dict(patterns=[pat, generate("fc", 3, 2)]),
         r"scatter: junctions must chain: patterns\[1\].p must equal patterns\[0\].n \(2\); received "
         r"patterns\[1\].p=3"),
        (dict(patterns=pat, windows=0), r"scatter: windows must be a positive integer; received windows=0"),
        (dict(patterns=pat, windows=[2, 2, 2]), r"scatter: windows must be a positive int or a sequence of 2 "
                                                r"items"),
        (dict(patterns=pat, windows=[(2, 2), 1]), r"scatter: windows must be a positive integer; received "
                                                  r"windows=\(2, 2\)"),
        (dict(patterns=pat, stride=-1), r"scatter: stride must be a positive integer; received stride=-1"),
        (dict(patterns=pat, stride=1.5), r"scatter: stride must be a positive int or a sequence of 2 items .*"
                                          r"received stride=1.5"),
        (dict(patterns=pat, image_shape=(3, 2)), r"scatter: image_shape H\*W must equal the input size "
                                                 r"patterns\[0\].p \(4\); received image_shape=\(3, 2\)"),
        (dict(patterns=pat, image_shape=4), r"scatter: image_shape must be an \(H, W\) pair"),
        (dict(patterns=pat, image_shape=(2, 2), windows=[(1, 2, 3), 1]),
         r"scatter: windows must be a positive int or an \(h, w\) pair"),
    ]
    for kwargs, message in cases:
        patterns = kwargs.pop("patterns")
        with pytest.raises(SpecError, match=message):
            scatter(patterns, **kwargs)
