"""Tests of the six-key dataset format, load/save/info and every builder, on real data where it exists here.

Nothing is written into the repository's datasets/ folder: every build goes to a tmp folder (data_dir= or
PREDEFSPARSE_DATA).
"""
import gzip
import hashlib
import json
import os
import shutil
import tarfile
from pathlib import Path

import numpy as np
import pytest

from adjmat import SpecError
from predefsparse import datasets

from ..crafted_npz import npy_header, replace_member

REPO = Path(__file__).resolve().parents[2]
SHIPPED_MNIST = REPO / "datasets" / "mnist"
SHARED = REPO.parent / "shared" / "data"
FASHION = SHARED / "fashion-mnist"
IDX_NAMES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
             "t10k-labels-idx1-ubyte")
MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
MNIST_TEST_COUNTS = [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
CIFAR_NAMES = [f"data_batch_{i}.bin" for i in range(1, 6)] + ["test_batch.bin"]


def write_cifar(folder, *, per_batch=(3, 3, 3, 3, 4, 2), archive=True, seed=0):
    """Write a tiny CIFAR-10 in the exact binary format (1 label byte + 1024 R + 1024 G + 1024 B per record).

    Returns the archive (or the folder of .bin files) and {file name: (labels, images (n, 32, 32, 3) uint8)}.
    """
    rng = np.random.default_rng(seed)
    folder = Path(folder)
    inner = folder / "cifar-10-batches-bin"
    inner.mkdir(parents=True, exist_ok=True)
    expected = {}
    for name, n in zip(CIFAR_NAMES, per_batch):
        labels = rng.integers(0, 10, n, dtype=np.uint8)
        images = rng.integers(0, 256, (n, 32, 32, 3), dtype=np.uint8)
        planes = images.transpose(0, 3, 1, 2).reshape(n, 3072)  # channel-major, row-major within a channel
        (inner / name).write_bytes(np.concatenate([labels[:, None], planes], axis=1).tobytes())
        expected[name] = (labels, images)
    (inner / "batches.meta.txt").write_text("airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\n"
                                            "truck\n\n")
    if not archive:
        return inner, expected
    path = folder / "cifar-10-binary.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        tar.add(inner, arcname="cifar-10-batches-bin")
    return path, expected


def six(n=(4, 2, 2), features=(3,), classes=2, dtype=np.float32):
    rng = np.random.default_rng(0)
    out = {}
    for (x, y), k in zip((("xtr", "ytr"), ("xva", "yva"), ("xte", "yte")), n):
        out[x] = rng.random((k,) + features).astype(dtype)
        out[y] = np.eye(classes, dtype=np.float32)[np.arange(k) % classes]
    return out


def write_npz(path, **arrays):
    """Write a (possibly bad) npz directly with numpy, as a foreign tool would."""
    np.savez(path, **arrays)
    return path


# ------------------------------------------------------------------------------------------------ MNIST
@pytest.fixture(scope="module")
def mnist_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("data")
    datasets.build("mnist", data_dir=folder)
    yield folder
    shutil.rmtree(folder)  # ~270 MB; pytest would keep it for three sessions


@pytest.fixture
def big_tmp(tmp_path):
    """tmp_path, emptied afterwards (for builds of full-size datasets)."""
    yield tmp_path
    shutil.rmtree(tmp_path)


def test_shipped_mnist_files_are_the_published_ones():
    for base, md5 in datasets.MNIST_MD5.items():
        gz = SHIPPED_MNIST / f"{base}.gz"
        assert hashlib.md5(gzip.decompress(gz.read_bytes())).hexdigest() == md5
        if SHARED.is_dir():
            assert gz.read_bytes() == (SHARED / "mnist" / f"{base}.gz").read_bytes()
    assert "CC BY-SA 3.0" in (SHIPPED_MNIST / "LICENCE").read_text()
    assert "LeCun" in (SHIPPED_MNIST / "PROVENANCE.md").read_text()


def test_mnist_builder_reproduces_the_published_counts(mnist_dir):
    xtr, ytr, xva, yva, xte, yte = datasets.load("mnist", data_dir=mnist_dir)
    assert xtr.shape == (50000, 784) and xva.shape == (10000, 784) and xte.shape == (10000, 784)
    assert xtr.dtype == np.float32 and ytr.dtype == np.float32
    train_counts = (ytr.sum(axis=0) + yva.sum(axis=0)).astype(int).tolist()
    assert train_counts == MNIST_TRAIN_COUNTS
    assert yte.sum(axis=0).astype(int).tolist() == MNIST_TEST_COUNTS
    assert xtr.min() == 0.0 and xtr.max() == 1.0
    # validation = the last 10,000 training images, x = pixel / 255
    raw = datasets.read_idx(SHIPPED_MNIST / "train-images-idx3-ubyte.gz")
    np.testing.assert_array_equal(xva, raw[50000:].reshape(10000, 784).astype(np.float32) / np.float32(255))
    labels = datasets.read_idx(SHIPPED_MNIST / "train-labels-idx1-ubyte.gz")
    np.testing.assert_array_equal(ytr.argmax(axis=1), labels[:50000])
    note = json.loads((mnist_dir / "mnist.provenance.json").read_text())
    assert note["dataset"] == "mnist" and note["seed"] is None
    assert {v["md5_uncompressed"] for v in note["source_files"].values()} == set(datasets.MNIST_MD5.values())
    assert "last 10,000" in note["notes"]
    assert note["md5"] == hashlib.md5((mnist_dir / "mnist.npz").read_bytes()).hexdigest()


def test_mnist_build_is_byte_reproducible(mnist_dir, big_tmp):
    tmp_path = big_tmp
    again = datasets.build("mnist", data_dir=tmp_path, source=SHIPPED_MNIST)
    assert Path(again).read_bytes() == (mnist_dir / "mnist.npz").read_bytes()
    assert oct(os.stat(again).st_mode & 0o777) != oct(0o600)  # readable like any other file


def test_mnist_checksum_mismatch_is_refused(tmp_path):
    src = tmp_path / "mnist"
    src.mkdir()
    for base in IDX_NAMES:
        data = gzip.decompress((SHIPPED_MNIST / f"{base}.gz").read_bytes())
        if base == "t10k-labels-idx1-ubyte":
            data = data[:-1] + bytes([(data[-1] + 1) % 10])  # one label changed
            (src / f"{base}.gz").write_bytes(gzip.compress(data, compresslevel=1))
        else:
            (src / base).write_bytes(data)  # uncompressed files are accepted too
    with pytest.raises(SpecError, match=r"^build: source must be the published MNIST files.*md5 of the "
                                        r"uncompressed t10k-labels-idx1-ubyte is [0-9a-f]{32}, expected "
                                        r"27ae3e4e09519cfbb04c329615203637"):
        datasets.build("mnist", data_dir=tmp_path, source=src)


def test_mnist_missing_source_files(tmp_path):
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "train-images-idx3-ubyte.gz").write_bytes(b"")
    with pytest.raises(SpecError, match=r"^build: source must be a folder holding the four MNIST IDX files.*"
                                        r"Missing: train-labels-idx1-ubyte, t10k-images"):
        datasets.build("mnist", data_dir=tmp_path, source=tmp_path / "half")
    with pytest.raises(SpecError, match=r"^build: source must be .* Not a folder"):
        datasets.build("mnist", data_dir=tmp_path, source=tmp_path / "nowhere")


def test_mnist_pca200_is_centred_with_the_train_mean(mnist_dir):
    path = datasets.build("mnist-pca200", data_dir=mnist_dir)
    xtr, ytr, xva, yva, xte, yte = datasets.load(path)
    assert xtr.shape == (50000, 200) and xte.shape == (10000, 200)
    assert np.abs(xtr.mean(axis=0)).max() < 1e-4
    # every split centred with the TRAIN mean: the test mean stays near 0 (centring only train, as the original
    # did, shifts the first components of test by several units)
    assert np.abs(xte.mean(axis=0)).max() < 0.5 and np.abs(xva.mean(axis=0)).max() < 0.5
    assert (np.diff(xtr.var(axis=0)) <= 1e-5).all()
    np.testing.assert_array_equal(yte, datasets.load("mnist", data_dir=mnist_dir)[5])


# ------------------------------------------------------------------------------------------------ others
@pytest.mark.skipif(not FASHION.is_dir(), reason="Fashion-MNIST raw files not on this machine")
def test_fashion_mnist_from_source_and_keras_cache(big_tmp, monkeypatch):
    tmp_path = big_tmp
    path = datasets.build("fashion-mnist", data_dir=tmp_path, source=FASHION)
    xtr, ytr, xva, yva, xte, yte = datasets.load(path)
    assert xtr.shape == (50000, 784) and xte.shape == (10000, 784)
    assert ((ytr.sum(axis=0) + yva.sum(axis=0)) == 6000).all() and (yte.sum(axis=0) == 1000).all()
    # no source: found in the Keras cache under $HOME
    home = tmp_path / "home"
    cache = home / ".keras" / "datasets" / "fashion-mnist"
    cache.mkdir(parents=True)
    for f in FASHION.iterdir():
        (cache / f.name).symlink_to(f)
    monkeypatch.setenv("HOME", str(home))
    out = tmp_path / "out"
    again = datasets.build("fashion-mnist", data_dir=out)
    assert Path(again).read_bytes() == Path(path).read_bytes()
    assert json.loads((out / "fashion-mnist.provenance.json").read_text())["source"] == str(cache)


def test_fashion_mnist_absent_lists_the_paths_tried(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    if Path("/usr/share/datasets/fashion-mnist").is_dir():
        pytest.skip("Debian's dataset-fashion-mnist is installed here")
    with pytest.raises(FileNotFoundError) as err:
        datasets.build("fashion-mnist", data_dir=tmp_path)
    msg = str(err.value)
    for p in (tmp_path / "fashion-mnist", "/usr/share/datasets/fashion-mnist",
              tmp_path / "home" / ".keras" / "datasets" / "fashion-mnist"):
        assert str(p) in msg
    assert "source=FOLDER" in msg


def test_digits_seeded_stratified_split(tmp_path):
    from sklearn.datasets import load_digits
    a = datasets.load(datasets.build("digits", data_dir=tmp_path / "a", seed=3))
    b = datasets.load(datasets.build("digits", data_dir=tmp_path / "b", seed=3))
    c = datasets.load(datasets.build("digits", data_dir=tmp_path / "c", seed=4))
    assert all(np.array_equal(u, v) for u, v in zip(a, b))
    assert not np.array_equal(a[0], c[0])
    xtr, ytr, xva, yva, xte, yte = a
    assert (len(xtr), len(xva), len(xte)) == (1079, 359, 359)
    full = load_digits()
    per_class = np.bincount(full.target)
    np.testing.assert_array_equal(yva.sum(axis=0), np.round(0.2 * per_class))
    np.testing.assert_array_equal(yte.sum(axis=0), np.round(0.2 * per_class))
    # together the splits are exactly the 1797 bundled images, x / 16
    x_all = np.concatenate([xtr, xva, xte])
    ref = (full.data / 16).astype(np.float32)
    np.testing.assert_array_equal(np.unique(x_all, axis=0), np.unique(ref, axis=0))
    assert json.loads((tmp_path / "a" / "digits.provenance.json").read_text())["seed"] == 3


def test_morse_builds_published_and_custom_files(big_tmp):
    tmp_path = big_tmp
    path = datasets.build("morse", data_dir=tmp_path)
    assert Path(path).name == "morse.npz"
    d = datasets.info(path)
    assert d["classes"] == 64 and d["sample_shape"] == (64,)
    assert [d["splits"][s]["class_counts"] for s in ("train", "val", "test")] == [[5000] * 64, [1000] * 64,
                                                                                  [1000] * 64]
    assert d["provenance"]["seed"] == 0 and d["provenance"]["variant"] == "baseline"
    # other options never overwrite the published file; same seed -> same bytes
    small = datasets.build("morse", data_dir=tmp_path, per_class=(20, 5, 5), seed=1)
    again = datasets.build("morse", data_dir=tmp_path, per_class=(20, 5, 5), seed=1, out=tmp_path / "x.npz")
    other = datasets.build("morse", data_dir=tmp_path, per_class=(20, 5, 5), seed=2, out=tmp_path / "y.npz")
    assert Path(small).name.startswith("morse-") and Path(small).name != "morse.npz"
    assert Path(small).read_bytes() == Path(again).read_bytes()
    assert Path(small).read_bytes() != Path(other).read_bytes()
    hard = datasets.build("morse", data_dir=tmp_path, variant="difficult", per_class=(5, 1, 1))
    assert Path(hard).name.startswith("morse-difficult-")
    note = json.loads(Path(hard[:-4] + ".provenance.json").read_text())
    assert note["generator_options"]["noisesd"] == 4.0 and note["generator_options"]["dash"] == [3, 9]
    bw = datasets.build("morse-difficult", data_dir=tmp_path, style="bw", maxflip=4, per_class=(5, 1, 1))
    assert set(np.unique(datasets.load(bw)[0]).tolist()) <= {0.0, 1.0}
    with pytest.raises(SpecError, match="^build: maxflip must be given"):
        datasets.build("morse-difficult", data_dir=tmp_path, style="bw", per_class=(5, 1, 1))
    with pytest.raises(SpecError, match="^build: variant must be 'difficult' for 'morse-difficult'"):
        datasets.build("morse-difficult", data_dir=tmp_path, variant="baseline")


# ------------------------------------------------------------------------------------------------ CIFAR-10
def _check_cifar(path, expected):
    xtr, ytr, xva, yva, xte, yte = datasets.load(path)
    assert xtr.shape == (12, 32, 32, 3) and xva.shape == (4, 32, 32, 3) and xte.shape == (2, 32, 32, 3)
    labels = np.concatenate([expected[n][0] for n in CIFAR_NAMES[:4]])
    images = np.concatenate([expected[n][1] for n in CIFAR_NAMES[:4]])
    np.testing.assert_array_equal(ytr.argmax(axis=1), labels)
    np.testing.assert_array_equal(xtr, images.astype(np.float32) / np.float32(255))
    np.testing.assert_array_equal(xva * 255, expected["data_batch_5.bin"][1].astype(np.float32))
    np.testing.assert_array_equal(yte.argmax(axis=1), expected["test_batch.bin"][0])


def test_cifar10_from_a_binary_archive_and_from_bin_files(tmp_path):
    archive, expected = write_cifar(tmp_path / "src")
    path = datasets.build("cifar10", data_dir=tmp_path, source=archive, verify=False)
    _check_cifar(path, expected)
    note = json.loads((tmp_path / "cifar10.provenance.json").read_text())
    assert note["class_names"][:2] == ["airplane", "automobile"]
    # the folder holding the archive, and the extracted files, work too
    folder, expected2 = write_cifar(tmp_path / "src2", archive=False, seed=1)
    _check_cifar(datasets.build("cifar10", data_dir=tmp_path / "b", source=folder, verify=False), expected2)
    (tmp_path / "c" / "cifar10").mkdir(parents=True)
    archive.rename(tmp_path / "c" / "cifar10" / "cifar-10-binary.tar.gz")
    _check_cifar(datasets.build("cifar10", data_dir=tmp_path / "c", verify=False), expected)


def test_cifar10_verification_refuses_a_modified_archive(tmp_path):
    archive, _ = write_cifar(tmp_path)
    with pytest.raises(SpecError, match=r"^build: source must be the published cifar-10-binary.tar.gz \(md5 "
                                        r"c32a1d4ab5d03f1284b67883e8d87530\).*verify=False"):
        datasets.build("cifar10", data_dir=tmp_path, source=archive)
    folder, _ = write_cifar(tmp_path / "f", archive=False)
    with pytest.raises(SpecError, match=r"10,000 records each.*verify=False"):
        datasets.build("cifar10", data_dir=tmp_path, source=folder)


def test_cifar10_pickled_python_version_is_refused(tmp_path):
    py = tmp_path / "cifar-10-batches-py"
    py.mkdir()
    (py / "data_batch_1").write_bytes(b"\x80\x04}\x94.")  # what the pickled version holds; never read
    with pytest.raises(SpecError, match="pickled Python version.*never unpickles.*cifar-10-binary.tar.gz"):
        datasets.build("cifar10", data_dir=tmp_path, source=tmp_path)
    archive = tmp_path / "cifar-10-python.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(py, arcname="cifar-10-batches-py")
    with pytest.raises(SpecError, match="not the Python one.*pickled Python version"):
        datasets.build("cifar10", data_dir=tmp_path, source=archive)


def test_cifar10_absent_or_malformed(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"CIFAR-10 is not on this machine.*cifar-10-binary.tar.gz"):
        datasets.build("cifar10", data_dir=tmp_path)
    (tmp_path / "empty").mkdir()
    with pytest.raises(FileNotFoundError, match="CIFAR-10 binary data not found"):
        datasets.build("cifar10", data_dir=tmp_path, source=tmp_path / "empty")
    with pytest.raises(SpecError, match="^build: source must be an existing CIFAR-10"):
        datasets.build("cifar10", data_dir=tmp_path, source=tmp_path / "nowhere.tar.gz")
    folder, _ = write_cifar(tmp_path / "bad", archive=False)
    (folder / "test_batch.bin").write_bytes(b"\x00" * 100)
    with pytest.raises(SpecError, match=r"records of 3073 bytes.*100 bytes"):
        datasets.build("cifar10", data_dir=tmp_path, source=folder, verify=False)
    (folder / "test_batch.bin").write_bytes(bytes([42]) + b"\x00" * 3072)
    with pytest.raises(SpecError, match="label 42: not CIFAR-10"):
        datasets.build("cifar10", data_dir=tmp_path, source=folder, verify=False)


# ------------------------------------------------------------------------------------------------ the format
def test_save_load_round_trip_and_deterministic_bytes(tmp_path):
    arrays = six(features=(4, 4, 1))
    p1 = datasets.save(tmp_path / "a.npz", *arrays.values())
    p2 = datasets.save(tmp_path / "b.npz", *arrays.values(), compress=True)
    for p in (p1, p2):
        for k, v in zip(datasets.KEYS, datasets.load(p)):
            np.testing.assert_array_equal(v, arrays[k])
    datasets.save(tmp_path / "c.npz", *arrays.values())
    assert Path(p1).read_bytes() == (tmp_path / "c.npz").read_bytes()
    assert os.path.getsize(p2) < os.path.getsize(p1)
    assert sorted(os.listdir(tmp_path)) == ["a.npz", "b.npz", "c.npz"]  # no temp files left
    # a plain numpy.savez file with the six keys loads too
    write_npz(tmp_path / "np.npz", **six())
    assert datasets.load(tmp_path / "np.npz")[0].shape == (4, 3)


@pytest.mark.parametrize("mutate, message", [
    (lambda a: a.pop("yte"), r"name_or_path must be an npz with exactly the keys .* missing key\(s\) yte"),
    (lambda a: a.update(extra=np.zeros(1)), r"unexpected key\(s\) extra"),
    (lambda a: a.update(xtr=np.arange(4.0)), r"^load: xtr must be an array of shape \(samples, features\)"),
    (lambda a: a.update(ytr=np.ones((4, 2, 1))), r"^load: ytr must be one-hot labels of shape"),
    (lambda a: a.update(yva=np.eye(2)[[0]]), r"^load: yva must be one label row per val sample \(xva has 2\)"),
    (lambda a: a.update(xva=np.zeros((2, 5))), r"^load: xva must be samples of shape \(3,\) like xtr"),
    (lambda a: a.update(yte=np.eye(3)[[0, 1]]), r"^load: yte must be 2 classes like ytr"),
    (lambda a: a["xte"].__setitem__((1, 2), np.nan), r"^load: xte must be finite .* 1 NaN and 0 inf, the first "
                                                     r"at index \(1, 2\)"),
    (lambda a: a["xtr"].__setitem__((0, 0), np.inf), r"^load: xtr must be finite .* 0 NaN and 1 inf"),
    (lambda a: a.update(ytr=2 * a["ytr"]), r"^load: ytr must be one-hot labels \(values 0 or 1\)"),
    (lambda a: a.update(yva=np.ones((2, 2), np.float32)), r"^load: yva must be one-hot labels \(exactly one 1 "
                                                          r"per row\).*row 0 holds 2 ones"),
    (lambda a: a.update(yte=np.zeros((2, 2))), r"^load: yte must be one-hot .*row 0 holds 0 ones"),
    (lambda a: a.update(xte=np.array([["a", "b", "c"]] * 2)), r"^load: xte must be a real numeric array"),
    (lambda a: a.update(xtr=a["xtr"][:0], ytr=a["ytr"][:0]), r"^load: xtr must be at least one training"),
    (lambda a: a.update(xva=np.array([[1, 2, None]] * 2, dtype=object)),
     r"^load: xva must be a plain numeric array; received xva='an object array \(pickled Python objects\)'.*"
     r"never unpickles"),
])
def test_bad_files_are_refused_with_specific_messages(tmp_path, mutate, message):
    arrays = six()
    mutate(arrays)
    path = write_npz(tmp_path / "bad.npz", **arrays)
    with pytest.raises(SpecError, match=message):
        datasets.load(path)
    with pytest.raises(SpecError):
        datasets.info(path)


def test_non_npz_files_are_refused(tmp_path):
    pickled = tmp_path / "p.npz"
    pickled.write_bytes(b"\x80\x04}\x94.")  # a pickle (of {}); must never be unpickled
    with pytest.raises(SpecError, match="^load: name_or_path must be a six-key dataset npz.*Python pickle"):
        datasets.load(pickled)
    single = tmp_path / "s.npz"
    with open(single, "wb") as f:
        np.save(f, np.zeros(3))
    with pytest.raises(SpecError, match="single .npy array"):
        datasets.load(single)
    text = tmp_path / "t.npz"
    text.write_text("hello")
    with pytest.raises(SpecError, match=r"a zip archive of .npy files.*it looks like a text file\.$"):
        datasets.load(text)
    broken = tmp_path / "z.npz"
    broken.write_bytes(b"PK\x03\x04" + b"\x00" * 20)
    with pytest.raises(SpecError, match="^load: name_or_path must be a readable six-key dataset npz"):
        datasets.load(broken)


def test_save_validates_before_writing(tmp_path):
    arrays = six()
    arrays["yte"] = arrays["yte"] * 3
    with pytest.raises(SpecError, match="^save: yte must be one-hot"):
        datasets.save(tmp_path / "x.npz", *arrays.values())
    assert not list(tmp_path.iterdir())
    with pytest.raises(SpecError, match="^save: path must be a file path ending in .npz"):
        datasets.save(tmp_path / "x.npy", *six().values())
    with pytest.raises(SpecError, match="^save: compress must be True or False"):
        datasets.save(tmp_path / "x.npz", *six().values(), compress="yes")
    with pytest.raises(SpecError, match="^validate: xtr must be an array of shape"):
        datasets.validate(np.zeros(3), *list(six().values())[1:])


def test_names_resolve_in_the_data_folder_and_missing_ones_are_built(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PREDEFSPARSE_DATA", str(tmp_path))
    assert datasets.default_data_dir() == tmp_path
    assert datasets.path_for("mnist") == tmp_path / "mnist.npz"
    assert datasets.path_for("mnist", data_dir=tmp_path / "o") == tmp_path / "o" / "mnist.npz"
    assert datasets.path_for("dir/file.npz") == Path("dir/file.npz")
    xtr = datasets.load("digits")[0]
    assert xtr.shape == (1079, 64) and (tmp_path / "digits.npz").is_file()
    assert "building dataset 'digits'" in capsys.readouterr().err
    datasets.load("digits")
    assert capsys.readouterr().err == ""  # built once
    with pytest.raises(FileNotFoundError, match=r"no dataset 'imagenet'.*Builders: mnist.*In .*: digits"):
        datasets.load("imagenet")
    with pytest.raises(FileNotFoundError, match="no such dataset file"):
        datasets.load(tmp_path / "nothing.npz")
    with pytest.raises(FileNotFoundError, match="Build it with `predefsparse data build mnist`"):
        datasets.info("mnist")


def test_default_data_dir_is_the_checkout_datasets_folder(monkeypatch):
    monkeypatch.delenv("PREDEFSPARSE_DATA", raising=False)
    assert datasets.default_data_dir() == REPO / "datasets"
    monkeypatch.setenv("PREDEFSPARSE_DATA", "")
    assert datasets.default_data_dir() == REPO / "datasets"


def test_info_describes_a_file(tmp_path):
    arrays = six(n=(6, 2, 3), classes=3)
    path = datasets.save(tmp_path / "d.npz", *arrays.values())
    d = datasets.info(path)
    assert d["path"] == path and d["classes"] == 3 and d["sample_shape"] == (3,)
    assert d["splits"]["train"] == {"samples": 6, "x_shape": (6, 3), "x_dtype": "float32", "y_shape": (6, 3),
                                    "y_dtype": "float32", "class_counts": [2, 2, 2]}
    assert d["splits"]["test"]["class_counts"] == [1, 1, 1]
    lo = min(arrays[k].min() for k in ("xtr", "xva", "xte"))
    assert d["x_min"] == pytest.approx(lo) and d["provenance"] is None
    assert d["x_mean"] == pytest.approx(arrays["xtr"].mean(), rel=1e-6)


def test_read_idx(tmp_path):
    labels = datasets.read_idx(SHIPPED_MNIST / "t10k-labels-idx1-ubyte.gz",
                               md5=datasets.MNIST_MD5["t10k-labels-idx1-ubyte"])
    assert labels.shape == (10000,) and labels.dtype == np.uint8
    assert np.bincount(labels).tolist() == MNIST_TEST_COUNTS
    f = tmp_path / "f.idx"
    f.write_bytes(b"\0\0\x0d\x02" + (2).to_bytes(4, "big") * 2 + np.arange(4, dtype=">f4").tobytes())
    np.testing.assert_array_equal(datasets.read_idx(f), [[0, 1], [2, 3]])
    f.write_bytes(b"\0\0\x08\x01" + (5).to_bytes(4, "big") + b"abc")
    with pytest.raises(SpecError, match=r"^read_idx: path must be an IDX file of 13 bytes for shape \(5,\)"):
        datasets.read_idx(f)
    f.write_bytes(b"GIF89a")
    with pytest.raises(SpecError, match=r"^read_idx: path must be an IDX file \(magic"):
        datasets.read_idx(f)
    with pytest.raises(SpecError, match=r"^read_idx: path must be a file whose uncompressed md5 is 0{32}"):
        datasets.read_idx(SHIPPED_MNIST / "t10k-labels-idx1-ubyte.gz", md5="0" * 32)
    with pytest.raises(SpecError, match="^read_idx: path must be a file path"):
        datasets.read_idx(3)
    with pytest.raises(FileNotFoundError):
        datasets.read_idx(tmp_path / "none.gz")


@pytest.mark.parametrize("call, message", [
    (lambda d: datasets.load(3), r"^load: name_or_path must be a dataset name"),
    (lambda d: datasets.load(""), r"^load: name_or_path must be"),
    (lambda d: datasets.load("mnist", data_dir=5), r"^load: data_dir must be a folder path"),
    (lambda d: datasets.info(None), r"^info: name_or_path must be"),
    (lambda d: datasets.info("mnist", data_dir=d / "file.txt"), r"^info: data_dir must be a folder.*It is a file"),
    (lambda d: datasets.path_for("bad name!"), r"^path_for: name_or_path must be a dataset name"),
    (lambda d: datasets.path_for(1.5), r"^path_for: name_or_path must be"),
    (lambda d: datasets.build("imagenet", data_dir=d), r"^build: name must be one of 'mnist'"),
    (lambda d: datasets.build("mnist", data_dir=d, frame=64), r"^build: frame must be an option of 'mnist' "
                                                              r"\(it takes none\)"),
    (lambda d: datasets.build("morse", data_dir=d, framelen=64), r"^build: framelen must be an option of 'morse'"),
    (lambda d: datasets.build("digits", data_dir=d, source=d), r"^build: source must be None for 'digits'"),
    (lambda d: datasets.build("digits", data_dir=d, seed=-1), r"^build: seed must be"),
    (lambda d: datasets.build("digits", data_dir=d, compress=1), r"^build: compress must be True or False"),
    (lambda d: datasets.build("digits", data_dir=d, out="x.csv"), r"^build: out must be a file path ending"),
    (lambda d: datasets.build("morse", data_dir=d, variant="hard"), r"^build: variant must be one of"),
    (lambda d: datasets.build("morse", data_dir=d, per_class=(0, 1, 1)), r"^generate: per_class must be"),
    (lambda d: datasets.build("mnist", data_dir=d, source=7), r"^build: source must be a folder holding"),
    (lambda d: datasets.build("cifar10", data_dir=d, source=d, verify="no"), r"^build: verify must be True"),
    (lambda d: datasets.build("cifar10", data_dir=d, source=[1]), r"^build: source must be the CIFAR-10"),
    (lambda d: datasets.save("x.npz", 1, 2, 3, 4, 5, 6), r"^save: xtr must be an array of shape"),
])
def test_public_functions_bad_input_name_the_parameter(tmp_path, call, message):
    (tmp_path / "file.txt").write_text("")
    with pytest.raises(SpecError, match=message):
        call(tmp_path)


# ------------------------------------------------------------------------------------------------ hostile files
@pytest.mark.parametrize("damage, message", [
    ("empty", "The file is empty"),
    ("truncated", "not a readable zip archive"),
    ("truncated-late", "not a readable zip archive|a truncated or"),
    ("garbage header", r"xtr must be a readable .npy array; received xtr=.a garbage .npy header"),
    ("header list", r"xtr must be a readable .npy array"),
    ("huge shape", r"the request needs about 3\.64 TiB|header declaring shape \(1000000, 1000000\)"),
    ("shape over data", r"xtr must be an array whose header matches its data.*shape \(400, 3\)"),
])
def test_hostile_files_give_a_specific_error_naming_the_file(tmp_path, damage, message):
    path = tmp_path / "d.npz"
    datasets.save(path, *six().values())
    raw = path.read_bytes()
    if damage == "empty":
        path.write_bytes(b"")
    elif damage == "truncated":
        path.write_bytes(raw[: len(raw) // 2])
    elif damage == "truncated-late":
        path.write_bytes(raw[:-10])
    elif damage == "garbage header":
        replace_member(path, "xtr", b"\x93NUMPY\x01\x00\x10\x00{'descr': <<<<\n" + b"\x00" * 48)
    elif damage == "header list":  # a list where the header dict belongs
        replace_member(path, "xtr", b"\x93NUMPY\x01\x00\x10\x00[1, 2, 3]      \n" + b"\x00" * 48)
    elif damage == "huge shape":  # 10^12 elements declared over 48 bytes
        replace_member(path, "xtr", npy_header((10**6, 10**6)) + b"\x00" * 48)
    elif damage == "shape over data":
        replace_member(path, "xtr", npy_header((400, 3)) + b"\x00" * 48)
    with pytest.raises(SpecError, match=message) as err:
        datasets.load(path)
    assert str(path) in str(err.value)


def test_every_flipped_byte_is_refused_or_harmless(tmp_path):
    """Flip one byte at many offsets: each load is a SpecError naming the file or returns the same arrays
    (a flip in an unused zip field); never another exception."""
    arrays = six()
    path = tmp_path / "d.npz"
    datasets.save(path, *arrays.values())
    raw = bytearray(path.read_bytes())
    outcomes = {"refused": 0, "same": 0}
    for offset in range(0, len(raw), 7):
        bad = bytearray(raw)
        bad[offset] ^= 0xFF
        path.write_bytes(bytes(bad))
        try:
            got = datasets.load(path)
        except SpecError as err:
            assert str(path) in str(err), str(err)
            outcomes["refused"] += 1
            continue
        for k, v in zip(datasets.KEYS, got):
            np.testing.assert_array_equal(v, arrays[k])
        outcomes["same"] += 1
    assert outcomes["refused"] > 0.6 * sum(outcomes.values())  # the rest hit unused zip fields


def test_build_note_that_is_not_a_json_object_is_refused(tmp_path):
    path = Path(datasets.save(tmp_path / "d.npz", *six().values()))
    note = tmp_path / "d.provenance.json"
    note.write_text("[1, 2, 3]")
    with pytest.raises(SpecError, match=r"d.provenance.json holds a JSON list"):
        datasets.info(path)
    note.write_text('{"seed": 0')
    with pytest.raises(SpecError, match="d.provenance.json is not valid JSON"):
        datasets.info(path)


def test_declared_size_is_checked_against_the_memory_limit(tmp_path, monkeypatch):
    path = datasets.save(tmp_path / "d.npz", *six(n=(4000, 10, 10), features=(100,)).values())
    monkeypatch.setenv("PREDEFSPARSE_MAX_MEMORY", "1M")
    with pytest.raises(SpecError, match=r"needs about 1\.5[0-9]* MiB \(the six arrays of .*d\.npz\)"):
        datasets.load(path)
    monkeypatch.setenv("PREDEFSPARSE_MAX_MEMORY", "16M")
    assert datasets.load(path)[0].shape == (4000, 100)
