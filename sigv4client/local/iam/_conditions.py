"""The ``Condition`` element: IAM's condition operators over a request context.

IAM ("IAM JSON policy elements: Condition operators"; "Conditions with multiple
context keys or values"):

- operators in one block, and keys under one operator, are ANDed; the values
  of one key are ORed, and NORed for a negated operator (``StringNotEquals``…);
- a key absent from the request makes a condition false, or true for a negated
  operator; ``…IfExists`` makes it true; ``Null`` tests presence itself;
- ``ForAnyValue:`` holds when any request value matches (false when the key is
  absent), ``ForAllValues:`` when every one does (true when absent or empty).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation

from ._match import PolicyError, Resolve, arn_matches, compile_pattern

__all__ = ["Condition", "parse_conditions"]

#: A per-value predicate: (request value, one policy value, resolve) -> matches.
_Match = Callable[[str, str, Resolve, bool], bool]


def _number(text: str, what: str | None) -> Decimal:
    # what=None: a request-context value, never echoed (a context may carry what
    # a caller should not see in an error).
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        number = None
    # Decimal also reads "NaN" and "Infinity": no number IAM compares, and NaN
    # cannot be ordered at all. Refused like any other text that is no number.
    if number is None or not number.is_finite():
        shown = "a request-context value" if what is None else f"{what}: {text!r}"
        raise PolicyError(f"{shown} is not a number")
    return number


def _date(text: str, what: str | None) -> datetime:
    raw = text.strip()
    try:
        if raw.lstrip("-").replace(".", "", 1).isdigit():
            return datetime.fromtimestamp(float(raw), timezone.utc)  # epoch (aws:EpochTime)
        parsed: datetime | None = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except (ValueError, OverflowError):
        parsed = None
    if parsed is None:
        shown = "a request-context value" if what is None else f"{what}: {text!r}"
        raise PolicyError(
            f"{shown} is not a date; write ISO 8601 (2026-01-31T00:00:00Z) or epoch seconds"
        )
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def _string(
    actual: str, value: str, resolve: Resolve, variables: bool, *, like: bool, ignore_case: bool
) -> bool:
    pattern = compile_pattern(
        value, resolve, wildcards=like, variables=variables, ignore_case=ignore_case
    )
    return pattern is not None and pattern.fullmatch(actual) is not None


def _compare(kind: str, cmp: str) -> _Match:
    def match(actual: str, value: str, _resolve: Resolve, _variables: bool) -> bool:
        a: Decimal | datetime
        b: Decimal | datetime
        parse = _number if kind == "Numeric" else _date
        a = parse(actual, None)
        b = parse(value, "policy value")
        return {
            "Equals": a == b,
            "LessThan": a < b,  # type: ignore[operator]  # same type on both sides
            "LessThanEquals": a <= b,  # type: ignore[operator]
            "GreaterThan": a > b,  # type: ignore[operator]
            "GreaterThanEquals": a >= b,  # type: ignore[operator]
        }[cmp]

    return match


def _bool(actual: str, value: str, _resolve: Resolve, _variables: bool) -> bool:
    return actual.strip().lower() == value.strip().lower()


def _ip_match(actual: str, value: str, _resolve: Resolve, _variables: bool) -> bool:
    try:
        ip = ipaddress.ip_address(actual.strip())
    except ValueError:
        return False  # a request value that is no address is in no range
    network = ipaddress.ip_network(value.strip(), strict=False)
    # ::ffff:10.0.0.1 is the IPv4 client 10.0.0.1 as a dual-stack socket shows it:
    # AWS sees the IPv4 address, so it is in the IPv4 ranges (and in its own).
    mapped = ip.ipv4_mapped if isinstance(ip, ipaddress.IPv6Address) else None
    return ip in network or (mapped is not None and mapped in network)


def _arn(actual: str, value: str, resolve: Resolve, variables: bool) -> bool:
    return arn_matches(value, actual, resolve, variables=variables)


# Positive operators; each negated one is the NOR of its positive twin.
_POSITIVE: dict[str, _Match] = {
    "StringEquals": lambda a, v, r, x: _string(a, v, r, x, like=False, ignore_case=False),
    "StringEqualsIgnoreCase": lambda a, v, r, x: _string(a, v, r, x, like=False, ignore_case=True),
    "StringLike": lambda a, v, r, x: _string(a, v, r, x, like=True, ignore_case=False),
    "NumericEquals": _compare("Numeric", "Equals"),
    "NumericLessThan": _compare("Numeric", "LessThan"),
    "NumericLessThanEquals": _compare("Numeric", "LessThanEquals"),
    "NumericGreaterThan": _compare("Numeric", "GreaterThan"),
    "NumericGreaterThanEquals": _compare("Numeric", "GreaterThanEquals"),
    "DateEquals": _compare("Date", "Equals"),
    "DateLessThan": _compare("Date", "LessThan"),
    "DateLessThanEquals": _compare("Date", "LessThanEquals"),
    "DateGreaterThan": _compare("Date", "GreaterThan"),
    "DateGreaterThanEquals": _compare("Date", "GreaterThanEquals"),
    "Bool": _bool,
    "IpAddress": _ip_match,
    "ArnEquals": _arn,
    "ArnLike": _arn,
}
_NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "NumericNotEquals": "NumericEquals",
    "DateNotEquals": "DateEquals",
    "NotIpAddress": "IpAddress",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
}
OPERATORS = frozenset({*_POSITIVE, *_NEGATED, "Null"})


@dataclass(frozen=True, slots=True)
class Condition:
    """One (operator, key, values) of a ``Condition`` block, validated."""

    operator: str  # as written, e.g. "ForAnyValue:StringLikeIfExists"
    key: str
    values: tuple[str, ...]

    def holds(
        self,
        context: Mapping[str, tuple[str, ...]],
        resolve: Resolve,
        variables: bool,
    ) -> bool:
        set_op, base, if_exists = _split_operator(self.operator)
        actual = context.get(self.key.lower())
        if base == "Null":
            # The values of one key are ORed, for Null as for every operator:
            # ["true", "false"] is met whether the key is there or not.
            absent = actual is None
            return any((v.lower() == "true") == absent for v in self.values)
        negated = base in _NEGATED
        positive = _POSITIVE[_NEGATED.get(base, base)]

        def one(value: str) -> bool:
            hit = any(positive(value, v, resolve, variables) for v in self.values)
            return not hit if negated else hit

        if actual is None:
            if set_op == "ForAllValues":
                return True
            if set_op == "ForAnyValue":
                return False
            return if_exists or negated
        if set_op == "ForAllValues":
            return all(one(a) for a in actual)
        if set_op == "ForAnyValue":
            return any(one(a) for a in actual)
        # A single-valued operator on a multivalued key: positive if any value
        # matches, negated if none does.
        hit = any(any(positive(a, v, resolve, variables) for v in self.values) for a in actual)
        return not hit if negated else hit


def _split_operator(operator: str) -> tuple[str | None, str, bool]:
    set_op: str | None = None
    base = operator
    # One set operator at most: "ForAnyValue:ForAllValues:..." names no operator.
    for prefix in ("ForAnyValue:", "ForAllValues:"):
        if base.startswith(prefix):
            set_op, base = prefix[:-1], base[len(prefix) :]
            break
    if_exists = base.endswith("IfExists")
    if if_exists:
        base = base[: -len("IfExists")]
    return set_op, base, if_exists


def _value_text(value: object, what: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    raise PolicyError(f"{what}: a condition value must be a string, number or boolean")


def parse_conditions(block: object, where: str) -> tuple[Condition, ...]:
    """The ``Condition`` element of one statement; PolicyError names what is wrong."""
    if not isinstance(block, Mapping):
        raise PolicyError(f"{where}.Condition must be an object of operators")
    out: list[Condition] = []
    for operator, keys in block.items():
        what = f"{where}.Condition.{operator}"
        set_op, base, if_exists = _split_operator(str(operator))
        if base not in OPERATORS or (base == "Null" and (if_exists or set_op)):
            raise PolicyError(
                f"{what}: unknown condition operator; use one of "
                f"{', '.join(sorted(OPERATORS))}, optionally with ForAnyValue:/ForAllValues: "
                "and the IfExists suffix"
            )
        if not isinstance(keys, Mapping) or not keys:
            raise PolicyError(f"{what} must map condition keys to values")
        for key, raw in keys.items():
            items = raw if isinstance(raw, list) else [raw]
            if not items:
                raise PolicyError(f"{what}.{key}: give at least one value")
            values = tuple(_value_text(v, f"{what}.{key}") for v in items)
            _check_values(base, values, f"{what}.{key}")
            out.append(Condition(str(operator), str(key), values))
    return tuple(out)


def _check_values(base: str, values: tuple[str, ...], what: str) -> None:
    # A malformed policy value is an error at parse time, never a silent non-match.
    positive = _NEGATED.get(base, base)
    for v in values:
        if positive.startswith("Numeric"):
            _number(v, what)
        elif positive.startswith("Date"):
            _date(v, what)
        elif positive == "IpAddress":
            try:
                ipaddress.ip_network(v.strip(), strict=False)
            except ValueError:
                raise PolicyError(f"{what}: {v!r} is not an IP address or CIDR range") from None
        elif base in ("Bool", "Null") and v.lower() not in ("true", "false"):
            raise PolicyError(f"{what}: {v!r} must be 'true' or 'false'")
