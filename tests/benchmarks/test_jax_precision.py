"""``benchmarks.jax_precision``: its precision switch reaches Keras's jitted training step; a quick run
writes every figure; the report shows them."""

import json

import pytest

from benchmarks.jax_precision import SETTINGS, main, matmul_precision
from benchmarks.report import write_report
from benchmarks.results_io import write_result
from tests.helpers import run_in_fresh_process


def test_matmul_precision_sets_and_restores_jax_config_and_refuses_unknown_names():
    import jax

    before = jax.config.jax_default_matmul_precision
    with matmul_precision("highest"):
        assert jax.config.jax_default_matmul_precision == "highest"
    assert jax.config.jax_default_matmul_precision == before
    with pytest.raises(ValueError, match="choose from"):
        with matmul_precision("bf16"):
            pass


def test_main_refuses_a_backend_other_than_jax(tmp_path):
    import keras

    if keras.backend.backend() == "jax":
        pytest.skip("the active backend is JAX")
    with pytest.raises(SystemExit, match="KERAS_BACKEND=jax"):
        main(["--quick", "--results-dir", str(tmp_path)])


def test_each_fit_traces_its_training_step_at_its_own_precision():
    out = run_in_fresh_process(
        """
        import jax, keras, numpy as np
        from benchmarks.jax_precision import matmul_precision

        seen = []

        class Records(keras.layers.Layer):
            def call(self, x):
                seen.append(jax.config.jax_default_matmul_precision)
                return x

        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2), Records()])
        model.compile(optimizer="sgd", loss="mse")
        x, y = np.ones((4, 3), "float32"), np.zeros((4, 2), "float32")
        traced = []
        for precision in ("highest", "default", "highest"):
            seen.clear()  # building the model above traced the layer too
            with matmul_precision(precision):
                model.fit(x, y, epochs=1, verbose=0)
            traced.append(sorted(set(str(s) for s in seen)))
        print(traced)
        """,
        env={"KERAS_BACKEND": "jax"},
    )
    # Each precision's first fit traces the step under that precision; the third reuses the first's.
    assert out.strip().splitlines()[-1] == "[['highest'], ['None'], []]"


def test_quick_run_writes_every_figure(tmp_path):
    run_in_fresh_process(
        f"""
        from benchmarks.jax_precision import main
        main(["--quick", "--results-dir", {str(tmp_path)!r}])
        """,
        env={"KERAS_BACKEND": "jax", "JAX_PLATFORMS": "cpu"},
    )
    with open(tmp_path / "jax_precision.quick.json", encoding="utf-8") as handle:
        figures = json.load(handle)["figures"]
    assert figures["device"] == "cpu" and figures["cudnn_path_taken"] is False
    # Four differences: each layer at the default precision, and the cuDNN path at "highest"; on a CPU
    # there is no TF32 and no cuDNN, so every output equals its IEEE reference to float32 rounding.
    assert sorted(figures["output_difference"]) == ["keras_lstm, cudnn path (default)", "keras_lstm, cudnn path (highest)",
                                                    "keras_lstm, generic path (default)", "projection (default)"]
    assert max(figures["output_difference"].values()) < 1e-6
    speed, ratios = figures["tokens_per_s"], figures["ratio_to_keras_lstm"]
    assert len(speed) == 4 and min(speed.values()) > 0
    assert ratios["projection highest vs keras_lstm default"] == pytest.approx(
        speed["projection (highest)"] / speed["keras_lstm (default)"])
    assert len(ratios) == 4


def test_report_shows_differences_speeds_and_ratios(tmp_path):
    figures = {"jax": "0.11", "keras": "3.15", "device": "NVIDIA H200", "cudnn_path_taken": True,
               "output_difference": {"keras_lstm, cudnn path (default)": 1.7e-4, "keras_lstm, cudnn path (highest)": 1.3e-7,
                                     "keras_lstm, generic path (default)": 1.7e-4, "projection (default)": 2.5e-4},
               "tokens_per_s": {"projection (default)": 300.0, "projection (highest)": 200.0,
                                "keras_lstm (default)": 250.0, "keras_lstm (highest)": 100.0},
               "ratio_to_keras_lstm": {"projection highest vs keras_lstm highest": 2.0}}
    write_result("jax_precision_gpu", figures, SETTINGS["full"], 1.0, False, str(tmp_path))
    text = open(write_report(results_dir=str(tmp_path), output=str(tmp_path / "RESULTS.md")), encoding="utf-8").read()
    assert "| keras_lstm, cudnn path | 1.7e-04 | 1.3e-07 | 250 | 100 |" in text
    assert "| projection | 2.5e-04 | – | 300 | 200 |" in text
    assert "Keras took its cuDNN path" in text and "projection highest vs keras_lstm highest **2.00**" in text
