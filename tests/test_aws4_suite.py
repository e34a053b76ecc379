"""Every case of the AWS SigV4 test suite, through sign(), with no skip list."""

from __future__ import annotations

import pytest

from sigv4client import Credentials, HttpRequest, SigningConfig, sign
from tests.aws4_suite import (
    ACCESS_KEY,
    REGION,
    SECRET_KEY,
    SERVICE,
    TOKEN_ADDED_AFTER,
    Case,
    load_cases,
)

CASES = load_cases()


def test_the_whole_suite_is_there() -> None:
    # 34 cases when the suite is complete; fewer means data went missing.
    assert len(CASES) == 34, [c.name for c in CASES]


def _sign(case: Case):  # type: ignore[no-untyped-def]
    req = case.request
    token = case.session_token
    creds = Credentials(access_key_id=ACCESS_KEY, secret_access_key=SECRET_KEY, session_token=token)
    cfg = SigningConfig(
        region=REGION, service=SERVICE, sign_session_token=case.name not in TOKEN_ADDED_AFTER
    )
    host = {n.lower(): v for n, v in req.headers}["host"]
    request = HttpRequest(
        method=req.method, url=f"https://{host}{req.target}", headers=req.headers, body=req.body
    )
    return request, sign(request, creds, cfg, now=case.now)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_suite_case(case: Case) -> None:
    request, res = _sign(case)
    assert res.canonical_request == case.creq
    assert res.string_to_sign == case.sts
    assert res.authorization == case.authz
    # The signed request carries exactly the suite's headers, each once. The
    # Authorization line of the .sreq files is not compared: in
    # get-vanilla-with-session-token it was copied from get-vanilla (its
    # signature disagrees with the case's own .authz, checked above).
    signed = res.apply_to(request)
    ours = sorted((n.lower(), v.strip()) for n, v in signed.headers if n.lower() != "authorization")
    theirs = sorted(
        (n.lower(), v.strip()) for n, v in case.signed.headers if n.lower() != "authorization"
    )
    assert ours == theirs
    assert [n.lower() for n, _ in signed.headers].count("authorization") == 1
