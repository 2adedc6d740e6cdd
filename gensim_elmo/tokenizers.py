"""Tokenizers: how the corpus readers and the command line cut a line of raw text into tokens.

A tokenizer is a name or a function from a ``str`` (one line) to a list of ``str`` tokens:

- ``"whitespace"`` (the default everywhere): ``line.split()``, tokens separated by whitespace, for
  text that is already segmented (English, or Chinese with spaces between the words);
- ``"jieba"``: Chinese word segmentation by `jieba <https://github.com/fxsjy/jieba>`_ (its
  default "precise" mode, with its HMM for words missing from its dictionary; Latin words and
  numbers come out whole). jieba is installed with gensim-elmo and its dictionary ships inside it:
  nothing is downloaded; the first use in a process builds its prefix dictionary (about a second,
  cached by jieba in the temporary directory);
- ``"chars"``: every character but whitespace is a token (Chinese character models; no
  dictionary, no segmentation errors);
- any callable ``str -> list of str`` (or any iterable of ``str``, such as ``jieba.cut``'s
  generator).

Whatever the tokenizer, whitespace-only and empty tokens are dropped, so a line of spaces yields
no sentence. Every tokenizer sees one line at a time: files stream in bounded memory.

Example:
>>> tokenize = get_tokenizer("chars")
>>> tokenize("你好，world！")
['你', '好', '，', 'w', 'o', 'r', 'l', 'd', '！']
>>> get_tokenizer("jieba")("我爱北京天安门。")
['我', '爱', '北京', '天安门', '。']
>>> get_tokenizer(lambda line: line.split("|"))("a|b| |c")
['a', 'b', 'c']
"""

import difflib
import logging
import os
import threading
from collections.abc import Iterable

logger = logging.getLogger(__name__)

__all__ = ["TOKENIZERS", "get_tokenizer", "tokenizer_name", "is_whitespace", "whitespace_tokens", "char_tokens",
           "jieba_tokens", "tokenize_file"]

#: The tokenizers known by name.
TOKENIZERS = ("whitespace", "jieba", "chars")


def whitespace_tokens(text):
    """The whitespace-separated tokens of ``text`` (``text.split()``): the ``"whitespace"`` tokenizer.

    Example:
    >>> whitespace_tokens(" the  cat\\tsat ")
    ['the', 'cat', 'sat']
    """
    return text.split()


def char_tokens(text):
    """Every character of ``text`` but whitespace, one token each: the ``"chars"`` tokenizer.

    Example:
    >>> char_tokens("中文 ABC，")
    ['中', '文', 'A', 'B', 'C', '，']
    """
    return [char for char in text if not char.isspace()]


_JIEBA_LOCK = threading.Lock()
_JIEBA = []


def _import_jieba():
    try:
        import jieba
    except ImportError as exc:
        raise ImportError(
            "the 'jieba' tokenizer needs the PyPI package `jieba`, which installs with gensim-elmo but is missing "
            "here: pip install jieba (or pass tokenizer='chars', or a function of your own)."
        ) from exc
    return jieba


def _jieba():
    """jieba's default tokenizer, initialised once without jieba's messages on stderr."""
    if _JIEBA:
        return _JIEBA[0]
    jieba = _import_jieba()
    with _JIEBA_LOCK:
        if not _JIEBA:
            if not jieba.dt.initialized:
                level = jieba.default_logger.level
                jieba.default_logger.setLevel(max(level, logging.WARNING))  # "Building prefix dict..." is debug
                try:
                    jieba.dt.initialize()
                finally:
                    jieba.default_logger.setLevel(level)
            _JIEBA.append(jieba.dt)
    return _JIEBA[0]


def jieba_tokens(text):
    """The words of ``text`` as jieba segments it (``jieba.lcut``), whitespace dropped: the ``"jieba"`` tokenizer.

    jieba's default tokenizer (``jieba.dt``) does the work, so words added with ``jieba.add_word``
    or ``jieba.load_userdict`` count.

    Example:
    >>> jieba_tokens("用 Python 3.11 训练ELMo模型！")
    ['用', 'Python', '3.11', '训练', 'ELMo', '模型', '！']
    """
    return [word for word in _jieba().lcut(text) if word and not word.isspace()]


class _Checked:
    """A user's tokenizer function, its results checked and whitespace tokens dropped."""

    def __init__(self, function):
        self.function = function

    def __call__(self, text):
        tokens = self.function(text)
        if isinstance(tokens, (str, bytes)) or not isinstance(tokens, Iterable):
            raise TypeError(
                f"the tokenizer {tokenizer_name(self.function)} returned a {type(tokens).__name__} for {text[:40]!r}; "
                "it must return a list of str tokens, e.g. ['我们', '的']."
            )
        tokens = list(tokens)
        for token in tokens:
            if not isinstance(token, str):
                raise TypeError(
                    f"the tokenizer {tokenizer_name(self.function)} returned a token of type {type(token).__name__} "
                    f"({token!r}) for {text[:40]!r}; every token must be a str."
                )
        return [token for token in tokens if token and not token.isspace()]

    def __repr__(self):
        return f"_Checked({tokenizer_name(self.function)})"


_NAMED = {"whitespace": whitespace_tokens, "jieba": jieba_tokens, "chars": char_tokens}


def get_tokenizer(tokenizer="whitespace"):
    """The function ``str -> list of str`` that ``tokenizer`` names.

    Args:
        tokenizer: "whitespace", "jieba", "chars", None (the same as "whitespace") or a callable
            taking a line and returning its tokens (a list, or any iterable, of ``str``).

    Returns:
        A callable ``str -> list of str``. A callable of yours is wrapped: a ``TypeError`` when it
        returns a string or a non-string token, and its empty or whitespace-only tokens dropped.

    Raises:
        ValueError: an unknown name.
        TypeError: neither a name nor a callable.
        ImportError: "jieba" without the ``jieba`` package installed.

    Example:
    >>> get_tokenizer()("a b")
    ['a', 'b']
    >>> get_tokenizer("jeiba")
    Traceback (most recent call last):
    ...
    ValueError: unknown tokenizer 'jeiba' (did you mean 'jieba'?); use 'whitespace', 'jieba', 'chars' or a function from a line (str) to its tokens (list of str).
    """
    if tokenizer is None:
        return whitespace_tokens
    if isinstance(tokenizer, str):
        if tokenizer not in _NAMED:
            close = difflib.get_close_matches(tokenizer, TOKENIZERS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ValueError(
                f"unknown tokenizer {tokenizer!r}{hint}; use {', '.join(map(repr, TOKENIZERS))} or a function "
                "from a line (str) to its tokens (list of str)."
            )
        if tokenizer == "jieba":
            _import_jieba()  # fail now, not at the first line
        return _NAMED[tokenizer]
    if isinstance(tokenizer, _Checked) or tokenizer in _NAMED.values():
        return tokenizer
    if callable(tokenizer):
        return _Checked(tokenizer)
    raise TypeError(
        f"`tokenizer` must be one of {TOKENIZERS} or a callable str -> list of str, got {type(tokenizer).__name__}."
    )


def tokenizer_name(tokenizer):
    """A short name of ``tokenizer`` for messages and file headers: the name itself, or the function's name.

    Example:
    >>> tokenizer_name(None), tokenizer_name("chars"), tokenizer_name(str.split)
    ('whitespace', 'chars', 'str.split')
    """
    if tokenizer is None:
        return "whitespace"
    if isinstance(tokenizer, str):
        return tokenizer
    if isinstance(tokenizer, _Checked):
        tokenizer = tokenizer.function
    for name, function in _NAMED.items():
        if tokenizer is function:
            return name
    name = getattr(tokenizer, "__qualname__", None) or type(tokenizer).__qualname__
    module = getattr(tokenizer, "__module__", None)
    return name if module in (None, "builtins") else f"{module}.{name}"


def is_whitespace(tokenizer):
    """Whether ``tokenizer`` splits on whitespace (None, "whitespace" or ``whitespace_tokens``): gensim's own reading.

    Example:
    >>> is_whitespace(None), is_whitespace("jieba")
    (True, False)
    """
    return tokenizer is None or tokenizer == "whitespace" or tokenizer is whitespace_tokens


def tokenize_file(source, target, tokenizer, errors="strict"):
    """Write ``source`` (raw text, one sentence or paragraph per line) to ``target`` as whitespace-separated tokens.

    The result is a corpus every reader takes as it is, in particular ``Word2Vec(corpus_file=...)``
    (gensim's multi-threaded C path, which splits lines on whitespace itself); tokenizing once
    beforehand also saves re-running a slow tokenizer (jieba: about 1 MB of UTF-8 text, 300,000
    characters, per CPU second) on every epoch. Streamed: memory holds one line. Blank lines (after
    tokenizing) are left out; ``target`` is written atomically.

    Args:
        source: str or path-like, a text file (``.gz``/``.bz2`` too) or a directory of text files
            (read in name order, as ``DirectorySentences``).
        target: str or path-like, the file to write (UTF-8).
        tokenizer: see ``get_tokenizer``.
        errors: how to decode bytes that are not UTF-8 (see ``gensim_elmo.corpus.LineSentences``).
            Defaults to "strict".

    Returns:
        (sentences, tokens): the lines and tokens written.

    Raises:
        ValueError: a token holds whitespace (a function of yours returned one), which a
            whitespace-separated file cannot keep whole.

    Example:
    >>> import os, tempfile
    >>> directory = tempfile.mkdtemp()
    >>> raw, tokenized = os.path.join(directory, "raw.txt"), os.path.join(directory, "tokens.txt")
    >>> _ = open(raw, "w", encoding="utf-8").write("我爱北京天安门。\\n\\n今天天气很好！\\n")
    >>> tokenize_file(raw, tokenized, "jieba")
    (2, 9)
    >>> open(tokenized, encoding="utf-8").read()
    '我 爱 北京 天安门 。\\n今天天气 很 好 ！\\n'
    """
    from gensim_elmo.atomic_files import atomic_path
    from gensim_elmo.corpus import DirectorySentences, LineSentences

    reader = DirectorySentences if os.path.isdir(os.fspath(source)) else LineSentences
    corpus = reader(source, errors=errors, tokenizer=tokenizer)
    sentences = tokens = 0
    with atomic_path(os.fspath(target)) as tmp, open(tmp, "w", encoding="utf-8", newline="\n") as handle:
        for sentence in corpus:
            for token in sentence:
                if any(char.isspace() for char in token):
                    raise ValueError(
                        f"sentence {sentences + 1} of {os.fspath(source)!r}: the tokenizer "
                        f"{tokenizer_name(tokenizer)} returned the token {token!r}, which holds whitespace and "
                        "cannot be kept whole in a whitespace-separated file; read the file with "
                        "LineSentences(path, tokenizer=...) instead, or return tokens without whitespace."
                    )
            handle.write(" ".join(sentence) + "\n")
            sentences += 1
            tokens += len(sentence)
    logger.info("tokenized %s into %s with %s: %d sentences, %d tokens", os.fspath(source), os.fspath(target),
                tokenizer_name(tokenizer), sentences, tokens)
    return sentences, tokens
