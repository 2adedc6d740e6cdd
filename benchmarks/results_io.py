"""Writing benchmark results: figures plus everything needed to judge them (versions, machine, date)."""

import datetime
import json
import os
import platform
import sys

from gensim_elmo.atomic_files import atomic_path

#: Where results go by default: ``benchmarks/results`` of the checkout (committed); RESULTS.md is
#: written next to it. The benchmarks run from a source checkout only (``python -m benchmarks``).
RESULTS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")


def write_json(path, value, indent=None, default=None):
    """Write ``value`` to ``path`` as JSON without ever leaving a half-written file there
    (``gensim_elmo.atomic_files.atomic_path``: a temporary file, then a rename).

    Example:
    >>> import json, os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "scores.json")
    >>> write_json(path, {"accuracy": 0.5})
    >>> json.load(open(path))
    {'accuracy': 0.5}
    """
    with atomic_path(path) as tmp, open(tmp, "w", encoding="utf-8") as handle:
        json.dump(value, handle, indent=indent, default=default)


class MissingData(FileNotFoundError):
    """Data a benchmark needs that is installed separately (WordNet...); the runner skips that benchmark."""


def machine_info():
    """Cores, CPU model, memory, Keras backend, Python and library versions."""
    import numpy

    info = {
        "cores": os.cpu_count(),
        "cpu": _cpu_model(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "numpy": numpy.__version__,
    }
    try:
        import psutil

        info["memory_gib"] = round(psutil.virtual_memory().total / 2**30, 1)
    except ImportError:  # pragma: no cover
        pass
    for module in ("gensim", "keras", "tensorflow", "jax", "torch"):
        try:
            info[module] = __import__(module).__version__
        except ImportError:
            continue
    if "keras" in info:
        import keras

        info["keras_backend"] = keras.backend.backend()
    return info


def _cpu_model():
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:  # pragma: no cover
        pass
    return platform.processor()


def result_path(name, quick, results_dir=None):
    """Where ``write_result`` writes ``name``'s result: ``<results_dir>/<name>[.quick].json``.

    Example:
    >>> os.path.basename(result_path("roofline", quick=True))
    'roofline.quick.json'
    """
    return os.path.join(results_dir or RESULTS_DIR, f"{name}{'.quick' if quick else ''}.json")


def write_result(name, figures, settings, wall_time_s, quick, results_dir=None, memory=None):
    """Write ``results/<name>.json`` atomically and return its path.

    Args:
        name: benchmark name.
        figures: dict of measured figures.
        settings: dict of the settings used.
        wall_time_s: float, how long the benchmark ran.
        quick: bool, whether this was a ``--quick`` run (quick results are written as ``<name>.quick.json``
            so that they never overwrite committed full-run results).
        results_dir: output directory (default ``benchmarks/results``).
        memory: dict or None, the benchmark's ``PeakMemory.as_dict()``.
    """
    path = result_path(name, quick, results_dir)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    payload = {
        "benchmark": name,
        "quick": quick,
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "wall_time_s": round(wall_time_s, 2),
        "memory": memory,
        "machine": machine_info(),
        "settings": settings,
        "figures": figures,
    }
    write_json(path, payload, indent=2, default=float)
    return path
