"""Lambda handlers for the gateway's tests, loaded as "tests.lambda_handlers:NAME"."""

from __future__ import annotations

import json

from sigv4client.local import LambdaContext


def echo(event: dict[str, object], context: LambdaContext) -> dict[str, object]:
    """Answers the event and the context it was given, as JSON."""
    seen = {
        "event": event,
        "context": {
            "aws_request_id": context.aws_request_id,
            "function_name": context.function_name,
            "invoked_function_arn": context.invoked_function_arn,
            "remaining": context.get_remaining_time_in_millis(),
        },
    }
    return {
        "statusCode": 200,
        "headers": {"Content-Type": "application/json"},
        "body": json.dumps(seen),
    }


def forbidden(event: dict[str, object], context: LambdaContext) -> dict[str, object]:
    """The issue's handler: a Lambda proxy answer of 403."""
    return {"statusCode": 403, "body": "no notes for you"}
