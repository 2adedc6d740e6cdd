"""``KERAS_BACKEND=jax python -m benchmarks.jax_precision [--quick]``: the float32 precision behind JAX's LSTM ratio.

On an NVIDIA GPU, JAX lets float32 matrix products round their inputs to TensorFloat-32 unless
``jax_default_matmul_precision`` says otherwise, and ``keras.layers.LSTM`` runs cuDNN's LSTM
(``jax.experimental.rnn``), which allows TF32 under the same rule. The roofline's JAX ratio of
ELMo's ``LSTMProjection`` stack to cuDNN's LSTM set the two side by side at JAX's defaults. This
measures, in one process, on the device JAX computes on:

- ``output_difference``: the largest difference of each layer's output from the same layer at
  ``"highest"`` precision (IEEE float32): a ``keras.layers.LSTM`` on Keras's cuDNN path and on its
  generic ``scan`` path (the same weights), and an ``LSTMProjection``, each at JAX's default
  precision and at ``"highest"``. A difference near the generic path's at the default precision
  says TF32; one near 1e-6 says IEEE. ``cudnn_path_taken`` says whether Keras's cuDNN path was
  traced (an ``rnn_fwd`` in the layer's jaxpr; never on a CPU).
- ``tokens_per_s``: both ``benchmarks.lstm_stack`` stacks trained at each precision, epochs
  interleaved (the median of ``rounds`` after a round that compiles), and ``ratio_to_keras_lstm``
  at each pairing of precisions.

It is not part of ``python -m benchmarks``: it answers one question about one GPU figure. The
result is ``jax_precision.json`` (``jax_precision_gpu.json`` where JAX computes on a GPU).

Example (under a minute on a CPU)::

    KERAS_BACKEND=jax python -m benchmarks.jax_precision --quick
"""

import argparse
import contextlib
import statistics
import time

import numpy as np

from benchmarks.results_io import write_result
from benchmarks.speedups import interleaved_seconds

NAME = "jax_precision"
SETTINGS = {
    "full": dict(preset="small", sequences=2560, time_steps=20, batch_size=64, rounds=3),
    "quick": dict(preset="tiny", sequences=32, time_steps=4, batch_size=16, rounds=1),
}
#: The precisions compared: JAX's default (None: TF32 allowed on a GPU) and IEEE float32.
PRECISIONS = {"default": None, "highest": "highest"}


@contextlib.contextmanager
def matmul_precision(name):
    """Run JAX's float32 matrix products, and cuDNN's LSTM under them, at precision ``name``.

    A jitted function traced under one precision is traced again under another, so a Keras model
    trains at the precision its ``fit`` runs under.

    Example:
    >>> import jax  # doctest: +SKIP
    >>> with matmul_precision("highest"):  # doctest: +SKIP
    ...     jax.config.jax_default_matmul_precision
    'highest'
    """
    import jax

    if name not in PRECISIONS:
        raise ValueError(f"unknown matmul precision {name!r}; choose from {list(PRECISIONS)}")
    with jax.default_matmul_precision(PRECISIONS[name]):
        yield


def output_figures(options, time_steps, batch_size, seed=0):
    """``output_difference`` and ``cudnn_path_taken`` (see the module's docstring) at ``options``' LSTM sizes."""
    import jax
    import keras

    from keras_layers.lstm_projection import LSTMProjection

    lstm = options["lstm"]
    x = np.random.default_rng(seed).standard_normal((batch_size, time_steps, lstm["projection_dim"])).astype("float32")
    keras.utils.set_random_seed(seed)
    cudnn = keras.layers.LSTM(lstm["dim"], return_sequences=True)
    generic = keras.layers.LSTM(lstm["dim"], return_sequences=True, use_cudnn=False)
    projection = LSTMProjection(lstm["dim"], lstm["projection_dim"], cell_clip=lstm["cell_clip"],
                                proj_clip=lstm["proj_clip"], return_state=False)
    for layer in (cudnn, generic, projection):
        layer.build(x.shape)
    generic.set_weights(cudnn.get_weights())
    layers = {"keras_lstm, cudnn path": cudnn, "keras_lstm, generic path": generic, "projection": projection}
    outputs = {}
    for precision in PRECISIONS:
        with matmul_precision(precision):
            for name, layer in layers.items():
                outputs[name, precision] = keras.ops.convert_to_numpy(layer(x))
    # Each layer against itself at "highest", except the cuDNN path: against the generic path there.
    reference = {name: ("keras_lstm, generic path" if layer is cudnn else name, "highest")
                 for name, layer in layers.items()}
    differences = {f"{name} ({precision})": float(np.abs(outputs[name, precision] - outputs[reference[name]]).max())
                   for name in layers for precision in PRECISIONS if (name, precision) != reference[name]}
    jaxpr = str(jax.make_jaxpr(lambda inputs: cudnn(inputs))(x))
    return {"output_difference": differences, "cudnn_path_taken": "rnn_fwd" in jaxpr}


def speed_figures(settings):
    """``tokens_per_s`` and ``ratio_to_keras_lstm`` (see the module's docstring)."""
    import jax
    import keras

    from benchmarks.lstm_stack import KINDS, lstm_stack_model, training_data
    from gensim_elmo.elmo_options import build_options

    options = build_options(settings["preset"])
    x, targets = training_data(options, settings["sequences"], settings["time_steps"])
    keras.utils.set_random_seed(1)
    models = {kind: lstm_stack_model(kind, options, settings["time_steps"]) for kind in KINDS}

    def epoch(kind, precision):
        def run():
            with matmul_precision(precision):
                start = time.perf_counter()
                models[kind].fit(x, targets[kind], batch_size=settings["batch_size"], epochs=1, shuffle=False,
                                 verbose=0)
                jax.block_until_ready([v.value for v in models[kind].trainable_variables])
                return time.perf_counter() - start
        return run

    runs = {f"{kind} ({precision})": epoch(kind, precision) for kind in KINDS for precision in PRECISIONS}
    first = {name: t[0] for name, t in interleaved_seconds(runs, 1).items()}  # each traces and compiles
    times = interleaved_seconds(runs, settings["rounds"])
    tokens = x.shape[0] * x.shape[1]
    speed = {name: tokens / statistics.median(t) for name, t in times.items()}
    ratios = {f"projection {ours} vs keras_lstm {theirs}": speed[f"projection ({ours})"] / speed[f"keras_lstm ({theirs})"]
              for ours in PRECISIONS for theirs in PRECISIONS}
    return {"first_pass_s": first, "tokens_per_s": speed, "ratio_to_keras_lstm": ratios}


def main(argv=None):
    import jax
    import keras

    from gensim_elmo.elmo_options import build_options

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the tiny preset on a few sequences")
    parser.add_argument("--results-dir", default=None, help="where to write the result")
    args = parser.parse_args(argv)
    if keras.backend.backend() != "jax":
        raise SystemExit(f"run with KERAS_BACKEND=jax (the active Keras backend is {keras.backend.backend()!r})")
    settings = SETTINGS["quick" if args.quick else "full"]
    device = jax.devices()[0]
    name = f"{NAME}_gpu" if device.platform == "gpu" else NAME
    start = time.perf_counter()
    figures = {"jax": jax.__version__, "keras": keras.__version__, "device": device.device_kind}
    figures.update(output_figures(build_options(settings["preset"]), settings["time_steps"], settings["batch_size"]))
    print(f"output differences: {figures['output_difference']}; cuDNN path: {figures['cudnn_path_taken']}", flush=True)
    write_result(name, figures, settings, time.perf_counter() - start, args.quick, args.results_dir)
    figures.update(speed_figures(settings))
    for pair, ratio in figures["ratio_to_keras_lstm"].items():
        print(f"ratio, {pair}: {ratio:.2f}", flush=True)
    path = write_result(name, figures, settings, time.perf_counter() - start, args.quick, args.results_dir)
    print(f"wrote {path}", flush=True)
    return path


if __name__ == "__main__":
    main()
