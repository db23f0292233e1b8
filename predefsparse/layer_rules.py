"""What SparseDense decides before building: the implementation and kernel, whether the layer fits in memory,
and what its pattern kind needs."""
from __future__ import annotations

from typing import Any, Mapping

import keras
import numpy as np

import adjmat
from adjmat.errors import SpecError
from adjmat.memory import check_memory
from adjmat.validation import check_choice, check_int, fail

__all__ = ["IMPLEMENTATIONS", "AUTO_SPARSE_BELOW", "AUTO_SEGMENT_SPARSE_BELOW",
           "auto_implementation", "sparse_kernel", "uniform_in_degree",
           "describe_pattern", "check_description", "check_layer_memory", "needs_size", "check_kind_args"]

IMPLEMENTATIONS = ("auto", "masked", "sparse")
# measured crossovers (docs/sparse.md): below this density the sparse path trains faster than the masked one,
# with the Numba kernel (CPU TensorFlow; bench/bench_layer.py --grid) ...
AUTO_SPARSE_BELOW = 0.05
# ... and with the keras.ops "segment" kernel (JAX and PyTorch; TensorFlow on a GPU, where it is unmeasured):
# on JAX's CPU it runs at about 0.1 GMAC/s against the masked matmul's 20-50, so it wins only at a few per mille
# (one Adam step, batch 256: ties with the masked path at 0.3-0.5 % for 2048 x 2048 and 1 % for 4096 x 4096)
AUTO_SEGMENT_SPARSE_BELOW = 0.003


def auto_implementation(p: int, n: int, W: int, kernel: str | None = None) -> str:
    """The implementation ``SparseDense(implementation="auto")`` uses for a ``(p, n)`` junction with W edges.

    The rule: ``"sparse"`` when the density ``W / (p n)`` is below the crossover measured for the sparse
    kernel that would run, else ``"masked"``.  With the Numba kernel (CPU TensorFlow) the crossover is
    :data:`AUTO_SPARSE_BELOW` (0.05: ``python bench/bench_layer.py --grid``, one training step of Dense,
    masked and sparse over widths 1k-16k and densities 0.1 %-50 %); with the ``keras.ops`` segment kernel
    (JAX, PyTorch, GPUs) it is :data:`AUTO_SEGMENT_SPARSE_BELOW` (0.003: measured with JAX on the CPU,
    widths 1k-4k, batch 256; unmeasured on GPUs).  docs/sparse.md has the figures.

    Parameters
    ----------
    p, n : int
        Input and output widths.
    W : int
        Edge count.
    kernel : {"numba", "segment"}, optional
        The sparse kernel to judge; default the one this process would use (:func:`sparse_kernel`).

    Returns
    -------
    str
        ``"sparse"`` or ``"masked"``.

    Examples
    --------
    >>> auto_implementation(4096, 4096, 167_772, "numba"), auto_implementation(800, 100, 40_000, "numba")
    ('sparse', 'masked')
    >>> auto_implementation(4096, 4096, 167_772, "segment"), auto_implementation(4096, 4096, 16_777, "segment")
    ('masked', 'sparse')
    """
    where = "auto_implementation"
    p = check_int(where, "p", p, minimum=1)
    n = check_int(where, "n", n, minimum=1)
    W = check_int(where, "W", W, minimum=0)
    if W > p * n:
        raise fail(where, "W", f"at most p * n ({p * n})", W)
    kernel = sparse_kernel() if kernel is None else check_choice(where, "kernel", kernel, ("numba", "segment"))
    below = AUTO_SPARSE_BELOW if kernel == "numba" else AUTO_SEGMENT_SPARSE_BELOW
    return "sparse" if W < below * p * n else "masked"


def uniform_in_degree(pattern: adjmat.Pattern) -> int | None:
    """The common in-degree ``fi`` when every right neuron has the same one (the ``(n, fi)`` layout), else None."""
    deg = pattern.in_degrees()
    return int(deg[0]) if deg.size and np.all(deg == deg[0]) else None


def sparse_kernel() -> str:
    """The sparse path's kernel here: Numba on a CPU-only TensorFlow backend, keras.ops segment sums
    elsewhere (other backends, GPUs)."""
    if keras.backend.backend() != "tensorflow":
        return "segment"
    import tensorflow as tf
    return "segment" if tf.config.list_physical_devices("GPU") else "numba"


def describe_pattern(pattern: adjmat.Pattern) -> dict:
    """JSON description of a pattern without its arrays (what ``get_config`` stores)."""
    return {"p": pattern.p, "n": pattern.n, "W": pattern.W, "kind": pattern.kind, "seed": pattern.seed,
            "meta": dict(pattern.meta)}


#: Bytes per value of the float types a layer's variables can have (anything else counts as 4).
_ITEMSIZE = {"float16": 2, "bfloat16": 2, "float32": 4, "float64": 8}


def check_layer_memory(name: str, implementation: str, p: int, n: int, W: int, dtype: Any) -> None:
    """Refuse, before anything is allocated, a layer whose weights and build temporaries exceed the memory limit
    (``PREDEFSPARSE_MAX_MEMORY``, else what the machine has free: :func:`adjmat.memory.check_memory`).

    Masked: the ``(p, n)`` kernel and mask variables and the mask's two build copies (bool and float32), plus
    the edge list.  Sparse: per edge, the value, ``left`` and ``right`` and the initializer's temporaries (its
    two degrees in float64, the float32 draw and scale): ``W x (itemsize + 40)`` bytes."""
    itemsize = _ITEMSIZE.get(keras.backend.standardize_dtype(dtype), 4)
    if implementation == "masked":
        nbytes = p * n * (2 * itemsize + 1 + 4) + 16 * W
        what = (f"SparseDense {name!r}, masked {p:,} x {n:,}: kernel and mask of {p * n:,} values of {itemsize} "
                f"bytes each, and the mask's build copies; implementation='sparse' needs O(W)")
    else:
        nbytes = W * (itemsize + 40)
        what = f"SparseDense {name!r}, sparse with W = {W:,} edges at {itemsize + 40} bytes per edge"
    check_memory("SparseDense", nbytes, what)


def needs_size(kind: adjmat.Kind) -> bool:
    """Whether ``kind`` needs a size from the user (fo, fi or density): it is sized by something and no sizing
    has a default among its options (``erdos_renyi``'s ``epsilon`` has one; ``fc`` is sized by nothing)."""
    return bool(kind.sized_by) and not any(s in kind.options for s in kind.sized_by)


def check_kind_args(where: str, units: int, kind: Any, given: Mapping[str, Any], z, options: Mapping[str, Any]
                     ) -> None:
    """Refuse, from the kind registry's facts, what the generator would refuse in ``build``."""
    facts = adjmat.get_kind(kind, where)
    if not given and needs_size(facts):
        raise SpecError(f"{where}: kind={kind!r} needs density, fo or fi (or pass pattern=); received none of "
                        f"them. Example: SparseDense({units}, density=0.25, kind={kind!r}).")
    sizings = [s for s in facts.sized_by if s in ("fo", "density")]
    for name, value in given.items():
        usable = ("fo", "density") if name == "fi" else (name,)  # fi becomes fo or density in build
        if facts.sized_by and not any(s in sizings for s in usable):
            hint = (f"Pass {sizings[0]}= instead." if sizings else
                    f"Pass pattern_options={{{facts.sized_by[0]!r}: ...}} instead.")
            raise fail(where, name, f"left out for kind={kind!r}, which is sized by "
                       + " or ".join(facts.sized_by), value, hint)
    if facts.needs_z and z is None:
        raise SpecError(f"{where}: kind={kind!r} needs z (edges per clock, a divisor of the input width p); "
                        f"received z=None. Example: SparseDense({units}, fo=2, kind={kind!r}, z=4).")
    unknown = sorted(set(options) - set(facts.options))
    if unknown:
        raise fail(where, "pattern_options", "options of kind " + repr(kind) + ": " +
                   (", ".join(f"{k}={v!r}" for k, v in facts.options.items()) if facts.options else "none"),
                   dict(options), f"Unknown: {', '.join(unknown)}.")


_DESCRIPTION_KEYS = ("p", "n", "W", "kind", "seed", "meta")


def check_description(desc: Mapping[str, Any], units: int) -> dict:
    """A pattern description (``get_config``'s ``pattern``) checked and normalised, before anything is built."""
    where = "SparseDense"
    missing = [k for k in _DESCRIPTION_KEYS if k not in desc]
    if missing:
        raise fail(where, "pattern", "a Pattern or a description dict with keys " + ", ".join(_DESCRIPTION_KEYS),
                   dict(desc), f"Missing: {', '.join(missing)}.")
    out = dict(desc)
    out["p"] = check_int(where, "pattern['p']", out["p"], minimum=1)
    out["n"] = check_int(where, "pattern['n']", out["n"], minimum=1)
    out["W"] = check_int(where, "pattern['W']", out["W"], minimum=0)
    if out["n"] != units:
        raise fail(where, "pattern", f"a description with n == units ({units})", dict(desc))
    out["meta"] = dict(out["meta"] or {})
    return out
