"""``MeanLoss``: the mean of a model's own per-example losses, reduced the way Keras reduces a loss.

Models whose call already returns the loss (``NNLMLanguageModel``, ``BiLMLanguageModel``) return
it from ``compute_loss`` through ``MeanLoss``, so Keras's own reduction applies: the values are
averaged and, under ``tf.distribute`` with several replicas (whose gradients TensorFlow sums),
divided by the number of replicas, as every Keras loss is. On JAX and PyTorch that division is
a no-op. Only public Keras API is used.

Example:
>>> import numpy as np
>>> float(MeanLoss()(np.array([1.0, 2.0, 3.0])))
2.0
"""

import keras
from keras import ops

__all__ = ["MeanLoss"]


class MeanLoss(keras.losses.Loss):
    """The mean of ``values`` (a scalar counts as one value), scaled for distribution by Keras.

    Call arguments:
        values: float tensor of per-example losses, or a scalar loss.

    Returns:
        Scalar float32.
    """

    def __init__(self, name="mean_loss"):
        super().__init__(name=name, reduction="sum_over_batch_size")

    def __call__(self, values):
        values = ops.reshape(ops.convert_to_tensor(values, dtype="float32"), (-1,))
        return super().__call__(values, values)

    def call(self, y_true, y_pred):
        return y_pred
