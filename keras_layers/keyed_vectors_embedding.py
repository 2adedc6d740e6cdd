"""A Keras ``Embedding`` initialised from word vectors (gensim ``KeyedVectors`` or alike)."""

import keras
import numpy as np

#: Index reserved for padding (masked when ``mask_zero=True``).
PADDING_INDEX = 0
#: Index of every out-of-vocabulary token.
OOV_INDEX = 1
#: Word ``i`` of ``index_to_key`` has index ``i + FIRST_WORD_INDEX``.
FIRST_WORD_INDEX = 2


def _check_keyed_vectors(keyed_vectors):
    if not hasattr(keyed_vectors, "vectors") or not hasattr(keyed_vectors, "index_to_key"):
        raise TypeError(
            "`keyed_vectors` must have `.vectors` and `.index_to_key` (such as gensim's KeyedVectors, "
            f"e.g. `model.wv`); got {type(keyed_vectors).__name__}."
        )
    vectors = np.asarray(keyed_vectors.vectors)
    if vectors.ndim != 2 or vectors.shape[0] != len(keyed_vectors.index_to_key):
        raise ValueError(
            f"`keyed_vectors.vectors` must be (n_words, dim) with one row per key; got shape {vectors.shape} "
            f"for {len(keyed_vectors.index_to_key)} keys."
        )
    if vectors.shape[0] == 0:
        raise ValueError("`keyed_vectors` is empty: it holds no word vectors.")
    return vectors


def embedding_matrix(keyed_vectors):
    """The (n_words + 2, dim) matrix of ``KeyedVectorsEmbedding``: padding, OOV, then the words.

    Rows 0 (padding) and 1 (out-of-vocabulary) are zeros; row ``i + 2`` is
    ``keyed_vectors.vectors[i]``.

    Args:
        keyed_vectors: an object with ``.vectors`` and ``.index_to_key``.

    Returns:
        np.ndarray of float32.

    Example:
    >>> class KV:  # anything with .vectors and .index_to_key works
    ...     index_to_key = ["a", "b"]
    ...     vectors = np.ones((2, 3), "float32")
    >>> embedding_matrix(KV()).shape
    (4, 3)
    """
    vectors = _check_keyed_vectors(keyed_vectors)
    matrix = np.zeros((vectors.shape[0] + FIRST_WORD_INDEX, vectors.shape[1]), dtype=np.float32)
    matrix[FIRST_WORD_INDEX:] = vectors
    return matrix


def token_indices(keyed_vectors, sentences, maxlen=None):
    """Map token lists to ``KeyedVectorsEmbedding`` indices in numpy (works on every backend).

    Args:
        keyed_vectors: an object with ``.index_to_key`` (and ``.key_to_index`` if it has one).
        sentences: list of token lists, or one token list.
        maxlen: int or None, pad/truncate to this length (default: the longest sentence).

    Returns:
        np.ndarray int32 of shape (n_sentences, maxlen): 0 = padding, 1 = unknown word.

    Example:
    >>> class KV:
    ...     index_to_key = ["a", "b"]
    >>> token_indices(KV(), [["b", "zzz"], ["a"]]).tolist()
    [[3, 1], [2, 0]]
    """
    key_to_index = getattr(keyed_vectors, "key_to_index", None)
    if key_to_index is None:
        key_to_index = {key: i for i, key in enumerate(keyed_vectors.index_to_key)}
    if sentences and isinstance(sentences[0], str):
        sentences = [sentences]
    if maxlen is None:
        maxlen = max((len(s) for s in sentences), default=0)
    out = np.zeros((len(sentences), maxlen), dtype=np.int32)
    for row, sentence in enumerate(sentences):
        for col, token in enumerate(sentence[:maxlen]):
            index = key_to_index.get(token)
            out[row, col] = OOV_INDEX if index is None else index + FIRST_WORD_INDEX
    return out


@keras.saving.register_keras_serializable(package="keras_layers")
class KeyedVectorsEmbedding(keras.layers.Embedding):
    """A Keras ``Embedding`` layer initialised from word vectors.

    The replacement for gensim 3's ``get_keras_embedding``: give it any object with ``.vectors``
    and ``.index_to_key`` (a gensim ``KeyedVectors`` such as ``model.wv``) and it returns exactly
    those vectors. Index layout (the same as ``keras.layers.StringLookup`` with ``mask_token=""``,
    so ``TokenLookup`` feeds it directly):

    - 0: padding, a zero vector, masked when ``mask_zero=True``;
    - 1: out-of-vocabulary, a zero vector (trainable with the rest when ``trainable=True``);
    - ``i + 2``: the word ``keyed_vectors.index_to_key[i]``.

    The vectors are saved with the layer's weights, so a saved ``.keras`` model reloads without
    the original KeyedVectors.

    Args:
        keyed_vectors: object with ``.vectors`` (n_words, dim) and ``.index_to_key``; may be None
            when ``input_dim`` and ``output_dim`` are given (as when Keras reloads the layer).
        trainable: bool, let training update the vectors. Defaults to False.
        mask_zero: bool, pass a mask (index != 0) to the following layers. Defaults to True.
        input_dim: int, n_words + 2; only without ``keyed_vectors``.
        output_dim: int, the vector size; only without ``keyed_vectors``.
        **kwargs: other ``keras.layers.Embedding`` arguments (``name``, ``dtype``...).

    Call arguments:
        inputs: int tensor of indices, any shape.

    Returns:
        Float tensor of shape ``inputs.shape + (dim,)``.

    Example:
    >>> import numpy as np
    >>> class KV:
    ...     index_to_key = ["cat", "dog"]
    ...     vectors = np.array([[1.0, 2.0], [3.0, 4.0]], "float32")
    >>> layer = KeyedVectorsEmbedding(KV())
    >>> keras.ops.convert_to_numpy(layer(np.array([[3, 2, 0]]))).tolist()
    [[[3.0, 4.0], [1.0, 2.0], [0.0, 0.0]]]

    Reference:
        gensim 3 ``KeyedVectors.get_keras_embedding``.
    """

    def __init__(self, keyed_vectors=None, trainable=False, mask_zero=True, input_dim=None, output_dim=None, **kwargs):
        weights = None
        if keyed_vectors is not None:
            if input_dim is not None or output_dim is not None:
                raise ValueError("Pass either `keyed_vectors` or `input_dim`/`output_dim`, not both.")
            weights = embedding_matrix(keyed_vectors)
            input_dim, output_dim = weights.shape
        elif input_dim is None or output_dim is None:
            raise ValueError(
                "`keyed_vectors` is required (e.g. `model.wv`); `input_dim` and `output_dim` alone are only "
                "for reloading a saved layer."
            )
        kwargs.pop("weights", None)
        super().__init__(
            input_dim=input_dim, output_dim=output_dim, mask_zero=mask_zero, trainable=trainable, weights=weights, **kwargs
        )

    def get_config(self):
        config = super().get_config()
        config.pop("embeddings_initializer", None)
        return config

    @property
    def vocabulary_size(self):
        """Number of words (``input_dim - 2``)."""
        return self.input_dim - FIRST_WORD_INDEX
