"""Floating-point operations per token of ELMo and the NNLM, counted analytically.

A multiply-add counts as 2 FLOPs; only the matrix products and convolutions are counted (the
element-wise work is a few percent). Training costs 3 times the forward pass (the backward pass
computes two products per forward product: gradients of the inputs and of the weights).

Example:
>>> from gensim_elmo.elmo_options import build_options
>>> round(elmo_flops_per_token(build_options("original")) / 1e6)
204
"""

TRAINING_FACTOR = 3


def char_cnn_flops(options):
    """FLOPs of the character CNN, its highway layers and its projection, for one token."""
    cnn = options["char_cnn"]
    chars, char_dim = cnn["max_characters_per_token"], cnn["embedding"]["dim"]
    conv = sum(2 * width * char_dim * count * (chars - width + 1) for width, count in cnn["filters"])
    total_filters = sum(count for _, count in cnn["filters"])
    highway = cnn["n_highway"] * 2 * (2 * total_filters * total_filters)  # transform and carry gates
    projection = 2 * total_filters * options["lstm"]["projection_dim"]
    return conv + highway + projection


def lstm_flops(options):
    """FLOPs of every LSTM layer in both directions (gates and projection), for one token."""
    lstm = options["lstm"]
    dim, projection = lstm["dim"], lstm["projection_dim"]
    one = 2 * (projection + projection) * 4 * dim + 2 * dim * projection
    return 2 * lstm["n_layers"] * one


def elmo_flops_per_token(options, training=False, num_sampled=None, vocabulary_size=None):
    """FLOPs per token of ELMo: embedding (the default), or training with its softmax.

    Args:
        options: the architecture (``gensim_elmo.elmo_options.build_options``).
        training: bool, count a training step (forward, backward, both directions' softmax).
        num_sampled: int or None, negatives of the sampled softmax when training.
        vocabulary_size: int, the softmax size (used when ``num_sampled`` is None).
    """
    forward = char_cnn_flops(options) + lstm_flops(options)
    if not training:
        return forward
    classes = num_sampled + 1 if num_sampled else vocabulary_size
    softmax = 2 * 2 * options["lstm"]["projection_dim"] * classes  # forward and backward language models
    return TRAINING_FACTOR * (forward + softmax)


def nnlm_flops_per_token(settings, vocabulary_size):
    """FLOPs per predicted word of training the NNLM with ``settings`` (``benchmarks.lm_recipes.recipe("nnlm")["settings"]``).

    Example:
    >>> nnlm_flops_per_token(dict(vector_size=10, window=2, hidden_size=5, num_sampled=None), 100)
    3600
    """
    inputs = settings["window"] * settings["vector_size"]
    hidden = settings["hidden_size"]
    classes = settings["num_sampled"] + 1 if settings.get("num_sampled") else vocabulary_size
    output = 2 * hidden * classes + (2 * inputs * classes if settings.get("direct_connections") else 0)
    return TRAINING_FACTOR * (2 * inputs * hidden + output)
