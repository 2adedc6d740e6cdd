"""gensim-elmo: Word2Vec, NNLM and ELMo word embeddings behind one gensim-style API.

>>> from gensim_elmo import Word2Vec
>>> model = Word2Vec([["hello", "world"]] * 10, vector_size=8, min_count=1, progress=False)
>>> model.wv["hello"].shape
(8,)

``NNLM`` and ``ELMo`` are Keras models; they (and Keras) are imported on first use, so
``import gensim_elmo`` stays fast.
"""

import importlib

from gensim_elmo.version import __version__
from gensim_elmo.word2vec import Word2Vec

_LAZY = {
    "NNLM": "gensim_elmo.nnlm",
    "ELMo": "gensim_elmo.elmo",
    "ptb": "gensim_elmo.datasets",
    "peoples_daily": "gensim_elmo.datasets",
    "LineSentences": "gensim_elmo.corpus",
    "DirectorySentences": "gensim_elmo.corpus",
    "IterableSentences": "gensim_elmo.corpus",
    "keyed_vectors_from_matrix": "gensim_elmo.export",
    "save_keyed_vectors": "gensim_elmo.export",
    "load_keyed_vectors": "gensim_elmo.export",
}

__all__ = ["__version__", "Word2Vec", *_LAZY]


def __getattr__(name):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'gensim_elmo' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
