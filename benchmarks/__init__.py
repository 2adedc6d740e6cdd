"""Benchmarks of gensim-elmo: speed and quality against published numbers and real peers.

Run ``python -m benchmarks`` (all), ``python -m benchmarks word2vec_speed`` (one), or add
``--quick`` for a reduced run. Results go to ``benchmarks/results/<name>.json``.
"""
