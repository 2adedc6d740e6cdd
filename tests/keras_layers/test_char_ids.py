"""Tests of keras_layers.char_ids: the byte-level ELMo character ids."""

import random

import numpy as np
import pytest

from keras_layers.char_ids import (
    BEGINNING_OF_SENTENCE_CHARACTER,
    BEGINNING_OF_WORD_CHARACTER,
    END_OF_SENTENCE_CHARACTER,
    END_OF_WORD_CHARACTER,
    PADDING_CHARACTER,
    batch_char_ids,
    deduplicate_char_ids,
    sentence_char_ids,
    token_char_ids,
)


def expected_ids(token):
    data = token.encode("utf-8", "ignore")[:48]
    ids = [BEGINNING_OF_WORD_CHARACTER] + list(data) + [END_OF_WORD_CHARACTER]
    return ids + [PADDING_CHARACTER] * (50 - len(ids))


def test_ascii_token():
    ids = token_char_ids("cat")
    assert ids.shape == (50,) and ids.dtype == np.int32
    assert ids[:6].tolist() == [258, 99, 97, 116, 259, 260]
    assert (ids[5:] == 260).all()


def test_sentence_markers():
    assert token_char_ids("<S>")[:4].tolist() == [258, BEGINNING_OF_SENTENCE_CHARACTER, 259, 260]
    assert token_char_ids("</S>")[:4].tolist() == [258, END_OF_SENTENCE_CHARACTER, 259, 260]
    assert (token_char_ids("<S>")[3:] == 260).all()


@pytest.mark.parametrize(
    "token",
    ["é", "苹果", "😀🍎", "a\x00b\x07\n", "\ud800abc", "x\udfffy", "ab" * 30, "a" + "中" * 20, "", " "],
)
def test_unicode_and_truncation(token):
    ids = token_char_ids(token)
    assert ids.tolist() == expected_ids(token)
    assert ids.min() >= 0 and ids.max() <= 260


def test_lone_surrogate_is_dropped():
    assert token_char_ids("\ud800abc").tolist() == token_char_ids("abc").tolist()


def test_long_token_truncated_to_48_bytes():
    ids = token_char_ids("z" * 100)
    assert (ids[1:49] == ord("z")).all() and ids[49] == END_OF_WORD_CHARACTER


def test_token_type_error():
    with pytest.raises(TypeError, match="token"):
        token_char_ids(3)
    with pytest.raises(TypeError, match="tokens"):
        sentence_char_ids("not a list")


def test_sentence_char_ids_shift_and_boundaries():
    ids = sentence_char_ids(["hi", "there"])
    assert ids.shape == (4, 50) and ids.dtype == np.int32
    np.testing.assert_array_equal(ids[0], token_char_ids("<S>") + 1)
    np.testing.assert_array_equal(ids[1], token_char_ids("hi") + 1)
    np.testing.assert_array_equal(ids[3], token_char_ids("</S>") + 1)
    no_bounds = sentence_char_ids(["hi", "there"], add_boundaries=False)
    np.testing.assert_array_equal(no_bounds, ids[1:3])
    assert ids.min() >= 1
    assert sentence_char_ids([], add_boundaries=False).shape == (0, 50)


def test_batch_char_ids_padding():
    ids = batch_char_ids([["a", "b", "c"], ["d"]])
    assert ids.shape == (2, 5, 50)
    assert (ids[1, 3:] == 0).all() and (ids[1, :3] > 0).all()
    np.testing.assert_array_equal(ids[1, :3], sentence_char_ids(["d"]))
    assert batch_char_ids([]).shape == (0, 0, 50)


def test_random_unicode_fuzz():
    rng = random.Random(0)
    for _ in range(200):
        token = "".join(chr(rng.randrange(0, 0x110000)) for _ in range(rng.randrange(0, 30)))
        ids = token_char_ids(token)
        assert ids.shape == (50,)
        assert ids[0] == BEGINNING_OF_WORD_CHARACTER
        assert ids.min() >= 0 and ids.max() <= PADDING_CHARACTER


def test_deduplicate_char_ids():
    char_ids = batch_char_ids([["the", "cat", "the"], ["cat"], []])
    token_chars, token_ids = deduplicate_char_ids(char_ids)
    assert token_ids.shape == char_ids.shape[:2] and token_ids.dtype == np.int32
    assert token_chars.dtype == np.int32
    assert (token_chars[0] == 0).all()
    np.testing.assert_array_equal(token_chars[token_ids], char_ids)
    assert ((token_ids == 0) == (char_ids.max(axis=-1) == 0)).all()
    # <S>, </S>, the, cat and the padding row.
    assert token_chars.shape == (5, 50)
    assert len(np.unique(token_chars, axis=0)) == len(token_chars)


def test_deduplicate_without_padding_keeps_zero_row():
    token_chars, token_ids = deduplicate_char_ids(batch_char_ids([["a"]], add_boundaries=False))
    assert token_chars.shape == (2, 50) and (token_chars[0] == 0).all()
    assert token_ids.tolist() == [[1]]


def test_deduplicate_bad_shape():
    with pytest.raises(ValueError, match="char_ids"):
        deduplicate_char_ids(np.zeros((2, 50), np.int32))
