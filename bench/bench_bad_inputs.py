"""Count the bad inputs the meta-test feeds each public entry point, and how each ended.

Every case of ``tests/<package>/bad_inputs*.py`` is run once (the same cases ``tests/test_bad_inputs.py`` runs);
its outcome is "specific error" (the expected exception, naming what the case says it must name), "accepted and
correct" (a value that is valid though odd, and the result passed the case's check), or a failure (anything
else: the wrong exception, a message that does not name the parameter, an accepted wrong result).  The table
has one row per entry point and a total; the script exits 1 if any case failed.

    python bench/bench_bad_inputs.py            # every entry point
    python bench/bench_bad_inputs.py --failures # list each failing case's message
"""
from __future__ import annotations

import argparse
import collections
import os
import sys
import time
import warnings

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench._machine import machine_info  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--failures", action="store_true", help="print each failing case")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from tests.test_bad_inputs import CASES, run_case

    counts: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    failures = []
    started = time.perf_counter()
    for case in CASES:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                outcome, _ = run_case(case)
            except AssertionError as err:
                outcome = "failed"
                failures.append((case, str(err)))
            except Exception as err:  # the wrong exception type: a failure too
                outcome = "failed"
                failures.append((case, f"{type(err).__name__}: {err}"))
        counts[case.name][outcome] += 1
    print(machine_info(("numpy", "keras")))
    print(f"{len(CASES)} bad-input cases over {len(counts)} entry points in {time.perf_counter() - started:.0f} s\n")
    width = max(len(name) for name in counts)
    cols = ("specific error", "accepted and correct", "failed")
    print(f"{'entry point':<{width}}  {'tried':>6}  " + "  ".join(f"{c:>20}" for c in cols))
    total: collections.Counter = collections.Counter()
    for name in sorted(counts):
        c = counts[name]
        total.update(c)
        print(f"{name:<{width}}  {sum(c.values()):>6}  " + "  ".join(f"{c[k]:>20}" for k in cols))
    print(f"{'total':<{width}}  {sum(total.values()):>6}  " + "  ".join(f"{total[k]:>20}" for k in cols))
    if args.failures:
        for case, msg in failures:
            print(f"\nFAILED {case.name} [{case.label}]: {msg}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
