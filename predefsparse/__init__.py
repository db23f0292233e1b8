"""predefsparse: train and deploy hardware-oriented pre-defined sparse neural networks (Keras 3).

Keras and TensorFlow load lazily, on first use of a name that needs them, so ``predefsparse pattern`` and
``predefsparse simulate`` start fast.

Examples
--------
>>> import predefsparse
>>> predefsparse.__version__
'0.1.0'
"""
import importlib

__version__ = "0.1.0"

# public name -> module that defines it (imported on first access)
_LAZY = {
    "SparseDense": "predefsparse.layers",
    "sparse": "predefsparse.layers",
    "sim_net": "predefsparse.training",
    "run_model": "predefsparse.training",
    "models": "predefsparse.models",
    "datasets": "predefsparse.datasets",
    "preprocess": "predefsparse.preprocess",
    "morse": "predefsparse.morse",
    "layers": "predefsparse.layers",
    "training": "predefsparse.training",
}

__all__ = sorted(_LAZY) + ["__version__"]


def __getattr__(name):
    try:
        module_name = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'predefsparse' has no attribute {name!r}") from None
    module = importlib.import_module(module_name)
    value = module if module_name.rsplit(".", 1)[-1] == name else getattr(module, name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(_LAZY))
