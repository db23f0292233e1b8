"""The design job of predefsparse: which pattern kind, which z, and what it costs in accuracy (docs/design.md).

:func:`design` (also ``predefsparse.design``) carries one network through five phases and writes one report:

1. **Plan** -- z per junction from a budget (:func:`hwsim.plan`, :mod:`hwsim.planning`);
2. **Patterns** -- every kind from the same seeds; validity, clash-freedom at z, scatter; kinds drawing identical
   patterns are trained once;
3. **Hardware** -- every kind at the same z through :func:`hwsim.simulate`, priced by :mod:`hwsim.energy`;
4. **Accuracy** -- every kind and seed trained in Keras, then its weights run on the chip's fixed-point
   arithmetic (:func:`hwsim.infer`), and with ``on_chip=True`` trained on the chip's own arithmetic;
5. **Answer** -- a ranked table, Pareto views and a recommendation with a floor under fully connected
   (:mod:`~predefsparse.codesign.ranking`).

Modules: :mod:`~.checks` (request checks), :mod:`~.point` (one point, :func:`evaluate`), :mod:`~.chip`
(accuracy on the hardware), :mod:`~.ranking` (the answer), :mod:`~.job` (the job), :mod:`~.report` and
:mod:`~.figures` (the page).

Examples
--------
>>> row = evaluate((800, 100, 10), "rtl", train=False)
>>> row["z"], row["clash_free"]
([400, 10], True)
"""
from .checks import read_energy
from .job import DEFAULT_KINDS, DESIGN_FORMAT, ONCHIP_EPOCHS, SEEDS, Design, design
from .point import SIM_INPUTS, TRAINING, evaluate
from .ranking import ACCURACY_TOLERANCE, ALPHA, MAX_LOSS, MEASURES

__all__ = ["design", "Design", "evaluate", "read_energy", "DEFAULT_KINDS", "SEEDS",
           "ONCHIP_EPOCHS", "SIM_INPUTS", "TRAINING", "MAX_LOSS", "MEASURES", "ALPHA", "ACCURACY_TOLERANCE",
           "DESIGN_FORMAT"]
