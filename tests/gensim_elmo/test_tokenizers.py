"""Tokenizers for raw (Chinese) text: gensim_elmo.tokenizers, the corpus readers, Word2Vec's corpus_file and the CLI."""

import os
import sys
import tempfile

import pytest
from gensim.models import KeyedVectors

from gensim_elmo import Word2Vec
from gensim_elmo.cli import main
from gensim_elmo.corpus import DirectorySentences, LineSentences, as_sentences, shard_sentences
from gensim_elmo.corpus_errors import CorpusFileNotFoundError
from gensim_elmo.datasets import peoples_daily
from gensim_elmo.tokenizers import TOKENIZERS, get_tokenizer, is_whitespace, tokenize_file, tokenizer_name

#: Chinese with Latin words and numbers, full-width punctuation and letters, blank and whitespace-only lines.
CHINESE = "我爱北京天安门，天安门上太阳升。\n他用 Python 3.11 训练ELMo模型！\n\n  全角：ＡＢＣ１２３，好！  \n\t\n"

EXPECTED = {
    "whitespace": [["我爱北京天安门，天安门上太阳升。"], ["他用", "Python", "3.11", "训练ELMo模型！"],
                   ["全角：ＡＢＣ１２３，好！"]],
    # jieba glues 太阳 + 升 (two words of People's Daily's segmentation) into one unknown word
    "jieba": [["我", "爱", "北京", "天安门", "，", "天安门", "上", "太阳升", "。"],
              ["他", "用", "Python", "3.11", "训练", "ELMo", "模型", "！"],
              ["全角", "：", "Ａ", "Ｂ", "Ｃ", "１", "２", "３", "，", "好", "！"]],
    "chars": [list("我爱北京天安门，天安门上太阳升。"), list("他用Python3.11训练ELMo模型！"), list("全角：ＡＢＣ１２３，好！")],
}


@pytest.fixture
def chinese_file(tmp_path):
    path = tmp_path / "zh.txt"
    path.write_text(CHINESE, encoding="utf-8")
    return path


@pytest.mark.parametrize("name", TOKENIZERS)
def test_every_tokenizer_on_a_chinese_file(name, chinese_file):
    sentences = LineSentences(chinese_file, tokenizer=name)
    assert list(sentences) == EXPECTED[name]
    assert list(sentences) == EXPECTED[name]  # restartable
    assert [get_tokenizer(name)(line) for line in CHINESE.splitlines() if line.strip()] == EXPECTED[name]
    assert list(DirectorySentences(chinese_file.parent, tokenizer=name)) == EXPECTED[name]
    assert list(as_sentences(corpus_file=chinese_file, tokenizer=name)) == EXPECTED[name]


def test_whitespace_is_the_default_and_unchanged(chinese_file):
    assert list(LineSentences(chinese_file)) == EXPECTED["whitespace"]
    assert get_tokenizer(None)("a  b\tc\n") == get_tokenizer()("a  b\tc\n") == ["a", "b", "c"]
    assert is_whitespace(None) and is_whitespace("whitespace") and not is_whitespace("chars")
    assert repr(LineSentences(chinese_file)) == f"LineSentences({str(chinese_file)!r})"
    assert repr(LineSentences(chinese_file, tokenizer="jieba")).endswith(", tokenizer='jieba')")


def test_unknown_tokenizer_names(chinese_file):
    with pytest.raises(ValueError, match=r"unknown tokenizer 'jeiba' \(did you mean 'jieba'\?\); use 'whitespace', "
                                         r"'jieba', 'chars' or a function"):
        get_tokenizer("jeiba")
    with pytest.raises(ValueError, match="unknown tokenizer 'spacy'; use"):
        LineSentences(chinese_file, tokenizer="spacy")  # at construction, not at the first line
    with pytest.raises(ValueError, match="unknown tokenizer"):
        DirectorySentences(chinese_file.parent, tokenizer="Jieba")
    with pytest.raises(TypeError, match="must be one of"):
        get_tokenizer(3)


def test_a_callable_tokenizer(chinese_file):
    def by_comma(line):
        return line.replace("，", " ， ").split(" ")  # leaves empty tokens, dropped

    assert list(LineSentences(chinese_file, tokenizer=by_comma))[0] == ["我爱北京天安门", "，", "天安门上太阳升。"]
    import jieba

    generator = list(LineSentences(chinese_file, tokenizer=jieba.cut))  # a generator of str, whitespace included
    assert generator == EXPECTED["jieba"]
    assert tokenizer_name(by_comma).endswith("by_comma") and tokenizer_name(jieba.cut) == "jieba.Tokenizer.cut"
    with pytest.raises(TypeError, match="returned a str .* must return a list of str tokens"):
        list(LineSentences(chinese_file, tokenizer=str.strip))
    with pytest.raises(TypeError, match="returned a token of type int"):
        list(LineSentences(chinese_file, tokenizer=lambda line: [len(line)]))


def test_jieba_missing(monkeypatch, chinese_file):
    monkeypatch.setitem(sys.modules, "jieba", None)
    with pytest.raises(ImportError, match="pip install jieba"):
        get_tokenizer("jieba")
    with pytest.raises(ImportError, match="pip install jieba"):
        LineSentences(chinese_file, tokenizer="jieba")
    assert list(LineSentences(chinese_file, tokenizer="chars")) == EXPECTED["chars"]


def test_jieba_streams_one_line_at_a_time(tmp_path, monkeypatch):
    import jieba

    path = tmp_path / "long.txt"
    path.write_text("今天天气很好。\n" * 20000, encoding="utf-8")
    calls = []
    real = jieba.dt.lcut
    monkeypatch.setattr(jieba.dt, "lcut", lambda text, *a, **k: calls.append(text) or real(text, *a, **k))
    stream = iter(LineSentences(path, tokenizer="jieba"))
    assert next(stream) == ["今天天气", "很", "好", "。"] and next(stream) == ["今天天气", "很", "好", "。"]
    assert len(calls) == 2  # nothing read ahead: memory holds one line
    shard = shard_sentences(LineSentences(path, tokenizer="jieba"), 1, 2000)
    assert shard.tokenizer == "jieba" and len(list(shard)) == 10


def test_sentences_with_a_tokenizer_are_refused():
    with pytest.raises(ValueError, match="`sentences` are token lists already"):
        as_sentences([["a"]], tokenizer="jieba")
    assert list(as_sentences([["a"]], tokenizer="whitespace")) == [["a"]]


def test_tokenize_file(chinese_file, tmp_path):
    target = tmp_path / "out" / "words.txt"
    target.parent.mkdir()
    assert tokenize_file(chinese_file, target, "jieba") == (3, 28)
    assert list(LineSentences(target)) == EXPECTED["jieba"]  # whitespace reads it back
    with pytest.raises(ValueError, match="holds whitespace"):
        tokenize_file(chinese_file, tmp_path / "x.txt", lambda line: [line.strip()])
    assert not (tmp_path / "x.txt").exists()  # written atomically: nothing left behind


def test_word2vec_on_peoples_daily():
    model = Word2Vec(peoples_daily("train", limit=2000), vector_size=16, min_count=3, epochs=2, workers=1, seed=1,
                     progress=False)
    assert {"中国", "发展", "，", "的"} <= set(model.wv.key_to_index)
    assert len(model.loss_history) == 2 and model.corpus_count == 2000
    assert len(model.wv.most_similar("中国", topn=3)) == 3


def test_word2vec_corpus_file_with_a_tokenizer(tmp_path):
    """corpus_file + tokenizer: the tokens go to a temporary file that gensim's C path trains on."""
    raw = tmp_path / "raw.txt"
    raw.write_text("".join("".join(s) + "\n" for s in peoples_daily("valid", limit=300)), encoding="utf-8")
    before = set(os.listdir(tempfile.gettempdir()))
    model = Word2Vec(corpus_file=str(raw), tokenizer="jieba", vector_size=8, min_count=2, epochs=1, workers=1,
                     progress=False)
    streamed = Word2Vec(LineSentences(raw, tokenizer="jieba"), vector_size=8, min_count=2, epochs=1, workers=1,
                        progress=False)
    assert model.wv.index_to_key == streamed.wv.index_to_key and model.corpus_count == streamed.corpus_count
    assert model.corpus_total_words == streamed.corpus_total_words
    assert not any(name.startswith("gensim-elmo-tokens-") for name in set(os.listdir(tempfile.gettempdir())) - before)
    positional = Word2Vec(None, str(raw), tokenizer="chars", vector_size=8, min_count=1, epochs=1, progress=False)
    assert "中" in positional.wv.key_to_index and all(len(word) == 1 for word in positional.wv.index_to_key)

    later = Word2Vec(vector_size=8, min_count=1, progress=False)
    later.build_vocab(corpus_file=str(raw), tokenizer="chars")
    later.train(corpus_file=str(raw), tokenizer="chars", total_words=later.corpus_total_words, epochs=2)
    assert later.wv.index_to_key == positional.wv.index_to_key
    assert len(later.loss_history) == 2 and later.loss_history[0] > 0  # gensim's train() no longer drops the loss

    with pytest.raises(ValueError, match="no `corpus_file` was given"):
        Word2Vec([["a"]], tokenizer="jieba")
    with pytest.raises(ValueError, match="unknown tokenizer"):
        Word2Vec(corpus_file=str(raw), tokenizer="jeiba")
    with pytest.raises(CorpusFileNotFoundError):
        Word2Vec(corpus_file=str(tmp_path / "missing.txt"), tokenizer="chars")


def test_cli_tokenizer(tmp_path, chinese_file, capsys):
    vectors = tmp_path / "vectors.txt"
    assert main(["train", "word2vec", "--corpus", str(chinese_file), "--tokenizer", "jieba", "--output", str(vectors),
                 "--min-count", "1", "--vector-size", "8", "--epochs", "1", "--workers", "1", "--no-progress"]) == 0
    kv = KeyedVectors.load_word2vec_format(str(vectors))
    assert {"天安门", "Python", "ELMo"} <= set(kv.key_to_index) and "天安门上太阳升。" not in kv.key_to_index
    assert main(["train", "word2vec", "--corpus", str(chinese_file), "--tokenizer", "chars", "--output", str(vectors),
                 "--min-count", "1", "--vector-size", "8", "--epochs", "1", "--no-progress"]) == 0
    assert all(len(word) == 1 for word in KeyedVectors.load_word2vec_format(str(vectors)).index_to_key)

    words = tmp_path / "words.txt"
    assert main(["tokenize", str(chinese_file), str(words)]) == 0  # jieba by default
    assert list(LineSentences(words)) == EXPECTED["jieba"]
    assert "wrote 3 lines, 28 tokens (jieba)" in capsys.readouterr().out

    assert main(["train", "word2vec", "--corpus", "peoples_daily:test", "--limit", "50", "--output", str(vectors),
                 "--min-count", "1", "--vector-size", "8", "--epochs", "1", "--no-progress"]) == 0
    assert "，" in KeyedVectors.load_word2vec_format(str(vectors)).key_to_index
    capsys.readouterr()
    assert main(["train", "word2vec", "--corpus", "peoples_daily", "--tokenizer", "jieba", "--output", str(vectors)]) == 2
    assert "segmented already" in capsys.readouterr().err
    assert main(["train", "word2vec", "--corpus", "peoples_daily:dev", "--output", str(vectors)]) == 2
    assert "peoples_daily has the splits train, valid, test" in capsys.readouterr().err
    for command in (["train", "nnlm"], ["train", "elmo"]):
        arguments = vars(_parse([*command, "--corpus", "x", "--output", "y", "--tokenizer", "chars"]))
        assert arguments["tokenizer"] == "chars"
    with pytest.raises(SystemExit):
        main(["train", "word2vec", "--corpus", str(chinese_file), "--output", str(vectors), "--tokenizer", "jeiba"])
    assert "invalid choice: 'jeiba'" in capsys.readouterr().err


def _parse(argv):
    from gensim_elmo.cli import build_parser

    return build_parser().parse_args(argv)


def test_embed_with_a_tokenizer(tmp_path, chinese_file, capsys, monkeypatch):
    import h5py

    from gensim_elmo import cli
    from gensim_elmo.elmo import ELMo

    model = tmp_path / "elmo"  # what --model names; the test hands the CLI an untrained tiny model instead
    elmo = ELMo(preset="tiny", progress=False)
    monkeypatch.setattr(cli, "_load_elmo", lambda path, options_file=None, progress=False: elmo)
    output = tmp_path / "v.hdf5"
    assert main(["embed", str(chinese_file), str(output), "--model", str(model), "--tokenizer", "jieba",
                 "--no-progress"]) == 0
    with h5py.File(output) as handle:
        assert [t.decode() for t in handle["tokens"][:5]] == EXPECTED["jieba"][0][:5]
        assert handle.attrs["tokenizer"] == "jieba" and len(handle["offsets"]) == 4
    capsys.readouterr()
    assert main(["embed", str(chinese_file), str(output), "--model", str(model), "--tokenizer", "chars",
                 "--no-progress"]) == 2
    assert "begun with tokenizer='jieba'" in capsys.readouterr().err
    assert main(["embed", str(chinese_file), str(tmp_path / "v.npy"), "--model", str(model), "--tokenizer", "chars",
                 "--no-progress"]) == 0
    assert "(49 tokens)" in capsys.readouterr().out
