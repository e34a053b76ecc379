"""An account's life outside login, as pure steps: build each call, read each answer.

Sign-up and its confirmation, password reset, attribute changes, sign-out.
No I/O here: :class:`~sigv4client.cognito.CognitoUser` sends what these
functions build (the keyword arguments of the boto3 ``cognito-idp`` methods).

SECRET_HASH
    Outside ``InitiateAuth`` the hash travels as the top-level ``SecretHash``
    field (over the username and the client id), except ``RevokeToken``, which
    takes the app client's secret itself as ``ClientSecret``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from ..exceptions import InvalidInputError
from . import srp
from .challenges import otpauth_uri
from .flow import AppClient

__all__ = [
    "CodeDelivery",
    "DeviceInfo",
    "SignUpResult",
    "SoftwareTokenSecret",
    "mfa_preference_request",
    "attribute_list",
    "confirm_forgot_password_request",
    "confirm_sign_up_request",
    "forgot_password_request",
    "resend_confirmation_code_request",
    "revoke_token_request",
    "sign_up_request",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class CodeDelivery:
    """Where Cognito sent a code: ``destination`` is masked by Cognito (``a***@e***``)."""

    destination: str | None = None
    medium: str | None = None  # "EMAIL" or "SMS"
    attribute: str | None = None  # "email", "phone_number"

    @classmethod
    def from_response(cls, details: object) -> CodeDelivery | None:
        """The ``CodeDeliveryDetails`` of an answer, or ``None`` when there are none."""
        if not isinstance(details, Mapping):
            return None
        return cls(
            destination=_text(details, "Destination"),
            medium=_text(details, "DeliveryMedium"),
            attribute=_text(details, "AttributeName"),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class SoftwareTokenSecret:
    """An authenticator app's secret from ``AssociateSoftwareToken`` (out of ``repr``).

    Show :meth:`otpauth_uri` as a QR code (or ``secret_code`` as text), then
    pass the first code the app shows to ``CognitoUser.verify_software_token``.
    """

    secret_code: str = field(repr=False)
    username: str

    def otpauth_uri(self, *, issuer: str, account: str | None = None) -> str:
        """The ``otpauth://totp/...`` URI authenticator apps read from a QR code."""
        return otpauth_uri(self.secret_code, issuer=issuer, account=account or self.username)


@dataclass(frozen=True, slots=True, kw_only=True)
class DeviceInfo:
    """A device Cognito tracks for the user (``ListDevices``): its key, name and dates."""

    device_key: str
    name: str | None = None
    attributes: tuple[tuple[str, str], ...] = ()
    created: datetime | None = None
    last_authenticated: datetime | None = None

    @classmethod
    def from_response(cls, device: Mapping[str, object]) -> DeviceInfo:
        """One entry of ``ListDevices``' ``Devices``."""
        raw = device.get("DeviceAttributes")
        pairs = tuple(
            (str(a["Name"]), str(a.get("Value", "")))
            for a in (raw if isinstance(raw, list) else ())
            if isinstance(a, Mapping) and "Name" in a
        )
        created = device.get("DeviceCreateDate")
        seen = device.get("DeviceLastAuthenticatedDate")
        return cls(
            device_key=str(device.get("DeviceKey", "")),
            name=dict(pairs).get("device_name"),
            attributes=pairs,
            created=created if isinstance(created, datetime) else None,
            last_authenticated=seen if isinstance(seen, datetime) else None,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class SignUpResult:
    """What ``SignUp`` answered: the user's ``sub``, and whether a code must confirm it."""

    user_sub: str
    confirmed: bool
    code_delivery: CodeDelivery | None = None


def _text(mapping: Mapping[str, object], key: str) -> str | None:
    value = mapping.get(key)
    return value if isinstance(value, str) and value else None


def _need(name: str, value: object) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidInputError(f"{name} must be a non-empty string")
    return value


def attribute_list(attributes: Mapping[str, str]) -> list[dict[str, str]]:
    """``{"email": "a@example.com"}`` as Cognito's ``[{"Name": ..., "Value": ...}]``."""
    pairs = []
    for name, value in attributes.items():
        if not isinstance(name, str) or not name or not isinstance(value, str):
            raise InvalidInputError(
                "attributes must map attribute names (e.g. 'email', 'custom:team') to strings"
            )
        pairs.append({"Name": name, "Value": value})
    return pairs


def _base(
    app: AppClient, username: str, client_metadata: Mapping[str, str] | None
) -> dict[str, object]:
    request: dict[str, object] = {
        "ClientId": app.client_id,
        "Username": _need("username", username),
    }
    if app.client_secret is not None:
        request["SecretHash"] = srp.secret_hash(username, app.client_id, app.client_secret)
    if client_metadata:
        request["ClientMetadata"] = dict(client_metadata)
    return request


def sign_up_request(
    app: AppClient,
    username: str,
    password: str,
    *,
    attributes: Mapping[str, str] | None = None,
    validation_data: Mapping[str, str] | None = None,
    client_metadata: Mapping[str, str] | None = None,
) -> dict[str, object]:
    """``SignUp``: the user's attributes, and data for a pre-sign-up Lambda trigger."""
    request = _base(app, username, client_metadata)
    request["Password"] = _need("password", password)
    if attributes:
        request["UserAttributes"] = attribute_list(attributes)
    if validation_data:
        request["ValidationData"] = attribute_list(validation_data)
    return request


def confirm_sign_up_request(
    app: AppClient,
    username: str,
    code: str,
    *,
    force_alias_creation: bool = False,
    client_metadata: Mapping[str, str] | None = None,
) -> dict[str, object]:
    """``ConfirmSignUp`` with the code Cognito sent."""
    request = _base(app, username, client_metadata)
    request["ConfirmationCode"] = _need("code", code)
    if force_alias_creation:
        request["ForceAliasCreation"] = True
    return request


def resend_confirmation_code_request(
    app: AppClient, username: str, *, client_metadata: Mapping[str, str] | None = None
) -> dict[str, object]:
    """``ResendConfirmationCode``."""
    return _base(app, username, client_metadata)


def forgot_password_request(
    app: AppClient, username: str, *, client_metadata: Mapping[str, str] | None = None
) -> dict[str, object]:
    """``ForgotPassword``: Cognito sends a reset code."""
    return _base(app, username, client_metadata)


def confirm_forgot_password_request(
    app: AppClient,
    username: str,
    code: str,
    new_password: str,
    *,
    client_metadata: Mapping[str, str] | None = None,
) -> dict[str, object]:
    """``ConfirmForgotPassword``: the reset code and the new password."""
    request = _base(app, username, client_metadata)
    request["ConfirmationCode"] = _need("code", code)
    request["Password"] = _need("new_password", new_password)
    return request


def revoke_token_request(app: AppClient, refresh_token: str) -> dict[str, object]:
    """``RevokeToken``: the refresh token and the tokens issued from it stop working."""
    request: dict[str, object] = {
        "Token": _need("refresh_token", refresh_token),
        "ClientId": app.client_id,
    }
    if app.client_secret is not None:
        request["ClientSecret"] = app.client_secret
    return request


def mfa_preference_request(
    access_token: str,
    *,
    totp: bool | None = None,
    sms: bool | None = None,
    email: bool | None = None,
    preferred: str | None = None,
) -> dict[str, object]:
    """``SetUserMFAPreference``: each method on, off, or left as is (``None``)."""
    methods = {"TOTP": totp, "SMS": sms, "EMAIL": email}
    if preferred is not None and methods.get(preferred) is not True:
        raise InvalidInputError(
            f"preferred={preferred!r} must be one of the methods turned on here "
            "(TOTP, SMS or EMAIL, with totp=True, sms=True or email=True)"
        )
    request: dict[str, object] = {"AccessToken": access_token}
    fields = {
        "TOTP": "SoftwareTokenMfaSettings",
        "SMS": "SMSMfaSettings",
        "EMAIL": "EmailMfaSettings",
    }
    for method, enabled in methods.items():
        if enabled is not None:
            request[fields[method]] = {"Enabled": enabled, "PreferredMfa": preferred == method}
    if len(request) == 1:
        raise InvalidInputError("set_mfa_preference needs totp=, sms= or email=")
    return request
