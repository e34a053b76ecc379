"""Files only their owner may read: cached sessions and tokens.

Two operations, both refusing what another local user could have planted:

- :func:`write_private_file` writes through a fresh temp file (``O_EXCL``,
  ``O_NOFOLLOW``, mode 0600), then renames it over the target. A symlink or a
  file planted at any name is never written through; another process that
  holds the old file open never sees the new content; a temp file a killed
  writer left (it holds what was being written) is removed by the next write.
  A folder it creates is
  0700; an existing one is tightened to 0700 only if it holds nothing but
  that file (a project folder given as ``--cache ./session.json`` keeps its mode).
- :func:`read_private_file` reads a file that must be a regular file (not a
  symlink), owned by this user and readable by no one else.
- :func:`private_file_lock` holds, across processes, a lock for a
  read-modify-write of a file: an ``flock`` on ``.<name>.lock`` (0600) beside
  it, which no other user can open and so cannot hold (where the file
  system has no locks, the block runs unlocked).

Both refuse (:class:`PermissionError`) a folder that is a symlink (it could
point anywhere), one owned by another user, and one others can write: their
owner could read or swap whatever is written there. Both raise :class:`PermissionError`
with a message that says what to do, and :class:`OSError` for the rest.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
import sys
import time
from collections.abc import Iterator
from pathlib import Path

__all__ = ["private_file_lock", "read_private_file", "write_private_file"]

_DIR_MODE = 0o700
_FILE_MODE = 0o600
# O_NOFOLLOW and O_DIRECTORY are POSIX; where they are missing (Windows) the
# flag is 0 and the folder and owner checks below are what remains.
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
# A FIFO planted where a file is read would block the open forever.
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)


if sys.platform == "win32":

    def _lock_exclusive(fd: int) -> None:
        """Windows has no ``flock``: a read-modify-write there runs unlocked."""

else:
    import fcntl

    def _lock_exclusive(fd: int) -> None:
        # Blocks until the other holder closes its descriptor (or exits).
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError as exc:
            # A file system without locks (some NFS mounts): unlocked, as on Windows,
            # rather than no save at all.
            if exc.errno not in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS):
                raise


def _lock_name(name: str) -> str:
    return f".{name}.lock"


def _temp_name(name: str) -> str:
    """A fresh name for the temp file :func:`write_private_file` writes ``name`` through."""
    return f".{name}.{secrets.token_hex(8)}.tmp"


def _is_temp_of(entry: str, name: str) -> bool:
    """Whether ``entry`` is named as :func:`_temp_name` names the temp files of ``name``."""
    return entry.startswith(f".{name}.") and entry.endswith(".tmp")


def _euid() -> int | None:
    geteuid = getattr(os, "geteuid", None)
    return None if geteuid is None else int(geteuid())


def _check_owner(st: os.stat_result, path: Path, what: str) -> None:
    uid = _euid()
    if uid is not None and st.st_uid != uid:
        raise PermissionError(
            f"the {what} {str(path)!r} belongs to user id {st.st_uid}, not to you "
            f"(user id {uid}); its owner could read or replace what is written there. "
            "Remove it, or choose another location"
        )


def _symlinked(folder: Path) -> PermissionError:
    return PermissionError(
        f"the folder {str(folder)!r} is a symlink; a private file is kept only in a real "
        "folder, or the link could send it anywhere. Remove the link, or choose another "
        "location"
    )


def _open_dir(folder: Path) -> tuple[int, os.stat_result]:
    """A descriptor of ``folder`` itself (never through a symlink) and its status."""
    try:
        fd = os.open(folder, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC)
    except OSError:
        if folder.is_symlink():
            raise _symlinked(folder) from None
        raise
    st = os.fstat(fd)
    if not stat.S_ISDIR(st.st_mode):
        os.close(fd)
        raise NotADirectoryError(f"{str(folder)!r} is not a folder")
    if folder.is_symlink():  # where O_NOFOLLOW is missing
        os.close(fd)
        raise _symlinked(folder)
    return fd, st


def _others_can_write(st: os.stat_result, folder: Path) -> PermissionError:
    return PermissionError(
        f"others can write to the folder {str(folder)!r} (mode "
        f"{stat.S_IMODE(st.st_mode):o}): they could replace a private file there. Run "
        f"'chmod go-w {folder}', or choose a location in a folder only you can write"
    )


def _only_ours(fd: int, name: str) -> bool:
    # The cache itself, its lock, and temp files left by an interrupted write of it.
    return all(
        entry in (name, _lock_name(name)) or _is_temp_of(entry, name) for entry in os.listdir(fd)
    )


def _open_private_dir(folder: Path, name: str) -> int:
    """A checked descriptor of ``folder``, made 0700 if created here.

    An existing folder is tightened to 0700 only if it holds nothing but the
    file ``name`` (a project folder keeps its mode); otherwise one that others
    can write is refused.
    """
    created = not os.path.lexists(folder)
    folder.mkdir(parents=True, exist_ok=True, mode=_DIR_MODE)
    fd, st = _open_dir(folder)
    try:
        _check_owner(st, folder, "folder")
        if stat.S_IMODE(st.st_mode) != _DIR_MODE and (created or _only_ours(fd, name)):
            # On the descriptor: the folder checked is the folder changed.
            os.fchmod(fd, _DIR_MODE)
        elif st.st_mode & 0o022:
            raise _others_can_write(st, folder)
    except BaseException:
        os.close(fd)
        raise
    return fd


def write_private_file(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` readable by its owner only, atomically.

    The folder is created (or tightened) to mode 0700; the data goes to a new
    temp file beside ``path`` (0600, ``O_EXCL | O_NOFOLLOW``), is flushed to
    disk, and the temp file is renamed over ``path`` (which replaces a symlink
    there rather than following it).
    """
    dir_fd = _open_private_dir(path.parent, path.name)
    try:
        tmp = _temp_name(path.name)
        fd = os.open(
            tmp,
            os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC,
            _FILE_MODE,
            dir_fd=dir_fd,
        )
        try:
            with os.fdopen(fd, "wb") as f:
                # 0600 whatever the umask (the mode of os.open is masked by it).
                os.fchmod(f.fileno(), _FILE_MODE)
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path.name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp, dir_fd=dir_fd)
            raise
        _sweep_stale_temps(dir_fd, path.name)
    finally:
        os.close(dir_fd)


# A temp file this old was left by a writer that died between writing and
# renaming it (a write takes milliseconds): another writer's is never this old.
_STALE_TEMP_SECONDS = 600


def _sweep_stale_temps(dir_fd: int, name: str) -> None:
    """Remove temp files of ``name`` that a killed writer left behind.

    They hold what was being written (tokens), which a later save or sign-out
    must not leave on disk. Only regular files of this user, older than
    :data:`_STALE_TEMP_SECONDS`, named as :func:`write_private_file` names them.
    """
    now = time.time()
    uid = _euid()
    for entry in os.listdir(dir_fd):
        if not _is_temp_of(entry, name):
            continue
        with contextlib.suppress(OSError):
            st = os.stat(entry, dir_fd=dir_fd, follow_symlinks=False)
            if (
                stat.S_ISREG(st.st_mode)
                and (uid is None or st.st_uid == uid)
                and now - st.st_mtime > _STALE_TEMP_SECONDS
            ):
                os.unlink(entry, dir_fd=dir_fd)


@contextlib.contextmanager
def private_file_lock(path: Path) -> Iterator[None]:
    """Hold the lock of ``path`` across processes while the block runs.

    For a read-modify-write of ``path``: two processes that each read the
    file, add their change and write it back would otherwise keep only the
    change written last. The lock is an ``flock`` on ``.<name>.lock`` beside
    ``path`` (0600, in a folder checked and created as :func:`write_private_file`
    does): a file no other user can open, so no other user can hold the lock
    and stall the writer. It is released when the block ends, or when the
    process dies. (Windows has no ``flock``: there the block runs unlocked.)
    """
    dir_fd = _open_private_dir(path.parent, path.name)
    try:
        fd = os.open(
            _lock_name(path.name),
            os.O_RDWR | os.O_CREAT | _NOFOLLOW | _CLOEXEC,
            _FILE_MODE,
            dir_fd=dir_fd,
        )
    finally:
        os.close(dir_fd)
    try:
        st = os.fstat(fd)
        lock_path = path.with_name(_lock_name(path.name))
        if not stat.S_ISREG(st.st_mode):
            raise PermissionError(f"{str(lock_path)!r} is not a regular file; remove it")
        _check_owner(st, lock_path, "lock file")
        _lock_exclusive(fd)
        yield
    finally:
        os.close(fd)


def read_private_file(path: Path) -> bytes | None:
    """The content of ``path``, or ``None`` if there is no such file.

    Refused with :class:`PermissionError`: a symlink, something other than a
    regular file, a file owned by another user, or one that others may read or
    write (the message gives the ``chmod`` that fixes it).
    """
    # The folder as the writer checks it: not a symlink, and not one others
    # can write (they could have put the file there); the file is opened in it.
    try:
        dir_fd, dir_st = _open_dir(path.parent)
    except FileNotFoundError:
        return None
    try:
        _check_owner(dir_st, path.parent, "folder")
        if dir_st.st_mode & 0o022:
            raise _others_can_write(dir_st, path.parent)
        fd = os.open(path.name, os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _CLOEXEC, dir_fd=dir_fd)
    except FileNotFoundError:
        return None
    except PermissionError:
        raise
    except OSError:
        if path.is_symlink():
            raise PermissionError(
                f"{str(path)!r} is a symlink; a private file is read only from a regular "
                "file. Remove the link and log in again"
            ) from None
        raise
    finally:
        os.close(dir_fd)
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise PermissionError(f"{str(path)!r} is not a regular file; remove it")
        _check_owner(st, path, "file")
        if st.st_mode & 0o077:
            raise PermissionError(
                f"{path} is readable by others; run 'chmod 600 {path}' or log in again"
            )
        return f.read()
