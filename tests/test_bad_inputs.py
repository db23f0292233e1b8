"""Bad-input meta-test over all three packages, generated from their ``__all__``.

Every public callable needs at least one bad-input case (in ``tests/<package>/bad_inputs.py``) or a stated
exemption; every case must raise the expected error (``adjmat.SpecError`` unless the case says otherwise) whose
message contains each of the case's ``mentions``, or, for a value that is valid though odd, return a result that
passes the case's ``accepted`` check.
"""
import importlib

import pytest

from adjmat import SpecError

from .badinput import PACKAGES, public_callables


def _tables():
    cases, exempt = [], {}
    for pkg in PACKAGES:
        mod = importlib.import_module(f"tests.{pkg}.bad_inputs")
        cases.extend(mod.CASES)
        exempt.update(mod.EXEMPT)
    return cases, exempt


CASES, EXEMPT = _tables()


def test_every_public_callable_has_a_bad_input_case():
    public = public_callables()
    covered = {case.name for case in CASES}
    missing = sorted(set(public) - covered - set(EXEMPT))
    assert not missing, f"public callables with no bad-input case and no exemption: {missing}"
    unknown = sorted((covered | set(EXEMPT)) - set(public) - {"predefsparse.cli"})
    assert not unknown, f"cases or exemptions name callables that are not public: {unknown}"


def run_case(case):
    """Run one case; return ``("specific error" | "accepted and correct", detail)`` or raise AssertionError."""
    expected = case.error or SpecError
    try:
        result = case.call()
    except expected as err:
        msg = str(err)
        missing = [m for m in case.mentions if m not in msg]
        assert not missing, f"{case.name} [{case.label}]: message lacks {missing}: {msg}"
        return "specific error", msg
    assert case.accepted is not None, f"{case.name} [{case.label}]: accepted, returned {result!r:.200}"
    assert case.accepted(result), f"{case.name} [{case.label}]: accepted but wrong: {result!r:.200}"
    return "accepted and correct", result


@pytest.mark.parametrize("case", CASES, ids=[f"{c.name}-{c.label}" for c in CASES])
def test_bad_input(case):
    run_case(case)


CLI_CASES = [c for c in CASES if c.name == "predefsparse.cli" and c.accepted is None and c.error is None]


@pytest.mark.parametrize("case", CLI_CASES, ids=[c.label for c in CLI_CASES])
def test_every_command_line_error_names_a_flag(case):
    """A refusal on the command line speaks the command line's words: it names a flag (``--out``) or an
    argument (``GRID``), never only a Python parameter (``out=``)."""
    import re
    kind, msg = run_case(case)
    assert kind == "specific error"
    assert re.search(r"(?<![\w-])--[a-z][a-z0-9-]*|\b[A-Z][A-Z_]{2,}\b", msg), f"[{case.label}] names no flag: {msg}"
