"""Part-of-speech tagging in English: one small BiLSTM tagger, its token vectors swapped.

A task where context matters: a word's tag depends on its neighbours ("the contract is *set*"
vs "a *set* of rules"), and ELMo gives each token a vector computed from its whole sentence.

Data: the OANC part-of-speech sample (``gensim_elmo.datasets.oanc_pos``: 20,000 sentences of
written American English tagged with Penn Treebank tags; fetched once with
``gensim_elmo.datasets.fetch_oanc_pos()``, never shipped; without it the runner skips this
benchmark). Its fixed split by position; the tagger trains on the first ``train_sentences`` lines of
train, picks its epoch on the first ``valid_sentences`` of valid and is scored on all of test (the
lines of punctuation alone, fragments of the sample's sentence splitting, are dropped).

The compared models (``benchmarks.trained_models``) are trained on the Penn Treebank language-
modelling text: lowercased, numbers as ``N``, no punctuation, 10,000 words and ``<unk>``. The
OANC words are mapped the same way for every row (``ptb_form``: lowercase, numbers as ``N``),
punctuation tokens (tags ``,`` ``.`` ``:`` ``"`` ``(`` ``)`` ``#``, about 14% of the tokens,
tagged by their form alone) are dropped, and a word outside a static model's vocabulary gets its
``<unk>`` vector (ELMo reads the characters of every word).

The tagger (``build_tagger``): token vectors -> dropout -> a bidirectional LSTM -> dropout ->
softmax over the tags, trained with Adam on the training sentences; its token vectors are one of
``benchmarks.embedding_rows.ROWS``: ``random`` (a trainable embedding of the training words seen
twice or more, the others sharing one trainable unknown-word vector), ``word2vec`` and ``nnlm``
(frozen), ``elmo`` (frozen network, ``keras_layers.ScalarMix`` learnt) and ``random+elmo``
(Peters et al. 2018: the trainable embedding concatenated with the mix). ELMo's layers are
computed once per sentence (the network is frozen) and fed to the tagger as inputs.

Scores: token accuracy on test at the epoch with the best valid accuracy, and the same on the
test tokens whose word the tagger's training sentences lack ("unseen words"); mean and standard
deviation over 3 seeds (initialisation, dropout and batch order). ``elmo_gain``: random+elmo
against random; ``elmo_vs_word2vec``: frozen ELMo against the frozen skip-gram.

The ELMo is whatever ``trained_models`` has in its cache for the current recipe (an interim model
while ``elmo_ptb`` trains); the result records its epochs and valid perplexity, and running
``python -m benchmarks tagging`` again after ``elmo_ptb`` has finished scores the final one.
"""

import collections
import re

import numpy as np

from benchmarks.embedding_rows import ROWS, STATIC_KINDS, elmo_gain, gain, model_state, seed_summary
from benchmarks.results_io import MissingData

NAME = "tagging"
DESCRIPTION = "English part-of-speech tagging (OANC, Penn tags): one BiLSTM tagger over random, Word2Vec, NNLM, ELMo and random+ELMo vectors"
EXPECTED_MINUTES = 12  # 10 measured on 2 cores; plus the models' training if no earlier run left them in the cache
CORPUS_OPTION = True
SEEDS = (1, 2, 3)
#: The tagger and its training. ``max_length``: longer sentences are cut into pieces of at most this many tokens.
TAGGER = dict(embedding_dim=100, hidden=64, dropout=0.3, learning_rate=2e-3, batch_size=32, max_length=100)
FULL = dict(TAGGER, train_sentences=5000, valid_sentences=1000, test_sentences=None, epochs=6, seeds=SEEDS)
QUICK = dict(TAGGER, train_sentences=300, valid_sentences=100, test_sentences=200, epochs=2, seeds=SEEDS[:1])
#: Tags of punctuation tokens, dropped (the models' training text has no punctuation).
PUNCTUATION_TAGS = frozenset({",", ".", ":", '"', "``", "''", "(", ")", "#"})
_NUMBER = re.compile(r"[\d.,:/\\-]*\d[\d.,:/\\-]*")


def ptb_form(word):
    """``word`` as the Penn Treebank language-modelling text writes it: lowercase, numbers as ``N``.

    Example:
    >>> [ptb_form(w) for w in ["The", "1,000", "3.5", "1990s", "U.S."]]
    ['the', 'N', 'N', '1990s', 'u.s.']
    """
    return "N" if _NUMBER.fullmatch(word) else word.lower()


def english_sentences(split, limit=None, path=None):
    """The OANC split ``split`` as the tagger reads it: lists of (PTB form, tag), punctuation dropped.

    Raises:
        MissingData: the OANC file is not fetched (the message says how).
    """
    from gensim_elmo.datasets import oanc_pos

    try:
        sentences = oanc_pos(split, limit=limit, path=path)
    except FileNotFoundError as exc:
        raise MissingData(str(exc)) from exc
    kept = [[(ptb_form(w), t) for w, t in s if t not in PUNCTUATION_TAGS] for s in sentences]
    return [s for s in kept if s]


def cap_length(sentences, max_length):
    """``sentences`` with every one longer than ``max_length`` cut into consecutive pieces.

    Example:
    >>> [len(s) for s in cap_length([list("abcdefg"), list("ab")], 3)]
    [3, 3, 1, 2]
    """
    return [s[i : i + max_length] for s in sentences for i in range(0, len(s), max_length)]


class TaggingData:
    """One split's sentences as flat token arrays: ``words`` (list of token lists), ``tags`` (str)
    per token, ``offsets`` (sentence ``i`` is tokens ``offsets[i]:offsets[i + 1]``), and the
    per-token inputs the rows need (``ids[name]``, int32; ``elmo``, float16 (tokens, layers, dim))."""

    def __init__(self, sentences):
        self.words = [[w for w, _ in s] for s in sentences]
        self.tags = np.array([t for s in sentences for _, t in s], dtype=object)
        self.lengths = np.array([len(s) for s in sentences], dtype=np.int64)
        self.offsets = np.concatenate([[0], np.cumsum(self.lengths)])
        self.ids = {}
        self.elmo = None

    @property
    def num_tokens(self):
        return int(self.offsets[-1])

    def set_ids(self, name, lookup):
        """``ids[name]``: ``lookup(word)`` for every token (an int >= 1; 0 is padding)."""
        self.ids[name] = np.array([lookup(w) for s in self.words for w in s], dtype=np.int32)


def padded_width(length):
    """The width a batch whose longest sentence has ``length`` tokens is padded to: a power of two
    from 8 on, so that Keras traces the tagger for a handful of shapes only.

    Example:
    >>> [padded_width(n) for n in (1, 8, 9, 100)]
    [8, 8, 16, 128]
    """
    return max(8, 1 << (length - 1).bit_length())


def _batches(data, id_name, with_elmo, batch_size, targets=None, seed=None):
    """The padded batches of ``data``: ``batches[i]`` is ``(inputs,)`` or, with ``targets``,
    ``(inputs, tags, token_weights)``; inputs ``{"ids"[, "elmo"]}``; ``batches.chunks[i]`` the
    sentences of batch ``i``. With ``seed``, each ``on_epoch_end`` shuffles the sentences, sorts pools
    of 20 batches by length (little padding) and shuffles the batches; without, the sentences go in
    length order. Batches are padded to ``padded_width`` of their longest sentence. (Not a Keras
    ``PyDataset``: ``fit`` fixes the batch shape it sees first, and these vary; the tagger trains
    with ``train_on_batch``.)"""
    return _Batches(data, id_name, with_elmo, batch_size, targets, seed)


class _Batches:
    def __init__(self, data, id_name, with_elmo, batch_size, targets, seed):
        self.data, self.id_name, self.with_elmo = data, id_name, with_elmo
        self.batch_size, self.targets, self.seed = batch_size, targets, seed
        self.epoch = 0
        self._arrange()

    def _arrange(self):
        lengths, size = self.data.lengths, self.batch_size
        if self.seed is None:
            order = np.argsort(lengths, kind="stable")
            self.chunks = [order[i : i + size] for i in range(0, len(order), size)]
            return
        rng = np.random.default_rng([self.seed, self.epoch])
        order = rng.permutation(len(lengths))
        chunks = []
        for start in range(0, len(order), 20 * size):
            part = order[start : start + 20 * size]
            part = part[np.argsort(lengths[part], kind="stable")]
            chunks += [part[i : i + size] for i in range(0, len(part), size)]
        self.chunks = [chunks[i] for i in rng.permutation(len(chunks))]

    def __len__(self):
        return len(self.chunks)

    def __getitem__(self, index):
        data, rows = self.data, self.chunks[index]
        width = padded_width(int(data.lengths[rows].max()))
        ids = np.zeros((len(rows), width), dtype=np.int32)
        elmo = np.zeros((len(rows), width) + data.elmo.shape[1:], np.float32) if self.with_elmo else None
        tags = np.zeros((len(rows), width), dtype=np.int32)
        for k, i in enumerate(rows):
            a, b = data.offsets[i], data.offsets[i + 1]
            ids[k, : b - a] = data.ids[self.id_name][a:b]
            if elmo is not None:
                elmo[k, : b - a] = data.elmo[a:b]
            if self.targets is not None:
                tags[k, : b - a] = self.targets[a:b]
        inputs = {"ids": ids} if elmo is None else {"ids": ids, "elmo": elmo}
        if self.targets is None:
            return (inputs,)
        return inputs, tags, (ids > 0).astype(np.float32)

    def on_epoch_end(self):
        if self.seed is not None:
            self.epoch += 1
            self._arrange()


def build_tagger(row, n_tags, p, vocabulary_size=None, keyed_vectors=None, elmo_shape=None):
    """The tagger of ``row``: token vectors -> dropout -> BiLSTM -> dropout -> softmax over ``n_tags``.

    Args:
        row: one of ``ROWS``.
        n_tags: int.
        p: dict with ``embedding_dim``, ``hidden``, ``dropout``.
        vocabulary_size: int, the trainable embedding's words (``random``, ``random+elmo``).
        keyed_vectors: the frozen vectors (``word2vec``, ``nnlm``).
        elmo_shape: (layers, dim) of ELMo's vectors (``elmo``, ``random+elmo``).

    Returns:
        A ``keras.Model`` with inputs ``ids`` (batch, length), int32, 0 for padding, and for ELMo rows
        ``elmo`` (batch, length, layers, dim); output (batch, length, n_tags) probabilities.

    Example:
    >>> model = build_tagger("random+elmo", 5, dict(embedding_dim=8, hidden=4, dropout=0.0),
    ...                      vocabulary_size=10, elmo_shape=(3, 6))
    >>> model.output_shape
    (None, None, 5)
    """
    import keras

    from keras_layers.keyed_vectors_embedding import KeyedVectorsEmbedding
    from keras_layers.scalar_mix import ScalarMix

    if row not in ROWS:
        raise ValueError(f"unknown row {row!r}; choose from {ROWS}")
    ids = keras.Input((None,), dtype="int32", name="ids")
    inputs, parts = [ids], []
    if row in ("random", "random+elmo"):
        parts.append(keras.layers.Embedding(vocabulary_size + 2, p["embedding_dim"], name="embedding")(ids))
    if row in STATIC_KINDS:
        parts.append(KeyedVectorsEmbedding(keyed_vectors, trainable=False, mask_zero=False, name="frozen")(ids))
    if row in ("elmo", "random+elmo"):
        layers, dim = elmo_shape
        elmo = keras.Input((None, layers, dim), name="elmo")
        inputs.append(elmo)
        parts.append(ScalarMix(layers, name="elmo_mix")(keras.ops.moveaxis(elmo, 2, 0)))
    x = parts[0] if len(parts) == 1 else keras.layers.Concatenate()(parts)
    mask = keras.ops.not_equal(ids, 0)
    x = keras.layers.Dropout(p["dropout"])(x)
    x = keras.layers.Bidirectional(keras.layers.LSTM(p["hidden"], return_sequences=True))(x, mask=mask)
    x = keras.layers.Dropout(p["dropout"])(x)
    return keras.Model(inputs, keras.layers.Dense(n_tags, activation="softmax", name="tags")(x))


def predict_tags(model, data, id_name, with_elmo, tag_names, batch_size=64):
    """The tag ``model`` gives each token of ``data``, as strings, in token order."""
    batches = _batches(data, id_name, with_elmo, batch_size)
    predicted = np.empty(data.num_tokens, dtype=object)
    for index in range(len(batches)):
        (inputs,) = batches[index]
        best = np.argmax(np.asarray(model.predict_on_batch(inputs)), axis=-1)
        for k, i in enumerate(batches.chunks[index]):
            a, b = data.offsets[i], data.offsets[i + 1]
            predicted[a:b] = tag_names[best[k, : b - a]]
    return predicted


def train_and_score(build, splits, id_name, with_elmo, tag_names, p, seed, unseen):
    """Train one tagger (``build()``) with ``seed``, keep its best epoch on valid, score test.

    Returns:
        dict: ``valid`` (best valid accuracy), ``test``, ``test_unseen`` (accuracy on the test
        tokens flagged by ``unseen``), ``best_epoch`` (1-based) and ``valid_curve``.
    """
    import keras

    train, valid, test = splits
    keras.utils.set_random_seed(seed)
    model = build()
    model.compile(optimizer=keras.optimizers.Adam(p["learning_rate"]), loss="sparse_categorical_crossentropy")
    index = {t: k for k, t in enumerate(tag_names)}
    targets = np.array([index[t] for t in train.tags], dtype=np.int32)
    batches = _batches(train, id_name, with_elmo, p["batch_size"], targets=targets, seed=seed)
    curve, best_weights = [], None
    for _ in range(p["epochs"]):
        for index in range(len(batches)):
            model.train_on_batch(*batches[index])
        batches.on_epoch_end()
        curve.append(float(np.mean(predict_tags(model, valid, id_name, with_elmo, tag_names) == valid.tags)))
        if curve[-1] >= max(curve):
            best_weights = model.get_weights()
    model.set_weights(best_weights)
    correct = predict_tags(model, test, id_name, with_elmo, tag_names) == test.tags
    return {"valid": max(curve), "test": float(correct.mean()), "test_unseen": float(correct[unseen].mean()),
            "best_epoch": int(np.argmax(curve)) + 1, "valid_curve": curve}


def elmo_features(elmo, data, chunk=512):
    """ELMo's layers for every token of ``data``: float16 (tokens, layers, dim), computed ``chunk``
    sentences at a time (the float32 vectors of a whole split would not fit in memory)."""
    from tqdm import tqdm

    layers, dim = elmo.network.num_layers + 1, 2 * elmo.projection_dim
    features = np.empty((data.num_tokens, layers, dim), dtype=np.float16)
    with tqdm(total=data.num_tokens, unit=" tokens", desc="ELMo vectors", mininterval=5) as bar:
        for start in range(0, len(data.words), chunk):
            sentences = data.words[start : start + chunk]
            for i, vectors in enumerate(elmo.embed_sentences(sentences, batch_size=64), start):
                features[data.offsets[i] : data.offsets[i + 1]] = np.moveaxis(vectors, 0, 1)
            bar.update(sum(map(len, sentences)))
    return features


def _static_lookup(wv):
    """word -> ``KeyedVectorsEmbedding`` index; unknown words get ``<unk>``'s vector when the model has one."""
    fallback = wv.key_to_index.get("<unk>", -1)
    return lambda w: wv.key_to_index.get(w, fallback) + 2


def evaluate(train, valid, test, models, p, rows=ROWS):
    """Score the tagger with each row's token vectors on one language's splits.

    Args:
        train, valid, test: lists of sentences, each a list of (word, tag) pairs (words as the
            models read them).
        models: callable, kind ("skipgram", "nnlm", "elmo") -> the trained model.
        p: dict, ``TAGGER`` settings plus ``epochs`` and ``seeds``.
        rows: the rows to train. Defaults to ``ROWS``.

    Returns:
        dict: ``accuracy`` and ``unseen_accuracy`` (row -> ``seed_summary``), ``runs`` (row -> the
        per-seed results of ``train_and_score``), ``tokens`` (per split), ``tags``,
        ``unseen_test_tokens``, ``elmo_gain`` and ``elmo_vs_word2vec`` (``embedding_rows.gain``,
        where both rows ran).
    """
    splits = [TaggingData(cap_length(s, p["max_length"])) for s in (train, valid, test)]
    train_data = splits[0]
    tag_names = np.array(sorted(set(train_data.tags)), dtype=object)
    counts = collections.Counter(w for s in train_data.words for w in s)
    seen = {w: k for k, w in enumerate(sorted(w for w, c in counts.items() if c >= 2))}
    unseen = np.array([w not in counts for s in splits[2].words for w in s])
    for data in splits:
        data.set_ids("random", lambda w: seen.get(w, -1) + 2)
    accuracy, unseen_accuracy, runs = {}, {}, {}
    for row in rows:
        id_name = "random"
        if row in STATIC_KINDS:
            wv = models(STATIC_KINDS[row]).wv
            for data in splits:
                data.set_ids(row, _static_lookup(wv))
            id_name = row
        uses_elmo = row in ("elmo", "random+elmo")
        if uses_elmo and splits[0].elmo is None:  # computed once, for both ELMo rows
            elmo = models("elmo")
            for data in splits:
                data.elmo = elmo_features(elmo, data)

        def build():
            return build_tagger(row, len(tag_names), p, vocabulary_size=len(seen),
                                keyed_vectors=wv if row in STATIC_KINDS else None,
                                elmo_shape=splits[0].elmo.shape[1:] if uses_elmo else None)

        runs[row] = []
        for seed in p["seeds"]:
            runs[row].append(train_and_score(build, splits, id_name, uses_elmo, tag_names, p, seed, unseen))
            r = runs[row][-1]
            print(f"  {row:>11} seed {seed}: valid {' '.join(f'{v:.3f}' for v in r['valid_curve'])} -> test "
                  f"{r['test']:.4f} (unseen words {r['test_unseen']:.3f})", flush=True)
        accuracy[row] = seed_summary([r["test"] for r in runs[row]])
        unseen_accuracy[row] = seed_summary([r["test_unseen"] for r in runs[row]])
    result = {"accuracy": accuracy, "unseen_accuracy": unseen_accuracy, "runs": runs,
              "tokens": {name: d.num_tokens for name, d in zip(("train", "valid", "test"), splits)},
              "sentences": {name: len(d.words) for name, d in zip(("train", "valid", "test"), splits)},
              "tags": len(tag_names), "unseen_test_tokens": int(unseen.sum()),
              "tagger_vocabulary": len(seen)}
    if {"random", "random+elmo"} <= set(accuracy):
        result["elmo_gain"] = elmo_gain(accuracy)
    if {"elmo", "word2vec"} <= set(accuracy):
        result["elmo_vs_word2vec"] = gain(accuracy, "elmo", "word2vec")
    return result


def run(quick=False, corpus=None, data=None, rows=ROWS, models=None):
    """Tag the OANC sample with every row; returns (figures, settings).

    Args:
        quick: bool, a few hundred sentences, 2 epochs, 1 seed, tiny models. Defaults to False.
        corpus: str or None, train the compared models on this file instead of PTB train.
        data: str or None, the OANC file (default: see ``gensim_elmo.datasets.oanc_pos_path``).
        rows: the rows to train. Defaults to ``ROWS``.
        models: callable or None, kind ("skipgram", "nnlm", "elmo") -> a trained model, instead of
            ``trained_models``' (tests pass tiny ones). Defaults to None.
    """
    from benchmarks.trained_models import corpus_name, settings_for, trained_model

    p = QUICK if quick else FULL
    train = english_sentences("train", p["train_sentences"], data)
    valid = english_sentences("valid", p["valid_sentences"], data)
    test = english_sentences("test", p["test_sentences"], data)
    print(f"OANC: {len(train)} train, {len(valid)} valid, {len(test)} test sentences")

    given = models
    if models is None:
        def models(kind):
            return trained_model(kind, quick=quick, corpus_file=corpus)

    figures = {"english": evaluate(train, valid, test, models, p, rows)}
    figures["english"]["models"] = {kind: model_state(models(kind)) for kind in model_kinds(rows)}
    settings = dict(p, data="OANC part-of-speech sample (gensim_elmo.datasets.oanc_pos), split by position",
                    words="PTB forms (lowercase, numbers as N), punctuation tokens dropped",
                    embeddings_trained_on=corpus_name(corpus, quick) if given is None else "the models passed in",
                    rows=list(rows),
                    models={k: settings_for(k, quick) for k in model_kinds(rows)})
    return figures, settings


def model_kinds(rows):
    """The trained models ``rows`` use."""
    kinds = [STATIC_KINDS[r] for r in rows if r in STATIC_KINDS]
    return kinds + (["elmo"] if any("elmo" in r for r in rows) else [])
