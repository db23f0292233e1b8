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
    rc = main(["simulate", *FPGA, "--z", "128,32", "--kind", "clash_free", "--timing", "rtl", "--inputs", "60000",
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
    rc = main(["simulate", *FPGA, "--z", "128,32", "--kind", "rtl", "--timing", "rtl", "--rmw", "stall",
               "--ports", "2", "--proctime", "2", "--f-clk", "30e6", "--inputs", "10", "--infer",
               "--json", str(tmp_path / "r.json")])
    assert rc == 0
    rep = json.load(open(tmp_path / "r.json"))
    assert rep["mode"] == "infer" and rep["config"]["f_clk"] == 30e6 and rep["config"]["ports"] == 2
    assert rep["total_clocks"] == 12 * 36
    rc = main(["simulate", *FPGA, "--z", "128,32", "--kind", "rtl", "--timing", "rtl", "--rmw", "stall",
               "--inputs", "10", "--every-cycle", "--json", str(tmp_path / "s.json")])
    rep = json.load(open(tmp_path / "s.json"))
    assert rep["method"] == "every_cycle" and rep["rmw_stale"] == [0, 0] and rep["rmw_stall_clocks"][1] > 0


def test_sweep_z_table_and_plot(tmp_path, capsys):
    rc = main(["simulate", *FPGA, "--sweep-z", "--inputs", "100", "--seed", "1", "--plot", str(tmp_path / "s.svg"),
               "--json", str(tmp_path / "s.json"), "--csv", str(tmp_path / "csv")])
    captured = capsys.readouterr()
    assert rc == 0
    rows = [line.split() for line in captured.out.splitlines() if line.lstrip().startswith("(")]
    assert [r[:5] for r in rows] == [["(128,", "32)", "(32,", "32)", "32"], ["(256,", "64)", "(16,", "16)", "16"]]
    assert "sweep-z: design 2/2" in captured.err
    assert (tmp_path / "s.svg").read_text().lstrip().startswith("<?xml")
    table = json.load(open(tmp_path / "s.json"))   # --json writes the sweep table (it used to write nothing)
    assert table["seed"] == 1 and [r["z"] for r in table["rows"]] == [[128, 32], [256, 64]]
    assert [r["cpc"] for r in table["rows"]] == [32, 16] and [r["multipliers"] for r in table["rows"]] == [387, 774]
    lines = (tmp_path / "csv" / "sweep_z.csv").read_text().splitlines()
    assert lines[0].startswith("z,C,balanced,cpc") and lines[1].startswith("128;32,32;32,True,32,")


def test_sweep_z_with_a_design_writes_both(tmp_path, capsys):
    rc = main(["simulate", *FPGA, "--z", "128,32", "--sweep-z", "--inputs", "50", "--seed", "0",
               "--json", str(tmp_path / "both.json"), "--plot", str(tmp_path / "p.png")])
    assert rc == 0
    both = json.load(open(tmp_path / "both.json"))
    assert both["report"]["cpc"] == 32 and len(both["sweep_z"]["rows"]) == 2
    assert (tmp_path / "p.png").exists() and (tmp_path / "p_sweep_z.png").exists()


def test_removed_aliases_are_usage_errors_and_lists_refuse_empty_items(capsys):
    """--pattern and --mode were deprecated spellings of --kind and --timing; they are gone (0.3)."""
    for old in ("--pattern", "--mode"):
        with pytest.raises(SystemExit) as exc:
            main(["simulate", *FPGA, "--z", "128,32", old, "rtl"])
        assert exc.value.code == 2 and f"unrecognized arguments: {old} rtl" in capsys.readouterr().err
    for flag, value in (("--config", "1024,,32"), ("--fo", "4,"), ("--z", "128,,32")):
        argv = {"--config": "1024,64,32", "--fo": "4,16", "--z": "128,32", flag: value}
        assert main(["simulate", *[x for kv in argv.items() for x in kv], "--inputs", "10"]) == 1
        err = capsys.readouterr().err
        assert f"{flag} must be comma-separated integers with no empty item; received {flag}='{value}'" in err


def test_summary_lists_violations_and_stall_sums(capsys):
    assert main(["simulate", *FPGA, "--z", "128,64", "--allow-unbalanced", "--kind", "random", "--seed", "0",
                 "--rmw", "stall", "--timing", "rtl", "--inputs", "1000"]) == 0
    out = capsys.readouterr().out
    assert "hardware violations (3):" in out and "junction cycles C = W/z must be equal, got (32, 16)" in out
    assert "clocks lost       107,321" in out
    assert "stall clocks      bank 128,342 + RMW 90,000 = 218,342" in out
    assert "RMW hazards       59,000  (stale reads 0, rmw=stall)" in out
    assert "       sum" in out


@pytest.mark.parametrize("argv,message", [
    (["--z", "128,64"], "--allow-unbalanced must be True to simulate junction cycles C_i = W_i/z_i that differ"),
    (["--z", "100,32"], "--z must be a divisor of p (1024), so that every bank has depth p/z; received --z=100"),
    (["--z", "128,32", "--inputs", "0"], "--inputs must be a positive integer"),
    ([], "--z is required"),
    (["--z", "128,32", "--kind", "clash_free", "--proctime", "-1"], "--proctime must be an integer >= 0"),
    (["--z", "128,64", "--inputs", "5"], "received --allow-unbalanced=False"),
    (["--z", "128,32", "--inputs", str(3 * 10**17)], "--inputs must be at most 112,458,203,726,766"),
    (["--z", "128,32", "--json", "/"], "--json must name a file to write"),
    (["--z", "128,32", "--plot", "x.gif"], "--plot must end in .png, .svg or .pdf"),
    (["--sweep-z", "--kind", "basic", "--type", "3"], "--type"),
])
def test_user_errors_exit_1_with_one_line(capsys, argv, message):
    assert main(["simulate", *FPGA, *argv]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("predefsparse simulate: error: ") and message in err and "\n" not in err


def test_unwritable_output_is_one_line(capsys):
    """/proc takes no new files (even for root): the write fails after the simulation, as one clear line."""
    assert main(["simulate", *FPGA, "--z", "128,32", "--inputs", "5", "--json", "/proc/hwsim-report.json"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("predefsparse simulate: error: simulate: cannot write /proc/") and "\n" not in err
    assert "choose another --json, --csv or --plot" in err


def test_allow_unbalanced(capsys):
    assert main(["simulate", *FPGA, "--z", "128,64", "--allow-unbalanced", "--inputs", "5", "--kind", "rtl"]) == 0
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
    assert args.func is mod.run and args.inputs == 1000 and (args.timing, args.kind) == ("ideal", "clash_free")


def test_summary_csv_has_the_sums_and_violations(tmp_path):
    assert main(["simulate", *FPGA, "--z", "128,64", "--allow-unbalanced", "--kind", "random", "--seed", "0",
                 "--rmw", "stall", "--timing", "rtl", "--inputs", "1000", "--csv", str(tmp_path)]) == 0
    import csv
    rows = dict(csv.reader(open(tmp_path / "summary.csv")))
    assert rows["total_stall_clocks"] == "107321"
    assert (rows["bank_stall_clocks_sum"], rows["rmw_stall_clocks_sum"]) == ("128342", "90000")
    assert rows["hardware_violations"].startswith("junction cycles C = W/z must be equal, got (32, 16); junction 1")
