"""The built documentation site: self-contained, complete, readable.

Builds the site as tests/test_docs.py does (``mkdocs build --strict`` into a
temporary folder; skipped with a reason without the docs extra, failed in CI)
and checks what a reader meets:

- nothing is loaded from another host: no ``<script src="http...">`` (nor a
  stylesheet or an image), and a page with a Mermaid diagram loads Mermaid
  from the site itself, before Material's loader would fetch it from a CDN;
- every public module has a reference page naming it, listing every name of
  its ``__all__``;
- no rendered API signature line is longer than 90 characters (mkdocstrings
  wraps them only when a formatter, Ruff or Black, is installed: the docs
  extra installs Ruff);
- the site settings: 404.html under a sub-path (``SIGV4CLIENT_DOCS_URL``), the
  version in the footer, the changelog and AWS's references linked.
"""

from __future__ import annotations

import html
import importlib
import pkgutil
import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

import sigv4client
from tests.test_docs import PUBLIC_MODULES, build_site

# The modules a user imports from, each named by a reference page: those whose
# __all__ test_docs.py checks for docstrings, and the adapters.
REFERENCE_MODULES = [
    *PUBLIC_MODULES,
    "sigv4client.integrations.requests",
    "sigv4client.integrations.httpx",
    "sigv4client.integrations.aiohttp",
]
MAX_SIGNATURE_LINE = 90
SUB_PATH_URL = "https://docs.example.org/sigv4client/"

_SIGNATURE = re.compile(r'<div class="doc-signature highlight"><pre>(.*?)</pre>', re.S)
_TAG = re.compile(r"<[^>]+>")
# What a browser fetches by itself: scripts, stylesheets and other linked
# resources, images, frames.
_FETCHED = re.compile(
    r"<script\b[^>]*\bsrc=\"(?P<script>[^\"]*)\""
    r"|<link\b[^>]*\brel=\"(?:stylesheet|preload|modulepreload|icon)\"[^>]*\bhref=\"(?P<link>[^\"]*)\""
    r"|<(?:img|iframe)\b[^>]*\bsrc=\"(?P<other>[^\"]*)\"",
)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_site(tmp_path_factory.mktemp("docs-site") / "site")


def _pages(site: Path) -> dict[Path, str]:
    return {p: p.read_text(encoding="utf-8") for p in sorted(site.rglob("*.html"))}


def _text(fragment: str) -> str:
    return html.unescape(_TAG.sub("", fragment))


def _public_modules() -> list[str]:
    """Public packages with an __all__, and the adapter modules, found by walking the package."""
    found = ["sigv4client"]
    for info in pkgutil.walk_packages(sigv4client.__path__, "sigv4client."):
        if any(part.startswith("_") for part in info.name.split(".")):
            continue
        if info.name.startswith("sigv4client.integrations.") or (
            info.ispkg and getattr(importlib.import_module(info.name), "__all__", None)
        ):
            found.append(info.name)
    return found


def test_nothing_is_loaded_from_another_host(site: Path) -> None:
    external = []
    for page, text in _pages(site).items():
        for match in _FETCHED.finditer(text):
            url = next(u for u in match.groups() if u is not None)
            if urlsplit(url).scheme or url.startswith("//"):
                external.append(f"{page.relative_to(site)}: {url}")
    assert not external, f"resources loaded from elsewhere: {external}"


def test_a_page_with_a_diagram_serves_mermaid_itself(site: Path) -> None:
    with_diagrams = {p: t for p, t in _pages(site).items() if 'class="mermaid"' in t}
    assert with_diagrams, "the Cognito page's sequence diagram is gone"
    for page, text in with_diagrams.items():
        scripts = [m["script"] for m in _FETCHED.finditer(text) if m["script"]]
        mermaid = [s for s in scripts if "mermaid" in s]
        assert mermaid, f"{page.relative_to(site)} draws a diagram but loads no mermaid script"
        # Resolved against the page's own URL, the script is a file of the site.
        url = urljoin(page.relative_to(site).as_posix(), mermaid[0])
        assert (site / url).is_file(), f"{page.relative_to(site)}: {mermaid[0]} is not in the site"
        assert (site / url).stat().st_size > 1_000_000  # the real library, not a stub
        # Defined before Material's bundle runs, which fetches Mermaid only when undefined.
        bundle = next(i for i, s in enumerate(scripts) if "bundle" in s)
        assert scripts.index(mermaid[0]) < bundle
        # And the diagram is also written out, numbered, under it.
        assert "<ol>" in text[text.index('class="mermaid"') :]


def test_the_public_module_list_is_complete() -> None:
    missing = sorted(set(_public_modules()) - set(REFERENCE_MODULES))
    assert not missing, f"public modules this test does not check: {missing}"


@pytest.mark.parametrize("module_name", REFERENCE_MODULES)
def test_every_public_module_has_a_reference_page(site: Path, module_name: str) -> None:
    pages = {p: t for p, t in _pages(site).items() if "reference" in p.parts}
    naming = [
        p
        for p, t in pages.items()
        if f"<code>{module_name}</code>" in t or f'id="{module_name}"' in t
    ]
    assert naming, f"no reference page names {module_name}"
    anchors = {
        a.rpartition(".")[2]
        for t in pages.values()
        for a in re.findall(r'id="(sigv4client[\w.]*)"', t)
    }
    module = importlib.import_module(module_name)
    names = [n for n in getattr(module, "__all__", []) if not n.startswith("__")]
    missing = [n for n in names if n not in anchors]
    assert not missing, f"{module_name}: not in the API reference: {missing}"


def test_no_signature_line_is_longer_than_90(site: Path) -> None:
    count = 0
    long = []
    for page, text in _pages(site).items():
        for match in _SIGNATURE.finditer(text):
            count += 1
            for line in _text(match.group(1)).splitlines():
                if len(line) > MAX_SIGNATURE_LINE:
                    long.append(f"{page.relative_to(site)}: {len(line)}: {line[:60]}...")
    assert count > 100, "no API signatures found: has the reference markup changed?"
    assert not long, "signature lines over 90 characters (is Ruff installed?):\n" + "\n".join(long)


def test_the_reference_shows_no_self_assignment(site: Path) -> None:
    # `self.auth = auth` rendered as "auth = auth" before the docs' Griffe extension fixed it.
    reference = (site / "reference" / "sigv4client" / "index.html").read_text(encoding="utf-8")
    start = reference.index('id="sigv4client.SigV4Client.auth"')
    signature = _text(_SIGNATURE.search(reference, start).group(1)).strip()  # type: ignore[union-attr]
    assert signature == "auth: TokenAuth | None"


def test_footer_shows_the_version_and_the_changelog_is_a_page(site: Path) -> None:
    home = (site / "index.html").read_text(encoding="utf-8")
    assert f"sigv4client {sigv4client.__version__}" in home
    assert 'href="changelog/"' in home
    changelog = (site / "changelog" / "index.html").read_text(encoding="utf-8")
    assert "Unreleased" in changelog
    assert f"{sigv4client.__version__}" in changelog


def test_aws_references_are_linked(site: Path) -> None:
    home = (site / "index.html").read_text(encoding="utf-8")
    assert "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html" in home
    assert "https://docs.aws.amazon.com/cognito/latest/developerguide/" in home


def test_home_page_lists_every_reference_page() -> None:
    docs = Path(__file__).resolve().parents[1] / "docs"
    source = (docs / "index.md").read_text("utf-8")
    reference = docs / "reference"
    unlisted = [p.name for p in reference.glob("*.md") if f"(reference/{p.name})" not in source]
    assert not unlisted, f"docs/index.md does not list {unlisted}"


def test_404_page_works_under_a_sub_path(tmp_path: Path) -> None:
    # Served at any depth, 404.html needs absolute URLs: from site_url.
    built = build_site(tmp_path / "site", {"SIGV4CLIENT_DOCS_URL": SUB_PATH_URL})
    page = (built / "404.html").read_text(encoding="utf-8")
    assets = re.findall(r'(?:href|src)="([^"]*assets/[^"]*)"', page)
    assert assets
    assert all(a.startswith("/sigv4client/assets/") for a in assets), assets
