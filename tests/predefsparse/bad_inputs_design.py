"""Bad-input cases for predefsparse.design (predefsparse.codesign), hwsim.plan, hwsim.energy and the ``design``
command (see tests/badinput.py).

Every case fails before any work: the plan, kinds, dataset and energy table are checked before a pattern is drawn
and before the output folder is made."""
import contextlib
import io
import os
import tempfile

from adjmat import SpecError
from tests.badinput import Case


def _design(**kw):
    from predefsparse import design
    kw.setdefault("out", os.path.join(tempfile.mkdtemp(), "never"))
    kw.setdefault("verbose", 0)
    return design(**kw)


def _evaluate(config=(800, 100, 10), kind="clash_free", **kw):
    from predefsparse.codesign import evaluate
    kw.setdefault("train", False)
    return evaluate(config, kind, **kw)


def _plan(config=(800, 100, 10), **kw):
    import hwsim
    kw.setdefault("fo", (50, 10))
    return hwsim.plan(config, **kw)


def _cli(*argv):
    from predefsparse.cli import main
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        rc = main(["design", *argv, "--out", os.path.join(tempfile.mkdtemp(), "never")])
    if rc == 1:
        raise SpecError(err.getvalue())
    return rc


def _mnist_path() -> str:
    from predefsparse import datasets
    datasets.load("mnist")  # built once per session in the test data folder
    return str(datasets.path_for("mnist"))


def _toml(text: str) -> str:
    path = os.path.join(tempfile.mkdtemp(), "energy.toml")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
    return path


def _read_energy(*args, **kw):
    from predefsparse.codesign import read_energy
    return read_energy(*args, **kw)


def _energy(name, *args, **kw):
    import hwsim
    return getattr(hwsim, name)(*args, **kw)


D, E, P, R = "predefsparse.design", "predefsparse.codesign.evaluate", "hwsim.plan", "predefsparse.codesign.read_energy"
CASES = [
    Case(D, "impossible z1", lambda: _design(z1=300), ("z1=300", "Nearest feasible", "z1=200")),
    Case(D, "impossible cycle", lambda: _design(cycle=7), ("cycle=7", "Nearest feasible")),
    Case(D, "too few multipliers", lambda: _design(multipliers=3), ("multipliers=3", "multipliers=86")),
    Case(D, "unreachable throughput", lambda: _design(throughput=1e9), ("throughput", "300,000", "clock")),
    Case(D, "two budgets", lambda: _design(z1=400, cycle=100), ("at most one budget", "z1=400", "cycle=100")),
    Case(D, "unknown kind", lambda: _design(kinds=("fc", "clashfree")), ("kinds", "'clashfree'", "clash_free")),
    Case(D, "kind with a random edge count", lambda: _design(kinds=("fc", "erdos_renyi")),
         ("kinds='erdos_renyi'", "random number of edges", "clash_free")),
    Case(D, "empty kinds", lambda: _design(kinds=()), ("kinds", "non-empty")),
    Case(D, "missing dataset", lambda: _design(dataset="mnistt"), ("dataset", "'mnistt'", "Known names", "mnist")),
    Case(D, "fo and densities", lambda: _design(fo=(50, 10), densities=(0.5, 1)), ("fo", "densities", "not both")),
    Case(D, "densities not a whole fo", lambda: _design(densities=(0.505, 1)), ("densities", "whole out-degree")),
    Case(D, "fo of wrong length", lambda: _design(fo=(50,)), ("fo", "2 integers")),
    Case(D, "no fo for another config", lambda: _design(config=(64, 16, 4)), ("fo", "(64, 16, 4)", "densities")),
    Case(D, "rank by on-chip without on-chip training", lambda: _design(rank_by="onchip"), ("rank_by", "on-chip")),
    Case(D, "unknown ranking measure", lambda: _design(rank_by="fp32"), ("rank_by", "'fp32'")),
    Case(D, "negative max loss", lambda: _design(max_loss=-1.0), ("max_loss", "max_loss=-1.0")),
    Case(D, "on_chip not a bool", lambda: _design(on_chip="yes"), ("on_chip",)),
    Case(D, "zero on-chip epochs", lambda: _design(on_chip=True, onchip_epochs=0), ("onchip_epochs",)),
    Case(D, "dataset that is not a dataset", lambda: _design(dataset="/etc/passwd"), ("dataset", "/etc/passwd")),
    Case(D, "epochs zero", lambda: _design(epochs=0), ("epochs", "epochs=0")),
    Case(D, "seeds zero", lambda: _design(seeds=0), ("seeds", "seeds=0")),
    Case(D, "negative seed", lambda: _design(seed=-1), ("seed", "seed=-1")),
    Case(D, "bad clock", lambda: _design(clock=0), ("clock", "clock=0")),
    Case(D, "bad timing", lambda: _design(timing="fast"), ("timing", "'fast'")),
    Case(D, "unknown arithmetic", lambda: _design(arithmetic="verilog"), ("arithmetic", "'verilog'", "'rtl'")),
    Case(D, "energy unknown key", lambda: _design(energy=_toml("sram_reed_pj = 1\n")),
         ("energy", "sram_reed_pj", "sram_read_pj")),
    Case(D, "bad verbose", lambda: _design(verbose=5), ("verbose", "verbose=5")),
    Case(D, "check_only not a bool", lambda: _design(check_only=1), ("check_only", "True or False")),
    Case(D, "check_only of a good request", lambda: _design(kinds=("fc", "rtl"), check_only=True),
         accepted=lambda result: result is None),
    Case(D, "out is a file", lambda: _design(out=_toml("")), ("out", "a folder")),
    Case(D, "config too short", lambda: _design(config=(800,), fo=(50,)), ("config", "at least two")),
    Case(E, "unknown kind", lambda: _evaluate(kind="clash-free"), ("kind", "'clash-free'", "clash_free")),
    Case(E, "kind with a random edge count", lambda: _evaluate(kind="erdos_renyi"), ("erdos_renyi", "W = p*fo")),
    Case(D, "dataset wider than config[0]", lambda: _design(config=(400, 100, 10), fo=(25, 10),
                                                            dataset=_mnist_path()), ("config[0]", "784", "400")),
    Case(E, "z not dividing p", lambda: _evaluate(z=(300, 10)), ("z[0] (300)", "divide p (800)")),
    Case(E, "z of wrong length", lambda: _evaluate(z=(400,)), ("z", "2 integers")),
    Case(E, "int z without a balanced design", lambda: _evaluate(z=300), ("z=300", "Nearest feasible")),
    Case(E, "densities not whole", lambda: _evaluate(densities=(0.505, 1), fo=None), ("densities", "whole")),
    Case(E, "train without out", lambda: _evaluate(train=True), ("out", "run")),
    Case(E, "train not a bool", lambda: _evaluate(train=1), ("train", "True or False")),
    Case(E, "missing dataset", lambda: _evaluate(train=True, out=tempfile.mkdtemp(), dataset="nope"),
         ("dataset", "'nope'", "Known names")),
    Case(E, "epochs zero", lambda: _evaluate(epochs=0), ("epochs", "epochs=0")),
    Case(E, "bad timing", lambda: _evaluate(timing="RTL"), ("timing", "'RTL'")),
    Case(E, "bad clock", lambda: _evaluate(clock=-5.0), ("clock", "clock=-5.0")),
    Case(E, "negative seed", lambda: _evaluate(seed=-2), ("seed", "seed=-2")),
    Case(E, "energy not a table", lambda: _evaluate(energy=3), ("energy", "TOML")),
    Case(E, "energy table in a missing file", lambda: _evaluate(energy="/nonexistent/e.toml"), ("energy",)),
    Case(P, "impossible z1", lambda: _plan(z1=7), ("z1=7", "Nearest feasible")),
    Case(P, "budget zero", lambda: _plan(multipliers=0), ("multipliers", "multipliers=0")),
    Case(P, "throughput negative", lambda: _plan(throughput=-1.0), ("throughput", "throughput=-1.0")),
    Case(P, "no balanced design", lambda: _plan(fo=(33, 10)), ("no balanced design", "(33, 10)")),
    Case(P, "fi not whole", lambda: _plan(config=(10, 4, 2), fo=(3, 1)), ("fo", "whole number")),
    Case(P, "no fo or densities", lambda: _plan(fo=None), ("fo", "densities")),
    Case(P, "empty density item", lambda: _plan(fo=None, densities="0.5,,1"), ("densities", "'0.5,,1'")),
    Case(R, "unknown key", lambda: _read_energy(_toml("pj = 1\n")), ("energy", "Unknown key", "'pj'")),
    Case(R, "not TOML", lambda: _read_energy(_toml("x = \n")), ("energy", "not valid TOML")),
    Case(R, "negative energy", lambda: _read_energy(_toml("int8_mul_pj = -0.2\n")), ("int8_mul_pj", "picojoules")),
    Case(R, "string for a number", lambda: _read_energy(_toml('fp32_add_pj = "0.9"\n')), ("fp32_add_pj", "'0.9'")),
    Case(R, "too big", lambda: _read_energy(_toml("#" * 70_000 + "\n")), ("energy", "65,536 bytes")),
    Case(R, "missing file", lambda: _read_energy("/nonexistent/energy.toml"), ("energy", "/nonexistent/energy.toml")),
    Case(R, "a folder", lambda: _read_energy(tempfile.gettempdir()), ("energy",)),
    Case(R, "not a path", lambda: _read_energy(5), ("energy",)),
    Case(R, "deeply nested", lambda: _read_energy(_toml("a = " + "[" * 200 + "]" * 200 + "\n")), ("energy",)),
    Case("hwsim.energy_per_input", "unknown key in a mapping",
         lambda: _energy("energy_per_input", _report(), {"sram_reed_pj": 1.0}), ("energy", "sram_read_pj")),
    Case("hwsim.EnergyTable", "zero read energy",
         lambda: _energy("EnergyTable", sram_read_pj=0.0), ("sram_read_pj", "sram_read_pj=0.0")),
    Case("hwsim.EnergyTable", "infinite multiply",
         lambda: _energy("EnergyTable", fp32_mul_pj=float("inf")), ("fp32_mul_pj",)),
    Case("hwsim.EnergyTable", "word bits zero",
         lambda: _energy("EnergyTable", sram_word_bits=0), ("sram_word_bits", "sram_word_bits=0")),
    Case("hwsim.EnergyTable", "word bits float",
         lambda: _energy("EnergyTable", sram_word_bits=32.0), ("sram_word_bits",)),
    Case("hwsim.EnergyTable", "unknown numerics",
         lambda: _energy("EnergyTable", numerics="int8"), ("numerics", "'int8'", "'fixed'")),
    Case("hwsim.EnergyTable", "empty source", lambda: _energy("EnergyTable", source=" "),
         ("source",)),
    Case("hwsim.energy_per_input", "not a report",
         lambda: _energy("energy_per_input", {"traffic_per_input": {}}), ("report", "hwsim.Report")),
    Case("predefsparse.cli", "design --z1 impossible", lambda: _cli("--z1", "300"), ("--z1=300", "Nearest feasible")),
    Case("predefsparse.cli", "design --kinds unknown", lambda: _cli("--kinds", "fc,foo"), ("--kinds", "'foo'")),
    Case("predefsparse.cli", "design --dataset missing", lambda: _cli("--dataset", "mnist2"),
         ("--dataset", "Known names")),
    Case("predefsparse.cli", "design --multipliers too few", lambda: _cli("--multipliers", "2"),
         ("--multipliers=2", "multipliers=86")),
    Case("predefsparse.cli", "design --throughput unreachable", lambda: _cli("--throughput", "5e8"),
         ("--throughput", "clock")),
    Case("predefsparse.cli", "design --densities not whole", lambda: _cli("--densities", "0.505,1"),
         ("--densities", "whole out-degree")),
    Case("predefsparse.cli", "design --epochs zero", lambda: _cli("--epochs", "0"), ("--epochs=0",)),
    Case("predefsparse.cli", "design --onchip-epochs zero", lambda: _cli("--on-chip", "--onchip-epochs", "0"),
         ("--onchip-epochs=0",)),
    Case("predefsparse.cli", "design --seeds zero", lambda: _cli("--seeds", "0"), ("--seeds=0",)),
    Case("predefsparse.cli", "design --energy unknown key", lambda: _cli("--energy", _toml("foo = 1\n")),
         ("--energy", "'foo'")),
    Case("predefsparse.cli", "design --energy missing file", lambda: _cli("--energy", "/nonexistent/e.toml"),
         ("--energy", "/nonexistent/e.toml")),
    Case("predefsparse.cli", "design --config with an empty item", lambda: _cli("--config", "800,,100,10"),
         ("--config", "'800,,100,10'")),
    Case("predefsparse.cli", "design --dataset not a dataset file", lambda: _cli("--dataset", "/etc/passwd"),
         ("--dataset",)),
    Case("predefsparse.cli", "design --rank-by onchip without --on-chip", lambda: _cli("--rank-by", "onchip"),
         ("--rank-by", "--on-chip")),
    Case("predefsparse.cli", "design --max-loss negative", lambda: _cli("--max-loss", "-2"), ("--max-loss=-2.0",)),
    Case("predefsparse.cli", "design --config for which fo is needed", lambda: _cli("--config", "64,16,4"),
         ("--fo", "(64, 16, 4)")),
]

EXEMPT = {
    "hwsim.Plan": "result dataclass built only by hwsim.plan(), which validates every input",
    "predefsparse.codesign.Design": "result dataclass built only by design(), which validates every input",
    "predefsparse.codesign.design": "the same function as predefsparse.design, whose cases above cover it",
}


def _report():
    import adjmat
    import hwsim
    net = adjmat.NetSpec((64, 16, 4), fo=(2, 2), z=(32, 8))
    return hwsim.simulate(net, adjmat.generate_network(net, "clash_free", seed=0), inputs=10)
