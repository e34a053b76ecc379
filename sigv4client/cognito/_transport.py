"""The one way sigv4client sends a Cognito call (``cognito-idp``, ``cognito-identity``, STS).

:class:`Transport` owns, for every caller (:class:`~sigv4client.cognito.CognitoUser`,
the identity-pool credentials, the admin helpers):

- the boto3 clients, made on first use from a session of our own (the default
  one is shared and not thread-safe): unsigned for the APIs Cognito takes
  without AWS credentials, or signed with the caller's boto session for the
  admin APIs;
- the retries: only throttling (``TooManyRequestsException``, STS's
  ``Throttling``) is repeated, with exponential backoff and jitter
  (:class:`RetryPolicy`), then raised as :class:`ThrottledError`. botocore's
  own retries are off: a challenge answer that may have reached Cognito must
  not be sent twice (its session is single-use), while a throttled call was not
  processed, so it is the one safe to repeat;
- the redaction: botocore's ``ClientError`` holds the server's message, which
  may echo what we sent (tokens, sessions, SECRET_HASH). It is never the
  ``__cause__`` or ``__context__`` of what we raise: a
  :class:`~sigv4client.cognito._errors.ServiceErrorCause` with every sent
  value cut out stands in for it;
- the counting: :attr:`Transport.calls` counts the calls made, by API name.

What an error *means* depends on the caller (a refused token is a login
failure for the user pool, a trust problem for the identity pool): each call
passes its ``map_error``, which turns Cognito's code and message into the
exception to raise.
"""

from __future__ import annotations

import dataclasses
import logging
import secrets as _secrets
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Protocol

from botocore.exceptions import BotoCoreError, ClientError

from .._canonical import shown_url
from ..exceptions import CognitoError, InvalidInputError, ThrottledError
from ._errors import ServiceErrorCause, redact

__all__ = ["DEFAULT_RETRY", "BotoSession", "ErrorMapper", "RetryPolicy", "Transport", "sent_values"]

_LOG = logging.getLogger("sigv4client.cognito")

#: The error codes that mean "not processed, slow down": the only ones retried.
THROTTLING = frozenset({"TooManyRequestsException", "Throttling", "ThrottlingException"})

# Request fields that hold names, not secrets: left readable in quoted messages.
_NOT_SECRET = frozenset(
    {
        "ClientId",
        "AuthFlow",
        "ChallengeName",
        "USERNAME",
        "Username",
        "UserPoolId",
        "IdentityPoolId",
        "IdentityId",
        "RoleSessionName",
        "RoleArn",
        "AttributeName",
        "DeviceName",
        "FriendlyDeviceName",
        "DeviceRememberedStatus",
        "Name",
    }
)

#: ``map_error(operation, code, message, sent_secrets)``: the exception for
#: Cognito's error ``code`` with ``message``, answered to API ``operation``.
ErrorMapper = Callable[[str, str, str, tuple[str, ...]], CognitoError]


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class RetryPolicy:
    """How throttled calls are retried: attempts in all, and the backoff between them.

    The wait after failed attempt ``n`` (from 0) is ``min(max_delay, base_delay *
    2**n)`` scaled by a random factor in [0.5, 1) ("equal jitter"), so clients
    throttled together do not retry together.
    """

    max_attempts: int = 4
    base_delay: float = 0.25
    max_delay: float = 4.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise InvalidInputError("RetryPolicy.max_attempts must be at least 1")
        if self.base_delay < 0 or self.max_delay < 0:
            raise InvalidInputError("RetryPolicy delays must not be negative")

    def delay(self, attempt: int, jitter: float) -> float:
        """Seconds to wait after failed attempt ``attempt``; ``jitter`` is in [0, 1)."""
        return min(self.max_delay, self.base_delay * 2.0**attempt) * (0.5 + jitter / 2)


#: The default retry policy.
DEFAULT_RETRY = RetryPolicy()


class BotoSession(Protocol):
    """A boto3 ``Session`` (or anything with its ``client`` method): signs the admin calls.

    A botocore ``Session`` (with ``create_client``) is taken too.
    """

    def client(self, service_name: str, **kwargs: object) -> object:
        """A client for ``service_name``."""


def admin_parts(admin: object | None, service: str) -> tuple[object | None, object | None]:
    """``(client, session)`` for ``Transport`` from the caller's boto credentials.

    ``admin`` is a boto3 or botocore session, or a ready client of ``service``.
    """
    if admin is None:
        return None, None
    if callable(getattr(admin, "client", None)) or callable(getattr(admin, "create_client", None)):
        return None, admin
    if getattr(getattr(admin, "meta", None), "service_model", None) is not None or hasattr(
        admin, "admin_initiate_auth"
    ):
        return admin, None
    raise InvalidInputError(
        f"admin must be a boto3 Session, a botocore Session or a {service} client; "
        f"got {type(admin).__name__}"
    )


def sent_values(value: object) -> Iterator[str]:
    """Every string we put in a request, but names: what to cut out of a server's message."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if key not in _NOT_SECRET:
                yield from sent_values(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from sent_values(item)


def _api_name(client: object, method: str) -> str:
    # botocore knows each method's API name (SetUserMFAPreference); a client
    # that is not botocore's gets the CamelCase of the method name.
    meta = getattr(client, "meta", None)
    mapping = getattr(meta, "method_to_api_mapping", None)
    if isinstance(mapping, Mapping) and isinstance(mapping.get(method), str):
        return str(mapping[method])
    return "".join(part.capitalize() for part in method.split("_"))


class Transport:
    """Sends Cognito calls for one region and endpoint; see the module docs.

    ``clients`` are ready clients by service name (a botocore Stubber, a custom
    config); the others are made on first use, unsigned, or signed with
    ``boto_session`` when one is given (the admin APIs need AWS credentials).
    """

    def __init__(
        self,
        *,
        region: str,
        endpoint_url: str | None = None,
        retry: RetryPolicy = DEFAULT_RETRY,
        rng: Callable[[int], bytes] = _secrets.token_bytes,
        sleep: Callable[[float], None] = time.sleep,
        clients: Mapping[str, object | None] | None = None,
        boto_session: object | None = None,
    ) -> None:
        self.region = region
        self.endpoint_url = endpoint_url
        self.retry = retry
        self._rng = rng
        self._sleep = sleep
        self._boto_session = boto_session
        self._clients: dict[str, object] = {
            service: client for service, client in (clients or {}).items() if client is not None
        }
        self.calls: dict[str, int] = {}

    def client(self, service: str) -> object:
        """The client for ``service``, made on first use."""
        client = self._clients.get(service)
        if client is None:
            from botocore.config import Config

            if self._boto_session is None:
                import boto3
                from botocore import UNSIGNED

                make: Callable[..., object] = boto3.session.Session().client
                config = Config(signature_version=UNSIGNED, retries={"total_max_attempts": 1})
            else:
                session = self._boto_session
                make = getattr(session, "client", None) or session.create_client  # type: ignore[attr-defined]  # a botocore Session
                config = Config(retries={"total_max_attempts": 1})
            client = make(
                service, region_name=self.region, endpoint_url=self.endpoint_url, config=config
            )
            self._clients[service] = client
        return client

    def call(
        self,
        service: str,
        method: str,
        request: Mapping[str, object],
        *,
        map_error: ErrorMapper,
        extra_secrets: tuple[str, ...] = (),
    ) -> Mapping[str, object]:
        """Send ``method`` (the boto3 name) of ``service`` with ``request``; the answer.

        Raises what ``map_error`` makes of a Cognito error, :class:`ThrottledError`
        once the retries are spent, :class:`CognitoError` when Cognito cannot be
        reached; each chained to a redacted :class:`ServiceErrorCause`.
        """
        client = self.client(service)
        operation = _api_name(client, method)
        send: Callable[..., object] = getattr(client, method)
        attempts = self.retry.max_attempts
        sent_secrets = (*sent_values(request), *extra_secrets)
        for attempt in range(attempts):
            self.calls[operation] = self.calls.get(operation, 0) + 1
            # Errors are raised after the except blocks, chained to the
            # redacted stand-in, so botocore's exception is not __context__.
            try:
                response = send(**request)
            except ClientError as exc:
                cause = ServiceErrorCause.from_response(operation, exc.response, sent_secrets)
                if cause.code in THROTTLING:
                    if attempt + 1 < attempts:
                        jitter = int.from_bytes(self._rng(2), "big") / 65536
                        delay = self.retry.delay(attempt, jitter)
                        _LOG.debug("Cognito throttled %s; retrying in %.2fs", operation, delay)
                        self._sleep(delay)
                        continue
                    # The next backoff step, without jitter: when to try again.
                    wait = max(1, round(self.retry.delay(attempts, 1.0)))
                    failure: CognitoError = ThrottledError(
                        f"Cognito {operation} was still throttled after {attempts} attempts; "
                        f"wait at least {wait} s before trying again, or ask AWS to raise "
                        "the quota",
                        cause.code,
                    )
                else:
                    error = exc.response.get("Error", {})
                    failure = map_error(
                        operation, cause.code, str(error.get("Message", "")), sent_secrets
                    )
            except BotoCoreError as exc:
                # Not str(exc) in the message: a ParamValidationError quotes the
                # values it refused; the cause carries it redacted.
                # The endpoint as shown: no userinfo (a password) or token in a message.
                where = (
                    f"region {self.region}"
                    if self.endpoint_url is None
                    else shown_url(self.endpoint_url)
                )
                failure = CognitoError(
                    f"Cognito {operation} at {where} failed: {type(exc).__name__}"
                )
                cause = ServiceErrorCause(
                    operation, type(exc).__name__, redact(str(exc), sent_secrets)
                )
            else:
                if not isinstance(response, Mapping):
                    raise CognitoError(f"Cognito {operation} returned no answer")
                return response
            raise failure from cause
        raise AssertionError("unreachable: the loop returns or raises")
