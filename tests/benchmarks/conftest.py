"""Fixtures shared by the benchmark tests."""

import pytest


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory):
    """The first 400 sentences of Penn Treebank train in a text file, one sentence per line."""
    from gensim_elmo.datasets import ptb

    path = tmp_path_factory.mktemp("corpus") / "ptb_head.txt"
    path.write_text("".join(" ".join(s) + "\n" for s in ptb("train", limit=400)), encoding="utf-8")
    return str(path)
