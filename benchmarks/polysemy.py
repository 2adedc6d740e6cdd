"""Polysemy: does a word's vector tell its senses apart? A WiC-style test built from WordNet.

Pairs of WordNet example sentences sharing a target word, same sense or different sense,
balanced (``benchmarks.wordnet_pairs``). A model scores a pair by the cosine similarity of the
target's two vectors; a threshold chosen on the dev split (the one with the best dev accuracy)
is applied to the test split, whose accuracy is reported. ELMo's contextual vectors (the
character layer, each LSTM layer, and the mix: the mean of the layers) are compared with the
static vectors of Word2Vec and the NNLM, which give a word the same vector in every sentence
(up to inflection) and so score at chance. All models are trained on the same corpus
(``benchmarks.trained_models``). A figure projects the contexts of "bank", "apple",
"interest" and "plant" to 2-D (PCA of ELMo's best contextual layer on dev), coloured by sense.

Every model is also scored on the **identical-form** pairs alone: the pairs whose two sentences
use the very same word form (balanced again, threshold chosen on dev's identical-form pairs).
There a static vector, and ELMo's layer 0, give the two uses one vector, so they sit at chance by
construction; what a contextual layer scores above 0.5 there comes from the context alone, not
from inflections differing between the two sentences.

ELMo's contextual rows are also scored **centred** (``elmo_layer_1_centred``...): each vector minus
its word form's mean vector over the form's uses in the training corpus (at most ``CENTRE_USES``),
so that what every use of the form shares does not dominate the cosine, as in
``benchmarks.chinese_polysemy``.
"""

import collections

import numpy as np

from benchmarks.trained_models import corpus_name, settings_for, trained_model, training_sentences
from benchmarks.wordnet_pairs import build_pairs, read_contexts, wordnet_dir

NAME = "polysemy"
DESCRIPTION = "WiC-style same-sense / different-sense accuracy from WordNet: ELMo layers vs static vectors"
EXPECTED_MINUTES = 10  # plus the models' training if the cache lacks them (benchmarks.trained_models)
CORPUS_OPTION = True
ANCHORS = {"ELMo on WiC (Pilehvar and Camacho-Collados 2019)": 0.577, "random": 0.5}
FIGURE_WORDS = ("bank", "apple", "interest", "plant")
QUICK_PAIRS = 200
#: Training sentences per word form whose ELMo vectors give the form's mean (the centred rows).
CENTRE_USES = 300
QUICK_CENTRE_USES = 30


def best_threshold(similarities, labels):
    """The threshold t maximising the accuracy of "same sense iff similarity >= t", and that accuracy.

    Example:
    >>> best_threshold(np.array([0.1, 0.2, 0.8, 0.9]), np.array([False, False, True, True]))
    (0.5, 1.0)
    """
    order = np.argsort(similarities)
    sims, labs = similarities[order], labels[order].astype(np.int64)
    # Threshold between sims[i-1] and sims[i]: pairs below are "different", from i on "same".
    candidates = np.concatenate([[sims[0] - 1.0], (sims[1:] + sims[:-1]) / 2, [sims[-1] + 1.0]])
    correct_below = np.concatenate([[0], np.cumsum(1 - labs)])  # different-sense pairs below the threshold
    correct_above = labs.sum() - np.concatenate([[0], np.cumsum(labs)])  # same-sense pairs at or above
    accuracy = (correct_below + correct_above) / len(labs)
    best = int(np.argmax(accuracy))
    return float(candidates[best]), float(accuracy[best])


def _balanced_head(pairs, n):
    same = [p for p in pairs if p.same_sense][: n // 2]
    different = [p for p in pairs if not p.same_sense][: n // 2]
    return [p for p in pairs if p in set(same) | set(different)]


def identical_form(pairs):
    """The pairs whose two contexts use the same word form, balanced (as many same-sense as
    different-sense pairs, the first of each in order).

    Example:
    >>> from benchmarks.wordnet_pairs import Context, Pair
    >>> def c(tokens): return Context("run", "v", "s", "g", tuple(tokens), 0)
    >>> pairs = [Pair(c(["run"]), c(["run"]), True), Pair(c(["run"]), c(["runs"]), False),
    ...          Pair(c(["run"]), c(["run", "away"]), False), Pair(c(["run"]), c(["run", "fast"]), True)]
    >>> [p.same_sense for p in identical_form(pairs)]
    [True, False]
    """
    same_form = [p for p in pairs if p.first.tokens[p.first.index] == p.second.tokens[p.second.index]]
    n = min(sum(p.same_sense for p in same_form), sum(not p.same_sense for p in same_form))
    return _balanced_head(same_form, 2 * n)


def _cosines(a, b):
    norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    dots = (a * b).sum(axis=1)
    cosines = np.where(norms > 0, dots / np.where(norms > 0, norms, 1.0), 1.0)  # no vectors: no information
    # Rounded: two computations of one vector (another batch, another padding) differ by float noise,
    # which a threshold must not read as a difference of context.
    return np.round(cosines, 6)


def _static_vectors(wv, contexts):
    """The target token's vector in each context (zeros when out of vocabulary), and the OOV count."""
    vectors = np.zeros((len(contexts), wv.vector_size), dtype=np.float32)
    oov = 0
    for i, c in enumerate(contexts):
        token = c.tokens[c.index]
        if token in wv.key_to_index:
            vectors[i] = wv[token]
        else:
            oov += 1
    return vectors, oov


def _elmo_vectors(elmo, contexts):
    """layer name -> (len(contexts), dim) target vectors: layer 0, 1, 2... and "mix" (their mean)."""
    sentences = sorted({c.tokens for c in contexts})
    row = {s: i for i, s in enumerate(sentences)}
    embedded = elmo.embed_sentences([list(s) for s in sentences], batch_size=64)
    per_context = np.stack([embedded[row[c.tokens]][:, c.index] for c in contexts])  # (n, layers, dim)
    layers = {f"elmo_layer_{k}": per_context[:, k] for k in range(per_context.shape[1])}
    layers["elmo_mix"] = per_context.mean(axis=1)
    return layers


def word_means(elmo, words, sentences, max_uses=CENTRE_USES, chunk=512):
    """word -> ELMo row name -> the mean of the word's vectors over its first ``max_uses`` uses in
    ``sentences`` (its first use in each sentence; no labels), in ``_elmo_vectors``' rows. A word
    ``sentences`` never uses is left out. Each sentence is embedded once, ``chunk`` at a time.

    Example:
    >>> from gensim_elmo import ELMo
    >>> elmo = ELMo(preset="tiny", progress=False)  # untrained: the character network embeds any word
    >>> means = word_means(elmo, ["a"], [["a", "b"], ["b", "a", "c"], ["c"]])
    >>> sorted(means["a"]), means["a"]["elmo_layer_1"].shape
    (['elmo_layer_0', 'elmo_layer_1', 'elmo_layer_2', 'elmo_mix'], (32,))
    >>> uses = [elmo.embed_sentence(["a", "b"])[:, 0], elmo.embed_sentence(["b", "a", "c"])[:, 1]]
    >>> bool(np.allclose(means["a"]["elmo_layer_1"], (uses[0][1] + uses[1][1]) / 2, atol=1e-5))
    True
    >>> word_means(elmo, ["a", "z"], [["a", "b"]]).keys()  # "z" is never used
    dict_keys(['a'])
    """
    wanted, counts, picked = set(words), collections.Counter(), []
    for sentence in sentences:  # each sentence's first use of each wanted word, up to max_uses per word
        tokens = tuple(sentence)
        uses = [(word, tokens.index(word)) for word in sorted(wanted.intersection(tokens)) if counts[word] < max_uses]
        counts.update(word for word, _ in uses)
        if uses:
            picked.append((tokens, uses))
    sums = {}
    for start in range(0, len(picked), chunk):  # every sentence embedded once, whatever words it holds
        part = picked[start : start + chunk]
        for (_, uses), vectors in zip(part, elmo.embed_sentences([list(t) for t, _ in part], batch_size=64)):
            for word, index in uses:
                sums[word] = sums.get(word, 0.0) + np.asarray(vectors[:, index], dtype=np.float64)
    means = {}
    for word in sorted(sums):
        layers = (sums[word] / counts[word]).astype(np.float32)  # (layers, dim)
        means[word] = {f"elmo_layer_{k}": layers[k] for k in range(len(layers))}
        means[word]["elmo_mix"] = layers.mean(axis=0)
    return means


def centred(vectors, keys, means, layer):
    """``vectors`` (n, dim) of ``layer``, each minus the mean of its key (``word_means``' words); a key
    without a mean (never used in the sentences the means came from) is left as it is.

    Example:
    >>> means = {"a": {"elmo_layer_1": np.array([1.0, 1.0])}}
    >>> centred(np.array([[3.0, 1.0], [2.0, 2.0]]), ["a", "b"], means, "elmo_layer_1").tolist()
    [[2.0, 0.0], [2.0, 2.0]]
    """
    zero = np.zeros(vectors.shape[1], dtype=vectors.dtype)
    return vectors - np.stack([means[k][layer] if k in means else zero for k in keys])


def _accuracy(dev_sims, dev_labels, test_sims, test_labels):
    threshold, dev_accuracy = best_threshold(dev_sims, dev_labels)
    return dev_accuracy, float(((test_sims >= threshold) == test_labels).mean()), threshold


def _score(name, sims, labels, same_form, extra=None):
    """Accuracies of one model: all pairs, and the identical-form pairs (``same_form[split]`` indexes)."""
    dev_accuracy, test_accuracy, threshold = _accuracy(sims["dev"], labels["dev"], sims["test"], labels["test"])
    form = {split: np.asarray(same_form[split], dtype=np.int64) for split in ("dev", "test")}
    _, form_accuracy, _ = _accuracy(sims["dev"][form["dev"]], labels["dev"][form["dev"]],
                                    sims["test"][form["test"]], labels["test"][form["test"]])
    print(f"{name:>16}: dev {dev_accuracy:.3f}, test {test_accuracy:.3f} (threshold {threshold:.3f}); "
          f"identical-form test {form_accuracy:.3f}")
    return dict(dev_accuracy=dev_accuracy, test_accuracy=test_accuracy, threshold=threshold,
                identical_form_test_accuracy=form_accuracy, **(extra or {}))


def run(quick=False, corpus=None, wordnet=None):
    """Build the pairs, score every model, draw the figure, and return (figures, settings)."""
    wordnet = wordnet or wordnet_dir()
    contexts = read_contexts(wordnet)
    dev, test = build_pairs(contexts)
    if quick:
        dev, test = _balanced_head(dev, QUICK_PAIRS), _balanced_head(test, QUICK_PAIRS)
    if not dev or not test:
        raise ValueError(f"the WordNet files in {wordnet} gave {len(dev)} dev and {len(test)} test pairs; "
                         "a WiC-style test needs both.")
    print(f"{len(dev)} dev and {len(test)} test pairs (half same sense) from {len(contexts)} WordNet contexts")
    labels = {"dev": np.array([p.same_sense for p in dev]), "test": np.array([p.same_sense for p in test])}
    same_form = {}
    for split, pairs in (("dev", dev), ("test", test)):
        chosen = set(identical_form(pairs))
        same_form[split] = [i for i, p in enumerate(pairs) if p in chosen]
    if not same_form["dev"] or not same_form["test"]:
        raise ValueError("no balanced identical-form pairs in the dev or test split; use more pairs.")
    print(f"identical-form pairs (balanced): {len(same_form['dev'])} dev, {len(same_form['test'])} test")
    results = {}
    for kind in ("cbow", "skipgram", "nnlm"):
        wv = trained_model(kind, quick=quick, corpus_file=corpus).wv
        sims, oov = {}, 0
        for split, pairs in (("dev", dev), ("test", test)):
            a, oov_a = _static_vectors(wv, [p.first for p in pairs])
            b, oov_b = _static_vectors(wv, [p.second for p in pairs])
            sims[split] = _cosines(a, b)
            oov += oov_a + oov_b
        results[kind] = _score(kind, sims, labels, same_form, {"out_of_vocabulary_targets": oov})
    elmo = trained_model("elmo", quick=quick, corpus_file=corpus)
    # The centred rows: each vector minus its word form's mean over the form's uses in the training corpus,
    # which takes away what every use of the form shares and leaves what its sentence adds.
    forms = sorted({c.tokens[c.index] for pairs in (dev, test) for p in pairs for c in (p.first, p.second)})
    means = word_means(elmo, forms, training_sentences(corpus, quick), QUICK_CENTRE_USES if quick else CENTRE_USES)
    layer_sims = {}
    for split, pairs in (("dev", dev), ("test", test)):
        firsts = _elmo_vectors(elmo, [p.first for p in pairs])
        seconds = _elmo_vectors(elmo, [p.second for p in pairs])
        for layer in firsts:
            layer_sims.setdefault(layer, {})[split] = _cosines(firsts[layer], seconds[layer])
        for layer in firsts:  # after the raw rows, so the table lists them first
            if layer != "elmo_layer_0":  # one vector for every use of a form: centred, it is zero
                a = centred(firsts[layer], [p.first.tokens[p.first.index] for p in pairs], means, layer)
                b = centred(seconds[layer], [p.second.tokens[p.second.index] for p in pairs], means, layer)
                layer_sims.setdefault(f"{layer}_centred", {})[split] = _cosines(a, b)
    for layer, sims in layer_sims.items():
        results[layer] = _score(layer, sims, labels, same_form)
    # The figure shows the best contextual layer (layer 0, the character CNN, ignores the context), uncentred.
    best_layer = max((k for k in layer_sims if k != "elmo_layer_0" and not k.endswith("_centred")),
                     key=lambda k: results[k]["dev_accuracy"])
    figures = {"pairs": {"dev": len(dev), "test": len(test)},
               "identical_form_pairs": {split: len(indexes) for split, indexes in same_form.items()},
               "contexts": len(contexts), "models": results,
               "best_elmo_layer_on_dev": best_layer, "anchors": ANCHORS,
               "sense_map": sense_map_points(elmo, contexts, best_layer)}
    settings = {"corpus": corpus_name(corpus, quick), "wordnet": wordnet, "dev_fraction": 0.3, "per_lemma": 3,
                "seed": 1, "models": {k: settings_for(k, quick) for k in ("cbow", "skipgram", "nnlm", "elmo")},
                "pairs": f"first {QUICK_PAIRS} of each split" if quick else "all",
                "centred_rows": f"minus the word form's mean vector over at most "
                                f"{QUICK_CENTRE_USES if quick else CENTRE_USES} of its uses in the training sentences"}
    return figures, settings


def sense_map_points(elmo, contexts, layer, words=FIGURE_WORDS):
    """2-D PCA coordinates of the contexts of each of ``words``, with their sense glosses, for the figure."""
    points = {}
    for word in words:
        chosen = [c for c in contexts if c.lemma == word]
        if len(chosen) < 3:
            continue
        vectors = _elmo_vectors(elmo, chosen)[layer]
        centred = vectors - vectors.mean(axis=0)
        _, _, vt = np.linalg.svd(centred, full_matrices=False)
        xy = centred @ vt[:2].T
        points[word] = [{"x": float(x), "y": float(y), "sense": f"{c.pos}. {c.gloss[:40]}",
                         "sentence": " ".join(c.tokens)} for (x, y), c in zip(xy, chosen)]
    return points
