import gzip

import pytest
from gensim.models.word2vec import LineSentence, PathLineSentences

from gensim_elmo.corpus import DirectorySentences, IterableSentences, LineSentences, as_sentences, check_sentence
from gensim_elmo.datasets import ptb
from tests.helpers import raised


def test_line_sentences_reads_and_restarts(tiny_corpus_file):
    corpus = LineSentences(tiny_corpus_file)
    first = list(corpus)
    assert first[0] == ["the", "cat", "sat", "on", "the", "mat"]
    assert len(first) == 120
    assert list(corpus) == first  # restartable


def test_line_sentences_skips_blank_lines_and_splits_long_lines(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("a b\n\n   \n" + " ".join(["x"] * 25) + "\n", encoding="utf-8")
    sentences = list(LineSentences(path, max_sentence_length=10))
    assert sentences[0] == ["a", "b"]
    assert [len(s) for s in sentences[1:]] == [10, 10, 5]


def test_line_sentences_reads_gzip(tmp_path):
    path = tmp_path / "c.txt.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write("über alles\n中文 句子\n")
    assert list(LineSentences(path)) == [["über", "alles"], ["中文", "句子"]]


def test_line_sentences_invalid_utf8(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"good line\nbad \xff\xfe line\n")
    with pytest.raises(UnicodeDecodeError, match="line 2 .* not valid UTF-8") as exc:
        list(LineSentences(path))
    assert isinstance(exc.value, ValueError) and exc.value.start == 4
    assert list(LineSentences(path, errors="replace"))[1] == ["bad", "\ufffd\ufffd", "line"]
    assert list(LineSentences(path, errors="ignore"))[1] == ["bad", "line"]


def test_line_sentences_missing_file_and_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        LineSentences(tmp_path / "nope.txt")
    with pytest.raises(ValueError, match="is a directory"):
        LineSentences(tmp_path)


#: (gensim's reader, ours, the path under tmp_path) for which gensim's raises: ours raises the same class.
GENSIM_READER_ERRORS = {
    "missing file": (LineSentence, LineSentences, "nope.txt"),
    "directory as a file": (LineSentence, LineSentences, ""),
    "invalid UTF-8": (LineSentence, LineSentences, "bad.txt"),
    "missing directory": (PathLineSentences, DirectorySentences, "missing"),
}


@pytest.mark.parametrize("case", list(GENSIM_READER_ERRORS))
def test_reader_errors_are_the_classes_gensim_raises(case, tmp_path):
    (tmp_path / "bad.txt").write_bytes(b"good line\nbad \xff\xfe line\n")
    gensim_reader, reader, name = GENSIM_READER_ERRORS[case]
    theirs = raised(lambda: list(gensim_reader(str(tmp_path / name))))
    ours = raised(lambda: list(reader(tmp_path / name)))
    assert theirs is not None, f"gensim no longer raises for {case}"
    with pytest.raises(type(theirs)):
        raise ours if ours is not None else AssertionError(f"ours raises nothing for {case}")


def test_line_sentences_shards_partition_the_corpus(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("".join(f"w{i}\n" for i in range(10)), encoding="utf-8")
    shards = [list(LineSentences(path, shard_index=i, num_shards=3)) for i in range(3)]
    assert shards[0] == [["w0"], ["w3"], ["w6"], ["w9"]]
    assert sorted(sum(shards, [])) == sorted(list(LineSentences(path)))
    with pytest.raises(ValueError, match="shard_index"):
        LineSentences(path, shard_index=3, num_shards=3)


def test_directory_sentences(tmp_path):
    (tmp_path / "b.txt").write_text("c d\n", encoding="utf-8")
    (tmp_path / "a.txt").write_text("a b\n", encoding="utf-8")
    (tmp_path / "skip.csv").write_text("no\n", encoding="utf-8")
    assert list(DirectorySentences(tmp_path, pattern="*.txt")) == [["a", "b"], ["c", "d"]]
    assert list(DirectorySentences(tmp_path, pattern="*.txt", shard_index=1, num_shards=2)) == [["c", "d"]]
    with pytest.raises(ValueError, match="no file matching"):
        DirectorySentences(tmp_path, pattern="*.json")
    with pytest.raises(NotADirectoryError):
        DirectorySentences(tmp_path / "a.txt")
    with pytest.raises(FileNotFoundError):
        DirectorySentences(tmp_path / "missing")


def test_iterable_sentences_validates():
    assert list(IterableSentences([["a"], ("b", "c")])) == [["a"], ["b", "c"]]
    with pytest.raises(TypeError, match="single string"):
        IterableSentences("the cat sat")
    with pytest.raises(TypeError, match="one-shot iterator"):
        IterableSentences(s for s in [["a"]])
    with pytest.raises(TypeError, match="sentence 1 of the corpus is a string"):
        list(IterableSentences([["a"], "b c"]))
    with pytest.raises(TypeError, match="token of type int"):
        list(IterableSentences([["a", 1]]))
    with pytest.raises(TypeError, match="must be an iterable"):
        IterableSentences(42)


def test_check_sentence_suggests_split():
    with pytest.raises(TypeError, match=r"\['the', 'cat'\]"):
        check_sentence("the cat")


def test_as_sentences(tmp_path, tiny_corpus_file):
    assert isinstance(as_sentences(corpus_file=tiny_corpus_file), LineSentences)
    assert isinstance(as_sentences(corpus_file=tmp_path), DirectorySentences)
    assert isinstance(as_sentences([["a"]]), IterableSentences)
    reader = LineSentences(tiny_corpus_file)
    assert as_sentences(reader) is reader
    with pytest.raises(ValueError, match="either"):
        as_sentences([["a"]], corpus_file=tiny_corpus_file)
    with pytest.raises(ValueError, match="No corpus"):
        as_sentences()


def test_ptb_splits():
    valid = ptb("valid")
    assert valid.num_words == 70390
    first = next(iter(valid))
    assert first[:4] == ["consumers", "may", "want", "to"]
    assert len(list(ptb("test", limit=5))) == 5
    assert len(list(ptb("test", limit=5, repeat=2))) == 10
    with pytest.raises(ValueError, match="split"):
        ptb("dev")
