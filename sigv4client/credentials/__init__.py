"""Credentials providers: where the signer gets its keys, one snapshot per request.

- :class:`CredentialsProvider` / :class:`AsyncCredentialsProvider`: the
  protocols the signer and the adapters accept.
- :class:`StaticCredentialsProvider`: fixed credentials.
- :class:`BotocoreSessionProvider`: whatever botocore resolves (environment,
  profiles, SSO, assume-role...).
- :class:`RefreshingCredentialsProvider`: temporary credentials refreshed
  ahead of expiry, one refresh at a time across threads and tasks.
- :func:`resolve_provider` and :func:`aget`: accept either a value or a
  provider, sync or async.

>>> from sigv4client.credentials import aget, resolve_provider
>>> from sigv4client.models import Credentials
>>> provider = resolve_provider(
...     Credentials(access_key_id="AKIDEXAMPLE", secret_access_key="example-secret"))
>>> provider.get_credentials().access_key_id
'AKIDEXAMPLE'
"""

from ._base import (
    AsyncCredentialsProvider,
    CredentialsProvider,
    StaticCredentialsProvider,
    aget,
    resolve_provider,
)
from ._botocore import BotocoreSessionProvider
from ._refreshing import RefreshingCredentialsProvider

__all__ = [
    "AsyncCredentialsProvider",
    "BotocoreSessionProvider",
    "CredentialsProvider",
    "RefreshingCredentialsProvider",
    "StaticCredentialsProvider",
    "aget",
    "resolve_provider",
]
