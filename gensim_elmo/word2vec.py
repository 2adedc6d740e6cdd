"""Word2Vec (CBOW and skip-gram) trained by gensim's own optimized C routines, plus what gensim lacks.

``gensim_elmo.Word2Vec`` *is* gensim's ``Word2Vec`` (a subclass): same constructor, same
parameters, same training code, and with ``workers=1`` and the same ``seed`` exactly the same
vectors. It adds:

- a tqdm progress bar over the whole training (``progress=False`` turns it off);
- the training loss of every epoch in ``model.loss_history`` (gensim's ``compute_loss``, on by
  default here);
- ``model.to_keras()``: the vectors as a ready Keras ``Embedding`` layer
  (``keras_layers.KeyedVectorsEmbedding``);
- clear errors for the usual corpus mistakes (a string instead of token lists, a generator, an
  empty corpus); each is an instance of the class gensim raises for the same input
  (``gensim_elmo.corpus_errors``), so code written for gensim catches it;
- ``tokenizer=`` for a ``corpus_file`` of raw text that whitespace does not cut into words
  (Chinese): "jieba", "chars" or a function (``gensim_elmo.tokenizers``).

Example:
>>> from gensim_elmo import Word2Vec
>>> sentences = [["the", "cat", "sat"], ["the", "dog", "sat"]] * 50
>>> model = Word2Vec(sentences, vector_size=16, min_count=1, epochs=3, seed=1, workers=1, progress=False)
>>> model.wv["cat"].shape
(16,)
>>> len(model.loss_history)
3
>>> layer = model.to_keras()          # a keras Embedding: 0 = padding, 1 = out-of-vocabulary
"""

import contextlib
import hashlib
import logging
import os
import tempfile
from collections.abc import Iterator

import numpy as np
from gensim.models import word2vec as gensim_word2vec
from gensim.models.callbacks import CallbackAny2Vec

from gensim_elmo.checkpoint_files import check_fingerprint, read_progress, read_state, write_checkpoint
from gensim_elmo.corpus import check_sentence
from gensim_elmo.corpus_errors import CorpusFileNotFoundError, EmptyCorpusError, EmptyVocabularyError
from gensim_elmo.tokenizers import get_tokenizer, is_whitespace, tokenize_file, tokenizer_name

logger = logging.getLogger(__name__)

__all__ = ["Word2Vec"]


class _EpochLoss(CallbackAny2Vec):
    """Record gensim's running loss at the end of each epoch as a per-epoch figure."""

    def __init__(self):
        self.previous = 0.0

    def on_train_begin(self, model):
        self.previous = 0.0

    def on_epoch_end(self, model):
        total = model.get_latest_training_loss()
        model.loss_history.append(float(total - self.previous))
        self.previous = total
        if model._progress_bar is not None:
            model._progress_bar.set_postfix(epoch=len(model.loss_history), loss=f"{model.loss_history[-1]:.4g}")


class _EpochCheckpoint(CallbackAny2Vec):
    """Write a checkpoint (weights, random state, loss history; no pickle) after every epoch."""

    def __init__(self, directory, fingerprint, epochs_before):
        self.directory = directory
        self.fingerprint = fingerprint
        self.epochs_done = epochs_before

    def on_epoch_end(self, model):
        self.epochs_done += 1
        _, keys, position, has_gauss, gauss = model.random.get_state()
        arrays = {name: getattr(model, name) for name in ("syn1neg", "syn1") if hasattr(model, name)}
        arrays.update(vectors=model.wv.vectors, random_keys=keys,
                      random_state=np.array([position, has_gauss], dtype=np.int64), random_gauss=np.array([gauss]))
        write_checkpoint(self.directory, arrays, {"epochs_done": self.epochs_done, "loss_history": model.loss_history,
                                                  "fingerprint": self.fingerprint})


def _check_tokenizer_use(tokenizer, corpus_file):
    if corpus_file is None:
        raise ValueError(
            f"`tokenizer`={tokenizer_name(tokenizer)!r} cuts the lines of `corpus_file` into words, and no "
            "`corpus_file` was given; `sentences` are token lists already (to read a raw text file as you go, pass "
            "sentences=gensim_elmo.corpus.LineSentences(path, tokenizer=...))."
        )


@contextlib.contextmanager
def _tokenized(corpus_file, tokenizer):
    """``corpus_file`` itself for the whitespace tokenizer, else a temporary file of its tokens (removed after)."""
    if corpus_file is None or is_whitespace(tokenizer):
        yield corpus_file
        return
    get_tokenizer(tokenizer)  # an unknown name fails before anything is read
    if not os.path.exists(os.fspath(corpus_file)):
        raise CorpusFileNotFoundError(f"`corpus_file` {os.fspath(corpus_file)!r} does not exist.")
    handle, path = tempfile.mkstemp(prefix="gensim-elmo-tokens-", suffix=".txt")
    os.close(handle)
    try:
        logger.info("tokenizing %s with %s into %s for gensim's corpus_file training", os.fspath(corpus_file),
                    tokenizer_name(tokenizer), path)
        tokenize_file(corpus_file, path, tokenizer)
        yield path
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.remove(path)


class Word2Vec(gensim_word2vec.Word2Vec):
    """gensim's Word2Vec with a progress bar, per-epoch loss and a Keras export.

    Every argument of ``gensim.models.Word2Vec`` passes through unchanged (``sentences``,
    ``corpus_file``, ``vector_size``, ``window``, ``min_count``, ``sg``, ``hs``, ``negative``,
    ``workers``, ``epochs``, ``seed``, ``callbacks``...), with two defaults changed or added:

    Args:
        *args: positional arguments of ``gensim.models.Word2Vec``.
        progress: bool, show a tqdm bar over the words of all epochs. Defaults to True.
        compute_loss: bool, have gensim's C routines sum the training loss (stored per epoch in
            ``loss_history``). Defaults to True here (False in gensim).
        checkpoint_dir: str or None, write a checkpoint there after every epoch (vectors, output
            weights, random state and loss history as npz + JSON, no pickle; atomically) and, if it
            already holds one from the same settings and corpus, resume after its last complete
            epoch: running the same code again after a crash continues where it stopped. With
            ``workers=1`` the result equals an uninterrupted run (the learning rate goes on
            decaying from where it was). Defaults to None.
        tokenizer: how the lines of ``corpus_file`` become words: None or "whitespace" (gensim's
            own reading), "jieba", "chars" or a callable str -> list of str (see
            ``gensim_elmo.tokenizers``). gensim's ``corpus_file`` mode reads a file of
            whitespace-separated words in its C code, so any other tokenizer first writes the
            tokens to a temporary file (one pass of the tokenizer, in the system's temporary
            directory, about the corpus's size; removed when training ends), and gensim trains on
            that. Only with ``corpus_file`` (``sentences`` are token lists already; read a raw file
            as you go with ``LineSentences(path, tokenizer=...)``). ``build_vocab`` and ``train``
            take it too. Defaults to None.
        **kwargs: keyword arguments of ``gensim.models.Word2Vec``.

    Attributes:
        wv: gensim ``KeyedVectors``, the trained vectors.
        loss_history: list of float, the training loss of each epoch trained so far (empty when
            ``compute_loss=False``).

    Raises:
        TypeError: ``sentences`` is a string, a one-shot generator, or its first sentence is not a
            list of str tokens (gensim raises ``TypeError`` too, or trains on the characters).
        CorpusFileNotFoundError: ``corpus_file`` does not exist (a ``TypeError``, as gensim raises,
            and a ``FileNotFoundError``).
        EmptyCorpusError: the corpus holds no token; ``EmptyVocabularyError``: no word reaches
            ``min_count`` (both a ``RuntimeError``, as gensim raises, and a ``ValueError``).
        ValueError: a ``tokenizer`` other than "whitespace" without ``corpus_file``, or an unknown one.

    Example:
    >>> model = Word2Vec([["a", "b", "c"]] * 20, vector_size=8, min_count=1, sg=1, workers=1, progress=False)
    >>> sorted(model.wv.index_to_key)
    ['a', 'b', 'c']
    """

    def __init__(self, *args, progress=True, compute_loss=True, checkpoint_dir=None, tokenizer=None, **kwargs):
        self.progress = progress
        self.checkpoint_dir = None if checkpoint_dir is None else os.path.abspath(os.fspath(checkpoint_dir))
        self.loss_history = []
        self._progress_bar = None
        if is_whitespace(tokenizer):
            super().__init__(*args, compute_loss=compute_loss, **kwargs)
            return
        args = list(args)
        if len(args) > 1:  # gensim's second positional argument
            kwargs["corpus_file"] = args.pop(1)
        _check_tokenizer_use(tokenizer, kwargs.get("corpus_file"))
        with _tokenized(kwargs["corpus_file"], tokenizer) as path:
            kwargs["corpus_file"] = path
            super().__init__(*args, compute_loss=compute_loss, **kwargs)

    # --- corpus checks -------------------------------------------------------------------------
    def _check_corpus_sanity(self, corpus_iterable=None, corpus_file=None, passes=1):
        if isinstance(corpus_iterable, (str, bytes)):
            raise TypeError(
                "`sentences` is a single string; expected an iterable of token lists such as "
                "[['the', 'cat'], ['a', 'dog']]. To train from a file pass `corpus_file=path`."
            )
        if corpus_iterable is not None and isinstance(corpus_iterable, Iterator) and passes > 1:
            raise TypeError(
                f"`sentences` is a one-shot iterator ({type(corpus_iterable).__name__}) but training makes "
                f"{passes} passes over it; pass a list or a restartable reader such as "
                "gensim_elmo.corpus.LineSentences."
            )
        if corpus_file is not None and not os.path.exists(os.fspath(corpus_file)):
            raise CorpusFileNotFoundError(f"`corpus_file` {os.fspath(corpus_file)!r} does not exist.")
        super()._check_corpus_sanity(corpus_iterable=corpus_iterable, corpus_file=corpus_file, passes=passes)
        if corpus_iterable is not None:
            # Checking the first sentence is cheap and catches the common mistakes (a list of
            # strings, a list of lists of ints) without slowing gensim's producer thread.
            for first in corpus_iterable:
                check_sentence(first, where="the first sentence of `sentences`")
                break

    def build_vocab(self, corpus_iterable=None, corpus_file=None, update=False, tokenizer=None, **kwargs):
        """Build the vocabulary (gensim's ``build_vocab``), with a clear error for an empty result.

        An empty result raises ``EmptyCorpusError`` or ``EmptyVocabularyError`` here, a
        ``RuntimeError`` as gensim raises when ``train`` then starts. ``tokenizer``: as the
        constructor's, for ``corpus_file``.

        Example:
        >>> model = Word2Vec(vector_size=8, min_count=1, progress=False)
        >>> model.build_vocab([["a", "b"]])
        >>> len(model.wv)
        2
        """
        if not is_whitespace(tokenizer):
            _check_tokenizer_use(tokenizer, corpus_file)
            with _tokenized(corpus_file, tokenizer) as path:
                return self.build_vocab(corpus_iterable=corpus_iterable, corpus_file=path, update=update, **kwargs)
        if corpus_iterable is not None or corpus_file is not None:
            self._check_corpus_sanity(corpus_iterable=corpus_iterable, corpus_file=corpus_file, passes=1)
        result = super().build_vocab(corpus_iterable=corpus_iterable, corpus_file=corpus_file, update=update, **kwargs)
        if len(self.wv) == 0:
            if self.corpus_total_words == 0:
                raise EmptyCorpusError(
                    "The corpus is empty: it holds no tokens. Check the file or iterable you passed."
                )
            raise EmptyVocabularyError(
                f"No word occurs at least `min_count`={self.min_count} times in the corpus "
                f"({self.corpus_total_words} tokens); lower `min_count` or use a larger corpus."
            )
        return result

    # --- training with progress and loss -------------------------------------------------------
    def train(self, corpus_iterable=None, corpus_file=None, total_examples=None, total_words=None, epochs=None,
              callbacks=(), tokenizer=None, **kwargs):
        """Train with gensim's C routines (see ``gensim.models.Word2Vec.train``), showing progress.

        ``tokenizer``: as the constructor's, for ``corpus_file`` (its words are written to a
        temporary file once, whatever the number of epochs).

        Example:
        >>> model = Word2Vec(vector_size=8, min_count=1, progress=False)
        >>> data = [["a", "b", "c"]] * 10
        >>> model.build_vocab(data)
        >>> _ = model.train(data, total_examples=model.corpus_count, epochs=2)
        >>> len(model.loss_history)
        2
        """
        if not is_whitespace(tokenizer):
            _check_tokenizer_use(tokenizer, corpus_file)
            with _tokenized(corpus_file, tokenizer) as path:
                return self.train(corpus_iterable=corpus_iterable, corpus_file=path, total_examples=total_examples, total_words=total_words,
                                  epochs=epochs, callbacks=callbacks, **kwargs)
        if corpus_iterable is not None or corpus_file is not None:
            self._check_corpus_sanity(corpus_iterable=corpus_iterable, corpus_file=corpus_file, passes=epochs or 1)
        callbacks = list(callbacks)
        kwargs.setdefault("compute_loss", self.compute_loss)  # gensim's train() would reset it to False
        if kwargs["compute_loss"]:
            callbacks.insert(0, _EpochLoss())
        if getattr(self, "checkpoint_dir", None) and epochs:
            epochs, kwargs = self._resume(epochs, kwargs, callbacks)
            if epochs == 0:
                return 0, 0
        bar = self._open_progress_bar(epochs, total_examples, total_words)
        try:
            return super().train(
                corpus_iterable=corpus_iterable, corpus_file=corpus_file, total_examples=total_examples,
                total_words=total_words, epochs=epochs, callbacks=callbacks, **kwargs,
            )
        finally:
            if bar is not None:
                bar.close()
            self._progress_bar = None

    # --- checkpoints ----------------------------------------------------------------------------
    def _checkpoint_fingerprint(self, epochs, start_alpha, end_alpha):
        settings = {name: getattr(self, name) for name in ("vector_size", "window", "sg", "hs", "negative", "sample",
                                                           "min_count", "cbow_mean", "seed", "corpus_count",
                                                           "corpus_total_words")}
        words = "\n".join(self.wv.index_to_key).encode("utf-8")
        return dict(settings, epochs=epochs, start_alpha=start_alpha, end_alpha=end_alpha,
                    vocabulary=hashlib.sha1(words).hexdigest())

    def _resume(self, epochs, kwargs, callbacks):
        """Restore the checkpoint in ``checkpoint_dir`` if any; returns the epochs left and the
        ``train`` arguments that continue the learning-rate schedule, and adds the checkpoint writer."""
        start_alpha = kwargs.get("start_alpha") or self.alpha
        end_alpha = kwargs.get("end_alpha") or self.min_alpha
        fingerprint = self._checkpoint_fingerprint(epochs, start_alpha, end_alpha)
        done = 0
        progress = read_progress(self.checkpoint_dir)
        if progress is not None:
            check_fingerprint(self.checkpoint_dir, progress, fingerprint, written_by="with other settings or another corpus")
            state = read_state(self.checkpoint_dir)
            for name in ("syn1neg", "syn1"):
                if name in state:
                    getattr(self, name)[...] = state[name]
            self.wv.vectors[...] = state["vectors"]
            position, has_gauss = (int(x) for x in state["random_state"])
            self.random.set_state(("MT19937", state["random_keys"], position, has_gauss, float(state["random_gauss"][0])))
            self.loss_history = list(progress["loss_history"])
            done = int(progress["epochs_done"])
            logger.info("resuming Word2Vec from the checkpoint in %s after epoch %d", self.checkpoint_dir, done)
        callbacks.append(_EpochCheckpoint(self.checkpoint_dir, fingerprint, done))
        kwargs = dict(kwargs, start_alpha=start_alpha - (start_alpha - end_alpha) * done / epochs, end_alpha=end_alpha)
        return epochs - done, kwargs

    def _open_progress_bar(self, epochs, total_examples, total_words):
        if not getattr(self, "progress", False):
            return None
        from tqdm.auto import tqdm

        epochs = epochs or self.epochs
        if total_words:
            self._progress_unit, per_epoch, unit = "words", total_words, "word"
        else:
            self._progress_unit, per_epoch, unit = "examples", total_examples or 0, "sentence"
        self._progress_per_epoch = per_epoch
        self._progress_bar = tqdm(
            total=per_epoch * epochs if per_epoch else None, unit=unit, unit_scale=True,
            desc=f"Word2Vec {'skip-gram' if self.sg else 'CBOW'}", dynamic_ncols=True,
        )
        return self._progress_bar

    def _update_progress_bar(self, cur_epoch, example_count, raw_word_count):
        bar = self._progress_bar
        if bar is None:
            return
        done = raw_word_count if self._progress_unit == "words" else example_count
        position = cur_epoch * self._progress_per_epoch + min(done, self._progress_per_epoch or done)
        bar.update(max(0, position - bar.n))

    def _log_progress(self, job_queue, progress_queue, cur_epoch, example_count, total_examples,
                      raw_word_count, total_words, trained_word_count, elapsed):
        super()._log_progress(job_queue, progress_queue, cur_epoch, example_count, total_examples,
                              raw_word_count, total_words, trained_word_count, elapsed)
        self._update_progress_bar(cur_epoch, example_count, raw_word_count)

    def _log_epoch_end(self, cur_epoch, example_count, total_examples, raw_word_count, total_words,
                       trained_word_count, elapsed, is_corpus_file_mode):
        super()._log_epoch_end(cur_epoch, example_count, total_examples, raw_word_count, total_words,
                               trained_word_count, elapsed, is_corpus_file_mode)
        if self._progress_bar is not None:
            self._update_progress_bar(cur_epoch, self._progress_per_epoch, self._progress_per_epoch)

    # --- Keras ---------------------------------------------------------------------------------
    def to_keras(self, trainable=False, mask_zero=True, **kwargs):
        """The vectors as a Keras ``Embedding`` layer (``keras_layers.KeyedVectorsEmbedding``).

        Index 0 is padding, index 1 out-of-vocabulary, word ``i`` of ``wv.index_to_key`` is index
        ``i + 2``; ``keras_layers.TokenLookup`` maps strings to these indices.

        Args:
            trainable: bool, let ``fit`` update the vectors. Defaults to False.
            mask_zero: bool, emit a mask for index 0. Defaults to True.
            **kwargs: passed to ``KeyedVectorsEmbedding``.

        Returns:
            keras_layers.KeyedVectorsEmbedding.

        Example:
        >>> model = Word2Vec([["a", "b"]] * 5, vector_size=4, min_count=1, workers=1, progress=False)
        >>> layer = model.to_keras()
        >>> layer.input_dim
        4
        """
        from keras_layers import KeyedVectorsEmbedding

        return KeyedVectorsEmbedding(self.wv, trainable=trainable, mask_zero=mask_zero, **kwargs)
