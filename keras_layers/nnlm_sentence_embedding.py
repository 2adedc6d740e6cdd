"""The ``NNLMSentenceEmbedding`` layer: one vector per sentence, as TF-Hub's NNLM text embeddings."""

import keras
from keras import ops

from keras_layers.keyed_vectors_embedding import PADDING_INDEX, KeyedVectorsEmbedding
from keras_layers.token_lookup import TokenLookup


@keras.saving.register_keras_serializable(package="keras_layers")
class NNLMSentenceEmbedding(KeyedVectorsEmbedding):
    """Sentence vectors from word vectors by the sqrt(n) combiner of TF-Hub's NNLM modules.

    Token ids ``(batch, time)`` in the ``KeyedVectorsEmbedding`` layout (0 padding, 1 unknown
    word, ``i + 2`` the word ``keyed_vectors.index_to_key[i]``) become one vector per row:
    ``sum of the token vectors / sqrt(n)``, with ``n`` the number of non-padding tokens. Unknown
    words count in ``n`` (their vector is zero unless trained); padding never contributes, even
    when the matrix trains. A row of padding only gives a zero vector. The output carries no mask.

    It is a ``KeyedVectorsEmbedding`` (same constructor, same saved weights), so the vectors are
    saved with the model and a ``.keras`` file reloads without the KeyedVectors. For sentences as
    strings, put ``TokenLookup(..., split=True)`` in front, or use ``sentence_embedding_model``.

    Args:
        keyed_vectors: object with ``.vectors`` (n_words, dim) and ``.index_to_key`` (gensim
            ``KeyedVectors`` such as ``model.wv``); None only with ``input_dim``/``output_dim``
            (as when Keras reloads the layer).
        input_dim: int, n_words + 2; only without ``keyed_vectors``.
        output_dim: int, the vector size; only without ``keyed_vectors``.
        trainable: bool, let training update the word vectors. Defaults to False.
        **kwargs: other ``keras.layers.Embedding`` arguments (``name``, ``dtype``...);
            ``mask_zero`` is ignored (the output has no time axis to mask).

    Call arguments:
        inputs: int tensor ``(batch, time)`` of token ids, 0 for padding.

    Returns:
        Float tensor ``(batch, dim)``.

    Example:

    >>> import numpy as np
    >>> class KV:
    ...     index_to_key = ["cat", "dog"]
    ...     vectors = np.array([[1.0, 2.0], [3.0, 5.0]], "float32")
    >>> layer = NNLMSentenceEmbedding(KV())
    >>> ids = np.array([[2, 3, 1, 3, 0], [0, 0, 0, 0, 0]])  # cat dog <unknown> dog; padding only
    >>> keras.ops.convert_to_numpy(layer(ids)).tolist()  # (cat + dog + 0 + dog) / sqrt(4)
    [[3.5, 6.0], [0.0, 0.0]]

    Reference:
        TF-Hub ``google/nnlm-en-dim128`` (token embeddings combined with the "sqrtn" combiner);
        Bengio et al., "A Neural Probabilistic Language Model", JMLR 2003.
    """

    def __init__(self, keyed_vectors=None, input_dim=None, output_dim=None, trainable=False, **kwargs):
        kwargs.pop("mask_zero", None)
        super().__init__(
            keyed_vectors=keyed_vectors,
            trainable=trainable,
            mask_zero=False,
            input_dim=input_dim,
            output_dim=output_dim,
            **kwargs,
        )

    def call(self, inputs):
        if "int" not in keras.backend.standardize_dtype(inputs.dtype):
            inputs = ops.cast(inputs, "int32")
        vectors = super().call(inputs)
        present = ops.cast(ops.not_equal(inputs, PADDING_INDEX), vectors.dtype)
        total = ops.sum(vectors * ops.expand_dims(present, -1), axis=-2)
        count = ops.sum(present, axis=-1, keepdims=True)
        return total / ops.sqrt(ops.maximum(count, 1.0))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.output_dim,)

    def compute_mask(self, inputs, mask=None):
        return None

    def get_config(self):
        config = super().get_config()
        config.pop("mask_zero", None)
        return config


def sentence_embedding_model(keyed_vectors, trainable=False, name="sentence_embedding"):
    """A ready Keras model: sentences as strings in, one vector per sentence out.

    ``Input(shape=(), dtype="string") -> TokenLookup(split=True) -> NNLMSentenceEmbedding``:
    each sentence is split on whitespace, its tokens looked up in ``keyed_vectors`` and combined
    by ``sum / sqrt(n)``. The string step needs TensorFlow's string ops (as ``TokenLookup``); the
    model saves to ``.keras`` and reloads without the KeyedVectors.

    Args:
        keyed_vectors: an object with ``.vectors`` and ``.index_to_key`` (gensim ``KeyedVectors``).
        trainable: bool, whether the word vectors train. Defaults to False.
        name: str, the model name. Defaults to "sentence_embedding".

    Returns:
        keras.Model mapping a ``(batch,)`` string tensor to ``(batch, dim)`` floats.

    Example:

    >>> import numpy as np
    >>> class KV:
    ...     index_to_key = ["cat", "dog"]
    ...     vectors = np.array([[1.0, 2.0], [3.0, 5.0]], "float32")
    >>> model = sentence_embedding_model(KV())
    >>> keras.ops.convert_to_numpy(model(np.array(["dog cat cow dog", ""]))).tolist()
    [[3.5, 6.0], [0.0, 0.0]]
    """
    inputs = keras.Input(shape=(), dtype="string", name="sentences")
    ids = TokenLookup.from_keyed_vectors(keyed_vectors, split=True, name="token_lookup")(inputs)
    vectors = NNLMSentenceEmbedding(keyed_vectors, trainable=trainable, name="nnlm_sentence_embedding")(ids)
    return keras.Model(inputs, vectors, name=name)
