"""The predefsparse package: lazy names, and SparseDense registered whenever Keras loads, in any import order."""
import pytest

from tests.fresh_python import run_fresh


@pytest.mark.parametrize("imports", [
    "import predefsparse\nimport keras",
    "import keras\nimport predefsparse",
    "import predefsparse\nimport tensorflow\nimport keras",
])
def test_layer_registered_in_any_import_order(imports):
    code = (f"{imports}\n"
            "cls = keras.saving.get_registered_object('predefsparse>SparseDense')\n"
            "print(cls.__module__, cls.__name__)\n")
    assert run_fresh(code) == "predefsparse.layers SparseDense"


def test_import_is_light_until_a_keras_name_is_used():
    code = ("import sys, predefsparse\n"
            "light = 'tensorflow' not in sys.modules and 'keras' not in sys.modules\n"
            "predefsparse.SparseDense\n"
            "print(light, 'keras' in sys.modules)\n")
    assert run_fresh(code) == "True True"


def test_unknown_name():
    import predefsparse
    with pytest.raises(AttributeError, match="no attribute 'Dense'"):
        _ = predefsparse.Dense


def test_dir_after_every_submodule_is_imported():
    # a submodule named like a builtin once shadowed `set` inside the package and broke dir(predefsparse)
    import importlib
    import pkgutil

    import predefsparse
    for info in pkgutil.walk_packages(predefsparse.__path__, "predefsparse."):
        if not info.name.endswith("__main__"):
            importlib.import_module(info.name)
    names = dir(predefsparse)
    assert {"SparseDense", "sim_net", "run_model", "SETCallback"} <= set(names)
    import builtins
    assert not set(vars(predefsparse)) & {n for n in dir(builtins) if not n.startswith("_")}
