"""The IAM section of docs/local.md: the output it shows is what evaluate() prints.

(The page's snippets, with their asserts on each policy, run in test_snippets.)
"""

from __future__ import annotations

from sigv4client.local.iam import evaluate
from tests.test_demo import _doc_block

ACCOUNT = "111122223333"
API = f"arn:aws:execute-api:eu-west-1:{ACCOUNT}:a1b2c3"
SESSION = f"arn:aws:sts::{ACCOUNT}:assumed-role/Cognito_DemoAuth_Role/CognitoIdentityCredentials"


def test_the_explanation_shown_is_the_one_printed() -> None:
    role_policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "InvokeProd", "Effect": "Allow", "Action": "execute-api:Invoke",
             "Resource": f"{API}/prod/*"},
            {"Sid": "NoDelete", "Effect": "Deny", "Action": "execute-api:Invoke",
             "Resource": f"{API}/*/DELETE/*"},
        ],
    }  # fmt: skip
    d = evaluate(
        action="execute-api:Invoke",
        resource=f"{API}/prod/DELETE/pets/7",
        principal_arn=SESSION,
        identity_policies=[("role", role_policy)],
    )
    first, rest = d.explanation.split("\n", 1)
    assert _doc_block("local.md", first).rstrip("\n") == rest
