"""``EpochTimer``: a gensim-style callback that records each training epoch's seconds."""

import time


class EpochTimer:
    """Seconds of each epoch, from ``on_epoch_begin`` to ``on_epoch_end``.

    Example:
    >>> timer = EpochTimer()
    >>> timer.on_epoch_begin(None); timer.on_epoch_end(None)
    >>> len(timer.times), timer.per_second(1000) > 0
    (1, True)
    """

    def __init__(self):
        self.times = []
        self.start = None

    def on_epoch_begin(self, model):
        self.start = time.perf_counter()

    def on_epoch_end(self, model):
        self.times.append(time.perf_counter() - self.start)

    def per_second(self, units_per_epoch):
        """``units_per_epoch`` (tokens, words) divided by the mean epoch time; None before any epoch."""
        return units_per_epoch * len(self.times) / sum(self.times) if self.times else None
