"""Shared pytest configuration: markers, the ``--slow`` switch, tiny corpora."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# XLA (JAX's compiler) generates code at LLVM's lowest optimisation level in the tests: compiling
# dominates the tests' JAX processes, and this makes them about 40% cheaper (a tiny ELMo trained
# in a fresh JAX process: 25 -> 14.5 CPU s). It changes how fast the compiled code runs, not what it
# computes (no fast-math), and both sides of a comparison are compiled alike. Child processes
# inherit it; tests/helpers.py adds a child's own XLA_FLAGS to it.
XLA_TEST_FLAGS = "--xla_backend_optimization_level=0"
if XLA_TEST_FLAGS not in os.environ.get("XLA_FLAGS", ""):
    os.environ["XLA_FLAGS"] = f"{os.environ.get('XLA_FLAGS', '')} {XLA_TEST_FLAGS}".strip()

import pytest
from hypothesis import HealthCheck, settings

from tests.helpers import set_tensorflow_test_options

if os.environ.get("KERAS_BACKEND", "tensorflow") == "tensorflow":  # see tests/helpers.py
    set_tensorflow_test_options()

# Fuzz budgets: a few hundred examples in all by default (.ci/run), many more with --slow.
_HYPOTHESIS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
                   derandomize=True)
settings.register_profile("ci", max_examples=40, **_HYPOTHESIS)
settings.register_profile("slow", max_examples=1000, **_HYPOTHESIS)
settings.load_profile("ci")


def pytest_addoption(parser):
    parser.addoption("--slow", action="store_true", default=False, help="run slow tests and long fuzz runs")


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: long-running test, only with --slow")
    if config.getoption("--slow"):
        settings.load_profile("slow")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--slow"):
        return
    skip = pytest.mark.skip(reason="slow test: run with --slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


TINY_SENTENCES = [
    ["the", "cat", "sat", "on", "the", "mat"],
    ["the", "dog", "sat", "on", "the", "log"],
    ["a", "cat", "and", "a", "dog", "played"],
    ["the", "cat", "chased", "the", "dog"],
    ["the", "dog", "chased", "the", "cat"],
    ["a", "bird", "sat", "on", "the", "tree"],
] * 20


@pytest.fixture
def tiny_sentences():
    """A small repeated corpus: 120 sentences, 11 distinct words."""
    return [list(s) for s in TINY_SENTENCES]


@pytest.fixture
def tiny_corpus_file(tmp_path):
    """The tiny corpus written as a file, one whitespace-separated sentence per line."""
    path = tmp_path / "tiny.txt"
    path.write_text("\n".join(" ".join(s) for s in TINY_SENTENCES) + "\n", encoding="utf-8")
    return path
