"""The pytest plugin: a pytest11 entry point, whose fixtures the example project's tests use."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "pytest-plugin"


def _pytest_in(folder: Path, *options: str) -> subprocess.CompletedProcess[str]:
    """pytest run in ``folder`` as a user runs it: the plugin found by its entry point."""
    return subprocess.run(  # our own argument list
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *options],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_the_plugin_is_a_pytest11_entry_point() -> None:
    import tomllib  # Python 3.11+, as in test_examples.py

    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert declared["project"]["entry-points"]["pytest11"] == {
        "sigv4client": "sigv4client.pytest_plugin"
    }
    installed = {e.name: e.value for e in entry_points(group="pytest11")}
    assert installed.get("sigv4client") == "sigv4client.pytest_plugin", (
        "reinstall the package (pip install -e .) to register the entry point"
    )


def test_the_example_projects_tests_pass_with_the_fixtures() -> None:
    # As a user runs them: in the project's folder, the plugin found by its entry point.
    done = _pytest_in(EXAMPLE)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "5 passed" in done.stdout


def test_the_example_project_runs_with_only_what_it_names() -> None:
    # This suite's environment has pytest-asyncio; a user of the example has only
    # pytest and the extras its pytest.ini names. An option of a plugin it does
    # not name is an error there ("Unknown config option", under filterwarnings).
    ini = (EXAMPLE / "pytest.ini").read_text(encoding="utf-8")
    assert 'pip install "sigv4client[local,httpx]" pytest' in ini
    done = _pytest_in(EXAMPLE, "-p", "no:asyncio")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "5 passed" in done.stdout


def test_a_project_without_an_api_setting_is_told_what_to_set(tmp_path: Path) -> None:
    (tmp_path / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    (tmp_path / "test_x.py").write_text(
        "def test_x(sigv4client_gateway):\n    pass\n", encoding="utf-8"
    )
    done = _pytest_in(tmp_path)
    assert done.returncode != 0
    assert "set one of sigv4client_openapi or sigv4client_sam" in done.stdout + done.stderr


def test_an_unknown_sam_api_is_a_usage_error_naming_the_known_ones(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_bytes((EXAMPLE / "template.yaml").read_bytes())
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\nsigv4client_sam = template.yaml\nsigv4client_sam_api = NoSuchApi\n",
        encoding="utf-8",
    )
    (tmp_path / "test_x.py").write_text(
        "def test_x(sigv4client_gateway):\n    pass\n", encoding="utf-8"
    )
    done = _pytest_in(tmp_path)
    assert done.returncode != 0
    said = done.stdout + done.stderr
    assert "sigv4client_sam_api = NoSuchApi: no API 'NoSuchApi'" in said
    assert "known: NotesApi" in said
    assert "UsageError" in said


def test_an_openapi_project_with_a_handlers_module(tmp_path: Path) -> None:
    # The HTTP API export of tests/data/apidefs, its handlers named in a module of
    # the project: the JWT route accepts the local user's ID token once its scope
    # is dropped (moto's tokens carry no custom scopes), the IAM route a signature.
    import yaml

    data = ROOT / "tests" / "data" / "apidefs"
    document = yaml.safe_load((data / "notes-http.oas30.yaml").read_text(encoding="utf-8"))
    document["paths"]["/notes"]["get"]["security"] = [{"NotesJwt": []}]
    del document["paths"]["/$default"]
    (tmp_path / "notes.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    app_file = str(data / "src" / "app.py")
    (tmp_path / "project_handlers.py").write_text(
        "import importlib.util\n"
        f"spec = importlib.util.spec_from_file_location('notes_app', {app_file!r})\n"
        "app = importlib.util.module_from_spec(spec)\n"
        "spec.loader.exec_module(app)\n"
        "HANDLERS = {'ListNotesFunction': app.list_notes, 'CreateNoteFunction': app.create_note,\n"
        "            'GetNoteFunction': app.get_note, 'HealthFunction': app.health,\n"
        "            'RequestAuthorizerFunction': lambda event, ctx: {'isAuthorized': False}}\n",
        encoding="utf-8",
    )
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\nsigv4client_openapi = notes.yaml\nsigv4client_handlers = project_handlers\n"
        "asyncio_default_fixture_loop_scope = function\nfilterwarnings = error\n",
        encoding="utf-8",
    )
    (tmp_path / "test_notes.py").write_text(
        "import requests\n\n"
        "def test_routes(sigv4client_gateway, sigv4client_httpx, sigv4client_cognito_user):\n"
        "    url = sigv4client_gateway.url\n"
        "    assert sigv4client_gateway.region == 'eu-west-1'\n"
        "    token = sigv4client_cognito_user.get_tokens().id_token\n"
        "    ok = requests.get(url + '/notes', headers={'Authorization': 'Bearer ' + token})\n"
        "    assert ok.status_code == 200, ok.text\n"
        "    assert requests.get(url + '/notes').status_code == 401\n"
        "    created = sigv4client_httpx.post('/notes', json={'title': 'x'})\n"
        "    assert created.status_code == 201, created.text\n"
        "    assert requests.post(url + '/notes', json={'title': 'x'}).status_code == 403\n",
        encoding="utf-8",
    )
    done = _pytest_in(tmp_path)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "1 passed" in done.stdout


def test_the_signing_clients_send_only_to_the_local_gateway(tmp_path: Path) -> None:
    # A test that points a signing fixture at a real endpoint by mistake (a URL
    # copied from the console) fails before anything leaves the machine: the
    # fixtures' clients are for the local gateway, never for AWS.
    example = EXAMPLE
    for name in ("template.yaml", "src"):
        source = example / name
        target = tmp_path / name
        if source.is_dir():
            target.mkdir()
            for item in source.glob("*.py"):
                (target / item.name).write_bytes(item.read_bytes())
        else:
            target.write_bytes(source.read_bytes())
    (tmp_path / "pytest.ini").write_text(
        "[pytest]\nsigv4client_sam = template.yaml\n"
        "asyncio_default_fixture_loop_scope = function\nfilterwarnings = error\n",
        encoding="utf-8",
    )
    (tmp_path / "test_elsewhere.py").write_text(
        "import pytest\n"
        "from sigv4client.exceptions import InvalidRequestError\n\n"
        "AWS = 'https://abcdef1234.execute-api.us-east-1.amazonaws.com/prod/notes'\n"
        "OTHER = 'http://127.0.0.1:9/prod/notes'\n\n"
        "@pytest.mark.parametrize('url', [AWS, OTHER])\n"
        "def test_session(sigv4client_session, url):\n"
        "    with pytest.raises(InvalidRequestError, match='only to the local gateway') as e:\n"
        "        sigv4client_session.get(url, timeout=3)\n"
        "    assert 'sigv4client_gateway.url' in str(e.value)\n\n"
        "@pytest.mark.parametrize('url', [AWS, OTHER])\n"
        "def test_httpx(sigv4client_httpx, url):\n"
        "    with pytest.raises(InvalidRequestError, match='only to the local gateway'):\n"
        "        sigv4client_httpx.get(url, timeout=3)\n\n"
        "def test_session_with_an_adapter_mounted(sigv4client_session):\n"
        "    import requests\n"
        "    sigv4client_session.mount('https://', requests.adapters.HTTPAdapter(max_retries=2))\n"
        "    with pytest.raises(InvalidRequestError, match='only to the local gateway'):\n"
        "        sigv4client_session.get(AWS, timeout=3)\n\n"
        "def test_httpx_with_its_hooks_replaced(sigv4client_httpx):\n"
        "    sigv4client_httpx.event_hooks = {'response': []}\n"
        "    with pytest.raises(InvalidRequestError, match='only to the local gateway'):\n"
        "        sigv4client_httpx.get(AWS, timeout=3)\n\n"
        "def test_the_gateway_still_answers(sigv4client_session, sigv4client_httpx,\n"
        "                                   sigv4client_gateway):\n"
        "    url = sigv4client_gateway.url + '/notes'\n"
        "    assert sigv4client_session.get(url).status_code == 200\n"
        "    assert sigv4client_httpx.get('/notes').status_code == 200\n",
        encoding="utf-8",
    )
    done = _pytest_in(tmp_path)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "7 passed" in done.stdout


def test_the_gateway_only_refusal_names_the_host_without_its_userinfo() -> None:
    # The check reads origins by the adapters' own rule (default ports included),
    # and its message never shows a URL's user:password@.
    from types import SimpleNamespace

    from sigv4client.exceptions import InvalidRequestError
    from sigv4client.pytest_plugin import _check_sent_to_gateway

    gateway: Any = SimpleNamespace(url="http://127.0.0.1:8080/prod")
    _check_sent_to_gateway("http://127.0.0.1:8080/prod/notes", gateway, "f")
    _check_sent_to_gateway("HTTP://127.0.0.1:8080/other", gateway, "f")
    with pytest.raises(InvalidRequestError, match=r"not to evil\.example:8443") as caught:
        _check_sent_to_gateway("https://alice:hunter2@evil.example:8443/x", gateway, "f")
    assert "hunter2" not in str(caught.value)
    with pytest.raises(InvalidRequestError):
        _check_sent_to_gateway("http://127.0.0.1:99999/x", gateway, "f")
