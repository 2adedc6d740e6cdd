"""``WeightAverage``: a Keras callback that averages a model's weights over each epoch and scores the average.

Averaging the weights visited during an epoch at a small learning rate (Polyak averaging, as in
stochastic weight averaging) smooths the noise of the last steps; the average is scored at the
end of every epoch, next to the raw weights the other callbacks see, and the best average is kept.
"""

import keras
import numpy as np


class WeightAverage(keras.callbacks.Callback):
    """Uniform average of ``network``'s weights over each epoch, sampled every ``every`` batches.

    ``network`` None averages the model being trained (the one ``fit`` attaches the callback to).

    At each epoch's end the average is loaded, ``score()`` is called (lower is better), and the raw
    weights are put back, so training and the other callbacks are not affected. ``curve`` holds
    each epoch's score, ``best`` and ``best_weights`` the best average seen.

    Args:
        network: the ``keras.Model`` whose weights are averaged, or None for the model being
            trained.
        score: callable with no arguments, the figure to minimise (e.g. a validation perplexity).
        every: int, batches between two samples of the weights. Defaults to 10.

    Example:
    >>> import keras, numpy as np
    >>> net = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    >>> net.compile(optimizer="sgd", loss="mse")
    >>> average = WeightAverage(net, score=lambda: 1.0, every=1)
    >>> _ = net.fit(np.ones((8, 2)), np.ones((8, 1)), batch_size=2, verbose=0, callbacks=[average])
    >>> average.curve, len(average.best_weights)
    ([1.0], 2)
    """

    def __init__(self, network=None, score=None, every=10):
        super().__init__()
        if score is None:
            raise ValueError("`score` is required: a callable with no arguments returning the figure to minimise.")
        self._network = network
        self.score = score
        self.every = int(every)
        self.curve = []
        self.best = float("inf")
        self.best_weights = None
        self._sum = None
        self._count = 0

    @property
    def network(self):
        return self._network if self._network is not None else self.model

    def on_epoch_begin(self, epoch, logs=None):
        self._sum, self._count = None, 0

    def on_train_batch_end(self, batch, logs=None):
        if (batch + 1) % self.every:
            return
        if hasattr(self.model, "jax_state_sync"):  # during a JAX fit the variables lag behind the state
            self.model.jax_state_sync()
        weights = self.network.get_weights()
        if self._sum is None:
            self._sum = [np.array(w, dtype=np.float64) for w in weights]
        else:
            for total, w in zip(self._sum, weights):
                total += w
        self._count += 1

    def on_epoch_end(self, epoch, logs=None):
        if not self._count:
            return
        raw = self.network.get_weights()
        average = [(total / self._count).astype(w.dtype) for total, w in zip(self._sum, raw)]
        self.network.set_weights(average)
        value = float(self.score())
        self.network.set_weights(raw)
        self.curve.append(value)
        if value < self.best:
            self.best, self.best_weights = value, average
