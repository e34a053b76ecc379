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


_SAME = "(the canonical requests are the same)"


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
    return "\n".join(diff) or _SAME


def _scope(string_to_sign: str | None) -> str | None:
    # "AWS4-HMAC-SHA256\n<amz date>\n<date>/<region>/<service>/aws4_request\n<hash>"
    lines = (string_to_sign or "").split("\n")
    return lines[2] if len(lines) == 4 else None


def explain_same_canonical_request(
    our_string_to_sign: str | None, server_string_to_sign: str
) -> str:
    """What a mismatch means when both sides built the same canonical request.

    The request arrived as it was signed, so the signing key differs: it is
    derived from the secret key and the credential scope's date, region and
    service. Both scopes are shown, and which of their parts differ.
    """
    ours, theirs = _scope(our_string_to_sign), _scope(server_string_to_sign)
    lines = [
        "the canonical requests are the same: the request arrived as it was signed, so the "
        "signing key differs. It is derived from the secret access key and the credential "
        "scope (date/region/service/aws4_request): either the secret key is not the one "
        "that belongs to the access key id, or the date, region or service of the scope "
        "differ.",
    ]
    if ours:
        lines.append(f"  scope, ours:   {ours}")
    lines.append(f"  scope, server: {theirs or '(not quoted)'}")
    if ours and theirs:
        differ = [
            name
            for name, x, y in zip(
                ("date", "region", "service", "terminator"),
                ours.split("/"),
                theirs.split("/"),
                strict=False,
            )
            if x != y
        ]
        if differ:
            lines.append(
                f"the scopes differ in their {' and '.join(differ)}: sign with the "
                "server's (--region, --service, or the clock for the date)"
            )
        else:
            lines.append(
                "the scopes are the same: check the secret access key (and that the key "
                "id and secret come from the same credentials)"
            )
    return "\n".join(lines)


def mismatch_from_answer(
    status: int,
    body: str,
    our_canonical_request: str,
    redact: tuple[str | None, ...] = (),
    *,
    our_string_to_sign: str | None = None,
) -> SignatureMismatchError | None:
    """A :class:`SignatureMismatchError` for a 403 that quotes the server's canonical request.

    ``our_string_to_sign``, when given, shows our credential scope beside the
    server's when the canonical requests are the same.
    """
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
    if diff == _SAME:
        what = explain_same_canonical_request(our_string_to_sign, sts)
    else:
        what = f"where the canonical requests differ:\n{diff}"
    err = SignatureMismatchError(
        f"the server computed a different signature (HTTP 403); {what}",
        check="signature",
        canonical_request=theirs,
        string_to_sign=sts,
    )
    err.status = status
    err.body = body
    err.client_canonical_request = ours
    err.diff = diff
    return err
