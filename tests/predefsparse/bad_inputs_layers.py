"""Bad-input cases of the layers area: SparseDense, sparse(), the model builders and SET (see tests/badinput.py).

Keras is imported inside the calls, not when the meta-test collects this module.  Every case is refused at the
public entry point before any work (no pattern generated, no weight built), except where noted.
"""
from __future__ import annotations

import numpy as np

from ..badinput import Case, memory_limit


def _layers():
    from predefsparse import layers
    return layers


def _models():
    from predefsparse import models
    return models


def _evolution():
    from predefsparse import evolution
    return evolution


def _pattern(kind="usn", p=6, n=4, **size):
    import adjmat
    return adjmat.generate(kind, p, n, seed=0, **(size or {"density": 0.5}))


def _repeated_edge():
    import adjmat
    return adjmat.Pattern([0, 0], [0, 0], p=2, n=2)


def _dense(*args, **kwargs):
    return _layers().SparseDense(*args, **kwargs)


def _built(layer, p):
    """Build ``layer`` on a (1, p) input under an 8 GiB memory limit (a refusal is what the case expects)."""
    with memory_limit("8G"):
        layer(np.zeros((1, p), "float32"))
    return layer


def _sparse(*args, **kwargs):
    return _layers().sparse(*args, **kwargs)


def _mlp(config=(20, 8, 4), **kwargs):
    return _models().mlp(config, **kwargs)


def _patterns(config=(20, 8, 4), **kwargs):
    return _models().patterns(config, **kwargs)


def _evolve(pattern=None, weights=None, zeta=0.3, rng=0):
    pat = _pattern() if pattern is None else pattern
    return _evolution().evolve(pat, np.ones(pat.W) if weights is None else weights, zeta, rng)


_DENSE = [
    ("units negative", lambda: _dense(-3, density=0.5), ("units must be a positive integer", "units=-3")),
    ("units float", lambda: _dense(4.0, density=0.5), ("units=4.0",)),
    ("units bool", lambda: _dense(True, density=0.5), ("units=True",)),
    ("density above 1", lambda: _dense(4, density=1.5), ("density", "density=1.5")),
    ("density zero", lambda: _dense(4, density=0.0), ("density=0.0",)),
    ("density and fo", lambda: _dense(4, density=0.5, fo=2), ("at most one of density, fo or fi",)),
    ("fo zero", lambda: _dense(4, fo=0), ("fo must be a positive integer", "fo=0")),
    ("fi negative", lambda: _dense(4, fi=-1), ("fi", "fi=-1")),
    ("z zero", lambda: _dense(4, density=0.5, z=0), ("z=0",)),
    ("unknown kind", lambda: _dense(4, density=0.5, kind="nope"), ("kind must be one of", "kind='nope'")),
    ("no size for a sized kind", lambda: _dense(4), ("kind='usn' needs density, fo or fi",)),
    ("clash_free without z", lambda: _dense(4, fo=2, kind="clash_free"), ("kind='clash_free' needs z", "z=None")),
    ("fo for a kind sized by density", lambda: _dense(4, fo=2, kind="erdos_renyi"),
     ("fo must be left out for kind='erdos_renyi'", "fo=2")),
    ("negative seed", lambda: _dense(4, density=0.5, seed=-1), ("seed", "seed=-1")),
    ("string seed", lambda: _dense(4, density=0.5, seed="7"), ("seed", "seed='7'")),
    ("use_bias not a bool", lambda: _dense(4, density=0.5, use_bias="yes"), ("use_bias must be True or False",)),
    ("pattern not a Pattern", lambda: _dense(4, pattern=3), ("pattern must be", "pattern='int'")),
    ("pattern of another width", lambda: _dense(5, pattern=_pattern()), ("n == units (5)",)),
    ("pattern and density", lambda: _dense(4, pattern=_pattern(), density=0.5), ("give pattern or density",)),
    ("pattern and another kind", lambda: _dense(4, pattern=_pattern("rtl", 8, 4, fo=2), kind="random"),
     ("kind must be left at its default or equal to pattern.kind ('rtl')",)),
    ("pattern with a repeated edge", lambda: _dense(2, pattern=_repeated_edge()),
     ("without repeated edges",)),
    ("pattern description missing keys", lambda: _dense(4, pattern={"p": 6, "n": 4}), ("Missing: W, kind, seed",)),
    ("pattern description with n != units", lambda: _dense(
        5, pattern={"p": 6, "n": 4, "W": 12, "kind": "usn", "seed": 0, "meta": {}}), ("n == units (5)",)),
    ("pattern_options not a dict", lambda: _dense(4, density=0.5, pattern_options=3), ("pattern_options must be",)),
    ("pattern_options the kind lacks", lambda: _dense(4, density=0.5, pattern_options={"epsilon": 3}),
     ("options of kind 'usn'", "Unknown: epsilon")),
    ("masked 60,000 x 60,000 (build, under an 8G limit)", lambda: _built(_dense(60000, fo=1, seed=0,
                                                                                   implementation="masked"), 60000),
     ("the request needs about 43.", "masked 60,000 x 60,000", "PREDEFSPARSE_MAX_MEMORY")),
]

_SPARSE = [
    ("units zero", lambda: _sparse(0, density=0.5), ("units", "units=0")),
    ("shuffle_1d", lambda: _sparse(16, density=0.5, confun="shuffle_1d"), ("'shuffle_1d'",)),
    ("unknown confun", lambda: _sparse(16, density=0.5, confun="nope"), ("confun", "confun='nope'")),
    ("share_kernel", lambda: _sparse(16, density=0.5, share_kernel=True), ("share_kernel must be False",)),
    ("share_kernel not a bool", lambda: _sparse(16, density=0.5, share_kernel="no"), ("share_kernel",)),
    ("density and dout", lambda: _sparse(16, density=0.5, dout=2), ("at most one of density, din or dout",)),
    ("weight_type 3", lambda: _sparse(16, density=0.5, weight_type=3), ("weight_type must be one of",)),
    ("rseed float", lambda: _sparse(16, density=0.5, rseed=1.5), ("rseed", "rseed=1.5")),
    ("density above 1", lambda: _sparse(16, density=2.0), ("density=2.0",)),
]

_MLP = [
    ("one layer size", lambda: _mlp((20,), fo=(2,)), ("at least two layer sizes",)),
    ("config a set", lambda: _mlp({20, 8, 4}, fo=(2, 4)), ("config", "ordered")),
    ("fo and densities", lambda: _mlp(fo=(2, 4), densities=(0.5, 0.5)), ("give fo or densities, not both",)),
    ("fo too short", lambda: _mlp(fo=(2,)), ("fo must be a sequence of 2 integers",)),
    ("no size for a sized kind", lambda: _mlp(), ("kind='clash_free' needs fo or densities",)),
    ("unknown kind", lambda: _mlp(fo=(2, 4), kind="dense"), ("kind must be one of", "kind='dense'")),
    ("density above 1", lambda: _mlp(densities=(0.5, 1.5)), ("densities must be", "densities=1.5")),
    ("densities a string", lambda: _mlp(densities="0.5"), ("densities must be",)),
    ("negative l2", lambda: _mlp(fo=(2, 4), l2=-1.0), ("l2", "l2=-1.0")),
    ("dropout 1", lambda: _mlp(fo=(2, 4), dropout=1.0), ("dropout must be", "dropout=1.0")),
    ("dropout per junction instead of per hidden layer", lambda: _mlp(fo=(2, 4), dropout=(0.1, 0.2)),
     ("one per hidden layer", "config has 1 hidden layer")),
    ("dropout a string", lambda: _mlp(fo=(2, 4), dropout="0.5"), ("dropout must be",)),
    ("negative seed", lambda: _mlp(fo=(2, 4), kind="usn", seed=-1), ("seed", "seed=-1")),
    ("fo for fc that is not full", lambda: _mlp(fo=(2, 4), kind="fc"), ("fully connected: fo must be n (8)", "fo=2")),
    ("unknown option", lambda: _mlp(fo=(2, 4), kind="usn", bogus=1), ("bogus",)),
    ("negative epsilon", lambda: _mlp(kind="erdos_renyi", epsilon=-1), ("epsilon", "epsilon=-1")),
    ("z of the wrong length", lambda: _mlp(fo=(2, 4), z=(4,)), ("z must be a sequence of 2 integers",)),
    # issue 8.11: no z was given, so the message speaks of fo and fi (tests/predefsparse/test_models.py checks it
    # does not blame a z)
    ("8.11 default z", lambda: _mlp((4, 4, 2), fo=(3, 1)),
     ("mlp: junction 1 (4 -> 4)", "fi (3) to divide p (4)", "try fo=2")),
    ("junction that cannot be built", lambda: _mlp(fo=(3, 4)), ("mlp: junction 1 (20 -> 8)",)),
]

_PATTERNS = [
    ("one layer size", lambda: _patterns((20,), fo=(2,)), ("patterns: config", "at least two layer sizes")),
    ("unknown kind", lambda: _patterns(fo=(2, 4), kind=3), ("kind must be one of", "kind=3")),
    ("no size", lambda: _patterns(kind="usn"), ("needs fo or densities",)),
    ("negative seed", lambda: _patterns(fo=(2, 4), kind="usn", seed=-1), ("seed=-1",)),
    ("fo of zero", lambda: _patterns(fo=(0, 4)), ("fo",)),
    ("junction that cannot be built", lambda: _patterns(fo=(3, 4)), ("patterns: junction 1 (20 -> 8)",)),
]

_DEFAULT_Z = [
    ("neither fo nor densities", lambda: _models().default_z((20, 8, 4)), ("give fo or densities",)),
    ("one layer size", lambda: _models().default_z((20,), (2,)), ("at least two layer sizes",)),
    ("fo too long", lambda: _models().default_z((20, 8, 4), (2, 4, 1)), ("fo must be a sequence of 2",)),
    ("densities out of range", lambda: _models().default_z((20, 8, 4), densities=(0.5, 0.0)), ("densities",)),
]

_CIFAR = [
    ("unknown front", lambda: _models().cifar("medium"), ("front must be one of", "front='medium'")),
    ("head narrower than the front", lambda: _models().cifar("shallow", (1000, 100, 10), fo=(10, 10)),
     ("flattened width 4000",)),  # found once the front-end is built (no pattern drawn)
    ("dropout above 1", lambda: _models().cifar("deep", dropout=1.5), ("dropout", "dropout=1.5")),
    ("input shape of two axes", lambda: _models().cifar("deep", input_shape=(32, 32)), ("input_shape",)),
    ("unknown kind", lambda: _models().cifar("deep", kind="nope"), ("kind='nope'",)),
]

_CONV_GRU = [
    ("odd GRU width", lambda: _models().conv_gru((127, 128, 10), fo=(32, 10)), ("is even",)),
    ("filters zero", lambda: _models().conv_gru(filters=0), ("filters", "filters=0")),
    ("kernel_size negative", lambda: _models().conv_gru(kernel_size=-5), ("kernel_size", "kernel_size=-5")),
    ("input shape of three axes", lambda: _models().conv_gru(input_shape=(28, 28, 1)), ("input_shape",)),
    ("negative seed", lambda: _models().conv_gru(seed=-3), ("seed=-3",)),
]

_IMPLEMENTATION = [
    ("implementation unknown", lambda: _dense(3, density=0.5, implementation="csr"),
     ("implementation must be", "implementation='csr'", "'sparse'")),
    ("implementation not a string", lambda: _dense(3, density=0.5, implementation=1), ("implementation=1",)),
    ("orthogonal initializer on the sparse path",
     lambda: _dense(3, density=0.5, implementation="sparse", kernel_initializer="orthogonal")(np.ones((1, 6))),
     ("kernel_initializer must be element-wise", "implementation='masked'")),
]

_MLP_IMPLEMENTATION = [
    ("implementation unknown", lambda: _mlp(fo=(4, 2), kind="usn", implementation="dense"),
     ("implementation must be", "implementation='dense'")),
]

_AUTO = [
    ("p zero", lambda: _layers().auto_implementation(0, 4, 1), ("p must be", "p=0")),
    ("n not an int", lambda: _layers().auto_implementation(4, 2.5, 1), ("n must be", "n=2.5")),
    ("W negative", lambda: _layers().auto_implementation(4, 4, -1), ("W must be", "W=-1")),
    ("W above p * n", lambda: _layers().auto_implementation(4, 4, 17), ("W must be at most p * n (16)", "W=17")),
]

_SET = [
    ("zeta 1", lambda: _evolution().SETCallback(zeta=1.0), ("zeta must be", "zeta=1.0")),
    ("zeta negative", lambda: _evolution().SETCallback(zeta=-0.1), ("zeta=-0.1",)),
    ("layers a string", lambda: _evolution().SETCallback(layers="junction1"), ("layers must be",)),
    ("layers not names", lambda: _evolution().SETCallback(layers=[1, 2]), ("layers must be",)),
    ("negative seed", lambda: _evolution().SETCallback(seed=-2), ("seed", "seed=-2")),
    ("regrow_init unknown", lambda: _evolution().SETCallback(regrow_init="small"),
     ("regrow_init must be", "'normal'")),
    ("regrow_std zero", lambda: _evolution().SETCallback(regrow_std=0.0), ("regrow_std", "regrow_std=0.0")),
    ("evolve_output not a bool", lambda: _evolution().SETCallback(evolve_output="yes"), ("evolve_output",)),
    ("every_steps zero", lambda: _evolution().SETCallback(every_steps=0), ("every_steps", "every_steps=0")),
    ("remove_zeros a string", lambda: _evolution().SETCallback(remove_zeros="yes"),
     ("remove_zeros must be True or False", "remove_zeros='yes'")),
    ("remove_zeros an int", lambda: _evolution().SETCallback(remove_zeros=1),
     ("remove_zeros must be True or False", "remove_zeros=1")),
]

_ALLOCATE = [
    ("neither epsilon nor density", lambda: _evolution().allocate_densities((10, 5)), ("exactly one of epsilon",)),
    ("both", lambda: _evolution().allocate_densities((10, 5), epsilon=1, density=0.1), ("epsilon=1",)),
    ("config a string", lambda: _evolution().allocate_densities("10,5", epsilon=1), ("config must be",)),
    ("config of one size", lambda: _evolution().allocate_densities((10,), epsilon=1), ("config must be",)),
    ("epsilon negative", lambda: _evolution().allocate_densities((10, 5), epsilon=-1), ("epsilon", "epsilon=-1")),
    ("density above 1", lambda: _evolution().allocate_densities((10, 5), density=1.5), ("density=1.5",)),
    ("more edges than cells", lambda: _evolution().allocate_densities((4, 4), epsilon=3),
     ("exceed the capacity", "at most 2")),
]

_PLOT_DEGREES = [
    ("degrees not a record", lambda: _evolution().plot_degrees([1, 2]), ("degrees must be",)),
    ("empty record", lambda: _evolution().plot_degrees({}), ("degrees must be",)),
    ("unknown layer", lambda: _evolution().plot_degrees({"a": [np.ones(4)]}, layer="b"), ("layer must be",)),
    ("image shape of another size", lambda: _evolution().plot_degrees({"a": [np.ones(4)]}, image_shape=(3, 3)),
     ("image_shape must be", "p (4)")),
    ("panels zero", lambda: _evolution().plot_degrees({"a": [np.ones(4)]}, panels=0), ("panels", "panels=0")),
]

_EVOLVE = [
    ("pattern not a Pattern", lambda: _evolution().evolve("p", np.ones(3), 0.3, 0), ("pattern must be",)),
    ("weights of another length", lambda: _evolve(weights=np.ones(5)), ("weights must be a length-12 array",)),
    ("weights not numbers", lambda: _evolve(weights="abc"), ("weights",)),
    ("non-finite weights", lambda: _evolve(weights=np.full(12, np.inf)), ("weights must be finite",)),
    ("zeta 1", lambda: _evolve(zeta=1.0), ("zeta", "zeta=1.0")),
    ("negative seed", lambda: _evolve(rng=-1), ("seed=-1",)),
    ("regrow_init unknown", lambda: _evolution().evolve(_pattern(), np.ones(12), 0.3, 0, regrow_init="tiny"),
     ("regrow_init must be", "'zero'")),
    ("regrow_std negative", lambda: _evolution().evolve(_pattern(), np.ones(12), 0.3, 0, regrow_std=-0.1),
     ("regrow_std", "regrow_std=-0.1")),
    ("remove_zeros a string", lambda: _evolution().evolve(_pattern(), np.ones(12), 0.3, 0, remove_zeros="yes"),
     ("remove_zeros must be True or False", "remove_zeros='yes'")),
    ("remove_zeros an int", lambda: _evolution().evolve(_pattern(), np.ones(12), 0.3, 0, remove_zeros=1),
     ("remove_zeros must be True or False", "remove_zeros=1")),
]


def _cases(name, table):
    return [Case(name, label, call, mentions) for label, call, mentions in table]


CASES: list[Case] = (
    _cases("predefsparse.layers.SparseDense", _DENSE)
    + _cases("predefsparse.SparseDense", _DENSE[:6])
    + _cases("predefsparse.layers.SparseDense", _IMPLEMENTATION)
    + _cases("predefsparse.layers.auto_implementation", _AUTO)
    + _cases("predefsparse.layers.sparse", _SPARSE)
    + _cases("predefsparse.sparse", _SPARSE[:4])
    + _cases("predefsparse.models.mlp", _MLP)
    + _cases("predefsparse.models.mlp", _MLP_IMPLEMENTATION)
    + _cases("predefsparse.models.patterns", _PATTERNS)
    + _cases("predefsparse.models.default_z", _DEFAULT_Z)
    + _cases("predefsparse.models.cifar", _CIFAR)
    + _cases("predefsparse.models.conv_gru", _CONV_GRU)
    + _cases("predefsparse.evolution.SETCallback", _SET)
    + _cases("predefsparse.SETCallback", _SET[:3])
    + _cases("predefsparse.evolution.evolve", _EVOLVE)
    + _cases("predefsparse.evolution.allocate_densities", _ALLOCATE)
    + _cases("predefsparse.evolution.plot_degrees", _PLOT_DEGREES)
    + [
        # valid though they look odd: accepted, and right
        Case("predefsparse.layers.SparseDense", "fc needs no size", lambda: _dense(3, kind="fc"),
             accepted=lambda layer: layer.kind == "fc" and layer.density is None),
        Case("predefsparse.layers.SparseDense", "erdos_renyi sized by its epsilon default",
             lambda: _dense(3, kind="erdos_renyi"), accepted=lambda layer: layer.kind == "erdos_renyi"),
        Case("predefsparse.models.mlp", "erdos_renyi with epsilon and no fo",
             lambda: _mlp((40, 20, 10), kind="erdos_renyi", epsilon=2, seed=0),
             accepted=lambda m: [lay.pattern.meta["epsilon"] for lay in m.layers[1:]] == [2, 2]),
        Case("predefsparse.models.mlp", "fc with fo equal to the layer sizes",
             lambda: _mlp((20, 8, 4), fo=(8, 4), kind="fc"),
             accepted=lambda m: [lay.pattern.W for lay in m.layers[1:]] == [160, 32]),
    ]
)

EXEMPT: dict[str, str] = {
    "predefsparse.evolution.Evolution": "result tuple returned by evolve (no user input)",
}
