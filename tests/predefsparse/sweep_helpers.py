"""Helpers of the sweep tests: a tiny six-key dataset and a grid whose points fail at once (no training)."""
from __future__ import annotations

import numpy as np

from predefsparse import datasets

CONFIG = [800, 16, 10]


def tiny_npz(folder, name: str = "tiny") -> str:
    """A seeded random six-key npz (784 features, 10 classes; 60 / 20 / 20 samples) in ``folder``."""
    rng = np.random.default_rng(0)

    def split(n):
        return (rng.random((n, 784), dtype=np.float32),
                np.eye(10, dtype=np.float32)[rng.integers(0, 10, n)])
    path = str(folder / f"{name}.npz")
    datasets.save(path, *split(60), *split(20), *split(20))
    return path


def failing_grid(dataset: str) -> dict:
    """One clash_free point with fo (4, 3) on (800, 16, 10): fi = 4.8, refused by NetSpec before any training."""
    return {"fixed": {"config": CONFIG, "dataset": dataset, "epochs": 1, "kind": "clash_free", "fo": [4, 3]}}
