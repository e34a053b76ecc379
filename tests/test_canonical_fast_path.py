"""The fast paths of URL canonicalization give exactly what the general steps give."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sigv4client import _canonical as c
from tests import strategies as s

# Query text built from the characters the fast path looks at, escapes of every
# kind (valid, lowercase, of unreserved characters, broken), '+', empty items.
query_text = st.lists(
    st.one_of(
        st.text(alphabet="abzAZ09-._~=&+", max_size=6),
        st.sampled_from(["%2F", "%2f", "%41", "%7E", "%", "%G1", "%20", "&&", "=", "=="]),
    ),
    max_size=8,
).map("".join)
path_text = st.one_of(
    s.paths,
    st.lists(st.text(alphabet="abZ09-._~%/", max_size=5), max_size=4).map(
        lambda xs: "/" + "/".join(xs)
    ),
)


def _per_parameter(query: str) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    # canonical_query's general algorithm: each parameter decoded and encoded again.
    pairs, wire = [], []
    for item in query.split("&"):
        if item:
            pair, wire_item = c._query_parameter.__wrapped__(item)
            pairs.append(pair)
            wire.append(wire_item)
    return c.join_query(pairs), "&".join(wire), tuple(pairs)


def _general(url: str, normalize: bool, double_encode: bool) -> tuple[str, str, str, str]:
    parts = c.split_url.__wrapped__(url)
    uri = c.canonical_uri.__wrapped__(parts.path, normalize, double_encode)
    canonical, wire, _ = _per_parameter(parts.query)
    return parts.host, uri, canonical, url if wire == parts.query else c.rebuild_url(parts, wire)


@settings(max_examples=1500, deadline=None)
@given(
    host=s.hosts,
    path=path_text,
    query=st.one_of(st.none(), query_text),
    normalize=st.booleans(),
    double_encode=st.booleans(),
)
def test_signing_target_fast_path_is_the_general_algorithm(
    host: str, path: str, query: str | None, normalize: bool, double_encode: bool
) -> None:
    url = f"https://{host}{path}" + ("" if query is None else f"?{query}")
    fast = c.signing_target.__wrapped__(url, normalize, double_encode)
    assert tuple(fast) == _general(url, normalize, double_encode)
    assert type(fast) is c.SigningTarget


@settings(max_examples=1500, deadline=None)
@given(query=query_text)
def test_plain_query_fast_path_is_the_per_parameter_algorithm(query: str) -> None:
    assert c.canonical_query.__wrapped__(query) == _per_parameter(query)
