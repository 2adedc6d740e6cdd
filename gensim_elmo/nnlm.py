"""The neural probabilistic language model (Bengio et al. 2003) with a gensim-style API.

The NNLM predicts each word from the ``window`` words before it: their vectors (rows of one
shared matrix C) are concatenated, pass a tanh hidden layer and a softmax over the vocabulary.
Predicting the next word is its job; the word vectors C are its by-product, exposed as a gensim
``KeyedVectors`` in ``model.wv``.

Sentence boundaries are explicit: the context of a sentence's first words is padded with ``<s>``
and every sentence ends with the target ``</s>``; words outside the vocabulary become ``<unk>``.
Perplexity counts every word and the ``</s>`` of every sentence, as the standard Penn Treebank
evaluation does.

Example:
>>> from gensim_elmo import NNLM
>>> sentences = [["the", "cat", "sat", "on", "the", "mat"]] * 50
>>> model = NNLM(sentences, vector_size=8, window=2, hidden_size=16, epochs=10, batch_size=32,
...              learning_rate=0.02, seed=1, progress=False)
>>> model.predict_next(["the", "cat"], topn=1)[0][0]
'sat'
>>> model.wv["cat"].shape
(8,)
>>> model.perplexity(sentences) < 3
True
"""

import logging
import os

import keras
import numpy as np
from keras_layers.nnlm_language_model import NNLMLanguageModel

from gensim_elmo.atomic_files import atomic_path
from gensim_elmo.corpus import as_sentences, check_sentence
from gensim_elmo.distribution import (
    check_divisible_batch,
    distribution_scope,
    fewest_across_processes,
    is_writer,
    process_corpus,
    process_index_and_count,
    refuse_validation_with_processes,
    resolve_distribution,
    sum_counts_across_processes,
)
from gensim_elmo.training import (
    BlockBatches,
    check_epochs,
    check_positive_ints,
    clamp_batch_size,
    fit_corpus,
    perplexity_from_nll,
)
from gensim_elmo.saved_model import (
    check_vocabulary_size,
    load_keras_weights,
    read_saved_config,
    write_saved_config,
)
from gensim_elmo.vocabulary import Vocabulary

logger = logging.getLogger(__name__)

__all__ = ["NNLM"]

FORMAT_VERSION = 1
MODEL_TYPE = "gensim_elmo.NNLM"
BOS, EOS, UNK = "<s>", "</s>", "<unk>"
SPECIALS = (BOS, EOS, UNK)
_CONFIG_KEYS = ("vector_size", "window", "hidden_size", "direct_connections", "dropout", "min_count",
                "max_vocab_size", "epochs", "batch_size", "learning_rate", "optimizer", "num_sampled", "seed")


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


class ValidationMonitor(keras.callbacks.Callback):
    """Validation perplexity after every epoch (``logs["val_perplexity"]``) and optional early stopping.

    Args:
        owner: the gensim_elmo model (its ``perplexity`` and ``network`` are used).
        sentences: the validation token lists.
        patience: int or None, stop after this many epochs without improvement and restore the
            best weights at the end of training.
    """

    def __init__(self, owner, sentences, patience=None):
        super().__init__()
        self.owner = owner
        self.sentences = sentences
        self.patience = patience
        self.best = float("inf")
        self.best_weights = None
        self.wait = 0

    def on_epoch_end(self, epoch, logs=None):
        value = self.owner.perplexity(self.sentences)
        if logs is not None:
            logs["val_perplexity"] = value
        if value < self.best:
            self.best, self.wait = value, 0
            if self.patience is not None:
                self.best_weights = self.owner.network.get_weights()
        elif self.patience is not None:
            self.wait += 1
            if self.wait >= self.patience:
                logger.info("early stopping after epoch %d: validation perplexity did not improve on %.2f",
                            epoch + 1, self.best)
                self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.best_weights is not None:
            self.owner.network.set_weights(self.best_weights)


class NNLM:
    """Bengio's neural probabilistic language model, trained with Keras, used like a gensim model.

    With ``sentences`` or ``corpus_file`` the constructor builds the vocabulary and trains at once;
    without them, call ``build_vocab`` then ``train``.

    Args:
        sentences: restartable iterable of token lists. Defaults to None.
        corpus_file: path of a file (one sentence per line) or a directory of such files.
        vector_size: int, size of the word vectors (C). Defaults to 100.
        window: int, number of previous words used as context (the model is a (window+1)-gram).
            Defaults to 4.
        hidden_size: int, tanh hidden units. Defaults to 256.
        direct_connections: bool, Bengio's direct connections from the embeddings to the output.
            Defaults to False.
        dropout: float, dropout on the embeddings and the hidden layer while training. Defaults to 0.
        min_count: int, words seen fewer times become ``<unk>``. Defaults to 1.
        max_vocab_size: int or None, keep only the most frequent words (specials included).
        epochs: int, passes over the corpus. Defaults to 5.
        batch_size: int, examples (predicted words) per step. Defaults to 512.
        learning_rate: float, the optimizer's learning rate. Defaults to 1e-3.
        optimizer: str, a Keras optimizer name ("adam", "sgd", "adagrad"...). Defaults to "adam".
        num_sampled: int or None, train with a sampled softmax of this many negatives per batch, so
            the output layer's cost does not grow with the vocabulary (perplexity and predictions
            always use the full softmax). None (default) trains with the full softmax. Changing
            ``model.num_sampled`` between ``train`` calls switches (e.g. sampled epochs, then full
            softmax epochs to fine-tune); the switch starts a new optimizer with ``learning_rate``.
        seed: int, seeds weight initialisation, dropout and data order (calls
            ``keras.utils.set_random_seed``). Defaults to 1.
        callbacks: gensim-style callbacks (``on_epoch_end(model)``...) and/or Keras callbacks.
        progress: bool, show tqdm bars with the running loss. Defaults to True.
        validation_sentences: token lists whose perplexity is computed after every epoch
            (``history["val_perplexity"]``). Defaults to None.
        early_stopping: int or None, stop after this many epochs without a better validation
            perplexity and keep the best weights (needs ``validation_sentences``). Defaults to None.
        checkpoint_dir: str or None, write training checkpoints there (every ``checkpoint_steps``
            batches and at each epoch end, atomically) and, if it already holds one from the same
            configuration and corpus, resume from it: running the same code again after a crash
            continues where it stopped and ends with the same weights (``gensim_elmo.checkpoints``).
            Defaults to None.
        checkpoint_steps: int or None, batches between two checkpoints within an epoch (None: only
            at epoch ends). Defaults to None.
        distribution: None (one device), "auto" (data parallelism over every local device) or a
            ``keras.distribution.Distribution`` on JAX, or a ``tf.distribute.MirroredStrategy`` on
            TensorFlow ("auto" picks it there). ``batch_size`` is the global
            batch, split over the devices (``gensim_elmo.distribution``). Defaults to None.

    Attributes:
        wv: gensim ``KeyedVectors`` of the embedding matrix C (every vocabulary entry, specials
            included).
        vocabulary: ``gensim_elmo.vocabulary.Vocabulary``.
        network: the ``keras_layers.NNLMNetwork``.
        history: dict of per-epoch lists ("loss", and "val_perplexity" with validation).

    Example:
    >>> model = NNLM(vector_size=8, window=2, hidden_size=8, progress=False)
    >>> model.build_vocab([["a", "b", "c"]] * 10)
    >>> model.train([["a", "b", "c"]] * 10, epochs=1)
    >>> sorted(model.history)
    ['loss']
    """

    def __init__(self, sentences=None, corpus_file=None, vector_size=100, window=4, hidden_size=256,
                 direct_connections=False, dropout=0.0, min_count=1, max_vocab_size=None, epochs=5, batch_size=512,
                 learning_rate=1e-3, optimizer="adam", num_sampled=None, seed=1, callbacks=(), progress=True,
                 validation_sentences=None, early_stopping=None, checkpoint_dir=None, checkpoint_steps=None,
                 distribution=None):
        check_positive_ints(vector_size=vector_size, window=window, hidden_size=hidden_size, epochs=epochs,
                            batch_size=batch_size, min_count=min_count)
        if not isinstance(learning_rate, (int, float)) or learning_rate <= 0:
            raise ValueError(f"`learning_rate` must be a positive float, got {learning_rate!r}.")
        if early_stopping is not None and validation_sentences is None:
            raise ValueError("`early_stopping` needs `validation_sentences` to judge the epochs by.")
        self.vector_size = vector_size
        self.window = window
        self.hidden_size = hidden_size
        self.direct_connections = bool(direct_connections)
        self.dropout = float(dropout)
        self.min_count = min_count
        self.max_vocab_size = max_vocab_size
        self.epochs = epochs
        self.batch_size = batch_size
        self.learning_rate = float(learning_rate)
        self.optimizer = optimizer
        if num_sampled is not None:
            check_positive_ints(num_sampled=num_sampled)
        self.num_sampled = num_sampled
        self.seed = int(seed)
        self.progress = progress
        self.distribution = resolve_distribution(distribution)
        self.vocabulary = None
        self.network = None
        self.language_model = None
        self.history = {}
        self.epochs_trained = 0
        self.corpus_stats = {}
        self._wv = None
        if sentences is not None or corpus_file is not None:
            corpus = as_sentences(sentences, corpus_file)
            self.build_vocab(corpus)
            self.train(corpus, epochs=epochs, callbacks=callbacks, validation_sentences=validation_sentences,
                       early_stopping=early_stopping, checkpoint_dir=checkpoint_dir, checkpoint_steps=checkpoint_steps)

    # --- vocabulary and network ------------------------------------------------------------------
    def build_vocab(self, sentences=None, corpus_file=None):
        """Count the corpus (one streaming pass), fix the vocabulary and create the network.

        Example:
        >>> model = NNLM(vector_size=4, window=2, hidden_size=4, progress=False)
        >>> model.build_vocab([["a", "b"], ["b"]])
        >>> model.vocabulary.index_to_word
        ['<s>', '</s>', '<unk>', 'b', 'a']
        """
        # Several processes: each counts its own shard, and they sum their counts (one vocabulary).
        corpus = process_corpus(sentences, corpus_file)
        self.vocabulary, self.corpus_stats = Vocabulary.build(
            corpus, specials=SPECIALS, unk_token=UNK, min_count=self.min_count, max_vocab_size=self.max_vocab_size,
            progress=self.progress, desc="NNLM vocabulary", combine=sum_counts_across_processes,
        )
        self._create_network()

    def _create_network(self):
        from keras_layers.nnlm_network import NNLMNetwork

        keras.utils.set_random_seed(self.seed)
        with distribution_scope(self.distribution):
            self.network = NNLMNetwork(
                vocabulary_size=len(self.vocabulary), vector_size=self.vector_size, context_size=self.window,
                hidden_size=self.hidden_size, direct_connections=self.direct_connections, dropout=self.dropout,
                embeddings_initializer=keras.initializers.RandomUniform(-0.05, 0.05), seed=self.seed,
                name="nnlm_network",
            )
        self._create_language_model()
        self._wv = None

    def _create_language_model(self):
        from keras_layers.nnlm_language_model import NNLMLanguageModel

        with distribution_scope(self.distribution):
            self.language_model = NNLMLanguageModel(self.network, num_sampled=self.num_sampled, seed=self.seed,
                                                    name="nnlm_language_model")

    def _require_vocab(self, action):
        if self.vocabulary is None or self.network is None:
            raise RuntimeError(f"Call `build_vocab` (or pass a corpus to the constructor) before `{action}`.")

    def make_optimizer(self):
        """A fresh Keras optimizer from ``optimizer`` and ``learning_rate``."""
        return keras.optimizers.get({"class_name": self.optimizer, "config": {"learning_rate": self.learning_rate}})

    # --- training ----------------------------------------------------------------------------------
    def train(self, sentences=None, corpus_file=None, epochs=None, callbacks=(), validation_sentences=None,
              early_stopping=None, checkpoint_dir=None, checkpoint_steps=None):
        """Train for ``epochs`` passes over the corpus (streamed in batches; memory stays flat).

        Args:
            sentences: restartable iterable of token lists.
            corpus_file: or a path.
            epochs: int, defaults to the constructor's ``epochs``.
            callbacks: gensim-style and/or Keras callbacks.
            validation_sentences: token lists scored after every epoch.
            early_stopping: int or None, patience in epochs (needs ``validation_sentences``).
            checkpoint_dir: str or None, checkpoint and resume (see the class docstring).
            checkpoint_steps: int or None, batches between two checkpoints within an epoch.

        Example:
        >>> model = NNLM(vector_size=4, window=2, hidden_size=4, progress=False)
        >>> data = [["x", "y", "z"]] * 20
        >>> model.build_vocab(data)
        >>> model.train(data, epochs=2)
        >>> len(model.history["loss"])
        2
        """
        self._require_vocab("train")
        epochs = check_epochs(self.epochs if epochs is None else epochs)
        if self.language_model.num_sampled != NNLMLanguageModel.effective_num_sampled(self.num_sampled,
                                                                                      len(self.vocabulary)):
            # `num_sampled` or `learning_rate` changed since the last call: a new training head and optimizer.
            self._create_language_model()
        if early_stopping is not None and validation_sentences is None:
            raise ValueError("`early_stopping` needs `validation_sentences` to judge the epochs by.")
        monitor = None
        index, processes = process_index_and_count()
        check_divisible_batch(self.distribution, self.batch_size)  # the global batch, before it is shared out
        refuse_validation_with_processes(validation_sentences, "NNLM")
        if validation_sentences is not None:
            validation = [check_sentence(s, where=f"validation sentence {i}") for i, s in
                          enumerate(validation_sentences)]
            monitor = ValidationMonitor(self, validation, early_stopping)

        def make_batches(encoded):
            # Several processes: each feeds its share of every global batch, all for as many steps.
            batch_size = clamp_batch_size(self.batch_size // processes, encoded.num_tokens + encoded.num_sentences)
            batches = NgramBatches(encoded, batch_size, self.window, self.vocabulary[BOS], self.vocabulary[EOS],
                                   seed=self.seed + index, epoch=self.epochs_trained)
            if processes > 1:
                batches.limit(fewest_across_processes(len(batches)))
            return batches, batch_size

        fit_corpus(self, process_corpus(sentences, corpus_file), epochs, make_batches, callbacks=callbacks,
                   monitor=monitor, desc="NNLM", checkpoint_dir=checkpoint_dir, checkpoint_steps=checkpoint_steps)
        self._wv = None

    # --- using the model ---------------------------------------------------------------------------
    def _context_ids(self, context_tokens):
        context = [BOS] * self.window + list(context_tokens)
        return self.vocabulary.encode(context[-self.window:])

    def perplexity(self, sentences, batch_size=1024):
        """Perplexity of ``sentences`` (every word and each sentence's ``</s>``), full softmax.

        Args:
            sentences: iterable of token lists.
            batch_size: int, examples per forward pass. Defaults to 1024.

        Returns:
            float.

        Example:
        >>> model = NNLM([["a", "b"]] * 30, vector_size=4, window=1, hidden_size=8, epochs=5, batch_size=8,
        ...              learning_rate=0.02, progress=False)
        >>> model.perplexity([["a", "b"]]) < 2.5
        True
        """
        self._require_vocab("perplexity")
        scorer = self.language_model
        total, count = 0.0, 0
        tokens_buffer, lengths_buffer = [], []

        def flush():
            nonlocal total, count
            if not lengths_buffer:
                return
            x, y = ngram_examples(np.concatenate(tokens_buffer), np.array(lengths_buffer), self.window,
                                  self.vocabulary[BOS], self.vocabulary[EOS])
            for start in range(0, len(y), batch_size):
                nll = scorer.predict_on_batch((x[start:start + batch_size], y[start:start + batch_size]))
                total += float(np.sum(nll, dtype=np.float64))
            count += len(y)
            tokens_buffer.clear()
            lengths_buffer.clear()

        for number, sentence in enumerate(sentences):
            check_sentence(sentence, where=f"sentence {number}")
            if not sentence:
                continue
            tokens_buffer.append(self.vocabulary.encode(sentence))
            lengths_buffer.append(len(sentence))
            if sum(lengths_buffer) >= 50 * batch_size:
                flush()
        flush()
        if count == 0:
            raise ValueError("`sentences` holds no tokens to compute a perplexity over.")
        return perplexity_from_nll(total, count)

    def predict_next(self, context_tokens, topn=10):
        """The ``topn`` most probable next words after ``context_tokens``, with probabilities.

        Only the last ``window`` tokens matter; a shorter context is padded with ``<s>`` (the
        start of a sentence). Unknown words are read as ``<unk>``. ``<s>`` is never predicted.

        Args:
            context_tokens: list of str (may be empty: the start of a sentence).
            topn: int, how many words. Defaults to 10.

        Returns:
            list of (word, probability), most probable first.

        Example:
        >>> model = NNLM([["i", "like", "tea"]] * 30, vector_size=4, window=2, hidden_size=8, epochs=5,
        ...              batch_size=8, learning_rate=0.02, progress=False)
        >>> model.predict_next(["i", "like"], topn=1)[0][0]
        'tea'
        """
        self._require_vocab("predict_next")
        if isinstance(context_tokens, str):
            raise TypeError(f"`context_tokens` must be a list of tokens, got the string {context_tokens!r}; "
                            "split it first, e.g. `text.split()`.")
        check_sentence(list(context_tokens), where="`context_tokens`")
        if not isinstance(topn, int) or topn < 1:
            raise ValueError(f"`topn` must be a positive int, got {topn!r}.")
        logits = np.asarray(self.network.predict_on_batch(self._context_ids(context_tokens)[None, :])[0],
                            dtype=np.float64)
        logits[self.vocabulary[BOS]] = -np.inf
        probs = np.exp(logits - logits.max())
        probs /= probs.sum()
        order = np.argsort(-probs, kind="stable")
        top = order[order != self.vocabulary[BOS]][:topn]
        return [(self.vocabulary.index_to_word[i], float(probs[i])) for i in top]

    @property
    def wv(self):
        """A gensim ``KeyedVectors`` of C: one vector per vocabulary entry (``<s>``, ``</s>``, ``<unk>`` too)."""
        self._require_vocab("wv")
        if self._wv is None:
            from gensim_elmo.export import keyed_vectors_from_matrix

            matrix = np.asarray(self.network.embeddings.numpy() if hasattr(self.network.embeddings, "numpy")
                                else self.network.embeddings)
            self._wv = keyed_vectors_from_matrix(self.vocabulary.index_to_word, matrix, counts=self.vocabulary.counts)
        return self._wv

    def to_keras(self, trainable=False, mask_zero=True, **kwargs):
        """The word vectors as a ``keras_layers.KeyedVectorsEmbedding`` (0 padding, 1 OOV, i+2 word i).

        Example:
        >>> model = NNLM([["a", "b"]] * 5, vector_size=4, window=1, hidden_size=4, epochs=1, progress=False)
        >>> model.to_keras().output_dim
        4
        """
        from keras_layers import KeyedVectorsEmbedding

        return KeyedVectorsEmbedding(self.wv, trainable=trainable, mask_zero=mask_zero, **kwargs)

    # --- saving ------------------------------------------------------------------------------------
    def _config(self):
        config = {key: getattr(self, key) for key in _CONFIG_KEYS}
        return {"model_type": MODEL_TYPE, "format_version": FORMAT_VERSION, "config": config,
                "state": {"epochs_trained": self.epochs_trained, "history": self.history,
                          "corpus_stats": self.corpus_stats, "vocabulary_size": len(self.vocabulary)}}

    def save(self, path):
        """Save to the directory ``path``, atomically (an existing save stays intact until the new one is complete).

        Layout: ``config.json`` (model type, format version, constructor arguments, training state),
        ``vocab.tsv`` (the vocabulary with counts) and ``model.weights.h5`` (Keras weights). No pickle.
        When several processes train together, only process 0 writes (every process may call it).

        Example:
        >>> import tempfile, os
        >>> model = NNLM([["a", "b"]] * 5, vector_size=4, window=1, hidden_size=4, epochs=1, progress=False)
        >>> path = os.path.join(tempfile.mkdtemp(), "nnlm")
        >>> model.save(path)
        >>> sorted(os.listdir(path))
        ['config.json', 'model.weights.h5', 'vocab.tsv']
        """
        self._require_vocab("save")
        if not is_writer():
            return
        with atomic_path(path, directory=True) as tmp:
            write_saved_config(tmp, self._config())
            self.vocabulary.save(os.path.join(tmp, "vocab.tsv"))
            self.network.save_weights(os.path.join(tmp, "model.weights.h5"))

    @classmethod
    def load(cls, path, progress=True):
        """Load a model saved with ``save``.

        Raises:
            FileNotFoundError: nothing at ``path``.
            ValueError: the directory is not an NNLM save, or a file in it is corrupt, truncated or
                does not match the configuration.

        Example:
        >>> import tempfile, os
        >>> model = NNLM([["a", "b"]] * 5, vector_size=4, window=1, hidden_size=4, epochs=1, progress=False)
        >>> path = os.path.join(tempfile.mkdtemp(), "nnlm")
        >>> model.save(path)
        >>> NNLM.load(path).vocabulary.index_to_word == model.vocabulary.index_to_word
        True
        """
        path = os.fspath(path)
        saved = read_saved_config(path, MODEL_TYPE, FORMAT_VERSION, "NNLM",
                                  "config.json, vocab.tsv and model.weights.h5")
        config_path = os.path.join(path, "config.json")
        try:
            model = cls(progress=progress, **saved["config"])
            vocabulary = Vocabulary.load(os.path.join(path, "vocab.tsv"))
            state = saved["state"]
        except (TypeError, KeyError) as exc:
            raise ValueError(f"{config_path} does not hold a valid NNLM configuration: {exc}") from None
        check_vocabulary_size(vocabulary, state)
        model.vocabulary = vocabulary
        model.epochs_trained = int(state.get("epochs_trained", 0))
        model.history = state.get("history", {})
        model.corpus_stats = state.get("corpus_stats", {})
        model._create_network()
        load_keras_weights(model.network, os.path.join(path, "model.weights.h5"))
        return model

    def __repr__(self):
        size = len(self.vocabulary) if self.vocabulary is not None else 0
        return (f"NNLM(vocab={size}, vector_size={self.vector_size}, window={self.window}, "
                f"hidden_size={self.hidden_size}, epochs_trained={self.epochs_trained})")
