"""The training head of ELMo: forward and backward next-word softmax on top of an ``ELMoNetwork``."""

import keras
import numpy as np
from keras import ops

from keras_layers.elmo_network import ELMoNetwork
from keras_layers.mean_loss import MeanLoss
from keras_layers.sampled_softmax import SampledSoftmax, effective_num_sampled


@keras.saving.register_keras_serializable(package="keras_layers")
class BiLMLanguageModel(keras.Model):
    """An ``ELMoNetwork`` with the softmax that trains it as forward and backward language models.

    The top biLSTM layer's forward half at position ``t`` predicts token ``t + 1`` and its backward
    half predicts token ``t - 1``; one softmax (``softmax_kernel`` (V, P), ``softmax_bias`` (V,)) is
    shared by both directions, as in the original bilm-tf. Calling the model returns the mean
    per-token loss of both directions (a scalar): training uses ``SampledSoftmax`` when
    ``num_sampled`` is set and smaller than the vocabulary (the cost then does not grow with it),
    the exact full softmax otherwise and always outside training. ``compute_loss`` returns that
    value, so ``fit`` needs no targets and no ``loss``.

    Args:
        network: ``ELMoNetwork`` (or its options dict).
        vocabulary_size: int, number of output words ``V`` (ids sorted by descending frequency
            for the sampled softmax).
        num_sampled: int or None, negative samples per batch; None = full softmax. Defaults to None.
        dropout: float, dropout on the top layer before the softmax in training. Defaults to 0.
        seed: int or None, seeds the sampler and dropout.
        stream_batch_size: int or None, rows of the stream batches the model trains on (see
            ``gensim_elmo.stream_batches``): the model then keeps the LSTM states reached by each
            batch (non-trainable variables ``stream_states``, ``(stream_batch_size, size)`` each,
            ``BiLM``'s order) and starts the next batch from them, from zeros where its ``reset``
            is 1. None: every batch starts from zeros (batches of whole sentences). Defaults to None.
        **kwargs: ``keras.Model`` arguments.

    Call arguments:
        inputs: dict with "token_ids" (B, T), "token_chars" (U, 50) for the character network,
            "forward_targets" and "backward_targets" (B, T) word ids, and "forward_mask" and
            "backward_mask" (B, T) float masks of the positions that predict a word; optionally
            "forward_count" and "backward_count" (B,), per row the number of positions to average
            over, when that is not this batch's own count: the whole global batch's, when a
            ``tf.distribute`` replica sees one part of it (the replicas' losses then add up to the
            global batch's, so they are not divided by the replica count again). A stream batch
            (``gensim_elmo.stream_batches``) adds "backward_token_ids" (B, T), the backward LSTMs'
            positions, and "reset" (B,) (needs ``stream_batch_size``), and may add
            "forward_resets" and "backward_resets" (B, T), where each direction starts from zero
            states within the batch.
        training: bool.

    Returns:
        Scalar float32: the mean of the forward and backward mean negative log-likelihoods.

    Example:
    >>> import numpy as np
    >>> options = {"lstm": {"dim": 8, "projection_dim": 4, "n_layers": 1, "use_skip_connections": True},
    ...            "use_character_inputs": False, "n_tokens_vocab": 6}
    >>> model = BiLMLanguageModel(ELMoNetwork(options), vocabulary_size=6)
    >>> ids = np.array([[1, 4, 5, 2]]); targets = np.array([[3, 4, 1, 0]])
    >>> mask = np.array([[1.0, 1.0, 1.0, 0.0]])
    >>> loss = model({"token_ids": ids, "forward_targets": targets, "backward_targets": targets,
    ...               "forward_mask": mask, "backward_mask": mask})
    >>> float(loss) > 0
    True
    """

    def __init__(self, network, vocabulary_size, num_sampled=None, dropout=0.0, seed=None, stream_batch_size=None,
                 **kwargs):
        super().__init__(**kwargs)
        if isinstance(network, dict):
            network = ELMoNetwork(network)
        if not isinstance(network, ELMoNetwork):
            raise TypeError(f"`network` must be an ELMoNetwork, got {type(network).__name__}.")
        if isinstance(vocabulary_size, bool) or not isinstance(vocabulary_size, int) or vocabulary_size < 2:
            raise ValueError(f"`vocabulary_size` must be an int >= 2, got {vocabulary_size!r}.")
        if num_sampled is not None and (not isinstance(num_sampled, int) or num_sampled < 1):
            raise ValueError(f"`num_sampled` must be a positive int or None, got {num_sampled!r}.")
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"`dropout` must be in [0, 1), got {dropout!r}.")
        self.network = network
        self.vocabulary_size = vocabulary_size
        self.num_sampled = effective_num_sampled(num_sampled, vocabulary_size)
        self.dropout_rate = float(dropout)
        self.seed = seed
        if stream_batch_size is not None and (isinstance(stream_batch_size, bool) or not isinstance(stream_batch_size, int)
                                              or stream_batch_size < 1):
            raise ValueError(f"`stream_batch_size` must be a positive int or None, got {stream_batch_size!r}.")
        self.stream_batch_size = stream_batch_size
        self.stream_states = []
        self.sampled_softmax = SampledSoftmax(self.num_sampled or 1, seed=seed, name="sampled_softmax")
        self._mean_loss = MeanLoss()
        self.top_dropout = keras.layers.Dropout(self.dropout_rate, seed=seed, name="top_dropout")
        self.build()

    def build(self, input_shape=None):
        """Create the shared softmax (``softmax_kernel`` (V, P), ``softmax_bias`` (V,)) and build the
        network; the weights need no input shape, so construction builds the model at once."""
        if self.built:
            return
        projection_dim = self.network.projection_dim
        self.softmax_kernel = self.add_weight(name="softmax_kernel", shape=(self.vocabulary_size, projection_dim),
                                              initializer=keras.initializers.RandomNormal(
                                                  stddev=projection_dim ** -0.5, seed=self.seed))
        self.softmax_bias = self.add_weight(name="softmax_bias", shape=(self.vocabulary_size,), initializer="zeros")
        if self.stream_batch_size is not None:
            sizes = [projection_dim, self.network.units] * (2 * self.network.num_layers)
            self.stream_states = [self.add_weight(name=f"stream_state_{i}", shape=(self.stream_batch_size, size),
                                                  initializer="zeros", trainable=False)
                                  for i, size in enumerate(sizes)]
        self.network.build()
        self.built = True

    def count_weights(self):
        """The number of learnt weights (network and softmax), without the kept stream states.

        Example:
        >>> options = {"lstm": {"dim": 8, "projection_dim": 4, "n_layers": 1, "use_skip_connections": True},
        ...            "use_character_inputs": False, "n_tokens_vocab": 6}
        >>> model = BiLMLanguageModel(options, vocabulary_size=6, stream_batch_size=2)
        >>> model.count_weights() == model.count_params() - 2 * (4 + 8) * 2
        True
        """
        return int(self.count_params() - sum(int(np.prod(state.shape)) for state in self.stream_states))

    def _direction_nll(self, hidden, targets, training):
        flat_hidden = ops.reshape(hidden, (-1, hidden.shape[-1]))
        flat_targets = ops.reshape(targets, (-1,))
        full = self.num_sampled is None
        return self.sampled_softmax(flat_hidden, flat_targets, self.softmax_kernel, self.softmax_bias,
                                    training=training, full=full)

    def token_nll(self, inputs, training=False, return_states=False):
        """Per-position negative log-likelihoods ``(forward (B, T), backward (B, T))``, unmasked.

        The LSTMs start from ``inputs["initial_states"]`` when given (zeros otherwise); with
        ``return_states`` the flat list of the states they end in comes third."""
        network_inputs = {key: inputs[key] for key in ("token_ids", "token_chars", "backward_token_ids",
                                                       "initial_states", "forward_resets", "backward_resets")
                          if key in inputs}
        outputs = self.network(network_inputs, training=training)
        top = outputs["lstm_outputs"][-1]
        if training and self.dropout_rate > 0:
            top = self.top_dropout(top, training=training)
        p = self.network.projection_dim
        shape = ops.shape(inputs["forward_targets"])
        forward = ops.reshape(self._direction_nll(top[..., :p], inputs["forward_targets"], training), shape)
        backward = ops.reshape(self._direction_nll(top[..., p:], inputs["backward_targets"], training), shape)
        if return_states:
            return forward, backward, outputs["final_states"]
        return forward, backward

    def call(self, inputs, training=None):
        if "reset" in inputs:
            forward, backward = self._stream_step(inputs, training)
        else:
            forward, backward = self.token_nll(inputs, training=training)
        return 0.5 * (self._mean(forward, inputs, "forward") + self._mean(backward, inputs, "backward"))

    def _stream_step(self, inputs, training):
        """A stream batch: start from the kept states (zeros where ``reset``), keep where it ends."""
        if not self.stream_states:
            raise ValueError("A stream batch (with `reset`) needs a BiLMLanguageModel built with `stream_batch_size`.")
        reset = ops.greater(ops.cast(inputs["reset"], "float32"), 0.0)[:, None]
        initial = [ops.where(reset, 0.0, ops.cast(state, "float32")) for state in self.stream_states]
        forward, backward, final = self.token_nll(dict(inputs, initial_states=initial), training=training,
                                                  return_states=True)
        for state, value in zip(self.stream_states, final):
            state.assign(ops.cast(value, state.dtype))
        return forward, backward

    @staticmethod
    def _mean(nll, inputs, direction):
        mask = ops.cast(inputs[f"{direction}_mask"], "float32")
        count = inputs.get(f"{direction}_count")
        if count is None:
            return ops.sum(nll * mask) / ops.maximum(ops.sum(mask), 1.0)
        return ops.sum(nll * mask / ops.maximum(ops.cast(count, "float32"), 1.0)[:, None])

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        if isinstance(x, dict) and "forward_count" in x:
            return y_pred  # already this replica's share of the global batch's mean
        return self._mean_loss(y_pred)

    def get_config(self):
        config = super().get_config()
        config.update({"network": keras.saving.serialize_keras_object(self.network),
                       "vocabulary_size": self.vocabulary_size, "num_sampled": self.num_sampled,
                       "dropout": self.dropout_rate, "seed": self.seed, "stream_batch_size": self.stream_batch_size})
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["network"] = keras.saving.deserialize_keras_object(config["network"])
        return cls(**config)
