"""verify() on the shared pipeline, against botocore and against sign()/presign().

Whatever botocore presigns verifies (botocore is the oracle, never our code);
whatever we sign or presign verifies; and when the secret is wrong, the
canonical request verify() reports is exactly the one the signer built: sign,
presign and verify assemble it in one place.
"""

from __future__ import annotations

import string
from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sigv4client import (
    Credentials,
    HttpRequest,
    SignatureMismatchError,
    SigningConfig,
    presign_result,
    sign,
)
from sigv4client.verification import VerificationError, verify
from tests import strategies as s
from tests.botocore_oracle import botocore_presign

KEY = "AKIDPIPELINE"
secrets = st.text(alphabet=string.ascii_letters + string.digits + "/+", min_size=1, max_size=40)
unique_query = st.lists(
    st.tuples(s.components, s.components), max_size=6, unique_by=lambda kv: kv[0]
)
# verify() takes the headers as received; these are all valid on the wire.
request_headers = st.lists(
    st.tuples(s.header_names, s.header_values), max_size=5, unique_by=lambda kv: kv[0].lower()
).map(lambda hs: [(n, v) for n, v in hs if n.lower() not in s.RESERVED_HEADERS])


@settings(max_examples=600, deadline=None)
@given(
    scheme=s.schemes,
    host=s.hosts,
    path=s.paths,
    query=unique_query,
    headers=request_headers,
    token=s.tokens,
    secret=secrets,
    region=s.regions,
    service=s.services.filter(lambda x: x != "s3"),
    now=s.instants,
    expires=st.integers(min_value=1, max_value=604800),
)
def test_whatever_botocore_presigns_verifies(
    scheme: str,
    host: str,
    path: str,
    query: list[tuple[str, str]],
    headers: list[tuple[str, str]],
    token: str | None,
    secret: str,
    region: str,
    service: str,
    now: datetime,
    expires: int,
) -> None:
    qs = s.encode_query(query)
    url = f"{scheme}://{host}{path}" + (f"?{qs}" if qs else "")
    presigned = botocore_presign(
        method="GET",
        url=url,
        headers=headers,
        body=b"",
        access_key=KEY,
        secret_key=secret,
        token=token,
        region=region,
        service=service,
        now=now,
        expires=expires,
    )
    request = HttpRequest(method="GET", url=presigned, headers=headers)
    at = now + timedelta(seconds=expires // 2)
    who = verify(request, lambda key: (secret, token), now=at, region=region, service=service)
    assert who.presigned
    assert who.expires_in == expires
    assert who.session_token_present == (token is not None)


@settings(max_examples=600, deadline=None)
@given(
    scheme=s.schemes,
    host=s.hosts,
    path=s.paths,
    query=s.query_pairs,
    headers=request_headers,
    body=s.bodies,
    method=s.methods,
    token=s.tokens,
    secret=secrets,
    region=s.regions,
    service=s.services,
    now=s.instants,
    presigned=st.booleans(),
)
def test_what_we_sign_verifies_and_a_mismatch_shows_our_canonical_request(
    scheme: str,
    host: str,
    path: str,
    query: list[tuple[str, str]],
    headers: list[tuple[str, str]],
    body: bytes,
    method: str,
    token: str | None,
    secret: str,
    region: str,
    service: str,
    now: datetime,
    presigned: bool,
) -> None:
    qs = s.encode_query(query)
    url = f"{scheme}://{host}{path}" + (f"?{qs}" if qs else "")
    request = HttpRequest(method=method, url=url, headers=headers, body=body)
    creds = Credentials(access_key_id=KEY, secret_access_key=secret, session_token=token)
    # verify() reads the path rules from the scope's service: sign with the same.
    s3 = service == "s3"
    config = SigningConfig(
        region=region, service=service, normalize_path=not s3, double_encode_path=not s3
    )
    if presigned:
        result = presign_result(request, creds, config, expires_in=600, now=now)
        # result.headers: Host, and the request's headers that were signed.
        host = [(n, v) for n, v in result.headers if n == "Host"]
        received = HttpRequest(method=method, url=result.url, headers=[*host, *headers], body=body)
    else:
        result = sign(request, creds, config, now=now)
        received = result.apply_to(request)
    who = verify(received, lambda key: (secret, token), now=now, region=region, service=service)
    assert who.presigned == presigned
    assert who.signed_headers == tuple(result.signed_headers.split(";"))

    with pytest.raises(SignatureMismatchError) as caught:
        verify(received, lambda key: (secret + "x", token), now=now)
    assert caught.value.canonical_request == result.redacted_canonical_request()
    assert caught.value.string_to_sign == result.string_to_sign


@pytest.mark.parametrize("token", ["tok ", "\ttok", " t o k\t"])
def test_a_query_token_is_compared_exactly_as_signed(token: str) -> None:
    # Regression: a presigned URL's token, surrounding whitespace included, was
    # compared with the expected token stripped (the rule for a header), so a
    # URL botocore presigned with such a token was refused.
    now = datetime(2026, 3, 3, 9, 5, 7).astimezone()
    url = botocore_presign(
        method="GET",
        url="https://h.example/p",
        headers=[],
        body=b"",
        access_key=KEY,
        secret_key="secret",
        token=token,
        region="us-east-1",
        service="execute-api",
        now=now,
        expires=60,
    )
    request = HttpRequest(method="GET", url=url)
    assert verify(request, lambda key: ("secret", token), now=now).session_token_present
    # Exactly: the stripped token is another token.
    other = token.strip()
    with pytest.raises(VerificationError) as caught:
        verify(request, lambda key: ("secret", other), now=now)
    assert caught.value.check == "token"
