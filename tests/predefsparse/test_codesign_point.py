"""predefsparse.codesign.point and .chip: one evaluated point equals running its parts by hand (hwsim.simulate on
its patterns, the run folder's records, hwsim.infer on the trained weights quantised to the build's words)."""
import json
import os

import numpy as np

import adjmat
import hwsim
from hwsim.energy import energy_per_input
from predefsparse import datasets
from predefsparse.codesign import evaluate

from .design_helpers import mnist_subset


def test_evaluate_hardware_equals_simulating_by_hand(tmp_path):
    row = evaluate((800, 100, 10), "random", fo=(50, 10), z=(400, 10), seed=3, train=False, out=tmp_path)
    net = adjmat.NetSpec((800, 100, 10), (50, 10), (400, 10))
    pats = adjmat.generate_network(net, "random", seed=3)
    rep = hwsim.simulate(net, pats, hwsim.HardwareConfig(), inputs=1000)
    assert (row["cpc"], row["total_clocks"], row["stall_clocks"]) == (rep.cpc, rep.total_clocks, rep.total_stall_clocks)
    assert row["bank_stall_clocks"] == sum(rep.bank_stall_clocks) > 0 and not row["clash_free"]
    assert row["throughput"] == rep.throughput_inputs_per_s == 15e6 / rep.cpc
    assert row["energy_pj"] == energy_per_input(rep)["total_pj"]
    assert row["status"] == "hardware" and row["accuracy"] is None and row["hardware_accuracy"] is None
    saved = [adjmat.Pattern.load(tmp_path / "patterns" / f"junction{i}.npz") for i in (1, 2)]
    assert saved == pats
    assert json.loads((tmp_path / "point.json").read_text()) == json.loads(json.dumps(row))
    # an int z is z_1 with the other junctions balanced; fc runs at the same z with its own (longer) cycles
    assert evaluate((800, 100, 10), "rtl", z=200, train=False)["z"] == [200, 5]
    fc = evaluate((800, 100, 10), "fc", z=(400, 10), train=False)
    assert fc["C"] == [200, 100] and not fc["balanced"] and fc["cpc"] == 200 and fc["W"] == 81_000


def test_evaluate_trains_and_runs_the_weights_on_the_chip(tmp_path):
    data = mnist_subset(tmp_path)
    row = evaluate((800, 100, 10), "clash_free", seed=1, dataset=data, epochs=1, out=tmp_path / "pt")
    records = json.loads((tmp_path / "pt" / "run" / "records.json").read_text())
    assert row["accuracy"] == records["test"]["accuracy"] and 0.5 < row["accuracy"] <= 1
    assert row["status"] == "done" and row["epochs"] == 1 and row["run"] == os.fspath(tmp_path / "pt" / "run")
    run_pats = [adjmat.Pattern.load(tmp_path / "pt" / "run" / "patterns" / name)
                for name in sorted(os.listdir(tmp_path / "pt" / "run" / "patterns"))]
    design_pats = [adjmat.Pattern.load(tmp_path / "pt" / "patterns" / f"junction{i}.npz") for i in (1, 2)]
    assert [(p.left.tolist(), p.right.tolist()) for p in run_pats] == \
        [(p.left.tolist(), p.right.tolist()) for p in design_pats]
    # the hardware accuracy is hwsim.infer of the saved model's edge weights in fixed point with ReLU
    import keras
    model = keras.models.load_model(tmp_path / "pt" / "run" / "model.keras")
    layers = [layer for layer in model.layers if hasattr(layer, "pattern")]
    weights = [(np.asarray(layer.edge_values(), float), np.asarray(layer.bias.numpy(), float)) for layer in layers]
    *_, xte, yte = datasets.load(data)
    net = adjmat.NetSpec((800, 100, 10), (50, 10), (400, 10))
    x = np.pad(xte, ((0, 0), (0, 800 - xte.shape[1])))
    fixed = hwsim.infer(net, design_pats, hwsim.HardwareConfig(activation="relu"), x, weights=weights,
                        numerics="fixed", y=yte.argmax(1))
    assert row["hardware_accuracy"] == fixed.accuracy and row["hardware_note"] is None
    floating = hwsim.infer(net, design_pats, hwsim.HardwareConfig(activation="relu"), x, weights=weights,
                           y=yte.argmax(1))
    assert abs(floating.accuracy - row["accuracy"]) <= 0.004      # hwsim's float FF is Keras's network
    assert abs(row["hardware_accuracy"] - row["accuracy"]) < 0.05  # 10-bit words lose a little


def test_inputs_the_chip_cannot_take_get_no_hardware_accuracy_and_say_why(tmp_path):
    rng = np.random.default_rng(0)
    x = rng.uniform(-1, 1, (240, 16)).astype(np.float32)                 # signed: the chip takes [0, 1] only
    y = np.eye(4, dtype=np.float32)[rng.integers(0, 4, 240)]
    data = datasets.save(tmp_path / "signed.npz", x[:160], y[:160], x[160:200], y[160:200], x[200:], y[200:])
    row = evaluate((16, 8, 4), "clash_free", fo=(4, 2), z=(8, 4), dataset=data, epochs=1, out=tmp_path / "pt")
    assert row["accuracy"] is not None and row["hardware_accuracy"] is None
    assert row["hardware_note"].startswith("not simulated: the dataset's inputs lie in [") and "outside [0, 1]" in \
        row["hardware_note"]
