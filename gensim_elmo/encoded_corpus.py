"""``EncodedCorpus``: a corpus encoded once into token ids on disk, read back block by block.

Two flat binary files in a work directory, ``ids.int32`` (all sentences back to back) and
``offsets.int64`` (where each sentence starts), plus ``corpus.json`` (sizes and fingerprint).
Training streams it every epoch, so memory does not grow with the corpus.

Example:
>>> import tempfile
>>> from gensim_elmo.vocabulary import Vocabulary
>>> sentences = [["a", "b"], ["b", "c", "a"]]
>>> vocab, _ = Vocabulary.build(sentences)
>>> corpus = EncodedCorpus.write(sentences, vocab, tempfile.mkdtemp())
>>> corpus.num_sentences, corpus.num_tokens
(2, 5)
>>> tokens, lengths = corpus.read(0, 2)
>>> lengths.tolist()
[2, 3]
"""

import hashlib
import json
import os

import numpy as np
from tqdm.auto import tqdm

__all__ = ["EncodedCorpus", "corpus_fingerprint", "merge_fingerprints"]

_IDS = "ids.int32"
_OFFSETS = "offsets.int64"
_META = "corpus.json"


def corpus_fingerprint(encoded, block_sentences=65536):
    """Sentences, tokens and a SHA-1 of the token ids of an ``EncodedCorpus`` (read block by block)."""
    digest = hashlib.sha1()
    for start in range(0, encoded.num_sentences, block_sentences):
        tokens, lengths = encoded.read(start, min(start + block_sentences, encoded.num_sentences))
        digest.update(np.ascontiguousarray(tokens, dtype=np.int32).tobytes())
        digest.update(np.ascontiguousarray(lengths, dtype=np.int64).tobytes())
    return {"sentences": int(encoded.num_sentences), "tokens": int(encoded.num_tokens),
            "sha1": digest.hexdigest()}


def merge_fingerprints(fingerprints):
    """One corpus fingerprint of the shards that several processes train on (the only one as it is).

    Example:
    >>> merge_fingerprints([{"sentences": 2, "tokens": 5, "sha1": "ab"}])
    {'sentences': 2, 'tokens': 5, 'sha1': 'ab'}
    """
    if len(fingerprints) == 1:
        return fingerprints[0]
    return {"sentences": sum(f["sentences"] for f in fingerprints), "tokens": sum(f["tokens"] for f in fingerprints),
            "sha1": hashlib.sha1(" ".join(f["sha1"] for f in fingerprints).encode()).hexdigest(),
            "shards": len(fingerprints)}


class EncodedCorpus:
    """A corpus encoded as token ids on disk: ``ids.int32`` (all sentences back to back) and
    ``offsets.int64`` (where each sentence starts, plus the end).

    Args:
        directory: a directory written by ``EncodedCorpus.write``.

    Attributes:
        num_sentences: int.
        num_tokens: int.
        fingerprint: dict, ``corpus_fingerprint`` of the corpus (sentences, tokens, SHA-1 of
            the ids), computed once when it is written: two corpora that encode identically have
            the same fingerprint, and training checkpoints are tied to it.
    """

    def __init__(self, directory):
        self.directory = os.fspath(directory)
        meta_path = os.path.join(self.directory, _META)
        try:
            with open(meta_path, encoding="utf-8") as handle:
                meta = json.load(handle)
        except (OSError, ValueError) as exc:
            raise ValueError(f"{self.directory} holds no valid encoded corpus ({exc}).") from None
        self.num_sentences = int(meta["num_sentences"])
        self.num_tokens = int(meta["num_tokens"])
        self.fingerprint = meta.get("fingerprint")
        self._offsets = np.memmap(os.path.join(self.directory, _OFFSETS), dtype=np.int64, mode="r",
                                  shape=(self.num_sentences + 1,))
        self._ids_path = os.path.join(self.directory, _IDS)

    @classmethod
    def write(cls, sentences, vocabulary, directory, progress=False, desc="Encoding corpus"):
        """Encode ``sentences`` with ``vocabulary`` into ``directory`` in one streaming pass.

        Empty sentences are skipped.

        Args:
            sentences: restartable iterable of token lists.
            vocabulary: a ``gensim_elmo.vocabulary.Vocabulary``.
            directory: where to write (created if needed).
            progress: bool, show a tqdm bar. Defaults to False.
            desc: str, the bar's label.

        Returns:
            EncodedCorpus.

        Example:
        >>> import tempfile
        >>> from gensim_elmo.vocabulary import Vocabulary
        >>> vocab = Vocabulary(["<unk>", "a"], [0, 1])
        >>> EncodedCorpus.write([["a", "z"], []], vocab, tempfile.mkdtemp()).read(0, 1)[0].tolist()
        [1, 0]
        """
        directory = os.fspath(directory)
        os.makedirs(directory, exist_ok=True)
        n_sentences = n_tokens = 0
        offsets_path = os.path.join(directory, _OFFSETS)
        with open(os.path.join(directory, _IDS), "wb") as ids_file, open(offsets_path, "wb") as offsets_file:
            offsets = [0]
            for sentence in tqdm(sentences, desc=desc, unit=" sentences", disable=not progress, dynamic_ncols=True):
                if not sentence:
                    continue
                ids = vocabulary.encode(sentence)
                ids_file.write(ids.tobytes())
                n_sentences += 1
                n_tokens += len(ids)
                offsets.append(n_tokens)
                if len(offsets) >= 65536:
                    offsets_file.write(np.asarray(offsets[:-1], dtype=np.int64).tobytes())
                    offsets = offsets[-1:]
            offsets_file.write(np.asarray(offsets, dtype=np.int64).tobytes())
        if n_tokens == 0:
            raise ValueError("The corpus is empty: it holds no tokens. Check the file or iterable you passed.")
        meta = {"num_sentences": n_sentences, "num_tokens": n_tokens}
        with open(os.path.join(directory, _META), "w", encoding="utf-8") as handle:
            json.dump(meta, handle)
        corpus = cls(directory)
        corpus.fingerprint = meta["fingerprint"] = corpus_fingerprint(corpus)  # read back once, from the page cache
        with open(os.path.join(directory, _META), "w", encoding="utf-8") as handle:
            json.dump(meta, handle)
        return corpus

    def lengths(self, start=0, end=None):
        """Sentence lengths of sentences ``start:end`` (int64 array)."""
        end = self.num_sentences if end is None else end
        return np.diff(np.asarray(self._offsets[start : end + 1]))

    def read(self, start, end):
        """Token ids of sentences ``start:end`` back to back, and their lengths.

        Returns:
            (tokens int32 array, lengths int64 array).
        """
        first, last = int(self._offsets[start]), int(self._offsets[end])
        tokens = np.fromfile(self._ids_path, dtype=np.int32, count=last - first, offset=4 * first)
        return tokens, self.lengths(start, end)
