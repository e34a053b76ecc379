"""One redaction rule for URLs in reprs and messages: names decoded, in any case."""

from __future__ import annotations

import pytest

from sigv4client import HttpRequest
from sigv4client._canonical import shown_url
from sigv4client.models import redact_query

SECRET = "FQoGZXIvYXdzSECRETTOKEN"


@pytest.mark.parametrize(
    "query",
    [
        f"X-Amz-Security%2DToken={SECRET}",
        f"x-amz-security-token={SECRET}",
        f"X%2DAmz%2DSignature={SECRET}",
        f"a=1&X-AMZ-SIGNATURE={SECRET}&b=2",
        f"X-Amz-Security-Token={SECRET}#frag",
        f"x-amz-credential={SECRET}",
    ],
)
def test_shown_url_redacts_as_redact_query_does(query: str) -> None:
    url = f"https://h.example/p?{query}"
    assert SECRET not in shown_url(url)
    assert SECRET not in repr(HttpRequest(method="GET", url=url))
    path_and_query, _, fragment = query.partition("#")
    expected = f"https://h.example/p?{redact_query(path_and_query, credential=True)}"
    assert shown_url(url) == expected + (f"#{fragment}" if fragment else "")


def test_shown_url_keeps_the_rest() -> None:
    assert shown_url("https://u:pw@h.example/a/b?x=1&y=2") == "https://h.example/a/b?x=1&y=2"
    assert shown_url("https://h.example/a") == "https://h.example/a"
