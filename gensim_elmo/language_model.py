"""``LanguageModel``: the shell NNLM and ELMo share (vocabulary, training, validation, saving).

Both models are Keras language models trained from a corpus of token lists, gensim-style: the
constructor trains when given data, ``build_vocab`` then ``train`` otherwise, ``save`` / ``load``
to a directory without pickle. What is the same lives here; a subclass says what differs through
a few hooks:

- ``_on_vocabulary()``: build what needs the vocabulary (networks, training head).
- ``_make_batches(encoded, process_index, processes, epochs)``: the training batches of an
  ``EncodedCorpus`` and the tokens per batch (``gensim_elmo.training.fit_corpus`` calls it).
- ``_training_head_outdated()``: True when a setting changed since the training head was built
  (``num_sampled``...); ``train`` then builds a new one (``_create_language_model``).
- ``validation_logs(sentences)``: the figures logged after each epoch, ``val_perplexity`` first.
- ``_config()`` / ``_from_saved(saved, vocabulary, progress, path)``, ``_save_files(directory)`` /
  ``_load_files(path)``: what a save holds beside ``config.json`` and the vocabulary.

The contract ``fit_corpus`` relies on (the "owner" it trains): ``vocabulary``,
``language_model`` (a compiled-on-demand ``keras.Model`` whose call returns the loss), ``seed``,
``progress``, ``distribution``, ``epochs_trained``, ``history`` and ``make_optimizer()``.

Example:
>>> from gensim_elmo import NNLM, ELMo
>>> issubclass(NNLM, LanguageModel) and issubclass(ELMo, LanguageModel)
True
"""

import os

import keras

from gensim_elmo.atomic_files import atomic_path
from gensim_elmo.corpus import as_sentences, check_sentence
from gensim_elmo.distribution import (
    check_divisible_batch,
    host_sync_callbacks,
    is_writer,
    process_corpus,
    process_index_and_count,
    refuse_validation_with_processes,
    resolve_distribution,
    sum_counts_across_processes,
)
from gensim_elmo.saved_model import check_vocabulary_size, load_keras_weights, read_saved_config, write_saved_config
from gensim_elmo.argument_checks import check_epochs, check_positive_ints
from gensim_elmo.training import fit_corpus
from gensim_elmo.validation import ValidationMonitor, check_validation_settings
from gensim_elmo.vocabulary import Vocabulary
from keras_layers.saved_network import CONFIG_FILE, WEIGHTS_FILE, weights_file_in

__all__ = ["LanguageModel", "VOCABULARY_FILE"]

#: The vocabulary of a saved model (``Vocabulary.save``: one word and its count per line).
VOCABULARY_FILE = "vocab.tsv"


class LanguageModel:
    """Base of ``NNLM`` and ``ELMo``: see the module docstring for the hooks a subclass provides.

    Subclasses set ``NAME`` (for messages), ``MODEL_TYPE`` and ``FORMAT_VERSION`` (in
    ``config.json``), ``SPECIALS`` (the vocabulary's first entries: begin, end and unknown
    token) and ``CONFIG_KEYS`` (the constructor arguments a save keeps).

    Args:
        distribution: where ``NNLM`` and ``ELMo`` train: None (one device), "auto" (data
            parallelism over every local device: a ``keras.distribution.DataParallel`` on JAX, a
            ``tf.distribute.MirroredStrategy`` on TensorFlow), or a ``keras.distribution.Distribution``
            (JAX) or ``tf.distribute.MirroredStrategy`` (TensorFlow) of your own. ``batch_size`` is
            the global batch, split over the devices; several JAX processes each read their own
            shard of the corpus (``gensim_elmo.distribution``). Their constructors default to None.
    """

    NAME = "LanguageModel"
    MODEL_TYPE = None
    FORMAT_VERSION = 1
    SPECIALS = ("<s>", "</s>", "<unk>")
    CONFIG_KEYS = ()

    def __init__(self, epochs, batch_size, min_count, max_vocab_size, learning_rate, optimizer, num_sampled, seed,
                 progress, distribution, clipnorm=None, global_clipnorm=None):
        check_positive_ints(epochs=epochs, batch_size=batch_size, min_count=min_count)
        if isinstance(learning_rate, bool) or not isinstance(learning_rate, (int, float)) or learning_rate <= 0:
            raise ValueError(f"`learning_rate` must be a positive float, got {learning_rate!r}.")
        if num_sampled is not None:
            check_positive_ints(num_sampled=num_sampled)
        if clipnorm and global_clipnorm:
            raise ValueError(
                f"Set one of `clipnorm` (each weight's gradient on its own) and `global_clipnorm` (all "
                f"gradients together, as the original), not both. Received: clipnorm={clipnorm!r}, "
                f"global_clipnorm={global_clipnorm!r}; pass global_clipnorm=None to clip per weight."
            )
        self.epochs = epochs
        self.batch_size = batch_size
        self.min_count = min_count
        self.max_vocab_size = max_vocab_size
        self.learning_rate = float(learning_rate)
        self.optimizer = optimizer
        self.num_sampled = num_sampled
        self.clipnorm = clipnorm
        self.global_clipnorm = global_clipnorm
        self.seed = int(seed)
        self.progress = progress
        self.distribution = resolve_distribution(distribution)
        self.vocabulary = None
        self.language_model = None
        self.history = {}
        self.epochs_trained = 0
        self.corpus_stats = {}
        self._wv = None

    @property
    def bos(self):
        """The begin-of-sentence token."""
        return self.SPECIALS[0]

    @property
    def eos(self):
        """The end-of-sentence token."""
        return self.SPECIALS[1]

    @property
    def unk(self):
        """The token that stands for words outside the vocabulary."""
        return self.SPECIALS[2]

    def _train_on(self, sentences, corpus_file, **train_arguments):
        """The gensim convention: a constructor given a corpus builds the vocabulary and trains."""
        if sentences is None and corpus_file is None:
            return
        corpus = as_sentences(sentences, corpus_file)
        self.build_vocab(corpus)
        self.train(corpus, **train_arguments)

    # --- vocabulary --------------------------------------------------------------------------------
    def build_vocab(self, sentences=None, corpus_file=None):
        """Count the corpus (one streaming pass) and fix the vocabulary; builds what needs it.

        Several processes training together each count their own shard and sum the counts, so
        they share one vocabulary.

        Example:
        >>> from gensim_elmo import NNLM
        >>> model = NNLM(vector_size=4, window=2, hidden_size=4, progress=False)
        >>> model.build_vocab([["a", "b"], ["b"]])
        >>> model.vocabulary.index_to_word
        ['<s>', '</s>', '<unk>', 'b', 'a']
        """
        corpus = process_corpus(sentences, corpus_file)
        self.vocabulary, self.corpus_stats = Vocabulary.build(
            corpus, specials=self.SPECIALS, unk_token=self.unk, min_count=self.min_count,
            max_vocab_size=self.max_vocab_size, progress=self.progress, desc=f"{self.NAME} vocabulary",
            combine=sum_counts_across_processes,
        )
        self._on_vocabulary()

    def _on_vocabulary(self):
        raise NotImplementedError

    def _require_vocab(self, action):
        if self.vocabulary is None or self.language_model is None:
            raise RuntimeError(f"Call `build_vocab` (or pass a corpus to the constructor) before `{action}`.")

    # --- training ----------------------------------------------------------------------------------
    def train(self, sentences=None, corpus_file=None, epochs=None, callbacks=(), validation_sentences=None,
              early_stopping=None, lr_decay=None, checkpoint_dir=None, checkpoint_steps=None):
        """Train for ``epochs`` passes over the corpus (streamed in batches; memory stays flat).

        Args:
            sentences: restartable iterable of token lists.
            corpus_file: or a path (a file of one sentence per line, or a directory of such files).
            epochs: int, defaults to the constructor's ``epochs``.
            callbacks: gensim-style (``on_epoch_end(model)``...) and/or Keras callbacks.
            validation_sentences: token lists scored after every epoch (``history["val_perplexity"]``).
                Defaults to None.
            early_stopping: int or None, stop after this many epochs without a better validation
                perplexity and keep the best epoch's weights (needs ``validation_sentences``).
                Defaults to None.
            lr_decay: float or None, multiply the learning rate by this after every epoch whose
                validation perplexity is not the best so far (needs ``validation_sentences``).
                Defaults to None.
            checkpoint_dir: str or None, write training checkpoints there (every ``checkpoint_steps``
                batches and at each epoch end, atomically) and, if it already holds one from the
                same configuration and corpus, resume from it: running the same code again after a
                crash continues where it stopped and ends with the same weights
                (``gensim_elmo.checkpoints``). Defaults to None.
            checkpoint_steps: int or None, batches between two checkpoints within an epoch (None:
                only at epoch ends). Defaults to None.

        Example:
        >>> from gensim_elmo import NNLM
        >>> model = NNLM(vector_size=4, window=2, hidden_size=4, progress=False)
        >>> data = [["x", "y", "z"]] * 20
        >>> model.build_vocab(data)
        >>> model.train(data, epochs=2)
        >>> len(model.history["loss"])
        2
        """
        self._require_vocab("train")
        epochs = check_epochs(self.epochs if epochs is None else epochs)
        check_validation_settings(validation_sentences, early_stopping, lr_decay)
        if self._training_head_outdated():
            # A setting changed since the last call: a new training head and optimizer.
            self._create_language_model()
        index, processes = process_index_and_count()
        check_divisible_batch(self.distribution, self.batch_size)  # the global batch, before it is shared out
        refuse_validation_with_processes(validation_sentences, self.NAME)
        monitor = None
        if validation_sentences is not None:
            validation = [check_sentence(s, where=f"validation sentence {i}") for i, s in
                          enumerate(validation_sentences)]
            monitor = ValidationMonitor(self, validation, early_stopping, lr_decay)
        self._before_training()
        fit_corpus(self, process_corpus(sentences, corpus_file), epochs,
                   lambda encoded: self._make_batches(encoded, index, processes, epochs),
                   # Several CPU devices: one step in flight, or XLA:CPU can deadlock (gensim_elmo.distribution).
                   callbacks=list(callbacks or ()) + host_sync_callbacks(self.distribution),
                   monitor=monitor, desc=self.NAME, checkpoint_dir=checkpoint_dir, checkpoint_steps=checkpoint_steps)
        self._wv = None

    def _make_batches(self, encoded, process_index, processes, epochs):
        raise NotImplementedError

    def _training_head_outdated(self):
        return False

    def _create_language_model(self):
        raise NotImplementedError

    def _before_training(self):
        """Called by ``train`` just before the training loop."""

    def validation_logs(self, sentences):
        """The figures logged after each epoch (``val_perplexity`` is the one judged)."""
        raise NotImplementedError

    def make_optimizer(self):
        """A fresh Keras optimizer from ``optimizer``, ``learning_rate`` and the clipping settings
        (Adagrad starts its accumulators at 1.0, as the original ELMo)."""
        config = {"learning_rate": self.learning_rate}
        if self.global_clipnorm:
            config["global_clipnorm"] = float(self.global_clipnorm)
        elif self.clipnorm:
            config["clipnorm"] = float(self.clipnorm)
        if self.optimizer == "adagrad":
            config["initial_accumulator_value"] = 1.0
        return keras.optimizers.get({"class_name": self.optimizer, "config": config})

    # --- saving ------------------------------------------------------------------------------------
    def _config(self):
        """What ``config.json`` holds: model type, format version, ``config`` (constructor
        arguments) and ``state`` (training progress); subclasses add their own keys."""
        return {
            "model_type": self.MODEL_TYPE, "format_version": self.FORMAT_VERSION,
            "config": {key: getattr(self, key) for key in self.CONFIG_KEYS},
            "state": {"epochs_trained": self.epochs_trained, "history": self.history, "corpus_stats": self.corpus_stats,
                      "vocabulary_size": len(self.vocabulary) if self.vocabulary is not None else None},
        }

    def _network_to_save(self):
        return self.network

    def save(self, path):
        """Save to the directory ``path``, atomically (a save already there stays intact until the
        new one is complete). No pickle.

        Layout: ``config.json`` (model type, format version, settings, training state),
        ``model.weights.h5`` (the network's Keras weights), ``vocab.tsv`` (the vocabulary with its
        counts) and what the model adds (ELMo: ``softmax.npz``). When several processes train
        together, only process 0 writes (every process may call it).

        Example:
        >>> import tempfile, os
        >>> from gensim_elmo import NNLM
        >>> model = NNLM([["a", "b"]] * 5, vector_size=4, window=1, hidden_size=4, epochs=1, progress=False)
        >>> path = os.path.join(tempfile.mkdtemp(), "nnlm")
        >>> model.save(path)
        >>> sorted(os.listdir(path))
        ['config.json', 'model.weights.h5', 'vocab.tsv']
        """
        network = self._network_to_save()
        if network is None:
            raise RuntimeError("Call `build_vocab` (or pass a corpus to the constructor) before `save`.")
        if not is_writer():
            return
        with atomic_path(path, directory=True) as tmp:
            write_saved_config(tmp, self._config())
            network.save_weights(os.path.join(tmp, WEIGHTS_FILE))
            if self.vocabulary is not None:
                self.vocabulary.save(os.path.join(tmp, VOCABULARY_FILE))
            self._save_files(tmp)

    def _save_files(self, directory):
        """Write the model's own files beside the common ones."""

    @classmethod
    def load(cls, path, progress=True, distribution=None):
        """Load a model written by ``save``.

        Args:
            path: the directory ``save`` wrote.
            progress: bool, progress bars when it trains again. Defaults to True.
            distribution: where it trains from here (None, "auto" or a distribution object, as the
                constructor's): the network is built there, so a loaded model fine-tunes on several
                devices as one trained from scratch. Defaults to None (one device).

        Raises:
            FileNotFoundError: nothing at ``path``.
            ValueError: not a save of this model, or a file in it is corrupt, truncated or does not
                match the configuration.

        Example:
        >>> import tempfile, os
        >>> from gensim_elmo import NNLM
        >>> model = NNLM([["a", "b"]] * 5, vector_size=4, window=1, hidden_size=4, epochs=1, progress=False)
        >>> path = os.path.join(tempfile.mkdtemp(), "nnlm")
        >>> model.save(path)
        >>> NNLM.load(path).vocabulary.index_to_word == model.vocabulary.index_to_word
        True
        """
        path = os.fspath(path)
        saved = read_saved_config(path, cls.MODEL_TYPE, cls.FORMAT_VERSION, cls.NAME,
                                  f"{CONFIG_FILE}, {WEIGHTS_FILE} and {VOCABULARY_FILE}")
        config_path = os.path.join(path, CONFIG_FILE)
        vocabulary = None
        vocab_path = os.path.join(path, VOCABULARY_FILE)
        if os.path.exists(vocab_path):
            vocabulary = Vocabulary.load(vocab_path)
        try:
            state = saved["state"]
            if vocabulary is not None:
                check_vocabulary_size(vocabulary, state)
            model = cls._from_saved(saved, vocabulary, progress, path, distribution)
        except (TypeError, KeyError) as exc:
            raise ValueError(f"{config_path} does not hold a valid {cls.NAME} configuration: {exc}") from None
        load_keras_weights(model._network_to_save(), weights_file_in(path))
        model._load_files(path)
        model.epochs_trained = int(state.get("epochs_trained", 0))
        model.history = state.get("history", {})
        model.corpus_stats = state.get("corpus_stats", {})
        return model

    @classmethod
    def _from_saved(cls, saved, vocabulary, progress, path, distribution):
        """A model built from a parsed ``config.json`` and its vocabulary (weights not loaded yet), on
        ``distribution``; ``path`` is the saved directory, for a model that keeps more files there."""
        raise NotImplementedError

    def _load_files(self, path):
        """Read the model's own files (what ``_save_files`` wrote)."""
