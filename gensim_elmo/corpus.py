"""Streaming sentence sources: restartable iterables of token lists.

Every model in gensim_elmo reads its training data the way gensim does: from an iterable of
sentences, each sentence a list of ``str`` tokens, that can be iterated more than once (one pass
per epoch). The classes here stream from disk, so a corpus never has to fit in memory.

Examples:

>>> from gensim_elmo.corpus import LineSentences, as_sentences
>>> import tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "corpus.txt")
>>> _ = open(path, "w").write("the cat sat\\nthe dog ran\\n")
>>> list(LineSentences(path))
[['the', 'cat', 'sat'], ['the', 'dog', 'ran']]
>>> sentences = as_sentences([["a", "b"], ["c"]])   # any restartable iterable, validated
>>> list(sentences)
[['a', 'b'], ['c']]

Several processes can each read their own shard of one corpus (``shard_index``/``num_shards``):
sentence ``i`` of a file (or file ``i`` of a directory) belongs to shard ``i % num_shards``.

Raw text that is not separated by whitespace (Chinese) is read with a ``tokenizer``
(``gensim_elmo.tokenizers``: "whitespace", the default, "jieba", "chars" or a function):

>>> path = os.path.join(tempfile.mkdtemp(), "zh.txt")
>>> _ = open(path, "w", encoding="utf-8").write("我爱北京天安门。\\n")
>>> list(LineSentences(path, tokenizer="jieba"))
[['我', '爱', '北京', '天安门', '。']]
"""

import copy
import itertools
import logging
import os
from collections.abc import Iterable, Iterator

from gensim_elmo.corpus_errors import CorpusDecodeError, CorpusDirectoryNotFoundError, CorpusIsADirectoryError
from gensim_elmo.tokenizers import get_tokenizer, is_whitespace, tokenizer_name, whitespace_tokens

logger = logging.getLogger(__name__)

__all__ = ["LineSentences", "DirectorySentences", "IterableSentences", "as_sentences", "check_sentence",
           "shard_sentences"]

#: Lines longer than this many tokens are split into several sentences (as gensim's LineSentence).
MAX_SENTENCE_LENGTH = 10000


def check_sentence(sentence, where="sentence"):
    """Check that ``sentence`` is a list (or tuple) of ``str`` tokens.

    Args:
        sentence: the object to check.
        where: how to name it in the error message (e.g. "sentence 3 of the corpus").

    Returns:
        The sentence as a list of tokens.

    Raises:
        TypeError: if ``sentence`` is a string, or not a sequence of strings.

    Example:
    >>> check_sentence(["a", "b"])
    ['a', 'b']
    """
    if isinstance(sentence, (str, bytes)):
        raise TypeError(
            f"{where} is a string ({sentence[:40]!r}); expected a list of tokens such as "
            f"{str(sentence).split()[:5]!r}. Split your text into tokens first, e.g. `line.split()`, "
            "or pass `corpus_file=` a path with one whitespace-separated sentence per line."
        )
    if not isinstance(sentence, (list, tuple)):
        raise TypeError(
            f"{where} is a {type(sentence).__name__}; expected a list of str tokens such as ['the', 'cat']."
        )
    for token in sentence:
        if not isinstance(token, str):
            raise TypeError(
                f"{where} holds a token of type {type(token).__name__} ({token!r}); every token must be a str."
            )
    return list(sentence)


def _check_shard(shard_index, num_shards):
    if not isinstance(num_shards, int) or num_shards < 1:
        raise ValueError(f"`num_shards` must be a positive int, got {num_shards!r}.")
    if not isinstance(shard_index, int) or not 0 <= shard_index < num_shards:
        raise ValueError(f"`shard_index` must be an int in [0, {num_shards}), got {shard_index!r}.")


def _split_long(tokens, max_sentence_length):
    for start in range(0, len(tokens), max_sentence_length):
        yield tokens[start : start + max_sentence_length]


def _file_sentences(path, errors, max_sentence_length, lowercase, shard_index=0, num_shards=1, tokenizer=None):
    """The sentences of one text file (or one shard of its lines), decoding UTF-8."""
    from gensim import utils  # smart_open: transparently reads .gz / .bz2

    tokenize = get_tokenizer(tokenizer)
    with utils.open(path, "rb") as handle:
        for line_number, raw in enumerate(handle):
            if line_number % num_shards != shard_index:
                continue
            try:
                line = raw.decode("utf-8", errors=errors)
            except UnicodeDecodeError as exc:
                raise CorpusDecodeError(
                    exc,
                    f"line {line_number + 1} of {path} is not valid UTF-8 ({exc.reason} at byte "
                    f"{exc.start}). Re-encode the file as UTF-8, or pass errors='replace' to "
                    "substitute U+FFFD for the bad bytes.",
                ) from None
            if lowercase:
                line = line.lower()
            tokens = line.split() if tokenize is whitespace_tokens else tokenize(line.rstrip("\r\n"))
            if tokens:
                yield from _split_long(tokens, max_sentence_length)


def _tokenizer_repr(tokenizer):
    return "" if is_whitespace(tokenizer) else f", tokenizer={tokenizer_name(tokenizer)!r}"


def _check_common(errors, max_sentence_length):
    if errors not in ("strict", "replace", "ignore"):
        raise ValueError(f"`errors` must be 'strict', 'replace' or 'ignore', got {errors!r}.")
    if not isinstance(max_sentence_length, int) or max_sentence_length < 1:
        raise ValueError(f"`max_sentence_length` must be a positive int, got {max_sentence_length!r}.")


class LineSentences:
    """Sentences from a text file: one sentence per line, tokens separated by whitespace (or cut by ``tokenizer``).

    Blank lines are skipped; lines longer than ``max_sentence_length`` tokens are cut into several
    sentences (as gensim's ``LineSentence`` does). ``.gz`` and ``.bz2`` files are decompressed on the
    fly. The file is re-read on every iteration, so memory does not grow with its size.

    Args:
        path: str or path-like, the file.
        errors: how to treat bytes that are not UTF-8: "strict" (default, a ``CorpusDecodeError``, a
            ``UnicodeDecodeError`` as gensim raises, naming the line), "replace" (U+FFFD) or "ignore"
            (dropped).
        max_sentence_length: int, longest sentence yielded. Defaults to 10000.
        lowercase: bool, lowercase every line. Defaults to False.
        shard_index: int, which shard this reader yields. Defaults to 0.
        num_shards: int, how many shards the corpus is split into (line ``i`` belongs to shard
            ``i % num_shards``; blank lines count). Defaults to 1.
        tokenizer: how a line becomes tokens: "whitespace" (``line.split()``), "jieba" (Chinese
            words), "chars" (single characters, whitespace dropped) or a callable str -> list of
            str, given each line without its line ending (after ``lowercase``); see
            ``gensim_elmo.tokenizers``. Defaults to None ("whitespace").

    Raises:
        FileNotFoundError: if ``path`` does not exist.
        ValueError: an unknown ``tokenizer`` name.
        CorpusIsADirectoryError: if ``path`` is a directory (an ``IsADirectoryError``, as gensim's
            ``LineSentence`` raises, and a ``ValueError``).

    Example:
    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), "c.txt")
    >>> _ = open(path, "w").write("a b c\\n\\nd e\\n")
    >>> list(LineSentences(path))
    [['a', 'b', 'c'], ['d', 'e']]
    >>> list(LineSentences(path, tokenizer="chars"))
    [['a', 'b', 'c'], ['d', 'e']]
    """

    def __init__(
        self, path, errors="strict", max_sentence_length=MAX_SENTENCE_LENGTH, lowercase=False, shard_index=0, num_shards=1,
        tokenizer=None,
    ):
        path = os.fspath(path)
        if not os.path.exists(path):
            raise FileNotFoundError(f"corpus file {path!r} does not exist.")
        if os.path.isdir(path):
            raise CorpusIsADirectoryError(
                f"{path!r} is a directory; use DirectorySentences for a directory of files."
            )
        _check_common(errors, max_sentence_length)
        _check_shard(shard_index, num_shards)
        get_tokenizer(tokenizer)  # an unknown name fails here
        self.path = path
        self.tokenizer = tokenizer
        self.errors = errors
        self.max_sentence_length = max_sentence_length
        self.lowercase = lowercase
        self.shard_index = shard_index
        self.num_shards = num_shards

    def __iter__(self):
        return _file_sentences(self.path, self.errors, self.max_sentence_length, self.lowercase, self.shard_index,
                               self.num_shards, self.tokenizer)

    def __repr__(self):
        return f"LineSentences({self.path!r}{_tokenizer_repr(self.tokenizer)})"


class DirectorySentences:
    """Sentences from every file of a directory (sorted by name), each read as ``LineSentences``.

    Args:
        path: str or path-like, the directory.
        pattern: str, a glob the file names must match. Defaults to "*".
        errors: see ``LineSentences``. Defaults to "strict".
        max_sentence_length: see ``LineSentences``. Defaults to 10000.
        lowercase: see ``LineSentences``. Defaults to False.
        shard_index: int, which shard this reader yields (file ``i`` in sorted order belongs to shard
            ``i % num_shards``). Defaults to 0.
        num_shards: int, how many shards. Defaults to 1.
        tokenizer: see ``LineSentences``. Defaults to None ("whitespace").

    Raises:
        CorpusDirectoryNotFoundError: if ``path`` does not exist (a ``FileNotFoundError``, and the
            ``ValueError`` gensim's ``PathLineSentences`` raises).
        NotADirectoryError: if ``path`` is a file.
        ValueError: if no file matches.

    Example:
    >>> import tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> _ = open(os.path.join(d, "1.txt"), "w").write("a b\\n")
    >>> _ = open(os.path.join(d, "2.txt"), "w").write("c\\n")
    >>> list(DirectorySentences(d))
    [['a', 'b'], ['c']]
    """

    def __init__(
        self,
        path,
        pattern="*",
        errors="strict",
        max_sentence_length=MAX_SENTENCE_LENGTH,
        lowercase=False,
        shard_index=0,
        num_shards=1,
        tokenizer=None,
    ):
        import fnmatch

        path = os.fspath(path)
        if not os.path.exists(path):
            raise CorpusDirectoryNotFoundError(f"corpus directory {path!r} does not exist.")
        if not os.path.isdir(path):
            raise NotADirectoryError(f"{path!r} is a file; use LineSentences for a single file.")
        _check_common(errors, max_sentence_length)
        _check_shard(shard_index, num_shards)
        files = sorted(
            os.path.join(path, name)
            for name in os.listdir(path)
            if fnmatch.fnmatch(name, pattern) and os.path.isfile(os.path.join(path, name))
        )
        if not files:
            raise ValueError(f"corpus directory {path!r} holds no file matching {pattern!r}.")
        get_tokenizer(tokenizer)  # an unknown name fails here
        self.tokenizer = tokenizer
        self.path = path
        self.files = files[shard_index::num_shards]
        self.errors = errors
        self.max_sentence_length = max_sentence_length
        self.lowercase = lowercase

    def __iter__(self):
        for file in self.files:
            yield from _file_sentences(file, self.errors, self.max_sentence_length, self.lowercase,
                                       tokenizer=self.tokenizer)

    def __repr__(self):
        return f"DirectorySentences({self.path!r}, {len(self.files)} files{_tokenizer_repr(self.tokenizer)})"


class IterableSentences:
    """A validating, restartable view of any iterable of token lists.

    Each sentence is checked as it streams past (``check_sentence``): a corpus of strings or of
    non-string tokens raises a ``TypeError`` naming the sentence. A one-shot iterator (such as a
    generator) is refused up front, since training needs one pass per epoch.

    Args:
        sentences: a restartable iterable (list, tuple, or an object whose ``__iter__`` returns a new
            iterator every time) of lists of str tokens.

    Raises:
        TypeError: for a string, a generator/iterator, or a non-iterable.

    Example:
    >>> list(IterableSentences([["a", "b"], ("c",)]))
    [['a', 'b'], ['c']]
    """

    def __init__(self, sentences):
        if isinstance(sentences, (str, bytes)):
            raise TypeError(
                "`sentences` is a single string; expected an iterable of token lists such as "
                "[['the', 'cat'], ['a', 'dog']]. To read a file, pass `corpus_file=path` or use LineSentences(path)."
            )
        if isinstance(sentences, Iterator):
            raise TypeError(
                f"`sentences` is a one-shot iterator ({type(sentences).__name__}) and training needs several "
                "passes over it. Pass a list, a LineSentences/DirectorySentences reader, or a class whose "
                "__iter__ starts a new pass each time."
            )
        if not isinstance(sentences, Iterable):
            raise TypeError(f"`sentences` must be an iterable of token lists, got {type(sentences).__name__}.")
        self.sentences = sentences

    def __iter__(self):
        for number, sentence in enumerate(self.sentences):
            yield check_sentence(sentence, where=f"sentence {number} of the corpus")

    def __repr__(self):
        return f"IterableSentences({type(self.sentences).__name__})"


def as_sentences(sentences=None, corpus_file=None, tokenizer=None):
    """Normalise the ``sentences`` / ``corpus_file`` pair every model accepts into one reader.

    Args:
        sentences: an iterable of token lists, or one of this module's readers.
        corpus_file: a path to a file (one sentence per line) or to a directory of such files.
        tokenizer: how the lines of ``corpus_file`` become tokens (see ``LineSentences``).
            Defaults to None ("whitespace").

    Returns:
        A restartable iterable of token lists (``LineSentences``, ``DirectorySentences`` or
        ``IterableSentences``).

    Raises:
        ValueError: if both or neither are given, or a ``tokenizer`` other than "whitespace" comes
            with ``sentences`` (they are token lists already).

    Example:
    >>> list(as_sentences([["a"]]))
    [['a']]
    """
    if sentences is not None and corpus_file is not None:
        raise ValueError("Pass either `sentences` or `corpus_file`, not both.")
    if corpus_file is not None:
        if os.path.isdir(os.fspath(corpus_file)):
            return DirectorySentences(corpus_file, tokenizer=tokenizer)
        return LineSentences(corpus_file, tokenizer=tokenizer)
    if sentences is None:
        raise ValueError("No corpus: pass `sentences` (an iterable of token lists) or `corpus_file` (a path).")
    if not is_whitespace(tokenizer):
        raise ValueError(
            f"`tokenizer`={tokenizer_name(tokenizer)!r} cuts the lines of `corpus_file`, but `sentences` are token "
            "lists already; to tokenize a text file as it streams, pass LineSentences(path, tokenizer=...)."
        )
    if isinstance(sentences, (LineSentences, DirectorySentences, IterableSentences)):
        return sentences
    return IterableSentences(sentences)


class _Strided:
    """Every ``count``-th item of a restartable iterable, from ``index`` (restartable too)."""

    def __init__(self, items, index, count):
        self.items, self.index, self.count = items, index, count

    def __iter__(self):
        return itertools.islice(iter(self.items), self.index, None, self.count)


def shard_sentences(corpus, shard_index, num_shards):
    """The part of ``corpus`` (an ``as_sentences`` reader) that shard ``shard_index`` of ``num_shards`` reads.

    A file is split by lines (line ``i`` to shard ``i % num_shards``), a directory by files, an
    iterable by position; each training process of a multi-process run reads only its shard.

    Raises:
        ValueError: the reader is already sharded, or a directory has fewer files than shards.

    Example:
    >>> list(shard_sentences(IterableSentences([["a"], ["b"], ["c"]]), 1, 2))
    [['b']]
    """
    _check_shard(shard_index, num_shards)
    if num_shards == 1:
        return corpus
    if isinstance(corpus, LineSentences):
        if corpus.num_shards != 1:
            raise ValueError(f"{corpus!r} is already one shard of {corpus.num_shards}; pass the whole corpus.")
        return LineSentences(corpus.path, corpus.errors, corpus.max_sentence_length, corpus.lowercase,
                             shard_index=shard_index, num_shards=num_shards, tokenizer=corpus.tokenizer)
    if isinstance(corpus, DirectorySentences):
        if len(corpus.files) < num_shards:
            raise ValueError(f"{corpus!r} holds {len(corpus.files)} files, fewer than the {num_shards} shards (one "
                             "per process) that read it by files; split the corpus into more files.")
        shard = copy.copy(corpus)
        shard.files = corpus.files[shard_index::num_shards]
        return shard
    return IterableSentences(_Strided(corpus.sentences if isinstance(corpus, IterableSentences) else corpus,
                                      shard_index, num_shards))

