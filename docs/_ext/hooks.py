"""MkDocs hooks: the package version in the site's footer, read from its one source.

The version lives in ``sigv4client/__init__.py`` (``__version__``, which the
build backend reads too); the footer of every page shows it, so a reader
knows which release the pages describe. Loaded by mkdocs.yml (``hooks:``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

_VERSION = re.compile(r'^__version__ = "([^"]+)"$', re.M)


def version(root: Path) -> str:
    """``__version__`` as written in the package, without importing it."""
    found = _VERSION.search((root / "sigv4client" / "__init__.py").read_text(encoding="utf-8"))
    if found is None:
        raise RuntimeError("sigv4client/__init__.py has no __version__ line")
    return found.group(1)


def on_config(config: Any, **kwargs: Any) -> Any:
    """Write the version into the footer (the changelog is a page of the site)."""
    root = Path(config["config_file_path"]).parent
    config["copyright"] = f"sigv4client {version(root)} · MIT licence"
    return config
