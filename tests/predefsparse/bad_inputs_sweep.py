"""Bad-input cases of the sweep area: predefsparse.sweep and ``predefsparse sweep`` (see tests/badinput.py).

Every grid error is found before any work: the cases call with an ``out`` folder that does not exist yet, and
tests/predefsparse/test_sweep.py checks that a refused sweep leaves it uncreated.
"""
from __future__ import annotations

import contextlib
import io
import os
import tempfile

from ..badinput import Case

SMALL = {"config": [800, 16, 10], "fo": [4, 5], "epochs": 1}


def _out() -> str:
    return os.path.join(tempfile.mkdtemp(prefix="ps-sweep-bad-"), "never-made")


def _sweep(data=None, **kwargs):
    from predefsparse.sweep import sweep
    kwargs.setdefault("out", _out())
    return sweep({"fixed": dict(SMALL)} if data is None else data, **kwargs)


def _with(section: str, **settings) -> dict:
    data = {"fixed": dict(SMALL)}
    data.setdefault(section, {}).update(settings)
    if section == "grid":
        for key in settings:
            data["fixed"].pop(key, None)
    return data


class CliError(Exception):
    """The command exited 1 with one line on stderr (its text is the message)."""


def _cli(*argv: str):
    """Run ``predefsparse sweep ARGV``; a user error must exit 1 with exactly one stderr line, no traceback."""
    from predefsparse.cli import main
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        rc = main(["sweep", *argv, "--out", _out()])
    text = err.getvalue().strip()
    if rc == 1 and text and "\n" not in text and "Traceback" not in text:
        raise CliError(text)
    return rc, text


def _grid_file(text: str) -> str:
    path = os.path.join(tempfile.mkdtemp(prefix="ps-grid-"), "g.toml")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def _parse(data):
    from predefsparse.sweep import parse_grid
    return parse_grid(data)


def _load(path):
    from predefsparse.sweep import load_grid
    return load_grid(path)


def _grid(**kwargs):
    from predefsparse.sweep import Grid
    return Grid(**kwargs)


def _read_rows(out):
    from predefsparse.sweep import read_rows
    return read_rows(out)


def _report(out):
    from predefsparse.sweep import write_report
    return write_report(out)


S = "predefsparse.sweep.sweep"
CASES: list[Case] = [
    # grids that name what does not exist: the key, kind or dataset, and the nearest valid one
    Case(S, "unknown grid key", lambda: _sweep(_with("grid", kinds=["fc"])), ("kinds", "'kind'")),
    Case(S, "unknown fixed key", lambda: _sweep(_with("fixed", epoch=2)), ("epoch", "'epochs'")),
    Case(S, "unknown section", lambda: _sweep({"grids": {"kind": ["fc"]}}), ("grids", "'grid'")),
    Case(S, "setting at top level", lambda: _sweep({"kind": "fc"}), ("kind", "[fixed]")),
    Case(S, "unknown kind", lambda: _sweep(_with("grid", kind=["fc", "clash-free"])),
         ("grid.kind[1]", "clash-free", "'clash_free'")),
    Case(S, "unknown dataset", lambda: _sweep(_with("fixed", dataset="mnsit")), ("dataset", "mnsit", "'mnist'")),
    Case(S, "missing dataset file", lambda: _sweep(_with("fixed", dataset="/nonexistent/d.npz")),
         ("dataset", "/nonexistent/d.npz")),
    # values of the wrong shape or range
    Case(S, "axis not a list", lambda: _sweep(_with("grid", seed=0)), ("grid.seed", "[fixed]")),
    Case(S, "empty axis", lambda: _sweep(_with("grid", seed=[])), ("grid.seed",)),
    Case(S, "axis lists a value twice", lambda: _sweep(_with("grid", seed=[0, 1, 0])), ("grid.seed", "twice")),
    Case(S, "key fixed and an axis", lambda: _sweep({"fixed": {**SMALL, "seed": 0}, "grid": {"seed": [1, 2]}}),
         ("seed", "fixed.seed", "grid.seed")),
    Case(S, "fo and densities", lambda: _sweep(_with("fixed", densities=[0.5, 0.5])), ("fo", "densities")),
    Case(S, "z and z1", lambda: _sweep(_with("fixed", z=[80, 4], z1=80)), ("z=", "z1=")),
    Case(S, "fo per junction", lambda: _sweep(_with("fixed", fo=[4, 5, 6])), ("fo", "one value per junction")),
    Case(S, "density above 1", lambda: _sweep(_with("grid", densities=[[0.5, 1.5]])), ("grid.densities[0]",)),
    Case(S, "negative seed", lambda: _sweep(_with("grid", seed=[0, -1])), ("grid.seed[1]", "-1")),
    Case(S, "zero epochs", lambda: _sweep(_with("fixed", epochs=0)), ("fixed.epochs", "0")),
    Case(S, "bad timing", lambda: _sweep(_with("fixed", timing="rtl2")), ("fixed.timing", "'rtl'")),
    Case(S, "negative clock", lambda: _sweep(_with("fixed", clock=-1.0)), ("fixed.clock",)),
    Case(S, "config of one layer", lambda: _sweep(_with("fixed", config=[800])), ("fixed.config",)),
    Case(S, "on_chip not a bool", lambda: _sweep(_with("grid", on_chip=[False, "yes"])),
         ("grid.on_chip[1]", "'yes'", "true or false")),
    Case(S, "onchip_epochs without on_chip", lambda: _sweep(_with("fixed", onchip_epochs=2)),
         ("onchip_epochs=2", "on_chip=false")),
    Case(S, "sparse point without fo", lambda: _sweep({"fixed": {"config": [800, 16, 10], "kind": "random"}}),
         ("fo or densities",)),
    Case(S, "missing energy file", lambda: _sweep(_with("fixed", energy="/nonexistent/e.toml")),
         ("fixed.energy",)),
    # arguments of sweep itself
    Case(S, "grid of a wrong type", lambda: _sweep(42), ("grid", "int")),
    Case(S, "out missing", lambda: _sweep(out=""), ("out",)),
    Case(S, "unknown engine", lambda: _sweep(engine="rey"), ("engine", "'ray'")),
    Case(S, "address not a string", lambda: _sweep(address=42), ("address", "42")),
    Case(S, "address for serial", lambda: _sweep(engine="serial", address="auto"), ("address", "serial")),
    Case(S, "zero cpus", lambda: _sweep(num_cpus=0), ("num_cpus", "0")),
    Case(S, "zero cpus per point", lambda: _sweep(cpus_per_point=0), ("cpus_per_point", "0")),
    Case(S, "unknown point id", lambda: _sweep(points=["0123456789ab"]), ("points", "0123456789ab")),
    Case(S, "points as a string", lambda: _sweep(points="0123456789ab"), ("points",)),
    Case(S, "retry_failed not a bool", lambda: _sweep(retry_failed="yes"), ("retry_failed", "yes")),
    Case(S, "report not a bool", lambda: _sweep(report=1), ("report",)),
    Case(S, "verbose out of range", lambda: _sweep(verbose=5), ("verbose", "5")),

    Case("predefsparse.sweep.parse_grid", "not a mapping", lambda: _parse([1, 2]), ("data", "list")),
    Case("predefsparse.sweep.parse_grid", "case sets an axis",
         lambda: _parse({"fixed": SMALL, "grid": {"seed": [0, 1]}, "cases": [{"label": "a", "seed": 3}]}),
         ("cases[0]", "seed", "grid.seed")),
    Case("predefsparse.sweep.parse_grid", "unknown key in a case",
         lambda: _parse({"fixed": SMALL, "cases": [{"lable": "a"}]}), ("cases[0] key", "'label'")),
    Case("predefsparse.sweep.parse_grid", "cases not a list", lambda: _parse({"fixed": SMALL, "cases": {"a": 1}}),
         ("cases",)),

    Case("predefsparse.sweep.load_grid", "no such file", lambda: _load("/nonexistent/grid.toml"),
         ("/nonexistent/grid.toml",), error=FileNotFoundError),
    Case("predefsparse.sweep.load_grid", "not TOML", lambda: _load(_grid_file("[grid\nkind = 1\n")),
         ("not valid TOML",)),
    Case("predefsparse.sweep.load_grid", "unknown key in the file",
         lambda: _load(_grid_file('[fixed]\nconfig = [800, 16, 10]\nfo = [4, 5]\n[grid]\nseeds = [0, 1]\n')),
         ("seeds", "'seed'")),
    Case("predefsparse.sweep.load_grid", "path not a path", lambda: _load(3), ("path", "3")),

    Case("predefsparse.sweep.Grid", "title not a string", lambda: _grid(title=3), ("title", "3")),
    Case("predefsparse.sweep.Grid", "axes not a table", lambda: _grid(axes=[1]), ("grid",)),
    Case("predefsparse.sweep.Grid", "z1 with densities",
         lambda: _grid(fixed={"config": (800, 16, 10), "densities": (0.5, 0.5), "z1": 80}), ("z1", "densities")),

    Case("predefsparse.sweep.read_rows", "no folder", lambda: _read_rows("/nonexistent/sweep"),
         ("/nonexistent/sweep",), error=FileNotFoundError),
    Case("predefsparse.sweep.read_rows", "out not a path", lambda: _read_rows(None), ("out", "None")),
    Case("predefsparse.sweep.write_report", "nothing finished", lambda: _report(tempfile.mkdtemp()),
         ("no finished points",), error=FileNotFoundError),
    Case("predefsparse.sweep.write_report", "out not a path", lambda: _report(3), ("out", "3")),

    # the command line names the flag, prints one line and exits 1
    Case("predefsparse.cli", "sweep --grid unknown key", lambda: _cli("--grid", "kinds=fc"),
         ("--grid key", "kinds", "'kind'"), error=CliError),
    Case("predefsparse.cli", "sweep --grid unknown kind", lambda: _cli("--fixed", "fo=4,5", "--fixed",
                                                                       "config=800,16,10", "--grid",
                                                                       "kind=fc,clash-free"),
         ("--grid kind[1]", "'clash_free'"), error=CliError),
    Case("predefsparse.cli", "sweep --fixed unknown dataset", lambda: _cli("--fixed", "dataset=mnsit"),
         ("--fixed dataset", "'mnist'"), error=CliError),
    Case("predefsparse.cli", "sweep --grid bad number", lambda: _cli("--grid", "fo=50-x"),
         ("--grid fo", "50-x"), error=CliError),
    Case("predefsparse.cli", "sweep --fixed without =", lambda: _cli("--fixed", "epochs"),
         ("--fixed", "KEY=VALUE"), error=CliError),
    Case("predefsparse.cli", "sweep --num-cpus 0", lambda: _cli("--num-cpus", "0"), ("--num-cpus", "0"),
         error=CliError),
    Case("predefsparse.cli", "sweep --point unknown", lambda: _cli("--point", "0123456789ab"),
         ("--point", "0123456789ab"), error=CliError),
    Case("predefsparse.cli", "sweep --address bad", lambda: _cli("--address", "nowhere"), ("--address",),
         error=CliError),
    Case("predefsparse.cli", "sweep --serial with --address", lambda: _cli("--serial", "--address", "auto"),
         ("--address", "serial"), error=CliError),
    Case("predefsparse.cli", "sweep missing grid file", lambda: _cli("/nonexistent/g.toml"),
         ("/nonexistent/g.toml",), error=CliError),
]

EXEMPT: dict[str, str] = {
    "predefsparse.sweep.Point": "a result: built by Grid.points() from checked settings",
    "predefsparse.sweep.SweepResult": "a result dataclass returned by sweep()",
}
