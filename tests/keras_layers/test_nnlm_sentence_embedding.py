import keras
import numpy as np
import pytest

from keras_layers.keyed_vectors_embedding import token_indices
from keras_layers.nnlm_sentence_embedding import NNLMSentenceEmbedding, sentence_embedding_model
from tests.helpers import run_in_fresh_process, run_layer_test

needs_tensorflow = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow", reason="string inputs need the TensorFlow backend"
)


class _KeyedVectors:
    """The two attributes the layers read from a gensim KeyedVectors."""

    def __init__(self, words, vectors):
        self.index_to_key = list(words)
        self.vectors = np.asarray(vectors, "float32")


@pytest.fixture
def kv():
    rng = np.random.default_rng(0)
    return _KeyedVectors(["the", "cat", "sat", "über"], rng.normal(size=(4, 3)))


IDS = np.array([[2, 3, 1, 0], [5, 0, 0, 0], [0, 0, 0, 0], [4, 4, 4, 2]], "int32")


def _sqrtn(kv, ids):
    matrix = np.concatenate([np.zeros((2, kv.vectors.shape[1]), "float32"), kv.vectors])
    present = ids != 0
    total = (matrix[ids] * present[..., None]).sum(axis=1)
    return total / np.sqrt(np.maximum(present.sum(axis=1, keepdims=True), 1))


@pytest.mark.parametrize("trainable, counts", [(False, (0, 1)), (True, (1, 0))])
def test_layer_battery(kv, trainable, counts, tmp_path):
    run_layer_test(
        NNLMSentenceEmbedding,
        dict(input_dim=6, output_dim=3, trainable=trainable),
        IDS,
        expected_output_shape=(4, 3),
        expected_num_trainable_weights=counts[0],
        expected_num_non_trainable_weights=counts[1],
        run_saving_check=True,
        tmp_path=tmp_path,
    )


def test_matches_numpy_sqrtn_combiner(kv):
    out = keras.ops.convert_to_numpy(NNLMSentenceEmbedding(kv)(IDS))
    np.testing.assert_allclose(out, _sqrtn(kv, IDS), rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(out[2], np.zeros(3))  # all padding: zeros, no NaN
    np.testing.assert_allclose(out[1], kv.vectors[3], rtol=1e-6)  # one word: its vector
    np.testing.assert_allclose(out[0], (kv.vectors[0] + kv.vectors[1]) / np.sqrt(3), rtol=1e-6)  # OOV counts


def test_no_mask_and_config(kv):
    layer = NNLMSentenceEmbedding(kv, name="sent")
    assert layer.compute_mask(IDS) is None
    assert layer.vocabulary_size == 4
    config = layer.get_config()
    assert "mask_zero" not in config and config["input_dim"] == 6 and config["output_dim"] == 3
    assert NNLMSentenceEmbedding.from_config(config).get_config() == config


def test_trainable_vectors_change_but_padding_gets_no_gradient(kv):
    layer = NNLMSentenceEmbedding(kv, trainable=True)
    model = keras.Sequential([keras.Input((4,), dtype="int32"), layer])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    before = keras.ops.convert_to_numpy(layer.embeddings).copy()
    model.fit(IDS, np.ones((4, 3), "float32"), epochs=1, verbose=0)
    after = keras.ops.convert_to_numpy(layer.embeddings)
    np.testing.assert_array_equal(after[0], before[0])
    assert not np.allclose(after[2:], before[2:])


def test_needs_keyed_vectors_or_dimensions():
    with pytest.raises(ValueError, match="`keyed_vectors` is required"):
        NNLMSentenceEmbedding()
    with pytest.raises(TypeError, match="`keyed_vectors`"):
        NNLMSentenceEmbedding(keyed_vectors=[[1.0, 2.0]])


@needs_tensorflow
def test_sentence_embedding_model_matches_numpy(kv):
    sentences = ["the cat  sat", "über", "", "dog the"]
    model = sentence_embedding_model(kv)
    assert model.input.dtype == "string" and tuple(model.output.shape) == (None, 3)
    out = keras.ops.convert_to_numpy(model(np.array(sentences)))
    ids = token_indices(kv, [s.split() for s in sentences])
    np.testing.assert_allclose(out, _sqrtn(kv, ids), rtol=1e-6, atol=1e-6)
    assert not model.trainable_weights
    assert len(sentence_embedding_model(kv, trainable=True).trainable_weights) == 1


def test_keras_round_trip_in_fresh_process(kv, tmp_path):
    numeric = keras.Sequential([keras.Input((4,), dtype="int32"), NNLMSentenceEmbedding(kv)])
    numeric.save(tmp_path / "numeric.keras")
    np.save(tmp_path / "numeric_expected.npy", keras.ops.convert_to_numpy(numeric(IDS)))
    sentences = ["the cat sat", "", "über alles"]
    with_strings = keras.backend.backend() == "tensorflow"
    if with_strings:
        strings = sentence_embedding_model(kv)
        strings.save(tmp_path / "strings.keras")
        np.save(tmp_path / "strings_expected.npy", keras.ops.convert_to_numpy(strings(np.array(sentences))))
    out = run_in_fresh_process(
        f"""
        import keras, numpy as np
        import keras_layers.nnlm_sentence_embedding
        tmp = {str(tmp_path)!r}
        numeric = keras.saving.load_model(tmp + "/numeric.keras")
        np.testing.assert_array_equal(
            keras.ops.convert_to_numpy(numeric(np.array({IDS.tolist()}, "int32"))),
            np.load(tmp + "/numeric_expected.npy"))
        if {with_strings}:
            strings = keras.saving.load_model(tmp + "/strings.keras")
            np.testing.assert_array_equal(
                keras.ops.convert_to_numpy(strings(np.array({sentences!r}))), np.load(tmp + "/strings_expected.npy"))
        print("ok")
        """,
        env={"KERAS_BACKEND": keras.backend.backend()},
    )
    assert out.strip() == "ok"
