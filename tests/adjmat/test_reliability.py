"""Regression tests for issue 8 (adjmat side): sizes the machine cannot hold, int32 wrap, unordered configs,
option types.  Each case failed (or hung, or was OOM-killed) before the fix."""
import numpy as np
import pytest

import adjmat
from adjmat import SpecError, generate
from adjmat.intmath import divisors, near_divisors
from predefsparse.cli import main


@pytest.fixture
def limit_8g(monkeypatch):
    monkeypatch.setenv("PREDEFSPARSE_MAX_MEMORY", "8G")


# ---------------------------------------------------------------- 8.5 memory refused before work
def test_fc_of_a_million_squared_is_refused_with_the_estimate(limit_8g):
    with pytest.raises(SpecError, match=r"generate: the request needs about 14.6 TiB \(a fc pattern of "
                                        r"1000000x1000000 with 1e\+12 edges\), more than the 8 GiB"):
        generate("fc", 10**6, 10**6)


@pytest.mark.parametrize("kind,kw,estimate", [
    ("random", dict(density=0.5), "224 GiB"),      # 8 B per cell: numpy shuffles all p*n cell numbers, + 32 B/edge
    ("usn", dict(fo=10**4), "14.9 GiB"),           # 16 B per edge
    ("clash_free", dict(fo=10**4, z=10**4), "22.4 GiB"),   # 24 B per edge
    ("erdos_renyi", dict(density=0.1), "104 GiB"),  # as random, at the expected W plus six sigma
])
def test_each_kind_estimates_its_memory(limit_8g, kind, kw, estimate):
    with pytest.raises(SpecError, match=f"needs about {estimate}"):
        generate(kind, 10**5, 10**5, seed=0, **kw)


def test_the_limit_can_be_raised(monkeypatch):
    monkeypatch.setenv("PREDEFSPARSE_MAX_MEMORY", "1K")
    with pytest.raises(SpecError, match="PREDEFSPARSE_MAX_MEMORY"):
        generate("rtl", 64, 32, fo=16)          # 512 edges * 16 bytes > 1 KiB
    monkeypatch.setenv("PREDEFSPARSE_MAX_MEMORY", "1M")
    assert generate("rtl", 64, 32, fo=16).W == 1024


def test_dense_mask_is_refused_above_the_limit(limit_8g):
    pat = generate("usn", 10**6, 10**6, fo=1, seed=0)
    with pytest.raises(SpecError, match=r"Pattern.to_mask: the request needs about 931 GiB \(a dense "
                                        r"1000000x1000000 boolean mask\)"):
        pat.to_mask()


@pytest.mark.parametrize("extra", [[], ["--z", "8"]])
def test_cli_huge_pattern_one_line_exit_1(limit_8g, capsys, extra):
    rc = main(["pattern", "clash_free", "--p", "1e8", "--n", "1e8", "--fo", "16"] + extra)
    err = capsys.readouterr().err
    assert rc == 1 and err.count("\n") == 1 and err.startswith("predefsparse pattern: error: generate: ")
    if extra:
        assert "needs about 35.8 GiB" in err


def test_error_hints_do_not_stall():
    # p = 10**18 + 1 used to be factored by trial division (over 30 s) for the z hint; it is now refused as
    # too large for int32 indices before any hint is computed, and the hint helpers are fast on huge numbers
    with pytest.raises(SpecError, match=r"generate: p must be a positive integer <= 2147483647 \(neuron "
                                        r"indices are int32\); received p=1000000000000000001"):
        generate("clash_free", 10**18 + 1, 2, fo=1, z=7)
    assert near_divisors(10**18 + 1, 7) == [1, 101]
    assert divisors((2**31 - 1) * (2**31 - 19)) == [1, 2**31 - 19, 2**31 - 1, (2**31 - 1) * (2**31 - 19)]
    assert len(divisors(2**62)) == 63
    with pytest.raises(SpecError, match=r"z must be a divisor of p \(2147483646\).*Try z=3 or z=6"):
        generate("clash_free", 2**31 - 2, 2, fo=1, z=5)


def test_clash_free_fo_hint_is_fast_for_huge_layers(monkeypatch):
    # the builder refuses fi (4) not dividing p before allocating; its hint used to loop over all n values
    monkeypatch.setenv("PREDEFSPARSE_MAX_MEMORY", "1T")
    with pytest.raises(SpecError, match=r"fi \(4\) to divide p \(2147483646\).*try fo=1 \(fi=2\) or fo=3 "
                                        r"\(fi=6\)"):
        generate("clash_free", 2**31 - 2, 2**30 - 1, fo=2, z=2)


def test_netspec_valid_cycles_on_huge_edge_counts_is_fast():
    assert adjmat.NetSpec.valid_cycles((2**30, 2**30), (2**30,))[-1] == 2**60


# ---------------------------------------------------------------- 8.6 no int32 wrap
def test_sizes_at_or_above_2_31_are_refused():
    with pytest.raises(SpecError, match=r"generate: p must be a positive integer <= 2147483647"):
        generate("random", 2**33, 2, density=1e-9)
    with pytest.raises(SpecError, match=r"generate: n must be a positive integer <= 2147483647"):
        generate("usn", 2, 2**31, fo=1)
    with pytest.raises(SpecError, match=r"JunctionSpec: p must be a positive integer <= 2147483647"):
        adjmat.JunctionSpec(2**31, 2, fo=1)
    assert adjmat.JunctionSpec(2**31 - 1, 2**31 - 1, fo=1).W == 2**31 - 1   # the largest size is accepted


def test_index_arrays_checked_before_the_cast():
    with pytest.raises(SpecError, match=r"left must be indices in \[0, 8\)"):
        adjmat.Pattern(np.array([2**32 + 3, 5]), [0, 0], p=8, n=1)
    with pytest.raises(SpecError, match=r"right must be indices in \[0, 2\)"):
        adjmat.Pattern([0, 1], np.array([0, 2**32]), p=8, n=2)


# ---------------------------------------------------------------- 8.11 unordered collections, option types
@pytest.mark.parametrize("config", [{1024, 64, 32}, frozenset({1024, 64, 32}), {1024: 0, 64: 0, 32: 0}.keys(),
                                    {1024: 0, 64: 0, 32: 0}, iter([1024, 64, 32])])
def test_unordered_configs_are_refused(config):
    with pytest.raises(SpecError, match=r"NetSpec: config must be an ordered sequence of integers .*Sets and "
                                        r"dicts have no reliable order"):
        adjmat.NetSpec(config, (4, 16))


def test_ordered_configs_still_accepted():
    for config in ([1024, 64, 32], (1024, 64, 32), np.array([1024, 64, 32]), range(32, 33), "1024,64,32"):
        if len(list(config) if not isinstance(config, str) else config.split(",")) == 3:
            assert adjmat.NetSpec(config, (4, 16)).config == (1024, 64, 32)


@pytest.mark.parametrize("bad", [np.bool_(True), True, 2.0, np.float64(2), "2", None])
def test_clash_free_type_must_be_an_int(bad):
    with pytest.raises(SpecError, match=r"generate: type must be 1, 2 or 3"):
        generate("clash_free", 8, 4, fo=2, z=4, seed=0, type=bad)
    with pytest.raises(SpecError, match=r"count_clash_free: type must be 1, 2 or 3"):
        adjmat.count_clash_free(8, 4, 2, 4, type=bad)


def test_numpy_integer_type_accepted():
    assert generate("clash_free", 8, 4, fo=2, z=4, seed=0, type=np.int64(1)).meta["type"] == 1
    assert adjmat.count_clash_free(8, 4, 2, 4, type=np.int8(3)) == adjmat.count_clash_free(8, 4, 2, 4, type=3)


@pytest.mark.parametrize("param,bad", [("fo", np.bool_(True)), ("fo", 2.0), ("z", 2.0), ("z", np.bool_(True))])
def test_junctionspec_refuses_bools_and_floats(param, bad):
    kw = dict(p=8, n=4, fo=2, z=4)
    kw[param] = bad
    with pytest.raises(SpecError, match=f"JunctionSpec: {param} must be a positive integer"):
        adjmat.JunctionSpec(**kw)


def test_count_clash_free_refuses_an_answer_that_cannot_fit(limit_8g):
    # 2**30 neurons, type 1: the exact count has about 6e18 digits (the big-integer arithmetic never ended)
    with pytest.raises(SpecError, match=r"count_clash_free: the request needs about .* TiB \(an exact count of "
                                        r"about 6.44e\+18 decimal digits"):
        adjmat.count_clash_free(2**30, 2**30, 2**30, 2**10, type=1)
    assert len(str(adjmat.count_clash_free(1024, 64, 4, 128, type=1))) == 2359   # the FPGA design still counts
