"""The benchmark runner, ``python -m benchmarks``: the command line users run from a source checkout."""

import json
import os
import subprocess
import sys

import pytest

from benchmarks.__main__ import main

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_unknown_benchmark_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["no_such_benchmark"])
    assert exc.value.code == 2
    assert "unknown benchmark(s) ['no_such_benchmark']" in capsys.readouterr().err


def test_quick_benchmark_writes_its_result_and_the_report(tmp_path):
    results = tmp_path / "results"
    assert main(["word2vec_speed", "--quick", "--results-dir", str(results)]) == 0
    # the word2vec_speed benchmark's quick path is tested here, through the command users run
    result = json.loads((results / "word2vec_speed.quick.json").read_text(encoding="utf-8"))
    assert result["memory"]["peak_rss_mib"] >= result["memory"]["rss_at_start_mib"] > 0
    figures = result["figures"]
    assert set(figures) == {"corpus_file/cbow", "corpus_file/skipgram", "iterable/cbow", "iterable/skipgram"}
    assert all(f["gensim_words_per_s"] > 0 and f["gensim_elmo_words_per_s"] > 0 for f in figures.values())
    assert list((results / "plots").glob("*.png"))
    report = (tmp_path / "RESULTS.md").read_text(encoding="utf-8")
    assert "## word2vec_speed" in report and "QUICK run" in report and "peak RSS" in report


def test_benchmark_with_missing_data_is_skipped_with_the_reason(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("WORDNET_DIR", str(tmp_path))
    assert main(["polysemy", "--quick", "--results-dir", str(tmp_path / "results")]) == 0
    out = capsys.readouterr().out
    assert "SKIPPED polysemy" in out and "apt-get install wordnet-base" in out
    assert not (tmp_path / "results" / "polysemy.quick.json").exists()


def test_python_m_benchmarks_from_the_checkout():
    proc = subprocess.run([sys.executable, "-m", "benchmarks", "--help"], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "usage: python -m benchmarks" in proc.stdout
