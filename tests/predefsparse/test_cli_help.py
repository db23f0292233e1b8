"""``predefsparse --help`` builds the parser only: no numba, TensorFlow, Keras or Ray (each costs seconds)."""
import json

from tests.fresh_python import run_fresh

HEAVY = ("numba", "tensorflow", "keras", "ray")


def test_help_imports_no_heavy_package():
    code = ("import contextlib, io, json, sys\n"
            "from predefsparse.cli import main\n"
            "out = io.StringIO()\n"
            "with contextlib.redirect_stdout(out):\n"
            "    try:\n"
            "        main(['--help'])\n"
            "    except SystemExit as exit:\n"
            "        code = exit.code\n"
            f"heavy = sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r}))\n"
            "print(json.dumps([code, heavy, out.getvalue()]))")
    code, heavy, text = json.loads(run_fresh(code))
    assert code == 0 and heavy == []
    assert "usage: predefsparse" in text
    assert all(command in text for command in ("pattern", "simulate", "run", "data", "design", "sweep"))
