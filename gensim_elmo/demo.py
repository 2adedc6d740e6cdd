"""The ``gensim-elmo demo``: train every model on the bundled Penn Treebank and show what it learnt.

Run it with ``gensim-elmo demo`` (``--quick`` trains small models on slices in a minute or two).
The ELMo part trains the ``compact`` preset with LSTMs of 300 (``DEMO_ELMO``) for one epoch on the
whole Penn Treebank (about 8 minutes on a 2-core CPU). Each section trains with a progress bar and
prints what a newcomer wants to see: nearest neighbours, similarity and analogy scores,
perplexity, and for ELMo words with two senses: the similarity of two uses in the same sense next
to uses in different senses, per layer, beside Word2Vec's one vector, and a word's nearest uses in
the training corpus.

``gensim-elmo demo --lang zh`` does the same in Chinese, on People's Daily (January 1998, segmented
by hand; ``gensim_elmo.datasets.peoples_daily``), starting from 苹果 in 我吃了一个苹果 ("I ate an
apple") and 我在用苹果手机 ("I am using an Apple phone"), then words whose two senses the
corpus's part-of-speech tags tell apart (花 "spend" / "flower", 会 "can" / "meeting"...).
"""

import logging
import time

from gensim_elmo.datasets import peoples_daily, ptb
from gensim_elmo.evaluation import evaluate, format_scores

logger = logging.getLogger(__name__)

#: Words whose neighbours the demo prints (all in the PTB vocabulary).
PROBE_WORDS = ("monday", "president", "stock", "bank", "good")
#: The languages of the demo: ``en`` (Penn Treebank) and ``zh`` (People's Daily, ``ZH``).
LANGUAGES = ("en", "zh")


def _neighbours(keyed_vectors, words, topn=5):
    lines = []
    for word in words:
        if word in keyed_vectors.key_to_index:
            near = ", ".join(f"{w} {s:.2f}" for w, s in keyed_vectors.most_similar(word, topn=topn))
            lines.append(f"  {word:>10}: {near}")
    return "\n".join(lines)


def word2vec_section(train, quick, out, lang="en"):
    """Train CBOW and skip-gram on ``train``; print neighbours (and, in English, intrinsic scores)."""
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
        out(_neighbours(model.wv, ZH["probe_words"] if lang == "zh" else PROBE_WORDS))
        if lang == "en":
            out(format_scores(evaluate(model.wv)))
        models[name] = model
    return models


def nnlm_section(train, quick, out, lang="en"):
    """Train an NNLM on ``train``; print valid perplexity, next-word predictions and neighbours."""
    from gensim_elmo.nnlm import NNLM

    if lang == "zh":
        valid = list(peoples_daily("valid", limit=100 if quick else ZH["valid_paragraphs"]))
        settings = dict(min_count=ZH["min_count"], epochs=1)
        contexts, probes, corpus = ZH["next_word_contexts"], ZH["probe_words"], "People's Daily"
    else:
        valid = list(ptb("valid", limit=300 if quick else None))
        settings = dict(epochs=1 if quick else 2)
        contexts = (["the", "company", "said"], ["mr."], ["the", "stock", "market"])
        probes, corpus = PROBE_WORDS, "PTB"
    start = time.perf_counter()
    model = NNLM(train, vector_size=64 if quick else 128, window=4 if quick else 5, hidden_size=128 if quick else 256,
                 batch_size=512, learning_rate=2e-3, num_sampled=1024, seed=1, **settings)
    elapsed = time.perf_counter() - start
    perplexity = model.perplexity(valid)
    anchor = " (Kneser-Ney 5-gram on the test set: 141.2)" if lang == "en" else ""
    out(f"\n== NNLM (Bengio 2003): {len(model.vocabulary)} words, {_epochs(model.epochs_trained)} in {elapsed:.0f}s; "
        f"{corpus} valid perplexity {perplexity:.1f}{anchor}")
    for context in contexts:
        guesses = ", ".join(f"{w} {p:.2f}" for w, p in model.predict_next(context, topn=5))
        out(f"  after {' '.join(context)!r}: {guesses}")
    out("Nearest neighbours of its word vectors:")
    out(_neighbours(model.wv, probes))
    return model


def _epochs(count):
    return f"{count} epoch{'' if count == 1 else 's'}"


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
#: The demo's ELMo: the ``compact`` preset (LSTMs of 300, Kim et al. 2016's small model's size),
#: which trains a Penn Treebank epoch in about 8 minutes on 2 cores.
DEMO_ELMO = dict(preset="compact", epochs=1, batch_size=32, optimizer="adam", learning_rate=2e-3, num_sampled=1024,
                 dropout=0.1, seed=1)
QUICK_DEMO_ELMO = dict(preset="tiny", epochs=1, batch_size=32, optimizer="adam", learning_rate=2e-3,
                       num_sampled=512, seed=1)

#: The Chinese demo (``--lang zh``): People's Daily train (909,807 words in 15,587 paragraphs,
#: segmented by hand), its words, and sentences written in its segmentation (every token is a word
#: of its train split). ``founding`` is the pair the demo opens with: 苹果 as the fruit and as the
#: brand (the corpus, January 1998, has 苹果 11 times, all fruit, and never as a brand).
ZH = {
    "probe_words": ("苹果", "经济", "北京", "花", "会"),
    "min_count": 3,
    # The sections run by default (the NNLM's with --sections), and what ELMo trains on: 2 epochs of
    # the first 12,000 train paragraphs (700,000 words), about 10 minutes on two cores, which keeps the
    # whole demo within 15. One epoch of 10,000 paragraphs (4 minutes, valid perplexity 666) left the
    # senses of most demo words within 0.05 of each other.
    "sections": ("word2vec", "elmo"),
    "elmo_paragraphs": 12000,
    "elmo_epochs": 2,
    # One id per Unicode character: on People's Daily, at equal compute, valid perplexity 345.8 against
    # 384.4 for the original UTF-8 bytes, at the same speed (benchmarks/chinese_characters.py).
    "characters": "unicode",
    "valid_paragraphs": 300,
    "next_word_contexts": (["中国", "共产党"], ["我们", "一定", "要"], ["经济", "持续"]),
    "founding": ("苹果", ["我", "吃", "了", "一个", "苹果"], ["我", "在", "用", "苹果", "手机"]),
    "senses": (
        ("苹果", "the fruit", [["我", "吃", "了", "一个", "苹果"], ["她", "买", "了", "两", "斤", "苹果"]],
         "the brand", [["我", "在", "用", "苹果", "手机"]]),
        ("花", "spend", [["他", "花", "了", "三", "年", "时间", "写", "这", "本", "书"],
                         ["每", "月", "要", "花", "很多", "钱"]],
         "flower", [["公园", "里", "的", "花", "开", "了"]]),
        ("会", "can, will", [["他", "明天", "会", "来"], ["我们", "一定", "会", "成功"]],
         "meeting", [["他", "刚刚", "开", "完", "会"]]),
        ("东西", "thing", [["他", "买", "了", "很多", "东西"], ["这", "是", "什么", "东西"]],
         "east and west", [["这", "条", "大街", "贯穿", "东西"]]),
        ("米", "metre", [["这", "座", "塔", "高", "５０", "米"], ["河", "宽", "２００", "米"]],
         "rice", [["她", "买", "了", "两", "斤", "米"]]),
        ("种", "kind", [["这", "种", "产品", "很", "好"], ["他们", "有", "三", "种", "办法"]],
         "plant", [["农民", "在", "田里", "种", "小麦"]]),
        ("长", "long", [["这", "条", "路", "很", "长"], ["冬天", "的", "夜", "很", "长"]],
         "grow", [["孩子", "们", "要", "长", "身体"]]),
        ("还", "still", [["他", "还", "在", "工作"], ["问题", "还", "没有", "解决"]],
         "give back", [["农民", "按时", "还", "了", "贷款"]]),
        ("点", "o'clock", [["晚上", "八", "点", "开会"], ["会议", "上午", "九", "点", "开始"]],
         "light", [["他", "点", "起", "火把"]]),
    ),
    "nearest_use_queries": (
        ("花", ["他", "花", "了", "三", "年", "时间", "写", "这", "本", "书"]),
        ("花", ["公园", "里", "的", "花", "开", "了"]),
        ("种", ["农民", "在", "田里", "种", "小麦"]),
    ),
}


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


def _snippet(sentence, word, width=6, joiner=" "):
    at = sentence.index(word)
    left = sentence[max(0, at - width):at]
    right = sentence[at + 1:at + 1 + width]
    marked = word.upper() if joiner else f"[{word}]"
    return joiner.join((["..."] if at > width else []) + left + [marked] + right +
                       (["..."] if at + 1 + width < len(sentence) else []))


def _sense_rows(model, senses, out, word2vec=None):
    for word, sense_a, uses_a, sense_b, uses_b in senses:
        rows = sense_similarities(model, word, uses_a, uses_b)
        out(f"  {word!r} ({sense_a} / {sense_b}):")
        out(f"      e.g. {' '.join(uses_a[0])!r} / {' '.join(uses_b[0])!r}")
        cells = "   ".join(f"layer {k}: same {same:.2f}, different {different:.2f}"
                           for k, (same, different) in enumerate(rows))
        static = " | Word2Vec: 1.00" if word2vec is not None and word in word2vec.wv.key_to_index else ""
        out(f"      {cells}{static}")


def _founding_pair(model, train, out, word2vec=None):
    """The Chinese demo's opening: 苹果 as the fruit and as the brand, per layer, and what the
    model could have learnt of it."""
    word, fruit, brand = ZH["founding"]
    uses = sum(sentence.count(word) for sentence in train)
    first, second = (v[:, s.index(word)] for s, v in zip((fruit, brand), model.embed_sentences([fruit, brand])))
    cells = "   ".join(f"layer {k}: {_cosine(first[k], second[k]):.2f}" for k in range(first.shape[0]))
    static = " | Word2Vec: 1.00" if word2vec is not None and word in word2vec.wv.key_to_index else ""
    out(f"The founding pair: {word} in {''.join(fruit)!r} (I ate an apple) and {''.join(brand)!r} (I am using an "
        f"Apple phone), cosine of its two vectors:")
    out(f"      {cells}{static}")
    out(f"  The training text has {word} {uses} time{'' if uses == 1 else 's'}; People's Daily of January 1998 predates Apple's phones, so "
        "the model has never read the brand: what moves the vector is the sentence (a noun before 手机, after 用).")


def elmo_section(train, quick, out, word2vec=None, lang="en", elmo_model=None):
    """Train ELMo on ``train``; print valid perplexity, and for words with two senses the similarity
    of uses in the same sense next to uses in different senses, per layer, and the nearest uses of a
    word in the training corpus. In Chinese (``lang="zh"``) it opens with the founding pair (苹果
    as the fruit and as the brand) and says what the model is. With ``elmo_model`` (the directory
    of an ``ELMo.save``, e.g. the model a benchmark trained for hours) it loads that model instead of
    training one and shows the same with it."""
    from gensim_elmo.elmo import ELMo

    settings = QUICK_DEMO_ELMO if quick else DEMO_ELMO
    if lang == "zh":
        settings = dict(settings, min_count=ZH["min_count"], characters=ZH["characters"],
                        **({} if quick else {"epochs": ZH["elmo_epochs"]}))
        valid = list(peoples_daily("valid", limit=100 if quick else ZH["valid_paragraphs"]))
        corpus, units = "People's Daily", "paragraphs"
        senses, queries = ZH["senses"], ZH["nearest_use_queries"]
    else:
        valid = list(ptb("valid", limit=200 if quick else 1000))
        corpus, units, senses, queries = "PTB", "sentences", SENSES, NEAREST_USE_QUERIES
    if elmo_model is not None:
        model = ELMo.load(elmo_model, progress=False)
        lstm = model.options["lstm"]
        scored = "no softmax: the model cannot score text"
        if model.vocabulary is not None and model.language_model is not None:
            scores = model.perplexity(valid)
            scored = (f"{corpus} valid perplexity forward {scores['forward']:.1f}, backward {scores['backward']:.1f}, "
                      f"average {scores['average']:.1f}")
        out(f"\n== ELMo loaded from {elmo_model} (LSTMs of {lstm['dim']}, {model.projection_dim * 2}-d vectors, "
            f"trained for {_epochs(model.epochs_trained)}); {scored}")
        if lang == "zh":
            _founding_pair(model, train, out, word2vec)
        return _senses_and_nearest_uses(model, train, out, word2vec, senses, queries, lang)
    start = time.perf_counter()
    model = ELMo(train, **settings)
    elapsed = time.perf_counter() - start
    scores = model.perplexity(valid)
    stats = model.corpus_stats
    out(f"\n== ELMo ({settings['preset']} preset, {model.projection_dim * 2}-d vectors): "
        f"{_epochs(model.epochs_trained)} on {stats['sentences']:,} {corpus} {units} ({stats['tokens']:,} words) in "
        f"{elapsed:.0f}s; {corpus} valid "
        f"perplexity forward {scores['forward']:.1f}, backward {scores['backward']:.1f}, average {scores['average']:.1f}")
    if lang == "zh":
        lstm = model.options["lstm"]
        out(f"What this model is: the {settings['preset']} preset with LSTMs of {lstm['dim']}, reading "
            f"{'one id per character' if settings['characters'] == 'unicode' else 'UTF-8 bytes'}, "
            f"{model.language_model.count_params() / 1e6:.1f}M parameters, trained for {_epochs(model.epochs_trained)} "
            f"({elapsed / 60:.1f} minutes here) on {stats['tokens']:,} words of newspaper text from January 1998; the "
            "published English ELMo read about a billion words for ten epochs. A small, briefly trained model: "
            "its differences are real but rough.")
        _founding_pair(model, train, out, word2vec)
    return _senses_and_nearest_uses(model, train, out, word2vec, senses, queries, lang)


def _senses_and_nearest_uses(model, train, out, word2vec, senses, queries, lang):
    """The demo's rows of same-sense against different-sense similarity, then the nearest uses."""
    out("Same word, two senses: cosine of two uses in the SAME sense vs uses in DIFFERENT senses, per layer.\n"
        "Layer 0 reads only the word's characters (like a static vector); layers 1 and 2 read the sentence.\n"
        "Word2Vec gives a word one vector whatever the sentence: its cosine is always 1.00.")
    _sense_rows(model, senses, out, word2vec)
    out("Nearest uses in the training corpus by the top layer's vector (as in the ELMo paper's Table 4):")
    for word, query in queries:
        out(f"  {(''.join(query) if lang == 'zh' else ' '.join(query))!r}:")
        for similarity, sentence in nearest_uses(model, word, query, train):
            out(f"      {similarity:.2f}  {_snippet(sentence, word, joiner='' if lang == 'zh' else ' ')}")
    return model


SECTIONS = {"word2vec": word2vec_section, "nnlm": nnlm_section, "elmo": elmo_section}


def run_demo(quick=False, sections=None, out=print, lang="en", elmo_model=None):
    """Run the demo sections in order and return what they trained.

    Args:
        quick: bool, train on a slice (3,000 PTB sentences, 1,500 People's Daily paragraphs) for
            fewer epochs. Defaults to False.
        sections: list of section names (default: all of ``SECTIONS``; in Chinese ``ZH["sections"]``).
        out: a print-like function. Defaults to ``print``.
        lang: "en" (the Penn Treebank) or "zh" (People's Daily, ``ZH``). Defaults to "en".
        elmo_model: str or None, the directory of a saved ``ELMo`` (``ELMo.save``) that the ELMo
            section loads instead of training one. Defaults to None.

    Returns:
        dict: section name -> what it returned.

    Example:
    >>> results = run_demo(quick=True, sections=["word2vec"], out=lambda *a: None)  # a few seconds
    >>> sorted(results["word2vec"])
    ['CBOW', 'skip-gram']
    """
    if lang not in LANGUAGES:
        raise ValueError(f"unknown demo language {lang!r}; choose from {list(LANGUAGES)}.")
    for name in sections or ():
        if name not in SECTIONS:
            raise ValueError(f"unknown demo section {name!r}; choose from {list(SECTIONS)}.")
    if elmo_model is not None and sections and "elmo" not in sections:
        raise ValueError(f"elmo_model is for the ELMo section, which sections={list(sections)} leaves out: "
                         "add 'elmo' to the sections.")
    # Embedding sentences of many lengths retraces TensorFlow's predict step; its warnings say nothing here.
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    if lang == "zh":
        train = peoples_daily("train", limit=1500 if quick else None)
        elmo_train = train if quick else peoples_daily("train", limit=ZH["elmo_paragraphs"])
        out(f"gensim-elmo demo: People's Daily train (January 1998, segmented by hand; "
            f"{'a 1,500-paragraph slice' if quick else '909,807 words, ELMo the first 12,000 paragraphs'}); "
            f"expect {'a minute or two' if quick else 'about 11 minutes'} on a 2-core CPU")
        sections = sections or ZH["sections"]
    else:
        train = elmo_train = ptb("train", limit=3000 if quick else None)
        out(f"gensim-elmo demo: Penn Treebank train ({'3,000-sentence slice' if quick else '887,521 words'}); "
            f"expect {'a minute or two' if quick else 'about 12 minutes'} on a 2-core CPU")
    results = {}
    for name in sections or list(SECTIONS):
        if name == "elmo":
            word2vec = results.get("word2vec", {}).get("CBOW")
            results[name] = elmo_section(elmo_train, quick, out, word2vec=word2vec, lang=lang, elmo_model=elmo_model)
        else:
            results[name] = SECTIONS[name](train, quick, out, lang=lang)
    return results
