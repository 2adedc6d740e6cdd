"""Training on several devices with Keras's own distribution engine (``keras.distribution``).

``NNLM(..., distribution=...)`` and ``ELMo(..., distribution=...)`` take:

- ``None`` (default): one device;
- ``"auto"``: data parallelism over every local device of the active backend
  (``keras.distribution.DataParallel`` on JAX);
- a ``keras.distribution.Distribution`` object (``DataParallel``, ``ModelParallel``...), used as it is.

The model's variables are created, and ``fit`` runs, inside the distribution's scope, so Keras
shards every batch over the devices and keeps the replicas in step: the global batch
(``batch_size``) is split evenly, and must therefore be a multiple of the number of devices.
With the same seed and global batch, one and two devices give the same losses and weights (to
float rounding).

Only the JAX backend is supported. On TensorFlow, ``keras.distribution`` silently does nothing and
``tf.distribute.MultiWorkerMirroredStrategy`` fails inside Keras 3's ``fit``; on PyTorch, Keras 3
has no distribution support. Those backends get a clear error rather than a run on one device
that claims to be distributed.

Example:
>>> resolve_distribution(None) is None
True
"""

import contextlib

import keras

__all__ = ["resolve_distribution", "distribution_scope", "check_divisible_batch"]


def resolve_distribution(distribution):
    """The ``keras.distribution.Distribution`` for a ``distribution`` argument, or None.

    Raises:
        ValueError: a backend without support, or an argument of another kind.

    Example:
    >>> resolve_distribution(None) is None
    True
    """
    if distribution is None:
        return None
    backend = keras.backend.backend()
    if backend != "jax":
        raise ValueError(
            f"`distribution` needs the JAX backend (KERAS_BACKEND=jax); the active backend is {backend!r}. On "
            "TensorFlow keras.distribution does nothing and multi-worker strategies fail inside Keras 3's fit; on "
            "PyTorch Keras 3 has no distribution support. Train with distribution=None there."
        )
    if isinstance(distribution, str):
        if distribution != "auto":
            raise ValueError(f"`distribution` must be None, 'auto' or a keras.distribution.Distribution, got "
                             f"{distribution!r}.")
        return keras.distribution.DataParallel(devices=keras.distribution.list_devices())
    if isinstance(distribution, keras.distribution.Distribution):
        return distribution
    raise ValueError(f"`distribution` must be None, 'auto' or a keras.distribution.Distribution, got "
                     f"{type(distribution).__name__}.")


def distribution_scope(distribution):
    """A context manager that makes ``distribution`` Keras's active one (a no-op for None)."""
    return distribution.scope() if distribution is not None else contextlib.nullcontext()


def num_devices(distribution):
    """How many devices a batch is split over (1 without a distribution)."""
    if distribution is None:
        return 1
    mesh = getattr(distribution, "device_mesh", None)
    return int(mesh.devices.size) if mesh is not None else 1


def check_divisible_batch(distribution, batch_size):
    """Raise ``ValueError`` when ``batch_size`` cannot be split evenly over the devices."""
    devices = num_devices(distribution)
    if batch_size % devices:
        raise ValueError(f"`batch_size`={batch_size} cannot be split evenly over {devices} devices; use a multiple "
                         f"of {devices} (it is the global batch, shared by all devices).")
