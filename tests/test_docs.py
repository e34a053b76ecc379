"""The documentation: every public name has a docstring, and the site builds.

The API reference is generated from the docstrings (mkdocstrings), so a public
object without one is a hole in the docs. The site is built with
``mkdocs build --strict``, which fails on a broken link, a broken anchor or a
reference to an object that does not exist. The build needs the ``docs``
extra: without it the tests of the built site are skipped, with a reason that
says how to install it, except in CI (``CI=true``; ``.ci/run`` installs the
extra), where a missing extra fails them.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.support.profiles import IN_CI

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"

# The modules whose __all__ is the public API, each documented in docs/reference/.
PUBLIC_MODULES = [
    "sigv4client",
    "sigv4client.credentials",
    "sigv4client.cognito",
    "sigv4client.exceptions",
    "sigv4client.local",
    "sigv4client.local.cognito",
    "sigv4client.local.iam",
    "sigv4client.local.identity_pool",
    "sigv4client.tokens",
    "sigv4client.verification",
    "sigv4client.compat",
    "sigv4client.apiclient",
    "sigv4client.apidef",
]
# What the docs build imports: mkdocs, the Material theme, mkdocstrings' Python handler.
DOCS_TOOLS = ["mkdocs", "material", "mkdocstrings", "mkdocstrings_handlers.python"]
INSTALL_HINT = 'install the docs extra: pip install -e ".[docs]"'


def _public_names(module: ModuleType) -> list[str]:
    names = getattr(module, "__all__", None)
    assert names is not None, f"{module.__name__} has no __all__"
    # Dunders (__version__) explain themselves.
    return [n for n in names if not (n.startswith("__") and n.endswith("__"))]


def _own_doc(obj: object) -> str:
    # A class's own docstring, not one inherited from a base class.
    doc = obj.__dict__.get("__doc__") if inspect.isclass(obj) else getattr(obj, "__doc__", None)
    return doc.strip() if isinstance(doc, str) else ""


def _undocumented_members(cls: type) -> list[str]:
    """Public methods and properties of ``cls`` (and of its bases in this package) with no doc."""
    missing = []
    for klass in cls.__mro__:
        if not klass.__module__.startswith("sigv4client"):
            continue
        for name, value in vars(klass).items():
            if name.startswith("_"):
                continue
            func = value.__func__ if isinstance(value, (staticmethod, classmethod)) else value
            if isinstance(func, property):
                func = func.fget
            elif not inspect.isfunction(func):
                continue  # a field, an enum member, a constant
            if not _own_doc(func):
                missing.append(f"{cls.__name__}.{name}")
    return missing


def _definition(module_name: str, name: str) -> tuple[list[str], ast.stmt] | None:
    """The source lines and the top-level assignment that define ``name``, following imports."""
    spec = importlib.util.find_spec(module_name)
    assert spec is not None, module_name
    assert spec.origin is not None, module_name
    source = Path(spec.origin).read_text(encoding="utf-8")
    package = module_name if spec.submodule_search_locations else module_name.rpartition(".")[0]
    body = ast.parse(source).body
    # Names a lazy package face (PEP 562) imports under "if TYPE_CHECKING:" too.
    body += [inner for stmt in body if isinstance(stmt, ast.If) for inner in stmt.body]
    for stmt in body:
        if isinstance(stmt, ast.Assign | ast.AnnAssign):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            if any(isinstance(t, ast.Name) and t.id == name for t in targets):
                return source.splitlines(), stmt
        elif isinstance(stmt, ast.ImportFrom):
            for alias in stmt.names:
                if (alias.asname or alias.name) == name:
                    origin = importlib.util.resolve_name(
                        "." * stmt.level + (stmt.module or ""), package
                    )
                    return _definition(origin, alias.name)
    return None


def _data_documented(module_name: str, name: str) -> bool:
    """A constant or type alias is documented by ``#:`` lines above it or a string below it."""
    found = _definition(module_name, name)
    if found is None:
        return False
    lines, stmt = found
    above = lines[stmt.lineno - 2].strip() if stmt.lineno >= 2 else ""
    if above.startswith("#:") and above[2:].strip():
        return True
    tree = ast.parse("\n".join(lines))
    body = tree.body
    for i, node in enumerate(body):
        if node.lineno == stmt.lineno and i + 1 < len(body):
            after = body[i + 1]
            return (
                isinstance(after, ast.Expr)
                and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)
            )
    return False


@pytest.mark.parametrize("module_name", PUBLIC_MODULES)
def test_every_public_name_has_a_docstring(module_name: str) -> None:
    module = importlib.import_module(module_name)
    assert _own_doc(module), f"module {module_name} has no docstring"
    missing = []
    for name in _public_names(module):
        obj = getattr(module, name)
        if inspect.isclass(obj):
            if not _own_doc(obj):
                missing.append(name)
            missing.extend(_undocumented_members(obj))
        elif inspect.isfunction(obj) or inspect.ismodule(obj):
            if not _own_doc(obj):
                missing.append(name)
        elif not _data_documented(module_name, name):
            missing.append(f"{name} (add a '#:' comment above its assignment)")
    assert not missing, f"{module_name}: public names without a docstring: {missing}"


def _docs_tools_missing() -> list[str]:
    missing = []
    for name in DOCS_TOOLS:
        try:
            found = importlib.util.find_spec(name) is not None
        except ModuleNotFoundError:  # the parent package of a dotted name is missing
            found = False
        if not found:
            missing.append(name)
    return missing


def build_site(out: Path, env_extra: dict[str, str] | None = None) -> Path:
    """Build the site with ``mkdocs build --strict`` into ``out``; skip without the docs extra.

    ``env_extra`` adds environment variables (``SIGV4CLIENT_DOCS_URL``...).
    """
    missing = _docs_tools_missing()
    if missing:
        reason = f"cannot build the docs: {', '.join(missing)} not importable; {INSTALL_HINT}"
        if IN_CI:  # CI installs the docs extra: missing there is a broken setup
            pytest.fail(reason)
        pytest.skip(reason)
    env = dict(os.environ)
    env["NO_MKDOCS_2_WARNING"] = "1"  # Material's end-of-life banner, not a build warning
    env.pop("SIGV4CLIENT_DOCS_URL", None)
    # The build must need no network: any HTTP(S) fetch goes to a closed local port and fails.
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        env[var] = "http://127.0.0.1:9"
    env.pop("NO_PROXY", None)
    env.pop("no_proxy", None)
    env.update(env_extra or {})
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "--config-file",
            str(ROOT / "mkdocs.yml"),
            "--site-dir",
            str(out),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{proc.stdout}\n{proc.stderr}"
    return out


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built with ``mkdocs build --strict`` into a temporary folder."""
    return build_site(tmp_path_factory.mktemp("docs") / "site")


def test_docs_build_strict(site: Path) -> None:
    assert (site / "index.html").is_file()
    assert (site / "quickstart" / "index.html").is_file()
    # The reference was generated, not left empty: sign() has its anchor.
    reference = (site / "reference" / "sigv4client" / "index.html").read_text(encoding="utf-8")
    assert 'id="sigv4client.sign"' in reference
    # The Python file of the docs' Griffe extension is not published.
    assert not (site / "_ext").exists()


@pytest.mark.parametrize(
    "module_name",
    [
        "sigv4client",
        "sigv4client.credentials",
        "sigv4client.cognito",
        "sigv4client.exceptions",
        "sigv4client.local",
        "sigv4client.tokens",
        "sigv4client.compat",
    ],
)
def test_api_reference_lists_every_public_name(site: Path, module_name: str) -> None:
    module = importlib.import_module(module_name)
    html = "\n".join(
        p.read_text(encoding="utf-8") for p in (site / "reference").rglob("index.html")
    )
    anchors = set(re.findall(r'id="(sigv4client[\w.]*)"', html))
    short = {anchor.rpartition(".")[2] for anchor in anchors}
    missing = [name for name in _public_names(module) if name not in short]
    assert not missing, f"not in the API reference: {missing}"


def _long_options(*args: str) -> set[str]:
    env = dict(os.environ, COLUMNS="80")
    proc = subprocess.run(
        [sys.executable, "-m", "sigv4client.cli", *args, "--help"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return set(re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", proc.stdout)) - {"--help"}


def test_cli_page_names_every_option() -> None:
    page = (DOCS / "cli.md").read_text(encoding="utf-8")
    options = _long_options() | _long_options("login") | _long_options("demo")
    missing = sorted(o for o in options if not re.search(rf"{re.escape(o)}(?![\w-])", page))
    assert not missing, f"docs/cli.md does not mention {missing}"


# Run this module's site test in a child where mkdocs cannot be imported, as
# without the docs extra.
_WITHOUT_MKDOCS = """
import sys, pytest

class NotInstalled:
    def find_spec(self, name, path=None, target=None):
        if name == "mkdocs" or name.startswith("mkdocs."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, NotInstalled())
test = sys.argv[1] + "::test_docs_build_strict"
sys.exit(pytest.main(["-p", "no:cacheprovider", "-rs", "-q", test]))
"""


@pytest.mark.parametrize(("ci", "outcome"), [("", "1 skipped"), ("true", "1 error")])
def test_without_the_docs_extra_the_site_tests_skip_with_a_reason(ci: str, outcome: str) -> None:
    env = dict(os.environ, CI=ci)
    proc = subprocess.run(
        [sys.executable, "-c", _WITHOUT_MKDOCS, __file__],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert outcome in proc.stdout, proc.stdout + proc.stderr
    assert "mkdocs not importable" in proc.stdout
    assert INSTALL_HINT in proc.stdout
