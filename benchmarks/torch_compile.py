"""``KERAS_BACKEND=torch python -m benchmarks.torch_compile [--quick] [--parts ...]``: ELMo under ``torch.compile``.

Keras's ``jit_compile=True`` on PyTorch runs a model through ``torch.compile``; gensim_elmo leaves
it at Keras's default, eager. This measures, in one process, on the device PyTorch computes on
(the CPU, or a GPU where there is one), in three parts:

- ``embedding``: Dynamo's graphs and graph breaks when it traces the ELMo network's forward pass,
  in inference and in training, for the network as it is and for its ``max_pooled`` plain form
  (``benchmarks.plain_forms``: the character CNN pooled with ``keras.ops.max``, whose PyTorch
  implementation Dynamo cannot trace); then embedding PTB test sentences (all cut to the same
  length, so that one compiled graph serves every batch) with the network eager, compiled, and
  compiled in the ``max_pooled`` form: the first and second passes' seconds (compiling; compiling
  the second network can make the first recompile once), tokens/s (the median of interleaved
  rounds after those) and the largest difference of the top layer from eager.
- ``lstm_stack``: the speed issue's GPU comparison (``benchmarks.lstm_stack``): ELMo's
  ``LSTMProjection`` stack trained eager and compiled, next to ``keras.layers.LSTM`` (cuDNN on a
  GPU), each in IEEE float32 and in TensorFloat-32 (``float32_precision``). PyTorch runs cuDNN's
  LSTM in TF32 by default but its float32 matrix products in IEEE float32, so only the pairs of
  one precision compare like with like. The eager stack and cuDNN are measured first, so a run
  stopped while the compiled stack compiles keeps their ratios; then all three, interleaved. Also
  the largest weight difference between the compiled and the eager stack after one epoch from the
  same weights (IEEE).
- ``training``: ELMo itself (``gensim_elmo.ELMo``, sampled softmax, dropout) trained on PTB
  sentences cut to one length, eager and with its language model compiled with
  ``jit_compile=True``: epochs interleaved, tokens/s, the largest difference of the epoch losses,
  Dynamo's frame counts, or the error that stopped the compiled model.

It is not part of ``python -m benchmarks``: PyTorch is not a dependency of gensim-elmo, and
compiling takes minutes. The result is written as ``torch_compile.json`` (``torch_compile_gpu.json``
where PyTorch computes on a GPU) after each part; a run of some parts keeps the others' figures
from the file it rewrites.

Example (a few minutes)::

    KERAS_BACKEND=torch python -m benchmarks.torch_compile --quick --parts embedding
"""

import argparse
import contextlib
import json
import os
import statistics
import time
import traceback

import keras
import numpy as np

from benchmarks.plain_forms import use_plain_forms
from benchmarks.results_io import result_path, write_result
from benchmarks.speedups import interleaved_seconds

NAME = "torch_compile"
SETTINGS = {
    "full": {
        "embedding": dict(preset="small", sentences=128, batch_size=32, tokens_per_sentence=18, rounds=5),
        "lstm_stack": dict(preset="small", sequences=2560, time_steps=20, batch_size=64, rounds=3),
        "training": dict(preset="small", sentences=640, tokens_per_sentence=10, batch_size=64, num_sampled=4096,
                         dropout=0.1, rounds=3),
    },
    "quick": {
        "embedding": dict(preset="tiny", sentences=16, batch_size=8, tokens_per_sentence=6, rounds=1),
        "lstm_stack": dict(preset="tiny", sequences=32, time_steps=4, batch_size=16, rounds=1),
        "training": dict(preset="tiny", sentences=32, tokens_per_sentence=4, batch_size=16, num_sampled=64,
                         dropout=0.1, rounds=1),
    },
}
PRECISIONS = ("ieee", "tf32")


def result_name():
    """``torch_compile_gpu`` where PyTorch computes on a GPU, else ``torch_compile``."""
    import torch

    return f"{NAME}_gpu" if torch.cuda.is_available() else NAME


def _synchronize():
    import torch

    if torch.cuda.is_available():
        torch.cuda.synchronize()


@contextlib.contextmanager
def float32_precision(mode):
    """Run PyTorch's float32 matrix products (cuBLAS) and cuDNN (its LSTM too) in ``mode``.

    "ieee" is true float32; "tf32" lets NVIDIA tensor cores round the inputs of products to
    TensorFloat-32 (10 bits of mantissa). PyTorch's defaults differ between the two: IEEE for
    matrix products, TF32 for cuDNN. The flags are restored afterwards, also when the body
    raises. It sets the legacy ``allow_tf32`` flags, not ``fp32_precision``: ``torch.compile``
    reads the legacy flags, and setting ``fp32_precision`` makes reading them an error.

    Example:
    >>> import torch  # doctest: +SKIP
    >>> with float32_precision("ieee"):  # doctest: +SKIP
    ...     torch.backends.cudnn.allow_tf32
    False
    """
    import torch

    if mode not in PRECISIONS:
        raise ValueError(f"unknown float32 precision {mode!r}; choose from {PRECISIONS}")
    flags = (torch.backends.cuda.matmul, torch.backends.cudnn)
    before = [flag.allow_tf32 for flag in flags]
    for flag in flags:
        flag.allow_tf32 = mode == "tf32"
    try:
        yield
    finally:
        for flag, value in zip(flags, before):
            flag.allow_tf32 = value


def fixed_length_sentences(split, count, length):
    """The first ``count`` PTB ``split`` sentences of at least ``length`` tokens, cut to ``length``.

    Example:
    >>> sentences = fixed_length_sentences("test", 3, 5)
    >>> len(sentences), {len(s) for s in sentences}
    (3, {5})
    """
    from gensim_elmo.datasets import ptb

    sentences = [s[:length] for s in ptb(split) if len(s) >= length][:count]
    if len(sentences) < count:
        raise ValueError(f"PTB {split} has only {len(sentences)} sentences of {length} tokens or more, not {count}")
    return sentences


def embedding_batches(sentences, batch_size):
    """Network inputs for ``sentences`` (all of one length, a whole number of batches) in batches of
    ``batch_size``, their tables of distinct tokens padded to one size: every batch has the same shapes.

    Example:
    >>> batches = embedding_batches([["a", "b"], ["c", "a"], ["b", "b"], ["c", "c"]], 2)
    >>> [tuple(b["token_chars"].shape) for b in batches], tuple(batches[0]["token_ids"].shape)
    ([(64, 50), (64, 50)], (2, 4))
    """
    from gensim_elmo.elmo_batches import embedding_batch

    if len(sentences) % batch_size:
        raise ValueError(f"{len(sentences)} sentences do not make whole batches of {batch_size}: a last, "
                         "shorter batch would compile once more")
    batches = [embedding_batch(sentences[i:i + batch_size]) for i in range(0, len(sentences), batch_size)]
    rows = max(len(b["token_chars"]) for b in batches)
    for b in batches:
        b["token_chars"] = np.pad(b["token_chars"], ((0, rows - len(b["token_chars"])), (0, 0)))
    return batches


def graph_counts(network, batch):
    """``{"inference" | "training": [graphs, graph breaks]}`` of Dynamo's trace of ``network(batch)``."""
    import torch

    network(batch)  # built outside the trace
    counts = {}
    for mode, training in (("inference", False), ("training", True)):
        explained = torch._dynamo.explain(network)(batch, training=training)
        counts[mode] = [explained.graph_count, explained.graph_break_count]
    return counts


def embedding_figures(settings, save):
    """The ``embedding`` part's figures (see the module's docstring), passed to ``save`` after each stage."""
    import torch

    from gensim_elmo.elmo_options import build_options
    from keras_layers.elmo_network import ELMoNetwork

    n = settings["tokens_per_sentence"]
    sentences = fixed_length_sentences("test", settings["sentences"], n)
    batches = [{k: keras.ops.convert_to_tensor(v) for k, v in b.items()}
               for b in embedding_batches(sentences, settings["batch_size"])]
    keras.utils.set_random_seed(0)
    options = build_options(settings["preset"])
    fast, plain = ELMoNetwork(options), ELMoNetwork(options)
    use_plain_forms(plain, ["max_pooled"])
    figures = {"positions_per_batch": int(batches[0]["token_ids"].shape[1]),
               "graphs_and_breaks": {"optimised": graph_counts(fast, batches[0]),
                                     "max_pooled": graph_counts(plain, batches[0])}}
    plain.set_weights(fast.get_weights())
    torch._dynamo.reset()

    def embed(network):
        def run():
            with torch.no_grad():
                tops = [network(b, training=False)["lstm_outputs"][-1] for b in batches]
            _synchronize()
            return tops
        return run

    # The optimised form compiles first, so whatever the second compile reuses favours the plain one.
    runs = {"eager": embed(fast), "compiled": embed(torch.compile(fast)),
            "compiled, max_pooled": embed(torch.compile(plain))}
    reference = [t.cpu().numpy() for t in runs["eager"]()]
    figures["first_pass_s"], figures["max_difference_from_eager"] = {}, {}
    for name, run in runs.items():
        start = time.perf_counter()
        tops = run()
        figures["first_pass_s"][name] = time.perf_counter() - start
        figures["max_difference_from_eager"][name] = max(
            float(np.abs(t.cpu().numpy() - r).max()) for t, r in zip(tops, reference))
        print(f"embedding, {name}: first pass {figures['first_pass_s'][name]:.1f} s", flush=True)
        save(figures)
    # A second pass of each: compiling the second network can make the first recompile once.
    figures["second_pass_s"] = {name: seconds[0] for name, seconds in interleaved_seconds(runs, 1).items()}
    times = interleaved_seconds(runs, settings["rounds"])
    tokens = len(sentences) * n
    figures["tokens_per_s"] = speed = {name: tokens / statistics.median(t) for name, t in times.items()}
    figures["compiled_vs_eager"] = speed["compiled"] / speed["eager"]
    figures["compiled_vs_compiled_max_pooled"] = speed["compiled"] / speed["compiled, max_pooled"]
    return figures


def lstm_stack_figures(settings, save):
    """The ``lstm_stack`` part's figures (see the module's docstring), passed to ``save`` after each stage."""
    from benchmarks.lstm_stack import lstm_stack_model, training_data
    from gensim_elmo.elmo_options import build_options

    options = build_options(settings["preset"])
    steps, batch_size = settings["time_steps"], settings["batch_size"]
    x, targets = training_data(options, settings["sequences"], steps)
    tokens = x.shape[0] * x.shape[1]
    keras.utils.set_random_seed(1)
    models = {"projection, eager": lstm_stack_model("projection", options, steps),
              "projection, compiled": lstm_stack_model("projection", options, steps, jit_compile=True),
              "keras_lstm": lstm_stack_model("keras_lstm", options, steps)}

    def epoch(name, precision):
        model, kind = models[name], name.split(",")[0]

        def run():
            with float32_precision(precision):
                start = time.perf_counter()
                model.fit(x, targets[kind], batch_size=batch_size, epochs=1, shuffle=False, verbose=0)
                _synchronize()
                return time.perf_counter() - start
        return run

    figures = {"first_pass_s": {}, "second_pass_s": {}, "tokens_per_s": {}, "ratio_to_keras_lstm": {}}
    with float32_precision("ieee"):
        ieee = keras.ops.convert_to_numpy(models["keras_lstm"](x[:batch_size]))
    with float32_precision("tf32"):
        tf32 = keras.ops.convert_to_numpy(models["keras_lstm"](x[:batch_size]))
    figures["keras_lstm_output_difference_tf32_vs_ieee"] = float(np.abs(tf32 - ieee).max())
    speed, ratios = figures["tokens_per_s"], figures["ratio_to_keras_lstm"]

    def first_epoch(name):
        figures["first_pass_s"][f"{name} (ieee)"] = seconds = epoch(name, "ieee")()
        print(f"lstm_stack, {name} (ieee): first epoch {seconds:.1f} s", flush=True)
        save(figures)

    def interleaved(names):
        # One precision at a time, IEEE first: switching makes the compiled stack compile once more.
        # The pairs of one precision are interleaved; PyTorch's defaults pair (ours IEEE, cuDNN TF32)
        # comes from the two. ``second_pass_s`` keeps each form's first epoch after its first pass
        # (keras_lstm has no first pass: its first epoch is there), not the later stages' epochs.
        for precision in PRECISIONS:
            runs = {f"{name} ({precision})": epoch(name, precision) for name in names}
            for k, t in interleaved_seconds(runs, 1).items():
                figures["second_pass_s"].setdefault(k, t[0])
            speed.update({k: tokens / statistics.median(t)
                          for k, t in interleaved_seconds(runs, settings["rounds"]).items()})
            pairs = [(precision, precision)] + ([("ieee", "tf32")] if precision == "tf32" else [])
            for form in (n.split(", ")[1] for n in names if n.startswith("projection")):
                for ours, theirs in pairs:
                    name = f"{form} ({ours} vs keras_lstm {theirs})"
                    ratios[name] = speed[f"projection, {form} ({ours})"] / speed[f"keras_lstm ({theirs})"]
                    print(f"lstm_stack ratio, {name}: {ratios[name]:.2f}", flush=True)
            save(figures)

    # Eager first, so that a run stopped while the compiled stack compiles (minutes on a GPU) keeps
    # the eager ratios; then the compiled stack, from the same initial weights as eager's first
    # epoch, timed in rounds interleaved with the other two.
    initial = models["projection, eager"].get_weights()
    first_epoch("projection, eager")
    eager_after_one = models["projection, eager"].get_weights()
    interleaved(["projection, eager", "keras_lstm"])
    models["projection, compiled"].set_weights(initial)
    first_epoch("projection, compiled")
    compiled = models["projection, compiled"].get_weights()
    figures["max_weight_difference_compiled_vs_eager"] = max(
        float(np.abs(a - b).max()) for a, b in zip(eager_after_one, compiled))
    save(figures)
    interleaved(list(models))
    return figures


def training_figures(settings, save):
    """The ``training`` part's figures (see the module's docstring), passed to ``save`` after each stage."""
    import torch

    from benchmarks.epoch_timer import EpochTimer
    from gensim_elmo.elmo import ELMo

    n = settings["tokens_per_sentence"]
    sentences = fixed_length_sentences("train", settings["sentences"], n)
    model_settings = {k: settings[k] for k in ("preset", "batch_size", "num_sampled", "dropout")}
    models = {name: ELMo(seed=1, progress=False, **model_settings) for name in ("eager", "compiled")}
    for model in models.values():
        model.build_vocab(sentences)
    compiled = models["compiled"]
    compiled.language_model.compile(optimizer=compiled.make_optimizer(), jit_compile=True)
    timers = {name: EpochTimer() for name in models}

    def epoch(name):
        def run():
            models[name].train(sentences, epochs=1, callbacks=[timers[name]])
            _synchronize()
            return timers[name].times[-1]
        return run

    runs = {name: epoch(name) for name in models}
    figures = {"first_pass_s": {}}
    torch._dynamo.utils.counters.clear()
    for name in list(runs):
        try:
            figures["first_pass_s"][name] = runs[name]()
        except Exception as exc:  # noqa: BLE001 - the compiled model's failure is the figure
            if name != "compiled":
                raise
            lines = traceback.format_exc().splitlines()
            figures["compiled_error"] = {"type": type(exc).__name__, "message": str(exc)[:2000],
                                         "traceback_tail": lines[-40:]}
            print("\n".join(lines), flush=True)
            del runs[name]
        else:
            print(f"training, {name}: first epoch {figures['first_pass_s'][name]:.1f} s", flush=True)
        save(figures)
    # Dynamo's counts over the first epochs (recompiles in the rounds below are not counted).
    figures["dynamo_counters"] = {k: dict(v) for k, v in torch._dynamo.utils.counters.items() if k in ("frames", "stats")}
    times = interleaved_seconds(runs, settings["rounds"] + 1)  # the first round absorbs any recompile
    tokens = len(sentences) * n
    figures["second_pass_s"] = {name: t[0] for name, t in times.items()}
    figures["tokens_per_s"] = speed = {name: tokens / statistics.median(t[1:]) for name, t in times.items()}
    figures["losses"] = {name: [float(v) for v in models[name].history["loss"]] for name in runs}
    if "compiled" in runs:
        figures["compiled_vs_eager"] = speed["compiled"] / speed["eager"]
        figures["max_loss_difference"] = max(abs(a - b) for a, b in zip(*figures["losses"].values()))
    return figures


PARTS = {"embedding": embedding_figures, "lstm_stack": lstm_stack_figures, "training": training_figures}


def main(argv=None):
    import torch

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny presets on a few sentences")
    parser.add_argument("--parts", nargs="+", choices=list(PARTS), default=list(PARTS), help="what to measure")
    parser.add_argument("--results-dir", default=None, help="where to write the result")
    args = parser.parse_args(argv)
    if keras.backend.backend() != "torch":
        raise SystemExit(f"run with KERAS_BACKEND=torch (the active Keras backend is {keras.backend.backend()!r})")
    name = result_name()
    torch._inductor.config.fx_graph_cache = False  # every part's compile times from this run, not a disk cache
    path = result_path(name, args.quick, args.results_dir)
    figures, settings = {}, {}
    if os.path.exists(path):  # the parts not measured now keep their figures
        with open(path, encoding="utf-8") as handle:
            earlier = json.load(handle)
        figures = {k: v for k, v in earlier["figures"].items() if k in PARTS}
        settings = {k: v for k, v in earlier["settings"].items() if k in PARTS}
    provenance = dict(torch=torch.__version__, keras=keras.__version__,
                      device=torch.cuda.get_device_name() if torch.cuda.is_available() else "cpu")
    figures.update(provenance)  # this run's; each part also keeps those of the run that measured it
    start = time.perf_counter()
    for part in args.parts:
        settings[part] = SETTINGS["quick" if args.quick else "full"][part]
        figures.pop(part, None)  # an earlier run's figures for this part never mix with this run's

        def save(part_figures, complete=False):
            # Rewritten after each stage, so a run stopped by a time limit keeps what it measured.
            figures[part] = dict(part_figures, date=time.strftime("%Y-%m-%d"), complete=complete, **provenance)
            write_result(name, figures, settings, time.perf_counter() - start, args.quick, args.results_dir)

        try:
            save(PARTS[part](settings[part], save), complete=True)
        except Exception as exc:  # noqa: BLE001 - a benchmark records what failed and goes on
            traceback.print_exc()
            save(dict(figures.get(part, {}), error=f"{type(exc).__name__}: {exc}"[:2000]))
        print(f"{part}: wrote {path}", flush=True)


if __name__ == "__main__":
    main()
