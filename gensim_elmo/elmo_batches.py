"""Batches for ELMo: language-model training batches of sentences, and embedding batches.

Both pad the time axis to a few bucket lengths and the table of distinct tokens to a few sizes,
so compiled (XLA / jit) functions are rebuilt rarely, and both run the character CNN once per
distinct token of a batch.

Example:
>>> bucket(21), bucket(130)
(24, 192)
"""

import numpy as np

from keras_layers.char_ids import MAX_CHARACTERS_PER_TOKEN, deduplicate_char_ids
from keras_layers.char_vocabulary import get_char_vocabulary

from gensim_elmo.block_batches import BlockBatches

__all__ = ["bucket", "embedding_bucket", "table_bucket", "vocabulary_char_ids", "language_model_batch", "pad_batch",
           "SentenceBatches", "embedding_batch"]

_BUCKETS = (8, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512)


def bucket(length):
    """The padded length for a sequence of ``length`` positions: one of a few sizes.

    Example:
    >>> [bucket(n) for n in (1, 8, 9, 600)]
    [8, 8, 16, 640]
    """
    for size in _BUCKETS:
        if length <= size:
            return size
    return -(-length // 128) * 128


def embedding_bucket(length):
    """The padded length of an embedding batch: a multiple of 4 up to 64 positions, ``bucket`` above.

    Embedding sorts sentences by length, so a batch's rows are close in length and what padding
    remains is the rounding up to the bucket; finer buckets than training's (which reuses one
    compiled step for many batches) keep more of the computed positions the user's tokens, at the
    cost of at most 16 compiled shapes below 64.

    Example:
    >>> [embedding_bucket(n) for n in (1, 23, 64, 65)]
    [4, 24, 64, 96]
    """
    return -(-length // 4) * 4 if length <= 64 else bucket(length)


def table_bucket(rows):
    """Rows to pad a table of distinct tokens to: at most 25% more, four sizes per power of two.

    Example:
    >>> [table_bucket(n) for n in (1, 65, 700, 1025)]
    [64, 80, 768, 1280]
    """
    if rows <= 64:
        return 64
    step = 1 << (int(rows - 1).bit_length() - 3)
    return -(-rows // step) * step


def vocabulary_char_ids(words, char_vocabulary=None):
    """Character ids (V, 50) of every vocabulary word (int16 when they fit, to save memory).

    Args:
        words: list of str.
        char_vocabulary: a ``keras_layers.char_vocabulary.CharacterVocabulary``, or None for the
            original UTF-8 byte ids. Defaults to None.

    Example:
    >>> vocabulary_char_ids(["<S>", "a"])[:, :3].tolist()
    [[259, 257, 260], [259, 98, 260]]
    """
    return get_char_vocabulary(char_vocabulary).table(words)


def language_model_batch(sentences, length, bos_id, eos_id, vocab_chars=None, shards=1, processes=1):
    """Inputs of ``BiLMLanguageModel`` for a list of id sequences (each without boundaries).

    Each sentence becomes ``<S> w1 .. wn </S>`` padded to ``length``; the forward LM at position
    ``t`` predicts position ``t + 1`` and the backward LM position ``t - 1``.

    Args:
        sentences: list of int arrays (vocabulary ids).
        length: int, padded time length (at least the longest sentence + 2).
        bos_id: int, vocabulary id of ``<S>``.
        eos_id: int, vocabulary id of ``</S>``.
        vocab_chars: (V, 50) table of ``vocabulary_char_ids`` for the character network, None
            for the token variant (ids then shift by one, 0 being padding).
        shards: int, the rows are cut into this many equal consecutive parts, each with its own
            table of distinct tokens (the tables, of one size, stacked in the same order) and
            ``token_ids`` indexing its own part's table: what ``tf.distribute`` needs, as it hands
            each replica one part of every input. Defaults to 1.
        processes: int, training processes that each feed a batch like this one into one global
            step: the loss is normalised by ``processes`` times this batch's count (the mean of
            the processes' means). Defaults to 1.

    Returns:
        dict of numpy arrays: token_ids, [token_chars], forward_targets, backward_targets,
        forward_mask, backward_mask, and forward_count, backward_count (B,): per row, the number of
        positions the batch's loss is averaged over.

    Example:
    >>> batch = language_model_batch([np.array([5, 6])], 5, bos_id=0, eos_id=1)
    >>> batch["token_ids"].tolist(), batch["forward_targets"].tolist(), batch["backward_targets"].tolist()
    ([[1, 6, 7, 2, 0]], [[5, 6, 1, 0, 0]], [[0, 0, 5, 6, 0]])
    >>> batch["forward_mask"].tolist(), batch["backward_mask"].tolist(), batch["forward_count"].tolist()
    ([[1.0, 1.0, 1.0, 0.0, 0.0]], [[0.0, 1.0, 1.0, 1.0, 0.0]], [3.0])
    """
    count = len(sentences)
    if count % shards:
        raise ValueError(f"{count} sentences cannot be cut into {shards} equal parts.")
    ids = np.full((count, length), -1, dtype=np.int64)
    for row, sentence in enumerate(sentences):
        n = len(sentence)
        ids[row, 0] = bos_id
        ids[row, 1 : n + 1] = sentence
        ids[row, n + 1] = eos_id
    real = ids >= 0
    forward_mask = np.zeros((count, length), np.float32)
    backward_mask = np.zeros((count, length), np.float32)
    forward_mask[:, :-1] = real[:, 1:]
    backward_mask[:, 1:] = real[:, :-1] & real[:, 1:]
    safe = np.where(real, ids, 0)
    forward_targets = np.zeros((count, length), np.int32)
    backward_targets = np.zeros((count, length), np.int32)
    forward_targets[:, :-1] = np.where(real[:, 1:], safe[:, 1:], 0)
    backward_targets[:, 1:] = np.where(backward_mask[:, 1:] > 0, safe[:, :-1], 0)
    batch = {"forward_targets": forward_targets, "backward_targets": backward_targets,
             "forward_mask": forward_mask, "backward_mask": backward_mask,
             "forward_count": np.full(count, forward_mask.sum() * processes, np.float32),
             "backward_count": np.full(count, backward_mask.sum() * processes, np.float32)}
    if vocab_chars is None:
        batch["token_ids"] = np.where(real, safe + 1, 0).astype(np.int32)
        return batch
    parts = np.split(np.arange(count), shards)
    distinct = [np.unique(safe[part][real[part]]) for part in parts]
    rows = table_bucket(max(len(d) for d in distinct) + 1)
    chars = np.zeros((shards * rows, MAX_CHARACTERS_PER_TOKEN), dtype=np.int32)
    token_ids = np.zeros((count, length), np.int32)
    for shard, (part, tokens) in enumerate(zip(parts, distinct)):
        chars[shard * rows + 1 : shard * rows + len(tokens) + 1] = vocab_chars[tokens]
        token_ids[part] = np.where(real[part], np.searchsorted(tokens, safe[part]) + 1, 0)
    batch["token_ids"] = token_ids
    batch["token_chars"] = chars
    return batch


def pad_batch(batch, length, table_rows, id_offset=0):
    """``batch`` (of ``language_model_batch``) padded to ``length`` positions and ``table_rows``
    table rows, its ``token_ids`` shifted by ``id_offset`` rows (0 stays padding).

    Processes that train together must feed arrays of one shape at every step, and each indexes
    its own part of the global table of distinct tokens.

    Example:
    >>> batch = pad_batch(language_model_batch([np.array([5])], 3, 0, 1), 4, table_rows=64)
    >>> batch["token_ids"].tolist(), batch["forward_mask"].tolist()
    ([[1, 6, 2, 0]], [[1.0, 1.0, 0.0, 0.0]])
    """
    padded = {}
    for key, value in batch.items():
        if value.ndim == 2 and key != "token_chars":
            if value.shape[1] > length:
                raise ValueError(f"cannot pad a batch of {value.shape[1]} positions to {length}.")
            value = np.pad(value, ((0, 0), (0, length - value.shape[1])))
        padded[key] = value
    if "token_chars" in batch:
        chars = batch["token_chars"]
        if len(chars) > table_rows:
            raise ValueError(f"cannot pad a table of {len(chars)} distinct tokens to {table_rows} rows.")
        padded["token_chars"] = np.pad(chars, ((0, table_rows - len(chars)), (0, 0)))
        padded["token_ids"] = np.where(padded["token_ids"] > 0, padded["token_ids"] + id_offset, 0).astype(np.int32)
    return padded


class SentenceBatches(BlockBatches):
    """Language-model batches of whole sentences for ELMo, bucketed by length.

    Inside each block of sentences, sentences longer than ``max_length`` are cut into pieces,
    sorted by length (ties in random order), grouped into batches of ``batch_size`` and the
    batches shuffled; a last incomplete batch of a block is left out of that epoch.

    Several processes training together (``processes`` > 1) each stream their own shard of the
    corpus, and their batches must have one shape at every step: before training they agree on
    every batch's length and table size (``agree_shapes``), each batch is padded to them, and its
    ``token_ids`` are shifted to this process's part of the global table (``process_index``).
    """

    #: The one input whose first axis is not the batch: the table of distinct tokens.
    unbatched_inputs = ("token_chars",)

    def __init__(self, corpus, batch_size, bos_id, eos_id, vocab_chars=None, max_length=100, shards=1,
                 processes=1, process_index=0, table_multiple=1, **kwargs):
        self.bos_id = bos_id
        self.eos_id = eos_id
        self.vocab_chars = vocab_chars
        self.max_length = max_length
        self.shards = shards
        self.processes = processes
        self.process_index = process_index
        self.table_multiple = table_multiple
        self._agreed_shapes = None
        super().__init__(corpus, batch_size, **kwargs)

    def _pieces(self, lengths):
        return -(-np.asarray(lengths) // self.max_length)

    def _split(self, tokens, lengths):
        """The block's sentences as pieces of at most ``max_length`` tokens."""
        pieces = []
        start = 0
        for n in lengths.tolist():
            for offset in range(0, n, self.max_length):
                pieces.append(tokens[start + offset : start + min(n, offset + self.max_length)])
            start += n
        return pieces

    def _groups(self, pieces, rng):
        """Piece indices of each batch of a block, in the order the epoch visits them."""
        piece_lengths = np.array([len(p) for p in pieces], dtype=np.int64)
        tie_break = rng.random(len(pieces)) if rng is not None else np.arange(len(pieces))
        order = np.lexsort((tie_break, piece_lengths))
        count = (len(pieces) // self.batch_size) * self.batch_size
        groups = order[:count].reshape(-1, self.batch_size)
        if rng is not None:
            groups = groups[rng.permutation(len(groups))]
        return groups

    def block_num_batches(self, lengths):
        return int(self._pieces(lengths).sum()) // self.batch_size

    def block_batches(self, tokens, lengths, rng):
        pieces = self._split(tokens, lengths)
        batches = []
        for group in self._groups(pieces, rng):
            chosen = [pieces[i] for i in group]
            length = bucket(max(len(p) for p in chosen) + 2)
            batches.append((language_model_batch(chosen, length, self.bos_id, self.eos_id, self.vocab_chars,
                                                 shards=self.shards, processes=self.processes),))
        return batches

    def epoch_shapes(self, epoch):
        """Each batch's padded length and the size of its table of distinct tokens in ``epoch``, an
        int array (batches, 2), found without building the batches (one pass over the token ids).

        Example:
        >>> import tempfile
        >>> from gensim_elmo.encoded_corpus import EncodedCorpus
        >>> from gensim_elmo.vocabulary import Vocabulary
        >>> data = [["a"], ["a", "b"], ["c"] * 9, ["a"] * 10]
        >>> corpus = EncodedCorpus.write(data, Vocabulary.build(data)[0], tempfile.mkdtemp())
        >>> SentenceBatches(corpus, 2, 0, 1, shuffle=False).epoch_shapes(0).tolist()
        [[8, 64], [16, 64]]
        """
        shapes = []
        for block in self.block_order(epoch).tolist():
            pieces = self._split(*self.corpus.read(*self._blocks[block]))
            for group in self._groups(pieces, self.block_rng(epoch, block)):
                chosen = [pieces[i] for i in group]
                distinct = len(np.unique(np.concatenate(chosen + [[self.bos_id, self.eos_id]])))
                shapes.append((bucket(max(len(p) for p in chosen) + 2), table_bucket(distinct + 1)))
                if len(shapes) == len(self):
                    return np.asarray(shapes, dtype=np.int64)
        return np.asarray(shapes, dtype=np.int64).reshape(-1, 2)

    def agree_shapes(self, epochs, largest):
        """Fix every batch's length and table size for ``epochs`` (an iterable of epoch numbers) to
        the largest any process needs: ``largest(array)`` is the element-wise maximum over the
        processes."""
        epochs = list(epochs)
        agreed = largest(np.stack([self.epoch_shapes(epoch) for epoch in epochs]))
        self._agreed_shapes = dict(zip(epochs, np.asarray(agreed)))

    def __getitem__(self, index):
        batch = super().__getitem__(index)
        if self.processes == 1:
            return batch
        agreed = self._agreed_shapes.get(self.epoch) if self._agreed_shapes is not None else None
        if agreed is None:
            raise RuntimeError(f"The processes have not agreed on the batch shapes of epoch {self.epoch}; call "
                               "`agree_shapes` for every epoch before training.")
        length, rows = (int(x) for x in agreed[index])
        rows = -(-rows // self.table_multiple) * self.table_multiple  # JAX splits it over the local devices
        return (pad_batch(batch[0], length, rows, id_offset=self.process_index * rows),)


def embedding_batch(sentences, use_characters=True, encode=None, char_vocabulary=None):
    """Network inputs for embedding token lists: ``<S>``/``</S>`` added, padded to a bucket.

    Args:
        sentences: list of token lists.
        use_characters: bool, the character network (else the token variant, which needs
            ``encode``).
        encode: callable mapping a token list with boundaries to vocabulary ids (token variant).
        char_vocabulary: the character network's ``CharacterVocabulary``, or None for the
            original UTF-8 byte ids. Defaults to None.

    Returns:
        dict with "token_ids" (B, T) and, for characters, "token_chars" (U, 50).

    Example:
    >>> batch = embedding_batch([["a", "b", "a"]])
    >>> batch["token_ids"].shape, batch["token_ids"][0, :6].tolist()
    ((1, 8), [1, 3, 4, 3, 2, 0])
    """
    length = embedding_bucket(max((len(s) for s in sentences), default=0) + 2)
    if use_characters:
        char_ids = get_char_vocabulary(char_vocabulary).batch_ids(sentences, add_boundaries=True)
        padded = np.zeros((len(sentences), length, MAX_CHARACTERS_PER_TOKEN), dtype=np.int32)
        padded[:, : char_ids.shape[1]] = char_ids
        token_chars, token_ids = deduplicate_char_ids(padded)
        table = np.zeros((table_bucket(len(token_chars)), MAX_CHARACTERS_PER_TOKEN), dtype=np.int32)
        table[: len(token_chars)] = token_chars
        return {"token_ids": token_ids.astype(np.int32), "token_chars": table}
    token_ids = np.zeros((len(sentences), length), dtype=np.int32)
    for row, sentence in enumerate(sentences):
        ids = encode(sentence)
        token_ids[row, : len(ids)] = np.asarray(ids) + 1
    return {"token_ids": token_ids}
