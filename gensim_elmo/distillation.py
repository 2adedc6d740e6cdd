"""Static word vectors distilled from a contextual model: pool, then optionally SIF-weight and PCA.

``distill_keyed_vectors`` runs a model with ``embed_sentences`` (an ``ELMo``) over a corpus, streamed
in chunks, and keeps one running sum and one count per word (memory: vocabulary x dimension,
whatever the corpus size). The steps, in this order:

1. **Pooling**: a word's vector is the mean of its contextual vectors over all its occurrences
   (of ``layer``: 0, 1, 2, or "average", the mean of the layers), as
   ``ELMo.keyed_vectors(embed_corpus=...)`` computes it. Words seen fewer than ``min_count``
   times are dropped (they still count in the corpus size of step 2).
2. **SIF weighting** (``sif=a``, Arora, Liang and Ma 2017, "A simple but tough-to-beat baseline for
   sentence embeddings"): each word's vector is multiplied by ``a / (a + p(w))``, where
   ``p(w) = count(w) / total tokens of the corpus``. Scaling leaves a word's cosines unchanged, but
   the mean of the weighted vectors of a sentence is then SIF's weighted average; ``a`` is
   typically 1e-3 to 1e-4.
3. **Common component removal** (``remove_components=k``, as in SIF): the projection on the first
   ``k`` right singular vectors of the (uncentred) matrix of step 2 is subtracted from every vector.
4. **PCA** (``pca_dim=n``): vectors are centred (the mean vector subtracted) and projected on the
   first ``n`` principal axes (numpy SVD of the centred matrix), so dimension ``i`` has the
   ``i``-th largest variance.

Words are ordered by decreasing count (ties by the word), and their counts stored as the "count"
attribute. Save the result with ``gensim_elmo.export.save_keyed_vectors``; its ``format="npz"``
stores it in float16 or int8 (``dtype=``). The command line does the same:
``gensim-elmo distill MODEL --corpus FILE --output OUT.npz [--pca N] [--sif A] [--dtype int8]``.

Example:
>>> from gensim_elmo.elmo import ELMo
>>> model = ELMo(preset="tiny", progress=False)
>>> corpus = [["the", "cat", "sat"], ["the", "dog", "sat"]]
>>> kv = distill_keyed_vectors(model, corpus, pca_dim=3, sif=1e-3, progress=False)
>>> kv.index_to_key[:2], kv.vector_size
(['sat', 'the'], 3)
"""

import logging

import numpy as np

from gensim_elmo.corpus import as_sentences

logger = logging.getLogger(__name__)

__all__ = ["pool_contextual_vectors", "sif_weights", "remove_principal_components", "pca", "distill_keyed_vectors",
           "vectors_from_pooled"]


def _check_layer(model, layer):
    num_layers = model.network.num_layers
    if isinstance(layer, bool) or (layer != "average" and layer not in range(num_layers + 1)):
        raise ValueError(f"`layer` must be 'average' or an int in [0, {num_layers}], got {layer!r}.")


def _check_options(pca_dim, sif, remove_components, min_count):
    if isinstance(min_count, bool) or not isinstance(min_count, int) or min_count < 1:
        raise ValueError(f"`min_count` must be a positive int, got {min_count!r}.")
    if sif is not None:
        sif_weights([1], 1, sif)  # checks `a`
    if pca_dim is not None and (isinstance(pca_dim, bool) or not isinstance(pca_dim, int) or pca_dim < 1):
        raise ValueError(f"`pca_dim` must be a positive int or None, got {pca_dim!r}.")
    if isinstance(remove_components, bool) or not isinstance(remove_components, int) or remove_components < 0:
        raise ValueError(f"`remove_components` must be an int >= 0, got {remove_components!r}.")


def pool_contextual_vectors(model, corpus, layer="average", batch_size=64, chunk_sentences=1024, progress=True):
    """Sum and count of each word's contextual vectors over ``corpus``, streamed.

    Args:
        model: an object with ``embed_sentences(sentences, batch_size=)`` returning one
            (layers, n_tokens, dim) array per sentence (an ``ELMo``).
        corpus: iterable of token lists (read once).
        layer: 0, 1, 2, or "average" (mean of the layers). Defaults to "average".
        batch_size: int, sentences per forward pass. Defaults to 64.
        chunk_sentences: int, sentences read and embedded together (bounds the memory). Defaults
            to 1024.
        progress: bool, a tqdm bar in tokens. Defaults to True.

    Returns:
        (dict word -> float64 sum vector, dict word -> int count, int total tokens).

    Raises:
        ValueError: on an unknown layer or a bad chunk size.
    """
    from tqdm.auto import tqdm

    if hasattr(model, "network"):
        _check_layer(model, layer)
    if not isinstance(chunk_sentences, int) or chunk_sentences < 1:
        raise ValueError(f"`chunk_sentences` must be a positive int, got {chunk_sentences!r}.")
    sums, counts, buffer = {}, {}, []
    total = 0
    bar = tqdm(desc="distill", unit=" tokens", unit_scale=True, disable=not progress)

    def flush():
        nonlocal total
        for sentence, vectors in zip(buffer, model.embed_sentences(buffer, batch_size=batch_size)):
            chosen = vectors.mean(axis=0) if layer == "average" else vectors[layer]
            for token, vector in zip(sentence, chosen):
                if token in sums:
                    sums[token] += vector
                    counts[token] += 1
                else:
                    sums[token] = vector.astype(np.float64)
                    counts[token] = 1
            total += len(sentence)
            bar.update(len(sentence))
        buffer.clear()

    try:
        for sentence in as_sentences(corpus):
            buffer.append(sentence)
            if len(buffer) >= chunk_sentences:
                flush()
        flush()
    finally:
        bar.close()
    return sums, counts, total


def sif_weights(counts, total, a=1e-3):
    """SIF weights ``a / (a + p(w))`` with ``p(w) = count / total``.

    Args:
        counts: array-like of int, the words' counts.
        total: int, tokens in the corpus (at least ``sum(counts)``).
        a: float > 0. Defaults to 1e-3.

    Returns:
        np.ndarray of float64 in (0, 1].

    Example:
    >>> sif_weights([1, 3], total=4, a=0.25).tolist()
    [0.5, 0.25]
    """
    if isinstance(a, bool) or not isinstance(a, (int, float)) or not a > 0:
        raise ValueError(f"the SIF parameter `a` must be a positive number, got {a!r}.")
    counts = np.asarray(counts, dtype=np.float64)
    if total <= 0:
        raise ValueError(f"`total` must be positive, got {total!r}.")
    return a / (a + counts / float(total))


def remove_principal_components(matrix, k=1):
    """``matrix`` minus its projection on its first ``k`` right singular vectors (no centring, as SIF).

    Args:
        matrix: array-like (n, dim).
        k: int >= 0, components to remove. Defaults to 1.

    Returns:
        np.ndarray of float64 (n, dim).

    Example:
    >>> out = remove_principal_components([[2.0, 0.0], [3.0, 1.0]], k=2)
    >>> bool(abs(out).max() < 1e-12)
    True
    """
    matrix = np.asarray(matrix, dtype=np.float64)
    if isinstance(k, bool) or not isinstance(k, int) or k < 0:
        raise ValueError(f"`remove_components` must be an int >= 0, got {k!r}.")
    if k > min(matrix.shape):
        raise ValueError(f"cannot remove {k} components from a {matrix.shape[0]} x {matrix.shape[1]} matrix "
                         f"(at most {min(matrix.shape)}).")
    if k == 0:
        return matrix
    _, _, vt = np.linalg.svd(matrix, full_matrices=False)
    top = vt[:k]
    return matrix - (matrix @ top.T) @ top


def pca(matrix, n_components):
    """Project ``matrix`` (centred) on its first ``n_components`` principal axes.

    Args:
        matrix: array-like (n, dim).
        n_components: int in [1, min(n, dim)].

    Returns:
        (projected (n, n_components) float64, explained variance ratio per component).

    Example:
    >>> projected, ratio = pca([[0.0, 0.0], [2.0, 0.1], [4.0, -0.1]], 1)
    >>> projected.shape, bool(ratio[0] > 0.99)
    ((3, 1), True)
    """
    matrix = np.asarray(matrix, dtype=np.float64)
    n, dim = matrix.shape
    if isinstance(n_components, bool) or not isinstance(n_components, int) or n_components < 1:
        raise ValueError(f"`pca_dim` must be a positive int, got {n_components!r}.")
    if n_components > dim:
        raise ValueError(f"`pca_dim`={n_components} is larger than the vector size {dim}.")
    if n_components > n:
        raise ValueError(f"`pca_dim`={n_components} is larger than the number of words {n}: PCA on {n} vectors "
                         f"has at most {n} components.")
    centred = matrix - matrix.mean(axis=0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    variance = s ** 2
    ratio = variance[:n_components] / variance.sum() if variance.sum() > 0 else np.zeros(n_components)
    return centred @ vt[:n_components].T, ratio


def distill_keyed_vectors(model, corpus, layer="average", pca_dim=None, sif=None, remove_components=0, min_count=1,
                          batch_size=64, chunk_sentences=1024, progress=True):
    """Static word vectors from a contextual model's vectors over ``corpus`` (see the module doc).

    Args:
        model: an ``ELMo`` (anything with ``embed_sentences``).
        corpus: iterable of token lists, read once, streamed.
        layer: 0, 1, 2, or "average" (mean of the layers). Defaults to "average".
        pca_dim: int or None, project on this many principal axes (at most the vector size and
            the number of words). Defaults to None (no PCA).
        sif: float or None, the SIF parameter ``a``: weight each vector by ``a / (a + p(w))``.
            Defaults to None (no weighting).
        remove_components: int, principal components removed after weighting (SIF uses 1).
            Defaults to 0.
        min_count: int, drop words seen fewer times. Defaults to 1.
        batch_size: int, sentences per forward pass. Defaults to 64.
        chunk_sentences: int, sentences embedded together. Defaults to 1024.
        progress: bool, a tqdm bar. Defaults to True.

    Returns:
        gensim.models.KeyedVectors, words by decreasing count, counts as the "count" attribute.

    Raises:
        ValueError: on an empty corpus, no word reaching ``min_count``, a bad ``layer``,
            ``pca_dim`` larger than the vector size or the number of words, or bad ``sif``.

    Example:
    >>> from gensim_elmo.elmo import ELMo
    >>> model = ELMo(preset="tiny", progress=False)
    >>> kv = distill_keyed_vectors(model, [["a", "cat"], ["a", "dog"]], layer=2, progress=False)
    >>> kv["cat"].shape, int(kv.get_vecattr("a", "count"))
    ((32,), 2)
    """
    _check_options(pca_dim, sif, remove_components, min_count)  # before the corpus is read
    dim = getattr(getattr(model, "network", None), "projection_dim", None)
    if pca_dim is not None and dim is not None and pca_dim > 2 * dim:
        raise ValueError(f"`pca_dim`={pca_dim} is larger than the vector size {2 * dim}.")
    sums, counts, total = pool_contextual_vectors(model, corpus, layer=layer, batch_size=batch_size,
                                                  chunk_sentences=chunk_sentences, progress=progress)
    return vectors_from_pooled(sums, counts, total, pca_dim=pca_dim, sif=sif, remove_components=remove_components,
                               min_count=min_count)


def vectors_from_pooled(sums, counts, total, pca_dim=None, sif=None, remove_components=0, min_count=1):
    """Steps 1-4 of the module doc on vectors pooled by ``pool_contextual_vectors``: its output
    can then be distilled several ways (PCA sizes, SIF or not) without running the model again.

    Args:
        sums: dict, word -> sum of its vectors, as ``pool_contextual_vectors`` returns it.
        counts: dict, word -> number of its occurrences, as ``pool_contextual_vectors`` returns it.
        total: int, the number of tokens pooled, as ``pool_contextual_vectors`` returns it.
        pca_dim: int or None, as for ``distill_keyed_vectors``.
        sif: float or None, as for ``distill_keyed_vectors``.
        remove_components: int, as for ``distill_keyed_vectors``.
        min_count: int, as for ``distill_keyed_vectors``.

    Returns:
        gensim.models.KeyedVectors, words by decreasing count, counts as the "count" attribute.

    Example:
    >>> import numpy as np
    >>> sums = {"a": np.array([2.0, 4.0]), "b": np.array([1.0, 0.0])}
    >>> kv = vectors_from_pooled(sums, {"a": 2, "b": 1}, total=3)
    >>> kv.index_to_key, kv["a"].tolist()
    (['a', 'b'], [1.0, 2.0])
    """
    from gensim_elmo.export import keyed_vectors_from_matrix

    _check_options(pca_dim, sif, remove_components, min_count)
    if not sums:
        raise ValueError("the corpus holds no tokens: nothing to distill.")
    words = sorted((w for w in sums if counts[w] >= min_count), key=lambda w: (-counts[w], w))
    if not words:
        raise ValueError(f"no word occurs at least min_count={min_count} times (the most frequent: "
                         f"{max(counts.values())} times).")
    word_counts = np.array([counts[w] for w in words], dtype=np.int64)
    matrix = np.stack([sums[w] / counts[w] for w in words])
    if sif is not None:
        matrix = matrix * sif_weights(word_counts, total, sif)[:, None]
    if remove_components:
        matrix = remove_principal_components(matrix, remove_components)
    if pca_dim is not None:
        matrix, ratio = pca(matrix, pca_dim)
        logger.info("PCA to %d dimensions keeps %.1f%% of the variance", pca_dim, 100 * ratio.sum())
    logger.info("distilled %d word vectors of size %d from %d tokens", len(words), matrix.shape[1], total)
    return keyed_vectors_from_matrix(words, matrix, counts=word_counts)
