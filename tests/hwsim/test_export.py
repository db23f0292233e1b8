"""export_rtl / load_rtl: $readmemh ROMs and CSV traces that rebuild the patterns exactly."""
import csv
import json
import os

import numpy as np
import pytest
from hypothesis import given, strategies as st

from adjmat import NetSpec, SpecError, generate, generate_network
from hwsim import export_rtl, load_rtl

FPGA = NetSpec((1024, 64, 32), (4, 16), (128, 32))


def read_hex(path):
    with open(path) as f:
        lines = f.read().splitlines()
    assert lines[0].startswith("// ")
    return [int(v, 16) for v in lines[1:]]


@pytest.mark.parametrize("kind,options", [("clash_free", {"type": 1}), ("clash_free", {"type": 2}),
                                          ("clash_free", {"type": 3, "dither": True}), ("rtl", {}),
                                          ("random", {}), ("basic", {})])
def test_round_trip_fpga_build(tmp_path, kind, options):
    pats = generate_network(FPGA, kind, seed=7, **options)
    written = export_rtl(pats, FPGA.z, tmp_path)
    assert os.path.basename(written[-1]) == "manifest.json"
    back = load_rtl(tmp_path)
    assert back == pats
    assert [(b.kind, b.seed, dict(b.meta)) for b in back] == [(p.kind, p.seed, dict(p.meta)) for p in pats]
    manifest = json.load(open(tmp_path / "manifest.json"))
    counters = [e["counters"] for e in manifest["junctions"]]
    if kind == "rtl" or options.get("type") in (2, 3):
        assert counters == [True, True]
    if kind in ("random", "basic"):
        assert counters == [False, False]


def test_rom_contents_per_clock_and_lane(tmp_path):
    pat = generate("clash_free", 1024, 64, fo=4, z=128, seed=3, type=2, dither=True)
    export_rtl(pat, 128, tmp_path)
    bank = read_hex(tmp_path / "junction1_bank.hex")
    addr = read_hex(tmp_path / "junction1_addr.hex")
    left = pat.left.tolist()
    c, m = 5, 17
    j = c * 128 + m
    assert (bank[j], addr[j]) == (left[j] % 128, left[j] // 128)
    # every clock touches 128 distinct banks (clash-free) and 2-digit hex words suffice for 0..127 and 0..7
    assert all(len(set(bank[k * 128:(k + 1) * 128])) == 128 for k in range(32))
    with open(tmp_path / "junction1_bank.hex") as f:
        assert {len(line.strip()) for line in f.readlines()[1:]} == {2}
    start = read_hex(tmp_path / "junction1_start.hex")
    dither = read_hex(tmp_path / "junction1_dither.hex")
    assert len(start) == len(dither) == 4 * 128
    s = 2
    assert start[s * 128 + m] == left[s * 1024 + m] // 128 and dither[s * 128 + m] == left[s * 1024 + m] % 128
    with open(tmp_path / "junction1_lanes.csv") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["clock", "lane", "edge", "bank", "address", "left", "right"]
    assert rows[1 + j] == [str(v) for v in (c, m, j, left[j] % 128, left[j] // 128, left[j], j // 64)]


@given(seed=st.integers(0, 10**6), z=st.sampled_from([1, 2, 4, 8]), typ=st.sampled_from([1, 2, 3]),
       dither=st.booleans())
def test_round_trip_random_small(tmp_path_factory, seed, z, typ, dither):
    pat = generate("clash_free", 16, 8, fo=2, z=z, seed=seed, type=typ, dither=dither)
    d = tmp_path_factory.mktemp("rtl")
    export_rtl([pat], [z], d)
    assert load_rtl(d) == [pat]


def test_tampered_files_are_detected(tmp_path):
    pat = generate("clash_free", 64, 32, fo=16, z=32, seed=0, type=2)
    export_rtl(pat, 32, tmp_path)
    path = tmp_path / "junction1_addr.hex"
    lines = path.read_text().splitlines()
    lines[5] = format((int(lines[5], 16) + 1) % 2, "x")
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(SpecError, match="start/dither vectors do not reproduce"):
        load_rtl(tmp_path)
    lines = lines[:-1]
    path.write_text("\n".join(lines) + "\n")
    with pytest.raises(SpecError, match=r"must hold 1024 address words \(as the manifest declares\); it holds a "
                                        r"different number"):
        load_rtl(tmp_path)


def test_csv_disagreement_is_detected(tmp_path):
    pat = generate("random", 64, 32, fo=4, seed=0)
    export_rtl(pat, 8, tmp_path)
    path = tmp_path / "junction1_lanes.csv"
    rows = path.read_text().splitlines()
    cells = rows[3].split(",")
    cells[5] = str((int(cells[5]) + 1) % 64)
    rows[3] = ",".join(cells)
    path.write_text("\n".join(rows) + "\n")
    with pytest.raises(SpecError, match="disagrees with the hex ROMs"):
        load_rtl(tmp_path)


def test_bad_input_names_the_parameter(tmp_path):
    pat = generate("rtl", 64, 32, fo=16)
    with pytest.raises(SpecError, match=r"export_rtl: z \(24\) must divide p \(64\).*try z=16 or z=32"):
        export_rtl(pat, 24, tmp_path)
    with pytest.raises(SpecError, match="export_rtl: z must be an int or a sequence of 2 ints"):
        export_rtl([pat, pat], [32], tmp_path)
    with pytest.raises(SpecError, match="export_rtl: z must be a positive integer"):
        export_rtl(pat, 0, tmp_path)
    with pytest.raises(SpecError, match=r"export_rtl: patterns\[0\] must be an adjmat.Pattern"):
        export_rtl([np.arange(4)], 2, tmp_path)
    with pytest.raises(SpecError, match="export_rtl: out_dir must be a folder path"):
        export_rtl(pat, 32, 5)
    (tmp_path / "file").write_text("x")
    with pytest.raises(SpecError, match="export_rtl: out_dir must be a folder"):
        export_rtl(pat, 32, tmp_path / "file")
    with pytest.raises(SpecError, match="load_rtl: out_dir must hold a manifest.json"):
        load_rtl(tmp_path / "nowhere")
    (tmp_path / "manifest.json").write_text('{"format": "other"}')
    with pytest.raises(SpecError, match="with format 'hwsim.rtl/1'"):
        load_rtl(tmp_path)


# ---------------------------------------------------------------------------------- hostile folders (issue 8.9)
def _exported(tmp_path):
    net = NetSpec((64, 16, 4), (2, 2), (32, 8))
    export_rtl(generate_network(net, "clash_free", seed=0), net.z, tmp_path)
    return json.loads((tmp_path / "manifest.json").read_text())


def _write_manifest(tmp_path, manifest):
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))


@pytest.mark.parametrize("name,message", [
    ("/etc/passwd", "by a plain file name inside the folder"),
    ("../outside.hex", "by a plain file name inside the folder"),
    ("sub/junction1_bank.hex", "by a plain file name inside the folder"),
    (".hidden", "by a plain file name inside the folder"),
    (7, "must be a str"),
])
def test_manifest_may_only_name_files_inside_the_folder(tmp_path, name, message):
    manifest = _exported(tmp_path)
    manifest["junctions"][0]["files"]["bank"] = name
    _write_manifest(tmp_path, manifest)
    with pytest.raises(SpecError, match=message) as err:
        load_rtl(tmp_path)
    assert "root:" not in str(err.value)


def test_symlink_leaving_the_folder_and_special_files_are_refused(tmp_path):
    folder = tmp_path / "rtl"
    manifest = _exported(folder)
    secret = tmp_path / "secret.hex"
    secret.write_text("0\n" * 3)
    os.remove(folder / "junction1_bank.hex")
    os.symlink(secret, folder / "junction1_bank.hex")
    with pytest.raises(SpecError, match="it is a link that leads out of the folder"):
        load_rtl(folder)
    os.remove(folder / "junction1_bank.hex")
    os.symlink("/dev/zero", folder / "junction1_bank.hex")
    with pytest.raises(SpecError, match="leads out of the folder"):
        load_rtl(folder)
    os.remove(folder / "junction1_bank.hex")
    os.mkfifo(folder / "junction1_bank.hex")   # a pipe inside the folder: never opened (it would block)
    with pytest.raises(SpecError, match="must be a regular file"):
        load_rtl(folder)
    assert manifest["format"] == "hwsim.rtl/1"


def test_sizes_are_checked_before_reading(tmp_path):
    _exported(tmp_path)
    with open(tmp_path / "junction1_addr.hex", "a") as f:
        f.write("0\n" * 10_000)
    with pytest.raises(SpecError, match=r"must be at most [\d,]+ bytes for what the manifest declares"):
        load_rtl(tmp_path)
    with open(tmp_path / "manifest.json", "w") as f:
        f.write(" " * (17 * 2**20))
    with pytest.raises(SpecError, match="manifest file .* must be at most"):
        load_rtl(tmp_path)


def test_huge_declared_sizes_are_refused_before_reading(tmp_path, monkeypatch):
    manifest = _exported(tmp_path)
    e = manifest["junctions"][0]
    e.update(p=2**20, W=2**40, z=2**10, D=2**10, C=2**30, sweeps=2**20, n=2**20, fo=2**20, fi=2**20)
    manifest["junctions"] = [e]
    _write_manifest(tmp_path, manifest)
    monkeypatch.setenv("PREDEFSPARSE_MAX_MEMORY", "1G")
    with pytest.raises(SpecError, match=r"load_rtl: the request needs about 48 TiB \(the tables of .* more than "
                                        r"the 1 GiB"):
        load_rtl(tmp_path)


@pytest.mark.parametrize("change,message", [
    (lambda m: m["junctions"][0].update(D=3), r"junctions\[0\] must have D = p/z = 64/32"),
    (lambda m: m["junctions"][0].update(C=5), r"must have C = W/z"),
    (lambda m: m["junctions"][1].update(p=32), r"junctions\[1\] must have p equal to the previous junction's n \(16\)"),
    (lambda m: m["junctions"][1].update(junction=3), r"junctions\[1\] must have junction = 2"),
    (lambda m: m["junctions"][0].update(fo=3), r"must have fo \* p = W"),
    (lambda m: m["junctions"][0].update(sweeps=9), r"must have sweeps = ceil\(W/p\)"),
    (lambda m: m["junctions"][0].update(W=64, C=2, sweeps=1, fo=1, fi=4), r"must hold 64 bank words"),
    (lambda m: m["junctions"][0].update(n=17), r"junctions\[0\] must have fi \* n = W \(8 \* 17 vs 128\)"),
    (lambda m: m["junctions"][0].pop("z"), r"must have the key 'z' in junctions\[0\]"),
    (lambda m: m["junctions"][0]["files"].pop("addr"), r"must have the key 'addr' in junctions\[0\].files"),
    (lambda m: m.pop("junctions"), r"must have the key 'junctions' in the manifest"),
    (lambda m: m.update(junctions=[]), r"junctions must list at least one junction"),
    (lambda m: m["junctions"][0].update(z="32"), r"junctions\[0\] z must be an integer"),
    (lambda m: m["junctions"][0].update(meta=[1]), r"junctions\[0\] meta must be a dict"),
])
def test_inconsistent_manifests_are_refused(tmp_path, change, message):
    manifest = _exported(tmp_path)
    change(manifest)
    _write_manifest(tmp_path, manifest)
    with pytest.raises(SpecError, match=message) as err:
        load_rtl(tmp_path)
    assert "manifest.json" in str(err.value) or "junction" in str(err.value)


def test_garbage_never_echoed(tmp_path):
    _exported(tmp_path)
    (tmp_path / "junction1_bank.hex").write_text("root:x:0:0:root:/root:/bin/bash\n" * 3)
    with pytest.raises(SpecError) as err:
        load_rtl(tmp_path)
    assert "root:x" not in str(err.value) and "must hold hexadecimal words" in str(err.value)
    (tmp_path / "manifest.json").write_text("[1, 2]")
    with pytest.raises(SpecError, match="must be a JSON object with format 'hwsim.rtl/1'"):
        load_rtl(tmp_path)
    (tmp_path / "manifest.json").write_bytes(b"\xff\xfe{")
    with pytest.raises(SpecError, match="is not valid UTF-8 JSON"):
        load_rtl(tmp_path)
