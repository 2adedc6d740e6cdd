"""ELMo (Peters et al. 2018) with a gensim-style API: train a biLM on your corpus, embed in context.

ELMo gives every token a vector that depends on its sentence: a character CNN reads the word
(layer 0), a two-layer bidirectional LSTM reads the sentence (layers 1 and 2). The same word in
two contexts ("apple" the fruit, "Apple" the phone maker) gets two different vectors.

Example:
>>> from gensim_elmo import ELMo
>>> sentences = [["the", "cat", "sat", "on", "the", "mat"], ["a", "dog", "ran"]] * 20
>>> model = ELMo(sentences, preset="tiny", epochs=1, batch_size=8, seed=1, progress=False)
>>> vectors = model.embed_sentence(["the", "cat", "sat"])
>>> vectors.shape                      # (layers, tokens, 2 * projection_dim)
(3, 3, 32)
>>> sorted(model.perplexity(sentences[:2]))
['average', 'backward', 'forward']

Models in the original format (bilm-tf / AllenNLP ``options.json`` + ``weights.hdf5``) load with
``ELMo.from_bilm_hdf5`` and are written with ``save_bilm_hdf5``.

Embedding is stateless by default: a sentence always gets the same vectors, whatever was embedded
before. ``embed_sentences(..., stateful=True)`` carries each batch row's LSTM state to the same row
of the next batch, as the original implementation does.
"""

import copy
import logging
import numbers
import os

import keras
import numpy as np
from keras import ops

from gensim_elmo.corpus import check_sentence
from gensim_elmo.distribution import (
    distribution_scope,
    fewest_across_processes,
    process_index_and_count,
    largest_across_processes,
    local_device_count,
    num_devices,
)
from gensim_elmo.elmo_batches import (
    SentenceBatches,
    bucket,
    embedding_batch,
    language_model_batch,
    vocabulary_char_ids,
)
from gensim_elmo.elmo_options import build_options
from gensim_elmo.language_model import LanguageModel
from gensim_elmo.argument_checks import check_positive_ints, clamp_batch_size
from gensim_elmo.perplexity import perplexity_from_nll
from gensim_elmo.stream_batches import StreamBatches, sentence_stream, stream_batch
from gensim_elmo.validation import check_validation_settings
from gensim_elmo.vocabulary import Vocabulary
from keras_layers.char_vocabulary import KINDS as CHARACTER_KINDS
from keras_layers.char_vocabulary import ByteCharacters, UnicodeCharacters, carried_rows
from keras_layers.elmo_network import uses_character_inputs
from keras_layers.saved_network import CHARACTERS_FILE, read_char_vocabulary
from keras_layers.sampled_softmax import effective_num_sampled

logger = logging.getLogger(__name__)

__all__ = ["ELMo"]

BOS, EOS, UNK = "<S>", "</S>", "<unk>"
#: Positions per forward pass of ``perplexity(stream=True)`` (the states carry, so any size gives the same result).
_STREAM_WINDOW = 128
_SAME_VOCABULARY = object()


def check_freeze(freeze, num_layers):
    """The parts ``freeze`` names, checked: "token_layer" (character CNN, highway, projection) and
    "lstm_1" ... "lstm_{num_layers}" (both directions of that biLSTM layer).

    Example:
    >>> check_freeze(["token_layer", "lstm_1"], 2)
    ('token_layer', 'lstm_1')
    """
    if isinstance(freeze, str):
        freeze = (freeze,)
    names = ("token_layer",) + tuple(f"lstm_{k}" for k in range(1, num_layers + 1))
    unknown = [part for part in freeze if part not in names]
    if unknown:
        raise ValueError(f"`freeze` names unknown parts {unknown}; choose from {list(names)}.")
    return tuple(freeze)
#: The softmax of a saved model: arrays ``kernel`` (V, P) and ``bias`` (V,).
SOFTMAX_FILE = "softmax.npz"


class BiLMScorer(keras.Model):
    """Per-position forward and backward negative log-likelihoods of a ``BiLMLanguageModel`` (full softmax)."""

    def __init__(self, language_model, **kwargs):
        super().__init__(**kwargs)
        self.language_model = language_model

    def build(self, input_shape=None):
        self.built = True  # the wrapped language model is built already

    def call(self, inputs):
        # With "initial_states" (a stream read in windows) the LSTMs start from them, and their final states come back.
        stateful = "initial_states" in inputs
        results = self.language_model.token_nll(inputs, training=False, return_states=stateful)
        forward, backward = results[:2]
        scores = {"forward": forward * ops.cast(inputs["forward_mask"], forward.dtype),
                  "backward": backward * ops.cast(inputs["backward_mask"], backward.dtype)}
        if stateful:
            scores["final_states"] = results[2]
        return scores


class ELMo(LanguageModel):
    """ELMo: a character-aware bidirectional language model whose layers embed words in context.

    With ``sentences`` or ``corpus_file`` the constructor builds the vocabulary (the words the
    language model predicts) and trains at once; without them, call ``build_vocab`` and ``train``,
    or load a trained model with ``ELMo.load`` / ``ELMo.from_bilm_hdf5``.

    The training arguments ``validation_sentences``, ``early_stopping``, ``lr_decay``,
    ``checkpoint_dir`` and ``checkpoint_steps`` are ``train``'s (``LanguageModel.train`` says what
    they do): the constructor passes them on when it trains.

    Args:
        sentences: restartable iterable of token lists. Defaults to None.
        corpus_file: path of a file (one sentence per line) or of a directory of such files.
        preset: architecture, one of "tiny", "compact", "small", "medium", "original" (see
            ``gensim_elmo.elmo_options``). Defaults to "small" (when ``options`` is None).
        options: dict or None, the architecture as the original ``options.json`` dict instead of
            a preset (what ``from_bilm_hdf5`` and ``load`` pass); not with ``preset`` or
            ``**overrides``. Defaults to None.
        epochs: int, passes over the corpus. Defaults to 5.
        batch_size: int, sentences per training step. Defaults to 64.
        max_vocab_size: int or None, size of the softmax vocabulary (specials included).
        min_count: int, rarer words are predicted as ``<unk>``. Defaults to 1.
        seed: int, seeds initialisation, sampling and data order (``keras.utils.set_random_seed``).
            Defaults to 1.
        callbacks: gensim-style (``on_epoch_end(model)``...) and/or Keras callbacks.
        progress: bool, tqdm bars with the running loss. Defaults to True.
        learning_rate: float. Defaults to 0.2 (the original's Adagrad rate).
        optimizer: str, Keras optimizer name. Defaults to "adagrad" (initial accumulator 1.0, as
            the original).
        num_sampled: int or None, negative samples of the sampled softmax; the full softmax is
            used when None or when the vocabulary is smaller. Defaults to 8192. Changing
            ``model.num_sampled`` (or ``model.dropout``) between ``train`` calls switches the
            training head (e.g. sampled epochs, then full-softmax epochs to fine-tune), keeping the
            softmax weights; the switch starts a new optimizer with ``learning_rate``.
        dropout: float, dropout in training on every LSTM layer's input and on the top layer
            before the softmax, as the original (bilm-tf's ``dropout`` option). Defaults to 0.1.
        global_clipnorm: float or None, clip the gradients of all weights together to this norm
            (``tf.clip_by_global_norm``, as the original clipped them at 10). Defaults to 10.
        clipnorm: float or None, clip each weight's gradient to this norm on its own (Keras's
            ``clipnorm``) instead; set ``global_clipnorm=None`` with it. Defaults to None.
        max_sentence_length: int, longer training sentences are cut into pieces (and sentences
            scored one at a time by ``perplexity``; not with ``unroll_steps``, which reads the
            corpus as a stream). Defaults to 100.
        unroll_steps: int or None, train on the corpus as one stream of text (sentences in corpus
            order, back to back) read in windows of this many tokens, each batch row starting from
            the LSTM states the same row reached in the previous batch, as the original bilm-tf
            (20) and the Penn Treebank language models (35) train: every word is then predicted
            from the sentences before it too (``gensim_elmo.stream_batches``). ``batch_size`` is
            the number of rows of the stream; validation perplexity reads the validation text the
            same way (``perplexity(stream=True)``). On one device only. None (default): batches of
            whole sentences, each read on its own, as the model embeds them.
        sentence_resets: float in [0, 1], with ``unroll_steps``: the probability that a sentence
            of the stream starts from zero LSTM states (a new draw for each sentence, direction and
            epoch), so that the model also learns to read a sentence on its own, as it embeds one.
            0 carries the states across every sentence (the original bilm-tf); 1 starts every
            sentence afresh, close to training on whole sentences (but windows still cut a
            sentence between batches, and each direction draws on its own). Without
            ``unroll_steps`` it has no effect (training warns). Defaults to 0.
        characters: how the character CNN reads a word: "bytes" (the original ELMo's ids, a
            word's UTF-8 bytes: a Han character is 3 ids, any text has ids, and the model can be
            written in the original bilm-tf files) or "unicode" (one id per Unicode character, as
            ELMoForManyLangs: ``build_vocab`` lists the characters of the vocabulary's words seen
            ``min_char_count`` times, most frequent first, and sizes the character embedding to
            them; any other character reads as one unknown character). Prefer "unicode" for
            Chinese and other scripts of many characters (docs/chinese.md has the measurement).
            Defaults to "bytes".
        min_char_count: int, with ``characters="unicode"``: characters rarer than this in the
            vocabulary's words (counted by word frequency) are left out of the character
            vocabulary and read as the unknown character, whose embedding row thereby learns
            what rare characters look like. Defaults to 2.
        freeze: parts whose weights training leaves as they are (fine-tuning): "token_layer" (the
            character CNN, highway and projection) and/or "lstm_1", "lstm_2"... Set
            ``model.freeze`` between ``train`` calls to freeze for the first epochs only. Defaults
            to () (train everything).
        distribution: None (one device), "auto" or a distribution object: data parallelism over the
            local devices, ``batch_size`` being the global batch (``LanguageModel`` has the details).
            Defaults to None.
        **overrides: architecture settings that replace the preset's (``dim``,
            ``projection_dim``, ``n_highway``, ``filters``, ``use_character_inputs``...).

    Attributes:
        options: dict, the architecture in the original ``options.json`` layout.
        network: the ``keras_layers.ELMoNetwork`` (None until ``build_vocab`` for "unicode"
            characters and for the token variant, whose sizes come from the corpus).
        vocabulary: the softmax vocabulary (None for a model loaded from bilm files without one).
        char_vocabulary: the ``keras_layers.char_vocabulary.CharacterVocabulary`` that turns a
            word into its character ids (``ByteCharacters`` or, once built, ``UnicodeCharacters``;
            None for the token variant).
        history: dict of per-epoch lists.

    Example:
    >>> model = ELMo(preset="tiny", progress=False)
    >>> model.options["lstm"]["projection_dim"]
    16
    """

    NAME = "ELMo"
    MODEL_TYPE = "gensim_elmo.ELMo"
    FORMAT_VERSION = 1
    SPECIALS = (BOS, EOS, UNK)
    CONFIG_KEYS = ("preset", "epochs", "batch_size", "min_count", "max_vocab_size", "learning_rate", "optimizer",
                   "num_sampled", "dropout", "max_sentence_length", "freeze", "clipnorm", "global_clipnorm", "seed",
                   "characters", "min_char_count", "unroll_steps", "sentence_resets")

    def __init__(self, sentences=None, corpus_file=None, preset=None, options=None, epochs=5, batch_size=64,
                 max_vocab_size=None, min_count=1, seed=1, callbacks=(), progress=True, learning_rate=0.2,
                 optimizer="adagrad", num_sampled=8192, dropout=0.1, clipnorm=None, global_clipnorm=10.0,
                 max_sentence_length=100, characters="bytes", min_char_count=2, freeze=(), unroll_steps=None,
                 sentence_resets=0.0, validation_sentences=None,
                 early_stopping=None, lr_decay=None, checkpoint_dir=None, checkpoint_steps=None, distribution=None,
                 **overrides):
        super().__init__(epochs=epochs, batch_size=batch_size, min_count=min_count, max_vocab_size=max_vocab_size,
                         learning_rate=learning_rate, optimizer=optimizer, num_sampled=num_sampled, seed=seed,
                         progress=progress, distribution=distribution, clipnorm=clipnorm,
                         global_clipnorm=global_clipnorm)
        check_positive_ints(max_sentence_length=max_sentence_length, min_char_count=min_char_count)
        if unroll_steps is not None:
            check_positive_ints(unroll_steps=unroll_steps)
        self.unroll_steps = unroll_steps
        if isinstance(sentence_resets, bool) or not isinstance(sentence_resets, numbers.Real) or not (
                0.0 <= sentence_resets <= 1.0):
            raise ValueError(f"`sentence_resets` must be a probability in [0, 1], got {sentence_resets!r}.")
        self.sentence_resets = float(sentence_resets)
        check_validation_settings(validation_sentences, early_stopping, lr_decay)
        if characters not in CHARACTER_KINDS:
            raise ValueError(f"`characters` must be one of {list(CHARACTER_KINDS)}. "
                             f"Received: characters={characters!r}")
        if not 0.0 <= float(dropout) < 1.0:
            raise ValueError(f"`dropout` must be in [0, 1), got {dropout!r}.")
        if options is not None:
            if preset is not None or overrides:
                raise ValueError(
                    "Pass the architecture either as `options` (an options.json dict) or as `preset` with "
                    f"overrides, not both. Received: preset={preset!r}, overrides={sorted(overrides)}."
                )
            if not isinstance(options, dict):
                raise TypeError(f"`options` must be a dict (options.json), got {type(options).__name__}.")
            self.preset = None
            self.options = copy.deepcopy(options)
        else:
            self.preset = "small" if preset is None else preset
            self.options = build_options(self.preset, **overrides)
        if characters != "bytes" and not uses_character_inputs(self.options):
            raise ValueError(f"characters={characters!r} needs the character model; the token variant "
                             "(use_character_inputs=False) reads whole words, not characters.")
        self.dropout = float(dropout)
        self.max_sentence_length = max_sentence_length
        self.characters = characters
        self.min_char_count = min_char_count
        # Bytes are known before any corpus; a unicode vocabulary comes from build_vocab (or a save).
        self.char_vocabulary = (ByteCharacters() if characters == "bytes" and uses_character_inputs(self.options)
                                else None)
        self.freeze = check_freeze(freeze, int(self.options.get("lstm", {}).get("n_layers", 2)))
        self._head_frozen = ()
        self._vocabulary_to_extend = None
        self.network = None
        self._scorer = None
        self._vocab_chars = None
        self._create_network()
        self._train_on(sentences, corpus_file, epochs=epochs, callbacks=callbacks,
                       validation_sentences=validation_sentences, early_stopping=early_stopping, lr_decay=lr_decay,
                       checkpoint_dir=checkpoint_dir, checkpoint_steps=checkpoint_steps)

    # --- structure ---------------------------------------------------------------------------------
    @property
    def use_characters(self):
        """True for the character-CNN model, False for the token variant."""
        return uses_character_inputs(self.options)

    @property
    def projection_dim(self):
        return self.network.projection_dim

    def _create_network(self):
        from keras_layers.elmo_network import ELMoNetwork

        keras.utils.set_random_seed(self.seed)
        if not self.options.get("use_character_inputs", True) and "n_tokens_vocab" not in self.options:
            self.network = None  # the token variant is built once the vocabulary is known
            return
        if self.use_characters and self.char_vocabulary is None:
            self.network = None  # unicode characters: built once the character vocabulary is known
            return
        with distribution_scope(self.distribution):
            self.network = ELMoNetwork(self.options, dropout=self.dropout, char_vocabulary=self.char_vocabulary,
                                       name="elmo_network")
            self.network.build()
        self._wv = None
        self._scorer = None

    def _create_language_model(self, previous_vocabulary=_SAME_VOCABULARY):
        """A new training head on ``network``. The softmax rows of the previous head carry over to the
        same words of ``previous_vocabulary`` (by default the model's own vocabulary: a new head for
        new settings; None: nothing carries over)."""
        from keras_layers.bilm_language_model import BiLMLanguageModel

        previous = self.language_model
        if previous_vocabulary is _SAME_VOCABULARY:
            previous_vocabulary = self.vocabulary
        with distribution_scope(self.distribution):
            self.language_model = BiLMLanguageModel(self.network, vocabulary_size=len(self.vocabulary),
                                                    num_sampled=self.num_sampled, dropout=self.dropout,
                                                    seed=self.seed, stream_batch_size=self._stream_rows(),
                                                    name="bilm_language_model")
            if previous is not None and previous_vocabulary is not None:
                pairs = [(i, previous_vocabulary.word_to_index[w]) for i, w in enumerate(self.vocabulary.index_to_word)
                         if w in previous_vocabulary.word_to_index]
                new_rows, old_rows = (np.array(x, dtype=np.int64) for x in zip(*pairs)) if pairs else ([], [])
                for new, old in ((self.language_model.softmax_kernel, previous.softmax_kernel),
                                 (self.language_model.softmax_bias, previous.softmax_bias)):
                    values = keras.ops.convert_to_numpy(new).copy()
                    values[new_rows] = keras.ops.convert_to_numpy(old)[old_rows]
                    new.assign(values)
        self._scorer = None
        self._head_frozen = tuple(self.freeze)

    def build_vocab(self, sentences=None, corpus_file=None, update=False):
        """Count the corpus (one streaming pass) and fix the softmax vocabulary.

        With ``update=True`` (fine-tuning a trained model on a new domain, as gensim's
        ``build_vocab(update=True)``), the vocabulary becomes the domain's words (by their domain
        counts, ``min_count`` and ``max_vocab_size`` applied) followed by the model's other words,
        and every word the model already knew keeps its learnt softmax row; new words start fresh.
        A model without a softmax (loaded from the original bilm files) simply gets the domain's.

        With ``characters="unicode"`` it also lists the characters of the vocabulary's words (see
        ``min_char_count``) and sizes the character embedding to them. With ``update=True`` the
        characters new to the domain (seen ``min_char_count`` times in its words) are added after
        the known ones, with fresh embedding rows that the fine-tuning trains (unless
        "token_layer" is frozen); every known character keeps its id and learnt row, and rarer new
        characters read as the unknown character. Without ``update`` the character list is the
        new corpus's, and the rows of the characters it shares with the old list are kept too
        (the rest of the network is kept as it is in both cases).

        Example:
        >>> model = ELMo([["a", "b", "b"]] * 8, preset="tiny", epochs=1, batch_size=4, progress=False)
        >>> model.build_vocab([["c", "b"]], update=True)
        >>> model.vocabulary.index_to_word
        ['<S>', '</S>', '<unk>', 'b', 'c', 'a']
        """
        if update and self.vocabulary is not None:
            if not self.use_characters:
                raise ValueError("`update=True` needs the character model: the token variant's embedding matrix is "
                                 "sized by its vocabulary. Train a new token-variant model on the domain instead.")
            self._vocabulary_to_extend = self.vocabulary
        try:
            super().build_vocab(sentences, corpus_file)
        finally:
            self._vocabulary_to_extend = None

    def _on_vocabulary(self):
        kept = self._vocabulary_to_extend
        if kept is not None:
            domain = self.vocabulary
            extra = [w for w in kept.index_to_word if w not in domain.word_to_index]
            self.vocabulary = Vocabulary(domain.index_to_word + extra, domain.counts + [0] * len(extra),
                                         unk_token=domain.unk_token, num_specials=domain.num_specials)
        if not self.options.get("use_character_inputs", True):
            self.options["n_tokens_vocab"] = len(self.vocabulary)
            self._create_network()
        if self.characters == "unicode":
            self._set_unicode_characters(extend=kept is not None)
        self._vocab_chars = (vocabulary_char_ids(self.vocabulary.index_to_word, self.char_vocabulary)
                             if self.use_characters else None)
        self._create_language_model(previous_vocabulary=kept)

    def _set_unicode_characters(self, extend):
        """The character vocabulary of the current word vocabulary (``extend``: the known characters
        first, then the new ones); a network of another size is rebuilt, keeping every weight and
        the embedding rows of the characters both lists hold."""
        vocabulary = self.vocabulary
        words = vocabulary.index_to_word[vocabulary.num_specials:]
        counts = vocabulary.counts[vocabulary.num_specials:]
        previous, network = self.char_vocabulary, self.network
        if extend and isinstance(previous, UnicodeCharacters):
            characters = previous.extend(words, counts, self.min_char_count)
        else:
            characters = UnicodeCharacters.build(words, counts, self.min_char_count)
        same = isinstance(previous, UnicodeCharacters) and characters.characters == previous.characters
        if network is not None and same:
            self.char_vocabulary = network.char_vocabulary = characters  # the same ids (new counts): no new network
            return
        self.char_vocabulary = characters
        self.options["char_cnn"]["n_characters"] = characters.n_characters
        self._create_network()
        if network is not None:
            self._carry_network_weights(network, previous)
        logger.info("ELMo character vocabulary: %d characters (min_char_count=%d)", len(characters.characters),
                    self.min_char_count)

    def _carry_network_weights(self, old_network, old_characters):
        """Copy ``old_network``'s weights into the new ``network`` (same architecture but the size of
        the character embedding), whose rows are carried by character and by special id's role."""
        old_table = old_network.token_encoder.char_embedding
        new_table = self.network.token_encoder.char_embedding
        for old, new in zip(old_network.weights, self.network.weights):
            if old is old_table:
                continue
            if tuple(old.shape) != tuple(new.shape):
                raise RuntimeError(f"cannot carry weight {old.path} of shape {tuple(old.shape)} to {tuple(new.shape)}.")
            new.assign(old)
        rows = carried_rows(old_characters, self.char_vocabulary)
        values = keras.ops.convert_to_numpy(new_table).copy()
        values[rows[:, 1]] = keras.ops.convert_to_numpy(old_table)[rows[:, 0]]
        new_table.assign(values)

    def _require_vocab(self, action):
        self._require("language_model", action)

    def _require(self, what, action):
        if what == "network" and self.network is None:
            needs = ("the token-variant network needs its vocabulary" if not self.use_characters else
                     "the network of characters='unicode' needs its character vocabulary, built from the corpus")
            raise RuntimeError(f"Call `build_vocab` before `{action}`: {needs}.")
        if what == "language_model" and (self.vocabulary is None or self.language_model is None):
            raise RuntimeError(
                f"`{action}` needs the softmax vocabulary: train the model (or `build_vocab`) first. Models loaded "
                "from the original bilm files hold no softmax, so they cannot score text."
            )

    # --- training ----------------------------------------------------------------------------------
    def _training_head_outdated(self):
        # `num_sampled`, `dropout`, `freeze` or the stream's rows changed since the head was built (e.g.
        # sampled epochs, then full-softmax epochs; or frozen lower layers first, then all).
        head = self.language_model
        return (head.num_sampled, head.dropout_rate, self._head_frozen, head.stream_batch_size) != (
            effective_num_sampled(self.num_sampled, len(self.vocabulary)), self.dropout,
            tuple(check_freeze(self.freeze, self.network.num_layers)), self._stream_rows())

    def _stream_rows(self):
        """Rows of the training stream whose LSTM states the training head keeps (None: sentences)."""
        return self.batch_size if self.unroll_steps else None

    def _before_training(self):
        if self.sentence_resets and not self.unroll_steps:
            logger.warning("sentence_resets=%s has no effect without unroll_steps: each training sentence is read "
                           "on its own, from zero states, already.", self.sentence_resets)
        if self.unroll_steps:
            check_positive_ints(unroll_steps=self.unroll_steps)
            if self.distribution is not None or process_index_and_count()[1] > 1:
                raise ValueError("Training on a stream (`unroll_steps`) runs on one device, in one process: its LSTM "
                                 "states carry from batch to batch. Train with distribution=None, or set "
                                 "`unroll_steps=None` to train on batches of whole sentences.")
        self.network.bilm.set_dropout(self.dropout)
        self.network.trainable = True  # a frozen ELMoEmbedding(self) must not freeze our own training
        frozen = check_freeze(self.freeze, self.network.num_layers)
        self.network.token_encoder.trainable = "token_layer" not in frozen
        for layer, (forward, backward) in enumerate(zip(self.network.bilm.forward_layers,
                                                        self.network.bilm.backward_layers), start=1):
            forward.trainable = backward.trainable = f"lstm_{layer}" not in frozen

    def _make_batches(self, encoded, process_index, processes, epochs):
        if self.unroll_steps:  # one device, one process (`_before_training`)
            batches = StreamBatches(encoded, self.batch_size, self.unroll_steps, self.vocabulary[BOS],
                                    self.vocabulary[EOS], vocab_chars=self._vocab_chars,
                                    sentence_resets=self.sentence_resets, seed=self.seed, epoch=self.epochs_trained)
            return batches, self.batch_size * self.unroll_steps
        pieces = int((-(-encoded.lengths() // self.max_sentence_length)).sum())
        # Several processes: each feeds its share of every global batch, all for as many steps.
        batch_size = clamp_batch_size(self.batch_size // processes, pieces, unit="sentences")
        batches = SentenceBatches(encoded, batch_size, self.vocabulary[BOS], self.vocabulary[EOS],
                                  vocab_chars=self._vocab_chars, max_length=self.max_sentence_length,
                                  seed=self.seed + process_index, epoch=self.epochs_trained,
                                  shards=self._table_shards(), processes=processes, process_index=process_index,
                                  table_multiple=local_device_count())
        if processes > 1:
            batches.limit(fewest_across_processes(len(batches)))
            # One epoch more: Keras's data pipeline may read ahead into it after the last.
            batches.agree_shapes(range(self.epochs_trained, self.epochs_trained + epochs + 1),
                                 largest_across_processes)
        return batches, (encoded.num_tokens + 2 * encoded.num_sentences) / max(1, len(batches))

    def _table_shards(self):
        """Tables of distinct tokens per batch: one per ``tf.distribute`` replica (each replica gets one
        part of every input), else one (JAX computes the global batch as one)."""
        if self.distribution is None or keras.backend.backend() != "tensorflow":
            return 1
        return num_devices(self.distribution)

    def validation_logs(self, sentences):
        """The figures ``ValidationMonitor`` logs after each epoch: the average perplexity of both
        directions as ``val_perplexity``, and ``val_forward_perplexity``, ``val_backward_perplexity``
        (of the validation text read as a stream when the model trains on one: ``unroll_steps``)."""
        scores = self.perplexity(sentences, stream=bool(self.unroll_steps))
        return {"val_perplexity": scores["average"], "val_forward_perplexity": scores["forward"],
                "val_backward_perplexity": scores["backward"]}

    # --- scoring -----------------------------------------------------------------------------------
    def perplexity(self, sentences, batch_size=32, stream=False):
        """Forward, backward and average perplexity of ``sentences`` with the full softmax.

        Each direction predicts every word and the sentence boundary it ends at (``</S>`` forward,
        ``<S>`` backward); "average" is the mean of the two perplexities, as the ELMo paper reports.

        By default each sentence is read on its own, from zero LSTM states, as the model embeds
        it. ``stream=True`` reads ``sentences`` as one text, as published Penn Treebank
        perplexities are measured: they are cut into ``batch_size`` consecutive parts, each read
        from its start to its end by the forward LSTMs and from its end to its start by the
        backward ones with their states carried across sentences, so a word is predicted from the
        sentences before it (forward) or after it (backward) too (no more parts than sentences:
        ``batch_size`` sentences or fewer are each read on their own). The same words are
        predicted (but read one at a time, a sentence longer than ``max_sentence_length`` is cut
        to it).

        Args:
            sentences: iterable of token lists.
            batch_size: int, sentences per forward pass (with ``stream``, the parts read side by
                side). Defaults to 32.
            stream: bool. Defaults to False.

        Returns:
            dict with "forward", "backward" and "average".

        Example:
        >>> model = ELMo([["a", "b"]] * 16, preset="tiny", epochs=1, batch_size=8, progress=False)
        >>> 1 < model.perplexity([["a", "b"]])["average"] < len(model.vocabulary)
        True
        """
        self._require("language_model", "perplexity")
        if self._scorer is None:
            self._scorer = BiLMScorer(self.language_model, name="bilm_scorer")
        if stream:
            return self._stream_perplexity(sentences, batch_size)
        totals = {"forward": 0.0, "backward": 0.0}
        count = 0
        chunk = []

        def flush():
            nonlocal count
            if not chunk:
                return
            length = max(len(s) for s in chunk) + 2
            # One batch size per call: after full batches (``count`` > 0), the last one is padded with masked
            # rows. With one batch size TensorFlow leaves only the length open when it traces again, and
            # traces one form of the LSTMs instead of all four (``keras_layers.lstm_projection``): a new
            # model's first call took 3 times as long. A call of fewer sentences keeps its own size.
            rows = len(chunk)
            padding = batch_size - rows if count else 0
            batch = language_model_batch([self.vocabulary.encode(s) for s in chunk + [[]] * padding],
                                         bucket(length), self.vocabulary[BOS], self.vocabulary[EOS], self._vocab_chars)
            batch["forward_mask"][rows:] = 0
            batch["backward_mask"][rows:] = 0
            nll = self._scorer.predict_on_batch(batch)
            for key in totals:
                totals[key] += float(np.sum(nll[key], dtype=np.float64))
            count += int(batch["forward_mask"].sum())
            chunk.clear()

        for number, sentence in enumerate(sentences):
            check_sentence(sentence, where=f"sentence {number}")
            if not sentence:
                continue
            chunk.append(sentence[: self.max_sentence_length])
            if len(chunk) == batch_size:
                flush()
        flush()
        if count == 0:
            raise ValueError("`sentences` holds no tokens to compute a perplexity over.")
        forward = perplexity_from_nll(totals["forward"], count)
        backward = perplexity_from_nll(totals["backward"], count)
        return {"forward": forward, "backward": backward, "average": 0.5 * (forward + backward)}

    def _stream_perplexity(self, sentences, batch_size):
        """``perplexity(stream=True)``: windows of ``_STREAM_WINDOW`` positions, states carried."""
        check_positive_ints(batch_size=batch_size)
        encoded = []
        for number, sentence in enumerate(sentences):
            check_sentence(sentence, where=f"sentence {number}")
            if sentence:
                encoded.append(self.vocabulary.encode(sentence))
        if not encoded:
            raise ValueError("`sentences` holds no tokens to compute a perplexity over.")
        bos, eos = self.vocabulary[BOS], self.vocabulary[EOS]
        parts = np.array_split(np.arange(len(encoded)), min(batch_size, len(encoded)))
        streams = [sentence_stream([encoded[i] for i in part], bos, eos) for part in parts]
        states = [np.zeros((len(streams), int(s.shape[-1])), np.float32) for s in self._state_shapes()]
        totals = {"forward": 0.0, "backward": 0.0}
        counts = {"forward": 0, "backward": 0}
        window = _STREAM_WINDOW
        for step in range(-(-max(len(s) for s in streams) // window)):
            batch = stream_batch([(s, step * window, len(s) - (step + 1) * window) for s in streams], window, bos, eos,
                                 self._vocab_chars)
            outputs = self._scorer.predict_on_batch(dict(batch, initial_states=states))
            states = [np.asarray(s) for s in outputs["final_states"]]
            for key in totals:
                totals[key] += float(np.sum(outputs[key], dtype=np.float64))
                counts[key] += int(batch[f"{key}_mask"].sum())
        forward = perplexity_from_nll(totals["forward"], counts["forward"])
        backward = perplexity_from_nll(totals["backward"], counts["backward"])
        return {"forward": forward, "backward": backward, "average": 0.5 * (forward + backward)}

    # --- embedding ---------------------------------------------------------------------------------
    def _encode_with_boundaries(self, tokens):
        return self.vocabulary.encode([BOS] + list(tokens) + [EOS])

    def _batch(self, sentences):
        return embedding_batch(sentences, self.use_characters,
                               None if self.use_characters else self._encode_with_boundaries,
                               char_vocabulary=self.char_vocabulary)

    def _run(self, sentences):
        return self.network.predict_on_batch(self._batch(sentences))

    @staticmethod
    def _unpad(outputs, row, n):
        token = outputs["token_embeddings"][row, 1 : n + 1]
        layers = [np.concatenate([token, token], axis=-1)]
        layers += [np.asarray(layer[row, 1 : n + 1]) for layer in outputs["lstm_outputs"]]
        return np.stack(layers).astype(np.float32)

    def embed_sentence(self, tokens):
        """ELMo vectors of one sentence: (layers, n_tokens, 2 * projection_dim).

        Layer 0 is the token layer duplicated ([token; token]); layer k is [forward_k; backward_k].

        Example:
        >>> model = ELMo(preset="tiny", progress=False)
        >>> model.embed_sentence(["hello", "world"]).shape
        (3, 2, 32)
        """
        return self.embed_sentences([tokens], batch_size=1)[0]

    def embed_sentences(self, sentences, batch_size=64, stateful=False):
        """ELMo vectors of many sentences, one (layers, n_tokens, 2 * projection_dim) array each.

        Stateless (default): sentences are sorted by length and batched, so each is padded as
        little as possible; results come back in input order, and do not depend on the batch.
        ``stateful=True`` keeps the input order: batch ``i`` holds sentences
        ``[i * batch_size, (i + 1) * batch_size)``, and each row starts from the LSTM state that
        the same row reached in the previous batch (the original bilm-tf behaviour).

        Args:
            sentences: list of token lists (an empty list gives a (layers, 0, dim) array).
            batch_size: int, sentences per forward pass. Defaults to 64.
            stateful: bool. Defaults to False.

        Returns:
            list of np.ndarray.

        Example:
        >>> model = ELMo(preset="tiny", progress=False)
        >>> [v.shape for v in model.embed_sentences([["a"], ["b", "c"], []])]
        [(3, 1, 32), (3, 2, 32), (3, 0, 32)]
        """
        self._require("network", "embed_sentences")
        if isinstance(sentences, (str, bytes)):
            raise TypeError("`sentences` is a string; expected a list of token lists such as [['the', 'cat']].")
        sentences = [check_sentence(s, where=f"sentence {i}") for i, s in enumerate(sentences)]
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"`batch_size` must be a positive int, got {batch_size!r}.")
        results = [None] * len(sentences)
        if stateful:
            states = None
            for start in range(0, len(sentences), batch_size):
                chunk = sentences[start : start + batch_size]
                rows = chunk + [None] * (batch_size - len(chunk))  # absent rows keep their state
                outputs = self._run_rows(rows, states)
                states = [np.asarray(s) for s in outputs["final_states"]]
                for row, sentence in enumerate(chunk):
                    results[start + row] = self._unpad(outputs, row, len(sentence))
            return results
        order = sorted(range(len(sentences)), key=lambda i: len(sentences[i]))
        rows = min(batch_size, len(sentences))  # one batch size per call (see ``perplexity``): the last batch padded
        for start in range(0, len(order), batch_size):
            indices = order[start : start + batch_size]
            outputs = self._run([sentences[i] for i in indices] + [[]] * (rows - len(indices)))
            for row, index in enumerate(indices):
                results[index] = self._unpad(outputs, row, len(sentences[index]))
        return results

    def embed_file(self, corpus_file, output, layer="all", batch_size=64, chunk_sentences=1024, progress=True):
        """Embed every line of ``corpus_file`` into the HDF5 file ``output``: streamed, resumable.

        Memory holds ``chunk_sentences`` sentences at a time whatever the corpus size; calling it
        again after an interruption skips the sentences already written. Layout and arguments:
        ``gensim_elmo.elmo_embed_file.embed_file``.

        Returns:
            int, the number of sentences in ``output``.

        Example:
        >>> model = ELMo(preset="tiny", progress=False)
        >>> model.embed_file("corpus.txt", "vectors.hdf5", layer="mix")  # doctest: +SKIP
        120000
        """
        from gensim_elmo.elmo_embed_file import embed_file

        self._require("network", "embed_file")
        return embed_file(self, corpus_file, output, layer=layer, batch_size=batch_size,
                          chunk_sentences=chunk_sentences, progress=progress)

    def _run_rows(self, rows, states):
        """Run a fixed-size batch in which ``None`` rows are all padding (their state is unchanged)."""
        batch = self._batch([r if r is not None else [] for r in rows])
        for row, sentence in enumerate(rows):
            if sentence is None:
                batch["token_ids"][row] = 0
        if states is None:
            states = [np.zeros((len(rows), int(s.shape[-1])), np.float32) for s in self._state_shapes()]
        batch["initial_states"] = states
        return self.network.predict_on_batch(batch)

    def _state_shapes(self):
        shapes = []
        for _ in range(self.network.num_layers):
            for _ in range(2):
                shapes.append(np.empty((0, self.network.projection_dim)))
                shapes.append(np.empty((0, self.network.units)))
        return shapes

    # --- vectors -----------------------------------------------------------------------------------
    def _token_layer(self, words, chunk=4096):
        if self.use_characters:
            table = vocabulary_char_ids(words, self.char_vocabulary).astype(np.int32)
            parts = [keras.ops.convert_to_numpy(self.network.token_encoder(table[i : i + chunk]))
                     for i in range(0, len(words), chunk)]
            return np.concatenate(parts).astype(np.float32)
        ids = self.vocabulary.encode(words) + 1
        return keras.ops.convert_to_numpy(self.network.token_encoder(ids)).astype(np.float32)

    def keyed_vectors(self, embed_corpus=None, layer="average", words=None, batch_size=64):
        """Word vectors as a gensim ``KeyedVectors``.

        Without ``embed_corpus``: static vectors from the token layer (the character CNN, or the
        token embedding), one per vocabulary word (or per word of ``words``), of size
        ``projection_dim``. With ``embed_corpus``: each word's contextual vector averaged over all
        its occurrences in that corpus, of size ``2 * projection_dim``, for every word that occurs.

        Args:
            embed_corpus: iterable of token lists, or None.
            layer: which layer to average with ``embed_corpus``: 0, 1, 2, or "average" (the mean
                of all layers). Defaults to "average".
            words: list of str for static vectors (default: the vocabulary). The character model
                gives a vector to any word.
            batch_size: int, sentences per forward pass. Defaults to 64.

        Returns:
            gensim.models.KeyedVectors.

        Example:
        >>> model = ELMo(preset="tiny", progress=False)
        >>> model.keyed_vectors(words=["cat", "dog"]).vector_size
        16
        >>> model.keyed_vectors(embed_corpus=[["a", "cat"]], layer=2)["cat"].shape
        (32,)
        """
        from gensim_elmo.export import keyed_vectors_from_matrix

        self._require("network", "keyed_vectors")
        if embed_corpus is None:
            if words is None:
                if self.vocabulary is None:
                    raise RuntimeError("this model has no vocabulary: pass `words=` to choose the words to embed.")
                words = self.vocabulary.index_to_word
            words = list(words)
            return keyed_vectors_from_matrix(words, self._token_layer(words))
        from gensim_elmo.distillation import pool_contextual_vectors

        sums, counts, _ = pool_contextual_vectors(self, embed_corpus, layer=layer, batch_size=batch_size,
                                                  progress=False)
        if not sums:
            raise ValueError("`embed_corpus` holds no tokens.")
        vocab = sorted(sums, key=lambda w: (-counts[w], w))
        return keyed_vectors_from_matrix(vocab, np.stack([sums[w] / counts[w] for w in vocab]),
                                         counts=[counts[w] for w in vocab])

    @property
    def wv(self):
        """Static word vectors of the vocabulary from the token layer (see ``keyed_vectors``)."""
        if self._wv is None:
            self._wv = self.keyed_vectors()
        return self._wv

    def to_keras(self, output="elmo", trainable=False, **kwargs):
        """A ``keras_layers.ELMoEmbedding`` layer running this model's network.

        The layer shares the network (fine-tuning it with ``trainable=True`` changes this model).
        It takes token strings (B, T) padded with "" or character ids (B, T, 50); ``output`` is one
        of "elmo", "default", "word_emb", "lstm_outputs1", "lstm_outputs2".

        Example:
        >>> model = ELMo(preset="tiny", progress=False)
        >>> model.to_keras(output="default").output_name
        'default'
        """
        from keras_layers.elmo_embedding import ELMoEmbedding

        self._require("network", "to_keras")
        return ELMoEmbedding(self.network, output=output, trainable=trainable, **kwargs)

    # --- saving ------------------------------------------------------------------------------------
    def _config(self):
        return dict(super()._config(), options=self.options)

    def _network_to_save(self):
        self._require("network", "save")
        return self.network

    def _save_files(self, directory):
        if self.char_vocabulary is not None and self.char_vocabulary.kind != "bytes":
            self.char_vocabulary.save(os.path.join(directory, CHARACTERS_FILE))
        if self.language_model is not None:
            with open(os.path.join(directory, SOFTMAX_FILE), "wb") as handle:
                np.savez(handle, kernel=keras.ops.convert_to_numpy(self.language_model.softmax_kernel),
                         bias=keras.ops.convert_to_numpy(self.language_model.softmax_bias))

    def save(self, path):
        """Save to the directory ``path``, atomically. No pickle.

        Layout: ``config.json`` (model type, format version, the architecture as ``options`` in the
        original options.json layout, training settings and state), ``model.weights.h5`` (the
        ELMoNetwork's Keras weights), and when the model has a softmax vocabulary ``vocab.tsv`` and
        ``softmax.npz`` (arrays ``kernel`` (V, P) and ``bias`` (V,)); a model of ``characters=
        "unicode"`` adds ``characters.json`` (its character vocabulary: the characters in id
        order and their counts). When several processes train together, only process 0 writes
        (every process may call it).

        Example:
        >>> import tempfile, os
        >>> model = ELMo(preset="tiny", progress=False)
        >>> path = os.path.join(tempfile.mkdtemp(), "elmo")
        >>> model.save(path)
        >>> sorted(os.listdir(path))
        ['config.json', 'model.weights.h5']
        """
        super().save(path)

    @classmethod
    def load(cls, path, progress=True, distribution=None):
        """Load a model written by ``save`` (also the earlier layout, ``network.weights.h5``); with
        ``distribution``, built to train there (``LanguageModel.load`` says more).

        Raises:
            FileNotFoundError: nothing at ``path``.
            ValueError: not an ELMo save, or a file in it is corrupt, truncated or mismatched.

        Example:
        >>> import tempfile, os
        >>> path = os.path.join(tempfile.mkdtemp(), "elmo")
        >>> ELMo(preset="tiny", progress=False).save(path)
        >>> ELMo.load(path).options["lstm"]["dim"]
        64
        """
        return super().load(path, progress=progress, distribution=distribution)

    @classmethod
    def _from_saved(cls, saved, vocabulary, progress, path, distribution):
        config = dict(saved["config"])
        config.pop("preset", None)  # the architecture is `options`, built once
        config.setdefault("global_clipnorm", None)  # saved before it existed: `clipnorm` clipped per weight
        try:
            model = cls(options=saved["options"], progress=progress, distribution=distribution, **config)
        except ValueError as exc:
            raise ValueError(f"config.json holds invalid ELMo settings or options: {exc}") from None
        model.preset = saved["config"].get("preset")
        characters = read_char_vocabulary(path)  # no file: the original byte ids (and every earlier save)
        if model.use_characters and characters.kind != model.characters:
            found = f"holds {characters.kind!r}" if characters.kind != "bytes" else "is missing"
            raise ValueError(f"{path!r} is inconsistent: config.json says characters={model.characters!r} but "
                             f"{CHARACTERS_FILE} {found}.")
        if model.network is None and model.use_characters:
            model.char_vocabulary = characters
            model._create_network()
        if vocabulary is not None:
            model.vocabulary = vocabulary
            model._vocab_chars = (vocabulary_char_ids(vocabulary.index_to_word, model.char_vocabulary)
                                  if model.use_characters else None)
            model._create_language_model()
        return model

    def _load_files(self, path):
        if self.language_model is None:
            return
        softmax_path = os.path.join(path, SOFTMAX_FILE)
        try:
            with np.load(softmax_path, allow_pickle=False) as arrays:
                kernel, bias = arrays["kernel"], arrays["bias"]
        except Exception as exc:
            raise ValueError(f"{softmax_path} could not be read (missing, corrupt or not npz): {exc}") from None
        expected = tuple(self.language_model.softmax_kernel.shape)
        if kernel.shape != expected or bias.shape != expected[:1]:
            raise ValueError(f"{softmax_path} holds a softmax of shape {kernel.shape} / {bias.shape}; the "
                             f"configuration needs {expected} / {expected[:1]}.")
        self.language_model.softmax_kernel.assign(kernel)
        self.language_model.softmax_bias.assign(bias)

    @classmethod
    def from_bilm_hdf5(cls, options_file, weight_file, vocab_file=None, progress=True, distribution=None):
        """Load a model in the original format (bilm-tf / AllenNLP ``options.json`` + ``weights.hdf5``).

        Both the character model and the token variant are supported. The file holds no softmax,
        so the loaded model embeds but cannot compute perplexity.

        Args:
            options_file: path of ``options.json``.
            weight_file: path of the HDF5 weights.
            vocab_file: optional vocabulary (one token per line). Required for the token variant,
                whose ids follow its lines; for the character model it chooses ``wv``'s words.
            progress: bool. Defaults to True.
            distribution: where it trains from here, e.g. fine-tuning on several devices (None, "auto"
                or a distribution object, as the constructor's). Defaults to None (one device).

        Returns:
            ELMo.

        Raises:
            ValueError: invalid options, or a weight file that is corrupt or does not match them.
        """
        from gensim_elmo.bilm_hdf5 import (
            read_bilm_options,
            read_bilm_vocabulary,
            read_bilm_weights,
            set_network_weights,
        )
        from keras_layers.elmo_network import uses_character_inputs

        options = read_bilm_options(options_file)
        weights = read_bilm_weights(weight_file, options)
        if vocab_file is None and not uses_character_inputs(options):
            raise ValueError("the token-variant model needs `vocab_file`: its token ids are the vocabulary's lines.")
        # The network is built once, from the file's options, where it will train.
        model = cls(options=options, progress=progress, distribution=distribution)
        if vocab_file is not None:
            model.vocabulary = read_bilm_vocabulary(vocab_file, specials=(BOS, EOS), unk_token=UNK)
        set_network_weights(model.network, weights)
        return model

    def save_bilm_hdf5(self, options_file, weight_file, vocab_file=None):
        """Write the original format (``options.json`` + HDF5 weights) so other ELMo tools load this model.

        Args:
            options_file: output path of the options JSON.
            weight_file: output path of the HDF5 weights.
            vocab_file: optional output path of the vocabulary (one token per line); needed by other
                tools for the token variant.

        Example:
        >>> import tempfile, os
        >>> d = tempfile.mkdtemp()
        >>> ELMo(preset="tiny", progress=False).save_bilm_hdf5(os.path.join(d, "o.json"), os.path.join(d, "w.hdf5"))
        >>> sorted(os.listdir(d))
        ['o.json', 'w.hdf5']
        """
        from gensim_elmo.bilm_hdf5 import get_network_weights, write_bilm_hdf5, write_bilm_vocabulary

        self._require("network", "save_bilm_hdf5")
        if self.char_vocabulary is not None and self.char_vocabulary.kind != "bytes":
            raise ValueError(
                f"This ELMo reads characters={self.characters!r} (one id per Unicode character, "
                f"{self.char_vocabulary.n_characters} embedding rows), but the original bilm-tf format has UTF-8 "
                "byte ids only (a 262-row character embedding, no list of characters), so no other ELMo tool could "
                "read it correctly. Save it with `ELMo.save` (keras_layers.ELMoEmbedding loads that directory), or "
                "train with characters='bytes' to exchange bilm files."
            )
        if vocab_file is not None and self.vocabulary is None:
            raise RuntimeError("this model has no vocabulary to write.")
        write_bilm_hdf5(self.options, get_network_weights(self.network), options_file, weight_file)
        if vocab_file is not None:
            write_bilm_vocabulary(self.vocabulary, vocab_file)

    def __repr__(self):
        lstm = self.options["lstm"]
        architecture = f"preset={self.preset!r}" if self.preset is not None else "options=<options.json>"
        if self.characters != "bytes":
            architecture += f", characters={self.characters!r}"
        if self.unroll_steps:
            architecture += f", unroll_steps={self.unroll_steps}"
            if self.sentence_resets:
                architecture += f", sentence_resets={self.sentence_resets}"
        return (f"ELMo({architecture}, dim={lstm['dim']}, projection_dim={lstm['projection_dim']}, "
                f"vocab={len(self.vocabulary) if self.vocabulary is not None else None}, "
                f"epochs_trained={self.epochs_trained})")
