"""The one seed path (adjmat.seeds): per-junction streams and the extra (weight) stream, for every seed form."""
import numpy as np
import pytest

import adjmat
from adjmat import SpecError
from adjmat.seeds import WEIGHT_KEY, extra_stream, junction_streams, seed_root

NET = adjmat.NetSpec((64, 32, 16, 8), (4, 8, 4), (16, 16, 8))


def _state(ss):
    return ss.generate_state(4).tolist()


def test_int_streams_equal_a_first_spawn():
    streams, recorded = junction_streams("f", 7, 3)
    assert recorded == 7
    assert [_state(s) for s in streams] == [_state(s) for s in np.random.SeedSequence(7).spawn(3)]


def test_user_seedsequence_is_not_mutated_and_gives_the_same_streams():
    root = np.random.SeedSequence(7)
    a, rec_a = junction_streams("f", root, 3)
    b, _ = junction_streams("f", root, 3)
    assert root.n_children_spawned == 0 and rec_a == 7
    assert [_state(s) for s in a] == [_state(s) for s in b] == [_state(s) for s in np.random.SeedSequence(7).spawn(3)]


def test_child_seedsequence_extends_its_spawn_key():
    child = np.random.SeedSequence(7).spawn(2)[1]
    streams, _ = junction_streams("f", child, 2)
    assert [s.spawn_key for s in streams] == [(1, 0), (1, 1)]


def test_generator_spawns_and_advances():
    gen = np.random.default_rng(5)
    first, recorded = junction_streams("f", gen, 2)
    second, _ = junction_streams("f", gen, 2)
    assert recorded is None
    same = [g.integers(0, 2**62) for g in np.random.default_rng(5).spawn(2)]
    assert [g.integers(0, 2**62) for g in first] == same
    assert [g.integers(0, 2**62) for g in second] != same   # the caller's Generator moved on


def test_none_draws_and_records():
    streams, recorded = junction_streams("f", None, 2)
    assert isinstance(recorded, int)
    again, _ = junction_streams("f", recorded, 2)
    assert [_state(s) for s in streams] == [_state(s) for s in again]


@pytest.mark.parametrize("bad", [-1, 1.5, "7", True])
def test_bad_seed(bad):
    with pytest.raises(SpecError, match=r"generate_network: seed must be None, a non-negative int"):
        junction_streams("generate_network", bad, 2)


def test_extra_stream_is_far_from_the_junctions_and_agrees_across_forms():
    ss = extra_stream("mlp", 7)
    assert ss.spawn_key == (WEIGHT_KEY,)
    assert _state(ss) == _state(extra_stream("mlp", np.random.SeedSequence(7)))
    gen = np.random.default_rng(7)
    assert _state(extra_stream("mlp", gen)) == _state(ss)
    # drawing the weight stream neither advances the Generator nor shifts the junction streams
    streams, _ = junction_streams("mlp", gen, 2)
    assert [g.integers(0, 2**62) for g in streams] == [g.integers(0, 2**62)
                                                      for g in np.random.default_rng(7).spawn(2)]
    root, recorded = seed_root("mlp", None)
    assert _state(extra_stream("mlp", root)) == _state(extra_stream("mlp", recorded))


@pytest.mark.parametrize("form", ["int", "seedsequence", "generator"])
def test_generate_network_same_patterns_for_every_seed_form(form):
    seed = {"int": 11, "seedsequence": np.random.SeedSequence(11), "generator": np.random.default_rng(11)}[form]
    pats = adjmat.generate_network(NET, "clash_free", seed=seed)
    streams = np.random.SeedSequence(11).spawn(NET.L) if form != "generator" else \
        np.random.default_rng(11).spawn(NET.L)
    one_by_one = [adjmat.generate("clash_free", js.p, js.n, fo=js.fo, z=js.z, seed=s)
                  for js, s in zip(NET.junctions, streams)]
    assert pats == one_by_one
    if form != "generator":
        assert [p.seed for p in pats] == [11] * 3 and [p.meta["spawn_key"] for p in pats] == [[0], [1], [2]]
    else:
        assert all(p.seed is None for p in pats)


def test_adding_a_junction_does_not_shift_the_others():
    short = adjmat.generate_network((64, 32, 16), "usn", seed=3, fo=(4, 8))
    longer = adjmat.generate_network((64, 32, 16, 8), "usn", seed=3, fo=(4, 8, 4))
    assert longer[:2] == short


def test_plain_config_equals_netspec():
    assert adjmat.generate_network(NET, "clash_free", seed=2) == adjmat.generate_network(
        NET.config, "clash_free", seed=2, fo=NET.fo, z=NET.z)
    er = adjmat.generate_network(NET.config, "erdos_renyi", seed=2, epsilon=3)
    assert [p.meta["epsilon"] for p in er] == [3.0, 3.0, 3.0]
    fc = adjmat.generate_network((6, 4, 2), "fc")
    assert [p.W for p in fc] == [24, 8]
