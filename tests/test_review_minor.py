"""Secrets compared in constant time, and a malformed -H not echoed."""

from __future__ import annotations

import hmac
import io

import pytest

from sigv4client import cli
from sigv4client.local import demo
from sigv4client.local.authorizers import Unauthorized


def test_demo_api_key_is_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[object, object]] = []
    compare = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return compare(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    arn = "arn:aws:execute-api:us-east-1:123456789012:api/prod/GET/notes"
    with pytest.raises(Unauthorized):
        demo._lambda_policy({"authorizationToken": "nope", "methodArn": arn})
    assert calls, "the demo key must be compared with hmac.compare_digest"
    for token in ("démo-ключ", 12345, None):  # not ASCII, not a string: refused, no TypeError
        with pytest.raises(Unauthorized):
            demo._lambda_policy({"authorizationToken": token, "methodArn": arn})
    allowed = demo._lambda_policy({"authorizationToken": demo._DEMO_API_KEY, "methodArn": arn})
    assert allowed["principalId"] == "demo-api-key"


def test_a_header_without_colon_is_named_not_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    stderr = io.StringIO()
    token = "eyJhbGciOiJSUzI1NiJ9.SECRET-BEARER"
    code = cli.main(
        ["-H", f"Bearer {token}", "--region", "us-east-1", "http://127.0.0.1:1/"],
        stdin=io.StringIO(),
        stdout=io.StringIO(),
        stderr=stderr,
    )
    assert code == cli.EXIT_USAGE
    assert token not in stderr.getvalue()
    assert "-H argument 1" in stderr.getvalue()
    assert "'Name: value'" in stderr.getvalue()
