"""``predefsparse run`` through the real command-line entry point, on a real MNIST subset."""
import json

import pytest

from predefsparse import datasets
from predefsparse.cli import main

SMALL_NET = ["--config", "800,32,10", "--fo", "8,10", "--z", "100,16", "--batch-size", "128", "--quiet"]


@pytest.fixture(scope="module")
def mnist_file(tmp_path_factory):
    xtr, ytr, xva, yva, xte, yte = datasets.load("mnist")
    path = tmp_path_factory.mktemp("data") / "mnist-small.npz"
    datasets.save(path, xtr[:1500], ytr[:1500], xva[:300], yva[:300], xte[:300], yte[:300])
    return str(path)


@pytest.fixture(scope="module")
def digits_file(tmp_path_factory, mnist_file):
    """Another dataset of the same shape: MNIST's next 600 images."""
    xtr, ytr, xva, yva, xte, yte = datasets.load("mnist")
    path = tmp_path_factory.mktemp("data") / "mnist-other.npz"
    datasets.save(path, xtr[-600:], ytr[-600:], xva[:100], yva[:100], xte[:100], yte[:100])
    return str(path)


def _one_line_error(capsys, code):
    err = capsys.readouterr().err
    # a named dataset missing from the session's data folder is built first, with one line saying so
    err = "".join(line for line in err.splitlines(keepends=True) if not line.startswith("predefsparse: building"))
    assert code == 1 and err.startswith("predefsparse run: error:"), err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    return err


@pytest.mark.slow
def test_run_prints_summary_and_writes_results(mnist_file, tmp_path, capsys):
    out = tmp_path / "res"
    code = main(["run", "--kind", "clash_free", "--dataset", mnist_file, "--epochs", "2", "--out", str(out)]
                + SMALL_NET)
    text = capsys.readouterr().out
    assert code == 0
    assert "junction1      800     32      6400" in text and "test         accuracy" in text
    assert text.rstrip().splitlines()[-1] == f"results      {out}"
    records = json.loads((out / "records.json").read_text())
    assert records["epochs_done"] == 2 and records["z"] == [100, 16] and records["kind"] == "clash_free"
    assert (out / "model.keras").is_file() and len(list((out / "patterns").glob("*.npz"))) == 2
    # finished runs are not silently redone or overwritten; the message speaks in flags
    err = _one_line_error(capsys, main(["run", "--dataset", mnist_file, "--epochs", "2", "--out", str(out)]
                                       + SMALL_NET))
    assert "--out must be a folder holding no run" in err and "already holds a run; ask to resume it" in err
    assert "resume=True" not in err
    assert main(["run", "--dataset", mnist_file, "--epochs", "2", "--out", str(out), "--resume"] + SMALL_NET) == 0
    assert "results      " + str(out) in capsys.readouterr().out


def test_resume_with_another_kind_names_the_flag_with_old_and_new(mnist_file, tmp_path, capsys):
    out = tmp_path / "res"
    assert main(["run", "--dataset", mnist_file, "--epochs", "1", "--out", str(out)] + SMALL_NET) == 0
    capsys.readouterr()
    code = main(["run", "--dataset", mnist_file, "--epochs", "1", "--out", str(out), "--resume", "--kind", "usn",
                 "--config", "800,32,10", "--fo", "8,10", "--batch-size", "64", "--quiet"])
    err = _one_line_error(capsys, code)
    assert "--kind: saved 'clash_free', now 'usn'" in err and "--batch-size: saved 128, now 64" in err
    assert "--z: saved [100, 16], now None" in err


@pytest.mark.slow
def test_runs_differing_in_dataset_or_epochs_write_different_folders(mnist_file, digits_file, tmp_path,
                                                                     monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    net = ["--config", "800,16,10", "--fo", "4,10", "--batch-size", "128", "--quiet"]
    folders = []
    for dataset, epochs in ((mnist_file, "1"), (digits_file, "1"), (mnist_file, "2")):
        assert main(["run", "--dataset", dataset, "--epochs", epochs] + net) == 0
        last = capsys.readouterr().out.rstrip().splitlines()[-1]
        assert last.startswith("results      ")
        folders.append(last.rsplit(" ", 1)[1])
    assert len(set(folders)) == 3 and all((tmp_path / f / "records.json").is_file() for f in folders)
    assert folders[0].startswith("results/mnist-small_net800-16-10_fo4-10_clash_free_e1_")
    assert folders[1].startswith("results/mnist-other_") and "_e2_" in folders[2]


def test_run_fully_connected_model_selection(mnist_file, tmp_path, capsys):
    code = main(["run", "--config", "784,16,10", "--kind", "fc", "--dataset", mnist_file, "--epochs", "2",
                 "--valtest", "0", "--out", str(tmp_path), "--quiet", "--preprocess", "minmax"])
    assert code == 0
    text = capsys.readouterr().out
    assert "best epoch" in text and "train, validate each epoch" in text


def test_divergence_exits_1_with_one_line(mnist_file, tmp_path, capsys):
    code = main(["run", "--dataset", mnist_file, "--epochs", "1", "--out", str(tmp_path / "x"), "--lr", "1e30",
                 "--decay", "0"] + SMALL_NET)
    err = _one_line_error(capsys, code)
    assert "training diverged" in err and "smaller learning rate" in err
    assert json.loads((tmp_path / "x" / "records.json").read_text())["status"] == "diverged"


def test_out_naming_an_existing_file_or_foreign_folder(mnist_file, tmp_path, capsys):
    file = tmp_path / "report.txt"
    file.write_text("keep me")
    err = _one_line_error(capsys, main(["run", "--dataset", mnist_file, "--epochs", "1", "--out", str(file)]
                                       + SMALL_NET))
    assert "--out" in err and "is an existing file" in err and file.read_text() == "keep me"
    err = _one_line_error(capsys, main(["run", "--dataset", mnist_file, "--epochs", "1", "--out", str(tmp_path)]
                                       + SMALL_NET))
    assert "--out" in err and "a folder holding other files (report.txt)" in err


@pytest.mark.parametrize("argv, message", [
    (["--config", "800,32,10", "--fo", "3,10"], "junction 1"),
    (["--config", "800,32,10", "--fo", "8,10", "--kind", "clash_free", "--z", "7,16"],
     "--z must be a divisor of p (800)"),
    (["--dataset", "/nonexistent/data.npz"], "data.npz"),
    (["--epochs", "0"], "--epochs must be a positive integer"),
    (["--batch-size", "0"], "--batch-size must be a positive integer"),
    (["--lr", "0"], "--lr must be a finite number in (0, inf]"),
    (["--lr", "nan"], "--lr must be a finite number"),
    (["--l2", "-1"], "--l2 must be a finite number in [0, inf]"),
    (["--seed", "-3"], "--seed must be None, a non-negative int"),
    (["--dropout", "1.5"], "--dropout must be a finite number in [0, 1)"),
    (["--densities", "0,1"], "--densities must be a finite number in (0, 1]"),
    (["--epsilon", "-2", "--kind", "erdos_renyi"], "--epsilon must be a finite number in (0, inf]"),
    (["--epoch-step", "0"], "--epoch-step must be a positive integer"),
])
def test_run_user_errors_exit_1_with_one_line(argv, message, tmp_path, capsys):
    code = main(["run", "--out", str(tmp_path / "x"), "--quiet"] + argv)
    err = _one_line_error(capsys, code)
    assert message in err


@pytest.mark.parametrize("argv, flag, value", [
    (["--config", "800,,10"], "--config", "'800,,10'"),
    (["--fo", "50,"], "--fo", "'50,'"),
    (["--z", ",100"], "--z", "',100'"),
    (["--densities", "0.5,,1"], "--densities", "'0.5,,1'"),
    (["--dropout", "0.1,,0.2"], "--dropout", "'0.1,,0.2'"),
    (["--config", "800,x,10"], "--config", "'800,x,10'"),
])
def test_list_flags_refuse_empty_or_bad_items_naming_flag_and_value(argv, flag, value, tmp_path, capsys):
    """An empty item used to vanish (800,,10 ran 800,10); now it is refused before any work."""
    err = _one_line_error(capsys, main(["run", "--out", str(tmp_path / "x"), "--quiet"] + argv))
    assert f"{flag} must be comma-separated" in err and f"received {flag}={value}" in err
    assert not (tmp_path / "x").exists()


def test_out_that_cannot_be_created_names_out(mnist_file, capsys):
    err = _one_line_error(capsys, main(["run", "--dataset", mnist_file, "--epochs", "1", "--out",
                                        "/proc/self/nope"] + SMALL_NET))
    assert "--out must be a folder that can be created; received --out='/proc/self/nope'" in err


def test_run_prints_no_tensorflow_log_line(mnist_file, tmp_path):
    """TensorFlow's C++ logs are off by default (the entry point sets TF_CPP_MIN_LOG_LEVEL before TensorFlow is
    imported) and Keras's bar is replaced by one line per epoch when output is not a terminal."""
    import os
    import subprocess
    import sys
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    out = subprocess.run([sys.executable, "-m", "predefsparse", "run", "--dataset", mnist_file, "--epochs", "2",
                          "--out", str(tmp_path / "r"), *SMALL_NET[:-1]], capture_output=True, text=True, env=env,
                         timeout=600)
    text = out.stdout + out.stderr
    assert out.returncode == 0, text
    for marker in ("I0000", "W0000", "E0000", "absl::", "oneDNN", "cuda", "tensorflow/core", "\x08", "\r"):
        assert marker not in text, (marker, text)
    assert "importing TensorFlow ..." in out.stdout
    lines = [line for line in out.stdout.splitlines() if line.startswith("epoch ")]
    assert [line.split(":")[0] for line in lines] == ["epoch 1/2", "epoch 2/2"], out.stdout
    assert "loss" in lines[0] and "accuracy" in lines[0]


def test_help_imports_neither_tensorflow_nor_keras():
    """``predefsparse --help`` stays quick: building every sub-command's parser imports no heavy module."""
    import subprocess
    import sys
    code = ("import sys; from predefsparse.cli import build_parser; build_parser().format_help(); "
            "print(sorted(m for m in ('tensorflow', 'keras', 'ray', 'matplotlib', 'pandas') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and out.stdout.strip() == "[]", out.stdout + out.stderr


def test_a_dataset_that_is_not_one_is_refused_first_without_quoting_it(tmp_path, capsys):
    """Issue 19.5: any existing file passed every check and was refused only at training, quoting its bytes."""
    import numpy as np
    fake = tmp_path / "passwd"
    fake.write_text("root:x:0:0:root:/root:/bin/bash\n")
    empty = tmp_path / "empty-test.npz"
    x, y = np.zeros((20, 8), np.float32), np.eye(2, dtype=np.float32)[np.arange(20) % 2]
    np.savez(empty, xtr=x, ytr=y, xva=x[:4], yva=y[:4], xte=x[:0], yte=y[:0])
    for dataset in (fake, empty):
        out = tmp_path / f"out-{dataset.stem}"
        err = _one_line_error(capsys, main(["run", "--dataset", str(dataset), "--epochs", "1", "--out", str(out)]
                                           + SMALL_NET))
        assert "--dataset" in err and "root:x" not in err, err
        assert not out.exists()  # refused before any folder (or pattern) was made
