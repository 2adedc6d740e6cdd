"""The ``ScalarMix`` layer: ELMo's task-specific weighted sum of layers."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_layers")
class ScalarMix(keras.layers.Layer):
    """Computes ``gamma * sum_j softmax(w)_j * h_j`` over ``num_layers`` equally shaped tensors.

    ``w`` starts at zeros (or ``initial_scalar_parameters``) and ``gamma`` at 1; both are
    trainable unless ``trainable=False``. With ``do_layer_norm=True`` each layer is first
    normalised with ONE mean and variance over all unmasked elements of the whole batch tensor
    (not per token), with epsilon 1e-12, as the original ELMo and AllenNLP do. The mask, if any,
    passes through.

    Args:
        num_layers: int, number of layers to mix (3 for the released ELMo).
        do_layer_norm: bool, normalise each layer before mixing. Defaults to False.
        initial_scalar_parameters: optional list of ``num_layers`` floats, the initial ``w``.
            Defaults to zeros.
        trainable: bool, whether ``w`` and ``gamma`` are trained. Defaults to True.
        **kwargs: base layer keyword arguments (``name``, ``dtype``...).

    Call arguments:
        inputs: a list of ``num_layers`` tensors ``(batch, ..., dim)``, or one stacked tensor
            ``(num_layers, batch, ..., dim)``.
        mask: optional bool tensor ``(batch, ...)`` (the input shape without its last axis),
            True at real elements; used by the layer norm.

    Returns:
        A tensor ``(batch, ..., dim)``.

    Example:

    >>> import numpy as np
    >>> mix = ScalarMix(3)
    >>> layers = [np.full((2, 4, 6), float(k), "float32") for k in range(3)]
    >>> float(mix(layers)[0, 0, 0])
    1.0

    Reference:
        Peters et al., "Deep contextualized word representations", NAACL 2018 (equation 1);
        AllenNLP ``ScalarMix``.
    """

    def __init__(self, num_layers, do_layer_norm=False, initial_scalar_parameters=None, trainable=True, **kwargs):
        super().__init__(trainable=trainable, **kwargs)
        if isinstance(num_layers, bool) or not isinstance(num_layers, int) or num_layers <= 0:
            raise ValueError(f"`num_layers` must be a positive int. Received: num_layers={num_layers!r}")
        if initial_scalar_parameters is None:
            initial_scalar_parameters = [0.0] * num_layers
        initial_scalar_parameters = [float(v) for v in initial_scalar_parameters]
        if len(initial_scalar_parameters) != num_layers:
            raise ValueError(
                f"`initial_scalar_parameters` must hold `num_layers` ({num_layers}) values. "
                f"Received {len(initial_scalar_parameters)}: {initial_scalar_parameters}"
            )
        self.num_layers = num_layers
        self.do_layer_norm = bool(do_layer_norm)
        self.initial_scalar_parameters = initial_scalar_parameters
        self.supports_masking = True

    def build(self, input_shape, *args, **kwargs):
        self.scalar_parameters = self.add_weight(
            name="scalar_parameters",
            shape=(self.num_layers,),
            initializer=keras.initializers.Constant(self.initial_scalar_parameters),
        )
        self.gamma = self.add_weight(name="gamma", shape=(), initializer="ones")

    def _unstack(self, inputs):
        if isinstance(inputs, (list, tuple)):
            layers = list(inputs)
        else:
            layers = [inputs[k] for k in range(self.num_layers)]
            if inputs.shape[0] is not None and inputs.shape[0] != self.num_layers:
                raise ValueError(
                    f"A stacked input of `ScalarMix` must have `num_layers` ({self.num_layers}) entries on "
                    f"axis 0. Received: shape={inputs.shape}"
                )
        if len(layers) != self.num_layers:
            raise ValueError(
                f"`ScalarMix` expects `num_layers` ({self.num_layers}) tensors. Received {len(layers)}."
            )
        return layers

    def call(self, inputs, mask=None):
        layers = [ops.cast(t, self.compute_dtype) for t in self._unstack(inputs)]
        weights = ops.softmax(ops.cast(self.scalar_parameters, self.compute_dtype))
        if self.do_layer_norm:
            if mask is None:
                broadcast_mask = ops.ones_like(layers[0][..., :1])
            else:
                if isinstance(mask, (list, tuple)):
                    mask = mask[0]
                broadcast_mask = ops.cast(mask, self.compute_dtype)[..., None]
            dim = ops.cast(ops.shape(layers[0])[-1], self.compute_dtype)
            count = ops.sum(broadcast_mask) * dim
            layers = [self._layer_norm(t, broadcast_mask, count) for t in layers]
        mixed = weights[0] * layers[0]
        for k in range(1, self.num_layers):
            mixed = mixed + weights[k] * layers[k]
        return ops.cast(self.gamma, self.compute_dtype) * mixed

    @staticmethod
    def _layer_norm(tensor, broadcast_mask, count):
        masked = tensor * broadcast_mask
        mean = ops.sum(masked) / count
        variance = ops.sum(((masked - mean) * broadcast_mask) ** 2) / count
        return (tensor - mean) / ops.sqrt(variance + 1e-12)

    def compute_output_shape(self, input_shape, *args, **kwargs):
        if isinstance(input_shape, list) and input_shape and isinstance(input_shape[0], (list, tuple)):
            return tuple(input_shape[0])
        return tuple(input_shape[1:])

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            return mask[0]
        return mask

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "num_layers": self.num_layers,
                "do_layer_norm": self.do_layer_norm,
                "initial_scalar_parameters": list(self.initial_scalar_parameters),
            }
        )
        return config
