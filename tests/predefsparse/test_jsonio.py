"""predefsparse.jsonio: the strict JSON writer and the hostile-file reader of JSON and TOML."""
import json
import os
import threading

import numpy as np
import pytest

from adjmat import SpecError
from predefsparse import jsonio


def test_dumps_is_strict_json_with_nan_and_inf_as_null(tmp_path):
    obj = {"acc": float("nan"), "loss": [1.5, float("inf"), -float("inf")], "n": np.int64(3),
           "a": np.array([0.5, np.nan], dtype=np.float32), "t": (1, 2), "p": tmp_path}
    text = jsonio.dumps(obj)
    assert "NaN" not in text and "Infinity" not in text
    back = json.loads(text, parse_constant=lambda name: pytest.fail(f"{name} written"))
    assert back == {"acc": None, "loss": [1.5, None, None], "n": 3, "a": [0.5, None], "t": [1, 2],
                    "p": str(tmp_path)}
    path = jsonio.write_json(tmp_path / "x.json", obj)
    assert jsonio.read_json(path, param="path", max_bytes=1000) == back
    assert os.listdir(tmp_path) == ["x.json"]  # no temp file left
    with pytest.raises(TypeError, match="object is not JSON serialisable"):
        jsonio.dumps({"x": object()})
    assert jsonio.dumps({"x": object()}, default=lambda o: "obj", indent=None) == '{"x": "obj"}'


@pytest.mark.parametrize("reader,text", [(jsonio.read_json, "[" * 5000 + "]" * 5000),
                                         (jsonio.read_json, "[" * 70 + "]" * 70),
                                         (jsonio.read_toml, "x = " + "[" * 5000 + "]" * 5000),
                                         (jsonio.read_toml, "x = " + "[" * 70 + "]" * 70)])
def test_deep_nesting_is_refused_naming_the_param_not_a_recursion_error(tmp_path, reader, text):
    path = tmp_path / "deep"
    path.write_text(text)
    with pytest.raises(SpecError, match="nested at most 64 levels deep") as err:
        reader(path, param="grid", max_bytes=1 << 20)
    assert err.value.param == "grid" and err.value.naming("GRID").count("GRID") == 2


def test_shallow_nesting_within_the_limit_is_read(tmp_path):
    path = tmp_path / "ok.json"
    path.write_text("[" * 64 + "]" * 64)
    data = jsonio.read_json(path, param="p", max_bytes=1000)
    for _ in range(63):
        data = data[0]
    assert data == []


@pytest.mark.parametrize("reader", [jsonio.read_json, jsonio.read_toml])
def test_fifo_is_refused_without_blocking(tmp_path, reader):
    fifo = tmp_path / "records.json"
    os.mkfifo(fifo)
    outcome = {}

    def read():
        try:
            reader(fifo, param="records", max_bytes=1000)
        except SpecError as err:
            outcome["err"] = err

    t = threading.Thread(target=read, daemon=True)
    t.start()
    t.join(5)
    assert not t.is_alive(), "reading a FIFO blocked"
    assert outcome["err"].param == "records" and "FIFO" in str(outcome["err"])
    assert "must be a regular file" in str(outcome["err"])


def test_symlink_out_of_the_folder_is_refused_and_inside_is_read(tmp_path):
    run, other = tmp_path / "run", tmp_path / "other"
    run.mkdir()
    other.mkdir()
    (other / "records.json").write_text('{"a": 1}')
    (run / "records.json").symlink_to(other / "records.json")
    with pytest.raises(SpecError, match="outside the folder") as err:
        jsonio.read_json(run / "records.json", param="out", max_bytes=100, inside=run)
    assert err.value.param == "out"
    (run / "own.json").write_text('{"b": 2}')
    (run / "link.json").symlink_to("own.json")
    assert jsonio.read_json(run / "link.json", param="out", max_bytes=100, inside=run) == {"b": 2}
    assert jsonio.read_json(run / "records.json", param="out", max_bytes=100) == {"a": 1}  # no folder given


@pytest.mark.parametrize("reader", [jsonio.read_json, jsonio.read_toml])
def test_bad_utf8_is_refused_naming_the_param(tmp_path, reader):
    path = tmp_path / "bad"
    path.write_bytes(b'x = "\xff\xfe"\n')
    with pytest.raises(SpecError, match=r"must be a UTF-8 .*Byte 5") as err:
        reader(path, param="energy", max_bytes=100)
    assert err.value.param == "energy" and "--energy" in err.value.naming("--energy")


def test_size_missing_special_empty_and_invalid_files_are_refused(tmp_path):
    big = tmp_path / "big.json"
    big.write_text("[" + "1," * 100 + "1]")
    with pytest.raises(SpecError, match="at most 100 bytes; .* It has 203 bytes"):
        jsonio.read_json(big, param="p", max_bytes=100)
    with pytest.raises(FileNotFoundError) as missing:
        jsonio.read_json(tmp_path / "nope.json", param="p", max_bytes=100)
    assert isinstance(missing.value, SpecError) and missing.value.param == "p"
    with pytest.raises(SpecError, match="It is a folder"):
        jsonio.read_toml(tmp_path, param="p", max_bytes=100)
    with pytest.raises(SpecError, match="character device"):
        jsonio.read_json("/dev/zero", param="p", max_bytes=100)
    (tmp_path / "empty.json").write_text("  \n")
    with pytest.raises(SpecError, match="non-empty"):
        jsonio.read_json(tmp_path / "empty.json", param="p", max_bytes=100)
    for text, problem in [('{"a": NaN}', "NaN is not JSON"), ('{"a": 1, "a": 2}', "appears twice"),
                          ('{"a": ', "not valid JSON")]:
        (tmp_path / "x.json").write_text(text)
        with pytest.raises(SpecError, match=problem):
            jsonio.read_json(tmp_path / "x.json", param="p", max_bytes=100)
    (tmp_path / "x.toml").write_text("a = = 1")
    with pytest.raises(SpecError, match="not valid TOML"):
        jsonio.read_toml(tmp_path / "x.toml", param="p", max_bytes=100)


def test_sha256_file_and_its_checks(tmp_path):
    (tmp_path / "a").write_bytes(b"abc")
    assert jsonio.sha256_file(tmp_path / "a") == \
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    os.mkfifo(tmp_path / "f")
    with pytest.raises(SpecError, match="FIFO"):
        jsonio.sha256_file(tmp_path / "f", param="checkpoint")
