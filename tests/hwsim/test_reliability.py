"""Regression tests of issue 8 for hwsim: divergence is an error (8.3), fixed point never wraps (8.4), counts
never pass int64 (8.6), kernels never read out of bounds (8.7)."""
import fractions
import math
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import adjmat
import hwsim
from adjmat import NetSpec, SpecError, generate_network
from hwsim import HardwareConfig, infer, initial_weights, simulate, train
from hwsim import _fkernels
from hwsim.config import MAX_INPUT_WIDTH, MAX_WIDTH
from hwsim.engine import count_bound
from hwsim.fixedpoint import quantize, quantize_inputs

from . import reference as ref

FPGA = NetSpec((1024, 64, 32), (4, 16), (128, 32))


def _small(seed=0, n=40):
    net = NetSpec((16, 8, 4), (2, 2), (8, 4))
    pats = generate_network(net, "clash_free", seed=seed)
    rng = np.random.default_rng(1)
    return net, pats, rng.random((n, 16)), rng.integers(0, 4, n)


# ------------------------------------------------------------------------------------------- 8.3 divergence
@pytest.mark.parametrize("numerics", ["float64", "float32"])
def test_huge_learning_rate_raises_instead_of_reporting_an_accuracy(numerics):
    net, pats, x, y = _small()
    with pytest.raises(hwsim.DivergenceError) as err:
        train(net, pats, HardwareConfig(rmw="forward"), (x, y), eta=1e300 if numerics == "float64" else 1e38,
              seed=1, numerics=numerics)
    msg = str(err.value)
    assert msg.startswith("train: training diverged: junction ")
    assert "became non-finite (inf or nan) at input " in msg and "Use a smaller eta, e.g. eta=0.125" in msg
    assert hwsim.DivergenceError is adjmat.errors.DivergenceError


def test_divergence_names_the_first_bad_junction_and_input():
    """eta = 1e300: input 0's updates are finite (about 1e299); the first inf appears while updating junction 1
    with input 1 (junction 2's update of input 1 lands a cycle earlier but stays finite)."""
    net, pats, x, y = _small()
    with pytest.raises(hwsim.DivergenceError, match=r"junction 1 weights or biases in the update became "
                                                    r"non-finite \(inf or nan\) at input 1 \(epoch 1, row 1"):
        train(net, pats, HardwareConfig(rmw="forward"), (x, y), eta=1e300, seed=1)


def test_divergence_found_in_a_later_epoch_and_chunk():
    """A schedule that turns huge only after 30 inputs: the report points past them (epoch 2, row >= 0)."""
    net, pats, x, y = _small(n=20)
    with pytest.raises(hwsim.DivergenceError) as err:
        train(net, pats, HardwareConfig(rmw="forward"), (x, y), epochs=3, eta=((30, 0.1), (None, 1e300)), seed=1)
    m = int(str(err.value).split("at input ")[1].split(" ")[0])
    assert m >= 30 and f"epoch {m // 20 + 1}, row {m % 20}" in str(err.value)


def test_a_sane_learning_rate_is_untouched():
    net, pats, x, y = _small()
    res = train(net, pats, HardwareConfig(rmw="forward"), (x, y), eta=0.125, seed=1)
    assert all(np.isfinite(w).all() and np.isfinite(b).all() for w, b in res.weights)


def test_fixed_point_saturates_instead_of_diverging():
    net, pats, x, y = _small()
    res = train(net, pats, HardwareConfig(rmw="forward"), (x, y), eta=1.0, seed=1, numerics="fixed")
    assert 0.0 <= res.accuracy <= 1.0


# ------------------------------------------------------------------------------------------- 8.4 widths
def test_widths_beyond_the_kernels_are_refused_with_the_bound():
    with pytest.raises(SpecError, match=r"HardwareConfig: width must be at most 32 bits \(the fixed-point "
                                        r"kernels hold codes in int32 .*received width=33. Try width=32"):
        HardwareConfig(width=33, int_bits=2, frac_bits=30)
    with pytest.raises(SpecError, match=r"width must be at most 32 bits.*received width=64"):
        HardwareConfig(width=64, int_bits=2, frac_bits=61)
    with pytest.raises(SpecError, match=r"input_width must be at most 31 bits \(unsigned input codes are held "
                                        r"in int32\); received input_width=32"):
        HardwareConfig(input_width=32)
    assert (MAX_WIDTH, MAX_INPUT_WIDTH) == (32, 31)


def test_largest_widths_quantize_without_wrapping():
    cfg = HardwareConfig(width=32, int_bits=0, frac_bits=31, input_width=31)
    assert quantize([1.0, -1.0, 0.5], cfg).tolist() == [2**31 - 1, -2**31, 2**30]   # 1.0 saturates, never wraps
    assert quantize_inputs(np.array([[1.0, 0.5]]), cfg).tolist() == [[2**31 - 1, 2**30]]
    assert quantize_inputs(np.array([[255, 128]], dtype=np.uint8), cfg).tolist() == [[255 << 23, 128 << 23]]
    wide = HardwareConfig(width=32, int_bits=2, frac_bits=29)
    assert quantize([1.0, 3.5, 9.0], wide).tolist() == [2**29, 7 * 2**28, 2**31 - 1]


def test_training_at_the_largest_widths_is_bit_exact():
    """width 32 and input_width 31: every product of two codes needs 62 bits; the Python reference (exact
    integers) and the kernels agree code for code."""
    net = NetSpec((12, 6, 3), (2, 2), (4, 2))
    pats = generate_network(net, "basic", seed=0)
    rng = np.random.default_rng(2)
    x, y = rng.random((20, 12)), rng.integers(0, 3, 20)
    cfg = HardwareConfig(rmw="forward", width=32, int_bits=2, frac_bits=29, input_width=31, lut_size=256)
    w0 = initial_weights(pats, seed=3)
    res = train(net, pats, cfg, (x, y), numerics="fixed", pipelined=False, eta=0.25, weights=w0)
    fmt = ref.Fmt(cfg.width, cfg.frac_bits, cfg.input_width, cfg.lut_size, cfg.lut_domain)
    xq = np.minimum(np.floor(x * 2.0 ** 31 + 0.5), 2**31 - 1).astype(np.int64)
    edges = [(p.left.tolist(), p.right.tolist()) for p in pats]
    Wt, bt, preds, _ = ref.fixed_sgd(xq, y, edges, net.config, [fmt.real_to_code(w) for w, _ in w0],
                                     [fmt.real_to_code(b) for _, b in w0], np.full(20, 2), fmt)
    for (wc, bc), pat, W, b in zip(res.codes, pats, Wt, bt):
        np.testing.assert_array_equal(wc, W[pat.left, pat.right])
        np.testing.assert_array_equal(bc, b)
    np.testing.assert_array_equal(res.predictions, preds)
    out = infer(net, pats, cfg, x, weights=res.weights, numerics="fixed")
    assert np.all((out.outputs >= 0) & (out.outputs <= 1))   # sigmoid outputs stay in [0, 1]


@pytest.mark.parametrize("v", [0, 1, -1, 3, -3, 2**62, -2**62, 2**63 - 1, -2**63, 12345678901234567])
def test_rounding_shift_never_overflows(v):
    for s in (0, 1, 2, 31, 61, 62, 63, 64, 70, 100):
        want = math.floor(fractions.Fraction(v, 2**s) + fractions.Fraction(1, 2))
        assert int(_fkernels._rshift(np.int64(v), np.int64(s))) == want, (v, s)


def test_huge_learning_rate_shift_in_fixed_point_rounds_to_zero():
    """eta = 2**-60 with 31 input fraction bits: the update shift is 91 bits; every update rounds to 0."""
    net, pats, x, y = _small()
    cfg = HardwareConfig(rmw="forward", input_width=31)
    w0 = initial_weights(pats, seed=2)
    res = train(net, pats, cfg, (x, y), numerics="fixed", eta=2.0**-60, weights=w0)
    for (wc, _), (w, _) in zip(res.codes, w0):
        np.testing.assert_array_equal(wc, quantize(w, cfg))


def test_lut_address_bound_is_checked():
    cfg = HardwareConfig(width=32, int_bits=2, frac_bits=29, lut_size=1 << 24, lut_domain=2.0**10)
    net, pats, x, y = _small()
    with pytest.raises(SpecError, match=r"lut_domain \* 2\*\*frac_bits \* lut_size must be at most 2\*\*61"):
        train(net, pats, cfg, (x, y), numerics="fixed", seed=0)


# ------------------------------------------------------------------------------------------- 8.6 counts
def test_inputs_whose_counts_pass_int64_are_refused():
    pats = generate_network(FPGA, "clash_free", seed=0)
    with pytest.raises(SpecError, match=r"simulate: inputs must be at most 112,458,203,726,766 for this design "
                                        r"so that every count .* fits a 64-bit integer.*received "
                                        r"inputs=300000000000000000"):
        simulate(FPGA, pats, inputs=3 * 10**17)


def test_the_largest_accepted_inputs_give_exact_totals():
    pats = generate_network(FPGA, "clash_free", seed=0)
    most = (2**63 - 1) // count_bound(FPGA, HardwareConfig()) - 4
    rep = simulate(FPGA, pats, inputs=most)
    assert rep.total_clocks == (most + 4) * 32 > 0
    assert rep.edges["ff"] == ((most) * 4096, most * 1024)
    with pytest.raises(SpecError, match="inputs must be at most"):
        simulate(FPGA, pats, inputs=most + 1)


def test_every_cycle_memory_is_checked_before_work(monkeypatch):
    pats = generate_network(FPGA, "clash_free", seed=0)
    monkeypatch.setenv("PREDEFSPARSE_MAX_MEMORY", "1G")
    with pytest.raises(SpecError, match=r"simulate: the request needs about .*every_cycle=True keeps 3 int64"):
        simulate(FPGA, pats, inputs=10**9, every_cycle=True)


# ------------------------------------------------------------------------------------------- 8.7 bounds
_OUT_OF_BOUNDS = textwrap.dedent("""
    import numpy as np, adjmat, hwsim
    from adjmat import SpecError
    net = adjmat.NetSpec((64, 16, 4), (2, 2), (32, 8))
    pats = adjmat.generate_network(net, "clash_free", seed=0)
    left = pats[0].left
    try:                                 # the pattern's arrays refuse to become writeable again
        left.flags.writeable = True
        left[1] = 2**30
        edited = [pats[0], pats[1]]
    except ValueError:
        edited = None
    big = np.array(pats[0].left); big[1] = 2**30
    neg = np.array(pats[1].left); neg[0] = -5
    wrong = [[adjmat.Pattern._trusted(big, pats[0].right, 64, 16, "clash_free", 0, {}), pats[1]],
             [pats[0], adjmat.Pattern._trusted(neg, pats[1].right, 16, 4, "custom", None, {})]]
    if edited is not None:
        wrong.append(edited)
    x = np.random.default_rng(0).random((4, 64)); y = np.arange(4) % 4
    hw = hwsim.HardwareConfig(rmw="forward")
    w_ok = hwsim.initial_weights(pats, seed=0)
    calls = {"simulate": lambda ps: hwsim.simulate(net, ps, inputs=3),
             "train": lambda ps: hwsim.train(net, ps, hw, (x, y), seed=0),
             "infer": lambda ps: hwsim.infer(net, ps, hw, x, weights=w_ok),
             "train fixed": lambda ps: hwsim.train(net, ps, hw, (x, y), seed=0, numerics="fixed"),
             "weights_to_dense": lambda ps: hwsim.weights_to_dense(ps, w_ok),
             "weights_from_dense": lambda ps: hwsim.weights_from_dense(ps, [(np.zeros((64, 16)), np.zeros(16)),
                                                                           (np.zeros((16, 4)), np.zeros(4))])}
    for ps in wrong:
        for name, call in calls.items():
            try:
                call(ps)
            except SpecError as err:
                assert "must hold indices in [0, " in str(err), (name, str(err))
            else:
                raise AssertionError(f"{name} accepted an out-of-range index")
    print("refused", len(wrong) * len(calls), "edited" if edited is not None else "not editable")
""")


def test_out_of_range_indices_give_spec_errors_not_segfaults():
    env = dict(os.environ, PYTHONPATH=os.getcwd())
    res = subprocess.run([sys.executable, "-c", _OUT_OF_BOUNDS], capture_output=True, text=True, env=env,
                         timeout=300)
    assert res.returncode == 0, f"rc {res.returncode} (a negative rc is a signal: segfault):\n{res.stderr}"
    assert res.stdout.startswith("refused 12 ") or res.stdout.startswith("refused 18 ")


# ------------------------------------------------------------------------------------------- the hardware keyword
def test_config_is_not_a_keyword_of_the_hardware_entry_points():
    net, pats, x, y = _small()
    hw = HardwareConfig(timing="rtl", rmw="forward")
    for call in (lambda: simulate(net, pats, config=hw, inputs=10), lambda: hwsim.resources(net, config=hw),
                 lambda: train(net, pats, config=hw, data=(x, y), seed=0), lambda: hwsim.memory_bits(net, config=hw)):
        with pytest.raises(TypeError, match="unexpected keyword argument 'config'"):
            call()


def test_hardware_defaults_to_the_fpga_build():
    net, pats, x, y = _small()
    assert simulate(net, pats, inputs=5).config == HardwareConfig().to_dict()
    assert train(net, pats, data=(x, y), seed=0, numerics="fixed").codes[0][0].dtype == np.int32


def test_unknown_kinds_count_as_variable_degree():
    """hwsim reads fixed_degrees from the kind registry; a kind it does not know is checked as variable."""
    net, pats, _, _ = _small()
    odd = adjmat.Pattern(pats[0].left, pats[0].right, 16, 8, kind="not_registered")
    rep = simulate(net, [odd, pats[1]], inputs=3)
    assert rep.total_clocks > 0
    assert adjmat.get_kind("clash_free").fixed_degrees and not adjmat.get_kind("random").fixed_degrees


def test_initial_weights_follow_the_one_seed_path():
    """Junction i's weights come from adjmat.seeds.junction_streams' stream i: an int and the SeedSequence of
    that int give the same weights, and the caller's SeedSequence is not consumed."""
    from adjmat.seeds import junction_streams
    _, pats, _, _ = _small()
    a = initial_weights(pats, seed=7)
    ss = np.random.SeedSequence(7)
    b = initial_weights(pats, seed=ss)
    assert ss.n_children_spawned == 0
    streams, recorded = junction_streams("test", 7, len(pats))
    for (wa, _), (wb, _), stream, pat in zip(a, b, streams, pats):
        np.testing.assert_array_equal(wa, wb)
        sigma = math.sqrt(2.0 / (pat.W / pat.n + pat.W / pat.p))
        np.testing.assert_array_equal(wa, np.random.default_rng(stream).normal(0.0, sigma, size=pat.W))
    net, pats, x, y = _small()
    assert train(net, pats, HardwareConfig(rmw="forward"), (x, y), seed=7).seed == recorded == 7
