import json

import pytest

from benchmarks import elmo_ptb, nnlm_ptb
from benchmarks.report import write_report
from benchmarks.results_io import write_result


# word2vec_speed's quick path is tested through `python -m benchmarks` (tests/benchmarks/test_runner.py).
# elmo_ptb runs its recipe on a stream of text (the other recipe differs only by that setting), and scores test both ways.
@pytest.mark.parametrize("module, arguments", [(nnlm_ptb, {}), (elmo_ptb, {"recipe_name": "elmo_stream"})],
                         ids=["nnlm_ptb", "elmo_ptb"])
def test_quick_path_writes_a_well_formed_result_and_report(module, arguments, tmp_path):
    figures, settings = module.run(quick=True, **arguments)
    path = write_result(module.NAME, figures, settings, wall_time_s=1.0, quick=True, results_dir=str(tmp_path))
    with open(path, encoding="utf-8") as handle:
        result = json.load(handle)
    assert result["benchmark"] == module.NAME and result["quick"] is True
    assert result["machine"]["cores"] >= 1 and "keras_backend" in result["machine"]
    assert result["figures"] and result["settings"]
    if module is nnlm_ptb:
        assert figures["test_perplexity"] < figures["vocabulary_size"]
    else:
        assert 1 < figures["test_perplexity"]["average"] < figures["vocabulary_size"]
        assert figures["training_tokens_per_s"] > 0
        assert settings["settings"]["unroll_steps"] == 10
        assert 1 < figures["test_perplexity_stream"]["average"] < figures["vocabulary_size"]
        assert figures["test_perplexity_stream"]["average"] != pytest.approx(figures["test_perplexity"]["average"])
    report = write_report(results_dir=str(tmp_path), output=str(tmp_path / "RESULTS.md"))
    text = open(report, encoding="utf-8").read()
    assert f"## {module.NAME}" in text and "QUICK run" in text
    if module is not elmo_ptb:
        assert list((tmp_path / "plots").glob("*.png"))
    else:
        assert "test read as a stream (as the published models), forward (this run)" in text


