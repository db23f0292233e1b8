"""Datasets in the six-key npz format, and the builders that make them from local files.

A dataset is one ``.npz`` holding exactly ``xtr, ytr, xva, yva, xte, yte`` (training, validation, test): x of
shape (samples, features) -- or images (samples, h, w, c) for conv nets -- and y one-hot (samples, classes).
:func:`load` validates every file it reads (``allow_pickle=False``; keys, shapes, one-hot labels, finite
values) and refuses a bad one with a :class:`adjmat.SpecError` naming the key and the problem.

Data folder: a bare name such as ``"mnist"`` means ``<data folder>/mnist.npz``.  The data folder is, in order,
the ``data_dir=`` argument, the ``PREDEFSPARSE_DATA`` environment variable, the ``datasets/`` folder of the
repository when running from a checkout, else ``~/.predefsparse/datasets``.  When the file is missing and a
builder of that name exists, :func:`load` builds it first (and says so on stderr).

Builders (:func:`build`) make each dataset from files already on the machine -- nothing is downloaded:

=================  ==========================================================================================
``mnist``          the four IDX gzip files shipped in ``datasets/mnist/`` (md5-checked); x/255 as float32;
                   validation = the last 10,000 of the 60,000 training images
``mnist-pca200``   ``mnist`` projected on 200 principal components fitted on its training split, every split
                   centred with the training mean
``fashion-mnist``  the four IDX files from ``source=``, Debian's package path or the Keras cache (md5-checked)
``digits``         scikit-learn's bundled 8x8 digits (1797), x/16, seeded stratified 60/20/20 split
``morse``          the Morse code generator (:mod:`predefsparse.morse`), variants "baseline" / "difficult"
``morse-difficult``  the same as ``morse`` with ``variant="difficult"``
``cifar10``        the CIFAR-10 *binary* archive or its extracted ``*.bin`` files (never the pickled version)
=================  ==========================================================================================

Each build writes ``<name>.npz`` and a provenance note ``<name>.provenance.json`` (builder, options, seed,
source files and their checksums, versions).  The npz bytes depend only on the inputs and the seed.

Before any work, commands call :func:`check`: a name is built if needed (a line on stderr names its source), a
file is validated from its npz headers alone (keys, dtypes, shapes, non-empty splits, the memory limit), and
every refusal names the caller's parameter (``param=``) without quoting the file's bytes.

Modules: :mod:`.npz` (the format: validate, read, write), :mod:`.folders` (the data folder, names and paths),
:mod:`.reading` (load, info), :mod:`.checking` (check, shapes), :mod:`.idx` (IDX files), :mod:`.builders` (the
builders and :func:`build`), :mod:`.cifar` (CIFAR-10).  The package imports numpy only (scikit-learn on demand);
never TensorFlow, so ``predefsparse data`` starts fast.

Examples
--------
>>> import tempfile
>>> from predefsparse import datasets
>>> folder = tempfile.mkdtemp()
>>> path = datasets.build("morse", data_dir=folder, per_class=(20, 5, 5), seed=0)
>>> xtr, ytr, xva, yva, xte, yte = datasets.load(path)
>>> xtr.shape, ytr.shape
((1280, 64), (1280, 64))
"""
from __future__ import annotations

from .builders import DATASETS, FASHION_MNIST_MD5, MNIST_MD5, build
from .checking import check, shapes
from .cifar import CIFAR10_BINARY_MD5
from .folders import default_data_dir
from .idx import read_idx
from .npz import KEYS, save, validate
from .reading import info, load, path_for

__all__ = ["KEYS", "DATASETS", "MNIST_MD5", "FASHION_MNIST_MD5", "CIFAR10_BINARY_MD5", "default_data_dir",
           "path_for", "validate", "load", "save", "info", "check", "shapes", "read_idx", "build"]
