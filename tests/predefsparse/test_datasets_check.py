"""predefsparse.datasets.check and shapes: a dataset name or file checked before any work, from headers alone;
every refusal names the caller's parameter and never quotes the file's bytes."""
from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np
import pytest

from adjmat import SpecError
from predefsparse import datasets

from ..crafted_npz import npy_header, replace_member

REPO = Path(__file__).resolve().parents[2]
FASHION = REPO.parent / "shared" / "data" / "fashion-mnist"
SECRET = "hunter2-do-not-quote"


def six(n=(4, 2, 2), features=3, classes=2):
    rng = np.random.default_rng(0)
    out = {}
    for (xk, yk), rows in zip((("xtr", "ytr"), ("xva", "yva"), ("xte", "yte")), n):
        out[xk] = rng.random((rows, features)).astype(np.float32)
        out[yk] = np.eye(classes, dtype=np.float32)[np.arange(rows) % classes]
    return out


def saved(tmp_path, name="d.npz", **kw):
    return datasets.save(tmp_path / name, *six(**kw).values())


def refusal(call) -> SpecError:
    with pytest.raises(SpecError) as err:
        call()
    return err.value


def test_a_valid_file_is_accepted_and_its_absolute_path_returned(tmp_path, monkeypatch):
    path = saved(tmp_path)
    monkeypatch.chdir(tmp_path)
    got = datasets.check("d.npz")
    assert got == tmp_path / "d.npz" and got.is_absolute()
    link = tmp_path / "link.npz"
    link.symlink_to(path)
    assert datasets.check(link) == link  # the name given is kept (a run records it)
    assert datasets.shapes(path) == {"xtr": (4, 3), "ytr": (4, 2), "xva": (2, 3), "yva": (2, 2), "xte": (2, 3),
                                     "yte": (2, 2)}


def test_values_are_not_read_only_headers(tmp_path):
    arrays = six()
    arrays["xtr"][0, 0] = np.nan  # load refuses it; check reads headers only
    path = tmp_path / "d.npz"
    np.savez(path, **arrays)
    assert datasets.check(path) == path
    with pytest.raises(SpecError, match="xtr must be finite"):
        datasets.load(path)


@pytest.mark.parametrize("n, key, split", [((4, 2, 0), "xte", "test"), ((4, 0, 2), "xva", "validation"),
                                           ((0, 2, 2), "xtr", "training")])
def test_an_empty_split_is_refused_naming_the_parameter(tmp_path, n, key, split):
    arrays = six(n=n)
    path = tmp_path / "e.npz"
    np.savez(path, **arrays)
    err = refusal(lambda: datasets.check(path))
    assert err.param == "dataset"
    assert str(err).startswith(f"check: dataset must be a six-key dataset npz ({key}: at least one {split} sample)")
    assert err.naming("--dataset").startswith("check: --dataset must be")
    assert str(path) in str(err)


def test_a_text_file_is_refused_without_quoting_it(tmp_path):
    text = tmp_path / "passwd"
    text.write_text(f"root:x:0:0:{SECRET}:/root:/bin/bash\n")
    for target in (text, Path("/etc/passwd")):
        if not target.is_file():
            continue
        err = refusal(lambda t=target: datasets.check(t, param="data"))
        assert err.param == "data"
        assert str(err) == (f"check: data must be a six-key dataset npz (a zip archive of .npy files); received "
                            f"data='{target}'. It is not a zip archive: it looks like a text file.")
    # load and info no longer quote the bytes either
    for call in (datasets.load, datasets.info):
        err = refusal(lambda c=call: c(text))
        assert SECRET not in str(err) and "root:x" not in str(err) and "text file" in str(err)


def test_a_garbage_npy_header_is_refused_without_quoting_it(tmp_path):
    path = replace_member(saved(tmp_path), "xte", b"\x93NUMPY\x01\x00\x20\x00{'descr': " + SECRET.encode()
                          + b"<<\n" + b"\x00" * 48)
    for call in (lambda: datasets.check(path), lambda: datasets.load(path)):
        err = refusal(call)
        assert "garbage .npy header" in str(err) and SECRET not in str(err) and "xte" in str(err)
    assert refusal(lambda: datasets.check(path)).param == "dataset"


@pytest.mark.parametrize("mutate, text", [
    (lambda a: a.pop("yte"), "exactly the keys xtr, ytr, xva, yva, xte, yte; received dataset="),
    (lambda a: a.update(xva=np.zeros((2, 5), np.float32)), "(xva: samples of shape (3,) like xtr)"),
    (lambda a: a.update(yte=np.eye(3, dtype=np.float32)[[0, 1]]), "(yte: 2 classes like ytr)"),
    (lambda a: a.update(yva=np.eye(2)[[0]]), "(yva: one label row per val sample (xva has 2))"),
    (lambda a: a.update(xtr=np.arange(4.0)), "(xtr: an array of shape (samples, features)"),
    (lambda a: a.update(xte=np.array([["a", "b", "c"]] * 2)), "(xte: a real numeric array"),
])
def test_shapes_and_keys_are_checked_from_the_headers(tmp_path, mutate, text):
    arrays = six()
    mutate(arrays)
    path = tmp_path / "bad.npz"
    np.savez(path, **arrays)
    err = refusal(lambda: datasets.check(path))
    assert text in str(err) and err.param == "dataset", str(err)


def test_special_files_and_missing_files_are_refused_up_front(tmp_path):
    fifo = tmp_path / "fifo.npz"
    os.mkfifo(fifo)
    started = time.perf_counter()
    err = refusal(lambda: datasets.check(fifo))
    assert "It is a FIFO (named pipe)." in str(err) and time.perf_counter() - started < 5  # never blocks
    assert "It is a FIFO" in str(refusal(lambda: datasets.shapes(fifo)))
    (tmp_path / "dir.npz").mkdir()
    assert "It is a folder." in str(refusal(lambda: datasets.check(tmp_path / "dir.npz")))
    err = refusal(lambda: datasets.check(tmp_path / "none.npz"))
    assert "must be an existing six-key .npz file" in str(err) and "No such file." in str(err)
    if os.geteuid() != 0:
        locked = Path(saved(tmp_path, "locked.npz"))
        locked.chmod(0)
        assert "It cannot be read: Permission denied." in str(refusal(lambda: datasets.check(locked)))


def test_names_unknown_misspelt_or_malformed(tmp_path):
    saved(tmp_path, "mine.npz")
    err = refusal(lambda: datasets.check("mnsit", data_dir=tmp_path))
    assert err.param == "dataset" and "Did you mean 'mnist'?" in str(err) and "mine" in str(err)
    err = refusal(lambda: datasets.check("mime", data_dir=tmp_path))
    assert "Did you mean 'mine'" in str(err)
    assert datasets.check("mine", data_dir=tmp_path) == tmp_path / "mine.npz"
    err = refusal(lambda: datasets.check("bad name!", data_dir=tmp_path, param="data"))
    assert err.param == "data" and "'bad name!'" in str(err)
    for bad in (3, "", None):
        assert refusal(lambda b=bad: datasets.check(b)).param == "dataset"
    assert refusal(lambda: datasets.check("mine", data_dir=tmp_path, param="")).param == "param"
    assert refusal(lambda: datasets.check("mine", data_dir=tmp_path, build="yes")).param == "build"
    assert refusal(lambda: datasets.check("mine", data_dir=3)).param == "data_dir"


def test_a_named_dataset_is_built_once_with_its_source_named(tmp_path, capsys):
    path = datasets.check("digits", data_dir=tmp_path)
    assert path == tmp_path / "digits.npz" and path.is_file()
    err = capsys.readouterr().err
    assert err == (f"predefsparse: building dataset 'digits' from scikit-learn's bundled digits "
                   f"(sklearn.datasets.load_digits) into {path} (once; later runs read the file)\n")
    assert datasets.check("digits", data_dir=tmp_path) == path
    assert capsys.readouterr().err == ""
    err = refusal(lambda: datasets.check("morse", data_dir=tmp_path, build=False))
    assert "build it with `predefsparse data build morse`" in str(err) and not (tmp_path / "morse.npz").exists()


def test_fashion_mnist_absent_is_refused_at_once_saying_what_to_do(tmp_path, monkeypatch):
    if Path("/usr/share/datasets/fashion-mnist").is_dir():
        pytest.skip("Debian's dataset-fashion-mnist is installed here")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    started = time.perf_counter()
    err = refusal(lambda: datasets.check("fashion-mnist", data_dir=tmp_path / "data", param="dataset"))
    assert time.perf_counter() - started < 5
    msg = str(err)
    assert err.param == "dataset" and msg.startswith("check: dataset must be a dataset whose source files are on "
                                                     "this machine; received dataset='fashion-mnist'.")
    assert "`sudo apt install dataset-fashion-mnist` puts them in /usr/share/datasets/fashion-mnist" in msg
    assert "`predefsparse data build fashion-mnist --source FOLDER`" in msg
    assert str(tmp_path / "data" / "fashion-mnist") in msg and "--source FOLDER (CLI" not in msg
    assert not (tmp_path / "data").exists()  # nothing written


@pytest.mark.skipif(not FASHION.is_dir(), reason="Fashion-MNIST raw files not on this machine")
def test_fashion_mnist_in_the_data_folder_is_built_naming_the_folder(tmp_path, capsys):
    source = tmp_path / "fashion-mnist"
    source.mkdir()
    for f in FASHION.iterdir():
        (source / f.name).symlink_to(f)
    path = datasets.check("fashion-mnist", data_dir=tmp_path)
    assert f"building dataset 'fashion-mnist' from {source} into {path}" in capsys.readouterr().err
    assert datasets.shapes(path)["xte"] == (10000, 784)


def test_a_dataset_over_the_memory_limit_is_refused_naming_the_parameter(tmp_path, monkeypatch):
    path = saved(tmp_path, n=(4000, 10, 10), features=100)
    monkeypatch.setenv("PREDEFSPARSE_MAX_MEMORY", "1M")
    err = refusal(lambda: datasets.check(path))
    assert err.param == "dataset" and "a dataset whose six arrays fit in memory" in str(err)
    assert "the request needs about 1.5" in str(err) and "PREDEFSPARSE_MAX_MEMORY" in str(err)
    huge = replace_member(saved(tmp_path, "h.npz"), "xtr", npy_header((10**6, 10**6)) + b"\x00" * 48)
    assert "(1000000, 1000000)" in str(refusal(lambda: datasets.check(huge)))
