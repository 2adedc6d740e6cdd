"""Tokens to ELMo character ids: 50 byte-level ids per token, as the original ELMo computes them.

A token becomes ``[BOW, utf-8 bytes..., EOW, PAD, PAD, ...]`` (50 ids): the bytes come from
``token.encode("utf-8", "ignore")`` truncated to 48 bytes, byte values are ids 0..255 and the
special ids are beginning-of-sentence 256, end-of-sentence 257, beginning-of-word 258,
end-of-word 259 and padding 260. The sentence markers ``<S>`` and ``</S>`` are whole tokens
``[BOW, BOS, EOW, PAD...]`` and ``[BOW, EOS, EOW, PAD...]``.

Model inputs shift every id by +1 so that 0 means "this token is padding" (a padding token is 50
zeros); the character embedding therefore has ``n_characters = 262`` rows, row 0 being padding.
These are the ids of ``keras_layers.char_vocabulary.ByteCharacters``; ``UnicodeCharacters`` there
gives one id per Unicode character of a corpus instead (a Chinese character is 3 bytes here).

Example:

>>> token_char_ids("hi")[:5].tolist()
[258, 104, 105, 259, 260]
>>> sentence_char_ids(["hi"]).shape
(3, 50)
>>> batch_char_ids([["a", "b"], ["c"]]).shape
(2, 4, 50)
>>> token_chars, token_ids = deduplicate_char_ids(batch_char_ids([["a", "a"], ["a"]]))
>>> token_chars.shape, token_ids.tolist()
((4, 50), [[1, 3, 3, 2], [1, 3, 2, 0]])
"""

import numpy as np

MAX_CHARACTERS_PER_TOKEN = 50
"""Number of character ids per token."""

MAX_TOKEN_BYTES = MAX_CHARACTERS_PER_TOKEN - 2
"""Bytes kept from a token's utf-8 encoding (room is left for BOW and EOW)."""

BEGINNING_OF_SENTENCE_CHARACTER = 256
END_OF_SENTENCE_CHARACTER = 257
BEGINNING_OF_WORD_CHARACTER = 258
END_OF_WORD_CHARACTER = 259
PADDING_CHARACTER = 260

N_CHARACTERS = 262
"""Rows of the character embedding: 261 ids shifted by +1, plus row 0 for padding tokens."""

BOS_TOKEN = "<S>"
EOS_TOKEN = "</S>"


def _marker_ids(character):
    ids = np.full((MAX_CHARACTERS_PER_TOKEN,), PADDING_CHARACTER, dtype=np.int32)
    ids[0] = BEGINNING_OF_WORD_CHARACTER
    ids[1] = character
    ids[2] = END_OF_WORD_CHARACTER
    return ids


_BOS_IDS = _marker_ids(BEGINNING_OF_SENTENCE_CHARACTER)
_EOS_IDS = _marker_ids(END_OF_SENTENCE_CHARACTER)


def token_char_ids(token):
    """Return the 50 (unshifted) character ids of one token.

    Args:
        token: str, the token. ``"<S>"`` and ``"</S>"`` are the sentence markers. Characters
            that cannot be encoded as utf-8 (lone surrogates) are dropped; the encoding is cut
            to 48 bytes.

    Returns:
        ``np.ndarray`` of shape ``(50,)`` and dtype int32, values in 0..260.

    Raises:
        TypeError: if ``token`` is not a ``str``.

    Example:

    >>> token_char_ids("<S>")[:4].tolist()
    [258, 256, 259, 260]
    >>> token_char_ids("é")[:4].tolist()
    [258, 195, 169, 259]
    """
    if not isinstance(token, str):
        raise TypeError(f"`token` must be a str. Received: token={token!r} of type {type(token).__name__}")
    if token == BOS_TOKEN:
        return _BOS_IDS.copy()
    if token == EOS_TOKEN:
        return _EOS_IDS.copy()
    data = token.encode("utf-8", "ignore")[:MAX_TOKEN_BYTES]
    ids = np.full((MAX_CHARACTERS_PER_TOKEN,), PADDING_CHARACTER, dtype=np.int32)
    ids[0] = BEGINNING_OF_WORD_CHARACTER
    ids[1 : 1 + len(data)] = np.frombuffer(data, dtype=np.uint8)
    ids[1 + len(data)] = END_OF_WORD_CHARACTER
    return ids


def sentence_char_ids(tokens, add_boundaries=True):
    """Return the shifted character ids of a sentence, one row per token.

    Args:
        tokens: a sequence of str, the sentence's tokens.
        add_boundaries: bool, add ``<S>`` before and ``</S>`` after the sentence.
            Defaults to True.

    Returns:
        ``np.ndarray`` of shape ``(n + 2, 50)`` (``(n, 50)`` without boundaries), int32, every
        id shifted by +1 (values 1..261).

    Example:

    >>> sentence_char_ids(["hi"])[:, :4].tolist()
    [[259, 257, 260, 261], [259, 105, 106, 260], [259, 258, 260, 261]]
    """
    if isinstance(tokens, str):
        raise TypeError(f"`tokens` must be a sequence of str tokens, not a str. Received: tokens={tokens!r}")
    rows = [token_char_ids(token) for token in tokens]
    if add_boundaries:
        rows = [_BOS_IDS] + rows + [_EOS_IDS]
    if not rows:
        return np.zeros((0, MAX_CHARACTERS_PER_TOKEN), dtype=np.int32)
    return np.stack(rows).astype(np.int32) + 1


def batch_char_ids(sentences, add_boundaries=True):
    """Return the shifted character ids of a batch of sentences, right-padded with zeros.

    Args:
        sentences: a sequence of token lists.
        add_boundaries: bool, add ``<S>``/``</S>`` around every sentence. Defaults to True.

    Returns:
        ``np.ndarray`` of shape ``(B, T, 50)``, int32, ``T`` the longest sentence (plus 2 with
        boundaries); padding tokens are all zeros.

    Example:

    >>> ids = batch_char_ids([["a", "b"], ["c"]], add_boundaries=False)
    >>> ids.shape, int(ids[1, 1].max())
    ((2, 2, 50), 0)
    """
    per_sentence = [sentence_char_ids(tokens, add_boundaries) for tokens in sentences]
    max_len = max((len(s) for s in per_sentence), default=0)
    out = np.zeros((len(per_sentence), max_len, MAX_CHARACTERS_PER_TOKEN), dtype=np.int32)
    for i, ids in enumerate(per_sentence):
        out[i, : len(ids)] = ids
    return out


def deduplicate_char_ids(char_ids):
    """Split a batch of character ids into its distinct tokens and indices into them.

    ``ELMoNetwork`` runs the character CNN once per distinct token of a batch; this prepares its
    two inputs.

    Args:
        char_ids: int array of shape ``(B, T, 50)``, shifted ids, padding tokens all zeros (as
            ``batch_char_ids`` returns).

    Returns:
        A pair ``(token_chars, token_ids)``: ``token_chars`` of shape ``(U, 50)`` int32, the
        distinct tokens with row 0 all zeros (the padding token, present even when the batch has
        no padding); ``token_ids`` of shape ``(B, T)`` int32 with
        ``token_chars[token_ids] == char_ids`` and 0 exactly at padding tokens.

    Example:

    >>> chars, ids = deduplicate_char_ids(batch_char_ids([["x", "y", "x"]], add_boundaries=False))
    >>> chars.shape, ids.tolist()
    ((3, 50), [[1, 2, 1]])
    """
    char_ids = np.asarray(char_ids)
    if char_ids.ndim != 3 or char_ids.shape[-1] != MAX_CHARACTERS_PER_TOKEN:
        raise ValueError(
            f"`char_ids` must have shape (batch, time, {MAX_CHARACTERS_PER_TOKEN}). "
            f"Received: shape={char_ids.shape}"
        )
    batch, time = char_ids.shape[:2]
    flat = np.ascontiguousarray(char_ids.reshape(-1, MAX_CHARACTERS_PER_TOKEN), dtype=np.int32)
    flat = np.concatenate([np.zeros((1, MAX_CHARACTERS_PER_TOKEN), np.int32), flat])
    # Unique rows via a bytes view (much faster than np.unique(axis=0)); row order is the byte
    # order, so the all-zero padding row is first.
    keys = flat.view(np.dtype((np.void, flat.dtype.itemsize * MAX_CHARACTERS_PER_TOKEN))).ravel()
    _, first, inverse = np.unique(keys, return_index=True, return_inverse=True)
    token_chars = flat[first]
    token_ids = inverse.reshape(-1)[1:].reshape(batch, time).astype(np.int32)
    return token_chars, token_ids
