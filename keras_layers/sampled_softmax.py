"""The ``SampledSoftmax`` layer: a softmax cross-entropy whose training cost does not grow with the vocabulary."""

import math

import keras
from keras import ops

#: Logit given to accidental hits (a sampled candidate equal to the target): exp() of it is 0.
_MASKED_LOGIT = -1e9


def log_uniform_probabilities(ids, vocabulary_size):
    """Log-uniform (Zipfian) probability of each id, as TensorFlow's ``log_uniform_candidate_sampler``.

    ``P(k) = (log(k + 2) - log(k + 1)) / log(vocabulary_size + 1)``: this fits a vocabulary sorted
    by descending frequency, id 0 being the most frequent word.

    Args:
        ids: int tensor of ids in ``[0, vocabulary_size)``.
        vocabulary_size: int, the number of classes.

    Returns:
        float32 tensor of the same shape.

    Example:

    >>> import numpy as np
    >>> p = log_uniform_probabilities(np.arange(10), 10)
    >>> round(float(keras.ops.sum(p)), 5)
    1.0
    """
    ids = ops.cast(ids, "float32")
    return (ops.log(ids + 2.0) - ops.log(ids + 1.0)) / math.log(vocabulary_size + 1.0)


def effective_num_sampled(num_sampled, vocabulary_size):
    """``num_sampled``, or None (full softmax) when it is None or not below the vocabulary size.

    Example:
    >>> effective_num_sampled(50, 20) is None
    True
    >>> effective_num_sampled(8, 20)
    8
    """
    return num_sampled if num_sampled is not None and num_sampled < vocabulary_size else None


@keras.saving.register_keras_serializable(package="keras_layers")
class SampledSoftmax(keras.layers.Layer):
    """Per-example softmax cross-entropy, estimated from sampled classes during training.

    A weightless loss layer for output layers too large for a full softmax. Given features
    ``inputs`` (N, D), output weights ``kernel`` (V, D) (one row per class, as
    ``NNLMNetwork.output_kernel``, ELMo's softmax weights and ``tf.nn.sampled_softmax_loss``),
    ``bias`` (V,) and targets (N,), it returns the loss of each example, shape (N,).

    In training, ``num_sampled`` candidate classes, shared by the whole batch, are drawn with
    replacement from the log-uniform (Zipfian) distribution ``q`` of
    ``log_uniform_probabilities`` (ids must be sorted by descending frequency, 0 the most
    frequent). Only the targets' and candidates' rows of ``kernel`` are used, so the cost is
    ``O(N * num_sampled * D)`` instead of ``O(N * V * D)``. Each candidate's logit is corrected by
    subtracting ``log(num_sampled * q)``, the log of its expected count, and candidates equal to
    the target (accidental hits) are masked out; the target's own logit is left uncorrected. The
    sum of exponentials is then an unbiased estimate of the full softmax's normaliser, and the
    loss tends to the exact cross-entropy as ``num_sampled`` grows (Blanc and Rendle 2018).
    Outside training, or with ``full=True``, the loss is the exact full softmax cross-entropy
    (``keras.losses.sparse_categorical_crossentropy`` on ``inputs @ kernel.T + bias``).

    The candidates come from ``keras.random`` with the layer's ``SeedGenerator``: a given
    ``seed`` gives the same sequence of samples. The loss is computed in float32.

    Args:
        num_sampled: int, number of candidate classes drawn per training step.
        remove_accidental_hits: bool, mask out candidates that equal the example's target.
            Defaults to True.
        seed: int or None, seed of the candidate sampler. Defaults to None.
        **kwargs: base layer keyword arguments (``name``, ``dtype``...).

    Call arguments:
        inputs: float tensor ``(N, D)``, the features before the output layer.
        targets: int tensor ``(N,)`` of class ids in ``[0, V)``.
        kernel: float tensor or variable ``(V, D)``, the output weights, one row per class.
        bias: float tensor or variable ``(V,)``, or None for no bias.
        training: bool, sample (True) or compute the full softmax (False).
        full: bool, compute the full softmax even in training. Defaults to False.

    Returns:
        float32 tensor ``(N,)``: the cross-entropy of each example (average it for the batch loss).

    Example:

    >>> import numpy as np
    >>> layer = SampledSoftmax(num_sampled=8, seed=0)
    >>> inputs = np.random.rand(4, 3).astype("float32")
    >>> kernel, bias = np.random.rand(100, 3).astype("float32"), np.zeros(100, "float32")
    >>> targets = np.array([0, 5, 7, 99])
    >>> tuple(layer(inputs, targets, kernel, bias, training=True).shape)
    (4,)
    >>> full = layer(inputs, targets, kernel, bias)  # not training: the exact cross-entropy
    >>> logits = inputs @ kernel.T + bias
    >>> expected = keras.losses.sparse_categorical_crossentropy(targets, logits, from_logits=True)
    >>> bool(np.allclose(full, expected, atol=1e-6))
    True

    Reference:
        Jean, Cho, Memisevic and Bengio, "On Using Very Large Target Vocabulary for Neural Machine
        Translation", ACL 2015; Blanc and Rendle, "Adaptive Sampled Softmax with Kernel Based
        Sampling", ICML 2018; TensorFlow ``tf.nn.sampled_softmax_loss`` and
        ``log_uniform_candidate_sampler``.
    """

    def __init__(self, num_sampled, remove_accidental_hits=True, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(num_sampled, bool) or not isinstance(num_sampled, int):
            raise TypeError(f"`num_sampled` must be an int. Received: num_sampled={num_sampled!r}.")
        if num_sampled < 1:
            raise ValueError(f"`num_sampled` must be a positive int, e.g. 64. Received: num_sampled={num_sampled}.")
        if not isinstance(remove_accidental_hits, bool):
            raise TypeError(
                f"`remove_accidental_hits` must be a bool. Received: remove_accidental_hits={remove_accidental_hits!r}."
            )
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
            raise TypeError(f"`seed` must be an int or None. Received: seed={seed!r}.")
        self.num_sampled = num_sampled
        self.remove_accidental_hits = remove_accidental_hits
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.built = True

    def call(self, inputs, targets, kernel, bias=None, training=None, full=False):
        inputs = ops.convert_to_tensor(inputs)
        kernel = ops.cast(kernel, inputs.dtype)
        targets = ops.cast(ops.reshape(targets, (-1,)), "int32")
        if len(kernel.shape) != 2 or kernel.shape[1] != inputs.shape[-1]:
            raise ValueError(
                "`kernel` must be (num_classes, dim), one row per class, with dim the last axis of `inputs`. "
                f"Received: kernel.shape={tuple(kernel.shape)}, inputs.shape={tuple(inputs.shape)}; a Dense-style "
                "(dim, num_classes) kernel must be transposed."
            )
        if bias is not None:
            bias = ops.cast(bias, inputs.dtype)
        if full or not training:
            logits = ops.matmul(inputs, ops.transpose(kernel))
            if bias is not None:
                logits = logits + bias
            return keras.losses.sparse_categorical_crossentropy(targets, ops.cast(logits, "float32"), from_logits=True)

        sampled, log_expected_count = self.sample_candidates(kernel.shape[0])
        true_logits = ops.sum(inputs * ops.take(kernel, targets, axis=0), axis=-1)
        sampled_logits = ops.matmul(inputs, ops.transpose(ops.take(kernel, sampled, axis=0)))
        if bias is not None:
            true_logits = true_logits + ops.take(bias, targets, axis=0)
            sampled_logits = sampled_logits + ops.take(bias, sampled, axis=0)
        true_logits = ops.cast(true_logits, "float32")
        sampled_logits = ops.cast(sampled_logits, "float32") - log_expected_count
        if self.remove_accidental_hits:
            hits = ops.equal(ops.expand_dims(targets, 1), ops.expand_dims(sampled, 0))
            sampled_logits = ops.where(hits, _MASKED_LOGIT, sampled_logits)
        logits = ops.concatenate([ops.expand_dims(true_logits, 1), sampled_logits], axis=1)
        return ops.logsumexp(logits, axis=1) - true_logits

    def sample_candidates(self, vocabulary_size):
        """Draw ``num_sampled`` candidate ids from the log-uniform distribution (advances the seed).

        Args:
            vocabulary_size: int, the number of classes ``V``.

        Returns:
            A tuple ``(ids, log_expected_count)``: int32 ``(num_sampled,)`` ids in ``[0, V)``, drawn
            with replacement, and float32 ``(num_sampled,)`` ``log(num_sampled * q(id))``.
        """
        if vocabulary_size is None:
            raise ValueError("`SampledSoftmax` needs a known number of classes: the first axis of `kernel` is None.")
        log_range = math.log(vocabulary_size + 1.0)
        uniform = keras.random.uniform((self.num_sampled,), dtype="float32", seed=self.seed_generator)
        ids = ops.cast(ops.floor(ops.exp(uniform * log_range)), "int32") - 1
        ids = ops.clip(ids, 0, vocabulary_size - 1)
        log_expected_count = math.log(self.num_sampled) + ops.log(log_uniform_probabilities(ids, vocabulary_size))
        return ids, log_expected_count

    def compute_output_shape(self, input_shape, *args, **kwargs):
        return (input_shape[0],)

    def compute_output_spec(self, inputs, *args, **kwargs):
        return keras.KerasTensor((inputs.shape[0],), dtype="float32")

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "num_sampled": self.num_sampled,
                "remove_accidental_hits": self.remove_accidental_hits,
                "seed": self.seed,
            }
        )
        return config
