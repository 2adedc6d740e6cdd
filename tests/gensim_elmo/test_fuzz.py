"""Fuzzing with hypothesis: any input gives a valid result or a clear error, never a crash or hang.

Budgets come from the hypothesis profiles in tests/conftest.py (``--slow`` runs many more examples).
"""

import os
import shutil

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from gensim_elmo import ELMo, NNLM
from gensim_elmo.corpus import LineSentences
from keras_layers.char_ids import MAX_CHARACTERS_PER_TOKEN, batch_char_ids, token_char_ids

# Any code point, lone surrogates and control characters included.
ANY_CHAR = st.characters(min_codepoint=0, max_codepoint=0x10FFFF, codec=None, categories=None)
ANY_TEXT = st.text(alphabet=ANY_CHAR, max_size=300)
TOKENS = st.lists(st.text(alphabet=ANY_CHAR, min_size=1, max_size=60), max_size=40)
CORPUS = [["the", "cat", "sat", "on", "the", "mat"], ["a", "dog", "ran", "to", "the", "cat"]] * 8
CLEAR_ERRORS = (ValueError, FileNotFoundError)


@given(ANY_TEXT)
@example("\ud800")  # a lone surrogate
@example("\x00\x1b\n\t")
@example("é" * 1000)
def test_char_ids_of_any_string(token):
    ids = token_char_ids(token)
    assert ids.shape == (MAX_CHARACTERS_PER_TOKEN,) and ids.dtype == np.int32
    assert 0 <= ids.min() and ids.max() <= 260


@given(st.lists(TOKENS, min_size=1, max_size=5))
def test_batch_char_ids_of_any_sentences(sentences):
    ids = batch_char_ids(sentences)
    longest = max(len(s) for s in sentences) + 2
    assert ids.shape == (len(sentences), longest, MAX_CHARACTERS_PER_TOKEN)
    assert 0 <= ids.min() and ids.max() <= 261


@given(st.binary(max_size=2000), st.sampled_from(["strict", "replace", "ignore"]))
@example(b"\xff\xfe\x00bad utf8\n" + b"x " * 5000 + b"\n\n\n", "strict")
@example(b"", "strict")
def test_line_sentences_on_random_bytes(tmp_path_factory, data, errors):
    path = tmp_path_factory.mktemp("fuzz") / "corpus.txt"
    path.write_bytes(data)
    try:
        sentences = list(LineSentences(path, errors=errors, max_sentence_length=100))
    except ValueError as exc:
        assert errors == "strict" and "UTF-8" in str(exc)
        return
    assert all(s and len(s) <= 100 and all(isinstance(t, str) and t for t in s) for s in sentences)


@pytest.fixture(scope="module")
def nnlm():
    return NNLM(CORPUS, vector_size=4, window=2, hidden_size=8, epochs=1, batch_size=8, progress=False)


@pytest.fixture(scope="module")
def elmo():
    return ELMo(CORPUS, preset="tiny", epochs=1, batch_size=4, progress=False)


@given(TOKENS)
@example([])
@example(["the", "cat"])
def test_predict_next_on_random_tokens(nnlm, tokens):
    predictions = nnlm.predict_next(tokens, topn=3)
    assert len(predictions) == 3
    assert all(word in nnlm.vocabulary for word, _ in predictions)
    probabilities = [p for _, p in predictions]
    assert all(0 <= p <= 1 for p in probabilities) and probabilities == sorted(probabilities, reverse=True)


@given(TOKENS)
@example([])
@example(["x" * 10000])
def test_embed_sentence_on_random_tokens(elmo, tokens):
    vectors = elmo.embed_sentence(tokens)
    assert vectors.shape[:2] == (3, len(tokens)) and np.all(np.isfinite(vectors))


def _mutate(data, cut, flips):
    """``data`` truncated at ``cut`` (a fraction), then with the bytes at ``flips`` (fractions) flipped."""
    data = bytearray(data[: int(len(data) * cut)])
    for position in flips:
        if data:
            data[int(position * (len(data) - 1))] ^= 0xFF
    return bytes(data)


@pytest.fixture(scope="module")
def saved(tmp_path_factory, nnlm, elmo):
    root = tmp_path_factory.mktemp("saved")
    nnlm.save(root / "nnlm")
    elmo.save(root / "elmo")
    elmo.save_bilm_hdf5(root / "options.json", root / "weights.hdf5")
    return root


MUTATION = (st.sampled_from([1.0, 1.0, 0.999, 0.5, 0.1, 0.0]), st.lists(st.floats(0, 1), max_size=4))


@given(st.sampled_from([("nnlm", "config.json"), ("nnlm", "vocab.tsv"), ("nnlm", "model.weights.h5"),
                        ("elmo", "config.json"), ("elmo", "model.weights.h5"), ("elmo", "softmax.npz")]),
       *MUTATION)
def test_loaders_on_truncated_and_bit_flipped_saves(saved, tmp_path_factory, target, cut, flips):
    directory, filename = target
    copy = tmp_path_factory.mktemp("mutated") / directory
    shutil.copytree(saved / directory, copy)
    path = copy / filename
    if not path.exists():  # softmax.npz only exists for sampled-softmax-free saves
        return
    path.write_bytes(_mutate(path.read_bytes(), cut, flips))
    model_class = NNLM if directory == "nnlm" else ELMo
    try:
        model = model_class.load(copy, progress=False)
    except CLEAR_ERRORS as exc:
        assert str(exc)
        return
    assert len(model.vocabulary) > 0  # a harmless mutation (e.g. inside weight values) may load


@given(st.sampled_from(["options.json", "weights.hdf5"]), *MUTATION)
def test_bilm_hdf5_loader_on_truncated_and_bit_flipped_files(saved, tmp_path_factory, filename, cut, flips):
    copy = tmp_path_factory.mktemp("bilm")
    for name in ("options.json", "weights.hdf5"):
        shutil.copy(saved / name, copy / name)
    (copy / filename).write_bytes(_mutate((copy / filename).read_bytes(), cut, flips))
    try:
        model = ELMo.from_bilm_hdf5(os.fspath(copy / "options.json"), os.fspath(copy / "weights.hdf5"),
                                    progress=False)
    except CLEAR_ERRORS as exc:
        assert str(exc)
        return
    assert model.embed_sentence(["a"]).shape[:2] == (3, 1)
