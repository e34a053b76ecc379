"""Control characters in the URL given to the signer: refused, everywhere, by every entry point.

A URL is signed as it goes on the wire, and a raw control character cannot go
there as written: CR and LF end the request line (RFC 9112 3), and clients
send the others differently, if at all (requests percent-encodes a TAB,
aiohttp drops it, httpx refuses the URL), so what was signed would not be what
is sent. sign(), presign(), presign_result() and verify() refuse every C0
control and DEL in the path, the query and the fragment as they refuse one in
the host: CR, LF and NUL with HeaderInjectionError, as in a header, the others
with InvalidRequestError. A space and non-ASCII characters are not refused:
every client percent-encodes them the same way, and their handling is pinned
here unchanged. botocore (the oracle, never our code) signs the escape the
errors recommend exactly as we do.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

import httpx
import pytest
import requests
import yarl
from hypothesis import given, settings
from hypothesis import strategies as st

from sigv4client import (
    Credentials,
    HeaderInjectionError,
    HttpRequest,
    InvalidRequestError,
    SigningConfig,
    SigV4Client,
    presign,
    presign_result,
    sign,
    verify,
)
from sigv4client import _canonical as c
from sigv4client.verification import VerificationError
from tests.botocore_oracle import botocore_sign

NOW = datetime(2026, 3, 3, 9, 5, 7, tzinfo=timezone.utc)
TOKEN = "IQoJb3JpZ2luX2VjEXAMPLEtoken"
CREDS = Credentials(access_key_id="AKIDEXAMPLE", secret_access_key="secret", session_token=TOKEN)
CFG = SigningConfig(region="us-east-1", service="execute-api")
S3 = SigningConfig(region="us-east-1", service="s3", normalize_path=False, double_encode_path=False)
KEYS = {"AKIDEXAMPLE": ("secret", TOKEN)}

CONTROLS = [chr(n) for n in range(0x20)] + ["\x7f"]
INJECTING = {"\r", "\n", "\x00"}
# Where a character may stand in a URL, "{}" marking it.
PLACES = {
    "path": "https://h.example/prod/a{}b",
    "query": "https://h.example/prod/a?x=1{}2&y=3",
    "query name": "https://h.example/prod/a?x{}y=1",
    "fragment": "https://h.example/prod/a?x=1#f{}g",
    "userinfo": "https://us{}er:pw@h.example/prod/a",
}
PART = {"query name": "query"}


def _error_for(ch: str) -> type[InvalidRequestError]:
    return HeaderInjectionError if ch in INJECTING else InvalidRequestError


def _signers(url: str) -> list[tuple[str, Callable[[], object]]]:
    request = HttpRequest(method="GET", url=url)
    return [
        ("sign", lambda: sign(request, CREDS, CFG, now=NOW)),
        ("sign (S3 rules)", lambda: sign(request, CREDS, S3, now=NOW)),
        ("presign", lambda: presign(request, CREDS, CFG, now=NOW)),
        ("presign_result", lambda: presign_result(request, CREDS, CFG, now=NOW)),
    ]


@pytest.mark.parametrize("place", list(PLACES))
@pytest.mark.parametrize("ch", CONTROLS, ids=[f"U+{ord(ch):04X}" for ch in CONTROLS])
def test_every_signer_refuses_a_control_character(ch: str, place: str) -> None:
    url = PLACES[place].format(ch)
    for name, call in _signers(url):
        with pytest.raises(InvalidRequestError) as info:
            call()
        assert type(info.value) is _error_for(ch), name
        message = str(info.value)
        assert f"U+{ord(ch):04X}) in its {PART.get(place, place)}" in message, name
        assert f"percent-encode it as %{ord(ch):02X}" in message, name


@pytest.mark.parametrize("place", ["path", "query", "query name"])
@pytest.mark.parametrize("ch", CONTROLS, ids=[f"U+{ord(ch):04X}" for ch in CONTROLS])
def test_verify_refuses_a_control_character_as_malformed(ch: str, place: str) -> None:
    # The request as received cannot hold one: a server that passes one has
    # decoded the target, and a signature over it would cover what no client sent.
    url = PLACES[place].format(ch)
    signed = sign(HttpRequest(method="GET", url=PLACES[place].format("")), CREDS, CFG, now=NOW)
    request = HttpRequest(method="GET", url=url, headers=signed.headers)
    with pytest.raises(VerificationError, match=f"U\\+{ord(ch):04X}") as info:
        verify(request, KEYS.get, now=NOW)
    assert info.value.check == "malformed"


@pytest.mark.parametrize("ch", CONTROLS, ids=[f"U+{ord(ch):04X}" for ch in CONTROLS])
def test_a_control_character_in_the_host_stays_refused(ch: str) -> None:
    # It would be written into the Host header: refused before this change, as
    # header injection, whichever control it is.
    request = HttpRequest(method="GET", url=f"https://h{ch}x.example/a")
    with pytest.raises(HeaderInjectionError, match="host"):
        sign(request, CREDS, CFG, now=NOW)
    with pytest.raises(HeaderInjectionError, match="host"):
        presign(request, CREDS, CFG, now=NOW)
    with pytest.raises(VerificationError, match="host"):
        verify(request, KEYS.get, now=NOW)


@pytest.mark.parametrize(
    ("url", "error", "says"),
    [
        ("\nhttps://h.example/a", HeaderInjectionError, "U+000A) in its scheme"),
        ("ht\ttps://h.example/a", InvalidRequestError, "U+0009) in its scheme"),
        ("https://h.example:44\r3/a", HeaderInjectionError, "U+000D) in its port"),
        ("https://h.example:443\x7f/a", InvalidRequestError, "U+007F) in its port"),
        ("https://[::1]:80\x00/a", HeaderInjectionError, "U+0000) in its port"),
    ],
)
def test_a_control_character_in_the_scheme_or_port_is_refused(
    url: str, error: type[InvalidRequestError], says: str
) -> None:
    # Neither holds an escape: the message says to remove it. (A port with one
    # was an "invalid port" before, an InvalidRequestError whatever the character.)
    for name, call in _signers(url):
        with pytest.raises(InvalidRequestError) as info:
            call()
        assert type(info.value) is error, name
        assert says in str(info.value), name
        assert str(info.value).endswith("; remove it") or "strip the URL" in str(info.value)


def test_a_url_ending_in_a_line_break_says_to_strip_it() -> None:
    # The common way one gets there: a URL read from a file or an environment variable.
    with pytest.raises(HeaderInjectionError, match="strip the URL"):
        sign(HttpRequest(method="GET", url="https://h.example/prod\n"), CREDS, CFG, now=NOW)
    with pytest.raises(InvalidRequestError, match="strip the URL"):
        sign(HttpRequest(method="GET", url="https://h.example/prod?a=1\t"), CREDS, CFG, now=NOW)
    with pytest.raises(InvalidRequestError) as info:
        sign(HttpRequest(method="GET", url="https://h.example/a\tb"), CREDS, CFG, now=NOW)
    assert "strip" not in str(info.value)


def test_the_message_shows_no_credential() -> None:
    # The URL is shown as shown_url shows it: no userinfo, token, signature or credential.
    urls = [
        "https://alice:hunter2@h.example/a\rb",
        "https://ali\rce:hunter2@h.example/a",
        f"https://h.example/a?X-Amz-Security-Token={TOKEN}&X-Amz-Signature={'ab' * 32}&x=\r",
        f"https://h.example/a?X-Amz-Credential=AKIDSECRETKEY%2Fx&X-Amz-Security-Token={TOKEN}\x7f",
    ]
    for url in urls:
        for name, call in _signers(url):
            with pytest.raises(InvalidRequestError) as info:
                call()
            message = str(info.value)
            for secret in ("hunter2", "alice", TOKEN, "ab" * 32, "AKIDSECRETKEY"):
                assert secret not in message, (name, message)


@pytest.mark.parametrize("ch", CONTROLS, ids=[f"U+{ord(ch):04X}" for ch in CONTROLS])
def test_the_escape_the_message_gives_signs_as_botocore_signs_it(ch: str) -> None:
    # Following the advice is a valid request, signed byte for byte as botocore signs it.
    escape = f"%{ord(ch):02X}"
    for template in (PLACES["path"], PLACES["query"], PLACES["query name"]):
        url = template.format(escape)
        ours = sign(HttpRequest(method="GET", url=url), CREDS, CFG, now=NOW)
        theirs = botocore_sign(
            method="GET",
            url=url,
            headers=[],
            body=b"",
            access_key="AKIDEXAMPLE",
            secret_key="secret",
            token=TOKEN,
            region="us-east-1",
            service="execute-api",
            now=NOW,
        )
        assert ours.authorization == theirs.headers["Authorization"], url
        assert ours.url == url


def test_http_clients_send_a_control_character_each_their_own_way() -> None:
    # Why a control character cannot be signed as written: the three clients the
    # adapters serve disagree about it (and none sends it raw).
    url = "https://h.example/a\tb?x=1\t2"
    assert requests.Request("GET", url).prepare().url == "https://h.example/a%09b?x=1%092"
    assert str(yarl.URL(url)) == "https://h.example/ab?x=12"
    with pytest.raises(httpx.InvalidURL):
        httpx.Request("GET", url)


# --- what stays as it was -------------------------------------------------------------


@pytest.mark.parametrize("ch", [" ", "\u00e9", "\u00a0", "\u0085", "\u2028", "\u1234"])
def test_a_space_or_non_ascii_character_in_the_path_is_signed_as_before(ch: str) -> None:
    # Every client percent-encodes these the same way; the AWS test suite signs
    # them raw in a path (get-space, get-utf8), encoded once, and so does botocore.
    url = f"https://h.example/prod/a{ch}b"
    ours = sign(HttpRequest(method="GET", url=url), CREDS, CFG, now=NOW)
    theirs = botocore_sign(
        method="GET",
        url=url,
        headers=[],
        body=b"",
        access_key="AKIDEXAMPLE",
        secret_key="secret",
        token=TOKEN,
        region="us-east-1",
        service="execute-api",
        now=NOW,
    )
    assert ours.authorization == theirs.headers["Authorization"]
    assert ours.url == url
    encoded = "".join(f"%{b:02X}" for b in ch.encode())
    assert ours.canonical_request.split("\n")[1] == f"/prod/a{encoded}b"
    for client_url in (
        requests.Request("GET", url).prepare().url,
        str(httpx.Request("GET", url).url),
        str(yarl.URL(url)),
    ):
        assert client_url == f"https://h.example/prod/a{encoded}b"


@pytest.mark.parametrize("ch", [" ", "\u00e9", "\u00a0", "\u0085"])
def test_a_space_or_non_ascii_character_in_the_query_is_sent_re_encoded(ch: str) -> None:
    encoded = "".join(f"%{b:02X}" for b in ch.encode())
    url = f"https://h.example/prod/a?x=1{ch}2&y{ch}=3"
    ours = sign(HttpRequest(method="GET", url=url), CREDS, CFG, now=NOW)
    assert ours.url == f"https://h.example/prod/a?x=1{encoded}2&y{encoded}=3"
    assert ours.canonical_request.split("\n")[2] == f"x=1{encoded}2&y{encoded}=3"
    again = sign(HttpRequest(method="GET", url=ours.url), CREDS, CFG, now=NOW)
    assert again.authorization == ours.authorization


def test_a_space_in_the_fragment_is_kept_as_before() -> None:
    # The fragment is neither signed nor sent.
    res = sign(HttpRequest(method="GET", url="https://h.example/a#f g"), CREDS, CFG, now=NOW)
    assert res.url == "https://h.example/a#f g"
    assert res.canonical_request.split("\n")[1:3] == ["/a", ""]


@pytest.mark.parametrize("ch", ["\r", "\n", "\x00", "\t", "\x07", "\x7f", " ", "\u00e9"])
def test_sign_request_encodes_the_path_and_query_it_is_given(ch: str) -> None:
    # SigV4Client takes the path and the parameters as text and encodes them:
    # a control character there is data, sent (and signed) percent-encoded.
    client = SigV4Client.new_client(
        access_key="AKIDEXAMPLE",
        secret_key="secret",
        region="us-east-1",
        endpoint="https://h.example/prod",
    )
    encoded = "".join(f"%{b:02X}" for b in ch.encode())
    signed = client.sign_request(path=f"/a{ch}b", query_params={f"k{ch}": f"v{ch}"}, now=NOW)
    assert signed.url == f"https://h.example/prod/a{encoded}b?k{encoded}=v{encoded}"


@pytest.mark.parametrize("ch", CONTROLS, ids=[f"U+{ord(ch):04X}" for ch in CONTROLS])
def test_sign_request_refuses_an_endpoint_with_a_control_character(ch: str) -> None:
    # The endpoint is a URL in wire form, kept as given: refused when the client is built.
    with pytest.raises(InvalidRequestError) as info:
        SigV4Client.new_client(
            access_key="AKIDEXAMPLE",
            secret_key="secret",
            region="us-east-1",
            endpoint=f"https://h.example/pr{ch}od",
        )
    assert type(info.value) is _error_for(ch)


# --- the fast path ---------------------------------------------------------------------


@pytest.mark.parametrize("ch", CONTROLS, ids=[f"U+{ord(ch):04X}" for ch in CONTROLS])
def test_the_fast_path_takes_no_url_with_a_control_character(ch: str) -> None:
    # signing_target's fast path skips the general steps (and their check): its
    # character classes must exclude every control character in path and query.
    for template in ("https://h.example/a{}b", "https://h.example/a?x={}", "https://h.ex{}/a"):
        match = c._PLAIN_URL.match(template.format(ch))
        if match is not None:  # the origin group takes anything: _origin checks it
            assert ch in match.group(1)


@settings(max_examples=500, deadline=None)
@given(
    path=st.text(alphabet="abz09-._~/%", max_size=10),
    query=st.none() | st.text(alphabet="abz09-._~=&%+", max_size=10),
    ch=st.sampled_from(CONTROLS),
    at=st.integers(min_value=0),
    normalize=st.booleans(),
    double_encode=st.booleans(),
)
def test_signing_target_refuses_a_control_character_anywhere_after_the_host(
    path: str, query: str | None, ch: str, at: int, normalize: bool, double_encode: bool
) -> None:
    tail = "/" + path + ("" if query is None else f"?{query}")
    at = 1 + at % len(tail)
    url = f"https://h.example{tail[:at]}{ch}{tail[at:]}"
    with pytest.raises(InvalidRequestError) as info:
        c.signing_target.__wrapped__(url, normalize, double_encode)
    assert type(info.value) is _error_for(ch)
