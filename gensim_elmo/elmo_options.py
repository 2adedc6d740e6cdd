"""ELMo architectures: the published presets, in the original ``options.json`` format, and overrides.

Presets (Peters et al. 2018 and the models released with AllenNLP):

| preset | LSTM dim / projection | highway | char CNN filters | parameters (no softmax) |
| --- | --- | --- | --- | --- |
| ``tiny`` | 64 / 16 | 1 | 3 small filters | tests and demos |
| ``compact`` | 300 / 300 | 1 | 525 (Kim et al. 2016's small) | 4.0M; corpora of about 1M tokens |
| ``small`` | 1024 / 128 | 1 | 2048 | 13.6M |
| ``medium`` | 2048 / 256 | 1 | 2048 | 28.0M |
| ``original`` | 4096 / 512 | 2 | 2048 | 93.6M |

Every hyper-parameter can be overridden by name: ``dim``, ``projection_dim``, ``n_layers``,
``cell_clip``, ``proj_clip``, ``use_skip_connections`` (the ``lstm`` section), ``filters``,
``n_highway``, ``activation``, ``char_embedding_dim`` (the ``char_cnn`` section), and
``use_character_inputs=False`` for the token variant.

Example:
>>> options = build_options("small", projection_dim=64)
>>> options["lstm"]["dim"], options["lstm"]["projection_dim"]
(1024, 64)
"""

import copy

__all__ = ["PRESETS", "build_options", "LSTM_KEYS", "CHAR_CNN_KEYS"]

_FILTERS_2048 = [[1, 32], [2, 32], [3, 64], [4, 128], [5, 256], [6, 512], [7, 1024]]
#: Kim et al. (2016), "Character-Aware Neural Language Models", small model: 25 x width filters of widths 1-6.
_FILTERS_525 = [[1, 25], [2, 50], [3, 75], [4, 100], [5, 125], [6, 150]]


def _preset(dim, projection_dim, n_highway, filters, char_dim=16):
    return {
        "lstm": {"dim": dim, "projection_dim": projection_dim, "n_layers": 2, "cell_clip": 3, "proj_clip": 3,
                 "use_skip_connections": True},
        "char_cnn": {"activation": "relu", "embedding": {"dim": char_dim}, "filters": filters,
                     "n_highway": n_highway, "n_characters": 262, "max_characters_per_token": 50},
    }


PRESETS = {
    "tiny": _preset(64, 16, 1, [[1, 8], [2, 8], [3, 16]], char_dim=8),
    "compact": _preset(300, 300, 1, _FILTERS_525, char_dim=15),
    "small": _preset(1024, 128, 1, _FILTERS_2048),
    "medium": _preset(2048, 256, 1, _FILTERS_2048),
    "original": _preset(4096, 512, 2, _FILTERS_2048),
}

LSTM_KEYS = ("dim", "projection_dim", "n_layers", "cell_clip", "proj_clip", "use_skip_connections")
CHAR_CNN_KEYS = ("filters", "n_highway", "activation", "char_embedding_dim")


def build_options(preset="small", **overrides):
    """The options dict (original ``options.json`` layout) of ``preset`` with ``overrides`` applied.

    Args:
        preset: one of ``PRESETS`` ("tiny", "small", "medium", "original").
        **overrides: architecture settings by name (see the module docstring); ``n_tokens_vocab``
            is set for the token variant.

    Returns:
        dict.

    Raises:
        ValueError: unknown preset.
        TypeError: unknown override name.

    Example:
    >>> build_options("tiny", use_character_inputs=False, n_tokens_vocab=100)["use_character_inputs"]
    False
    """
    if preset not in PRESETS:
        raise ValueError(f"`preset` must be one of {sorted(PRESETS)}, got {preset!r}.")
    options = copy.deepcopy(PRESETS[preset])
    for key, value in overrides.items():
        if key in LSTM_KEYS:
            options["lstm"][key] = value
        elif key == "char_embedding_dim":
            options["char_cnn"]["embedding"]["dim"] = value
        elif key in CHAR_CNN_KEYS:
            options["char_cnn"][key] = [list(f) for f in value] if key == "filters" else value
        elif key == "use_character_inputs":
            options["use_character_inputs"] = bool(value)
            if not value:
                options.pop("char_cnn", None)
        elif key == "n_tokens_vocab":
            options["n_tokens_vocab"] = value
        else:
            raise TypeError(
                f"unknown ELMo setting {key!r}; architecture settings are {LSTM_KEYS + CHAR_CNN_KEYS} "
                "and `use_character_inputs`."
            )
    return options
