"""A small real-MNIST design shared by the design tests and the report's browser test."""
import os

from predefsparse import datasets


def mnist_subset(folder, train=3000, val=500, test=500) -> str:
    """The first ``train`` / ``val`` / ``test`` real MNIST images saved as a six-key .npz in ``folder``."""
    path = os.path.join(os.fspath(folder), "mnist-small.npz")
    if not os.path.exists(path):
        xtr, ytr, xva, yva, xte, yte = datasets.load("mnist")
        datasets.save(path, xtr[:train], ytr[:train], xva[:val], yva[:val], xte[:test], yte[:test])
    return path


def small_design(folder, **kwargs):
    """The default network and plan, three kinds, two seeds, one epoch on an MNIST subset, into folder/design."""
    from predefsparse import design
    settings = dict(kinds=("fc", "random", "clash_free"), seeds=2, epochs=1, verbose=0,
                    dataset=mnist_subset(folder), out=os.path.join(os.fspath(folder), "design"))
    settings.update(kwargs)
    return design(**settings)
