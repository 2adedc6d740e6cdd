"""Saving that never destroys a good file: write beside the target, then rename over it.

``atomic_path(path)`` yields a temporary path in the target's directory; when the block ends
without an exception the temporary file (or directory) replaces ``path`` in one rename, so a
crash or a full disk mid-save leaves the previous version intact.

Example:
>>> import os, tempfile
>>> target = os.path.join(tempfile.mkdtemp(), "vectors.txt")
>>> with atomic_path(target) as tmp:
...     _ = open(tmp, "w").write("hello")
>>> open(target).read()
'hello'
"""

import contextlib
import os
import shutil
import tempfile

__all__ = ["atomic_path"]


@contextlib.contextmanager
def atomic_path(path, directory=False):
    """Yield a temporary path that replaces ``path`` when the ``with`` block succeeds.

    Args:
        path: the final file or directory path.
        directory: bool, the caller writes a directory (created empty for it) rather than a file.
            An existing directory at ``path`` is moved aside and removed only after the new one is
            in place. Defaults to False.

    Yields:
        str, the temporary path to write to.

    Example:
    >>> import os, tempfile
    >>> target = os.path.join(tempfile.mkdtemp(), "model")
    >>> with atomic_path(target, directory=True) as tmp:
    ...     _ = open(os.path.join(tmp, "config.json"), "w").write("{}")
    >>> os.listdir(target)
    ['config.json']
    """
    path = os.path.abspath(os.fspath(path))
    parent = os.path.dirname(path)
    os.makedirs(parent, exist_ok=True)
    base = os.path.basename(path)
    if directory:
        tmp = tempfile.mkdtemp(prefix=f".{base}.", suffix=".tmp", dir=parent)
    else:
        fd, tmp = tempfile.mkstemp(prefix=f".{base}.", suffix=".tmp", dir=parent)
        os.close(fd)
    try:
        yield tmp
        if directory:
            old = None
            if os.path.exists(path):
                if not os.path.isdir(path):
                    raise FileExistsError(f"{path!r} exists and is not a directory; remove it or choose another path.")
                old = tempfile.mkdtemp(prefix=f".{base}.", suffix=".old", dir=parent)
                os.rmdir(old)
                os.replace(path, old)
            os.replace(tmp, path)
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
        else:
            with open(tmp, "rb+") as handle:
                os.fsync(handle.fileno())
            os.replace(tmp, path)
    except BaseException:
        if os.path.isdir(tmp):
            shutil.rmtree(tmp, ignore_errors=True)
        elif os.path.exists(tmp):
            os.remove(tmp)
        raise
