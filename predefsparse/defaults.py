"""The defaults every command and library entry of predefsparse shares: the network, the epochs, the seeds.

One value per idea, the same in ``run``, ``design``, ``sweep``, :func:`predefsparse.run_model` and
:func:`predefsparse.sim_net`:

- **Network**: the published MNIST net, layer sizes :data:`CONFIG` ``(800, 100, 10)`` (784 pixels padded to
  800) with out-degrees :data:`FO` ``(50, 10)`` (overall density 50.62 %).  A kind that needs a degree and is
  given neither ``fo`` nor ``densities`` gets :data:`FO` only with the default config.
- **Epochs**: :data:`EPOCHS` = 10 everywhere (a default run finishes in minutes on two cores; the published runs
  used :data:`PUBLISHED_EPOCHS` = 50, asked for with ``--epochs 50``).
- **Seeds**: :data:`SEED` = 0.  Every command and training entry defaults to seed 0, so a run repeated without
  ``--seed`` gives the same numbers; a different seed is asked for, never drawn.  ``design`` repeats every kind
  :data:`SEEDS` = 3 times (``--seeds``), with seeds ``SEED, SEED + 1, ...``: three give a spread, so kinds are
  told apart only beyond the seeds' noise.  ``run`` trains one seed; a sweep's seeds are its ``seed`` axis.

Examples
--------
>>> CONFIG, FO, EPOCHS, SEED, SEEDS
((800, 100, 10), (50, 10), 10, 0, 3)
"""
from __future__ import annotations

__all__ = ["CONFIG", "FO", "EPOCHS", "PUBLISHED_EPOCHS", "SEED", "SEEDS", "BATCH_SIZE", "L2", "seeds_from"]

#: Layer sizes of the default net (input width padded to 800, 100 hidden, 10 classes).
CONFIG: tuple[int, ...] = (800, 100, 10)
#: Out-degree per junction of the default net.
FO: tuple[int, ...] = (50, 10)
#: Training epochs of every command and library entry.
EPOCHS: int = 10
#: The epochs of the published runs (not a default; documented for ``--epochs 50``).
PUBLISHED_EPOCHS: int = 50
#: The seed of patterns, weights and data order when none is given.
SEED: int = 0
#: Repeats (seeds) per kind of ``design`` when none is asked.
SEEDS: int = 3
#: Mini-batch size of training.
BATCH_SIZE: int = 256
#: L2 factor on the kernels (the published value).
L2: float = 8e-5


def seeds_from(seed: int = SEED, count: int = SEEDS) -> list[int]:
    """The seeds of ``count`` repeats starting at ``seed`` (the seed policy of ``design --seeds``).

    Examples
    --------
    >>> seeds_from(3, 2)
    [3, 4]
    """
    return list(range(seed, seed + count))
