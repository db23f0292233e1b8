"""Bad-input cases for the adjmat package (see tests/badinput.py and tests/test_bad_inputs.py).

Two parts, in scikit-learn's style:

- a sweep that feeds each bad value of :data:`BAD_VALUES` to every parameter of every public adjmat callable
  (the others valid) and requires a SpecError naming that parameter -- or, for a value that is valid though it
  looks odd, a result that passes the stated ``accepted`` check;
- named regression cases for the bugs of issue 8 (sizes the machine cannot hold, int32 wrap, unordered
  configs, option types, hostile files) and for the registry's own entry points.
"""
from __future__ import annotations

import contextlib
import io
import os
import tempfile

import numpy as np

import adjmat
from adjmat import SpecError
from tests.adjmat.crafted import DROP, LEFT, RIGHT, header, huge_npy, npz_with
from tests.badinput import Case, memory_limit as _memory_limit, sweep_cases

PAT = adjmat.generate("clash_free", 16, 8, fo=2, z=4, seed=0)
NET = adjmat.NetSpec((16, 8), (2,), (4,))


def _build_toy(p, n, *, fo, W, density, z, rng):
    j = np.arange(W)
    return adjmat.Pattern(j % p, j // (W // n), p, n)


TOY = adjmat.Kind("toy", _build_toy, fixed_degrees=True, needs_z=False, hardware_faithful=False,
                  sized_by=("fo",), seeded=False)
KIND_ARGS = dict(name="toy", builder=_build_toy, fixed_degrees=True, needs_z=False, hardware_faithful=False,
                 sized_by=("fo",), options={}, summary="", memory=lambda p, n, W: 16 * W, seeded=False)

# (public name, callable, valid keyword arguments): every parameter gets every value of BAD_VALUES
SWEEP = [
    ("adjmat.JunctionSpec", adjmat.JunctionSpec, dict(p=16, n=8, fo=2, z=4)),
    ("adjmat.JunctionSpec", adjmat.JunctionSpec, dict(p=16, n=8, fi=4)),
    ("adjmat.JunctionSpec", adjmat.JunctionSpec, dict(p=16, n=8, density=0.25)),
    ("adjmat.NetSpec", adjmat.NetSpec, dict(config=(16, 8, 4), fo=(2, 2), z=(4, 4))),
    ("adjmat.NetSpec", adjmat.NetSpec.balanced, dict(config=(16, 8, 4), fo=(2, 2), z1=4)),
    ("adjmat.NetSpec", adjmat.NetSpec.balanced, dict(config=(16, 8, 4), fo=(2, 2), cycle=8)),
    ("adjmat.generate", adjmat.generate,
     dict(kind="clash_free", p=16, n=8, fo=2, z=4, seed=0, type=2, dither=False)),
    ("adjmat.generate", adjmat.generate, dict(kind="usn", p=16, n=8, density=0.25, seed=0)),
    ("adjmat.generate", adjmat.generate, dict(kind="erdos_renyi", p=16, n=8, epsilon=2, seed=0)),
    ("adjmat.generate_network", adjmat.generate_network, dict(netspec_or_config=NET, kind="usn", seed=1)),
    ("adjmat.generate_network", adjmat.generate_network,
     dict(netspec_or_config=(16, 8, 4), kind="clash_free", fo=2, z=4, seed=1)),
    ("adjmat.generate_network", adjmat.generate_network,
     dict(netspec_or_config=(16, 8, 4), kind="usn", densities=(0.25, 0.5), seed=1)),
    ("adjmat.check", adjmat.check, dict(pattern=PAT, fo=2, fi=4, raise_errors=True)),
    ("adjmat.is_clash_free", adjmat.is_clash_free, dict(pattern=PAT, z=4)),
    ("adjmat.clash_report", adjmat.clash_report, dict(pattern=PAT, z=4)),
    ("adjmat.is_clash_free_adjacency", adjmat.is_clash_free_adjacency, dict(pattern_or_matrix=PAT, z=4)),
    ("adjmat.count_clash_free", adjmat.count_clash_free, dict(p=12, n=12, fo=2, z=4, type=2, dither=True)),
    ("adjmat.usn_model_space", adjmat.usn_model_space, dict(p=20, n=10, density=0.3)),
    ("adjmat.scatter", adjmat.scatter,
     dict(patterns=[PAT, adjmat.generate("rtl", 8, 4, fo=2)], windows=4, stride=2)),
    ("adjmat.scatter", adjmat.scatter, dict(patterns=PAT, windows=(2, 2), image_shape=(4, 4))),
    ("adjmat.Pattern", adjmat.Pattern, dict(left=[0, 1], right=[0, 1], p=2, n=2, kind="custom", seed=None,
                                            meta=None)),
    ("adjmat.Pattern", PAT.to_scipy, dict(orientation="np")),
    ("adjmat.Pattern", adjmat.Pattern.from_mask, dict(mask=[[True, False], [True, True]], kind="custom")),
    ("adjmat.Pattern", adjmat.Pattern.from_scipy, dict(matrix=PAT.to_scipy(), orientation="np")),
    ("adjmat.Pattern", adjmat.Pattern.load, dict(path="/nonexistent/p.npz")),
    ("adjmat.Kind", adjmat.Kind, KIND_ARGS),
    ("adjmat.register_kind", adjmat.register_kind, dict(kind=TOY, replace=False)),
    ("adjmat.unregister_kind", adjmat.unregister_kind, dict(name="toy")),
]

# values that are valid though they look odd, with what the result must then be
ACCEPTED = {  # (callable's __name__, parameter, value) -> check of the result
    ("Pattern", "kind", "bad"): lambda pat: pat.kind == "bad",           # a provenance label
    ("from_mask", "kind", "bad"): lambda pat: pat.kind == "bad",
    ("Kind", "name", "bad"): lambda kind: kind.name == "bad",
    ("Kind", "summary", "bad"): lambda kind: kind.summary == "bad",
    ("generate", "epsilon", 2.5): lambda pat: pat.meta["epsilon"] == 2.5
    and pat.meta["probability"] == 2.5 * (16 + 8) / (16 * 8),
}
# parameters whose bad value is reported under another name (the name the caller knows)
NAMED_AS = {("adjmat.unregister_kind", "name"): "name", ("adjmat.Kind", "memory"): "memory"}


def _skip_load_paths(method, param, bad):
    # "bad" is a path for load (one that does not exist): covered by the file cases below
    return None if method == "load" and isinstance(bad, str) else bad


# ------------------------------------------------------------------------------------------ helpers
def _limited(fn, limit="8G"):
    def call():
        with _memory_limit(limit):
            return fn()
    return call


def _cli(argv):
    """Run the command line; exit 1 with exactly one line on stderr becomes a SpecError carrying that line."""
    def call():
        from predefsparse.cli import main
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            rc = main(argv)
        text = err.getvalue()
        if rc == 1 and text.count("\n") == 1:
            raise SpecError(text.strip())
        return rc, text
    return call


def _npz(members: dict) -> str:
    """A crafted .npz in a fresh temporary folder."""
    return npz_with(os.path.join(tempfile.mkdtemp(prefix="adjmat-bad-"), "crafted.npz"), **members)


def _saved_then(transform) -> str:
    """A good saved pattern's bytes, transformed, written to a temporary file."""
    folder = tempfile.mkdtemp(prefix="adjmat-bad-")
    good = PAT.save(os.path.join(folder, "good.npz"))
    with open(good, "rb") as f:
        data = bytearray(f.read())
    path = os.path.join(folder, "crafted.npz")
    with open(path, "wb") as f:
        f.write(bytes(transform(data)))
    return path


def _flip(data: bytearray) -> bytearray:
    # a byte inside left.npy's compressed data (after its local header), so the zip CRC or zlib must catch it
    data[60] ^= 0xFF
    return data


def _load(path_fn):
    return lambda: adjmat.Pattern.load(path_fn())


# ------------------------------------------------------------------------------------------ named cases
REGRESSIONS = [
    # 8.5 sizes the machine cannot hold, refused before work with the estimate
    Case("adjmat.generate", "fc 10^6 x 10^6 (3.6 TiB asked of numpy)",
         _limited(lambda: adjmat.generate("fc", 10 ** 6, 10 ** 6)), mentions=("needs about 14.6 TiB", "8 GiB")),
    Case("adjmat.generate", "usn 10^5 x 10^5 fo=10^4",
         _limited(lambda: adjmat.generate("usn", 10 ** 5, 10 ** 5, fo=10 ** 4)), mentions=("needs about",)),
    Case("adjmat.generate", "random half of 10^10 cells",
         _limited(lambda: adjmat.generate("random", 10 ** 5, 10 ** 5, density=0.5)), mentions=("224 GiB",)),
    Case("adjmat.Pattern", "to_mask of 10^6 x 10^6",
         _limited(lambda: adjmat.generate("usn", 10 ** 6, 10 ** 6, fo=1, seed=0).to_mask()),
         mentions=("Pattern.to_mask", "dense 1000000x1000000")),
    Case("predefsparse.cli", "pattern clash_free --p 1e8 --n 1e8 --fo 16",
         _limited(_cli(["pattern", "clash_free", "--p", "1e8", "--n", "1e8", "--fo", "16"])),
         mentions=("predefsparse pattern: error:", "z")),
    Case("predefsparse.cli", "pattern clash_free --p 1e8 --n 1e8 --fo 16 --z 8",
         _limited(_cli(["pattern", "clash_free", "--p", "1e8", "--n", "1e8", "--fo", "16", "--z", "8"])),
         mentions=("needs about 35.8 GiB",)),
    Case("predefsparse.cli", "pattern usn --p 2.5",
         _cli(["pattern", "usn", "--p", "2.5", "--n", "4", "--fo", "1"]), error=SystemExit),
    # 8.5 hints must not hang; 8.6 int32
    Case("adjmat.generate", "clash_free p=10^18+1 z=7 (the hint factored p for 30 s)",
         lambda: adjmat.generate("clash_free", 10 ** 18 + 1, 2, fo=1, z=7),
         mentions=("p must be a positive integer <= 2147483647", "1000000000000000001")),
    Case("adjmat.generate", "random p=2^33 (negative left indices)",
         lambda: adjmat.generate("random", 2 ** 33, 2, density=1e-9), mentions=("p", "8589934592")),
    Case("adjmat.generate", "n=2^31", lambda: adjmat.generate("usn", 4, 2 ** 31, fo=1), mentions=("n", "int32")),
    Case("adjmat.JunctionSpec", "p=2^31", lambda: adjmat.JunctionSpec(2 ** 31, 2, fo=1), mentions=("p", "int32")),
    Case("adjmat.Pattern", "left value 2^32+3 (kept as 3)",
         lambda: adjmat.Pattern(np.array([2 ** 32 + 3, 5]), [0, 0], p=8, n=1),
         mentions=("left", "4294967299")),
    Case("adjmat.Pattern", "p=2^31", lambda: adjmat.Pattern([0], [0], p=2 ** 31, n=1), mentions=("p",)),
    Case("adjmat.NetSpec", "valid_cycles of W=2^60 (trial division to 2^30)",
         lambda: adjmat.NetSpec.valid_cycles((2 ** 30, 2 ** 30), (2 ** 30,)),
         accepted=lambda cycles: cycles == [2 ** k for k in range(30, 61)]),   # z = 2^60/C must divide p
    # 8.11 unordered collections and option types
    Case("adjmat.NetSpec", "config a set (reordered silently)", lambda: adjmat.NetSpec({1024, 64, 32}, (4, 16)),
         mentions=("config", "ordered sequence")),
    Case("adjmat.NetSpec", "config a frozenset", lambda: adjmat.NetSpec(frozenset({1024, 64, 32}), (4, 16)),
         mentions=("config",)),
    Case("adjmat.NetSpec", "config dict keys", lambda: adjmat.NetSpec({1024: 0, 64: 0, 32: 0}.keys(), (4, 16)),
         mentions=("config",)),
    Case("adjmat.NetSpec", "fo a set", lambda: adjmat.NetSpec((1024, 64, 32), {4, 16}), mentions=("fo",)),
    Case("adjmat.generate_network", "config a set",
         lambda: adjmat.generate_network({16, 8}, "usn", fo=1), mentions=("netspec_or_config",)),
    Case("adjmat.generate_network", "fo a set",
         lambda: adjmat.generate_network((16, 8, 4), "usn", fo={1, 2}), mentions=("fo",)),
    Case("adjmat.generate", "type=np.bool_(True) (read as 1)",
         lambda: adjmat.generate("clash_free", 8, 4, fo=2, z=4, type=np.bool_(True)), mentions=("type", "True")),
    Case("adjmat.generate", "type=2.0", lambda: adjmat.generate("clash_free", 8, 4, fo=2, z=4, type=2.0),
         mentions=("type", "2.0")),
    Case("adjmat.generate", "type=np.int64(3) is a valid int",
         lambda: adjmat.generate("clash_free", 8, 4, fo=2, z=4, seed=0, type=np.int64(3)),
         accepted=lambda pat: pat.meta["type"] == 3),
    Case("adjmat.count_clash_free", "an answer of 6e18 digits",
         _limited(lambda: adjmat.count_clash_free(2 ** 30, 2 ** 30, 2 ** 30, 2 ** 10, type=1)),
         mentions=("decimal digits", "8 GiB")),
    Case("adjmat.count_clash_free", "type=np.bool_(True)",
         lambda: adjmat.count_clash_free(8, 4, 2, 4, type=np.bool_(True)), mentions=("type",)),
    Case("adjmat.count_clash_free", "type=2.0", lambda: adjmat.count_clash_free(8, 4, 2, 4, type=2.0),
         mentions=("type",)),
    Case("adjmat.JunctionSpec", "z=2.0", lambda: adjmat.JunctionSpec(8, 4, fo=2, z=2.0), mentions=("z", "2.0")),
    Case("adjmat.JunctionSpec", "fo=np.bool_(True)", lambda: adjmat.JunctionSpec(8, 4, fo=np.bool_(True)),
         mentions=("fo",)),
    # 8.7 the arrays cannot be made writeable again
    Case("adjmat.Pattern", "left.flags.writeable = True", lambda: setattr(PAT.left.flags, "writeable", True),
         error=ValueError, mentions=("WRITEABLE",)),
    # 8.8 hostile files
    Case("adjmat.Pattern", "load: empty file", _load(lambda: _saved_then(lambda d: b"")),
         mentions=("crafted.npz", "empty")),
    Case("adjmat.Pattern", "load: truncated file", _load(lambda: _saved_then(lambda d: d[:len(d) // 2])),
         mentions=("crafted.npz", "not a readable Pattern file")),
    Case("adjmat.Pattern", "load: a flipped byte", _load(lambda: _saved_then(_flip)),
         mentions=("crafted.npz", "not a readable Pattern file")),
    Case("adjmat.Pattern", "load: JSON list as header",
         _load(lambda: _npz(dict(left=LEFT, right=RIGHT, header=np.array("[1, 2]")))),
         mentions=("crafted.npz", "must be a JSON object; it is a list")),
    Case("adjmat.Pattern", "load: header missing a key",
         _load(lambda: _npz(dict(left=LEFT, right=RIGHT, header=header(kind=DROP)))),
         mentions=("crafted.npz", "lacks kind")),
    Case("adjmat.Pattern", "load: missing array",
         _load(lambda: _npz(dict(left=LEFT, header=header()))), mentions=("crafted.npz", "missing right")),
    Case("adjmat.Pattern", "load: garbage npy header",
         _load(lambda: _npz(dict(left=b"\x93NUMPY\x01\x00\x10\x00{'descr': <i8, oops", right=RIGHT,
                                 header=header()))),
         mentions=("crafted.npz", "left.npy has no valid npy header")),
    Case("adjmat.Pattern", "load: header declaring 10^12 elements",
         _limited(_load(lambda: _npz(dict(left=huge_npy(), right=huge_npy(),
                                          header=header(W=DROP, p=10 ** 6, n=10 ** 6))))),
         mentions=("crafted.npz", "1000000000000 edges")),
    Case("adjmat.Pattern", "load: W in header disagrees with the arrays",
         _load(lambda: _npz(dict(left=LEFT, right=RIGHT, header=header(W=5)))), mentions=("W=5",)),
    Case("adjmat.Pattern", "load: object array",
         _load(lambda: _npz(dict(left=np.array([object()], dtype=object), right=RIGHT, header=header()))),
         mentions=("Python objects",)),
    Case("adjmat.Pattern", "load: a folder", lambda: adjmat.Pattern.load(tempfile.mkdtemp()),
         mentions=("not a regular file",)),
    # the registry's entry points
    Case("adjmat.get_kind", "unknown name", lambda: adjmat.get_kind("dense"),
         mentions=("get_kind: kind must be one of", "'usn'", "received kind='dense'")),
    Case("adjmat.get_kind", "where names the caller", lambda: adjmat.get_kind(3, where="SparseDense"),
         mentions=("SparseDense: kind must be one of", "received kind=3")),
    Case("adjmat.get_kind", "unhashable name", lambda: adjmat.get_kind(["usn"]), mentions=("kind",)),
    Case("adjmat.register_kind", "a name already registered", lambda: adjmat.register_kind(adjmat.get_kind("usn")),
         mentions=("'usn' is already registered", "replace=True")),
    Case("adjmat.register_kind", "not a Kind", lambda: adjmat.register_kind("stripes"), mentions=("kind",)),
    Case("adjmat.unregister_kind", "unknown name", lambda: adjmat.unregister_kind("stripes"),
         mentions=("unregister_kind: name must be one of",)),
    Case("adjmat.Kind", "sized_by a string", lambda: adjmat.Kind(**dict(KIND_ARGS, sized_by="fo")),
         mentions=("sized_by",)),
    Case("adjmat.Kind", "sized_by an unknown sizing", lambda: adjmat.Kind(**dict(KIND_ARGS, sized_by=("fi",))),
         mentions=("sized_by", "'fo', 'density', 'epsilon'")),
    Case("adjmat.Kind", "epsilon sizing without a default",
         lambda: adjmat.Kind(**dict(KIND_ARGS, fixed_degrees=False, sized_by=("epsilon",))),
         mentions=("epsilon", "options")),
    Case("adjmat.Kind", "an option named like a builder keyword",
         lambda: adjmat.Kind(**dict(KIND_ARGS, options={"z": 4})), mentions=("options", "z")),
    Case("adjmat.Kind", "name not an identifier", lambda: adjmat.Kind(**dict(KIND_ARGS, name="two words")),
         mentions=("name",)),
    Case("adjmat.generate", "registered kind, unknown option",
         lambda: adjmat.generate("usn", 8, 4, fo=1, colour=1), mentions=("unknown option(s) colour", "takes none")),
    Case("adjmat.generate", "fc with fo != n", lambda: adjmat.generate("fc", 8, 4, fo=2),
         mentions=("fully connected", "fo must be n (4)")),
    Case("adjmat.generate", "fc with fo=True (== n when n is 1)", lambda: adjmat.generate("fc", 8, 1, fo=True),
         mentions=("fo must be a positive integer", "True")),
    Case("adjmat.generate", "erdos_renyi with fo", lambda: adjmat.generate("erdos_renyi", 8, 4, fo=2),
         mentions=("takes density or epsilon, not fo",)),
    Case("adjmat.generate", "erdos_renyi density and epsilon",
         lambda: adjmat.generate("erdos_renyi", 8, 4, density=0.5, epsilon=2), mentions=("not both",)),
    Case("adjmat.generate", "clash_free without z", lambda: adjmat.generate("clash_free", 8, 4, fo=2),
         mentions=("z must be given for kind='clash_free'", "Valid z: 1, 2, 4, 8")),
    Case("adjmat.generate_network", "NetSpec and fo", lambda: adjmat.generate_network(NET, "usn", fo=(1,)),
         mentions=("fo comes from the NetSpec",)),
    Case("adjmat.generate_network", "plain config without fo",
         lambda: adjmat.generate_network((16, 8), "usn"), mentions=("needs fo or densities",)),
    Case("adjmat.generate_network", "densities of the wrong length",
         lambda: adjmat.generate_network((16, 8, 4), "usn", densities=(0.5,)), mentions=("densities",)),
    Case("adjmat.generate_network", "junction error names the junction",
         lambda: adjmat.generate_network((16, 8, 3), "basic", fo=(2, 1)), mentions=("junction 2 (8 -> 3)",)),
    Case("adjmat.usn_model_space", "density missing", lambda: adjmat.usn_model_space(20, 10), mentions=("density",)),
]

CASES: list[Case] = sweep_cases(SWEEP, ACCEPTED, NAMED_AS, _skip_load_paths) + REGRESSIONS
EXEMPT: dict[str, str] = {
    "adjmat.CheckReport": "result dataclass built by adjmat.check, never from user input",
    "adjmat.ClashReport": "result dataclass built by adjmat.clash_report, never from user input",
    "adjmat.kind_names": "takes no arguments",
}
