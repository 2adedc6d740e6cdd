"""Tests of the CharCNN token encoder."""

import keras
import numpy as np
import pytest

from keras_layers.char_cnn import CharCNN
from keras_layers.char_ids import batch_char_ids
from tests import reference_elmo
from tests.helpers import run_layer_test

FILTERS = [[1, 4], [2, 8], [3, 5]]
OPTIONS = {
    "lstm": {"dim": 8, "projection_dim": 6, "n_layers": 1, "use_skip_connections": True},
    "char_cnn": {"filters": FILTERS, "embedding": {"dim": 3}, "n_highway": 2, "activation": "relu"},
}


def assign_from_file_weights(layer, weights):
    layer.char_embedding.assign(weights["char_embed"])
    for i in range(len(layer.filters)):
        layer.conv_kernels[i].assign(weights[f"CNN/W_cnn_{i}"][0])
        layer.conv_biases[i].assign(weights[f"CNN/b_cnn_{i}"])
    for k in range(layer.n_highway):
        layer.highway.carry_kernels[k].assign(weights[f"CNN_high_{k}/W_carry"])
        layer.highway.carry_biases[k].assign(weights[f"CNN_high_{k}/b_carry"])
        layer.highway.transform_kernels[k].assign(weights[f"CNN_high_{k}/W_transform"])
        layer.highway.transform_biases[k].assign(weights[f"CNN_high_{k}/b_transform"])
    layer.projection_kernel.assign(weights["CNN_proj/W_proj"])
    layer.projection_bias.assign(weights["CNN_proj/b_proj"])


def test_layer_battery(tmp_path):
    ids = batch_char_ids([["a", "bc"], ["déf"]])
    run_layer_test(
        CharCNN,
        {"filters": FILTERS, "char_embedding_dim": 3, "n_highway": 1, "projection_dim": 6},
        ids,
        (2, 4, 6),
        expected_num_trainable_weights=1 + 2 * 3 + 4 + 2,
        expected_num_non_trainable_weights=0,
        run_saving_check=True,
        tmp_path=tmp_path,
    )


@pytest.mark.parametrize("activation", ["relu", "tanh"])
def test_matches_reference(activation):
    options = {**OPTIONS, "char_cnn": {**OPTIONS["char_cnn"], "activation": activation}}
    weights = reference_elmo.random_weights(options, seed=1)
    layer = CharCNN(filters=FILTERS, char_embedding_dim=3, n_highway=2, projection_dim=6, activation=activation)
    ids = batch_char_ids([["The", "苹果", "x" * 60], ["<S>"]])
    layer.build(ids.shape)
    assign_from_file_weights(layer, weights)
    got = keras.ops.convert_to_numpy(layer(ids))
    expected = reference_elmo.char_cnn(ids, weights, options)
    assert got.shape == (2, 5, 6)
    np.testing.assert_allclose(got, expected, atol=1e-5)
    # Any leading axes: the same tokens as a flat (U, 50) batch.
    flat = keras.ops.convert_to_numpy(layer(ids.reshape(-1, 50)))
    np.testing.assert_allclose(flat, got.reshape(-1, 6), atol=1e-6)


def test_hand_computed_constant_weights():
    layer = CharCNN(filters=[[1, 1], [2, 1]], char_embedding_dim=1, n_highway=0, projection_dim=1)
    ids = np.ones((1, 50), np.int32)
    layer.build(ids.shape)
    layer.char_embedding.assign(np.ones((262, 1), np.float32))
    layer.conv_kernels[0].assign(np.full((1, 1, 1), 0.5, np.float32))
    layer.conv_biases[0].assign(np.array([-1.0], np.float32))
    layer.conv_kernels[1].assign(np.full((2, 1, 1), 0.25, np.float32))
    layer.conv_biases[1].assign(np.array([0.1], np.float32))
    layer.projection_kernel.assign(np.array([[1.0], [2.0]], np.float32))
    layer.projection_bias.assign(np.array([0.3], np.float32))
    # filter 0: relu(0.5 - 1) = 0; filter 1: relu(0.25 + 0.25 + 0.1) = 0.6; proj: 0 + 1.2 + 0.3.
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer(ids)), [[1.5]], rtol=1e-6)


def test_bad_arguments():
    with pytest.raises(ValueError, match="filters"):
        CharCNN(filters=[[0, 4]])
    with pytest.raises(ValueError, match="filters"):
        CharCNN(filters=[])
    with pytest.raises(ValueError, match="projection_dim"):
        CharCNN(filters=[[1, 2]], projection_dim=0)
    with pytest.raises(ValueError, match="n_highway"):
        CharCNN(filters=[[1, 2]], n_highway=-1)
    with pytest.raises(ValueError, match="max_characters_per_token"):
        CharCNN(filters=[[1, 2]], max_characters_per_token=10).build((None, 50))
