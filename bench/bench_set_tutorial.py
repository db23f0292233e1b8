"""SET's tutorial setting: SET vs static Erdos-Renyi vs Dense on Fashion-MNIST, 400 epochs, max and last accuracy.

Run::

    python bench/bench_set_tutorial.py --source /path/to/fashion-mnist       # 3 seeds x 3 variants, hours on 2 cores
    python bench/bench_set_tutorial.py --dropout keras --dense-lr equal      # Keras's dropout, one rate for all
    python bench/bench_set_tutorial.py --epochs 50 --seeds 1                 # a shorter look
    python bench/bench_set_tutorial.py --variants dense --seeds 3            # one variant; results merge in --out
    python bench/bench_set_tutorial.py --seeds 1 --first-seed 2 --out F2     # one seed a process (merge the files)
    python bench/bench_set_tutorial.py --table                               # print the table of what --out holds

The setting is that of SET's Fashion-MNIST tutorial (Mocanu et al.; IJCAI 2019 tutorial code, whose published
runs give the ranges printed beside ours): 2,000 training and 1,000 test images, an MLP 784-1000-1000-1000-10
with ReLU hidden layers and dropout 0.2 after each, Erdos-Renyi connectivity with epsilon 13, SGD with
learning rate 0.05 and momentum 0.9, weight decay 0.0002 per step, batch size 40, 400 epochs, SET rewiring with
zeta 0.3 after every epoch but the last, in every junction.  Three variants (equal settings but for the
dense variant's rates, ``--dense-lr``):

- ``set``: :func:`predefsparse.models.mlp` (``kind="erdos_renyi"``, ``epsilon=13``) + :class:`predefsparse.SETCallback`;
- ``er``: the same network, never rewired (SET's "fixprob" baseline);
- ``dense``: ``keras.layers.Dense`` layers of the same sizes.

Two recipes (``--recipe``, docs/scale.md §5): ``set2019`` (default), SET's IJCAI 2019 tutorial code whose runs
are the published ones -- kernels N(0, 0.1^2), biases zero, sigmoid outputs trained with SET's own MSE delta
(:func:`set_delta_loss`); and ``keras`` -- He-uniform kernels, biases zero, softmax outputs with categorical
cross-entropy (SET's 2020 code; the first session's setting).  The regrown weights and the removal rule
are :class:`~predefsparse.SETCallback`'s defaults (printed).

The images are SET's own subset (:func:`set_subset_indices`): ``np.random.RandomState(0)`` shuffles
``arange(60000)`` (the builder's training + validation images, in the IDX files' order) and the first 2,000 are
the training images; the same RandomState then shuffles ``arange(10000)`` and the first 1,000 test images are
the test set.

``--dropout`` (after every hidden layer, rate 0.2): ``set`` (default) is SET's code's dropout
(:func:`set_dropout_layer`): in training the activations are multiplied by the 0/1 mask in the forward pass
only -- no 1/(1-p) scaling, and the gradient passes every unit as if none were dropped; at test the
pre-activations (biases included) of every layer but the first are multiplied by (1-p).  ``keras`` is
``keras.layers.Dropout`` (inverted dropout: kept units scaled by 1/(1-p) in training, the mask applied to the
gradient too, nothing scaled at test).

``--dense-lr`` (the dense variant only): ``set`` (default) is SET's dense run, whose rate 0.001 multiplies a
weight gradient *summed* over the batch of 40 -- 0.04 in the mean convention Keras and the sparse variants
use -- and a bias gradient averaged over the batch (0.001); ``equal`` gives the dense variant the sparse
variants' 0.05 for both.  Weight decay stays 0.0002 per step on every weight and bias, as in SET's code.  The
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
import functools
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
#: SET's dense run: rate 0.001 on a weight gradient summed over the batch, on a bias gradient averaged over it.
DENSE_SET_LR = 0.001
VARIANTS = ("set", "er", "dense")
DROPOUTS = ("set", "keras")
DENSE_LRS = ("set", "equal")
#: SET's subset: the seed of its ``np.random.RandomState`` and the sizes of the pools it shuffles.
SUBSET_SEED, TRAIN_POOL, TEST_POOL = 0, 60000, 10000
SUBSET = "set2019"     # recorded with every run; runs without it drew another subset and are never tabled
#: SET's published max test accuracy over 400 epochs (%, five seeds of its IJCAI 2019 tutorial runs, its
#: Pretrained_results): SET-MLP, static Erdos-Renyi ("fixprob") MLP, fully connected MLP.
PUBLISHED = {"set": (83.2, 84.0), "er": (80.8, 82.2), "dense": (83.6, 84.5)}
#: The same runs' accuracy after the 400th epoch (%).
PUBLISHED_LAST = {"set": (81.2, 83.6), "er": (79.8, 81.1), "dense": (81.7, 82.3)}
DEFAULT_OUT = os.path.join(os.path.expanduser("~"), ".cache", "predefsparse", "bench_set_tutorial.json")
_MAX_OUT_BYTES = 64 << 20


def set_subset_indices(train_pool: int = TRAIN_POOL, test_pool: int = TEST_POOL, n_train: int = N_TRAIN,
                       n_test: int = N_TEST):
    """SET's tutorial subset: indices of its training images (into the 60,000 training + validation images in
    the IDX files' order) and of its test images (into the 10,000 test images).

    One ``np.random.RandomState(0)`` shuffles ``arange(train_pool)``, then ``arange(test_pool)``; the first
    ``n_train`` and ``n_test`` are taken (SET's ``load_fashion_mnist_data`` does this with numpy's global
    state after ``np.random.seed(0)``; here the RandomState is a local one).

    Examples
    --------
    >>> tr, te = set_subset_indices()
    >>> tr[:5].tolist(), te[:5].tolist()
    ([3048, 19563, 58303, 8870, 40228], [6154, 5047, 7004, 6317, 8538])
    """
    import numpy as np

    rs = np.random.RandomState(SUBSET_SEED)
    tr = np.arange(train_pool)
    rs.shuffle(tr)
    te = np.arange(test_pool)
    rs.shuffle(te)
    return tr[:n_train], te[:n_test]


def load_subset(source: str | None, data_dir: str):
    """SET's 2,000 training and 1,000 test Fashion-MNIST images (:func:`set_subset_indices`), float32 in [0, 1],
    one-hot labels."""
    import numpy as np

    from predefsparse import datasets

    path = datasets.build("fashion-mnist", source=source, data_dir=data_dir)
    xtr, ytr, xva, yva, xte, yte = datasets.load(path)
    x, y = np.concatenate([xtr, xva]), np.concatenate([ytr, yva])   # the builder keeps the IDX order
    if len(x) != TRAIN_POOL or len(xte) != TEST_POOL:
        raise ValueError(f"the fashion-mnist build at {path} has {len(x)} training + validation and {len(xte)} "
                         f"test images; SET's subset needs {TRAIN_POOL} and {TEST_POOL}")
    tr, te = set_subset_indices()
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


@functools.cache
def _set_classes():
    """SET's dropout layer and the optimizer of SET's dense rates (defined on first use: Keras loads then)."""
    import keras
    from keras import ops

    class SetDropout(keras.layers.Layer):
        """SET's dropout: ``x * mask`` in training (mask 1 where ``uniform >= rate``), the gradient passed as if
        nothing were dropped; ``x * test_scale`` at test.  ``rate=0`` is a test-time scale alone."""

        def __init__(self, rate: float, test_scale: float = 1.0, seed: int | None = None, **kwargs):
            super().__init__(**kwargs)
            self.rate, self.test_scale, self.seed = float(rate), float(test_scale), seed
            self.seed_generator = keras.random.SeedGenerator(seed) if rate > 0 else None

        def call(self, inputs, training=False):
            if training:
                if self.seed_generator is None:
                    return inputs
                u = keras.random.uniform(ops.shape(inputs), seed=self.seed_generator, dtype=inputs.dtype)
                masked = inputs * ops.cast(u >= self.rate, inputs.dtype)
                return inputs + ops.stop_gradient(masked - inputs)    # forward: masked; gradient: identity
            return inputs * self.test_scale if self.test_scale != 1.0 else inputs

        def compute_output_shape(self, input_shape):
            return input_shape

        def get_config(self):
            return {**super().get_config(), "rate": self.rate, "test_scale": self.test_scale, "seed": self.seed}

    class SetRatesSGD(keras.optimizers.SGD):
        """SGD whose bias variables (name ``bias``) step at ``bias_scale`` times the learning rate."""

        def __init__(self, *, bias_scale: float, **kwargs):
            super().__init__(**kwargs)
            self.bias_scale = float(bias_scale)

        def build(self, variables):
            super().build(variables)
            self._biases = {self._get_variable_index(v) for v in variables if v.name == "bias"}

        def update_step(self, gradient, variable, learning_rate):
            # the backend may pass its own variable (TensorFlow: a tf.Variable named "bias:0"); the index is common
            if self._get_variable_index(variable) in self._biases:
                learning_rate = learning_rate * self.bias_scale
            super().update_step(gradient, variable, learning_rate)

        def get_config(self):
            return {**super().get_config(), "bias_scale": self.bias_scale}

    return SetDropout, SetRatesSGD


def set_dropout_layer(rate: float, test_scale: float = 1.0, seed: int | None = None, name: str | None = None):
    """A Keras layer with SET's dropout semantics (see the module docstring): in training ``x * mask`` with
    mask 1 where ``uniform >= rate`` (SET's ``dropMask``), no 1/(1-p) scaling, the gradient passed unmasked
    (a straight-through mask: SET back-propagates through the pre-activations, never through the mask); at
    test ``x * test_scale``."""
    return _set_classes()[0](rate, test_scale, seed=seed, name=name)


def optimizer(variant: str, dense_lr: str = "set"):
    """SGD with momentum 0.9 and weight decay 0.0002 per step on every variable.  The sparse variants, and the
    dense one under ``dense_lr="equal"``: rate 0.05 (gradients averaged over the batch, SET's sparse code).
    The dense one under ``dense_lr="set"``: SET's dense code's 0.001 on the weight gradient summed over the
    batch, i.e. 0.001 x 40 = 0.04 on Keras's mean, and 0.001 on the bias gradient (a mean in SET's code too)."""
    import keras

    if variant == "dense" and dense_lr == "set":
        lr = DENSE_SET_LR * BATCH
        return _set_classes()[1](learning_rate=lr, momentum=MOMENTUM, weight_decay=DECAY / lr,
                                 bias_scale=DENSE_SET_LR / lr)
    return keras.optimizers.SGD(LR, momentum=MOMENTUM, weight_decay=DECAY / LR)


def build(variant: str, seed: int, implementation: str, recipe: str = "set2019", dropout: str = "set"):
    """The model of one variant (uncompiled).  ``set2019``: kernels N(0, 0.1^2), zero biases, a linear output
    layer trained through :func:`set_delta_loss` (SET's IJCAI 2019 tutorial code); ``keras``: He-uniform kernels,
    zero biases, softmax outputs and categorical cross-entropy (SET's 2020 code).  ``dropout``: ``"set"`` puts
    :func:`set_dropout_layer` after every hidden layer (test scale 1 after the first, 1-p after the others) and
    a test-time scale 1-p on the output pre-activations -- SET's code multiplies the pre-activations of every
    layer but the first by 1-p at test, and relu(c z) = c relu(z); ``"keras"`` puts ``keras.layers.Dropout``."""
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
        junctions = [keras.layers.Dense(n, activation=out_act if i == len(CONFIG) - 2 else "relu",
                                        kernel_initializer=init(i), name=f"dense{i + 1}")
                     for i, n in enumerate(CONFIG[1:])]
    else:
        kwargs = dict(kind="erdos_renyi", epsilon=EPSILON, dropout=None,
                      kernel_initializer=("he_uniform" if recipe == "keras"
                                          else keras.initializers.RandomNormal(stddev=0.1)),
                      bias_initializer="zeros", output_activation=out_act, seed=seed)
        if "implementation" in inspect.signature(models.mlp).parameters:
            kwargs["implementation"] = implementation
        junctions = models.mlp(CONFIG, **kwargs).layers[1:]       # the junctions, rewired into the graph below
    inputs = keras.Input((CONFIG[0],))
    x = inputs
    for i, layer in enumerate(junctions):
        x = layer(x)
        if i < len(junctions) - 1:
            if dropout == "set":
                x = set_dropout_layer(DROPOUT, 1.0 if i == 0 else 1.0 - DROPOUT, seed * 100 + 50 + i,
                                      f"set_dropout{i + 1}")(x)
            else:
                x = keras.layers.Dropout(DROPOUT, seed=seed * 100 + 50 + i, name=f"dropout{i + 1}")(x)
    if dropout == "set" and recipe == "set2019":
        x = set_dropout_layer(0.0, 1.0 - DROPOUT, name="set_test_scale")(x)   # softmax would not commute
    return keras.Model(inputs, x, name=f"{variant}_" + "_".join(map(str, CONFIG)))


def run_one(variant: str, seed: int, epochs: int, data, implementation: str, recipe: str = "set2019",
            dropout: str = "set", dense_lr: str = "set") -> dict:
    """Train one variant with one seed; per-epoch test accuracy and timing."""
    import keras

    from predefsparse import SETCallback, SparseDense

    keras.utils.clear_session()
    xtr, ytr, xte, yte = data
    model = build(variant, seed, implementation, recipe, dropout)
    model.compile(optimizer=optimizer(variant, dense_lr),
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
                     validation_data=(xte, yte), callbacks=callbacks + [_progress(variant, seed)])
    wall = time.perf_counter() - t0
    acc = [float(v) for v in hist.history["val_categorical_accuracy"]]
    final = float(model.evaluate(xte, yte, batch_size=500, verbose=0)[1])
    best = max(range(len(acc)), key=acc.__getitem__)
    return {"variant": variant, "seed": seed, "epochs": epochs, "acc": acc, "max": acc[best], "max_epoch": best + 1,
            "last": acc[-1], "final_model": final, "seconds_per_epoch": wall / epochs,
            "W": [int(layer.pattern.W) for layer in sparse] or None,
            "implementation": sorted({_impl_name(layer) for layer in sparse}) or None,
            "set_rule": rule, "recipe": recipe, "subset": SUBSET, "dropout": dropout,
            "dense_lr": dense_lr if variant == "dense" else None}


def _progress(variant: str, seed: int, every: int = 25):
    """A callback printing the test accuracy every ``every`` epochs (a long run's sign of life in its log)."""
    import keras

    t0 = time.perf_counter()

    def on_epoch_end(epoch, logs):
        if (epoch + 1) % every == 0:
            print(f"  {variant} seed {seed} epoch {epoch + 1}: test {100 * logs['val_categorical_accuracy']:.1f} %, "
                  f"{time.perf_counter() - t0:.0f} s", flush=True)

    return keras.callbacks.LambdaCallback(on_epoch_end=on_epoch_end)


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


def run_key(recipe: str, dropout: str, dense_lr: str, variant: str, seed: int, epochs: int) -> str:
    """The key of one run in ``--out`` (``dense_lr`` counts for the dense variant only)."""
    return f"{SUBSET}:{recipe}:{dropout}:{dense_lr if variant == 'dense' else '-'}:{variant}:{seed}:{epochs}"


def _stats(values: list[float]) -> str:
    """Mean +- sample standard deviation (min-max) of percentages."""
    import statistics

    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.fmean(values):.2f} +- {sd:.2f} ({min(values):.1f}-{max(values):.1f})"


def table(data: dict, epochs: int, recipe: str = "set2019", dropout: str = "set",
          dense_lr: str = "set") -> tuple[str, bool | None]:
    """The per-run table and the per-variant summary beside SET's published ranges, for SET's subset and the
    given recipe, dropout and dense rates; and the target's verdict (None when no SET run of ``epochs`` epochs is
    there).  Runs of another subset (recorded before it was SET's) are left out."""
    runs = [r for r in data["runs"].values()
            if r["epochs"] == epochs and r.get("subset") == SUBSET and r.get("recipe") == recipe
            and r.get("dropout") == dropout and (r["variant"] != "dense" or r.get("dense_lr") == dense_lr)]
    lines = [f"{'variant':<7} {'seed':>4} {'max %':>7} {'at epoch':>8} {'last %':>7} {'last-max':>8} "
             f"{'last 10 %':>9} {'s/epoch':>8}  implementation",
             "-" * 84]
    for r in sorted(runs, key=lambda r: (VARIANTS.index(r["variant"]), r["seed"])):
        lines.append(f"{r['variant']:<7} {r['seed']:>4} {100 * r['max']:>7.2f} {r['max_epoch']:>8} "
                     f"{100 * r['last']:>7.2f} {100 * (r['last'] - r['max']):>8.2f} "
                     f"{100 * sum(r['acc'][-10:]) / len(r['acc'][-10:]):>9.2f} {r['seconds_per_epoch']:>8.2f}  "
                     f"{'/'.join(r['implementation'] or ['keras Dense'])}")
    lines.append("")
    lines.append(f"{'variant':<7} {'seeds':>5} {'max %: mean +- sd (range)':>27} {'last %: mean +- sd (range)':>27} "
                 f"{'published max':>14} {'published last':>15}")
    verdict = None
    for v in VARIANTS:
        rs = [r for r in runs if r["variant"] == v]
        if not rs:
            continue
        pub, pub_last = PUBLISHED[v], PUBLISHED_LAST[v]
        lines.append(f"{v:<7} {len(rs):>5} {_stats([100 * r['max'] for r in rs]):>27} "
                     f"{_stats([100 * r['last'] for r in rs]):>27} {pub[0]:>8.1f}-{pub[1]:<5.1f} "
                     f"{pub_last[0]:>9.1f}-{pub_last[1]:<5.1f}")
        if v == "set":
            verdict = all(r["max"] - r["last"] <= 0.02 + 1e-6 for r in rs)   # accuracies are float32 counts / 1000
    return "\n".join(lines), verdict


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=400, help="training epochs per run (default 400)")
    ap.add_argument("--seeds", type=int, default=3, help="number of seeds, --first-seed onwards (default 3)")
    ap.add_argument("--first-seed", type=int, default=0, help="the first seed (default 0): one process a seed")
    ap.add_argument("--variants", default=",".join(VARIANTS), help="comma-separated subset of set,er,dense")
    ap.add_argument("--source", help="folder with the four Fashion-MNIST IDX files (default: the builder's search)")
    ap.add_argument("--data-dir", help="where the built dataset goes (default: a temporary folder)")
    ap.add_argument("--implementation", default="sparse", choices=("sparse", "masked", "auto"),
                    help="SparseDense implementation of the set and er variants (default sparse)")
    ap.add_argument("--recipe", default="set2019", choices=RECIPES,
                    help="set2019 (default): SET's IJCAI 2019 tutorial code -- N(0, 0.1^2) kernels, sigmoid outputs "
                         "with its MSE delta; keras: He-uniform kernels, softmax and cross-entropy")
    ap.add_argument("--dropout", default="set", choices=DROPOUTS,
                    help="set (default): SET's code's dropout (mask in the forward pass only, no 1/(1-p) scaling, "
                         "1-p at test); keras: keras.layers.Dropout")
    ap.add_argument("--dense-lr", default="set", choices=DENSE_LRS,
                    help="the dense variant's rates: set (default): SET's dense run, 0.04 on the mean weight "
                         "gradient (its 0.001 on the sum over the batch of 40), 0.001 on the biases; equal: 0.05 "
                         "as the sparse variants")
    ap.add_argument("--out", default=DEFAULT_OUT, help=f"results file, merged run by run (default {DEFAULT_OUT})")
    ap.add_argument("--table", action="store_true", help="print the table of --out for --epochs and exit")
    args = ap.parse_args(argv)
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    bad = [v for v in variants if v not in VARIANTS]
    if bad or not variants:
        print(f"bench_set_tutorial: --variants must be a comma-separated subset of {','.join(VARIANTS)}; received "
              f"--variants={args.variants!r}. Try --variants set,er.", file=sys.stderr)
        return 1
    if args.first_seed < 0:
        print(f"bench_set_tutorial: --first-seed must be at least 0; received --first-seed={args.first_seed}. "
              f"Try --first-seed 0.", file=sys.stderr)
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

        dense_rate = (f"dense {DENSE_SET_LR * BATCH:g} weights / {DENSE_SET_LR:g} biases" if args.dense_lr == "set"
                      else f"dense {LR}")
        print(f"setting: Fashion-MNIST {N_TRAIN} train / {N_TEST} test (SET's RandomState(0) subset), "
              f"{'-'.join(map(str, CONFIG))}, {args.dropout} dropout {DROPOUT}, ER epsilon {EPSILON}, SGD {LR} "
              f"({dense_rate}) momentum {MOMENTUM}, weight decay {DECAY}/step, batch "
              f"{BATCH}, zeta {ZETA}, {args.epochs} epochs, recipe {args.recipe}; "
              f"variants {','.join(variants)}, seeds {args.first_seed}..{args.first_seed + args.seeds - 1}")
        data_dir = args.data_dir or tempfile.mkdtemp(prefix="bench_set_tutorial_")
        try:
            subset = load_subset(args.source, data_dir)
        except (SpecError, OSError) as err:
            print(f"bench_set_tutorial: --source: {err}", file=sys.stderr)
            return 1
        for seed in range(args.first_seed, args.first_seed + args.seeds):
            for v in variants:
                t0 = time.perf_counter()
                run = run_one(v, seed, args.epochs, subset, args.implementation, args.recipe, args.dropout,
                              args.dense_lr)
                key = run_key(args.recipe, args.dropout, args.dense_lr, v, seed, args.epochs)
                data = read_out(args.out)        # other processes may have merged runs meanwhile
                data["runs"][key] = run
                write_out(args.out, data)
                if run["set_rule"] and seed == args.first_seed:
                    print(f"SETCallback settings: {json.dumps(run['set_rule'], sort_keys=True)}")
                print(f"{v:<5} seed {seed}: max {100 * run['max']:.2f} % (epoch {run['max_epoch']}), last "
                      f"{100 * run['last']:.2f} %, {run['seconds_per_epoch']:.2f} s/epoch, "
                      f"{time.perf_counter() - t0:.0f} s", flush=True)
    text, verdict = table(data, args.epochs, args.recipe, args.dropout, args.dense_lr)
    print(f"\nresults of {args.epochs}-epoch runs on SET's subset, recipe {args.recipe}, {args.dropout} dropout, "
          f"dense rates {args.dense_lr}, in {args.out}:\n{text}")
    if verdict is None:
        print("TARGET not judged: no SET run of this length")
        return 0
    print(f"TARGET SET last-epoch accuracy within 2 points of its best on every seed: {'PASS' if verdict else 'FAIL'}")
    return 0 if verdict else 1


if __name__ == "__main__":
    sys.exit(main())
