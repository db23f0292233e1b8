"""The dataset builders (mnist, mnist-pca200, fashion-mnist, digits, morse, cifar10) and :func:`build`."""
from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

from adjmat.validation import check_bool, check_choice, fail, normalize_seed
from adjmat.pattern import atomic_write

from .cifar import _build_cifar10, _cifar_source
from .folders import _checkout_datasets, _data_dir, _provenance_path
from .idx import _idx_folder, _read_idx_set
from .npz import KEYS, _one_hot, _read_npz, _validate, _write_npz

__all__ = ["DATASETS", "MNIST_MD5", "FASHION_MNIST_MD5", "build"]


#: md5 of the *uncompressed* IDX files (as published; the gzip bytes vary with the compressor).
MNIST_MD5 = {
    "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
    "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
}
FASHION_MNIST_MD5 = {
    "train-images-idx3-ubyte": "f4a8712d7a061bf5bd6d2ca38dc4d50a",
    "train-labels-idx1-ubyte": "9018921c3c673c538a1fc5bad174d6f9",
    "t10k-images-idx3-ubyte": "8181f5470baa50b63fa0f6fddb340f0a",
    "t10k-labels-idx1-ubyte": "15d484375f8d13e6eb1aabb0c3f46965",
}
_FORMAT = "predefsparse.dataset/1"
#: Where Debian's package ``dataset-fashion-mnist`` installs the four Fashion-MNIST IDX files.
_DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")


def _mnist_like(where: str, arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """60,000 + 10,000 28x28 uint8 images -> six arrays; validation = the last 10,000 training images."""
    xtrain = arrays["train-images-idx3-ubyte"].reshape(60000, -1).astype(np.float32) / np.float32(255)
    xtest = arrays["t10k-images-idx3-ubyte"].reshape(10000, -1).astype(np.float32) / np.float32(255)
    ytrain = _one_hot(arrays["train-labels-idx1-ubyte"], 10)
    ytest = _one_hot(arrays["t10k-labels-idx1-ubyte"], 10)
    return {"xtr": xtrain[:50000], "ytr": ytrain[:50000], "xva": xtrain[50000:], "yva": ytrain[50000:],
            "xte": xtest, "yte": ytest}


# ----------------------------------------------------------------------------------------------- builders
class _Context:
    """What a builder gets: the data folder, the source, the seed's generator and the options."""

    def __init__(self, name: str, data_dir: Path, source: Any, rng: np.random.Generator, seed: Any,
                 options: dict[str, Any]):
        self.name, self.data_dir, self.source, self.rng, self.seed, self.options = \
            name, data_dir, source, rng, seed, options


def _mnist_files(where: str, data_dir: Path, source: Any) -> tuple[Path, dict[str, Path]]:
    defaults = [data_dir / "mnist"]
    shipped = _checkout_datasets()
    if shipped is not None:
        defaults.append(shipped / "mnist")
    return _idx_folder(where, "mnist", "MNIST", MNIST_MD5, source, defaults)


def _fashion_files(where: str, data_dir: Path, source: Any) -> tuple[Path, dict[str, Path]]:
    defaults = [data_dir / "fashion-mnist", _DEBIAN_FASHION_MNIST,
                Path.home() / ".keras" / "datasets" / "fashion-mnist"]
    return _idx_folder(where, "fashion-mnist", "Fashion-MNIST", FASHION_MNIST_MD5, source, defaults,
                       f"Debian and Ubuntu package them: `sudo apt install dataset-fashion-mnist` puts them in "
                       f"{_DEBIAN_FASHION_MNIST}. ")


def _build_mnist(ctx: _Context):
    where = "build"
    folder, files = _mnist_files(where, ctx.data_dir, ctx.source)
    arrays, record = _read_idx_set(where, files, MNIST_MD5, "MNIST")
    out = _mnist_like(where, arrays)
    return out, {"source": str(folder), "source_files": record,
                 "notes": "x = pixels / 255 as float32 (784 features); validation = the last 10,000 of the "
                          "60,000 training images (the published final runs train on train+val = all 60,000); "
                          "test = the 10,000 t10k images. MNIST: LeCun, Cortes, Burges, CC BY-SA 3.0."}


def _build_fashion_mnist(ctx: _Context):
    where = "build"
    folder, files = _fashion_files(where, ctx.data_dir, ctx.source)
    arrays, record = _read_idx_set(where, files, FASHION_MNIST_MD5, "Fashion-MNIST")
    out = _mnist_like(where, arrays)
    return out, {"source": str(folder), "source_files": record,
                 "notes": "x = pixels / 255 as float32 (784 features); validation = the last 10,000 of the "
                          "60,000 training images; test = the 10,000 t10k images. Fashion-MNIST: Zalando, MIT."}


def _build_mnist_pca200(ctx: _Context):
    from predefsparse import preprocess
    mnist_path = ctx.data_dir / "mnist.npz"
    if not mnist_path.is_file():
        print(f"predefsparse: {mnist_path} not found; building 'mnist' first", file=sys.stderr)
        build("mnist", data_dir=ctx.data_dir, source=ctx.source)
    arrays = _read_npz("build", mnist_path)
    xtr, xva, xte = preprocess.pca(200)(arrays["xtr"], arrays["xva"], arrays["xte"])
    out = {"xtr": xtr, "ytr": arrays["ytr"], "xva": xva, "yva": arrays["yva"], "xte": xte, "yte": arrays["yte"]}
    return out, {"source": str(mnist_path), "source_files": {"mnist.npz": {"md5": _md5_file(mnist_path)}},
                 "notes": "mnist projected on its top 200 principal components, fitted on the 50,000-image "
                          "training split only; every split centred with the training mean."}


def _build_digits(ctx: _Context):
    from sklearn.datasets import load_digits
    bunch = load_digits()
    x = (bunch.data / 16.0).astype(np.float32)
    labels = bunch.target.astype(np.int64)
    parts = {"tr": [], "va": [], "te": []}
    for c in range(10):
        idx = np.flatnonzero(labels == c)
        idx = idx[ctx.rng.permutation(idx.size)]
        n_va = n_te = int(round(0.2 * idx.size))
        parts["va"].append(idx[:n_va])
        parts["te"].append(idx[n_va:n_va + n_te])
        parts["tr"].append(idx[n_va + n_te:])
    out = {}
    for s in ("tr", "va", "te"):
        idx = np.concatenate(parts[s])
        idx = idx[ctx.rng.permutation(idx.size)]
        out[f"x{s}"], out[f"y{s}"] = x[idx], _one_hot(labels[idx], 10)
    return out, {"source": "sklearn.datasets.load_digits", "source_files": {},
                 "notes": "1797 8x8 images, x = value / 16 as float32 (64 features); stratified seeded split: "
                          "per class round(20%) validation, round(20%) test, the rest training (60/20/20); "
                          "each split shuffled."}


_MORSE_OPTIONS = ("variant", "codebook", "per_class", "style", "frame", "dot", "dash", "space", "noisesd",
                  "maxflip", "leading_space", "dilation")


def _build_morse(ctx: _Context):
    from predefsparse import morse
    opts = dict(ctx.options)
    variant = check_choice("build", "variant", opts.pop("variant", "baseline"), tuple(morse.VARIANTS))
    gen = {**morse.variant_options(variant), **opts}
    if gen.get("style") == "bw" and variant == "difficult":
        # the published 'difficult' noise is greyscale (noisesd=4); a black-and-white one needs its own maxflip
        if "maxflip" not in opts:
            raise fail("build", "maxflip", "given for the 'difficult' variant in style 'bw'", None,
                       "The published 'difficult' variant is greyscale (noisesd=4); pass maxflip=K for a "
                       "black-and-white one.")
        gen["noisesd"] = opts.get("noisesd", 0.0)
    arrays = dict(zip(KEYS, morse.generate(seed=ctx.rng, **gen)))
    record = {k: (list(v) if isinstance(v, tuple) else v) for k, v in gen.items() if k != "codebook"}
    return arrays, {"source": "predefsparse.morse.generate", "source_files": {},
                    "generator_options": record, "variant": variant,
                    "notes": "Morse code symbols (Dey, Chugg, Beerel, ICCCNT 2018): class k = k-th codebook entry "
                             "of predefsparse/data/morse_codebook.json; two symbols share the code -.--.; "
                             "each split holds per_class samples of every class, shuffled."}


def _source_of(name: str, data_dir: Path, source: Any = None, where: str = "build") -> str:
    """Where dataset ``name`` would be built from, found without reading the files (fast).

    Raises the builder's own refusal when its source is not on this machine (a :class:`FileNotFoundError`
    whose ``detail`` says where it looked and what to do)."""
    if name == "mnist":
        return str(_mnist_files(where, data_dir, source)[0])
    if name == "fashion-mnist":
        return str(_fashion_files(where, data_dir, source)[0])
    if name == "mnist-pca200":
        mnist_path = data_dir / "mnist.npz"
        return str(mnist_path) if mnist_path.is_file() else _source_of("mnist", data_dir, source, where)
    if name == "cifar10":
        return str(_cifar_source(where, source, data_dir))
    if name == "digits":
        return "scikit-learn's bundled digits (sklearn.datasets.load_digits)"
    return "the Morse code generator (predefsparse.morse.generate)"


def _build_announced(where: str, name: str, data_dir: Path) -> Path:
    """Build dataset ``name`` into ``data_dir``, after a line on stderr naming its source and destination."""
    source = _source_of(name, data_dir, where=where)
    print(f"predefsparse: building dataset {name!r} from {source} into {data_dir / (name + '.npz')} (once; later "
          "runs read the file)", file=sys.stderr, flush=True)
    return Path(build(name, data_dir=data_dir))


#: dataset name -> (builder, accepted options, uses the seed, fixed options)
_BUILDERS: dict[str, tuple[Callable, tuple[str, ...], bool, dict[str, Any]]] = {
    "mnist": (_build_mnist, (), False, {}),
    "mnist-pca200": (_build_mnist_pca200, (), False, {}),
    "fashion-mnist": (_build_fashion_mnist, (), False, {}),
    "digits": (_build_digits, (), True, {}),
    "morse": (_build_morse, _MORSE_OPTIONS, True, {}),
    "morse-difficult": (_build_morse, _MORSE_OPTIONS, True, {"variant": "difficult"}),
    "cifar10": (_build_cifar10, ("verify",), False, {}),
}
#: The dataset names that :func:`build` (and :func:`load`, for a missing file) can make.
DATASETS = tuple(_BUILDERS)


def _md5_file(path: Path) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, (Path,)):
        return str(value)
    return value


def _file_stem(name: str, options: dict[str, Any]) -> str:
    """The file name of a build: the dataset name, with a digest of any non-published Morse options."""
    if _BUILDERS[name][0] is not _build_morse:
        return name
    variant = options.get("variant", "baseline")
    custom = {k: v for k, v in options.items() if k != "variant"}
    base = "morse" if variant == "baseline" else f"morse-{variant}"
    if not custom:
        return base
    if "codebook" in custom and isinstance(custom["codebook"], dict):
        custom["codebook"] = list(custom["codebook"].items())  # class order matters
    digest = hashlib.sha256(json.dumps(_json_safe(custom), sort_keys=True).encode()).hexdigest()[:8]
    return f"{base}-{digest}"


def build(name: str, *, data_dir: str | os.PathLike | None = None, source: str | os.PathLike | None = None,
          seed: Any = 0, out: str | os.PathLike | None = None, compress: bool = False, **options: Any) -> str:
    """Build a dataset from local files and write it as a six-key npz; returns the path written.

    Parameters
    ----------
    name : str
        One of :data:`DATASETS`: "mnist", "mnist-pca200", "fashion-mnist", "digits", "morse",
        "morse-difficult", "cifar10".
    data_dir : str, os.PathLike or None
        Where the npz goes (default :func:`default_data_dir`); also searched for source files
        (``<data_dir>/mnist/``, ``<data_dir>/fashion-mnist/``, ``<data_dir>/cifar10/``).
    source : str, os.PathLike or None
        The folder (or archive, for cifar10) holding the raw files.  Default search: mnist -- ``<data_dir>/mnist``
        then the repository's shipped ``datasets/mnist``; fashion-mnist -- ``<data_dir>/fashion-mnist``,
        ``/usr/share/datasets/fashion-mnist`` (Debian's ``dataset-fashion-mnist``), ``~/.keras/datasets/
        fashion-mnist``; cifar10 -- ``<data_dir>/cifar10``.  mnist-pca200 passes it on to the mnist build when
        ``<data_dir>/mnist.npz`` is missing.  Refused for digits and morse.
    seed : None, int, SeedSequence or Generator
        Randomness of "digits" (the split) and "morse" (everything).  Default 0, so a build gives the same bytes on
        every machine; the other builders are deterministic and ignore it.
    out : str, os.PathLike or None
        Write here instead of ``<data_dir>/<name>.npz``.
    compress : bool
        Deflate the npz (smaller, slower to load).
    **options
        "morse" / "morse-difficult": ``variant`` ("baseline" | "difficult") and every option of
        :func:`predefsparse.morse.generate` (``per_class``, ``style``, ``frame``, ``dot``, ``dash``, ``space``,
        ``noisesd``, ``maxflip``, ``leading_space``, ``dilation``, ``codebook``); a build with options other
        than a published variant's is written as ``morse[-difficult]-<8 hex digits>.npz`` so it never replaces
        the published one.  "cifar10": ``verify`` (default True: the archive's md5, or 10,000 records per
        extracted batch).

    Returns
    -------
    str
        The npz path.  A provenance note ``<stem>.provenance.json`` is written beside it.

    Raises
    ------
    adjmat.SpecError
        A bad parameter or option, a checksum mismatch, or a refused source (e.g. pickled CIFAR-10).
    FileNotFoundError
        The source files are not on this machine; the message lists the paths tried.

    Examples
    --------
    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> build("digits", data_dir=folder).endswith("digits.npz")
    True
    >>> build("morse", data_dir=folder, per_class=(10, 2, 2), noisesd=1.0).split("/")[-1][:6]
    'morse-'
    """
    where = "build"
    check_choice(where, "name", name, DATASETS)
    data_dir = _data_dir(where, data_dir)
    builder, accepted, uses_seed, fixed = _BUILDERS[name]
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        key = unknown[0]
        raise fail(where, key, f"an option of {name!r}" + (f" ({', '.join(accepted)})" if accepted else
                   " (it takes none)"), options[key])
    if source is not None and name in ("digits", "morse", "morse-difficult"):
        raise fail(where, "source", f"None for {name!r} (it is generated or bundled, not read from files)",
                   os.fspath(source) if isinstance(source, os.PathLike) else source)
    for key, value in fixed.items():
        if key in options and options[key] != value:
            raise fail(where, key, f"{value!r} for {name!r}", options[key], f"Use name='morse' with {key}=...")
    options = {**fixed, **options}
    if "variant" in options:
        from predefsparse import morse
        check_choice(where, "variant", options["variant"], tuple(morse.VARIANTS))
    compress = check_bool(where, "compress", compress)
    if out is not None and (not isinstance(out, (str, os.PathLike)) or not os.fspath(out).endswith(".npz")):
        raise fail(where, "out", "a file path ending in .npz, or None", out)
    rng, recorded = normalize_seed(where, seed)
    path = Path(out).expanduser() if out is not None else data_dir / f"{_file_stem(name, options)}.npz"

    started = time.perf_counter()
    arrays, prov = builder(_Context(name, data_dir, source, rng, seed, options))
    _validate(where, arrays, f"the {name!r} build")
    atomic_write(path, lambda f: _write_npz(f, arrays, compress))
    elapsed = time.perf_counter() - started
    from predefsparse import __version__
    note = {
        "format": _FORMAT,
        "dataset": name,
        "file": path.name,
        "md5": _md5_file(path),
        "options": _json_safe({k: v for k, v in options.items() if k != "codebook"}),
        "seed": recorded if uses_seed else None,
        "shapes": {k: list(v.shape) for k, v in arrays.items()},
        **_json_safe(prov),
        "built_seconds": round(elapsed, 3),
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "versions": {"predefsparse": __version__, "numpy": np.__version__, "python": sys.version.split()[0]},
    }
    atomic_write(_provenance_path(path), lambda f: f.write((json.dumps(note, indent=1) + "\n").encode("utf-8")))
    return str(path)
