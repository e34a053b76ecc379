"""The ``sigv4client`` command run as a user runs it: a subprocess with known credentials.

:func:`run` clears every ``AWS_*`` variable of the environment, then gives
the command :data:`KEY`, :data:`SECRET` and :data:`TOKEN` as its credentials,
with no config or credentials file and no instance metadata, so nothing on
the machine running the tests changes what the command does.
"""

from __future__ import annotations

import os
import subprocess
import sys

KEY, SECRET, TOKEN = "AKIDCLITEST", "cli/secret+value", "cli-session-token-value"


def run(
    args: list[str], env: dict[str, str] | None = None, stdin: str = "", timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m sigv4client.cli *args``; ``env`` is added to the cleaned environment."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    base.update(
        AWS_ACCESS_KEY_ID=KEY,
        AWS_SECRET_ACCESS_KEY=SECRET,
        AWS_SESSION_TOKEN=TOKEN,
        AWS_CONFIG_FILE=os.devnull,
        AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        AWS_EC2_METADATA_DISABLED="true",
    )
    base.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "sigv4client.cli", *args],
        capture_output=True,
        text=True,
        input=stdin,
        env=base,
        timeout=timeout,
        check=False,
    )
