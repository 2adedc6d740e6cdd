"""Speed-ups: what each optimisation built into ELMo and the NNLM gains, measured in one run.

The speed issue asks for figures before and after each optimisation. The ones that were in the
layers from the start have no "before" run to compare with, so this benchmark rebuilds the
plain forms they replace (``benchmarks.plain_forms``: same weights, same outputs) and measures
them beside the optimised form in the same process, interleaved, median of several rounds. On
every Keras backend installed (each in its own process), for these workloads:

- ``elmo_embed/<preset>``: embedding Penn Treebank test sentences (``original`` preset, batch 32,
  as in ``roofline``), optimised and with each of: the input half of the LSTM gates computed
  at every step (``unhoisted``) and hoisted out of the recurrence on every backend and device
  (``hoisted``; the optimised layer picks one of these two per backend, device and batch size),
  four gate products instead of one (``unfused``), the character
  CNN at every position instead of once per distinct token (``per_position``), all of them
  undone at once (a textbook cell: per step, four gate products), and bilm-tf's structure
  (TensorFlow's ``LSTMCell``: per step, one fused product; the CNN at every position); and,
  optimised against bilm-tf's structure only, the roofline's preset sweep (``tiny``, ``small``,
  ``medium`` at batch 32);
- ``elmo_embed_batch/<n>``: the roofline's batch-size curve (``original``, batch 1 to 128),
  optimised against bilm-tf's structure;
- ``elmo_train/<preset>``: training the ``small`` preset (``elmo_ptb``'s settings) on a PTB
  slice with the vocabulary of all of PTB train (10,000 words, so the sampled softmax of 4,096
  negatives is not the whole vocabulary), the same forms plus the full softmax; after two warm-up
  epochs (which compile every batch shape), each timed epoch replays epoch 1's batches, so that
  no compilation falls inside a timing;
- ``nnlm_train``: the NNLM with ``lm_recipes``' NNLM settings and the same vocabulary, sampled softmax
  (2,048 negatives) against the full one.

Every form's efficiency counts the optimised model's FLOPs per user token (the work asked for),
so efficiency and tokens/s move together, and ``gain`` = optimised tokens/s / the form's tokens/s.
Embedding outputs of each form are compared with the optimised form's (``max_difference``) and
training records each form's first-epoch loss, so that a form which computed something else
would show.
"""

import statistics
import sys
import time

import numpy as np

from benchmarks.backend_workers import record_failure, run_workers, save_result, wanted, worker_main

NAME = "speedups"
DESCRIPTION = "What each built-in optimisation gains: ELMo and NNLM tokens/s with and without it, per Keras backend"
EXPECTED_MINUTES = 75
#: ``vocabulary_sentences``: the PTB train sentences the training workloads' vocabulary comes from
#: (None: all, 10,000 words, as in ``elmo_ptb`` and ``nnlm_ptb``), so that the sampled softmax
#: samples from the real vocabulary while a slice of ``train_sentences`` / ``nnlm_sentences`` is timed.
#: ``sweep_presets`` and ``batch_sizes``: the roofline's preset sweep (at ``embed_batch_size``) and
#: batch-size curve (``embed_preset``), before and after only; a batch-size point embeds
#: ``max(embed_sentences, batch size)`` sentences, so that even the largest batch is a full one.
FULL = dict(rounds=3, matmul_repeats=5, embed_preset="original", embed_sentences=64, embed_batch_size=32,
            sweep_presets=("tiny", "small", "medium"), batch_sizes=(1, 4, 16, 64, 128),
            train_sentences=300, nnlm_sentences=2000, vocabulary_sentences=None)
QUICK = dict(rounds=1, matmul_repeats=1, embed_preset="tiny", embed_sentences=16, embed_batch_size=8,
             sweep_presets=(), batch_sizes=(2,), train_sentences=40, nnlm_sentences=200, vocabulary_sentences=2000)
OPTIMISED = "optimised"
#: bilm-tf's structure: TensorFlow's ``LSTMCell`` (per step, one fused product) and the CNN at every position.
BILM_TF = "bilm-tf's structure (gates per step in one product, char CNN at every position)"
TEXTBOOK = "all of the above undone (a textbook cell, char CNN at every position)"
#: Form name -> (plain forms of ``benchmarks.plain_forms``, full softmax).
EMBED_FORMS = {
    OPTIMISED: ((), False),
    "input gates per step (not hoisted)": (("unhoisted",), False),
    "input gates hoisted on every device": (("hoisted",), False),
    "four gate products (not fused)": (("unfused",), False),
    "char CNN at every position (not per distinct token)": (("per_position",), False),
    TEXTBOOK: (("plain", "per_position"), False),
    BILM_TF: (("unhoisted", "per_position"), False),
}
#: The preset sweep and the batch-size curve: before (bilm-tf's structure) and after.
BEFORE_AFTER_FORMS = {name: EMBED_FORMS[name] for name in (OPTIMISED, BILM_TF)}
#: Training: each optimisation undone alone, and all of them with the full softmax (bilm-tf trains
#: with a sampled softmax, so its structure differs from the optimised form's only as in embedding).
TRAIN_FORMS = {name: spec for name, spec in EMBED_FORMS.items() if name not in (TEXTBOOK, BILM_TF)}
TRAIN_FORMS["full softmax (not sampled)"] = ((), True)
TRAIN_FORMS["all undone, full softmax"] = (EMBED_FORMS[TEXTBOOK][0], True)
NNLM_FORMS = {OPTIMISED: ((), False), "full softmax (not sampled)": ((), True)}


def interleaved_seconds(runs, rounds):
    """``{name: [seconds of each round]}`` of the callables ``runs``, called in turn ``rounds`` times.

    Each round starts one further along the list, so no form always runs first. A callable that
    returns a number gives its own seconds (a training epoch without the set-up around it); any
    other is timed whole.

    Example:
    >>> times = interleaved_seconds({"a": lambda: None, "b": lambda: None}, rounds=2)
    >>> sorted(times), len(times["a"])
    (['a', 'b'], 2)
    """
    names = list(runs)
    times = {name: [] for name in names}
    for r in range(rounds):
        for name in names[r % len(names):] + names[: r % len(names)]:
            start = time.perf_counter()
            seconds = runs[name]()
            times[name].append(seconds if isinstance(seconds, (int, float)) else time.perf_counter() - start)
    return times


def _forms_figures(times, tokens, flops_per_token, best_gflops, extra):
    """Per form: median seconds, tokens/s, efficiency and gain (optimised tokens/s / the form's)."""
    forms = {}
    for name, seconds in times.items():
        tokens_per_s = tokens / statistics.median(seconds)
        forms[name] = dict(seconds=seconds, tokens_per_s=tokens_per_s,
                           efficiency=tokens_per_s * flops_per_token / 1e9 / best_gflops, **extra.get(name, {}))
    for figures in forms.values():
        figures["gain"] = forms[OPTIMISED]["tokens_per_s"] / figures["tokens_per_s"]
    return forms


def _elmo(spec, **settings):
    from benchmarks.plain_forms import use_plain_forms
    from gensim_elmo.elmo import ELMo

    plain, full_softmax = spec
    if full_softmax:
        settings["num_sampled"] = None
    model = ELMo(progress=False, **settings)
    use_plain_forms(model.network, plain)
    return model


def embedding(p, sentences, best_gflops, preset, batch_size, forms=EMBED_FORMS):
    """Embedding tokens/s of ``preset`` at ``batch_size`` in each of ``forms``, one model each (the
    same random weights)."""
    from benchmarks.flop_counts import elmo_flops_per_token

    models = {name: _elmo(spec, preset=preset, seed=1) for name, spec in forms.items()}
    vectors = {name: m.embed_sentences(sentences, batch_size=batch_size) for name, m in models.items()}  # compiles
    extra = {name: {"max_difference": max(float(np.abs(a - b).max()) for a, b in zip(v, vectors[OPTIMISED]))}
             for name, v in vectors.items()}
    times = interleaved_seconds({name: (lambda m=m: m.embed_sentences(sentences, batch_size=batch_size))
                                 for name, m in models.items()}, p["rounds"])
    tokens = sum(map(len, sentences))
    flops = elmo_flops_per_token(models[OPTIMISED].options)
    return dict(tokens=tokens, flops_per_token=flops, batch_size=batch_size, sentences=len(sentences),
                forms=_forms_figures(times, tokens, flops, best_gflops, extra))


def _epoch_seconds(model, sentences, replay=None):
    """Train ``model`` one epoch; return the epoch's seconds (without encoding the corpus).

    ``replay``: train epoch ``replay`` again (the same batches, so the same compiled shapes).
    """
    from benchmarks.epoch_timer import EpochTimer

    if replay is not None:
        model.epochs_trained = replay
    timer = EpochTimer()
    model.train(sentences, epochs=1, callbacks=[timer])
    return timer.times[-1]


def elmo_training(p, sentences, vocabulary_corpus, settings, best_gflops):
    """Training tokens/s of every ``TRAIN_FORMS`` form on ``sentences`` (see the module doc for the
    replayed epoch), with the vocabulary of ``vocabulary_corpus``."""
    from benchmarks.flop_counts import elmo_flops_per_token

    models = {name: _elmo(spec, **settings) for name, spec in TRAIN_FORMS.items()}
    extra = {}
    for name, model in models.items():
        model.build_vocab(vocabulary_corpus)
        model.train(sentences, epochs=2)  # compiles every batch shape of epochs 0 and 1
        extra[name] = {"first_epoch_loss": model.history["loss"][0]}
    times = interleaved_seconds({name: (lambda m=m: _epoch_seconds(m, sentences, replay=1))
                                 for name, m in models.items()},
                                p["rounds"])
    optimised = models[OPTIMISED]
    tokens = sum(map(len, sentences))
    flops = elmo_flops_per_token(optimised.options, training=True, num_sampled=optimised.language_model.num_sampled,
                                 vocabulary_size=len(optimised.vocabulary))
    return dict(tokens=tokens, flops_per_token=flops, sentences=len(sentences), settings=settings,
                forms=_forms_figures(times, tokens, flops, best_gflops, extra))


def nnlm_training(p, sentences, vocabulary_corpus, settings, best_gflops):
    """Training tokens/s of the NNLM on ``sentences`` with its sampled softmax and with the full one,
    with the vocabulary of ``vocabulary_corpus``."""
    from benchmarks.flop_counts import nnlm_flops_per_token
    from gensim_elmo.nnlm import NNLM

    models = {}
    for name, (_, full_softmax) in NNLM_FORMS.items():
        model = NNLM(progress=False, **dict(settings, num_sampled=None if full_softmax else settings["num_sampled"]))
        model.build_vocab(vocabulary_corpus)
        model.train(sentences, epochs=1)  # compiles
        models[name] = model
    extra = {name: {"first_epoch_loss": m.history["loss"][0]} for name, m in models.items()}
    times = interleaved_seconds({name: (lambda m=m: _epoch_seconds(m, sentences)) for name, m in models.items()},
                                p["rounds"])
    optimised = models[OPTIMISED]
    tokens = sum(map(len, sentences)) + len(sentences)  # each word and each sentence end
    flops = nnlm_flops_per_token(settings, len(optimised.vocabulary))
    return dict(tokens=tokens, flops_per_token=flops, sentences=len(sentences), settings=settings,
                forms=_forms_figures(times, tokens, flops, best_gflops, extra))


def worker(quick, out=None, only=None):
    """Measure every workload on the active backend; the result is rewritten to ``out`` after each."""
    import keras

    from benchmarks import elmo_ptb
    from benchmarks.lm_recipes import recipe
    from benchmarks.roofline import device, matmul_rates
    from gensim_elmo.datasets import ptb

    p = QUICK if quick else FULL
    backend = keras.backend.backend()
    kind, name = device()
    rates = matmul_rates(p["matmul_repeats"])
    best = max(rates.values())
    result = {"device": kind, "device_name": name, "matmul_gflops": rates, "best_matmul_gflops": best,
              "workloads": {}, "errors": {}}
    elmo_settings = dict(elmo_ptb.QUICK_SMALL_SETTINGS if quick else elmo_ptb.SMALL_SETTINGS)
    elmo_settings.pop("epochs")
    nnlm_settings = recipe("nnlm", quick)["settings"]
    nnlm_settings.pop("epochs")
    test_all = [s for s in ptb("test") if s]
    test = test_all[: p["embed_sentences"]]
    vocabulary_corpus = ptb("train", limit=p["vocabulary_sentences"])
    workloads = {
        f"elmo_embed/{p['embed_preset']}": lambda: embedding(p, test, best, p["embed_preset"], p["embed_batch_size"]),
        f"elmo_train/{elmo_settings['preset']}": lambda: elmo_training(
            p, list(ptb("train", limit=p["train_sentences"])), vocabulary_corpus, elmo_settings, best),
        "nnlm_train": lambda: nnlm_training(p, list(ptb("train", limit=p["nnlm_sentences"])), vocabulary_corpus,
                                            nnlm_settings, best),
    }
    for preset in p["sweep_presets"]:
        workloads[f"elmo_embed/{preset}"] = lambda preset=preset: embedding(
            p, test, best, preset, p["embed_batch_size"], BEFORE_AFTER_FORMS)
    for batch_size in p["batch_sizes"]:
        workloads[f"elmo_embed_batch/{batch_size}"] = lambda b=batch_size: embedding(
            p, test_all[: max(p["embed_sentences"], b)], best, p["embed_preset"], b, BEFORE_AFTER_FORMS)
    for workload, measure in workloads.items():
        if not wanted(workload, only):
            continue
        try:
            result["workloads"][workload] = figures = measure()
        except Exception as exc:  # noqa: BLE001 - a benchmark records what failed and goes on
            record_failure(result, workload, exc)
        else:
            for form, f in figures["forms"].items():
                print(f"[{backend}] {workload} {form}: {f['tokens_per_s']:.0f} tokens/s, efficiency "
                      f"{f['efficiency']:.3f}, optimised is {f['gain']:.2f}x as fast", flush=True)
        save_result(result, out)
    return result


def settings(quick=False):
    """The settings a run records: sizes, rounds and the forms compared."""
    forms = {"embedding": {k: list(v[0]) for k, v in EMBED_FORMS.items()},
             "preset sweep and batch-size curve": {k: list(v[0]) for k, v in BEFORE_AFTER_FORMS.items()},
             "training": {k: dict(plain=list(v[0]), full_softmax=v[1]) for k, v in TRAIN_FORMS.items()}}
    return dict(QUICK if quick else FULL, forms=forms)


def run(quick=False, backends=None):
    """Run the worker on every installed backend; return (figures, settings)."""
    return {"backends": run_workers("benchmarks.speedups", quick, backends)}, settings(quick)


if __name__ == "__main__":
    worker_main(worker, sys.argv[1:], "one backend's speed-up measurements (used by run())")
