import pytest

from benchmarks.flop_counts import char_cnn_flops, elmo_flops_per_token, lstm_flops, nnlm_flops_per_token
from gensim_elmo.elmo_options import build_options


def test_original_elmo_is_about_204_mflop_per_token_mostly_lstm():
    options = build_options("original")
    assert elmo_flops_per_token(options) == pytest.approx(204e6, rel=0.01)
    assert lstm_flops(options) > 2.5 * char_cnn_flops(options)
    training = elmo_flops_per_token(options, training=True, num_sampled=8191)
    assert training == 3 * (elmo_flops_per_token(options) + 2 * 2 * 512 * 8192)


def test_nnlm_flops_grow_with_the_softmax_only_when_it_is_full():
    settings = dict(vector_size=128, window=6, hidden_size=384, num_sampled=2048)
    assert nnlm_flops_per_token(settings, 10000) == nnlm_flops_per_token(settings, 10**6)
    full = dict(settings, num_sampled=None)
    assert nnlm_flops_per_token(full, 20000) > nnlm_flops_per_token(full, 10000)
    assert nnlm_flops_per_token(dict(full, direct_connections=True), 10000) > nnlm_flops_per_token(full, 10000)
