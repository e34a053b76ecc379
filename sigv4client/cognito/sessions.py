"""Sessions that outlive the process: where a user's tokens (and remembered device) are kept.

A :class:`SessionStore` keeps one :class:`StoredSession` per user pool, app
client and user; :meth:`SessionStore.load` without a username gives the one
saved last (Amplify's "current user"). Two stores come with the library:

- :class:`FileSessionStore` (``path``): a JSON file only its owner may read
  (0600 in a 0700 folder, written atomically through a fresh temp file and a
  rename, never through a planted symlink: :mod:`sigv4client._private_files`);
- :class:`MemorySessionStore`: a dict, for tests and short-lived processes.

A :class:`~sigv4client.cognito.CognitoUser` given ``session_store=`` saves
its session after every login and refresh and forgets it on sign-out;
:meth:`CognitoUser.restore` brings it back in another process.

>>> from sigv4client.cognito import MemorySessionStore
>>> store = MemorySessionStore()
>>> store.load("us-east-1_AbC123", "client") is None
True
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Protocol

from .._private_files import read_private_file, write_private_file
from ..exceptions import CognitoError
from .tokens import Tokens

__all__ = [
    "FileSessionStore",
    "MemorySessionStore",
    "RememberedDevice",
    "SessionStore",
    "StoredSession",
]

_FORMAT = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class RememberedDevice:
    """A device Cognito remembers: its key, group key and password (out of ``repr``)."""

    device_key: str
    device_group_key: str
    device_password: str = field(repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredSession:
    """One user's session: which pool, client and user, the tokens, the remembered device."""

    user_pool_id: str
    client_id: str
    username: str
    tokens: Tokens | None = field(default=None, repr=False)
    device: RememberedDevice | None = field(default=None, repr=False)
    endpoint_url: str | None = None


class SessionStore(Protocol):
    """Where sessions are kept: one per user pool, app client and username."""

    def load(
        self,
        user_pool_id: str | None = None,
        client_id: str | None = None,
        username: str | None = None,
    ) -> StoredSession | None:
        """The session saved last that matches every argument given, or ``None``."""

    def save(self, session: StoredSession) -> None:
        """Keep ``session``, replacing the one of the same pool, client and user."""

    def delete(self, user_pool_id: str, client_id: str, username: str) -> None:
        """Forget the session of this pool, client and user (nothing if there is none)."""


def _matches(
    session: StoredSession, user_pool_id: str | None, client_id: str | None, username: str | None
) -> bool:
    return (
        (user_pool_id is None or session.user_pool_id == user_pool_id)
        and (client_id is None or session.client_id == client_id)
        and (username is None or session.username == username)
    )


def _latest(
    sessions: Iterable[StoredSession],
    user_pool_id: str | None,
    client_id: str | None,
    username: str | None,
) -> StoredSession | None:
    # Sessions are kept in the order saved: the last match is the latest.
    found = [s for s in sessions if _matches(s, user_pool_id, client_id, username)]
    return found[-1] if found else None


def _key(session: StoredSession) -> tuple[str, str, str]:
    return (session.user_pool_id, session.client_id, session.username)


class MemorySessionStore:
    """Sessions in memory, for tests and processes that do not need them later."""

    def __init__(self) -> None:
        self._sessions: dict[tuple[str, str, str], StoredSession] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"MemorySessionStore(sessions={len(self._sessions)})"

    def load(
        self,
        user_pool_id: str | None = None,
        client_id: str | None = None,
        username: str | None = None,
    ) -> StoredSession | None:
        """The session saved last that matches every argument given, or ``None``."""
        with self._lock:
            return _latest(self._sessions.values(), user_pool_id, client_id, username)

    def save(self, session: StoredSession) -> None:
        """Keep ``session`` (it becomes the one saved last)."""
        with self._lock:
            self._sessions.pop(_key(session), None)
            self._sessions[_key(session)] = session

    def delete(self, user_pool_id: str, client_id: str, username: str) -> None:
        """Forget the session of this pool, client and user."""
        with self._lock:
            self._sessions.pop((user_pool_id, client_id, username), None)


def _to_json(session: StoredSession) -> dict[str, object]:
    entry: dict[str, object] = {
        "user_pool_id": session.user_pool_id,
        "client_id": session.client_id,
        "username": session.username,
        "endpoint_url": session.endpoint_url,
    }
    if session.tokens is not None:
        t = session.tokens
        entry["tokens"] = {
            "id_token": t.id_token,
            "access_token": t.access_token,
            "refresh_token": t.refresh_token,
            "expires_at": t.expires_at.isoformat(),
            "device_key": t.device_key,
        }
    if session.device is not None:
        entry["device"] = {
            "device_key": session.device.device_key,
            "device_group_key": session.device.device_group_key,
            "device_password": session.device.device_password,
        }
    return entry


def _opt(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _from_json(entry: dict[str, object]) -> StoredSession:
    raw_tokens = entry.get("tokens")
    tokens = None
    if isinstance(raw_tokens, dict):
        tokens = Tokens(
            id_token=str(raw_tokens["id_token"]),
            access_token=str(raw_tokens["access_token"]),
            refresh_token=_opt(raw_tokens.get("refresh_token")),
            expires_at=datetime.fromisoformat(str(raw_tokens["expires_at"])),
            device_key=_opt(raw_tokens.get("device_key")),
        )
    raw_device = entry.get("device")
    device = None
    if isinstance(raw_device, dict):
        device = RememberedDevice(
            device_key=str(raw_device["device_key"]),
            device_group_key=str(raw_device["device_group_key"]),
            device_password=str(raw_device["device_password"]),
        )
    return StoredSession(
        user_pool_id=str(entry["user_pool_id"]),
        client_id=str(entry["client_id"]),
        username=str(entry["username"]),
        endpoint_url=_opt(entry.get("endpoint_url")),
        tokens=tokens,
        device=device,
    )


class FileSessionStore:
    """Sessions in a JSON file only its owner may read (see the module docs).

    Every change rewrites the file whole, atomically. Loading a file that
    another user owns, that others may read, or that is a symlink is refused
    with :class:`PermissionError` (its message says what to do), and saving
    replaces such a file without reading it; a damaged one is refused with
    :class:`CognitoError` ("log in again").
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"FileSessionStore({str(self.path)!r})"

    def _read(self) -> list[StoredSession]:
        raw = read_private_file(self.path)
        if raw is None:
            return []
        try:
            data = json.loads(raw.decode("utf-8"))
            if not isinstance(data, dict) or data.get("format") != _FORMAT:
                raise ValueError("not a session file of this format")
            return [_from_json(entry) for entry in data["sessions"]]
        except (KeyError, TypeError, ValueError, UnicodeDecodeError):
            # Not chained: the cause could quote a token from the file.
            raise CognitoError(
                f"the session file {self.path} is damaged or of another format; delete it "
                "and log in again"
            ) from None

    def _read_to_replace(self) -> list[StoredSession]:
        # Before a write: a file refused for reading (a planted symlink or hard
        # link, another user's, one others may read) is replaced, not merged:
        # nothing in it is trusted, and the rename never writes through it.
        try:
            return self._read()
        except PermissionError:
            return []

    def _write(self, sessions: list[StoredSession]) -> None:
        data = {"format": _FORMAT, "sessions": [_to_json(s) for s in sessions]}
        write_private_file(self.path, json.dumps(data).encode("utf-8"))

    def load(
        self,
        user_pool_id: str | None = None,
        client_id: str | None = None,
        username: str | None = None,
    ) -> StoredSession | None:
        """The session saved last that matches every argument given, or ``None``."""
        with self._lock:
            return _latest(self._read(), user_pool_id, client_id, username)

    def save(self, session: StoredSession) -> None:
        """Keep ``session`` (it becomes the one saved last)."""
        with self._lock:
            kept = [s for s in self._read_to_replace() if _key(s) != _key(session)]
            self._write([*kept, session])

    def delete(self, user_pool_id: str, client_id: str, username: str) -> None:
        """Forget the session of this pool, client and user."""
        with self._lock:
            sessions = self._read_to_replace()
            kept = [s for s in sessions if _key(s) != (user_pool_id, client_id, username)]
            if len(kept) != len(sessions):
                self._write(kept)
