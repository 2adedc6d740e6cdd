"""The full-run model paths are pinned: models of hours of training are found by these names.

A change that renames them (a settings dict, a corpus name, the key's form) leaves the saved models
behind and trains again; change a pin only together with a deliberate change of what is trained.
"""

import os

import pytest

from benchmarks import chinese_characters, chinese_models, lm_recipes, trained_models

PTB_MODELS = {"cbow": "cbow-04c0df15b0d0", "skipgram": "skipgram-d8dca0b9386e", "nnlm": "nnlm-633f1ce0be9c",
              "elmo": "elmo-d1d2c1a49b57"}
CHINESE_MODELS = {"cbow": "zh-cbow-157d8b575765", "skipgram": "zh-skipgram-ea352d1c4b18",
                  "nnlm": "zh-nnlm-758aa86411c6", "elmo": "zh-elmo-330728b63570"}
CHARACTER_MODELS = {"bytes": "zh-elmo-bytes-85a884667193", "unicode": "zh-elmo-unicode-a2399f80de32"}


@pytest.mark.parametrize("kind", trained_models.KINDS)
def test_ptb_model_paths(kind):
    path = trained_models.cache_path(kind, trained_models.settings_for(kind), trained_models.corpus_name())
    assert path == os.path.join(lm_recipes.MODELS_DIR, PTB_MODELS[kind])


@pytest.mark.parametrize("kind", chinese_models.KINDS)
def test_chinese_model_paths(kind):
    assert chinese_models.cache_path(kind) == os.path.join(lm_recipes.MODELS_DIR, CHINESE_MODELS[kind])


@pytest.mark.parametrize("kind", chinese_characters.KINDS)
def test_character_model_paths(kind):
    assert chinese_characters.model_path(kind) == os.path.join(lm_recipes.MODELS_DIR, CHARACTER_MODELS[kind])


def test_quick_runs_name_their_slice():
    assert chinese_models.corpus_name(quick=True) != chinese_characters.corpus_name(quick=True)
    assert chinese_models.corpus_name() == chinese_characters.corpus_name()
    assert chinese_models.cache_path("elmo", quick=True) != chinese_models.cache_path("elmo")


@pytest.mark.parametrize("module", [trained_models, chinese_models])
def test_benchmark_word2vec_is_reproducible_from_its_seed(module):
    """gensim's Word2Vec repeats a run from its seed with one worker thread only."""
    for kind in ("cbow", "skipgram"):
        for quick in (False, True):
            settings = module.settings_for(kind, quick)
            assert settings["workers"] == 1 and settings["seed"] == 1, (kind, quick)
