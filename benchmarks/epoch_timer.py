"""``EpochTimer``: a gensim-style callback that records each training epoch's seconds."""

import time


class EpochTimer:
    """Seconds of each epoch, from ``on_epoch_begin`` to ``on_epoch_end``.

    Example:
    >>> timer = EpochTimer()
    >>> timer.on_epoch_begin(None); timer.on_epoch_end(None)
    >>> len(timer.times)
    1
    """

    def __init__(self):
        self.times = []
        self.start = None

    def on_epoch_begin(self, model):
        self.start = time.perf_counter()

    def on_epoch_end(self, model):
        self.times.append(time.perf_counter() - self.start)
