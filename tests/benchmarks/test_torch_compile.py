"""``benchmarks.torch_compile``: its batches have one shape; its graph counts tell the two forms apart."""

import importlib.util
import json

import numpy as np
import pytest

from benchmarks.torch_compile import embedding_batches
from gensim_elmo.elmo_batches import embedding_batch
from tests.helpers import run_in_fresh_process


def test_embedding_batches_share_one_shape_and_keep_each_token():
    sentences = [["a", "b", "c"], ["c", "a", "a"], ["dd", "b", "a"], ["e", "f", "g"], ["a", "a", "a"], ["b", "b", "b"]]
    batches = embedding_batches(sentences, 2)
    assert len(batches) == 3
    assert len({(b["token_ids"].shape, b["token_chars"].shape) for b in batches}) == 1
    for i, batch in enumerate(batches):
        plain = embedding_batch(sentences[2 * i:2 * i + 2])
        # The same characters at every position; the table only gained all-zero rows.
        np.testing.assert_array_equal(batch["token_chars"][batch["token_ids"]], plain["token_chars"][plain["token_ids"]])
        assert not batch["token_chars"][len(plain["token_chars"]):].any()
    with pytest.raises(ValueError, match="whole batches of 4"):
        embedding_batches(sentences, 4)


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="PyTorch is not installed (not a dependency)")
def test_graph_counts_tell_the_max_pooled_form_from_the_optimised_one():
    out = run_in_fresh_process(
        """
        import json
        import keras
        from benchmarks.plain_forms import use_plain_forms
        from benchmarks.torch_compile import embedding_batches, graph_counts
        from keras_layers.elmo_network import ELMoNetwork
        options = {"lstm": {"dim": 6, "projection_dim": 4, "n_layers": 1, "use_skip_connections": True},
                   "char_cnn": {"activation": "relu", "embedding": {"dim": 3}, "filters": [[1, 4], [2, 3]],
                                "n_highway": 1, "n_characters": 262, "max_characters_per_token": 50}}
        batch = {k: keras.ops.convert_to_tensor(v) for k, v in embedding_batches([["hi"], ["a"]], 2)[0].items()}
        plain = ELMoNetwork(options)
        use_plain_forms(plain, ["max_pooled"])
        print(json.dumps([graph_counts(ELMoNetwork(options), batch), graph_counts(plain, batch)]))
        """,
        env={"KERAS_BACKEND": "torch"},
    )
    optimised, max_pooled = json.loads(out.strip().splitlines()[-1])
    assert optimised == {"inference": [1, 0], "training": [1, 0]}
    for graphs, breaks in max_pooled.values():
        assert breaks >= 2 and graphs == breaks + 1  # a break at each of the two poolings at least
