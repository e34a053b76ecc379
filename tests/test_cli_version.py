"""``sigv4client --version`` prints the package's version, from its one source."""

from __future__ import annotations

import io

from sigv4client import __version__
from sigv4client.cli import main


def test_version() -> None:
    out, err = io.StringIO(), io.StringIO()
    assert main(["--version"], stdout=out, stderr=err) == 0
    assert out.getvalue() == f"sigv4client {__version__}\n"
    assert err.getvalue() == ""
