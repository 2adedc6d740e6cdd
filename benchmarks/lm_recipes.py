"""How the benchmarks train their language models: the settings of each, and a two-phase recipe.

The one place where the benchmarks' NNLM and ELMo settings are decided. ``nnlm_ptb`` and
``elmo_ptb`` train with ``train_recipe`` and report; ``trained_models`` trains the same recipe
(or loads what those benchmarks saved) for the quality benchmarks.

The recipe (what the NNLM run on the Penn Treebank taught):

1. **Sampled softmax** epochs with Adam; the learning rate is halved after every epoch whose
   validation perplexity is not the best so far (Zaremba et al. 2014, Kim et al. 2016), training
   stops after ``early_stopping`` such epochs in a row and keeps the best epoch's weights.
2. **Full softmax** epochs at a small learning rate, which remove the sampled softmax's bias;
   the weights are also averaged over each of these epochs (Polyak averaging). The best on valid
   of phase 1, the raw phase-2 weights and the averaged ones is kept.

Each phase checkpoints into ``work_dir`` as it goes, so running the same command again after an
interruption resumes where it stopped (``gensim_elmo.checkpoints``); the model finished by phase 1
is saved there too. ``work_dir`` defaults to a folder under ``CACHE_DIR``, outside the source
tree.

Example (a tiny run, about a minute):
>>> from gensim_elmo.datasets import ptb
>>> model, info = train_recipe("elmo", ptb("train", limit=200), list(ptb("valid", limit=20)),
...                            quick=True)  # doctest: +SKIP
>>> info["kept_weights"] in ("phase 1", "full softmax", "averaged")  # doctest: +SKIP
True
"""

import hashlib
import json
import os
import time

#: Where long runs keep their checkpoints and trained models (outside the source tree):
#: ``$GENSIM_ELMO_CACHE``, else ``~/.cache/gensim-elmo``.
CACHE_DIR = os.environ.get("GENSIM_ELMO_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "gensim-elmo")
#: Where full-run models are kept between benchmarks (``trained_models``, ``chinese_models``...).
MODELS_DIR = os.path.join(CACHE_DIR, "models")

#: Constructor settings of the first phase, its schedule, and the full-softmax phase.
RECIPES = {
    # Bengio et al. (2003)'s model, sized for the Penn Treebank.
    "nnlm": {
        "settings": dict(vector_size=128, window=6, hidden_size=384, dropout=0.5, batch_size=512, learning_rate=1e-3,
                         num_sampled=2048, epochs=11, seed=1),
        "schedule": dict(lr_decay=0.5, early_stopping=2),
        "fine_tune": dict(epochs=4, learning_rate=2e-4, early_stopping=2),
    },
    # The ``compact`` preset (Kim et al. 2016's small model's character CNN and LSTM size, 300;
    # ``dim`` and ``projection_dim`` spelled out, as the model's cache key has always named them),
    # with dropout 0.5 on every LSTM input and the top layer, as Kim et al. regularise it on the
    # Penn Treebank. LSTMs of 300 train 4.8 times as fast as 512 on two cores (2,100 against 430
    # tokens/s, measured in turns): about 8 minutes a Penn Treebank epoch instead of 40.
    "elmo": {
        "settings": dict(preset="compact", dim=300, projection_dim=300, optimizer="adam", learning_rate=2e-3,
                         batch_size=32, num_sampled=1024, dropout=0.5, epochs=30, seed=1),
        "schedule": dict(lr_decay=0.5, early_stopping=3),
        "fine_tune": dict(epochs=3, learning_rate=2e-4, early_stopping=1),
    },
}
QUICK_RECIPES = {
    "nnlm": {
        "settings": dict(vector_size=32, window=3, hidden_size=64, dropout=0.0, batch_size=256, learning_rate=2e-3,
                         num_sampled=256, epochs=1, seed=1),
        "schedule": dict(lr_decay=None, early_stopping=None),
        "fine_tune": dict(epochs=1, learning_rate=1e-3, early_stopping=None),
    },
    "elmo": {
        "settings": dict(preset="tiny", optimizer="adam", learning_rate=2e-3, batch_size=32, num_sampled=512,
                         dropout=0.1, epochs=1, seed=1),
        "schedule": dict(lr_decay=None, early_stopping=None),
        "fine_tune": dict(epochs=1, learning_rate=1e-3, early_stopping=None),
    },
}
# The ELMo recipe trained on the corpus as one stream of text (``ELMo(unroll_steps=...)``): windows
# of 35 tokens with the LSTM states carried from batch to batch, as Zaremba et al. and Kim et al.
# train on the Penn Treebank (and bilm-tf, with 20); validation reads valid as a stream too. Half
# the sentences start from zero states (``sentence_resets``), so the model also reads a sentence on
# its own, as it embeds one: trained on the stream alone, it read single sentences far worse (2
# epochs on 3,000 PTB sentences, valid forward/backward one at a time: 499.5/682.5, against
# 404.6/406.3 with half reset and 397.2/404.2 trained on single sentences; as a stream 464.6/482.5,
# 404.6/405.7 and 417.4/418.1).
for _recipes, _steps in ((RECIPES, 35), (QUICK_RECIPES, 10)):
    _recipes["elmo_stream"] = {part: dict(values) for part, values in _recipes["elmo"].items()}
    _recipes["elmo_stream"]["settings"].update(unroll_steps=_steps, sentence_resets=0.5)

#: Batches between two checkpoints of a full run (a minute or two of work).
CHECKPOINT_STEPS = {"nnlm": 300, "elmo": 200}


def recipe(kind, quick=False):
    """The recipe of ``kind`` ("nnlm", "elmo" or "elmo_stream"): a dict of ``settings``, ``schedule``, ``fine_tune``.

    Example:
    >>> recipe("elmo")["settings"]["preset"]
    'compact'
    """
    recipes = QUICK_RECIPES if quick else RECIPES
    if kind not in recipes:
        raise ValueError(f"no recipe for {kind!r}; choose from {sorted(recipes)}")
    return {part: dict(values) for part, values in recipes[kind].items()}


def default_work_dir(name):
    """``CACHE_DIR/checkpoints/<name>``: where a full run of benchmark ``name`` checkpoints."""
    return os.path.join(CACHE_DIR, "checkpoints", name)


def keyed_path(directory, prefix, key):
    """``directory/<prefix>-<digest>``, where the digest (12 hex digits of SHA-1) names ``key``, a
    JSON-able value such as [kind, settings, corpus name]: a saved model's path says how it was trained.

    Example:
    >>> os.path.basename(keyed_path("models", "nnlm", ["nnlm", {"epochs": 3}, "PTB train"]))
    'nnlm-8785672b6811'
    """
    digest = hashlib.sha1(json.dumps(key, sort_keys=True).encode()).hexdigest()[:12]
    return os.path.join(directory, f"{prefix}-{digest}")


def model_class(kind):
    """The class that trains ``kind``: ``NNLM`` ("nnlm"), ``ELMo`` ("elmo") or ``Word2Vec`` ("cbow", "skipgram").

    Example:
    >>> model_class("skipgram").__name__
    'Word2Vec'
    """
    if kind == "nnlm":
        from gensim_elmo.nnlm import NNLM

        return NNLM
    if kind == "elmo":
        from gensim_elmo.elmo import ELMo

        return ELMo
    if kind in ("cbow", "skipgram"):
        from gensim_elmo.word2vec import Word2Vec

        return Word2Vec
    raise ValueError(f"unknown model kind {kind!r}; choose from ('cbow', 'skipgram', 'nnlm', 'elmo')")


def train_recipe(kind, train, valid, quick=False, work_dir=None, callbacks=(), fine_tune=True, parts=None):
    """Train ``kind`` ("nnlm" or "elmo") with its recipe; returns ``(model, info)``.

    Args:
        kind: str.
        train: restartable iterable of token lists.
        valid: list of token lists (epoch selection, learning-rate schedule, early stopping).
        quick: bool, the tiny quick-run recipe. Defaults to False.
        work_dir: str or None, checkpoint here and resume from it (None: no checkpoints).
        callbacks: gensim-style or Keras callbacks for both phases (e.g. an epoch timer).
        fine_tune: bool, run the full-softmax phase. Defaults to True.
        parts: dict or None, another recipe of the same form as ``recipe(kind)`` (``settings``,
            ``schedule``, ``fine_tune``), e.g. one sized for another corpus. Defaults to None
            (``recipe(kind, quick)``).

    Returns:
        The trained model, and a dict: ``phase_one_epochs``, ``kept_weights`` ("phase 1",
        "full softmax" or "averaged"), ``averaged_valid_perplexity_curve``, ``valid_perplexity``
        (of the kept weights), ``resumed_from_checkpoint``, ``train_wall_time_s`` and the recipe.
    """
    import keras

    from benchmarks.weight_average import WeightAverage

    cls = model_class(kind)
    parts = recipe(kind, quick) if parts is None else parts
    steps = CHECKPOINT_STEPS[kind]
    resumed = bool(work_dir and os.path.isdir(work_dir))
    phase_one_model = os.path.join(work_dir, "phase_one_model") if work_dir else None
    start = time.perf_counter()
    if phase_one_model and os.path.exists(os.path.join(phase_one_model, "config.json")):
        model = cls.load(phase_one_model)  # the first phase finished in an earlier run
    else:
        model = cls(train, validation_sentences=valid, callbacks=list(callbacks),
                    checkpoint_dir=work_dir and os.path.join(work_dir, "phase_one"), checkpoint_steps=steps,
                    **parts["schedule"], **parts["settings"])
        if phase_one_model:
            model.save(phase_one_model)
    phase_one_epochs = model.epochs_trained
    best_phase_one = min(model.history["val_perplexity"])
    info = {"phase_one_epochs": phase_one_epochs, "kept_weights": "phase 1", "averaged_valid_perplexity_curve": None,
            "valid_perplexity": best_phase_one}
    if fine_tune and model.num_sampled:
        snapshot = model.language_model.get_weights()
        model.num_sampled, model.learning_rate = None, parts["fine_tune"]["learning_rate"]
        average = WeightAverage(score=lambda: model.validation_logs(valid)["val_perplexity"])
        model.train(train, epochs=parts["fine_tune"]["epochs"], validation_sentences=valid,
                    early_stopping=parts["fine_tune"]["early_stopping"], lr_decay=parts["schedule"]["lr_decay"],
                    callbacks=list(callbacks) + [average],
                    checkpoint_dir=work_dir and os.path.join(work_dir, "full_softmax"), checkpoint_steps=steps)
        best_raw = min(model.history["val_perplexity"][phase_one_epochs:])
        info["averaged_valid_perplexity_curve"] = average.curve
        if min(best_raw, average.best) > best_phase_one:
            model.language_model.set_weights(snapshot)
        elif average.best < best_raw:
            model.language_model.set_weights(average.best_weights)
            info.update(kept_weights="averaged", valid_perplexity=average.best)
        else:
            info.update(kept_weights="full softmax", valid_perplexity=best_raw)
    info["resumed_from_checkpoint"] = resumed
    info["train_wall_time_s"] = time.perf_counter() - start
    info["recipe"] = parts
    info["backend"] = keras.backend.backend()
    return model, info
