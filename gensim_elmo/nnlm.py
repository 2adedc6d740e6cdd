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

import keras
import numpy as np
from keras_layers.sampled_softmax import effective_num_sampled

from gensim_elmo.corpus import check_sentence
from gensim_elmo.distribution import distribution_scope, fewest_across_processes
from gensim_elmo.language_model import LanguageModel
from gensim_elmo.validation import check_validation_settings
from gensim_elmo.argument_checks import check_positive_ints, clamp_batch_size
from gensim_elmo.nnlm_batches import NgramBatches, ngram_examples
from gensim_elmo.perplexity import perplexity_from_nll

logger = logging.getLogger(__name__)

__all__ = ["NNLM"]

BOS, EOS, UNK = "<s>", "</s>", "<unk>"


class NNLM(LanguageModel):
    """Bengio's neural probabilistic language model, trained with Keras, used like a gensim model.

    With ``sentences`` or ``corpus_file`` the constructor builds the vocabulary and trains at once;
    without them, call ``build_vocab`` then ``train``.

    The training arguments ``validation_sentences``, ``early_stopping``, ``lr_decay``,
    ``checkpoint_dir`` and ``checkpoint_steps`` are ``train``'s (``LanguageModel.train`` says what
    they do): the constructor passes them on when it trains.

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
        distribution: None (one device), "auto" or a distribution object: data parallelism over the
            local devices, ``batch_size`` being the global batch (``LanguageModel`` has the details).
            Defaults to None.

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

    NAME = "NNLM"
    MODEL_TYPE = "gensim_elmo.NNLM"
    FORMAT_VERSION = 1
    SPECIALS = (BOS, EOS, UNK)
    CONFIG_KEYS = ("vector_size", "window", "hidden_size", "direct_connections", "dropout", "min_count",
                   "max_vocab_size", "epochs", "batch_size", "learning_rate", "optimizer", "num_sampled", "seed")

    def __init__(self, sentences=None, corpus_file=None, vector_size=100, window=4, hidden_size=256,
                 direct_connections=False, dropout=0.0, min_count=1, max_vocab_size=None, epochs=5, batch_size=512,
                 learning_rate=1e-3, optimizer="adam", num_sampled=None, seed=1, callbacks=(), progress=True,
                 validation_sentences=None, early_stopping=None, lr_decay=None, checkpoint_dir=None,
                 checkpoint_steps=None, distribution=None):
        super().__init__(epochs=epochs, batch_size=batch_size, min_count=min_count, max_vocab_size=max_vocab_size,
                         learning_rate=learning_rate, optimizer=optimizer, num_sampled=num_sampled, seed=seed,
                         progress=progress, distribution=distribution)
        check_positive_ints(vector_size=vector_size, window=window, hidden_size=hidden_size)
        check_validation_settings(validation_sentences, early_stopping, lr_decay)
        self.vector_size = vector_size
        self.window = window
        self.hidden_size = hidden_size
        self.direct_connections = bool(direct_connections)
        self.dropout = float(dropout)
        self.network = None
        self._train_on(sentences, corpus_file, epochs=epochs, callbacks=callbacks,
                       validation_sentences=validation_sentences, early_stopping=early_stopping, lr_decay=lr_decay,
                       checkpoint_dir=checkpoint_dir, checkpoint_steps=checkpoint_steps)

    # --- vocabulary and network ------------------------------------------------------------------
    def _on_vocabulary(self):
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

    def _training_head_outdated(self):
        # `num_sampled` changed since the head was built (e.g. sampled epochs, then full softmax).
        return self.language_model.num_sampled != effective_num_sampled(self.num_sampled, len(self.vocabulary))

    def _make_batches(self, encoded, process_index, processes, epochs):
        # Several processes: each feeds its share of every global batch, all for as many steps.
        batch_size = clamp_batch_size(self.batch_size // processes, encoded.num_tokens + encoded.num_sentences)
        batches = NgramBatches(encoded, batch_size, self.window, self.vocabulary[BOS], self.vocabulary[EOS],
                               seed=self.seed + process_index, epoch=self.epochs_trained)
        if processes > 1:
            batches.limit(fewest_across_processes(len(batches)))
        return batches, batch_size

    def validation_logs(self, sentences):
        """The figures ``ValidationMonitor`` logs after each epoch: ``{"val_perplexity": ...}``."""
        return {"val_perplexity": self.perplexity(sentences)}

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
    @classmethod
    def _from_saved(cls, saved, vocabulary, progress, path, distribution):
        if vocabulary is None:
            raise KeyError("vocab.tsv is missing")
        model = cls(progress=progress, distribution=distribution, **saved["config"])
        model.vocabulary = vocabulary
        model._create_network()
        return model

    def __repr__(self):
        size = len(self.vocabulary) if self.vocabulary is not None else 0
        return (f"NNLM(vocab={size}, vector_size={self.vector_size}, window={self.window}, "
                f"hidden_size={self.hidden_size}, epochs_trained={self.epochs_trained})")
