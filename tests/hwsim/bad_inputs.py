"""Bad-input cases for the hwsim package (see tests/badinput.py and tests/test_bad_inputs.py).

Two parts, as in tests/adjmat/bad_inputs.py:

- a sweep (tests.badinput.sweep_cases) that feeds each bad value to every parameter of every public hwsim callable (the
  others valid) and requires a SpecError naming that parameter -- or, for a value that is valid though it looks
  odd, a result that passes the stated ``accepted`` check;
- named regression cases for issue 8 (divergence, fixed-point widths, int64 counts, out-of-range indices,
  hostile RTL folders) and the ``predefsparse simulate`` command line, whose messages must name flags.
"""
from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile

import numpy as np

import adjmat
import hwsim
from adjmat import SpecError
from tests.badinput import Case, sweep_cases
from tests.badinput import memory_limit as _memory_limit  # the one PREDEFSPARSE_MAX_MEMORY switch of the tests

NET = adjmat.NetSpec((16, 8, 4), (2, 2), (8, 4))
PATS = adjmat.generate_network(NET, "clash_free", seed=0)
_rng = np.random.default_rng(0)
X, Y = _rng.random((6, 16)), np.arange(6) % 4
W0 = hwsim.initial_weights(PATS, seed=1)
DENSE = hwsim.weights_to_dense(PATS, W0)
HW = hwsim.HardwareConfig(rmw="forward")


def _exported() -> str:
    d = tempfile.mkdtemp(prefix="hwsim-bad-")
    hwsim.export_rtl(PATS, NET.z, d)
    return d


HW_FIELDS = dict(f_clk=15e6, timing="ideal", proctime=2, ports=1, rmw="count", width=10, int_bits=2, frac_bits=7,
                 input_width=8, activation="sigmoid", lut_size=1024, lut_domain=8.0, eta_shift=3,
                 memory_overhead=1.1)

# (public name, callable, valid keyword arguments): every parameter gets every value of BAD_VALUES
SWEEP = [
    ("hwsim.HardwareConfig", hwsim.HardwareConfig, HW_FIELDS),
    ("hwsim.simulate", hwsim.simulate, dict(netspec=NET, patterns=PATS, hardware=HW, inputs=5, mode="train",
                                            allow_unbalanced=False, every_cycle=False, progress=None)),
    ("hwsim.schedule_flags", hwsim.schedule_flags, dict(t=np.arange(4), inputs=2, L=2, mode="train")),
    ("hwsim.resources", hwsim.resources, dict(netspec=NET, hardware=HW)),
    ("hwsim.memory_bits", hwsim.memory_bits, dict(netspec=NET, hardware=HW)),
    ("hwsim.export_rtl", hwsim.export_rtl, dict(patterns=PATS, z=NET.z, out_dir=tempfile.gettempdir())),
    ("hwsim.load_rtl", hwsim.load_rtl, dict(out_dir="/nonexistent/rtl")),
    ("hwsim.train", hwsim.train, dict(netspec=NET, patterns=PATS, hardware=HW, data=(X, Y), epochs=1,
                                      numerics="float64", pipelined=True, eta=0.125, seed=0, weights=None,
                                      progress=False)),
    ("hwsim.infer", hwsim.infer, dict(netspec=NET, patterns=PATS, hardware=HW, x=X, weights=W0,
                                      numerics="float64", y=Y)),
    ("hwsim.initial_weights", hwsim.initial_weights, dict(patterns=PATS, seed=0)),
    ("hwsim.weights_to_dense", hwsim.weights_to_dense, dict(patterns=PATS, weights=W0)),
    ("hwsim.weights_from_dense", hwsim.weights_from_dense, dict(patterns=PATS, dense=DENSE)),
    ("hwsim.sweep_z", hwsim.sweep_z, dict(netspec=(16, 8, 4), fo=(2, 2), kind="clash_free", hardware=HW,
                                          inputs=5, mode="train", seed=0, z=None, allow_unbalanced=False,
                                          progress=None)),
]


def _train_ok(res) -> bool:
    return 0.0 <= res.accuracy <= 1.0 and all(np.isfinite(w).all() for w, _ in res.weights)


# values that are valid though they look odd, with what the result must then be
ACCEPTED = {  # (callable's __name__, parameter, value) -> check of the result
    ("HardwareConfig", "f_clk", 2.5): lambda cfg: cfg.f_clk == 2.5,                 # a 2.5 Hz clock is a clock
    ("HardwareConfig", "lut_domain", 2.5): lambda cfg: cfg.lut_domain == 2.5,
    ("HardwareConfig", "memory_overhead", 2.5): lambda cfg: cfg.memory_overhead == 2.5,
    ("train", "eta", 2.5): _train_ok,                                                 # float numerics: any eta > 0
    ("export_rtl", "out_dir", "bad"): lambda paths: len(paths) == 13,                 # a relative folder name
}
# parameters whose bad value is reported under another name (the name the caller knows)
NAMED_AS = {("hwsim.train", "data"): "data", ("hwsim.infer", "x"): "x"}


def _fresh_out_dir(method, param, bad):
    if method == "export_rtl" and param == "out_dir" and bad == "bad":
        return tempfile.mkdtemp(prefix="hwsim-bad-") + "/bad"   # a new folder, not the cwd
    return bad


# ------------------------------------------------------------------------------------------ issue 8 cases
def _trusted(index: int, value: int, junction: int = 0) -> list:
    pats = list(PATS)
    left = np.array(pats[junction].left)
    left[index] = value
    p, n = pats[junction].p, pats[junction].n
    pats[junction] = adjmat.Pattern._trusted(left, pats[junction].right, p, n, "custom", None, {})
    return pats


def _manifest_edit(edit) -> str:
    d = _exported()
    path = os.path.join(d, "manifest.json")
    with open(path) as f:
        manifest = json.load(f)
    edit(manifest)
    with open(path, "w") as f:
        json.dump(manifest, f)
    return d


def _symlinked(target: str) -> str:
    d = _exported()
    os.remove(os.path.join(d, "junction1_bank.hex"))
    os.symlink(target, os.path.join(d, "junction1_bank.hex"))
    return d


def _set_file(key: str, name: str):
    return lambda m: m["junctions"][0]["files"].__setitem__(key, name)


REGRESSIONS = [
    # 8.3 divergence is an error, not a result
    Case("hwsim.train", "eta=1e300 diverges", lambda: hwsim.train(NET, PATS, HW, (X, Y), eta=1e300, seed=0),
         ("training diverged", "junction", "at input", "smaller eta"), error=hwsim.DivergenceError),
    Case("hwsim.train", "epochs beyond memory", lambda: _limited(
        lambda: hwsim.train(NET, PATS, HW, (X, Y), epochs=10**12, seed=0)), ("per-input order", "epochs")),
    Case("hwsim.train", "eta=1e300 float32 cannot hold it",
         lambda: hwsim.train(NET, PATS, HW, (X, Y), eta=1e300, seed=0, numerics="float32"), ("eta", "float32")),
    Case("hwsim.train", "eta not a power of two in fixed point",
         lambda: hwsim.train(NET, PATS, HW, (X, Y), eta=0.3, seed=0, numerics="fixed"), ("eta", "eta=0.25")),
    # 8.4 fixed point never wraps: widths beyond the kernels are refused, the boundary is accepted and exact
    Case("hwsim.HardwareConfig", "width=33", lambda: hwsim.HardwareConfig(width=33, int_bits=2, frac_bits=30),
         ("width must be at most 32", "width=33")),
    Case("hwsim.HardwareConfig", "width=64", lambda: hwsim.HardwareConfig(width=64, int_bits=2, frac_bits=61),
         ("width must be at most 32",)),
    Case("hwsim.HardwareConfig", "input_width=32", lambda: hwsim.HardwareConfig(input_width=32),
         ("input_width must be at most 31", "input_width=32")),
    Case("hwsim.HardwareConfig", "width=32 boundary accepted",
         lambda: hwsim.fixedpoint.quantize([1.0], hwsim.HardwareConfig(width=32, int_bits=0, frac_bits=31)),
         accepted=lambda codes: codes.tolist() == [2**31 - 1]),
    Case("hwsim.HardwareConfig", "width != 1 + int_bits + frac_bits", lambda: hwsim.HardwareConfig(width=12),
         ("width must equal 1 + int_bits + frac_bits = 1 + 2 + 7 = 10",)),
    Case("hwsim.HardwareConfig", "lut_size not a power of two", lambda: hwsim.HardwareConfig(lut_size=1000),
         ("lut_size must be a power of two", "lut_size=512")),
    Case("hwsim.HardwareConfig", "ports=3", lambda: hwsim.HardwareConfig(ports=3), ("ports",)),
    Case("hwsim.HardwareConfig", "timing unknown", lambda: hwsim.HardwareConfig(timing="fast"), ("timing",)),
    Case("hwsim.HardwareConfig", "eta_shift=True", lambda: hwsim.HardwareConfig(eta_shift=True), ("eta_shift",)),
    Case("hwsim.train", "lut address would pass int64",
         lambda: hwsim.train(NET, PATS, hwsim.HardwareConfig(rmw="forward", width=32, int_bits=2, frac_bits=29,
                                                             lut_size=1 << 24, lut_domain=1024.0),
                             (X, Y), seed=0, numerics="fixed"), ("lut_size must be at most 2**61",)),
    # 8.6 counts never pass int64
    Case("hwsim.simulate", "inputs=3e17", lambda: hwsim.simulate(NET, PATS, inputs=3 * 10**17),
         ("inputs must be at most", "fits a 64-bit integer", "inputs=300000000000000000")),
    Case("hwsim.simulate", "every_cycle memory", lambda: _limited(
        lambda: hwsim.simulate(NET, PATS, inputs=10**9, every_cycle=True)), ("every_cycle=True keeps",)),
    Case("hwsim.sweep_z", "inputs=3e17", lambda: hwsim.sweep_z((16, 8, 4), (2, 2), inputs=3 * 10**17, seed=0),
         ("inputs must be at most",)),
    # 8.7 out-of-range indices reach no kernel
    Case("hwsim.simulate", "index past p", lambda: hwsim.simulate(NET, _trusted(1, 2**30), inputs=3),
         ("patterns[0] (junction 1).left must hold indices in [0, 16)", "1073741824")),
    Case("hwsim.simulate", "negative index", lambda: hwsim.simulate(NET, _trusted(0, -5, 1), inputs=3),
         ("patterns[1] (junction 2).left must hold indices in [0, 8)", "-5")),
    Case("hwsim.train", "index past p", lambda: hwsim.train(NET, _trusted(1, 2**30), HW, (X, Y), seed=0),
         ("must hold indices in [0, 16)",)),
    Case("hwsim.infer", "index past p", lambda: hwsim.infer(NET, _trusted(1, 2**30), HW, X, weights=W0),
         ("must hold indices in [0, 16)",)),
    Case("hwsim.weights_to_dense", "negative index", lambda: hwsim.weights_to_dense(_trusted(0, -1), W0),
         ("must hold indices in [0, 16)",)),
    Case("hwsim.weights_from_dense", "index past p", lambda: hwsim.weights_from_dense(_trusted(2, 99), DENSE),
         ("must hold indices in [0, 16)",)),
    # the rest of train / infer / simulate
    Case("hwsim.simulate", "unbalanced without allow_unbalanced",
         lambda: hwsim.simulate(adjmat.NetSpec((16, 8, 4), (2, 2), (8, 2)),
                                adjmat.generate_network(adjmat.NetSpec((16, 8, 4), (2, 2), (8, 2)), "rtl")),
         ("allow_unbalanced must be True", "C = W/z", "received allow_unbalanced=False")),
    Case("hwsim.simulate", "netspec without z", lambda: hwsim.simulate(adjmat.NetSpec((16, 8, 4), (2, 2)), PATS),
         ("netspec.z",)),
    Case("hwsim.train", "x outside [0, 1]", lambda: hwsim.train(NET, PATS, HW, (X * 3, Y), seed=0),
         ("x must be real values in [0, 1]",)),
    Case("hwsim.train", "labels out of range", lambda: hwsim.train(NET, PATS, HW, (X, Y + 4), seed=0),
         ("y must be class labels in [0, 4)",)),
    Case("hwsim.train", "x too narrow", lambda: hwsim.train(NET, PATS, HW, (X[:, :10], Y), seed=0),
         ("x must be a 2-D array of shape (N, 16)", "np.pad")),
    Case("hwsim.train", "weights with nan", lambda: hwsim.train(
        NET, PATS, HW, (X, Y), weights=[(np.full(32, np.nan), np.zeros(8)), W0[1]]), ("finite values",)),
    Case("hwsim.train", "rmw=count without z", lambda: hwsim.train(
        adjmat.NetSpec((16, 8, 4), (2, 2)), PATS, hwsim.HardwareConfig(), (X, Y), seed=0), ("netspec.z",)),
    Case("hwsim.infer", "y wrong length", lambda: hwsim.infer(NET, PATS, HW, X, weights=W0, y=Y[:3]),
         ("y must have one label per input row",)),
    Case("hwsim.weights_from_dense", "kernel off the pattern", lambda: hwsim.weights_from_dense(
        PATS, [(np.ones((16, 8)), np.zeros(8)), DENSE[1]]), ("zero off the pattern",)),
    Case("hwsim.weights_from_dense", "transposed kernel", lambda: hwsim.weights_from_dense(
        PATS, [(DENSE[0][0].T, DENSE[0][1]), DENSE[1]]), ("pass kernel.T",)),
    Case("hwsim.export_rtl", "index past p", lambda: hwsim.export_rtl(_trusted(1, 99), NET.z, tempfile.mkdtemp()),
         ("patterns[0].left must hold indices in [0, 16)",)),
    Case("hwsim.export_rtl", "z not dividing p", lambda: hwsim.export_rtl(PATS, (3, 4), tempfile.mkdtemp()),
         ("z (3) must divide p (16)",)),
    Case("hwsim.sweep_z", "unknown kind option", lambda: hwsim.sweep_z((16, 8, 4), (2, 2), colour=1),
         ("colour is not an option",)),
    Case("hwsim.sweep_z", "unbalanced z without allow_unbalanced",
         lambda: hwsim.sweep_z((16, 8, 4), (2, 2), z=[(8, 2)]), ("allow_unbalanced must be True",)),
    Case("hwsim.sweep_z", "no hardware-faithful design", lambda: hwsim.sweep_z((9, 6), (2,)),
         ("no balanced hardware-faithful choice of z",)),
    Case("hwsim.schedule_flags", "mode unknown", lambda: hwsim.schedule_flags(np.arange(3), 1, 2, "training"),
         ("mode must be one of",)),
    # 8.9 load_rtl reads only inside its folder and only a consistent manifest
    Case("hwsim.load_rtl", "absolute path /etc/passwd", lambda: hwsim.load_rtl(
        _manifest_edit(_set_file("bank", "/etc/passwd"))), ("plain file name inside the folder",)),
    Case("hwsim.load_rtl", "path with ..", lambda: hwsim.load_rtl(
        _manifest_edit(_set_file("addr", "../x.hex"))), ("plain file name inside the folder",)),
    Case("hwsim.load_rtl", "symlink to /etc/passwd", lambda: hwsim.load_rtl(_symlinked("/etc/passwd")),
         ("leads out of the folder",)),
    Case("hwsim.load_rtl", "symlink to /dev/zero", lambda: hwsim.load_rtl(_symlinked("/dev/zero")),
         ("leads out of the folder",)),
    Case("hwsim.load_rtl", "missing key", lambda: hwsim.load_rtl(
        _manifest_edit(lambda m: m["junctions"][0].pop("D"))), ("'D'", "manifest.json", "missing")),
    Case("hwsim.load_rtl", "D disagrees with p/z", lambda: hwsim.load_rtl(
        _manifest_edit(lambda m: m["junctions"][0].update(D=7))), ("D = p/z",)),
    Case("hwsim.load_rtl", "junction chain broken", lambda: hwsim.load_rtl(
        _manifest_edit(lambda m: m["junctions"][1].update(p=4))), ("previous junction's n",)),
    Case("hwsim.load_rtl", "junctions not a list", lambda: hwsim.load_rtl(
        _manifest_edit(lambda m: m.update(junctions={"a": 1}))), ("junctions must be a list",)),
    Case("hwsim.load_rtl", "manifest a JSON list", lambda: hwsim.load_rtl(
        _manifest_edit(lambda m: (m.clear(), m.update(format=[1])))), ("with format 'hwsim.rtl/1'",)),
]


def _limited(fn, limit="1G"):
    with _memory_limit(limit):
        return fn()


# ------------------------------------------------------------------------------------------ command line
FPGA = ["--config", "1024,64,32", "--fo", "4,16"]


def _cli(*argv):
    """Run ``predefsparse simulate``; exit status 1 or 2 (usage) becomes a SpecError carrying stderr."""
    from predefsparse.cli import main
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            rc = main(["simulate", *argv])
        except SystemExit as exc:  # argparse usage errors exit 2 after printing the usage line
            rc = exc.code
    if rc in (1, 2):
        text = err.getvalue()
        assert "Traceback" not in text, text
        raise SpecError(text)
    return rc


CLI = [
    Case("predefsparse.cli", "simulate --inputs 0", lambda: _cli(*FPGA, "--z", "128,32", "--inputs", "0"),
         ("--inputs must be a positive integer",)),
    Case("predefsparse.cli", "simulate --inputs 3e17", lambda: _cli(*FPGA, "--z", "128,32", "--inputs",
                                                                     str(3 * 10**17)), ("--inputs must be at most",)),
    Case("predefsparse.cli", "simulate unbalanced --z", lambda: _cli(*FPGA, "--z", "128,64"),
         ("--allow-unbalanced must be True", "C = W/z")),
    Case("predefsparse.cli", "simulate --z not dividing p", lambda: _cli(*FPGA, "--z", "100,32"),
         ("--z must be a divisor of p (1024)", "--z=100")),
    Case("predefsparse.cli", "simulate --proctime -1", lambda: _cli(*FPGA, "--z", "128,32", "--proctime", "-1"),
         ("--proctime must be an integer >= 0", "--proctime=-1")),
    Case("predefsparse.cli", "simulate --f-clk 0", lambda: _cli(*FPGA, "--z", "128,32", "--f-clk", "0"),
         ("--f-clk",)),
    Case("predefsparse.cli", "simulate no --z", lambda: _cli(*FPGA), ("--z is required", "128,32")),
    Case("predefsparse.cli", "simulate --config bad", lambda: _cli("--config", "10,x", "--fo", "2", "--z", "2"),
         ("config",)),
    Case("predefsparse.cli", "simulate --kind unknown", lambda: _cli(*FPGA, "--z", "128,32", "--kind", "nope"),
         ("--kind", "invalid choice")),
    Case("predefsparse.cli", "simulate --timing unknown", lambda: _cli(*FPGA, "--z", "128,32", "--timing", "x"),
         ("--timing", "invalid choice")),
    Case("predefsparse.cli", "simulate --json a folder", lambda: _cli(*FPGA, "--z", "128,32", "--json", "/"),
         ("--json must name a file",)),
    Case("predefsparse.cli", "simulate --csv a file", lambda: _cli(*FPGA, "--z", "128,32", "--csv", "/etc/hostname"),
         ("--csv must name a folder",)),
    Case("predefsparse.cli", "simulate --plot unknown format",
         lambda: _cli(*FPGA, "--z", "128,32", "--plot", os.path.join(tempfile.mkdtemp(), "p.gif")),
         ("--plot must end in .png, .svg or .pdf",)),
    Case("predefsparse.cli", "simulate --sweep-z nothing to sweep", lambda: _cli("--config", "9,6", "--fo", "2",
                                                                                  "--sweep-z"),
         ("no balanced hardware-faithful choice of z", "--allow-unbalanced must be True")),
    Case("predefsparse.cli", "simulate --type for a kind without it",
         lambda: _cli(*FPGA, "--z", "128,32", "--kind", "basic", "--type", "3"), ("--type",)),
]

CASES: list = sweep_cases(SWEEP, ACCEPTED, NAMED_AS, _fresh_out_dir) + REGRESSIONS + CLI
EXEMPT: dict[str, str] = {
    "hwsim.Report": "result dataclass of hwsim.simulate (Report.from_dict rebuilds one from its own to_dict)",
    "hwsim.FunctionalResult": "result dataclass of hwsim.train",
    "hwsim.InferenceResult": "result dataclass of hwsim.infer",
    "hwsim.SweepTable": "result dataclass of hwsim.sweep_z",
    "hwsim.SweepRow": "one row of a SweepTable (result dataclass)",
}
