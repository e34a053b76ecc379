"""Reading a definition file (JSON or YAML, CloudFormation short tags) and local ``$ref``s.

The only I/O of the package: reading the one file a loader is given.
PyYAML is imported when a YAML file is read, not before.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..exceptions import DefinitionError

__all__ = ["escape_pointer", "read_document", "resolve_refs"]

# CloudFormation's short-form tags and the long form they stand for.
_INTRINSICS = (
    "Base64",
    "Cidr",
    "Equals",
    "FindInMap",
    "GetAZs",
    "If",
    "ImportValue",
    "Join",
    "Not",
    "And",
    "Or",
    "Select",
    "Split",
    "Sub",
    "Transform",
    "GetAtt",
)


#: The most values a definition may hold once its YAML aliases and ``$ref`` s are
#: expanded. A large API Gateway export holds tens of thousands; a "billion
#: laughs" document (aliases or refs nested ten by ten) holds billions and would
#: take all the memory before anything says so.
MAX_VALUES = 1_000_000

_SCHEMA_REF = re.compile(r"^#/(?:components/schemas|definitions)/(?P<name>[^/]+)$")


def escape_pointer(token: str) -> str:
    """One JSON pointer reference token (RFC 6901: ``~`` -> ``~0``, ``/`` -> ``~1``).

    >>> escape_pointer("/notes/{id}")
    '~1notes~1{id}'
    """
    return token.replace("~", "~0").replace("/", "~1")


def _expansion_error(where: str, what: str) -> DefinitionError:
    return DefinitionError(
        f"{where} expands to more than {MAX_VALUES:,} values through its {what}: an expansion "
        "bomb, or a recursive one; write the repeated parts out, or split the definition"
    )


def _check_size(document: object, where: str) -> None:
    """Refuse a document that holds more than MAX_VALUES values, counting shared ones each time.

    Iterative and stopped at the bound: it never walks more than MAX_VALUES values.
    """
    stack = [document]
    count = 0
    while stack:
        node = stack.pop()
        count += 1
        if count > MAX_VALUES:
            raise _expansion_error(where, "YAML aliases")
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def _nesting_error(where: str) -> DefinitionError:
    return DefinitionError(
        f"{where} nests its values deeper than Python can read; flatten it (no API "
        "definition needs nesting this deep)"
    )


def _yaml_loader() -> type[Any]:
    try:
        import yaml
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise DefinitionError(
            'reading a YAML definition needs PyYAML: pip install "sigv4client[apiclient]"'
        ) from exc

    class Loader(yaml.SafeLoader):
        """SafeLoader that reads ``!Ref``, ``!Sub``, ``!GetAtt``... as their long form.

        A key given twice in one mapping is an error, as in JSON (:func:`_unique`);
        keys a merge (``<<``) brings in may be given again, as YAML intends.
        """

        def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
            seen: set[str] = set()
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge" or not isinstance(
                    key_node, yaml.ScalarNode
                ):
                    continue
                key = str(self.construct_object(key_node))
                if key in seen:
                    raise yaml.constructor.ConstructorError(
                        None, None, _twice(key), key_node.start_mark
                    )
                seen.add(key)
            return super().construct_mapping(node, deep=deep)

    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> object:
        tag = node.tag[1:]
        value: object
        if isinstance(node, yaml.ScalarNode):
            value = loader.construct_scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        elif isinstance(node, yaml.MappingNode):
            value = loader.construct_mapping(node, deep=True)
        else:  # pragma: no cover - PyYAML has no other node kind
            raise DefinitionError(f"unexpected YAML node for !{tag}")
        if tag == "Ref":
            return {"Ref": value}
        if tag == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
        if tag == "Condition":
            return {"Condition": value}
        return {f"Fn::{tag}": value}

    for name in (*_INTRINSICS, "Ref", "Condition"):
        Loader.add_constructor(f"!{name}", construct)
    return Loader


class _DuplicateKey(ValueError):
    """A JSON object of the definition holds a key twice (raised by :func:`_unique`)."""


def _twice(key: str) -> str:
    shown = key if len(key) <= 60 else f"{key[:57]}..."
    # Only the last would count, unseen: a second "security" would replace the first.
    return f"the key {shown!r} is given twice in one object"


def _unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``json.loads``'s object hook: the object, unless a key is given twice."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(_twice(key))
        out[key] = value
    return out


def read_document(
    definition: str | os.PathLike[str] | Mapping[str, object],
) -> tuple[dict[str, Any], str]:
    """The document as plain JSON values, and a name for it in messages.

    ``definition`` is a path to a JSON or YAML file, or an already parsed mapping.
    """
    if isinstance(definition, Mapping):
        return json.loads(json.dumps(definition)), "<dict>"
    if not isinstance(definition, (str, os.PathLike)):
        raise DefinitionError(f"a definition is a path or a dict, got {type(definition).__name__}")
    path = Path(definition)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DefinitionError(f"cannot read the definition {str(path)!r}: {exc.strerror}") from exc
    # A parse error is raised after its except block, unchained, and says where
    # without quoting: json's error holds the whole text (``doc``) and YAML's a
    # snippet of the line, and a definition may hold a key or a stage variable.
    document: object = None
    problem: str | None = None
    if text.lstrip().startswith(("{", "[")):
        try:
            document = json.loads(text, object_pairs_hook=_unique)
        except _DuplicateKey as exc:
            problem = f"not valid here: {exc}"
        except RecursionError:
            problem = "nested deeper than Python can read"
        except json.JSONDecodeError as exc:
            problem = f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
    else:
        loader = _yaml_loader()  # first: it says which extra to install when PyYAML is missing
        import yaml

        try:
            document = yaml.load(text, Loader=loader)  # noqa: S506  # a SafeLoader subclass
            # Aliases are shared, not copied, until the round-trip below writes each out.
            _check_size(document, str(path))
        except RecursionError:
            problem = "nested deeper than Python can read"
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
            problem = f"not valid YAML: {exc.problem or exc.context}{where}"
        except yaml.YAMLError as exc:
            problem = f"not valid YAML: {type(exc).__name__}"
    if problem is not None:
        raise DefinitionError(f"{path} is {problem}; correct the file or export it again")
    if not isinstance(document, dict):
        raise DefinitionError(f"{path} holds a {type(document).__name__}, not a JSON object")
    # Round-trip: dates and other YAML types become JSON's (strings).
    try:
        return json.loads(json.dumps(document, default=str)), str(path)
    except RecursionError:
        raise _nesting_error(str(path)) from None


def _lookup(root: Mapping[str, Any], ref: str, where: str) -> Any:
    if not ref.startswith("#"):
        raise DefinitionError(
            f"$ref {ref!r} at {where} points outside the file; only local references "
            "('#/components/...') are read: bundle the definition into one file first"
        )
    node: Any = root
    for raw in ref[1:].split("/")[1:] if ref != "#" else []:
        token = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, Mapping) and token in node:
            node = node[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            raise DefinitionError(f"$ref {ref!r} at {where} points to nothing in the file")
    return node


def resolve_refs(root: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``root`` with every local ``$ref`` replaced by what it points to.

    A schema reached through ``#/components/schemas/Name`` (or Swagger's
    ``#/definitions/Name``) keeps its name as ``title`` when it has none. A
    reference cycle (a recursive schema) is refused with
    :class:`~sigv4client.exceptions.DefinitionError`: the model holds plain trees.
    """

    count = 0

    def walk(node: Any, where: str, active: tuple[str, ...]) -> Any:
        nonlocal count
        count += 1
        if count > MAX_VALUES:
            raise _expansion_error("the definition", "$refs")
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                if ref in active:
                    raise DefinitionError(
                        f"$ref {ref!r} at {where} refers to itself (a recursive schema), "
                        "which this loader does not expand"
                    )
                target = _lookup(root, ref, where)
                resolved = walk(target, where, (*active, ref))
                named = _SCHEMA_REF.match(ref)
                if named is not None and isinstance(resolved, dict) and "title" not in resolved:
                    # The component's name survives inlining, as its title (an annotation).
                    resolved = {"title": named["name"], **resolved}
                siblings = {k: v for k, v in node.items() if k != "$ref"}
                if siblings and isinstance(resolved, dict):
                    return {**resolved, **walk(siblings, where, active)}
                return resolved
            return {k: walk(v, f"{where}/{escape_pointer(k)}", active) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v, f"{where}/{i}", active) for i, v in enumerate(node)]
        return node

    try:
        result = walk(root, "", ())
    except RecursionError:
        raise _nesting_error("the definition") from None
    assert isinstance(result, dict)
    return result
