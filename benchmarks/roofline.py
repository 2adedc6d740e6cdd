"""Roofline: how close ELMo and the NNLM come to this machine's own float32 matmul rate.

In one run, for every Keras backend installed (each in its own subprocess, since a process has
one backend): the dense float32 matmul rate of (640 x 1024) @ (1024 x 16384) (one LSTM gate
product of 32 sentences x 20 tokens of the ``original`` model) with numpy and with the backend,
median of several; then, for each workload, tokens/s, achieved FLOP/s (tokens/s x the analytic
FLOPs per token of ``benchmarks.flop_counts``) and **efficiency = achieved FLOP/s / best matmul
FLOP/s** (the best of numpy's and the backend's rate), plus its peak RSS. Workloads:

- ``elmo_embed/<preset>``: ELMo embedding of Penn Treebank test sentences at batch 32, for each
  preset (random weights: speed does not depend on them), after a warm-up pass over the same
  sentences (the cold first pass, which compiles, is reported too);
- ``elmo_embed_batch/<n>``: the ``original`` preset at batch sizes 1 to 128;
- ``elmo_train/small``: training the ``small`` preset (sampled softmax) on a PTB slice;
- ``nnlm_train``: training the NNLM with ``nnlm_ptb``'s settings on a PTB slice.

Tokens are the user's tokens: padding and the two sentence-boundary tokens ELMo adds count as
overhead, as the efficiency target of the speed issue says.
"""

import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

from benchmarks.flop_counts import elmo_flops_per_token, nnlm_flops_per_token
from benchmarks.peak_memory import PeakMemory

NAME = "roofline"
DESCRIPTION = "Tokens/s and efficiency (achieved / best matmul FLOP/s) of ELMo and NNLM, per Keras backend"
EXPECTED_MINUTES = 35
MATMUL_SHAPE = (640, 1024, 16384)
BACKENDS = ("tensorflow", "jax", "torch")
FULL = dict(matmul_repeats=5, presets=("tiny", "small", "medium", "original"), embed_sentences=320,
            batch_sizes=(1, 4, 16, 32, 64, 128), curve_sentences=128, train_sentences=1500, nnlm_sentences=6000)
#: Quick runs leave out ELMo training (its compilation alone takes longer than the rest).
QUICK = dict(matmul_repeats=1, presets=("tiny",), embed_sentences=32, batch_sizes=(1, 32),
             curve_sentences=8, train_sentences=0, nnlm_sentences=200)
ANCHORS = {"AllenNLP original ELMo embedding, batch 32, efficiency (DESIGN.md)": 0.34,
           "target: original embedding": 0.6, "target: small training": 0.3, "target: NNLM training": 0.3}


def matmul_rates(repeats):
    """GFLOP/s of the float32 product of ``MATMUL_SHAPE`` with numpy and with the Keras backend (medians)."""
    import keras

    m, k, n = MATMUL_SHAPE
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((m, k), dtype=np.float32), rng.standard_normal((k, n), dtype=np.float32)
    flops = 2 * m * k * n

    def rate(fn):
        fn()  # warm-up
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        return flops / statistics.median(times) / 1e9

    ta, tb = keras.ops.convert_to_tensor(a), keras.ops.convert_to_tensor(b)
    return {"numpy": rate(lambda: a @ b),
            keras.backend.backend(): rate(lambda: keras.ops.convert_to_numpy(keras.ops.matmul(ta, tb)))}


def _timed(fn):
    with PeakMemory() as memory:
        start = time.perf_counter()
        fn()
        seconds = time.perf_counter() - start
    return seconds, memory.peak_mib


def _workload(tokens, seconds, flops_per_token, best_gflops, peak_mib, **extra):
    tokens_per_s = tokens / seconds
    achieved = tokens_per_s * flops_per_token / 1e9
    return dict(tokens=tokens, seconds=seconds, tokens_per_s=tokens_per_s, flops_per_token=flops_per_token,
                achieved_gflops=achieved, efficiency=achieved / best_gflops, peak_rss_mib=peak_mib, **extra)


def _embedding(preset, sentences, batch_size, best_gflops):
    from gensim_elmo.elmo import ELMo

    model = ELMo(preset=preset, progress=False, seed=1)
    tokens = sum(map(len, sentences))
    cold, _ = _timed(lambda: model.embed_sentences(sentences, batch_size=batch_size))
    seconds, peak = _timed(lambda: model.embed_sentences(sentences, batch_size=batch_size))
    return _workload(tokens, seconds, elmo_flops_per_token(model.options), best_gflops, peak,
                     cold_tokens_per_s=tokens / cold, batch_size=batch_size, sentences=len(sentences))


def _training_epoch_seconds(model_cls, sentences, settings):
    """Seconds of the second of two epochs (the first compiles), and the trained model."""
    from benchmarks.epoch_timer import EpochTimer

    timer = EpochTimer()
    with PeakMemory() as memory:
        model = model_cls(sentences, epochs=2, callbacks=[timer], progress=False, **settings)
    return timer.times[-1], memory.peak_mib, model


def worker(quick):
    """Measure every workload on the active backend and return a dict (run in a subprocess)."""
    import keras

    from benchmarks import elmo_ptb, nnlm_ptb
    from gensim_elmo.datasets import ptb
    from gensim_elmo.elmo import ELMo
    from gensim_elmo.nnlm import NNLM

    p = QUICK if quick else FULL
    rates = matmul_rates(p["matmul_repeats"])
    best = max(rates.values())
    print(f"[{keras.backend.backend()}] matmul GFLOP/s: " + ", ".join(f"{k} {v:.0f}" for k, v in rates.items()),
          flush=True)
    test = [s for s in ptb("test") if s]
    workloads = {}

    def record(name, result):
        workloads[name] = result
        print(f"[{keras.backend.backend()}] {name}: {result['tokens_per_s']:.0f} tokens/s, "
              f"{result['achieved_gflops']:.1f} GFLOP/s, efficiency {result['efficiency']:.3f}", flush=True)

    for preset in p["presets"]:
        record(f"elmo_embed/{preset}", _embedding(preset, test[: p["embed_sentences"]], 32, best))
    curve_preset = "tiny" if quick else "original"
    for batch_size in p["batch_sizes"]:
        record(f"elmo_embed_batch/{batch_size}",
               _embedding(curve_preset, test[: p["curve_sentences"]], batch_size, best))

    if p["train_sentences"]:
        train = list(ptb("train", limit=p["train_sentences"]))
        settings = dict(elmo_ptb.SETTINGS)
        settings.pop("epochs")
        seconds, peak, model = _training_epoch_seconds(ELMo, train, settings)
        tokens = model.corpus_stats["tokens"]
        flops = elmo_flops_per_token(model.options, training=True, num_sampled=model.language_model.num_sampled,
                                     vocabulary_size=len(model.vocabulary))
        record(f"elmo_train/{settings['preset']}", _workload(tokens, seconds, flops, best, peak, settings=settings))

    nnlm_settings = dict(nnlm_ptb.QUICK_SETTINGS if quick else nnlm_ptb.SETTINGS)
    for key in ("early_stopping", "epochs"):
        nnlm_settings.pop(key)
    seconds, peak, model = _training_epoch_seconds(NNLM, list(ptb("train", limit=p["nnlm_sentences"])),
                                                   nnlm_settings)
    tokens = model.corpus_stats["tokens"] + model.corpus_stats["sentences"]  # every word and each sentence end
    record("nnlm_train", _workload(tokens, seconds, nnlm_flops_per_token(nnlm_settings, len(model.vocabulary)),
                                   best, peak, settings=nnlm_settings))
    return {"matmul_gflops": rates, "best_matmul_gflops": best, "workloads": workloads}


def installed_backends():
    """The Keras backends whose library is importable here."""
    return [b for b in BACKENDS if importlib.util.find_spec(b) is not None]


def run(quick=False, backends=None):
    """Run the worker once per installed backend, each in a fresh process; return (figures, settings)."""
    figures = {}
    for backend in backends or installed_backends():
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "result.json")
            env = dict(os.environ, KERAS_BACKEND=backend)
            command = [sys.executable, "-m", "benchmarks.roofline", "--worker", out] + (["--quick"] if quick else [])
            subprocess.run(command, env=env, check=True)
            with open(out, encoding="utf-8") as handle:
                figures[backend] = json.load(handle)
    settings = dict(QUICK if quick else FULL, matmul_shape=MATMUL_SHAPE, embed_batch_size=32,
                    anchors=ANCHORS, tokens="user tokens only (no padding, no sentence-boundary tokens)")
    return {"backends": figures, "anchors": ANCHORS}, settings


def _main(argv):
    import argparse

    parser = argparse.ArgumentParser(description="one backend's roofline measurements (used by run())")
    parser.add_argument("--worker", required=True, help="write the JSON result here")
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    result = worker(args.quick)
    with open(args.worker, "w", encoding="utf-8") as handle:
        json.dump(result, handle)


if __name__ == "__main__":
    _main(sys.argv[1:])
