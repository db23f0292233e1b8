"""Bad-input cases for the predefsparse package (see tests/badinput.py and tests/test_bad_inputs.py).

The cases live in one module per area, each owned with the code it tests, and are gathered here."""
import importlib

CASES: list = []
EXEMPT: dict[str, str] = {}
for _area in ("layers", "training", "data", "design", "sweep"):
    try:
        _mod = importlib.import_module(f"tests.predefsparse.bad_inputs_{_area}")
    except ModuleNotFoundError as _err:
        if _err.name != f"tests.predefsparse.bad_inputs_{_area}":
            raise
        continue
    CASES.extend(_mod.CASES)
    EXEMPT.update(_mod.EXEMPT)
