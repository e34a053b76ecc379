"""Lambda authorizers of the notes API (tests/data/apidefs)."""

from __future__ import annotations

from typing import Any


def token(event: dict[str, Any], context: object) -> dict[str, Any]:
    effect = "Allow" if event.get("authorizationToken") == "Bearer allow-me" else "Deny"
    return {
        "principalId": "token-user",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {"Action": "execute-api:Invoke", "Effect": effect, "Resource": event["methodArn"]}
            ],
        },
    }


def request(event: dict[str, Any], context: object) -> dict[str, Any]:
    headers = {k.lower(): v for k, v in (event.get("headers") or {}).items()}
    allowed = headers.get("x-client-id") == "client-1" or headers.get("authorization") == "allow-me"
    if event.get("version") == "2.0":
        return {"isAuthorized": allowed, "context": {"client": "client-1"}}
    return {
        "principalId": "client-1",
        "policyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Action": "execute-api:Invoke",
                    "Effect": "Allow" if allowed else "Deny",
                    "Resource": event["methodArn"],
                }
            ],
        },
    }
