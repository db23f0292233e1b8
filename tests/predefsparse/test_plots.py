"""predefsparse.plots: titles name kind, sizes, z and the headline figure; integer ticks for integer data; large
patterns show bank structure; figures embed as SVG / PNG data URIs (the simulation and sweep figures draw hwsim's
reports)."""
import base64

import numpy as np
import pytest

import adjmat
import hwsim
from adjmat import NetSpec, SpecError, generate, generate_network
from predefsparse import plots


def _integer_ticks(axis) -> bool:
    ticks = axis.get_majorticklocs()
    return len(ticks) > 0 and np.allclose(ticks, np.round(ticks))


def test_regular_pattern_histograms_have_integer_ticks():
    fig = plots.plot_pattern(generate("clash_free", 64, 16, fo=2, z=8, seed=0), z=8)
    ax_conn, ax_out, ax_in, ax_bank = fig.axes[:4]
    assert ax_out.get_title() == "out-degree (left): all 2" and ax_in.get_title() == "in-degree (right): all 8"
    for ax in (ax_out, ax_in):
        assert _integer_ticks(ax.xaxis) and _integer_ticks(ax.yaxis)
    assert ax_conn.get_title() == "connections (a cell per edge)"
    assert ax_bank.get_title() == "bank loads (z=8): max 1 per clock, clash-free"
    assert fig.get_suptitle() == ("clash_free type=2 dither=False  p=64 n=16 W=128 (density 0.125) seed=0  "
                                  "z=8: clash-free")


def test_large_pattern_shows_bank_structure_not_density():
    big = generate("random", 1024, 64, fo=4, seed=0)
    fig = plots.plot_pattern(big, z=128)
    assert fig.axes[0].get_title() == "bank read by each lane (all 32 clocks)"
    image = fig.axes[0].get_images()[0].get_array()
    assert image.shape == (32, 128)
    np.testing.assert_array_equal(np.asarray(image), (big.left % 128).reshape(32, 128))
    assert "clashes, slowdown" in fig.get_suptitle()
    cf = generate("clash_free", 1024, 64, fo=4, z=128, seed=0)     # z from the pattern's meta
    assert plots.plot_pattern(cf).axes[0].get_title().startswith("bank read by each lane")
    usn = generate("usn", 1024, 64, density=0.05, seed=0)           # no z anywhere: block density
    assert plots.plot_pattern(usn).axes[0].get_title() == "edge density (no z: banks unknown)"


def test_bank_loads_are_exact_and_blocked_when_long():
    pat = generate("random", 64, 16, fo=2, seed=0)
    loads = plots.bank_loads(pat, 8)
    assert loads.shape == (16, 8) and loads.sum() == pat.W
    hist = adjmat.clash_report(pat, 8).max_load_hist       # the offline clash count sees the same clocks
    np.testing.assert_array_equal(np.bincount(loads.max(axis=1), minlength=hist.size), hist)
    fig = plots.plot_bank_loads(pat, 8, max_clocks=5)
    shown = np.asarray(fig.axes[0].get_images()[0].get_array())
    assert shown.shape == (4, 8)                          # 16 clocks in blocks of 4
    np.testing.assert_array_equal(shown, loads.reshape(4, 4, 8).max(axis=1))
    assert fig.axes[0].get_ylabel() == "clock (blocks of 4)"


def test_simulation_and_sweep_titles_name_the_headline(tmp_path):
    net = NetSpec((1024, 64, 32), (4, 16), (128, 32))
    rep = hwsim.simulate(net, generate_network(net, "clash_free", seed=0), hwsim.HardwareConfig(timing="rtl"),
                         inputs=100)
    fig = plots.plot_simulation(rep)
    assert fig.get_suptitle() == ("clash_free  config=(1024, 64, 32) fo=(4, 16) z=(128, 32), rtl timing, train: "
                                  "416,667 inputs/s (cpc 36)")
    assert all(_integer_ticks(ax.yaxis) for ax in fig.axes[1:3])
    table = hwsim.sweep_z((1024, 64, 32), (4, 16), "clash_free", inputs=100, seed=0,
                          hardware=hwsim.HardwareConfig(timing="rtl"))
    fig = plots.plot_sweep_z(table)
    assert fig.get_suptitle().endswith("rtl timing, train: best 750,000 inputs/s at z=(256, 64)")
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["(128, 32)", "(256, 64)"]
    assert _integer_ticks(fig.axes[1].yaxis)
    path = plots.plot_sweep_z(table, tmp_path / "s.png")
    assert open(path, "rb").read(8) == b"\x89PNG\r\n\x1a\n"


def test_embedding_helpers():
    fig = plots.plot_pattern(generate("rtl", 8, 4, fo=2))
    svg = plots.figure_to_svg(fig)
    assert svg.lstrip().startswith("<?xml") and "</svg>" in svg
    uri = plots.figure_to_png_data_uri(fig)
    assert base64.b64decode(uri.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"


def test_bad_inputs(tmp_path):
    pat = generate("rtl", 8, 4, fo=2)
    with pytest.raises(SpecError, match="plot_pattern: pattern must be an adjmat.Pattern"):
        plots.plot_pattern("x")
    with pytest.raises(SpecError, match=r"plot_pattern: z \(3\) must divide p \(8\)"):
        plots.plot_pattern(pat, z=3)
    with pytest.raises(SpecError, match="plot_bank_loads: max_clocks must be"):
        plots.plot_bank_loads(pat, 4, max_clocks=0)
    with pytest.raises(SpecError, match="save_figure: path must be a file path"):
        plots.plot_pattern(pat, tmp_path)
    with pytest.raises(SpecError, match=r"save_figure: path must end in an image format"):
        plots.plot_pattern(pat, tmp_path / "p.xyz")
    with pytest.raises(SpecError, match="plot_simulation: report must be an hwsim.Report"):
        plots.plot_simulation({})
    with pytest.raises(SpecError, match="plot_sweep_z: table must be an hwsim.SweepTable"):
        plots.plot_sweep_z([])
