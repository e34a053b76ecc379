"""The package as it was at another git revision, to time beside the checkout.

Used by ``run.py --signers-before REV`` and ``adapters.py --before REV``: a
before/after comparison measured side by side in one process, where the noise
of the machine falls on both alike.
"""

from __future__ import annotations

import importlib
import io
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def load_before(rev: str, directory: str) -> Any:
    """The package as it was at git revision ``rev``, imported as ``sigv4client_before``.

    Its modules import each other relatively, so the copy runs on its own code
    (and its own caches) next to the current package.
    """
    archive = subprocess.run(
        ["git", "-C", str(HERE.parent), "archive", rev, "sigv4client"],
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(directory, filter="data")
    return _import_as(directory, "sigv4client_before")


def load_checkout(directory: str) -> Any:
    """The checkout's package as it is on disk, imported as ``sigv4client_now``.

    A copy loaded as :func:`load_before` loads its revision, to be timed
    right after it. A column timed after another sigv4client finds what they
    share warm (the C code of the regular expressions, caches and hashes they
    call, the CPU's branch history), and on a new URL runs 4-5% faster than
    the same code timed after a different signer, as the checkout's own
    column is. Two copies, each after a sigv4client, compare the code alone.
    """
    shutil.copytree(
        HERE.parent / "sigv4client",
        Path(directory, "sigv4client"),
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    return _import_as(directory, "sigv4client_now")


def _import_as(directory: str, name: str) -> Any:
    os.rename(Path(directory, "sigv4client"), Path(directory, name))
    sys.path.insert(0, directory)
    return importlib.import_module(name)
