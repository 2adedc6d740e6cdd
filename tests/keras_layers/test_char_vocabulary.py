"""Character vocabularies: byte ids as before, one id per Unicode character (Chinese, mixed, full-width),
unknown characters, saving, and the layers that read them (StringCharIds, ELMoNetwork, ELMoEmbedding)."""

import json
import os
from collections import Counter

import keras
import numpy as np
import pytest

from keras_layers.char_ids import batch_char_ids, sentence_char_ids, token_char_ids
from keras_layers.char_vocabulary import (
    ByteCharacters,
    CharacterVocabulary,
    UnicodeCharacters,
    carried_rows,
    char_vocabulary_from_config,
    get_char_vocabulary,
)
from keras_layers.elmo_embedding import ELMoEmbedding
from keras_layers.elmo_network import ELMoNetwork
from keras_layers.saved_network import CHARACTERS_FILE, CONFIG_FILE, WEIGHTS_FILE, read_char_vocabulary
from keras_layers.string_char_ids import StringCharIds

tensorflow_only = pytest.mark.skipif(keras.backend.backend() != "tensorflow", reason="strings need TensorFlow")

# Segmented Chinese, Chinese mixed with Latin letters and digits, full-width punctuation and letters.
CORPUS = [
    ["中国", "人民", "银行", "发布", "新", "规定", "。"],
    ["ＡＢＣ", "公司", "在", "北京", "发布", "iPhone", "１５", "，", "价格", "5999", "元", "！"],
    ["他", "说", "：", "“", "中国", "好", "”", "（", "新华社", "）", "？"],
] * 3
SENTENCES = [["中国", "人民"], ["iPhone", "在", "北京", "，"], ["“", "新华社", "”", "！", "ＡＢＣ"], []]


def unicode_chars(min_count=1):
    return UnicodeCharacters.build([w for s in CORPUS for w in s], min_count=min_count)


def tiny_options(n_characters=None):
    cnn = {"activation": "relu", "embedding": {"dim": 4}, "filters": [[1, 4], [2, 4]], "n_highway": 1,
           "max_characters_per_token": 50}
    if n_characters is not None:
        cnn["n_characters"] = n_characters
    return {"lstm": {"dim": 8, "projection_dim": 4, "n_layers": 2, "cell_clip": 3, "proj_clip": 3,
                     "use_skip_connections": True}, "char_cnn": cnn}


# --- ids ------------------------------------------------------------------------------------------------
def test_bytes_are_the_original_ids():
    chars = ByteCharacters()
    for token in ["hi", "中国", "<S>", "</S>", "x" * 60, "é", ""]:
        np.testing.assert_array_equal(chars.token_ids(token), token_char_ids(token) + 1)
    np.testing.assert_array_equal(chars.sentence_ids(["a", "中"]), sentence_char_ids(["a", "中"]))
    np.testing.assert_array_equal(chars.batch_ids(SENTENCES, add_boundaries=False),
                                  batch_char_ids(SENTENCES, add_boundaries=False))
    assert chars.n_characters == 262 and chars.token_ids("中")[1:4].tolist() == [229, 185, 174]  # 3 byte ids


def test_chinese_is_one_id_per_character_in_count_order():
    chars = unicode_chars()
    counts = Counter(c for s in CORPUS for w in s for c in w)
    assert chars.characters == sorted(counts, key=lambda c: (-counts[c], ord(c)))  # by count, then code point
    assert chars.characters[:4] == ["9", "中", "发", "国"] and chars.counts[:4] == [9, 6, 6, 6]
    ids = chars.token_ids("中国人民")
    expected = [chars.beginning_of_word] + [chars.char_to_id[c] for c in "中国人民"] + [chars.end_of_word]
    assert ids[:6].tolist() == expected
    assert (ids[6:] == chars.padding).all() and ids.shape == (50,) and ids.dtype == np.int32
    assert chars.n_characters == 7 + len(chars.characters) == 7 + len({c for s in CORPUS for w in s for c in w})


def test_mixed_chinese_latin_and_full_width_punctuation():
    chars = unicode_chars()
    for token in ["iPhone", "ＡＢＣ", "１５", "，", "“", "”", "（", "）", "？", "！", "：", "5999"]:
        ids = chars.token_ids(token)
        assert ids[1 : 1 + len(token)].tolist() == [chars.char_to_id[c] for c in token]
        assert ids[1 + len(token)] == chars.end_of_word
    # Full-width letters and digits are characters of their own, not their ASCII look-alikes.
    assert chars.char_to_id["Ａ"] != chars.char_to_id.get("A") and "A" not in chars.char_to_id
    mixed = chars.token_ids("iPhone中国")
    assert mixed[1:9].tolist() == [chars.char_to_id[c] for c in "iPhone中国"]


def test_unknown_characters_map_to_the_unknown_id():
    chars = unicode_chars()
    ids = chars.token_ids("中😀龘z")
    assert ids[:6].tolist() == [chars.beginning_of_word, chars.char_to_id["中"], chars.unknown, chars.unknown,
                                chars.unknown, chars.end_of_word]
    assert chars.token_ids("\ud800")[1] == chars.unknown  # a lone surrogate is never a character
    rare = unicode_chars(min_count=4)  # characters seen fewer than 4 times are unknown
    assert "中" in rare.char_to_id and "华" not in rare.char_to_id and "新" in rare.char_to_id
    assert rare.token_ids("华")[1] == rare.unknown


def test_markers_long_tokens_padding_and_tables():
    chars = unicode_chars()
    assert chars.token_ids("<S>")[:4].tolist() == [3, 1, 4, 5] and chars.token_ids("</S>")[:3].tolist() == [3, 2, 4]
    long = chars.token_ids("中" * 60)
    assert (long[1:49] == chars.char_to_id["中"]).all() and long[49] == chars.end_of_word  # 48 characters kept
    batch = chars.batch_ids(SENTENCES)
    assert batch.shape == (4, 7, 50) and (batch[0, 4:] == 0).all() and (batch[3, 2:] == 0).all()
    np.testing.assert_array_equal(batch[1, 0], chars.bos_ids)
    np.testing.assert_array_equal(batch[1, 5], chars.eos_ids)
    table = chars.table(["<S>", "中国"])
    assert table.dtype == np.int16 and table[1, 1] == chars.char_to_id["中"]
    big = UnicodeCharacters([chr(0x4E00 + i) for i in range(33000)])
    assert big.table(["丁"]).dtype == np.int32  # ids above int16
    with pytest.raises(TypeError, match="not a str"):
        chars.sentence_ids("中国")
    with pytest.raises(TypeError, match="must be a str"):
        chars.token_ids(5)


def test_build_extend_and_errors():
    assert UnicodeCharacters.build(["ab", "b"], counts=[1, 5]).characters == ["b", "a"]
    assert UnicodeCharacters.build(["ab", "b"], counts=[1, 5], min_count=2).characters == ["b"]
    chars = UnicodeCharacters(["中", "国"], [3, 2])
    extended = chars.extend(["国家", "家", "人"], min_count=2)
    assert extended.characters == ["中", "国", "家"] and extended.counts == [3, 2, 2]  # known ids kept
    with pytest.raises(ValueError, match="one-character"):
        UnicodeCharacters(["中国"])
    with pytest.raises(ValueError, match="more than once"):
        UnicodeCharacters(["中", "中"])
    with pytest.raises(ValueError, match="counts"):
        UnicodeCharacters(["中"], [1, 2])
    with pytest.raises(ValueError, match="min_count"):
        UnicodeCharacters.build(["a"], min_count=0)
    with pytest.raises(TypeError, match="not a str"):
        UnicodeCharacters.build("中国")


def test_carried_rows_by_character_and_role():
    old, new = UnicodeCharacters(["a", "b"]), UnicodeCharacters(["c", "b", "a"])
    rows = dict(carried_rows(old, new).tolist())
    assert rows == {0: 0, 1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 6, 7: 9, 8: 8}
    across = dict(carried_rows(ByteCharacters(), new).tolist())
    assert across == {0: 0, 257: 1, 258: 2, 259: 3, 260: 4, 261: 5}  # the markers by role, no characters


# --- config and files -----------------------------------------------------------------------------------
def test_config_and_file_round_trip(tmp_path):
    chars = unicode_chars()
    again = char_vocabulary_from_config(json.loads(json.dumps(chars.get_config())))
    assert again == chars and again.characters == chars.characters and again.counts == chars.counts
    path = tmp_path / CHARACTERS_FILE
    chars.save(path)
    assert "中" in path.read_text(encoding="utf-8")  # readable: characters as themselves
    assert CharacterVocabulary.load(path) == chars and read_char_vocabulary(tmp_path) == chars
    assert os.listdir(tmp_path) == [CHARACTERS_FILE]  # no temporary file left
    assert read_char_vocabulary(tmp_path / "missing") == ByteCharacters()  # no file: the original bytes
    assert get_char_vocabulary(None) == ByteCharacters() and get_char_vocabulary(chars) is chars


def test_bad_files_and_configs(tmp_path):
    (tmp_path / "a.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match="not valid JSON"):
        CharacterVocabulary.load(tmp_path / "a.json")
    (tmp_path / "b.json").write_text('{"kind": "glyphs"}', encoding="utf-8")
    with pytest.raises(ValueError, match="unknown character vocabulary kind 'glyphs'"):
        CharacterVocabulary.load(tmp_path / "b.json")
    with pytest.raises(ValueError, match="needs `characters`"):
        char_vocabulary_from_config({"kind": "unicode"})
    with pytest.raises(TypeError, match="CharacterVocabulary"):
        get_char_vocabulary(["中"])


# --- layers ---------------------------------------------------------------------------------------------
def _strings(sentences):
    width = max(len(s) for s in sentences)
    return np.array([list(s) + [""] * (width - len(s)) for s in sentences], dtype=object).astype(str)


@tensorflow_only
def test_string_char_ids_match_the_python_ids():
    chars = unicode_chars()
    sentences = SENTENCES[:3] + [["<S>", "中华😀", "中" * 60, "é" * 30, "</S>", "<s>"]]
    layer = StringCharIds(chars)
    ids = keras.ops.convert_to_numpy(layer(_strings(sentences)))
    np.testing.assert_array_equal(ids, chars.batch_ids(sentences, add_boundaries=False))
    again = StringCharIds.from_config(json.loads(json.dumps(layer.get_config())))
    assert again.char_vocabulary == chars
    assert "char_vocabulary" not in StringCharIds().get_config()  # a byte layer's config is as before
    empty = StringCharIds(UnicodeCharacters([]))(np.array([["中a"]]))
    assert keras.ops.convert_to_numpy(empty)[0, 0, :4].tolist() == [3, 6, 6, 4]


def test_network_sizes_its_embedding_by_the_vocabulary():
    chars = unicode_chars()
    network = ELMoNetwork(tiny_options(), char_vocabulary=chars)
    network.build()
    assert tuple(network.token_encoder.char_embedding.shape) == (chars.n_characters, 4)
    assert network.options["char_cnn"]["n_characters"] == chars.n_characters
    again = ELMoNetwork.from_config(json.loads(json.dumps(network.get_config())))
    assert again.char_vocabulary == chars
    assert "char_vocabulary" not in ELMoNetwork(tiny_options(262)).get_config()
    with pytest.raises(ValueError, match="pass `char_vocabulary=`"):
        ELMoNetwork(tiny_options(chars.n_characters))  # a unicode network's options without its characters
    with pytest.raises(ValueError, match="must match"):
        ELMoNetwork(tiny_options(262), char_vocabulary=chars)
    token_options = {"lstm": tiny_options()["lstm"], "use_character_inputs": False, "n_tokens_vocab": 10}
    with pytest.raises(ValueError, match="token variant"):
        ELMoNetwork(token_options, char_vocabulary=chars)


def test_embedding_layer_with_unicode_ids_saves_and_loads(tmp_path):
    chars = unicode_chars()
    layer = ELMoEmbedding(options=tiny_options(), char_vocabulary=chars, output="lstm_outputs2")
    ids = chars.batch_ids(SENTENCES, add_boundaries=False)
    inputs = keras.Input((None, 50), dtype="int32")
    model = keras.Model(inputs, layer(inputs))
    expected = keras.ops.convert_to_numpy(model(ids))
    assert expected.shape == (4, 5, 8) and not expected[0, 2:].any()
    path = str(tmp_path / "model.keras")
    model.save(path)
    loaded = keras.models.load_model(path)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(loaded(ids)), expected, atol=1e-6)
    assert loaded.layers[-1].network.char_vocabulary == chars
    with pytest.raises(ValueError, match="goes with `options`"):
        ELMoEmbedding(layer.network, char_vocabulary=chars)


@tensorflow_only
def test_embedding_layer_reads_strings_and_a_saved_directory(tmp_path):
    chars = unicode_chars()
    network = ELMoNetwork(tiny_options(), char_vocabulary=chars)
    network.build()
    strings, ids = _strings(SENTENCES), chars.batch_ids(SENTENCES, add_boundaries=False)
    expected = keras.ops.convert_to_numpy(ELMoEmbedding(network, output="word_emb")(ids))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(ELMoEmbedding(network, output="word_emb")(strings)),
                               expected, atol=1e-6)
    # A saved directory, as gensim_elmo.ELMo.save writes it: config.json, weights, characters.json.
    (tmp_path / CONFIG_FILE).write_text(json.dumps({"options": network.options}), encoding="utf-8")
    network.save_weights(str(tmp_path / WEIGHTS_FILE))
    chars.save(tmp_path / CHARACTERS_FILE)
    from_directory = ELMoEmbedding(str(tmp_path), output="word_emb")
    assert from_directory.network.char_vocabulary == chars
    np.testing.assert_allclose(keras.ops.convert_to_numpy(from_directory(strings)), expected, atol=1e-6)
    os.remove(tmp_path / CHARACTERS_FILE)  # the options then need the characters they were built with
    with pytest.raises(ValueError, match="char_vocabulary"):
        ELMoEmbedding(str(tmp_path))
