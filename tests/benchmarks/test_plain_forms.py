"""``benchmarks.plain_forms`` compute what the fast layers compute (within 1e-5); ``benchmarks.speedups``."""

import keras
import numpy as np
import pytest

from benchmarks.plain_forms import FORMS, use_plain_forms
from gensim_elmo.elmo_batches import embedding_batch
from keras_layers.elmo_network import ELMoNetwork

OPTIONS = {
    "lstm": {"dim": 12, "projection_dim": 6, "n_layers": 2, "cell_clip": 2.0, "proj_clip": 1.5,
             "use_skip_connections": True},
    "char_cnn": {"activation": "relu", "embedding": {"dim": 4}, "filters": [[1, 4], [2, 3], [3, 5]],
                 "n_highway": 1, "n_characters": 262, "max_characters_per_token": 50},
}
SENTENCES = [["the", "cat", "sat", "on", "the", "mat"], ["a", "cat"], ["the"]]


def network(forms=()):
    keras.utils.set_random_seed(3)
    net = ELMoNetwork(OPTIONS)
    net.build()
    rng = np.random.default_rng(0)
    for variable in net.weights:  # larger than the initializers' weights, so that every gate matters
        variable.assign(rng.normal(0, 0.6, variable.shape))
    use_plain_forms(net, forms)
    return net


def outputs(net, batch, **kwargs):
    result = net(batch, **kwargs)
    return [keras.ops.convert_to_numpy(t) for t in [result["token_embeddings"]] + result["lstm_outputs"]
            + result["final_states"]]


@pytest.mark.parametrize("forms", [[f] for f in FORMS] + [["plain", "per_position"], ["unhoisted", "per_position"]],
                         ids=str)
def test_each_plain_form_computes_the_fast_networks_outputs(forms):
    batch = embedding_batch(SENTENCES)
    fast, plain = network(), network(forms)
    expected = outputs(fast, batch)
    assert np.abs(expected[1]).max() > 0.1  # the comparison is not between near-zero outputs
    for got, want in zip(outputs(plain, batch), expected):
        np.testing.assert_allclose(got, want, atol=1e-5)
    # Training mode (the plain matmuls on every backend) and a stateful call from those states.
    states = [keras.ops.convert_to_numpy(s) for s in fast(batch)["final_states"]]
    for got, want in zip(outputs(plain, batch, training=True, initial_states=states),
                         outputs(fast, batch, training=True, initial_states=states)):
        np.testing.assert_allclose(got, want, atol=1e-5)


def test_forms_are_switched_in_place_and_bad_requests_are_refused():
    net = network(["unfused"])
    assert type(net.bilm.forward_layers[0]).__name__ == "UnfusedLSTMProjection"
    assert type(net).__name__ == "ELMoNetwork"
    with pytest.raises(ValueError, match="unknown plain forms"):
        use_plain_forms(network(), ["fused"])
    with pytest.raises(ValueError, match="at most one LSTM form"):
        use_plain_forms(network(), ["plain", "unhoisted"])


def test_speedups_quick_path_measures_each_form(tmp_path):
    from benchmarks import speedups
    from benchmarks.report import write_report
    from benchmarks.results_io import write_result

    # The worker in this process (run() starts one per installed backend); ELMo training's six
    # forms are left to the benchmark runs (each compiles its own model).
    result = speedups.worker(quick=True, only=["elmo_embed", "nnlm_train"])
    assert result["errors"] == {}
    assert set(result["workloads"]) == {"elmo_embed/tiny", "elmo_embed_batch/2", "nnlm_train"}
    embed = result["workloads"]["elmo_embed/tiny"]["forms"]
    assert list(embed) == list(speedups.EMBED_FORMS)
    curve_point = result["workloads"]["elmo_embed_batch/2"]
    assert curve_point["batch_size"] == 2 and list(curve_point["forms"]) == ["optimised", speedups.BILM_TF]
    for form in list(embed.values()) + list(curve_point["forms"].values()):
        assert form["max_difference"] < 1e-5 and form["tokens_per_s"] > 0 and len(form["seconds"]) == 1
    for forms in (embed, curve_point["forms"]):
        for form in forms.values():
            assert form["gain"] == pytest.approx(forms["optimised"]["tokens_per_s"] / form["tokens_per_s"])
    nnlm = result["workloads"]["nnlm_train"]["forms"]
    assert set(nnlm) == {"optimised", "full softmax (not sampled)"}
    assert all(0 < f["first_epoch_loss"] < 10 and f["efficiency"] > 0 for f in nnlm.values())
    figures, settings = {"backends": {"tensorflow": result}}, speedups.settings(quick=True)
    write_result("speedups", figures, settings, wall_time_s=1.0, quick=True, results_dir=str(tmp_path))
    text = open(write_report(results_dir=str(tmp_path), output=str(tmp_path / "RESULTS.md")), encoding="utf-8").read()
    assert "## speedups" in text and "| tensorflow | elmo_embed/tiny | four gate products (not fused) |" in text
    assert f"| tensorflow | elmo_embed_batch/2 | {speedups.BILM_TF} |" in text
    assert (tmp_path / "plots" / "speedups.png").exists()


def test_interleaved_seconds_rotates_the_order_and_takes_reported_seconds():
    from benchmarks.speedups import interleaved_seconds

    calls = []
    times = interleaved_seconds({"a": lambda: calls.append("a") or 2.5, "b": lambda: calls.append("b"),
                                 "c": lambda: calls.append("c")}, rounds=3)
    assert calls == ["a", "b", "c", "b", "c", "a", "c", "a", "b"]
    assert times["a"] == [2.5, 2.5, 2.5] and all(0 <= t < 1 for t in times["b"] + times["c"])
