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
- ``nnlm_train``: training the NNLM with ``lm_recipes``' NNLM settings on a PTB slice;
- ``lstm_stack_train/projection`` and ``lstm_stack_train/keras_lstm``: the ``small`` preset's
  recurrent stack trained with ELMo's ``LSTMProjection`` and with ``keras.layers.LSTM`` of the
  same sizes (cuDNN on a GPU), in the same process (``benchmarks.lstm_stack``); the result holds
  the ratio of their tokens/s;
- ``embed_profile``: where the embedding time of the largest preset goes (batch preparation,
  character CNN, biLSTM, unpadding) and the share of computed positions that are user tokens
  (``benchmarks.elmo_profile``).

On a GPU (any backend that computes on one) the backend's matmul is timed on the device, several
products per timing, and the result is written as ``roofline_gpu.json`` so that the CPU figures
stay. A workload that fails on a backend is recorded with its error and the others still run.

Tokens are the user's tokens: padding and the two sentence-boundary tokens ELMo adds count as
overhead, as the efficiency target of the speed issue says.
"""

import shutil
import statistics
import subprocess
import sys
import time

import numpy as np

from benchmarks.backend_workers import record_failure, run_workers, save_result, wanted, worker_main
from benchmarks.elmo_profile import embedding_profile
from benchmarks.flop_counts import elmo_flops_per_token, nnlm_flops_per_token
from benchmarks.lstm_stack import KINDS as LSTM_STACKS
from benchmarks.lstm_stack import lstm_stack_flops, lstm_stack_model, training_data
from benchmarks.peak_memory import PeakMemory

NAME = "roofline"
DESCRIPTION = "Tokens/s and efficiency (achieved / best matmul FLOP/s) of ELMo and NNLM, per Keras backend"
EXPECTED_MINUTES = 35
MATMUL_SHAPE = (640, 1024, 16384)
FULL = dict(matmul_repeats=5, presets=("tiny", "small", "medium", "original"), embed_sentences=320,
            batch_sizes=(1, 4, 16, 32, 64, 128), curve_sentences=128, train_sentences=1500, nnlm_sentences=6000,
            lstm_preset="small", lstm_sequences=640, lstm_time_steps=20, lstm_batch_size=64)
#: Quick runs leave out ELMo training (its compilation alone takes longer than the rest).
QUICK = dict(matmul_repeats=1, presets=("tiny",), embed_sentences=32, batch_sizes=(1, 32),
             curve_sentences=8, train_sentences=0, nnlm_sentences=200,
             lstm_preset="tiny", lstm_sequences=16, lstm_time_steps=6, lstm_batch_size=8)
#: Matrix products per timing on a GPU, where one product takes well under a millisecond.
GPU_MATMULS_PER_TIMING = 20
#: Reference and targets. The reference: AllenNLP's ``ElmoEmbedder`` (https://github.com/allenai/allennlp,
#: PyTorch) embedding with the original released ELMo (Peters et al. 2018) at batch 32, on a 2-core CPU of
#: the type these benchmarks ran on. The targets are this project's goals (docs/benchmarks.md).
ANCHORS = {"AllenNLP original ELMo embedding, batch 32, efficiency (allennlp's ElmoEmbedder, same CPU type)": 0.34,
           "target: original embedding": 0.6, "target: small training": 0.3, "target: NNLM training": 0.3,
           "target on a GPU: LSTMProjection / keras.layers.LSTM training tokens/s": 0.7}


def gpu_visible():
    """Whether this machine shows an NVIDIA GPU (``nvidia-smi -L`` lists one)."""
    if shutil.which("nvidia-smi") is None:
        return False
    listing = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, check=False)
    return listing.returncode == 0 and "GPU" in listing.stdout


def result_name():
    """``roofline`` on a CPU-only machine, ``roofline_gpu`` where a GPU is visible."""
    return f"{NAME}_gpu" if gpu_visible() else NAME


def device():
    """(kind, name) of the device the active Keras backend computes on: ("gpu", "NVIDIA H100 ...") or ("cpu", ...)."""
    import keras

    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        first = jax.devices()[0]
        return first.platform, getattr(first, "device_kind", first.platform)
    if backend == "torch":
        import torch

        return ("gpu", torch.cuda.get_device_name(0)) if torch.cuda.is_available() else ("cpu", "cpu")
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    return ("gpu", gpus[0].name) if gpus else ("cpu", "cpu")


def matmul_rates(repeats, products=1):
    """GFLOP/s of the float32 product of ``MATMUL_SHAPE`` with numpy and with the Keras backend (medians).

    The backend's timing ends when one element of its last product has reached the host, which
    waits for the device (GPU) without timing the transfer of the whole result; on a GPU, pass
    ``products`` > 1 to time several products per measurement.
    """
    import keras

    m, k, n = MATMUL_SHAPE
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((m, k), dtype=np.float32), rng.standard_normal((k, n), dtype=np.float32)
    flops = 2 * m * k * n

    def rate(fn, count):
        fn()  # warm-up
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        return count * flops / statistics.median(times) / 1e9

    ta, tb = keras.ops.convert_to_tensor(a), keras.ops.convert_to_tensor(b)

    def backend_products():
        for _ in range(products):
            product = keras.ops.matmul(ta, tb)
        return keras.ops.convert_to_numpy(product[0, 0])

    return {"numpy": rate(lambda: a @ b, 1), keras.backend.backend(): rate(backend_products, products)}


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


def _lstm_stack_training(kind, p, best_gflops):
    """Tokens/s of training ``benchmarks.lstm_stack``'s stack of ``kind``: the second of two epochs."""
    import keras

    from gensim_elmo.elmo_options import build_options

    options = build_options(p["lstm_preset"])
    x, targets = training_data(options, p["lstm_sequences"], p["lstm_time_steps"])
    keras.utils.set_random_seed(1)
    model = lstm_stack_model(kind, options, p["lstm_time_steps"])
    starts, times = [], []
    timer = keras.callbacks.LambdaCallback(on_epoch_begin=lambda epoch, logs: starts.append(time.perf_counter()),
                                           on_epoch_end=lambda epoch, logs: times.append(time.perf_counter() - starts[-1]))
    with PeakMemory() as memory:
        model.fit(x, targets[kind], batch_size=p["lstm_batch_size"], epochs=2, shuffle=False, verbose=0,
                  callbacks=[timer])
    return _workload(x.shape[0] * x.shape[1], times[-1], lstm_stack_flops(kind, options), best_gflops,
                     memory.peak_mib, preset=p["lstm_preset"], batch_size=p["lstm_batch_size"],
                     time_steps=p["lstm_time_steps"])


def worker(quick, out=None, only=None):
    """Measure every workload on the active backend and return a dict (run in a subprocess).

    With ``out``, the result so far is rewritten there after each workload, so a run stopped
    part-way (a time limit on a lent GPU) still leaves what it measured. ``only``: a list of
    workload-name prefixes (``["elmo_embed_batch/"]``) to measure just those.
    """
    import keras

    from benchmarks import elmo_ptb
    from benchmarks.lm_recipes import recipe
    from gensim_elmo.datasets import ptb
    from gensim_elmo.elmo import ELMo
    from gensim_elmo.nnlm import NNLM

    p = QUICK if quick else FULL
    backend = keras.backend.backend()
    kind, name = device()
    rates = matmul_rates(p["matmul_repeats"], GPU_MATMULS_PER_TIMING if kind == "gpu" else 1)
    best = max(rates.values())
    print(f"[{backend}] on {kind} ({name}); matmul GFLOP/s: " + ", ".join(f"{k} {v:.0f}" for k, v in rates.items()),
          flush=True)
    test = [s for s in ptb("test") if s]
    result = {"device": kind, "device_name": name, "matmul_gflops": rates, "best_matmul_gflops": best,
              "workloads": {}, "errors": {}}

    def measure(workload, fn):
        if not wanted(workload, only):
            return
        try:
            outcome = fn()
        except Exception as exc:  # noqa: BLE001 - a benchmark records what failed and goes on
            record_failure(result, workload, exc)
        else:
            result["workloads"][workload] = outcome
            print(f"[{backend}] {workload}: {outcome['tokens_per_s']:.0f} tokens/s, "
                  f"{outcome['achieved_gflops']:.1f} GFLOP/s, efficiency {outcome['efficiency']:.3f}", flush=True)
        stacks = [result["workloads"].get(f"lstm_stack_train/{k}") for k in LSTM_STACKS]
        if all(stacks):
            result["lstm_stack_ratio"] = stacks[0]["tokens_per_s"] / stacks[1]["tokens_per_s"]
        save_result(result, out)

    # The most telling workloads first: on a lent GPU the time may run out before the curve.
    for stack in LSTM_STACKS:
        measure(f"lstm_stack_train/{stack}", lambda: _lstm_stack_training(stack, p, best))
    for preset in p["presets"]:
        measure(f"elmo_embed/{preset}", lambda: _embedding(preset, test[: p["embed_sentences"]], 32, best))

    if p["train_sentences"]:
        settings = dict(elmo_ptb.SMALL_SETTINGS)
        settings.pop("epochs")

        def elmo_training():
            seconds, peak, model = _training_epoch_seconds(ELMo, list(ptb("train", limit=p["train_sentences"])),
                                                           settings)
            flops = elmo_flops_per_token(model.options, training=True,
                                         num_sampled=model.language_model.num_sampled,
                                         vocabulary_size=len(model.vocabulary))
            return _workload(model.corpus_stats["tokens"], seconds, flops, best, peak, settings=settings)

        measure(f"elmo_train/{settings['preset']}", elmo_training)

    if wanted("elmo_embed_profile", only):
        # Where the embedding time goes (batch preparation, char CNN, biLSTM, unpadding).
        profile_preset = p["presets"][-1]
        try:
            result["embed_profile"] = dict(embedding_profile(ELMo(preset=profile_preset, progress=False, seed=1),
                                                             test[: p["embed_sentences"]], 32), preset=profile_preset)
        except Exception as exc:  # noqa: BLE001 - recorded like a failed workload
            record_failure(result, "elmo_embed_profile", exc)
        else:
            print(f"[{backend}] elmo_embed_profile/{profile_preset}: " + ", ".join(
                f"{k} {v:.3g}" for k, v in result["embed_profile"].items() if isinstance(v, float)), flush=True)
        save_result(result, out)

    nnlm_settings = recipe("nnlm", quick)["settings"]
    nnlm_settings.pop("epochs")

    def nnlm_training():
        seconds, peak, model = _training_epoch_seconds(NNLM, list(ptb("train", limit=p["nnlm_sentences"])),
                                                       nnlm_settings)
        tokens = model.corpus_stats["tokens"] + model.corpus_stats["sentences"]  # every word and each sentence end
        return _workload(tokens, seconds, nnlm_flops_per_token(nnlm_settings, len(model.vocabulary)), best, peak,
                         settings=nnlm_settings)

    measure("nnlm_train", nnlm_training)
    curve_preset = "tiny" if quick else "original"
    for batch_size in p["batch_sizes"]:
        measure(f"elmo_embed_batch/{batch_size}",
                lambda: _embedding(curve_preset, test[: p["curve_sentences"]], batch_size, best))
    return result


def run(quick=False, backends=None):
    """Run the worker once per installed backend, each in a fresh process; return (figures, settings)."""
    figures = run_workers("benchmarks.roofline", quick, backends)
    settings = dict(QUICK if quick else FULL, matmul_shape=MATMUL_SHAPE, embed_batch_size=32,
                    anchors=ANCHORS, tokens="user tokens only (no padding, no sentence-boundary tokens)")
    return {"backends": figures, "anchors": ANCHORS}, settings


if __name__ == "__main__":
    worker_main(worker, sys.argv[1:], "one backend's roofline measurements (used by run())")
