"""Training on several devices with the backend's own distribution engine, never a home-made one.

``NNLM(..., distribution=...)`` and ``ELMo(..., distribution=...)`` take:

- ``None`` (default): one device;
- ``"auto"``: data parallelism over every local device of the active backend:
  ``keras.distribution.DataParallel`` on JAX, ``tf.distribute.MirroredStrategy`` on TensorFlow;
- a ``keras.distribution.Distribution`` object (``DataParallel``, ``ModelParallel``...) on JAX, or a
  ``tf.distribute.MirroredStrategy`` (or ``OneDeviceStrategy``) on TensorFlow, used as it is.

The model's variables are created, and ``fit`` runs, inside the distribution's scope, so the
engine shards every batch over the devices and keeps the replicas in step: the global batch
(``batch_size``) is split evenly, and must therefore be a multiple of the number of devices.
With the same seed and global batch, one and two devices give the same losses and weights (to
float rounding).

Several JAX processes (one per host, started with ``keras.distribution.initialize()`` and the
``KERAS_DISTRIBUTION_*`` variables): ``"auto"`` is then ``DataParallel`` with
``auto_shard_dataset=False``; each process reads only its own shard of the corpus (lines of a
file, files of a directory: ``gensim_elmo.corpus.shard_sentences``), the processes sum their word
counts so that they choose one vocabulary, each feeds ``batch_size / processes`` examples of every
global batch, all take as many steps per epoch as the smallest shard allows, and only process 0
writes files (``save``, checkpoints; every process restores a checkpoint, whose fingerprint
covers every shard).

ELMo's batches carry a table of their distinct tokens (the character CNN runs once per distinct
token), which every engine would cut along its first axis with the rows. So on TensorFlow each
replica's rows get their own table (``tf.distribute`` hands each replica one part of every input),
and the loss is averaged over the whole global batch, not per replica; on several JAX processes each
process feeds its own table, and before training the processes agree on every batch's length and
table size, to which each pads its batches (``SentenceBatches.agree_shapes``). There the loss of a step
is the mean of the processes' mean losses (their batches hold different token counts); on one
process, JAX's global computation averages over the whole batch.

Several CPU devices of one JAX process (``--xla_force_host_platform_device_count``, or a JAX
process per host with several local CPU devices): ``fit`` then waits for each step before it
dispatches the next (``host_sync_callbacks``). Left to run ahead, the host can queue more steps
than XLA:CPU lets a device hold in flight (32), and XLA's CPU client (jaxlib 0.10) then deadlocks
when its thread pool is small (one thread per core, at least one per device: two on a 2-core
machine): one pool thread launches a device's part of a late step and blocks there, on that
device's full queue, while the other runs the other device's part of an early step, which waits
in the step's all-reduce for the first device's part, queued in the pool behind them. After 40 s
XLA aborts the process ("Termination timeout for `all reduce` ... Expected 2 threads to join the
rendezvous, but only 1 of them arrived on time"). A progress bar (``progress=True``, the default)
already waits for each step. GPUs (another XLA client) and TensorFlow (its own runtime) are left
as they are.

Not supported, with a clear error rather than a run on one device that claims to be
distributed: ``keras.distribution`` on TensorFlow (it silently does nothing there),
``tf.distribute.MultiWorkerMirroredStrategy`` (it fails inside Keras 3's ``fit``, an open Keras
bug), and any distribution on PyTorch (Keras 3 has none).

Example:
>>> resolve_distribution(None) is None
True
"""

import contextlib
import json
import os
from collections import Counter

import keras
import numpy as np

from gensim_elmo.corpus import as_sentences, shard_sentences

__all__ = ["resolve_distribution", "distribution_scope", "check_divisible_batch", "host_sync_callbacks",
           "WaitForEachStep"]

_AUTO_STRATEGY = None  # the TensorFlow strategy of distribution="auto", made on first use


def resolve_distribution(distribution):
    """The ``keras.distribution.Distribution`` (JAX) or ``tf.distribute.Strategy`` (TensorFlow), or None.

    Raises:
        ValueError: a backend without support, or an argument of another kind.

    Example:
    >>> resolve_distribution(None) is None
    True
    """
    if distribution is None:
        return None
    backend = keras.backend.backend()
    if backend == "tensorflow":
        return _tensorflow_strategy(distribution)
    if backend != "jax":
        raise ValueError(
            f"`distribution` needs the JAX or the TensorFlow backend; the active backend is {backend!r}, for which "
            "Keras 3 has no distribution support. Train with distribution=None there."
        )
    processes = process_index_and_count()[1]
    if isinstance(distribution, str):
        if distribution != "auto":
            raise ValueError(f"`distribution` must be None, 'auto' or a keras.distribution.Distribution, got "
                             f"{distribution!r}.")
        # Several processes: each feeds its own shard of every batch.
        return keras.distribution.DataParallel(devices=keras.distribution.list_devices(),
                                               auto_shard_dataset=processes == 1)
    if isinstance(distribution, keras.distribution.Distribution):
        if processes > 1 and getattr(distribution, "auto_shard_dataset", False):
            raise ValueError("With several processes each one reads its own shard of the corpus, so the "
                             "distribution must be made with auto_shard_dataset=False (or pass 'auto').")
        return distribution
    raise ValueError(f"`distribution` must be None, 'auto' or a keras.distribution.Distribution, got "
                     f"{type(distribution).__name__}.")


def _tensorflow_strategy(distribution):
    """The ``tf.distribute.Strategy`` for ``distribution`` on the TensorFlow backend."""
    import tensorflow as tf

    if isinstance(distribution, str):
        if distribution != "auto":
            raise ValueError(f"`distribution` must be None, 'auto' or a tf.distribute.MirroredStrategy, got "
                             f"{distribution!r}.")
        global _AUTO_STRATEGY
        if _AUTO_STRATEGY is None:
            # One per process: the collectives of two MirroredStrategy objects can collide.
            devices = tf.config.list_logical_devices("GPU") or tf.config.list_logical_devices("CPU")
            _AUTO_STRATEGY = tf.distribute.MirroredStrategy(devices=[d.name for d in devices])
        return _AUTO_STRATEGY
    if isinstance(distribution, tf.distribute.MultiWorkerMirroredStrategy):
        raise ValueError("tf.distribute.MultiWorkerMirroredStrategy fails inside Keras 3's fit (an open Keras bug); "
                         "train on several hosts with the JAX backend (docs: 'Training on many devices and "
                         "machines').")
    if isinstance(distribution, tf.distribute.Strategy):
        return distribution
    # keras.distribution objects land here: that engine does nothing on this backend.
    raise ValueError(f"`distribution` must be None, 'auto' or a tf.distribute.MirroredStrategy on TensorFlow, got "
                     f"{type(distribution).__name__} (keras.distribution does nothing on the TensorFlow backend; "
                     "use KERAS_BACKEND=jax for it).")


def distribution_scope(distribution):
    """A context manager that makes ``distribution`` the active one (a no-op for None)."""
    return distribution.scope() if distribution is not None else contextlib.nullcontext()


class WaitForEachStep(keras.callbacks.Callback):
    """A Keras callback that makes ``fit`` wait for each training step before it dispatches the next.

    Keras on JAX hands the batch-end hooks to a thread pool while every callback leaves them alone,
    so the host goes on dispatching steps without waiting for their results. A callback that
    overrides ``on_train_batch_end`` (and does not declare itself ``async_safe``) makes Keras call
    the hook on the training thread, after turning the step's logs (its loss) into Python numbers,
    which waits for the step to finish: at most one step is in flight. ``host_sync_callbacks``
    gives it where running ahead is unsafe (several CPU devices of one JAX process).

    Example:
    >>> callback = WaitForEachStep()
    >>> getattr(callback, "async_safe", False)
    False
    """

    def on_train_batch_end(self, batch, logs=None):
        # Keras has already waited for this step's loss (its logs are Python numbers here).
        pass


def _local_cpu_devices(distribution):
    """How many CPU devices of this process ``distribution`` (a keras.distribution one, on JAX) uses."""
    mesh = getattr(distribution, "device_mesh", None)
    if mesh is None or keras.backend.backend() != "jax":
        return 0
    import jax

    devices = np.asarray(mesh.backend_mesh.devices).ravel()
    local = [d for d in devices if d.process_index == jax.process_index()]
    return len(local) if local and all(d.platform == "cpu" for d in local) else 0


def host_sync_callbacks(distribution):
    """The Keras callbacks ``fit`` must run with to train safely under ``distribution``.

    ``[WaitForEachStep()]`` when ``distribution`` spans several CPU devices of this JAX process,
    ``[]`` otherwise (one device, GPUs or TPUs, TensorFlow). On several CPU devices, a host that
    runs 32 steps ahead of the devices can deadlock XLA's CPU client, which then aborts the process
    after 40 s (see the module docstring); waiting for each step keeps one in flight.
    ``NNLM`` and ``ELMo`` add these callbacks themselves.

    Example:
    >>> host_sync_callbacks(None)
    []
    """
    return [WaitForEachStep()] if _local_cpu_devices(distribution) > 1 else []


def num_devices(distribution):
    """How many devices a batch is split over (1 without a distribution)."""
    if distribution is None:
        return 1
    replicas = getattr(distribution, "num_replicas_in_sync", None)  # tf.distribute
    if replicas is not None:
        return int(replicas)
    mesh = getattr(distribution, "device_mesh", None)
    return int(mesh.devices.size) if mesh is not None else 1


def check_divisible_batch(distribution, batch_size):
    """Raise ``ValueError`` when ``batch_size`` cannot be split evenly over the devices."""
    devices = num_devices(distribution)
    if batch_size % devices:
        raise ValueError(f"`batch_size`={batch_size} cannot be split evenly over {devices} devices; use a multiple "
                         f"of {devices} (it is the global batch, shared by all devices).")


def process_index_and_count():
    """``(index, count)`` of this training process: JAX multi-process runs, else ``(0, 1)``.

    Example:
    >>> process_index_and_count()
    (0, 1)
    """
    if keras.backend.backend() != "jax" or int(os.environ.get("KERAS_DISTRIBUTION_NUM_PROCESSES", "1") or 1) <= 1:
        return 0, 1  # never starts JAX's runtime before keras.distribution.initialize() could run
    import jax

    return jax.process_index(), jax.process_count()


def local_device_count():
    """Devices of this process that share its part of every batch: JAX multi-process runs, else 1."""
    if process_index_and_count()[1] == 1:
        return 1
    import jax

    return jax.local_device_count()


def process_corpus(sentences=None, corpus_file=None):
    """The corpus (``as_sentences`` of the arguments) as this process reads it: its own shard when
    several JAX processes train together, the whole of it otherwise.

    Example:
    >>> list(process_corpus([["a"], ["b"]]))
    [['a'], ['b']]
    """
    return shard_sentences(as_sentences(sentences, corpus_file), *process_index_and_count())


def refuse_validation_with_processes(validation_sentences, model_name):
    """Raise ``ValueError`` when ``validation_sentences`` are given and several processes train together."""
    if validation_sentences is not None and process_index_and_count()[1] > 1:
        raise ValueError("`validation_sentences` is not supported yet when several processes train together; "
                         f"score the saved model afterwards ({model_name}.load(path).perplexity(...)).")


def is_writer():
    """Whether this process writes files (process 0 of a multi-process run, or the only one)."""
    return process_index_and_count()[0] == 0


def _allgather(array):
    from jax.experimental import multihost_utils

    return np.asarray(multihost_utils.process_allgather(np.asarray(array)))


def largest_across_processes(array):
    """The element-wise maximum of every process's ``array`` (ints, one shape everywhere); ``array``
    itself with one process."""
    array = np.asarray(array, np.int64)
    if process_index_and_count()[1] == 1:
        return array
    return _allgather(array).reshape((-1,) + array.shape).max(axis=0)


def fewest_across_processes(value):
    """The smallest of every process's ``value`` (an int); ``value`` itself with one process."""
    if process_index_and_count()[1] == 1:
        return int(value)
    return int(_allgather(np.asarray([value], np.int64)).min())


def gather_across_processes(value):
    """Every process's ``value`` (anything JSON can hold), in process order; ``[value]`` with one process.

    The values travel as UTF-8 JSON bytes through JAX's process all-gather.
    """
    if process_index_and_count()[1] == 1:
        return [value]
    payload = np.frombuffer(json.dumps(value).encode("utf-8"), np.uint8)
    lengths = _allgather(np.asarray([payload.size], np.int64)).ravel()
    padded = np.zeros(int(lengths.max()), np.uint8)
    padded[: payload.size] = payload
    rows = _allgather(padded).reshape(len(lengths), -1)
    return [json.loads(row[: int(length)].tobytes().decode("utf-8")) for row, length in zip(rows, lengths)]


def sum_counts_across_processes(counter, stats):
    """Word counts and corpus stats summed over every process (a ``Vocabulary.build`` ``combine``),
    so that every process chooses the same vocabulary."""
    if process_index_and_count()[1] == 1:
        return counter, stats
    total, total_stats = Counter(), {key: 0 for key in stats}
    for their_stats, their_counts in gather_across_processes([stats, counter]):
        total.update(their_counts)
        for key in total_stats:
            total_stats[key] += their_stats[key]
    return total, total_stats
