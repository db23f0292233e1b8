"""A small layer checklist in the spirit of Keras's internal ``run_layer_test`` (which is not public API).

:func:`check_sparse_layer` builds a layer in a functional model and checks, with assertions on values:
output shape and dtype, ``compute_output_shape``, identical initial weights from the same seed, the config
round-trip, a ``.keras`` save/load that restores weights (values and dtypes) and topology bit-exactly with no
``custom_objects``, and one-or-more Adam training steps after which absent kernel entries and their optimizer
slots are exactly zero (on the sparse path there are no absent entries: its slots hold one value per edge).
"""
from __future__ import annotations

import os

import keras
import numpy as np


def _kernel_slots(model, layer):
    """Optimizer variables shaped like the layer's trainable kernel (``kernel`` on the masked path, ``values``
    on the sparse one) that belong to it (Adam: momentum and velocity)."""
    var = layer.values if getattr(layer, "resolved_implementation", "masked") == "sparse" else layer.kernel
    tag = var.path.replace("/", "_")
    return [v for v in model.optimizer.variables if tuple(v.shape) == tuple(var.shape) and tag in v.path]


def check_sparse_layer(make_layer, input_shape, tmp_path, *, expected_output_shape=None,
                       compute_dtype="float32", steps: int = 3, seed: int = 0):
    """Run the checklist on ``make_layer()`` (a fresh, unbuilt SparseDense-like layer).

    Parameters
    ----------
    make_layer : callable
        Returns a new layer.
    input_shape : tuple
        Input shape without the batch axis.
    tmp_path : pathlib.Path
        Folder for the saved model.
    expected_output_shape : tuple, optional
        Output shape without the batch axis.
    compute_dtype : str
        Expected output dtype.
    steps : int
        Adam steps to train.

    Returns
    -------
    keras.Model
        The trained model (the layer is ``model.layers[1]``).
    """
    rng = np.random.default_rng(seed)
    layer = make_layer()
    inputs = keras.Input(input_shape)
    outputs = layer(inputs)
    model = keras.Model(inputs, outputs)
    batch = 8
    x = rng.normal(size=(batch,) + tuple(input_shape)).astype("float32")
    y = model.predict(x, verbose=0)
    if expected_output_shape is not None:
        assert y.shape == (batch,) + tuple(expected_output_shape), y.shape
        assert tuple(layer.compute_output_shape((batch,) + tuple(input_shape))) == y.shape
    assert keras.backend.standardize_dtype(layer(x).dtype) == compute_dtype

    # one seed: a second layer from the same constructor starts from the same pattern and weights, bit for bit
    if getattr(layer, "seed", None) is not None:
        twin = make_layer()
        keras.Model(inputs, twin(inputs))
        for a, b in zip(layer.get_weights(), twin.get_weights()):
            assert a.dtype == b.dtype and np.array_equal(a, b), "same seed, different initial weights"

    # config round-trip (the built config carries the pattern description)
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config

    # training: absent weights and their optimizer state stay exactly zero
    mask = layer.pattern.to_mask()
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="mse")
    target = rng.normal(size=y.shape).astype("float32")
    model.fit(x, target, epochs=steps, batch_size=batch, verbose=0, shuffle=False)
    kernel = keras.ops.convert_to_numpy(layer.kernel)
    assert np.all(kernel[~mask] == 0), "absent kernel entries moved"
    assert np.any(kernel[mask] != 0)
    slots = _kernel_slots(model, layer)
    assert len(slots) == 2, [v.path for v in model.optimizer.variables]
    sparse = getattr(layer, "resolved_implementation", "masked") == "sparse"
    for slot in slots:
        values = keras.ops.convert_to_numpy(slot)
        if sparse:  # one slot value per edge: nothing absent to stay zero
            assert values.shape == (layer.pattern.W,) and np.any(values != 0)
            continue
        assert np.all(values[~mask] == 0), f"{slot.path} non-zero at absent positions"
        assert np.any(values[mask] != 0)

    # .keras round-trip: weights bit-exact (values and dtypes), topology and predictions identical
    path = os.path.join(os.fspath(tmp_path), "checked.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    before, after = model.get_weights(), loaded.get_weights()
    assert len(before) == len(after)
    for a, b in zip(before, after):
        assert a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)
    assert loaded.layers[1].pattern == layer.pattern
    assert loaded.layers[1].get_config() == layer.get_config()
    np.testing.assert_array_equal(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    return model
