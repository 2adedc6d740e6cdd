"""The models the quality benchmarks compare, all trained on the same corpus, trained once and shared.

``trained_model(kind)`` returns a Word2Vec CBOW or skip-gram, an NNLM or an ELMo model trained
on Penn Treebank train (or on ``corpus_file``, one sentence per line). The NNLM and the ELMo take
an hour to several hours to train, so a full run saves them under ``lm_recipes.CACHE_DIR``
(outside the source tree), named by their settings and corpus, and later benchmarks load them
instead of training again (an interrupted training resumes from its checkpoint next to it). The
ELMo is trained with ``lm_recipes``' recipe, as ``elmo_ptb`` trains it, and ``elmo_ptb`` saves its
model there too, so a full ``python -m benchmarks`` trains the ELMo once. Quick runs train tiny
models on a slice and keep them in memory only.

Example (about a minute):
>>> model = trained_model("cbow", quick=True)  # doctest: +SKIP
>>> model.wv.vector_size  # doctest: +SKIP
16
"""

import itertools
import json
import os
import shutil

from benchmarks.lm_recipes import MODELS_DIR, keyed_path, model_class, recipe, train_recipe

KINDS = ("cbow", "skipgram", "nnlm", "elmo")
#: Sentences of PTB train that quick runs train on.
QUICK_SENTENCES = 1000
#: Sentences of PTB valid that a quick run's ELMo recipe validates on (two batches of the scorer:
#: each new batch shape costs a trace, which is most of a quick validation's time).
QUICK_VALID_SENTENCES = 64

#: One worker thread: gensim's Word2Vec is reproducible from its seed only then (two threads
#: interleave their updates differently from run to run); a few seconds more per run.
_WORD2VEC = dict(vector_size=100, window=5, min_count=1, negative=5, epochs=5, workers=1, seed=1)
_WORD2VEC_QUICK = dict(_WORD2VEC, vector_size=16, epochs=2)
_memory = {}


def settings_for(kind, quick=False):
    """The training settings of ``kind`` (a dict: constructor keyword arguments)."""
    if kind not in KINDS:
        raise ValueError(f"unknown model kind {kind!r}; choose from {KINDS}")
    if kind in ("cbow", "skipgram"):
        return dict(_WORD2VEC_QUICK if quick else _WORD2VEC, sg=int(kind == "skipgram"))
    if kind == "nnlm":
        # The sampled-softmax epochs that give most of the gain, without the schedule.
        return dict(recipe("nnlm", quick)["settings"], **({} if quick else {"epochs": 3}))
    return recipe("elmo", quick)


def corpus_name(corpus_file=None, quick=False):
    """How the training corpus is named in results and cache keys."""
    if corpus_file:
        return os.path.abspath(corpus_file)
    return f"PTB train, first {QUICK_SENTENCES} sentences" if quick else "PTB train"


def cache_path(kind, settings, corpus):
    """Where a full-run model of ``kind`` trained with ``settings`` on ``corpus`` is saved."""
    return keyed_path(MODELS_DIR, kind, [kind, settings, corpus])


def training_sentences(corpus_file=None, quick=False):
    """The sentences the benchmark models train on: PTB train (its first ``QUICK_SENTENCES`` when
    ``quick``), or ``corpus_file``'s lines."""
    from gensim_elmo.corpus import LineSentences
    from gensim_elmo.datasets import ptb

    if corpus_file:
        sentences = LineSentences(corpus_file)
        return list(itertools.islice(sentences, QUICK_SENTENCES)) if quick else sentences
    return ptb("train", limit=QUICK_SENTENCES if quick else None)


def trained_model(kind, quick=False, corpus_file=None):
    """A model of ``kind`` ("cbow", "skipgram", "nnlm", "elmo") trained on the benchmark corpus.

    Args:
        kind: str, one of ``KINDS``.
        quick: bool, tiny settings on the first ``QUICK_SENTENCES`` sentences. Defaults to False.
        corpus_file: str or None, train on this file (one sentence per line) instead of PTB train.

    Returns:
        The trained ``Word2Vec``, ``NNLM`` or ``ELMo``; the same object again within a process.
    """
    settings = settings_for(kind, quick)
    corpus = corpus_name(corpus_file, quick)
    key = (kind, json.dumps(settings, sort_keys=True), corpus)
    if key in _memory:
        return _memory[key]
    cls = model_class(kind)
    path = None if quick or kind in ("cbow", "skipgram") else cache_path(kind, settings, corpus)
    if path and os.path.exists(path):
        print(f"{kind}: loading the model trained earlier from {path}")
        model = cls.load(path)
    else:
        print(f"{kind}: training on {corpus} with {settings}")
        # Full runs checkpoint as they go: the same command resumes an interrupted training.
        if kind == "elmo":
            from gensim_elmo.datasets import ptb

            valid = list(itertools.islice(ptb("valid"), QUICK_VALID_SENTENCES if quick else None))
            model, _ = train_recipe("elmo", training_sentences(corpus_file, quick), valid, quick=quick,
                                    work_dir=path and path + ".checkpoint")
        else:
            resumable = {"checkpoint_dir": path + ".checkpoint", "checkpoint_steps": 200} if path else {}
            model = cls(training_sentences(corpus_file, quick), **settings, **resumable)
        if path:
            model.save(path)
            shutil.rmtree(path + ".checkpoint", ignore_errors=True)
    _memory[key] = model
    return model


def save_for_reuse(kind, model, quick=False, corpus_file=None):
    """Save a model another benchmark trained with ``settings_for(kind)`` (``elmo_ptb``) where
    ``trained_model`` will find it; quick runs are not saved."""
    if quick or corpus_file:
        return None
    path = cache_path(kind, settings_for(kind, quick), corpus_name(corpus_file, quick))
    model.save(path)
    return path
