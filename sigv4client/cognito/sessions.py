"""Sessions that outlive the process: where a user's tokens (and remembered device) are kept.

A :class:`SessionStore` keeps one :class:`StoredSession` per user pool, app
client and user; :meth:`SessionStore.load` without a username gives the one
saved last (Amplify's "current user"). Two stores come with the library:

- :class:`FileSessionStore` (``path``): a JSON file only its owner may read
  (0600 in a 0700 folder, or on Windows what the folder's ACL allows; written
  atomically through a fresh temp file and a rename, never through a planted
  symlink: :mod:`sigv4client._private_files`);
- :class:`MemorySessionStore`: a dict, for tests and short-lived processes;
- :class:`KeyringSessionStore` (the ``keyring`` extra): the system's keyring
  (macOS Keychain, Windows Credential Manager, the Secret Service on Linux).

A :class:`~sigv4client.cognito.CognitoUser` given ``session_store=`` saves
its session after every login and refresh and forgets it on sign-out;
:meth:`CognitoUser.restore` brings it back in another process.

>>> from sigv4client.cognito import MemorySessionStore
>>> store = MemorySessionStore()
>>> store.load("us-east-1_AbC123", "client") is None
True
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, TypeVar

from .._private_files import (
    MAX_FILE_BYTES,
    STALE_TEMP_SECONDS,
    FileTooLargeError,
    private_file_lock,
    read_private_file,
    write_private_file,
)
from ..exceptions import InvalidConfigError, SessionStoreError
from ._errors import redact
from .srp import utc_now
from .tokens import Tokens

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

__all__ = [
    "FileSessionStore",
    "KeyringSessionStore",
    "MemorySessionStore",
    "RememberedDevice",
    "SessionStore",
    "StoredSession",
]

_FORMAT = 1
_SWEEP_EVERY = timedelta(seconds=STALE_TEMP_SECONDS)


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
    key: tuple[str, str, str], user_pool_id: str | None, client_id: str | None, username: str | None
) -> bool:
    wanted = (user_pool_id, client_id, username)
    return all(w is None or w == k for w, k in zip(wanted, key, strict=True))


def _latest(
    sessions: Iterable[StoredSession],
    user_pool_id: str | None,
    client_id: str | None,
    username: str | None,
) -> StoredSession | None:
    # Sessions are kept in the order saved: the last match is the latest.
    found = [s for s in sessions if _matches(_key(s), user_pool_id, client_id, username)]
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


# What a damaged entry raises while it is read back (RecursionError: JSON
# nested deeper than the parser's recursion limit).
_DAMAGED = (AttributeError, KeyError, RecursionError, TypeError, ValueError)


def _decode(raw: bytes | str, damaged: str) -> object:
    """``raw`` as JSON, or :class:`SessionStoreError` with ``damaged`` as its message."""
    try:
        return json.loads(raw)
    except _DAMAGED:
        pass
    # Raised here, outside the handler: neither chained nor carrying the
    # parser's error as its context, which could quote a token.
    raise SessionStoreError(damaged)


def _opt(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _text(value: object) -> str:
    """A string member of an entry; anything else is damage (not its ``str()``)."""
    if not isinstance(value, str):
        raise TypeError("a session member that must be a string is not one")
    return value


def _from_json(entry: dict[str, object]) -> StoredSession:
    raw_tokens = entry.get("tokens")
    tokens = None
    if isinstance(raw_tokens, dict):
        tokens = Tokens(
            id_token=_text(raw_tokens["id_token"]),
            access_token=_text(raw_tokens["access_token"]),
            refresh_token=_opt(raw_tokens.get("refresh_token")),
            expires_at=datetime.fromisoformat(_text(raw_tokens["expires_at"])),
            device_key=_opt(raw_tokens.get("device_key")),
        )
    raw_device = entry.get("device")
    device = None
    if isinstance(raw_device, dict):
        device = RememberedDevice(
            device_key=_text(raw_device["device_key"]),
            device_group_key=_text(raw_device["device_group_key"]),
            device_password=_text(raw_device["device_password"]),
        )
    return StoredSession(
        user_pool_id=_text(entry["user_pool_id"]),
        client_id=_text(entry["client_id"]),
        username=_text(entry["username"]),
        endpoint_url=_opt(entry.get("endpoint_url")),
        tokens=tokens,
        device=device,
    )


class FileSessionStore:
    """Sessions in a JSON file only its owner may read (see the module docs).

    Every change rewrites the file whole, atomically, holding an ``flock``
    on ``.<name>.lock`` beside it: processes (or stores) saving at the same
    time keep each other's sessions (except on Windows). Loading a file that
    another user owns, that others may read, or that is a symlink is refused
    with :class:`PermissionError` (its message says what to do), and saving
    replaces such a file without reading it; a damaged one is refused with
    :class:`~sigv4client.exceptions.SessionStoreError` ("log in again"), as is
    one of more than 1 MiB (none of it is read: a file this store writes is
    never that large, and a save that would make it so is refused).

    A writer killed between writing its temp file and renaming it leaves the
    tokens it was writing beside the file. The store's first save, and every
    sign-out (:meth:`delete`), removes such temp files ten minutes old or more;
    later saves do so again once ten minutes have passed since, not at every
    save (each sweep reads the whole folder, which can be large). ``clock``
    (an aware ``datetime``, default the system's) tells when ten minutes have
    passed; a temp file's age is read on the file system's clock, which
    stamped it, so a clock set wrong never removes another writer's temp
    file mid-save.
    """

    def __init__(self, path: str | Path, *, clock: Callable[[], datetime] | None = None) -> None:
        self.path = Path(path)
        self._clock: Callable[[], datetime] = clock if clock is not None else utc_now
        self._lock = threading.Lock()
        # When this store last removed stale temp files (None: not yet).
        self._swept_at: datetime | None = None

    def __repr__(self) -> str:
        return f"FileSessionStore({str(self.path)!r})"

    def _read(self) -> list[StoredSession]:
        try:
            raw = read_private_file(self.path)
        except FileTooLargeError:
            raise SessionStoreError(
                f"the session file {self.path} holds more than {MAX_FILE_BYTES} bytes, far "
                "more than sessions take: sigv4client did not write it (is it the file you "
                "meant?). None of it was read; move it away or delete it, then log in again"
            ) from None
        if raw is None:
            return []
        damaged = (
            f"the session file {self.path} is damaged or of another format; delete it "
            "and log in again"
        )
        return _decode_sessions(raw, "sessions", damaged)

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
        now = self._clock()
        # A temp file is removed once STALE_TEMP_SECONDS old: a sweep sooner
        # than that after the last would read the whole folder to find at
        # most those that came of age in between. They wait for the next.
        last = self._swept_at
        sweep = last is None or not (last <= now < last + _SWEEP_EVERY)
        try:
            write_private_file(self.path, json.dumps(data).encode("utf-8"), sweep=sweep)
        except FileTooLargeError:
            raise SessionStoreError(
                f"the sessions to keep in {self.path} would take more than {MAX_FILE_BYTES} "
                "bytes, the most a session file holds; nothing was written. Sign out the users "
                "no longer needed, or keep some users' sessions in another file"
            ) from None
        if sweep:
            self._swept_at = now

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
        # The file's lock, not only this store's: another process (or another
        # store of the same file) saving at the same time would otherwise
        # write back what it read before this save, and lose this session.
        with self._lock, private_file_lock(self.path):
            kept = [s for s in self._read_to_replace() if _key(s) != _key(session)]
            self._write([*kept, session])

    def delete(self, user_pool_id: str, client_id: str, username: str) -> None:
        """Forget the session of this pool, client and user."""
        key = (user_pool_id, client_id, username)
        with self._lock:
            # Checked first, unlocked: deleting what is not there creates no
            # folder or lock file.
            if all(_key(s) != key for s in self._read_to_replace()):
                return
            with private_file_lock(self.path):
                sessions = self._read_to_replace()
                kept = [s for s in sessions if _key(s) != key]
                if len(kept) != len(sessions):
                    # A sign-out sweeps however recent the last sweep: it is
                    # where tokens left on disk matter most.
                    self._swept_at = None
                    self._write(kept)


def _decode_sessions(raw: bytes | str, member: str, damaged: str) -> list[StoredSession]:
    """The sessions in ``raw`` (``{"format": 1, member: ...}``: a list, or one session).

    Anything else raises :class:`SessionStoreError` with ``damaged``, neither
    chained nor with a context: the parser's error could quote a token.
    """
    data = _decode(raw, damaged)
    sessions: list[StoredSession] | None = None
    if isinstance(data, dict) and data.get("format") == _FORMAT:
        entries = data.get(member)
        try:
            if isinstance(entries, list):
                sessions = [_from_json(entry) for entry in entries]
            elif isinstance(entries, dict):
                sessions = [_from_json(entries)]
        except _DAMAGED:
            sessions = None
    if sessions is None:
        raise SessionStoreError(damaged)
    return sessions


# -- the keyring ---------------------------------------------------------------

_T = TypeVar("_T")

#: The keyring entry (under the store's service name) that lists the sessions
#: kept, in the order saved. Holds no secret: pools, clients and usernames.
_INDEX_ENTRY = "sessions"

_KEYRING_HELP = (
    "unlock the keyring, or choose a backend that works here "
    "(`keyring --list-backends`; https://pypi.org/project/keyring/#configuring), "
    "or keep sessions in a FileSessionStore"
)


def _import_keyring() -> None:
    try:
        import keyring  # noqa: F401  (only to say what is missing)
    except ImportError as exc:
        raise ImportError(
            "KeyringSessionStore needs keyring, which is not installed: "
            'pip install "sigv4client[keyring]"'
        ) from exc


def _entry_name(key: tuple[str, str, str]) -> str:
    """``pool/client/user``, each part with ``%``, ``/`` and ``#`` escaped: one name per key.

    (``#`` is the separator of an entry's parts: ``<name>#1``, ``<name>#2``...)
    """
    escaped = (p.replace("%", "%25").replace("/", "%2F").replace("#", "%23") for p in key)
    return "/".join(escaped)


#: Windows Credential Manager keeps at most 2,560 bytes per entry
#: (CRED_MAX_CREDENTIAL_BLOB_SIZE), written as UTF-16: 1,280 ASCII characters,
#: fewer than a Cognito session's three tokens. keyring's backend for it
#: (WinVaultKeyring, alone or inside keyring's chainer) passes the value
#: through, and CredWrite refuses it. Values are split below this size there.
_PART_SIZES = {"WinVaultKeyring": 1024}
#: More parts than a session (or a list of sessions) ever needs.
_MAX_PARTS = 64


def _part_size(backend: KeyringBackend) -> int | None:
    """The largest value ``backend`` keeps in one entry, if it has a known limit."""
    backends = [backend, *getattr(backend, "backends", ())]  # keyring's ChainerBackend
    sizes = [_PART_SIZES[type(b).__name__] for b in backends if type(b).__name__ in _PART_SIZES]
    return min(sizes) if sizes else None


def _split_head(raw: str) -> tuple[int, str] | None:
    """The number of parts and their SHA-256 if ``raw`` is a split value's head entry."""
    if not raw.startswith('{"parts"'):
        return None
    try:
        head = json.loads(raw)
    except ValueError:
        return None
    if not isinstance(head, dict) or head.keys() != {"parts", "sha256", "format"}:
        return None
    parts, digest = head["parts"], head["sha256"]
    if head["format"] != _FORMAT or not isinstance(digest, str):
        return None
    # Bounded: a damaged head must not send the store reading millions of entries.
    if not isinstance(parts, int) or not 1 < parts <= _MAX_PARTS:
        return None
    return parts, digest


class KeyringSessionStore:
    """Sessions in the system's keyring, through the ``keyring`` package (the ``keyring`` extra).

    Each session is one keyring entry under ``service`` (default
    ``"sigv4client"``), named ``<user pool>/<app client>/<username>`` (``%``,
    ``/`` and ``#`` in a part written ``%25``, ``%2F``, ``%23``), holding the
    same JSON as a session in a :class:`FileSessionStore`. One more entry,
    ``sessions``, lists which sessions are kept and in which order, so that
    :meth:`load` can find the one saved last; it holds no secret.

    Windows Credential Manager keeps at most 2,560 bytes per entry, less than
    a session: there a value is written in parts (``<name>#1``, ``<name>#2``...),
    and the entry ``<name>`` holds their number and SHA-256, checked when they
    are read back together.

    ``keyring=`` takes a :class:`keyring.backend.KeyringBackend` to use
    instead of the system's default (``keyring.get_keyring()``, resolved on
    first use). A backend that fails (a locked keyring, no backend available)
    raises :class:`~sigv4client.exceptions.SessionStoreError`, as does a
    damaged entry; their messages say what to do and quote no secret. Without
    the ``keyring`` package installed, building the store raises
    :class:`ImportError` naming the extra.
    """

    def __init__(
        self, service: str = "sigv4client", *, keyring: KeyringBackend | None = None
    ) -> None:
        _import_keyring()
        from keyring.backend import KeyringBackend

        if not isinstance(service, str) or not service:
            raise InvalidConfigError(
                f"service must be a non-empty name for the keyring entries, not {service!r}"
            )
        if keyring is not None and not isinstance(keyring, KeyringBackend):
            raise InvalidConfigError(
                "keyring must be a keyring.backend.KeyringBackend (such as "
                f"keyring.get_keyring()), not {type(keyring).__name__}"
            )
        self.service = service
        self._backend = keyring
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        backend = "default" if self._backend is None else type(self._backend).__name__
        return f"KeyringSessionStore(service={self.service!r}, keyring={backend})"

    # -- the backend calls: each failure becomes a SessionStoreError ---------------

    def _call(self, what: str, call: Callable[[KeyringBackend], _T], secrets: Iterable[str]) -> _T:
        import keyring
        from keyring.errors import KeyringError

        backend_name = "the default backend"
        try:
            backend = self._backend if self._backend is not None else keyring.get_keyring()
            backend_name = type(backend).__name__
            return call(backend)
        except KeyringError as exc:
            # The backend's words, with whatever secret was being written cut out.
            detail = f"{type(exc).__name__}: {redact(str(exc), secrets)}"
        # Raised outside the handler: the backend's own error is neither the
        # cause nor the context, so nothing it quoted is kept.
        raise SessionStoreError(
            f"the keyring ({backend_name}, service {self.service!r}) could not {what} ({detail}); "
            + _KEYRING_HELP
        )

    def _get(self, entry: str) -> str | None:
        return self._call(
            f"read the entry {entry!r}", lambda b: b.get_password(self.service, entry), ()
        )

    def _set(self, entry: str, value: str, secrets: Iterable[str]) -> None:
        self._call(
            f"write the entry {entry!r}",
            lambda b: b.set_password(self.service, entry, value),
            (value, *secrets),
        )

    def _remove(self, entry: str) -> None:
        if self._get(entry) is not None:  # deleting what is not there is an error in keyring
            self._call(
                f"delete the entry {entry!r}",
                lambda b: b.delete_password(self.service, entry),
                (),
            )

    # -- a value, in one entry or in parts --------------------------------------------

    def _parts_of(self, entry: str) -> int:
        """How many parts the value now in ``entry`` was written in (0: none)."""
        raw = self._get(entry)
        head = _split_head(raw) if raw is not None else None
        return head[0] if head is not None else 0

    def _read_value(self, entry: str) -> str | None:
        raw = self._get(entry)
        head = _split_head(raw) if raw is not None else None
        if raw is None or head is None:
            return raw
        count, digest = head
        value = "".join(self._get(f"{entry}#{n}") or "" for n in range(1, count + 1))
        # A part missing, or left by another save (one that stopped half-way).
        if hashlib.sha256(value.encode()).hexdigest() != digest:
            raise SessionStoreError(self._damaged(entry))
        return value

    def _write_value(self, entry: str, value: str, secrets: Iterable[str]) -> None:
        size = self._call(f"write the entry {entry!r}", _part_size, ())
        before = self._parts_of(entry)
        if size is None or len(value) <= size:
            self._set(entry, value, secrets)
            count = 0
        else:
            parts = [value[i : i + size] for i in range(0, len(value), size)]
            count = len(parts)
            for n, part in enumerate(parts, 1):
                self._set(f"{entry}#{n}", part, secrets)
            digest = hashlib.sha256(value.encode()).hexdigest()
            # The head last: until it is written, the value read back is the old one.
            head = {"parts": count, "sha256": digest, "format": _FORMAT}
            self._set(entry, json.dumps(head), ())
        for n in range(count + 1, before + 1):
            self._remove(f"{entry}#{n}")

    def _remove_value(self, entry: str) -> None:
        count = self._parts_of(entry)
        self._remove(entry)
        for n in range(1, count + 1):
            self._remove(f"{entry}#{n}")

    # -- the list of sessions, and one session ------------------------------------

    def _damaged(self, entry: str) -> str:
        return (
            f"the keyring entry {entry!r} (service {self.service!r}) is damaged or of another "
            f"format; delete it (keyring del {self.service} {entry}, and any {entry}#<n>) "
            "and log in again"
        )

    def _index(self) -> list[tuple[str, str, str]]:
        raw = self._read_value(_INDEX_ENTRY)
        if raw is None:
            return []
        data = _decode(raw, self._damaged(_INDEX_ENTRY))
        keys: list[tuple[str, str, str]] = []
        if (
            isinstance(data, dict)
            and data.get("format") == _FORMAT
            and isinstance(data.get("sessions"), list)
        ):
            for item in data["sessions"]:
                if not (
                    isinstance(item, list)
                    and len(item) == 3
                    and all(isinstance(part, str) for part in item)
                ):
                    break
                keys.append((item[0], item[1], item[2]))
            else:
                return keys
        raise SessionStoreError(self._damaged(_INDEX_ENTRY))

    def _write_index(self, keys: list[tuple[str, str, str]]) -> None:
        if keys:
            value = json.dumps({"format": _FORMAT, "sessions": [list(k) for k in keys]})
            self._write_value(_INDEX_ENTRY, value, ())
        else:
            self._remove_value(_INDEX_ENTRY)

    def _read(self, key: tuple[str, str, str]) -> StoredSession | None:
        entry = _entry_name(key)
        raw = self._read_value(entry)
        if raw is None:
            return None
        damaged = self._damaged(entry)
        (session,) = _decode_sessions(raw, "session", damaged)
        if _key(session) != key:  # an entry moved or written by hand
            raise SessionStoreError(damaged)
        return session

    def load(
        self,
        user_pool_id: str | None = None,
        client_id: str | None = None,
        username: str | None = None,
    ) -> StoredSession | None:
        """The session saved last that matches every argument given, or ``None``.

        With all three given, the session's own entry is read, whatever the
        list of sessions says.
        """
        with self._lock:
            if user_pool_id is not None and client_id is not None and username is not None:
                return self._read((user_pool_id, client_id, username))
            for key in reversed(self._index()):
                if _matches(key, user_pool_id, client_id, username):
                    session = self._read(key)
                    if session is not None:  # else deleted outside this store: skip it
                        return session
            return None

    def save(self, session: StoredSession) -> None:
        """Keep ``session`` (it becomes the one saved last)."""
        entry = json.dumps({"format": _FORMAT, "session": _to_json(session)})
        secrets = _secrets_of(session)
        with self._lock:
            # The list first: a damaged one stops the save before anything is written.
            keys = [k for k in self._index() if k != _key(session)]
            self._write_value(_entry_name(_key(session)), entry, secrets)
            self._write_index([*keys, _key(session)])

    def delete(self, user_pool_id: str, client_id: str, username: str) -> None:
        """Forget the session of this pool, client and user."""
        key = (user_pool_id, client_id, username)
        with self._lock:
            keys = self._index()
            self._remove_value(_entry_name(key))
            if key in keys:
                self._write_index([k for k in keys if k != key])


def _secrets_of(session: StoredSession) -> tuple[str, ...]:
    found: list[str | None] = []
    if session.tokens is not None:
        t = session.tokens
        found += [t.id_token, t.access_token, t.refresh_token]
    if session.device is not None:
        found.append(session.device.device_password)
    return tuple(s for s in found if s)
