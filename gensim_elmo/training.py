"""The training loop of NNLM and ELMo: ``fit_corpus`` encodes the corpus on disk, streams its
batches through ``keras.Model.fit`` with the progress bar, gensim-style callbacks, validation and
checkpoints, and resumes an interrupted run.

The parts it uses live in their own modules: ``gensim_elmo.encoded_corpus`` (the corpus as token
ids on disk), ``gensim_elmo.block_batches`` (deterministic batches), ``gensim_elmo.training_callbacks``
(tqdm bar, gensim-style callbacks), ``gensim_elmo.validation`` (validation, early stopping) and
``gensim_elmo.checkpoints``.
"""

import hashlib
import logging
import shutil
import tempfile

import keras
import numpy as np

from gensim_elmo.argument_checks import check_positive_ints
from gensim_elmo.distribution import (
    check_divisible_batch,
    distribution_scope,
    gather_across_processes,
    process_index_and_count,
)
from gensim_elmo.encoded_corpus import EncodedCorpus, merge_fingerprints
from gensim_elmo.training_callbacks import GensimCallbacks, TqdmProgress, split_keras_callbacks

logger = logging.getLogger(__name__)

__all__ = ["fit_corpus"]


def _fit_input(batches):
    """What to pass to ``keras.Model.fit`` for ``batches`` on the current backend.

    On TensorFlow, Keras infers a ``PyDataset``'s tensor shapes from its first two batches, so
    batches padded to different lengths (ELMo's length buckets) fail once a later batch differs
    from both. There, the batches are streamed through a ``tf.data.Dataset`` whose signature leaves
    every axis open but the batch axis, which is ``batches.batch_size`` in every batch (so layers
    that choose their form by batch size choose once, when the step is traced; the arrays named in
    ``batches.unbatched_inputs`` keep it open); it calls ``on_epoch_end`` itself, as Keras does for
    a ``PyDataset``. Other backends take the ``PyDataset`` as it is.
    """
    if keras.backend.backend() != "tensorflow":
        return batches
    import tensorflow as tf

    def spec(path, array):
        array = np.asarray(array)
        shape = [None] * array.ndim
        batched = not path or path[-1] not in batches.unbatched_inputs
        if array.ndim and batched and array.shape[0] == batches.batch_size:
            shape[0] = batches.batch_size
        return tf.TensorSpec(shape, tf.as_dtype(array.dtype))

    first = batches[0]
    signature = keras.tree.pack_sequence_as(first, [spec(path, a) for path, a in keras.tree.flatten_with_path(first)])

    def one_epoch():
        for index in range(len(batches)):
            yield batches[index]
        batches.on_epoch_end()

    dataset = tf.data.Dataset.from_generator(one_epoch, output_signature=signature)
    return dataset.apply(tf.data.experimental.assert_cardinality(len(batches))).prefetch(2)


def fit_corpus(owner, corpus, epochs, make_batches, callbacks=(), monitor=None, desc="Training", checkpoint_dir=None,
               checkpoint_steps=None):
    """Train ``owner.language_model`` on ``corpus``: the one training loop of NNLM and ELMo.

    Encodes the corpus into a temporary directory (removed afterwards), builds the batches with
    ``make_batches(encoded) -> (BlockBatches, tokens_per_batch)``, runs ``keras.Model.fit`` with the
    gensim-style callbacks, the validation ``monitor``, a tqdm bar and the user's Keras callbacks,
    and appends the epoch figures to ``owner.history``.

    With ``checkpoint_dir``, a checkpoint is written every ``checkpoint_steps`` batches and at each
    epoch end, and a checkpoint already there (same configuration and corpus) is restored first:
    training goes on from the batch it records (``gensim_elmo.checkpoints``).

    ``owner`` is a ``gensim_elmo.language_model.LanguageModel`` (its module docstring states the
    contract: ``vocabulary``, ``language_model``, ``seed``, ``progress``, ``distribution``,
    ``epochs_trained``, ``history`` and ``make_optimizer()``).
    """
    keras_callbacks, gensim_callbacks = split_keras_callbacks(callbacks)
    end_epoch = owner.epochs_trained + epochs
    work_dir = tempfile.mkdtemp(prefix=f"{desc.lower()}_corpus_")
    try:
        encoded = EncodedCorpus.write(corpus, owner.vocabulary, work_dir, progress=owner.progress,
                                      desc=f"{desc} encoding")
        batches, tokens_per_batch = make_batches(encoded)
        distribution = getattr(owner, "distribution", None)
        processes = process_index_and_count()[1]
        check_divisible_batch(distribution, batches.batch_size * processes)  # the global batch
        keras.utils.set_random_seed(owner.seed + owner.epochs_trained)
        language_model = owner.language_model
        with distribution_scope(distribution):
            if not language_model.compiled:
                language_model.compile(optimizer=owner.make_optimizer())
            if not language_model.optimizer.built:
                # Here, not lazily in the first training step: on TensorFlow a variable created while
                # tf.function traces the step makes it trace the whole step a second time (a tiny
                # ELMo's first fit took 7.3 CPU seconds instead of 4.6). A checkpoint restores into
                # these variables too.
                language_model.optimizer.build(language_model.trainable_variables)
            checkpoint, start_batch = None, 0
            if checkpoint_dir is not None:
                checkpoint, start_batch = _restore_checkpoint(owner, encoded, batches, checkpoint_dir, checkpoint_steps,
                                                              end_epoch, monitor)
            while owner.epochs_trained < end_epoch and not (monitor is not None and monitor.stopped):
                # A resumed run first finishes its interrupted epoch, then trains the rest as usual.
                last = owner.epochs_trained + 1 if start_batch else end_epoch
                callbacks_of_fit = [GensimCallbacks(owner, gensim_callbacks)] + ([monitor] if monitor is not None else [])
                if owner.progress:
                    callbacks_of_fit.append(TqdmProgress(len(batches), end_epoch, desc=desc,
                                                         tokens_per_batch=tokens_per_batch, initial=start_batch))
                callbacks_of_fit.extend(keras_callbacks)
                if checkpoint is not None:  # last, so it saves what the other callbacks changed
                    checkpoint.offset = start_batch
                    callbacks_of_fit.append(checkpoint)
                _fit_and_record(owner, _RemainingBatches(batches, start_batch) if start_batch else batches, last,
                                callbacks_of_fit)
                start_batch = 0
                if owner.epochs_trained < last:
                    break  # early stopping
            if monitor is not None:
                monitor.restore_best()
    finally:
        shutil.rmtree(work_dir, ignore_errors=True)


def _fit_and_record(owner, batches, last_epoch, callbacks):
    """One ``fit`` call from ``owner.epochs_trained`` to ``last_epoch``; its history goes to ``owner``."""
    history = owner.language_model.fit(_fit_input(batches), epochs=last_epoch, initial_epoch=owner.epochs_trained,
                                       callbacks=callbacks, verbose=0, shuffle=False)
    for key, values in history.history.items():
        owner.history.setdefault(key, []).extend(float(v) for v in values)
    owner.epochs_trained += len(history.history.get("loss", []))


def _restore_checkpoint(owner, encoded, batches, checkpoint_dir, checkpoint_steps, end_epoch, monitor=None):
    """The ``TrainingCheckpoint`` of a run, restored if one exists; returns it and the batches done
    in the current epoch."""
    from gensim_elmo.checkpoints import TrainingCheckpoint

    if checkpoint_steps is not None:
        check_positive_ints(checkpoint_steps=checkpoint_steps)
    language_model = owner.language_model  # its optimizer is built: the checkpoint's variables have a place to go
    fingerprint = {
        "model": type(owner).__name__,
        "seed": owner.seed,
        "batch_size": batches.batch_size,
        "batches_per_epoch": len(batches),
        "vocabulary": hashlib.sha1("\n".join(owner.vocabulary.index_to_word).encode("utf-8")).hexdigest(),
        "variables": [list(v.shape) for v in language_model.variables],
        "optimizer": [type(language_model.optimizer).__name__, [list(v.shape) for v in language_model.optimizer.variables]],
        # Several processes: each holds its shard, and the checkpoint is of them all.
        "corpus": merge_fingerprints(gather_across_processes(encoded.fingerprint)),
    }
    checkpoint = TrainingCheckpoint(owner, checkpoint_dir, fingerprint, every_steps=checkpoint_steps,
                                    end_epoch=end_epoch, monitor=monitor)
    start_batch = checkpoint.restore()
    if start_batch is None:
        start_batch = 0
    else:
        logger.info("resuming from the checkpoint in %s: epoch %d, batch %d", checkpoint_dir,
                    owner.epochs_trained + 1, start_batch)
    batches.epoch = owner.epochs_trained
    return checkpoint, start_batch


class _RemainingBatches(keras.utils.PyDataset):
    """The batches of the current epoch from ``start`` on (resuming mid-epoch); the epoch's end
    advances the underlying batches."""

    def __init__(self, batches, start):
        super().__init__()
        self.batches = batches
        self.start = start
        self.batch_size = batches.batch_size
        self.unbatched_inputs = batches.unbatched_inputs

    @property
    def num_batches(self):
        return len(self.batches) - self.start

    def __len__(self):
        return self.num_batches

    def __getitem__(self, index):
        return self.batches[index + self.start]

    def on_epoch_end(self):
        self.batches.on_epoch_end()
