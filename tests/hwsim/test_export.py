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
    with pytest.raises(SpecError, match="must hold 1024 address words; found 1023"):
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
    with pytest.raises(SpecError, match="expected 'hwsim.rtl/1'"):
        load_rtl(tmp_path)
