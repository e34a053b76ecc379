"""docs/local-identity-pool.md: the deployment's policies, as the page writes them, given to a
LocalIdentityPool; and the output the page shows.

(The page's snippets, with their asserts through evaluate(), run in test_snippets.)
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sigv4client.exceptions import IdentityPoolError
from sigv4client.local.iam import evaluate
from sigv4client.local.identity_pool import standard_trust_policy
from tests.support.identity_pool import ACCOUNT, identity_pool_chain, invoke_arn

PAGE = Path(__file__).resolve().parents[1] / "docs" / "local-identity-pool.md"


def _page_policies() -> dict[str, object]:
    """``invoke_permission``, ``trust_policy`` and ``REAL_POOL`` as the page defines them."""
    blocks = re.findall(r"```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.S)
    (block,) = [b for b in blocks if "REAL_POOL =" in b]
    names: dict[str, object] = {
        "ACCOUNT": ACCOUNT,
        "API": invoke_arn("GET").split("/", 1)[0],
        "evaluate": evaluate,
        "standard_trust_policy": standard_trust_policy,
    }
    exec(block, names)  # the page's own code, run as test_snippets runs it
    return names


def test_the_pages_policies_through_the_local_pool(moto_endpoint: str) -> None:
    page = _page_policies()
    pool_id = page["REAL_POOL"]
    assert isinstance(pool_id, str)
    with identity_pool_chain(
        moto_endpoint,
        roles={"NotesReader": [page["invoke_permission"]]},  # type: ignore[list-item]
        users={"rita": []},
        authenticated_role="NotesReader",
        identity_pool_id=pool_id,
        trust_policies={"NotesReader": page["trust_policy"]},  # type: ignore[dict-item]
    ) as chain:
        creds = chain.credentials("rita")
        who = chain.identity(creds)
        assert (
            who.arn == f"arn:aws:sts::{ACCOUNT}:assumed-role/NotesReader/CognitoIdentityCredentials"
        )
        assert chain.decide(creds, "GET").allowed
        assert chain.decide(creds, "DELETE").outcome == "implicit-deny"


def test_the_pages_trust_policy_refuses_another_pool(moto_endpoint: str) -> None:
    page = _page_policies()
    with identity_pool_chain(
        moto_endpoint,
        roles={"NotesReader": [page["invoke_permission"]]},  # type: ignore[list-item]
        users={"rita": []},
        authenticated_role="NotesReader",
        trust_policies={"NotesReader": page["trust_policy"]},  # type: ignore[dict-item]
    ) as chain:
        assert chain.pool.identity_pool_id != page["REAL_POOL"]
        with pytest.raises(IdentityPoolError) as caught:
            chain.credentials("rita")
        assert caught.value.code == "InvalidIdentityPoolConfigurationException"


def test_without_a_token_mapping_a_group_role_is_not_used(moto_endpoint: str) -> None:
    # As the page says: a user-pool group's role counts only under a "Token" mapping.
    with identity_pool_chain(
        moto_endpoint,
        roles={"Readers": [], "SignedIn": []},
        groups={"readers": ("Readers", 5)},
        users={"rita": ["readers"]},
        authenticated_role="SignedIn",
    ) as chain:
        assert chain.identity(chain.credentials("rita")).arn == (
            f"arn:aws:sts::{ACCOUNT}:assumed-role/SignedIn/CognitoIdentityCredentials"
        )
