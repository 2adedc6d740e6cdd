"""Character vocabularies of ELMo's character CNN: how a token becomes its 50 character ids.

Two kinds share one interface (``token_ids``, ``sentence_ids``, ``batch_ids``, ``table``, the
sentence-marker rows, ``n_characters``, ``get_config`` / ``save`` / ``load``):

- ``ByteCharacters`` (kind ``"bytes"``, the default): the original ELMo's ids, a token's UTF-8
  bytes (``keras_layers.char_ids``). The embedding table has 262 rows, every text has ids, and a
  Han character takes 3 of a token's 48 character positions, each byte shared by thousands of
  unrelated characters.
- ``UnicodeCharacters`` (kind ``"unicode"``): one id per Unicode character (code point), from a
  list built from the training corpus with a minimum count, as ELMoForManyLangs does for its
  character encoder (Che et al. 2018). A Han character is one id with its own embedding row; a
  character outside the list maps to the one unknown-character id.

Ids are the network's inputs: a token is 50 ids ``[begin-of-word, characters..., end-of-word,
pad, pad...]`` (at most 48 characters; bytes for ``"bytes"``, code points for ``"unicode"``), the
sentence markers ``<S>`` and ``</S>`` are ``[begin-of-word, begin/end-of-sentence, end-of-word,
pad...]``, and id 0 appears only in a padding token (50 zeros). The unicode layout is 1
begin-of-sentence, 2 end-of-sentence, 3 begin-of-word, 4 end-of-word, 5 pad, 6 unknown, then the
characters from 7 in the list's order (most frequent first); its table has ``7 + len(characters)``
rows.

Example:

>>> chars = UnicodeCharacters.build(["中国", "人民", "中"], counts=[5, 3, 2])
>>> chars.characters
['中', '国', '人', '民']
>>> chars.token_ids("中华")[:4].tolist()        # begin-of-word, 中, unknown (华), end-of-word
[3, 7, 6, 4]
>>> ByteCharacters().token_ids("中")[:5].tolist()  # the original ids: 3 bytes
[259, 229, 185, 174, 260]
>>> chars.n_characters, ByteCharacters().n_characters
(11, 262)
>>> chars.batch_ids([["中国"], ["人", "民"]]).shape
(2, 4, 50)

Reference:
    Peters et al., "Deep contextualized word representations", NAACL 2018 (byte ids); Che et al.,
    "Towards Better UD Parsing: Deep Contextualized Word Embeddings, Ensemble, and Treebank
    Concatenation", CoNLL 2018 (ELMoForManyLangs: a character vocabulary per language).
"""

import json
import os
import tempfile
from collections import Counter

import numpy as np

from keras_layers.char_ids import (
    BOS_TOKEN,
    EOS_TOKEN,
    MAX_CHARACTERS_PER_TOKEN,
    N_CHARACTERS,
    token_char_ids,
)

__all__ = ["CharacterVocabulary", "ByteCharacters", "UnicodeCharacters", "KINDS", "char_vocabulary_from_config",
           "get_char_vocabulary", "carried_rows"]

#: The kinds of character vocabulary, by name.
KINDS = ("bytes", "unicode")

_MAX_TOKEN_CHARACTERS = MAX_CHARACTERS_PER_TOKEN - 2


class CharacterVocabulary:
    """How tokens become the character ids of ELMo's character CNN; see the module docstring.

    Subclasses set ``kind``, ``n_characters`` (rows of the character embedding, row 0 the padding
    token's) and the special ids (network ids, 0 excluded): ``beginning_of_sentence``,
    ``end_of_sentence``, ``beginning_of_word``, ``end_of_word``, ``padding``; and implement
    ``token_ids``.
    """

    kind = None
    #: Character ids per token.
    max_characters_per_token = MAX_CHARACTERS_PER_TOKEN

    def token_ids(self, token):
        """The 50 character ids (network ids, never 0) of one token; ``"<S>"``/``"</S>"`` are the
        sentence markers."""
        raise NotImplementedError

    def _marker(self, character):
        ids = np.full((MAX_CHARACTERS_PER_TOKEN,), self.padding, dtype=np.int32)
        ids[:3] = (self.beginning_of_word, character, self.end_of_word)
        return ids

    @property
    def bos_ids(self):
        """The 50 ids of the sentence marker ``<S>``."""
        return self._marker(self.beginning_of_sentence)

    @property
    def eos_ids(self):
        """The 50 ids of the sentence marker ``</S>``."""
        return self._marker(self.end_of_sentence)

    def sentence_ids(self, tokens, add_boundaries=True):
        """The ids of a sentence, one row per token: ``(n + 2, 50)`` int32 (``(n, 50)`` without the
        markers ``<S>``/``</S>`` that ``add_boundaries`` adds around it).

        Example:

        >>> ByteCharacters().sentence_ids(["hi"])[:, :4].tolist()
        [[259, 257, 260, 261], [259, 105, 106, 260], [259, 258, 260, 261]]
        """
        if isinstance(tokens, str):
            raise TypeError(f"`tokens` must be a sequence of str tokens, not a str. Received: tokens={tokens!r}")
        rows = [self.token_ids(token) for token in tokens]
        if add_boundaries:
            rows = [self.bos_ids] + rows + [self.eos_ids]
        if not rows:
            return np.zeros((0, MAX_CHARACTERS_PER_TOKEN), dtype=np.int32)
        return np.stack(rows).astype(np.int32)

    def batch_ids(self, sentences, add_boundaries=True):
        """The ids of a batch of sentences ``(B, T, 50)`` int32, right-padded with padding tokens
        (all zeros); ``T`` the longest sentence (plus 2 with the markers).

        Example:

        >>> ids = ByteCharacters().batch_ids([["a", "b"], ["c"]], add_boundaries=False)
        >>> ids.shape, int(ids[1, 1].max())
        ((2, 2, 50), 0)
        """
        per_sentence = [self.sentence_ids(tokens, add_boundaries) for tokens in sentences]
        width = max((len(s) for s in per_sentence), default=0)
        out = np.zeros((len(per_sentence), width, MAX_CHARACTERS_PER_TOKEN), dtype=np.int32)
        for row, ids in enumerate(per_sentence):
            out[row, : len(ids)] = ids
        return out

    def table(self, words):
        """The ids of every word of ``words`` ``(V, 50)``: int16 when the ids fit (a vocabulary's
        table is kept for all of training), else int32.

        Example:

        >>> ByteCharacters().table(["<S>", "a"])[:, :3].tolist()
        [[259, 257, 260], [259, 98, 260]]
        """
        dtype = np.int16 if self.n_characters <= np.iinfo(np.int16).max else np.int32
        out = np.empty((len(words), MAX_CHARACTERS_PER_TOKEN), dtype=dtype)
        for row, word in enumerate(words):
            out[row] = self.token_ids(word)
        return out

    def get_config(self):
        """A JSON-serialisable dict that ``char_vocabulary_from_config`` turns back into an equal vocabulary."""
        return {"kind": self.kind}

    def __eq__(self, other):
        return isinstance(other, CharacterVocabulary) and self.get_config() == other.get_config()

    def __hash__(self):
        return hash(json.dumps(self.get_config(), sort_keys=True))

    def save(self, path):
        """Write ``get_config()`` as JSON (UTF-8, characters as themselves) to ``path``, atomically."""
        path = os.fspath(path)
        folder = os.path.dirname(os.path.abspath(path))
        handle, tmp = tempfile.mkstemp(prefix=".chars-", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(self.get_config(), out, ensure_ascii=False, indent=0)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.remove(tmp)
            raise

    @staticmethod
    def load(path):
        """The vocabulary saved in ``path`` by ``save``.

        Raises:
            ValueError: the file is not a character vocabulary (corrupt JSON, unknown kind...).

        Example:

        >>> import os, tempfile
        >>> path = os.path.join(tempfile.mkdtemp(), "characters.json")
        >>> UnicodeCharacters(["中", "国"]).save(path)
        >>> CharacterVocabulary.load(path).characters
        ['中', '国']
        """
        path = os.fspath(path)
        try:
            with open(path, encoding="utf-8") as handle:
                config = json.load(handle)
        except (ValueError, UnicodeDecodeError) as error:
            raise ValueError(f"{path!r} is not a character vocabulary (not valid JSON: {error}).") from None
        try:
            return char_vocabulary_from_config(config)
        except (TypeError, ValueError) as error:
            raise ValueError(f"{path!r} does not hold a valid character vocabulary: {error}") from None


class ByteCharacters(CharacterVocabulary):
    """The original ELMo character ids: UTF-8 bytes plus markers, 262 rows (``keras_layers.char_ids``).

    Example:

    >>> ByteCharacters().token_ids("hi")[:4].tolist()
    [259, 105, 106, 260]
    """

    kind = "bytes"
    n_characters = N_CHARACTERS
    beginning_of_sentence, end_of_sentence, beginning_of_word, end_of_word, padding = 257, 258, 259, 260, 261

    def token_ids(self, token):
        return token_char_ids(token) + 1

    def __repr__(self):
        return "ByteCharacters()"


class UnicodeCharacters(CharacterVocabulary):
    """One id per Unicode character of ``characters``; any other character is the unknown id.

    Usually built from a corpus with ``UnicodeCharacters.build`` (or by ``gensim_elmo.ELMo`` with
    ``characters="unicode"``). A token keeps its first 48 characters. Lone surrogates (which no
    UTF-8 text holds) never enter the list.

    Args:
        characters: sequence of distinct one-character str, in id order (id 7 first).
        counts: sequence of int, each character's corpus count, or None (zeros). Kept for the
            record and for ``extend``; ids do not depend on it.

    Raises:
        ValueError: an entry is not one character, or a character is listed twice.

    Example:

    >>> chars = UnicodeCharacters(["的", "a"])
    >>> chars.token_ids("a的b")[:5].tolist()
    [3, 8, 7, 6, 4]
    >>> chars.unknown, chars.n_characters
    (6, 9)
    """

    kind = "unicode"
    beginning_of_sentence, end_of_sentence, beginning_of_word, end_of_word, padding, unknown = 1, 2, 3, 4, 5, 6
    #: The id of the first character of the list.
    first_character = 7

    def __init__(self, characters, counts=None):
        characters = list(characters)
        bad = [c for c in characters if not isinstance(c, str) or len(c) != 1 or 0xD800 <= ord(c) <= 0xDFFF]
        if bad:
            raise ValueError(f"`characters` must be one-character strings (no lone surrogates). Received: {bad[:5]!r}")
        if len(set(characters)) != len(characters):
            twice = sorted(c for c, n in Counter(characters).items() if n > 1)
            raise ValueError(f"`characters` lists {twice[:5]!r} more than once.")
        counts = [0] * len(characters) if counts is None else [int(n) for n in counts]
        if len(counts) != len(characters):
            raise ValueError(f"{len(characters)} characters but {len(counts)} counts; they must match.")
        self.characters = characters
        self.counts = counts
        self.n_characters = self.first_character + len(characters)
        self.char_to_id = {c: self.first_character + i for i, c in enumerate(characters)}
        # Code points sorted, with a sentinel (-1) so that the arrays are never empty: a lookup is a
        # binary search, the same in numpy here and in TensorFlow in StringCharIds.
        order = np.argsort([ord(c) for c in characters], kind="stable")
        self.sorted_code_points = np.array([-1] + [ord(characters[i]) for i in order], dtype=np.int32)
        self.sorted_ids = np.array([self.unknown] + [self.first_character + int(i) for i in order], dtype=np.int32)

    @classmethod
    def build(cls, words, counts=None, min_count=1):
        """The characters of ``words`` seen at least ``min_count`` times, most frequent first (ties by
        code point, so the order is deterministic).

        Args:
            words: iterable of str (a corpus's words, or its vocabulary with ``counts``).
            counts: iterable of int, how often each word occurs (a word's characters count that
                many times), or None (once each).
            min_count: int, rarer characters are left out (they map to the unknown id, whose row
                then learns from them). Defaults to 1.

        Returns:
            UnicodeCharacters.

        Example:

        >>> UnicodeCharacters.build(["ab", "b", "c"], min_count=2).characters
        ['b']
        """
        if isinstance(min_count, bool) or not isinstance(min_count, int) or min_count < 1:
            raise ValueError(f"`min_count` must be a positive int. Received: min_count={min_count!r}")
        totals = _count_characters(words, counts)
        kept = sorted((c for c, n in totals.items() if n >= min_count), key=lambda c: (-totals[c], ord(c)))
        return cls(kept, [totals[c] for c in kept])

    def extend(self, words, counts=None, min_count=1):
        """This vocabulary with the new characters of ``words`` (seen ``min_count`` times) appended:
        every known character keeps its id; the new ones follow, most frequent first.

        Example:

        >>> UnicodeCharacters(["中"]).extend(["中文", "文"]).characters
        ['中', '文']
        """
        extra = UnicodeCharacters.build(words, counts, min_count)
        new = [(c, n) for c, n in zip(extra.characters, extra.counts) if c not in self.char_to_id]
        return UnicodeCharacters(self.characters + [c for c, _ in new], self.counts + [n for _, n in new])

    def code_point_ids(self, code_points):
        """Ids of an int array of code points (the unknown id where a code point is not listed)."""
        code_points = np.asarray(code_points, dtype=np.int64)
        index = np.searchsorted(self.sorted_code_points, code_points)
        index = np.minimum(index, len(self.sorted_code_points) - 1)
        found = self.sorted_code_points[index] == code_points
        return np.where(found, self.sorted_ids[index], self.unknown).astype(np.int32)

    def token_ids(self, token):
        if not isinstance(token, str):
            raise TypeError(f"`token` must be a str. Received: token={token!r} of type {type(token).__name__}")
        if token == BOS_TOKEN:
            return self.bos_ids
        if token == EOS_TOKEN:
            return self.eos_ids
        text = token[:_MAX_TOKEN_CHARACTERS]
        ids = np.full((MAX_CHARACTERS_PER_TOKEN,), self.padding, dtype=np.int32)
        ids[0] = self.beginning_of_word
        if text:
            code_points = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")
            ids[1 : 1 + len(text)] = self.code_point_ids(code_points)
        ids[1 + len(text)] = self.end_of_word
        return ids

    def get_config(self):
        return {"kind": self.kind, "characters": list(self.characters), "counts": list(self.counts)}

    def __repr__(self):
        shown = "".join(self.characters[:10])
        more = "..." if len(self.characters) > 10 else ""
        return f"UnicodeCharacters({len(self.characters)} characters: {shown!r}{more})"


def _count_characters(words, counts):
    if isinstance(words, str):
        raise TypeError(f"`words` must be an iterable of str words, not a str. Received: words={words!r}")
    totals = Counter()
    weights = counts if counts is not None else iter(lambda: 1, None)
    for word, weight in zip(words, weights):
        if not isinstance(word, str):
            raise TypeError(f"`words` must hold str. Received: {word!r} of type {type(word).__name__}")
        if weight:
            for character, n in Counter(word).items():
                totals[character] += n * int(weight)
    for character in [c for c in totals if 0xD800 <= ord(c) <= 0xDFFF]:
        del totals[character]
    return totals


_ROLES = ("beginning_of_sentence", "end_of_sentence", "beginning_of_word", "end_of_word", "padding", "unknown")


def carried_rows(old, new):
    """The character-embedding rows that mean the same in two vocabularies, as ``(old id, new id)``
    pairs ``(n, 2)`` int64: row 0 (the padding token), the special ids by role, every byte between
    two byte vocabularies, every character both unicode vocabularies list. What a network moved to
    ``new`` keeps of a table trained with ``old``.

    Example:

    >>> carried_rows(UnicodeCharacters(["a", "b"]), UnicodeCharacters(["b", "c"]))[-1].tolist()
    [8, 7]
    >>> len(carried_rows(ByteCharacters(), ByteCharacters()))
    262
    """
    pairs = {0: 0}
    for role in _ROLES:
        if hasattr(old, role) and hasattr(new, role):
            pairs[getattr(old, role)] = getattr(new, role)
    if old.kind == new.kind == "bytes":
        pairs.update((i, i) for i in range(1, 257))
    if old.kind == new.kind == "unicode":
        pairs.update((old.char_to_id[c], i) for c, i in new.char_to_id.items() if c in old.char_to_id)
    return np.array(sorted(pairs.items()), dtype=np.int64).reshape(-1, 2)


def char_vocabulary_from_config(config):
    """The vocabulary a ``get_config()`` dict describes (None or ``{"kind": "bytes"}``: bytes).

    Example:

    >>> char_vocabulary_from_config({"kind": "unicode", "characters": ["x"]}).n_characters
    8
    >>> char_vocabulary_from_config(None)
    ByteCharacters()
    """
    if config is None:
        return ByteCharacters()
    if not isinstance(config, dict):
        raise TypeError(f"a character vocabulary config must be a dict. Received: {type(config).__name__}")
    kind = config.get("kind")
    if kind == "bytes":
        return ByteCharacters()
    if kind == "unicode":
        if not isinstance(config.get("characters"), list):
            raise ValueError("a unicode character vocabulary config needs `characters`, a list of one-character str.")
        return UnicodeCharacters(config["characters"], config.get("counts"))
    raise ValueError(f"unknown character vocabulary kind {kind!r}; expected one of {list(KINDS)}.")


def get_char_vocabulary(value):
    """A ``CharacterVocabulary`` from what layers accept: None (bytes), a vocabulary, or its config dict.

    Example:

    >>> get_char_vocabulary(None).kind, get_char_vocabulary({"kind": "unicode", "characters": []}).kind
    ('bytes', 'unicode')
    """
    if isinstance(value, CharacterVocabulary):
        return value
    if value is None or isinstance(value, dict):
        return char_vocabulary_from_config(value)
    raise TypeError(
        "`char_vocabulary` must be None (UTF-8 bytes, the original ids), a `keras_layers.char_vocabulary."
        f"CharacterVocabulary` or its `get_config()` dict. Received: {type(value).__name__}"
    )
