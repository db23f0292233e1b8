"""hwsim with ``HardwareConfig.reconfig2018()`` (``arithmetic="rtl"``) against the plain-Python model of the
published RTL in rtl_reference.py: weights, biases, output activations, predictions and stale delta reads equal
bit for bit on MNIST and random-pixel inputs; each RTL rule pinned on its own; the published build's clocks."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

import adjmat
from adjmat import SpecError
from hwsim import HardwareConfig, infer, initial_weights, simulate, train
from hwsim import _fkernels
from hwsim.fixedpoint import quantize, rtl_input_codes, sigmoid_tables
from predefsparse.datasets import MNIST_MD5, read_idx  # numpy-only module (never imports Keras)

from .rtl_reference import RTLModel

MNIST = Path(__file__).resolve().parents[2] / "datasets" / "mnist"
NET = adjmat.NetSpec((1024, 64, 32), fo=(4, 16), z=(128, 32))
RTL = HardwareConfig.reconfig2018()


def _mnist(stem: str, n: int):
    images = read_idx(MNIST / f"{stem}-images-idx3-ubyte.gz", md5=MNIST_MD5[f"{stem}-images-idx3-ubyte"])
    labels = read_idx(MNIST / f"{stem}-labels-idx1-ubyte.gz", md5=MNIST_MD5[f"{stem}-labels-idx1-ubyte"])
    x = np.pad(images[:n].reshape(n, -1), ((0, 0), (0, 1024 - 784)))  # 784 pixels padded to N_0 = 1024
    return x.astype(np.uint8), labels[:n].astype(np.int64)


def _initial_codes(pats, seed):
    """Initial weights as codes, and as the real values hwsim quantises back to exactly those codes."""
    codes = [(quantize(w, RTL), quantize(b, RTL)) for w, b in initial_weights(pats, seed=seed)]
    reals = [(w / 128.0, b / 128.0) for w, b in codes]
    return codes, reals


def _model(pats, codes, cfg=RTL, net=NET, tables=None):
    return RTLModel(net.config, [(p.left.tolist(), p.right.tolist()) for p in pats], net.z,
                    [w.tolist() for w, _ in codes], [b.tolist() for _, b in codes], width=cfg.width,
                    int_bits=cfg.int_bits, width_in=cfg.input_width, proctime=cfg.proctime,
                    eta_shift=cfg.eta_shift, tables=tables)


def _assert_same_as_model(res, model, preds, outs):
    for i in range(len(model.w)):
        np.testing.assert_array_equal(res.codes[i][0], model.w[i], err_msg=f"junction {i + 1} weights")
        np.testing.assert_array_equal(res.codes[i][1], model.b[i], err_msg=f"junction {i + 1} biases")
    np.testing.assert_array_equal(res.predictions, preds)
    np.testing.assert_array_equal(res.outputs * 128.0, np.array(outs))
    assert list(res.rmw_stale_reads) == model.stale_reads


@pytest.mark.parametrize("kind", ["rtl", "clash_free"])
def test_published_build_equals_rtl_model_on_64_mnist_inputs(kind):
    """Training on 64 MNIST digits from given initial weights, then inference of 64 test digits with the
    trained weights.  ``clash_free`` revisits some left neurons exactly 1 + PROCTIME = 3 clocks apart: a stale
    read under the RTL's landing rule (2 + PROCTIME)."""
    pats = adjmat.generate_network(NET, kind, seed=0)
    codes, reals = _initial_codes(pats, seed=7)
    x, y = _mnist("train", 64)
    model = _model(pats, codes)
    preds, outs = model.train(x.tolist(), y.tolist())
    res = train(NET, pats, RTL, (x, y), weights=reals, keep_outputs=True)
    assert res.numerics == "fixed"
    _assert_same_as_model(res, model, preds, outs)
    if kind == "rtl":  # every revisit is 2 clocks after the previous read
        assert res.rmw_stale_reads == (0, 960 * 64)
    else:  # some revisits are exactly 1 + PROCTIME clocks apart: stale only under the 2 + PROCTIME rule
        left = pats[1].left
        last, at3 = {}, 0
        for j, l in enumerate(left.tolist()):
            at3 += j // 32 - last.get(l, -99) == 3
            last[l] = j // 32
        assert at3 > 0 and res.rmw_stale_reads[1] > 0
    xt, yt = _mnist("t10k", 64)
    tpreds, touts = model.infer(xt.tolist())
    out = infer(NET, pats, RTL, xt, weights=res.weights, y=yt)
    np.testing.assert_array_equal(out.predictions, tpreds)
    np.testing.assert_array_equal(out.outputs * 128.0, np.array(touts))


def test_published_build_equals_rtl_model_on_32_random_pixel_inputs():
    pats = adjmat.generate_network(NET, "rtl")
    codes, reals = _initial_codes(pats, seed=11)
    rng = np.random.default_rng(2018)
    x = rng.integers(0, 256, (32, 1024), dtype=np.uint8)
    y = rng.integers(0, 10, 32)
    model = _model(pats, codes)
    preds, outs = model.train(x.tolist(), y.tolist())
    res = train(NET, pats, RTL, (x, y), weights=reals, keep_outputs=True)
    _assert_same_as_model(res, model, preds, outs)
    # hwsim's own rules are a different computation: the comparison has teeth
    own = train(NET, pats, dataclasses.replace(RTL, arithmetic="hwsim"), (x, y), weights=reals,
                numerics="fixed")
    assert sum(int((own.codes[i][0] != model.w[i]).sum()) for i in range(2)) > 100


@pytest.mark.parametrize("kind", ["rtl", "clash_free"])
@pytest.mark.parametrize("proctime", [0, 1, 4])
def test_small_build_with_given_tables_and_eta_equals_rtl_model(kind, proctime):
    """Another shape (three junctions, z/fi = 2 outputs per clock), a given derivative table large enough
    to saturate the BP multipliers (the RTL's rounding after negative saturation), eta = 1/2, and other
    pipeline depths (the delta write-back lands 2 + proctime clocks after its read)."""
    net = adjmat.NetSpec((32, 16, 8, 4), fo=(2, 2, 2), z=(8, 4, 8))
    pats = adjmat.generate_network(net, kind, seed=1)
    cfg = HardwareConfig.reconfig2018(eta_shift=1, proctime=proctime)
    codes = np.arange(-512, 512)
    sig = np.clip(64 + codes // 4, 0, 127)
    dsig = np.where(codes % 3 == 0, 300, 200)
    cfg = dataclasses.replace(cfg, sigmoid_lut=tuple(sig), sigmoid_prime_lut=tuple(dsig))  # entry 0: code -512
    rng = np.random.default_rng(5)
    w0 = [(quantize(rng.normal(0, 1.5, p.W), cfg), quantize(rng.normal(0, 0.5, p.n), cfg)) for p in pats]
    x = rng.integers(0, 256, (24, 32), dtype=np.uint8)
    y = rng.integers(0, 4, 24)
    model = _model(pats, w0, cfg=cfg, net=net, tables=(sig.tolist(), dsig.tolist()))
    preds, outs = model.train(x.tolist(), y.tolist())
    res = train(net, pats, cfg, (x, y), weights=[(w / 128.0, b / 128.0) for w, b in w0], keep_outputs=True)
    _assert_same_as_model(res, model, preds, outs)


@pytest.mark.parametrize("K", [1, 8, 32, 64])
def test_published_build_takes_k_plus_4_times_36_clocks(K):
    rep = simulate(NET, adjmat.generate_network(NET, "rtl"), RTL, inputs=K)
    assert rep.cpc == 36 and rep.total_clocks == (K + 4) * 36
    assert rep.rmw_hazards == (0, 960 * K) and rep.rmw_stale == rep.rmw_hazards
    assert rep.config["arithmetic"] == "rtl"


# ------------------------------------------------------------------------------------------- rules one by one
def test_sigmoid_tables_are_the_rtls():
    """One entry per 10-bit code over [-4, 4): min(round(sigmoid(s/128) * 128), 127) and the derivative
    in 5 bits (saturating at 31/128 around 0); 62 and 93 codes differ from hwsim's centre-sampled tables."""
    sig, dsig = sigmoid_tables(RTL)
    model = RTLModel([2, 1], [([0, 1], [0, 0])], [2], [[0, 0]], [[0]])
    codes = range(-512, 512)
    assert sig.tolist() == [model.sig[s] for s in codes] and dsig.tolist() == [model.dsig[s] for s in codes]
    assert dsig.max() == 31 and int(dsig[512]) == 31 and sig.max() == 126 and sig.min() == 2
    own_sig, own_dsig = sigmoid_tables(HardwareConfig())
    k = (np.arange(-512, 512) + 1024) // 2  # hwsim's [-8, 8) table entry of each code
    assert int((own_sig[k] != sig).sum()) == 62 and int((own_dsig[k] != dsig).sum()) == 93
    given = HardwareConfig(sigmoid_lut=[1] * 1024, sigmoid_prime_lut=[2] * 1024)
    assert [t.tolist() for t in sigmoid_tables(given)] == [[1] * 1024, [2] * 1024]


def test_rtl_activation_outside_the_table_and_relu():
    args = (np.zeros(512, np.int32) + 50, np.zeros(512, np.int32) + 9, 256, 128, True, 127)
    assert _fkernels._activate_fixed(-257, False, *args) == (1, 1)   # below the domain: 1 LSB, derivative 1 LSB
    assert _fkernels._activate_fixed(256, False, *args) == (127, 1)  # at or above: 1 - 2**-7
    assert _fkernels._activate_fixed(-256, False, *args) == (50, 9)
    relu = [_fkernels._activate_fixed(s, True, *args) for s in (-5, 0, 50, 127, 128, 300)]
    assert relu == [(1, 1), (1, 1), (50, 127), (127, 127), (127, 1), (127, 1)]
    assert _fkernels._activate_fixed(-5, True, *args[:4], False, 127) == (0, 0)  # hwsim's ReLU


def test_rtl_multiplier_rounds_after_negative_saturation():
    model = RTLModel([2, 1], [([0, 1], [0, 0])], [2], [[0, 0]], [[0]])
    for a, b in [(-300, 300), (-512, 511), (300, 300), (-3, 64), (-1, 64), (100, -77), (511, 511)]:
        assert _fkernels._mult(a, b, 7, -512, 511, True) == model.mult(a, b)
    assert _fkernels._mult(-300, 300, 7, -512, 511, True) == -511   # -703.1 saturates to -512, rounds up
    assert _fkernels._mult(-300, 300, 7, -512, 511, False) == -512  # hwsim saturates after rounding
    assert _fkernels._mult(-1, 64, 7, -512, 511, True) == 0          # -0.5 LSB rounds half up


def test_rtl_update_rounds_minus_delta_half_up():
    # RTL: db = round_half_up(-d / 2**k), added; hwsim: round_half_up(d / 2**k), subtracted
    assert _fkernels._eta_step(4, 3, -512, 511, True) == 0     # -0.5 -> 0
    assert -_fkernels._eta_step(4, 3, -512, 511, False) == -1  # -(0.5 -> 1)
    assert _fkernels._eta_step(-512, 0, -512, 511, True) == 511  # -(-512) saturates
    assert _fkernels._eta_step(-512, 3, -512, 511, True) == 64   # 511 / 8 = 63.875


def test_rtl_prediction_rule():
    """Argmax of the activations; ties: the later clock wins, the lowest index within a clock; the last
    clock's outputs are never compared."""
    def pred(a, group):
        a = np.array(a, dtype=np.int32)
        return _fkernels._predict_fixed(a.astype(np.int64), a, True, group)
    assert pred([5, 9, 9, 3], 1) == 2
    assert pred([1, 2, 3, 100], 1) == 2
    assert pred([9, 9, 5, 5, 1, 1], 2) == 0
    assert pred([3, 7, 7, 1, 0, 0], 2) == 2
    assert pred([3, 7, 1, 7, 99, 99], 2) == 3
    assert pred([4, 4], 2) == 0
    s = np.array([5, 9, 9, 3], dtype=np.int64)
    assert _fkernels._predict_fixed(s, s.astype(np.int32), False, 1) == 1  # hwsim: first on ties, all outputs


def test_rtl_inputs_keep_the_top_frac_bits():
    x = np.array([[0, 1, 2, 127, 128, 255]], dtype=np.uint8)
    assert rtl_input_codes(x, RTL).tolist() == [[0, 0, 1, 63, 64, 127]]
    assert rtl_input_codes(x / 256.0, RTL).tolist() == [[0, 0, 1, 63, 64, 127]]
    wide = HardwareConfig.reconfig2018(width=12, int_bits=2, frac_bits=9)
    assert rtl_input_codes(x, wide).tolist() == [[0, 2, 4, 254, 256, 510]]


def test_rtl_arithmetic_is_fixed_point_only():
    pats = adjmat.generate_network(NET, "rtl")
    x, y = _mnist("train", 2)
    with pytest.raises(SpecError, match=r"train: numerics must be 'fixed' \(or None\) when "
                                        r"hardware.arithmetic='rtl'.*received numerics='float64'"):
        train(NET, pats, RTL, (x, y), numerics="float64", seed=0)
    with pytest.raises(SpecError, match="infer: numerics must be 'fixed'"):
        infer(NET, pats, RTL, x, weights=initial_weights(pats, seed=0), numerics="float32")
    assert train(NET, pats, HardwareConfig(), (x, y), seed=0).numerics == "float64"


# ------------------------------------------------------------------------------------------- issue 19 item 3
def test_quantize_refuses_nan_naming_the_function_and_the_position():
    with pytest.raises(SpecError) as err:
        quantize(np.array([[0.5, 1.0], [np.inf, np.nan]]), RTL)
    assert str(err.value).startswith("quantize: values[1, 1] must be a real number, not NaN")
    assert err.value.param == "values[1, 1]" and "1 of the 4 values is NaN" in str(err.value)
    with pytest.raises(SpecError, match=r"quantize: values must be a real number, not NaN"):
        quantize(float("nan"), RTL)
    assert quantize([np.inf, -np.inf], RTL).tolist() == [511, -512]  # infinities saturate
