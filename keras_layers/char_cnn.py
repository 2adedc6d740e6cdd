"""The ``CharCNN`` layer: ELMo's character-level token encoder (char CNN, highway, projection)."""

import keras
from keras import ops

from keras_layers.highway import Highway

_RELEASED_FILTERS = [[1, 32], [2, 32], [3, 64], [4, 128], [5, 256], [6, 512], [7, 1024]]


@keras.saving.register_keras_serializable(package="keras_layers")
class CharCNN(keras.layers.Layer):
    """ELMo's token encoder: character embedding, CNN with max pooling, highway, projection.

    Each token is given as ``max_characters_per_token`` shifted character ids (see
    ``keras_layers.char_ids``; id 0 marks a padding token). The ids are embedded, every filter
    ``[width, n]`` is convolved over the characters with VALID padding, max-pooled over positions
    and passed through ``activation``; the filter outputs are concatenated, sent through
    ``n_highway`` highway layers (relu, as in bilm-tf regardless of ``activation``) and linearly
    projected to ``projection_dim``. Each convolution is one matrix product on the unfolded
    character windows (as fast as a convolution op on CPU and the same on every backend), and the
    bias is added after the max (``max(x + b) == max(x) + b`` exactly). Any leading axes are
    kept; the output of a padding token is not zero (mask it downstream).

    Args:
        filters: list of ``[width, num_filters]`` pairs. Defaults to the released ELMo's
            ``[[1, 32], [2, 32], [3, 64], [4, 128], [5, 256], [6, 512], [7, 1024]]``.
        char_embedding_dim: int, size of the character embedding. Defaults to 16.
        n_characters: int, rows of the character embedding (262: 261 shifted ids plus padding
            row 0). Defaults to 262.
        max_characters_per_token: int, character ids per token. Defaults to 50.
        n_highway: int, number of highway layers. Defaults to 2.
        projection_dim: int, output size. Defaults to 512.
        activation: activation after the max pooling, ``"relu"`` or ``"tanh"`` in the original.
            Defaults to ``"relu"``.
        **kwargs: base layer keyword arguments (``name``, ``dtype``, ``trainable``...).

    Call arguments:
        inputs: int tensor ``(..., max_characters_per_token)`` of shifted character ids.

    Returns:
        Float tensor ``(..., projection_dim)``.

    Example:

    >>> import numpy as np
    >>> from keras_layers.char_ids import batch_char_ids
    >>> cnn = CharCNN(filters=[[1, 4], [2, 8]], char_embedding_dim=4, n_highway=1, projection_dim=6)
    >>> tuple(cnn(batch_char_ids([["hello", "world"]])).shape)
    (1, 4, 6)

    Reference:
        Kim et al., "Character-Aware Neural Language Models", AAAI 2016; Peters et al., "Deep
        contextualized word representations", NAACL 2018 (bilm-tf ``_build_word_char_embeddings``).
    """

    def __init__(
        self,
        filters=None,
        char_embedding_dim=16,
        n_characters=262,
        max_characters_per_token=50,
        n_highway=2,
        projection_dim=512,
        activation="relu",
        **kwargs,
    ):
        super().__init__(**kwargs)
        if filters is None:
            filters = _RELEASED_FILTERS
        filters = [list(f) for f in filters] if isinstance(filters, (list, tuple)) else filters
        if not isinstance(filters, list) or not filters:
            raise ValueError(f"`filters` must be a non-empty list of [width, num_filters] pairs. Received: {filters!r}")
        for f in filters:
            if len(f) != 2 or not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in f):
                raise ValueError(
                    f"`filters` must hold [width, num_filters] pairs of positive ints. Received: filters={filters!r}"
                )
        for name, value in [
            ("char_embedding_dim", char_embedding_dim),
            ("n_characters", n_characters),
            ("max_characters_per_token", max_characters_per_token),
            ("projection_dim", projection_dim),
        ]:
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"`{name}` must be a positive int. Received: {name}={value!r}")
        if isinstance(n_highway, bool) or not isinstance(n_highway, int) or n_highway < 0:
            raise ValueError(f"`n_highway` must be an int >= 0. Received: n_highway={n_highway!r}")
        too_wide = [f for f in filters if f[0] > max_characters_per_token]
        if too_wide:
            raise ValueError(
                f"`filters` widths must be <= `max_characters_per_token` ({max_characters_per_token}). "
                f"Received: {too_wide}"
            )
        self.filters = filters
        self.char_embedding_dim = char_embedding_dim
        self.n_characters = n_characters
        self.max_characters_per_token = max_characters_per_token
        self.n_highway = n_highway
        self.projection_dim = projection_dim
        self.activation = keras.activations.get(activation)
        self.n_filters = sum(n for _, n in filters)
        self.highway = Highway(
            n_highway,
            activation="relu",
            carry_bias_initializer=keras.initializers.Constant(-2.0),
            dtype=self.dtype_policy,
            name="highway",
        )

    def build(self, input_shape):
        if input_shape[-1] is not None and input_shape[-1] != self.max_characters_per_token:
            raise ValueError(
                f"The last axis of the input of `CharCNN` must be `max_characters_per_token` "
                f"({self.max_characters_per_token}). Received: shape={input_shape}"
            )
        self.char_embedding = self.add_weight(
            name="char_embedding",
            shape=(self.n_characters, self.char_embedding_dim),
            initializer=keras.initializers.RandomUniform(-1.0, 1.0),
        )
        self.conv_kernels, self.conv_biases = [], []
        for i, (width, num) in enumerate(self.filters):
            self.conv_kernels.append(
                self.add_weight(
                    name=f"conv_kernel_{i}",
                    shape=(width, self.char_embedding_dim, num),
                    initializer=keras.initializers.RandomNormal(stddev=(1.0 / (width * self.char_embedding_dim)) ** 0.5),
                )
            )
            self.conv_biases.append(self.add_weight(name=f"conv_bias_{i}", shape=(num,), initializer="zeros"))
        self.highway.build((None, self.n_filters))
        self.projection_kernel = self.add_weight(
            name="projection_kernel",
            shape=(self.n_filters, self.projection_dim),
            initializer=keras.initializers.RandomNormal(stddev=(1.0 / self.n_filters) ** 0.5),
        )
        self.projection_bias = self.add_weight(name="projection_bias", shape=(self.projection_dim,), initializer="zeros")

    def call(self, inputs):
        ids = ops.cast(inputs, "int32")
        leading = ops.shape(ids)[:-1]
        ids = ops.reshape(ids, (-1, self.max_characters_per_token))
        chars = ops.take(self.char_embedding, ids, axis=0)  # (N, C, d)
        length = self.max_characters_per_token
        pooled = []
        for (width, num), kernel, bias in zip(self.filters, self.conv_kernels, self.conv_biases):
            positions = length - width + 1
            if width == 1:
                windows = chars
            else:
                windows = ops.concatenate([chars[:, k : k + positions, :] for k in range(width)], axis=-1)
            conv = ops.matmul(windows, ops.reshape(kernel, (width * self.char_embedding_dim, num)))
            pooled.append(self.activation(self._pool(conv) + bias))
        token = ops.concatenate(pooled, axis=-1) if len(pooled) > 1 else pooled[0]
        token = self.highway(token)
        token = ops.matmul(token, self.projection_kernel) + self.projection_bias
        return ops.reshape(token, tuple(leading) + (self.projection_dim,))

    def _pool(self, conv):
        """Max over the positions of ``conv`` ``(N, positions, filters)``. ``ops.amax``, not ``ops.max``:
        Keras's torch ``max`` checks a ``.values`` attribute that torch.compile cannot trace, a graph
        break that makes it run the whole enclosing frame eagerly."""
        return ops.amax(conv, axis=1)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.projection_dim,)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "filters": [list(f) for f in self.filters],
                "char_embedding_dim": self.char_embedding_dim,
                "n_characters": self.n_characters,
                "max_characters_per_token": self.max_characters_per_token,
                "n_highway": self.n_highway,
                "projection_dim": self.projection_dim,
                "activation": keras.activations.serialize(self.activation),
            }
        )
        return config
