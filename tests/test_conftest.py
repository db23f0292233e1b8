"""The browser rule of tests/conftest.py: without chromium a ``browser`` test skips with one line, except under
``CI=true``, where it fails. Runs the real conftest on a throw-away test in a child pytest."""
import os
import shutil
import subprocess
import sys
from pathlib import Path

CONFTEST = Path(__file__).with_name("conftest.py")
TEST = '''import pytest
CHROMIUM = "/nonexistent/chromium"
pytestmark = pytest.mark.browser
def test_needs_a_browser():
    pass
'''


def _pytest(folder: Path, ci: str | None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    if ci is not None:
        env["CI"] = ci
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", "-o",
                           "markers=browser: a test", str(folder)], cwd=folder, env=env, capture_output=True,
                          text=True, timeout=120)


def test_browser_test_skips_without_chromium_and_fails_under_ci(tmp_path):
    shutil.copy(CONFTEST, tmp_path / "conftest.py")
    (tmp_path / "test_b.py").write_text(TEST, encoding="utf-8")
    local = _pytest(tmp_path, None)
    assert local.returncode == 0, local.stdout + local.stderr
    assert "1 skipped" in local.stdout
    assert "SKIPPED [1] test_b.py: no chromium found: apt-get install chromium" in local.stdout
    for ci in ("true", "1"):
        res = _pytest(tmp_path, ci)
        assert res.returncode == 1, res.stdout + res.stderr
        assert "CI=true and no chromium found: the browser test is mandatory in CI" in res.stdout
    assert _pytest(tmp_path, "false").returncode == 0
