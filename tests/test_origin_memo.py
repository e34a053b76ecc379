"""origin_of() memoizes per "scheme://authority": the answer must be urlsplit's, always.

The redirect rule rests on :func:`~sigv4client.integrations._common.origin_of`.
It reads the origin from the part of the URL before its path and caches it
per that part; these tests hold it to the definition (the standard library's
parser on the whole URL, uncached) on URLs built to break the cut: userinfo
that hides a host, delimiters in every place, ports, IPv6 literals,
backslashes, whitespace, controls and non-ASCII characters.
"""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

import sigv4client.integrations._common as common
from sigv4client.integrations._common import (
    RedirectChain,
    _origin_of_authority,
    _parse_origin,
    origin_of,
)

# The characters that decide where urlsplit cuts a URL, and some it treats specially.
_SINGLE = "aB7.-:/?#@[]%\\ \t\n\x00\x7f\u00df\uff45"
_LONGER = ("//", "[::1]", "%2F", ":80", ":443", ":8080", ":99999", ":x", "://", "user:pw@")
_PIECES = st.sampled_from([*_SINGLE, *_LONGER, "http", "https", "HTTPS"])
_TEXT = st.lists(_PIECES, max_size=12).map("".join)
_URLS = st.one_of(
    st.builds(
        lambda scheme, authority, tail: f"{scheme}://{authority}{tail}",
        st.sampled_from(["http", "https", "HTTP", "Https", "ftp", "ws", "h+t", "1http", ""]),
        _TEXT,
        _TEXT,
    ),
    _TEXT,
    st.text(max_size=40),
)


@given(_URLS)
@example("http://h.test:80/a")
@example("http://user@evil.test:1@h.test/")
@example("https://h.test?x=//evil.test/")
@example("http://h.test#@evil.test/")
@example("a:b://evil.test/x")
@example("//a://evil.test/x")
@example("http://h.test\\@evil.test/")
@example(" http://h.test/")
@example("http://h.te\tst/")
@example("http://[::1/")
@example("http://h.test:0/")
def test_origin_of_is_urlsplit_on_the_whole_url(url: str) -> None:
    assert origin_of(url) == _parse_origin(url)


@given(_URLS, _URLS)
def test_a_memoized_origin_never_answers_for_another_url(first: str, second: str) -> None:
    # Whatever the cache holds from the first URL, the second gets its own answer.
    origin_of(first)
    assert origin_of(second) == _parse_origin(second)


def test_the_memo_is_bounded_and_holds_authorities_not_urls() -> None:
    common._last_origin = ("", None)
    _origin_of_authority.cache_clear()
    for i in range(200):
        assert origin_of(f"https://api.example.com/items/{i}?page={i}") == (
            "https",
            "api.example.com",
            443,
        )
    info = _origin_of_authority.cache_info()
    assert (info.currsize, info.misses, info.hits) == (1, 1, 199)
    for i in range(200):
        origin_of(f"https://host{i}.example.com/")
    assert _origin_of_authority.cache_info().currsize == _origin_of_authority.cache_info().maxsize


def test_the_chain_still_refuses_a_hop_that_only_looks_home() -> None:
    # Paths of the home origin are memoized; an authority that hides another host is not home.
    chain = RedirectChain("https://api.example.com/a")
    assert chain.keeps_credentials("https://api.example.com/b")
    assert not chain.keeps_credentials("https://api.example.com@evil.test/b")
    assert not chain.keeps_credentials("https://api.example.com/c")


@given(_URLS, _URLS)
def test_the_last_answer_is_given_again_only_for_the_same_text(first: str, second: str) -> None:
    # The one-entry memo in front: the same URL twice, then another, then back.
    assert origin_of(first) == origin_of(first) == _parse_origin(first)
    assert origin_of(second) == _parse_origin(second)
    assert origin_of(first) == _parse_origin(first)


class _Lying(str):
    """A str that claims to equal every string (and hashes as one)."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return True

    __hash__ = str.__hash__


def test_a_str_subclass_is_never_answered_from_the_memo() -> None:
    # It would compare equal to the last URL asked about, which is somewhere else.
    assert origin_of("https://api.example.com/a") == ("https", "api.example.com", 443)
    assert origin_of(_Lying("https://evil.test/a")) == ("https", "evil.test", 443)
    assert common._last_origin[0] == "https://api.example.com/a"


class _Shown(str):
    """A str whose __str__ shows another URL than its text."""

    __slots__ = ()

    def __str__(self) -> str:
        return "https://api.example.com/"


def test_a_str_subclass_is_read_by_its_text_not_its_str() -> None:
    # Its text goes to evil.test: reading __str__ would keep the credentials on a
    # redirect there.
    evil = _Shown("https://evil.test/steal")
    assert origin_of(evil) == ("https", "evil.test", 443)
    assert not RedirectChain("https://api.example.com/a").keeps_credentials(evil)
