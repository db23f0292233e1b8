"""Shared test configuration: hypothesis profiles (no deadline: first calls compile Numba kernels), the hermetic
data folder, and the rule for the ``browser`` marker.

A ``browser``-marked test needs Debian's chromium (``apt-get install chromium``; Playwright's own browser download
is never used). Where none is found the test is skipped with a one-line reason, so that the README's test command
passes on a fresh machine for a user who is not root; under ``CI=true`` (where ``.ci/run`` installs chromium) a
missing chromium fails the test instead: there it is mandatory.
"""
import os
import shutil

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("default", deadline=None, max_examples=60,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", deadline=None, max_examples=100, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow])


def in_ci() -> bool:
    """Whether the suite runs under CI (``CI`` set to anything but empty, ``0`` or ``false``)."""
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false")


settings.load_profile("ci" if in_ci() else "default")


def chromium_path(item: pytest.Item) -> str | None:
    """The chromium a browser test would drive: the test module's ``CHROMIUM`` path when it names one, else the
    ``chromium`` on PATH; None when that is not an executable file."""
    path = getattr(item.module, "CHROMIUM", None) or shutil.which("chromium")
    return path if path and os.path.isfile(path) and os.access(path, os.X_OK) else None


def pytest_collection_modifyitems(config, items):
    browser = [item for item in items if item.get_closest_marker("browser")]
    if not browser or in_ci():
        return
    for item in browser:
        if chromium_path(item) is None:
            item.add_marker(pytest.mark.skip(
                reason="no chromium found: apt-get install chromium to run the browser test (mandatory under CI=true)"))


def pytest_runtest_setup(item):
    if in_ci() and item.get_closest_marker("browser") and chromium_path(item) is None:
        pytest.fail("CI=true and no chromium found: the browser test is mandatory in CI (apt-get install chromium)",
                    pytrace=False)


@pytest.fixture(autouse=True, scope="session")
def _hermetic_data_folder(tmp_path_factory):
    """Datasets built during the tests go to a temporary folder, never into the checkout's datasets/ (the raw
    MNIST files shipped there are still found by the builders)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PREDEFSPARSE_DATA", str(tmp_path_factory.mktemp("predefsparse-data")))
        yield
