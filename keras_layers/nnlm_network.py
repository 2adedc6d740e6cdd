"""The ``NNLMNetwork`` model: the feed-forward neural probabilistic language model of Bengio et al."""

import keras
from keras import ops


def _check_positive_int(name, value):
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"`{name}` must be an int. Received: {name}={value!r} of type {type(value).__name__}.")
    if value < 1:
        raise ValueError(f"`{name}` must be a positive int. Received: {name}={value}.")


@keras.saving.register_keras_serializable(package="keras_layers")
class NNLMNetwork(keras.Model):
    """The neural probabilistic language model of Bengio et al. (2003) as a Keras model.

    Given the ids of the ``context_size`` words before a position, the network scores every word of
    the vocabulary as the next word:

    - ``x = [C[w_1], ..., C[w_n]]``: the context embeddings from one shared matrix ``C``
      (``vocabulary_size x vector_size``), concatenated to ``(batch, context_size * vector_size)``;
    - ``h = tanh(x @ H + d)``, the hidden layer (``hidden_size`` units);
    - ``logits = b + h @ U.T`` (``+ x @ W.T`` with ``direct_connections=True``).

    The weights keep the paper's names and ``U``/``W`` its orientation, one row per word:
    ``C`` (V, m), ``H`` (n*m, h), ``d`` (h,), ``U`` (V, h), ``b`` (V,) and, with direct connections,
    ``W`` (V, n*m). The word vectors, the network's by-product, are ``embeddings`` (``C``).

    The output is the logits, not probabilities: train with
    ``SparseCategoricalCrossentropy(from_logits=True)`` and apply ``keras.ops.softmax`` to get
    probabilities. For large vocabularies, train with ``SampledSoftmax`` instead, on
    ``features(context_ids)`` and the network's own output weights: ``logits`` equals
    ``features @ output_kernel.T + output_bias`` (see the example). Dropout, when set, applies to
    ``x`` and to ``h`` in training only. The weights depend only on the constructor arguments, so
    the network is built when created. Every index ``0 .. vocabulary_size - 1`` is a word; the
    network reserves none (padding or sentence boundaries are the caller's choice of ids).

    Args:
        vocabulary_size: int, number of words ``V`` (rows of ``C``, ``U``, ``b``).
        vector_size: int, size ``m`` of the word vectors. Defaults to 100.
        context_size: int, number ``n`` of context words (the model is an ``(n + 1)``-gram).
            Defaults to 4.
        hidden_size: int, number ``h`` of hidden tanh units. Defaults to 100.
        direct_connections: bool, add the direct connections ``x @ W.T`` from the embeddings to
            the output. Defaults to False.
        dropout: float in [0, 1), dropout rate on ``x`` and ``h`` during training. Defaults to 0.
        embeddings_initializer: initializer of ``C``. Defaults to ``"uniform"`` (as
            ``keras.layers.Embedding``).
        kernel_initializer: initializer of ``H``, ``U`` and ``W``. Defaults to
            ``"glorot_uniform"``.
        bias_initializer: initializer of ``d`` and ``b``. Defaults to ``"zeros"``.
        seed: int or None, seed of the dropout masks. Defaults to None.
        **kwargs: base model keyword arguments (``name``, ``dtype``, ``trainable``...).

    Call arguments:
        inputs: int tensor ``(batch, context_size)`` of word ids, oldest word first.
        training: bool, apply dropout.

    Returns:
        Float tensor ``(batch, vocabulary_size)`` of logits.

    Example:

    >>> import numpy as np
    >>> network = NNLMNetwork(vocabulary_size=50, vector_size=8, context_size=3, hidden_size=16)
    >>> context_ids = np.array([[1, 2, 3], [4, 5, 6]])
    >>> logits = network(context_ids)
    >>> tuple(logits.shape), tuple(network.embeddings.shape)
    ((2, 50), (50, 8))
    >>> features = network.features(context_ids)
    >>> same = keras.ops.matmul(features, keras.ops.transpose(network.output_kernel)) + network.output_bias
    >>> bool(np.allclose(logits, same, atol=1e-5))
    True
    >>> network.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    >>> _ = network.fit(context_ids, np.array([7, 8]), epochs=1, verbose=0)

    Reference:
        Bengio, Ducharme, Vincent and Jauvin, "A Neural Probabilistic Language Model", JMLR 3, 2003.
    """

    def __init__(
        self,
        vocabulary_size,
        vector_size=100,
        context_size=4,
        hidden_size=100,
        direct_connections=False,
        dropout=0.0,
        embeddings_initializer="uniform",
        kernel_initializer="glorot_uniform",
        bias_initializer="zeros",
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        for name, value in (
            ("vocabulary_size", vocabulary_size),
            ("vector_size", vector_size),
            ("context_size", context_size),
            ("hidden_size", hidden_size),
        ):
            _check_positive_int(name, value)
        if not isinstance(direct_connections, bool):
            raise TypeError(
                f"`direct_connections` must be a bool. Received: direct_connections={direct_connections!r}."
            )
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)):
            raise TypeError(f"`dropout` must be a float in [0, 1). Received: dropout={dropout!r}.")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"`dropout` must be in [0, 1), e.g. 0.1. Received: dropout={dropout}.")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise TypeError(f"`seed` must be an int or None. Received: seed={seed!r}.")
        self.vocabulary_size = vocabulary_size
        self.vector_size = vector_size
        self.context_size = context_size
        self.hidden_size = hidden_size
        self.direct_connections = direct_connections
        self.dropout = float(dropout)
        self.seed = seed
        self.embeddings_initializer = keras.initializers.get(embeddings_initializer)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        if self.dropout > 0:
            self.embedding_dropout = keras.layers.Dropout(self.dropout, seed=seed, name="embedding_dropout")
            self.hidden_dropout = keras.layers.Dropout(
                self.dropout, seed=None if seed is None else seed + 1, name="hidden_dropout"
            )
        else:
            self.embedding_dropout = self.hidden_dropout = None
        self.build((None, context_size))

    def build(self, input_shape=None):
        if self.built:
            return
        flat_size = self.context_size * self.vector_size
        V, m, h = self.vocabulary_size, self.vector_size, self.hidden_size
        self.C = self.add_weight(name="C", shape=(V, m), initializer=self.embeddings_initializer)
        self.H = self.add_weight(name="H", shape=(flat_size, h), initializer=self.kernel_initializer)
        self.d = self.add_weight(name="d", shape=(h,), initializer=self.bias_initializer)
        self.U = self.add_weight(name="U", shape=(V, h), initializer=self.kernel_initializer)
        self.b = self.add_weight(name="b", shape=(V,), initializer=self.bias_initializer)
        self.W = None
        if self.direct_connections:
            self.W = self.add_weight(name="W", shape=(V, flat_size), initializer=self.kernel_initializer)
        self.built = True

    @property
    def embeddings(self):
        """The shared word-vector matrix ``C``, a ``(vocabulary_size, vector_size)`` variable."""
        return self.C

    @property
    def feature_size(self):
        """Size of ``features``: ``hidden_size`` (``+ context_size * vector_size`` with direct connections)."""
        size = self.hidden_size
        if self.direct_connections:
            size += self.context_size * self.vector_size
        return size

    @property
    def output_kernel(self):
        """The ``(vocabulary_size, feature_size)`` output weights: ``U``, or ``[U, W]`` with direct connections."""
        if self.direct_connections:
            return ops.concatenate([self.U, self.W], axis=1)
        return self.U

    @property
    def output_bias(self):
        """The ``(vocabulary_size,)`` output bias ``b``."""
        return self.b

    def _check_input_shape(self, shape):
        if len(shape) != 2 or shape[-1] not in (None, self.context_size):
            raise ValueError(
                f"`NNLMNetwork` expects word ids of shape `(batch, context_size={self.context_size})`. "
                f"Received shape {tuple(shape)}; build the contexts with {self.context_size} words each."
            )

    def _embed(self, inputs, training):
        self._check_input_shape(inputs.shape)
        ids = inputs if "int" in keras.backend.standardize_dtype(inputs.dtype) else ops.cast(inputs, "int32")
        C = ops.cast(self.C, self.compute_dtype)
        x = ops.reshape(ops.take(C, ids, axis=0), (-1, self.context_size * self.vector_size))
        if self.embedding_dropout is not None:
            x = self.embedding_dropout(x, training=training)
        hidden = ops.tanh(ops.matmul(x, ops.cast(self.H, self.compute_dtype)) + ops.cast(self.d, self.compute_dtype))
        if self.hidden_dropout is not None:
            hidden = self.hidden_dropout(hidden, training=training)
        return x, hidden

    def features(self, inputs, training=None):
        """The last layer before the output: ``h``, or ``[h, x]`` with direct connections.

        ``logits == features @ output_kernel.T + output_bias``; feed it to ``SampledSoftmax``.

        Args:
            inputs: int tensor ``(batch, context_size)`` of word ids.
            training: bool, apply dropout.

        Returns:
            Float tensor ``(batch, feature_size)``.
        """
        inputs = ops.convert_to_tensor(inputs)
        x, hidden = self._embed(inputs, training)
        if self.direct_connections:
            return ops.concatenate([hidden, x], axis=1)
        return hidden

    def call(self, inputs, training=None):
        x, hidden = self._embed(inputs, training)
        logits = ops.matmul(hidden, ops.transpose(ops.cast(self.U, self.compute_dtype)))
        if self.direct_connections:
            logits = logits + ops.matmul(x, ops.transpose(ops.cast(self.W, self.compute_dtype)))
        return logits + ops.cast(self.b, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        self._check_input_shape(input_shape)
        return (input_shape[0], self.vocabulary_size)

    def get_config(self):
        config = super().get_config()
        config.update({
            "vocabulary_size": self.vocabulary_size,
            "vector_size": self.vector_size,
            "context_size": self.context_size,
            "hidden_size": self.hidden_size,
            "direct_connections": self.direct_connections,
            "dropout": self.dropout,
            "embeddings_initializer": keras.initializers.serialize(self.embeddings_initializer),
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "bias_initializer": keras.initializers.serialize(self.bias_initializer),
            "seed": self.seed,
        })
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)
