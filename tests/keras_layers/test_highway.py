"""Tests of the Highway layer."""

import keras
import numpy as np
import pytest

from keras_layers.highway import Highway
from tests import reference_elmo
from tests.helpers import run_layer_test


def test_layer_battery(tmp_path):
    run_layer_test(
        Highway,
        {"num_layers": 2},
        np.random.rand(4, 6).astype("float32"),
        (4, 6),
        expected_num_trainable_weights=8,
        expected_num_non_trainable_weights=0,
        run_saving_check=True,
        tmp_path=tmp_path,
    )


def test_hand_computed_constant_weights():
    layer = Highway(
        1,
        kernel_initializer=keras.initializers.Constant(0.5),
        carry_bias_initializer="zeros",
        transform_bias_initializer=keras.initializers.Constant(1.0),
    )
    x = np.array([[1.0, 2.0]], "float32")
    # x @ W = [1.5, 1.5]; gate = sigmoid(1.5); transformed = relu(2.5) = 2.5.
    gate = 1.0 / (1.0 + np.exp(-1.5))
    expected = gate * 2.5 + (1.0 - gate) * x
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer(x)), expected, rtol=1e-6)


def test_matches_reference_and_leading_axes():
    rng = np.random.default_rng(0)
    layer = Highway(2)
    x = rng.standard_normal((2, 3, 5)).astype("float32")
    layer.build(x.shape)
    params = []
    for k in range(2):
        values = [rng.standard_normal(s).astype("float32") for s in [(5, 5), (5,), (5, 5), (5,)]]
        layer.carry_kernels[k].assign(values[0])
        layer.carry_biases[k].assign(values[1])
        layer.transform_kernels[k].assign(values[2])
        layer.transform_biases[k].assign(values[3])
        params.append(values)
    got = keras.ops.convert_to_numpy(layer(x))
    expected = np.stack([[reference_elmo.highway(v.astype(np.float64), params) for v in row] for row in x])
    np.testing.assert_allclose(got, expected, atol=1e-5)


def test_zero_layers_is_identity_and_mask_passes():
    x = np.random.rand(2, 3).astype("float32")
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(Highway(0)(x)), x)
    mask = np.array([True, False])
    assert Highway(1).compute_mask(x, mask) is mask


def test_bad_arguments():
    with pytest.raises(ValueError, match="num_layers"):
        Highway(-1)
    with pytest.raises(TypeError, match="num_layers"):
        Highway(1.5)
