"""``sigv4client demo``: the whole chain, offline, on one machine.

It starts a local Cognito (moto's server) and a local API that accepts only
correctly signed requests, creates a user pool, an app client, a user and an
identity pool, then runs the chain: SRP login -> identity-pool credentials ->
signed GET and POST. It prints each step and the API's answers, shuts
everything down and exits 0 (or keeps running with ``--keep-running``, for
calls from a second terminal).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shlex
import sys
import threading
from collections.abc import Mapping, Sequence
from typing import IO

from ..client import SigV4Client
from ..cognito import CognitoUser
from ..exceptions import SigV4ClientError
from ..tokens import CognitoTokenAuth, HeaderTokenAuth
from .authorizers import CognitoAuthorizer, LambdaAuthorizer, Unauthorized
from .cognito import LocalCognito
from .gateway import AuthorizationType, GatewayRequest, LocalGateway, MotoIdentityResolver

__all__ = ["LOCAL_LOGIN_NOTE", "main"]

#: Said wherever a login against the local Cognito reports success: moto does
#: not check the password of an SRP login (it signs whatever claim it gets).
LOCAL_LOGIN_NOTE = (
    "note: the local Cognito (moto) does not check passwords in an SRP login: any "
    "password succeeds here; AWS checks it"
)


def _show(answer: object) -> str:
    text = json.dumps(answer, ensure_ascii=False) if not isinstance(answer, str) else answer
    return text if len(text) <= 160 else text[:157] + "..."


def _caller(request: GatewayRequest) -> str:
    # Who is calling, whichever way the route is protected.
    if request.iam_identity is not None:
        return request.iam_identity.access_key_id
    authorizer = request.authorizer or {}
    claims = authorizer.get("claims")
    if isinstance(claims, Mapping):
        return f"user {claims.get('cognito:username')}"
    return f"principal {authorizer.get('principalId')}"


def notes_api(
    gateway: LocalGateway, prefix: str = "/prod", authorizer: AuthorizationType = "AWS_IAM"
) -> None:
    """A tiny notes API (GET and POST ``<prefix>/notes``), kept in memory per caller."""
    notes: dict[str, list[object]] = {}
    lock = threading.Lock()

    def list_notes(request: GatewayRequest) -> dict[str, object]:
        caller = _caller(request)
        with lock:
            mine = list(notes.get(caller, []))
        limit = int(request.query_string_parameters.get("limit") or 10)
        return {"caller": caller, "notes": mine[:limit]}

    def add_note(request: GatewayRequest) -> dict[str, object]:
        caller = _caller(request)
        note = request.json()
        with lock:
            notes.setdefault(caller, []).append(note)
            count = len(notes[caller])
        return {"caller": caller, "added": note, "count": count}

    gateway.route("GET", f"{prefix}/notes", list_notes, authorizer=authorizer)
    gateway.route("POST", f"{prefix}/notes", add_note, authorizer=authorizer)


def _lambda_policy(event: dict[str, object]) -> dict[str, object]:
    # A TOKEN-mode Lambda authorizer: one demo API key is allowed.
    if event.get("authorizationToken") != _DEMO_API_KEY:
        raise Unauthorized
    return {
        "principalId": "demo-api-key",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": event["methodArn"]}
            ],
        },
    }


_DEMO_API_KEY = "demo-api-key-123"


def run(out: IO[str], *, keep_running: bool = False, stop: threading.Event | None = None) -> int:
    """Run the demo, writing to ``out``; returns the exit code."""
    with LocalCognito() as cognito:
        print(f"local Cognito (moto) ........ {cognito.endpoint_url}", file=out)
        setup = cognito.create_demo()
        print(f"user pool ................... {setup.user_pool_id}", file=out)
        print(f"app client .................. {setup.client_id}", file=out)
        print(f"user ........................ {setup.username}", file=out)
        print(f"identity pool ............... {setup.identity_pool_id}", file=out)
        resolver = MotoIdentityResolver(cognito.endpoint_url, setup.identity_pool_id)
        gateway = LocalGateway(
            resolve_secret=resolver,
            identity_fields=resolver.identity_fields,
            region=setup.region,
            service="execute-api",
        )
        notes_api(gateway)
        cognito_authorizer = CognitoAuthorizer(
            setup.user_pool_id,
            endpoint_url=cognito.endpoint_url,
            app_client_ids=[setup.client_id],
        )
        notes_api(gateway, "/cognito", cognito_authorizer)
        notes_api(gateway, "/lambda", LambdaAuthorizer(_lambda_policy, ttl=300))
        with gateway as api:
            print(f"local API gateway (IAM auth)  {api.url}/prod", file=out)
            print("", file=out)
            user = CognitoUser(
                user_pool_id=setup.user_pool_id,
                client_id=setup.client_id,
                endpoint_url=cognito.endpoint_url,
            )
            try:
                tokens = user.login(setup.username, setup.password)
                print(
                    f"1. SRP login as {setup.username!r}: ID token until "
                    f"{tokens.expires_at:%H:%M:%S} UTC",
                    file=out,
                )
                print(f"   ({LOCAL_LOGIN_NOTE})", file=out)
                provider = user.identity_credentials(setup.identity_pool_id)
                creds = provider.get_credentials()
                print(
                    f"2. identity-pool credentials: key {creds.access_key_id}, "
                    f"temporary (session token present: {creds.session_token is not None})",
                    file=out,
                )
                client = SigV4Client.new_client(
                    credentials=provider, endpoint=api.url + "/prod", region=setup.region
                )
                got = client.invoke(path="/notes", query_params={"limit": 10})
                print(f"3. signed GET /prod/notes?limit=10 -> 200 {_show(got)}", file=out)
                got = client.invoke(path="/notes", method="POST", body={"content": "hello"})
                print(f"4. signed POST /prod/notes -> 200 {_show(got)}", file=out)
                got = client.invoke(path="/notes", query_params={"limit": 10})
                print(f"5. signed GET /prod/notes?limit=10 -> 200 {_show(got)}", file=out)
                print("", file=out)
                print("The same API behind API Gateway's other authorizers:", file=out)
                by_token = SigV4Client.new_client(
                    auth=CognitoTokenAuth(user), endpoint=api.url + "/cognito"
                )
                got = by_token.invoke(path="/notes", method="POST", body={"content": "hi"})
                print(f"6. Cognito ID token, POST /cognito/notes -> 200 {_show(got)}", file=out)
                by_key = SigV4Client.new_client(
                    auth=HeaderTokenAuth("Authorization", lambda: _DEMO_API_KEY),
                    endpoint=api.url + "/lambda",
                )
                got = by_key.invoke(path="/notes")
                print(f"7. Lambda authorizer, GET /lambda/notes -> 200 {_show(got)}", file=out)
            except SigV4ClientError as exc:
                print(f"the demo failed: {exc}", file=out)
                return 1
            if keep_running:
                url = f"{api.url}/prod/notes"
                print("", file=out)
                print("Servers are running; from another terminal:", file=out)
                print("", file=out)
                print(
                    "  # log in to the local user pool (the password prompt does not echo), "
                    "then a signed GET:",
                    file=out,
                )
                command = [
                    *_sigv4client_command(),
                    "--cognito-endpoint-url",
                    cognito.endpoint_url,
                    "--user-pool-id",
                    setup.user_pool_id,
                    "--client-id",
                    setup.client_id,
                    "--username",
                    setup.username,
                    "--identity-pool-id",
                    setup.identity_pool_id,
                    "--region",
                    setup.region,
                    url,
                ]
                print(f"  {shlex.join(command)}", file=out)
                print(
                    f"  # password: {setup.password} (a throwaway local user; moto accepts "
                    "any password)",
                    file=out,
                )
                print("", file=out)
                print(
                    "  # the identity pool's credentials: moto's local test credentials, "
                    "not AWS keys",
                    file=out,
                )
                for name, value in (
                    ("AWS_ACCESS_KEY_ID", creds.access_key_id),
                    ("AWS_SECRET_ACCESS_KEY", creds.secret_access_key),
                    ("AWS_SESSION_TOKEN", creds.session_token or ""),
                    ("AWS_REGION", setup.region),
                ):
                    print(f"  export {name}={shlex.quote(value)}", file=out)
                print(
                    "  # then any SigV4 client, e.g. awscurl (pip install awscurl):",
                    file=out,
                )
                print(
                    f"  awscurl --service execute-api --region {setup.region} {shlex.quote(url)}",
                    file=out,
                )
                print("", file=out)
                print("Press Ctrl-C to stop.", file=out)
                out.flush()
                with contextlib.suppress(KeyboardInterrupt):
                    (stop or threading.Event()).wait()
            print("", file=out)
            print("done: servers stopped", file=out)
    return 0


def _sigv4client_command() -> list[str]:
    # The command that runs this very installation, by absolute path: a
    # virtualenv's bin folder is not on PATH unless activated (scripts/demo.sh
    # does not activate it). The console script beside this interpreter, else
    # this interpreter running the module.
    python = os.path.abspath(sys.executable)
    script = os.path.join(os.path.dirname(python), "sigv4client")
    if os.path.isfile(script) and os.access(script, os.X_OK):
        return [script]
    return [python, "-m", "sigv4client.cli"]


def main(argv: Sequence[str], out: IO[str]) -> int:
    """``sigv4client demo [--keep-running]``."""
    parser = argparse.ArgumentParser(
        prog="sigv4client demo",
        description="Run the whole chain offline: local Cognito, login, identity-pool "
        "credentials, signed calls to a local API gateway.",
    )
    parser.add_argument(
        "--keep-running", action="store_true", help="keep the servers up for a second terminal"
    )
    args = parser.parse_args(argv)
    return run(out, keep_running=args.keep_running)
