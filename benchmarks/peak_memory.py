"""``PeakMemory``: the largest resident set size (RSS) of this process while a block of code runs.

``resource.getrusage`` gives the peak of the whole process life, which only grows as benchmarks
run one after another; a background thread sampling ``psutil``'s RSS every few milliseconds gives
the peak of one block instead. Every benchmark's result records it.

Example:
>>> with PeakMemory() as memory:
...     block = bytearray(50 * 2**20)
>>> memory.peak_mib - memory.start_mib > 40
True
"""

import threading

import psutil


class PeakMemory:
    """Context manager: ``start_mib`` (RSS on entry) and ``peak_mib`` (largest RSS seen inside)."""

    def __init__(self, interval_s=0.005):
        self.interval_s = interval_s
        self.start_mib = self.peak_mib = None
        self._process = psutil.Process()
        self._stop = threading.Event()
        self._thread = None

    def _rss_mib(self):
        return self._process.memory_info().rss / 2**20

    def _sample(self):
        while not self._stop.wait(self.interval_s):
            self.peak_mib = max(self.peak_mib, self._rss_mib())

    def __enter__(self):
        self.start_mib = self.peak_mib = self._rss_mib()
        self._stop.clear()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak_mib = max(self.peak_mib, self._rss_mib())
        return False

    def as_dict(self):
        """The figures a result records."""
        return {"rss_at_start_mib": round(self.start_mib, 1), "peak_rss_mib": round(self.peak_mib, 1)}
