"""A REST API and an HTTP API built through the gateway's Python API, called by three signers.

The same calls are signed by sigv4client (``SigV4Client``), by botocore (the
oracle in ``tests/botocore_oracle.py``, sent byte for byte) and by awscurl (its
command line, in a subprocess, over loopback), with long-term and temporary
credentials. Each API has stages with stage variables, Lambda proxy handlers
given as "module:function" strings, IAM, Lambda and open routes, and (REST) a
resource policy in the console's short form whose deny has its twin.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests

from sigv4client import ApiError, Credentials, SignatureMismatchError, SigV4Client
from sigv4client.local import LambdaAuthorizer, LambdaIntegration, LocalGateway
from tests.botocore_oracle import botocore_sign

REGION = "eu-west-1"
KEY, SECRET = "AKIDCLIENTS", "clients/secret+key"
TEMP_KEY, TEMP_SECRET, TOKEN = "ASIACLIENTS", "temp/secret", "FwoGZXIvYXdzEJr//token=="
ECHO = "tests.lambda_handlers:echo"
AWSCURL = Path(sys.executable).with_name("awscurl")


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, object]


Send = Callable[[str, str, bytes, Credentials], Answer]


def _sigv4client(method: str, url: str, body: bytes, creds: Credentials) -> Answer:
    base, _, path = url.partition("/__/")
    client = SigV4Client(credentials=creds, endpoint=base, region=REGION)
    path, _, query = path.partition("?")
    params = dict(pair.split("=", 1) for pair in query.split("&")) if query else None
    try:
        answer = client.invoke(
            path="/" + path,
            method=method,
            query_params=params,
            body=json.loads(body) if body else None,
        )
    except ApiError as err:
        return Answer(err.status, json.loads(err.body))
    except SignatureMismatchError as err:  # a 403 quoting the gateway's canonical request
        assert err.status is not None
        assert err.body is not None
        return Answer(err.status, json.loads(err.body))
    assert isinstance(answer, dict)
    return Answer(200, answer)


def _botocore(method: str, url: str, body: bytes, creds: Credentials) -> Answer:
    url = url.replace("/__/", "/")
    signed = botocore_sign(
        method=method,
        url=url,
        headers=[("Content-Type", "application/json")] if body else [],
        body=body,
        access_key=creds.access_key_id,
        secret_key=creds.secret_access_key,
        token=creds.session_token,
        region=REGION,
        service="execute-api",
        now=datetime.now(timezone.utc),
    )
    answer = requests.request(
        method, signed.url, headers=dict(signed.headers.items()), data=body, timeout=10
    )
    return Answer(answer.status_code, answer.json())


def _awscurl(method: str, url: str, body: bytes, creds: Credentials) -> Answer:
    url = url.replace("/__/", "/")
    command = [str(AWSCURL), "-v", "-X", method, "--service", "execute-api", "--region", REGION]
    command += ["--access_key", creds.access_key_id, "--secret_key", creds.secret_access_key]
    if creds.session_token:
        command += ["--session_token", creds.session_token]
    if body:
        command += ["-H", "Content-Type: application/json", "-d", body.decode()]
    # No AWS configuration of the machine's own is read: only the keys given here.
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env |= {"AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull}
    done = subprocess.run(  # our own argument list
        [*command, url], capture_output=True, text=True, timeout=60, env=env, check=False
    )
    # -v logs "Response code: N" to stderr; the body goes to stdout.
    status = re.search(r"Response code: (\d{3})", done.stderr)
    assert status is not None, (done.returncode, done.stderr[-500:])
    return Answer(int(status.group(1)), json.loads(done.stdout))


SIGNERS: dict[str, Send] = {"sigv4client": _sigv4client, "botocore": _botocore, "awscurl": _awscurl}
CREDS = {
    "long-term": Credentials(access_key_id=KEY, secret_access_key=SECRET),
    "temporary": Credentials(
        access_key_id=TEMP_KEY, secret_access_key=TEMP_SECRET, session_token=TOKEN
    ),
}


def _lambda_policy(event: dict[str, object]) -> Mapping[str, object]:
    arn = str(event.get("methodArn") or event.get("routeArn"))
    return {
        "principalId": "reader",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [{"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": arn}],
        },
        "context": {"role": "reader"},
    }


POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": "*",
            "Action": "execute-api:Invoke",
            "Resource": "execute-api:/*",
        },
        {
            "Effect": "Deny",
            "Principal": "*",
            "Action": "execute-api:Invoke",
            "Resource": "execute-api:/prod/DELETE/notes/*",
            "Condition": {"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}},
        },
    ],
}


@pytest.fixture(scope="module")
def rest() -> Iterator[LocalGateway]:
    with LocalGateway(
        {KEY: SECRET, TEMP_KEY: (TEMP_SECRET, TOKEN)},
        region=REGION,
        api_id="restapi01",
        stages={"prod": {"table": "notes-prod"}, "dev": {"table": "notes-dev"}},
        resource_policy=POLICY,
    ) as gw:
        gw.route("ANY", "/notes/{id}", LambdaIntegration(ECHO, name="notes"))
        gw.route(
            "GET",
            "/reader/{proxy+}",
            LambdaIntegration(ECHO),
            authorizer=LambdaAuthorizer(_lambda_policy, mode="REQUEST", ttl=0),
        )
        yield gw


@pytest.fixture(scope="module")
def http_api() -> Iterator[LocalGateway]:
    with LocalGateway(
        {KEY: SECRET, TEMP_KEY: (TEMP_SECRET, TOKEN)},
        region=REGION,
        api_type="HTTP",
        api_id="httpapi01",
        stages={"$default": {"table": "items"}, "beta": {"table": "items-beta"}},
    ) as gw:
        gw.route_key("ANY /items/{proxy+}", LambdaIntegration(ECHO, name="items"))
        yield gw


def _url(gateway: LocalGateway, stage: str, path: str) -> str:
    # "/__/" marks where SigV4Client's endpoint ends and its path begins.
    return f"{gateway.stage_url(stage)}/__{path}"


@pytest.mark.parametrize("credentials", sorted(CREDS))
@pytest.mark.parametrize("signer", sorted(SIGNERS))
def test_a_rest_api_served_to_each_signer(
    rest: LocalGateway, signer: str, credentials: str
) -> None:
    send, creds = SIGNERS[signer], CREDS[credentials]
    got = send("GET", _url(rest, "prod", "/notes/1?limit=5"), b"", creds)
    assert got.status == 200, got.body
    event = got.body["event"]
    assert isinstance(event, dict)
    assert (event["resource"], event["path"], event["httpMethod"]) == (
        "/notes/{id}",
        "/notes/1",
        "GET",
    )
    assert event["queryStringParameters"] == {"limit": "5"}
    assert event["stageVariables"] == {"table": "notes-prod"}
    assert event["requestContext"]["identity"]["accessKey"] == creds.access_key_id
    assert got.body["context"]["function_name"] == "notes"  # type: ignore[index]

    posted = send("POST", _url(rest, "dev", "/notes/2"), b'{"text": "hi \\u2713"}', creds)
    assert posted.status == 200, posted.body
    event = posted.body["event"]
    assert isinstance(event, dict)
    assert json.loads(str(event["body"])) == {"text": "hi \u2713"}
    assert event["stageVariables"] == {"table": "notes-dev"}

    # The resource policy denies DELETE on prod to loopback; its twin on dev is allowed.
    denied = send("DELETE", _url(rest, "prod", "/notes/3"), b"", creds)
    assert denied.status == 403
    assert denied.body == {
        "message": "User: anonymous is not authorized to perform: execute-api:Invoke on "
        "resource: arn:aws:execute-api:eu-west-1:123456789012:restapi01/prod/DELETE/notes/3 "
        "with an explicit deny"
    }
    assert send("DELETE", _url(rest, "dev", "/notes/3"), b"", creds).status == 200


@pytest.mark.parametrize("signer", sorted(SIGNERS))
def test_a_wrong_secret_is_refused_for_each_signer(rest: LocalGateway, signer: str) -> None:
    wrong = Credentials(access_key_id=KEY, secret_access_key="not-the-secret")
    got = SIGNERS[signer]("GET", _url(rest, "prod", "/notes/1"), b"", wrong)
    assert got.status == 403
    assert str(got.body["message"]).startswith("The request signature we calculated")


def test_a_rest_lambda_authorizer_route(rest: LocalGateway) -> None:
    answer = requests.get(
        f"{rest.url}/reader/a/b", headers={"Authorization": "reader-token"}, timeout=10
    )
    assert answer.status_code == 200, answer.text
    event = answer.json()["event"]
    assert event["requestContext"]["authorizer"] == {"principalId": "reader", "role": "reader"}
    assert event["pathParameters"] == {"proxy": "a/b"}
    assert requests.get(f"{rest.url}/reader/a", timeout=10).status_code == 401


@pytest.mark.parametrize("credentials", sorted(CREDS))
@pytest.mark.parametrize("signer", sorted(SIGNERS))
def test_an_http_api_served_to_each_signer(
    http_api: LocalGateway, signer: str, credentials: str
) -> None:
    send, creds = SIGNERS[signer], CREDS[credentials]
    got = send("PUT", _url(http_api, "beta", "/items/a/b?x=1"), b'{"n": 1}', creds)
    assert got.status == 200, got.body
    event = got.body["event"]
    assert isinstance(event, dict)
    assert (event["version"], event["routeKey"], event["rawPath"]) == (
        "2.0",
        "ANY /items/{proxy+}",
        "/beta/items/a/b",
    )
    assert event["pathParameters"] == {"proxy": "a/b"}
    assert event["stageVariables"] == {"table": "items-beta"}
    assert event["requestContext"]["authorizer"]["iam"]["accessKey"] == creds.access_key_id
    assert event["requestContext"]["http"]["method"] == "PUT"
    root = send("GET", _url(http_api, "$default", "/items/c"), b"", creds)
    assert root.status == 200
    assert root.body["event"]["stageVariables"] == {"table": "items"}  # type: ignore[index]
