"""Tests of the Morse code generator (docs/training.md §3): published baseline, every option, seeds, bad input."""
import json
from pathlib import Path

import numpy as np
import pytest

from adjmat import SpecError
from predefsparse import morse

REPO = Path(__file__).resolve().parents[2]
SHARED_CODEBOOK = REPO.parent / "shared" / "data" / "morse" / "codebook.json"


def runs(frame):
    """Run-length decode one 0/non-0 frame: [(is_on, length), ...]."""
    on = np.asarray(frame) > 0
    edges = np.flatnonzero(np.diff(on.astype(np.int8))) + 1
    bounds = np.concatenate([[0], edges, [on.size]])
    return [(bool(on[a]), int(b - a)) for a, b in zip(bounds[:-1], bounds[1:])]


def check_structure(x, y, book, *, dot, dash, space, lead_max=0):
    """Every noise-free frame spells its class's code with durations in range."""
    codes = list(book.values())
    for frame, label in zip(x, y.argmax(axis=1)):
        code = codes[label]
        r = runs(frame)
        lead = r[0][1] if not r[0][0] else 0
        assert lead <= lead_max
        body = [t for t in (r[1:] if not r[0][0] else r)]
        if body and not body[-1][0]:
            body = body[:-1]  # trailing spaces
        marks = [n for is_on, n in body if is_on]
        gaps = [n for is_on, n in body if not is_on]
        assert len(marks) == len(code), (code, r)
        for ch, n in zip(code, marks):
            lo, hi = dot if ch == "." else dash
            assert lo <= n <= hi, (code, r)
        assert all(space[0] <= g <= space[1] for g in gaps)


@pytest.fixture(scope="module")
def baseline():
    return morse.generate(seed=0)


def test_codebook_is_the_published_one():
    book = morse.load_codebook()
    assert len(book) == 64
    assert set("".join(book.values())) == {".", "-"}
    shared = [s for s, c in book.items() if c == "-.--."]
    assert sorted(shared) == ["(", "H^"]
    if SHARED_CODEBOOK.is_file():
        assert SHARED_CODEBOOK.read_bytes() == (REPO / "predefsparse" / "data" / "morse_codebook.json").read_bytes()
        assert list(json.loads(SHARED_CODEBOOK.read_text())) == list(book)  # class order = file order


def test_baseline_published_shape_and_values(baseline):
    xtr, ytr, xva, yva, xte, yte = baseline
    for x, y, each in ((xtr, ytr, 5000), (xva, yva, 1000), (xte, yte, 1000)):
        assert x.shape == (64 * each, 64) and y.shape == (64 * each, 64)
        assert x.dtype == np.float32 and y.dtype == np.float32
        np.testing.assert_array_equal(y.sum(axis=0), np.full(64, each))
        np.testing.assert_array_equal(y.sum(axis=1), np.ones(len(y)))
        assert x.min() >= 0.0 and x.max() <= 1.0
        thousandths = x.astype(np.float64) * 1000
        assert np.abs(thousandths - np.round(thousandths)).max() < 1e-3  # 3 decimals
    book = list(morse.load_codebook())
    for sym in ("(", "H^"):  # the two symbols sharing -.--. are both present, as separate classes
        assert ytr[:, book.index(sym)].sum() == 5000
    # splits are shuffled, not class-sorted
    assert len(np.unique(ytr[:64].argmax(axis=1))) > 20


def test_baseline_levels_follow_the_published_distribution(baseline):
    xtr = baseline[0]
    on = xtr[xtr > 0].astype(np.float64)
    # level ~ Normal(12, 1.34) / 16 (clipping at 16 is 3 sd away; 0 is 9 sd away)
    assert on.mean() == pytest.approx(12 / 16, abs=0.002)
    assert on.std() == pytest.approx(1.34 / 16, abs=0.002)
    # no noise and no leading space: every frame starts with a mark, and the last 7 steps are always empty
    assert (xtr[:, 0] > 0).all()
    assert (xtr[:, 57:] == 0).all()


def test_baseline_frames_spell_their_codes(baseline):
    xtr, ytr = baseline[0][:3000], baseline[1][:3000]
    check_structure(xtr, ytr, morse.load_codebook(), dot=(1, 3), dash=(4, 9), space=(1, 3))


def test_same_seed_same_bytes_and_different_seed_differs():
    a = morse.generate(per_class=(30, 5, 5), seed=7, **morse.variant_options("difficult"))
    b = morse.generate(per_class=(30, 5, 5), seed=7, **morse.variant_options("difficult"))
    c = morse.generate(per_class=(30, 5, 5), seed=8, **morse.variant_options("difficult"))
    assert all(u.tobytes() == v.tobytes() for u, v in zip(a, b))
    assert a[0].tobytes() != c[0].tobytes()
    g1 = morse.generate(per_class=(3, 1, 1), seed=np.random.default_rng(3))
    g2 = morse.generate(per_class=(3, 1, 1), seed=np.random.SeedSequence(3))
    assert g1[0].tobytes() == g2[0].tobytes()


def test_difficult_variant_options_and_noise_level():
    opts = morse.variant_options("difficult")
    assert opts == {"noisesd": 4.0, "leading_space": True, "dash": (3, 9)}
    assert morse.variant_options("baseline") == {}
    # without the noise, the difficult durations and leading spaces decode exactly
    x, y = morse.generate(per_class=(40, 0, 0), seed=1, leading_space=True, dash=(3, 9))[:2]
    check_structure(x, y, morse.load_codebook(), dot=(1, 3), dash=(3, 9), space=(1, 3), lead_max=64)
    assert (x[:, 0] == 0).mean() > 0.5  # most frames have leading space
    # additive noise sd 4 on an always-empty step: E[max(0, N(0, 4))] / 16 = 4 / sqrt(2 pi) / 16
    x = morse.generate(per_class=(200, 0, 0), seed=2, noisesd=4.0)[0]
    assert x[:, 63].mean() == pytest.approx(4 / np.sqrt(2 * np.pi) / 16, abs=0.004)
    assert (x[:, 63] > 0).mean() == pytest.approx(0.5, abs=0.02)


def test_leading_space_is_uniform_over_the_spare_positions():
    book = {"T": "-"}
    x = morse.generate(book, per_class=(7000, 0, 0), frame=10, dash=(4, 4), leading_space=True, seed=0)[0]
    lead = (x > 0).argmax(axis=1)
    counts = np.bincount(lead, minlength=7)
    assert counts.size == 7 and (counts > 800).all()  # 0..6 spare positions, ~1000 each
    assert (x.sum(axis=1) > 0).all() and ((x > 0).sum(axis=1) == 4).all()
    x0 = morse.generate(book, per_class=(50, 0, 0), frame=10, dash=(4, 4), seed=0)[0]
    assert (x0[:, :4] > 0).all() and (x0[:, 4:] == 0).all()


def test_black_and_white_and_bit_flips():
    book = {"E": "."}
    clean = np.zeros(16, dtype=np.float32)
    clean[0] = 1.0
    x = morse.generate(book, per_class=(4000, 0, 0), style="bw", frame=16, dot=(1, 1), maxflip=3, seed=0)[0]
    assert set(np.unique(x).tolist()) <= {0.0, 1.0}
    flips = np.abs(x - clean).sum(axis=1).astype(int)
    counts = np.bincount(flips, minlength=4)
    assert counts.size == 4 and (counts > 850).all()  # uniform 0..3 distinct flips
    xbw = morse.generate(per_class=(50, 0, 0), style="bw", seed=4)
    check_structure(xbw[0], xbw[1], morse.load_codebook(), dot=(1, 3), dash=(4, 9), space=(1, 3))


def test_dilation_multiplies_frame_and_duration_ranges():
    x = morse.generate({"E": "."}, per_class=(500, 0, 0), frame=8, dot=(1, 2), dilation=3, seed=0)[0]
    assert x.shape == (500, 24)
    lengths = (x > 0).sum(axis=1)
    assert lengths.min() == 3 and lengths.max() == 6  # drawn uniformly in [1*3, 2*3], as the original
    assert set(np.unique(lengths).tolist()) == {3, 4, 5, 6}


def test_space_may_be_zero_and_custom_codebook_order_is_class_order():
    book = {"B": "..", "A": "-"}
    x, y = morse.generate(book, per_class=(100, 0, 0), frame=12, dot=(2, 2), dash=(5, 5), space=(0, 0),
                          seed=0)[:2]
    a = y[:, 1] == 1  # class 1 is "A", the second entry
    assert ((x[a] > 0).sum(axis=1) == 5).all()
    assert ((x[~a] > 0).sum(axis=1) == 4).all()  # two dots of 2 with no space between: one run of 4


def test_frame_too_short_is_refused_up_front_with_the_arithmetic():
    longest, sym = morse.max_length()
    assert (longest, sym) == (57, "!")
    morse.generate(per_class=(1, 0, 0), frame=57, seed=0)  # exactly fits
    with pytest.raises(SpecError, match=r"frame must be at least 57.*4 dashes x 9 \+ 2 dots x 3 \+ 5 spaces"):
        morse.generate(per_class=(1, 0, 0), frame=56, seed=0)
    with pytest.raises(SpecError, match="frame must be at least 13"):
        morse.generate({"T": "-"}, per_class=(1, 0, 0), frame=12, dash=(4, 13), seed=0)
    assert morse.max_length({"T": "-"}, dash=(4, 9), dilation=2) == (18, "T")


@pytest.mark.parametrize("kwargs, param", [
    ({"codebook": {"A": ".x"}}, "codebook"),
    ({"codebook": {}}, "codebook"),
    ({"codebook": ["A"]}, "codebook"),
    ({"per_class": (0, 1, 1)}, "per_class"),
    ({"per_class": (5, 1)}, "per_class"),
    ({"style": "gray"}, "style"),
    ({"frame": 0}, "frame"),
    ({"dot": (3, 1)}, "dot"),
    ({"dot": (0, 1)}, "dot"),
    ({"dash": "4"}, "dash"),
    ({"space": (-1, 2)}, "space"),
    ({"noisesd": -1.0}, "noisesd"),
    ({"noisesd": float("nan")}, "noisesd"),
    ({"maxflip": -1, "style": "bw"}, "maxflip"),
    ({"maxflip": 2}, "maxflip"),  # grey style takes no bit flips
    ({"noisesd": 1.0, "style": "bw"}, "noisesd"),  # bw style takes no additive noise
    ({"leading_space": 1}, "leading_space"),
    ({"dilation": 0}, "dilation"),
    ({"seed": -3}, "seed"),
    ({"seed": "abc"}, "seed"),
])
def test_generate_bad_input_names_the_parameter(kwargs, param):
    kwargs = {"per_class": (2, 1, 1), **kwargs}
    with pytest.raises(SpecError, match=rf"^generate: {param} must be"):
        morse.generate(**kwargs)


def test_other_public_functions_bad_input_names_the_parameter():
    with pytest.raises(SpecError, match="^variant_options: variant must be one of 'baseline', 'difficult'"):
        morse.variant_options("hard")
    with pytest.raises(SpecError, match="^max_length: dot must be"):
        morse.max_length(dot=(2, 1))
    with pytest.raises(SpecError, match="^max_length: dilation must be"):
        morse.max_length(dilation=0)
    with pytest.raises(SpecError, match="^max_length: codebook must be"):
        morse.max_length({"A": ""})
