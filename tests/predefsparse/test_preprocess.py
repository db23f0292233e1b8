"""Tests of the normalisers (docs/training.md §2): fit on train only, the original bugs fixed, real MNIST."""
from pathlib import Path

import numpy as np
import pytest
from sklearn.decomposition import PCA
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis

from adjmat import SpecError
from predefsparse import datasets, preprocess

MNIST = Path(__file__).resolve().parents[2] / "datasets" / "mnist"


@pytest.fixture(scope="module")
def mnist_pixels_6000():
    """Real MNIST pixels (first 6000 train, 1000 val, 1000 test images) as float32 in [0, 1]."""
    images = datasets.read_idx(MNIST / "train-images-idx3-ubyte.gz",
                               md5=datasets.MNIST_MD5["train-images-idx3-ubyte"])
    labels = datasets.read_idx(MNIST / "train-labels-idx1-ubyte.gz")
    x = images.reshape(len(images), -1)[:8000].astype(np.float32) / 255
    return x[:6000], x[6000:7000], x[7000:8000], labels[:6000]


def test_minmax_has_no_nan_on_mnist_constant_border_pixels(mnist_pixels_6000):
    xtr, xva, xte, _ = mnist_pixels_6000
    const = xtr.min(axis=0) == xtr.max(axis=0)
    assert const.sum() > 50  # the border pixels are constant (0) in training
    out = preprocess.minmax(xtr, xva, xte)
    for o in out:
        assert o.dtype == np.float32 and np.isfinite(o).all()
        assert (o[:, const] == 0).all()  # constant features -> 0 on every split
    assert out[0].min() == 0 and out[0].max() == 1
    span = xtr.max(axis=0) - xtr.min(axis=0)
    j = int(np.argmax(span))
    np.testing.assert_allclose(out[2][:, j], (xte[:, j] - xtr[:, j].min()) / span[j], rtol=1e-6)


def test_gaussian_has_no_nan_and_standardises_train(mnist_pixels_6000):
    xtr, xva, xte, _ = mnist_pixels_6000
    out = preprocess.gaussian(xtr, xva, xte)
    assert all(np.isfinite(o).all() for o in out)
    var = xtr.std(axis=0) > 0
    np.testing.assert_allclose(out[0][:, var].mean(axis=0), 0, atol=1e-4)
    np.testing.assert_allclose(out[0][:, var].std(axis=0), 1, atol=1e-3)
    assert (out[0][:, ~var] == 0).all()
    # validation uses the training statistics, not its own
    mu, sd = xtr.mean(axis=0, dtype=np.float64), xtr.std(axis=0, dtype=np.float64)
    j = int(np.argmax(sd))
    np.testing.assert_allclose(out[1][:, j], (xva[:, j] - mu[j]) / sd[j], rtol=1e-5, atol=1e-6)


def test_statistics_come_from_train_only():
    rng = np.random.default_rng(0)
    xtr, xva = rng.normal(size=(50, 4)), rng.normal(size=(10, 4))
    for f in (preprocess.gaussian, preprocess.minmax, preprocess.zca, preprocess.pca(2)):
        a = f(xtr, xva, rng.normal(size=(7, 4)))
        b = f(xtr, xva, 100 + rng.normal(size=(3, 4)) * 50)
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(a[1], b[1])


def test_pca_centres_every_split_with_the_train_mean(mnist_pixels_6000):
    xtr, xva, xte, _ = mnist_pixels_6000
    xtr64 = xtr.astype(np.float64)
    to50 = preprocess.pca(50)
    assert to50.__name__ == "pca50"
    ptr, pva, pte = to50(xtr, xva, xte)
    assert ptr.shape == (6000, 50) and pte.shape == (1000, 50) and ptr.dtype == np.float32
    # the training mean maps to the origin on every split (the original left val/test uncentred)
    mean_row = xtr64.mean(axis=0, keepdims=True)
    np.testing.assert_allclose(to50(xtr, mean_row, mean_row)[2], 0, atol=1e-5)
    assert np.abs(pte.mean(axis=0)).max() < 0.5
    # matches scikit-learn's PCA (which applies the training mean to new data) up to the sign of each component
    ref = PCA(n_components=50, svd_solver="full").fit(xtr64)
    rte = ref.transform(xte.astype(np.float64))
    signs = np.sign((rte * pte).sum(axis=0))
    np.testing.assert_allclose(pte, rte * signs, atol=2e-3)
    # components come in decreasing variance and are deterministic
    v = ptr.var(axis=0)
    assert (np.diff(v) <= 1e-6).all()
    np.testing.assert_array_equal(to50(xtr, xva, xte)[2], pte)


def test_zca_whitens_and_stays_finite_on_mnist(mnist_pixels_6000):
    rng = np.random.default_rng(1)
    xtr = rng.normal(size=(2000, 5)) @ rng.normal(size=(5, 5))
    w = preprocess.zca(xtr, xtr[:10], xtr[:10], eps=0.0)[0]
    np.testing.assert_allclose(np.cov(w.T, bias=True), np.eye(5), atol=1e-8)
    # ZCA keeps the data close to the original (symmetric whitening): each output feature correlates with its input
    corr = [np.corrcoef(xtr[:, j], w[:, j])[0, 1] for j in range(5)]
    assert min(corr) > 0.3
    images = rng.normal(size=(100, 4, 4, 1))
    assert preprocess.zca(images, images[:3], images[:2])[1].shape == (3, 4, 4, 1)
    out = preprocess.zca(*mnist_pixels_6000[:3])
    assert all(np.isfinite(o).all() for o in out)


def test_gcn_per_sample():
    x = np.array([[1.0, 3.0, 5.0], [2.0, 2.0, 2.0]])
    out = preprocess.gcn(x, x[:1], x[1:])[0]
    np.testing.assert_allclose(out.mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(np.sqrt((out[0] ** 2).mean()), 1)
    assert (out[1] == 0).all()  # a constant sample: zeros, not NaN
    np.testing.assert_allclose(preprocess.gcn(x, x, x, scale=2.0)[0][0], 2 * out[0])


def test_lda_matches_scikit_learn(mnist_pixels_6000):
    xtr, xva, xte, labels = mnist_pixels_6000
    onehot = np.eye(10, dtype=np.float32)[labels]
    f = preprocess.lda(onehot, 9)
    ltr, lva, lte = f(xtr, xva, xte)
    assert ltr.shape == (6000, 9) and lte.shape == (1000, 9)
    ref = LinearDiscriminantAnalysis(n_components=9).fit(xtr.astype(np.float64), labels)
    np.testing.assert_allclose(lte, ref.transform(xte.astype(np.float64)), rtol=1e-4, atol=1e-3)
    assert preprocess.lda(labels)(xtr, xva, xte)[0].shape == (6000, 9)  # k=None: classes - 1


def test_none_and_get():
    x = np.ones((3, 2), dtype=np.float32)
    assert preprocess.none(x, x, x)[0] is x
    assert preprocess.get("minmax") is preprocess.minmax
    assert preprocess.get("none") is preprocess.none
    assert preprocess.get("pca3").__name__ == "pca3"
    assert preprocess.get("lda2", ytr=np.array([0, 1, 2])).__name__ == "lda2"


def test_dtypes_and_shapes_kept():
    x64 = np.arange(12.0).reshape(4, 3)
    assert preprocess.minmax(x64, x64, x64)[0].dtype == np.float64
    xi = np.arange(12).reshape(4, 3)
    assert preprocess.gaussian(xi, xi, xi)[0].dtype == np.float32
    img = np.random.default_rng(0).random((6, 2, 2, 3)).astype(np.float32)
    assert preprocess.gaussian(img, img[:2], img[:0])[2].shape == (0, 2, 2, 3)


@pytest.mark.parametrize("name", ["gaussian", "minmax", "zca", "gcn", "none", "pca", "lda"])
def test_bad_splits_name_the_parameter(name):
    f = {"pca": preprocess.pca(1), "lda": preprocess.lda(np.array([0, 1, 0, 1]), 1)}.get(
        name, getattr(preprocess, name))
    x = np.arange(8.0).reshape(4, 2)
    with pytest.raises(SpecError, match=rf"^{name}: xtr must be a real numeric array"):
        f(x.astype(str), x, x)
    with pytest.raises(SpecError, match=rf"^{name}: xva must be samples of shape \(2,\)"):
        f(x, np.ones((2, 3)), x)
    bad = x.copy()
    bad[1, 1] = np.nan
    with pytest.raises(SpecError, match=rf"^{name}: xte must be finite"):
        f(x, x, bad)
    with pytest.raises(SpecError, match=rf"^{name}: xtr must be an array of shape"):
        f(np.arange(4.0), x, x)


def test_parameters_bad_input_name_the_parameter():
    x = np.arange(8.0).reshape(4, 2)
    with pytest.raises(SpecError, match="^pca: k must be a positive integer"):
        preprocess.pca(0)
    with pytest.raises(SpecError, match=r"^pca: k must be at most the number of features \(2\)"):
        preprocess.pca(3)(x, x, x)
    with pytest.raises(SpecError, match="^gaussian: xtr must be at least 1 training sample"):
        preprocess.gaussian(x[:0], x, x)
    with pytest.raises(SpecError, match="^zca: eps must be"):
        preprocess.zca(x, x, x, eps=-1.0)
    with pytest.raises(SpecError, match="^gcn: scale must be"):
        preprocess.gcn(x, x, x, scale=0.0)
    with pytest.raises(SpecError, match="^gcn: lam must be"):
        preprocess.gcn(x, x, x, lam=-1.0)
    with pytest.raises(SpecError, match="^gcn: eps must be"):
        preprocess.gcn(x, x, x, eps=0.0)
    with pytest.raises(SpecError, match="^lda: ytr must be one-hot labels"):
        preprocess.lda(np.array([0.5, 1.5]))
    with pytest.raises(SpecError, match="^lda: ytr must be labels of at least 2 classes"):
        preprocess.lda(np.array([1, 1, 1]))
    with pytest.raises(SpecError, match="^lda: k must be an integer <= 1"):
        preprocess.lda(np.array([0, 1, 0]), 2)
    with pytest.raises(SpecError, match=r"^lda: xtr must be one row per training label \(3\)"):
        preprocess.lda(np.array([0, 1, 0]), 1)(x, x, x)
    with pytest.raises(SpecError, match="^get: name must be one of"):
        preprocess.get("whiten")
    with pytest.raises(SpecError, match="^get: ytr must be the training labels"):
        preprocess.get("lda")
