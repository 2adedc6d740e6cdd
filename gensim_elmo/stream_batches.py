"""ELMo's language model trained on a stream of text: windows of ``unroll_steps`` tokens whose
LSTM state carries from one batch to the next (truncated backpropagation through time).

Language models on the Penn Treebank (Zaremba et al. 2014, Kim et al. 2016) and the original
ELMo (bilm-tf, ``unroll_steps`` 20) read the corpus as one stream: sentences back to back, each
``<S> w1 .. wn </S>``, cut into ``batch_size`` consecutive rows. Batch ``k`` holds the ``k``-th
window of every row, and each row starts from the state its LSTMs reached at the end of batch
``k - 1``, so a word is predicted from the sentences before it as well as its own. The forward
LSTMs read the row's windows from its start on; the backward LSTMs read the text right to left,
so their windows start at the row's end and move towards its start: at batch ``k`` the backward
window is the ``k``-th from the end, and its state carries to the window before it.

With ``sentence_resets`` > 0, each sentence of a batch starts from zero LSTM states with that
probability (drawn per direction, batch and epoch): the forward LSTMs are reset at its ``<S>``,
the backward ones at its ``</S>``. A model that embeds single sentences from zero states, as
ELMo does, then also learns to read a sentence without the text before it.

Both directions predict every word and the sentence boundary they reach: forward ``w1 .. wn``
and ``</S>``, backward ``wn .. w1`` and ``<S>``; the step from one sentence's boundary to the next
one's (``</S>`` to ``<S>``) is not scored, so the count of predictions per sentence is the same as
when each sentence is read on its own.

Example:
>>> stream = sentence_stream([np.array([5, 6]), np.array([7])], bos_id=0, eos_id=1)
>>> stream.tolist()
[0, 5, 6, 1, 0, 7, 1]
>>> batch = stream_batch([(stream, 0, 4)], 3, bos_id=0, eos_id=1)
>>> batch["token_ids"].tolist(), batch["forward_targets"].tolist(), batch["forward_mask"].tolist()
([[1, 6, 7]], [[5, 6, 1]], [[1.0, 1.0, 1.0]])
>>> batch["backward_token_ids"].tolist(), batch["backward_targets"].tolist(), batch["backward_mask"].tolist()
([[1, 8, 2]], [[0, 0, 7]], [[0.0, 1.0, 1.0]])
"""

import keras
import numpy as np

from keras_layers.char_ids import MAX_CHARACTERS_PER_TOKEN

from gensim_elmo.argument_checks import check_positive_ints
from gensim_elmo.elmo_batches import table_bucket

__all__ = ["sentence_stream", "stream_batch", "StreamBatches"]


def sentence_stream(sentences, bos_id, eos_id):
    """The id sequences ``sentences`` back to back as one int32 array, each as ``<S> ids </S>``.

    Example:
    >>> sentence_stream([np.array([3])], bos_id=0, eos_id=1).tolist()
    [0, 3, 1]
    """
    lengths = np.array([len(s) for s in sentences], dtype=np.int64)
    stream = np.empty(int(lengths.sum()) + 2 * len(lengths), dtype=np.int32)
    ends = np.cumsum(lengths + 2)
    starts = ends - lengths - 2
    stream[starts] = bos_id
    stream[ends - 1] = eos_id
    if len(lengths):
        body = np.ones(len(stream), bool)
        body[starts] = body[ends - 1] = False
        stream[body] = np.concatenate([np.asarray(s, dtype=np.int32) for s in sentences])
    return stream


def _window(stream, start, length):
    """The positions ``[start, start + length)`` that ``stream`` holds."""
    first, last = max(start, 0), min(start + length, len(stream))
    return np.arange(first, max(first, last))


def stream_batch(windows, length, bos_id, eos_id, vocab_chars=None):
    """Inputs of ``BiLMLanguageModel`` for one batch of stream windows, one row per window pair.

    Row ``r`` of ``windows`` is ``(stream, forward_start, backward_start)``: the forward LSTMs read
    ``stream[forward_start : forward_start + length]``, the backward ones
    ``stream[backward_start : backward_start + length]``; a window reaching past either end of
    the stream keeps its positions inside it, moved to the row's first columns (right padding).
    The forward target at a position is the stream's next token, the backward target its previous
    one, both masked where the stream has none and across a boundary between two sentences.

    Args:
        windows: list of ``(stream, forward_start, backward_start)``, ``stream`` an int array of
            vocabulary ids (``sentence_stream``).
        length: int, the time length of the batch (the window size).
        bos_id: int, vocabulary id of ``<S>``.
        eos_id: int, vocabulary id of ``</S>``.
        vocab_chars: (V, 50) table of ``elmo_batches.vocabulary_char_ids`` for the character
            network, None for the token variant (ids then shift by one, 0 being padding).

    Returns:
        dict of numpy arrays: token_ids and backward_token_ids (B, length), [token_chars (U, 50),
        the distinct tokens of both directions' windows], forward_targets, backward_targets,
        forward_mask, backward_mask (B, length).
    """
    count = len(windows)
    ids = {"forward": np.full((count, length), -1, np.int64), "backward": np.full((count, length), -1, np.int64)}
    targets = {key: np.zeros((count, length), np.int32) for key in ids}
    masks = {key: np.zeros((count, length), np.float32) for key in ids}
    for row, (stream, forward_start, backward_start) in enumerate(windows):
        for direction, start, step, skip in (("forward", forward_start, 1, bos_id), ("backward", backward_start, -1,
                                                                                     eos_id)):
            positions = _window(stream, start, length)
            n = len(positions)
            ids[direction][row, :n] = stream[positions]
            neighbours = positions + step
            inside = (neighbours >= 0) & (neighbours < len(stream))
            target = np.where(inside, stream[np.clip(neighbours, 0, len(stream) - 1)], 0)
            scored = inside & (target != skip)
            targets[direction][row, :n] = np.where(scored, target, 0)
            masks[direction][row, :n] = scored
    batch = {"forward_targets": targets["forward"], "backward_targets": targets["backward"],
             "forward_mask": masks["forward"], "backward_mask": masks["backward"]}
    if vocab_chars is None:
        batch["token_ids"] = (ids["forward"] + 1).astype(np.int32)
        batch["backward_token_ids"] = (ids["backward"] + 1).astype(np.int32)
        return batch
    distinct = np.unique(np.concatenate([ids["forward"][ids["forward"] >= 0], ids["backward"][ids["backward"] >= 0]]))
    chars = np.zeros((table_bucket(len(distinct) + 1), MAX_CHARACTERS_PER_TOKEN), dtype=np.int32)
    chars[1 : len(distinct) + 1] = vocab_chars[distinct]
    for direction, key in (("forward", "token_ids"), ("backward", "backward_token_ids")):
        real = ids[direction] >= 0
        batch[key] = np.where(real, np.searchsorted(distinct, np.where(real, ids[direction], 0)) + 1, 0).astype(np.int32)
    batch["token_chars"] = chars
    return batch


class StreamBatches(keras.utils.PyDataset):
    """Training batches of a stream of sentences for ELMo, with state carried between batches.

    The corpus's sentences, in corpus order, make one stream (``sentence_stream``) cut into
    ``batch_size`` rows of equal length; an epoch is ``row_length // unroll_steps`` batches, batch
    ``k`` holding the ``k``-th window of ``unroll_steps`` tokens of every row for the forward
    LSTMs and the ``k``-th from the row's end for the backward ones (see the module docstring).
    The few tokens a row holds past its last full window are read by one direction only; the
    stream is held in memory (4 bytes a token). Each
    batch also has ``reset`` (batch_size,), 1 in an epoch's first batch (the language model then
    starts from zero states) and 0 after, and with ``sentence_resets`` the arrays
    ``forward_resets`` and ``backward_resets`` (batch_size, unroll_steps): 1 at the sentence
    starts (``<S>`` forward, ``</S>`` backward) where that direction starts from zero states.
    Every epoch reads the same windows; a batch is a pure function of ``(seed, epoch, index)``,
    so training resumes exactly from a checkpoint.

    Args:
        corpus: EncodedCorpus.
        batch_size: int, rows of the stream (windows per batch).
        unroll_steps: int, tokens per window (the steps gradients flow back through).
        bos_id: int, vocabulary id of ``<S>``.
        eos_id: int, vocabulary id of ``</S>``.
        vocab_chars: (V, 50) character table, None for the token variant.
        sentence_resets: float in [0, 1], the probability that a sentence starts from zero
            states. Defaults to 0 (states carry across every sentence, as bilm-tf).
        seed: int, seeds the draws of ``sentence_resets``. Defaults to 0.
        epoch: int, the epoch the first pass counts as (for resuming). Defaults to 0.
        **kwargs: ``keras.utils.PyDataset`` arguments.

    Example:
    >>> import tempfile
    >>> from gensim_elmo.encoded_corpus import EncodedCorpus
    >>> from gensim_elmo.vocabulary import Vocabulary
    >>> data = [["a", "b", "c"]] * 10
    >>> corpus = EncodedCorpus.write(data, Vocabulary.build(data)[0], tempfile.mkdtemp())
    >>> batches = StreamBatches(corpus, batch_size=2, unroll_steps=4, bos_id=0, eos_id=1)
    >>> (first,), (second,) = batches[0], batches[1]
    >>> len(batches), first["token_ids"].shape, first["reset"].tolist(), second["reset"].tolist()
    (6, (2, 4), [1.0, 1.0], [0.0, 0.0])
    """

    #: The one input whose first axis is not the batch: the table of distinct tokens.
    unbatched_inputs = ("token_chars",)

    def __init__(self, corpus, batch_size, unroll_steps, bos_id, eos_id, vocab_chars=None, sentence_resets=0.0,
                 seed=0, epoch=0, **kwargs):
        super().__init__(**kwargs)
        check_positive_ints(batch_size=batch_size, unroll_steps=unroll_steps)
        self.batch_size = batch_size
        self.unroll_steps = unroll_steps
        self.bos_id, self.eos_id = bos_id, eos_id
        self.vocab_chars = vocab_chars
        if not 0.0 <= float(sentence_resets) <= 1.0:
            raise ValueError(f"`sentence_resets` must be a probability in [0, 1], got {sentence_resets!r}.")
        self.sentence_resets = float(sentence_resets)
        self.seed = int(seed)
        self.epoch = int(epoch)
        tokens, lengths = corpus.read(0, corpus.num_sentences)
        self.stream = sentence_stream(np.split(tokens, np.cumsum(lengths)[:-1]), bos_id, eos_id)
        self.row_length = len(self.stream) // batch_size
        self._num_batches = self.row_length // unroll_steps
        if self._num_batches == 0:
            raise ValueError(
                f"The corpus's stream of {len(self.stream)} tokens gives no window of {unroll_steps} tokens in each of "
                f"{batch_size} rows; use a smaller `batch_size` or `unroll_steps`, or a larger corpus."
            )

    @property
    def num_batches(self):
        return self._num_batches

    def __len__(self):
        return self._num_batches

    def __getitem__(self, index):
        if not 0 <= index < self._num_batches:
            raise IndexError(f"batch {index} out of range [0, {self._num_batches}).")
        steps = self.unroll_steps
        rows = [(self.stream, r * self.row_length + index * steps, (r + 1) * self.row_length - (index + 1) * steps)
                for r in range(self.batch_size)]
        batch = stream_batch(rows, steps, self.bos_id, self.eos_id, self.vocab_chars)
        batch["reset"] = np.full(self.batch_size, float(index == 0), np.float32)
        if self.sentence_resets > 0:
            draws = np.random.default_rng([self.seed, self.epoch, index]).random((2, self.batch_size, steps))
            for d, (key, marker) in enumerate((("forward_resets", self.bos_id), ("backward_resets", self.eos_id))):
                starts = np.stack([self.stream[start : start + steps] for start in (row[1 + d] for row in rows)])
                batch[key] = ((starts == marker) & (draws[d] < self.sentence_resets)).astype(np.float32)
        return (batch,)

    def on_epoch_end(self):
        self.epoch += 1
