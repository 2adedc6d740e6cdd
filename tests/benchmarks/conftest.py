"""Fixtures shared by the benchmark tests."""

import pytest


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory):
    """The first 400 sentences of Penn Treebank train in a text file, one sentence per line."""
    from gensim_elmo.datasets import ptb

    path = tmp_path_factory.mktemp("corpus") / "ptb_head.txt"
    path.write_text("".join(" ".join(s) + "\n" for s in ptb("train", limit=400)), encoding="utf-8")
    return str(path)


@pytest.fixture
def quick_report_section(tmp_path):
    """A function ``(name, figures, settings)`` that writes one quick result in ``tmp_path``, renders
    RESULTS.md and the results page from it, checks both show it with its plot, and returns the
    result's section of RESULTS.md."""
    from benchmarks.report import docs_page, write_report
    from benchmarks.results_io import write_result

    def section(name, figures, settings):
        write_result(name, figures, settings, wall_time_s=1.0, quick=True, results_dir=str(tmp_path))
        text = open(write_report(results_dir=str(tmp_path), output=str(tmp_path / "RESULTS.md")),
                    encoding="utf-8").read()
        assert f"## {name}" in text and (tmp_path / "plots" / f"{name}.png").exists()
        page, summary, plots = docs_page(str(tmp_path))
        assert f"{name}.png" in plots and name in summary
        return text[text.index(f"## {name}"):]

    return section
