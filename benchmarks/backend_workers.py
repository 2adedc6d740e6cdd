"""Run a benchmark's worker once per installed Keras backend, each in a fresh process.

A process has one Keras backend, so benchmarks that compare backends (``roofline``,
``speedups``) run ``python -m benchmarks.<name> --worker OUT [--quick]`` with ``KERAS_BACKEND``
set for each, and collect the JSON each worker writes. A worker rewrites ``OUT`` after every
workload, so one that dies part-way still reports what it measured.

Example:
>>> installed_backends()  # doctest: +SKIP
['tensorflow', 'jax']
"""

import importlib.util
import json
import os
import subprocess
import sys
import tempfile

BACKENDS = ("tensorflow", "jax", "torch")


def installed_backends():
    """The Keras backends whose library is importable here."""
    return [b for b in BACKENDS if importlib.util.find_spec(b) is not None]


def run_workers(module, quick=False, backends=None):
    """``{backend: the worker's JSON}`` for ``python -m <module> --worker OUT`` on each backend.

    Args:
        module: the worker's module, such as ``"benchmarks.roofline"``.
        quick: pass ``--quick`` to the workers.
        backends: list of backend names; defaults to ``installed_backends()``.

    A worker that exits with an error after writing its result gets ``errors["worker"]``; one
    that wrote nothing raises ``RuntimeError``.
    """
    figures = {}
    for backend in backends or installed_backends():
        with tempfile.TemporaryDirectory() as tmp:
            out = os.path.join(tmp, "result.json")
            env = dict(os.environ, KERAS_BACKEND=backend)
            command = [sys.executable, "-m", module, "--worker", out] + (["--quick"] if quick else [])
            returncode = subprocess.run(command, env=env, check=False).returncode
            if not os.path.exists(out):
                raise RuntimeError(f"the {backend} worker of {module} exited with {returncode} before measuring "
                                   "anything")
            with open(out, encoding="utf-8") as handle:
                figures[backend] = json.load(handle)
            if returncode:
                figures[backend].setdefault("errors", {})["worker"] = f"exited with {returncode} after the workloads listed"
    return figures
