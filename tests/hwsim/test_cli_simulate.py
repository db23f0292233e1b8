"""``predefsparse simulate``: summary, JSON/CSV/plot outputs, --sweep-z, user errors, no TensorFlow import."""
import argparse
import json
import os
import subprocess
import sys

import pytest

from predefsparse.cli import main

FPGA = ["--config", "1024,64,32", "--fo", "4,16"]


def test_summary_and_files(tmp_path, capsys):
    rc = main(["simulate", *FPGA, "--z", "128,32", "--pattern", "clash_free", "--mode", "rtl", "--inputs", "60000",
               "--seed", "0", "--json", str(tmp_path / "r.json"), "--csv", str(tmp_path / "csv"),
               "--plot", str(tmp_path / "r.png")])
    out = capsys.readouterr().out
    assert rc == 0
    assert "60,000 inputs, rtl timing at 15 MHz" in out
    assert "total clocks      2,160,144  (60,004 junction cycles x cpc 36)" in out
    assert "416,667 inputs/s" in out
    rep = json.load(open(tmp_path / "r.json"))
    assert rep["cpc"] == 36 and rep["patterns"][0]["seed"] == 0
    assert sorted(os.listdir(tmp_path / "csv")) == ["clash_histogram.csv", "junctions.csv", "resources.csv",
                                                    "summary.csv", "traffic.csv"]
    with open(tmp_path / "r.png", "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_options_reach_the_simulator(tmp_path, capsys):
    rc = main(["simulate", *FPGA, "--z", "128,32", "--pattern", "rtl", "--mode", "rtl", "--rmw", "stall",
               "--ports", "2", "--proctime", "2", "--f-clk", "30e6", "--inputs", "10", "--infer",
               "--json", str(tmp_path / "r.json")])
    assert rc == 0
    rep = json.load(open(tmp_path / "r.json"))
    assert rep["mode"] == "infer" and rep["config"]["f_clk"] == 30e6 and rep["config"]["ports"] == 2
    assert rep["total_clocks"] == 12 * 36
    rc = main(["simulate", *FPGA, "--z", "128,32", "--pattern", "rtl", "--mode", "rtl", "--rmw", "stall",
               "--inputs", "10", "--every-cycle", "--json", str(tmp_path / "s.json")])
    rep = json.load(open(tmp_path / "s.json"))
    assert rep["method"] == "every_cycle" and rep["rmw_stale"] == [0, 0] and rep["rmw_stall_clocks"][1] > 0


def test_sweep_z_table_and_plot(tmp_path, capsys):
    rc = main(["simulate", *FPGA, "--sweep-z", "--inputs", "100", "--seed", "1", "--plot", str(tmp_path / "s.svg")])
    captured = capsys.readouterr()
    assert rc == 0
    assert "(128, 32)    32    32" in captured.out and "(256, 64)    16    16" in captured.out
    assert "sweep-z: design 2/2" in captured.err
    assert (tmp_path / "s.svg").read_text().lstrip().startswith("<?xml")


@pytest.mark.parametrize("argv,message", [
    (["--z", "128,64"], "junction cycles C_i = W_i/z_i must be equal"),
    (["--z", "100,32"], "z (100) must divide p (1024)"),
    (["--z", "128,32", "--inputs", "0"], "--inputs must be a positive integer"),
    ([], "--z is required"),
    (["--z", "128,32", "--pattern", "clash_free", "--proctime", "-1"], "proctime must be an integer >= 0"),
])
def test_user_errors_exit_1_with_one_line(capsys, argv, message):
    assert main(["simulate", *FPGA, *argv]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("predefsparse simulate: error: ") and message in err and "\n" not in err


def test_allow_unbalanced(capsys):
    assert main(["simulate", *FPGA, "--z", "128,64", "--allow-unbalanced", "--inputs", "5", "--pattern", "rtl"]) == 0
    assert "cpc 32" in capsys.readouterr().out


def test_module_does_not_import_tensorflow():
    code = ("import argparse, sys\n"
            "import predefsparse.cli.simulate as s\n"
            "p = argparse.ArgumentParser(); sub = p.add_subparsers(); s.add_parser(sub)\n"
            "args = p.parse_args(['simulate', '--config', '64,16,4', '--fo', '2,2', '--z', '32,8', '--seed', '0',"
            " '--inputs', '5', '--plot', sys.argv[1]])\n"
            "assert args.func(args) == 0\n"
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras'))\n"
            "assert not bad, bad\n")
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        res = subprocess.run([sys.executable, "-c", code, os.path.join(d, "p.png")], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr


def test_parser_protocol():
    import predefsparse.cli.simulate as mod
    parser = argparse.ArgumentParser()
    mod.add_parser(parser.add_subparsers())
    args = parser.parse_args(["simulate", *FPGA, "--z", "128,32"])
    assert args.func is mod.run and args.inputs == 1000 and args.mode == "ideal" and args.pattern == "clash_free"
