"""What ``sigv4client --presign`` loads that it does not use, and what deferring it saves.

``python bench/cli_startup.py [--rounds N]`` copies the package into a
temporary directory twice and edits one copy's command line, then times, in
fresh interpreters, interleaved (median of N runs each, credentials in the
environment, no config files):

- ``as it is``: the command line of this checkout (``requests`` is imported
  only after the presign branch has returned);
- ``credentials without botocore``: the credentials read from the three
  environment variables instead of botocore's chain. Not a proposal
  (botocore's chain has precedence rules, such as a profile named in
  ``AWS_PROFILE`` winning over the variables): it shows how much of the rest
  is botocore.

With ``--before REV``, the command line of git revision REV (that revision's
whole package, from ``git archive``) is timed as well, interleaved with the
others: a before/after comparison in one run.

It also times ``import requests`` and ``import botocore.session`` alone and
prints one JSON object (seconds). The edits are plain text replacements of
the lines they move: if the command line has changed so that one no longer
applies, the script says which and stops.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "sigv4client"

_BOTOCORE_CHAIN = """    try:
        return BotocoreSessionProvider(profile_name=args.profile).get_credentials()"""
_FROM_ENVIRONMENT = """    try:
        return Credentials(
            access_key_id=os.environ["AWS_ACCESS_KEY_ID"],
            secret_access_key=os.environ["AWS_SECRET_ACCESS_KEY"],
            session_token=os.environ.get("AWS_SESSION_TOKEN"),
        )"""

EDITS: dict[str, list[tuple[str, str]]] = {
    "as it is": [],
    "credentials without botocore": [(_BOTOCORE_CHAIN, _FROM_ENVIRONMENT)],
}

PRESIGN = (
    "import sys; from sigv4client.cli import _entry; sys.argv = ['sigv4client', '--presign', "
    "'https://abc123.execute-api.us-east-1.amazonaws.com/prod/x']; _entry()"
)


def _copy(root: Path, edits: list[tuple[str, str]]) -> Path:
    shutil.copytree(PACKAGE, root / "sigv4client", ignore=shutil.ignore_patterns("__pycache__"))
    cli = root / "sigv4client" / "cli.py"
    text = cli.read_text()
    for old, new in edits:
        if old not in text:
            sys.exit(f"cli.py has changed: this text is no longer in it:\n{old}")
        text = text.replace(old, new, 1)
    cli.write_text(text)
    return root


def _copy_of_revision(root: Path, rev: str) -> Path:
    archive = subprocess.run(
        ["git", "-C", str(PACKAGE.parent), "archive", rev, "sigv4client"],
        check=True,
        capture_output=True,
    ).stdout
    root.mkdir(parents=True)
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(root, filter="data")
    return root


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=21)
    parser.add_argument(
        "--before", metavar="REV", help="also time the command line of this git revision"
    )
    args = parser.parse_args()
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "ASIAQEXAMPLEEXAMPLE7",
        "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        "AWS_SESSION_TOKEN": "IQoJb3JpZ2luX2VjE" + "x" * 800,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
    env.pop("AWS_PROFILE", None)
    with tempfile.TemporaryDirectory(prefix="sigv4client-cli-") as tmp:
        commands: dict[str, tuple[list[str], str | None]] = {
            "python -c pass": (["-c", "pass"], None),
            "import requests": (["-c", "import requests"], None),
            "import botocore.session": (["-c", "import botocore.session"], None),
        }
        for i, (name, edits) in enumerate(EDITS.items()):
            root = _copy(Path(tmp, str(i)), edits)
            commands[f"--presign, {name}"] = (["-c", PRESIGN], str(root))
        if args.before:
            root = _copy_of_revision(Path(tmp, "before"), args.before)
            commands[f"--presign, before ({args.before})"] = (["-c", PRESIGN], str(root))
        samples: dict[str, list[float]] = {name: [] for name in commands}
        items = list(commands.items())
        for r in range(args.rounds):
            k = r % len(items)
            for name, (argv, path) in items[k:] + items[:k]:
                run_env = dict(env, PYTHONPATH=path) if path else env
                t0 = time.perf_counter()
                subprocess.run(
                    [sys.executable, *argv],
                    check=True,
                    env=run_env,
                    cwd="/",
                    stdout=subprocess.DEVNULL,
                )
                samples[name].append(time.perf_counter() - t0)
    print(json.dumps(samples))


if __name__ == "__main__":
    main()
