"""SET's tutorial setting: SET vs static Erdos-Renyi vs Dense on Fashion-MNIST, 400 epochs, max and last accuracy.

Run::

    python bench/bench_set_tutorial.py --source /path/to/fashion-mnist       # 3 seeds x 3 variants, hours on 2 cores
    python bench/bench_set_tutorial.py --epochs 50 --seeds 1                 # a shorter look
    python bench/bench_set_tutorial.py --variants dense --seeds 3            # one variant; results merge in --out
    python bench/bench_set_tutorial.py --table                               # print the table of what --out holds

The setting is that of SET's Fashion-MNIST tutorial (Mocanu et al.; IJCAI 2019 tutorial code, whose published
runs give the ranges printed beside ours): 2,000 training and 1,000 test images, an MLP 784-1000-1000-1000-10
with ReLU hidden layers and dropout 0.2 after each, Erdos-Renyi connectivity with epsilon 13, SGD with
learning rate 0.05 and momentum 0.9, weight decay 0.0002 per step, batch size 40, 400 epochs, SET rewiring with
zeta 0.3 after every epoch but the last, in every junction.  Three variants at equal settings:

- ``set``: :func:`predefsparse.models.mlp` (``kind="erdos_renyi"``, ``epsilon=13``) + :class:`predefsparse.SETCallback`;
- ``er``: the same network, never rewired (SET's "fixprob" baseline);
- ``dense``: ``keras.layers.Dense`` layers of the same sizes.

Two recipes (``--recipe``, docs/scale.md §5): ``set2019`` (default), SET's IJCAI 2019 tutorial code whose runs
are the published ones -- kernels N(0, 0.1^2), biases zero, sigmoid outputs trained with SET's own MSE delta
(:func:`set_delta_loss`); and ``keras`` -- He-uniform kernels, biases zero, softmax outputs with categorical
cross-entropy (SET's 2020 code; the first session's setting).  In both, all three variants use the same
settings (SET's dense run used learning rate 0.001; here it keeps 0.05), and the regrown weights and the
removal rule are :class:`~predefsparse.SETCallback`'s defaults (printed).  The images are a seeded
subset (numpy Generator, seed 0) of the builder's training + validation images and of its test images.  The
output junction (1000 x 10): epsilon 13 asks for 131 % of its cells, so :func:`adjmat.generate` makes it fully
connected (and warns); SET's code draws epsilon (p + n) cells with replacement there, about 73 % of them.

Test accuracy is measured after every epoch, before that epoch's rewiring (as SET's code does); "last" is the
model ``fit`` returns; "last 10" is the mean over the last ten epochs (one epoch's accuracy on 1,000 images moves
by a point or more from epoch to epoch).  Target (issue 10): on every seed, SET's last-epoch accuracy within 2
points of its best.  Each finished run is merged into ``--out`` (JSON, written atomically), so variants and
seeds can be run separately and the table printed from all of them; exit status 1 when a judged target fails.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from _machine import machine_info  # noqa: E402  bench/_machine.py (scripts run from bench/)

CONFIG = (784, 1000, 1000, 1000, 10)
N_TRAIN, N_TEST = 2000, 1000
EPSILON, ZETA, DROPOUT = 13, 0.3, 0.2
LR, MOMENTUM, DECAY, BATCH = 0.05, 0.9, 0.0002, 40
VARIANTS = ("set", "er", "dense")
#: SET's published max test accuracy over 400 epochs (%, five seeds of its IJCAI 2019 tutorial runs, its
#: Pretrained_results): SET-MLP, static Erdos-Renyi ("fixprob") MLP, fully connected MLP.
PUBLISHED = {"set": (83.2, 84.0), "er": (80.8, 82.2), "dense": (83.6, 84.5)}
DEFAULT_OUT = os.path.join(os.path.expanduser("~"), ".cache", "predefsparse", "bench_set_tutorial.json")
_MAX_OUT_BYTES = 64 << 20


def load_subset(source: str | None, data_dir: str):
    """2,000 training and 1,000 test Fashion-MNIST images (seeded subset), float32 in [0, 1], one-hot labels."""
    import numpy as np

    from predefsparse import datasets

    path = datasets.build("fashion-mnist", source=source, data_dir=data_dir)
    xtr, ytr, xva, yva, xte, yte = datasets.load(path)
    x, y = np.concatenate([xtr, xva]), np.concatenate([ytr, yva])
    rng = np.random.default_rng(0)
    tr = rng.choice(len(x), size=N_TRAIN, replace=False)
    te = rng.choice(len(xte), size=N_TEST, replace=False)
    return x[tr], y[tr], xte[te], yte[te]


def set_delta_loss(y_true, logits):
    """SET's 2019 output error as a Keras loss on the output layer's pre-activations (``logits``).

    SET's tutorial code (``MSE.delta`` with sigmoid outputs) back-propagates ``delta = (y - t) * s'(y)`` at the
    output, where ``y = sigmoid(z)`` and its sigmoid derivative ``s'`` is applied to the already activated ``y``;
    its weight gradient is ``a.T @ delta / batch``.  The value returned is SET's loss, ``mean((y - t)**2)``; a
    stop-gradient surrogate makes the gradient with respect to ``z`` exactly ``delta / batch`` under Keras's mean
    over the batch.
    """
    from keras import ops

    y = ops.sigmoid(logits)
    s = ops.sigmoid(y)
    delta = ops.stop_gradient((y - y_true) * s * (1.0 - s))
    surrogate = ops.sum(delta * logits, axis=-1)
    value = ops.mean(ops.square(y - y_true), axis=-1)
    return ops.stop_gradient(value - surrogate) + surrogate


RECIPES = ("set2019", "keras")


def build(variant: str, seed: int, implementation: str, recipe: str = "set2019"):
    """The model of one variant (uncompiled).  ``set2019``: kernels N(0, 0.1^2), zero biases, a linear output
    layer trained through :func:`set_delta_loss` (SET's IJCAI 2019 tutorial code); ``keras``: He-uniform kernels,
    zero biases, softmax outputs and categorical cross-entropy (SET's 2020 code)."""
    import inspect

    import keras

    from predefsparse import models

    if recipe == "set2019":
        def init(i):
            return keras.initializers.RandomNormal(stddev=0.1, seed=seed * 100 + i)
        out_act = None
    else:
        def init(i):
            return keras.initializers.HeUniform(seed=seed * 100 + i)
        out_act = "softmax"

    if variant == "dense":
        inputs = keras.Input((CONFIG[0],))
        x = inputs
        for i, n in enumerate(CONFIG[1:]):
            last = i == len(CONFIG) - 2
            x = keras.layers.Dense(n, activation=out_act if last else "relu", kernel_initializer=init(i),
                                   name=f"dense{i + 1}")(x)
            if not last:
                x = keras.layers.Dropout(DROPOUT, seed=seed * 100 + 50 + i)(x)
        return keras.Model(inputs, x, name="dense_" + "_".join(map(str, CONFIG)))
    kwargs = dict(kind="erdos_renyi", epsilon=EPSILON, dropout=DROPOUT,
                  kernel_initializer="he_uniform" if recipe == "keras" else keras.initializers.RandomNormal(stddev=0.1),
                  bias_initializer="zeros", output_activation=out_act, seed=seed)
    if "implementation" in inspect.signature(models.mlp).parameters:
        kwargs["implementation"] = implementation
    return models.mlp(CONFIG, **kwargs)


def run_one(variant: str, seed: int, epochs: int, data, implementation: str, recipe: str = "set2019") -> dict:
    """Train one variant with one seed; per-epoch test accuracy and timing."""
    import keras

    from predefsparse import SETCallback, SparseDense

    keras.utils.clear_session()
    xtr, ytr, xte, yte = data
    model = build(variant, seed, implementation, recipe)
    model.compile(optimizer=keras.optimizers.SGD(LR, momentum=MOMENTUM, weight_decay=DECAY / LR),
                  loss=set_delta_loss if recipe == "set2019" else "categorical_crossentropy",
                  metrics=["categorical_accuracy"], steps_per_execution=N_TRAIN // BATCH)
    callbacks, rule = [], None
    sparse = [layer for layer in model.layers if isinstance(layer, SparseDense)]
    if variant == "set":
        cb = SETCallback(zeta=ZETA, layers=[layer.name for layer in sparse], seed=seed)
        callbacks.append(cb)
        rule = {k: _plain(v) for k, v in vars(cb).items()
                if not k.startswith("_") and k not in ("model", "history", "initial", "params", "validation_data")}
    t0 = time.perf_counter()
    hist = model.fit(xtr, ytr, batch_size=BATCH, epochs=epochs, verbose=0, shuffle=True,
                     validation_data=(xte, yte), callbacks=callbacks)
    wall = time.perf_counter() - t0
    acc = [float(v) for v in hist.history["val_categorical_accuracy"]]
    final = float(model.evaluate(xte, yte, batch_size=500, verbose=0)[1])
    best = max(range(len(acc)), key=acc.__getitem__)
    return {"variant": variant, "seed": seed, "epochs": epochs, "acc": acc, "max": acc[best], "max_epoch": best + 1,
            "last": acc[-1], "final_model": final, "seconds_per_epoch": wall / epochs,
            "W": [int(layer.pattern.W) for layer in sparse] or None,
            "implementation": sorted({_impl_name(layer) for layer in sparse}) or None,
            "set_rule": rule, "recipe": recipe}


def _impl_name(layer) -> str:
    """The implementation a built SparseDense runs (``masked`` before the sparse path existed)."""
    return str(getattr(layer, "resolved_implementation", None) or getattr(layer, "implementation", "masked"))


def _plain(value):
    """JSON-safe view of a callback attribute."""
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return repr(value)


def read_out(path: str) -> dict:
    """The results file (hostile until checked), or an empty record."""
    if not os.path.isfile(path):
        return {"runs": {}}
    size = os.path.getsize(path)
    if size > _MAX_OUT_BYTES:
        raise ValueError(f"--out must be a results file of this benchmark; received --out={path!r}. It has {size} "
                         f"bytes, more than one can have.")
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        for run in data["runs"].values():
            if run["variant"] not in VARIANTS:
                raise ValueError(f"unknown variant {run['variant']!r}")
            int(run["seed"]), int(run["epochs"])
            [float(v) for v in run["acc"]]
            float(run["max"]), float(run["last"])
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
        raise ValueError(f"--out must be a results file of this benchmark; received --out={path!r}. It does not "
                         f"read as one ({type(err).__name__}: {err}).") from None
    return data


def write_out(path: str, data: dict) -> None:
    from adjmat.pattern import atomic_write

    atomic_write(path, lambda f: f.write(json.dumps(data, sort_keys=True).encode()))


def table(data: dict, epochs: int, recipe: str = "set2019") -> tuple[str, bool | None]:
    """The per-run table and the per-variant summary beside SET's published ranges; and the target's verdict
    (None when no SET run of ``epochs`` epochs is there).  Runs recorded before recipes existed are ``keras``."""
    runs = [r for r in data["runs"].values() if r["epochs"] == epochs and r.get("recipe", "keras") == recipe]
    lines = [f"{'variant':<7} {'seed':>4} {'max %':>7} {'at epoch':>8} {'last %':>7} {'last-max':>8} "
             f"{'last 10 %':>9} {'s/epoch':>8}  implementation",
             "-" * 84]
    for r in sorted(runs, key=lambda r: (VARIANTS.index(r["variant"]), r["seed"])):
        lines.append(f"{r['variant']:<7} {r['seed']:>4} {100 * r['max']:>7.2f} {r['max_epoch']:>8} "
                     f"{100 * r['last']:>7.2f} {100 * (r['last'] - r['max']):>8.2f} "
                     f"{100 * sum(r['acc'][-10:]) / len(r['acc'][-10:]):>9.2f} {r['seconds_per_epoch']:>8.2f}  "
                     f"{'/'.join(r['implementation'] or ['keras Dense'])}")
    lines.append("")
    lines.append(f"{'variant':<7} {'seeds':>5} {'max % (range)':>16} {'last % (range)':>16} {'published max %':>16}")
    verdict = None
    for v in VARIANTS:
        rs = [r for r in runs if r["variant"] == v]
        if not rs:
            continue
        mx = [100 * r["max"] for r in rs]
        la = [100 * r["last"] for r in rs]
        pub = PUBLISHED[v]
        lines.append(f"{v:<7} {len(rs):>5} {min(mx):>7.2f}-{max(mx):<8.2f} {min(la):>7.2f}-{max(la):<8.2f} "
                     f"{pub[0]:>7.1f}-{pub[1]:<8.1f}")
        if v == "set":
            verdict = all(r["max"] - r["last"] <= 0.02 for r in rs)
    return "\n".join(lines), verdict


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=400, help="training epochs per run (default 400)")
    ap.add_argument("--seeds", type=int, default=3, help="number of seeds, 0 .. N-1 (default 3)")
    ap.add_argument("--variants", default=",".join(VARIANTS), help="comma-separated subset of set,er,dense")
    ap.add_argument("--source", help="folder with the four Fashion-MNIST IDX files (default: the builder's search)")
    ap.add_argument("--data-dir", help="where the built dataset goes (default: a temporary folder)")
    ap.add_argument("--implementation", default="sparse", choices=("sparse", "masked", "auto"),
                    help="SparseDense implementation of the set and er variants (default sparse)")
    ap.add_argument("--recipe", default="set2019", choices=RECIPES,
                    help="set2019 (default): SET's IJCAI 2019 tutorial code -- N(0, 0.1^2) kernels, sigmoid outputs "
                         "with its MSE delta; keras: He-uniform kernels, softmax and cross-entropy")
    ap.add_argument("--out", default=DEFAULT_OUT, help=f"results file, merged run by run (default {DEFAULT_OUT})")
    ap.add_argument("--table", action="store_true", help="print the table of --out for --epochs and exit")
    args = ap.parse_args(argv)
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    bad = [v for v in variants if v not in VARIANTS]
    if bad or not variants:
        print(f"bench_set_tutorial: --variants must be a comma-separated subset of {','.join(VARIANTS)}; received "
              f"--variants={args.variants!r}. Try --variants set,er.", file=sys.stderr)
        return 1
    if args.epochs < 1 or args.seeds < 1:
        flag, value = ("--epochs", args.epochs) if args.epochs < 1 else ("--seeds", args.seeds)
        print(f"bench_set_tutorial: {flag} must be at least 1; received {flag}={value}. Try {flag} 1.",
              file=sys.stderr)
        return 1
    try:
        data = read_out(args.out)
    except ValueError as err:
        print(f"bench_set_tutorial: {err}", file=sys.stderr)
        return 1
    print(machine_info(("numpy", "keras", "tensorflow")))
    if not args.table:
        from adjmat import SpecError

        print(f"setting: Fashion-MNIST {N_TRAIN} train / {N_TEST} test, {'-'.join(map(str, CONFIG))}, dropout "
              f"{DROPOUT}, ER epsilon {EPSILON}, SGD {LR} momentum {MOMENTUM}, weight decay {DECAY}/step, batch "
              f"{BATCH}, zeta {ZETA}, {args.epochs} epochs, recipe {args.recipe}; "
              f"variants {','.join(variants)}, seeds 0..{args.seeds - 1}")
        data_dir = args.data_dir or tempfile.mkdtemp(prefix="bench_set_tutorial_")
        try:
            subset = load_subset(args.source, data_dir)
        except (SpecError, OSError) as err:
            print(f"bench_set_tutorial: --source: {err}", file=sys.stderr)
            return 1
        for seed in range(args.seeds):
            for v in variants:
                t0 = time.perf_counter()
                run = run_one(v, seed, args.epochs, subset, args.implementation, args.recipe)
                data["runs"][f"{args.recipe}:{v}:{seed}:{args.epochs}"] = run
                write_out(args.out, data)
                if run["set_rule"] and seed == 0:
                    print(f"SETCallback settings: {json.dumps(run['set_rule'], sort_keys=True)}")
                print(f"{v:<5} seed {seed}: max {100 * run['max']:.2f} % (epoch {run['max_epoch']}), last "
                      f"{100 * run['last']:.2f} %, {run['seconds_per_epoch']:.2f} s/epoch, "
                      f"{time.perf_counter() - t0:.0f} s", flush=True)
    text, verdict = table(data, args.epochs, args.recipe)
    print(f"\nresults of {args.epochs}-epoch runs, recipe {args.recipe}, in {args.out}:\n{text}")
    if verdict is None:
        print("TARGET not judged: no SET run of this length")
        return 0
    print(f"TARGET SET last-epoch accuracy within 2 points of its best on every seed: {'PASS' if verdict else 'FAIL'}")
    return 0 if verdict else 1


if __name__ == "__main__":
    sys.exit(main())
