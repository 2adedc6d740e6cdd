"""ELMo's character ids for Chinese: one id per Unicode character against the original UTF-8 bytes.

The original ELMo reads a word as its UTF-8 bytes: a Han character is 3 ids out of 256 byte values,
each byte shared by thousands of unrelated characters, and a word of 16 characters already fills
the 48 positions. ``ELMo(characters="unicode")`` gives every character of the training words its
own id and embedding row (``keras_layers.char_vocabulary``). This benchmark trains two ELMos that
differ only in that setting, on People's Daily's train split (January 1998, 909,807 words, read in
sentences: ``benchmarks.chinese_models.sentences``) and compares them at equal compute:

- the same architecture and training settings, those of the Chinese benchmarks' ELMo
  (``chinese_models.CHINESE_RECIPES["elmo"]``: the ``compact`` preset with LSTMs of 300, Adam,
  sampled softmax of 1,024, dropout 0.3, the words seen 3 times or more as the vocabulary), the same
  seed, so the same batches in the same order;
- the same number of epochs (``EPOCHS``), the learning rate halved after an epoch whose valid
  perplexity is not the best, no early stopping; per-token compute is the same (the character CNN
  reads 50 positions either way; only the embedding table's size differs), which the measured
  training speed confirms.

Reported for both: valid perplexity after every epoch (the full softmax, forward and backward
averaged, as the ELMo paper reports), test perplexity (scored once, at the end), training tokens per
second, parameters, how many character positions a test word takes, and for the Unicode model its
character list and the share of test characters it does not know. Where the Chinese polysemy and
tagging benchmarks are there (``benchmarks.chinese_polysemy``, ``benchmarks.tagging_zh``), both
models are also scored on them.

A full run takes about 8 minutes per epoch and model on 2 quiet CPU cores (7 of training, 1 of
validation), about 50 minutes in all with the scoring, checkpointing into
``lm_recipes.CACHE_DIR/checkpoints/chinese_characters/<kind>`` every ``CHECKPOINT_STEPS`` batches,
so it resumes where it stopped when run again (``train_characters(kind, until_epoch=k)`` trains
part of the way, in sittings); finished models are saved under ``lm_recipes.CACHE_DIR/models``.

Example (the quick path, a few minutes):
>>> figures, settings = run(quick=True)  # doctest: +SKIP
>>> sorted(figures["models"])  # doctest: +SKIP
['bytes', 'unicode']
"""

import itertools
import json
import os
import shutil
import time

import keras
import numpy as np

from benchmarks import chinese_models
from benchmarks.lm_recipes import MODELS_DIR, default_work_dir, keyed_path
from benchmarks.results_io import write_json

NAME = "chinese_characters"
DESCRIPTION = ("ELMo on People's Daily: one id per Unicode character vs the original UTF-8 byte ids, same size, "
               "same epochs")
EXPECTED_MINUTES = 50
KINDS = ("bytes", "unicode")
#: The settings of both models (but ``characters``): the Chinese benchmarks' ELMo
#: (``chinese_models.CHINESE_RECIPES["elmo"]`` when this benchmark was written: the ``compact``
#: preset with LSTMs of 300, Adam, sampled softmax, dropout 0.3, the words seen 3 times or more),
#: for ``EPOCHS`` epochs with its learning-rate schedule and no early stopping: equal compute.
EPOCHS = 2
SETTINGS = dict(preset="compact", dim=300, projection_dim=300, optimizer="adam", learning_rate=2e-3, batch_size=32,
                num_sampled=1024, dropout=0.3, min_count=3, seed=1, epochs=EPOCHS, lr_decay=0.5, early_stopping=None)
QUICK_EPOCHS = 1
QUICK_SETTINGS = dict(preset="tiny", optimizer="adam", learning_rate=2e-3, batch_size=32, num_sampled=512, dropout=0.1,
                      min_count=2, seed=1, epochs=QUICK_EPOCHS, lr_decay=0.5, early_stopping=None)
#: Paragraphs of each split that quick runs read.
QUICK_PARAGRAPHS = {"train": 150, "valid": 20, "test": 20}
CHECKPOINT_STEPS = 200
#: Train sentences of the interleaved speed measurement (a tenth in quick runs).
SPEED_SENTENCES = 640


def sentences(split, quick=False):
    """People's Daily ``split`` in sentences (``chinese_models``' cut), a quick slice when ``quick``."""
    if quick:
        return chinese_models.PeoplesDailySentences(split, limit=QUICK_PARAGRAPHS[split])
    return chinese_models.sentences(split)


def settings_for(kind, quick=False):
    """Constructor settings of the ``kind`` ("bytes" or "unicode") model: ``SETTINGS`` (or
    ``QUICK_SETTINGS``) with ``characters=kind``.

    Example:
    >>> s = settings_for("unicode")
    >>> s["characters"], s["epochs"], s["preset"], s["dim"], s["early_stopping"]
    ('unicode', 2, 'compact', 300, None)
    """
    if kind not in KINDS:
        raise ValueError(f"unknown character kind {kind!r}; choose from {KINDS}")
    return dict(QUICK_SETTINGS if quick else SETTINGS, characters=kind)


def corpus_name(quick=False):
    """How the training corpus is named in results and cache keys (``chinese_models.corpus_name``
    with this benchmark's quick slice)."""
    return chinese_models.corpus_name(quick, quick_paragraphs=QUICK_PARAGRAPHS["train"])


def model_path(kind, quick=False):
    """Where the finished ``kind`` model is saved (named by its settings and corpus)."""
    key = ["zh-characters", kind, settings_for(kind, quick), corpus_name(quick)]
    return keyed_path(MODELS_DIR, f"zh-elmo-{kind}", key)


def work_dir(kind):
    """The checkpoint directory of the ``kind`` model's training."""
    return os.path.join(default_work_dir(NAME), kind)


class BatchTimer(keras.callbacks.Callback):
    """Training seconds per batch, summed over every process that trains the model (kept in ``path``).

    Each epoch's first batch is left out (it pays for tracing and follows the previous epoch's
    validation), so the figure is the training steps' own speed, whatever epoch a process resumed in.

    Example:
    >>> import tempfile
    >>> timer = BatchTimer(os.path.join(tempfile.mkdtemp(), "timing.json"))
    >>> timer.on_epoch_begin(0); timer.on_train_batch_end(0); timer.on_train_batch_end(1)
    >>> timer.batches
    1
    """

    def __init__(self, path=None):
        super().__init__()
        self.path = path
        self.seconds, self.batches, self.batches_per_epoch = 0.0, 0, 0
        if path and os.path.exists(path):
            with open(path, encoding="utf-8") as handle:
                saved = json.load(handle)
            self.seconds, self.batches = saved["seconds"], saved["batches"]
            self.batches_per_epoch = saved.get("batches_per_epoch", 0)
        self._last = None

    def on_epoch_begin(self, epoch, logs=None):
        self._last = None
        steps = (self.params or {}).get("steps") if hasattr(self, "params") else None
        self.batches_per_epoch = max(self.batches_per_epoch, steps or 0)

    def on_train_batch_end(self, batch, logs=None):
        now = time.perf_counter()
        if self._last is not None:
            self.seconds += now - self._last
            self.batches += 1
        self._last = now

    def on_epoch_end(self, epoch, logs=None):
        self.write()

    def write(self):
        if self.path:
            write_json(self.path, {"seconds": self.seconds, "batches": self.batches,
                                   "batches_per_epoch": self.batches_per_epoch})

    def seconds_per_batch(self):
        return self.seconds / self.batches if self.batches else None


def train_characters(kind, quick=False, until_epoch=None):
    """The trained ``kind`` model: loaded when a full run saved it, else trained (resuming its checkpoint).

    Args:
        kind: "bytes" or "unicode".
        quick: bool, the tiny quick-run settings on slices, kept in memory. Defaults to False.
        until_epoch: int or None, stop after this many epochs (a full run in several sittings: the
            next call resumes); None trains all of them and saves the model.

    Returns:
        ``(model, info)``: the ELMo and a dict of what its training recorded (history, timing).
    """
    from gensim_elmo.elmo import ELMo

    settings = settings_for(kind, quick)
    path = None if quick else model_path(kind, quick)
    info_file = path and os.path.join(path, "training_info.json")
    if path and os.path.exists(info_file):
        with open(info_file, encoding="utf-8") as handle:
            return ELMo.load(path), json.load(handle)
    directory = None if quick else work_dir(kind)
    if directory:
        os.makedirs(directory, exist_ok=True)
    timer = BatchTimer(directory and os.path.join(directory, "timing.json"))
    epochs = settings["epochs"] if until_epoch is None else min(until_epoch, settings["epochs"])
    print(f"ELMo characters={kind!r}: training to epoch {epochs} on {corpus_name(quick)}")
    start = time.perf_counter()
    model = ELMo(sentences("train", quick), validation_sentences=list(sentences("valid", quick)),
                 callbacks=[timer], checkpoint_dir=directory and os.path.join(directory, "checkpoint"),
                 checkpoint_steps=None if quick else CHECKPOINT_STEPS, **dict(settings, epochs=epochs))
    timer.write()
    tokens = model.corpus_stats["tokens"] + 2 * model.corpus_stats["sentences"]
    per_batch = timer.seconds_per_batch()
    info = {"history": model.history, "epochs_trained": model.epochs_trained,
            "seconds_per_batch": per_batch, "batches_timed": timer.batches,
            "batches_per_epoch": timer.batches_per_epoch,
            "training_tokens_per_s": (tokens / (per_batch * timer.batches_per_epoch)
                                      if per_batch and timer.batches_per_epoch else None),
            "last_sitting_wall_time_s": time.perf_counter() - start, "backend": keras.backend.backend()}
    if path and model.epochs_trained >= settings["epochs"]:
        model.save(path)
        write_json(info_file, info, indent=1)
        shutil.rmtree(directory, ignore_errors=True)
    return model, info


def character_figures(model, words):
    """How ``model`` reads ``words``: character positions per word (mean, and the share over the 48
    positions a word has), and for a Unicode model its character list and unknown characters."""
    chars = model.char_vocabulary
    if chars.kind == "bytes":
        lengths = np.array([len(w.encode("utf-8")) for w in words])
    else:
        lengths = np.array([len(w) for w in words])
    figures = {"positions_per_word": round(float(np.minimum(lengths, 48).mean()), 3),
               "words_cut_at_48_positions": int((lengths > 48).sum()),
               "embedding_rows": int(chars.n_characters)}
    if chars.kind == "unicode":
        characters = [c for w in words for c in w]
        unknown = [c for c in characters if c not in chars.char_to_id]
        figures.update(characters=len(chars.characters), min_char_count=model.min_char_count,
                       unknown_character_rate=round(len(unknown) / max(1, len(characters)), 5),
                       words_with_unknown_characters=round(
                           sum(any(c not in chars.char_to_id for c in w) for w in words) / max(1, len(words)), 5),
                       most_frequent=chars.characters[:20])
    return figures


def cached_score(kind, name, compute, quick=False):
    """``compute()``, once per finished full-run model: kept in its directory's ``scores.json``, so a run
    stopped part way (a time limit) keeps what it scored."""
    if quick:
        return compute()
    path = os.path.join(model_path(kind), "scores.json")
    scores = {}
    if os.path.exists(path):
        with open(path, encoding="utf-8") as handle:
            scores = json.load(handle)
    if name not in scores:
        scores[name] = compute()
        write_json(path, scores, indent=1)
    return scores[name]


def polysemy_scores(models, quick=False):
    """Each model's Chinese WiC-style accuracy per layer (``benchmarks.chinese_polysemy``'s pairs,
    threshold from dev), or None where that benchmark is not there."""
    try:
        from benchmarks import chinese_polysemy
        from benchmarks.polysemy import _cosines, _elmo_vectors
    except ImportError:
        return None
    dev, test, _, _ = chinese_polysemy.build_pairs(quick)
    labels = {"dev": np.array([p.same_sense for p in dev]), "test": np.array([p.same_sense for p in test])}

    def score(model):
        sims = {}
        for split, pairs in (("dev", dev), ("test", test)):
            firsts = _elmo_vectors(model, [p.first for p in pairs])
            seconds = _elmo_vectors(model, [p.second for p in pairs])
            for layer in firsts:
                sims.setdefault(layer, {})[split] = _cosines(firsts[layer], seconds[layer])
        return {layer: chinese_polysemy._score(layer, s, labels)[0] for layer, s in sims.items()}

    scores = {kind: cached_score(kind, "polysemy", lambda model=model: score(model), quick)
              for kind, model in models.items()}
    return {"pairs": {"dev": len(dev), "test": len(test)}, "models": scores}


def tagging_scores(models, quick=False):
    """Each model's Chinese part-of-speech tagging accuracy with ``benchmarks.tagging_zh``'s data and
    tagger, on the frozen-ELMo row (the layers' learnt mix as the tagger's only input), or None where
    that benchmark is not there."""
    try:
        from benchmarks import tagging_zh
        from benchmarks.tagging import evaluate
    except ImportError:
        return None
    p = tagging_zh.QUICK if quick else tagging_zh.FULL
    splits = [tagging_zh.chinese_sentences(split, p[f"{split}_sentences"], quick)
              for split in ("train", "valid", "test")]

    def score(model):
        result = evaluate(*splits, lambda _: model, p, rows=("elmo",))
        return {"accuracy": result["accuracy"]["elmo"], "unseen_accuracy": result["unseen_accuracy"]["elmo"]}

    scores = {kind: cached_score(kind, "tagging", lambda model=model: score(model), quick)
              for kind, model in models.items()}
    return {"sentences": {name: len(split) for name, split in zip(("train", "valid", "test"), splits)},
            "seeds": list(p["seeds"]), "epochs": p["epochs"], "row": "elmo", "models": scores}


def interleaved_speed(models, train, rounds=3):
    """Training tokens per second of each model, measured in turns on the same batches (``rounds`` epochs
    of ``train`` each, the models alternating), so that both meet the same machine load. Trains the
    models further: call it once they are scored."""
    timers = {kind: BatchTimer() for kind in models}
    for _ in range(rounds):
        for kind, model in models.items():
            model.train(train, epochs=1, callbacks=[timers[kind]])
    tokens = sum(len(s) + 2 for s in train)
    return {kind: round(tokens / (t.seconds_per_batch() * t.batches_per_epoch), 1) for kind, t in timers.items()}


def run(quick=False):
    """Train (or load) both models, score them, and return (figures, settings)."""
    test = list(sentences("test", quick))
    test_words = [w for s in test for w in s]
    models, figures = {}, {"models": {}}
    for kind in KINDS:
        model, info = train_characters(kind, quick)
        models[kind] = model
        history = info["history"]
        test_ppl = cached_score(kind, "test_perplexity", lambda model=model: model.perplexity(test), quick)
        figures["models"][kind] = {
            "valid_perplexity": history["val_perplexity"][-1],
            "valid_perplexity_curve": history["val_perplexity"],
            "valid_forward_perplexity_curve": history["val_forward_perplexity"],
            "valid_backward_perplexity_curve": history["val_backward_perplexity"],
            "train_loss": history["loss"],
            "test_perplexity": test_ppl,
            "epochs_run": info["epochs_trained"],
            "training_tokens_per_s": info["training_tokens_per_s"],
            "seconds_per_batch": info["seconds_per_batch"],
            "batches_timed": info["batches_timed"],
            "parameters": int(model.language_model.count_params()),
            "vocabulary_size": len(model.vocabulary),
            "reading": character_figures(model, test_words),
            "backend": info["backend"],
        }
        print(f"characters={kind}: valid perplexity {history['val_perplexity'][-1]:.1f}, test "
              f"{test_ppl['average']:.1f} (forward {test_ppl['forward']:.1f}), "
              f"{info['training_tokens_per_s'] or 0:.0f} training tokens/s")
    b, u = figures["models"]["bytes"], figures["models"]["unicode"]
    figures["unicode_minus_bytes"] = {
        "valid_perplexity": round(u["valid_perplexity"] - b["valid_perplexity"], 3),
        "test_perplexity": round(u["test_perplexity"]["average"] - b["test_perplexity"]["average"], 3),
        "speed_ratio": (round(u["training_tokens_per_s"] / b["training_tokens_per_s"], 3)
                        if u["training_tokens_per_s"] and b["training_tokens_per_s"] else None),
    }
    figures["better"] = "unicode" if u["test_perplexity"]["average"] < b["test_perplexity"]["average"] else "bytes"
    for name, scores in (("polysemy", polysemy_scores), ("tagging", tagging_scores)):
        found = scores(models, quick)
        if found is not None:
            figures[name] = found
    train = list(itertools.islice(sentences("train", quick), SPEED_SENTENCES // (10 if quick else 1)))
    speed = interleaved_speed(models, train, rounds=1 if quick else 3)
    for kind, tokens_per_s in speed.items():
        figures["models"][kind]["interleaved_tokens_per_s"] = tokens_per_s
    figures["unicode_minus_bytes"]["interleaved_speed_ratio"] = round(speed["unicode"] / speed["bytes"], 3)
    print(f"interleaved training speed (tokens/s): {speed}")
    settings = {"corpus": corpus_name(quick) + "; valid after every epoch (learning-rate schedule), test scored once",
                "models": {kind: settings_for(kind, quick) for kind in KINDS},
                "equal_compute": f"the same architecture, settings, seed and {settings_for('bytes', quick)['epochs']} "
                                 "epochs for both; no early stopping"}
    return figures, settings
