"""The notes API's one Lambda function (payload 1.0, as API Gateway's REST APIs send)."""

from __future__ import annotations

import json
from typing import Any


def handler(event: dict[str, Any], context: object) -> dict[str, Any]:
    context_ = event["requestContext"]
    if event["resource"] == "/me":
        claims = context_["authorizer"]["claims"]
        answer: object = {"user": claims["cognito:username"]}
    elif event["resource"] == "/stats":
        answer = {"notes": 1}
    else:
        answer = {"notes": [{"id": "7"}], "caller": context_["identity"]["caller"]}
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(answer),
    }
