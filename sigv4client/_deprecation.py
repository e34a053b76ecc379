"""Deprecations: a renamed public name keeps working, with a warning, for one minor version.

When a public name changes, the old one stays for one minor version (CONTRIBUTING.md,
"Versioning") and raises :class:`DeprecationWarning` on use, naming the replacement
and the version that removes it. One helper per kind of rename:

- a function or method: ``old = renamed_function(new, "old", removed_in="0.3.0")``;
- a class, or any other module attribute: the module's PEP 562 ``__getattr__``
  built by :func:`renamed_attributes`. A class is never wrapped, so ``isinstance``
  and ``except`` see the very same class under both names;
- a keyword argument: ``@renamed_keyword("old", "new", removed_in="0.3.0")``.

Every warning points at the caller's line (``stacklevel``), where the fix is made.
A renamed module attribute, in a module's body::

    __getattr__ = renamed_attributes(__name__, {"OldName": Renamed("NewName", "0.3.0")})
"""

from __future__ import annotations

import functools
import inspect
import re
import sys
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import ParamSpec, TypeVar

__all__ = ["Renamed", "renamed_attributes", "renamed_function", "renamed_keyword", "warn_renamed"]

P = ParamSpec("P")
R = TypeVar("R")

_VERSION = re.compile(r"\d+\.\d+(\.\d+)?")


def _checked_version(removed_in: str) -> str:
    if not isinstance(removed_in, str) or _VERSION.fullmatch(removed_in) is None:
        raise ValueError(
            f"removed_in must be the release that drops the old name, like '0.3.0'; "
            f"got {removed_in!r}"
        )
    return removed_in


def warn_renamed(old: str, new: str, *, removed_in: str, stacklevel: int = 2) -> None:
    """Warn that ``old`` is deprecated in favour of ``new`` and goes in ``removed_in``.

    ``stacklevel`` counts as for :func:`warnings.warn` from the function that calls
    this one: the default 2 blames that function's caller.
    """
    _checked_version(removed_in)
    warnings.warn(
        f"{old} is deprecated and will be removed in sigv4client {removed_in}; use {new} instead",
        DeprecationWarning,
        stacklevel=stacklevel + 1,
    )


def _renamed_qualname(qualname: str, old_name: str) -> str:
    head, _, _ = qualname.rpartition(".")
    return f"{head}.{old_name}" if head else old_name


def renamed_function(new: Callable[P, R], old_name: str, *, removed_in: str) -> Callable[P, R]:
    """The function (or method) ``new`` under its old name, warning on each call.

    In a module or a class body::

        def sign_request(...): ...
        signRequest = renamed_function(sign_request, "signRequest", removed_in="0.3.0")

    The alias has ``new``'s signature (``inspect.signature`` follows ``__wrapped__``).
    For a coroutine function the alias returns its coroutine (and, on Python 3.12+,
    ``inspect.iscoroutinefunction`` says so).
    """
    _checked_version(removed_in)
    new_qualname = getattr(new, "__qualname__", getattr(new, "__name__", repr(new)))
    module = getattr(new, "__module__", None)
    prefix = f"{module}." if module else ""
    old_qualname = _renamed_qualname(new_qualname, old_name)
    old_ref, new_ref = f"{prefix}{old_qualname}", f"{prefix}{new_qualname}"

    @functools.wraps(new)
    def alias(*args: P.args, **kwargs: P.kwargs) -> R:
        # Warn on the call itself, not when a coroutine first runs: only the call
        # happens in the caller's frame.
        warn_renamed(old_ref, new_ref, removed_in=removed_in)
        return new(*args, **kwargs)

    mark = getattr(inspect, "markcoroutinefunction", None)  # Python 3.12+
    if mark is not None and inspect.iscoroutinefunction(new):
        alias = mark(alias)
    alias.__name__ = old_name
    alias.__qualname__ = old_qualname
    alias.__doc__ = f"Deprecated alias of :func:`{new_ref}`, removed in {removed_in}."
    return alias


@dataclass(frozen=True, slots=True)
class Renamed:
    """Where a renamed module attribute went: its new name in the same module."""

    new: str
    removed_in: str

    def __post_init__(self) -> None:
        _checked_version(self.removed_in)


def renamed_attributes(
    module: str,
    renamed: Mapping[str, Renamed],
    *,
    fallback: Callable[[str], object] | None = None,
) -> Callable[[str], object]:
    """A PEP 562 module ``__getattr__`` that serves old names with a warning.

    ``module`` is the module's ``__name__``; ``renamed`` maps each old name to its
    :class:`Renamed` entry. Other names go to ``fallback`` (a module that already
    has a lazy ``__getattr__`` passes it here), else raise :class:`AttributeError`.
    """
    table = dict(renamed)

    def __getattr__(name: str) -> object:
        entry = table.get(name)
        if entry is not None:
            warn_renamed(f"{module}.{name}", f"{module}.{entry.new}", removed_in=entry.removed_in)
            return getattr(sys.modules[module], entry.new)
        if fallback is not None:
            return fallback(name)
        raise AttributeError(f"module {module!r} has no attribute {name!r}")

    return __getattr__


def renamed_keyword(
    old: str, new: str, *, removed_in: str
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """A decorator: the keyword argument ``old`` is still accepted, as ``new``, with a warning.

    Passing both is a :class:`TypeError`, as for any argument given twice.
    """
    _checked_version(removed_in)

    def decorate(func: Callable[P, R]) -> Callable[P, R]:
        target = f"{func.__module__}.{func.__qualname__}()"

        @functools.wraps(func)
        def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
            if old in kwargs:
                if new in kwargs:
                    raise TypeError(
                        f"{target} got both {old}= (deprecated) and {new}=; pass only {new}="
                    )
                warn_renamed(f"the {old}= argument of {target}", f"{new}=", removed_in=removed_in)
                kwargs[new] = kwargs.pop(old)
            return func(*args, **kwargs)

        return wrapper

    return decorate
