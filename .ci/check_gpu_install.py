"""CI check of the GPU install (`pip install -e ".[gpu]"`), run inside the freshly made environment of the README's
test command, with no GPU.

Installing the `gpu` extra for real downloads about 2.6 GiB of NVIDIA wheels (cuDNN, cuBLAS, NCCL, ...), which
would double the time of CI for files that only a GPU reads, so this checks the two things that make that
install whole instead:

1. **The resolution.** ``pip install --dry-run --ignore-installed --report`` of ``.[gpu]`` (a fresh resolution,
   nothing installed) must install ``tensorflow`` -- the same version this environment holds -- with NVIDIA's
   CUDA libraries, and never ``tensorflow-cpu``, whose wheel owns the same ``tensorflow/`` folder (installing
   one beside the other, or removing either, breaks the other's files).
2. **The installed TensorFlow.** The environment's ``tensorflow`` is the CUDA build (``is_built_with_cuda``),
   every file its RECORD lists is present with its recorded size, no other installed distribution claims a
   file under ``tensorflow/``, ``pip check`` is clean, and ``import predefsparse`` works with it.

The NVIDIA wheels install under ``nvidia/``, a folder no other distribution here uses.
Exit status 0 when all holds; 1 with one line per failure otherwise.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def resolution(problems: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        report = os.path.join(tmp, "report.json")
        cmd = [sys.executable, "-m", "pip", "install", "--quiet", "--dry-run", "--ignore-installed",
               "--report", report, f"{ROOT}[gpu]"]
        done = subprocess.run(cmd, capture_output=True, text=True)
        if done.returncode != 0:
            problems.append(f"pip could not resolve .[gpu]: {done.stderr.strip().splitlines()[-1:]}")
            return
        with open(report, encoding="utf-8") as f:
            names = {item["metadata"]["name"].lower().replace("_", "-"): item["metadata"]["version"]
                     for item in json.load(f)["install"]}
    here = metadata.version("tensorflow")
    if names.get("tensorflow") != here:
        problems.append(f".[gpu] resolves tensorflow {names.get('tensorflow')}, this environment holds {here}")
    if "tensorflow-cpu" in names:
        problems.append(".[gpu] resolves tensorflow-cpu beside tensorflow: both own the tensorflow/ folder")
    cuda = sorted(n for n in names if n.startswith("nvidia-"))
    for needed in ("nvidia-cudnn-cu12", "nvidia-cublas-cu12", "nvidia-cuda-runtime-cu12"):
        if needed not in cuda:
            problems.append(f".[gpu] does not resolve {needed} (has {cuda})")
    print(f"resolution of .[gpu]: tensorflow {names.get('tensorflow')}, {len(cuda)} NVIDIA packages, "
          f"tensorflow-cpu {'present' if 'tensorflow-cpu' in names else 'absent'}")


def installed(problems: list[str]) -> None:
    dist = metadata.distribution("tensorflow")
    files = [f for f in dist.files or [] if f.parts[0] == "tensorflow"]
    missing = [str(f) for f in files if not Path(dist.locate_file(f)).is_file()
               or (f.size is not None and Path(dist.locate_file(f)).stat().st_size != f.size)]
    if not files:
        problems.append("the installed tensorflow lists no files under tensorflow/")
    if missing:
        problems.append(f"{len(missing)} of tensorflow's {len(files)} files are missing or changed, e.g. {missing[:3]}")
    owners = sorted({d.metadata["Name"] for d in metadata.distributions()
                     if d.metadata["Name"].lower() != "tensorflow"
                     and any(f.parts and f.parts[0] == "tensorflow" for f in d.files or [])})
    if owners:
        problems.append(f"other distributions also own files under tensorflow/: {owners}")
    probe = ("import tensorflow as tf, predefsparse, keras; "
             "print(tf.__version__, tf.test.is_built_with_cuda(), predefsparse.__version__, keras.backend.backend())")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    if done.returncode != 0:
        problems.append(f"import tensorflow, predefsparse failed: {done.stderr.strip().splitlines()[-1:]}")
    else:
        version, cuda, ours, backend = done.stdout.split()
        if cuda != "True":
            problems.append(f"tensorflow {version} is not the CUDA build")
        print(f"installed: tensorflow {version} (CUDA build: {cuda}, {len(files) - len(missing)} of {len(files)} "
              "files whole), "
              f"predefsparse {ours}, keras backend {backend}")
    check = subprocess.run([sys.executable, "-m", "pip", "check"], capture_output=True, text=True)
    if check.returncode != 0:
        problems.append(f"pip check: {check.stdout.strip()}")


def main() -> int:
    problems: list[str] = []
    installed(problems)
    resolution(problems)
    for line in problems:
        print(f"check_gpu_install: {line}", file=sys.stderr)
    print("GPU install: ok" if not problems else f"GPU install: {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
