"""The user-pool login as pure steps: build each Cognito call, read each answer.

No I/O here: :class:`~sigv4client.cognito.user.CognitoUser` sends what these
functions build and feeds back what Cognito answered. Requests are the keyword
arguments of the boto3 ``cognito-idp`` methods; answers come back as
:class:`~sigv4client.cognito.tokens.Tokens`, a typed
:class:`~sigv4client.cognito.challenges.Challenge`, or (inside the SRP flow
only) a :class:`PasswordVerifierStep`.
"""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ..exceptions import ChallengeError, CognitoError, InvalidInputError
from . import srp
from .challenges import (
    Answer,
    Challenge,
    ChallengeName,
    CustomChallenge,
    EmailOtp,
    MfaSetup,
    NewPassword,
    NewPasswordRequired,
    SelectChallenge,
    SelectMfaType,
    SmsMfa,
    SmsOtp,
    SoftwareTokenMfa,
)
from .tokens import Tokens, unverified_claims

__all__ = [
    "AppClient",
    "AuthFlow",
    "DevicePasswordVerifierStep",
    "DeviceSrpStep",
    "PasswordVerifierStep",
    "Step",
    "challenge_responses",
    "device_srp_request",
    "initiate_auth_request",
    "mfa_setup_request",
    "parse_auth_response",
    "password_verifier_request",
    "refresh_request",
    "respond_request",
    "select_challenge_request",
]

# Cognito prefixes attribute names in NEW_PASSWORD_REQUIRED with this, both in
# requiredAttributes and in the answer ("userAttributes.given_name").
_ATTRIBUTE_PREFIX = "userAttributes."
# An MFA type or attribute name inside a list that is not JSON.
_NAME = re.compile(r"[A-Za-z0-9_.:-]+")


class AuthFlow(str, enum.Enum):
    """The ``InitiateAuth`` flows :meth:`CognitoUser.login` can start.

    Each must be allowed on the app client: ``ExplicitAuthFlows`` lists
    ``ALLOW_<flow>`` (e.g. ``ALLOW_USER_SRP_AUTH``).
    """

    USER_SRP_AUTH = "USER_SRP_AUTH"
    USER_PASSWORD_AUTH = "USER_PASSWORD_AUTH"  # noqa: S105 (a flow name, not a password)
    CUSTOM_AUTH = "CUSTOM_AUTH"
    #: Server side (``AdminInitiateAuth``, signed with AWS credentials): the
    #: app client allows ``ALLOW_ADMIN_USER_PASSWORD_AUTH``.
    ADMIN_USER_PASSWORD_AUTH = "ADMIN_USER_PASSWORD_AUTH"  # noqa: S105 (a flow name)
    #: The older name of the same server-side flow.
    ADMIN_NO_SRP_AUTH = "ADMIN_NO_SRP_AUTH"
    #: Choice-based sign-in (passwordless or password): Cognito asks
    #: ``SELECT_CHALLENGE``; the app client allows ``ALLOW_USER_AUTH``.
    USER_AUTH = "USER_AUTH"

    @property
    def is_admin(self) -> bool:
        """Whether the flow goes through the admin APIs, signed with AWS credentials."""
        return self.value.startswith("ADMIN_")


@dataclass(frozen=True, slots=True, kw_only=True)
class AppClient:
    """A user-pool app client: its id, and its secret if it has one (out of ``repr``)."""

    user_pool_id: str
    client_id: str
    client_secret: str | None = field(default=None, repr=False)

    def with_secret_hash(self, parameters: Mapping[str, str], username: str) -> dict[str, str]:
        """A copy of ``parameters`` with ``SECRET_HASH`` over ``username`` if there is a secret."""
        if self.client_secret is None:
            return dict(parameters)
        return {
            **parameters,
            "SECRET_HASH": srp.secret_hash(username, self.client_id, self.client_secret),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class PasswordVerifierStep:
    """The ``PASSWORD_VERIFIER`` challenge of the SRP flow (answered internally)."""

    params: srp.PasswordVerifierParams
    session: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class DeviceSrpStep:
    """``DEVICE_SRP_AUTH``: Cognito asks the remembered device to prove itself (internal)."""

    username: str
    session: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class DevicePasswordVerifierStep:
    """``DEVICE_PASSWORD_VERIFIER``: the device's SRP challenge (answered internally)."""

    params: srp.PasswordVerifierParams
    session: str | None = field(default=None, repr=False)


#: What one Cognito answer turns into.
Step = Tokens | Challenge | PasswordVerifierStep | DeviceSrpStep | DevicePasswordVerifierStep


def initiate_auth_request(
    app: AppClient,
    flow: AuthFlow,
    username: str,
    *,
    password: str | None = None,
    ephemeral: srp.SrpEphemeral | None = None,
    device_key: str | None = None,
) -> dict[str, object]:
    """``InitiateAuth`` for ``flow``: SRP needs ``ephemeral``, password auth ``password``.

    An admin flow builds ``AdminInitiateAuth``: the same, with the user pool id.
    """
    parameters = {"USERNAME": username}
    if flow is AuthFlow.USER_SRP_AUTH:
        if ephemeral is None:
            raise InvalidInputError("USER_SRP_AUTH needs the client's SRP ephemeral values")
        parameters["SRP_A"] = ephemeral.srp_a
    elif flow is AuthFlow.USER_PASSWORD_AUTH or flow.is_admin:
        if password is None:
            raise InvalidInputError(f"{flow.value} needs a password")
        parameters["PASSWORD"] = password
    if device_key:
        # A remembered device: Cognito may then skip MFA and ask DEVICE_SRP_AUTH.
        parameters["DEVICE_KEY"] = device_key
    request: dict[str, object] = {
        "AuthFlow": flow.value,
        "ClientId": app.client_id,
        "AuthParameters": app.with_secret_hash(parameters, username),
    }
    if flow.is_admin:
        request["UserPoolId"] = app.user_pool_id
    return request


def password_verifier_request(
    app: AppClient,
    step: PasswordVerifierStep | DevicePasswordVerifierStep,
    claim: srp.PasswordClaim,
    *,
    device_key: str | None = None,
) -> dict[str, object]:
    """``RespondToAuthChallenge`` answering ``PASSWORD_VERIFIER`` with ``claim``.

    A :class:`DevicePasswordVerifierStep` is answered as ``DEVICE_PASSWORD_VERIFIER``.
    ``device_key`` is the remembered device's key, required by the device
    verifier; in a user's ``PASSWORD_VERIFIER`` it tells Cognito which
    remembered device signs in (then ``DEVICE_SRP_AUTH`` follows, not MFA).
    """
    device = isinstance(step, DevicePasswordVerifierStep)
    if device and not device_key:
        raise InvalidInputError("DEVICE_PASSWORD_VERIFIER needs the device's key")
    username = step.params.username
    responses = {
        "USERNAME": username,
        "PASSWORD_CLAIM_SECRET_BLOCK": claim.secret_block,
        "PASSWORD_CLAIM_SIGNATURE": claim.signature,
        "TIMESTAMP": claim.timestamp,
    }
    if device_key:
        responses["DEVICE_KEY"] = device_key
    request: dict[str, object] = {
        "ClientId": app.client_id,
        "ChallengeName": "DEVICE_PASSWORD_VERIFIER" if device else "PASSWORD_VERIFIER",
        "ChallengeResponses": app.with_secret_hash(responses, username),
    }
    if step.session:
        request["Session"] = step.session
    return request


def device_srp_request(
    app: AppClient, step: DeviceSrpStep, device_key: str, ephemeral: srp.SrpEphemeral
) -> dict[str, object]:
    """``RespondToAuthChallenge`` answering ``DEVICE_SRP_AUTH``: the device key and ``SRP_A``."""
    responses = {"USERNAME": step.username, "DEVICE_KEY": device_key, "SRP_A": ephemeral.srp_a}
    request: dict[str, object] = {
        "ClientId": app.client_id,
        "ChallengeName": "DEVICE_SRP_AUTH",
        "ChallengeResponses": app.with_secret_hash(responses, step.username),
    }
    if step.session:
        request["Session"] = step.session
    return request


def refresh_request(
    app: AppClient,
    refresh_token: str,
    username: str | None,
    *,
    device_key: str | None = None,
) -> dict[str, object]:
    """``InitiateAuth`` with ``REFRESH_TOKEN_AUTH``.

    With a client secret, ``username`` must be Cognito's own username for the
    user (:attr:`Tokens.username`), not the alias typed at login: Cognito
    checks the ``SECRET_HASH`` of a refresh against the user the refresh token
    belongs to, and for a pool that signs in by email that user is the ``sub``.

    ``device_key`` (:attr:`Tokens.device_key`) goes out as ``DEVICE_KEY``:
    with device tracking on, Cognito binds the refresh token to the device and
    refuses a refresh without its key. The SECRET_HASH does not cover it.
    """
    parameters = {"REFRESH_TOKEN": refresh_token}
    if device_key:
        parameters["DEVICE_KEY"] = device_key
    if app.client_secret is not None and not username:
        raise CognitoError(
            "cannot compute the SECRET_HASH of a refresh: the tokens carry no username "
            "and none was given at login"
        )
    return {
        "AuthFlow": "REFRESH_TOKEN_AUTH",
        "ClientId": app.client_id,
        "AuthParameters": app.with_secret_hash(parameters, username or ""),
    }


def _attribute_pairs(answer: NewPassword) -> list[tuple[str, str]]:
    return [
        (name if name.startswith(_ATTRIBUTE_PREFIX) else _ATTRIBUTE_PREFIX + name, value)
        for name, value in answer.attributes.items()
    ]


def _not_an_option(answer: str) -> str:
    """A refused choice, described without quoting it.

    A prompt that asks for every challenge gets a password or a code typed
    into a choice as often as an option's name.
    """
    return f"the answer given ({len(answer)} characters) is not one of them"


def _email_mfa_hint(answer: str, options: tuple[str, ...]) -> str:
    # The API reference's RespondToAuthChallenge example answers SELECT_MFA_TYPE
    # with "[SMS_MFA|EMAIL_MFA|SOFTWARE_TOKEN_MFA]", but Cognito offers email MFA
    # as EMAIL_OTP (MFAS_CAN_CHOOSE; the service model's ChallengeNameType and
    # UserMFASettingList have no EMAIL_MFA) and AWS's Amplify libraries answer
    # EMAIL_OTP. The answer is the offered name: point a caller who followed the
    # reference to it. Compared, not quoted: "EMAIL_MFA" is no secret.
    if answer == "EMAIL_MFA" and "EMAIL_OTP" in options:
        return "; Cognito names email MFA EMAIL_OTP here, not EMAIL_MFA as the API reference does"
    return ""


def challenge_responses(app: AppClient, challenge: Challenge, answer: Answer) -> dict[str, str]:
    """The ``ChallengeResponses`` answering ``challenge`` with ``answer``.

    Raises :class:`InvalidInputError` for an answer of the wrong type and
    :class:`ChallengeError` for one that cannot satisfy the challenge (a
    required attribute missing, an MFA type not on offer).
    """
    responses = {"USERNAME": challenge.username}
    if isinstance(challenge, NewPasswordRequired):
        new = answer if isinstance(answer, NewPassword) else NewPassword(password=answer)
        if not new.password:
            raise InvalidInputError("the new password must not be empty")
        given = {name.removeprefix(_ATTRIBUTE_PREFIX) for name in new.attributes}
        missing = [name for name in challenge.required_attributes if name not in given]
        if missing:
            raise ChallengeError(
                "the new-password answer lacks attributes the user pool requires: "
                + ", ".join(missing)
            )
        responses["NEW_PASSWORD"] = new.password
        responses.update(_attribute_pairs(new))
        return app.with_secret_hash(responses, challenge.username)
    if not isinstance(answer, str):
        raise InvalidInputError(
            f"answer the {challenge.name.value} challenge with a str, not {type(answer).__name__}"
        )
    if isinstance(challenge, SmsMfa):
        responses["SMS_MFA_CODE"] = answer
    elif isinstance(challenge, SoftwareTokenMfa):
        responses["SOFTWARE_TOKEN_MFA_CODE"] = answer
    elif isinstance(challenge, EmailOtp):
        responses["EMAIL_OTP_CODE"] = answer
    elif isinstance(challenge, SmsOtp):
        responses["SMS_OTP_CODE"] = answer
    elif isinstance(challenge, SelectChallenge):
        if challenge.options and answer not in challenge.options:
            raise ChallengeError(
                f"choose one of the sign-in methods Cognito offered "
                f"({', '.join(challenge.options)}); {_not_an_option(answer)}"
            )
        responses["ANSWER"] = answer
    elif isinstance(challenge, SelectMfaType):
        if challenge.options and answer not in challenge.options:
            raise ChallengeError(
                f"choose one of the MFA types Cognito offered ({', '.join(challenge.options)}); "
                f"{_not_an_option(answer)}{_email_mfa_hint(answer, challenge.options)}"
            )
        responses["ANSWER"] = answer
    elif isinstance(challenge, CustomChallenge):
        responses["ANSWER"] = answer
    else:
        # MFA_SETUP is answered in two calls (mfa_setup_request), not here.
        raise InvalidInputError(f"the {challenge.name.value} challenge has no single answer")
    return app.with_secret_hash(responses, challenge.username)


def respond_request(
    app: AppClient, challenge: Challenge, answer: Answer, *, device_key: str | None = None
) -> dict[str, object]:
    """``RespondToAuthChallenge`` answering ``challenge`` with ``answer``.

    ``device_key``: the remembered device signing in, named in a
    ``CUSTOM_CHALLENGE`` answer so that Cognito can ask ``DEVICE_SRP_AUTH``
    next (as in the Amplify and Android SDKs).
    """
    responses = challenge_responses(app, challenge, answer)
    if device_key and isinstance(challenge, CustomChallenge):
        responses["DEVICE_KEY"] = device_key
    return {
        "ClientId": app.client_id,
        "ChallengeName": challenge.name.value,
        "Session": challenge.session,
        "ChallengeResponses": responses,
    }


def select_challenge_request(
    app: AppClient,
    challenge: SelectChallenge,
    answer: str,
    *,
    password: str | None = None,
    ephemeral: srp.SrpEphemeral | None = None,
) -> dict[str, object]:
    """``RespondToAuthChallenge`` choosing ``answer`` in ``SELECT_CHALLENGE``.

    ``PASSWORD`` carries the password, ``PASSWORD_SRP`` the client's ``SRP_A``
    (``PASSWORD_VERIFIER`` follows); the OTP choices carry nothing more.
    """
    responses = challenge_responses(app, challenge, answer)
    if answer == "PASSWORD":
        if not password:
            raise InvalidInputError("the PASSWORD choice needs the password given to login()")
        responses["PASSWORD"] = password
    elif answer == "PASSWORD_SRP":
        if ephemeral is None:
            raise InvalidInputError("the PASSWORD_SRP choice needs the client's SRP values")
        responses["SRP_A"] = ephemeral.srp_a
    return {
        "ClientId": app.client_id,
        "ChallengeName": challenge.name.value,
        "Session": challenge.session,
        "ChallengeResponses": responses,
    }


def mfa_setup_request(app: AppClient, challenge: MfaSetup, session: str) -> dict[str, object]:
    """``RespondToAuthChallenge`` finishing ``MFA_SETUP`` once the code was verified.

    ``session`` is the one ``VerifySoftwareToken`` returned.
    """
    return {
        "ClientId": app.client_id,
        "ChallengeName": ChallengeName.MFA_SETUP.value,
        "Session": session,
        "ChallengeResponses": app.with_secret_hash(
            {"USERNAME": challenge.username}, challenge.username
        ),
    }


# -- reading answers -----------------------------------------------------------------


def _text(mapping: Mapping[str, object], key: str) -> str | None:
    value = mapping.get(key)
    return value if isinstance(value, str) and value else None


def _json_value(value: object) -> object:
    # Cognito sends lists and objects inside ChallengeParameters as JSON text
    # ('["SOFTWARE_TOKEN_MFA"]'), as the parameters are a string-to-string map.
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _names(value: object) -> tuple[str, ...]:
    value = _json_value(value)
    if isinstance(value, list):
        return tuple(item for item in value if isinstance(item, str))
    if isinstance(value, str):
        # Not JSON: moto sends Python's repr of a list ("['SOFTWARE_TOKEN_MFA']").
        # The names are identifiers, so pick them out of whatever surrounds them.
        return tuple(_NAME.findall(value))
    return ()


def _pairs(value: object) -> tuple[tuple[str, str], ...]:
    value = _json_value(value)
    if not isinstance(value, dict):
        return ()
    return tuple((str(k), str(v)) for k, v in value.items() if isinstance(v, (str, int, bool)))


def _lifetime(result: Mapping[str, object], id_token: str) -> timedelta:
    candidates = []
    expires_in = result.get("ExpiresIn")
    if isinstance(expires_in, int) and not isinstance(expires_in, bool) and expires_in > 0:
        candidates.append(expires_in)
    claims = unverified_claims(id_token)
    exp, iat = claims.get("exp"), claims.get("iat")
    if isinstance(exp, int) and isinstance(iat, int) and exp > iat:
        # The ID token can be configured to live shorter than the access token
        # ExpiresIn describes; the identity pool goes by the ID token.
        candidates.append(exp - iat)
    if not candidates:
        raise CognitoError("Cognito's tokens came without a lifetime (no ExpiresIn)")
    return timedelta(seconds=min(candidates))


def _device_key(
    result: Mapping[str, object], access_token: str, previous: str | None
) -> str | None:
    # With device tracking on, a login answers with NewDeviceMetadata, and the
    # access token carries the key as its device_key claim (after a refresh
    # too); else keep the key the refreshed tokens had.
    metadata = result.get("NewDeviceMetadata")
    if isinstance(metadata, Mapping):
        key = _text(metadata, "DeviceKey")
        if key is not None:
            return key
    claim = unverified_claims(access_token).get("device_key")
    if isinstance(claim, str) and claim:
        return claim
    return previous


def _tokens(
    result: Mapping[str, object],
    *,
    now: datetime,
    refresh_token: str | None,
    device_key: str | None,
) -> Tokens:
    id_token = _text(result, "IdToken")
    access_token = _text(result, "AccessToken")
    if id_token is None or access_token is None:
        raise CognitoError("Cognito's AuthenticationResult lacks the ID or the access token")
    return Tokens(
        id_token=id_token,
        access_token=access_token,
        # A refresh answers without a new refresh token unless rotation is on.
        refresh_token=_text(result, "RefreshToken") or refresh_token,
        expires_at=now + _lifetime(result, id_token),
        token_type=_text(result, "TokenType") or "Bearer",
        device_key=_device_key(result, access_token, device_key),
        device_group_key=_group_key(result),
    )


def _group_key(result: Mapping[str, object]) -> str | None:
    metadata = result.get("NewDeviceMetadata")
    return _text(metadata, "DeviceGroupKey") if isinstance(metadata, Mapping) else None


def _challenge(
    name: str, parameters: Mapping[str, object], username: str, session: str
) -> Challenge:
    # Cognito names the user in USERNAME or USER_ID_FOR_SRP when it switches to
    # its own username (a login by alias); else keep the name used so far.
    username = _text(parameters, "USERNAME") or _text(parameters, "USER_ID_FOR_SRP") or username
    destination = _text(parameters, "CODE_DELIVERY_DESTINATION")
    if name == ChallengeName.NEW_PASSWORD_REQUIRED:
        return NewPasswordRequired(
            username=username,
            session=session,
            required_attributes=tuple(
                n.removeprefix(_ATTRIBUTE_PREFIX)
                for n in _names(parameters.get("requiredAttributes"))
            ),
            user_attributes=_pairs(parameters.get("userAttributes")),
        )
    if name == ChallengeName.SMS_MFA:
        return SmsMfa(username=username, session=session, destination=destination)
    if name == ChallengeName.SOFTWARE_TOKEN_MFA:
        return SoftwareTokenMfa(
            username=username,
            session=session,
            device_name=_text(parameters, "FRIENDLY_DEVICE_NAME"),
        )
    if name == ChallengeName.EMAIL_OTP:
        return EmailOtp(username=username, session=session, destination=destination)
    if name == ChallengeName.SMS_OTP:
        return SmsOtp(username=username, session=session, destination=destination)
    if name == ChallengeName.SELECT_MFA_TYPE:
        return SelectMfaType(
            username=username, session=session, options=_names(parameters.get("MFAS_CAN_CHOOSE"))
        )
    if name == ChallengeName.MFA_SETUP:
        return MfaSetup(
            username=username, session=session, options=_names(parameters.get("MFAS_CAN_SETUP"))
        )
    if name == ChallengeName.CUSTOM_CHALLENGE:
        return CustomChallenge(
            username=username,
            session=session,
            parameters=tuple(
                (key, value) for key, value in parameters.items() if isinstance(value, str)
            ),
        )
    raise ChallengeError(
        f"Cognito asked for the {name} challenge, which this client cannot answer "
        f"(it answers {', '.join(c.value for c in ChallengeName)})"
    )


def parse_auth_response(
    response: Mapping[str, object],
    *,
    username: str,
    now: datetime,
    refresh_token: str | None = None,
    device_key: str | None = None,
) -> Step:
    """Read an ``InitiateAuth`` or ``RespondToAuthChallenge`` answer.

    ``username`` is the name used so far (kept when Cognito names no user);
    ``now`` the time of receipt, for ``Tokens.expires_at``; ``refresh_token``
    and ``device_key`` the ones to keep when the answer carries none (a
    refresh).
    """
    result = response.get("AuthenticationResult")
    if isinstance(result, Mapping):
        return _tokens(result, now=now, refresh_token=refresh_token, device_key=device_key)
    name = _text(response, "ChallengeName")
    if name is None:
        raise CognitoError("Cognito answered with neither tokens nor a challenge")
    raw_parameters = response.get("ChallengeParameters")
    parameters: Mapping[str, object] = raw_parameters if isinstance(raw_parameters, Mapping) else {}
    session = _text(response, "Session")
    if name == "DEVICE_SRP_AUTH":
        named = _text(parameters, "USERNAME") or username
        return DeviceSrpStep(username=named, session=session)
    if name == "DEVICE_PASSWORD_VERIFIER":
        text_parameters = {k: v for k, v in parameters.items() if isinstance(v, str)}
        return DevicePasswordVerifierStep(
            params=srp.PasswordVerifierParams.from_challenge_parameters(
                text_parameters, username=username
            ),
            session=session,
        )
    if name == "PASSWORD_VERIFIER":
        text_parameters = {k: v for k, v in parameters.items() if isinstance(v, str)}
        return PasswordVerifierStep(
            params=srp.PasswordVerifierParams.from_challenge_parameters(
                text_parameters, username=username
            ),
            session=session,
        )
    if session is None:
        raise ChallengeError(f"Cognito sent the {name} challenge without a session")
    if name == ChallengeName.SELECT_CHALLENGE:
        # The choices are a top-level field of the answer, not a parameter.
        return SelectChallenge(
            username=_text(parameters, "USERNAME") or username,
            session=session,
            options=_names(response.get("AvailableChallenges")),
        )
    return _challenge(name, parameters, username, session)
