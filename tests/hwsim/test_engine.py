"""hwsim.simulate: cycle totals, stalls, utilisation, traffic, RMW hazards, validation, golden reports.

Expected values come from docs/hardware.md formulas, from adjmat.clash_report (an independent offline count) and
from the small pure-Python timing model below, which is written from docs/hardware.md §3-§5 and shares no code
with hwsim.

Regenerate the golden reports (after an intended change of the engine or of adjmat's generators) with::

    python tests/hwsim/test_engine.py --regenerate-golden
"""
from __future__ import annotations

import json
import math
import os
import sys

import numpy as np
import pytest
from hypothesis import assume, given, strategies as st

import adjmat
from adjmat import NetSpec, SpecError, clash_report, generate, generate_network
from hwsim import HardwareConfig, simulate

GOLDEN = os.path.join(os.path.dirname(__file__), "golden")

REGRESSION = {  # docs/hardware.md §8
    "fpga": ((1024, 64, 32), (4, 16), (128, 32)),
    "small": ((64, 16, 4), (2, 2), (32, 8)),
    "powerful": ((1024, 64, 16), (8, 8), (512, 32)),
    "pipelining": ((1024, 128, 32), (4, 8), (128, 32)),
}
CLASH_FREE = [("clash_free", {"type": t, "dither": d}) for t in (1, 2, 3) for d in (False, True)] + [("rtl", {})]


def net_of(name):
    return NetSpec(*REGRESSION[name])


def schedule(t, N, L, mode):
    """Active (ff, bp, up) of junction i (1-based) in cycle t, straight from docs/hardware.md §2."""
    out = []
    for i in range(1, L + 1):
        ff = 0 <= t - i < N
        bu = mode == "train" and 0 <= t - (2 * L + 1 - i) < N
        out.append((ff, bu and i > 1, bu))
    return out


def total_cycles(N, L, mode):
    return N + (2 * L if mode == "train" else L)


def active_cycles(N, L, mode):
    return [sum(any(schedule(t, N, L, mode)[i]) for t in range(total_cycles(N, L, mode))) for i in range(L)]


def check_clash_free(rep, net, cfg, N, mode):
    """Every §4 / §9 figure of a clash-free run (policy count or forward: no stall clocks)."""
    L, C = net.L, net.cycle
    cpc = C + cfg.overhead
    train = mode == "train"
    assert rep.cpc == cpc
    assert rep.total_clocks == total_cycles(N, L, mode) * cpc
    assert rep.junction_cycles == total_cycles(N, L, mode)
    span = 2 * L + 1 if train else L + 1
    assert rep.latency_cycles == span
    assert rep.latency_clocks == rep.latency_clocks_min == span * cpc
    assert rep.latency_s == pytest.approx(span * cpc / cfg.f_clk, rel=1e-12)
    assert rep.total_stall_clocks == 0
    assert rep.bank_stall_clocks == (0,) * L and rep.rmw_stall_clocks == (0,) * L
    assert rep.throughput_inputs_per_s == pytest.approx(cfg.f_clk / cpc, rel=1e-12)
    ops = sum(W * ((3 if i else 2) if train else 1) for i, W in enumerate(net.W))
    assert rep.edge_ops_per_input == ops
    act = active_cycles(N, L, mode)
    assert list(rep.active_cycles) == act
    u = C / cpc
    for i in range(L):
        assert rep.max_load_hist[i] == (0, C * act[i])
        assert rep.utilisation["ff"][i] == pytest.approx(u, rel=1e-12)
        assert rep.utilisation["up"][i] == pytest.approx(u if train else 0.0, abs=1e-12)
        assert rep.utilisation["bp"][i] == pytest.approx(u if train and i > 0 else 0.0, abs=1e-12)
    if cfg.timing == "ideal" and train:
        assert rep.utilisation["ff"] == (1.0,) * L
    # whole-run traffic
    tr = rep.traffic
    for i, (W, n) in enumerate(zip(net.W, net.config[1:])):
        assert tr["am_read_ff"][i] == N * W
        assert tr["am_read_up"][i] == (N * W if train else 0)
        assert tr["adm_read"][i] == tr["dm_rmw_read"][i] == tr["dm_rmw_write"][i] == (N * W if train and i else 0)
        assert tr["wm_read"][i] == W * act[i]
        assert tr["wm_write"][i] == (N * W if train else 0)
        assert tr["bm_read"][i] == n * act[i]
        assert tr["bm_write"][i] == (N * n if train else 0)
    # per input (one steady-state cycle), docs/hardware.md §9.6
    steady = N >= (2 * L if train else L)
    assert (rep.traffic_per_input is not None) == steady
    if steady:
        per = rep.traffic_per_input
        for i, (W, n) in enumerate(zip(net.W, net.config[1:])):
            assert per["am_read_ff"][i] + per["am_read_up"][i] == (2 * W if train else W)
            assert per["adm_read"][i] == (W if train and i else 0)
            assert per["dm_rmw_read"][i] == per["dm_rmw_write"][i] == (W if train and i else 0)
            assert per["wm_read"][i] == W and per["wm_write"][i] == (W if train else 0)
            assert per["bm_read"][i] == n and per["bm_write"][i] == (n if train else 0)
    assert rep.weight_staleness == tuple((2 * (L - i) + 1) if train else 0 for i in range(1, L + 1))


@pytest.mark.parametrize("name", sorted(REGRESSION))
@pytest.mark.parametrize("kind,options", CLASH_FREE, ids=lambda v: str(v))
def test_clash_free_regression_configs(name, kind, options):
    net = net_of(name)
    pats = generate_network(net, kind, seed=11, **options)
    for timing in ("ideal", "rtl"):
        cfg = HardwareConfig(timing=timing)
        for mode in ("train", "infer"):
            for N in (1, 2 * net.L, 257):
                check_clash_free(simulate(net, pats, cfg, inputs=N, mode=mode), net, cfg, N, mode)


def test_fpga_build_headline_numbers():
    net = net_of("fpga")
    rep = simulate(net, generate_network(net, "clash_free", seed=0), HardwareConfig(timing="rtl"), inputs=60000)
    assert rep.cpc == 36 and rep.total_clocks == 60004 * 36
    assert rep.throughput_inputs_per_s == pytest.approx(15e6 / 36)      # about 417 thousand inputs / s
    assert rep.edge_ops_per_input == 2 * 4096 + 3 * 1024
    assert rep.weight_staleness == (3, 1)
    assert rep.utilisation["bp"][0] == 0.0


@st.composite
def clash_free_designs(draw):
    L = draw(st.integers(1, 3))
    config = tuple(2 ** draw(st.integers(1, 6)) for _ in range(L + 1))
    fo = []
    for p, n in zip(config[:-1], config[1:]):
        fos = [2 ** k for k in range(0, int(math.log2(n)) + 1) if p * 2 ** k >= n]
        fo.append(draw(st.sampled_from(fos)))
    valid = NetSpec.valid_cycles(config, fo)
    assume(valid)
    net = NetSpec.balanced(config, fo, cycle=draw(st.sampled_from(valid)))
    kind = draw(st.sampled_from(["clash_free", "rtl"]))
    options = {} if kind == "rtl" else {"type": draw(st.sampled_from([1, 2, 3])), "dither": draw(st.booleans())}
    return net, kind, options


@given(design=clash_free_designs(), seed=st.integers(0, 2**32 - 1), N=st.integers(1, 40),
       timing=st.sampled_from(["ideal", "rtl"]), proctime=st.integers(0, 3), mode=st.sampled_from(["train", "infer"]),
       rmw=st.sampled_from(["count", "forward"]), ports=st.sampled_from([1, 2]))
def test_clash_free_random_designs(design, seed, N, timing, proctime, mode, rmw, ports):
    net, kind, options = design
    pats = generate_network(net, kind, seed=seed, **options)
    cfg = HardwareConfig(timing=timing, proctime=proctime, rmw=rmw, ports=ports)
    rep = simulate(net, pats, cfg, inputs=N, mode=mode)
    check_clash_free(rep, net, cfg, N, mode)
    if rmw == "forward":
        assert rep.rmw_stale == (0,) * net.L


# ---------------------------------------------------------------------------------- stalls of other patterns
def reference_cycle(left, z, proctime, ports, policy, bp):
    """Pure-Python model of one junction cycle (docs/hardware.md §3-§5): clock c's z edges; accesses to one bank
    serialise (sub-clock = rank // ports); BP's delta read of a neuron fewer than 2 + proctime clocks after its
    previous read is a hazard (the write-back lands 2 + proctime clocks after the read).
    Returns (clocks, bank stalls, rmw stalls, hazards, stale, min distance)."""
    T = bank_stalls = rmw_stalls = hazards = stale = 0
    last, mind = {}, None
    for c in range(len(left) // z):
        lanes = [int(v) for v in left[c * z:(c + 1) * z]]
        rank, seen = [], {}
        for l in lanes:
            rank.append(seen.get(l % z, 0))
            seen[l % z] = rank[-1] + 1
        worst = max(seen.values())
        if bp:
            for l, r in zip(lanes, rank):
                t = T + r // ports
                if l in last:
                    d = t - last[l]
                    mind = d if mind is None else min(mind, d)
                    if d < 2 + proctime:
                        hazards += 1
                        if policy == "count":
                            stale += 1
                        elif policy == "stall":
                            T += 2 + proctime - d
                            rmw_stalls += 2 + proctime - d
                            t += 2 + proctime - d
                last[l] = t
        cost = -(-worst // ports)
        T += cost
        bank_stalls += cost - 1
    return T, bank_stalls, rmw_stalls, hazards, stale, mind


def reference_run(net, pats, cfg, N, mode):
    """Total clocks and per-junction sums from the reference cycle model and the §2 schedule."""
    L = net.L
    per = {}
    for i, pat in enumerate(pats):
        for bp in (False, True):
            per[i, bp] = reference_cycle(pat.left, net.z[i], cfg.proctime, cfg.ports, cfg.rmw, bp)
    total, sums = 0, np.zeros((L, 4), dtype=np.int64)
    for t in range(total_cycles(N, L, mode)):
        longest = net.cycles[0] if t < N else 0
        for i, (ff, bp, up) in enumerate(schedule(t, N, L, mode)):
            if ff or bp or up:
                r = per[i, bp]
                longest = max(longest, r[0])
                sums[i] += r[1:5]
        total += longest + cfg.overhead
    return total, sums, per


@pytest.mark.parametrize("name", sorted(REGRESSION))
@pytest.mark.parametrize("kind", ["random", "basic"])
@pytest.mark.parametrize("timing", ["ideal", "rtl"])
def test_stalls_equal_offline_clash_count(name, kind, timing):
    net = net_of(name)
    pats = generate_network(net, kind, seed=5)
    N = 23
    rep = simulate(net, pats, HardwareConfig(timing=timing), inputs=N)
    act = active_cycles(N, net.L, "train")
    for i, pat in enumerate(pats):
        cr = clash_report(pat, net.z[i])
        assert rep.bank_stall_clocks[i] == cr.stall_clocks * act[i]
        hist = np.trim_zeros(cr.max_load_hist * act[i], "b")
        assert rep.max_load_hist[i] == tuple(int(v) for v in hist)
    assert rep.total_stall_clocks > 0
    assert rep.utilisation["ff"][0] < 0.6


@pytest.mark.parametrize("kind", ["random", "basic", "clash_free"])
@pytest.mark.parametrize("ports", [1, 2])
@pytest.mark.parametrize("rmw", ["count", "forward", "stall"])
def test_engine_matches_reference_model(kind, ports, rmw):
    net = net_of("small")
    pats = generate_network(net, kind, seed=3)
    cfg = HardwareConfig(timing="rtl", ports=ports, rmw=rmw, proctime=2)
    N = 9
    rep = simulate(net, pats, cfg, inputs=N)
    total, sums, per = reference_run(net, pats, cfg, N, "train")
    assert rep.total_clocks == total
    assert rep.bank_stall_clocks == tuple(int(v) for v in sums[:, 0])
    assert rep.rmw_stall_clocks == tuple(int(v) for v in sums[:, 1])
    assert rep.rmw_hazards == tuple(int(v) for v in sums[:, 2])
    assert rep.rmw_stale == tuple(int(v) for v in sums[:, 3])
    assert rep.rmw_min_distance[1] == per[1, True][5]
    assert rep.rmw_min_distance[0] is None  # junction 1 has no BP


def test_two_ports_halve_the_serialisation():
    net = net_of("fpga")
    pats = generate_network(net, "random", seed=2)
    one = simulate(net, pats, HardwareConfig(ports=1), inputs=10)
    two = simulate(net, pats, HardwareConfig(ports=2), inputs=10)
    act = active_cycles(10, 2, "train")
    for i, pat in enumerate(pats):
        z = net.z[i]
        loads = np.zeros((pat.W // z, z), dtype=np.int64)
        np.add.at(loads, (np.arange(pat.W) // z, pat.left % z), 1)
        ml = loads.max(axis=1)
        assert one.bank_stall_clocks[i] == int((ml - 1).sum()) * act[i]
        assert two.bank_stall_clocks[i] == int((-(-ml // 2) - 1).sum()) * act[i]
    assert two.cpc < one.cpc


# ---------------------------------------------------------------------------------- RMW hazards
def test_rtl_pattern_fpga_junction2_hazards():
    """D = 64/32 = 2 < 2 + PROCTIME = 4: every revisit of a left neuron in junction 2 is a hazard."""
    net = net_of("fpga")
    pats = generate_network(net, "rtl")
    N = 50
    base = dict(timing="rtl", proctime=2)
    count = simulate(net, pats, HardwareConfig(rmw="count", **base), inputs=N)
    per_cycle = 64 * (16 - 1)   # 64 left neurons, each visited fo = 16 times, every revisit 2 clocks later
    assert count.rmw_hazards == (0, per_cycle * N) and count.rmw_stale == count.rmw_hazards
    assert count.rmw_min_distance == (None, 2)
    assert count.cpc == 36 and count.total_stall_clocks == 0
    fwd = simulate(net, pats, HardwareConfig(rmw="forward", **base), inputs=N)
    assert fwd.rmw_hazards == count.rmw_hazards and fwd.rmw_stale == (0, 0)
    assert fwd.total_clocks == count.total_clocks
    stall = simulate(net, pats, HardwareConfig(rmw="stall", **base), inputs=N)
    assert stall.rmw_stale == (0, 0)
    ref = reference_cycle(pats[1].left, 32, 2, 1, "stall", True)
    assert stall.rmw_stall_clocks == (0, ref[2] * N) and ref[2] > 0
    assert stall.cpc == 32 + ref[2] + 4
    # no hazards without arithmetic pipelining (a revisit 2 clocks later sees the write)
    flat = simulate(net, pats, HardwareConfig(rmw="count", timing="rtl", proctime=0), inputs=N)
    assert flat.rmw_hazards == (0, 0) and flat.rmw_min_distance == (None, 2)


def test_hazards_match_numpy_revisit_count():
    """Clash-free, 1 port: the read of clock c happens at time c; count revisit gaps < 2 + proctime."""
    net = net_of("pipelining")
    pats = generate_network(net, "clash_free", seed=4, type=2)
    for proctime in (0, 1, 2, 4):
        rep = simulate(net, pats, HardwareConfig(proctime=proctime), inputs=7)
        left = pats[1].left.astype(np.int64)
        clock = np.arange(left.size) // net.z[1]
        order = np.lexsort((clock, left))
        same = left[order][1:] == left[order][:-1]
        gaps = (clock[order][1:] - clock[order][:-1])[same]
        assert rep.rmw_hazards[1] == int((gaps < 2 + proctime).sum()) * 7
        assert rep.rmw_min_distance[1] == int(gaps.min())


# ---------------------------------------------------------------------------------- modes and options
@pytest.mark.parametrize("kind", ["random", "clash_free"])
@pytest.mark.parametrize("mode", ["train", "infer"])
def test_every_cycle_equals_segments(kind, mode):
    net = net_of("small")
    pats = generate_network(net, kind, seed=8)
    for cfg in (HardwareConfig(), HardwareConfig(timing="rtl", rmw="stall", ports=2)):
        for N in (1, 3, 4, 5, 30):
            a = simulate(net, pats, cfg, inputs=N, mode=mode).to_dict(perf=False)
            b = simulate(net, pats, cfg, inputs=N, mode=mode, every_cycle=True).to_dict(perf=False)
            assert a.pop("method") == "segments" and b.pop("method") == "every_cycle"
            assert a == b


def test_segments_walk_few_cycles_every_cycle_walks_all():
    net = net_of("fpga")
    pats = generate_network(net, "clash_free", seed=0)
    seg = simulate(net, pats, inputs=5000)
    full = simulate(net, pats, inputs=5000, every_cycle=True)
    assert seg.perf["simulated_cycles"] <= 4 * net.L + 3
    assert full.perf["simulated_cycles"] == 5004
    assert full.perf["kernel_edge_events"] == full.perf["represented_edge_events"] == 5000 * (2 * 4096 + 3 * 1024)
    assert seg.perf["represented_edge_events"] == full.perf["represented_edge_events"]


def test_latency_with_clashes_is_max_over_inputs():
    net = net_of("small")
    pats = generate_network(net, "random", seed=1)
    cfg = HardwareConfig(timing="rtl")
    N = 6
    rep = simulate(net, pats, cfg, inputs=N)
    lens = []
    for t in range(total_cycles(N, 2, "train")):
        longest = net.cycles[0] if t < N else 0
        for i, flags in enumerate(schedule(t, N, 2, "train")):
            if any(flags):
                longest = max(longest, reference_cycle(pats[i].left, net.z[i], 2, 1, "count", flags[1])[0])
        lens.append(longest + cfg.overhead)
    lat = [sum(lens[n:n + 5]) for n in range(N)]
    assert (rep.latency_clocks, rep.latency_clocks_min) == (max(lat), min(lat))
    assert rep.total_clocks == sum(lens)


def test_unbalanced_design_needs_permission_and_idles_the_fast_junction():
    net = NetSpec((1024, 64, 32), (4, 16), (128, 64))   # C = (32, 16)
    pats = generate_network(net, "rtl")
    with pytest.raises(SpecError, match=r"allow_unbalanced must be True.*rebalance.*z=\(128, 32\)"):
        simulate(net, pats, inputs=10)
    rep = simulate(net, pats, inputs=10, allow_unbalanced=True)
    assert rep.cpc == 32 and rep.total_clocks == 14 * 32
    assert rep.utilisation["ff"] == (1.0, 0.5)
    assert "junction cycles C = W/z must be equal, got (32, 16)" in rep.hardware_violations


def test_infer_mode_has_no_backward_work():
    net = net_of("fpga")
    rep = simulate(net, generate_network(net, "clash_free", seed=0), inputs=100, mode="infer")
    assert rep.total_clocks == 102 * 32 and rep.latency_clocks == 3 * 32
    assert rep.edges["bp"] == (0, 0) and rep.edges["up"] == (0, 0)
    assert rep.memory_traffic["WM"]["writes"] == 0 and rep.weight_staleness == (0, 0)


def test_memory_traffic_summary_adds_up():
    net = net_of("fpga")
    rep = simulate(net, generate_network(net, "clash_free", seed=0), inputs=100)
    assert rep.memory_traffic["AM"]["reads"] == 2 * 100 * (4096 + 1024)
    assert rep.memory_traffic["ADM"]["reads"] == 100 * 1024
    assert rep.memory_traffic["DM"]["reads"] == 100 * (1024 + 64 + 32)      # RMW reads + in-order reads
    assert rep.memory_traffic["AM"]["writes"] == 100 * (1024 + 64)          # input loads + hidden a


def test_progress_reporting(capsys):
    net = net_of("small")
    pats = generate_network(net, "rtl")
    seen = []
    simulate(net, pats, inputs=10000, every_cycle=True, progress=lambda d, t: seen.append((d, t)))
    assert seen[-1] == (10004, 10004) and len(seen) == 3
    simulate(net, pats, inputs=10, progress=True)
    assert "hwsim.simulate: 14/14 junction cycles" in capsys.readouterr().err


# ---------------------------------------------------------------------------------- bad input
GOOD_NET = NetSpec((64, 16, 4), (2, 2), (32, 8))


def _bad_cases():
    pats = generate_network(GOOD_NET, "clash_free", seed=0)
    other = generate("clash_free", 64, 16, fo=4, z=32, seed=0)
    uneven = generate("random", 64, 16, fo=2, seed=0)
    return [
        (dict(netspec="64,16,4"), "netspec must be an adjmat.NetSpec"),
        (dict(netspec=NetSpec((64, 16, 4), (2, 2))), "netspec.z must be one parallelism z per junction"),
        (dict(hardware={"timing": "rtl"}), "hardware must be an hwsim.HardwareConfig"),
        (dict(inputs=0), "inputs must be a positive integer"),
        (dict(inputs=2.5), "inputs must be"),
        (dict(mode="training"), "mode must be one of 'train', 'infer'"),
        (dict(allow_unbalanced=1), "allow_unbalanced must be True or False"),
        (dict(every_cycle="yes"), "every_cycle must be True or False"),
        (dict(progress=3), "progress must be None, a bool or a callable"),
        (dict(patterns=pats[:1]), "patterns must be a sequence of 2 adjmat.Pattern"),
        (dict(patterns=5), "patterns must be a sequence of 2"),
        (dict(patterns=[pats[0], "x"]), "patterns[1] (junction 2) must be an adjmat.Pattern"),
        (dict(patterns=[pats[1], pats[0]]), "patterns[0] (junction 1) must join p=64 to n=16"),
        (dict(patterns=[other, pats[1]]), "patterns[0] (junction 1) must have W = p*fo = 64*2 = 128 edges"),
        (dict(patterns=[uneven, pats[1]]), None),   # W matches, degrees vary: accepted
        (dict(netspec=NetSpec((64, 16, 4), (2, 2), (32, 4))), "allow_unbalanced must be True to simulate junction "
                                                       "cycles C_i = W_i/z_i that differ"),
    ]


@pytest.mark.parametrize("case", range(16))
def test_bad_input_names_the_parameter(case):
    kwargs, message = _bad_cases()[case]
    call = dict(netspec=GOOD_NET, patterns=generate_network(GOOD_NET, "clash_free", seed=0),
                hardware=HardwareConfig(), inputs=5)
    call.update(kwargs)
    args = (call.pop("netspec"), call.pop("patterns"), call.pop("hardware"))
    if message is None:
        simulate(*args, **call)
        return
    with pytest.raises(SpecError) as err:
        simulate(*args, **call)
    assert str(err.value).startswith("simulate: ")
    assert message in str(err.value)


def test_degree_mismatch_is_refused():
    net = NetSpec((64, 16, 4), (2, 2), (32, 8))
    left = np.r_[np.arange(64), np.arange(64)]              # out-degree 2 but in-degrees 16 and 0
    right = np.r_[np.repeat(np.arange(8), 16)]
    second = generate("rtl", 16, 4, fo=2)
    with pytest.raises(SpecError, match=r"patterns\[0\] \(junction 1\) is kind='basic', so every in-degree must "
                                        r"be fi=8; received in-degrees 0..16"):
        simulate(net, [adjmat.Pattern(left, right, 64, 16, kind="basic"), second])
    rep = simulate(net, [adjmat.Pattern(left, right, 64, 16), second], inputs=3)   # kind "custom": accepted
    assert rep.hardware_violations == ["junction 1: in-degrees vary (0..16), so the right neurons finishing "
                                       "per clock vary"]


# ---------------------------------------------------------------------------------- golden reports
GOLDEN_CASES = {
    "fpga": ("fpga", "clash_free", HardwareConfig(timing="rtl")),
    "small": ("small", "clash_free", HardwareConfig(timing="rtl")),
    "powerful": ("powerful", "clash_free", HardwareConfig(timing="rtl")),
    "pipelining": ("pipelining", "clash_free", HardwareConfig(timing="rtl")),
    "fpga_random": ("fpga", "random", HardwareConfig(timing="rtl", rmw="stall")),
}


def golden_report(case):
    name, kind, cfg = GOLDEN_CASES[case]
    net = net_of(name)
    return simulate(net, generate_network(net, kind, seed=0), cfg, inputs=1000)


@pytest.mark.parametrize("case", sorted(GOLDEN_CASES))
def test_golden_report(case):
    with open(os.path.join(GOLDEN, f"{case}.json")) as f:
        expected = json.load(f)
    got = golden_report(case).to_dict(perf=False)
    assert got.keys() == expected.keys()
    for key in expected:
        assert got[key] == expected[key], f"{case}: field {key} differs from golden"


def regenerate_golden():
    os.makedirs(GOLDEN, exist_ok=True)
    for case in sorted(GOLDEN_CASES):
        print(golden_report(case).to_json(os.path.join(GOLDEN, f"{case}.json"), perf=False))


if __name__ == "__main__":
    if sys.argv[1:] == ["--regenerate-golden"]:
        regenerate_golden()
    else:
        sys.exit("usage: python tests/hwsim/test_engine.py --regenerate-golden")
