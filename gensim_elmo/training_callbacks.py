"""The Keras callbacks every training run of NNLM and ELMo gets: a tqdm bar, and gensim-style callbacks.

Example:
>>> import keras
>>> keras_cbs, gensim_cbs = split_keras_callbacks([keras.callbacks.History(), object()])
>>> len(keras_cbs), len(gensim_cbs)
(1, 1)
"""

import keras
import numpy as np
from tqdm.auto import tqdm

__all__ = ["TqdmProgress", "GensimCallbacks", "split_keras_callbacks"]


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
