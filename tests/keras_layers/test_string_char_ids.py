"""Tests of StringCharIds: string tokens to character ids inside a model (TensorFlow only)."""

import keras
import numpy as np
import pytest

from keras_layers.char_ids import batch_char_ids
from keras_layers.string_char_ids import StringCharIds

pytestmark = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow", reason="StringCharIds needs TensorFlow string ops"
)

SENTENCES = [
    ["<S>", "The", "apple", "</S>"],
    ["苹果", "😀", "é" * 30, "a" + "中" * 20, "x" * 60],
    ["tab\there", "<s>"],
]


def padded_strings(sentences):
    width = max(len(s) for s in sentences)
    return np.array([s + [""] * (width - len(s)) for s in sentences], dtype=object)


def test_matches_batch_char_ids():
    ids = keras.ops.convert_to_numpy(StringCharIds()(padded_strings(SENTENCES)))
    expected = batch_char_ids(SENTENCES, add_boundaries=False)
    assert ids.dtype == np.int32
    np.testing.assert_array_equal(ids, expected)


def test_padding_is_zero_and_any_rank():
    layer = StringCharIds()
    ids = keras.ops.convert_to_numpy(layer(np.array(["", "a"], dtype=object)))
    assert ids.shape == (2, 50) and (ids[0] == 0).all() and ids[1, 0] == 259


def test_in_functional_model_and_config():
    layer = StringCharIds(name="chars")
    assert StringCharIds.from_config(layer.get_config()).get_config() == layer.get_config()
    inputs = keras.Input(shape=(None,), dtype="string")
    outputs = layer(inputs)
    assert tuple(outputs.shape) == (None, None, 50)
    model = keras.Model(inputs, outputs)
    ids = model.predict_on_batch(padded_strings(SENTENCES))
    np.testing.assert_array_equal(ids, batch_char_ids(SENTENCES, add_boundaries=False))
    assert not layer.weights
