"""Routes: method and resource path (or an HTTP API's route key), matched most specific first.

``{name}`` matches one path segment, a final ``{name+}`` the rest of the path
(one segment or more), ``ANY`` every method. An HTTP API's route key is
``"METHOD /path"`` or ``"$default"``, the route of requests no other route
matches. The most specific route wins whatever the order of registration, as
in API Gateway.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, unquote

from ..exceptions import InvalidConfigError
from ._responses import GatewayResponse
from ._target import canonical_segment
from .authorizers._base import Authorizer

__all__ = ["DEFAULT_ROUTE", "METHODS", "Route", "RouteTable", "parse_route_key"]

#: The methods a route can name ("ANY": all of them).
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "ANY"})
#: An HTTP API's catch-all route key.
DEFAULT_ROUTE = "$default"

_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(\+?)\}")
# Left as they are when a route pattern is shown in a header: printable ASCII.
_RESOURCE_SAFE = "/{}+!$&'()*,;=:@%~"


@dataclass(frozen=True, slots=True)
class Route:
    """One route: ``method`` (or ANY) on ``resource``, its authorizer (None: ``NONE``)."""

    method: str
    resource: str
    regex: re.Pattern[str] | None  # None: the $default route
    greedy: bool
    params: int
    invoke: Callable[..., GatewayResponse]
    authorizer: Authorizer | None
    literals: int = 0
    kinds: tuple[int, ...] = ()

    @property
    def route_key(self) -> str:
        """``"METHOD /resource"``, or ``"$default"``."""
        return DEFAULT_ROUTE if self.regex is None else f"{self.method} {self.resource}"

    @property
    def shape(self) -> str | None:
        """The paths this route matches, placeholder names left out (None: $default)."""
        if self.regex is None:
            return None
        return re.sub(r"\(\?P<[^>]+>", "(", self.regex.pattern)

    @property
    def rank(self) -> tuple[bool, int, bool, int, tuple[int, ...], bool]:
        # The most specific route wins, as in API Gateway: more literal segments
        # first (so "/admin/{proxy+}" is never hidden by "/{proxy+}", whatever the
        # order they were registered in), then a route without a greedy {proxy+},
        # then fewer {param}s; last, position by position, literal over {param}
        # over {param+}, so no two distinct patterns tie. $default comes last. On one
        # resource, a method's own route comes before ANY.
        return (
            self.regex is None,
            -self.literals,
            self.greedy,
            self.params,
            self.kinds,
            self.method == "ANY",
        )


def parse_route_key(route_key: str) -> tuple[str, str]:
    """``"GET /items/{id}"`` -> ``("GET", "/items/{id}")``; ``"$default"`` -> ``("ANY", ...)``.

    >>> parse_route_key("ANY /{proxy+}")
    ('ANY', '/{proxy+}')
    """
    if route_key == DEFAULT_ROUTE:
        return "ANY", DEFAULT_ROUTE
    method, sep, path = route_key.partition(" ")
    if not sep or not path.startswith("/") or " " in path:
        raise InvalidConfigError(
            f"a route key is 'METHOD /path' (e.g. 'GET /items/{{id}}', 'ANY /{{proxy+}}') "
            f"or '$default', got {route_key!r}"
        )
    return method, path


def compile_resource(resource: str) -> tuple[re.Pattern[str], bool, int, int, tuple[int, ...]]:
    if not isinstance(resource, str) or not resource.startswith("/"):
        raise InvalidConfigError(f"a path pattern starts with '/', got {resource!r}")
    # Empty segments and a trailing slash never reach routing (see canonical_path).
    segments = [segment for segment in resource.split("/")[1:] if segment]
    pieces: list[str] = []
    kinds: list[int] = []
    greedy = False
    params = 0
    for i, segment in enumerate(segments):
        m = _PARAM.fullmatch(segment)
        if m is None:
            if "{" in segment or "}" in segment:
                raise InvalidConfigError(
                    f"segment {segment!r} of {resource!r}: a placeholder is a whole segment, "
                    "'{name}' or '{name+}'"
                )
            literal = canonical_segment(segment)
            if literal is None or literal in (".", ".."):
                raise InvalidConfigError(
                    f"segment {segment!r} of {resource!r} can never match a request path"
                )
            pieces.append(re.escape(literal))
            kinds.append(0)
            continue
        name, plus = m.groups()
        params += 1
        if plus:
            if i != len(segments) - 1:
                raise InvalidConfigError(f"'{{{name}+}}' must be the last segment of {resource!r}")
            greedy = True
            pieces.append(f"(?P<{name}>.+)")
            kinds.append(2)
        else:
            pieces.append(f"(?P<{name}>[^/]+)")
            kinds.append(1)
    try:
        regex = re.compile("/" + "/".join(pieces))
    except re.error as exc:  # a placeholder name used twice
        raise InvalidConfigError(f"invalid path pattern {resource!r}: {exc}") from None
    return regex, greedy, params, kinds.count(0), tuple(kinds)


class RouteTable:
    """An immutable, sorted set of routes; adding one makes a new table."""

    __slots__ = ("routes",)

    def __init__(self, routes: tuple[Route, ...] = ()) -> None:
        self.routes = tuple(sorted(routes, key=lambda r: r.rank))

    def add(
        self,
        method: str,
        resource: str,
        invoke: Callable[..., GatewayResponse],
        authorizer: Authorizer | None,
    ) -> RouteTable:
        """This table plus one route; InvalidConfigError for a bad method or pattern."""
        method = method.upper() if isinstance(method, str) else method
        if method not in METHODS:
            raise InvalidConfigError(
                f"method must be one of {', '.join(sorted(METHODS))}, got {method!r}"
            )
        if resource == DEFAULT_ROUTE:
            if method != "ANY":
                raise InvalidConfigError("the $default route serves every method: use 'ANY'")
            new = Route(method, resource, None, False, 0, invoke, authorizer)
        else:
            regex, greedy, params, literals, kinds = compile_resource(resource)
            new = Route(
                method, resource, regex, greedy, params, invoke, authorizer, literals, kinds
            )
        for old in self.routes:
            if (old.method, old.resource) == (new.method, new.resource):
                raise InvalidConfigError(f"{new.route_key} is already a route")
            if new.shape is not None and old.shape == new.shape and old.resource != new.resource:
                # API Gateway refuses such a definition ('/items/{itemId}' beside
                # '/items/{id}', '/admin/' beside '/admin'); served, the first one
                # registered would silently win.
                raise InvalidConfigError(
                    f"{new.route_key} matches the same paths as {old.route_key}: API Gateway "
                    "refuses two resources for one path (rename the path variables alike, "
                    "drop the trailing slash)"
                )
        return RouteTable((*self.routes, new))

    def match(
        self, method: str, path: str, *, resource_first: bool = False
    ) -> tuple[Route | None, dict[str, str]]:
        """The most specific route for ``method path`` and its path parameters, decoded.

        ``resource_first`` (REST APIs): the most specific resource matching ``path``
        is chosen first, then the method on it; a method that resource lacks is no
        route, even where a less specific resource (``ANY /{proxy+}``) has it.
        """
        resource: str | None = None
        if resource_first:
            # API Gateway walks a REST API's resource tree from the left, a
            # literal segment before a {param} before a {param+}: of the
            # resources matching the path, the one whose segments rank lowest,
            # position by position, is the resource (so /users/{id}/{field}
            # takes /users/public/info, not /{any}/public/info).
            matching = [r for r in self.routes if r.regex and r.regex.fullmatch(path)]
            if matching:
                resource = min(matching, key=lambda r: r.kinds).resource
        for route in self.routes:
            if resource_first and route.regex is not None and route.resource != resource:
                continue
            if route.method not in ("ANY", method):
                continue
            if route.regex is None:
                return route, {}
            m = route.regex.fullmatch(path)
            if m is not None:
                return route, {k: unquote(v) for k, v in m.groupdict().items()}
        return None, {}

    def listing(self) -> list[str]:
        """Every route as ``METHOD /resource``, sorted, printable."""
        return [
            f"{route.method} {quote(route.resource, safe=_RESOURCE_SAFE)}"
            for route in sorted(self.routes, key=lambda r: (r.resource, r.method))
        ]
