"""WiC-style word-in-context pairs built from WordNet's example sentences.

WordNet 3.0 (Debian ``wordnet-base``: ``/usr/share/wordnet/data.{noun,verb,adj,adv}``) gives
each sense (synset) a gloss, often with quoted example sentences. An example that contains one
of the synset's single-word lemmas (or a regular inflection of it) is a context of that lemma in
that sense. Two contexts of the same lemma and part of speech make a pair, labelled "same
sense" when both come from one synset and "different sense" otherwise, as in WiC (Pilehvar and
Camacho-Collados 2019). Lemmas are split between a dev and a test split by a hash of the lemma,
test pairs that share a sentence with a dev pair are dropped, and each split is balanced
between the two labels by seeded down-sampling.

Example:
>>> contexts = read_contexts("tests/fixtures/wordnet")  # doctest: +SKIP
>>> dev, test = build_pairs(contexts)  # doctest: +SKIP
"""

import collections
import dataclasses
import itertools
import os
import random
import re
import zlib

from benchmarks.results_io import MissingData

#: Where Debian's ``wordnet-base`` puts WordNet; the environment variable ``WORDNET_DIR`` overrides it.
DEFAULT_WORDNET_DIR = "/usr/share/wordnet"
POS_FILES = {"n": "data.noun", "v": "data.verb", "a": "data.adj", "s": "data.adj", "r": "data.adv"}
_EXAMPLE = re.compile(r'"([^"]+)"')
_TOKEN = re.compile(r"[a-z]+|\d+(?:[.,]\d+)*|'[a-z]+|[^\sa-z\d]")


@dataclasses.dataclass(frozen=True)
class Context:
    """One example sentence of one sense of a lemma: ``tokens[index]`` is the lemma (or its inflection)."""

    lemma: str
    pos: str
    synset: str
    gloss: str
    tokens: tuple
    index: int


@dataclasses.dataclass(frozen=True)
class Pair:
    """Two contexts of one lemma; ``same_sense`` is the label."""

    first: Context
    second: Context
    same_sense: bool


def tokenize(text):
    """Lowercase PTB-like tokens; numbers become "N" as in the Penn Treebank LM data.

    Example:
    >>> tokenize("The bank's 2 loans")
    ['the', 'bank', "'s", 'N', 'loans']
    """
    return ["N" if t[0].isdigit() else t for t in _TOKEN.findall(text.lower())]


def _inflections(lemma):
    forms = {lemma, lemma + "s", lemma + "es", lemma + "ed", lemma + "d", lemma + "ing", lemma + "er", lemma + "est"}
    if lemma.endswith("e"):
        forms |= {lemma[:-1] + "ing", lemma[:-1] + "ed"}
    if lemma.endswith("y"):
        forms |= {lemma[:-1] + "ies", lemma[:-1] + "ied"}
    if len(lemma) > 2 and lemma[-1] not in "aeiouwy" and lemma[-2] in "aeiou":
        forms |= {lemma + lemma[-1] + "ing", lemma + lemma[-1] + "ed"}
    return forms


def _parse_line(line):
    head, _, gloss = line.partition(" | ")
    fields = head.split()
    offset, ss_type, count = fields[0], fields[2], int(fields[3], 16)
    lemmas = [fields[4 + 2 * i].lower() for i in range(count)]
    lemmas = [re.sub(r"\(.*\)$", "", w) for w in lemmas]  # adjective markers: "big(a)"
    examples = _EXAMPLE.findall(gloss)
    definition = gloss.split(";")[0].strip()
    return f"{offset}-{ss_type}", ss_type, lemmas, definition, examples


def wordnet_dir():
    """``$WORDNET_DIR``, or ``/usr/share/wordnet``."""
    return os.environ.get("WORDNET_DIR", DEFAULT_WORDNET_DIR)


def read_contexts(directory=None):
    """Every (lemma, sense, example sentence) of WordNet whose example contains the lemma.

    Args:
        directory: directory holding WordNet's ``data.*`` files. Defaults to ``wordnet_dir()``.

    Returns:
        list of ``Context``, in file order.

    Raises:
        benchmarks.results_io.MissingData: if no WordNet data file is there (``apt-get install wordnet-base``).
    """
    directory = directory or wordnet_dir()
    paths = [os.path.join(directory, f) for f in sorted(set(POS_FILES.values()))]
    paths = [p for p in paths if os.path.exists(p)]
    if not paths:
        raise MissingData(f"no WordNet data.noun/data.verb/... files in {directory}; install them with "
                          "`apt-get install wordnet-base` (Debian), or set WORDNET_DIR to the dict/ directory of a "
                          "WordNet 3.0 copy.")
    contexts = []
    for path in paths:
        with open(path, encoding="utf-8", errors="replace") as handle:
            for line in handle:
                if line.startswith("  "):  # the licence header
                    continue
                synset, pos, lemmas, definition, examples = _parse_line(line)
                pos = "a" if pos == "s" else pos
                for example in examples:
                    tokens = tuple(tokenize(example))
                    for lemma in lemmas:
                        if "_" in lemma or "-" in lemma:
                            continue
                        forms = _inflections(lemma)
                        hits = [i for i, t in enumerate(tokens) if t in forms]
                        if hits:
                            contexts.append(Context(lemma, pos, synset, definition, tokens, hits[0]))
    return contexts


def _split_of(lemma, dev_fraction):
    return "dev" if zlib.crc32(lemma.encode()) % 1000 < dev_fraction * 1000 else "test"


def _candidate_pairs(contexts, per_lemma, rng):
    by_word = collections.defaultdict(list)
    for c in contexts:
        by_word[(c.lemma, c.pos)].append(c)
    for (lemma, _), group in by_word.items():
        if len({c.synset for c in group}) < 2:
            continue  # a lemma with one sense (with examples) gives no different-sense pair
        same = [Pair(a, b, True) for a, b in itertools.combinations(group, 2) if a.synset == b.synset
                and a.tokens != b.tokens]
        different = [Pair(a, b, False) for a, b in itertools.combinations(group, 2) if a.synset != b.synset]
        rng.shuffle(same)
        rng.shuffle(different)
        yield lemma, same[:per_lemma] + different[:per_lemma]


def _balance(pairs, rng):
    same = [p for p in pairs if p.same_sense]
    different = [p for p in pairs if not p.same_sense]
    n = min(len(same), len(different))
    chosen = rng.sample(same, n) + rng.sample(different, n)
    rng.shuffle(chosen)
    return chosen


def build_pairs(contexts, dev_fraction=0.3, per_lemma=3, seed=1):
    """Balanced dev and test pairs from ``read_contexts`` output; no sentence is in both splits.

    Args:
        contexts: list of ``Context``.
        dev_fraction: float, share of the lemmas in the dev split. Defaults to 0.3.
        per_lemma: int, at most this many same-sense and this many different-sense pairs per
            lemma and part of speech, so that frequent words do not dominate. Defaults to 3.
        seed: int, seeds the sampling. Defaults to 1.

    Returns:
        (dev, test): two lists of ``Pair``, each with as many same-sense as different-sense pairs.

    Example:
    >>> a = Context("bank", "n", "1-n", "river side", ("the", "bank"), 1)
    >>> b = Context("bank", "n", "1-n", "river side", ("a", "bank"), 1)
    >>> c = Context("bank", "n", "2-n", "money", ("my", "bank"), 1)
    >>> dev, test = build_pairs([a, b, c], dev_fraction=0.0)
    >>> sorted(p.same_sense for p in test)
    [False, True]
    """
    rng = random.Random(seed)
    splits = {"dev": [], "test": []}
    for lemma, pairs in _candidate_pairs(contexts, per_lemma, rng):
        splits[_split_of(lemma, dev_fraction)].extend(pairs)
    dev_sentences = {s for p in splits["dev"] for s in (p.first.tokens, p.second.tokens)}
    test = [p for p in splits["test"] if p.first.tokens not in dev_sentences and p.second.tokens not in dev_sentences]
    return _balance(splits["dev"], rng), _balance(test, rng)
