"""Reading a server's "signature does not match" answer, and showing the difference.

API Gateway (and the local gateway) answer a signature mismatch with a 403
whose message quotes the canonical request and string to sign the server
computed::

    The Canonical String for this request should have been
    '<canonical request>'

    The String-to-Sign should have been
    '<string to sign>'

Comparing that canonical request with ours, line by line, shows which part of
the request the two sides read differently (a path encoded twice, a header a
proxy changed, a query '+' read as a space, ...).
"""

from __future__ import annotations

import difflib
import json
import re

from .exceptions import SignatureMismatchError

__all__ = ["mismatch_from_answer", "server_expectation"]

_EXPECTED = re.compile(
    r"The Canonical String for this request should have been\n'(?P<creq>.*?)'\n\n"
    r"The String-to-Sign should have been\n'(?P<sts>.*?)'",
    re.S,
)
_LABELS = ("method", "canonical URI", "canonical query")


def server_expectation(body: str) -> tuple[str, str] | None:
    """The server's (canonical request, string to sign) from a 403 body, if it quotes them."""
    text = body
    try:
        parsed = json.loads(body)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        for key in ("message", "Message"):
            if isinstance(parsed.get(key), str):
                text = parsed[key]
                break
    m = _EXPECTED.search(text)
    if m is None:
        return None
    return m.group("creq"), m.group("sts")


def _label(index: int, line: str, lines: list[str]) -> str:
    if index < len(_LABELS):
        return _LABELS[index]
    if index == len(lines) - 1:
        return "payload hash"
    if index == len(lines) - 2:
        return "signed headers"
    return f"header {line.partition(':')[0]}" if line else "end of headers"


def describe_difference(ours: str, theirs: str) -> str:
    """A readable line-by-line comparison of two canonical requests."""
    a, b = ours.split("\n"), theirs.split("\n")
    out = []
    if len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            if x != y:
                out.append(f"{_label(i, y, b)}:\n  ours:   {x!r}\n  server: {y!r}")
        if out:
            return "\n".join(out)
    diff = difflib.unified_diff(a, b, "ours", "server", lineterm="", n=1)
    return "\n".join(diff) or "(the canonical requests are the same: compare the keys and scope)"


def mismatch_from_answer(
    status: int, body: str, our_canonical_request: str, redact: tuple[str | None, ...] = ()
) -> SignatureMismatchError | None:
    """A :class:`SignatureMismatchError` for a 403 that quotes the server's canonical request."""
    if status != 403:
        return None
    expected = server_expectation(body)
    if expected is None:
        return None
    theirs, sts = expected
    ours = our_canonical_request
    for secret in redact:
        if secret:
            ours = ours.replace(secret, "<redacted>")
            theirs = theirs.replace(secret, "<redacted>")
            body = body.replace(secret, "<redacted>")  # the server quotes it too
    diff = describe_difference(ours, theirs)
    err = SignatureMismatchError(
        "the server computed a different signature (HTTP 403); where the canonical "
        f"requests differ:\n{diff}",
        check="signature",
        canonical_request=theirs,
        string_to_sign=sts,
    )
    err.status = status
    err.body = body
    err.client_canonical_request = ours
    err.diff = diff
    return err
