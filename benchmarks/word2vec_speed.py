"""Word2Vec training speed: gensim_elmo.Word2Vec vs plain gensim, interleaved in one run.

Both train CBOW and skip-gram on Penn Treebank train repeated 5 times (4.4M words), vector size
100, window 5, negative 5, 5 epochs, 2 worker threads, the settings of the reference speeds in
``ANCHORS``; from a file (``corpus_file``) and from an in-memory list of token lists. Runs are
interleaved (gensim, ours, gensim, ours...) and the median of several repeats is reported as raw
corpus words per second. Ours runs with its defaults (progress bar on, per-epoch loss on);
gensim with its defaults.
"""

import os
import statistics
import tempfile
import time

NAME = "word2vec_speed"
DESCRIPTION = "Word2Vec training words/s: gensim_elmo.Word2Vec vs plain gensim (CBOW, skip-gram)"
EXPECTED_MINUTES = 20
QUICK_SENTENCES = 10000
#: Reference speeds, raw corpus words/s, on a 2-core CPU of the type these benchmarks ran on, with the
#: settings above and each package's own trainer: gensim's Word2Vec (Rehurek and Sojka 2010,
#: https://radimrehurek.com/gensim/), the original C word2vec (Mikolov et al. 2013,
#: https://code.google.com/archive/p/word2vec/) and fastText with subwords off (Bojanowski et al. 2017,
#: https://fasttext.cc, ``-minn 0 -maxn 0``). Not measured by this benchmark: listed for comparison.
ANCHORS = {
    "gensim corpus_file": {"cbow": 2.1e6, "skipgram": 0.67e6},
    "gensim iterable": {"cbow": 1.8e6, "skipgram": 0.62e6},
    "original C word2vec": {"cbow": 0.84e6, "skipgram": 0.38e6},
    "fastText (no subwords)": {"cbow": 1.3e6, "skipgram": 0.29e6},
}


def _train(implementation, sg, source, corpus, epochs):
    import gensim

    from gensim_elmo import Word2Vec

    params = dict(vector_size=100, window=5, min_count=5, negative=5, sg=sg, epochs=epochs, workers=2, seed=1)
    params["corpus_file" if source == "corpus_file" else "sentences"] = corpus
    start = time.perf_counter()
    if implementation == "gensim":
        model = gensim.models.Word2Vec(**params)
    else:
        model = Word2Vec(progress=True, **params)
    elapsed = time.perf_counter() - start
    return model.corpus_total_words * epochs / elapsed


def run(quick=False, repeats=None):
    """Measure and return (figures, settings)."""
    from gensim_elmo.datasets import ptb

    copies = 1 if quick else 5
    epochs = 1 if quick else 5
    repeats = repeats or (1 if quick else 3)
    sentences = list(ptb("train", limit=QUICK_SENTENCES if quick else None)) * copies
    workdir = tempfile.mkdtemp(prefix="w2v_speed_")
    path = os.path.join(workdir, "ptb_train.txt")
    with open(path, "w", encoding="utf-8") as handle:
        for sentence in sentences:
            handle.write(" ".join(sentence) + "\n")

    figures = {}
    for source, corpus in (("corpus_file", path), ("iterable", sentences)):
        for sg, mode in ((0, "cbow"), (1, "skipgram")):
            rates = {"gensim": [], "gensim_elmo": []}
            for _ in range(repeats):
                for implementation in ("gensim", "gensim_elmo"):  # interleaved
                    rates[implementation].append(_train(implementation, sg, source, corpus, epochs))
            gensim_rate = statistics.median(rates["gensim"])
            ours_rate = statistics.median(rates["gensim_elmo"])
            figures[f"{source}/{mode}"] = {
                "gensim_words_per_s": gensim_rate,
                "gensim_elmo_words_per_s": ours_rate,
                "ratio": ours_rate / gensim_rate,
                "all_runs": rates,
            }
            print(f"{source:>11} {mode:>8}: gensim {gensim_rate / 1e6:.2f}M words/s, "
                  f"gensim_elmo {ours_rate / 1e6:.2f}M words/s, ratio {ours_rate / gensim_rate:.3f}")
    os.remove(path)
    os.rmdir(workdir)
    settings = {"corpus": f"PTB train first {QUICK_SENTENCES} sentences" if quick else f"PTB train x{copies}", "words": sum(map(len, sentences)), "vector_size": 100,
                "window": 5, "negative": 5, "min_count": 5, "epochs": epochs, "workers": 2, "repeats": repeats,
                "anchors": ANCHORS}
    return figures, settings
