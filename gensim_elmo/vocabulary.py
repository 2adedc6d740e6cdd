"""A word vocabulary built by streaming a corpus: special tokens first, then words by frequency.

Example:
>>> vocab, stats = Vocabulary.build([["the", "cat"], ["the", "dog"]], specials=("</s>", "<unk>"), min_count=1)
>>> vocab.index_to_word
['</s>', '<unk>', 'the', 'cat', 'dog']
>>> vocab.encode(["the", "cow"]).tolist()
[2, 1]
"""

import json
import logging
import os
from collections import Counter

import numpy as np
from tqdm.auto import tqdm

from gensim_elmo.atomic_files import atomic_path
from gensim_elmo.corpus import check_sentence

logger = logging.getLogger(__name__)

__all__ = ["Vocabulary"]


class Vocabulary:
    """Map words to contiguous ids: ``specials`` first (in order), then words by descending count.

    Ties are broken by the word itself, so the order is deterministic. Words outside the
    vocabulary map to ``unk_token``.

    Args:
        index_to_word: list of str, all tokens in id order.
        counts: list of int, the corpus count of each token (0 for specials never seen).
        unk_token: str, the out-of-vocabulary token (must be in ``index_to_word``).
        num_specials: int, how many leading tokens are special.

    Example:
    >>> v = Vocabulary(["<unk>", "a"], [0, 3], unk_token="<unk>", num_specials=1)
    >>> v["a"], v["zzz"], len(v)
    (1, 0, 2)
    """

    def __init__(self, index_to_word, counts, unk_token="<unk>", num_specials=0):
        if len(index_to_word) != len(counts):
            raise ValueError(f"{len(index_to_word)} words but {len(counts)} counts; they must match.")
        if len(set(index_to_word)) != len(index_to_word):
            raise ValueError("the vocabulary holds a word twice.")
        if unk_token not in index_to_word:
            raise ValueError(f"`unk_token` {unk_token!r} is not in the vocabulary.")
        self.index_to_word = list(index_to_word)
        self.counts = [int(c) for c in counts]
        self.word_to_index = {w: i for i, w in enumerate(self.index_to_word)}
        self.unk_token = unk_token
        self.unk_index = self.word_to_index[unk_token]
        self.num_specials = int(num_specials)

    @classmethod
    def build(cls, sentences, specials=("<unk>",), unk_token="<unk>", min_count=1, max_vocab_size=None,
              progress=False, desc="Counting words", combine=None):
        """Count the words of ``sentences`` in one streaming pass and keep the frequent ones.

        Args:
            sentences: restartable iterable of token lists.
            specials: tokens placed first, in this order (``unk_token`` must be one of them).
            unk_token: str, the out-of-vocabulary token. Defaults to "<unk>".
            min_count: int, drop words seen fewer times. Defaults to 1.
            max_vocab_size: int or None, keep at most this many tokens in all (specials included).
            progress: bool, show a tqdm bar over sentences. Defaults to False.
            desc: str, the bar's label.
            combine: None, or a function ``(counter, stats) -> (counter, stats)`` applied to the
                word counts before the vocabulary is chosen (several training processes, each
                counting its own shard, sum their counts with it so they all choose the same).

        Returns:
            (Vocabulary, stats) where stats is a dict with "sentences" and "tokens" counted.

        Raises:
            ValueError: for an empty corpus or when no word reaches ``min_count``.

        Example:
        >>> v, stats = Vocabulary.build([["a", "b", "a"]], min_count=2)
        >>> v.index_to_word, stats["tokens"]
        (['<unk>', 'a'], 3)
        """
        if unk_token not in specials:
            raise ValueError(f"`unk_token` {unk_token!r} must be one of `specials` {specials!r}.")
        if not isinstance(min_count, int) or min_count < 1:
            raise ValueError(f"`min_count` must be a positive int, got {min_count!r}.")
        if max_vocab_size is not None and (not isinstance(max_vocab_size, int) or max_vocab_size <= len(specials)):
            raise ValueError(
                f"`max_vocab_size` must be an int larger than the {len(specials)} special tokens, got {max_vocab_size!r}."
            )
        counter = Counter()
        n_sentences = n_tokens = 0
        iterator = tqdm(sentences, desc=desc, unit=" sentences", disable=not progress, dynamic_ncols=True)
        for sentence in iterator:
            if n_sentences == 0:
                check_sentence(sentence, where="the first sentence of the corpus")
            counter.update(sentence)
            n_sentences += 1
            n_tokens += len(sentence)
        if combine is not None:
            counter, stats = combine(counter, {"sentences": n_sentences, "tokens": n_tokens})
            n_sentences, n_tokens = stats["sentences"], stats["tokens"]
        if n_tokens == 0:
            raise ValueError(
                f"The corpus is empty: {n_sentences} sentences and no tokens. Check the file or iterable you passed."
            )
        special_counts = [counter.pop(s, 0) for s in specials]
        words = sorted((w for w, c in counter.items() if c >= min_count), key=lambda w: (-counter[w], w))
        if max_vocab_size is not None:
            words = words[: max_vocab_size - len(specials)]
        if not words:
            raise ValueError(
                f"No word occurs at least `min_count`={min_count} times in the corpus ({n_tokens} tokens); "
                "lower `min_count` or use a larger corpus."
            )
        vocab = cls(list(specials) + words, special_counts + [counter[w] for w in words], unk_token, len(specials))
        # Tokens that fell out of the vocabulary are counted as <unk>.
        vocab.counts[vocab.unk_index] += n_tokens - sum(vocab.counts)
        logger.info("vocabulary: %d tokens from %d sentences, %d words (min_count=%d, max_vocab_size=%s)",
                    len(vocab), n_sentences, n_tokens, min_count, max_vocab_size)
        return vocab, {"sentences": n_sentences, "tokens": n_tokens}

    def __len__(self):
        return len(self.index_to_word)

    def __contains__(self, word):
        return word in self.word_to_index

    def __getitem__(self, word):
        return self.word_to_index.get(word, self.unk_index)

    def encode(self, tokens):
        """Ids of ``tokens`` as an int32 array (unknown words -> ``unk_index``).

        Example:
        >>> Vocabulary(["<unk>", "a"], [0, 1]).encode(["a", "b"]).tolist()
        [1, 0]
        """
        get = self.word_to_index.get
        unk = self.unk_index
        return np.fromiter((get(t, unk) for t in tokens), dtype=np.int32, count=len(tokens))

    def decode(self, ids):
        """Tokens of ``ids``.

        Example:
        >>> Vocabulary(["<unk>", "a"], [0, 1]).decode([1, 0])
        ['a', '<unk>']
        """
        return [self.index_to_word[int(i)] for i in ids]

    def to_dict(self):
        """A JSON-serialisable form (see ``from_dict``)."""
        return {"unk_token": self.unk_token, "num_specials": self.num_specials}

    def save(self, path):
        """Write ``word<TAB>count`` lines, atomically; the first line is a JSON header.

        Example:
        >>> import tempfile, os
        >>> p = os.path.join(tempfile.mkdtemp(), "vocab.tsv")
        >>> Vocabulary(["<unk>", "a"], [0, 4]).save(p)
        >>> Vocabulary.load(p).counts
        [0, 4]
        """
        with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as handle:
            handle.write(json.dumps(self.to_dict(), ensure_ascii=False) + "\n")
            for word, count in zip(self.index_to_word, self.counts):
                handle.write(f"{word}\t{count}\n")

    @classmethod
    def load(cls, path):
        """Read a file written by ``save``; raises ``ValueError`` on a malformed file."""
        path = os.fspath(path)
        try:
            with open(path, encoding="utf-8") as handle:
                header = json.loads(handle.readline())
                words, counts = [], []
                for number, line in enumerate(handle, start=2):
                    parts = line.rstrip("\n").split("\t")
                    if len(parts) != 2:
                        raise ValueError(f"line {number} is not 'word<TAB>count'")
                    words.append(parts[0])
                    counts.append(int(parts[1]))
            return cls(words, counts, unk_token=header["unk_token"], num_specials=header["num_specials"])
        except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
            raise ValueError(f"{path} is not a valid vocabulary file: {exc}") from None
