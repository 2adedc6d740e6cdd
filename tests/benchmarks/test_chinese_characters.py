"""benchmarks.chinese_characters: the two models differ only in their characters, the timer adds up over
sittings, and the quick path writes a result that the report renders."""

import json
import os

from benchmarks import chinese_characters
from benchmarks.report import write_report
from benchmarks.results_io import write_result


def test_the_two_models_differ_only_in_their_characters():
    bytes_settings, unicode_settings = (chinese_characters.settings_for(k) for k in chinese_characters.KINDS)
    assert {k for k in bytes_settings if bytes_settings[k] != unicode_settings[k]} == {"characters"}
    assert bytes_settings["early_stopping"] is None  # the same number of epochs for both
    assert bytes_settings["epochs"] == chinese_characters.EPOCHS and bytes_settings["min_count"] == 3
    assert chinese_characters.model_path("bytes") != chinese_characters.model_path("unicode")


def test_batch_timer_adds_up_over_sittings(tmp_path):
    path = str(tmp_path / "timing.json")
    first = chinese_characters.BatchTimer(path)
    first.on_epoch_begin(0)
    for batch in range(4):
        first.on_train_batch_end(batch)
    first.on_epoch_end(0)
    assert first.batches == 3  # each epoch's first batch is left out
    second = chinese_characters.BatchTimer(path)
    second.on_epoch_begin(1)
    second.on_train_batch_end(0)
    second.on_train_batch_end(1)
    second.write()
    assert chinese_characters.BatchTimer(path).batches == 4
    assert second.seconds >= first.seconds > 0


def test_quick_path_writes_a_result_and_its_report_section(tmp_path, monkeypatch):
    from benchmarks import tagging_zh

    # the tagging step on fewer sentences, one epoch (tests/benchmarks/test_tagging.py runs its quick path)
    monkeypatch.setattr(tagging_zh, "QUICK", dict(tagging_zh.QUICK, train_sentences=80, valid_sentences=20,
                                                  test_sentences=40, epochs=1))
    figures, settings = chinese_characters.run(quick=True)
    b, u = figures["models"]["bytes"], figures["models"]["unicode"]
    assert b["epochs_run"] == u["epochs_run"] == chinese_characters.QUICK_EPOCHS
    assert b["vocabulary_size"] == u["vocabulary_size"]  # the same words: perplexities compare
    assert u["reading"]["positions_per_word"] < b["reading"]["positions_per_word"] / 2  # 1 id, not 3 bytes
    assert u["reading"]["embedding_rows"] == u["reading"]["characters"] + 7 and b["reading"]["embedding_rows"] == 262
    assert 0 <= u["reading"]["unknown_character_rate"] < 0.2
    assert b["training_tokens_per_s"] > 0 and u["training_tokens_per_s"] > 0
    assert figures["better"] in ("bytes", "unicode")
    path = write_result(chinese_characters.NAME, figures, settings, wall_time_s=1.0, quick=True,
                        results_dir=str(tmp_path))
    with open(path, encoding="utf-8") as handle:
        assert json.load(handle)["figures"]["models"]["unicode"]["reading"]["characters"] > 100
    text = open(write_report(results_dir=str(tmp_path), output=str(tmp_path / "RESULTS.md")), encoding="utf-8").read()
    assert "## chinese_characters" in text and "| `unicode` |" in text and "Unicode minus bytes" in text
    assert (tmp_path / "plots" / "chinese_characters.png").exists()


def test_scores_of_a_finished_model_are_computed_once(tmp_path, monkeypatch):
    monkeypatch.setattr(chinese_characters, "MODELS_DIR", str(tmp_path))
    (tmp_path / os.path.basename(chinese_characters.model_path("bytes"))).mkdir()
    calls = []
    for _ in range(2):
        assert chinese_characters.cached_score("bytes", "test", lambda: calls.append(1) or {"average": 2.5}) == {
            "average": 2.5}
    assert len(calls) == 1
