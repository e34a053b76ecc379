"""ApiClient and AsyncApiClient: call an API by operationId, as its definition says.

Everything but the I/O lives in :class:`_Plan`, shared by the two clients:
choosing each operation's auth from the definition, placing and encoding
parameters, checking them and the body against their schemas, and reading
the answer. The sync client sends with ``requests``, the async one with
``httpx.AsyncClient``; they differ only in how a credentials snapshot or a
token is fetched and how bytes are sent.

SigV4 goes through :class:`~sigv4client.integrations._common.AdapterSigner`,
the signing path every adapter shares; it is called directly (not through
``SigV4Auth``) because the client keeps the canonical request it signed, to
show where a server read the request differently when it answers with a
signature mismatch. Redirects are never followed: an answer 3xx is an
:class:`~sigv4client.ApiError`, and no credential follows it anywhere.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import requests

from .. import _canonical as c
from .._diagnose import mismatch_from_answer
from ..apidef import ApiDefinition, Authorizer, Operation, Parameter, load_openapi
from ..exceptions import (
    ApiError,
    InvalidConfigError,
    MissingAuthError,
    RequestValidationError,
)
from ..integrations._common import AdapterSigner, AnyCredentialsSource
from ..models import Credentials, HttpRequest, redact_secrets, sent_secrets
from ..tokens import CognitoTokenAuth, TokenAuth, TokenSource
from ._encoding import (
    encode_body,
    encode_cookie,
    encode_header,
    encode_path,
    encode_query,
    is_json_media,
    query_string,
)
from ._validation import check

if TYPE_CHECKING:
    import httpx

__all__ = ["ApiClient", "ApiResponse", "AsyncApiClient", "AuthArgument", "Definition"]

#: A definition: a path to an export (JSON or YAML), its parsed dict, or a loaded model.
Definition = str | os.PathLike[str] | Mapping[str, object] | ApiDefinition
#: A user's token for authorizer routes: a logged-in CognitoUser (anything with
#: ``get_tokens()``) or a :class:`~sigv4client.tokens.TokenAuth`.
AuthSource = TokenAuth | TokenSource
#: One auth for every authorizer route, or one per authorizer name.
AuthArgument = AuthSource | Mapping[str, AuthSource]

_TEMPLATE = re.compile(r"\{([^{}+]+)(\+?)\}")


@dataclass(frozen=True, slots=True, kw_only=True)
class ApiResponse:
    """A 2xx answer: ``data`` is parsed JSON, text for ``text/*``, else bytes (None if empty).

    ``headers`` are the ``(name, value)`` pairs as received.
    """

    operation: str
    status: int
    headers: tuple[tuple[str, str], ...] = ()
    data: object = None

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), if present."""
        wanted = name.lower()
        return next((v for k, v in self.headers if k.lower() == wanted), None)


@dataclass(frozen=True, slots=True, kw_only=True)
class _Prepared:
    """One call, ready to authenticate and send (what the I/O layer needs)."""

    operation: Operation
    method: str
    url: str
    headers: tuple[tuple[str, str], ...] = field(repr=False)  # x-api-key, maybe a token
    body: bytes = field(repr=False)
    sign: bool = False
    token: TokenAuth | None = field(default=None, repr=False)


def _lower_keys(headers: Mapping[str, object] | None) -> dict[str, tuple[str, object]]:
    return {k.lower(): (k, v) for k, v in (headers or {}).items()}


class _Plan:
    """What both clients share: the definition, the endpoint, the auth, and the pure steps."""

    def __init__(
        self,
        owner: str,
        definition: Definition,
        *,
        endpoint: str | None,
        credentials: AnyCredentialsSource | None,
        auth: AuthArgument | None,
        api_key: str | None,
        region: str | None,
        stage: str | None,
    ) -> None:
        self.owner = owner
        api = definition if isinstance(definition, ApiDefinition) else load_openapi(definition)
        self.api = api
        server = next((s for s in api.servers if s.url and "://" in s.url), None)
        if endpoint is not None:
            if not isinstance(endpoint, str) or "://" not in endpoint:
                # Not quoted: without a scheme, userinfo (a password) cannot be told apart.
                got = (
                    "one without 'scheme://'"
                    if isinstance(endpoint, str)
                    else type(endpoint).__name__
                )
                raise InvalidConfigError(
                    f"endpoint must be an absolute URL such as "
                    f"'https://abc.execute-api.us-east-1.amazonaws.com/prod', got {got}"
                )
            base = endpoint.rstrip("/")
            if stage:
                base = f"{base}/{stage.strip('/')}"
        elif server is not None and server.url is not None:
            base = server.url.rstrip("/")
            if stage:
                origin = base.split("://", 1)
                host = origin[1].split("/", 1)[0]
                base = f"{origin[0]}://{host}/{stage.strip('/')}"
        else:
            raise InvalidConfigError(
                f"{api.source} names no absolute server URL (servers, or Swagger's host); "
                f"pass endpoint='https://...' to {owner}.from_openapi"
            )
        self.base = base
        self.region = region or (server.region if server is not None else None)
        self.credentials = credentials
        self.signer = (
            AdapterSigner(
                owner,
                credentials,
                self.region,
                "execute-api",
                config=None,
                clock=None,
                unsigned_payload=False,
                content_sha256_header=False,
                sign_session_token=True,
            )
            if credentials is not None
            else None
        )
        if auth is not None and not isinstance(auth, Mapping):
            _check_auth_source(auth, "auth")
        elif isinstance(auth, Mapping):
            for name, source in auth.items():
                _check_auth_source(source, f"auth[{name!r}]")
        self.auth = auth
        if api_key is not None and (not isinstance(api_key, str) or not api_key):
            raise InvalidConfigError("api_key must be a non-empty str")
        self.api_key = api_key

    # -- auth ---------------------------------------------------------------------

    def _token_auth(self, op: Operation, authorizer: Authorizer) -> TokenAuth | None:
        source = self.auth.get(authorizer.name) if isinstance(self.auth, Mapping) else self.auth
        if source is None or isinstance(source, TokenAuth):
            return source
        header = next(iter(authorizer.header_sources()), "Authorization")
        return CognitoTokenAuth(
            source,
            token="access" if op.auth.scopes else "id",
            header=header,
            prefix="Bearer " if authorizer.type == "jwt" else "",
        )

    def _authorize(
        self,
        op: Operation,
        headers: dict[str, tuple[str, object]],
        query: Mapping[str, object],
    ) -> tuple[bool, TokenAuth | None, tuple[tuple[str, str], ...]]:
        """(sign?, token auth, extra headers) for ``op``, or MissingAuthError naming the fix."""
        name = op.operation_id
        extra: list[tuple[str, str]] = []
        if (
            op.auth.api_key_required
            and self.api.api_key_source == "HEADER"
            and "x-api-key" not in headers
        ):
            if self.api_key is None:
                raise MissingAuthError(
                    f"{name} requires an API key (x-api-key): pass api_key='...' to "
                    f"{self.owner}.from_openapi",
                    operation=name,
                    needs="api_key",
                )
            extra.append(("x-api-key", self.api_key))
        if op.auth.kind == "aws_iam":
            if self.signer is None:
                raise MissingAuthError(
                    f"{name} is signed with SigV4 (awsSigv4): pass credentials= (a "
                    f"sigv4client.Credentials or a provider) to {self.owner}.from_openapi",
                    operation=name,
                    needs="credentials",
                )
            return True, None, tuple(extra)
        authorizer = op.auth.authorizer
        if op.auth.kind != "authorizer" or authorizer is None:
            return False, None, tuple(extra)
        token = self._token_auth(op, authorizer)
        sources = authorizer.header_sources()
        if (
            token is not None
            and sources
            and token.header_name.lower() not in {s.lower() for s in sources}
        ):
            raise MissingAuthError(
                f"{name}'s authorizer {authorizer.name!r} reads header "
                f"{' and '.join(repr(s) for s in sources)}, but the auth given sends "
                f"{token.header_name!r}: pass an auth for that header "
                f"(HeaderTokenAuth({sources[0]!r}, ...))",
                operation=name,
                needs="auth",
            )
        sent = {h.lower() for h in headers} | ({token.header_name.lower()} if token else set())
        missing = [
            f"header {s.name!r}"
            for s in authorizer.identity_sources
            if s.location == "header" and s.name.lower() not in sent
        ] + [
            f"query parameter {s.name!r}"
            for s in authorizer.identity_sources
            if s.location == "query" and s.name not in query
        ]
        if missing:
            raise MissingAuthError(
                f"{name} is authorized by {_describe(authorizer)} {authorizer.name!r}, which "
                f"needs {', '.join(missing)}: {_how_to_pass(authorizer)}",
                operation=name,
                needs="auth",
            )
        return False, token, tuple(extra)

    # -- the request ----------------------------------------------------------------

    def prepare(
        self,
        operation_id: str,
        *,
        path: Mapping[str, object] | None,
        query: Mapping[str, object] | None,
        body: object,
        headers: Mapping[str, object] | None,
        cookies: Mapping[str, object] | None,
        content_type: str | None,
        method: str | None,
    ) -> _Prepared:
        """Everything before auth material is fetched: checks, URL, headers, body bytes."""
        try:
            op = self.api.operation(operation_id)
        except KeyError as exc:
            raise InvalidConfigError(str(exc.args[0])) from None
        name = op.operation_id
        if op.path != "$default" and not op.path.startswith("/"):
            # The URL is the endpoint followed by the path: any other first
            # character continues the endpoint's authority ("@host/x", ":8443/x",
            # ".other.example/x") and sends the credentials to another origin.
            # OpenAPI requires the '/' (Paths Object: "MUST begin with a forward slash").
            raise InvalidConfigError(
                f"{name}'s path {op.path!r} does not start with '/': it would be appended "
                "to the endpoint's host instead of its path; fix the definition's path"
            )
        if method is not None and (not isinstance(method, str) or not c.is_token(method)):
            # Sent as the request line's method: a space or a '/' would change the
            # line ("GET /admin"), and only signed routes check it when signing.
            raise InvalidConfigError(
                f"{name}: method= must be an HTTP method such as 'GET' (a token), got {method!r}"
                if isinstance(method, str)
                else f"{name}: method= must be a str such as 'GET', got {type(method).__name__}"
            )
        if method is not None and op.method != "ANY" and method.upper() != op.method:
            raise InvalidConfigError(
                f"{name} is {op.method} {op.path}; method= only chooses the method of an "
                "ANY (x-amazon-apigateway-any-method) operation"
            )
        verb = (method or "GET").upper() if op.method == "ANY" else op.method
        path_values = dict(path or {})
        query_values = dict(query or {})
        cookie_values = dict(cookies or {})
        given_headers = _lower_keys(headers)
        sign, token, auth_headers = self._authorize(op, given_headers, query_values)
        declared = {(p.location, p.name): p for p in op.parameters}

        # Path: every {name} of the template, declared or not, is required.
        def substitute(m: re.Match[str]) -> str:
            pname, greedy = m.group(1), bool(m.group(2))
            param = declared.get(("path", pname)) or Parameter(
                name=pname, location="path", required=True, style="simple", explode=False
            )
            if pname not in path_values:
                raise RequestValidationError(
                    f"{name}: /path/{pname} is required (pass path={{{pname!r}: ...}})",
                    operation=name,
                    pointer=f"/path/{pname}",
                )
            value = path_values.pop(pname)
            check(param.schema, value, base=f"/path/{pname}", operation=name)
            return encode_path(param, value, name, greedy=greedy)

        def segment(template: str) -> str:
            found = _TEMPLATE.search(template)
            if found is None:
                return template
            text = _TEMPLATE.sub(substitute, template)
            # "." and ".." are dot segments: requests, httpx and servers resolve them
            # (RFC 3986, 5.2.4), so /prod/notes/.. would be /prod/, another route, and
            # a {proxy+} of ../../x would leave the stage. An empty segment names a
            # route with no such parameter. Percent-encoding does not help: "%2E" is
            # "." once normalized, so these values are refused.
            bad = next((p for p in text.split("/") if p in (".", "..")), None)
            if bad is not None or not text:
                pname = found.group(1)
                raise RequestValidationError(
                    f"{name}: /path/{pname} would make the path segment {bad or ''!r}, which "
                    f"changes the route {op.path!r}; pass a value that is not empty, "
                    "'.' or '..' (nor has them between slashes)",
                    operation=name,
                    pointer=f"/path/{pname}",
                )
            return text

        route = "/" if op.path == "$default" else "/".join(map(segment, op.path.split("/")))
        if path_values:
            unknown = sorted(path_values)[0]
            raise RequestValidationError(
                f"{name}: the path {op.path!r} has no parameter {unknown!r}",
                operation=name,
                pointer=f"/path/{unknown}",
            )

        pairs: list[tuple[str, str, bool]] = []
        out_headers: list[tuple[str, str]] = []
        cookie_parts: list[str] = []
        # Headers the auth writes at send time (a token, the API key) satisfy their parameter.
        from_auth = {k.lower() for k, _ in auth_headers}
        if token is not None:
            from_auth.add(token.header_name.lower())
        for param in op.parameters:
            pointer = f"/{param.location}/{param.name}"
            if param.location == "header" and param.name.lower() in from_auth:
                continue
            if param.location == "query":
                present = param.name in query_values
                value = query_values.pop(param.name, None)
            elif param.location == "header":
                found = given_headers.pop(param.name.lower(), None)
                present, value = found is not None, found[1] if found else None
            elif param.location == "cookie":
                present = param.name in cookie_values
                value = cookie_values.pop(param.name, None)
            else:
                continue
            if not present or value is None:
                if param.required:
                    raise RequestValidationError(
                        f"{name}: {pointer} is required (pass {param.location}"
                        f"{'s' if param.location != 'query' else ''}="
                        f"{{{param.name!r}: ...}})",
                        operation=name,
                        pointer=pointer,
                    )
                continue
            check(param.schema, value, base=pointer, operation=name)
            if param.location == "query":
                pairs += [(k, v, param.allow_reserved) for k, v in encode_query(param, value, name)]
            elif param.location == "header":
                out_headers.append((param.name, encode_header(param, value, name)))
            else:
                cookie_parts.append(encode_cookie(param, value, name))
        # What the definition does not declare is sent as given.
        for key, value in query_values.items():
            loose = Parameter(name=str(key), location="query", style="form", explode=True)
            pairs += [(k, v, False) for k, v in encode_query(loose, value, name)]
        for key, value in cookie_values.items():
            loose = Parameter(name=str(key), location="cookie", style="form", explode=True)
            cookie_parts.append(encode_cookie(loose, value, name))
        for original, value in given_headers.values():
            loose = Parameter(name=original, location="header", style="simple", explode=False)
            out_headers.append((original, encode_header(loose, value, name)))
        if cookie_parts:
            out_headers.append(("Cookie", "; ".join(cookie_parts)))
        out_headers += auth_headers

        payload = b""
        spec = op.request_body
        if body is None:
            if spec is not None and spec.required:
                raise RequestValidationError(
                    f"{name}: /body is required", operation=name, pointer="/body"
                )
        else:
            media_name = content_type
            schema: object = None
            if spec is not None and spec.media_types:
                media = (
                    spec.media_type(content_type)
                    if content_type is not None
                    else next(
                        (m for m in spec.media_types if is_json_media(m.name)), spec.media_types[0]
                    )
                )
                if media is None:
                    accepted = ", ".join(m.name for m in spec.media_types)
                    raise RequestValidationError(
                        f"{name}: the body cannot be {content_type!r}; the definition "
                        f"accepts {accepted}",
                        operation=name,
                        pointer="/body",
                    )
                media_name = media_name or media.name
                schema = media.schema
            media_name = media_name or "application/json"
            if not isinstance(body, (bytes, bytearray)):
                check(schema, body, base="/body", operation=name)
            payload = encode_body(media_name, body, name)
            out_headers.append(("Content-Type", media_name))
        for hname, hvalue in out_headers:
            c.header_name(hname)
            c.header_value(hname, hvalue)  # no CR, LF or NUL: header injection
        qs = query_string(pairs)
        url = self.base + route + (f"?{qs}" if qs else "")
        return _Prepared(
            operation=op,
            method=verb,
            url=url,
            headers=tuple(out_headers),
            body=payload,
            sign=sign,
            token=token,
        )

    def signed(
        self, prepared: _Prepared, credentials: Credentials | None, token: tuple[str, str] | None
    ) -> tuple[str, tuple[tuple[str, str], ...], str | None]:
        """(url, headers, our canonical request) with the auth material applied."""
        headers = list(prepared.headers)
        if token is not None:
            headers = [(k, v) for k, v in headers if k.lower() != token[0].lower()]
            headers.append(token)
        if not prepared.sign or credentials is None or self.signer is None:
            return prepared.url, tuple(headers), None
        result = self.signer.sign(
            HttpRequest(
                method=prepared.method, url=prepared.url, headers=tuple(headers),
                body=prepared.body,
            ),
            credentials,
        )  # fmt: skip
        names = {k.lower() for k, _ in result.headers}
        merged = [(k, v) for k, v in headers if k.lower() not in names] + list(result.headers)
        return result.url, tuple(merged), result.canonical_request

    def answer(
        self,
        prepared: _Prepared,
        *,
        url: str,
        status: int,
        headers: tuple[tuple[str, str], ...],
        content: bytes,
        canonical_request: str | None,
        sent: Iterable[tuple[str, str]],
    ) -> ApiResponse:
        """The parsed 2xx answer, or the error a non-2xx status stands for.

        ``sent`` are the headers the request went out with: a server may quote
        them (S3's ``ExpiredToken`` quotes the token, some echo Authorization
        or an API key), and none of their secrets goes into the error.
        """
        name = prepared.operation.operation_id
        text = content.decode("utf-8", "replace")
        if not 200 <= status < 300:
            secrets = sent_secrets(sent)
            if canonical_request is not None:
                mismatch = mismatch_from_answer(status, text, canonical_request, secrets)
                if mismatch is not None:
                    mismatch.operation = name
                    raise mismatch
            body = redact_secrets(text, secrets)
            raise ApiError(status, body, c.shown_url(url.partition("?")[0]), operation=name)
        media = next((v for k, v in headers if k.lower() == "content-type"), "")
        data: object
        if not content:
            data = None
        elif is_json_media(media):
            try:
                data = json.loads(text)
            except ValueError:
                data = text
        elif media.lower().startswith("text/"):
            data = text
        else:
            data = content
        return ApiResponse(operation=name, status=status, headers=headers, data=data)


def _describe(authorizer: Authorizer) -> str:
    return {
        "cognito_user_pools": "the Cognito user pool authorizer",
        "jwt": "the JWT authorizer",
        "token": "the Lambda token authorizer",
        "request": "the Lambda request authorizer",
    }[authorizer.type]


def _how_to_pass(authorizer: Authorizer) -> str:
    header = next(iter(authorizer.header_sources()), "Authorization")
    if authorizer.type in ("cognito_user_pools", "jwt"):
        return (
            "pass auth= a logged-in sigv4client.cognito.CognitoUser (or a "
            f"CognitoTokenAuth) to from_openapi, or auth={{{authorizer.name!r}: user}}"
        )
    return (
        f"pass auth=HeaderTokenAuth({header!r}, get_token) to from_openapi "
        "(or the values in headers=/query= of the call)"
    )


def _check_auth_source(source: object, what: str) -> None:
    if isinstance(source, TokenAuth) or callable(getattr(source, "get_tokens", None)):
        return
    raise InvalidConfigError(
        f"{what} must be a logged-in CognitoUser (anything with get_tokens()) or a "
        f"sigv4client.tokens.TokenAuth, got {type(source).__name__}"
    )


class _Common:
    """The API both clients show: the definition, the operations, a safe repr."""

    _plan: _Plan

    @property
    def definition(self) -> ApiDefinition:
        """The :class:`~sigv4client.apidef.ApiDefinition` this client calls."""
        return self._plan.api

    @property
    def operations(self) -> tuple[str, ...]:
        """The operationIds this client can call, in the definition's order."""
        return tuple(op.operation_id for op in self._plan.api.operations)

    @property
    def endpoint(self) -> str:
        """The base URL every operation's path is appended to."""
        return self._plan.base

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(endpoint={c.shown_url(self._plan.base)!r}, "
            f"operations={len(self._plan.api.operations)})"
        )


class ApiClient(_Common):
    """Call an API Gateway API by operationId, authenticated as its definition says.

    Build it with :meth:`from_openapi`. Each operation is authenticated per
    the definition: ``awsSigv4`` routes are signed with SigV4 from
    ``credentials`` (a :class:`~sigv4client.Credentials` or any provider: a
    snapshot per call, so refreshing providers work); Cognito user pool and
    JWT routes send the user's token (``auth``: a logged-in
    :class:`~sigv4client.cognito.CognitoUser`, or a
    :class:`~sigv4client.tokens.TokenAuth`; a mapping of authorizer name to
    auth when routes use different authorizers); Lambda authorizer routes send
    the ``TokenAuth``'s header; API-key routes send ``api_key`` as
    ``x-api-key``; open routes go unsigned. A route whose auth was not given
    raises :class:`~sigv4client.MissingAuthError` before anything is sent.

    >>> from sigv4client import ApiClient, Credentials
    >>> client = ApiClient.from_openapi(
    ...     "tests/data/apidefs/notes-rest.oas30.json",
    ...     credentials=Credentials(access_key_id="AKID", secret_access_key="secret"))
    >>> client.endpoint
    'https://abc123defg.execute-api.us-east-1.amazonaws.com/prod'
    >>> client.operations[:3]
    ('ListNotes', 'CreateNote', 'GetNote')
    >>> client.close()
    """

    def __init__(
        self,
        definition: Definition,
        *,
        endpoint: str | None = None,
        credentials: AnyCredentialsSource | None = None,
        auth: AuthArgument | None = None,
        api_key: str | None = None,
        region: str | None = None,
        stage: str | None = None,
        session: requests.Session | None = None,
        timeout: float = 30.0,
    ) -> None:
        self._plan = _Plan(
            type(self).__name__,
            definition,
            endpoint=endpoint,
            credentials=credentials,
            auth=auth,
            api_key=api_key,
            region=region,
            stage=stage,
        )
        self._own_session = session is None
        self._session = session if session is not None else requests.Session()
        self._timeout = timeout

    @classmethod
    def from_openapi(
        cls,
        definition: Definition,
        *,
        endpoint: str | None = None,
        credentials: AnyCredentialsSource | None = None,
        auth: AuthArgument | None = None,
        api_key: str | None = None,
        region: str | None = None,
        stage: str | None = None,
        session: requests.Session | None = None,
        timeout: float = 30.0,
    ) -> ApiClient:
        """A client for ``definition``: an OpenAPI 3.0 or Swagger 2.0 export (path or dict).

        ``endpoint`` replaces the definition's server URL (a local gateway's,
        say); ``stage`` replaces the base path (with ``endpoint``, it is
        appended to it). ``region`` is the SigV4 region (default: the
        definition's ``execute-api`` host, else the endpoint's host).
        ``session`` reuses a ``requests.Session``; ``timeout`` is per call.
        """
        return cls(
            definition,
            endpoint=endpoint,
            credentials=credentials,
            auth=auth,
            api_key=api_key,
            region=region,
            stage=stage,
            session=session,
            timeout=timeout,
        )

    def call(
        self,
        operation_id: str,
        *,
        path: Mapping[str, object] | None = None,
        query: Mapping[str, object] | None = None,
        body: object = None,
        headers: Mapping[str, object] | None = None,
        cookies: Mapping[str, object] | None = None,
        content_type: str | None = None,
        method: str | None = None,
    ) -> ApiResponse:
        """Call ``operation_id``; its 2xx answer, parsed.

        ``path``, ``query``, ``headers`` and ``cookies`` give the parameters
        (declared ones are encoded per their style and checked against their
        schema; others are sent as given); ``body`` is serialized per the
        media type (``content_type``, default the definition's JSON one) after
        its schema is checked. A missing required parameter or a body that
        breaks its schema raises :class:`~sigv4client.RequestValidationError`
        naming the JSON pointer, before sending. ``method`` chooses the method
        of an ``ANY`` operation (default ``GET``). A non-2xx answer raises
        :class:`~sigv4client.ApiError` (``operation`` set), or
        :class:`~sigv4client.SignatureMismatchError` with its ``diff`` when a
        signed call's 403 quotes the server's canonical request.
        """
        prepared = self._plan.prepare(
            operation_id,
            path=path,
            query=query,
            body=body,
            headers=headers,
            cookies=cookies,
            content_type=content_type,
            method=method,
        )
        signer = self._plan.signer
        credentials = signer.credentials() if prepared.sign and signer is not None else None
        token = prepared.token.header() if prepared.token is not None else None
        url, sent_headers, canonical = self._plan.signed(prepared, credentials, token)
        response = self._session.request(
            prepared.method,
            url,
            headers=dict(sent_headers),
            data=prepared.body,
            timeout=self._timeout,
            allow_redirects=False,  # a credential never follows a redirect
        )
        return self._plan.answer(
            prepared,
            url=url,
            status=response.status_code,
            headers=tuple(response.headers.items()),
            content=response.content,
            canonical_request=canonical,
            sent=sent_headers,
        )

    def close(self) -> None:
        """Close the ``requests.Session`` this client opened (not one it was given)."""
        if self._own_session:
            self._session.close()

    def __enter__(self) -> ApiClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncApiClient(_Common):
    """:class:`ApiClient` over ``httpx.AsyncClient``, with async credentials.

    The same arguments and checks; credentials snapshots are taken with
    :func:`sigv4client.credentials.aget` (an async-only provider works), and
    a Cognito token refresh runs in a worker thread, never on the event loop.
    ``client`` reuses an ``httpx.AsyncClient`` (it must not follow redirects).
    """

    def __init__(
        self,
        definition: Definition,
        *,
        endpoint: str | None = None,
        credentials: AnyCredentialsSource | None = None,
        auth: AuthArgument | None = None,
        api_key: str | None = None,
        region: str | None = None,
        stage: str | None = None,
        client: httpx.AsyncClient | None = None,
        timeout: float = 30.0,
    ) -> None:
        try:
            import httpx
        except ImportError as exc:  # pragma: no cover - depends on the install
            raise ImportError(
                'AsyncApiClient needs httpx: pip install "sigv4client[httpx,apiclient]"'
            ) from exc
        self._plan = _Plan(
            type(self).__name__,
            definition,
            endpoint=endpoint,
            credentials=credentials,
            auth=auth,
            api_key=api_key,
            region=region,
            stage=stage,
        )
        if client is not None and client.follow_redirects:
            raise InvalidConfigError(
                "the httpx.AsyncClient given follows redirects, which would carry credentials "
                "to where the server points: build it with follow_redirects=False"
            )
        self._own_client = client is None
        self._client = client if client is not None else httpx.AsyncClient(timeout=timeout)
        self._timeout = timeout

    @classmethod
    def from_openapi(
        cls,
        definition: Definition,
        *,
        endpoint: str | None = None,
        credentials: AnyCredentialsSource | None = None,
        auth: AuthArgument | None = None,
        api_key: str | None = None,
        region: str | None = None,
        stage: str | None = None,
        client: httpx.AsyncClient | None = None,
        timeout: float = 30.0,
    ) -> AsyncApiClient:
        """An async client for ``definition``; the arguments of :meth:`ApiClient.from_openapi`."""
        return cls(
            definition,
            endpoint=endpoint,
            credentials=credentials,
            auth=auth,
            api_key=api_key,
            region=region,
            stage=stage,
            client=client,
            timeout=timeout,
        )

    async def call(
        self,
        operation_id: str,
        *,
        path: Mapping[str, object] | None = None,
        query: Mapping[str, object] | None = None,
        body: object = None,
        headers: Mapping[str, object] | None = None,
        cookies: Mapping[str, object] | None = None,
        content_type: str | None = None,
        method: str | None = None,
    ) -> ApiResponse:
        """:meth:`ApiClient.call`, awaited."""
        prepared = self._plan.prepare(
            operation_id,
            path=path,
            query=query,
            body=body,
            headers=headers,
            cookies=cookies,
            content_type=content_type,
            method=method,
        )
        signer = self._plan.signer
        credentials = await signer.acredentials() if prepared.sign and signer is not None else None
        token = (
            await asyncio.to_thread(prepared.token.header) if prepared.token is not None else None
        )
        url, sent_headers, canonical = self._plan.signed(prepared, credentials, token)
        response = await self._client.request(
            prepared.method,
            url,
            headers=list(sent_headers),
            content=prepared.body,
            timeout=self._timeout,
            follow_redirects=False,  # a credential never follows a redirect
        )
        return self._plan.answer(
            prepared,
            url=url,
            status=response.status_code,
            headers=tuple(response.headers.multi_items()),
            content=response.content,
            canonical_request=canonical,
            sent=sent_headers,
        )

    async def aclose(self) -> None:
        """Close the ``httpx.AsyncClient`` this client opened (not one it was given)."""
        if self._own_client:
            await self._client.aclose()

    async def __aenter__(self) -> AsyncApiClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
