"""The predefsparse package: lazy names, and SparseDense registered whenever Keras loads, in any import order."""
import subprocess
import sys

import pytest


@pytest.mark.parametrize("imports", [
    "import predefsparse\nimport keras",
    "import keras\nimport predefsparse",
    "import predefsparse\nimport tensorflow\nimport keras",
])
def test_layer_registered_in_any_import_order(imports):
    code = (f"{imports}\nimport sys\n"
            "cls = keras.saving.get_registered_object('predefsparse>SparseDense')\n"
            "print(cls.__module__, cls.__name__)\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.strip() == "predefsparse.layers SparseDense"


def test_import_is_light_until_a_keras_name_is_used():
    code = ("import sys, predefsparse\n"
            "light = 'tensorflow' not in sys.modules and 'keras' not in sys.modules\n"
            "predefsparse.SparseDense\n"
            "print(light, 'keras' in sys.modules)\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr[-2000:]
    assert res.stdout.strip() == "True True"


def test_unknown_name():
    import predefsparse
    with pytest.raises(AttributeError, match="no attribute 'Dense'"):
        predefsparse.Dense
