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


def worker_main(worker, argv, description):
    """The command line of a backend worker: ``--worker OUT [--quick] [--only PREFIX ...]``.

    Calls ``worker(quick, out=OUT, only=[PREFIX, ...] or None)``.
    """
    import argparse

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--worker", required=True, help="write the JSON result here")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--only", nargs="*", default=None, help="measure only the workloads named by these prefixes")
    args = parser.parse_args(argv)
    worker(args.quick, out=args.worker, only=args.only)


def record_failure(result, workload, exc):
    """Record ``exc`` as ``workload``'s error in a worker's ``result`` (a benchmark goes on after a
    failed workload), with its traceback on stderr."""
    import traceback

    traceback.print_exc()
    result["errors"][workload] = f"{type(exc).__name__}: {exc}"[:500]
    print(f"{workload}: FAILED ({type(exc).__name__})", flush=True)


def wanted(workload, only):
    """Whether a worker measures ``workload``: ``only`` is None (all) or names it by a prefix.

    Example:
    >>> wanted("elmo_embed/tiny", None), wanted("elmo_embed/tiny", ["nnlm"]), wanted("nnlm_train", ["nnlm"])
    (True, False, True)
    """
    return not only or any(workload.startswith(prefix) for prefix in only)


def save_result(result, out):
    """Rewrite a worker's ``result`` (a dict) to the JSON file ``out``; nothing when ``out`` is None."""
    if out:
        with open(out, "w", encoding="utf-8") as handle:
            json.dump(result, handle)
