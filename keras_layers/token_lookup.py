"""Token strings to ``KeyedVectorsEmbedding`` indices at a model's edge (a ``StringLookup``).

This is the one place where strings enter a Keras model. Like Keras's own ``StringLookup``, it
relies on TensorFlow's string ops (TensorFlow must be installed, whatever the backend); the numeric
path (``keras_layers.keyed_vectors_embedding.token_indices`` in numpy, then the embedding) works on
every backend.
"""

import keras
import numpy as np

from keras_layers.keyed_vectors_embedding import KeyedVectorsEmbedding, OOV_INDEX, PADDING_INDEX

#: The padding string: maps to index 0 and is masked.
PADDING_TOKEN = ""


@keras.saving.register_keras_serializable(package="keras_layers")
class TokenLookup(keras.layers.StringLookup):
    """Map token strings to the indices of ``KeyedVectorsEmbedding``.

    A ``keras.layers.StringLookup`` with the layout fixed to match ``KeyedVectorsEmbedding``:
    ``""`` (padding) -> 0, any unknown token -> 1, ``vocabulary[i]`` -> ``i + 2``. The vocabulary is
    stored in the layer's config, so a saved model needs nothing else.

    With ``split=True`` the layer takes whole sentences instead: a ``(batch,)`` string tensor (or
    ``(batch, 1)``) is split on whitespace and padded with "" to the longest sentence of the batch
    before the lookup, giving ``(batch, time)`` ids with 0 as padding (``time`` is 0 when every
    sentence is empty).

    Args:
        vocabulary: list of str, the known tokens in index order (``keyed_vectors.index_to_key``).
        split: bool, split sentences on whitespace first. Defaults to False.
        **kwargs: other ``StringLookup`` arguments such as ``name``.

    Call arguments:
        inputs: string tensor of tokens, any shape, padded with ""; with ``split=True``, a
            ``(batch,)`` or ``(batch, 1)`` string tensor of sentences.

    Returns:
        int64 tensor of the same shape; with ``split=True``, ``(batch, time)``.

    Example:
    >>> lookup = TokenLookup(["cat", "dog"])
    >>> keras.ops.convert_to_numpy(lookup([["dog", "cow", ""]])).tolist()
    [[3, 1, 0]]
    >>> sentences = TokenLookup(["cat", "dog"], split=True)
    >>> keras.ops.convert_to_numpy(sentences(["dog  cow", "cat"])).tolist()
    [[3, 1], [2, 0]]
    """

    def __init__(self, vocabulary=None, split=False, **kwargs):
        for fixed in ("mask_token", "num_oov_indices", "output_mode", "invert"):
            kwargs.pop(fixed, None)
        if vocabulary is not None and not isinstance(vocabulary, str):
            vocabulary = list(vocabulary)
            if PADDING_TOKEN in vocabulary:
                raise ValueError('`vocabulary` must not contain "" (the padding token).')
        if not isinstance(split, bool):
            raise TypeError(f"`split` must be a bool. Received: split={split!r}.")
        super().__init__(vocabulary=vocabulary, mask_token=PADDING_TOKEN, num_oov_indices=1, **kwargs)
        self.split = split

    def call(self, inputs):
        if not self.split:
            return super().call(inputs)
        import tensorflow as tf

        was_tf_input = isinstance(inputs, tf.Tensor)
        if not was_tf_input and not isinstance(inputs, (np.ndarray, list, tuple, str, bytes)):
            inputs = keras.ops.convert_to_numpy(inputs)
        sentences = tf.convert_to_tensor(inputs, dtype=tf.string)
        if sentences.shape.rank == 2 and sentences.shape[-1] == 1:
            sentences = tf.squeeze(sentences, axis=-1)
        if sentences.shape.rank != 1:
            raise ValueError(
                "With `split=True`, `TokenLookup` takes a (batch,) or (batch, 1) string tensor of sentences. "
                f"Received shape {sentences.shape}; use `split=False` for tokens that are already split."
            )
        tokens = tf.strings.split(sentences).to_tensor(default_value=PADDING_TOKEN)
        ids = super().call(tokens)
        if not was_tf_input and keras.backend.backend() != "tensorflow":
            ids = keras.ops.convert_to_tensor(ids.numpy())
        return ids

    def compute_output_shape(self, input_shape):
        if self.split:
            return (tuple(input_shape)[0] if input_shape else None, None)
        return super().compute_output_shape(input_shape)

    def get_config(self):
        config = super().get_config()
        config["split"] = self.split
        return config

    @classmethod
    def from_keyed_vectors(cls, keyed_vectors, **kwargs):
        """A lookup for ``keyed_vectors.index_to_key``.

        Example:
        >>> class KV:
        ...     index_to_key = ["cat"]
        >>> TokenLookup.from_keyed_vectors(KV()).vocabulary_size()
        3
        """
        return cls(vocabulary=list(keyed_vectors.index_to_key), **kwargs)


def string_embedding_model(keyed_vectors, trainable=False, mask_zero=True, name="string_embedding"):
    """A ready Keras model: token strings (padded with "") in, their vectors out.

    ``Input(shape=(None,), dtype="string") -> TokenLookup -> KeyedVectorsEmbedding``. The model
    saves to ``.keras`` and reloads without the original KeyedVectors.

    Args:
        keyed_vectors: an object with ``.vectors`` and ``.index_to_key`` (gensim ``KeyedVectors``).
        trainable: bool, whether the vectors train. Defaults to False.
        mask_zero: bool, mask the padding. Defaults to True.
        name: str, the model name. Defaults to "string_embedding".

    Returns:
        keras.Model mapping (batch, tokens) strings to (batch, tokens, dim) floats.

    Example:
    >>> import numpy as np
    >>> class KV:
    ...     index_to_key = ["cat", "dog"]
    ...     vectors = np.array([[1.0, 2.0], [3.0, 4.0]], "float32")
    >>> model = string_embedding_model(KV())
    >>> keras.ops.convert_to_numpy(model(np.array([["dog", ""]]))).tolist()
    [[[3.0, 4.0], [0.0, 0.0]]]
    """
    inputs = keras.Input(shape=(None,), dtype="string", name="tokens")
    ids = TokenLookup.from_keyed_vectors(keyed_vectors, name="token_lookup")(inputs)
    vectors = KeyedVectorsEmbedding(keyed_vectors, trainable=trainable, mask_zero=mask_zero, name="embedding")(ids)
    return keras.Model(inputs, vectors, name=name)


__all__ = ["TokenLookup", "string_embedding_model", "PADDING_TOKEN", "PADDING_INDEX", "OOV_INDEX"]
