"""Chinese polysemy: does a word's vector tell its senses apart? A WiC-style test from People's Daily.

People's Daily is part-of-speech tagged by hand (PKU tags), and some words carry two tags of
different classes that are two senses: 花 is "spend" as a verb (v) and "flower" as a noun (n),
只 "only" as an adverb (d) and the classifier for animals (q), 中 "in, during" as a locality
word (f) and "China" as an abbreviation (j). ``SENSE_WORDS`` lists such words, found in the
corpus (two frequent tags in different classes) and checked by eye; ``NOT_TWO_SENSES`` lists
candidates left out because their two tags are two analyses of one sense (要求 n/v "demand",
与 c/p "and, with"...).

A pair is one word in two sentences, labelled "same sense" when both uses carry the same of the
word's two tags and "different" when they carry different ones. Every word gives as many
same-sense as different-sense pairs (at most ``PAIRS_PER_LABEL`` of each, drawn with a seed), so
the labels are balanced within every word, and the words are split between dev and test (every
third word by number of uses goes to dev), so no word is in both. The sentences come from the
corpus's valid and test splits, which no model trains on: the test split alone holds too few uses
of the rarer senses (花 "flower" 9 times, 米 "rice" 4). A model scores a pair by the cosine of
the word's two vectors; the threshold with the best dev accuracy is applied to test
(``benchmarks.polysemy.best_threshold``).

Chinese words do not inflect, so both uses of a pair always have the identical form: Word2Vec and
the NNLM, which give a word one vector, and ELMo's layer 0 (the word's characters) score exactly
0.5 by construction; ELMo's layers 1 and 2, and their mix (the mean of the layers), read the
sentence. Each of these is also scored **centred** (``elmo_layer_1_centred``...): the word's
vectors minus its mean vector over its uses in the training corpus (at most ``CENTRE_USES``
sentences of train; no labels), since all uses of a word share a large common part that the
cosine otherwise compares (Ethayarajh 2019, "How contextual are contextualized word
representations?"; Mu and Viswanath 2018, "All-but-the-top"). The best ELMo row is chosen on dev;
for it the results also give a ceiling: the test accuracy with a threshold per word chosen on the
test pairs themselves, which no calibration of its similarities can beat.
The models are ``benchmarks.chinese_models``' (People's Daily train, one vocabulary); the results
also list the static models' nearest neighbours of a few words (``NEIGHBOUR_WORDS``).
"""

import collections
import random

import numpy as np

from benchmarks import chinese_models
from benchmarks.polysemy import CENTRE_USES, QUICK_CENTRE_USES, _cosines, _elmo_vectors, best_threshold, centred, word_means
from benchmarks.wordnet_pairs import Context, Pair

NAME = "chinese_polysemy"
DESCRIPTION = ("Chinese WiC-style same-sense / different-sense accuracy from People's Daily's POS contrasts: "
               "ELMo layers vs static vectors")
EXPECTED_MINUTES = 10  # plus the models' training if chinese_lm has not trained them (about 110 minutes)
ANCHORS = {"random": 0.5}
#: Words whose two PKU tags are two senses: word -> (tag, sense, other tag, other sense).
SENSE_WORDS = {
    "为": ("p", "for, on behalf of", "v", "be, act as"),
    "上": ("f", "on, above, in", "v", "go up, go to, attend"),
    "将": ("d", "will, shall", "p", "object marker (like 把)"),
    "来": ("v", "come", "f", "since, over the past (三年来)"),
    "张": ("q", "classifier for flat things", "nr", "surname Zhang"),
    "过": ("u", "aspect particle (have done)", "v", "cross, pass, spend (a festival)"),
    "家": ("q", "classifier for firms, households", "n", "home, family"),
    "下": ("f", "under, below", "v", "go down, fall, issue"),
    "地": ("u", "adverbial particle (-ly)", "n", "land, ground"),
    "得": ("u", "complement particle", "v", "get, obtain"),
    "一": ("m", "one", "d", "once, as soon as (一…就)"),
    "就": ("d", "then, just", "p", "concerning, on (a matter)"),
    "中": ("f", "in, among, during", "j", "China (abbreviation)"),
    "当": ("p", "when, at the time", "v", "serve as, should"),
    "起": ("v", "rise, start, play (a role)", "q", "classifier for cases, incidents"),
    "分": ("q", "minute, point, cent", "v", "divide, share out"),
    "通过": ("p", "through, by means of", "v", "pass, adopt (a resolution)"),
    "只": ("d", "only", "q", "classifier for animals"),
    "一定": ("d", "surely, must", "b", "certain, some (一定的)"),
    "过去": ("t", "the past, formerly", "v", "pass, go over"),
    "总": ("b", "general, overall, chief", "d", "always, after all"),
    "首": ("m", "first", "q", "classifier for songs, poems"),
    "天": ("q", "day", "n", "sky, heaven, weather"),
    "对": ("p", "toward, regarding", "q", "pair, couple"),
    "里": ("f", "inside, in", "q", "li (half a kilometre)"),
    "站": ("v", "stand", "n", "station"),
    "所": ("u", "particle (所 + verb)", "q", "classifier for schools"),
    "尚": ("d", "still, yet", "nr", "surname Shang"),
    "台": ("q", "classifier for shows, machines", "j", "Taiwan (abbreviation)"),
    "种": ("q", "kind, sort", "v", "plant, grow"),
    "万": ("m", "ten thousand", "nr", "given name Wan (万里)"),
    "口": ("n", "mouth, opening, estuary", "q", "classifier for people, wells"),
    "副": ("b", "deputy, vice-", "q", "classifier for pairs, sets"),
    "高": ("a", "high, tall", "nr", "surname Gao"),
    "报": ("n", "newspaper", "v", "report"),
    "道": ("q", "classifier for barriers, lines", "v", "say"),
    "花": ("n", "flower", "v", "spend"),
    "该": ("r", "this, the said", "v", "should, ought to"),
    "美": ("j", "USA (abbreviation)", "a", "beautiful"),
    "祝": ("v", "wish, congratulate", "nr", "surname Zhu"),
    "点": ("q", "o'clock, a little, point", "v", "light, order, nod"),
    "处": ("n", "office, department, place", "v", "punish, handle, be in"),
    "于": ("p", "at, in, from", "nr", "surname Yu"),
    "金": ("nr", "surname Jin", "b", "gold"),
    "部": ("q", "classifier for films, books", "n", "ministry, department"),
    "连": ("u", "even (连…都)", "n", "company (army unit)"),
    "米": ("q", "metre", "n", "rice"),
    "树": ("n", "tree", "v", "set up, establish"),
    "把": ("p", "object marker (把)", "q", "handful, classifier for handled things"),
    "周": ("nr", "surname Zhou", "q", "week"),
    "加": ("v", "add", "j", "Canada (abbreviation)"),
    "余": ("m", "more than (十余)", "nr", "surname Yu"),
    "法": ("j", "France (abbreviation)", "n", "law"),
    "可": ("v", "can, may", "c", "but"),
    "自": ("p", "from, since", "r", "self"),
    "等": ("u", "and so on, etc.", "v", "wait"),
    "架": ("q", "classifier for aircraft", "v", "put up, build (a bridge)"),
    "本": ("r", "this, one's own", "q", "classifier for books"),
    "曾": ("d", "once, formerly", "nr", "surname Zeng"),
    "日": ("j", "Japan (abbreviation)", "q", "day"),
    "平": ("v", "level, tie (a score)", "nr", "given name Ping"),
    "长": ("a", "long", "v", "grow"),
    "越": ("d", "the more (越…越)", "j", "Vietnam (abbreviation)"),
    "学会": ("n", "society, association", "v", "learn, master"),
    "夏": ("Tg", "summer", "nr", "surname Xia"),
    "门": ("n", "door, gate", "q", "classifier for courses, subjects"),
    "白": ("a", "white", "nr", "surname Bai"),
    "数": ("m", "several", "v", "count"),
    "戴": ("v", "wear", "nr", "surname Dai"),
    "成": ("v", "become, into", "q", "tenth, ten percent"),
    "华": ("nr", "given name Hua", "j", "China (abbreviation)"),
    "还": ("d", "still, also", "v", "return, give back"),
    "笔": ("q", "classifier for sums of money", "n", "pen, brush"),
    "东西": ("n", "thing", "f", "east and west"),
    "行": ("a", "all right, will do", "v", "go, travel, carry out"),
    "常": ("d", "often", "nr", "surname Chang"),
    "任": ("v", "serve as, appoint", "nr", "surname Ren"),
    "义务": ("n", "duty", "d", "voluntarily, unpaid"),
    "韩": ("nr", "surname Han", "j", "South Korea (abbreviation)"),
}
#: Candidates with two frequent tags of different classes left out: one sense, two analyses.
NOT_TWO_SENSES = {
    "要求": "n/v: a demand, to demand", "代表": "n/v: a representative, to represent",
    "组织": "n/v: an organisation, to organise", "领导": "n/v: a leader, to lead",
    "与": "c/p: and, with", "和": "c/p: and, with", "到": "v/p: arrive, to (a place or time)",
    "用": "v/p: use, by means of", "给": "p/v: for, give", "在": "p/v/d: at, be at, -ing",
    "了": "u/y: aspect and sentence-final particle", "多": "m/a: over (十多), many",
    "年": "q/n: year", "大": "a/d: big, greatly", "同时": "n/c/d: at the same time",
    "没有": "v/d: not have, did not", "以": "p/c: with, so as to", "又": "d/c: again, and also",
    "主要": "b/d: main, mainly", "特别": "a/d: special, especially", "部分": "n/m: part, some",
    "关系": "n/v: relation, concern", "可能": "v/n: may, possibility", "作为": "p/v: as, act as",
    "高度": "d/n: highly, height (the tags split one figurative sense)",
}
#: Pairs of each label per word, at most.
PAIRS_PER_LABEL = 20
#: Uses of each of a word's two senses needed to take the word (in distinct sentences).
MIN_USES = 4
QUICK_MIN_USES = 2
#: Held-out splits the sentences come from (no model trains on them).
SPLITS = ("valid", "test")
#: Words whose nearest neighbours the results list (Word2Vec and the NNLM).
NEIGHBOUR_WORDS = ("苹果", "经济", "北京", "花", "会", "中", "美")
SEED = 1


def collect_uses(words=SENSE_WORDS, quick=False):
    """word -> tag -> list of ``Context`` (the word's uses with each of its two tags in the
    held-out sentences; a sentence that appears twice counts once)."""
    uses = {word: {tag: [] for tag in (a, b)} for word, (a, _, b, _) in words.items()}
    seen = set()
    for split in SPLITS:
        for sentence in chinese_models.sentences(split, quick=quick, tagged=True):
            tokens = tuple(word for word, _ in sentence)
            for index, (word, tag) in enumerate(sentence):
                if word in uses and tag in uses[word] and (tokens, index) not in seen:
                    seen.add((tokens, index))
                    a, sense_a, b, sense_b = words[word]
                    gloss = sense_a if tag == a else sense_b
                    uses[word][tag].append(Context(word, tag, f"{word}.{tag}", gloss, tokens, index))
    return uses


def word_pairs(word, uses, per_label=PAIRS_PER_LABEL, seed=SEED):
    """Balanced pairs of one word: ``k`` different-sense pairs (one use of each tag) and ``k``
    same-sense pairs (half of them, where there are enough, from the rarer sense), ``k`` as large
    as both allow up to ``per_label``; two uses in one sentence never pair.

    Example:
    >>> def c(tag, n): return Context("花", tag, tag, tag, ("x", str(n), "花"), 2)
    >>> uses = {"v": [c("v", i) for i in range(3)], "n": [c("n", i + 10) for i in range(2)]}
    >>> pairs = word_pairs("花", uses, per_label=2)
    >>> [p.same_sense for p in pairs].count(True), [p.same_sense for p in pairs].count(False)
    (2, 2)
    """
    rng = random.Random(f"{seed}-{word}")
    (tag_a, first), (tag_b, second) = uses.items()
    rarer, commoner = (first, second) if len(first) <= len(second) else (second, first)

    def distinct(pairs):
        return [(x, y) for x, y in pairs if x.tokens != y.tokens]

    different = distinct([(x, y) for x in first for y in second])
    same_rare = distinct([(rarer[i], rarer[j]) for i in range(len(rarer)) for j in range(i + 1, len(rarer))])
    same_common = distinct([(commoner[i], commoner[j]) for i in range(len(commoner))
                            for j in range(i + 1, len(commoner))])
    for candidates in (different, same_rare, same_common):
        rng.shuffle(candidates)
    k = min(per_label, len(different), len(same_rare) + len(same_common))
    from_rare = min(k // 2, len(same_rare))
    same = same_rare[:from_rare] + same_common[:k - from_rare]
    pairs = [Pair(x, y, True) for x, y in same] + [Pair(x, y, False) for x, y in different[:k]]
    rng.shuffle(pairs)
    return pairs


def build_pairs(quick=False, words=SENSE_WORDS):
    """The dev and test pairs, and a table of the words: a dict per word with its tags, senses,
    uses of each, pairs and split. Words are ranked by uses; every third (rank 1, 4, 7...) is dev."""
    uses = collect_uses(words, quick)
    min_uses = QUICK_MIN_USES if quick else MIN_USES
    usable = [w for w in words if all(len(u) >= min_uses for u in uses[w].values())]
    ranked = sorted(usable, key=lambda w: (-sum(len(u) for u in uses[w].values()), w))
    dev, test, table = [], [], {}
    for rank, word in enumerate(ranked):
        pairs = word_pairs(word, uses[word])
        if not pairs:
            continue
        split = "dev" if rank % 3 == 1 else "test"
        (dev if split == "dev" else test).extend(pairs)
        a, sense_a, b, sense_b = words[word]
        table[word] = {"split": split, "tags": [a, b], "senses": [sense_a, sense_b],
                       "uses": [len(uses[word][a]), len(uses[word][b])], "pairs": len(pairs)}
    left_out = {w: [len(u) for u in uses[w].values()] for w in words if w not in usable}
    return dev, test, table, left_out


def _static_similarities(wv, pairs):
    """Cosines of the word's one vector with itself (zeros for a word out of the vocabulary)."""
    def vectors(contexts):
        out = np.zeros((len(contexts), wv.vector_size), dtype=np.float32)
        for i, c in enumerate(contexts):
            if c.lemma in wv.key_to_index:
                out[i] = wv[c.lemma]
        return out

    return _cosines(vectors([p.first for p in pairs]), vectors([p.second for p in pairs]))


def _score(name, sims, labels):
    threshold, dev_accuracy = best_threshold(sims["dev"], labels["dev"])
    correct = (sims["test"] >= threshold) == labels["test"]
    print(f"{name:>16}: dev {dev_accuracy:.3f}, test {correct.mean():.3f} (threshold {threshold:.3f})")
    return {"dev_accuracy": dev_accuracy, "test_accuracy": float(correct.mean()), "threshold": threshold}, correct


def per_word_threshold_ceiling(similarities, labels, words):
    """Accuracy with a threshold chosen per word on these very pairs: an oracle no calibration of
    ``similarities`` can beat (one threshold for all words, chosen anywhere, scores at most this).

    Example:
    >>> sims, labels = np.array([0.9, 0.1, 0.5, 0.3]), np.array([True, False, True, False])
    >>> per_word_threshold_ceiling(sims, labels, ["a", "a", "b", "b"])
    1.0
    """
    by_word = collections.defaultdict(list)
    for index, word in enumerate(words):
        by_word[word].append(index)
    right = sum(best_threshold(similarities[rows], labels[rows])[1] * len(rows)
                for rows in map(np.array, by_word.values()))
    return right / len(labels)


def neighbours(models, words=NEIGHBOUR_WORDS, topn=6):
    """model name -> word -> its ``topn`` nearest words (word, cosine rounded to 0.01)."""
    return {name: {w: [[n, round(float(s), 2)] for n, s in model.wv.most_similar(w, topn=topn)]
                   for w in words if w in model.wv.key_to_index}
            for name, model in models.items()}


def run(quick=False):
    """Build the pairs, score every model, and return (figures, settings)."""
    dev, test, table, left_out = build_pairs(quick)
    if not dev or not test:
        raise ValueError(f"People's Daily gave {len(dev)} dev and {len(test)} test pairs; the test needs both.")
    print(f"{len(dev)} dev and {len(test)} test pairs (half same sense) of {len(table)} words "
          f"({sum(r['split'] == 'dev' for r in table.values())} dev words)")
    labels = {"dev": np.array([p.same_sense for p in dev]), "test": np.array([p.same_sense for p in test])}
    splits = {"dev": dev, "test": test}
    results, correct_by_model = {}, {}
    static = {}
    for kind in ("cbow", "skipgram", "nnlm"):
        static[kind] = chinese_models.trained_model(kind, quick=quick)
        sims = {split: _static_similarities(static[kind].wv, pairs) for split, pairs in splits.items()}
        results[kind], correct_by_model[kind] = _score(kind, sims, labels)
        results[kind]["out_of_vocabulary_words"] = sorted(w for w in table if w not in static[kind].wv.key_to_index)
    elmo = chinese_models.trained_model("elmo", quick=quick)
    means = word_means(elmo, sorted(table), chinese_models.sentences("train", quick=quick),
                       QUICK_CENTRE_USES if quick else CENTRE_USES)
    layer_sims = {}
    for split, pairs in splits.items():
        firsts = _elmo_vectors(elmo, [p.first for p in pairs])
        seconds = _elmo_vectors(elmo, [p.second for p in pairs])
        for layer in firsts:
            layer_sims.setdefault(layer, {})[split] = _cosines(firsts[layer], seconds[layer])
        for layer in firsts:  # after the raw rows, so the table lists them first
            if layer == "elmo_layer_0":  # one vector for every use of a word: centred, it is zero
                continue
            keys = [p.first.lemma for p in pairs]  # both uses are the same word
            layer_sims.setdefault(f"{layer}_centred", {})[split] = _cosines(centred(firsts[layer], keys, means, layer),
                                                                            centred(seconds[layer], keys, means, layer))
    for layer, sims in layer_sims.items():
        results[layer], correct_by_model[layer] = _score(layer, sims, labels)
    best_layer = max(layer_sims, key=lambda k: (results[k]["dev_accuracy"], k))
    per_word = collections.defaultdict(list)
    for pair, right in zip(test, correct_by_model[best_layer]):
        per_word[pair.first.lemma].append(bool(right))
    for word, rights in per_word.items():
        table[word]["best_layer_test_accuracy"] = round(sum(rights) / len(rights), 3)
    ceiling = per_word_threshold_ceiling(layer_sims[best_layer]["test"], labels["test"], [p.first.lemma for p in test])
    print(f"{best_layer} with a threshold per word chosen on test (a ceiling): {ceiling:.3f}")
    figures = {"pairs": {"dev": len(dev), "test": len(test)},
               "words": {"dev": sum(r["split"] == "dev" for r in table.values()),
                         "test": sum(r["split"] == "test" for r in table.values())},
               "models": results, "best_elmo_layer_on_dev": best_layer, "anchors": ANCHORS,
               "best_layer_per_word_threshold_ceiling": ceiling,
               "sense_words": table, "uncentred_words": sorted(w for w in table if w not in means),
               "left_out_for_few_uses": left_out,
               "not_two_senses": NOT_TWO_SENSES,
               "neighbours": neighbours({"skipgram": static["skipgram"], "cbow": static["cbow"],
                                         "nnlm": static["nnlm"]})}
    settings = {"corpus": chinese_models.corpus_name(quick),
                "pair_sentences": "People's Daily valid and test splits" + (" (quick slices)" if quick else ""),
                "pairs_per_label_per_word": PAIRS_PER_LABEL, "min_uses_per_sense": QUICK_MIN_USES if quick else MIN_USES,
                "dev_words": "every third word ranked by uses (ranks 1, 4, 7...)", "seed": SEED,
                "vocabulary_min_count": chinese_models.VOCAB_MIN_COUNT,
                "centred_rows": f"minus the word's mean vector over at most "
                                f"{QUICK_CENTRE_USES if quick else CENTRE_USES} of its uses in the training sentences",
                "models": {k: chinese_models.settings_for(k, quick) for k in chinese_models.KINDS}}
    return figures, settings
