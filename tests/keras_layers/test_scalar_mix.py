"""Tests of ScalarMix."""

import keras
import numpy as np
import pytest

from keras_layers.scalar_mix import ScalarMix
from tests.helpers import run_layer_test


def test_layer_battery_stacked_input(tmp_path):
    # Stacked input (num_layers, batch, time, dim); batch == num_layers keeps fit's axis 0 consistent.
    run_layer_test(
        ScalarMix,
        {"num_layers": 3, "do_layer_norm": True},
        np.random.rand(3, 3, 4, 5).astype("float32"),
        (3, 4, 5),
        expected_num_trainable_weights=2,
        expected_num_non_trainable_weights=0,
        run_saving_check=True,
        tmp_path=tmp_path,
    )


def test_hand_computed_weights():
    mix = ScalarMix(3, initial_scalar_parameters=[0.0, 0.0, np.log(2.0)])
    layers = [np.full((2, 3, 4), float(k + 1), "float32") for k in range(3)]
    # softmax = [0.25, 0.25, 0.5]: 0.25 + 0.5 + 1.5.
    out = keras.ops.convert_to_numpy(mix(layers))
    np.testing.assert_allclose(out, np.full((2, 3, 4), 2.25), rtol=1e-6)
    mix.gamma.assign(2.0)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(mix(np.stack(layers))), np.full((2, 3, 4), 4.5), rtol=1e-6)


def test_layer_norm_uses_one_mean_and_variance_over_unmasked():
    rng = np.random.default_rng(0)
    layers = [rng.standard_normal((2, 4, 3)).astype("float32") * (k + 1) + k for k in range(2)]
    mask = np.array([[1, 1, 1, 0], [1, 0, 0, 0]], bool)
    mix = ScalarMix(2, do_layer_norm=True)
    got = keras.ops.convert_to_numpy(mix(layers, mask=mask))
    expected = 0.0
    for layer in layers:
        values = layer[mask]
        expected = expected + 0.5 * (layer - values.mean()) / np.sqrt(values.var() + 1e-12)
    np.testing.assert_allclose(got, expected, atol=1e-5)


def test_list_input_in_functional_model_and_trainable_flag():
    inputs = [keras.Input((None, 4)) for _ in range(3)]
    mix = ScalarMix(3)
    model = keras.Model(inputs, mix(inputs))
    assert tuple(model.output.shape) == (None, None, 4)
    assert len(mix.trainable_weights) == 2
    frozen = ScalarMix(3, trainable=False)
    frozen.build(None)
    assert not frozen.trainable_weights and len(frozen.non_trainable_weights) == 2
    config = frozen.get_config()
    assert ScalarMix.from_config(config).get_config() == config


def test_bad_arguments():
    with pytest.raises(ValueError, match="num_layers"):
        ScalarMix(0)
    with pytest.raises(ValueError, match="initial_scalar_parameters"):
        ScalarMix(2, initial_scalar_parameters=[0.0])
    with pytest.raises(ValueError, match="num_layers"):
        ScalarMix(2)([np.zeros((1, 2), "float32")] * 3)
