"""Test accuracy of the published MNIST pair, trained with the published settings, beside the published numbers.

Run::

    python bench/bench_accuracy.py                 # 50 epochs each, about 5-10 minutes on 2 cores
    python bench/bench_accuracy.py --epochs 5      # a quick look (not comparable with the published numbers)

Workload (Dey, Huang, Beerel, Chugg, JETCAS 2019; docs/training.md §1), both through :func:`predefsparse.sim_net`:

- (800, 100, 10), fo (50, 10), clash-free (z = fi), L2 8e-5: 41,000 weights, density 50.6 %; published 97.97 %;
- fully connected (784, 112, 10), L2 1.1e-4: 88,928 weights; published 98.09 %.

Real MNIST (784 features scaled to [0, 1], padded to 800 for the sparse net), train + validation = all 60,000
training images, the 10,000 test images evaluated once at the end; Adam lr 1e-3 with the original's decay 1e-5
per step (``InverseTimeDecay``), batch 256, He-normal kernels from real degrees, biases 0.1, softmax output.
The same seed gives the same patterns, initial weights and batch order (runs are bit-reproducible on one
machine: see tests/predefsparse/test_training.py).  Results folders go under ``--out`` (replaced each run).

Target (issue 4): within 0.3 percentage points of each published number; exit status 1 when a 50-epoch run
misses it.
"""
from __future__ import annotations

import argparse
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from _machine import machine_info  # noqa: E402  bench/_machine.py (scripts run from bench/)

from predefsparse.training import sim_net  # noqa: E402

RUNS = [
    # name, sim_net arguments, published test accuracy (%)
    ("sparse (800,100,10) fo (50,10)", dict(config=(800, 100, 10), fo=(50, 10), kind="clash_free", l2=8e-5),
     97.97),
    ("fully connected (784,112,10)", dict(config=(784, 112, 10), fo=None, kind="fc", l2=1.1e-4), 98.09),
]
TOLERANCE_PP = 0.3


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=50, help="epochs per run (published: 50)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", choices=("sparse", "fc"), default=None, help="run one of the pair")
    parser.add_argument("--out", default=os.path.join("results", "bench_accuracy"), help="results folders here")
    parser.add_argument("--verbose", type=int, choices=(0, 1, 2), default=2, help="Keras verbosity (2: a line "
                        "per epoch)")
    args = parser.parse_args(argv)

    rows = []
    for name, kwargs, published in RUNS:
        if args.only and not name.startswith({"sparse": "sparse", "fc": "fully"}[args.only]):
            continue
        folder = os.path.join(args.out, f"{kwargs['kind']}_{'-'.join(map(str, kwargs['config']))}_seed{args.seed}")
        print(f"== {name}: {args.epochs} epochs, results in {folder}", flush=True)
        t0 = time.perf_counter()
        records, _ = sim_net(dataset="mnist", seed=args.seed, epochs=args.epochs, batch_size=256, valtest=1,
                             out=folder, overwrite=True, verbose=args.verbose, epoch_step=5, **kwargs)
        rows.append((name, records, published, time.perf_counter() - t0))

    print()
    print(f"# bench_accuracy: MNIST, {args.epochs} epochs, Adam 1e-3 (decay 1e-5/step), batch 256, train+val, "
          f"test once, seed {args.seed}")
    print(machine_info(("numpy", "keras", "tensorflow", "predefsparse")))
    print(f"| {'net':<32} | {'weights':>7} | {'density':>7} | {'L2':>7} | {'test acc':>8} | {'published':>9} "
          f"| {'diff (pp)':>9} | {'wall s':>7} |")
    print(f"|{'-' * 34}|{'-' * 9}|{'-' * 9}|{'-' * 9}|{'-' * 10}|{'-' * 11}|{'-' * 11}|{'-' * 9}|")
    ok = True
    for name, rec, published, wall in rows:
        acc = 100 * rec["test"]["accuracy"]
        diff = acc - published
        ok &= abs(diff) <= TOLERANCE_PP
        print(f"| {name:<32} | {rec['weights']:>7,} | {100 * rec['overall_density']:>6.1f}% | {rec['l2']:>7.1e} "
              f"| {acc:>7.2f}% | {published:>8.2f}% | {diff:>+9.2f} | {wall:>7.0f} |")
    if args.epochs == 50:
        print(f"target |diff| <= {TOLERANCE_PP} pp: {'PASS' if ok else 'FAIL'}")
        return 0 if ok else 1
    print(f"(target |diff| <= {TOLERANCE_PP} pp applies to 50-epoch runs only)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
