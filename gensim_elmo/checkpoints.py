"""Training checkpoints of NNLM and ELMo, and exact resume after a crash.

A checkpoint is a directory holding ``state.npz`` (every variable of the Keras training model, the
random-seed states of its dropout and sampled-softmax layers included, and every optimizer
variable) and ``progress.json`` (the position in the corpus: epochs done and batches done in the
current epoch; the training history; a fingerprint of the configuration and the encoded corpus).
It is written atomically every ``checkpoint_steps`` batches and at every epoch end, so a kill at
any moment leaves the last complete checkpoint.

Because every batch is a pure function of (seed, epoch, batch index) (see
``gensim_elmo.block_batches.BlockBatches``), restoring the variables and skipping the batches already
done continues the run exactly where it stopped: the resumed run ends with the same weights as an
uninterrupted one. The validation monitor's state (best perplexity, epochs waited, the best
weights kept for early stopping; ``gensim_elmo.validation``) is saved too. What is not restored:
the state of user Keras callbacks (e.g. a ``ReduceLROnPlateau`` counter).

Example:
>>> from gensim_elmo import NNLM
>>> import tempfile
>>> directory = tempfile.mkdtemp()
>>> data = [["a", "b", "c"]] * 40
>>> model = NNLM(data, vector_size=4, window=2, hidden_size=4, epochs=2, batch_size=8,
...              progress=False, checkpoint_dir=directory)
>>> read_progress(directory)["epochs_done"], read_progress(directory)["batches_done"]
(2, 0)
"""

import os

import keras

from gensim_elmo.checkpoint_files import check_fingerprint, read_progress, read_state, write_checkpoint
from gensim_elmo.distribution import is_writer

__all__ = ["TrainingCheckpoint", "read_progress"]


def _variables(language_model):
    optimizer = language_model.optimizer
    return list(language_model.variables), list(optimizer.variables) if optimizer is not None else []


class TrainingCheckpoint(keras.callbacks.Callback):
    """Write checkpoints during ``fit`` and restore the latest one before it.

    ``gensim_elmo.training.fit_corpus`` creates it when a model is trained with ``checkpoint_dir``;
    see the module docstring for what a checkpoint holds.

    Args:
        owner: the gensim_elmo model (``language_model``, ``history``, ``epochs_trained``).
        directory: the checkpoint directory (created; replaced atomically at each write).
        fingerprint: dict identifying the configuration and corpus; a checkpoint with another
            fingerprint is refused.
        every_steps: int or None, also write every this many batches of an epoch (None: only at
            epoch ends).
        end_epoch: int, the epoch the whole run trains up to (so a resumed run knows its goal).
        monitor: the run's ``ValidationMonitor`` or None; its state is saved and restored.
    """

    def __init__(self, owner, directory, fingerprint, every_steps=None, end_epoch=None, monitor=None):
        super().__init__()
        self.owner = owner
        self.directory = os.path.abspath(os.fspath(directory))
        self.fingerprint = fingerprint
        self.every_steps = every_steps
        self.end_epoch = end_epoch
        self.monitor = monitor
        self.offset = 0  # batches of the current epoch done before this fit call started
        self._epoch_logs = []

    # --- restoring -------------------------------------------------------------------------------
    def restore(self):
        """Load the checkpoint in ``directory`` into ``owner``; returns batches done in the current
        epoch (0 at an epoch boundary), or None when there is no checkpoint.

        Raises:
            ValueError: the checkpoint belongs to another configuration or corpus, or is corrupt.
        """
        progress = read_progress(self.directory)
        if progress is None:
            return None
        check_fingerprint(self.directory, progress, self.fingerprint)
        model_vars, optimizer_vars = _variables(self.owner.language_model)
        state = read_state(self.directory)
        names = [f"model_{i:04d}" for i in range(len(model_vars))] + [f"optimizer_{i:04d}" for i in
                                                                      range(len(optimizer_vars))]
        for variable, name in zip(model_vars + optimizer_vars, names):
            value = state.get(name)
            if value is None or tuple(variable.shape) != value.shape:
                raise ValueError(f"the checkpoint in {self.directory} holds {None if value is None else value.shape} "
                                 f"for variable {variable.path} of shape {tuple(variable.shape)}; it comes from another "
                                 "configuration.")
            variable.assign(value)
        if self.monitor is not None and progress.get("monitor") is not None:
            prefix = "monitor_"
            self.monitor.restore_state(progress["monitor"], {k[len(prefix):]: v for k, v in state.items()
                                                             if k.startswith(prefix)})
        self.owner.history = {key: list(values) for key, values in progress["history"].items()}
        self.owner.epochs_trained = int(progress["epochs_done"])
        return int(progress["batches_done"])

    # --- writing ---------------------------------------------------------------------------------
    def write(self, epochs_done, batches_done):
        """Write a checkpoint at this position, atomically (process 0 only, when several train together)."""
        if not is_writer():
            return
        model = self.owner.language_model
        if hasattr(model, "jax_state_sync"):  # JAX keeps the training state outside the variables
            model.jax_state_sync()
        model_vars, optimizer_vars = _variables(model)
        arrays = {f"model_{i:04d}": keras.ops.convert_to_numpy(v.value) for i, v in enumerate(model_vars)}
        arrays.update({f"optimizer_{i:04d}": keras.ops.convert_to_numpy(v.value) for i, v in enumerate(optimizer_vars)})
        monitor_progress = None
        if self.monitor is not None:
            monitor_progress, monitor_arrays = self.monitor.state()
            arrays.update({f"monitor_{name}": value for name, value in monitor_arrays.items()})
        history = {key: list(values) for key, values in self.owner.history.items()}
        for logs in self._epoch_logs:
            for key, value in logs.items():
                history.setdefault(key, []).append(float(value))
        write_checkpoint(self.directory, arrays, {"epochs_done": int(epochs_done), "batches_done": int(batches_done),
                                                  "end_epoch": self.end_epoch, "history": history,
                                                  "monitor": monitor_progress, "fingerprint": self.fingerprint})

    # --- Keras callback --------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        self._epoch_logs = []

    def on_train_batch_end(self, batch, logs=None):
        done = self.offset + batch + 1
        if self.every_steps and done % self.every_steps == 0:
            self.write(self.owner.epochs_trained + len(self._epoch_logs), done)

    def on_epoch_end(self, epoch, logs=None):
        self.offset = 0
        self._epoch_logs.append(dict(logs or {}))
        self.write(self.owner.epochs_trained + len(self._epoch_logs), 0)
