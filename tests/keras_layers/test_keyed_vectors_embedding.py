import keras
import numpy as np
import pytest

from gensim_elmo.export import keyed_vectors_from_matrix
from keras_layers import KeyedVectorsEmbedding, TokenLookup, string_embedding_model
from keras_layers.keyed_vectors_embedding import OOV_INDEX, embedding_matrix, token_indices
from tests.helpers import run_in_fresh_process, run_layer_test

strings_in = pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="string inputs need the TensorFlow backend")

WORDS = ["cat", "dog", "mat", "über", "中文"]


@pytest.fixture
def kv():
    rng = np.random.default_rng(0)
    return keyed_vectors_from_matrix(WORDS, rng.normal(size=(len(WORDS), 6)).astype("float32"))


def test_returns_exactly_the_keyed_vectors(kv):
    layer = KeyedVectorsEmbedding(kv)
    ids = token_indices(kv, [["dog", "cat", "unknown"], ["中文"]])
    assert ids.tolist() == [[3, 2, OOV_INDEX], [6, 0, 0]]
    out = keras.ops.convert_to_numpy(layer(ids))
    np.testing.assert_array_equal(out[0, 0], kv["dog"])
    np.testing.assert_array_equal(out[0, 1], kv["cat"])
    np.testing.assert_array_equal(out[1, 0], kv["中文"])
    np.testing.assert_array_equal(out[0, 2], np.zeros(6))  # OOV
    np.testing.assert_array_equal(out[1, 1], np.zeros(6))  # padding


def test_mask(kv):
    layer = KeyedVectorsEmbedding(kv)
    mask = keras.ops.convert_to_numpy(layer.compute_mask(np.array([[2, 1, 0]])))
    assert mask.tolist() == [[True, True, False]]
    assert KeyedVectorsEmbedding(kv, mask_zero=False).compute_mask(np.array([[2, 0]])) is None


def test_layer_battery(kv, tmp_path):
    run_layer_test(
        KeyedVectorsEmbedding,
        {"input_dim": 7, "output_dim": 6, "trainable": True},
        np.array([[2, 3, 0]]),
        expected_output_shape=(1, 3, 6),
        expected_num_trainable_weights=1,
        run_saving_check=True,
        tmp_path=tmp_path,
    )


@pytest.mark.parametrize("trainable", [False, True])
def test_trainable_controls_whether_fit_moves_the_vectors(kv, trainable):
    inputs = keras.Input(shape=(3,), dtype="int32")
    x = KeyedVectorsEmbedding(kv, trainable=trainable)(inputs)
    x = keras.layers.GlobalAveragePooling1D()(x)
    outputs = keras.layers.Dense(1)(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.SGD(0.5), loss="mse")
    before = keras.ops.convert_to_numpy(model.layers[1].embeddings).copy()
    data = token_indices(kv, [["cat", "dog", "mat"], ["über", "中文", "cat"]])
    model.fit(data, np.array([[5.0], [-5.0]]), epochs=3, verbose=0)
    after = keras.ops.convert_to_numpy(model.layers[1].embeddings)
    assert np.allclose(before, after) != trainable
    np.testing.assert_array_equal(after[0], before[0]) if not trainable else None


def test_embedding_matrix_and_errors(kv):
    matrix = embedding_matrix(kv)
    assert matrix.shape == (7, 6)
    np.testing.assert_array_equal(matrix[2:], kv.vectors)
    with pytest.raises(TypeError, match="index_to_key"):
        KeyedVectorsEmbedding(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="keyed_vectors"):
        KeyedVectorsEmbedding()
    with pytest.raises(ValueError, match="not both"):
        KeyedVectorsEmbedding(kv, input_dim=3, output_dim=2)


def test_token_lookup_layout(kv):
    lookup = TokenLookup.from_keyed_vectors(kv)
    ids = keras.ops.convert_to_numpy(lookup(np.array([["dog", "zzz", "", "中文"]])))
    assert ids.tolist() == [[3, 1, 0, 6]]
    np.testing.assert_array_equal(ids[:, :2], token_indices(kv, [["dog", "zzz"]]))
    config = lookup.get_config()
    assert TokenLookup.from_config(config).get_vocabulary()[2:] == WORDS
    with pytest.raises(ValueError, match="padding token"):
        TokenLookup(["a", ""])


@strings_in
def test_string_model_matches_keyed_vectors(kv):
    model = string_embedding_model(kv)
    out = keras.ops.convert_to_numpy(model(np.array([["mat", "über", ""]])))
    np.testing.assert_array_equal(out[0, 0], kv["mat"])
    np.testing.assert_array_equal(out[0, 1], kv["über"])
    np.testing.assert_array_equal(out[0, 2], np.zeros(6))


@strings_in
def test_string_model_keras_round_trip_in_fresh_process(kv, tmp_path):
    model = string_embedding_model(kv, trainable=True)
    path = tmp_path / "strings.keras"
    model.save(path)
    tokens = [["dog", "cat", "nope", ""], ["中文", "", "", ""]]
    expected = keras.ops.convert_to_numpy(model(np.array(tokens)))
    np.save(tmp_path / "expected.npy", expected)
    out = run_in_fresh_process(
        f"""
        import keras, numpy as np
        import keras_layers  # registers the custom layers, as `import keras_hub` does
        model = keras.saving.load_model({str(path)!r})
        got = keras.ops.convert_to_numpy(model(np.array({tokens!r})))
        expected = np.load({str(tmp_path / "expected.npy")!r})
        assert np.array_equal(got, expected), (got, expected)
        print("layers", [type(l).__name__ for l in model.layers])
        """
    )
    assert "TokenLookup" in out and "KeyedVectorsEmbedding" in out
