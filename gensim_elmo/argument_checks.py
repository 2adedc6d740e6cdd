"""Checks of the training arguments NNLM and ELMo share, each raising a message that names the argument."""

import logging

logger = logging.getLogger(__name__)

__all__ = ["check_positive_ints", "check_epochs", "clamp_batch_size"]


def check_positive_ints(**values):
    """Raise ``ValueError`` naming the first argument that is not a positive int.

    Example:
    >>> check_positive_ints(epochs=3, batch_size=0)
    Traceback (most recent call last):
    ...
    ValueError: `batch_size` must be a positive int, got 0.
    """
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"`{name}` must be a positive int, got {value!r}.")


def check_epochs(epochs):
    """Validate an ``epochs`` argument.

    Example:
    >>> check_epochs(3)
    3
    """
    check_positive_ints(epochs=epochs)
    return epochs


def clamp_batch_size(batch_size, examples, unit="examples"):
    """``batch_size``, or ``examples`` (with a warning) when the corpus cannot fill one batch.

    Example:
    >>> clamp_batch_size(512, 100)
    100
    """
    if examples < batch_size:
        logger.warning("the corpus has %d %s, fewer than `batch_size`=%d: training with batches of %d",
                       examples, unit, batch_size, examples)
        return examples
    return batch_size
