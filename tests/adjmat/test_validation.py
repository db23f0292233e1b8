"""Meta-test in the style of scikit-learn's: feed a bad value to every public parameter of every public adjmat
function and check the error is a SpecError (a ValueError) whose message names that parameter and the value."""
import numpy as np
import pytest

import adjmat
from adjmat import SpecError
from adjmat._validation import check_choice, check_float, check_int, check_int_tuple, divisors, nearest, \
    normalize_seed

PAT = adjmat.generate("clash_free", 16, 8, fo=2, z=4, seed=0)

# (name, callable, valid keyword arguments)
PUBLIC = [
    ("JunctionSpec", adjmat.JunctionSpec, dict(p=16, n=8, fo=2, z=4)),
    ("NetSpec", adjmat.NetSpec, dict(config=(16, 8, 4), fo=(2, 2), z=(4, 4))),
    ("NetSpec.balanced", adjmat.NetSpec.balanced, dict(config=(16, 8, 4), fo=(2, 2), z1=4)),
    ("generate", adjmat.generate, dict(kind="clash_free", p=16, n=8, fo=2, z=4, seed=0, type=2, dither=False)),
    ("generate_network", adjmat.generate_network,
     dict(netspec_or_config=adjmat.NetSpec((16, 8), (2,), (4,)), kind="usn", seed=1)),
    ("check", adjmat.check, dict(pattern=PAT, fo=2, fi=4, raise_errors=True)),
    ("is_clash_free", adjmat.is_clash_free, dict(pattern=PAT, z=4)),
    ("clash_report", adjmat.clash_report, dict(pattern=PAT, z=4)),
    ("is_clash_free_adjacency", adjmat.is_clash_free_adjacency, dict(pattern_or_matrix=PAT, z=4)),
    ("count_clash_free", adjmat.count_clash_free, dict(p=12, n=12, fo=2, z=4, type=2, dither=True)),
    ("usn_model_space", adjmat.usn_model_space, dict(p=20, n=10, density=0.3)),
    ("scatter", adjmat.scatter, dict(patterns=[PAT, adjmat.generate("rtl", 8, 4, fo=2)], windows=4, stride=2)),
    ("Pattern", adjmat.Pattern, dict(left=[0, 1], right=[0, 1], p=2, n=2, kind="custom", seed=None, meta=None)),
]
BAD_VALUES = [-3, "bad", 2.5, object()]


def cases():
    for name, fn, kwargs in PUBLIC:
        for param in kwargs:
            for bad in BAD_VALUES:
                yield pytest.param(fn, kwargs, param, bad, id=f"{name}-{param}-{bad!r:.12}")


@pytest.mark.parametrize("fn,kwargs,param,bad", list(cases()))
def test_bad_value_is_named(fn, kwargs, param, bad):
    args = dict(kwargs, **{param: bad})
    try:
        fn(**args)
    except SpecError as err:
        msg = str(err)
        assert param in msg, f"message does not name {param!r}: {msg}"
        return
    except TypeError:
        pytest.fail(f"{param}={bad!r} raised TypeError instead of SpecError")
    # accepted values must really be acceptable (e.g. meta=None style), never silently 'fixed'
    assert (param, bad) in ACCEPTED, f"{param}={bad!r} was accepted"


ACCEPTED = {("kind", "bad")}  # Pattern(kind="bad") is a valid provenance label


def test_helpers():
    assert check_int("f", "x", 3, minimum=1) == 3
    with pytest.raises(SpecError, match="f: x must be a positive integer; received x=True"):
        check_int("f", "x", True, minimum=1)
    with pytest.raises(SpecError, match=r"x must be a finite number in \[0, 1\); received x=1.0"):
        check_float("f", "x", 1.0, low=0, high=1, high_open=True)
    with pytest.raises(SpecError, match="x must be one of 'a', 'b'; received x='c'"):
        check_choice("f", "x", "c", ("a", "b"))
    with pytest.raises(SpecError, match="x must be comma-separated integers; received x='1,a'"):
        check_int_tuple("f", "x", "1,a")
    assert divisors(36) == [1, 2, 3, 4, 6, 9, 12, 18, 36]
    assert nearest([1, 2, 4, 8], 3) == [2, 4]
    rng, rec = normalize_seed("f", np.random.SeedSequence(11))
    assert rec == 11 and isinstance(rng, np.random.Generator)


def test_valid_cycles_bad():
    with pytest.raises(SpecError, match="NetSpec: fo must be a sequence of 2 integers"):
        adjmat.NetSpec.valid_cycles((16, 8, 4), (2,))
