"""Intrinsic evaluation of word vectors on the data sets that ship inside gensim.

``evaluate(keyed_vectors)`` returns Spearman correlations on WordSim-353 and SimLex-999 and
accuracy on the Google analogy set, using gensim's own ``evaluate_word_pairs`` and
``evaluate_word_analogies``, and says how many pairs or questions were out of vocabulary
instead of hiding them.

Example:
>>> from gensim_elmo import Word2Vec
>>> from gensim_elmo.datasets import ptb
>>> model = Word2Vec(ptb("train", limit=2000), vector_size=16, min_count=1, workers=1, progress=False)
>>> scores = evaluate(model.wv)
>>> sorted(scores)
['google_analogy', 'simlex999', 'wordsim353']
"""

import logging
import os

logger = logging.getLogger(__name__)

__all__ = ["evaluate", "word_pairs", "analogies", "GENSIM_SETS"]

#: Evaluation files that ship with gensim (``gensim.test.utils.datapath``).
GENSIM_SETS = {"wordsim353": "wordsim353.tsv", "simlex999": "simlex999.txt", "google_analogy": "questions-words.txt"}


def _datapath(name):
    from gensim.test.utils import datapath

    return datapath(name)


def _count_lines(path, skip_comments=True):
    with open(path, encoding="utf-8") as handle:
        return sum(1 for line in handle if line.strip() and not (skip_comments and line.startswith("#")))


def word_pairs(keyed_vectors, path, lowercase=True):
    """Spearman correlation between cosine similarities and human scores for a word-pair file.

    Args:
        keyed_vectors: gensim KeyedVectors.
        path: a tab-separated file "word1 word2 score" (``#`` comments allowed).
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
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if not line.strip() or line.startswith("#"):
                continue
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 3:
                continue
            total += 1
            a, b = (parts[0].lower(), parts[1].lower()) if lowercase else (parts[0], parts[1])
            if a in keyed_vectors.key_to_index and b in keyed_vectors.key_to_index:
                known += 1
                human.append(float(parts[2]))
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
        path: the analogy file (": section" headers, then "a b c d" lines).
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


def evaluate(keyed_vectors, lowercase=True):
    """WordSim-353 and SimLex-999 Spearman, Google analogy accuracy, with out-of-vocabulary counts.

    Args:
        keyed_vectors: gensim KeyedVectors.
        lowercase: bool, compare case-insensitively. Defaults to True.

    Returns:
        dict: name -> result dict of ``word_pairs`` or ``analogies``.

    Example:
    >>> import numpy as np
    >>> from gensim_elmo.export import keyed_vectors_from_matrix
    >>> evaluate(keyed_vectors_from_matrix(["king", "queen"], np.eye(2)))["wordsim353"]["pairs"]
    353
    """
    results = {}
    for name, file in GENSIM_SETS.items():
        path = _datapath(file)
        if not os.path.exists(path):  # pragma: no cover - shipped with gensim
            logger.warning("evaluation file %s not found; skipping %s", path, name)
            continue
        if name == "google_analogy":
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
