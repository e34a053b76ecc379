"""API Gateway's authorizers for :class:`~sigv4client.local.LocalGateway`, one interface.

A route is authorized with ``AWS_IAM`` (the gateway's :class:`IamAuthorizer`,
SigV4, the default), ``NONE``, a :class:`CognitoAuthorizer` (user-pool JWTs,
REST APIs), a :class:`JwtAuthorizer` (HTTP APIs) or a :class:`LambdaAuthorizer`
(a Python callable standing in for the Lambda function); each implements
:class:`Authorizer`. Every route of a REST API is also subject to the
gateway's ``resource_policy`` (:class:`ResourcePolicy`).

What API Gateway (REST APIs) answers, and what this module answers:

================================================  ======  ==========================================
case                                              status  body ``message``
================================================  ======  ==========================================
Cognito: no token, bad signature, wrong pool      401     ``Unauthorized``
(``iss``), wrong app client, wrong ``token_use``,
missing scope
Cognito: expired token                            401     ``The incoming token has expired``
Lambda: identity source missing or failing        401     ``Unauthorized`` (function not called)
``token_validation``; the function raises
:class:`Unauthorized`
Lambda: policy denies the method ARN              403     ``User is not authorized to access this
                                                          resource with an explicit deny``
Lambda: policy does not allow it                  403     ``User is not authorized to access this
                                                          resource``
Lambda: the function fails or returns a bad       500     ``null``, with ``x-amzn-ErrorType:
policy (or a ``context`` value that is not a              AuthorizerConfigurationException``
string, number or boolean)
Resource policy denies explicitly                 403     ``User: anonymous is not authorized to
                                                          perform: execute-api:Invoke on resource:
                                                          <arn> with an explicit deny``
Resource policy does not allow (no authorizer)    403     the same, without the last five words
================================================  ======  ==========================================

For IAM routes the ``User:`` is the caller's ARN (from the gateway's
``IamDirectory``, or the ``userArn`` its ``identity_fields`` give), else
``anonymous``. Callers of Cognito, JWT and Lambda authorizers, and of routes
with none, are anonymous to IAM: only ``Principal: "*"`` names them.

How the resource policy combines with the authorizer (the developer guide's
"How API Gateway resource policies affect authorization workflow" and its
"Policy evaluation outcome tables"), as implemented here:

- the resource policy is read first for an *explicit deny*: if one matches, the
  caller is refused and the authorizer (the Lambda function) is never called;
- ``NONE``: the policy must explicitly allow;
- ``AWS_IAM``: with an :class:`~sigv4client.local.iam.IamDirectory`
  (``LocalGateway(iam=...)``), IAM's own combination
  (:func:`sigv4client.local.iam.evaluate`): same account, the caller's
  identity policies or the resource policy allow and neither denies; another
  account, both allow. Without one, a verified signature stands for "the
  caller's IAM policy allows", so only an explicit deny refuses.
- Lambda: allowed when the authorizer's policy or the resource policy allows
  and neither denies explicitly;
- Cognito: the token must be valid (else 401) and the resource policy must not
  deny explicitly.

Sources: the API Gateway developer guide ("Use API Gateway Lambda authorizers",
"Input to / Output from an API Gateway Lambda authorizer", "Control access to
REST APIs using Amazon Cognito user pools as an authorizer", "How API Gateway
resource policies affect authorization workflow", "Gateway response types");
the AWS knowledge-center articles "How do I troubleshoot HTTP 403 Forbidden
errors when I use a Lambda authorizer with an API Gateway REST API?" (the four
403 messages above), "Why do I get API Gateway 401 Unauthorized errors after I
create a Lambda authorizer?" (missing or unvalidated identity sources: 401, the
function not invoked), "How do I troubleshoot 401 Unauthorized errors ... after
I set up an Amazon Cognito user pool?" (without method scopes only ID tokens are
accepted, with scopes only access tokens) and "Why is my API Gateway proxy
resource with a Lambda authorizer that has caching activated returning 403 ...?"
(a cached policy is re-evaluated against each method ARN).

Where this differs from API Gateway, on purpose or for lack of a source:

- a method with OAuth scopes refuses an access token that has none of them
  with 401 ``Unauthorized`` (REST APIs; HTTP APIs' JWT authorizers answer 403
  ``Forbidden``). The expired-token message is the one users widely report,
  not one the guide prints.
- claims reach ``request_context["authorizer"]["claims"]`` with their JSON
  types; API Gateway turns every claim into a string.
- the Cognito authorizer also accepts ``Bearer <token>`` (API Gateway REST
  expects the bare token).
- Lambda authorizer caching keys on the identity source values only (as API
  Gateway does), in memory, bounded; ``Unauthorized`` answers are not cached.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._base import (
        ApiType,
        Authorizer,
        AuthorizerError,
        AuthorizerRequest,
        AuthorizerResult,
        Effect,
    )
    from ._cognito import CognitoAuthorizer
    from ._iam import IamAuthorizer, IdentityFields
    from ._jwt_authorizer import JwtAuthorizer
    from ._lambda import AuthorizerFunction, LambdaAuthorizer, Unauthorized
    from ._policy import ResourcePolicy, method_arn

__all__ = [
    "ApiType",
    "Authorizer",
    "AuthorizerError",
    "AuthorizerFunction",
    "AuthorizerRequest",
    "AuthorizerResult",
    "CognitoAuthorizer",
    "Effect",
    "IamAuthorizer",
    "IdentityFields",
    "JwtAuthorizer",
    "LambdaAuthorizer",
    "ResourcePolicy",
    "Unauthorized",
    "method_arn",
]

_WHERE = {
    "ApiType": "_base",
    "Authorizer": "_base",
    "AuthorizerError": "_base",
    "AuthorizerRequest": "_base",
    "AuthorizerResult": "_base",
    "Effect": "_base",
    "CognitoAuthorizer": "_cognito",
    "IamAuthorizer": "_iam",
    "IdentityFields": "_iam",
    "JwtAuthorizer": "_jwt_authorizer",
    "AuthorizerFunction": "_lambda",
    "LambdaAuthorizer": "_lambda",
    "Unauthorized": "_lambda",
    "ResourcePolicy": "_policy",
    "method_arn": "_policy",
}


def __getattr__(name: str) -> object:
    # PEP 562: an authorizer's module (and joserfc, hashlib...) loads on first use.
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
