"""Tests of ELMoEmbedding: golden bilm-tf outputs, every output name, masking, training, saving."""

import json
import os
import pathlib

import h5py
import keras
import numpy as np
import pytest

from gensim_elmo.bilm_hdf5 import read_bilm_options, read_bilm_weights, set_network_weights
from keras_layers.char_ids import batch_char_ids, deduplicate_char_ids
from keras_layers.elmo_embedding import ELMoEmbedding
from keras_layers.elmo_network import ELMoNetwork
from tests.helpers import run_in_fresh_process

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(__file__)), "fixtures", "bilm_tf")
OUTPUT_NAMES = ["elmo", "default", "word_emb", "lstm_outputs1", "lstm_outputs2"]
SENTENCES = [["The", "apple", "fell"], ["Apple", "makes", "phones", "x" * 60, "苹果"], [], ["a"]]
P = 16  # projection_dim of the fixture model

# Eager fit steps are faster than tracing a TF graph for one tiny step; JAX compiles faster than it runs eagerly.
EAGER_FIT = keras.backend.backend() == "tensorflow"

tensorflow_only = pytest.mark.skipif(
    keras.backend.backend() != "tensorflow", reason="string inputs need TensorFlow's string ops"
)


def to_numpy(x):
    return keras.ops.convert_to_numpy(x)


def string_batch(sentences):
    width = max(len(s) for s in sentences)
    return np.array([list(s) + [""] * (width - len(s)) for s in sentences], dtype=object).astype(str)


def fixture_network():
    options = read_bilm_options(os.path.join(FIXTURES, "options.json"))
    network = ELMoNetwork(options)
    set_network_weights(network, read_bilm_weights(os.path.join(FIXTURES, "lm_weights.hdf5"), options))
    return network


@pytest.fixture(scope="module")
def network():
    return fixture_network()


@pytest.fixture(scope="module")
def golden_batch():
    with open(os.path.join(FIXTURES, "sentences.json"), encoding="utf-8") as handle:
        streams = json.load(handle)
    tokens = [streams[k][0].split() for k in range(3)]
    expected = []
    for k in range(3):
        with h5py.File(os.path.join(FIXTURES, f"lm_embeddings_{k}.hdf5"), "r") as handle:
            forward, backward = handle["0"][...]
        expected.append(np.concatenate([forward, backward], axis=-1))
    return tokens, expected


def assert_golden(top, tokens, expected):
    for k, sentence in enumerate(tokens):
        n = len(sentence)
        np.testing.assert_allclose(top[k, :n], expected[k], atol=1e-5)
        assert not top[k, n:].any()


def test_golden_top_layer_from_char_ids(network, golden_batch):
    tokens, expected = golden_batch
    top = to_numpy(ELMoEmbedding(network, output="lstm_outputs2")(batch_char_ids(tokens, add_boundaries=False)))
    assert top.shape == (3, max(len(t) for t in tokens), 2 * P)
    assert_golden(top, tokens, expected)


@tensorflow_only
def test_golden_top_layer_from_strings(network, golden_batch):
    tokens, expected = golden_batch
    layer = ELMoEmbedding(network, output="lstm_outputs2")
    assert_golden(to_numpy(layer(string_batch(tokens))), tokens, expected)
    # Inside a functional model with a string Input, compiled (predict_on_batch takes numpy strings).
    inputs = keras.Input((None,), dtype="string")
    model = keras.Model(inputs, layer(inputs))
    assert_golden(np.asarray(model.predict_on_batch(string_batch(tokens))), tokens, expected)


def network_layers_with_boundaries(network, sentences):
    """Direct network call with <S>/</S>, markers stripped: (3, B, T, 2P) zero-padded, and the mask."""
    token_chars, token_ids = deduplicate_char_ids(batch_char_ids(sentences, add_boundaries=True))
    stacked = to_numpy(ELMoNetwork.stack_layers(network({"token_ids": token_ids, "token_chars": token_chars})))
    width = max(len(s) for s in sentences)
    layers = np.zeros((stacked.shape[0], len(sentences), width, stacked.shape[-1]), np.float32)
    mask = np.zeros((len(sentences), width), bool)
    for r, sentence in enumerate(sentences):
        layers[:, r, : len(sentence)] = stacked[:, r, 1 : len(sentence) + 1]
        mask[r, : len(sentence)] = True
    return layers, mask


def test_every_output_matches_direct_network_call(network):
    layers, mask = network_layers_with_boundaries(network, SENTENCES)
    char_ids = batch_char_ids(SENTENCES, add_boundaries=False)
    got = {name: ELMoEmbedding(network, output=name) for name in OUTPUT_NAMES}
    for name in ("elmo", "default"):
        got[name](char_ids)
        got[name].scalar_mix.set_weights([np.array([0.5, -1.0, 2.0], "float32"), np.array(1.5, "float32")])
    got = {name: to_numpy(layer(char_ids)) for name, layer in got.items()}

    np.testing.assert_allclose(got["word_emb"], layers[0][..., :P], atol=1e-5)
    np.testing.assert_allclose(got["lstm_outputs1"], layers[1], atol=1e-5)
    np.testing.assert_allclose(got["lstm_outputs2"], layers[2], atol=1e-5)
    weights = np.exp([0.5, -1.0, 2.0]) / np.exp([0.5, -1.0, 2.0]).sum()
    elmo = 1.5 * np.tensordot(weights, layers, axes=1)
    np.testing.assert_allclose(got["elmo"], elmo, atol=1e-5)
    # "default": the mean of the "elmo" vectors over real tokens; zeros for the empty sentence.
    counts = np.maximum(mask.sum(1, keepdims=True), 1)
    np.testing.assert_allclose(got["default"], (elmo * mask[..., None]).sum(1) / counts, atol=1e-5)
    assert not got["default"][2].any()


def test_output_shapes_eager_and_symbolic(network):
    char_ids = batch_char_ids(SENTENCES, add_boundaries=False)
    expected_dim = {"elmo": 2 * P, "default": 2 * P, "word_emb": P, "lstm_outputs1": 2 * P, "lstm_outputs2": 2 * P}
    inputs = keras.Input((None, 50), dtype="int32")
    for name in OUTPUT_NAMES:
        layer = ELMoEmbedding(network, output=name)
        want = (4, expected_dim[name]) if name == "default" else (4, 5, expected_dim[name])
        assert tuple(layer(char_ids).shape) == want
        assert layer.compute_output_shape((4, 5, 50)) == want
        symbolic = ELMoEmbedding(network, output=name)(inputs)
        assert tuple(symbolic.shape) == ((None, want[-1]) if name == "default" else (None, None, want[-1]))
        # A (batch, time) string input.
        assert layer.compute_output_shape((None, 7)) == ((None, want[-1]) if name == "default" else (None, 7, want[-1]))


def test_masking(network):
    char_ids = batch_char_ids(SENTENCES, add_boundaries=False)
    layer = ELMoEmbedding(network)
    expected_mask = np.array([[len(s) > t for t in range(5)] for s in SENTENCES])
    np.testing.assert_array_equal(to_numpy(layer.compute_mask(char_ids)), expected_mask)
    assert ELMoEmbedding(network, output="default").compute_mask(char_ids) is None
    out = to_numpy(layer(char_ids))
    assert not out[~expected_mask].any() and np.abs(out[expected_mask]).sum(axis=-1).all()

    # Downstream layers get the mask: extra padding changes neither the embeddings nor an LSTM on top.
    inputs = keras.Input((None, 50), dtype="int32")
    embedded = ELMoEmbedding(network, output="lstm_outputs1")(inputs)
    model = keras.Model(inputs, [embedded, keras.layers.LSTM(3, seed=1)(embedded)])
    short_emb, short_state = model(char_ids)
    long_emb, long_state = model(np.pad(char_ids, ((0, 0), (0, 4), (0, 0))))
    np.testing.assert_allclose(to_numpy(long_emb)[:, :5], to_numpy(short_emb), atol=1e-6)
    assert not to_numpy(long_emb)[:, 5:].any()
    np.testing.assert_allclose(to_numpy(long_state), to_numpy(short_state), atol=1e-6)


@tensorflow_only
def test_string_inputs_equal_char_id_inputs_and_mask(network):
    strings = string_batch(SENTENCES)
    for name in ("elmo", "word_emb"):
        layer = ELMoEmbedding(network, output=name)
        np.testing.assert_allclose(
            to_numpy(layer(strings)), to_numpy(layer(batch_char_ids(SENTENCES, add_boundaries=False))), atol=1e-6
        )
        np.testing.assert_array_equal(to_numpy(layer.compute_mask(strings)), strings != "")


def trained_change(trainable, output="elmo"):
    network = fixture_network()
    layer = ELMoEmbedding(network, output=output, trainable=trainable)
    inputs = keras.Input((None, 50), dtype="int32")
    model = keras.Model(inputs, keras.layers.Dense(1)(layer(inputs)))
    model.compile(optimizer=keras.optimizers.SGD(0.5), loss="mse", run_eagerly=EAGER_FIT)
    char_ids = batch_char_ids(SENTENCES, add_boundaries=False)
    before_net = [to_numpy(v).copy() for v in network.weights]
    before_mix = [to_numpy(v).copy() for v in layer.scalar_mix.weights]
    target = np.ones((4, 5, 1), "float32") if output == "elmo" else np.ones((4, 1), "float32")
    model.fit(char_ids, target, epochs=1, batch_size=4, verbose=0)
    net_moved = any(not np.array_equal(b, to_numpy(v)) for b, v in zip(before_net, network.weights))
    mix_moved = any(not np.array_equal(b, to_numpy(v)) for b, v in zip(before_mix, layer.scalar_mix.weights))
    return layer, net_moved, mix_moved


def test_trainable_false_freezes_network_but_scalar_mix_trains():
    layer, net_moved, mix_moved = trained_change(False)
    assert len(layer.trainable_weights) == 2
    assert len(layer.non_trainable_weights) == len(layer.network.weights)
    assert not net_moved and mix_moved


def test_trainable_true_fine_tunes_network():
    layer, net_moved, mix_moved = trained_change(True, output="default")
    assert len(layer.trainable_weights) == len(layer.network.weights) + 2
    assert net_moved and mix_moved


def test_config_round_trip(network):
    layer = ELMoEmbedding(network, output="lstm_outputs1", name="elmo_embedding")
    config = layer.get_config()
    assert config["output"] == "lstm_outputs1"
    assert config["options"] == network.options
    assert config["trainable"] is False
    revived = ELMoEmbedding.from_config(config)
    assert revived.get_config() == config
    assert revived.network is not network
    char_ids = batch_char_ids(SENTENCES, add_boundaries=False)
    revived.build((None, None, 50))
    revived.network.set_weights(network.get_weights())
    np.testing.assert_allclose(to_numpy(revived(char_ids)), to_numpy(layer(char_ids)), atol=1e-6)


def test_model_object_with_network_attribute(network):
    class Model:
        pass

    model = Model()
    model.network = network
    layer = ELMoEmbedding(model, output="word_emb")
    assert layer.network is network


def test_saved_directory(network, tmp_path):
    folder = tmp_path / "elmo_model"
    folder.mkdir()
    (folder / "config.json").write_text(json.dumps({"options": network.options, "format_version": 1}))
    network.save_weights(str(folder / "network.weights.h5"))  # the name of earlier saves still loads
    char_ids = batch_char_ids(SENTENCES, add_boundaries=False)
    expected = to_numpy(ELMoEmbedding(network)(char_ids))
    for path in (str(folder), pathlib.Path(folder)):
        layer = ELMoEmbedding(path)
        assert layer.network is not network
        np.testing.assert_allclose(to_numpy(layer(char_ids)), expected, atol=1e-6)


def test_keras_round_trip_in_fresh_process(network, tmp_path):
    char_ids = batch_char_ids(SENTENCES, add_boundaries=False)
    inputs = keras.Input((None, 50), dtype="int32")
    layer = ELMoEmbedding(network, trainable=True)
    model = keras.Model(inputs, layer(inputs))
    layer.scalar_mix.set_weights([np.array([1.0, 0.0, -1.0], "float32"), np.array(0.7, "float32")])
    paths = {"ids": tmp_path / "ids.keras"}
    model.save(paths["ids"])
    np.save(tmp_path / "char_ids.npy", char_ids)
    np.save(tmp_path / "ids.npy", to_numpy(model(char_ids)))
    if keras.backend.backend() == "tensorflow":
        strings = keras.Input((None,), dtype="string")
        string_model = keras.Model(strings, ELMoEmbedding(network, output="default")(strings))
        paths["strings"] = tmp_path / "strings.keras"
        string_model.save(paths["strings"])
        np.save(tmp_path / "strings.npy", to_numpy(string_model(string_batch(SENTENCES))))
    out = run_in_fresh_process(
        f"""
        import numpy as np, keras
        import keras_layers
        tmp = {str(tmp_path)!r}
        model = keras.saving.load_model(tmp + "/ids.keras")
        layer = model.layers[-1]
        assert isinstance(layer, keras_layers.ELMoEmbedding), type(layer)
        assert layer.network.trainable and layer.output_name == "elmo"
        got = keras.ops.convert_to_numpy(model(np.load(tmp + "/char_ids.npy")))
        errors = [float(np.abs(got - np.load(tmp + "/ids.npy")).max())]
        if {"strings" in paths}:
            strings = np.array({string_batch(SENTENCES).tolist()!r})
            got = keras.ops.convert_to_numpy(keras.saving.load_model(tmp + "/strings.keras")(strings))
            errors.append(float(np.abs(got - np.load(tmp + "/strings.npy")).max()))
        print(max(errors))
        """
    )
    assert float(out.strip().splitlines()[-1]) < 1e-6


def test_errors(network, tmp_path):
    with pytest.raises(ValueError, match="`output` must be one of .*'elmo'.*'default'.*'word_emb'.*'lstm_outputs2'"):
        ELMoEmbedding(network, output="lstm_outputs3")
    with pytest.raises(TypeError, match="`elmo` must be"):
        ELMoEmbedding(42)
    with pytest.raises(TypeError, match="`elmo` must be"):
        ELMoEmbedding(type("Model", (), {"network": "not a network"})())
    with pytest.raises(FileNotFoundError, match="not an existing directory"):
        ELMoEmbedding(str(tmp_path / "missing"))
    (tmp_path / "config.json").write_text(json.dumps({"options": network.options}))
    with pytest.raises(FileNotFoundError, match="model.weights.h5"):
        ELMoEmbedding(tmp_path)
    with pytest.raises(ValueError, match="neither"):
        ELMoEmbedding()
    with pytest.raises(ValueError, match="not both"):
        ELMoEmbedding(network, options=network.options)
    with pytest.raises(ValueError, match="character ELMo network"):
        ELMoEmbedding(options={"lstm": network.options["lstm"], "n_tokens_vocab": 5})
    with pytest.raises(ValueError, match=r"\(batch, time, 50\)"):
        ELMoEmbedding(network)(np.ones((2, 3, 7), "int32"))
