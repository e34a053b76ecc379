"""pytest fixtures to test your signed API offline: your API on a local gateway, a local Cognito.

Installed with sigv4client (a ``pytest11`` entry point named ``sigv4client``);
the fixtures need the ``local`` extra, ``sigv4client_httpx`` the ``httpx`` one too.
Say which API to serve in your pytest configuration (``pytest.ini``, or
``[tool.pytest.ini_options]`` in ``pyproject.toml``), paths relative to the
configuration file::

    [pytest]
    sigv4client_sam = template.yaml        # or: sigv4client_openapi = notes.json
    sigv4client_sam_api = NotesApi         # when the template has several APIs
    sigv4client_handlers = tests.handlers  # a module whose HANDLERS dict maps
                                           # function names to handlers (OpenAPI)
    sigv4client_api_keys = key-1 key-2
    sigv4client_user_pool = us-east-1_Abc  # the pool the local one plays, when
                                           # the definition names several

Fixtures (all session-scoped but the clients):

- ``sigv4client_cognito``: a :class:`~sigv4client.local.cognito.LocalCognito`
  (moto on loopback);
- ``sigv4client_user``: its :class:`~sigv4client.local.cognito.DemoSetup`: a
  user pool, an app client, a confirmed user and her password;
- ``sigv4client_cognito_user``: that user, logged in
  (:class:`~sigv4client.cognito.CognitoUser`);
- ``sigv4client_credentials``: the :class:`~sigv4client.Credentials` the
  gateway accepts (made for the session);
- ``sigv4client_gateway``: your API on a started
  :class:`~sigv4client.local.LocalGateway` (``from_sam`` or ``from_openapi``),
  every user pool it names played by the local pool;
- ``sigv4client_session``: a ``requests.Session`` signing for the gateway;
- ``sigv4client_httpx``: an ``httpx.Client`` signing for it, ``base_url`` its
  stage URL.

The two clients send only to the gateway: a URL of another host or port (a real
API's, by mistake) raises :class:`~sigv4client.exceptions.InvalidRequestError`
before anything is sent, redirects included.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import httpx
    import requests

    from .apidef import ApiDefinition
    from .cognito import CognitoUser
    from .local import LocalGateway, LocalUserPool
    from .local.cognito import DemoSetup, LocalCognito
    from .models import Credentials

__all__ = [
    "pytest_addoption",
    "sigv4client_cognito",
    "sigv4client_cognito_user",
    "sigv4client_credentials",
    "sigv4client_gateway",
    "sigv4client_httpx",
    "sigv4client_session",
    "sigv4client_user",
]

_INI = {
    "sigv4client_openapi": "an API Gateway export (OpenAPI 3.0 / Swagger 2.0) to serve",
    "sigv4client_sam": "an AWS SAM template to serve",
    "sigv4client_sam_api": "the SAM API's logical id, when the template has several",
    "sigv4client_handlers": "a module whose HANDLERS dict maps Lambda function names to handlers",
    "sigv4client_user_pool": "the user pool (id or ARN, as the definition names it) the "
    "local demo pool stands in for, when the definition names several",
}


def pytest_addoption(parser: pytest.Parser) -> None:
    """The ``sigv4client_*`` settings of the pytest configuration."""
    for name, text in _INI.items():
        parser.addini(name, text, default=None)
    parser.addini("sigv4client_api_keys", "API keys the gateway accepts", type="args", default=[])


def _setting(config: pytest.Config, name: str) -> str | None:
    value = config.getini(name)
    return str(value) if value else None


@pytest.fixture(scope="session")
def sigv4client_cognito() -> Iterator[LocalCognito]:
    """A local Cognito (moto's server on 127.0.0.1)."""
    from .local.cognito import LocalCognito

    with LocalCognito() as cognito:
        yield cognito


@pytest.fixture(scope="session")
def sigv4client_user(sigv4client_cognito: LocalCognito) -> DemoSetup:
    """A user pool, an app client and a confirmed user (``username``, ``password``)."""
    return sigv4client_cognito.create_demo(username="alice")


@pytest.fixture(scope="session")
def sigv4client_cognito_user(
    sigv4client_cognito: LocalCognito, sigv4client_user: DemoSetup
) -> CognitoUser:
    """The local user, logged in: ``get_tokens()`` gives her ID and access tokens."""
    from .cognito import CognitoUser

    user = CognitoUser(
        user_pool_id=sigv4client_user.user_pool_id,
        client_id=sigv4client_user.client_id,
        endpoint_url=sigv4client_cognito.endpoint_url,
    )
    user.login(sigv4client_user.username, sigv4client_user.password)
    return user


@pytest.fixture(scope="session")
def sigv4client_credentials() -> Credentials:
    """Credentials made for this session: the only ones the gateway accepts."""
    from .models import Credentials

    return Credentials(
        access_key_id="AKIDLOCAL" + secrets.token_hex(6).upper(),
        secret_access_key=secrets.token_urlsafe(24),
    )


def _pools_named(api: ApiDefinition) -> set[str]:
    names: set[str] = set()
    for authorizer in api.authorizers:
        for arn in authorizer.provider_arns:
            names |= {arn, arn.rpartition("/")[2]}
        if authorizer.type == "jwt" and authorizer.issuer:
            names.add(authorizer.issuer.rstrip("/").rpartition("/")[2])
    return names


def _demo_pools(
    api: ApiDefinition, chosen: str | None, local: LocalUserPool
) -> dict[str, LocalUserPool]:
    """The definition's user pools the one local demo pool stands in for.

    One demo pool with one app client cannot tell several pools, or authorizers
    told apart by audience, from each other: mapping them all to it would let
    one token through where AWS refuses it. Such a definition needs
    ``sigv4client_user_pool``; the pools it does not name stay unmapped (their
    tokens are checked against the real pool's keys, so local tokens are refused).
    """
    names = _pools_named(api)
    pool_ids = {name.rpartition("/")[2] for name in names}
    if chosen is not None:
        wanted = chosen.rpartition("/")[2]
        if wanted not in pool_ids:
            raise pytest.UsageError(
                f"sigv4client_user_pool = {chosen}: the definition names no such user pool "
                f"(it names {sorted(pool_ids) or 'none'})"
            )
        pool_ids = {wanted}
    elif len(pool_ids) > 1:
        raise pytest.UsageError(
            f"the definition names {len(pool_ids)} user pools ({', '.join(sorted(pool_ids))}) "
            "and the plugin has one local pool: set sigv4client_user_pool to the one it "
            "stands in for"
        )
    audiences = {
        authorizer.audience
        for authorizer in api.authorizers
        if authorizer.type == "jwt"
        and (authorizer.issuer or "").rstrip("/").rpartition("/")[2] in pool_ids
    }
    if len(audiences) > 1:
        raise pytest.UsageError(
            f"the definition's JWT authorizers of one user pool have {len(audiences)} "
            "distinct audiences and the plugin's local pool has one app client: serve it "
            "with LocalGateway.from_openapi/from_sam and a LocalUserPool whose app clients "
            "are written in each audience"
        )
    return {name: local for name in names if name.rpartition("/")[2] in pool_ids}


@pytest.fixture(scope="session")
def sigv4client_gateway(
    pytestconfig: pytest.Config,
    sigv4client_cognito: LocalCognito,
    sigv4client_user: DemoSetup,
    sigv4client_credentials: Credentials,
) -> Iterator[LocalGateway]:
    """Your API (``sigv4client_sam`` or ``sigv4client_openapi``) on a started local gateway."""
    from .apidef import load_openapi, load_sam
    from .local import LocalGateway, LocalUserPool
    from .local._definition import handlers_module

    root = pytestconfig.inipath.parent if pytestconfig.inipath else pytestconfig.rootpath
    openapi = _setting(pytestconfig, "sigv4client_openapi")
    sam = _setting(pytestconfig, "sigv4client_sam")
    if (openapi is None) == (sam is None):
        raise pytest.UsageError(
            "set one of sigv4client_openapi or sigv4client_sam in your pytest configuration"
        )
    module = _setting(pytestconfig, "sigv4client_handlers")
    handlers = {} if module is None else handlers_module(module, str(root))
    api_name = _setting(pytestconfig, "sigv4client_sam_api")
    if sam is not None:
        app = load_sam(root / sam)
        try:
            api = app.api(api_name) if api_name else app.apis[0]
        except KeyError as exc:
            raise pytest.UsageError(
                f"sigv4client_sam_api = {api_name}: {exc.args[0]}; set it to one of those"
            ) from exc
    else:
        api = load_openapi(root / str(openapi))
    local = LocalUserPool(
        user_pool_id=sigv4client_user.user_pool_id,
        endpoint_url=sigv4client_cognito.endpoint_url,
        app_client_ids=(sigv4client_user.client_id,),
    )
    pools = _demo_pools(api, _setting(pytestconfig, "sigv4client_user_pool"), local)
    credentials = {sigv4client_credentials.access_key_id: sigv4client_credentials.secret_access_key}
    api_keys = tuple(str(k) for k in pytestconfig.getini("sigv4client_api_keys"))
    if sam is not None:
        gateway = LocalGateway.from_sam(
            root / sam,
            api=api_name,
            handlers=handlers,
            credentials=credentials,
            user_pools=pools,
            api_keys=api_keys,
        )
    else:
        gateway = LocalGateway.from_openapi(
            api, handlers=handlers, credentials=credentials, user_pools=pools, api_keys=api_keys
        )
    with gateway:
        yield gateway


def _check_sent_to_gateway(url: str, gateway: LocalGateway, fixture: str) -> None:
    """Refuse, before it is sent, a request of ``fixture`` for anything but ``gateway``.

    The fixtures sign with keys made for the session; a test pointed at a real
    endpoint by mistake must fail here rather than send its request (and body)
    out of the machine.
    """
    from ._canonical import shown_url
    from .exceptions import InvalidRequestError
    from .integrations._common import host_of, origin_of  # the adapters' origin rule

    origin = origin_of(url)
    if origin is None or origin != origin_of(gateway.url):
        where = host_of(url) or shown_url(url)  # never a URL's user:password@
        raise InvalidRequestError(
            f"{fixture} sends only to the local gateway ({gateway.url}), not to {where}: "
            "build the URL from sigv4client_gateway.url, or use a client of your own for "
            "another server"
        )


@pytest.fixture
def sigv4client_session(
    sigv4client_gateway: LocalGateway, sigv4client_credentials: Credentials
) -> Iterator[requests.Session]:
    """A ``requests.Session`` that signs every call for the gateway's region."""
    import requests

    from .integrations.requests import SigV4Auth

    class GatewayOnly(requests.Session):
        # Every hop goes through Session.send(), a redirect's too, whatever
        # adapter a test mounts (one for retries, say) for whatever prefix.
        def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
            _check_sent_to_gateway(str(request.url), sigv4client_gateway, "sigv4client_session")
            return super().send(request, **kwargs)

    with GatewayOnly() as session:
        session.auth = SigV4Auth(sigv4client_credentials, region=sigv4client_gateway.region)
        yield session


@pytest.fixture
def sigv4client_httpx(
    sigv4client_gateway: LocalGateway, sigv4client_credentials: Credentials
) -> Iterator[httpx.Client]:
    """An ``httpx.Client`` signing every call, ``base_url`` the gateway's stage URL."""
    import httpx

    from .integrations.httpx import SigV4HttpxAuth

    class GatewayOnly(httpx.HTTPTransport):
        # The transport sees every hop, a redirect's too; event_hooks, which a
        # test may replace whole (client.event_hooks = {...}), would not keep it.
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            _check_sent_to_gateway(str(request.url), sigv4client_gateway, "sigv4client_httpx")
            return super().handle_request(request)

    auth = SigV4HttpxAuth(sigv4client_credentials, sigv4client_gateway.region)
    with httpx.Client(
        base_url=sigv4client_gateway.url, auth=auth, transport=GatewayOnly()
    ) as client:
        yield client
