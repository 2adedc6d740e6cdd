"""Export word vectors: gensim ``KeyedVectors`` from any (words, matrix), and the common file formats.

Every model in gensim_elmo hands out its vectors as a gensim ``KeyedVectors`` (``model.wv``); this
module builds one from plain arrays and writes it in the formats other tools read:

- ``"word2vec"`` / ``"word2vec-binary"``: the original word2vec text / binary formats, read by
  gensim (``KeyedVectors.load_word2vec_format``), fastText, spaCy and most other tools. These are
  the safe way to exchange vectors: plain numbers, no code.
- ``"gensim"``: gensim's native ``KeyedVectors.save`` format. It is a **pickle**: load such files
  only from sources you trust.
- ``"projector"``: ``vectors.tsv`` + ``metadata.tsv`` for the TensorBoard Embedding Projector
  (https://projector.tensorflow.org loads them directly).

Every writer is atomic: an existing good file is only replaced once the new one is complete.

Example:
>>> import numpy as np
>>> kv = keyed_vectors_from_matrix(["cat", "dog"], np.eye(2, dtype="float32"))
>>> kv.most_similar("cat", topn=1)[0][0]
'dog'
"""

import logging
import os

import numpy as np

from gensim_elmo.atomic_files import atomic_path

logger = logging.getLogger(__name__)

__all__ = ["keyed_vectors_from_matrix", "save_keyed_vectors", "load_keyed_vectors", "save_projector", "FORMATS"]

FORMATS = ("word2vec", "word2vec-binary", "gensim", "projector")


def keyed_vectors_from_matrix(words, matrix, counts=None):
    """Build a gensim ``KeyedVectors`` holding ``matrix[i]`` as the vector of ``words[i]``.

    Args:
        words: sequence of distinct str keys.
        matrix: array-like of shape (len(words), dim).
        counts: optional sequence of int frequencies, stored as the "count" attribute (used by
            ``save_word2vec_format`` to sort and by some evaluations). Defaults to None.

    Returns:
        gensim.models.KeyedVectors.

    Raises:
        ValueError: on a shape mismatch, duplicate or non-string words.

    Example:
    >>> kv = keyed_vectors_from_matrix(["a", "b"], [[1.0, 0.0], [0.0, 1.0]])
    >>> kv["b"].tolist()
    [0.0, 1.0]
    """
    from gensim.models import KeyedVectors

    words = list(words)
    matrix = np.asarray(matrix, dtype=np.float32)
    if matrix.ndim != 2:
        raise ValueError(f"`matrix` must be 2-D (n_words, dim), got shape {matrix.shape}.")
    if matrix.shape[0] != len(words):
        raise ValueError(f"`matrix` has {matrix.shape[0]} rows but {len(words)} words were given; they must match.")
    bad = [w for w in words if not isinstance(w, str)]
    if bad:
        raise ValueError(f"every word must be a str; got {bad[0]!r} of type {type(bad[0]).__name__}.")
    if len(set(words)) != len(words):
        seen, dup = set(), None
        for w in words:
            if w in seen:
                dup = w
                break
            seen.add(w)
        raise ValueError(f"`words` must be distinct; {dup!r} appears more than once.")
    kv = KeyedVectors(vector_size=matrix.shape[1], count=0, dtype=np.float32)
    kv.add_vectors(words, matrix)
    if counts is not None:
        counts = list(counts)
        if len(counts) != len(words):
            raise ValueError(f"`counts` has {len(counts)} entries for {len(words)} words.")
        kv.expandos["count"] = np.asarray(counts, dtype=np.int64)
    return kv


def save_projector(keyed_vectors, directory, limit=None):
    """Write ``vectors.tsv`` and ``metadata.tsv`` for the TensorBoard Embedding Projector.

    Args:
        keyed_vectors: any object with ``.vectors`` and ``.index_to_key`` (a gensim KeyedVectors).
        directory: output directory (created if needed).
        limit: int or None, write only the first ``limit`` words (gensim orders by frequency).
            Defaults to None.

    Returns:
        (vectors_path, metadata_path).

    Example:
    >>> import tempfile
    >>> kv = keyed_vectors_from_matrix(["a", "b"], [[1.0, 0.0], [0.0, 1.0]])
    >>> vec, meta = save_projector(kv, tempfile.mkdtemp())
    >>> open(meta).read().split()
    ['a', 'b']
    """
    os.makedirs(directory, exist_ok=True)
    words = list(keyed_vectors.index_to_key)[:limit]
    vectors = np.asarray(keyed_vectors.vectors)[: len(words)]
    vectors_path = os.path.join(directory, "vectors.tsv")
    metadata_path = os.path.join(directory, "metadata.tsv")
    with atomic_path(vectors_path) as tmp:
        np.savetxt(tmp, vectors, delimiter="\t", fmt="%.6g")
    with atomic_path(metadata_path) as tmp, open(tmp, "w", encoding="utf-8") as handle:
        for word in words:
            # One column of metadata has no header line; tabs and newlines would break the format.
            handle.write(word.replace("\t", " ").replace("\n", " ") + "\n")
    return vectors_path, metadata_path


def save_keyed_vectors(keyed_vectors, path, format="word2vec"):
    """Save ``keyed_vectors`` to ``path`` in ``format``, atomically.

    Args:
        keyed_vectors: a gensim KeyedVectors (``model.wv``).
        path: the output file (for "projector": a directory).
        format: one of "word2vec" (text), "word2vec-binary", "gensim" (pickle-based native format)
            or "projector". Defaults to "word2vec".

    Returns:
        The path written.

    Example:
    >>> import tempfile, os
    >>> kv = keyed_vectors_from_matrix(["a", "b"], [[1.0, 0.0], [0.0, 1.0]])
    >>> path = save_keyed_vectors(kv, os.path.join(tempfile.mkdtemp(), "v.txt"))
    >>> load_keyed_vectors(path)["a"].tolist()
    [1.0, 0.0]
    """
    if format not in FORMATS:
        raise ValueError(f"`format` must be one of {FORMATS}, got {format!r}.")
    path = os.fspath(path)
    if format == "projector":
        save_projector(keyed_vectors, path)
        return path
    with atomic_path(path) as tmp:
        if format == "gensim":
            # separately=[] keeps every array inside the one file, so the rename moves all of it.
            keyed_vectors.save(tmp, separately=[])
        else:
            keyed_vectors.save_word2vec_format(tmp, binary=(format == "word2vec-binary"))
    logger.info("saved %d vectors to %s (%s format)", len(keyed_vectors), path, format)
    return path


def load_keyed_vectors(path, format="word2vec", allow_pickle=False):
    """Load vectors written by ``save_keyed_vectors``.

    Args:
        path: the file.
        format: "word2vec", "word2vec-binary" or "gensim". Defaults to "word2vec".
        allow_pickle: bool, needed for "gensim": that format is a pickle, and loading a pickle runs
            code stored in the file, so it is refused unless you trust the file. Defaults to False.

    Returns:
        gensim.models.KeyedVectors.

    Example:
    >>> import tempfile, os
    >>> kv = keyed_vectors_from_matrix(["a"], [[1.0, 2.0]])
    >>> p = save_keyed_vectors(kv, os.path.join(tempfile.mkdtemp(), "v.bin"), format="word2vec-binary")
    >>> load_keyed_vectors(p, format="word2vec-binary")["a"].tolist()
    [1.0, 2.0]
    """
    from gensim.models import KeyedVectors

    if format == "gensim":
        from gensim_elmo.safe_loading import refuse_pickle

        refuse_pickle(path, allow_pickle)
        return KeyedVectors.load(os.fspath(path))
    if format not in ("word2vec", "word2vec-binary"):
        raise ValueError(f"`format` must be 'word2vec', 'word2vec-binary' or 'gensim', got {format!r}.")
    return KeyedVectors.load_word2vec_format(os.fspath(path), binary=(format == "word2vec-binary"))
