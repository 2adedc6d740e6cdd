"""``KERAS_BACKEND=torch python -m benchmarks.torch_compile [--quick]``: ELMo under ``torch.compile``.

Keras's ``jit_compile=True`` on PyTorch runs a model through ``torch.compile``; gensim_elmo leaves
it at Keras's default, eager. This measures, in one process, on the device PyTorch computes on
(the CPU, or a GPU where there is one):

- Dynamo's graphs and graph breaks when it traces the ELMo network's forward pass, in inference
  and in training, for the network as it is and for its ``max_pooled`` plain form
  (``benchmarks.plain_forms``: the character CNN pooled with ``keras.ops.max``, whose PyTorch
  implementation Dynamo cannot trace);
- embedding PTB test sentences (all cut to the same length, so that one compiled graph serves
  every batch) with the network eager, compiled, and compiled in the ``max_pooled`` form: the
  first and second passes' seconds (compiling; compiling the second network can make the first
  recompile once), tokens/s (the median of interleaved rounds after those) and the largest
  difference of the top layer from eager.

It is not part of ``python -m benchmarks``: PyTorch is not a dependency of gensim-elmo, and
compiling takes minutes on a CPU. The result is written as ``torch_compile.json``.

Example (a few minutes)::

    KERAS_BACKEND=torch python -m benchmarks.torch_compile --quick
"""

import argparse
import statistics
import time

import keras
import numpy as np

from benchmarks.plain_forms import use_plain_forms
from benchmarks.results_io import write_result
from benchmarks.speedups import interleaved_seconds

NAME = "torch_compile"
FULL = dict(preset="small", sentences=128, batch_size=32, tokens_per_sentence=18, rounds=5)
QUICK = dict(preset="tiny", sentences=16, batch_size=8, tokens_per_sentence=6, rounds=1)


def embedding_batches(sentences, batch_size):
    """Network inputs for ``sentences`` (all of one length, a whole number of batches) in batches of
    ``batch_size``, their tables of distinct tokens padded to one size: every batch has the same shapes.

    Example:
    >>> batches = embedding_batches([["a", "b"], ["c", "a"], ["b", "b"]], 2)
    >>> [tuple(b["token_chars"].shape) for b in batches], tuple(batches[0]["token_ids"].shape)
    ([(5, 50), (5, 50)], (2, 4))
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


def measure(settings):
    """The figures of one run with ``settings`` (``FULL`` or ``QUICK``)."""
    import torch

    from gensim_elmo.datasets import ptb
    from gensim_elmo.elmo_options import build_options
    from keras_layers.elmo_network import ELMoNetwork

    if keras.backend.backend() != "torch":
        raise SystemExit(f"run with KERAS_BACKEND=torch (the active Keras backend is {keras.backend.backend()!r})")
    torch._inductor.config.fx_graph_cache = False  # compile times from this run, not from a disk cache
    n = settings["tokens_per_sentence"]
    sentences = [s[:n] for s in ptb("test") if len(s) >= n][: settings["sentences"]]
    batches = [{k: keras.ops.convert_to_tensor(v) for k, v in b.items()}
               for b in embedding_batches(sentences, settings["batch_size"])]
    keras.utils.set_random_seed(0)
    options = build_options(settings["preset"])
    fast, plain = ELMoNetwork(options), ELMoNetwork(options)
    use_plain_forms(plain, ["max_pooled"])
    figures = {"torch": torch.__version__, "keras": keras.__version__,
               "device": torch.cuda.get_device_name() if torch.cuda.is_available() else "cpu",
               "positions_per_batch": int(batches[0]["token_ids"].shape[1]),
               "graphs_and_breaks": {"optimised": graph_counts(fast, batches[0]),
                                     "max_pooled": graph_counts(plain, batches[0])}}
    plain.set_weights(fast.get_weights())
    torch._dynamo.reset()

    def embed(network):
        def run():
            with torch.no_grad():
                tops = [network(b, training=False)["lstm_outputs"][-1] for b in batches]
            if torch.cuda.is_available():
                torch.cuda.synchronize()
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
        print(f"{name}: first pass {figures['first_pass_s'][name]:.1f} s", flush=True)
    # A second pass of each: compiling the second network can make the first recompile once.
    figures["second_pass_s"] = {name: seconds[0] for name, seconds in interleaved_seconds(runs, 1).items()}
    times = interleaved_seconds(runs, settings["rounds"])
    tokens = len(sentences) * n
    figures["tokens_per_s"] = {name: tokens / statistics.median(t) for name, t in times.items()}
    speed = figures["tokens_per_s"]
    figures["compiled_vs_eager"] = speed["compiled"] / speed["eager"]
    figures["compiled_vs_compiled_max_pooled"] = speed["compiled"] / speed["compiled, max_pooled"]
    return figures


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the tiny preset on a few sentences")
    parser.add_argument("--results-dir", default=None, help="where to write torch_compile.json")
    args = parser.parse_args(argv)
    settings = QUICK if args.quick else FULL
    start = time.perf_counter()
    figures = measure(settings)
    path = write_result(NAME, figures, settings, time.perf_counter() - start, args.quick, args.results_dir)
    print({k: figures[k] for k in ("graphs_and_breaks", "tokens_per_s", "compiled_vs_compiled_max_pooled")})
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
