"""The characters that make the redirect rule distrust a URL: the str-method test is the regex.

:func:`~sigv4client.integrations._common._ambiguous` decides whether a URL or a
``Location`` holds a character URL parsers read differently (then it is never
trusted to stay home). It is spelled with str methods for speed; the
definition is a regular expression of single characters. A string holds one
exactly when one of its characters is one, so agreeing on every code point
alone, and on the empty string, is agreeing on every string.
"""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from sigv4client.integrations._common import RedirectChain, _ambiguous

# The definition: a backslash, whitespace, ASCII controls and DEL, non-ASCII.
_DEFINITION = re.compile(r"[\\\s\x00-\x1f\x7f]|[^\x00-\x7f]")


def test_every_code_point_is_judged_as_the_definition_judges_it() -> None:
    differ = [
        hex(cp)
        for cp in range(0x110000)
        if _ambiguous(chr(cp)) != (_DEFINITION.search(chr(cp)) is not None)
    ]
    assert differ == []
    assert _ambiguous("") is False


@given(st.text(max_size=30))
def test_strings_are_judged_as_the_definition_judges_them(text: str) -> None:
    assert _ambiguous(text) == (_DEFINITION.search(text) is not None)


def test_the_characters_that_matter_are_ambiguous() -> None:
    for text in ("a\\b", "a b", "a\tb", "a\nb", "a\x00b", "a\x7fb", "a\u00a0b", "ä", "\u2028"):
        assert _ambiguous(text), repr(text)
    assert not _ambiguous("https://api.example.com/prod/items/42?a=1&b=%2F#f")


def test_an_ambiguous_location_never_stays_home() -> None:
    assert RedirectChain("https://h.test/a").location_keeps_credentials("https://h.test/a", "/b")
    for location in ("/b\\@evil.test", "/b c", "/b\tc", "/\u00e4"):
        chain = RedirectChain("https://h.test/a")
        assert not chain.location_keeps_credentials("https://h.test/a", location)
        assert chain.left
