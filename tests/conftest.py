"""Shared test configuration: hypothesis profiles (no deadline: first calls compile Numba kernels)."""
import os

from hypothesis import HealthCheck, settings

settings.register_profile("default", deadline=None, max_examples=60,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", deadline=None, max_examples=100, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else "default")


import pytest  # noqa: E402


@pytest.fixture(autouse=True, scope="session")
def _hermetic_data_folder(tmp_path_factory):
    """Datasets built during the tests go to a temporary folder, never into the checkout's datasets/ (the raw
    MNIST files shipped there are still found by the builders)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PREDEFSPARSE_DATA", str(tmp_path_factory.mktemp("predefsparse-data")))
        yield
