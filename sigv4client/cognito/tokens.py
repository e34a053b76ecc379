"""The tokens a user-pool login yields, as a frozen value."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ..exceptions import NaiveDatetimeError

__all__ = ["Tokens", "unverified_claims"]


def unverified_claims(token: str) -> dict[str, object]:
    """The payload of a JWT, decoded but NOT verified; ``{}`` if it is not a JWT.

    Only for hints about tokens this process just received from Cognito over
    TLS (their lifetime, Cognito's username for the user). Never use it to
    trust a token someone else handed you: that needs the pool's JWKS.
    """
    parts = token.split(".")
    if len(parts) != 3:
        return {}
    payload = parts[1]
    try:
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        claims = json.loads(raw)
    except (binascii.Error, ValueError):
        return {}
    return claims if isinstance(claims, dict) else {}


@dataclass(frozen=True, slots=True, kw_only=True)
class Tokens:
    """The ID, access and refresh tokens of one login, and when the first two expire.

    ``expires_at`` is an aware datetime: the local time of receipt plus the
    lifetime Cognito gave (the shorter of ``ExpiresIn`` and the ID token's own
    ``exp - iat``), so a skewed local clock does not shorten or stretch it.
    The tokens themselves never appear in ``repr``.

    ``device_key`` is the key of the device Cognito tracks for this login
    (device tracking on): ``AuthenticationResult.NewDeviceMetadata.DeviceKey``,
    else the access token's ``device_key`` claim, carried over on refresh.
    Cognito binds the refresh token to that device, and refuses a
    ``REFRESH_TOKEN_AUTH`` without ``DEVICE_KEY`` ("Invalid Refresh Token").
    It identifies the device and is no credential by itself.
    """

    id_token: str = field(repr=False)
    access_token: str = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_at: datetime
    token_type: str = "Bearer"  # noqa: S105 (the OAuth token type, not a secret)
    device_key: str | None = None
    #: The group key of a new device (``NewDeviceMetadata.DeviceGroupKey``),
    #: which ``CognitoUser.confirm_device`` needs; ``None`` after a refresh.
    device_group_key: str | None = None

    def __post_init__(self) -> None:
        if self.expires_at.tzinfo is None or self.expires_at.utcoffset() is None:
            raise NaiveDatetimeError(
                "Tokens.expires_at must be timezone-aware, e.g. datetime(..., tzinfo=timezone.utc)"
            )

    @property
    def username(self) -> str | None:
        """Cognito's own username for the user (not an alias such as the email).

        The access token's ``username`` claim, else the ID token's
        ``cognito:username``; ``None`` if neither token carries one. For a pool
        that signs users in by email or phone this is the ``sub`` UUID, and it
        is the name the ``SECRET_HASH`` of a refresh must be computed over.
        """
        for token, claim in ((self.access_token, "username"), (self.id_token, "cognito:username")):
            value = unverified_claims(token).get(claim)
            if isinstance(value, str) and value:
                return value
        return None

    def expires_within(self, window: timedelta, *, now: datetime) -> bool:
        """True if the tokens expire before ``now + window`` (``now`` must be aware)."""
        return now + window >= self.expires_at
