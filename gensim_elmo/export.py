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
- ``"npz"``: a numpy ``.npz`` archive (no pickle) that can store the vectors in less space:
  ``dtype="float32"``, ``"float16"`` (half the size, relative error below 2**-11 per number) or
  ``"int8"`` (a quarter of the size; each vector is stored as ``round(v / s)`` with its own scale
  ``s = max|v| / 127``, so a number comes back within ``s / 2`` of its value).
  ``load_keyed_vectors`` turns every dtype back into float32 vectors.

The word2vec text and binary formats hold float32 numbers only (gensim writes every vector as
float32), so ``dtype=`` other than ``"float32"`` needs ``format="npz"``.

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

__all__ = ["keyed_vectors_from_matrix", "save_keyed_vectors", "load_keyed_vectors", "save_projector", "FORMATS",
           "DTYPES", "quantize", "dequantize"]

FORMATS = ("word2vec", "word2vec-binary", "gensim", "projector", "npz")

#: Storage dtypes of ``save_keyed_vectors(..., format="npz", dtype=...)``.
DTYPES = ("float32", "float16", "int8")

#: Version of the layout of the "npz" format (stored in the file as ``npz_version``).
NPZ_VERSION = 1


def _check_dtype(dtype):
    if not isinstance(dtype, str) or dtype not in DTYPES:
        raise ValueError(f"`dtype` must be one of {DTYPES}, got {dtype!r}.")
    return dtype


def quantize(matrix, dtype="int8"):
    """``matrix`` (n, dim) stored as ``dtype``: (stored array, per-row float32 scales or None).

    "float32" and "float16" are casts (no scales). "int8" scales each row on its own:
    ``s = max|row| / 127`` (1 for an all-zero row) and stores ``round(row / s)`` in [-127, 127], so
    ``dequantize`` gives every number back within ``s / 2``.

    Args:
        matrix: array-like of shape (n, dim).
        dtype: "float32", "float16" or "int8". Defaults to "int8".

    Returns:
        (np.ndarray of ``dtype``, np.ndarray of float32 of shape (n,) or None).

    Example:
    >>> q, scale = quantize([[1.0, -0.5], [0.0, 0.0]])
    >>> q.tolist(), scale.tolist()
    ([[127, -64], [0, 0]], [0.007874015718698502, 1.0])
    >>> [round(float(x), 3) for x in dequantize(q, scale)[0]]
    [1.0, -0.504]
    """
    _check_dtype(dtype)
    matrix = np.asarray(matrix, dtype=np.float32)
    if matrix.ndim != 2:
        raise ValueError(f"`matrix` must be 2-D (n_words, dim), got shape {matrix.shape}.")
    if not np.all(np.isfinite(matrix)):
        raise ValueError("`matrix` holds NaN or infinite values; they cannot be stored.")
    if dtype == "float32":
        return matrix, None
    if dtype == "float16":
        if matrix.size and np.abs(matrix).max() > np.finfo(np.float16).max:
            raise ValueError(f"a value above {float(np.finfo(np.float16).max)} does not fit in float16; "
                             "use dtype='int8' (scaled) or 'float32'.")
        return matrix.astype(np.float16), None
    peak = np.abs(matrix).max(axis=1) if matrix.shape[1] else np.zeros(matrix.shape[0], np.float32)
    scale = np.where(peak > 0, peak / 127.0, 1.0).astype(np.float32)
    stored = np.clip(np.rint(matrix / scale[:, None]), -127, 127).astype(np.int8)
    return stored, scale


def dequantize(stored, scale=None):
    """float32 vectors from ``quantize``'s output (``stored * scale`` per row for int8).

    Args:
        stored: np.ndarray of float32, float16 or int8, shape (n, dim).
        scale: per-row scales (int8), or None.

    Returns:
        np.ndarray of float32.
    """
    stored = np.asarray(stored)
    if stored.dtype == np.int8:
        if scale is None:
            raise ValueError("int8 vectors need their per-row `scale` to be read back.")
        return stored.astype(np.float32) * np.asarray(scale, dtype=np.float32)[:, None]
    return stored.astype(np.float32)


def _save_npz(keyed_vectors, path, dtype):
    words = list(keyed_vectors.index_to_key)
    bad = [w for w in words if not isinstance(w, str)]
    if bad:
        raise ValueError(f"the npz format stores str keys; got {bad[0]!r} of type {type(bad[0]).__name__}.")
    stored, scale = quantize(np.asarray(keyed_vectors.vectors)[: len(words)], dtype)
    # The words as one UTF-8 blob plus offsets: any str key, compact, and no pickle (object arrays).
    encoded = [w.encode("utf-8") for w in words]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    offsets[1:] = np.cumsum([len(b) for b in encoded], dtype=np.int64)
    arrays = {
        "npz_version": np.array(NPZ_VERSION, dtype=np.int64),
        "dtype": np.array(dtype),
        "vectors": stored,
        "words_utf8": np.frombuffer(b"".join(encoded), dtype=np.uint8),
        "word_offsets": offsets,
    }
    if scale is not None:
        arrays["scale"] = scale
    if "count" in keyed_vectors.expandos:
        arrays["counts"] = np.asarray(keyed_vectors.expandos["count"], dtype=np.int64)[: len(words)]
    with atomic_path(path) as tmp, open(tmp, "wb") as handle:
        np.savez(handle, **arrays)


def _load_npz(path):
    with np.load(os.fspath(path), allow_pickle=False) as data:
        version = int(data["npz_version"]) if "npz_version" in data.files else None
        if version != NPZ_VERSION:
            raise ValueError(f"{path}: not a gensim_elmo vectors .npz (npz_version {version!r}, "
                             f"expected {NPZ_VERSION}).")
        blob = data["words_utf8"].tobytes()
        offsets = data["word_offsets"]
        words = [blob[offsets[i]:offsets[i + 1]].decode("utf-8") for i in range(len(offsets) - 1)]
        vectors = dequantize(data["vectors"], data["scale"] if "scale" in data.files else None)
        counts = data["counts"] if "counts" in data.files else None
    return keyed_vectors_from_matrix(words, vectors, counts=counts)


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


def save_keyed_vectors(keyed_vectors, path, format="word2vec", dtype="float32"):
    """Save ``keyed_vectors`` to ``path`` in ``format``, atomically.

    Args:
        keyed_vectors: a gensim KeyedVectors (``model.wv``).
        path: the output file (for "projector": a directory).
        format: one of "word2vec" (text), "word2vec-binary", "gensim" (pickle-based native format),
            "projector" or "npz" (numpy archive, no pickle). Defaults to "word2vec".
        dtype: how the numbers are stored: "float32", or with ``format="npz"`` also "float16" or
            "int8" (per-vector scale; see ``quantize``). Defaults to "float32".

    Returns:
        The path written.

    Example:
    >>> import tempfile, os
    >>> kv = keyed_vectors_from_matrix(["a", "b"], [[1.0, 0.0], [0.0, 1.0]])
    >>> path = save_keyed_vectors(kv, os.path.join(tempfile.mkdtemp(), "v.txt"))
    >>> load_keyed_vectors(path)["a"].tolist()
    [1.0, 0.0]
    >>> small = save_keyed_vectors(kv, os.path.join(tempfile.mkdtemp(), "v.npz"), format="npz", dtype="int8")
    >>> load_keyed_vectors(small, format="npz")["b"].tolist()
    [0.0, 1.0]
    """
    if format not in FORMATS:
        raise ValueError(f"`format` must be one of {FORMATS}, got {format!r}.")
    _check_dtype(dtype)
    if dtype != "float32" and format != "npz":
        raise ValueError(f"format {format!r} stores float32 numbers only; dtype={dtype!r} needs format='npz'.")
    path = os.fspath(path)
    if format == "npz":
        _save_npz(keyed_vectors, path, dtype)
        logger.info("saved %d vectors to %s (npz format, %s)", len(keyed_vectors), path, dtype)
        return path
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
        format: "word2vec", "word2vec-binary", "gensim" or "npz" (any stored dtype comes back as
            float32 vectors). Defaults to "word2vec".
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
    if format == "npz":
        return _load_npz(path)
    if format not in ("word2vec", "word2vec-binary"):
        raise ValueError(f"`format` must be 'word2vec', 'word2vec-binary', 'gensim' or 'npz', got {format!r}.")
    return KeyedVectors.load_word2vec_format(os.fspath(path), binary=(format == "word2vec-binary"))
