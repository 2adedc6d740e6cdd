"""ELMo(characters="unicode"): one id per character, built from the corpus; training on People's Daily,
saving, loading, the bilm files' refusal, fine-tuning with new characters, serving; bytes stay the default."""

import json
import os

import keras
import numpy as np
import pytest

from gensim_elmo import ELMo
from gensim_elmo.datasets import peoples_daily
from keras_layers.char_vocabulary import ByteCharacters, UnicodeCharacters
from keras_layers.elmo_embedding import ELMoEmbedding

FIXTURE = os.path.join(os.path.dirname(os.path.dirname(__file__)), "fixtures", "bilm_tf")
CORPUS = [["中国", "人民", "银行", "发布", "新", "规定", "。"],
          ["ＡＢＣ", "公司", "在", "北京", "发布", "iPhone", "，", "价格", "5999", "元", "！"],
          ["他", "说", "：", "“", "中国", "人民", "好", "”", "？"]] * 6
DOMAIN = [["医院", "发布", "新", "药", "。"], ["病人", "在", "医院", "，", "中国", "好"]] * 6
TINY = dict(preset="tiny", batch_size=6, seed=3, progress=False, optimizer="adam", learning_rate=0.01,
            num_sampled=None)


def embedding_rows(model):
    table = keras.ops.convert_to_numpy(model.network.token_encoder.char_embedding)
    return {c: table[i].copy() for c, i in model.char_vocabulary.char_to_id.items()}


@pytest.fixture(scope="module")
def trained():
    return ELMo(CORPUS, characters="unicode", min_char_count=1, epochs=2, **TINY)


@pytest.fixture(scope="module")
def saved(trained, tmp_path_factory):
    path = str(tmp_path_factory.mktemp("unicode") / "elmo")
    trained.save(path)
    return path


def test_bytes_stay_the_default(tmp_path):
    model = ELMo(preset="tiny", progress=False)
    assert model.characters == "bytes" and model.char_vocabulary == ByteCharacters()
    assert model.network.token_encoder.n_characters == 262 and model.options["char_cnn"]["n_characters"] == 262
    model.save(tmp_path / "elmo")
    assert sorted(os.listdir(tmp_path / "elmo")) == ["config.json", "model.weights.h5"]  # no characters file
    assert ELMo.load(tmp_path / "elmo").char_vocabulary == ByteCharacters()


def test_build_vocab_lists_the_characters_and_sizes_the_embedding(trained):
    chars = trained.char_vocabulary
    assert isinstance(chars, UnicodeCharacters) and trained.characters == "unicode"
    words = {w for s in CORPUS for w in s}
    assert set(chars.characters) == {c for w in words for c in w}
    assert chars.characters[:3] == ["9", "中", "人"]  # 18 times (5999), then 12 times each by code point
    assert tuple(trained.network.token_encoder.char_embedding.shape) == (chars.n_characters, 8)
    assert trained.options["char_cnn"]["n_characters"] == chars.n_characters
    assert "characters='unicode'" in repr(trained)


def test_min_char_count_leaves_rare_characters_unknown():
    model = ELMo(preset="tiny", characters="unicode", progress=False)  # min_char_count=2 by default
    model.build_vocab(CORPUS[:3] + [["罕见"]])
    assert "中" in model.char_vocabulary.char_to_id and "罕" not in model.char_vocabulary.char_to_id
    assert model._vocab_chars[model.vocabulary["罕见"], 1] == model.char_vocabulary.unknown


def test_unknown_characters_share_the_unknown_row(trained):
    # Two words whose only difference is an unseen character get the same token vector.
    kv = trained.keyed_vectors(words=["中龘", "中鱻", "中国"])
    np.testing.assert_array_equal(kv["中龘"], kv["中鱻"])
    assert not np.allclose(kv["中龘"], kv["中国"])
    vectors = trained.embed_sentences([["他", "说", "龘"], ["他", "说", "鱻"]])
    np.testing.assert_array_equal(vectors[0], vectors[1])


def test_embedding_needs_the_character_vocabulary_first():
    model = ELMo(preset="tiny", characters="unicode", progress=False)
    assert model.network is None
    with pytest.raises(RuntimeError, match="build_vocab.*character vocabulary"):
        model.embed_sentence(["中国"])


def test_bad_settings():
    with pytest.raises(ValueError, match="`characters` must be one of"):
        ELMo(preset="tiny", characters="utf8", progress=False)
    with pytest.raises(ValueError, match="token variant"):
        ELMo(preset="tiny", characters="unicode", use_character_inputs=False, progress=False)
    with pytest.raises(ValueError, match="min_char_count"):
        ELMo(preset="tiny", characters="unicode", min_char_count=0, progress=False)


def test_save_and_load_give_identical_embeddings(trained, saved):
    assert sorted(os.listdir(saved)) == ["characters.json", "config.json", "model.weights.h5", "softmax.npz",
                                         "vocab.tsv"]
    with open(os.path.join(saved, "config.json"), encoding="utf-8") as handle:
        assert json.load(handle)["config"]["characters"] == "unicode"
    loaded = ELMo.load(saved, progress=False)
    assert loaded.char_vocabulary == trained.char_vocabulary
    sentences = [["中国", "人民", "iPhone"], ["“", "龘", "”", "！"]]
    for a, b in zip(loaded.embed_sentences(sentences), trained.embed_sentences(sentences)):
        np.testing.assert_array_equal(a, b)
    assert loaded.perplexity(CORPUS[:3]) == trained.perplexity(CORPUS[:3])


def test_a_save_without_the_characters_file(saved, tmp_path):
    # Saves written before the option existed hold neither the file nor the settings: they are bytes.
    old = tmp_path / "old"
    ELMo(preset="tiny", progress=False).save(old)
    config = json.loads((old / "config.json").read_text(encoding="utf-8"))
    for key in ("characters", "min_char_count"):
        del config["config"][key]
    (old / "config.json").write_text(json.dumps(config), encoding="utf-8")
    assert ELMo.load(old).char_vocabulary == ByteCharacters()
    # A unicode save that lost its file is refused, not read as bytes.
    broken = tmp_path / "broken"
    os.makedirs(broken)
    for name in os.listdir(saved):
        if name != "characters.json":
            with open(os.path.join(saved, name), "rb") as src, open(broken / name, "wb") as dst:
                dst.write(src.read())
    with pytest.raises(ValueError, match="characters.json is missing"):
        ELMo.load(broken)


def test_bilm_files_refuse_a_unicode_model_and_read_as_bytes(trained, tmp_path):
    with pytest.raises(ValueError, match="byte ids only"):
        trained.save_bilm_hdf5(tmp_path / "options.json", tmp_path / "weights.hdf5")
    assert not os.listdir(tmp_path)
    from gensim_elmo.bilm_hdf5 import get_network_weights

    with pytest.raises(ValueError, match="byte ids only"):
        get_network_weights(trained.network)
    model = ELMo.from_bilm_hdf5(os.path.join(FIXTURE, "options.json"), os.path.join(FIXTURE, "lm_weights.hdf5"),
                                progress=False)
    assert model.characters == "bytes" and model.char_vocabulary == ByteCharacters()


def test_fine_tuning_adds_the_domains_new_characters_and_keeps_known_rows(saved):
    model = ELMo.load(saved, progress=False)
    before = embedding_rows(model)
    known = list(model.char_vocabulary.characters)
    lstm_before = [w.copy() for w in model.network.bilm.get_weights()]
    model.min_char_count = 2
    model.build_vocab(DOMAIN + [["罕"]], update=True)
    chars = model.char_vocabulary.characters
    assert chars[: len(known)] == known  # known characters keep their ids
    assert {"医", "院", "病", "药"} <= set(chars[len(known):]) and "罕" not in chars  # rarer than 2: unknown
    after = embedding_rows(model)
    for character in known:
        np.testing.assert_array_equal(after[character], before[character])
    for a, b in zip(model.network.bilm.get_weights(), lstm_before):
        np.testing.assert_array_equal(a, b)  # the rest of the network carried over
    first = model.perplexity(DOMAIN[:2])["average"]
    model.train(DOMAIN, epochs=3)
    assert model.perplexity(DOMAIN[:2])["average"] < first
    assert not np.allclose(embedding_rows(model)["医"], after["医"])  # the new rows train


def test_a_new_vocabulary_keeps_the_rows_of_shared_characters(saved):
    model = ELMo.load(saved, progress=False)
    network = model.network
    model.build_vocab(CORPUS[:3])  # the same characters: the network stays as it is
    assert model.network is network and model.char_vocabulary.counts != ELMo.load(saved).char_vocabulary.counts
    before = embedding_rows(model)
    model.build_vocab(DOMAIN)
    after = embedding_rows(model)
    assert "银" not in after and "医" in after
    for character in set(before) & set(after):
        np.testing.assert_array_equal(after[character], before[character])


def test_trains_on_peoples_daily_and_the_loss_falls():
    train = list(peoples_daily("train", limit=40))  # 40 paragraphs, 2,783 words
    model = ELMo(train, characters="unicode", preset="tiny", epochs=3, batch_size=16, seed=1, progress=False,
                 optimizer="adam", learning_rate=0.02, num_sampled=256, max_sentence_length=50)
    assert len(model.char_vocabulary.characters) > 500  # Han characters, digits, full-width punctuation
    assert {"中", "，", "。"} <= set(model.char_vocabulary.characters)
    losses = model.history["loss"]
    assert losses == sorted(losses, reverse=True) and losses[-1] < losses[0] - 0.2, losses
    assert 1 < model.perplexity(train[:5])["average"] < len(model.vocabulary)


def test_checkpoints_resume_a_unicode_model(trained, tmp_path):
    directory = str(tmp_path / "ckpt")
    ELMo(CORPUS, characters="unicode", min_char_count=1, epochs=1, checkpoint_dir=directory, **TINY)
    resumed = ELMo(characters="unicode", min_char_count=1, **TINY)
    resumed.build_vocab(CORPUS)
    resumed.train(CORPUS, epochs=2, checkpoint_dir=directory)  # one epoch done: one more
    assert resumed.epochs_trained == 2
    for a, b in zip(resumed.language_model.get_weights(), trained.language_model.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-5)  # as the uninterrupted two epochs


@pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="strings need TensorFlow")
def test_keras_layer_and_serving_export_read_strings_with_the_characters(trained, saved, tmp_path):
    import tensorflow as tf

    from gensim_elmo.serving import export_model

    sentences = [["中国", "人民", "龘"], ["ＡＢＣ", "，"]]
    strings = np.array([s + [""] * (3 - len(s)) for s in sentences])
    expected = trained.embed_sentences(sentences)
    for layer in (trained.to_keras(output="lstm_outputs2"), ELMoEmbedding(saved, output="lstm_outputs2")):
        vectors = keras.ops.convert_to_numpy(layer(strings))
        for row, sentence in enumerate(sentences):
            np.testing.assert_allclose(vectors[row, : len(sentence)], expected[row][2], atol=1e-5)
    export_model(trained, tmp_path / "served", output="word_emb")
    loaded = tf.saved_model.load(str(tmp_path / "served"))  # kept: its function needs the variables alive
    served = loaded.serve(tf.constant(strings)).numpy()
    for row, sentence in enumerate(sentences):
        np.testing.assert_allclose(served[row, : len(sentence)], expected[row][0, :, :16], atol=1e-5)


def test_command_line_trains_a_unicode_model(tmp_path):
    from gensim_elmo.cli import main

    corpus = tmp_path / "corpus.txt"
    corpus.write_text("\n".join(" ".join(s) for s in CORPUS) + "\n", encoding="utf-8")
    assert main(["train", "elmo", "--corpus", str(corpus), "--output", str(tmp_path / "elmo"), "--preset", "tiny",
                 "--epochs", "1", "--batch-size", "6", "--characters", "unicode", "--min-char-count", "7",
                 "--no-progress"]) == 0
    model = ELMo.load(tmp_path / "elmo")
    assert model.characters == "unicode" and model.min_char_count == 7
    chars = model.char_vocabulary.char_to_id
    assert "中" in chars and "银" not in chars  # 12 and 6 times in the corpus
