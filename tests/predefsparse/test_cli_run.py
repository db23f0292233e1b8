"""``predefsparse run`` through the real command-line entry point, on a real MNIST subset."""
import json

import pytest

from predefsparse import datasets
from predefsparse.cli import main


@pytest.fixture(scope="module")
def mnist_file(tmp_path_factory):
    xtr, ytr, xva, yva, xte, yte = datasets.load("mnist")
    path = tmp_path_factory.mktemp("data") / "mnist-small.npz"
    datasets.save(path, xtr[:1500], ytr[:1500], xva[:300], yva[:300], xte[:300], yte[:300])
    return str(path)


def test_run_prints_summary_and_writes_results(mnist_file, tmp_path, capsys):
    out = tmp_path / "res"
    code = main(["run", "--config", "800,32,10", "--fo", "8,10", "--kind", "clash_free", "--z", "100,16",
                 "--dataset", mnist_file, "--epochs", "2", "--batch-size", "128", "--out", str(out), "--quiet"])
    text = capsys.readouterr().out
    assert code == 0
    assert "junction1      800     32      6400" in text and "test         accuracy" in text
    records = json.loads((out / "records.json").read_text())
    assert records["epochs_done"] == 2 and records["z"] == [100, 16] and records["kind"] == "clash_free"
    assert (out / "model.keras").is_file() and len(list((out / "patterns").glob("*.npz"))) == 2
    # finished runs are not silently redone or overwritten
    assert main(["run", "--config", "800,32,10", "--fo", "8,10", "--dataset", mnist_file, "--epochs", "2",
                 "--batch-size", "128", "--out", str(out), "--quiet", "--z", "100,16"]) == 1
    assert "already holds a run" in capsys.readouterr().err
    assert main(["run", "--config", "800,32,10", "--fo", "8,10", "--dataset", mnist_file, "--epochs", "2",
                 "--batch-size", "128", "--out", str(out), "--quiet", "--z", "100,16", "--resume"]) == 0
    assert "results      " + str(out) in capsys.readouterr().out


def test_run_fully_connected_model_selection(mnist_file, tmp_path, capsys):
    code = main(["run", "--config", "784,16,10", "--kind", "fc", "--dataset", mnist_file, "--epochs", "2",
                 "--valtest", "0", "--out", str(tmp_path), "--quiet", "--preprocess", "minmax"])
    assert code == 0
    text = capsys.readouterr().out
    assert "best epoch" in text and "train, validate each epoch" in text


@pytest.mark.parametrize("argv, message", [
    (["--config", "800,32,10", "--fo", "3,10"], "junction 1"),
    (["--config", "800,32,10", "--fo", "8,10", "--kind", "clash_free", "--z", "7,16"], "z (7) must divide p (800)"),
    (["--dataset", "/nonexistent/data.npz"], "data.npz"),
    (["--epochs", "0"], "epochs must be a positive integer"),
])
def test_run_user_errors_exit_1_with_one_line(argv, message, tmp_path, capsys):
    code = main(["run", "--out", str(tmp_path / "x"), "--quiet"] + argv)
    err = capsys.readouterr().err
    assert code == 1 and message in err and err.startswith("predefsparse run: error:")
    assert len(err.strip().splitlines()) == 1
