"""``benchmarks.torch_compile``: its batches have one shape; its graph counts tell the two forms apart; its
precision switch sets and restores PyTorch's flags; its report shows each part, a failure included."""

import json

import numpy as np
import pytest

from benchmarks.report import write_report
from benchmarks.results_io import write_result
from benchmarks.torch_compile import SETTINGS, embedding_batches, fixed_length_sentences
from gensim_elmo.elmo_batches import embedding_batch
from tests.helpers import requires_torch, run_in_fresh_process


def test_embedding_batches_share_one_shape_and_keep_each_token():
    sentences = [["a", "b", "c"], ["c", "a", "a"], ["dd", "b", "a"], ["e", "f", "g"], ["a", "a", "a"], ["b", "b", "b"]]
    batches = embedding_batches(sentences, 2)
    assert len(batches) == 3
    assert len({(b["token_ids"].shape, b["token_chars"].shape) for b in batches}) == 1
    for i, batch in enumerate(batches):
        plain = embedding_batch(sentences[2 * i:2 * i + 2])
        # The same characters at every position; the table only gained all-zero rows.
        np.testing.assert_array_equal(batch["token_chars"][batch["token_ids"]], plain["token_chars"][plain["token_ids"]])
        assert not batch["token_chars"][len(plain["token_chars"]):].any()
    with pytest.raises(ValueError, match="whole batches of 4"):
        embedding_batches(sentences, 4)


def test_fixed_length_sentences_are_cut_to_one_length_or_refused():
    sentences = fixed_length_sentences("test", 4, 7)
    assert len(sentences) == 4 and {len(s) for s in sentences} == {7}
    with pytest.raises(ValueError, match="of 200 tokens or more"):
        fixed_length_sentences("test", 1, 200)




@requires_torch
def test_float32_precision_sets_both_flags_and_restores_them():
    out = run_in_fresh_process(
        """
        import torch
        from benchmarks.torch_compile import float32_precision
        flags = lambda: (torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32)
        before = flags()
        with float32_precision("tf32"):
            tf32 = flags()
        with float32_precision("ieee"):
            ieee = flags()
        try:
            with float32_precision("bf16"):
                pass
        except ValueError as exc:
            refused = "choose from" in str(exc)
        try:
            with float32_precision("ieee" if before[0] else "tf32"):
                raise KeyError
        except KeyError:
            restored_after_raise = before == flags()
        print(before == flags(), tf32, ieee, refused, restored_after_raise)
        """,
        env={"KERAS_BACKEND": "torch"},
    )
    assert out.strip().splitlines()[-1] == "True (True, True) (False, False) True True"


@requires_torch
def test_lstm_stack_runs_each_form_at_the_precision_its_figures_name():
    out = run_in_fresh_process(
        """
        import json, time
        import numpy as np, torch
        import benchmarks.lstm_stack
        from benchmarks import torch_compile

        class Stack:  # stands in for a Keras model: an epoch takes 4x as long in TF32
            def __init__(self, kind, jit_compile):
                self.label = kind + (", compiled" if jit_compile is True else "")
                self.weights = [np.full(2, 5.0 if jit_compile is True else 0.0)]  # the compiled stack starts elsewhere
            def fit(self, *args, **kwargs):
                tf32 = torch.backends.cuda.matmul.allow_tf32
                assert tf32 == torch.backends.cudnn.allow_tf32
                self.weights = [w + 1 for w in self.weights]  # an epoch moves the weights
                time.sleep(0.04 if tf32 else 0.01)
            def get_weights(self):
                return self.weights
            def set_weights(self, weights):
                self.weights = weights
            def __call__(self, x):
                return np.full((len(x), 2), float(torch.backends.cudnn.allow_tf32))

        benchmarks.lstm_stack.lstm_stack_model = lambda kind, options, steps, jit_compile="auto": Stack(kind, jit_compile)
        saved = []
        figures = torch_compile.lstm_stack_figures(torch_compile.SETTINGS["quick"]["lstm_stack"], saved.append)
        print(json.dumps([figures["tokens_per_s"], sorted(figures["ratio_to_keras_lstm"]), len(saved),
                          figures["keras_lstm_output_difference_tf32_vs_ieee"],
                          figures["max_weight_difference_compiled_vs_eager"], sorted(figures["second_pass_s"])]))
        """,
        env={"KERAS_BACKEND": "torch", "CUDA_VISIBLE_DEVICES": ""},
    )
    speed, ratios, saves, tf32_change, weight_difference, second_passes = json.loads(out.strip().splitlines()[-1])
    for form in ("projection, eager", "projection, compiled", "keras_lstm"):
        assert 2.5 < speed[f"{form} (ieee)"] / speed[f"{form} (tf32)"] < 5  # each ran at the precision it is named for
    assert ratios == sorted(f"{form} ({ours} vs keras_lstm {theirs})" for form in ("eager", "compiled")
                            for ours, theirs in (("ieee", "ieee"), ("tf32", "tf32"), ("ieee", "tf32")))
    # Saved after each first pass, after each precision's eager stage and after the weight check and
    # each precision's stage of all three.
    assert saves == 7 and tf32_change == 1.0
    # The compiled stack's first epoch starts from the eager stack's initial weights and is compared
    # with the eager stack after its own first epoch, not after the later ones.
    assert weight_difference == 0.0
    assert second_passes == sorted(f"{form} ({p})" for form in ("projection, eager", "projection, compiled", "keras_lstm")
                                   for p in ("ieee", "tf32"))


def _report(tmp_path, parts):
    figures = dict(parts, torch="2.11", keras="3.15", device="NVIDIA H200")
    write_result("torch_compile_gpu", figures, SETTINGS["full"], 1.0, False, str(tmp_path))
    return open(write_report(results_dir=str(tmp_path), output=str(tmp_path / "RESULTS.md")), encoding="utf-8").read()


def test_report_shows_each_part_and_what_failed(tmp_path):
    text = _report(tmp_path, {
        "lstm_stack": {
            "first_pass_s": {"projection, compiled (ieee)": 120.0},
            "tokens_per_s": {f"{name} ({p})": rate for p in ("ieee", "tf32")
                             for name, rate in (("projection, eager", 100.0), ("projection, compiled", 300.0),
                                                ("keras_lstm", 400.0 if p == "ieee" else 500.0))},
            "ratio_to_keras_lstm": {"compiled (ieee vs keras_lstm ieee)": 0.75},
            "max_weight_difference_compiled_vs_eager": 1e-8, "keras_lstm_output_difference_tf32_vs_ieee": 2e-3},
        "training": {"first_pass_s": {"eager": 2.0}, "tokens_per_s": {"eager": 800.0},
                     "compiled_error": {"type": "AssertionError", "message": "inside Inductor", "traceback_tail": []}},
        "embedding": {"error": "RuntimeError: out of memory"},
    })
    assert "**embedding**: failed (RuntimeError: out of memory)" in text
    assert "| keras_lstm | – | 400 | 500 |" in text and "compiled (ieee vs keras_lstm ieee) **0.75**" in text
    assert "eager 800 tokens/s; compiled (`jit_compile=True`) failed: AssertionError: inside Inductor" in text


def test_report_shows_what_a_stopped_run_reached(tmp_path):
    text = _report(tmp_path, {
        "lstm_stack": {"first_pass_s": {"projection, eager (ieee)": 6.2, "projection, compiled (ieee)": 178.5},
                       "second_pass_s": {}, "tokens_per_s": {}, "ratio_to_keras_lstm": {},
                       "keras_lstm_output_difference_tf32_vs_ieee": 8e-5, "complete": False},
        "training": {"first_pass_s": {"eager": 1.9}, "complete": False},
    })
    assert "| projection, compiled | 178.5 | – | – |" in text and "cuDNN's tokens/s): none measured" in text
    assert "eager first epoch 1.9 s; compiled (`jit_compile=True`): its first epoch (compiling) did not end." in text
    assert text.count("Stopped part-way") == 2


@requires_torch
def test_graph_counts_tell_the_max_pooled_form_from_the_optimised_one():
    out = run_in_fresh_process(
        """
        import json
        import keras
        from benchmarks.plain_forms import use_plain_forms
        from benchmarks.torch_compile import embedding_batches, graph_counts
        from keras_layers.elmo_network import ELMoNetwork
        options = {"lstm": {"dim": 6, "projection_dim": 4, "n_layers": 1, "use_skip_connections": True},
                   "char_cnn": {"activation": "relu", "embedding": {"dim": 3}, "filters": [[1, 4], [2, 3]],
                                "n_highway": 1, "n_characters": 262, "max_characters_per_token": 50}}
        batch = {k: keras.ops.convert_to_tensor(v) for k, v in embedding_batches([["hi"], ["a"]], 2)[0].items()}
        plain = ELMoNetwork(options)
        use_plain_forms(plain, ["max_pooled"])
        print(json.dumps([graph_counts(ELMoNetwork(options), batch), graph_counts(plain, batch)]))
        """,
        env={"KERAS_BACKEND": "torch"},
    )
    optimised, max_pooled = json.loads(out.strip().splitlines()[-1])
    assert optimised == {"inference": [1, 0], "training": [1, 0]}
    for graphs, breaks in max_pooled.values():
        assert breaks >= 2 and graphs == breaks + 1  # a break at each of the two poolings at least


@requires_torch
def test_a_part_is_saved_after_each_stage_and_other_parts_are_kept(tmp_path):
    out = run_in_fresh_process(
        f"""
        import json
        from benchmarks import torch_compile

        def stops_after_one_stage(settings, save):
            save({{"first_pass_s": {{"eager": 1.5}}}})
            raise RuntimeError("time limit")

        def fails_at_once(settings, save):
            raise MemoryError("out of memory")

        for part in torch_compile.PARTS:
            torch_compile.PARTS[part] = lambda settings, save: {{"tokens_per_s": {{"eager": 9.0}}}}
        torch_compile.main(["--quick", "--results-dir", {str(tmp_path)!r}])
        torch_compile.PARTS.update(lstm_stack=stops_after_one_stage, training=fails_at_once)
        torch_compile.main(["--quick", "--parts", "lstm_stack", "training", "--results-dir", {str(tmp_path)!r}])
        with open({str(tmp_path / "torch_compile.quick.json")!r}) as handle:
            result = json.load(handle)
        print(json.dumps([result["figures"], sorted(result["settings"])]))
        """,
        env={"KERAS_BACKEND": "torch", "CUDA_VISIBLE_DEVICES": ""},
    )
    figures, settings = json.loads(out.strip().splitlines()[-1])
    assert figures["embedding"]["tokens_per_s"] == {"eager": 9.0} and figures["embedding"]["complete"] is True
    lstm_stack, training = figures["lstm_stack"], figures["training"]
    assert lstm_stack["first_pass_s"] == {"eager": 1.5} and lstm_stack["error"] == "RuntimeError: time limit"
    assert training["error"] == "MemoryError: out of memory"
    # Neither keeps the earlier run's figures for the part, and neither is marked complete.
    assert "tokens_per_s" not in lstm_stack and "tokens_per_s" not in training
    assert lstm_stack["complete"] is False and training["complete"] is False
    assert settings == ["embedding", "lstm_stack", "training"]
