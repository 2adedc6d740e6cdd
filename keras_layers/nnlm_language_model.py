"""The training head of the NNLM: next-word cross-entropy, full or sampled softmax."""

import keras
from keras import ops

from keras_layers.nnlm_network import NNLMNetwork
from keras_layers.mean_loss import MeanLoss
from keras_layers.sampled_softmax import SampledSoftmax, effective_num_sampled


@keras.saving.register_keras_serializable(package="keras_layers")
class NNLMLanguageModel(keras.Model):
    """Train an ``NNLMNetwork`` on (context, next word) pairs with a full or a sampled softmax.

    Calling the model returns each example's negative log-likelihood; ``compute_loss`` averages
    it, so ``fit`` takes ``x=(contexts, targets)`` and no ``y``. With ``num_sampled`` set (and
    smaller than the vocabulary) training uses ``SampledSoftmax`` on the network's own output
    weights, so a step costs ``O(num_sampled)`` instead of ``O(V)`` in the output layer; outside
    training the loss is always the exact full softmax.

    Args:
        network: ``NNLMNetwork``.
        num_sampled: int or None, negative samples per batch (None: full softmax). Defaults to None.
        seed: int or None, the sampler's seed.
        **kwargs: ``keras.Model`` arguments.

    Call arguments:
        inputs: pair ``(contexts (B, context_size) int, targets (B,) int)``.
        training: bool.

    Returns:
        float32 tensor (B,): negative log-likelihood of each target.

    Example:
    >>> import numpy as np
    >>> lm = NNLMLanguageModel(NNLMNetwork(vocabulary_size=20, vector_size=4, context_size=2, hidden_size=8))
    >>> tuple(lm((np.array([[1, 2]]), np.array([3]))).shape)
    (1,)
    """

    def __init__(self, network, num_sampled=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(network, NNLMNetwork):
            raise TypeError(f"`network` must be an NNLMNetwork, got {type(network).__name__}.")
        if num_sampled is not None and (isinstance(num_sampled, bool) or not isinstance(num_sampled, int)
                                        or num_sampled < 1):
            raise ValueError(f"`num_sampled` must be a positive int or None, got {num_sampled!r}.")
        self.network = network
        self.num_sampled = effective_num_sampled(num_sampled, network.vocabulary_size)
        self.seed = seed
        self.sampled_softmax = SampledSoftmax(self.num_sampled or 1, seed=seed, name="sampled_softmax")
        self._mean_loss = MeanLoss()

    def build(self, input_shape=None):
        self.built = True  # the network builds itself on creation

    def call(self, inputs, training=None):
        contexts, targets = inputs
        if self.num_sampled is None or not training:
            logits = ops.cast(self.network(contexts, training=training), "float32")
            return keras.losses.sparse_categorical_crossentropy(ops.cast(targets, "int32"), logits, from_logits=True)
        features = self.network.features(contexts, training=training)
        return self.sampled_softmax(features, targets, self.network.output_kernel, self.network.output_bias,
                                    training=training)

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        return self._mean_loss(y_pred)

    def get_config(self):
        config = super().get_config()
        config.update({"network": keras.saving.serialize_keras_object(self.network), "num_sampled": self.num_sampled,
                       "seed": self.seed})
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["network"] = keras.saving.deserialize_keras_object(config["network"])
        return cls(**config)
