import json
import os

import h5py
import numpy as np
import pytest

from gensim_elmo import ELMo
from tests.helpers import check_load_refuses_bad_saves, run_in_fresh_process

FIXTURE = os.path.join(os.path.dirname(os.path.dirname(__file__)), "fixtures", "bilm_tf")
CORPUS = [
    ["the", "cat", "sat", "on", "the", "mat"],
    ["the", "dog", "sat", "on", "the", "log"],
    ["a", "bird", "flew", "over", "the", "house"],
    ["i", "ate", "an", "apple", "today"],
] * 8
TINY = dict(preset="tiny", batch_size=8, seed=2, progress=False, optimizer="adam", learning_rate=0.01)


@pytest.fixture(scope="module")
def golden():
    model = ELMo.from_bilm_hdf5(os.path.join(FIXTURE, "options.json"), os.path.join(FIXTURE, "lm_weights.hdf5"),
                                progress=False)
    with open(os.path.join(FIXTURE, "sentences.json"), encoding="utf-8") as handle:
        streams = json.load(handle)
    expected = []
    for k in range(3):
        with h5py.File(os.path.join(FIXTURE, f"lm_embeddings_{k}.hdf5"), "r") as f:
            expected.append([f[str(i)][...] for i in range(len(streams[k]))])
    return model, streams, expected


def _top(vectors, p=16):
    return np.stack([vectors[2][:, :p], vectors[2][:, p:]])  # (2, n, 16): forward, backward


def test_golden_fixture_stateful_interleaved(golden):
    model, streams, expected = golden
    interleaved = [streams[k][i].split() for i in range(10) for k in range(3)]
    outputs = model.embed_sentences(interleaved, batch_size=3, stateful=True)
    worst = 0.0
    for index, vectors in enumerate(outputs):
        i, k = divmod(index, 3)
        worst = max(worst, float(np.abs(_top(vectors) - expected[k][i]).max()))
    assert worst < 1e-5, worst


def test_golden_fixture_stateless_batch_zero_and_independence(golden):
    model, streams, expected = golden
    batch0 = [streams[k][0].split() for k in range(3)]
    for k, vectors in enumerate(model.embed_sentences(batch0, batch_size=64)):
        np.testing.assert_allclose(_top(vectors), expected[k][0], atol=1e-5)
    # stateless: a sentence's vectors do not depend on what else is embedded, or on the batch size
    alone = model.embed_sentence(batch0[1])
    np.testing.assert_allclose(alone, model.embed_sentences(batch0, batch_size=2)[1], atol=1e-5)
    # batches of 2: the last one holds one sentence and a padding row, which must change nothing
    for whole, in_twos in zip(model.embed_sentences(batch0), model.embed_sentences(batch0, batch_size=2)):
        np.testing.assert_allclose(in_twos, whole, atol=1e-5)
    later = [streams[k][1].split() for k in range(3)]
    stateless = model.embed_sentences(later)
    assert np.abs(_top(stateless[0]) - expected[0][1]).max() > 1e-3  # the fixture is stateful


def test_bilm_hdf5_round_trip_is_exact(golden, tmp_path):
    model, streams, _ = golden
    options, weights = tmp_path / "options.json", tmp_path / "weights.hdf5"
    model.save_bilm_hdf5(options, weights)
    again = ELMo.from_bilm_hdf5(options, weights, progress=False)
    sentence = streams[0][0].split()
    np.testing.assert_array_equal(model.embed_sentence(sentence), again.embed_sentence(sentence))
    with h5py.File(os.path.join(FIXTURE, "lm_weights.hdf5"), "r") as a, h5py.File(weights, "r") as b:
        names = []
        a.visit(lambda n: names.append(n) if isinstance(a[n], h5py.Dataset) else None)
        for name in names:
            np.testing.assert_array_equal(a[name][...], b[name][...])


def test_training_lowers_perplexity():
    model = ELMo(epochs=1, **TINY)
    model.build_vocab(CORPUS)
    before = model.perplexity(CORPUS[:4])
    model.train(CORPUS, epochs=3)
    after = model.perplexity(CORPUS[:4])
    assert set(after) == {"forward", "backward", "average"}
    assert after["average"] < 0.7 * before["average"], (before, after)
    assert after["forward"] < before["forward"] and after["backward"] < before["backward"]
    # Scoring pads a last, partial batch with masked rows (one batch size, one traced LSTM form):
    # the padding must not count, whatever the batch size.
    for batch_size in (1, 3, len(CORPUS[:4])):
        assert model.perplexity(CORPUS[:4], batch_size=batch_size) == pytest.approx(after, rel=1e-5)
    # Same seed, same result: test_checkpoints.py trains an uninterrupted twin of a killed-and-resumed
    # ELMo and requires identical weights.


def test_same_seed_same_initial_weights_whatever_runs_in_between():
    # Two models with one seed, both created before either builds its vocabulary, start from the
    # same weights. The softmax initializer once drew from Keras's global generator, so the
    # second model's softmax depended on what the first had drawn (and trained differently).
    first, second = ELMo(**TINY), ELMo(**TINY)
    first.build_vocab(CORPUS)
    second.build_vocab(CORPUS)
    for a, b in zip(first.language_model.get_weights(), second.language_model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_batches_of_different_lengths_train_for_several_epochs_with_a_sampled_softmax():
    # Many short-sentence batches and a few long ones; with seed 1 the first two batches are short.
    # On TensorFlow, Keras once took the shapes of the first two batches as fixed and failed on the
    # first longer batch.
    short = [["w%d" % (i % 7), "x", "y"] for i in range(64)]
    long = [["w%d" % (i % 7)] + ["z"] * 30 for i in range(16)]
    model = ELMo(short + long, epochs=2, num_sampled=4, **dict(TINY, batch_size=4, seed=1))
    assert model.language_model.num_sampled == 4  # 4 negatives out of a vocabulary of 13
    assert len(model.history["loss"]) == 2 and all(np.isfinite(model.history["loss"]))


def test_token_variant_trains_saves_and_round_trips_bilm(tmp_path):
    model = ELMo(CORPUS, epochs=1, use_character_inputs=False, **TINY)
    assert not model.use_characters
    vectors = model.embed_sentence(["the", "cat", "zebra"])
    assert vectors.shape == (3, 3, 32)
    model.save_bilm_hdf5(tmp_path / "o.json", tmp_path / "w.hdf5", vocab_file=tmp_path / "vocab.txt")
    again = ELMo.from_bilm_hdf5(tmp_path / "o.json", tmp_path / "w.hdf5", vocab_file=tmp_path / "vocab.txt",
                                progress=False)
    np.testing.assert_allclose(again.embed_sentence(["the", "cat", "zebra"]), vectors, atol=1e-6)
    with pytest.raises(ValueError, match="vocab_file"):
        ELMo.from_bilm_hdf5(tmp_path / "o.json", tmp_path / "w.hdf5")


def test_embed_shapes_unicode_empty_and_long_inputs(golden):
    model, _, _ = golden
    out = model.embed_sentences([["苹果", "手机"], [], ["x" * 500], ["a"] * 130, ["🙂", "\x00", "\ud800"]])
    assert [o.shape for o in out] == [(3, 2, 32), (3, 0, 32), (3, 1, 32), (3, 130, 32), (3, 3, 32)]
    assert all(np.isfinite(o).all() for o in out)
    # over-long tokens are cut to 48 bytes, as the original does: the same vector as their prefix
    np.testing.assert_allclose(model.embed_sentence(["y" * 48])[0], model.embed_sentence(["y" * 100])[0])
    with pytest.raises(TypeError, match="string"):
        model.embed_sentences("the cat")
    with pytest.raises(TypeError):
        model.embed_sentence("the cat sat")


def test_polysemy_contexts_differ_and_static_vectors(golden):
    model, _, _ = golden
    fruit = model.embed_sentence(["i", "ate", "an", "apple"])[2][3]
    phone = model.embed_sentence(["apple", "makes", "phones"])[2][0]
    assert not np.allclose(fruit, phone)
    static = model.keyed_vectors(words=["apple", "pear"])
    assert static.vector_size == 16
    np.testing.assert_allclose(static["apple"], model.embed_sentence(["apple"])[0][0, :16], atol=1e-5)
    contextual = model.keyed_vectors(embed_corpus=[["an", "apple"], ["apple", "pie"]], layer="average")
    assert contextual.vector_size == 32 and contextual.get_vecattr("apple", "count") == 2
    with pytest.raises(RuntimeError, match="no vocabulary"):
        model.wv
    with pytest.raises(RuntimeError, match="softmax"):
        model.perplexity([["a"]])


def test_save_load_fresh_process_identical(tmp_path):
    model = ELMo(epochs=1, **TINY)  # random weights and a vocabulary: what save/load must keep
    model.build_vocab(CORPUS)
    path = tmp_path / "elmo"
    model.save(path)
    expected = model.embed_sentence(["the", "cat", "sat"])
    np.save(tmp_path / "expected.npy", expected)
    ppl = model.perplexity(CORPUS[:2])["average"]
    out = run_in_fresh_process(
        f"""
        import numpy as np
        from gensim_elmo import ELMo
        model = ELMo.load({str(path)!r}, progress=False)
        got = model.embed_sentence(["the", "cat", "sat"])
        assert np.array_equal(got, np.load({str(tmp_path / "expected.npy")!r}))
        print(model.perplexity({CORPUS[:2]!r})["average"])
        """
    )
    assert float(out.strip().splitlines()[-1]) == pytest.approx(ppl, rel=1e-5)


def test_gradients_clipped_together_by_default_as_the_original(tmp_path):
    """bilm-tf clips all gradients by their global norm (10); Keras's ``clipnorm`` clips each
    weight's on its own, which stays available, and is what a model saved before keeps."""
    optimizer = ELMo(preset="tiny", progress=False).make_optimizer()
    assert (optimizer.global_clipnorm, optimizer.clipnorm) == (10.0, None)
    per_weight = ELMo(preset="tiny", progress=False, clipnorm=5.0, global_clipnorm=None).make_optimizer()
    assert (per_weight.clipnorm, per_weight.global_clipnorm) == (5.0, None)
    with pytest.raises(ValueError, match="not both"):
        ELMo(preset="tiny", progress=False, clipnorm=5.0)
    # A save from before ``global_clipnorm`` existed: its config holds ``clipnorm`` only.
    path = tmp_path / "elmo"
    ELMo(preset="tiny", progress=False).save(path)
    saved = json.loads((path / "config.json").read_text())
    del saved["config"]["global_clipnorm"]
    saved["config"]["clipnorm"] = 10.0
    (path / "config.json").write_text(json.dumps(saved))
    optimizer = ELMo.load(path, progress=False).make_optimizer()
    assert (optimizer.clipnorm, optimizer.global_clipnorm) == (10.0, None)


def test_load_errors(tmp_path):
    model = ELMo(preset="tiny", progress=False)
    path = tmp_path / "elmo"
    check_load_refuses_bad_saves(model, path, "gensim_elmo.NNLM")
    other = ELMo(preset="tiny", dim=32, progress=False)
    model.save(path)
    other_path = tmp_path / "other"
    other.save(other_path)
    os.replace(other_path / "model.weights.h5", path / "model.weights.h5")
    with pytest.raises(ValueError, match="could not be loaded"):
        ELMo.load(path)
    bad = tmp_path / "bad.hdf5"
    bad.write_bytes(b"not an hdf5 file")
    with pytest.raises(ValueError):
        ELMo.from_bilm_hdf5(os.path.join(FIXTURE, "options.json"), bad)


def test_bad_arguments():
    with pytest.raises(ValueError, match="preset"):
        ELMo(preset="huge")
    with pytest.raises(TypeError, match="unknown ELMo setting"):
        ELMo(preset="tiny", hidden=3)
    with pytest.raises(ValueError, match="batch_size"):
        ELMo(preset="tiny", batch_size=0)
    with pytest.raises(RuntimeError, match="softmax vocabulary"):
        ELMo(preset="tiny", progress=False).train([["a"]])
    with pytest.raises(TypeError, match="single string"):
        ELMo("a b c", preset="tiny", progress=False)


def test_keras_layer_matches_embed_sentences(golden):
    import keras

    from keras_layers.char_ids import batch_char_ids

    model, streams, _ = golden
    sentences = [streams[0][0].split()[:7], ["apple", "pie"], ["苹果"]]
    expected = model.embed_sentences(sentences)
    char_ids = batch_char_ids(sentences, add_boundaries=False)
    for output, layer_index in (("word_emb", 0), ("lstm_outputs1", 1), ("lstm_outputs2", 2)):
        got = keras.ops.convert_to_numpy(model.to_keras(output=output)(char_ids))
        for row, vectors in enumerate(expected):
            n = len(sentences[row])
            want = vectors[layer_index][:, :16] if output == "word_emb" else vectors[layer_index]
            np.testing.assert_allclose(got[row, :n], want, atol=1e-5)
    strings = np.array([s + [""] * (7 - len(s)) for s in sentences], dtype=object)
    mixed = keras.ops.convert_to_numpy(model.to_keras(output="elmo")(strings))
    for row, vectors in enumerate(expected):
        np.testing.assert_allclose(mixed[row, : len(sentences[row])], vectors.mean(axis=0), atol=1e-5)


@pytest.mark.skipif(os.environ.get("KERAS_BACKEND", "tensorflow") != "tensorflow", reason="TensorFlow's input pipeline")
def test_tensorflow_training_input_has_a_static_batch_axis(tmp_path):
    """Every training batch holds ``batch_size`` sentences, so the step is traced with that batch
    size (the LSTM picks its gate form once, without a ``cond``); lengths and the table of distinct
    tokens stay open, also when resuming mid-epoch."""
    from gensim_elmo.elmo_batches import SentenceBatches, vocabulary_char_ids
    from gensim_elmo.encoded_corpus import EncodedCorpus
    from gensim_elmo.training import _fit_input, _RemainingBatches
    from gensim_elmo.vocabulary import Vocabulary

    sentences = [["w%d" % (i % 37)] * (1 + i % 9) for i in range(40)]
    vocabulary, _ = Vocabulary.build(sentences)
    batches = SentenceBatches(EncodedCorpus.write(sentences, vocabulary, tmp_path), 4, 0, 1,
                              vocab_chars=vocabulary_char_ids(vocabulary.index_to_word))
    for fed in (batches, _RemainingBatches(batches, 2)):
        (spec,) = _fit_input(fed).element_spec
        assert spec["token_ids"].shape.as_list() == [4, None]
        assert spec["forward_targets"].shape.as_list() == [4, None]
        assert spec["token_chars"].shape.as_list() == [None, None]


def test_early_stopping_keeps_the_best_epoch_and_lr_decay_halves_the_rate():
    # A learning rate far too high: validation gets worse after the first epochs.
    model = ELMo(CORPUS, epochs=6, validation_sentences=CORPUS[:4], early_stopping=2, lr_decay=0.5,
                 **dict(TINY, learning_rate=0.5))
    curve = model.history["val_perplexity"]
    assert model.perplexity(CORPUS[:4])["average"] == pytest.approx(min(curve), rel=1e-4)
    worse = sum(1 for i, value in enumerate(curve) if value >= min(curve[:i], default=float("inf")))
    rate = float(np.asarray(model.language_model.optimizer.learning_rate))
    assert rate == pytest.approx(0.5 * 0.5 ** worse, rel=1e-5)


def test_switching_to_the_full_softmax_keeps_the_softmax_and_network():
    model = ELMo(CORPUS, epochs=1, num_sampled=4, **TINY)
    kernel = np.asarray(model.language_model.softmax_kernel).copy()
    before = model.perplexity(CORPUS[:4])["average"]
    head = model.language_model
    model.num_sampled, model.learning_rate = None, 1e-9
    model.train(CORPUS, epochs=1)
    assert model.language_model is not head and model.language_model.num_sampled is None
    np.testing.assert_allclose(np.asarray(model.language_model.softmax_kernel), kernel, atol=1e-6)
    assert model.perplexity(CORPUS[:4])["average"] == pytest.approx(before, rel=1e-3)


def test_dropout_reaches_every_lstm_input_in_training_only():
    model = ELMo(preset="tiny", dropout=0.5, progress=False)
    bilm = model.network.bilm
    assert bilm.dropout == 0.5 and len(bilm.input_dropouts) == 4
    model.build_vocab(CORPUS)
    batch = model._batch([["the", "cat", "sat"]])
    inference = [np.asarray(model.network(batch, training=False)["lstm_outputs"][0]) for _ in range(2)]
    np.testing.assert_array_equal(*inference)
    trained = np.asarray(model.network(batch, training=True)["lstm_outputs"][0])
    assert np.abs(trained - inference[0]).max() > 1e-4
    # a frozen Keras layer is a fixed feature extractor, even in a training step
    layer = model.to_keras(trainable=False)
    chars = np.asarray(batch["token_chars"])[np.asarray(batch["token_ids"])[:, 1:4]]
    np.testing.assert_array_equal(np.asarray(layer(chars, training=True)), np.asarray(layer(chars, training=False)))


def test_resumed_run_keeps_the_best_epoch_of_early_stopping(tmp_path):
    settings = dict(TINY, learning_rate=0.5)
    whole = ELMo(CORPUS, epochs=4, validation_sentences=CORPUS[:4], early_stopping=3, **settings)
    directory = str(tmp_path / "ckpt")
    part = ELMo(CORPUS, epochs=2, validation_sentences=CORPUS[:4], early_stopping=3, checkpoint_dir=directory,
                **settings)
    resumed = ELMo(preset="tiny", **{k: v for k, v in settings.items() if k != "preset"})
    resumed.build_vocab(CORPUS)
    resumed.train(CORPUS, epochs=4, validation_sentences=CORPUS[:4], early_stopping=3, checkpoint_dir=directory)
    assert part.epochs_trained == 2
    np.testing.assert_allclose(resumed.history["val_perplexity"], whole.history["val_perplexity"], rtol=1e-4)
    for a, b in zip(resumed.language_model.get_weights(), whole.language_model.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_compact_preset_round_trips_save_and_bilm_files(tmp_path):
    model = ELMo(preset="compact", progress=False)
    assert model.options["lstm"]["dim"] == 300 and len(model.options["char_cnn"]["filters"]) == 6
    sentence = ["the", "compact", "preset"]
    expected = model.embed_sentence(sentence)
    model.save(str(tmp_path / "saved"))
    np.testing.assert_allclose(ELMo.load(str(tmp_path / "saved")).embed_sentence(sentence), expected, atol=1e-6)
    model.save_bilm_hdf5(str(tmp_path / "options.json"), str(tmp_path / "weights.hdf5"))
    again = ELMo.from_bilm_hdf5(str(tmp_path / "options.json"), str(tmp_path / "weights.hdf5"), progress=False)
    np.testing.assert_allclose(again.embed_sentence(sentence), expected, atol=1e-6)


OLD_SAVES = os.path.join(os.path.dirname(os.path.dirname(__file__)), "fixtures", "saved_before_shell")


def test_saves_of_the_earlier_layout_still_load():
    # Saved by the code before NNLM and ELMo shared one shell (ELMo's weights in network.weights.h5).
    from gensim_elmo import NNLM

    with open(os.path.join(OLD_SAVES, "expected.json"), encoding="utf-8") as handle:
        expected = json.load(handle)
    elmo = ELMo.load(os.path.join(OLD_SAVES, "elmo"), progress=False)
    assert elmo.preset == "tiny" and "preset='tiny'" in repr(elmo)
    np.testing.assert_allclose(elmo.embed_sentence(expected["sentence"]), expected["elmo_vectors"], atol=1e-6)
    fixture_corpus = [["the", "cat", "sat", "on", "the", "mat"], ["a", "dog", "ran", "home"]]
    for key, value in elmo.perplexity(fixture_corpus).items():
        assert value == pytest.approx(expected["elmo_perplexity"][key], rel=1e-5)
    nnlm = NNLM.load(os.path.join(OLD_SAVES, "nnlm"), progress=False)
    np.testing.assert_allclose(nnlm.wv["dog"], expected["nnlm_vector_dog"], atol=1e-7)


def test_options_build_the_network_once_and_exclude_presets(tmp_path):
    options = ELMo(preset="tiny", progress=False).options
    model = ELMo(options=options, progress=False)
    assert model.preset is None and "options=" in repr(model)
    assert model.options == options and model.options is not options
    with pytest.raises(ValueError, match="not both"):
        ELMo(options=options, preset="tiny")
    with pytest.raises(ValueError, match="not both"):
        ELMo(options=options, dim=8)
    converted = ELMo.from_bilm_hdf5(os.path.join(FIXTURE, "options.json"), os.path.join(FIXTURE, "lm_weights.hdf5"),
                                    progress=False)
    assert converted.preset is None and "preset='tiny'" not in repr(converted)
