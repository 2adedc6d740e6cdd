"""The documentation site builds without warnings (``mkdocs build --strict``) and has its API reference."""

import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def test_mkdocs_build_strict(tmp_path):
    site = tmp_path / "site"
    result = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)], cwd=ROOT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stderr}"
    assert (site / "index.html").is_file()
    gensim_api = (site / "api" / "gensim_elmo" / "index.html").read_text(encoding="utf-8")
    keras_api = (site / "api" / "keras_layers" / "index.html").read_text(encoding="utf-8")
    assert "gensim_elmo.nnlm.NNLM" in gensim_api and "most_similar" in gensim_api
    assert "keras_layers.keyed_vectors_embedding.KeyedVectorsEmbedding" in keras_api
