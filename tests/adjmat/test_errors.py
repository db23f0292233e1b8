"""adjmat.errors: SpecError's structured parts, naming(), pickling and copying; fail and check_* fill the parts."""
import copy
import pickle

import numpy as np
import pytest

import adjmat
from adjmat.errors import DivergenceError, SpecError
from adjmat.memory import check_memory
from adjmat.validation import check_bool, check_choice, check_float, check_int, check_int_tuple, check_size, \
    fail, normalize_seed


def _raised(fn, *args, **kwargs) -> SpecError:
    with pytest.raises(SpecError) as info:
        fn(*args, **kwargs)
    return info.value


def test_fail_carries_its_parts_and_renames_the_parameter():
    err = fail("NetSpec", "config", "comma-separated integers", "1,a", "For example 1024,64,32.")
    assert str(err) == "NetSpec: config must be comma-separated integers; received config='1,a'. " \
                       "For example 1024,64,32."
    assert (err.where, err.param, err.value, err.expected, err.hint) == \
        ("NetSpec", "config", "1,a", "comma-separated integers", "For example 1024,64,32.")
    assert err.structured
    assert err.naming("--config") == "NetSpec: --config must be comma-separated integers; " \
                                     "received --config='1,a'. For example 1024,64,32."
    assert str(err).startswith("NetSpec: config")  # naming never changes the error itself


def test_no_hint_and_a_none_value():
    err = fail("generate", "seed", "an int", None)
    assert err.hint is None and err.value is None and err.structured
    assert str(err) == "generate: seed must be an int; received seed=None."
    assert err.naming("--seed") == "generate: --seed must be an int; received --seed=None."
    assert fail("f", "x", "an int", 1, "").hint is None


def test_free_form_message_keeps_its_text():
    err = SpecError("design: the budget is too small.", where="design", param="budget")
    assert str(err) == "design: the budget is too small."
    assert (err.where, err.param, err.value, err.expected, err.hint) == ("design", "budget", None, None, None)
    assert not err.structured
    assert err.naming("--budget") == "design: the budget is too small."
    plain = SpecError("anything")
    assert (plain.where, plain.param, plain.value, plain.expected, plain.hint) == (None,) * 5
    with pytest.raises(TypeError, match="needs a message"):
        SpecError(where="f", param="x")


@pytest.mark.parametrize("clone", [lambda e: pickle.loads(pickle.dumps(e)), copy.copy, copy.deepcopy],
                         ids=["pickle", "copy", "deepcopy"])
def test_pickle_and_copy_keep_the_message_and_parts(clone):
    err = fail("generate", "density", "a finite number in (0, 1]", 1.5, "Try 1.")
    twin = clone(err)
    assert type(twin) is SpecError and str(twin) == str(err) and twin.args == err.args
    assert (twin.where, twin.param, twin.value, twin.expected, twin.hint) == \
        ("generate", "density", 1.5, "a finite number in (0, 1]", "Try 1.")
    assert twin.naming("--density") == "generate: --density must be a finite number in (0, 1]; " \
                                       "received --density=1.5. Try 1."
    free = clone(SpecError("free", param="seed"))
    assert str(free) == "free" and free.param == "seed" and free.expected is None


class _Narrow(SpecError):
    """A subclass whose constructor takes other arguments than SpecError's."""

    def __init__(self, code):
        super().__init__(where="f", param="code", value=code, expected="even")


def test_a_subclass_with_its_own_constructor_pickles_and_copies():
    for twin in (pickle.loads(pickle.dumps(_Narrow(3))), copy.deepcopy(_Narrow(3))):
        assert type(twin) is _Narrow and str(twin) == "f: code must be even; received code=3." and twin.value == 3


@pytest.mark.parametrize("call, parts", [
    (lambda: check_int("generate", "p", -3, minimum=1), ("generate", "p", -3, "a positive integer")),
    (lambda: check_int("f", "z", 4.0), ("f", "z", 4.0, "an integer")),
    (lambda: check_int("f", "k", 9, maximum=8), ("f", "k", 9, "an integer <= 8")),
    (lambda: check_float("f", "lr", float("nan"), low=0, low_open=True),
     ("f", "lr", float("nan"), "a finite number in (0, inf]")),
    (lambda: check_choice("simulate", "mode", "x", ("train", "infer")),
     ("simulate", "mode", "x", "one of 'train', 'infer'")),
    (lambda: check_bool("generate", "dither", 1), ("generate", "dither", 1, "True or False")),
    (lambda: check_int_tuple("NetSpec", "fo", [4], length=2), ("NetSpec", "fo", [4], "a sequence of 2 integers")),
    (lambda: check_size("generate", "n", 2 ** 31),
     ("generate", "n", 2 ** 31, "a positive integer <= 2147483647 (neuron indices are int32)")),
    (lambda: normalize_seed("generate", -1),
     ("generate", "seed", -1, "None, a non-negative int, a numpy SeedSequence or a numpy Generator")),
])
def test_checks_fill_the_parts(call, parts):
    err = _raised(call)
    got = (err.where, err.param, err.value, err.expected)
    assert got[:2] == parts[:2] and got[3] == parts[3]
    assert got[2] == parts[2] or (np.isnan(got[2]) and np.isnan(parts[2]))
    assert err.naming("--X") == str(err).replace(f" {parts[1]} must", " --X must").replace(
        f"received {parts[1]}=", "received --X=")


def test_check_int_tuple_hint_is_a_field():
    err = _raised(check_int_tuple, "NetSpec", "config", {1, 2})
    assert err.hint == "Sets and dicts have no reliable order; pass a list or tuple."
    assert err.naming("--config") == ("NetSpec: --config must be an ordered sequence of integers (a list, tuple or "
                                      "comma-separated string); received --config={1, 2}. Sets and dicts have no "
                                      "reliable order; pass a list or tuple.")


def test_public_entry_points_raise_structured_errors():
    err = _raised(adjmat.generate, "random", -4, 8, fo=2, seed=0)
    assert err.param == "p" and err.value == -4 and err.naming("--config").startswith("generate: --config must")


def test_memory_refusal_names_where(monkeypatch):
    monkeypatch.setenv("PREDEFSPARSE_MAX_MEMORY", "1K")
    err = _raised(check_memory, "generate", 4096, "a test")
    assert err.where == "generate" and not err.structured
    assert str(err) == ("generate: the request needs about 4 KiB (a test), more than the 1 KiB this machine can "
                        "give it; ask for less, or raise the limit with the environment variable "
                        "PREDEFSPARSE_MAX_MEMORY (e.g. PREDEFSPARSE_MAX_MEMORY=64G) if you know it fits.")


def test_public_names_agree():
    assert adjmat.SpecError is SpecError and adjmat.DivergenceError is DivergenceError
    assert SpecError.__module__ == "adjmat" and issubclass(SpecError, ValueError)


def test_within_keeps_the_parts_through_generate_and_generate_network():
    err = _raised(adjmat.generate_network, (16, 8, 4), "basic", fo=(2, 9))
    assert str(err) == "generate_network: junction 2 (8 -> 4): kind='basic': fo must be an integer <= 4; received fo=9."
    assert (err.where, err.context, err.param, err.value) == \
        ("generate_network", "junction 2 (8 -> 4): kind='basic'", "fo", 9)
    assert err.naming("--fo") == ("generate_network: junction 2 (8 -> 4): kind='basic': --fo must be an integer "
                                  "<= 4; received --fo=9.")
    twin = pickle.loads(pickle.dumps(err))
    assert str(twin) == str(err) and twin.context == err.context


def test_within_on_free_text_replaces_only_the_where():
    err = SpecError("generate: z (3) must divide p (16); try z=2 or z=4.", where="generate", param="z")
    moved = err.within("generate_network", "junction 1 (16 -> 8)")
    assert str(moved) == "generate_network: junction 1 (16 -> 8): z (3) must divide p (16); try z=2 or z=4."
    assert (moved.where, moved.param, moved.structured) == ("generate_network", "z", False)
    assert str(SpecError("p: q").within("f")) == "f: q"


@pytest.mark.parametrize("call, where, param", [
    (lambda: adjmat.generate("clash_free", 16, 8, fo=2, z=3), "generate", "z"),
    (lambda: adjmat.JunctionSpec(16, 12, fo=5), "JunctionSpec", "fo"),
    (lambda: adjmat.generate_network(adjmat.NetSpec((16, 8, 4), (2, 2)), "usn", fo=(1, 1)), "generate_network", "fo"),
    (lambda: adjmat.register_kind(adjmat.get_kind("usn")), "register_kind", "kind"),
])
def test_free_text_errors_name_their_parameter(call, where, param):
    err = _raised(call)
    assert (err.where, err.param) == (where, param) and str(err).startswith(f"{where}: ")
