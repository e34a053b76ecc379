"""Patterns of the IAM policy language: wildcards, policy variables and ARNs.

A policy string is read as tokens: literal text, the wildcards ``*`` (any run of
characters) and ``?`` (one character), and policy variables ``${key}`` (or
``${key, 'default'}``) replaced by the request's value for ``key``. The
variables ``${*}``, ``${?}`` and ``${$}`` stand for the literal characters
(IAM: "Special characters"). Policy variables are read only in documents whose
``Version`` is ``2012-10-17``; elsewhere ``${...}`` is literal text.
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = [
    "PolicyError",
    "action_matches",
    "arn_matches",
    "compile_pattern",
    "split_arn",
    "unresolved",
]

from ...exceptions import InvalidConfigError


class PolicyError(InvalidConfigError):
    """A policy document the evaluator cannot read; the message names the element to fix.

    Nothing unknown is ignored: an unread element could widen what a policy allows.
    """


#: Resolves one policy variable (its key, lower-cased) to its value, or None if absent.
Resolve = Callable[[str], str | None]

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_DEFAULT = re.compile(r"^\s*([^,]+?)\s*,\s*'([^']*)'\s*$")
_LITERALS = {"*": "*", "?": "?", "$": "$"}


def _tokens(text: str, variables: bool) -> list[tuple[str, str]]:
    # ("lit", text) | ("var", inner): variables are found before wildcards, so the
    # ':' inside ${aws:username} is never an ARN field boundary.
    out: list[tuple[str, str]] = []
    pos = 0
    if variables:
        for m in _VARIABLE.finditer(text):
            if m.start() > pos:
                out.append(("lit", text[pos : m.start()]))
            out.append(("var", m.group(1)))
            pos = m.end()
    if pos < len(text):
        out.append(("lit", text[pos:]))
    return out


def _resolve_variable(inner: str, resolve: Resolve) -> str | None:
    if inner in _LITERALS:
        return _LITERALS[inner]
    m = _DEFAULT.match(inner)
    key, default = (m.group(1), m.group(2)) if m else (inner.strip(), None)
    if not key:
        raise PolicyError("an empty policy variable ${} cannot be read; name a context key")
    value = resolve(key.lower())
    return default if value is None else value


def unresolved(text: str, resolve: Resolve) -> bool:
    """Whether a policy variable of ``text`` has no value in the request (and no default).

    IAM ("Variables and tags"): a variable AWS cannot resolve may make the whole
    statement invalid, whatever operator or element reads it.
    """
    return any(
        kind == "var" and _resolve_variable(value, resolve) is None
        for kind, value in _tokens(text, variables=True)
    )


def compile_pattern(
    text: str, resolve: Resolve, *, wildcards: bool, variables: bool, ignore_case: bool = False
) -> re.Pattern[str] | None:
    """A regular expression for one policy string; None when a variable has no value.

    IAM: a variable with no value in the request (and no default) makes the
    element match nothing.
    """
    parts: list[str] = []
    for kind, value in _tokens(text, variables):
        if kind == "var":
            resolved = _resolve_variable(value, resolve)
            if resolved is None:
                return None
            parts.append(re.escape(resolved))  # a substituted value is never a wildcard
            continue
        for ch in value:
            if wildcards and ch == "*":
                parts.append(".*")
            elif wildcards and ch == "?":
                parts.append(".")
            else:
                parts.append(re.escape(ch))
    return re.compile("".join(parts), re.DOTALL | (re.IGNORECASE if ignore_case else 0))


def split_arn(text: str, variables: bool) -> list[str] | None:
    """An ARN's six fields (the last may hold ':'), splitting outside variables only."""
    fields: list[str] = [""]
    for kind, value in _tokens(text, variables):
        if kind == "var":
            fields[-1] += "${" + value + "}"
            continue
        for ch in value:
            if ch == ":" and len(fields) < 6:
                fields.append("")
            else:
                fields[-1] += ch
    if fields[0] != "arn" or len(fields) < 2:
        return None
    if len(fields) < 6 and fields[-1] == "*":
        # "arn:aws:execute-api:*": a trailing '*' field stands for every field left.
        fields += ["*"] * (6 - len(fields))
    return fields if len(fields) == 6 else None


def arn_matches(pattern: str, arn: str, resolve: Resolve, *, variables: bool) -> bool:
    """IAM's ARN match: each of the six fields on its own, so ``*`` and ``?`` never
    cross a ``:`` except in the last (resource) field, which may itself hold ``:``.
    """
    if pattern == "*":
        return True
    pattern_fields = split_arn(pattern, variables)
    arn_fields = arn.split(":", 5)
    if pattern_fields is None or len(arn_fields) != 6:
        return False
    for p, value in zip(pattern_fields, arn_fields, strict=True):
        compiled = compile_pattern(p, resolve, wildcards=True, variables=variables)
        if compiled is None or not compiled.fullmatch(value):
            return False
    return True


def action_matches(pattern: str, action: str) -> bool:
    """``service:Action`` matched case-insensitively, with ``*`` and ``?``."""
    compiled = compile_pattern(
        pattern, lambda _k: None, wildcards=True, variables=False, ignore_case=True
    )
    return compiled is not None and compiled.fullmatch(action) is not None
