"""Validation after every epoch for NNLM and ELMo: perplexity, early stopping, learning-rate decay.

``ValidationMonitor`` is the Keras callback both language models train with when given
``validation_sentences``. After every epoch it scores them (``owner.validation_logs``), writes
the figures into the epoch's logs (``val_perplexity`` and any others the model reports), and
optionally

- halves (``lr_decay``) the optimizer's learning rate after an epoch that did not improve on the
  best validation perplexity (the schedule of Zaremba et al. 2014 and Kim et al. 2016);
- stops after ``patience`` epochs without improvement, and at the end of training puts back the
  weights of the best epoch (``early_stopping``).

Its state (the best value, the epochs waited, the best weights) is part of a training checkpoint
(``gensim_elmo.checkpoints``), so a resumed run keeps its best epoch.

Example:
>>> from gensim_elmo import NNLM
>>> data = [["a", "b", "c"]] * 40
>>> model = NNLM(data, vector_size=4, window=2, hidden_size=4, epochs=3, batch_size=8, progress=False,
...              validation_sentences=data[:2], early_stopping=1, lr_decay=0.5)
>>> len(model.history["val_perplexity"]) <= 3
True
"""

import logging

import keras
import numpy as np

logger = logging.getLogger(__name__)

__all__ = ["ValidationMonitor", "check_validation_settings"]


def check_validation_settings(validation_sentences, early_stopping, lr_decay):
    """Raise ``ValueError`` for early stopping or decay without validation data, or bad values.

    Example:
    >>> check_validation_settings(None, None, None)
    >>> check_validation_settings(None, 2, None)
    Traceback (most recent call last):
    ...
    ValueError: `early_stopping` needs `validation_sentences` to judge the epochs by.
    """
    for name, value in (("early_stopping", early_stopping), ("lr_decay", lr_decay)):
        if value is not None and validation_sentences is None:
            raise ValueError(f"`{name}` needs `validation_sentences` to judge the epochs by.")
    if early_stopping is not None and (isinstance(early_stopping, bool) or not isinstance(early_stopping, int)
                                       or early_stopping < 1):
        raise ValueError(f"`early_stopping` must be a positive int (epochs of patience) or None, got "
                         f"{early_stopping!r}.")
    if lr_decay is not None and not 0.0 < float(lr_decay) < 1.0:
        raise ValueError(f"`lr_decay` must be in (0, 1) (the factor applied to the learning rate) or None, got "
                         f"{lr_decay!r}.")


class ValidationMonitor(keras.callbacks.Callback):
    """Validation figures after every epoch, with optional learning-rate decay and early stopping.

    Args:
        owner: the gensim_elmo model: ``owner.validation_logs(sentences)`` returns a dict whose
            ``"val_perplexity"`` is the figure judged (lower is better); ``owner.language_model``
            holds the weights kept for early stopping.
        sentences: the validation token lists.
        patience: int or None, stop after this many epochs without improvement and restore the
            best weights at the end of training. Defaults to None.
        lr_decay: float or None, multiply the learning rate by this after an epoch without
            improvement. Defaults to None.
    """

    def __init__(self, owner, sentences, patience=None, lr_decay=None):
        super().__init__()
        self.owner = owner
        self.sentences = sentences
        self.patience = patience
        self.lr_decay = lr_decay
        self.best = float("inf")
        self.best_weights = None
        self.wait = 0

    def on_epoch_end(self, epoch, logs=None):
        figures = self.owner.validation_logs(self.sentences)
        if logs is not None:
            logs.update(figures)
        value = figures["val_perplexity"]
        if value < self.best:
            self.best, self.wait = value, 0
            if self.patience is not None:
                self.best_weights = self.owner.language_model.get_weights()
            return
        self.wait += 1
        if self.lr_decay is not None:
            optimizer = self.owner.language_model.optimizer
            optimizer.learning_rate = float(keras.ops.convert_to_numpy(optimizer.learning_rate)) * self.lr_decay
            logger.info("validation perplexity %.2f did not improve on %.2f: learning rate now %.3g", value,
                        self.best, float(keras.ops.convert_to_numpy(optimizer.learning_rate)))
        if self.patience is not None and self.wait >= self.patience:
            logger.info("early stopping after epoch %d: validation perplexity did not improve on %.2f",
                        epoch + 1, self.best)
            self.model.stop_training = True

    @property
    def stopped(self):
        """True once ``patience`` epochs passed without improvement (also after a resume)."""
        return self.patience is not None and self.wait >= self.patience

    def restore_best(self):
        """Put back the best epoch's weights (early stopping), once training is over.

        Called by ``gensim_elmo.training.fit_corpus`` after its last ``fit`` (a resumed run makes
        two, so this is not ``on_train_end``).
        """
        if self.best_weights is not None:
            self.owner.language_model.set_weights(self.best_weights)

    # --- checkpoint state ------------------------------------------------------------------------
    def state(self):
        """``(progress, arrays)``: what a checkpoint stores so that a resumed run keeps its best epoch."""
        arrays = {} if self.best_weights is None else {
            f"best_{i:04d}": np.asarray(w) for i, w in enumerate(self.best_weights)}
        return {"best": self.best, "wait": self.wait, "has_best_weights": self.best_weights is not None}, arrays

    def restore_state(self, progress, arrays):
        """Put back what ``state`` returned (from a checkpoint)."""
        self.best = float(progress["best"])
        self.wait = int(progress["wait"])
        if progress.get("has_best_weights"):
            count = len(self.owner.language_model.weights)
            self.best_weights = [arrays[f"best_{i:04d}"] for i in range(count)]
