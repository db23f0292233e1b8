"""One training run in its own process, for the concurrency and fault tests (test_run_faults.py).

    python -m tests.predefsparse.run_child --out DIR [--seed S] [--epochs E] [--kill-at WHEN]
                                           [--ready FILE --go FILE]

``--kill-at`` sends SIGKILL to this process at a chosen point: ``checkpoint-write:N`` (checkpoint N fully in
its temp file, not yet renamed), ``after-checkpoint:N`` (checkpoint N and its records written),
``final-save`` (the final model in its temp file, not yet renamed).  ``--ready`` / ``--go``: touch READY once
everything is imported and built, then wait for GO, so that two processes start their runs together.
Prints one JSON line: ``{"outcome": "ran" | "refused", "pid": ..., "message": ...}``; exit 0 or 3.
"""
import argparse
import json
import os
import signal
import sys
import time

SAMPLES = (600, 100, 100)


def data():
    """The first 600 / 100 / 100 real MNIST images."""
    from predefsparse import datasets
    xtr, ytr, xva, yva, xte, yte = datasets.load("mnist")
    a, b, c = SAMPLES
    return xtr[:a], ytr[:a], xva[:b], yva[:b], xte[:c], yte[:c]


def net(seed):
    from predefsparse import models
    return models.mlp((800, 32, 10), fo=(8, 10), kind="clash_free", seed=seed, l2=1e-4)


RUN = dict(epochs=3, epoch_step=1, batch_size=128, verbose=0)


def _kill_now():
    os.kill(os.getpid(), signal.SIGKILL)


def _arm(kill_at: str, callbacks: list) -> None:
    if not kill_at:
        return
    what, _, number = kill_at.partition(":")
    if what in ("checkpoint-write", "final-save"):
        target = f"checkpoint-e{int(number):04d}.keras" if what == "checkpoint-write" else "model.keras"
        real_replace = os.replace

        def replace(src, dst, *args, **kwargs):  # the temp file is complete; die before the rename
            if os.path.basename(os.fspath(dst)) == target:
                _kill_now()
            return real_replace(src, dst, *args, **kwargs)
        os.replace = replace
    elif what == "after-checkpoint":
        import keras

        class _Die(keras.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):  # runs after the driver's checkpointer
                if epoch + 1 == int(number):
                    _kill_now()
        callbacks.append(_Die())
    else:
        raise SystemExit(f"unknown --kill-at {kill_at!r}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--epochs", type=int, default=RUN["epochs"])
    ap.add_argument("--kill-at", default="")
    ap.add_argument("--ready")
    ap.add_argument("--go")
    args = ap.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from adjmat import SpecError
    from predefsparse.training import run_model
    arrays, model, callbacks = data(), net(args.seed), []
    _arm(args.kill_at, callbacks)
    if args.ready:
        open(args.ready, "w").close()
        while not os.path.exists(args.go):
            time.sleep(0.005)
    try:
        run_model(model, arrays, out=args.out, callbacks=callbacks, **{**RUN, "epochs": args.epochs})
    except SpecError as err:
        print(json.dumps({"outcome": "refused", "pid": os.getpid(), "message": str(err)}))
        return 3
    print(json.dumps({"outcome": "ran", "pid": os.getpid(), "message": ""}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
