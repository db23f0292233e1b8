"""Tests of ``predefsparse data build | info | list`` through the real command line entry point."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from adjmat import SpecError
from predefsparse import datasets
from predefsparse.cli import main
from predefsparse.cli.data import format_info, parse_option
from tests.predefsparse.test_datasets import write_cifar

REPO = Path(__file__).resolve().parents[2]


def test_build_info_list_digits(tmp_path, capsys):
    assert main(["data", "build", "digits", "--data-dir", str(tmp_path), "--seed", "5"]) == 0
    out = capsys.readouterr().out
    assert f"wrote {tmp_path / 'digits.npz'}" in out
    assert "train  1,079" in out and "class counts" in out and "seed 5" in out
    assert main(["data", "info", "digits", "--data-dir", str(tmp_path)]) == 0
    table = capsys.readouterr().out
    assert table.splitlines()[0].startswith(f"dataset  {tmp_path / 'digits.npz'}")
    assert "val    359" in table and "36 36 35 37 36 36 36 36 35 36" in table
    assert main(["data", "info", str(tmp_path / "digits.npz"), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["classes"] == 10 and d["splits"]["test"]["samples"] == 359 and d["provenance"]["seed"] == 5
    assert main(["data", "list", "--data-dir", str(tmp_path)]) == 0
    listing = capsys.readouterr().out
    assert "digits           builder  0.5 MiB" in listing and "mnist            builder  not built" in listing


def test_build_morse_with_options_and_variant(tmp_path, capsys):
    argv = ["data", "build", "morse", "--data-dir", str(tmp_path), "--variant", "difficult", "--seed", "3",
            "--option", "per_class=10,2,2", "--option", "frame=60"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    written = Path(out.split()[1])
    assert written.name.startswith("morse-difficult-") and written.is_file()
    assert "10 each" in out and "noisesd=4.0" in out and "frame=60" in out
    xtr = datasets.load(written)[0]
    assert xtr.shape == (640, 60)
    ref = datasets.build("morse", data_dir=tmp_path, variant="difficult", seed=3, per_class=(10, 2, 2), frame=60,
                         out=tmp_path / "ref.npz")
    assert Path(ref).read_bytes() == written.read_bytes()  # the CLI is the library call


def test_build_cifar10_no_verify(tmp_path, capsys):
    archive, _ = write_cifar(tmp_path / "src")
    assert main(["data", "build", "cifar10", "--data-dir", str(tmp_path), "--source", str(archive)]) == 1
    assert "md5" in capsys.readouterr().err
    assert main(["data", "build", "cifar10", "--data-dir", str(tmp_path), "--source", str(archive),
                 "--no-verify"]) == 0
    assert "(12, 32, 32, 3)" in capsys.readouterr().out


def test_user_errors_exit_1_with_one_line(tmp_path, capsys):
    cases = [
        (["data", "info", "digits", "--data-dir", str(tmp_path)],
         "FILE_OR_NAME must be a dataset that is built; received FILE_OR_NAME='digits'"),
        (["data", "build", "morse", "--data-dir", str(tmp_path), "--option", "noisesd"], "--option must be KEY=VALUE"),
        (["data", "build", "morse", "--data-dir", str(tmp_path), "--option", "dash=3,,9"],
         "--option must be KEY=VALUE with no empty item in a list VALUE; received --option='dash=3,,9'"),
        (["data", "build", "morse", "--data-dir", str(tmp_path), "--option", "framelen=3"],
         "--option framelen must be an option of 'morse'"),
        (["data", "build", "morse", "--data-dir", str(tmp_path), "--option", "frame=20"],
         "--option frame must be at least 57"),
        (["data", "build", "mnist", "--data-dir", str(tmp_path), "--variant", "difficult"],
         "--variant must be an option of 'mnist'"),
        (["data", "build", "mnist", "--data-dir", str(tmp_path), "--source", str(tmp_path)], "Missing:"),
        (["data", "build", "cifar10", "--data-dir", str(tmp_path)], "CIFAR-10 is not on this machine"),
    ]
    for argv, message in cases:
        assert main(argv) == 1, argv
        err = capsys.readouterr().err
        assert err.startswith("predefsparse data: error: ") and message in err, (argv, err)
        assert err.count("\n") == 1
    bad = tmp_path / "bad.npz"
    np.savez(bad, xtr=np.zeros((2, 2)))
    assert main(["data", "info", str(bad)]) == 1
    assert "missing key(s) ytr, xva, yva, xte, yte" in capsys.readouterr().err


def test_usage_errors_exit_2(tmp_path):
    for argv in (["data", "build", "imagenet"], ["data"], ["data", "build", "morse", "--variant", "hard"]):
        with pytest.raises(SystemExit) as err:
            main(argv)
        assert err.value.code == 2


def test_parse_option():
    assert parse_option("per_class=5000,1000,1000") == ("per_class", (5000, 1000, 1000))
    assert parse_option("leading-space=False") == ("leading_space", False)
    assert parse_option("style=bw") == ("style", "bw")
    assert parse_option("maxflip=3") == ("maxflip", 3)
    with pytest.raises(SpecError, match=r"^data build: option must be KEY=VALUE"):
        parse_option("=3")
    for text in ("dash=3,,9", "dash=3,", "per_class=,1,1"):  # an empty item used to vanish (3,,9 gave (3, 9))
        with pytest.raises(SpecError, match="no empty item") as err:
            parse_option(text)
        assert err.value.param == "option" and repr(text) in str(err.value)


def test_format_info_summarises_many_classes(tmp_path):
    y = np.eye(64, dtype=np.float32)
    x = np.zeros((64, 4), dtype=np.float32)
    path = datasets.save(tmp_path / "m.npz", x, y, x[:0], y[:0], x[:3], y[:3])
    text = format_info(datasets.info(path))
    assert "1 each" in text and "min 0, max 1" in text and "64 classes" in text


def test_data_modules_never_import_tensorflow():
    code = ("import sys, predefsparse.cli.data, predefsparse.datasets, predefsparse.morse, predefsparse.preprocess\n"
            "bad = [m for m in ('tensorflow', 'keras', 'sklearn') if m in sys.modules]\n"
            "print(bad)\nsys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


_LOW_MEMORY_CHILD = """
import resource, sys
from predefsparse.cli import build_parser, main
build_parser()  # every sub-command imported before the limit
import predefsparse.datasets
with open("/proc/self/status") as f:
    vm = [int(line.split()[1]) * 1024 for line in f if line.startswith("VmSize:")][0]
resource.setrlimit(resource.RLIMIT_AS, (vm + 150 * 2**20, resource.getrlimit(resource.RLIMIT_AS)[1]))
sys.exit(main(["data", "info", sys.argv[1]]))
"""


def _zeros_npz(path, rows=100_000, cols=1000):
    """A valid-looking dataset whose xtr (rows x cols float32 zeros, 400 MB) deflates to a few hundred KB."""
    import zipfile
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        with zf.open("xtr.npy", "w", force_zip64=True) as f:
            np.lib.format.write_array_header_1_0(f, {"descr": "<f4", "fortran_order": False,
                                                     "shape": (rows, cols)})
            chunk = bytes(2**22)
            left = rows * cols * 4
            while left:
                f.write(chunk[:min(left, len(chunk))])
                left -= min(left, len(chunk))
        y = np.eye(2, dtype=np.float32)[np.arange(rows) % 2]
        for key, arr in (("ytr", y), ("xva", np.zeros((2, cols), np.float32)), ("yva", y[:2]),
                         ("xte", np.zeros((2, cols), np.float32)), ("yte", y[:2])):
            with zf.open(f"{key}.npy", "w", force_zip64=True) as f:
                np.lib.format.write_array(f, arr)
    return path


def test_memory_error_is_one_line_not_a_traceback(tmp_path):
    # the declared size passes the memory check (limit raised on purpose), the allocation then fails for real
    path = _zeros_npz(tmp_path / "big.npz")
    env = {**__import__("os").environ, "PREDEFSPARSE_MAX_MEMORY": "1T"}
    proc = subprocess.run([sys.executable, "-c", _LOW_MEMORY_CHILD, str(path)], capture_output=True, text=True,
                          env=env, cwd=Path(__file__).resolve().parents[2], timeout=300)
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert proc.stderr.startswith("predefsparse data: error: out of memory"), proc.stderr[-2000:]
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
