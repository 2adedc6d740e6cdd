"""The models of the Chinese benchmarks, all trained on People's Daily, trained once and shared.

People's Daily (January 1998, ``gensim_elmo.datasets.peoples_daily``) comes in paragraphs; the
Chinese benchmarks read it in **sentences**: each paragraph is cut after every 。, ！ and ？ (with
the closing quotes or brackets that follow it), so the language models read and score one
sentence at a time, as the Penn Treebank benchmarks do (``sentences``).

``trained_model(kind)`` returns a Word2Vec CBOW or skip-gram, an NNLM or an ELMo trained on the
train split's sentences, all with one vocabulary: the words seen at least ``VOCAB_MIN_COUNT``
times in train (19,173 of its 49,401 words), every other word being ``<unk>`` for the language
models. NNLM and ELMo follow ``benchmarks.lm_recipes``' two-phase recipe (sampled softmax with
the learning rate halved on a worse valid perplexity and early stopping, then full-softmax
epochs with weight averaging), sized for this corpus (``CHINESE_RECIPES``), with the valid
split's sentences for the schedule and the choice of weights. A full run saves the models under
``lm_recipes.CACHE_DIR/models`` (outside the source tree) with what their training recorded
(``training_info``), and checkpoints as it trains, so a training stopped part way resumes when
the same benchmark runs again. Quick runs train tiny models on slices and keep them in memory.

Example (a quick model, seconds):
>>> model = trained_model("cbow", quick=True)  # doctest: +SKIP
>>> model.wv.vector_size  # doctest: +SKIP
16
"""

import json
import os
import shutil
import time

from benchmarks.lm_recipes import MODELS_DIR, keyed_path, model_class, train_recipe
from benchmarks.results_io import write_json

KINDS = ("cbow", "skipgram", "nnlm", "elmo")
#: The vocabulary of every model: words seen at least this often in the train split.
VOCAB_MIN_COUNT = 3
#: Paragraphs of each split that quick runs read.
QUICK_PARAGRAPHS = {"train": 400, "valid": 150, "test": 150}
#: Tokens that end a sentence, and tokens that still belong to the sentence they close.
SENTENCE_ENDS = frozenset("。！？")
CLOSERS = frozenset("”’）』」")

#: One worker thread: gensim's Word2Vec is reproducible from its seed only then (two threads
#: interleave their updates differently from run to run); a few seconds more per run.
_WORD2VEC = dict(vector_size=100, window=5, min_count=VOCAB_MIN_COUNT, negative=5, epochs=5, workers=1, seed=1)
_WORD2VEC_QUICK = dict(_WORD2VEC, vector_size=16, epochs=2, min_count=1)

#: The NNLM and ELMo recipes (``lm_recipes``' form) for People's Daily. The NNLM is the Penn
#: Treebank recipe's model, with fewer epochs; the ELMo is the ``compact`` preset with LSTMs of 300
#: (Kim et al. 2016's small model's size) reading one id per Unicode character, which trains a
#: People's Daily epoch in about 7 minutes on two cores. ``chinese_characters`` chose the characters:
#: at equal compute (2 epochs) Unicode characters reached valid perplexity 345.8 against 384.4 for
#: the original UTF-8 bytes. 4 epochs of the byte model (valid 315.0, test 288.8) were still
#: improving by 5% an epoch, so it trains up to 12, stopped early by valid. ELMo skips the
#: full-softmax phase (``fine_tune`` None): over this vocabulary an epoch of it would take about
#: three times a sampled one.
CHINESE_RECIPES = {
    "nnlm": {
        "settings": dict(vector_size=128, window=6, hidden_size=384, dropout=0.5, batch_size=512, learning_rate=1e-3,
                         num_sampled=2048, epochs=6, min_count=VOCAB_MIN_COUNT, seed=1),
        "schedule": dict(lr_decay=0.5, early_stopping=2),
        "fine_tune": dict(epochs=1, learning_rate=2e-4, early_stopping=1),
    },
    "elmo": {
        "settings": dict(preset="compact", dim=300, projection_dim=300, optimizer="adam", learning_rate=2e-3,
                         batch_size=32, num_sampled=1024, dropout=0.3, epochs=12, min_count=VOCAB_MIN_COUNT, seed=1,
                         characters="unicode"),
        "schedule": dict(lr_decay=0.5, early_stopping=2),
        "fine_tune": None,
    },
}
QUICK_CHINESE_RECIPES = {
    "nnlm": {
        "settings": dict(vector_size=32, window=3, hidden_size=64, dropout=0.0, batch_size=256, learning_rate=2e-3,
                         num_sampled=256, epochs=1, min_count=1, seed=1),
        "schedule": dict(lr_decay=None, early_stopping=None),
        "fine_tune": dict(epochs=1, learning_rate=1e-3, early_stopping=None),
    },
    "elmo": {
        "settings": dict(preset="tiny", optimizer="adam", learning_rate=2e-3, batch_size=32, num_sampled=512,
                         dropout=0.1, epochs=1, min_count=1, seed=1),
        "schedule": dict(lr_decay=None, early_stopping=None),
        "fine_tune": None,  # as the full recipe: no full-softmax phase
    },
}
_memory = {}


def split_sentences(tokens):
    """Cut a paragraph (a list of tokens, or of (word, tag) pairs) into sentences: after every
    。, ！ or ？, with the closing quotes and brackets that follow it.

    Example:
    >>> split_sentences(["他", "说", "：", "“", "好", "。", "”", "我们", "走", "吧", "！", "再见"])
    [['他', '说', '：', '“', '好', '。', '”'], ['我们', '走', '吧', '！'], ['再见']]
    """
    sentences, current, ended = [], [], False
    for token in tokens:
        word = token[0] if isinstance(token, tuple) else token
        if ended and word not in CLOSERS:
            sentences.append(current)
            current = []
        current.append(token)
        ended = word in SENTENCE_ENDS or (ended and word in CLOSERS)
    if current:
        sentences.append(current)
    return sentences


class PeoplesDailySentences:
    """The sentences of a People's Daily split (``split_sentences`` of each paragraph), a
    restartable iterable of token lists (or of (word, tag) lists with ``tagged=True``).

    Example:
    >>> first = next(iter(PeoplesDailySentences("train", limit=1)))
    >>> first[:3], first[-1]
    (['迈向', '充满', '希望'], '）')
    """

    def __init__(self, split, limit=None, tagged=False):
        self.split, self.limit, self.tagged = split, limit, tagged

    def __iter__(self):
        from gensim_elmo.datasets import peoples_daily

        for paragraph in peoples_daily(self.split, limit=self.limit, tagged=self.tagged):
            yield from split_sentences(paragraph)

    def __repr__(self):
        return f"PeoplesDailySentences({self.split!r}, limit={self.limit!r}, tagged={self.tagged!r})"


def sentences(split, quick=False, tagged=False):
    """The benchmarks' sentences of ``split`` ("train", "valid", "test"): all of them, or the
    first ``QUICK_PARAGRAPHS[split]`` paragraphs' when ``quick``."""
    return PeoplesDailySentences(split, limit=QUICK_PARAGRAPHS[split] if quick else None, tagged=tagged)


def recipe(kind, quick=False):
    """The People's Daily recipe of ``kind`` ("nnlm" or "elmo"), as ``lm_recipes.recipe`` gives
    the Penn Treebank's.

    Example:
    >>> recipe("elmo")["settings"]["min_count"]
    3
    """
    recipes = QUICK_CHINESE_RECIPES if quick else CHINESE_RECIPES
    if kind not in recipes:
        raise ValueError(f"no Chinese recipe for {kind!r}; choose from {sorted(recipes)}")
    return {part: None if values is None else dict(values) for part, values in recipes[kind].items()}


def settings_for(kind, quick=False):
    """The training settings of ``kind`` (Word2Vec: constructor keyword arguments; NNLM, ELMo:
    their recipe)."""
    if kind not in KINDS:
        raise ValueError(f"unknown model kind {kind!r}; choose from {KINDS}")
    if kind in ("cbow", "skipgram"):
        return dict(_WORD2VEC_QUICK if quick else _WORD2VEC, sg=int(kind == "skipgram"))
    return recipe(kind, quick)


def corpus_name(quick=False, quick_paragraphs=None):
    """How the training corpus is named in results and cache keys; a quick run's name says how many
    train paragraphs it reads (``quick_paragraphs``, default ``QUICK_PARAGRAPHS["train"]``).

    Example:
    >>> corpus_name(quick=True, quick_paragraphs=150)
    "People's Daily 1998-01 train, first 150 paragraphs, in sentences"
    """
    if quick_paragraphs is None:
        quick_paragraphs = QUICK_PARAGRAPHS["train"]
    first = f", first {quick_paragraphs} paragraphs" if quick else ""
    return f"People's Daily 1998-01 train{first}, in sentences"


def cache_path(kind, quick=False):
    """Where the full-run model of ``kind`` is saved (named by its settings and corpus)."""
    return keyed_path(MODELS_DIR, f"zh-{kind}", ["zh", kind, settings_for(kind, quick), corpus_name(quick)])


def training_info(kind, quick=False):
    """What the training of ``kind`` recorded (``lm_recipes.train_recipe``'s info: kept weights,
    valid perplexity, curves, wall time), or None for Word2Vec or a model not trained yet."""
    key = ("info", kind, quick)
    if key in _memory:
        return _memory[key]
    path = os.path.join(cache_path(kind, quick), "training_info.json")
    if not quick and os.path.exists(path):
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    return None


class _TrainingTime:
    """Adds the seconds spent in its ``with`` block to a small file (None: memory only), so a
    training stopped and resumed over several runs (an interrupt ends the block too) knows its total."""

    def __init__(self, path):
        self.path = path
        self.total = 0.0
        if path and os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                self.total = float(f.read())

    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.total += time.perf_counter() - self.start
        if self.path:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            with open(self.path, "w", encoding="utf-8") as f:
                f.write(f"{self.total:.1f}")
        return False

    def remove(self):
        if self.path and os.path.exists(self.path):
            os.remove(self.path)


def trained_model(kind, quick=False):
    """A model of ``kind`` ("cbow", "skipgram", "nnlm", "elmo") trained on People's Daily train.

    Args:
        kind: str, one of ``KINDS``.
        quick: bool, tiny settings on ``QUICK_PARAGRAPHS`` paragraphs. Defaults to False.

    Returns:
        The trained ``Word2Vec``, ``NNLM`` or ``ELMo``; the same object again within a process.
    """
    settings = settings_for(kind, quick)
    key = (kind, json.dumps(settings, sort_keys=True), quick)
    if key in _memory:
        return _memory[key]
    cls = model_class(kind)
    train = sentences("train", quick)
    if kind in ("cbow", "skipgram"):
        print(f"{kind}: training on {corpus_name(quick)} with {settings}")
        model = cls(train, **settings)
        _memory[key] = model
        return model
    path = None if quick else cache_path(kind, quick)
    if path and os.path.exists(os.path.join(path, "config.json")):
        print(f"{kind}: loading the model trained earlier from {path}")
        model = cls.load(path)
    else:
        print(f"{kind}: training on {corpus_name(quick)} with {settings}")
        valid = list(sentences("valid", quick))
        work_dir = path and path + ".checkpoint"
        spent = _TrainingTime(path and path + ".seconds")
        with spent:
            model, info = train_recipe(kind, train, valid, quick=quick, work_dir=work_dir, parts=settings,
                                       fine_tune=settings["fine_tune"] is not None)
        info["train_wall_time_all_runs_s"] = spent.total
        info["valid_perplexity_curve"] = model.history["val_perplexity"]
        info["train_loss"] = model.history["loss"]
        info["epochs_run"] = model.epochs_trained
        _memory[("info", kind, quick)] = info
        if path:
            model.save(path)
            write_json(os.path.join(path, "training_info.json"), info, indent=1)
            shutil.rmtree(work_dir, ignore_errors=True)
            spent.remove()
    _memory[key] = model
    return model

