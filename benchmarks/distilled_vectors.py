"""Distilled static vectors: what are ELMo's contexts worth as one vector per word?

The benchmark ELMo (``benchmarks.trained_models``, trained on Penn Treebank train) is run over
that same corpus, and each word's contextual vectors (the mean of the layers) are pooled
(``gensim_elmo.distillation.pool_contextual_vectors``; Bommasani et al. 2020 distil static vectors
from contextual models this way). From that one pass, several variants
(``distillation.vectors_from_pooled``):

- ``pooled``: the mean vector, full size;
- ``pooled_pca300``: centred and projected on 300 principal axes;
- ``sif_pca300``: SIF-weighted (a=1e-3, Arora et al. 2017), the first common component removed,
  then PCA to 300 (the Model2Vec-style recipe);

each stored as float32, float16 and int8 (``export.save_keyed_vectors(format="npz")``). They are
compared with Word2Vec skip-gram and CBOW (100 dimensions) and the NNLM's input vectors, all
trained on the same corpus, and with ELMo's layer 0 (its character CNN: ``model.wv``):

- word similarity (Spearman) and analogy accuracy, ``gensim_elmo.evaluation`` (the sets of
  ``word_similarity``);
- ``downstream``'s two classifiers (BBC News topics, Rotten Tomatoes sentiment) with each
  frozen vector set as their embedding (3 seeds);
- the file size of each storage type and the time to pool and to distil.
"""

import os
import tempfile
import time

import numpy as np

from benchmarks.trained_models import corpus_name, settings_for, trained_model

NAME = "distilled_vectors"
DESCRIPTION = "Static vectors distilled from ELMo (pooled, PCA, SIF, float16/int8) vs Word2Vec and NNLM: quality, size"
EXPECTED_MINUTES = 30  # plus the models' training if no earlier run left them in the cache
CORPUS_OPTION = True
VARIANTS = {
    "pooled": {},
    "pooled_pca300": {"pca_dim": 300},
    "sif_pca300": {"sif": 1e-3, "remove_components": 1, "pca_dim": 300},
}
QUICK_VARIANTS = {"pooled": {}, "pooled_pca8": {"pca_dim": 8}, "sif_pca8": {"sif": 1e-3, "remove_components": 1,
                                                                            "pca_dim": 8}}
DTYPES = ("float32", "float16", "int8")


def file_sizes(keyed_vectors):
    """Bytes of ``keyed_vectors`` saved as npz in each of ``DTYPES``, and the int8 file reloaded
    (to score what a user would load).

    Example:
    >>> from gensim_elmo.export import keyed_vectors_from_matrix
    >>> sizes, int8 = file_sizes(keyed_vectors_from_matrix(["a", "b"], [[1.0, 0.5], [0.0, 1.0]]))
    >>> sorted(sizes), int8["a"].round(2).tolist()
    (['float16', 'float32', 'int8'], [1.0, 0.5])
    """
    from gensim_elmo.export import load_keyed_vectors, save_keyed_vectors

    sizes = {}
    with tempfile.TemporaryDirectory() as tmp:
        for dtype in DTYPES:
            path = save_keyed_vectors(keyed_vectors, os.path.join(tmp, f"{dtype}.npz"), format="npz", dtype=dtype)
            sizes[dtype] = os.path.getsize(path)
        int8 = load_keyed_vectors(os.path.join(tmp, "int8.npz"), format="npz")
    return sizes, int8


def _classification(vector_sets, quick):
    """``downstream``'s classifier with each frozen vector set: {data set: {name: {"mean", "per_seed"}}}."""
    from benchmarks import downstream
    from benchmarks.results_io import MissingData
    from benchmarks.wordnet_pairs import tokenize
    from keras_layers.keyed_vectors_embedding import KeyedVectorsEmbedding

    p = downstream.QUICK if quick else downstream.FULL
    results = {}
    for data_name, load in downstream.DATASETS.items():
        if quick and results:
            break  # quick runs: the first data set installed
        try:
            texts, labels = load()
        except MissingData as exc:
            print(f"skipping {data_name}: {exc}")
            continue
        if p["examples"]:
            keep = np.random.default_rng(0).permutation(len(texts))[: p["examples"]]
            texts, labels = [texts[i] for i in keep], [labels[i] for i in keep]
        docs = [tokenize(t) for t in texts]
        classes = sorted(set(labels))
        y = np.array([classes.index(label) for label in labels], dtype=np.int32)
        train, test = downstream.stratified_split(labels)
        results[data_name] = {}
        for name, wv in vector_sets.items():
            ids = downstream._ids(docs, wv.key_to_index, p["max_tokens"])
            scores = [downstream._fit_and_score(
                lambda: downstream._classifier(KeyedVectorsEmbedding(wv, trainable=False), len(classes), p),
                ids[train], y[train], ids[test], y[test], p, seed) for seed in p["seeds"]]
            results[data_name][name] = {"mean": float(np.mean(scores)), "per_seed": scores}
            print(f"  {data_name} {name:>22}: {results[data_name][name]['mean']:.3f}")
    return results


def run(quick=False, corpus=None):
    """Pool, distil, score against Word2Vec and NNLM; returns (figures, settings)."""
    from benchmarks.trained_models import training_sentences
    from gensim_elmo.distillation import pool_contextual_vectors, vectors_from_pooled
    from gensim_elmo.evaluation import available_sets, evaluate

    elmo = trained_model("elmo", quick=quick, corpus_file=corpus)
    start = time.perf_counter()
    sums, counts, total = pool_contextual_vectors(elmo, training_sentences(corpus, quick), layer="average",
                                                  progress=not quick)
    pool_seconds = time.perf_counter() - start
    print(f"pooled {len(sums)} words over {total} tokens in {pool_seconds:.0f} s")

    figures = {"pooling": {"words": len(sums), "tokens": total, "seconds": pool_seconds,
                           "tokens_per_second": total / pool_seconds}, "vectors": {}}
    vector_sets = {}
    for name, options in (QUICK_VARIANTS if quick else VARIANTS).items():
        start = time.perf_counter()
        kv = vectors_from_pooled(sums, counts, total, **options)
        seconds = time.perf_counter() - start
        sizes, int8 = file_sizes(kv)
        vector_sets[f"elmo_{name}"] = kv
        vector_sets[f"elmo_{name}_int8"] = int8
        figures["vectors"][f"elmo_{name}"] = {"options": options, "distil_seconds": seconds, "npz_bytes": sizes}
    for kind in ("skipgram", "cbow", "nnlm"):
        vector_sets[kind] = trained_model(kind, quick=quick, corpus_file=corpus).wv
    vector_sets["elmo_layer0"] = elmo.wv
    for name, kv in vector_sets.items():
        entry = figures["vectors"].setdefault(name, {})
        if "npz_bytes" not in entry and not name.endswith("_int8"):
            entry["npz_bytes"] = file_sizes(kv)[0]
        sets = [s for s in available_sets() if not (quick and s.endswith("analogy"))]
        entry.update(vocabulary=len(kv), vector_size=kv.vector_size, scores=evaluate(kv, sets=sets))
    # The classifiers take a while per vector set: of the int8 files, only the smallest variant's.
    smallest = f"elmo_{list(QUICK_VARIANTS if quick else VARIANTS)[-1]}_int8"
    figures["classification"] = _classification(
        {k: v for k, v in vector_sets.items() if not k.endswith("_int8") or k == smallest}, quick)
    settings = {"corpus": corpus_name(corpus, quick), "layer": "average", "variants": QUICK_VARIANTS if quick else
                VARIANTS, "models": {k: settings_for(k, quick) for k in ("skipgram", "cbow", "nnlm", "elmo")}}
    return figures, settings
