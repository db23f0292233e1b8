"""Peers of our sparse layer, timed on the same edges: SparseProp, torch.sparse CSR layers and nn.Linear.

``bench/bench_layer.py --peers`` uses this module's host half, :func:`peer_times`, which writes the edges, the
weights and one batch to a temporary ``.npz`` and runs this file as a script with the peers' Python (a separate
environment with PyTorch and SparseProp; ours has neither).  The runner half trains each layer for one step at a
time on that batch, one thread each, and prints one JSON object.

Installing the peers (a separate virtual environment; Linux, x86-64 with AVX2 and FMA, a C++ compiler with
OpenMP, git)::

    apt-get install g++ libgomp1 python3.11-dev python3.11-venv git     # Debian 12; any g++ with -fopenmp
    python3.11 -m venv peers-venv
    peers-venv/bin/pip install -r bench/peers-requirements.txt         # torch 2.13, numpy, scipy, pybind11
    git clone https://github.com/IST-DASLab/sparseprop
    git -C sparseprop checkout df97d8e15b372b59103dceb0df71e1013bbf12a7  # the commit measured (its setup.py: 0.1.14)
    cd sparseprop && PATH=$PWD/../peers-venv/bin:$PATH pip install --no-build-isolation . && cd ..

The ``PATH`` matters: SparseProp's ``setup.py`` runs ``pip`` and ``python3`` from ``PATH`` to find pybind11's
headers, and compiles its one extension (a top-level module ``backend``) with ``-O3 -march=native -fopenmp
-ffast-math``, so build it on the machine that runs the benchmark.  Any build of torch 2.x serves; the CPU
wheel (``pip install torch==2.13.0+cpu`` with PyTorch's CPU wheel index, as pytorch.org's selector gives it) is
what was measured and is much smaller than the default wheel with its CUDA libraries.  Then::

    python bench/bench_layer.py --peers --peers-python peers-venv/bin/python

or set ``PREDEFSPARSE_PEERS_PYTHON=peers-venv/bin/python`` (see :func:`default_python`).  The runner alone::

    peers-venv/bin/python bench/_peers.py CASE.npz [--repeats 5] [--input-grad]   # refuses a file that is not a case

What is timed, for each of the four layers below: one training step on one batch, ``zero_grad``, forward,
MSE loss against the target, backward, ``torch.optim.Adam(lr=1e-3)`` step; two warm-up steps, then the best of
``repeats`` steps.  One thread: ``OMP_NUM_THREADS=1`` and ``MKL_NUM_THREADS=1`` before torch is imported
(SparseProp's kernels and transposes are OpenMP loops, which read ``OMP_NUM_THREADS``),
``torch.set_num_threads(1)``.  By default the input needs no gradient (as for our single-layer step in
``bench_layer.py``); SparseProp's fused backward computes the input's gradient anyway, its design;
``--input-grad`` asks it of all four.

- ``sparseprop``: ``sparseprop.modules.SparseLinear`` (weight ``(n, p)`` in CSR: ``W_val`` the parameter,
  ``W_idx = (indptr, indices)`` int32).  Its constructor takes a dense weight and drops its zeros, so the runner
  sets those same attributes from the edge list: no dense ``n x p`` weight, a zero-valued edge stays an edge.
- ``torch_csr``: the weight is ``torch.sparse_csr_tensor(indptr, indices, values, (n, p))`` built in every
  forward from ``values``, the leaf parameter; the output is ``torch.sparse.mm(W, x.T).T``.  The backward is a
  small ``torch.autograd.Function`` of torch ops: the weight gradient ``torch.sparse.sampled_addmm`` of
  ``g.T @ x`` on W's pattern, the input's (when asked) ``sparse.mm`` of the transposed CSR (pattern built once,
  values gathered each step).
- ``torch_csr_native``: the same forward with PyTorch's own autograd through the CSR constructor and
  ``sparse.mm``.  It is correct, but its backward spends most of its time in ``fill_`` and ``nonzero`` calls
  (about 85 ms of a 90 ms step at 4096 x 4096, 1 %), so ``torch_csr`` is the CSR layer a user would keep; this
  row shows why.
- ``nn_linear``: ``torch.nn.Linear(p, n, bias=False)`` holding the dense kernel, the dense baseline.

Before timing, one forward and backward of each layer is checked against float64 references: outputs against
``x @ K`` (``K[left[j], right[j]] = values[j]``) and the sparse layers' weight gradients against the dense
gradient at the edges, so a wrong edge mapping fails loudly instead of timing the wrong layer.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

ENV_PYTHON = "PREDEFSPARSE_PEERS_PYTHON"
ONE_THREAD = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
TOLERANCE = 1e-4  # of the reference's largest magnitude; float32 sums of a few hundred terms (batch, fan-in)


# ----------------------------------------------------------------------------------------------------------------
# host half: runs in our environment (numpy only)

def default_python() -> str | None:
    """The peers' Python from ``$PREDEFSPARSE_PEERS_PYTHON``, or None when it is not set."""
    return os.environ.get(ENV_PYTHON) or None


def _check_case(left, right, values, x, y, p: int, n: int, repeats: int):
    """Arrays as the runner wants them, or ValueError naming the parameter, before any work."""
    for name, v in (("p", p), ("n", n), ("repeats", repeats)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"peer_times: {name} must be a positive integer; received {v!r}")
    left, right = np.asarray(left), np.asarray(right)
    for name, a, size in (("left", left, p), ("right", right, n)):
        if a.ndim != 1 or not np.issubdtype(a.dtype, np.integer):
            raise ValueError(f"peer_times: {name} must be a 1-d integer array; received {a.dtype} of shape {a.shape}")
        if a.size and (a.min() < 0 or a.max() >= size):
            raise ValueError(f"peer_times: {name} must lie in [0, {size}); received values in [{a.min()}, {a.max()}]")
    values = np.asarray(values)
    if left.shape != right.shape or values.shape != left.shape:
        raise ValueError(f"peer_times: left, right and values must have one length each; received "
                         f"{left.shape}, {right.shape} and {values.shape}")
    if not np.issubdtype(values.dtype, np.floating):
        raise ValueError(f"peer_times: values must be floats; received {values.dtype}")
    if not np.isfinite(values).all():
        raise ValueError(f"peer_times: values must be finite; received {np.count_nonzero(~np.isfinite(values))} "
                         f"non-finite of {values.size}")
    down = np.flatnonzero(np.diff(right) < 0)
    if down.size:
        j = int(down[0])
        raise ValueError(f"peer_times: the edges must be sorted by right (output neuron); received "
                         f"right[{j}] = {right[j]} before right[{j + 1}] = {right[j + 1]}")
    keys = np.sort(right.astype(np.int64) * p + left)
    twice = keys[1:][keys[1:] == keys[:-1]]
    if twice.size:
        raise ValueError(f"peer_times: each edge must occur once; received (left, right) = "
                         f"({twice[0] % p}, {twice[0] // p}) more than once")
    x, y = np.asarray(x), np.asarray(y)
    if x.ndim != 2 or x.shape[1] != p or not np.issubdtype(x.dtype, np.floating):
        raise ValueError(f"peer_times: x must be a float (batch, p={p}) array; received {x.dtype} of shape {x.shape}")
    if y.shape != (x.shape[0], n) or not np.issubdtype(y.dtype, np.floating):
        raise ValueError(f"peer_times: y must be a float (batch={x.shape[0]}, n={n}) array; received {y.dtype} "
                         f"of shape {y.shape}")
    return (left.astype(np.int32), right.astype(np.int32), values.astype(np.float32),
            x.astype(np.float32), y.astype(np.float32))


def peer_times(python: str, left, right, values, x, y, p: int, n: int, repeats: int = 5,
               timeout: float = 900.0, input_grad: bool = False) -> dict:
    """Time one training step of SparseProp, torch.sparse CSR layers and nn.Linear on the same edges.

    Parameters
    ----------
    python : str
        The peers' Python (an environment with torch and, optionally, sparseprop; see the module docstring).
    left, right : array of int
        The edges, sorted by ``right``: edge ``j`` connects input ``left[j]`` to output ``right[j]``.
    values : array of float
        The weight of each edge (cast to float32).
    x : array, shape (batch, p)
        The input batch (float32).
    y : array, shape (batch, n)
        The MSE target (float32).
    p, n : int
        Inputs and outputs of the layer.
    repeats : int
        Timed steps per layer, after two warm-up steps; the best is kept.
    timeout : float
        Seconds the runner may take.
    input_grad : bool
        Whether the input needs a gradient (False: as the first layer of a network).

    Returns
    -------
    dict
        The runner's JSON: ``sparseprop``, ``torch_csr``, ``torch_csr_native``, ``nn_linear`` (seconds per
        step; ``sparseprop`` None with ``sparseprop_error`` saying why when it is not installed or failed),
        ``max_rel_error`` per layer (output, weight gradient, input gradient when asked), ``versions``,
        ``threads`` (1), ``input_grad``, ``repeats``, ``batch``, ``p``, ``n``, ``edges``.

    Raises
    ------
    ValueError
        Bad arguments, before anything runs.
    FileNotFoundError
        ``python`` does not exist or cannot be run.
    RuntimeError
        The runner failed (torch missing, a layer's output wrong, timeout); the message names ``python`` and
        ends with the runner's error output.
    """
    arrays = _check_case(left, right, values, x, y, p, n, repeats)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
        raise ValueError(f"peer_times: timeout must be a positive number of seconds; received {timeout!r}")
    if not isinstance(python, (str, os.PathLike)) or not str(python):
        raise ValueError(f"peer_times: python must be the path of the peers' Python; received {python!r}")
    exe = Path(python).expanduser()
    if not (exe.is_file() and os.access(exe, os.X_OK)):
        raise FileNotFoundError(f"peer_times: the peers' Python {str(exe)!r} is not an executable file "
                                f"(--peers-python / ${ENV_PYTHON}; install steps: bench/_peers.py's docstring)")
    with tempfile.TemporaryDirectory(prefix="predefsparse-peers-") as tmp:
        case = Path(tmp) / "case.npz"
        np.savez(case, **dict(zip(("left", "right", "values", "x", "y"), arrays)), p=p, n=n)
        cmd = [str(exe), str(Path(__file__).resolve()), str(case), "--repeats", str(repeats)]
        if input_grad:
            cmd.append("--input-grad")
        try:
            done = subprocess.run(cmd, env={**os.environ, **ONE_THREAD}, capture_output=True, text=True,
                                  timeout=timeout, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise RuntimeError(f"peer_times: the runner under {str(exe)!r} took longer than {timeout} s") from None
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"peer_times: the runner under {str(exe)!r} failed (exit {done.returncode}):\n"
                           + done.stderr[-3000:])
    return json.loads(lines[-1])


# ----------------------------------------------------------------------------------------------------------------
# runner half: runs with the peers' Python (numpy, torch, optionally sparseprop); imports nothing of ours

def _csr(left, right, values, n):
    """CSR (rows = outputs) of the edges: indptr, indices (inputs, ascending per row), values, all numpy."""
    order = np.lexsort((left, right))
    indptr = np.zeros(n + 1, np.int32)
    np.cumsum(np.bincount(right, minlength=n), out=indptr[1:])
    return indptr, left[order].astype(np.int32), values[order].astype(np.float32)


def _layers(torch, indptr, indices, rows, csr_values, kernel_t, n, p):
    """name -> (module, its weight parameter, edge gradient getter) or an error text for SparseProp."""
    import warnings
    warnings.filterwarnings("ignore", message=".*[Ss]parse.*")  # the CSR beta / invariant-check notices

    perm = np.lexsort((rows, indices))  # CSR order -> the transpose's CSR order (rows = inputs)
    t_indptr = np.zeros(p + 1, np.int64)
    np.cumsum(np.bincount(indices, minlength=p), out=t_indptr[1:])

    def csr(crow, col, vals, shape):
        return torch.sparse_csr_tensor(crow, col, vals, shape, check_invariants=False)

    class CsrMatmul(torch.autograd.Function):
        """``(W @ x.T).T``; backward: dW = (g.T @ x) sampled on W's pattern, dx = (W.T @ g.T).T, torch ops."""

        @staticmethod
        def forward(ctx, vals, inputs, layer):
            ctx.save_for_backward(vals, inputs)
            ctx.layer = layer
            return torch.sparse.mm(csr(layer.crow, layer.col, vals, (n, p)), inputs.t()).t()

        @staticmethod
        def backward(ctx, g):
            vals, inputs = ctx.saved_tensors
            layer = ctx.layer
            d_vals = d_inputs = None
            if ctx.needs_input_grad[0]:
                pattern = csr(layer.crow, layer.col, torch.empty_like(vals), (n, p))
                d_vals = torch.sparse.sampled_addmm(pattern, g.t(), inputs, beta=0.0).values()
            if ctx.needs_input_grad[1]:
                w_t = csr(layer.t_crow, layer.t_col, vals[layer.t_perm], (p, n))
                d_inputs = torch.sparse.mm(w_t, g.t()).t()
            return d_vals, d_inputs, None

    class CsrLinear(torch.nn.Module):
        def __init__(self, native: bool):
            super().__init__()
            self.native = native
            self.values = torch.nn.Parameter(torch.from_numpy(csr_values.copy()))
            for name, a in (("crow", indptr), ("col", indices), ("t_crow", t_indptr), ("t_col", rows[perm]),
                            ("t_perm", perm)):
                self.register_buffer(name, torch.from_numpy(a.astype(np.int64)))

        def forward(self, inputs):
            if self.native:  # PyTorch's autograd through the CSR constructor and sparse.mm
                return torch.sparse.mm(csr(self.crow, self.col, self.values, (n, p)), inputs.t()).t()
            return CsrMatmul.apply(self.values, inputs, self)

    dense = torch.nn.Linear(p, n, bias=False)
    with torch.no_grad():
        dense.weight.copy_(torch.from_numpy(kernel_t))
    out = {"nn_linear": (dense, dense.weight)}
    for name, native in (("torch_csr", False), ("torch_csr_native", True)):
        layer = CsrLinear(native)
        out[name] = (layer, layer.values)
    try:
        from sparseprop.modules import SparseLinear
        sp = SparseLinear.__new__(SparseLinear)  # its __init__ wants a dense weight and drops zeros: set its fields
        torch.nn.Module.__init__(sp)
        sp.N, sp.M, sp.bias = n, p, None
        sp.W_val = torch.nn.Parameter(torch.from_numpy(csr_values.copy()))
        sp.W_idx = (torch.from_numpy(indptr.copy()), torch.from_numpy(indices.copy()))
        out["sparseprop"] = (sp, sp.W_val)
    except Exception as err:  # not installed, or its extension does not load
        out["sparseprop"] = f"{type(err).__name__}: {err}"
    return out


def _versions(torch) -> dict:
    from importlib import metadata
    found = {"python": sys.version.split()[0], "torch": torch.__version__, "numpy": np.__version__}
    for name in ("sparseprop", "scipy"):
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


#: Largest case file the runner reads (bytes): far above a 16,384-wide case at batch 256.
CASE_BYTES = 4 << 30


def read_case(path: str):
    """``(left, right, values, x, y, p, n)`` from a case file written by :func:`peer_times`, or ValueError naming
    the file and what is wrong, before anything is timed: a regular ``.npz`` file under :data:`CASE_BYTES`, no
    pickled objects, the seven arrays and the checks of :func:`_check_case`."""
    import stat
    import zipfile
    try:
        info = os.stat(path)
    except OSError as err:
        raise ValueError(f"case must be an .npz file written by peer_times; received {path!r} ({err.strerror})") \
            from None
    if not stat.S_ISREG(info.st_mode) or not 0 < info.st_size <= CASE_BYTES:
        raise ValueError(f"case must be a regular, non-empty .npz file of at most {CASE_BYTES} bytes; received "
                         f"{path!r} ({info.st_size} bytes)")
    keys = ("left", "right", "values", "x", "y", "p", "n")
    try:
        with np.load(path, allow_pickle=False) as case:
            missing = sorted(set(keys) - set(case.files))
            if missing:
                raise ValueError(f"case {path!r} lacks {', '.join(missing)}; a case holds {', '.join(keys)}")
            arrays = {k: case[k] for k in keys}
    except (OSError, EOFError, zipfile.BadZipFile) as err:
        raise ValueError(f"case {path!r} is not a readable .npz file ({err})") from None
    except ValueError as err:
        if str(err).startswith(f"case {path!r}"):
            raise
        raise ValueError(f"case {path!r} is not a readable .npz file of numbers ({err})") from None
    sizes = {k: arrays[k] for k in ("p", "n")}
    for k, v in sizes.items():
        if v.shape != () or not np.issubdtype(v.dtype, np.integer):
            raise ValueError(f"case {path!r}: {k} must be one integer; received {v.dtype} of shape {v.shape}")
    p, n = int(sizes["p"]), int(sizes["n"])
    try:
        checked = _check_case(arrays["left"], arrays["right"], arrays["values"], arrays["x"], arrays["y"], p, n, 1)
    except ValueError as err:
        raise ValueError(f"case {path!r}: {str(err).removeprefix('peer_times: ')}") from None
    return (*checked, p, n)


def run_case(case: tuple, repeats: int, input_grad: bool) -> dict:
    """The runner: check and time the layers on ``case`` (:func:`read_case`)."""
    for key, value in ONE_THREAD.items():  # before torch (and its OpenMP / MKL) is imported
        os.environ[key] = value
    import time
    left, right, values, x, y, p, n = case

    import torch
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    fn = torch.nn.functional

    indptr, indices, csr_values = _csr(left, right, values, n)
    kernel = np.zeros((p, n))  # float64 reference K, x @ K the layer's output (nn.Linear holds K.T)
    kernel[left, right] = values
    ref_out = x.astype(np.float64) @ kernel
    g = (2.0 / ref_out.size) * (ref_out - y)  # d mse / d output
    ref_dk = x.T.astype(np.float64) @ g  # d mse / d K
    rows = np.repeat(np.arange(n), np.diff(indptr))  # output of each edge, CSR order
    ref_edges = ref_dk[indices, rows]
    ref_dx = g @ kernel.T if input_grad else None
    layers = _layers(torch, indptr, indices, rows, csr_values, np.ascontiguousarray(kernel.T, np.float32), n, p)
    del kernel

    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    xt.requires_grad_(input_grad)
    result = {"threads": torch.get_num_threads(), "input_grad": input_grad, "repeats": repeats,
              "batch": int(x.shape[0]), "p": p, "n": n, "edges": int(left.size), "max_rel_error": {},
              "versions": _versions(torch)}

    def rel(a, b):
        return float(np.abs(a - b).max() / max(float(np.abs(b).max()), 1e-30))

    for name in ("sparseprop", "torch_csr", "torch_csr_native", "nn_linear"):
        entry = layers[name]
        if isinstance(entry, str):
            result[name], result[f"{name}_error"] = None, entry
            continue
        module, weight = entry
        xt.grad = None
        try:
            out = module(xt)
            fn.mse_loss(out, yt).backward()
        except Exception as err:
            if name != "sparseprop":
                raise
            result[name], result[f"{name}_error"] = None, f"{type(err).__name__}: {err}"
            continue
        grad = weight.grad.numpy()
        edge_grad = grad if grad.ndim == 1 else grad[rows, indices]
        errors = {"output": rel(out.detach().numpy(), ref_out), "weight_grad": rel(edge_grad, ref_edges)}
        if input_grad:
            errors["input_grad"] = rel(xt.grad.numpy(), ref_dx)
        result["max_rel_error"][name] = errors
        if max(errors.values()) > TOLERANCE:
            raise AssertionError(f"{name}: differs from the float64 reference by {errors} (relative), more than "
                                 f"{TOLERANCE}: the edges are mapped wrongly")
        optimizer = torch.optim.Adam(module.parameters(), lr=1e-3)
        best = float("inf")
        for k in range(2 + repeats):
            start = time.perf_counter()
            optimizer.zero_grad(set_to_none=True)
            xt.grad = None
            fn.mse_loss(module(xt), yt).backward()
            optimizer.step()
            if k >= 2:
                best = min(best, time.perf_counter() - start)
        result[name] = best
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time SparseProp, torch.sparse CSR layers and nn.Linear on "
                                                 "one case (run with the peers' Python; see the docstring)")
    parser.add_argument("case", help=".npz with left, right, values, x, y, p, n (written by peer_times)")
    parser.add_argument("--repeats", type=int, default=5, help="timed steps per layer after 2 warm-ups (best)")
    parser.add_argument("--input-grad", action="store_true", help="the input needs a gradient too")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error(f"--repeats must be a positive integer; received {args.repeats}")
    try:
        case = read_case(args.case)  # refused before torch is imported or anything is timed
    except ValueError as err:
        parser.error(str(err))
    print(json.dumps(run_case(case, args.repeats, args.input_grad)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
