"""The generated, typed client: it passes mypy --strict, and calls through ApiClient.

The modules are generated from the notes API of tests/data/apidefs (REST and
HTTP API exports) and from a Swagger 2.0 definition with awkward names; mypy
checks them together with a file that uses them correctly and one that
misuses them (which must fail: the types have teeth). At run time the REST
module's methods are called against the botocore-verifying server.
"""

from __future__ import annotations

import asyncio
import importlib.util
import io
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from sigv4client import Credentials, MissingAuthError, RequestValidationError
from sigv4client.apiclient import generate_module
from sigv4client.cli import main
from sigv4client.exceptions import DefinitionError
from sigv4client.local import VerifyingServer

from .conftest import ACCESS_KEY, SECRET_KEY

DATA = Path(__file__).parent / "data" / "apidefs"
REST = DATA / "notes-rest.oas30.json"
HTTP = DATA / "notes-http.oas30.yaml"
CREDS = Credentials(access_key_id=ACCESS_KEY, secret_access_key=SECRET_KEY)

AWKWARD: dict[str, Any] = {
    "swagger": "2.0",
    "info": {"title": "awkward api", "version": "1"},
    "host": "example.com",
    "schemes": ["https"],
    "paths": {
        "/things/{thing-id}": {
            "put": {
                "operationId": "put-thing",
                "summary": 'Put a "thing"',
                "parameters": [
                    {"name": "thing-id", "in": "path", "required": True, "type": "string"},
                    {"name": "class", "in": "query", "type": "string", "enum": ["a", "b"]},
                    {
                        "name": "body",
                        "in": "body",
                        "required": True,
                        "schema": {
                            "type": "object",
                            "required": ["content-type"],
                            "properties": {
                                "content-type": {"type": "string"},
                                "size": {"type": "integer", "x-nullable": True},
                                "tags": {
                                    "type": "object",
                                    "additionalProperties": {"type": "number"},
                                },
                            },
                        },
                    },
                ],
                "responses": {"204": {"description": "done"}},
            }
        }
    },
}

USAGE_OK = """\
from __future__ import annotations

from gen_rest import AsyncNotesClient, NotesClient, Note
from gen_http import NotesHttpClient
from gen_awkward import AwkwardApiClient


def use(client: NotesClient, http: NotesHttpClient, odd: AwkwardApiClient) -> str:
    note: Note = client.get_note(id="7")
    created = client.create_note(body={"title": "x"})
    items = client.list_notes(limit=5, tag=["a"])
    client.delete_note(id="7")
    client.search_notes(q="x", x_client_id="c")
    odd.put_thing(thing_id="1", body={"content-type": "t"}, class_="a")
    http.create_note(body={"title": "y"})
    client.legacy(method="PUT")
    return note["title"] + created["title"] + "".join(i["title"] for i in items)


async def ause(client: AsyncNotesClient) -> str:
    note = await client.get_note(id="7")
    await client.aclose()
    return note["title"]
"""

USAGE_BAD = """\
from __future__ import annotations

from gen_rest import NotesClient


def misuse(client: NotesClient) -> None:
    client.get_note(id=7)
    client.create_note(body={"name": "x"})
    client.list_notes(limit="5")
    n: int = client.get_note(id="1")["title"]
"""

USAGE_BAD_ENUM = """\
from gen_awkward import AwkwardApiClient


def misuse(odd: AwkwardApiClient) -> None:
    odd.put_thing(thing_id="1", body={"content-type": "t"}, class_="c")
"""


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("generated")
    (folder / "gen_rest.py").write_text(
        generate_module(REST, class_name="NotesClient"), encoding="utf-8"
    )
    (folder / "gen_http.py").write_text(
        generate_module(HTTP, class_name="NotesHttpClient"), encoding="utf-8"
    )
    (folder / "gen_awkward.py").write_text(generate_module(AWKWARD), encoding="utf-8")
    (folder / "usage_ok.py").write_text(USAGE_OK, encoding="utf-8")
    (folder / "usage_bad.py").write_text(USAGE_BAD, encoding="utf-8")
    (folder / "usage_bad_enum.py").write_text(USAGE_BAD_ENUM, encoding="utf-8")
    return folder


def _load(folder: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, folder / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_modules_pass_mypy_strict_and_catch_misuse(generated: Path) -> None:
    files = ["gen_rest.py", "gen_http.py", "gen_awkward.py", "usage_ok.py", "usage_bad.py",
             "usage_bad_enum.py"]  # fmt: skip
    run = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(generated / ".mypy"),
         *files],
        cwd=generated,
        capture_output=True,
        text=True,
        check=False,
    )  # fmt: skip
    errors = [line for line in run.stdout.splitlines() if ": error:" in line]
    assert errors, run.stdout
    assert all(line.startswith("usage_bad") for line in errors), run.stdout
    lines = {(line.split(":")[0], int(line.split(":")[1])) for line in errors}
    expected = {("usage_bad.py", n) for n in (7, 8, 9, 10)} | {("usage_bad_enum.py", 5)}
    assert lines == expected, run.stdout


def test_generated_client_calls_through_apiclient(
    generated: Path, verifying_server: VerifyingServer
) -> None:
    module = _load(generated, "gen_rest")
    client = module.NotesClient(endpoint=verifying_server.url, credentials=CREDS)
    try:
        got = client.get_note(id="7")
        assert got["path"] == "/notes/7"  # the verifying server's echo
        assert got["access_key"] == ACCESS_KEY
        created = client.create_note(body={"title": "typed"})
        assert created["method"] == "POST"
        with pytest.raises(RequestValidationError) as info:
            client.create_note(body={"title": ""})
        assert info.value.pointer == "/body/title"
    finally:
        client.close()
    bare = module.NotesClient(endpoint=verifying_server.url)
    with pytest.raises(MissingAuthError, match="pass credentials="):
        bare.get_note(id="7")
    bare.close()

    async def main_async() -> Any:
        async_client = module.AsyncNotesClient(endpoint=verifying_server.url, credentials=CREDS)
        try:
            return await async_client.get_note(id="8")
        finally:
            await async_client.aclose()

    assert asyncio.run(main_async())["path"] == "/notes/8"


def test_generated_names_and_docstrings(generated: Path) -> None:
    awkward = _load(generated, "gen_awkward")
    client = awkward.AwkwardApiClient()
    assert "Put a" in (client.put_thing.__doc__ or "")
    client.close()
    rest = (generated / "gen_rest.py").read_text(encoding="utf-8")
    assert "class Note(" in rest  # the schema's title names its TypedDict
    assert rest.count("class Note(") == 1  # the same schema gets one TypedDict
    assert "Auth: SigV4 (credentials)." in rest


def test_the_command_writes_the_module(tmp_path: Path) -> None:
    out = io.StringIO()
    target = tmp_path / "notes_client.py"
    code = main(["generate-client", "--openapi", str(REST), "-o", str(target)], stdout=out)
    assert code == 0
    assert target.read_text(encoding="utf-8") == generate_module(REST)
    assert f"wrote {target}" in out.getvalue()


def test_nothing_to_generate_is_refused() -> None:
    empty = {"openapi": "3.0.1", "info": {"title": "t"}, "paths": {}}
    with pytest.raises(DefinitionError, match="no operations"):
        generate_module(empty)
    with pytest.raises(DefinitionError, match="not a Python identifier"):
        generate_module(REST, class_name="not valid")


def _one_operation(**overrides: Any) -> dict[str, Any]:
    """A one-route SigV4 definition for the tests below; ``overrides`` replace top-level keys."""
    document: dict[str, Any] = {
        "openapi": "3.0.1",
        "info": {"title": "t", "version": "1"},
        "servers": [{"url": "https://example.com/prod"}],
        "security": [{"sigv4": []}],
        "components": {
            "securitySchemes": {
                "sigv4": {
                    "type": "apiKey",
                    "name": "Authorization",
                    "in": "header",
                    "x-amazon-apigateway-authtype": "awsSigv4",
                }
            }
        },
        "paths": {},
    }
    document.update(overrides)
    return document


def _exec(source: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {}
    exec(compile(source, "<generated>", "exec"), namespace)
    return namespace


# Text a definition may hold that ends, or escapes out of, a Python string literal.
HOSTILE_TEXTS = [
    'x""";PWNED=True;"""',
    'ends with a quote"',
    'ends with two quotes""',
    "a \\N{BULLET} and a \\ at the end\\",
    "a NUL \x00, a CR \r, a line separator \u2028 and a lone surrogate \ud800",
]


@pytest.mark.parametrize("text", HOSTILE_TEXTS)
def test_definition_text_stays_inside_the_docstrings(text: str) -> None:
    schema = {"type": "object", "title": "Thing", "description": text,
              "properties": {"a": {"type": "string"}}}  # fmt: skip
    document = _one_operation(
        info={"title": text, "version": "1"},
        paths={
            "/x": {
                "get": {
                    "operationId": "GetX",
                    "summary": text,
                    "description": text,
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {"application/json": {"schema": schema}},
                        }
                    },
                }
            }
        },
    )
    namespace = _exec(generate_module(document, class_name="TClient"))
    assert "PWNED" not in namespace
    shown = text.strip().replace("\ud800", "\ufffd")  # no __doc__ can hold a lone surrogate
    assert shown in namespace["__doc__"]
    assert shown in namespace["TClient"].__doc__
    assert shown in namespace["AsyncTClient"].__doc__
    assert shown in namespace["TClient"].get_x.__doc__
    assert namespace["Thing"].__doc__ == shown


def test_generated_names_never_shadow_or_repeat(verifying_server: VerifyingServer) -> None:
    string = {"type": "string"}
    parameters = [
        {"name": "id_query", "in": "query", "schema": string},
        {"name": "id", "in": "path", "required": True, "schema": string},
        {"name": "id", "in": "query", "schema": string},
        {"name": "cast", "in": "query", "schema": string},
    ]
    result = {"title": "Mapping", "type": "object",
              "properties": {"\ufb01le": string, "file": string, "__debug__": string}}  # fmt: skip
    document = _one_operation(
        # Untitled: the default class name is ApiClient, the runtime class's name.
        info={"title": "Api", "version": "1"},
        paths={
            "/x/{id}/{body}": {
                "post": {
                    "operationId": "PostX",
                    "parameters": parameters,
                    "requestBody": {"content": {"application/json": {"schema": {}}}},
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {"application/json": {"schema": result}},
                        }
                    },
                }
            }
        },
    )
    source = generate_module(document)
    namespace = _exec(source)
    assert "class Mapping(" not in source
    assert "'\ufb01le': str" in source  # its own key, not "file" once Python reads it
    client = namespace["ApiClient"](
        endpoint=verifying_server.url, credentials=CREDS, region="us-east-1"
    )
    try:
        got = client.post_x(
            id="7", body_path="b", body={}, id_query="q1", id_query_="q2", cast_query="c"
        )
    finally:
        client.close()
    assert got["path"] == "/x/7/b"
    assert sorted(map(tuple, got["query"])) == [("cast", "c"), ("id", "q2"), ("id_query", "q1")]
    for bad in ("None", "class", "TypedDict", "Mapping", "cast"):
        with pytest.raises(DefinitionError, match="pass another --class-name"):
            generate_module(REST, class_name=bad)
