"""Training machinery shared by NNLM and ELMo: an encoded corpus on disk, deterministic batches
that stream from it, and the callbacks (progress bar, gensim-style callbacks, validation).

The corpus is encoded once into two flat binary files (token ids and sentence offsets) in a work
directory, then every epoch streams it block by block: memory does not grow with corpus size.
Each epoch visits the blocks in an order drawn from ``(seed, epoch)`` and shuffles inside each
block with ``(seed, epoch, block)``, so batch ``i`` of epoch ``e`` is a pure function of the seed:
training is reproducible and can restart at any batch.

Example:
>>> import tempfile
>>> from gensim_elmo.vocabulary import Vocabulary
>>> sentences = [["a", "b"], ["b", "c", "a"]]
>>> vocab, _ = Vocabulary.build(sentences)
>>> corpus = EncodedCorpus.write(sentences, vocab, tempfile.mkdtemp())
>>> corpus.num_sentences, corpus.num_tokens
(2, 5)
>>> tokens, lengths = corpus.read(0, 2)
>>> lengths.tolist()
[2, 3]
"""

import hashlib
import json
import logging
import math
import os
import shutil
import tempfile
import threading

import keras
import numpy as np
from tqdm.auto import tqdm

from gensim_elmo.distribution import (
    check_divisible_batch,
    distribution_scope,
    gather_across_processes,
    process_index_and_count,
)


logger = logging.getLogger(__name__)

__all__ = ["EncodedCorpus", "BlockBatches", "TqdmProgress", "GensimCallbacks"]

_IDS = "ids.int32"
_OFFSETS = "offsets.int64"
_META = "corpus.json"


class EncodedCorpus:
    """A corpus encoded as token ids on disk: ``ids.int32`` (all sentences back to back) and
    ``offsets.int64`` (where each sentence starts, plus the end).

    Args:
        directory: a directory written by ``EncodedCorpus.write``.

    Attributes:
        num_sentences: int.
        num_tokens: int.
        fingerprint: str, a hash of the ids and offsets: two corpora that encode identically
            have the same fingerprint.
    """

    def __init__(self, directory):
        self.directory = os.fspath(directory)
        meta_path = os.path.join(self.directory, _META)
        try:
            with open(meta_path, encoding="utf-8") as handle:
                meta = json.load(handle)
        except (OSError, ValueError) as exc:
            raise ValueError(f"{self.directory} holds no valid encoded corpus ({exc}).") from None
        self.num_sentences = int(meta["num_sentences"])
        self.num_tokens = int(meta["num_tokens"])
        self.fingerprint = meta["fingerprint"]
        self._offsets = np.memmap(os.path.join(self.directory, _OFFSETS), dtype=np.int64, mode="r",
                                  shape=(self.num_sentences + 1,))
        self._ids_path = os.path.join(self.directory, _IDS)

    @classmethod
    def write(cls, sentences, vocabulary, directory, progress=False, desc="Encoding corpus"):
        """Encode ``sentences`` with ``vocabulary`` into ``directory`` in one streaming pass.

        Empty sentences are skipped.

        Args:
            sentences: restartable iterable of token lists.
            vocabulary: a ``gensim_elmo.vocabulary.Vocabulary``.
            directory: where to write (created if needed).
            progress: bool, show a tqdm bar. Defaults to False.
            desc: str, the bar's label.

        Returns:
            EncodedCorpus.

        Example:
        >>> import tempfile
        >>> from gensim_elmo.vocabulary import Vocabulary
        >>> vocab = Vocabulary(["<unk>", "a"], [0, 1])
        >>> EncodedCorpus.write([["a", "z"], []], vocab, tempfile.mkdtemp()).read(0, 1)[0].tolist()
        [1, 0]
        """
        directory = os.fspath(directory)
        os.makedirs(directory, exist_ok=True)
        digest = hashlib.blake2b(digest_size=16)
        n_sentences = n_tokens = 0
        offsets_path = os.path.join(directory, _OFFSETS)
        with open(os.path.join(directory, _IDS), "wb") as ids_file, open(offsets_path, "wb") as offsets_file:
            offsets = [0]
            for sentence in tqdm(sentences, desc=desc, unit=" sentences", disable=not progress, dynamic_ncols=True):
                if not sentence:
                    continue
                ids = vocabulary.encode(sentence)
                ids_file.write(ids.tobytes())
                digest.update(ids.tobytes())
                digest.update(b"|")
                n_sentences += 1
                n_tokens += len(ids)
                offsets.append(n_tokens)
                if len(offsets) >= 65536:
                    offsets_file.write(np.asarray(offsets[:-1], dtype=np.int64).tobytes())
                    offsets = offsets[-1:]
            offsets_file.write(np.asarray(offsets, dtype=np.int64).tobytes())
        if n_tokens == 0:
            raise ValueError("The corpus is empty: it holds no tokens. Check the file or iterable you passed.")
        with open(os.path.join(directory, _META), "w", encoding="utf-8") as handle:
            json.dump({"num_sentences": n_sentences, "num_tokens": n_tokens, "fingerprint": digest.hexdigest()},
                      handle)
        return cls(directory)

    def lengths(self, start=0, end=None):
        """Sentence lengths of sentences ``start:end`` (int64 array)."""
        end = self.num_sentences if end is None else end
        return np.diff(np.asarray(self._offsets[start : end + 1]))

    def read(self, start, end):
        """Token ids of sentences ``start:end`` back to back, and their lengths.

        Returns:
            (tokens int32 array, lengths int64 array).
        """
        first, last = int(self._offsets[start]), int(self._offsets[end])
        tokens = np.fromfile(self._ids_path, dtype=np.int32, count=last - first, offset=4 * first)
        return tokens, self.lengths(start, end)


class BlockBatches(keras.utils.PyDataset):
    """Fixed-size batches streamed from an ``EncodedCorpus``, block by block, deterministically.

    The corpus is cut into blocks of ``block_sentences`` sentences. An epoch visits the blocks in
    an order drawn from ``(seed, epoch)``; a subclass turns one block into a list of batches
    (shuffled with ``(seed, epoch, block)``) and says how many batches a block gives without
    building it. Examples that do not fill a last batch of a block are left out of that epoch
    (a different few each epoch), so every batch has the same shape.

    Subclasses implement ``block_num_batches(lengths)`` and ``block_batches(tokens, lengths, rng)``.

    Args:
        corpus: EncodedCorpus.
        batch_size: int, examples per batch.
        seed: int, the data-order seed.
        block_sentences: int, sentences per block. Defaults to 4096.
        shuffle: bool, shuffle block order and examples. Defaults to True.
        epoch: int, the epoch the first pass counts as (for resuming). Defaults to 0.
        **kwargs: ``keras.utils.PyDataset`` arguments (``workers``, ``max_queue_size``).
    """

    #: Names of the inputs whose first axis is not the batch (every other array's is).
    unbatched_inputs = ()

    def __init__(self, corpus, batch_size, seed=0, block_sentences=4096, shuffle=True, epoch=0, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"`batch_size` must be a positive int, got {batch_size!r}.")
        self.corpus = corpus
        self.batch_size = batch_size
        self.seed = int(seed)
        self.shuffle = shuffle
        self.epoch = int(epoch)
        starts = np.arange(0, corpus.num_sentences, block_sentences)
        self._blocks = [(int(s), int(min(s + block_sentences, corpus.num_sentences))) for s in starts]
        self._block_sizes = np.array([self.block_num_batches(corpus.lengths(s, e)) for s, e in self._blocks])
        self._num_batches = int(self._block_sizes.sum())
        if self._num_batches == 0:
            raise ValueError(
                f"The corpus gives no full batch of {batch_size} examples; use a smaller `batch_size` "
                "or a larger corpus."
            )
        self._lock = threading.Lock()
        self._cache = {}
        self._plan_epoch = None

    # --- to implement -----------------------------------------------------------------------
    def block_num_batches(self, lengths):
        """How many batches a block with these sentence lengths yields."""
        raise NotImplementedError

    def block_batches(self, tokens, lengths, rng):
        """The list of batches of one block (``rng`` shuffles; None means keep corpus order)."""
        raise NotImplementedError

    # --- PyDataset -----------------------------------------------------------------------------
    @property
    def num_batches(self):
        return self._num_batches

    def __len__(self):
        return self._num_batches

    def limit(self, num_batches):
        """Keep only the first ``num_batches`` batches of every epoch (processes that train together
        must take the same number of steps; the ones that fall off differ from epoch to epoch)."""
        if not 0 < num_batches <= self._num_batches:
            raise ValueError(f"`num_batches` must be in [1, {self._num_batches}], got {num_batches!r}.")
        self._num_batches = int(num_batches)

    def block_order(self, epoch):
        """The order in which ``epoch`` visits the blocks (drawn from ``(seed, epoch)``)."""
        if self.shuffle:
            return np.random.default_rng([self.seed, epoch]).permutation(len(self._blocks))
        return np.arange(len(self._blocks))

    def block_rng(self, epoch, block):
        """The generator that shuffles ``block`` in ``epoch`` (None without shuffling)."""
        return np.random.default_rng([self.seed, epoch, block]) if self.shuffle else None

    def _plan(self):
        if self._plan_epoch != self.epoch:
            order = self.block_order(self.epoch)
            self._order = order
            self._cumulative = np.cumsum(self._block_sizes[order])
            self._plan_epoch = self.epoch
            self._cache = {}
        return self._order, self._cumulative

    def __getitem__(self, index):
        if not 0 <= index < self._num_batches:
            raise IndexError(f"batch {index} out of range [0, {self._num_batches}).")
        with self._lock:
            order, cumulative = self._plan()
            position = int(np.searchsorted(cumulative, index, side="right"))
            block = int(order[position])
            within = index - (int(cumulative[position - 1]) if position else 0)
            batches = self._cache.get(block)
            if batches is None:
                start, end = self._blocks[block]
                tokens, lengths = self.corpus.read(start, end)
                batches = self.block_batches(tokens, lengths, self.block_rng(self.epoch, block))
                if len(self._cache) >= 2:  # blocks are visited in order: keep the current and next
                    self._cache.pop(next(iter(self._cache)))
                self._cache[block] = batches
            return batches[within]

    def on_epoch_end(self):
        self.epoch += 1


class TqdmProgress(keras.callbacks.Callback):
    """A tqdm bar per epoch with the running loss (Keras's average of the epoch so far).

    Args:
        total_batches: int, batches per epoch.
        epochs: int, epochs in all.
        desc: str, the bar's label.
        tokens_per_batch: float or None, show a tokens/s rate when given.
        initial: int, batches of the first epoch already done (a resumed run). Defaults to 0.
    """

    def __init__(self, total_batches, epochs, desc="Training", tokens_per_batch=None, initial=0):
        super().__init__()
        self.initial = initial
        self.total_batches = total_batches
        self.epochs = epochs
        self.desc = desc
        self.tokens_per_batch = tokens_per_batch
        self.bar = None

    def on_epoch_begin(self, epoch, logs=None):
        scale = self.tokens_per_batch or 1
        self.bar = tqdm(total=int(self.total_batches * scale), desc=f"{self.desc} epoch {epoch + 1}/{self.epochs}",
                        unit=" tokens" if self.tokens_per_batch else " batches", unit_scale=True, dynamic_ncols=True,
                        initial=int(self.initial * scale))
        self.initial = 0

    def on_train_batch_end(self, batch, logs=None):
        if self.bar is None:
            return
        self.bar.update(int(self.tokens_per_batch or 1))
        if logs and "loss" in logs and batch % 10 == 0:
            self.bar.set_postfix(loss=f"{float(logs['loss']):.4f}", refresh=False)

    def on_epoch_end(self, epoch, logs=None):
        if self.bar is not None:
            if logs:
                self.bar.set_postfix({k: f"{float(v):.4g}" for k, v in logs.items() if np.isscalar(v)})
            self.bar.close()
            self.bar = None

    def on_train_end(self, logs=None):
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class GensimCallbacks(keras.callbacks.Callback):
    """Call gensim-style callbacks (``on_epoch_end(model)``...) with our model object.

    Any object with some of ``on_train_begin``, ``on_epoch_begin``, ``on_epoch_end``,
    ``on_train_end`` taking the gensim_elmo model works, gensim's ``CallbackAny2Vec`` included.
    """

    def __init__(self, owner, callbacks):
        super().__init__()
        self.owner = owner
        self.gensim_callbacks = list(callbacks)

    def _call(self, name):
        for callback in self.gensim_callbacks:
            method = getattr(callback, name, None)
            if method is not None:
                method(self.owner)

    def on_train_begin(self, logs=None):
        self._call("on_train_begin")

    def on_epoch_begin(self, epoch, logs=None):
        self._call("on_epoch_begin")

    def on_epoch_end(self, epoch, logs=None):
        self._call("on_epoch_end")

    def on_train_end(self, logs=None):
        self._call("on_train_end")


def split_keras_callbacks(callbacks):
    """Split user callbacks into Keras callbacks and gensim-style ones.

    Example:
    >>> keras_cbs, gensim_cbs = split_keras_callbacks([keras.callbacks.History(), object()])
    >>> len(keras_cbs), len(gensim_cbs)
    (1, 1)
    """
    keras_callbacks, gensim_callbacks = [], []
    for callback in callbacks or ():
        (keras_callbacks if isinstance(callback, keras.callbacks.Callback) else gensim_callbacks).append(callback)
    return keras_callbacks, gensim_callbacks


def perplexity_from_nll(total_nll, count):
    """``exp(total_nll / count)``, guarding against overflow.

    Example:
    >>> round(perplexity_from_nll(math.log(10) * 4, 4), 6)
    10.0
    """
    if count == 0:
        raise ValueError("no tokens to compute a perplexity over.")
    mean = total_nll / count
    return float(math.exp(mean)) if mean < 700 else float("inf")


def check_positive_ints(**values):
    """Raise ``ValueError`` naming the first argument that is not a positive int.

    Example:
    >>> check_positive_ints(epochs=3, batch_size=0)
    Traceback (most recent call last):
    ...
    ValueError: `batch_size` must be a positive int, got 0.
    """
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"`{name}` must be a positive int, got {value!r}.")


def check_epochs(epochs):
    """Validate an ``epochs`` argument.

    Example:
    >>> check_epochs(3)
    3
    """
    check_positive_ints(epochs=epochs)
    return epochs


def clamp_batch_size(batch_size, examples, unit="examples"):
    """``batch_size``, or ``examples`` (with a warning) when the corpus cannot fill one batch.

    Example:
    >>> clamp_batch_size(512, 100)
    100
    """
    if examples < batch_size:
        logger.warning("the corpus has %d %s, fewer than `batch_size`=%d: training with batches of %d",
                       examples, unit, batch_size, examples)
        return examples
    return batch_size


def _fit_input(batches):
    """What to pass to ``keras.Model.fit`` for ``batches`` on the current backend.

    On TensorFlow, Keras infers a ``PyDataset``'s tensor shapes from its first two batches, so
    batches padded to different lengths (ELMo's length buckets) fail once a later batch differs
    from both. There, the batches are streamed through a ``tf.data.Dataset`` whose signature leaves
    every axis open but the batch axis, which is ``batches.batch_size`` in every batch (so layers
    that choose their form by batch size choose once, when the step is traced; the arrays named in
    ``batches.unbatched_inputs`` keep it open); it calls ``on_epoch_end`` itself, as Keras does for
    a ``PyDataset``. Other backends take the ``PyDataset`` as it is.
    """
    if keras.backend.backend() != "tensorflow":
        return batches
    import tensorflow as tf

    def spec(path, array):
        array = np.asarray(array)
        shape = [None] * array.ndim
        batched = not path or path[-1] not in batches.unbatched_inputs
        if array.ndim and batched and array.shape[0] == batches.batch_size:
            shape[0] = batches.batch_size
        return tf.TensorSpec(shape, tf.as_dtype(array.dtype))

    first = batches[0]
    signature = keras.tree.pack_sequence_as(first, [spec(path, a) for path, a in keras.tree.flatten_with_path(first)])

    def one_epoch():
        for index in range(len(batches)):
            yield batches[index]
        batches.on_epoch_end()

    dataset = tf.data.Dataset.from_generator(one_epoch, output_signature=signature)
    return dataset.apply(tf.data.experimental.assert_cardinality(len(batches))).prefetch(2)


def fit_corpus(owner, corpus, epochs, make_batches, callbacks=(), monitor=None, desc="Training", checkpoint_dir=None,
               checkpoint_steps=None):
    """Train ``owner.language_model`` on ``corpus``: the one training loop of NNLM and ELMo.

    Encodes the corpus into a temporary directory (removed afterwards), builds the batches with
    ``make_batches(encoded) -> (BlockBatches, tokens_per_batch)``, runs ``keras.Model.fit`` with the
    gensim-style callbacks, the validation ``monitor``, a tqdm bar and the user's Keras callbacks,
    and appends the epoch figures to ``owner.history``.

    With ``checkpoint_dir``, a checkpoint is written every ``checkpoint_steps`` batches and at each
    epoch end, and a checkpoint already there (same configuration and corpus) is restored first:
    training goes on from the batch it records (``gensim_elmo.checkpoints``).

    ``owner`` provides ``vocabulary``, ``language_model``, ``seed``, ``progress``,
    ``epochs_trained``, ``history`` and ``make_optimizer()``.
    """
    keras_callbacks, gensim_callbacks = split_keras_callbacks(callbacks)
    end_epoch = owner.epochs_trained + epochs
    work_dir = tempfile.mkdtemp(prefix=f"{desc.lower()}_corpus_")
    try:
        encoded = EncodedCorpus.write(corpus, owner.vocabulary, work_dir, progress=owner.progress,
                                      desc=f"{desc} encoding")
        batches, tokens_per_batch = make_batches(encoded)
        distribution = getattr(owner, "distribution", None)
        processes = process_index_and_count()[1]
        check_divisible_batch(distribution, batches.batch_size * processes)  # the global batch
        keras.utils.set_random_seed(owner.seed + owner.epochs_trained)
        language_model = owner.language_model
        with distribution_scope(distribution):
            if not language_model.compiled:
                language_model.compile(optimizer=owner.make_optimizer())
            checkpoint, start_batch = None, 0
            if checkpoint_dir is not None:
                checkpoint, start_batch = _restore_checkpoint(owner, encoded, batches, checkpoint_dir, checkpoint_steps,
                                                              end_epoch)
            while owner.epochs_trained < end_epoch:
                # A resumed run first finishes its interrupted epoch, then trains the rest as usual.
                last = owner.epochs_trained + 1 if start_batch else end_epoch
                callbacks_of_fit = [GensimCallbacks(owner, gensim_callbacks)] + ([monitor] if monitor is not None else [])
                if owner.progress:
                    callbacks_of_fit.append(TqdmProgress(len(batches), end_epoch, desc=desc,
                                                         tokens_per_batch=tokens_per_batch, initial=start_batch))
                callbacks_of_fit.extend(keras_callbacks)
                if checkpoint is not None:  # last, so it saves what the other callbacks changed
                    checkpoint.offset = start_batch
                    callbacks_of_fit.append(checkpoint)
                _fit_and_record(owner, _RemainingBatches(batches, start_batch) if start_batch else batches, last,
                                callbacks_of_fit)
                start_batch = 0
                if owner.epochs_trained < last:
                    break  # early stopping
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)


def _fit_and_record(owner, batches, last_epoch, callbacks):
    """One ``fit`` call from ``owner.epochs_trained`` to ``last_epoch``; its history goes to ``owner``."""
    history = owner.language_model.fit(_fit_input(batches), epochs=last_epoch, initial_epoch=owner.epochs_trained,
                                       callbacks=callbacks, verbose=0, shuffle=False)
    for key, values in history.history.items():
        owner.history.setdefault(key, []).extend(float(v) for v in values)
    owner.epochs_trained += len(history.history.get("loss", []))


def _restore_checkpoint(owner, encoded, batches, checkpoint_dir, checkpoint_steps, end_epoch):
    """The ``TrainingCheckpoint`` of a run, restored if one exists; returns it and the batches done
    in the current epoch."""
    from gensim_elmo.checkpoints import TrainingCheckpoint, corpus_fingerprint, merge_fingerprints

    if checkpoint_steps is not None:
        check_positive_ints(checkpoint_steps=checkpoint_steps)
    language_model = owner.language_model
    if not language_model.optimizer.built:  # so the checkpoint's optimizer variables have a place to go
        language_model.optimizer.build(language_model.trainable_variables)
    fingerprint = {
        "model": type(owner).__name__,
        "seed": owner.seed,
        "batch_size": batches.batch_size,
        "batches_per_epoch": len(batches),
        "vocabulary": hashlib.sha1("\n".join(owner.vocabulary.index_to_word).encode("utf-8")).hexdigest(),
        "variables": [list(v.shape) for v in language_model.variables],
        "optimizer": [type(language_model.optimizer).__name__, [list(v.shape) for v in language_model.optimizer.variables]],
        # Several processes: each holds its shard, and the checkpoint is of them all.
        "corpus": merge_fingerprints(gather_across_processes(corpus_fingerprint(encoded))),
    }
    checkpoint = TrainingCheckpoint(owner, checkpoint_dir, fingerprint, every_steps=checkpoint_steps,
                                    end_epoch=end_epoch)
    start_batch = checkpoint.restore()
    if start_batch is None:
        start_batch = 0
    else:
        logger.info("resuming from the checkpoint in %s: epoch %d, batch %d", checkpoint_dir,
                    owner.epochs_trained + 1, start_batch)
    batches.epoch = owner.epochs_trained
    return checkpoint, start_batch


class _RemainingBatches(keras.utils.PyDataset):
    """The batches of the current epoch from ``start`` on (resuming mid-epoch); the epoch's end
    advances the underlying batches."""

    def __init__(self, batches, start):
        super().__init__()
        self.batches = batches
        self.start = start
        self.batch_size = batches.batch_size
        self.unbatched_inputs = batches.unbatched_inputs

    @property
    def num_batches(self):
        return len(self.batches) - self.start

    def __len__(self):
        return self.num_batches

    def __getitem__(self, index):
        return self.batches[index + self.start]

    def on_epoch_end(self):
        self.batches.on_epoch_end()
