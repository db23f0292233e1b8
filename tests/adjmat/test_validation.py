"""The validation helpers.  The bad-input sweep over every public adjmat parameter lives in
tests/adjmat/bad_inputs.py (run by tests/test_bad_inputs.py)."""
import numpy as np
import pytest

import adjmat
from adjmat import SpecError
from adjmat.intmath import divisors, nearest
from adjmat.validation import check_choice, check_float, check_int, check_int_tuple, \
    normalize_seed


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
