"""Every ```python block of README.md and docs/*.md runs, as written, against local servers.

A page runs the way a reader tries it: its blocks in order, in one namespace
(a later block may use what an earlier one defined), each block pasted into one
Python session; a block with a top-level ``await`` or ``async with`` runs as in
``python -m asyncio``. A block that raises fails the page's test, named by its
file and line.

A block that cannot run here says what it needs, with a marker on the line
before its fence::

    <!-- snippet: needs-aws: an API Gateway WebSocket API with IAM authorization -->

It is then only compiled (a syntax error still fails). The marker's text after
``needs-aws:`` must say what it needs; any other ``<!-- snippet: ... -->`` is an
error.

What this test stands in for, on the reader's side (and nothing else):

- **The reader's API.** Every ``https://<api-id>.execute-api.<region>.amazonaws.com``
  URL in a block (``wss://`` too) is replaced, before the block runs, by the URL
  of a :class:`~sigv4client.local.LocalGateway` for that region (``http://`` /
  ``ws://127.0.0.1:<port>``), which answers every path under ``/prod`` with an
  echo, behind IAM authorization: the endpoint a reader replaces with theirs.
  The gateway knows the docs' example keys (``AKIDEXAMPLE``/``...`` and
  ``ASIAEXAMPLE``/``...`` with token ``...``) and the keys the local identity
  pool issues; a page whose calls it refused (403) fails.
- **The reader's Cognito ids.** The user pool ``eu-west-1_AbC123``, app client
  ``1example23456789`` and identity pool ``eu-west-1:1234abcd-...`` are replaced
  by those of a local Cognito (moto, region eu-west-1) holding the user
  ``alice``; ``getpass.getpass()`` answers her password, as she would type it.
- **The reader's AWS setup**, as environment variables: ``AWS_ENDPOINT_URL``
  (every botocore client a block makes reaches the local moto),
  ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY`` = the example key,
  ``AWS_DEFAULT_REGION=eu-west-1``, a shared-credentials file holding a
  ``default`` and a ``dev`` profile (the example key), and
  ``COGNITO_CLIENT_SECRET``.
- **The reader's local Cognito URL**: ``http://127.0.0.1:5000`` (moto's
  default) is replaced by the local Cognito's.
- **The reader's files**: blocks run in an empty temporary folder holding
  ``report.pdf`` (a few bytes) and ``template.yaml``, the SAM template of
  ``tests/data/apidefs`` (its ``CodeUri`` made absolute: the handlers are
  those of that folder).

``SUBSTITUTIONS`` lists the text replacements; ``_reader_environment`` the rest.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import getpass
import inspect
import json
import logging
import re
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sigv4client.local import LocalGateway, MotoIdentityResolver
from sigv4client.local.cognito import DemoSetup, LocalCognito
from sigv4client.verification import ResolvedSecret
from tests.support.gateway import echo

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

# The docs' example credentials: the keys a reader replaces with theirs.
EXAMPLE_KEYS: dict[str, str | tuple[str, str | None]] = {
    "AKIDEXAMPLE": "...",
    "ASIAEXAMPLE": ("...", "..."),
}
COGNITO_REGION = "eu-west-1"
MOTO_DEFAULT_URL = "http://127.0.0.1:5000"
APIDEFS = ROOT / "tests" / "data" / "apidefs"
# The docs' Cognito placeholders -> the DemoSetup field that replaces each.
COGNITO_PLACEHOLDERS = {
    "eu-west-1_AbC123": "user_pool_id",
    "1example23456789": "client_id",
    "eu-west-1:1234abcd-...": "identity_pool_id",
}
# An API Gateway URL as the docs write it: scheme, API id, region.
API_URL = re.compile(r"\b(https|wss)://[a-z0-9]+\.execute-api\.([a-z0-9-]+)\.amazonaws\.com")
SUBSTITUTIONS = (
    f"{API_URL.pattern} -> the local gateway for that region; "
    f"{', '.join(COGNITO_PLACEHOLDERS)} -> the local Cognito's ids; "
    f"{MOTO_DEFAULT_URL} -> the local Cognito's URL"
)

_FENCE = re.compile(
    r"^(?P<indent>[ \t]*)```python[ \t]*\n(?P<code>.*?)^(?P=indent)```", re.S | re.M
)
_MARKER = re.compile(r"<!--\s*snippet:\s*(?P<text>.*?)\s*-->")
_NEEDS_AWS = re.compile(r"needs-aws:\s*\S")


@dataclass(frozen=True)
class Block:
    page: Path
    line: int
    code: str
    marker: str | None  # the text of a <!-- snippet: ... --> marker, if any

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)}:{self.line}"


def blocks(page: Path) -> list[Block]:
    """The ```python blocks of a page, dedented, with the marker before each."""
    text = page.read_text(encoding="utf-8")
    found = []
    for m in _FENCE.finditer(text):
        indent = m["indent"]
        code = "".join(
            line[len(indent) :] if line.startswith(indent) else line
            for line in m["code"].splitlines(keepends=True)
        )
        before = text[: m.start()].rstrip().splitlines()
        marker = _MARKER.fullmatch(before[-1].strip()) if before else None
        line = text[: m.start()].count("\n") + 1
        found.append(Block(page, line, code, marker["text"] if marker else None))
    return found


def _pages() -> list[Path]:
    return [p for p in PAGES if blocks(p)]


def test_the_pages_have_snippets() -> None:
    # The extraction works: the README and the quickstart hold blocks to run.
    names = [p.name for p in _pages()]
    assert "README.md" in names
    assert "quickstart.md" in names


def test_every_marker_says_what_the_snippet_needs() -> None:
    bad = [
        f"{b.where}: <!-- snippet: {b.marker} -->"
        for p in PAGES
        for b in blocks(p)
        if b.marker is not None and not _NEEDS_AWS.match(b.marker)
    ]
    assert not bad, f"a marker is 'needs-aws: <what the snippet needs>': {bad}"


# -- the reader's side ---------------------------------------------------------------


class Api:
    """One local gateway per region the docs name, started on first use."""

    def __init__(self, cognito: LocalCognito, setup: DemoSetup) -> None:
        self._stack = contextlib.ExitStack()
        self._moto_keys = MotoIdentityResolver(cognito.endpoint_url, setup.identity_pool_id)
        self.gateways: dict[str, LocalGateway] = {}

    def _resolve(self, access_key_id: str) -> ResolvedSecret:
        if access_key_id in EXAMPLE_KEYS:
            return EXAMPLE_KEYS[access_key_id]
        return self._moto_keys(access_key_id)

    def gateway(self, region: str) -> LocalGateway:
        if region not in self.gateways:
            gateway = LocalGateway(resolve_secret=self._resolve, region=region)
            gateway.route("ANY", "/prod", echo)
            gateway.route("ANY", "/prod/{path+}", echo)
            self.gateways[region] = self._stack.enter_context(gateway)
        return self.gateways[region]

    def substitute(self, code: str) -> str:
        def local(m: re.Match[str]) -> str:
            scheme = "http" if m[1] == "https" else "ws"
            return self.gateway(m[2]).url.replace("http", scheme, 1)

        return API_URL.sub(local, code)

    def close(self) -> None:
        self._stack.close()


@pytest.fixture(scope="module")
def cognito() -> Iterator[tuple[LocalCognito, DemoSetup]]:
    with LocalCognito(region=COGNITO_REGION) as local:
        yield local, local.create_demo(username="alice")


@pytest.fixture(scope="module")
def api(cognito: tuple[LocalCognito, DemoSetup]) -> Iterator[Api]:
    api = Api(*cognito)
    try:
        yield api
    finally:
        api.close()


def _reader_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, cognito: LocalCognito, setup: DemoSetup
) -> None:
    for name in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_REGION"):
        monkeypatch.delenv(name, raising=False)
    aws = tmp_path / "aws"
    aws.mkdir()
    profile = "aws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = ...\n"
    (aws / "credentials").write_text(f"[default]\n{profile}\n[dev]\n{profile}")
    (aws / "config").write_text(f"[default]\nregion = {COGNITO_REGION}\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(aws / "credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(aws / "config"))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "...")
    monkeypatch.setenv("AWS_DEFAULT_REGION", COGNITO_REGION)
    monkeypatch.setenv("AWS_ENDPOINT_URL", cognito.endpoint_url)
    monkeypatch.setenv("COGNITO_CLIENT_SECRET", "example-client-secret")
    monkeypatch.setattr(getpass, "getpass", lambda prompt="Password: ", stream=None: setup.password)
    work = tmp_path / "work"
    work.mkdir()
    (work / "report.pdf").write_bytes(b"%PDF-1.4 example report\n")
    template = (APIDEFS / "template.yaml").read_text(encoding="utf-8")
    code_uri = "CodeUri: src/"
    assert code_uri in template
    (work / "template.yaml").write_text(
        template.replace(code_uri, f"CodeUri: {APIDEFS / 'src'}"), encoding="utf-8"
    )
    monkeypatch.chdir(work)


@pytest.fixture
def logging_restored() -> Iterator[None]:
    """Snippets configure logging (levels, a root handler): undo it after the page."""
    loggers = [logging.root, *logging.Logger.manager.loggerDict.values()]
    levels = {lg: lg.level for lg in loggers if isinstance(lg, logging.Logger)}
    handlers = logging.root.handlers[:]
    yield
    for logger in logging.Logger.manager.loggerDict.values():
        if isinstance(logger, logging.Logger):
            logger.setLevel(levels.get(logger, logging.NOTSET))
    logging.root.setLevel(levels[logging.root])
    for handler in logging.root.handlers[:]:
        if handler not in handlers:
            logging.root.removeHandler(handler)


def _run(block: Block, code: str, namespace: dict[str, object]) -> None:
    flags = ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    compiled = compile(code, block.where, "exec", flags=flags, dont_inherit=True)
    result = eval(compiled, namespace)  # exec, with top-level await: a coroutine then
    if inspect.iscoroutine(result):
        asyncio.run(result)


@pytest.mark.parametrize("page", _pages(), ids=lambda p: p.name)
def test_page_snippets_run(
    page: Path,
    api: Api,
    cognito: tuple[LocalCognito, DemoSetup],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    logging_restored: None,
) -> None:
    local, setup = cognito
    _reader_environment(monkeypatch, tmp_path, local, setup)
    before = {r: (g.denied, g.errors) for r, g in api.gateways.items()}
    namespace: dict[str, object] = {"__name__": "__main__"}
    for block in blocks(page):
        code = block.code
        if block.marker is not None:
            compile(code, block.where, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
            continue
        for placeholder, field in COGNITO_PLACEHOLDERS.items():
            code = code.replace(placeholder, getattr(setup, field))
        code = api.substitute(code).replace(MOTO_DEFAULT_URL, local.endpoint_url)
        try:
            _run(block, code, namespace)
        except Exception as exc:
            pytest.fail(
                f"{block.where}: the snippet raised {type(exc).__name__}: {exc}\n"
                "Make it run as written, or mark it with "
                "<!-- snippet: needs-aws: <what it needs> --> (see tests/test_snippets.py)"
            )
        for region, gateway in api.gateways.items():
            denied, errors = before.get(region, (0, 0))
            assert (gateway.denied, gateway.errors) == (denied, errors), (
                f"{block.where}: the local API gateway ({region}) refused "
                f"{gateway.denied - denied} call(s) and failed {gateway.errors - errors}"
            )


def test_readme_presigned_url_opens_in_a_browser(api: Api) -> None:
    # The README's presign() example makes a URL that a browser can open: a GET
    # with no header but Host signed. Fetched with plain urllib (no extra
    # header), the local gateway verifies the URL's signature.
    readme = next(b for b in blocks(ROOT / "README.md") if "presign(" in b.code)
    namespace: dict[str, object] = {}
    _run(readme, api.substitute(readme.code), namespace)
    url = namespace["url"]
    assert isinstance(url, str)
    assert url.startswith("http://127.0.0.1:")
    with urllib.request.urlopen(url, timeout=30) as response:
        assert response.status == 200
        assert json.load(response)["access_key"] == "AKIDEXAMPLE"
    assert "X-Amz-SignedHeaders=host&" in url
