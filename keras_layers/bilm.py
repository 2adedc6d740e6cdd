"""The ``BiLM`` layer: ELMo's stacked bidirectional LSTM language model (without softmax)."""

import keras
from keras import ops

from keras_layers.lstm_projection import LSTMProjection


@keras.saving.register_keras_serializable(package="keras_layers")
class BiLM(keras.layers.Layer):
    """ELMo's bidirectional language model: two independent stacks of ``LSTMProjection``.

    The forward stack reads each sentence left to right, the backward stack right to left (from
    each row's last real token, ``go_backwards=True``); layer ``l`` of a direction takes the
    output of layer ``l - 1`` of the same direction, layer 0 takes the token embeddings. With
    ``use_skip_connections`` the output of every layer after the first is added to its input
    (residual; not from the token embeddings into layer 0). The LSTM state is the cell's own
    ``(h, c)``, without the residual, as TensorFlow's ``ResidualWrapper`` keeps it.

    Masked (padding) positions output zeros and leave the state unchanged, so a caller can run
    statefully: pass the returned final states back as ``initial_states`` for the next batch
    (each row continues from where the same row stopped, in both directions).

    The backward stack may read other positions than the forward one (``backward_inputs``): a
    language model trained on a stream of text carries the forward state from each window to the
    next one and the backward state from each window to the one before it, so at every step the
    two directions read different windows (``gensim_elmo.stream_batches``).

    State order (a flat list of ``4 * num_layers`` tensors), for layer ``l`` and direction
    ``d`` (0 forward, 1 backward): index ``4 * l + 2 * d`` is ``h`` ``(batch, projection_dim)``
    and ``4 * l + 2 * d + 1`` is ``c`` ``(batch, units)``; i.e.
    ``[fwd_0_h, fwd_0_c, bwd_0_h, bwd_0_c, fwd_1_h, fwd_1_c, bwd_1_h, bwd_1_c, ...]``.

    Args:
        num_layers: int, LSTM layers per direction. Defaults to 2.
        units: int, LSTM cell size (``lstm.dim``). Defaults to 4096.
        projection_dim: int, projected state and input size (``lstm.projection_dim``).
            Defaults to 512.
        cell_clip: float or None, cell state clip. Defaults to 3.0.
        proj_clip: float or None, projected state clip. Defaults to 3.0.
        use_skip_connections: bool, residual connections for layers after the first.
            Defaults to True.
        dropout: float in [0, 1), dropout on every LSTM layer's input in training (each direction
            its own mask), as bilm-tf's ``DropoutWrapper(input_keep_prob=1 - dropout)``; with skip
            connections the dropped input is also what the residual adds. Defaults to 0.
        **kwargs: base layer keyword arguments (``name``, ``dtype``, ``trainable``...).

    Call arguments:
        inputs: float tensor ``(batch, time, projection_dim)``, the token embeddings.
        mask: optional bool tensor ``(batch, time)``, True at real tokens (right padding).
        initial_states: optional flat list of ``4 * num_layers`` state tensors in the order above;
            zeros when None (stateless).
        backward_inputs: optional float tensor ``(batch, time, projection_dim)``, what the
            backward stack reads instead of ``inputs``; its mask is ``backward_mask``. Each
            layer's output then concatenates the forward half at ``inputs``' positions with the
            backward half at ``backward_inputs``'. Defaults to None.
        backward_mask: optional bool tensor ``(batch, time)``, the mask of ``backward_inputs``.
        resets: optional bool tensor ``(batch, time)``, where every forward layer starts from zero
            states (``LSTMProjection``'s ``resets``). Defaults to None.
        backward_resets: optional bool tensor ``(batch, time)``, the same for the backward layers
            (at the positions they read). Defaults to None.
        training: bool, dropout on the LSTM inputs when True.

    Returns:
        A pair ``(layer_outputs, final_states)``: ``layer_outputs`` a list of ``num_layers``
        tensors ``(batch, time, 2 * projection_dim)``, layer ``l`` being
        ``concat([forward_l, backward_l], -1)``; ``final_states`` the flat state list in the order
        above, each direction's state after its last real step.

    Example:

    >>> import numpy as np
    >>> bilm = BiLM(num_layers=2, units=8, projection_dim=4)
    >>> x = np.random.rand(2, 5, 4).astype("float32")
    >>> layers, states = bilm(x, mask=np.ones((2, 5), bool))
    >>> len(layers), tuple(layers[0].shape), len(states)
    (2, (2, 5, 8), 8)
    >>> layers, states = bilm(x, mask=np.ones((2, 5), bool), initial_states=states)

    Reference:
        Peters et al., "Deep contextualized word representations", NAACL 2018; bilm-tf
        ``BidirectionalLanguageModelGraph._build_lstms``.
    """

    def __init__(
        self,
        num_layers=2,
        units=4096,
        projection_dim=512,
        cell_clip=3.0,
        proj_clip=3.0,
        use_skip_connections=True,
        dropout=0.0,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if isinstance(num_layers, bool) or not isinstance(num_layers, int) or num_layers <= 0:
            raise ValueError(f"`num_layers` must be a positive int. Received: num_layers={num_layers!r}")
        self.num_layers = num_layers
        self.units = units
        self.projection_dim = projection_dim
        self.cell_clip = None if cell_clip is None else float(cell_clip)
        self.proj_clip = None if proj_clip is None else float(proj_clip)
        self.use_skip_connections = bool(use_skip_connections)
        self.input_dropouts = []
        self.set_dropout(dropout)
        self.forward_layers = []
        self.backward_layers = []
        for l in range(num_layers):
            directions = [(False, self.forward_layers, "forward"), (True, self.backward_layers, "backward")]
            for go_backwards, stack, prefix in directions:
                stack.append(
                    LSTMProjection(
                        units,
                        projection_dim,
                        cell_clip=cell_clip,
                        proj_clip=proj_clip,
                        go_backwards=go_backwards,
                        dtype=self.dtype_policy,
                        name=f"{prefix}_lstm_{l}",
                    )
                )
        self.supports_masking = True

    def build(self, input_shape, *args, **kwargs):
        dim = input_shape[-1]
        if dim is not None and dim != self.projection_dim:
            raise ValueError(
                f"The token embeddings fed to `BiLM` must have size `projection_dim` "
                f"({self.projection_dim}). Received: shape={input_shape}"
            )
        for l in range(self.num_layers):
            self.forward_layers[l].build((None, None, self.projection_dim))
            self.backward_layers[l].build((None, None, self.projection_dim))

    def set_dropout(self, rate):
        """Change the training dropout on the LSTM inputs (e.g. between two training phases).

        Example:
        >>> bilm = BiLM(num_layers=1, units=4, projection_dim=2)
        >>> bilm.set_dropout(0.5)
        >>> bilm.dropout, len(bilm.input_dropouts)
        (0.5, 2)
        """
        if not 0.0 <= float(rate) < 1.0:
            raise ValueError(f"`dropout` must be in [0, 1). Received: dropout={rate!r}")
        self.dropout = float(rate)
        if self.dropout > 0 and not self.input_dropouts:
            # Made on first use: a layer that never drops holds no seed-generator state.
            self.input_dropouts = [keras.layers.Dropout(self.dropout, name=f"input_dropout_{i}")
                                   for i in range(2 * self.num_layers)]
        for layer in self.input_dropouts:
            layer.rate = self.dropout

    @property
    def num_states(self):
        """Length of the flat state list: ``4 * num_layers``."""
        return 4 * self.num_layers

    def call(self, inputs, mask=None, initial_states=None, backward_inputs=None, backward_mask=None, resets=None,
             backward_resets=None, training=None):
        if initial_states is not None and len(initial_states) != self.num_states:
            raise ValueError(
                f"`initial_states` must be a list of {self.num_states} tensors "
                f"(4 per layer: forward h, c, backward h, c). Received {len(initial_states)}."
            )
        layer_outputs = []
        final_states = []
        inputs_by_direction = [inputs, inputs if backward_inputs is None else backward_inputs]
        masks = [mask, mask if backward_inputs is None else backward_mask]
        direction_resets = [resets, backward_resets]
        for l in range(self.num_layers):
            outputs_by_direction = []
            for d, lstm in enumerate((self.forward_layers[l], self.backward_layers[l])):
                state = None
                if initial_states is not None:
                    state = [initial_states[4 * l + 2 * d], initial_states[4 * l + 2 * d + 1]]
                layer_input = inputs_by_direction[d]
                if training and self.dropout > 0:
                    layer_input = self.input_dropouts[2 * l + d](layer_input, training=training)
                output, h, c = lstm(layer_input, mask=masks[d], initial_state=state, resets=direction_resets[d],
                                    training=training)
                if self.use_skip_connections and l > 0:
                    output = output + layer_input
                outputs_by_direction.append(output)
                final_states.extend([h, c])
            layer_outputs.append(ops.concatenate(outputs_by_direction, axis=-1))
            inputs_by_direction = outputs_by_direction
        return layer_outputs, final_states

    def compute_output_shape(self, input_shape, *args, **kwargs):
        batch, time = input_shape[0], input_shape[1]
        layers = [(batch, time, 2 * self.projection_dim) for _ in range(self.num_layers)]
        states = []
        for _ in range(self.num_layers):
            states += [(batch, self.projection_dim), (batch, self.units)] * 2
        return layers, states

    def compute_mask(self, inputs, mask=None):
        return [mask] * self.num_layers, [None] * self.num_states

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "num_layers": self.num_layers,
                "units": self.units,
                "projection_dim": self.projection_dim,
                "cell_clip": self.cell_clip,
                "proj_clip": self.proj_clip,
                "use_skip_connections": self.use_skip_connections,
                "dropout": self.dropout,
            }
        )
        return config
