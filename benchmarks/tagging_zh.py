"""Part-of-speech tagging in Chinese: ``benchmarks.tagging``'s tagger on People's Daily's gold tags.

Data: People's Daily, January 1998 (``gensim_elmo.datasets.peoples_daily(tagged=True)``: words
segmented and tagged by hand at Peking University, 43 tags), read in sentences
(``benchmarks.chinese_models.sentences``: paragraphs cut after 。！？). The tagger trains on the
first ``train_sentences`` sentences of train, picks its epoch on the first ``valid_sentences`` of
valid and is scored on all of test (the last days of the month).

The compared Word2Vec skip-gram, NNLM and ELMo are ``benchmarks.chinese_models``': trained on
the whole train split, with one vocabulary (words seen 3 times or more; the language models read
the others as ``<unk>``, which is the vector a static row gives them where the model has one, and
ELMo reads every word's characters). Words are used as segmented, in the file's full-width forms.
Rows, tagger, seeds and scores are ``benchmarks.tagging``'s.
"""

from benchmarks.embedding_rows import ROWS, model_state
from benchmarks.tagging import SEEDS, TAGGER, evaluate, model_kinds

NAME = "tagging_zh"
DESCRIPTION = "Chinese part-of-speech tagging (People's Daily, gold PKU tags): one BiLSTM tagger over random, Word2Vec, NNLM, ELMo and random+ELMo vectors"
EXPECTED_MINUTES = 15  # plus the models' training if no earlier run left them in the cache
FULL = dict(TAGGER, train_sentences=3200, valid_sentences=600, test_sentences=None, epochs=6, seeds=SEEDS)
QUICK = dict(TAGGER, train_sentences=200, valid_sentences=50, test_sentences=100, epochs=2, seeds=SEEDS[:1])


def chinese_sentences(split, limit=None, quick=False):
    """The first ``limit`` sentences of People's Daily ``split`` as lists of (word, tag) pairs."""
    import itertools

    from benchmarks.chinese_models import sentences

    return list(itertools.islice(sentences(split, quick, tagged=True), limit))


def run(quick=False, rows=ROWS, models=None):
    """Tag People's Daily with every row; returns (figures, settings).

    Args:
        quick: bool, a few hundred sentences, 2 epochs, 1 seed, tiny models. Defaults to False.
        rows: the rows to train. Defaults to ``ROWS``.
        models: callable or None, kind ("skipgram", "nnlm", "elmo") -> a trained model, instead of
            ``chinese_models``' (tests pass tiny ones). Defaults to None.
    """
    from benchmarks import chinese_models

    p = QUICK if quick else FULL
    train, valid, test = (chinese_sentences(split, p[f"{split}_sentences"], quick) for split in ("train", "valid", "test"))
    print(f"People's Daily: {len(train)} train, {len(valid)} valid, {len(test)} test sentences")

    given = models
    if models is None:
        def models(kind):
            return chinese_models.trained_model(kind, quick=quick)

    figures = {"chinese": evaluate(train, valid, test, models, p, rows)}
    figures["chinese"]["models"] = {kind: model_state(models(kind)) for kind in model_kinds(rows)}
    settings = dict(p, data="People's Daily 1998-01 (gensim_elmo.datasets.peoples_daily, tagged), in sentences",
                    words="as segmented (full-width forms)",
                    embeddings_trained_on=chinese_models.corpus_name(quick) if given is None else "the models passed in",
                    rows=list(rows), models={k: chinese_models.settings_for(k, quick) for k in model_kinds(rows)})
    return figures, settings
