"""The Cognito chain of cognito_chain.py, with a client generated from the API's export.

Instead of hand-written invokeApig calls (paths, methods, signing by hand),
``sigv4client generate-client`` turns the API's OpenAPI export
(examples/notes-api.yaml) into a typed module with one method per operation;
its methods sign with the identity pool's credentials because the export
says the routes use IAM authorization. By default everything runs on
loopback: moto's Cognito and a server that verifies signatures with
botocore. Needs the local and apiclient extras:
pip install "sigv4client[local,apiclient]".

The generated module here goes to a temporary folder; in a project, commit it:

    sigv4client generate-client --openapi notes-api.yaml -o notes_client.py
"""

from __future__ import annotations

import importlib.util
import sys
import tempfile
from pathlib import Path
from types import ModuleType

from sigv4client import ApiError, RequestValidationError
from sigv4client.cli import main as sigv4client_command
from sigv4client.cognito import CognitoUser
from sigv4client.local import VerifyingServer
from sigv4client.local.cognito import LocalCognito
from sigv4client.local.gateway import MotoIdentityResolver

REGION = "us-east-1"
EXPORT = Path(__file__).with_name("notes-api.yaml")


def generate(folder: Path) -> ModuleType:
    """Run ``sigv4client generate-client`` and import the module it writes."""
    target = folder / "notes_client.py"
    code = sigv4client_command(
        ["generate-client", "--openapi", str(EXPORT), "-o", str(target),
         "--class-name", "NotesClient"]
    )  # fmt: skip
    if code != 0:
        raise SystemExit(code)
    spec = importlib.util.spec_from_file_location("notes_client", target)
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot import {target}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main() -> int:
    with LocalCognito(region=REGION) as cognito, tempfile.TemporaryDirectory() as tmp:
        setup = cognito.create_demo()
        resolve = MotoIdentityResolver(cognito.endpoint_url, setup.identity_pool_id)
        with VerifyingServer(resolve=resolve, region=REGION, service="execute-api") as server:
            notes_client = generate(Path(tmp))
            user = CognitoUser(
                user_pool_id=setup.user_pool_id,
                client_id=setup.client_id,
                endpoint_url=cognito.endpoint_url,
            )
            user.login(setup.username, setup.password)
            print(f"1. logged in {setup.username!r} (SRP)")
            credentials = user.identity_credentials(setup.identity_pool_id)
            # The export names the real API's host; here it is the local server.
            client = notes_client.NotesClient(
                endpoint=server.url + "/prod", credentials=credentials
            )
            try:
                listed = client.list_notes(limit=10)
                query = "&".join(f"{k}={v}" for k, v in listed["query"])
                print(f"2. client.list_notes(limit=10) -> signed {listed['method']} "
                      f"{listed['path']}?{query}, key {listed['access_key']}")  # fmt: skip
                added = client.create_note(body={"content": "hello"})
                print(f"3. client.create_note(...) -> {added['method']} body {added['body']}")
                try:
                    client.create_note(body={"content": ""})
                except RequestValidationError as exc:
                    print(f"4. refused before sending: {exc.pointer}")
            except ApiError as exc:
                print(f"the API refused the call: {exc}")
                return 1
            finally:
                client.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
