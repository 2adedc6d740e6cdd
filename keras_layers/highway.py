"""The ``Highway`` layer: a stack of highway layers as in ELMo's character encoder."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_layers")
class Highway(keras.layers.Layer):
    """A stack of highway layers (Srivastava et al. 2015), in bilm-tf's convention.

    Each layer computes ``g = sigmoid(x @ W_carry + b_carry)`` and
    ``y = g * activation(x @ W_transform + b_transform) + (1 - g) * x``: as in the original ELMo
    code, the gate called "carry" multiplies the transformed value. The last axis is the feature
    axis; any leading axes are kept. A mask, if any, passes through unchanged.

    Args:
        num_layers: int, number of highway layers (0 makes the layer an identity).
        activation: activation of the transform. Defaults to ``"relu"``.
        kernel_initializer: initializer of both kernels. Defaults to ``"glorot_uniform"``.
        carry_bias_initializer: initializer of ``b_carry``. Defaults to ``"zeros"``.
        transform_bias_initializer: initializer of ``b_transform``. Defaults to ``"zeros"``.
        **kwargs: base layer keyword arguments (``name``, ``dtype``, ``trainable``...).

    Call arguments:
        inputs: float tensor ``(..., dim)``.

    Returns:
        Float tensor of the same shape.

    Example:

    >>> import numpy as np
    >>> tuple(Highway(num_layers=2)(np.ones((3, 8), "float32")).shape)
    (3, 8)

    Reference:
        Srivastava et al., "Highway Networks", 2015; Kim et al., "Character-Aware Neural
        Language Models", AAAI 2016; bilm-tf ``high()``.
    """

    def __init__(
        self,
        num_layers,
        activation="relu",
        kernel_initializer="glorot_uniform",
        carry_bias_initializer="zeros",
        transform_bias_initializer="zeros",
        **kwargs,
    ):
        super().__init__(**kwargs)
        if isinstance(num_layers, bool) or not isinstance(num_layers, int):
            raise TypeError(f"`num_layers` must be an int. Received: num_layers={num_layers!r}")
        if num_layers < 0:
            raise ValueError(f"`num_layers` must be >= 0. Received: num_layers={num_layers}")
        self.num_layers = num_layers
        self.activation = keras.activations.get(activation)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.carry_bias_initializer = keras.initializers.get(carry_bias_initializer)
        self.transform_bias_initializer = keras.initializers.get(transform_bias_initializer)
        self.supports_masking = True

    def build(self, input_shape):
        dim = input_shape[-1]
        if dim is None:
            raise ValueError(f"The last axis of the input of `Highway` must be known. Received: shape={input_shape}")
        self.carry_kernels, self.carry_biases = [], []
        self.transform_kernels, self.transform_biases = [], []
        for k in range(self.num_layers):
            self.carry_kernels.append(
                self.add_weight(name=f"carry_kernel_{k}", shape=(dim, dim), initializer=self.kernel_initializer)
            )
            self.carry_biases.append(
                self.add_weight(name=f"carry_bias_{k}", shape=(dim,), initializer=self.carry_bias_initializer)
            )
            self.transform_kernels.append(
                self.add_weight(name=f"transform_kernel_{k}", shape=(dim, dim), initializer=self.kernel_initializer)
            )
            self.transform_biases.append(
                self.add_weight(
                    name=f"transform_bias_{k}", shape=(dim,), initializer=self.transform_bias_initializer
                )
            )

    def call(self, inputs):
        x = inputs
        for k in range(self.num_layers):
            gate = ops.sigmoid(ops.matmul(x, self.carry_kernels[k]) + self.carry_biases[k])
            transformed = self.activation(ops.matmul(x, self.transform_kernels[k]) + self.transform_biases[k])
            x = gate * transformed + (1.0 - gate) * x
        return x

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def compute_mask(self, inputs, mask=None):
        return mask

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "num_layers": self.num_layers,
                "activation": keras.activations.serialize(self.activation),
                "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
                "carry_bias_initializer": keras.initializers.serialize(self.carry_bias_initializer),
                "transform_bias_initializer": keras.initializers.serialize(self.transform_bias_initializer),
            }
        )
        return config
