"""Fixtures of the predefsparse tests (the hypothesis profiles and the hermetic data folder are in
tests/conftest.py).  Each fixture name means one thing across the whole suite."""
import pytest

from predefsparse import datasets


@pytest.fixture(scope="session")
def mnist():
    """The six arrays of the real MNIST dataset (784 features, one-hot labels), built once per session from the
    shipped IDX files into the session's data folder and loaded once."""
    return datasets.load("mnist")
