"""predefsparse: train and deploy hardware-oriented pre-defined sparse neural networks (Keras 3).

Keras and TensorFlow load lazily, on first use of a name that needs them, so ``predefsparse pattern`` and
``predefsparse simulate`` start fast.  The Keras layers still register themselves as soon as Keras is loaded
(whether it was imported before or after ``predefsparse``), so ``keras.models.load_model`` needs no
``custom_objects`` after ``import predefsparse``.

Examples
--------
>>> import adjmat, hwsim, predefsparse
>>> predefsparse.__version__ == adjmat.__version__ == hwsim.__version__
True
"""
import builtins
import importlib
import importlib.abc
import importlib.util
import sys
import warnings


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
    "SETCallback": "predefsparse.evolution",
    "evolution": "predefsparse.evolution",
    "layers": "predefsparse.layers",
    "training": "predefsparse.training",
    "design": "predefsparse.codesign",
    "codesign": "predefsparse.codesign",
    "sweep": "predefsparse.sweep",
    "results": "predefsparse.results",
    "DivergenceError": "adjmat.errors",
}

__all__ = sorted(_LAZY) + ["__version__"]


def __getattr__(name):
    if name == "__version__":  # one source: pyproject.toml (read on first use: importing adjmat is not free)
        from adjmat.version import package_version
        globals()["__version__"] = package_version()
        return globals()["__version__"]
    try:
        module_name = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'predefsparse' has no attribute {name!r}") from None
    module = importlib.import_module(module_name)
    value = module if module_name.rsplit(".", 1)[-1] == name else getattr(module, name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(builtins.set(globals()) | builtins.set(_LAZY))  # a submodule may shadow a builtin name


# ---------------------------------------------------------------------------------------- layer registration
def _register_layers() -> None:
    try:
        importlib.import_module("predefsparse.layers")
    except Exception as err:  # never break the user's `import keras`
        warnings.warn(f"predefsparse: could not register the Keras layers ({err}); import "
                      f"predefsparse.layers explicitly to see the error.", stacklevel=3)


class _RegisterWhenKerasLoads(importlib.abc.MetaPathFinder):
    """Import hook: when the ``keras`` module has finished executing, import :mod:`predefsparse.layers` (which
    registers ``SparseDense`` as a serialisable Keras object) and remove the hook.  Specs asked for without an
    import (``importlib.util.find_spec("keras")``, as TensorFlow does) leave it in place."""

    _busy = False

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "keras" or self._busy:
            return None
        self._busy = True
        try:
            spec = importlib.util.find_spec("keras")
        finally:
            self._busy = False
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        exec_module = spec.loader.exec_module

        def exec_then_register(module):
            exec_module(module)
            if self in sys.meta_path:
                sys.meta_path.remove(self)
            _register_layers()

        spec.loader.exec_module = exec_then_register
        return spec


if "keras" in sys.modules:
    _register_layers()
elif not any(type(f).__name__ == "_RegisterWhenKerasLoads" for f in sys.meta_path):
    sys.meta_path.insert(0, _RegisterWhenKerasLoads())
