"""ELMo's recurrent stack against ``keras.layers.LSTM`` of the same sizes, trained side by side.

The speed issue asks how ELMo's ``LSTMProjection`` (a ``keras.ops.scan`` recurrence, backend
agnostic) trains next to ``keras.layers.LSTM``, which Keras runs on cuDNN where it can (a GPU
with the JAX, PyTorch or TensorFlow backend, no mask). Both stacks here are built from one
preset: ``n_layers`` LSTM layers per direction, forward and backward, cell size ``dim``, fed
``projection_dim``-wide vectors; ours projects each layer's output to ``projection_dim``
(as ELMo does), ``keras.layers.LSTM`` cannot (so it does more work per token: its recurrent
matrix is ``dim x 4 dim`` instead of ``projection_dim x 4 dim``). No mask (every sequence full
length) so the cuDNN path applies; the loss is a mean squared error against zeros, so the
measurement is the recurrence, not a softmax.

Example:
>>> from gensim_elmo.elmo_options import build_options
>>> model = lstm_stack_model("projection", build_options("tiny"), time_steps=5)  # doctest: +SKIP
>>> model.output_shape  # doctest: +SKIP
(None, 5, 32)
"""

import numpy as np

from benchmarks.flop_counts import TRAINING_FACTOR

KINDS = ("projection", "keras_lstm")


def lstm_stack_model(kind, options, time_steps, jit_compile="auto"):
    """A compiled Keras model: the biLM's two directions of ``n_layers`` LSTMs, outputs concatenated.

    Args:
        kind: "projection" (ELMo's ``LSTMProjection``) or "keras_lstm" (``keras.layers.LSTM``).
        options: the ELMo architecture (``gensim_elmo.elmo_options.build_options``).
        time_steps: int, the sequence length.
        jit_compile: passed to ``Model.compile`` (True: XLA on TensorFlow and JAX, ``torch.compile``
            on PyTorch; "auto": Keras's default, eager on PyTorch).
    """
    import keras

    from keras_layers.lstm_projection import LSTMProjection

    if kind not in KINDS:
        raise ValueError(f"unknown LSTM stack {kind!r}; choose from {KINDS}")
    lstm = options["lstm"]
    inputs = keras.Input((time_steps, lstm["projection_dim"]))
    directions = []
    for backwards in (False, True):
        x = inputs
        for _ in range(lstm["n_layers"]):
            if kind == "projection":
                x = LSTMProjection(lstm["dim"], lstm["projection_dim"], cell_clip=lstm["cell_clip"],
                                   proj_clip=lstm["proj_clip"], go_backwards=backwards, return_state=False)(x)
            else:
                x = keras.layers.LSTM(lstm["dim"], return_sequences=True, go_backwards=backwards)(x)
        directions.append(x)
    model = keras.Model(inputs, keras.layers.Concatenate()(directions))
    model.compile(optimizer=keras.optimizers.Adagrad(0.2), loss="mse", jit_compile=jit_compile)
    return model


def lstm_stack_flops(kind, options):
    """Training FLOPs per token of ``lstm_stack_model(kind, options, ...)`` (matrix products only).

    Example:
    >>> from gensim_elmo.elmo_options import build_options
    >>> options = build_options("small")
    >>> lstm_stack_flops("keras_lstm", options) > lstm_stack_flops("projection", options)
    True
    """
    lstm = options["lstm"]
    dim, projection, layers = lstm["dim"], lstm["projection_dim"], lstm["n_layers"]
    if kind == "projection":
        layer = 2 * (projection + projection) * 4 * dim + 2 * dim * projection
        forward = layers * layer
    else:
        forward = 2 * (projection + dim) * 4 * dim + (layers - 1) * 2 * (dim + dim) * 4 * dim
    return TRAINING_FACTOR * 2 * forward  # two directions


def training_data(options, sequences, time_steps, seed=0):
    """Random inputs and zero targets for both kinds of stack (float32)."""
    lstm = options["lstm"]
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((sequences, time_steps, lstm["projection_dim"])).astype("float32")
    widths = {"projection": lstm["projection_dim"], "keras_lstm": lstm["dim"]}
    return x, {kind: np.zeros((sequences, time_steps, 2 * width), "float32") for kind, width in widths.items()}
