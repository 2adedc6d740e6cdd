"""Tests of gensim_elmo.bilm_hdf5: the original options.json + weights.hdf5 format."""

import json
import os
import shutil

import h5py
import numpy as np
import pytest

from gensim_elmo.bilm_hdf5 import (
    expected_weight_shapes,
    get_network_weights,
    read_bilm_options,
    read_bilm_weights,
    set_network_weights,
    validate_bilm_options,
    write_bilm_hdf5,
)
from keras_layers.elmo_network import ELMoNetwork
from tests import reference_elmo

FIXTURES = os.path.join(os.path.dirname(os.path.dirname(__file__)), "fixtures", "bilm_tf")
OPTIONS_FILE = os.path.join(FIXTURES, "options.json")
WEIGHT_FILE = os.path.join(FIXTURES, "lm_weights.hdf5")

TINY = {
    "lstm": {"dim": 6, "projection_dim": 4, "n_layers": 2, "cell_clip": 3, "proj_clip": 3,
             "use_skip_connections": True},
    "char_cnn": {"activation": "relu", "embedding": {"dim": 3}, "filters": [[1, 4], [2, 3]],
                 "n_highway": 1, "n_characters": 262, "max_characters_per_token": 50},
}
TOKEN_VARIANT = {"lstm": TINY["lstm"], "n_tokens_vocab": 7, "use_character_inputs": False}


def test_read_fixture():
    options = read_bilm_options(OPTIONS_FILE)
    assert options["lstm"]["projection_dim"] == 16
    weights = read_bilm_weights(WEIGHT_FILE, options)
    assert set(weights) == set(expected_weight_shapes(options))
    assert weights["char_embed"].shape == (262, 4) and (weights["char_embed"][0] == 0).all()
    with h5py.File(WEIGHT_FILE, "r") as handle:
        np.testing.assert_array_equal(weights["char_embed"][1:], handle["char_embed"][...])
        np.testing.assert_array_equal(weights["CNN/W_cnn_3"], handle["CNN/W_cnn_3"][...])
    assert weights["RNN_1/RNN/MultiRNNCell/Cell1/LSTMCell/W_0"].shape == (32, 256)
    assert all(v.dtype == np.float32 for v in weights.values())


def test_network_weights_round_trip_through_fixture(tmp_path):
    options = read_bilm_options(OPTIONS_FILE)
    weights = read_bilm_weights(WEIGHT_FILE, options)
    network = ELMoNetwork(options)
    set_network_weights(network, weights)
    got = get_network_weights(network)
    assert set(got) == set(weights)
    for name in weights:
        np.testing.assert_array_equal(got[name], weights[name], err_msg=name)
    # Write and compare dataset by dataset with the original file.
    write_bilm_hdf5(options, got, tmp_path / "options.json", tmp_path / "weights.hdf5")
    with h5py.File(WEIGHT_FILE, "r") as original, h5py.File(tmp_path / "weights.hdf5", "r") as written:
        for name in expected_weight_shapes(options):
            np.testing.assert_array_equal(written[name][...], original[name][...], err_msg=name)
    assert read_bilm_options(tmp_path / "options.json") == options


@pytest.mark.parametrize("options", [TINY, TOKEN_VARIANT], ids=["chars", "tokens"])
def test_write_read_round_trip_exact(tmp_path, options):
    weights = reference_elmo.random_weights(options, seed=2)
    write_bilm_hdf5(options, weights, tmp_path / "o.json", tmp_path / "w.hdf5")
    assert sorted(os.listdir(tmp_path)) == ["o.json", "w.hdf5"]  # no temporary files left
    again = read_bilm_weights(tmp_path / "w.hdf5", read_bilm_options(tmp_path / "o.json"))
    assert set(again) == set(weights)
    for name in weights:
        np.testing.assert_array_equal(again[name], weights[name], err_msg=name)
    with h5py.File(tmp_path / "w.hdf5", "r") as handle:
        key = "char_embed" if "char_cnn" in options else "embedding"
        assert handle[key].shape[0] == weights[key].shape[0] - 1  # stored without the zero row
    network = ELMoNetwork(options)
    set_network_weights(network, again)
    for name, value in get_network_weights(network).items():
        np.testing.assert_array_equal(value, weights[name], err_msg=name)


def test_file_layout_names_and_shapes(tmp_path):
    weights = reference_elmo.random_weights(TINY)
    write_bilm_hdf5(TINY, weights, tmp_path / "o.json", tmp_path / "w.hdf5")
    names = {}
    with h5py.File(tmp_path / "w.hdf5", "r") as handle:
        handle.visititems(lambda n, o: names.__setitem__(n, o.shape) if isinstance(o, h5py.Dataset) else None)
    assert names["char_embed"] == (261, 3)
    assert names["CNN/W_cnn_1"] == (1, 2, 3, 3) and names["CNN/b_cnn_1"] == (3,)
    assert names["CNN_high_0/W_carry"] == (7, 7) and names["CNN_high_0/b_transform"] == (7,)
    assert names["CNN_proj/W_proj"] == (7, 4)
    assert names["RNN_0/RNN/MultiRNNCell/Cell1/LSTMCell/W_0"] == (8, 24)
    assert names["RNN_1/RNN/MultiRNNCell/Cell0/LSTMCell/W_P_0"] == (6, 4)
    assert len(names) == 1 + 4 + 4 + 2 + 12


@pytest.mark.parametrize(
    "mutate, key",
    [
        (lambda o: o.pop("lstm"), "`lstm`"),
        (lambda o: o["lstm"].pop("dim"), "lstm.dim"),
        (lambda o: o["lstm"].update(n_layers=0), "lstm.n_layers"),
        (lambda o: o["lstm"].pop("use_skip_connections"), "lstm.use_skip_connections"),
        (lambda o: o["lstm"].update(cell_clip="3"), "lstm.cell_clip"),
        (lambda o: o["char_cnn"].pop("filters"), "char_cnn.filters"),
        (lambda o: o["char_cnn"].update(filters=[[2]]), "char_cnn.filters"),
        (lambda o: o["char_cnn"]["embedding"].pop("dim"), "char_cnn.embedding.dim"),
        (lambda o: o["char_cnn"].pop("n_highway"), "char_cnn.n_highway"),
        (lambda o: o["char_cnn"].update(n_characters=100), "char_cnn.n_characters"),
        (lambda o: o["char_cnn"].update(activation="gelu"), "char_cnn.activation"),
        (lambda o: o.pop("char_cnn"), "n_tokens_vocab"),
    ],
)
def test_bad_options_name_the_key(tmp_path, mutate, key):
    options = json.loads(json.dumps(TINY))
    mutate(options)
    path = tmp_path / "options.json"
    path.write_text(json.dumps(options))
    with pytest.raises(ValueError, match=key.replace(".", r"\.")):
        read_bilm_options(path)


def test_options_not_json(tmp_path):
    path = tmp_path / "options.json"
    path.write_text("{not json")
    with pytest.raises(ValueError, match="not a valid ELMo options file"):
        read_bilm_options(path)
    with pytest.raises(ValueError, match="JSON object"):
        validate_bilm_options([1, 2])


def test_missing_dataset_and_wrong_shape(tmp_path):
    options = read_bilm_options(OPTIONS_FILE)
    path = tmp_path / "w.hdf5"
    shutil.copy(WEIGHT_FILE, path)
    with h5py.File(path, "a") as handle:
        del handle["CNN_high_1/W_carry"]
    with pytest.raises(ValueError, match="lacks the dataset `CNN_high_1/W_carry`"):
        read_bilm_weights(path, options)
    shutil.copy(WEIGHT_FILE, path)
    with h5py.File(path, "a") as handle:
        del handle["RNN_0/RNN/MultiRNNCell/Cell0/LSTMCell/W_0"]
        handle["RNN_0/RNN/MultiRNNCell/Cell0/LSTMCell/W_0"] = np.zeros((32, 128), np.float32)
    with pytest.raises(ValueError, match=r"W_0` has shape \(32, 128\), expected \(32, 256\)"):
        read_bilm_weights(path, options)
    # Options that do not fit the file.
    bigger = json.loads(json.dumps(options))
    bigger["lstm"]["dim"] = 128
    with pytest.raises(ValueError, match="expected"):
        read_bilm_weights(WEIGHT_FILE, bigger)


def test_truncated_and_non_hdf5_files(tmp_path):
    options = read_bilm_options(OPTIONS_FILE)
    truncated = tmp_path / "truncated.hdf5"
    data = open(WEIGHT_FILE, "rb").read()
    truncated.write_bytes(data[: len(data) // 2])
    with pytest.raises(ValueError, match="not a valid bilm weight file"):
        read_bilm_weights(truncated, options)
    garbage = tmp_path / "garbage.hdf5"
    garbage.write_bytes(b"this is not hdf5" * 100)
    with pytest.raises(ValueError, match="not a valid bilm weight file"):
        read_bilm_weights(garbage, options)
    empty = tmp_path / "empty.hdf5"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match="not a valid bilm weight file"):
        read_bilm_weights(empty, options)
    with pytest.raises(FileNotFoundError):
        read_bilm_weights(tmp_path / "missing.hdf5", options)


def test_failed_write_keeps_previous_file(tmp_path):
    weights = reference_elmo.random_weights(TINY)
    write_bilm_hdf5(TINY, weights, tmp_path / "o.json", tmp_path / "w.hdf5")
    before = (tmp_path / "w.hdf5").read_bytes()
    bad = dict(weights)
    bad["CNN_proj/W_proj"] = np.zeros((3, 3), np.float32)
    with pytest.raises(ValueError, match=r"CNN_proj/W_proj"):
        write_bilm_hdf5(TINY, bad, tmp_path / "o.json", tmp_path / "w.hdf5")
    missing = dict(weights)
    del missing["RNN_1/RNN/MultiRNNCell/Cell1/LSTMCell/B"]
    with pytest.raises(ValueError, match="Cell1/LSTMCell/B"):
        write_bilm_hdf5(TINY, missing, tmp_path / "o.json", tmp_path / "w.hdf5")
    assert (tmp_path / "w.hdf5").read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["o.json", "w.hdf5"]


def test_set_network_weights_errors():
    network = ELMoNetwork(TINY)
    weights = reference_elmo.random_weights(TINY)
    del weights["CNN/b_cnn_0"]
    with pytest.raises(ValueError, match="CNN/b_cnn_0"):
        set_network_weights(network, weights)
    weights = reference_elmo.random_weights(TINY)
    weights["CNN_proj/b_proj"] = np.zeros((5,), np.float32)
    with pytest.raises(ValueError, match="CNN_proj/b_proj"):
        set_network_weights(network, weights)
