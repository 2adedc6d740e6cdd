"""Tests of ELMoNetwork, including THE golden test against the original bilm-tf outputs."""

import json
import os

import h5py
import keras
import numpy as np
import pytest

from gensim_elmo.bilm_hdf5 import read_bilm_options, read_bilm_weights, set_network_weights
from keras_layers.char_ids import batch_char_ids, deduplicate_char_ids
from keras_layers.elmo_network import ELMoNetwork
from tests import reference_elmo
from tests.helpers import requires_torch, run_in_fresh_process

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(__file__)), "fixtures", "bilm_tf")

TINY = {
    "lstm": {"dim": 6, "projection_dim": 4, "n_layers": 2, "cell_clip": 2.0, "proj_clip": 1.5,
             "use_skip_connections": True},
    "char_cnn": {"activation": "relu", "embedding": {"dim": 3}, "filters": [[1, 4], [2, 3], [3, 5]],
                 "n_highway": 1, "n_characters": 262, "max_characters_per_token": 50},
}
TOKEN_VARIANT = {"lstm": TINY["lstm"], "n_tokens_vocab": 9}


def to_numpy(x):
    return keras.ops.convert_to_numpy(x)


@pytest.fixture(scope="module")
def golden():
    options = read_bilm_options(os.path.join(FIXTURES, "options.json"))
    network = ELMoNetwork(options)
    set_network_weights(network, read_bilm_weights(os.path.join(FIXTURES, "lm_weights.hdf5"), options))
    with open(os.path.join(FIXTURES, "sentences.json"), encoding="utf-8") as handle:
        streams = json.load(handle)
    expected = []
    for k in range(len(streams)):
        with h5py.File(os.path.join(FIXTURES, f"lm_embeddings_{k}.hdf5"), "r") as handle:
            expected.append([handle[str(i)][...] for i in range(len(streams[k]))])
    return network, streams, expected


def top_layer_errors(top, batch_tokens, expected_batch):
    """Max abs error per row of the top layer (boundaries removed) vs (2, n, P) expectations."""
    errors = []
    for k, tokens in enumerate(batch_tokens):
        n = len(tokens)
        proj = expected_batch[k].shape[-1]
        got = np.stack([top[k, 1 : n + 1, :proj], top[k, 1 : n + 1, proj:]])
        assert got.shape == expected_batch[k].shape
        errors.append(float(np.abs(got - expected_batch[k]).max()))
    return errors


def test_golden_stateful_all_batches(golden):
    """bilm-tf golden outputs, 10 batches run statefully (compiled predict, padded to a bucket)."""
    network, streams, expected = golden
    states = None
    worst = 0.0
    for i in range(len(streams[0])):
        batch_tokens = [streams[k][i].split() for k in range(3)]
        token_chars, token_ids = deduplicate_char_ids(batch_char_ids(batch_tokens))
        # Padding to a fixed bucket must not change anything (and keeps one compiled shape).
        token_ids = np.pad(token_ids, ((0, 0), (0, 64 - token_ids.shape[1])))
        token_chars = np.pad(token_chars, ((0, 192 - token_chars.shape[0]), (0, 0)))
        inputs = {"token_ids": token_ids, "token_chars": token_chars}
        if states is not None:
            inputs["initial_states"] = states
        outputs = network.predict_on_batch(inputs)
        states = outputs["final_states"]
        errors = top_layer_errors(np.asarray(outputs["lstm_outputs"][-1]), batch_tokens,
                                  [expected[k][i] for k in range(3)])
        worst = max(worst, *errors)
    print(f"golden stateful max abs error: {worst:.3g}")
    assert worst < 1e-5


def test_golden_stateless_first_batch_eager(golden):
    network, streams, expected = golden
    batch_tokens = [streams[k][0].split() for k in range(3)]
    token_chars, token_ids = deduplicate_char_ids(batch_char_ids(batch_tokens))
    outputs = network({"token_ids": token_ids, "token_chars": token_chars})
    errors = top_layer_errors(to_numpy(outputs["lstm_outputs"][-1]), batch_tokens, [expected[k][0] for k in range(3)])
    print(f"golden stateless batch 0 max abs error: {max(errors):.3g}")
    assert max(errors) < 1e-5
    # A later batch does NOT match when run statelessly (the fixture really is stateful).
    batch_tokens = [streams[k][1].split() for k in range(3)]
    token_chars, token_ids = deduplicate_char_ids(batch_char_ids(batch_tokens))
    outputs = network({"token_ids": token_ids, "token_chars": token_chars})
    errors = top_layer_errors(to_numpy(outputs["lstm_outputs"][-1]), batch_tokens, [expected[k][1] for k in range(3)])
    assert max(errors) > 1e-3


def build_with_weights(options, seed=0):
    network = ELMoNetwork(options)
    weights = reference_elmo.random_weights(options, seed=seed)
    set_network_weights(network, weights)
    return network, weights


SENTENCES = [[["The", "apple", "fell"], ["Apple", "phones"], ["苹果"]], [["a"], ["x" * 60, "a", "b", "c"], []]]


@pytest.mark.parametrize("options", [TINY, TOKEN_VARIANT], ids=["chars", "tokens"])
def test_whole_model_matches_reference_stateful(options):
    network, weights = build_with_weights(options)
    states = ref_states = None
    rng = np.random.default_rng(0)
    for batch in SENTENCES:
        char_ids = batch_char_ids(batch)
        lengths = [len(s) + 2 for s in batch]
        if "char_cnn" in options:
            token_chars, token_ids = deduplicate_char_ids(char_ids)
            inputs = {"token_ids": token_ids, "token_chars": token_chars}
            ref_tokens = reference_elmo.char_cnn(char_ids, weights, options)
        else:
            token_ids = np.zeros(char_ids.shape[:2], np.int32)
            for r, n in enumerate(lengths):
                token_ids[r, :n] = rng.integers(1, options["n_tokens_vocab"] + 1, n)
            inputs = {"token_ids": token_ids}
            ref_tokens = weights["embedding"][token_ids].astype(np.float64)
        mask = token_ids > 0
        ref_tokens = ref_tokens * mask[..., None]
        outputs = network(inputs, initial_states=states)
        states = outputs["final_states"]
        ref_layers, ref_states = reference_elmo.bilm(ref_tokens, lengths, weights, options, ref_states)
        np.testing.assert_allclose(to_numpy(outputs["token_embeddings"]), ref_tokens, atol=1e-5)
        for got, want in zip(outputs["lstm_outputs"], ref_layers):
            np.testing.assert_allclose(to_numpy(got), want, atol=1e-5)
        for got, want in zip(states, ref_states):
            np.testing.assert_allclose(to_numpy(got), want, atol=1e-5)
        np.testing.assert_array_equal(to_numpy(outputs["mask"]), mask)


def test_deduplication_does_not_change_outputs_and_stack_layers():
    network, _ = build_with_weights(TINY)
    char_ids = batch_char_ids(SENTENCES[0])
    token_chars, token_ids = deduplicate_char_ids(char_ids)
    deduped = network({"token_ids": token_ids, "token_chars": token_chars})
    # No deduplication: one row per position (padding positions still point at row 0).
    flat = char_ids.reshape(-1, 50)
    all_rows = np.concatenate([np.zeros((1, 50), np.int32), flat])
    ids = (np.arange(flat.shape[0]) + 1).reshape(char_ids.shape[:2]) * (char_ids.max(-1) > 0)
    plain = network([ids.astype(np.int32), all_rows])
    stacked = to_numpy(ELMoNetwork.stack_layers(deduped))
    np.testing.assert_allclose(stacked, to_numpy(ELMoNetwork.stack_layers(plain)), atol=1e-6)
    assert stacked.shape == (3, 3, 5, 8)
    token = to_numpy(deduped["token_embeddings"])
    np.testing.assert_array_equal(stacked[0], np.concatenate([token, token], -1))
    assert (stacked[:, 2, 3:] == 0).all()


def test_config_and_symbolic_call():
    network = ELMoNetwork(TINY, name="elmo")
    config = network.get_config()
    assert config["options"] == TINY
    revived = ELMoNetwork.from_config(config)
    assert revived.get_config() == config
    inputs = {"token_ids": keras.Input((None,), dtype="int32"), "token_chars": keras.Input((50,), dtype="int32")}
    outputs = revived(inputs)
    assert tuple(outputs["lstm_outputs"][1].shape) == (None, None, 8)
    assert tuple(outputs["token_embeddings"].shape) == (None, None, 4)
    assert len(outputs["final_states"]) == 8 and revived.num_states == 8


def test_token_variant_layers():
    network = ELMoNetwork(TOKEN_VARIANT)
    network.build()
    assert tuple(network.token_encoder.embeddings.shape) == (10, 4)
    outputs = network(np.array([[3, 4, 0]], np.int32))
    assert tuple(outputs["lstm_outputs"][0].shape) == (1, 3, 8)


def test_bad_inputs_and_options():
    network = ELMoNetwork(TINY)
    with pytest.raises(ValueError, match="token_chars"):
        network({"token_ids": np.ones((1, 2), np.int32)})
    with pytest.raises(ValueError, match="Unknown"):
        network({"token_ids": np.ones((1, 2), np.int32), "chars": np.zeros((2, 50), np.int32)})
    with pytest.raises(ValueError, match="lstm.dim"):
        ELMoNetwork({"lstm": {"projection_dim": 4, "n_layers": 1, "use_skip_connections": True}})
    with pytest.raises(ValueError, match="n_tokens_vocab"):
        ELMoNetwork({"lstm": TINY["lstm"]})
    with pytest.raises(ValueError, match="n_characters"):
        ELMoNetwork({**TINY, "char_cnn": {**TINY["char_cnn"], "n_characters": 300}})
    with pytest.raises(TypeError, match="options"):
        ELMoNetwork("options.json")


def test_keras_round_trip_in_fresh_process(tmp_path):
    network, _ = build_with_weights(TINY, seed=3)
    token_chars, token_ids = deduplicate_char_ids(batch_char_ids(SENTENCES[0]))
    inputs = {"token_ids": token_ids, "token_chars": token_chars}
    expected = to_numpy(ELMoNetwork.stack_layers(network(inputs)))
    path = tmp_path / "elmo.keras"
    network.save(path)
    np.save(tmp_path / "expected.npy", expected)
    np.save(tmp_path / "token_ids.npy", token_ids)
    np.save(tmp_path / "token_chars.npy", token_chars)
    out = run_in_fresh_process(
        f"""
        import numpy as np, keras
        import keras_layers.elmo_network  # registers the classes
        from keras_layers.elmo_network import ELMoNetwork
        model = keras.saving.load_model({str(path)!r})
        assert isinstance(model, ELMoNetwork)
        inputs = {{"token_ids": np.load({str(tmp_path / "token_ids.npy")!r}),
                  "token_chars": np.load({str(tmp_path / "token_chars.npy")!r})}}
        got = keras.ops.convert_to_numpy(ELMoNetwork.stack_layers(model(inputs)))
        print(float(np.abs(got - np.load({str(tmp_path / "expected.npy")!r})).max()))
        """
    )
    assert float(out.strip().splitlines()[-1]) < 1e-6


@requires_torch
def test_torch_compile_traces_network_and_embedding_in_one_graph():
    """Keras's ``jit_compile=True`` on PyTorch is ``torch.compile``: the network in training (CNN and
    biLSTM) and ``ELMoEmbedding`` (which runs it in inference) trace as one graph each, without a
    graph break. Keras's torch ``ops.max`` used to break them at every pooling (28 breaks in the embedding)."""
    options = {**TINY, "lstm": {**TINY["lstm"], "n_layers": 1}}  # one layer and short rows: a faster trace
    out = run_in_fresh_process(
        f"""
        import json, torch
        from keras_layers.char_ids import batch_char_ids, deduplicate_char_ids
        from keras_layers.elmo_embedding import ELMoEmbedding
        from keras_layers.elmo_network import ELMoNetwork
        sentences = [["hi"], ["a", "b"]]
        network, embedding = ELMoNetwork({options!r}), ELMoEmbedding(options={options!r})
        token_chars, token_ids = deduplicate_char_ids(batch_char_ids(sentences))
        inputs = {{"token_ids": torch.as_tensor(token_ids), "token_chars": torch.as_tensor(token_chars)}}
        ids = torch.as_tensor(batch_char_ids(sentences, add_boundaries=False))
        counts = {{}}
        for name, fn, args, kwargs in [("training", network, (inputs,), {{"training": True}}),
                                       ("embedding", embedding, (ids,), {{}})]:
            fn(*args, **kwargs)  # built outside the trace
            explained = torch._dynamo.explain(fn)(*args, **kwargs)
            counts[name] = [explained.graph_count, explained.graph_break_count]
        print(json.dumps(counts))
        """,
        env={"KERAS_BACKEND": "torch"},
    )
    counts = json.loads(out.strip().splitlines()[-1])
    assert counts == {"training": [1, 0], "embedding": [1, 0]}, counts
