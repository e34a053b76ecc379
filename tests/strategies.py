"""Hypothesis strategies for wire-format HTTP requests."""

from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import quote

from hypothesis import strategies as st

TOKEN_CHARS = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
# Names that sign() writes itself or that botocore treats specially (Date).
RESERVED_HEADERS = {
    "authorization",
    "x-amz-date",
    "x-amz-security-token",
    "x-amz-content-sha256",
    "date",
    "host",
}

hosts = st.sampled_from(
    [
        "example.amazonaws.com",
        "abc123.execute-api.eu-west-1.amazonaws.com",
        "Mixed.Case.Example.com",
        "127.0.0.1:8080",
        "localhost:443",
        "svc.example.com:80",
    ]
)
schemes = st.sampled_from(["https", "http"])
regions = st.sampled_from(
    ["us-east-1", "eu-west-1", "ap-southeast-2", "us-gov-west-1", "cn-north-1"]
)
services = st.sampled_from(["execute-api", "service", "lambda", "es", "iam", "sts"])
texts = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
reserved_heavy = st.text(alphabet="/?#[]@!$&'()*+,;=%:~ -._aZ09é\u1234\U0001f600", max_size=8)
components = st.one_of(texts, reserved_heavy)

segments = st.one_of(
    components.map(lambda s: quote(s, safe="")),
    components.map(
        lambda s: quote(s, safe="!$&'()*+,;=:@")
    ),  # sub-delims left raw, as RFC 3986 allows
    st.sampled_from([".", "..", ""]),
)
paths = st.lists(segments, max_size=6).map(lambda segs: "/" + "/".join(segs))

query_pairs = st.lists(
    st.tuples(components, components),
    max_size=6,
)


def encode_query(pairs: list[tuple[str, str]]) -> str:
    return "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in pairs)


header_names = st.one_of(
    st.text(alphabet=TOKEN_CHARS, min_size=1, max_size=10),
    st.sampled_from(
        [
            "User-Agent",
            "Expect",
            "X-Amzn-Trace-Id",
            "Content-Type",
            "X-Custom",
            "x-custom",
            "Accept",
        ]
    ),
).filter(lambda n: n.lower() not in RESERVED_HEADERS)
# Header values with odd whitespace but no CR/LF (those are refused outright).
header_values = st.text(
    alphabet=st.characters(
        codec="utf-8", exclude_categories=("Cs",), exclude_characters="\r\n\x00"
    ),
    max_size=16,
) | st.text(alphabet=' \tab,;="', max_size=10)
headers = st.lists(st.tuples(header_names, header_values), max_size=6)
bodies = st.one_of(st.just(b""), st.binary(max_size=200), texts.map(lambda s: s.encode("utf-8")))
tokens = st.one_of(
    st.none(),
    st.text(
        alphabet=st.characters(codec="ascii", exclude_characters="\r\n\x00"),
        min_size=1,
        max_size=40,
    ).filter(str.strip),
)
instants = st.datetimes(
    min_value=datetime(2000, 1, 1),
    max_value=datetime(2099, 12, 31),
    timezones=st.just(timezone.utc),
).map(lambda d: d.replace(microsecond=0))
methods = st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "get"])
