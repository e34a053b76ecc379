"""The Host signed for a non-ASCII host is the one HTTP clients send (IDNA 2008, UTS #46)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
import requests

from sigv4client import Credentials, HttpRequest, SigningConfig, sign

NOW = datetime(2026, 3, 3, 9, 5, 7, tzinfo=timezone.utc)
CREDS = Credentials(access_key_id="AKIDEXAMPLE", secret_access_key="secret")
CFG = SigningConfig(region="us-east-1", service="execute-api")


@pytest.mark.parametrize("host", ["straße.example", "bücher.example", "ÉCOLE.example"])
def test_signed_host_is_the_host_requests_sends(host: str) -> None:
    url = f"https://{host}/x"
    signed = dict(sign(HttpRequest(method="GET", url=url), CREDS, CFG, now=NOW).headers)
    sent = requests.Request("GET", url).prepare().url
    assert sent is not None
    assert sent == f"https://{signed['Host']}/x"
    # The stdlib's IDNA 2003 codec would sign another host for "ß" (why idna is declared).
    if "ß" in host:
        assert signed["Host"] != host.encode("idna").decode("ascii")
