"""`predefsparse pattern` through main(argv) and as an installed console script."""

import pytest

import adjmat
from predefsparse.cli import main
from tests.fresh_python import run_fresh


def test_pattern_summary_and_outputs(tmp_path, capsys):
    out, plot = tmp_path / "p.npz", tmp_path / "p.png"
    rc = main(["pattern", "clash_free", "--p", "1024", "--n", "64", "--fo", "4", "--z", "128", "--seed", "0",
               "--out", str(out), "--plot", str(plot)])
    text = capsys.readouterr().out
    assert rc == 0
    assert "W=4096" in text and "in-deg    min 64  max 64" in text
    assert "clash-free yes  clocks 32  clash clocks 0  stall clocks 0" in text
    assert adjmat.Pattern.load(out) == adjmat.generate("clash_free", 1024, 64, fo=4, z=128, seed=0)
    with open(plot, "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"


def test_random_pattern_reports_stalls(capsys):
    assert main(["pattern", "random", "--p", "1024", "--n", "64", "--fo", "4", "--z", "128", "--seed", "0"]) == 0
    text = capsys.readouterr().out
    stalls = adjmat.clash_report(adjmat.generate("random", 1024, 64, fo=4, seed=0), 128).stall_clocks
    assert f"stall clocks {stalls}" in text and "clash-free no" in text


def test_user_error_exits_1_with_one_line(capsys):
    rc = main(["pattern", "clash_free", "--p", "4", "--n", "4", "--fo", "3", "--z", "2"])
    err = capsys.readouterr().err.strip()
    assert rc == 1
    assert err.count("\n") == 0 and "fi (3) to divide p (4)" in err


def test_usage_error_exits_2():
    with pytest.raises(SystemExit) as exc:
        main(["pattern", "nope", "--p", "4", "--n", "4"])
    assert exc.value.code == 2


def test_console_script_does_not_import_tensorflow():
    code = ("import sys; from predefsparse.cli import main; "
            "rc = main(['pattern', 'usn', '--p', '64', '--n', '32', '--density', '0.1', '--seed', '1']); "
            "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules, 'tf imported'; sys.exit(rc)")
    assert "pattern   usn  p=64  n=32  W=205" in run_fresh(code)


@pytest.mark.parametrize("module", ["adjmat", "hwsim"])
def test_import_without_tensorflow(module):
    code = f"import sys, {module}; bad = [m for m in ('tensorflow', 'keras') if m in sys.modules]; print(bad)"
    assert run_fresh(code) == "[]"


def test_sizes_accept_scientific_notation_when_whole(capsys):
    assert main(["pattern", "rtl", "--p", "1e3", "--n", "5e2", "--fo", "1"]) == 0
    assert "pattern   rtl  p=1000  n=500  W=1000" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:
        main(["pattern", "rtl", "--p", "2.5", "--n", "4", "--fo", "1"])
    assert exc.value.code == 2 and "must be a whole number; received '2.5'" in capsys.readouterr().err


def test_out_naming_a_folder_is_refused_before_work(tmp_path, capsys):
    rc = main(["pattern", "usn", "--p", "8", "--n", "4", "--fo", "1", "--out", str(tmp_path)])
    captured = capsys.readouterr()
    assert rc == 1 and captured.out == ""
    assert captured.err.count("\n") == 1 and "--out must be a file path" in captured.err and "It is a folder" in \
        captured.err
    blocker = tmp_path / "file"
    blocker.write_text("x")
    rc = main(["pattern", "usn", "--p", "8", "--n", "4", "--fo", "1", "--plot", str(blocker / "p.png")])
    assert rc == 1 and "--plot must be a path inside a folder" in capsys.readouterr().err


def test_errors_name_the_flags(capsys):
    assert main(["pattern", "usn", "--p", "8", "--n", "4", "--fo", "1", "--seed", "-1"]) == 1
    assert "generate: --seed must be None, a non-negative int" in capsys.readouterr().err
    assert main(["pattern", "usn", "--p", "3000000000", "--n", "4", "--fo", "1"]) == 1
    assert "--p must be a positive integer <= 2147483647" in capsys.readouterr().err


def test_any_kind_option(capsys):
    argv = ["pattern", "clash_free", "--p", "16", "--n", "8", "--fo", "2", "--z", "4", "--seed", "0"]
    assert main(argv + ["--option", "type=1", "--option", "dither=true"]) == 0
    assert "type=1  dither=True" in capsys.readouterr().out
    assert main(argv + ["--option", "colour=1"]) == 1
    assert "unknown option(s) colour for kind='clash_free'; valid options: dither, type" in capsys.readouterr().err
    assert main(argv + ["--option", "type"]) == 1
    assert "--option must be NAME=VALUE; received --option='type'" in capsys.readouterr().err
