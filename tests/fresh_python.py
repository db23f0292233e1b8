"""Run Python code in a fresh interpreter (import-order and import-cost tests need a clean sys.modules)."""
import subprocess
import sys


def run_fresh(code: str, timeout: int = 120) -> str:
    """Run ``code`` with ``python -c`` in a new process; assert it succeeded and return its stripped stdout."""
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout)
    assert res.returncode == 0, res.stderr[-2000:]
    return res.stdout.strip()
