"""The plain forms that ELMo's built-in optimisations replace, to measure what each one gains.

Each form is a subclass that overrides one method of the fast layer and computes the same
function, up to float32 rounding (``tests/benchmarks/test_plain_forms.py`` checks 1e-5):

- ``unhoisted``: the input half of the LSTM gates computed inside the recurrence, one step at a
  time, in one fused product: ``z = [x_t; h] @ kernel + bias``, as TensorFlow's ``LSTMCell`` (and
  so bilm-tf) runs it.
  The fast layer computes ``x @ kernel[:D]`` for every step in one product before the scan,
  except on TensorFlow's CPU at batch 16 or more in inference (32 in training), where the per-step
  form runs faster.
- ``hoisted``: the input half hoisted on every backend and device, the layer's form before it
  chose per device.
- ``unfused``: the four gates as four products instead of one product of the fused
  ``4 * units`` kernel, with the input half hoisted or per step as the layer picks. In inference
  on TensorFlow's CPU at batch 8 or more other than 32, 64 and 96 the layer itself takes four
  products per step (the hoisted input half stays one product), so there this form differs from
  the layer only in the hoisted product.
- ``plain``: a textbook cell, hoisting and fusion both undone: per step, four products of
  ``[x_t; h]``.
- ``per_position``: the character CNN at every position of the batch, padding included, as
  bilm-tf runs it, instead of once per distinct token of the batch.
- ``max_pooled``: the character CNN pooled with ``keras.ops.max`` instead of ``keras.ops.amax``:
  the same values, but on PyTorch each pooling is a graph break for ``torch.compile``
  (``benchmarks.torch_compile`` measures what that costs).

``use_plain_forms(network, forms)`` switches the layers of a built ``ELMoNetwork`` in place: the
layers keep their weights and only their class changes (the subclasses add no state), so one
model can be measured with and without an optimisation.

Example:
>>> from gensim_elmo.elmo import ELMo
>>> model = ELMo(preset="tiny", progress=False)
>>> use_plain_forms(model.network, ["unhoisted", "per_position"])
>>> type(model.network.bilm.forward_layers[0]).__name__, type(model.network).__name__
('UnhoistedLSTMProjection', 'PerPositionELMoNetwork')
"""

from keras import ops

from keras_layers.char_cnn import CharCNN
from keras_layers.elmo_network import ELMoNetwork
from keras_layers.lstm_projection import LSTMProjection, _gates_product


def _time_major(inputs):
    return ops.transpose(inputs, (1, 0, 2))


class UnhoistedLSTMProjection(LSTMProjection):
    """``LSTMProjection`` as TensorFlow's ``LSTMCell`` (and so bilm-tf) runs it: the input half of
    the gates computed at every step, never hoisted, in one fused product ``[x_t; h] @ kernel``."""

    def _gates_per_step(self, batch, training=None):
        return True

    def _gates_fused(self, batch, training=None):
        return True


class HoistedLSTMProjection(LSTMProjection):
    """``LSTMProjection`` with the input half of the gates always hoisted, on every backend and
    device (the layer computes them per step where that runs faster: TensorFlow's CPU)."""

    def _gates_per_step(self, batch, training=None):
        return False


class UnfusedLSTMProjection(LSTMProjection):
    """``LSTMProjection`` with four products, one per gate, instead of one fused product, in
    whichever of its two forms the layer picks (input gates hoisted or per step). The layer itself
    takes four products per step where TensorFlow's CPU runs them faster (``_gates_fused``)."""

    def _scanned_inputs(self, inputs):
        product = _gates_product(self.kernel[: self.input_dim], training=True, fused=False)  # plain matmuls
        return _time_major(product(inputs) + self._gate_bias())

    def _gates_fused(self, batch, training=None):
        return False


class PlainLSTMProjection(UnfusedLSTMProjection):
    """``LSTMProjection`` as a textbook cell: per step, four gate products of ``[x_t; h]``."""

    def _gates_per_step(self, batch, training=None):
        return True


class PerPositionELMoNetwork(ELMoNetwork):
    """``ELMoNetwork`` that runs the character CNN at every position of the batch."""

    def _token_embeddings(self, token_ids, token_chars):
        if not self.use_character_inputs:
            return super()._token_embeddings(token_ids, token_chars)
        chars = ops.take(token_chars, ops.reshape(token_ids, (-1,)), axis=0)  # (B * T, 50)
        vectors = self.token_encoder(chars)
        return ops.reshape(vectors, (-1, ops.shape(token_ids)[1], self.projection_dim))


class MaxPooledCharCNN(CharCNN):
    """``CharCNN`` pooling with ``keras.ops.max``, as it did before: on PyTorch, Keras's ``max``
    reads a ``.values`` attribute that torch.compile cannot trace (a graph break per pooling)."""

    def _pool(self, conv):
        return ops.max(conv, axis=1)


LSTM_FORMS = {"unhoisted": UnhoistedLSTMProjection, "hoisted": HoistedLSTMProjection,
              "unfused": UnfusedLSTMProjection, "plain": PlainLSTMProjection}
FORMS = tuple(LSTM_FORMS) + ("per_position", "max_pooled")


def use_plain_forms(network, forms):
    """Switch a built ``ELMoNetwork``'s layers to the plain ``forms`` in place (see the module doc).

    Args:
        network: an ``ELMoNetwork`` that has not been called yet (a compiled call keeps the old form).
        forms: names from ``FORMS``; at most one of ``unhoisted``, ``unfused``, ``plain``.

    Example:
    >>> from gensim_elmo.elmo import ELMo
    >>> model = ELMo(preset="tiny", progress=False)
    >>> use_plain_forms(model.network, ["plain"])
    >>> type(model.network.bilm.backward_layers[1]).__name__
    'PlainLSTMProjection'
    """
    unknown = set(forms) - set(FORMS)
    if unknown:
        raise ValueError(f"unknown plain forms {sorted(unknown)}; choose from {FORMS}")
    lstm_forms = [f for f in forms if f in LSTM_FORMS]
    if len(lstm_forms) > 1:
        raise ValueError(f"choose at most one LSTM form ('plain' undoes both); received {lstm_forms}")
    if getattr(network, "predict_function", None) is not None:
        raise ValueError("switch the forms before the network's first prediction: the compiled one stays")
    for form in lstm_forms:
        for layer in network.bilm.forward_layers + network.bilm.backward_layers:
            layer.__class__ = LSTM_FORMS[form]
    if "per_position" in forms:
        network.__class__ = PerPositionELMoNetwork
    if "max_pooled" in forms and network.use_character_inputs:
        network.token_encoder.__class__ = MaxPooledCharCNN
