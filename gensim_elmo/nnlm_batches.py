"""NNLM training batches: every (context of ``window`` words, next word) pair of a sentence block.

Sentence boundaries are explicit: each sentence's context is padded on the left with ``<s>``
and every sentence ends with the target ``</s>``.
"""

import numpy as np

from gensim_elmo.block_batches import BlockBatches

__all__ = ["ngram_examples", "NgramBatches"]


def ngram_examples(tokens, lengths, window, bos_id, eos_id):
    """All (context, next word) pairs of a block of sentences, in order.

    Each sentence is padded on the left with ``window`` copies of ``bos_id`` and followed by
    ``eos_id``; every word and the final ``eos_id`` are targets.

    Args:
        tokens: int array, the sentences' ids back to back.
        lengths: int array, each sentence's length.
        window: int, context words per example.
        bos_id: int, id of ``<s>``.
        eos_id: int, id of ``</s>``.

    Returns:
        (contexts int32 (N, window), targets int32 (N,)) with N = sum(lengths) + len(lengths).

    Example:
    >>> x, y = ngram_examples(np.array([5, 6, 7]), np.array([2, 1]), window=2, bos_id=0, eos_id=1)
    >>> x.tolist(), y.tolist()
    ([[0, 0], [0, 5], [5, 6], [0, 0], [0, 7]], [5, 6, 1, 7, 1])
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    k = len(lengths)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])  # first token of each sentence in `tokens`
    padded_starts = starts + np.arange(k) * (window + 1)  # first <s> of each sentence in the stream
    stream = np.full(int(lengths.sum()) + k * (window + 1), bos_id, dtype=np.int32)
    sentence_of_token = np.repeat(np.arange(k), lengths)
    token_positions = np.arange(len(tokens)) - starts[sentence_of_token] + padded_starts[sentence_of_token] + window
    stream[token_positions] = tokens
    eos_positions = padded_starts + window + lengths
    stream[eos_positions] = eos_id
    target_positions = np.sort(np.concatenate([token_positions, eos_positions]))
    windows = np.lib.stride_tricks.sliding_window_view(stream, window)
    contexts = windows[target_positions - window]
    return np.ascontiguousarray(contexts, dtype=np.int32), stream[target_positions].astype(np.int32)


class NgramBatches(BlockBatches):
    """``(context, next word)`` batches of an encoded corpus, shuffled within blocks of sentences."""

    def __init__(self, corpus, batch_size, window, bos_id, eos_id, **kwargs):
        self.window = window
        self.bos_id = bos_id
        self.eos_id = eos_id
        super().__init__(corpus, batch_size, **kwargs)

    def block_num_batches(self, lengths):
        return int(lengths.sum() + len(lengths)) // self.batch_size

    def block_batches(self, tokens, lengths, rng):
        contexts, targets = ngram_examples(tokens, lengths, self.window, self.bos_id, self.eos_id)
        if rng is not None:
            order = rng.permutation(len(targets))
            contexts, targets = contexts[order], targets[order]
        n = (len(targets) // self.batch_size) * self.batch_size
        count = n // self.batch_size
        return [((x, y),) for x, y in zip(np.split(contexts[:n], count), np.split(targets[:n], count))]
