"""The hypothesis profiles, chosen from the environment by tests/conftest.py.

``ci`` (selected by ``CI=true``, as ``.ci/run`` sets it) runs each property
test's full example count, derandomized: the same examples on every run, so a
submission's CI result does not depend on the draw; ``dev`` (anything else)
runs a twentieth of it, at least 10, drawn afresh each time: quick while you
work, and it keeps exploring.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", deadline=None, derandomize=True)
settings.register_profile("dev", deadline=None, max_examples=10)

#: True when the environment says ``CI=true`` (as CI services and ``.ci/run`` set it).
IN_CI = os.environ.get("CI", "").lower() == "true"
#: The profile in force: ``ci`` in CI, else ``dev``.
PROFILE = "ci" if IN_CI else "dev"


def examples(full: int) -> int:
    """A property test's example count: ``full`` under ``ci``, less under ``dev``.

    Pass it to ``@settings(max_examples=...)``: an explicit count overrides the
    profile's, so a test that needs more than the default asks through here.
    """
    return full if PROFILE == "ci" else max(10, full // 20)
