"""IAM authorization, offline: a pure evaluator of IAM policies for one request.

:func:`evaluate` decides a request (principal, action, resource, context) from
the caller's identity policies and the resource's policy, as IAM documents
it, and says why in :attr:`Decision.explanation`. No gateway, clock or network
is needed::

    from sigv4client.local.iam import evaluate
    decision = evaluate(action="execute-api:Invoke", resource=method_arn,
                        principal_arn=caller_arn, identity_policies=[policy])

Names are imported on first use (PEP 562).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._directory import IamDirectory, IamIdentity, IamRole, IamUser
    from ._evaluate import ANONYMOUS, ContextValue, Decision, Outcome, PolicyInput, evaluate
    from ._match import PolicyError

__all__ = [
    "ANONYMOUS",
    "ContextValue",
    "Decision",
    "IamDirectory",
    "IamIdentity",
    "IamRole",
    "IamUser",
    "Outcome",
    "PolicyError",
    "PolicyInput",
    "evaluate",
]

_HOME = {
    "ANONYMOUS": "._evaluate",
    "ContextValue": "._evaluate",
    "Decision": "._evaluate",
    "Outcome": "._evaluate",
    "PolicyInput": "._evaluate",
    "evaluate": "._evaluate",
    "IamDirectory": "._directory",
    "IamIdentity": "._directory",
    "IamRole": "._directory",
    "IamUser": "._directory",
    "PolicyError": "._match",
}


def __getattr__(name: str) -> object:
    if name in _HOME:
        value = getattr(importlib.import_module(_HOME[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
