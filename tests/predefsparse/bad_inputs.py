"""Bad-input cases for the predefsparse package (see tests/badinput.py and tests/test_bad_inputs.py)."""
from tests.badinput import Case  # noqa: F401

CASES: list = []
EXEMPT: dict[str, str] = {}
