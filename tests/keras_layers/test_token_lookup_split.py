import keras
import numpy as np
import pytest

from keras_layers.token_lookup import TokenLookup

pytestmark = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow", reason="string inputs need the TensorFlow backend"
)

VOCABULARY = ["cat", "dog", "über"]


def _ids(layer, inputs):
    return keras.ops.convert_to_numpy(layer(inputs)).tolist()


def test_split_sentences_into_padded_ids():
    layer = TokenLookup(VOCABULARY, split=True)
    assert _ids(layer, np.array(["dog  cat\tcow", "über", ""])) == [[3, 2, 1], [4, 0, 0], [0, 0, 0]]
    assert _ids(layer, ["cat"]) == [[2]]
    assert _ids(layer, np.array([["dog cat"], ["cow"]])) == [[3, 2], [1, 0]]  # (batch, 1) works too
    assert keras.ops.shape(layer(np.array(["", " "]))) == (2, 0)


def test_default_keeps_token_behaviour():
    layer = TokenLookup(VOCABULARY)
    assert layer.split is False
    assert _ids(layer, np.array([["dog cat", "cat", ""]])) == [[1, 2, 0]]  # no splitting


def test_config_round_trip():
    layer = TokenLookup(VOCABULARY, split=True, name="lookup")
    config = layer.get_config()
    assert config["split"] is True and config["vocabulary"] == VOCABULARY
    revived = TokenLookup.from_config(config)
    assert revived.get_config() == config
    assert _ids(revived, ["cat dog"]) == [[2, 3]]


def test_symbolic_shape_and_model_round_trip(tmp_path):
    inputs = keras.Input(shape=(), dtype="string")
    outputs = TokenLookup(VOCABULARY, split=True)(inputs)
    assert tuple(outputs.shape) == (None, None)
    model = keras.Model(inputs, outputs)
    path = str(tmp_path / "lookup.keras")
    model.save(path)
    reloaded = keras.saving.load_model(path)
    assert _ids(reloaded, np.array(["über dog", "x"])) == [[4, 3], [1, 0]]


def test_bad_arguments():
    with pytest.raises(TypeError, match="`split`"):
        TokenLookup(VOCABULARY, split="yes")
    with pytest.raises(ValueError, match="split=False"):
        TokenLookup(VOCABULARY, split=True)(np.array([["a", "b"]]))
