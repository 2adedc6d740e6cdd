"""What the benchmarks that swap a task model's token vectors share: the rows, the seeds and the gains.

``downstream`` (a text classifier) and ``tagging`` / ``tagging_zh`` (a part-of-speech tagger)
train one small task model per row, with only its token vectors changed:

- ``random``: a trainable ``keras.layers.Embedding`` over the task's training words;
- ``word2vec`` / ``nnlm``: the frozen vectors of a skip-gram or an NNLM;
- ``elmo``: ELMo's frozen network with a trainable scalar mix of its layers;
- ``random+elmo``: ELMo as Peters et al. (2018) use it, concatenated to the task model's own
  trainable token embedding, the layer mix learnt for the task.

Each row is trained with several seeds (initialisation and batch order); a row's score is the
mean over seeds, and a difference between two rows counts when it is larger than the seeds'
spread (the larger of the two rows' standard deviations over seeds).
"""

import numpy as np

#: The rows, in the order the benchmarks train and report them.
ROWS = ("random", "word2vec", "nnlm", "elmo", "random+elmo")
#: The ``benchmarks.trained_models`` kind behind each frozen static row.
STATIC_KINDS = {"word2vec": "skipgram", "nnlm": "nnlm"}


def seed_summary(scores):
    """A row's scores over seeds: ``{"mean", "std", "per_seed"}`` (population standard deviation).

    Example:
    >>> seed_summary([0.5, 0.7])
    {'mean': 0.6, 'std': 0.1, 'per_seed': [0.5, 0.7]}
    """
    scores = [float(s) for s in scores]
    return {"mean": round(float(np.mean(scores)), 12), "std": round(float(np.std(scores)), 12), "per_seed": scores}


def gain(scores, row, baseline):
    """What ``row`` gained over ``baseline``, against the seeds' spread.

    Args:
        scores: dict, row -> a dict with ``per_seed`` (a list of scores, one per seed).
        row, baseline: str, two keys of ``scores``.

    Returns:
        dict: ``gain`` (mean of ``row`` minus mean of ``baseline``), ``spread`` (the larger of the
        two rows' standard deviations over seeds) and ``beyond_spread`` (gain > spread).

    Example:
    >>> gain({"elmo": {"per_seed": [0.90, 0.92]}, "word2vec": {"per_seed": [0.85, 0.86]}}, "elmo", "word2vec")
    {'gain': 0.055, 'spread': 0.01, 'beyond_spread': True}
    """
    better, worse = scores[row]["per_seed"], scores[baseline]["per_seed"]
    difference = round(float(np.mean(better) - np.mean(worse)), 12)
    spread = round(float(max(np.std(better), np.std(worse))), 12)
    return {"gain": difference, "spread": spread, "beyond_spread": difference > spread}


def elmo_gain(scores):
    """What adding ELMo to the trainable embedding gained: ``gain(scores, "random+elmo", "random")``.

    Example:
    >>> elmo_gain({"random": {"per_seed": [0.70, 0.72]}, "random+elmo": {"per_seed": [0.80, 0.81]}})["beyond_spread"]
    True
    """
    return gain(scores, "random+elmo", "random")


def model_state(model):
    """How far a compared model was trained: ``epochs_trained`` and, for a language model, its best
    ``valid_perplexity`` (so that a result says which ELMo or NNLM it scored, an interim one included).

    Example:
    >>> from gensim_elmo.word2vec import Word2Vec
    >>> model_state(Word2Vec([["a", "b"]] * 5, vector_size=4, min_count=1, epochs=1, workers=1))
    {'epochs_trained': 1}
    """
    history = getattr(model, "history", None) or {}
    state = {"epochs_trained": int(getattr(model, "epochs_trained", 0) or getattr(model, "epochs", 0))}
    if history.get("val_perplexity"):
        state["valid_perplexity"] = round(float(min(history["val_perplexity"])), 2)
    return state
