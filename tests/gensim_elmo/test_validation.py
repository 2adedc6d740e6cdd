import keras
import numpy as np
import pytest

from gensim_elmo.validation import ValidationMonitor, check_validation_settings


class _ScriptedOwner:
    """A model whose validation perplexities follow a script, with a real Keras model to train."""

    def __init__(self, script):
        self.script = list(script)
        self.language_model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        self.language_model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
        self.weights_at_epoch = []

    def validation_logs(self, sentences):
        self.weights_at_epoch.append(self.language_model.get_weights())
        return {"val_perplexity": self.script.pop(0), "val_other": 1.0}


def _fit(owner, monitor, epochs):
    x = np.random.default_rng(0).normal(size=(8, 2))
    owner.language_model.fit(x, x[:, :1], epochs=epochs, batch_size=4, verbose=0, callbacks=[monitor])
    monitor.restore_best()


def test_stops_after_patience_restores_the_best_epoch_and_decays_the_rate():
    owner = _ScriptedOwner([5.0, 3.0, 4.0, 4.0, 1.0])
    monitor = ValidationMonitor(owner, [["a"]], patience=2, lr_decay=0.5)
    _fit(owner, monitor, epochs=5)
    assert monitor.stopped and monitor.best == 3.0 and len(owner.weights_at_epoch) == 4
    for kept, best in zip(owner.language_model.get_weights(), owner.weights_at_epoch[1]):
        np.testing.assert_array_equal(kept, best)
    rate = float(np.asarray(owner.language_model.optimizer.learning_rate))
    assert rate == pytest.approx(0.1 * 0.25)  # halved after epochs 3 and 4


def test_state_round_trip_keeps_best_weights():
    owner = _ScriptedOwner([2.0, 3.0])
    monitor = ValidationMonitor(owner, [["a"]], patience=3)
    _fit(owner, monitor, epochs=2)
    progress, arrays = monitor.state()
    again = ValidationMonitor(owner, [["a"]], patience=3)
    again.restore_state(progress, arrays)
    assert (again.best, again.wait, again.stopped) == (2.0, 1, False)
    for a, b in zip(again.best_weights, monitor.best_weights):
        np.testing.assert_array_equal(a, b)


def test_settings_need_validation_data_and_sane_values():
    with pytest.raises(ValueError, match="needs `validation_sentences`"):
        check_validation_settings(None, None, 0.5)
    with pytest.raises(ValueError, match="positive int"):
        check_validation_settings([["a"]], 0, None)
    with pytest.raises(ValueError, match=r"in \(0, 1\)"):
        check_validation_settings([["a"]], None, 1.5)
