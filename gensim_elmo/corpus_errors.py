"""The errors raised for a bad corpus, each catchable as the class gensim raises in the same case.

``gensim_elmo.Word2Vec`` and the corpus readers stand in for gensim's ``Word2Vec`` and
``LineSentence``; code written for gensim catches gensim's exception classes, so each error here
subclasses the class gensim raises for the same input, and also the class that names the problem
(a ``ValueError`` for a bad value, a ``FileNotFoundError`` for a missing file), with a message
that says what to do:

| error | raised when | gensim 4.4 raises | also a |
| --- | --- | --- | --- |
| ``EmptyVocabularyError`` | no word reaches ``min_count`` | ``RuntimeError`` (at ``train``) | ``ValueError`` |
| ``EmptyCorpusError`` | the corpus holds no token | ``RuntimeError`` (at ``train``) | ``ValueError`` |
| ``CorpusFileNotFoundError`` | ``corpus_file`` does not exist | ``TypeError`` | ``FileNotFoundError`` |
| ``CorpusIsADirectoryError`` | a directory read as a file | ``IsADirectoryError`` | ``ValueError`` |
| ``CorpusDirectoryNotFoundError`` | a missing corpus directory | ``ValueError`` | ``FileNotFoundError`` |
| ``CorpusDecodeError`` | a line that is not UTF-8 | ``UnicodeDecodeError`` | ``ValueError`` |

Example:
>>> from gensim_elmo import Word2Vec
>>> try:
...     Word2Vec([], min_count=1, progress=False)
... except RuntimeError as exc:   # what gensim raises for an empty corpus
...     print(type(exc).__name__)
EmptyCorpusError
"""

__all__ = ["EmptyVocabularyError", "EmptyCorpusError", "CorpusFileNotFoundError", "CorpusIsADirectoryError",
           "CorpusDirectoryNotFoundError", "CorpusDecodeError"]


class EmptyVocabularyError(ValueError, RuntimeError):
    """The vocabulary is empty after reading the corpus: no word occurs ``min_count`` times.

    gensim raises ``RuntimeError("you must first build vocabulary before training the model")``
    when training starts.

    Example:
    >>> issubclass(EmptyVocabularyError, RuntimeError) and issubclass(EmptyVocabularyError, ValueError)
    True
    """


class EmptyCorpusError(EmptyVocabularyError):
    """The corpus holds no token at all (no sentence, or only empty ones).

    Example:
    >>> isinstance(EmptyCorpusError("The corpus is empty."), RuntimeError)
    True
    """


class CorpusFileNotFoundError(FileNotFoundError, TypeError):
    """``corpus_file`` names no file; gensim raises ``TypeError`` ("must be a valid path to a file").

    Example:
    >>> isinstance(CorpusFileNotFoundError("no such file"), TypeError)
    True
    """


class CorpusIsADirectoryError(IsADirectoryError, ValueError):
    """A directory was given where a file is read; gensim's ``LineSentence`` raises ``IsADirectoryError``.

    Example:
    >>> isinstance(CorpusIsADirectoryError("a directory"), OSError)
    True
    """


class CorpusDirectoryNotFoundError(FileNotFoundError, ValueError):
    """A corpus directory that does not exist; gensim's ``PathLineSentences`` raises ``ValueError``.

    Example:
    >>> isinstance(CorpusDirectoryNotFoundError("no such directory"), ValueError)
    True
    """


class CorpusDecodeError(UnicodeDecodeError):
    """A line of a corpus file that is not UTF-8 (gensim raises ``UnicodeDecodeError``), with its
    line number and what to do in the message.

    Args:
        error: the ``UnicodeDecodeError`` raised while decoding the line.
        message: str, the message to show instead of the codec's.

    Example:
    >>> try:
    ...     b"a \\xff".decode("utf-8")
    ... except UnicodeDecodeError as exc:
    ...     error = CorpusDecodeError(exc, "line 1 of c.txt is not valid UTF-8")
    >>> str(error), isinstance(error, ValueError), error.start
    ('line 1 of c.txt is not valid UTF-8', True, 2)
    """

    def __init__(self, error, message):
        super().__init__(error.encoding, error.object, error.start, error.end, error.reason)
        self.message = message

    def __str__(self):
        return self.message

    def __reduce__(self):  # pickles (multiprocessing) rebuild it from its parts
        return _rebuild_decode_error, (self.encoding, self.object, self.start, self.end, self.reason, self.message)


def _rebuild_decode_error(encoding, data, start, end, reason, message):
    return CorpusDecodeError(UnicodeDecodeError(encoding, data, start, end, reason), message)
