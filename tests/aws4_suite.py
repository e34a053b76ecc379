"""A small parser for the AWS SigV4 test suite, vendored in tests/data/aws4_testsuite.

Each case is a folder holding NAME.req (the raw request), NAME.creq (canonical
request), NAME.sts (string to sign), NAME.authz (Authorization) and NAME.sreq
(the signed request). tests/data/README.md says where the files come from; a
missing folder is an error, never a skip.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

SUITE = Path(__file__).resolve().parent / "data" / "aws4_testsuite"
ACCESS_KEY = "AKIDEXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
REGION = "us-east-1"
SERVICE = "service"
# The suite's readme (post-sts-token/readme.txt): in "post-sts-header-after" the
# token header is added after the signature is calculated.
TOKEN_ADDED_AFTER = frozenset({"post-sts-header-after"})


@dataclass(frozen=True)
class RawRequest:
    method: str
    target: str
    headers: list[tuple[str, str]]
    body: bytes


@dataclass(frozen=True)
class Case:
    name: str
    folder: Path
    request: RawRequest
    creq: str
    sts: str
    authz: str
    signed: RawRequest

    @property
    def now(self) -> datetime:
        date = {n.lower(): v for n, v in self.request.headers}["x-amz-date"]
        return datetime.strptime(date, "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)

    @property
    def session_token(self) -> str | None:
        for name, value in self.signed.headers:
            if name.lower() == "x-amz-security-token":
                return value
        return None


def parse_request(text: str) -> RawRequest:
    """Parse an HTTP/1.1 request as the suite writes it (LF line ends, obs-fold allowed)."""
    head, _, body = text.partition("\n\n")
    lines = head.split("\n")
    request_line = lines[0]
    method, _, rest = request_line.partition(" ")
    target = rest.rsplit(" ", 1)[0]  # "HTTP/1.1" is the last word; the target may hold spaces
    headers: list[tuple[str, str]] = []
    for line in lines[1:]:
        if not line:
            continue
        if line[:1] in (" ", "\t") and headers:
            # obs-fold (RFC 7230 3.2.4): a continuation line is replaced by one space.
            name, value = headers[-1]
            headers[-1] = (name, f"{value} {line.strip()}")
            continue
        name, _, value = line.partition(":")
        headers.append((name, value))
    return RawRequest(method, target, headers, body.encode("utf-8"))


def load_cases() -> list[Case]:
    if not SUITE.is_dir():
        raise FileNotFoundError(
            f"the AWS SigV4 test suite is missing at {SUITE}; it is part of the "
            "repository (tests/data/aws4_testsuite): restore it with "
            "`git checkout -- tests/data` or clone the repository again"
        )
    cases = []
    for req in sorted(SUITE.rglob("*.req")):
        folder = req.parent
        name = req.stem

        def read(ext: str, folder: Path = folder, name: str = name) -> str:
            return (folder / f"{name}.{ext}").read_text(encoding="utf-8")

        cases.append(
            Case(
                name=name,
                folder=folder,
                request=parse_request(read("req")),
                creq=read("creq"),
                sts=read("sts"),
                authz=read("authz"),
                signed=parse_request(read("sreq")),
            )
        )
    return cases
