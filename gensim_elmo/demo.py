"""The ``gensim-elmo demo``: train every model on the bundled Penn Treebank and show what it learnt.

Run it with ``gensim-elmo demo`` (``--quick`` trains small models on slices in about a minute).
The ELMo part trains the ``compact`` preset with LSTMs of 300 (``DEMO_ELMO``) for one epoch on the
whole Penn Treebank (about 8 minutes on a 2-core CPU). Each section trains with a progress bar and
prints what a newcomer wants to see: nearest neighbours, similarity and analogy scores,
perplexity, and for ELMo words with two senses: the similarity of two uses in the same sense next
to uses in different senses, per layer, beside Word2Vec's one vector, and a word's nearest uses in
the training corpus.
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


#: Words with two senses that both occur often in the Penn Treebank (Wall Street Journal text), each
#: with two uses in one sense and one in the other. Written in PTB's style (lower case, ``N`` for
#: numbers); every word is in its vocabulary.
SENSES = (
    ("may", "a modal verb", [["the", "company", "may", "sell", "the", "unit", "next", "year"],
                             ["analysts", "said", "prices", "may", "rise", "again"]],
     "the month", [["sales", "rose", "N", "N", "in", "may", "from", "a", "year", "earlier"]]),
    ("fall", "decline", [["bond", "prices", "continued", "to", "fall", "yesterday"],
                         ["analysts", "expect", "the", "shares", "to", "fall", "further"]],
     "the season", [["the", "company", "plans", "to", "open", "the", "plant", "this", "fall"]]),
    ("interest", "money paid on a loan", [["the", "bank", "pays", "interest", "on", "deposits"],
                                          ["the", "notes", "pay", "interest", "every", "six", "months"]],
     "attention", [["investors", "showed", "little", "interest", "in", "the", "plan"]]),
    ("bill", "a law in the making", [["the", "house", "passed", "the", "bill", "last", "week"],
                                     ["the", "senate", "bill", "would", "cut", "taxes"]],
     "a first name", [["demand", "has", "been", "very", "strong", "said", "bill", "smith", "a", "senior",
                       "executive"]]),
)
#: Queries for the nearest uses of a word in the training corpus (as in Table 4 of Peters et al. 2018).
NEAREST_USE_QUERIES = (
    ("may", ["the", "company", "may", "sell", "the", "unit", "next", "year"]),
    ("may", ["sales", "rose", "N", "N", "in", "may", "from", "a", "year", "earlier"]),
    ("fall", ["the", "company", "plans", "to", "open", "the", "plant", "this", "fall"]),
)
#: The demo's ELMo: the ``compact`` preset with LSTMs of 300 (Kim et al. 2016's small model's
#: size), which trains a Penn Treebank epoch in about 8 minutes on 2 cores.
DEMO_ELMO = dict(preset="compact", dim=300, projection_dim=300, epochs=1, batch_size=32, optimizer="adam",
                 learning_rate=2e-3, num_sampled=1024, dropout=0.1, seed=1)
QUICK_DEMO_ELMO = dict(preset="tiny", epochs=1, batch_size=32, optimizer="adam", learning_rate=2e-3,
                       num_sampled=512, seed=1)


def _cosine(a, b):
    import numpy as np

    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b) + 1e-12))


def sense_similarities(model, word, same_sense, other_sense):
    """Per layer, the cosine of two uses of ``word`` in the same sense and the mean cosine of uses
    in different senses.

    Args:
        model: a trained ``gensim_elmo.ELMo``.
        word: str.
        same_sense: two token lists using ``word`` in one sense.
        other_sense: one or more token lists using it in the other sense.

    Returns:
        list of (same, different) pairs of floats, one per layer.

    Example:
    >>> from gensim_elmo.elmo import ELMo
    >>> model = ELMo(preset="tiny", progress=False)
    >>> rows = sense_similarities(model, "a", [["a", "b"], ["a", "c"]], [["d", "a"]])
    >>> len(rows), all(-1 <= x <= 1 for row in rows for x in row)
    (3, True)
    """
    def vectors(sentences):
        return [v[:, s.index(word)] for s, v in zip(sentences, model.embed_sentences(sentences))]

    first, second = vectors(same_sense)
    others = vectors(other_sense)
    rows = []
    for layer in range(first.shape[0]):
        same = _cosine(first[layer], second[layer])
        different = sum(_cosine(a[layer], b[layer]) for a in (first, second) for b in others) / (2 * len(others))
        rows.append((same, different))
    return rows


def nearest_uses(model, word, query, corpus, topn=3, layer=-1, max_uses=400):
    """The uses of ``word`` in ``corpus`` whose contextual vectors are nearest to its use in ``query``.

    Args:
        model: a trained ``gensim_elmo.ELMo``.
        word: str, in ``query``.
        query: token list.
        corpus: iterable of token lists (the first ``max_uses`` sentences holding ``word`` are searched).
        topn: int. Defaults to 3.
        layer: int, which ELMo layer compares (default: the top). Defaults to -1.
        max_uses: int. Defaults to 400.

    Returns:
        list of (cosine, token list) pairs, nearest first.

    Example:
    >>> from gensim_elmo.elmo import ELMo
    >>> model = ELMo(preset="tiny", progress=False)
    >>> found = nearest_uses(model, "a", ["a", "b"], [["x", "a"], ["a", "y"], ["z"]], topn=1)
    >>> len(found), found[0][1] in (["x", "a"], ["a", "y"])
    (1, True)
    """
    uses = []
    for sentence in corpus:
        if word in sentence:
            uses.append(list(sentence))
            if len(uses) >= max_uses:
                break
    target = model.embed_sentence(query)[layer, query.index(word)]
    scored = [(_cosine(target, vectors[layer, sentence.index(word)]), sentence)
              for sentence, vectors in zip(uses, model.embed_sentences(uses))]
    return sorted(scored, key=lambda pair: -pair[0])[:topn]


def _snippet(sentence, word, width=6):
    at = sentence.index(word)
    left = sentence[max(0, at - width):at]
    right = sentence[at + 1:at + 1 + width]
    return " ".join((["..."] if at > width else []) + left + [word.upper()] + right +
                    (["..."] if at + 1 + width < len(sentence) else []))


def elmo_section(train, quick, out, word2vec=None):
    """Train ELMo on ``train``; print valid perplexity, and for words with two senses the similarity
    of uses in the same sense next to uses in different senses, per layer, and the nearest uses of a
    word in the training corpus."""
    from gensim_elmo.elmo import ELMo

    settings = QUICK_DEMO_ELMO if quick else DEMO_ELMO
    valid = list(ptb("valid", limit=200 if quick else 1000))
    start = time.perf_counter()
    model = ELMo(train, **settings)
    elapsed = time.perf_counter() - start
    scores = model.perplexity(valid)
    out(f"\n== ELMo ({settings['preset']} preset, {model.projection_dim * 2}-d vectors): 1 epoch on "
        f"{model.corpus_stats['sentences']:,} PTB sentences in {elapsed:.0f}s; PTB valid perplexity forward "
        f"{scores['forward']:.1f}, backward {scores['backward']:.1f}, average {scores['average']:.1f}")
    out("Same word, two senses: cosine of two uses in the SAME sense vs uses in DIFFERENT senses, per layer.\n"
        "Layer 0 reads only the word's characters (like a static vector); layers 1 and 2 read the sentence.\n"
        "Word2Vec gives a word one vector whatever the sentence: its cosine is always 1.00.")
    for word, sense_a, uses_a, sense_b, uses_b in SENSES:
        rows = sense_similarities(model, word, uses_a, uses_b)
        out(f"  {word!r} ({sense_a} / {sense_b}):")
        out(f"      e.g. {' '.join(uses_a[0])!r} / {' '.join(uses_b[0])!r}")
        cells = "   ".join(f"layer {k}: same {same:.2f}, different {different:.2f}"
                           for k, (same, different) in enumerate(rows))
        static = " | Word2Vec: 1.00" if word2vec is not None and word in word2vec.wv.key_to_index else ""
        out(f"      {cells}{static}")
    out("Nearest uses in the training corpus by the top layer's vector (as in the ELMo paper's Table 4):")
    for word, query in NEAREST_USE_QUERIES:
        out(f"  {' '.join(query)!r}:")
        for similarity, sentence in nearest_uses(model, word, query, train):
            out(f"      {similarity:.2f}  {_snippet(sentence, word)}")
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
    # Embedding sentences of many lengths retraces TensorFlow's predict step; its warnings say nothing here.
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
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
