"""Functional mode of hwsim: values checked against the independent numpy references in reference.py."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import adjmat
from hwsim.config import HardwareConfig
from hwsim.functional import (ETA_SCHEDULE_FPGA, infer, initial_weights, train, weights_from_dense,
                              weights_to_dense)
from predefsparse.datasets import MNIST_MD5, read_idx  # numpy-only module (never imports Keras)

from . import reference as ref

MNIST = Path(__file__).resolve().parents[2] / "datasets" / "mnist"
FPGA = dict(config=(1024, 64, 32), fo=(4, 16), z=(128, 32))


def _mnist(split: str, n: int | None = None):
    """(uint8 images (N, 784), int labels (N,)) from the repository's MNIST IDX files (md5-checked)."""
    stem = "train" if split == "train" else "t10k"
    images = read_idx(MNIST / f"{stem}-images-idx3-ubyte.gz", md5=MNIST_MD5[f"{stem}-images-idx3-ubyte"])
    labels = read_idx(MNIST / f"{stem}-labels-idx1-ubyte.gz", md5=MNIST_MD5[f"{stem}-labels-idx1-ubyte"])
    images = images.reshape(images.shape[0], -1)
    return images[:n], labels[:n].astype(np.int64)


def _pad(images: np.ndarray, width: int = 1024) -> np.ndarray:
    return np.pad(images, ((0, 0), (0, width - images.shape[1])))


def _setup(config, fo, z, kind="clash_free", seed=0, n_inputs=12, data_seed=1):
    net = adjmat.NetSpec(config, fo, z)
    pats = adjmat.generate_network(net, kind, seed=seed) if kind != "rtl" else adjmat.generate_network(net, "rtl")
    rng = np.random.default_rng(data_seed)
    x = rng.random((n_inputs, config[0]))
    y = rng.integers(0, config[-1], n_inputs)
    return net, pats, x, y


def _edges(pats):
    return [(np.asarray(p.left).tolist(), np.asarray(p.right).tolist()) for p in pats]


def _assert_float_equal(res, Wt, bt, pats, rtol=1e-6):
    for (kernel, bias), Wr, br in zip(res.dense(pats), Wt, bt):
        np.testing.assert_allclose(kernel, Wr, rtol=rtol, atol=1e-12)
        np.testing.assert_allclose(bias, br, rtol=rtol, atol=1e-12)


# --------------------------------------------------------------------------------------------- float


@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
@pytest.mark.parametrize("net_args,kind", [
    (((16, 8, 4), (2, 2), (8, 4)), "clash_free"),
    (((12, 6, 6, 3), (2, 3, 1), (4, 6, 2)), "basic"),
    (((10, 5), (2,), (5,)), "random"),
])
def test_flush_float64_equals_masked_mlp_sgd(activation, net_args, kind):
    net, pats, x, y = _setup(*net_args, kind=kind, n_inputs=15)
    cfg = HardwareConfig(rmw="forward", activation=activation)
    w0 = initial_weights(pats, seed=5)
    res = train(net, pats, cfg, (x, y), epochs=2, pipelined=False, eta=0.25, weights=w0)
    order = np.tile(np.arange(len(x)), 2)
    Wt, bt, preds, _ = ref.float_sgd(x[order], y[order], _edges(pats), net.config, [w for w, _ in w0],
                                     [b for _, b in w0], np.full(len(order), 0.25), activation=activation)
    _assert_float_equal(res, Wt, bt, pats)
    np.testing.assert_array_equal(res.predictions, preds)
    assert res.staleness == (0,) * net.L
    assert res.junction_cycles == (2 * net.L + 1) * len(order)


@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
@pytest.mark.parametrize("net_args", [((16, 8, 4), (2, 2), (8, 4)), ((12, 6, 6, 3), (2, 3, 1), (4, 6, 2))])
def test_pipelined_float64_equals_delayed_update_reference(activation, net_args):
    net, pats, x, y = _setup(*net_args, n_inputs=20, kind="basic")
    cfg = HardwareConfig(rmw="forward", activation=activation)
    w0 = initial_weights(pats, seed=2)
    res = train(net, pats, cfg, (x, y), pipelined=True, eta=0.5, weights=w0)
    Wt, bt, preds, _ = ref.float_sgd(x, y, _edges(pats), net.config, [w for w, _ in w0], [b for _, b in w0],
                                     np.full(len(x), 0.5), activation=activation, delayed=True)
    _assert_float_equal(res, Wt, bt, pats)
    np.testing.assert_array_equal(res.predictions, preds)
    L = net.L
    assert res.staleness == tuple(2 * (L - i) + 1 for i in range(1, L + 1))
    assert res.junction_cycles == len(x) + 2 * L
    # the delayed schedule really differs from plain SGD
    Wf, _, _, _ = ref.float_sgd(x, y, _edges(pats), net.config, [w for w, _ in w0], [b for _, b in w0],
                                np.full(len(x), 0.5), activation=activation, delayed=False)
    assert not np.allclose(res.dense(pats)[0][0], Wf[0], rtol=1e-6, atol=1e-12)


def test_float32_tracks_float64():
    net, pats, x, y = _setup((16, 8, 4), (2, 2), (8, 4), n_inputs=30)
    cfg = HardwareConfig(rmw="forward")
    w0 = initial_weights(pats, seed=0)
    r64 = train(net, pats, cfg, (x, y), weights=w0, numerics="float64")
    r32 = train(net, pats, cfg, (x, y), weights=w0, numerics="float32")
    for (w64, _b64), (w32, _b32) in zip(r64.weights, r32.weights):
        np.testing.assert_allclose(w32, w64, rtol=1e-4, atol=1e-5)
        assert not np.array_equal(w32, w64)


def test_eta_schedule_matches_reference():
    net, pats, x, y = _setup((16, 8, 4), (2, 2), (8, 4), n_inputs=10)
    w0 = initial_weights(pats, seed=4)
    sched = ((3, 0.5), (4, 0.25), (None, 0.125))
    res = train(net, pats, HardwareConfig(rmw="stall"), (x, y), pipelined=False, eta=sched, weights=w0)
    etas = np.array([0.5] * 3 + [0.25] * 4 + [0.125] * 3)
    Wt, bt, _, _ = ref.float_sgd(x, y, _edges(pats), net.config, [w for w, _ in w0], [b for _, b in w0], etas)
    _assert_float_equal(res, Wt, bt, pats)
    assert res.eta == sched
    assert ETA_SCHEDULE_FPGA[-1][0] is None


# --------------------------------------------------------------------------------------------- fixed


def _fmt(cfg):
    return ref.Fmt(cfg.width, cfg.frac_bits, cfg.input_width, cfg.lut_size, cfg.lut_domain)


def _ref_fixed(cfg, net, pats, x, y, w0, shifts, **kw):
    fmt = _fmt(cfg)
    xq = np.minimum(np.floor(x * 2.0 ** cfg.input_width + 0.5), 2 ** cfg.input_width - 1).astype(np.int64)
    return ref.fixed_sgd(xq, y, _edges(pats), net.config, [fmt.real_to_code(w) for w, _ in w0],
                         [fmt.real_to_code(b) for _, b in w0], shifts, fmt, activation=cfg.activation, **kw)


def _assert_codes_equal(res, Wt, bt, pats, w0=None, cfg=None):
    for i, ((wc, bc), pat) in enumerate(zip(res.codes, pats)):
        np.testing.assert_array_equal(wc, Wt[i][pat.left, pat.right])
        np.testing.assert_array_equal(bc, bt[i])
        if w0 is not None:  # training really changed codes in every junction
            assert np.any(wc != _fmt(cfg).real_to_code(w0[i][0])) and np.any(bc != 0)


@pytest.mark.parametrize("pipelined", [False, True])
@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
@pytest.mark.parametrize("width,int_bits,frac_bits", [(10, 2, 7), (12, 3, 8), (16, 5, 10)])
def test_fixed_bit_exact(pipelined, activation, width, int_bits, frac_bits):
    net, pats, x, y = _setup((12, 6, 6, 3), (2, 3, 1), (4, 6, 2), n_inputs=25, kind="basic")
    cfg = HardwareConfig(rmw="forward", activation=activation, width=width, int_bits=int_bits,
                         frac_bits=frac_bits, lut_size=256)
    w0 = initial_weights(pats, seed=9)
    res = train(net, pats, cfg, (x, y), epochs=2, numerics="fixed", pipelined=pipelined, eta=0.25, weights=w0)
    order = np.tile(np.arange(len(x)), 2)
    Wt, bt, preds, _ = _ref_fixed(cfg, net, pats, x[order], y[order], w0, np.full(len(order), 2),
                                  delayed=pipelined)
    _assert_codes_equal(res, Wt, bt, pats, w0, cfg)
    np.testing.assert_array_equal(res.predictions, preds)
    np.testing.assert_array_equal(res.weights[0][0], res.codes[0][0] / 2.0 ** frac_bits)


def test_fixed_bit_exact_when_saturating():
    """Large weights and eta = 1 drive products, sums, deltas and updates into saturation."""
    net, pats, x, y = _setup((16, 8, 4), (2, 2), (8, 4), n_inputs=30)
    cfg = HardwareConfig(rmw="forward", activation="relu", width=8, int_bits=1, frac_bits=6)
    w0 = [(w * 12.0, np.full(b.shape, 1.5)) for w, b in initial_weights(pats, seed=1)]
    res = train(net, pats, cfg, (x, y), numerics="fixed", eta=1.0, weights=w0)
    Wt, bt, preds, _ = _ref_fixed(cfg, net, pats, x, y, w0, np.zeros(len(x), dtype=int), delayed=True)
    _assert_codes_equal(res, Wt, bt, pats)
    np.testing.assert_array_equal(res.predictions, preds)
    lo, hi = -128, 127
    assert any(np.any((wc == lo) | (wc == hi)) for wc, _ in res.codes)


@settings(max_examples=15)
@given(L=st.integers(1, 3), seed=st.integers(0, 2 ** 16), pipelined=st.booleans(),
       activation=st.sampled_from(["sigmoid", "relu"]), shift=st.integers(0, 4))
def test_fixed_bit_exact_random_nets(L, seed, pipelined, activation, shift):
    rng = np.random.default_rng(seed)
    sizes = [int(rng.choice([4, 6, 8]))] + [int(rng.choice([2, 3, 4, 6])) for _ in range(L)]
    fo = []
    for p, n in zip(sizes[:-1], sizes[1:]):
        fo.append(int(rng.choice([f for f in range(1, n + 1) if (p * f) % n == 0])))
    net = adjmat.NetSpec(tuple(sizes), tuple(fo))
    pats = adjmat.generate_network(net, "basic", seed=seed)
    x = rng.random((8, sizes[0]))
    y = rng.integers(0, sizes[-1], 8)
    cfg = HardwareConfig(rmw="forward", activation=activation, lut_size=64, lut_domain=4.0)
    w0 = initial_weights(pats, seed=seed)
    res = train(net, pats, cfg, (x, y), numerics="fixed", pipelined=pipelined, eta=2.0 ** -shift, weights=w0)
    Wt, bt, preds, _ = _ref_fixed(cfg, net, pats, x, y, w0, np.full(len(x), shift), delayed=pipelined)
    _assert_codes_equal(res, Wt, bt, pats)
    np.testing.assert_array_equal(res.predictions, preds)


# --------------------------------------------------------------------------------------------- RMW hazards


def test_rmw_hazards_fpga_build_rtl_pattern():
    """Junction 2 of the FPGA build with the rtl pattern revisits each left neuron every D = 64/32 = 2 clocks,
    less than 2 + proctime = 4: every read but a neuron's first per input is stale under 'count'."""
    net = adjmat.NetSpec(**FPGA)
    pats = adjmat.generate_network(net, "rtl")
    images, labels = _mnist("train", 4)
    x = _pad(images).astype(np.float64) / 256.0
    w0 = initial_weights(pats, seed=0)
    etas = np.full(len(x), 0.125)
    exact_W, exact_b, _, _ = ref.float_sgd(x, labels, _edges(pats), net.config, [w for w, _ in w0],
                                           [b for _, b in w0], etas)
    results = {}
    for rmw in ("forward", "stall", "count"):
        cfg = HardwareConfig(rmw=rmw, timing="rtl", proctime=2)
        results[rmw] = train(net, pats, cfg, (x, labels), pipelined=False, weights=w0)
    for rmw in ("forward", "stall"):
        _assert_float_equal(results[rmw], exact_W, exact_b, pats)
        assert results[rmw].rmw_stale_reads == (0, 0)
    count = results["count"]
    assert count.rmw_stale_reads == (0, (1024 - 64) * len(x))
    # junction 1's update uses the hidden deltas, which lost partial sums
    assert not np.allclose(count.dense(pats)[0][0], exact_W[0], rtol=1e-3)
    # ... exactly as the independent closed-form hazard rule says
    hz_W, hz_b, _, hz_stale = ref.float_sgd(x, labels, _edges(pats), net.config, [w for w, _ in w0],
                                            [b for _, b in w0], etas, hazard=((128, 32), 4))
    _assert_float_equal(count, hz_W, hz_b, pats)
    assert tuple(hz_stale) == count.rmw_stale_reads


@pytest.mark.parametrize("pipelined", [False, True])
def test_rmw_count_fixed_bit_exact_and_no_hazard_when_far_apart(pipelined):
    net, pats, x, y = _setup((16, 8, 4), (2, 2), (8, 4), n_inputs=10, kind="rtl")
    w0 = initial_weights(pats, seed=3)
    # junction 2 (rtl: left = e mod p revisits every D = p/z clocks): p=8, z=4 -> D=2;
    # proctime 0 -> lat 2 <= D: no hazard; proctime 2 -> lat 4 > D: hazards
    for proctime, expect_stale in ((0, False), (2, True)):
        cfg = HardwareConfig(rmw="count", proctime=proctime)
        res = train(net, pats, cfg, (x, y), numerics="fixed", pipelined=pipelined, eta=0.5, weights=w0)
        Wt, bt, preds, stale = _ref_fixed(cfg, net, pats, x, y, w0, np.ones(len(x), dtype=int),
                                          delayed=pipelined, hazard=((8, 4), 2 + proctime))
        _assert_codes_equal(res, Wt, bt, pats, w0, cfg)
        assert tuple(stale) == res.rmw_stale_reads
        assert (res.rmw_stale_reads[1] > 0) == expect_stale
        exact = train(net, pats, HardwareConfig(rmw="forward"), (x, y), numerics="fixed", pipelined=pipelined,
                      eta=0.5, weights=w0)
        assert np.array_equal(exact.codes[0][0], res.codes[0][0]) != expect_stale


def test_rmw_count_serialises_clashing_accesses():
    """A pattern with clashes: two reads of one neuron in one clock serialise (1 port) or share a clock (2)."""
    pat1 = adjmat.Pattern(left=[0, 1, 2, 3], right=[0, 0, 1, 1], p=4, n=2)
    pat2 = adjmat.Pattern(left=[0, 0, 1, 1], right=[0, 1, 2, 3], p=2, n=4)  # clock 0: neuron 0 twice
    net = adjmat.NetSpec((4, 2, 4), fo=(1, 2), z=(4, 2))
    x = np.array([[0.5, 0.25, 1.0, 0.75]])
    w0 = [(np.array([0.5, -0.5, 1.0, 0.25]), np.zeros(2)), (np.array([1.0, 2.0, -1.0, 0.5]), np.zeros(4))]
    exact = train(net, [pat1, pat2], HardwareConfig(rmw="forward"), (x, [1]), weights=w0, pipelined=False)
    # 1 port, proctime 0: neuron 0 read at clocks 0 and 1 (serialised), its write lands 2 clocks after the
    # read: the second read is stale (and likewise neuron 1 at clocks 2 and 3)
    one = train(net, [pat1, pat2], HardwareConfig(rmw="count", proctime=0, ports=1), (x, [1]), weights=w0,
                pipelined=False)
    assert one.rmw_stale_reads == (0, 2)
    assert not np.array_equal(one.weights[0][0], exact.weights[0][0])
    # 2 ports: both reads of neuron 0 in the same clock, the second write overwrites the first
    two = train(net, [pat1, pat2], HardwareConfig(rmw="count", proctime=0, ports=2), (x, [1]), weights=w0,
                pipelined=False)
    assert two.rmw_stale_reads == (0, 2)
    np.testing.assert_array_equal(two.weights[0][0], one.weights[0][0])
    # the read distances differ (1 port: one clock apart; 2 ports: the same clock), as the engine reports
    from hwsim.engine import simulate
    dist = [simulate(net, [pat1, pat2], HardwareConfig(rmw="count", proctime=0, ports=ports),
                     inputs=1, allow_unbalanced=True).rmw_min_distance[1] for ports in (1, 2)]
    assert dist == [1, 0]


@pytest.mark.parametrize("kind", ["random", "basic", "clash_free", "rtl"])
@pytest.mark.parametrize("ports,proctime", [(1, 1), (1, 2), (2, 2), (1, 4)])
def test_rmw_stale_reads_agree_with_cycle_engine(kind, ports, proctime):
    """The functional hazard model and the cycle-level engine (hwsim.engine, written separately) count the
    same stale delta reads, clashing patterns (serialised accesses) included."""
    from hwsim.engine import simulate
    net = adjmat.NetSpec((64, 32, 16), (4, 8), (16, 16))
    pats = adjmat.generate_network(net, kind, seed=3) if kind != "rtl" else adjmat.generate_network(net, "rtl")
    x = np.random.default_rng(0).random((5, 64))
    cfg = HardwareConfig(rmw="count", ports=ports, proctime=proctime)
    res = train(net, pats, cfg, (x, np.zeros(5, dtype=int)), seed=0)
    report = simulate(net, pats, cfg, inputs=5).to_dict()
    assert list(res.rmw_stale_reads) == list(report["rmw_stale"])
    # rtl revisits every D = 32/16 = 2 clocks: stale exactly when 2 + proctime > 2
    assert (res.rmw_stale_reads[1] > 0) == (kind != "rtl" or proctime >= 1)


# --------------------------------------------------------------------------------------------- inference


@pytest.mark.parametrize("activation", ["sigmoid", "relu"])
def test_infer_matches_numpy_forward(activation):
    net, pats, x, y = _setup((16, 8, 4), (2, 2), (8, 4), n_inputs=40)
    cfg = HardwareConfig(activation=activation)
    w0 = initial_weights(pats, seed=11)
    out = infer(net, pats, cfg, x, weights=w0, y=y)
    preds, outs = ref.forward(x, _edges(pats), net.config, [w for w, _ in w0], [b for _, b in w0],
                              activation=activation)
    np.testing.assert_array_equal(out.predictions, preds)
    np.testing.assert_allclose(out.outputs, outs, rtol=1e-12)
    assert out.accuracy == pytest.approx(np.mean(preds == y))
    assert infer(net, pats, cfg, x, weights=w0).accuracy is None
    # fixed point: integer reference
    fmt = _fmt(cfg)
    fx = infer(net, pats, cfg, x, weights=w0, numerics="fixed")
    xq = np.minimum(np.floor(x * 256 + 0.5), 255).astype(np.int64)
    fpreds, fouts = ref.forward(xq, _edges(pats), net.config, [fmt.real_to_code(w) for w, _ in w0],
                                [fmt.real_to_code(b) for _, b in w0], activation=activation, fmt=fmt)
    np.testing.assert_array_equal(fx.predictions, fpreds)
    np.testing.assert_array_equal(fx.outputs, fouts / 2.0 ** cfg.frac_bits)


def test_infer_reproduces_training_predictions_with_frozen_weights():
    """Flush training with eta tiny enough to change no code: on-chip predictions equal inference's."""
    net, pats, x, y = _setup((16, 8, 4), (2, 2), (8, 4), n_inputs=20)
    cfg = HardwareConfig(rmw="forward")
    w0 = initial_weights(pats, seed=6)
    res = train(net, pats, cfg, (x, y), numerics="fixed", eta=2.0 ** -30, weights=w0, pipelined=False)
    out = infer(net, pats, cfg, x, weights=w0, numerics="fixed", y=y)
    np.testing.assert_array_equal(res.predictions, out.predictions)
    assert res.accuracy == pytest.approx(out.accuracy)


def test_dense_round_trip_and_off_pattern_error():
    net, pats, x, y = _setup((16, 8, 4), (2, 2), (8, 4))
    w0 = initial_weights(pats, seed=0)
    dense = weights_to_dense(pats, w0)
    assert [k.shape for k, _ in dense] == [(16, 8), (8, 4)]
    assert np.count_nonzero(dense[0][0]) == pats[0].W
    back = weights_from_dense(pats, dense)
    for (w, b), (w2, b2) in zip(w0, back):
        np.testing.assert_array_equal(w, w2)
        np.testing.assert_array_equal(b, b2)
    bad = [(k.copy(), b) for k, b in dense]
    free = np.argwhere(~pats[0].to_mask())[0]
    bad[0][0][tuple(free)] = 1.0
    with pytest.raises(adjmat.SpecError, match=r"weights_from_dense: dense\[0\]\[0\] must be zero off the pattern"):
        weights_from_dense(pats, bad)
    with pytest.raises(adjmat.SpecError, match=r"transposed"):
        weights_from_dense(pats, [(dense[0][0].T, dense[0][1]), dense[1]])


# --------------------------------------------------------------------------------------------- seeds, misc


def test_seed_reproducible_and_recorded():
    net, pats, x, y = _setup((16, 8, 4), (2, 2), (8, 4))
    cfg = HardwareConfig(rmw="forward")
    a = train(net, pats, cfg, (x, y), seed=7)
    b = train(net, pats, cfg, (x, y), seed=7)
    c = train(net, pats, cfg, (x, y), seed=8)
    assert a.seed == 7
    np.testing.assert_array_equal(a.weights[0][0], b.weights[0][0])
    assert not np.array_equal(a.weights[0][0], c.weights[0][0])
    d = train(net, pats, cfg, (x, y))
    e = train(net, pats, cfg, (x, y), seed=d.seed)
    np.testing.assert_array_equal(d.weights[1][0], e.weights[1][0])
    # per-junction streams: junction 1's draw does not depend on the number of junctions
    w3 = initial_weights(adjmat.generate_network(adjmat.NetSpec((16, 8, 4, 2), (2, 2, 1)), "basic", seed=0),
                         seed=7)
    np.testing.assert_array_equal(initial_weights(pats, seed=7)[0][0], w3[0][0])


def test_initial_weights_glorot_sigma():
    pats = adjmat.generate_network(adjmat.NetSpec(**FPGA), "rtl")
    w = initial_weights(pats, seed=0)
    for (wi, bi), pat in zip(w, pats):
        sigma = ref.glorot_sigma(pat.W, pat.p, pat.n)
        assert abs(wi.std() / sigma - 1) < 4 / np.sqrt(2 * pat.W)
        assert abs(wi.mean()) < 4 * sigma / np.sqrt(pat.W)
        assert not bi.any()


def test_progress_callback_and_one_hot_labels():
    net, pats, x, y = _setup((16, 8, 4), (2, 2), (8, 4), n_inputs=10)
    calls = []
    onehot = np.eye(4)[y]
    r1 = train(net, pats, HardwareConfig(rmw="forward"), (x, onehot), seed=0, epochs=3,
               progress=lambda done, total: calls.append((done, total)))
    r2 = train(net, pats, HardwareConfig(rmw="forward"), (x, y), seed=0, epochs=3)
    assert calls[-1] == (30, 30)
    np.testing.assert_array_equal(r1.weights[0][0], r2.weights[0][0])
    assert len(r1.epoch_accuracy) == 3 and r1.accuracy == r1.epoch_accuracy[-1]
    np.testing.assert_array_equal(r1.labels, np.tile(y, 3))


@pytest.mark.parametrize("input_width", [6, 8, 10])
def test_uint8_inputs_mean_q_over_256(input_width):
    net, pats, _, y = _setup((16, 8, 4), (2, 2), (8, 4), n_inputs=6)
    q = np.random.default_rng(0).integers(0, 256, (6, 16)).astype(np.uint8)
    cfg = HardwareConfig(rmw="forward", input_width=input_width)
    for numerics in ("float64", "float32", "fixed"):
        a = train(net, pats, cfg, (q, y), seed=1, numerics=numerics)
        b = train(net, pats, cfg, (q / 256.0, y), seed=1, numerics=numerics)
        np.testing.assert_array_equal(a.weights[0][0], b.weights[0][0])


# --------------------------------------------------------------------------------------------- bad input


@pytest.fixture(scope="module")
def small_setup():
    return _setup((16, 8, 4), (2, 2), (8, 4), n_inputs=5)


@pytest.mark.parametrize("change,pattern", [
    (dict(data=lambda x, y: (x[:, :10], y)), r"train: x must be a 2-D array of shape \(N, 16\).*received "
                                             r"x=.*\(5, 10\).*np\.pad"),
    (dict(data=lambda x, y: (x * 2, y)), r"train: x must be real values in \[0, 1\]"),
    (dict(data=lambda x, y: (x, np.ones((5, 4)))), r"train: y must be one-hot .*row 0"),
    (dict(data=lambda x, y: (x, np.eye(3)[y % 3])), r"train: y must be one-hot rows of width 4"),
    (dict(data=lambda x, y: (x, y + 4)), r"train: y must be class labels in \[0, 4\)"),
    (dict(data=lambda x, y: (x, y[:3])), r"train: y must have one label per input row"),
    (dict(data=lambda x, y: x), r"train: data must be a pair \(x, y\)"),
    (dict(numerics="float16"), r"train: numerics must be one of 'float64', 'float32', 'fixed'; "
                               r"received numerics='float16'"),
    (dict(numerics="fixed", eta=0.1), r"train: eta must be powers of two .*Try eta=0.125"),
    (dict(eta=-1.0), r"train: eta must be positive"),
    (dict(epochs=0), r"train: epochs must be a positive integer"),
    (dict(pipelined="yes"), r"train: pipelined must be True or False"),
    (dict(weights=[(np.zeros(3), np.zeros(8))]), r"train: weights must be a sequence of 2 pairs"),
    (dict(weights="w0"), r"train: weights must be a sequence of 2 pairs"),
    (dict(progress=3), r"train: progress must be True, False or a callable"),
])
def test_train_bad_input_names_parameter(small_setup, change, pattern):
    net, pats, x, y = small_setup
    kwargs = dict(change)
    data = kwargs.pop("data", lambda x, y: (x, y))(x, y)
    with pytest.raises(adjmat.SpecError, match=pattern):
        train(net, pats, HardwareConfig(rmw="forward"), data, **kwargs)


def test_bad_weights_shape_and_patterns(small_setup):
    net, pats, x, y = small_setup
    cfg = HardwareConfig(rmw="forward")
    w0 = initial_weights(pats, seed=0)
    with pytest.raises(adjmat.SpecError, match=r"train: weights\[1\]\[0\] must be a 1-D array of the junction's "
                                               r"W = 16 edge weights"):
        train(net, pats, cfg, (x, y), weights=[w0[0], (np.zeros((8, 4)), np.zeros(4))])
    other = adjmat.generate("basic", 16, 8, fo=4, seed=0)
    with pytest.raises(adjmat.SpecError, match=r"train: patterns\[0\] \(junction 1\) must have W = p\*fo = "
                                               r"16\*2 = 32 edges; received W=64"):
        train(net, [other, pats[1]], cfg, (x, y))
    with pytest.raises(adjmat.SpecError, match=r"train: patterns must be a sequence of 2 adjmat.Pattern \(one per "
                                               r"junction"):
        train(net, pats[:1], cfg, (x, y))
    with pytest.raises(adjmat.SpecError, match=r"train: patterns must be a sequence of 2 adjmat.Pattern"):
        train(net, pats[0], cfg, (x, y))
    with pytest.raises(adjmat.SpecError, match=r"train: hardware must be an hwsim.HardwareConfig"):
        train(net, pats, {"rmw": "forward"}, (x, y))
    with pytest.raises(adjmat.SpecError, match=r"train: netspec must be an adjmat.NetSpec"):
        train((16, 8, 4), pats, cfg, (x, y))
    no_z = adjmat.NetSpec((16, 8, 4), (2, 2))
    with pytest.raises(adjmat.SpecError, match=r"train: netspec.z must be set when hardware.rmw='count'"):
        train(no_z, pats, HardwareConfig(rmw="count"), (x, y))
    assert train(no_z, pats, cfg, (x, y), seed=0).inputs == 5
    with pytest.raises(adjmat.SpecError, match=r"train: hardware.lut_domain must be a multiple of 2\*\*-frac_bits"):
        train(net, pats, HardwareConfig(rmw="forward", lut_domain=0.001), (x, y), numerics="fixed")


def test_infer_bad_input(small_setup):
    net, pats, x, y = small_setup
    cfg = HardwareConfig()
    w0 = initial_weights(pats, seed=0)
    with pytest.raises(adjmat.SpecError, match=r"infer: x must be a 2-D array of shape \(N, 16\)"):
        infer(net, pats, cfg, x[:, :15], weights=w0)
    with pytest.raises(adjmat.SpecError, match=r"infer: numerics must be one of"):
        infer(net, pats, cfg, x, weights=w0, numerics="int8")
    with pytest.raises(adjmat.SpecError, match=r"infer: y must be one-hot"):
        infer(net, pats, cfg, x, weights=w0, y=np.full((5, 4), 0.25))
    with pytest.raises(TypeError):
        infer(net, pats, cfg, x)  # weights are required (keyword-only)


# --------------------------------------------------------------------------------------------- MNIST


@pytest.mark.slow
def test_mnist_fpga_build_fixed_point_learns():
    """The FPGA build (1024, 64, 32), fo (4, 16), z (128, 32), sigmoid, 10-bit fixed point, pipelined, trained
    one epoch on 60,000 real MNIST digits; tested on the 10,000 test digits beside the float64 run."""
    net = adjmat.NetSpec(**FPGA)
    pats = adjmat.generate_network(net, "clash_free", seed=0)
    xtr, ytr = _mnist("train")
    xte, yte = _mnist("test")
    xtr, xte = _pad(xtr), _pad(xte)
    cfg = HardwareConfig(rmw="forward")
    acc = {}
    for numerics in ("fixed", "float64"):
        res = train(net, pats, cfg, (xtr, ytr), numerics=numerics, seed=0)
        acc[numerics] = infer(net, pats, cfg, xte, weights=res.weights, numerics=numerics, y=yte).accuracy
    assert acc["float64"] > 0.90
    assert acc["fixed"] > 0.80
