"""A Griffe extension: the package's reST-flavoured docstrings, rendered as Markdown.

sigv4client's docstrings are written for ``help()`` and doctest: reST roles
(``:class:`~sigv4client.Credentials```), ``>>>`` examples, ``::`` literal
blocks, definition lists, and ``#:`` comments above module constants. Markdown
reads ``>>>`` as nested block quotes and shows the roles verbatim, so this
extension rewrites each docstring before mkdocstrings renders it:

- ``>>>`` examples become ``pycon`` code blocks (``# doctest:`` directives dropped);
- a paragraph ending in ``::`` keeps one colon, and its indented block becomes a
  code block;
- ``term`` + indented definition becomes a bold term and a paragraph;
- roles become code that links to the API reference when the target is
  documented there, and stays plain code when it is not (an optional
  cross-reference, so a private target never fails ``mkdocs build --strict``);
- ``#:`` comments above a module or class attribute become its docstring;
- an instance attribute set from the ``__init__`` parameter of its name shows
  that parameter's annotation, not ``= name``.

Only the rendered copy changes; the source is untouched. Loaded by mkdocs.yml
(``plugins.mkdocstrings.handlers.python.options.extensions``).
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:class|func|meth|mod|attr|exc|data|obj):`(?P<tilde>~?)(?P<target>[^`]+)`")
_DOCTEST_DIRECTIVE = re.compile(r"\s*#\s*doctest:.*$")
_INDENT = re.compile(r"^( *)")


def _indent(line: str) -> int:
    match = _INDENT.match(line)
    return len(match.group(1)) if match else 0


def _fence(lines: list[str], lang: str) -> list[str]:
    return [f"```{lang}", *lines, "```"]


def _convert_blocks(text: str) -> str:
    """Doctest blocks, ``::`` literal blocks and definition lists, as Markdown."""
    lines = text.split("\n")
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.lstrip()
        pad = _indent(line)
        if stripped.startswith(">>>"):
            block = []
            while i < len(lines) and lines[i].strip():
                block.append(_DOCTEST_DIRECTIVE.sub("", lines[i][pad:]))
                i += 1
            out.extend(" " * pad + b for b in _fence(block, "pycon"))
            continue
        if stripped.endswith("::"):
            # "text::" keeps one colon; a lone "::" (or "text ::") shows none.
            head = line[:-1].rstrip(": ") if stripped == "::" or line.endswith(" ::") else line[:-1]
            out.append(head)
            i += 1
            while i < len(lines) and not lines[i].strip():
                i += 1
            block = []
            while i < len(lines) and (not lines[i].strip() or _indent(lines[i]) > pad):
                block.append(lines[i])
                i += 1
            while block and not block[-1].strip():
                block.pop()
            inner = min((_indent(b) for b in block if b.strip()), default=0)
            out.append("")
            out.extend(" " * pad + b for b in _fence([b[inner:] for b in block], ""))
            out.append("")
            continue
        starts_paragraph = i == 0 or not lines[i - 1].strip()
        if (
            pad == 0
            and stripped
            and starts_paragraph
            and not stripped.startswith(("-", "*", "`", "|", "#"))
            and i + 1 < len(lines)
            and _indent(lines[i + 1]) >= 4
            and lines[i + 1].strip()
        ):
            out.append(f"**{stripped}**")
            out.append("")
            i += 1
            while i < len(lines) and (not lines[i].strip() or _indent(lines[i]) >= 4):
                out.append(lines[i][4:] if lines[i].strip() else "")
                i += 1
            continue
        out.append(line)
        i += 1
    return "\n".join(out)


def _target(obj: griffe.Object, name: str) -> str:
    """The full path of ``name`` as seen from ``obj``'s scope, or ``name`` itself."""
    name = name.lstrip(".")
    if name.startswith("sigv4client."):
        return name
    first, dot, rest = name.partition(".")
    try:
        resolved = obj.resolve(first)
    except (griffe.NameResolutionError, AttributeError, KeyError):
        return name
    return resolved + dot + rest


def _convert_roles(obj: griffe.Object, text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        target = match["target"].strip()
        title = target.rsplit(".", 1)[-1] if match["tilde"] else target
        identifier = _target(obj, target)
        return f'<autoref identifier="{identifier}" optional><code>{title}</code></autoref>'

    return _ROLE.sub(replace, text)


def _convert(obj: griffe.Object, text: str) -> str:
    # Roles first: the block pass must not split a role's backticks.
    return _convert_blocks(_convert_roles(obj, text))


def _comment_above(obj: griffe.Object) -> str | None:
    """The ``#:`` comment lines right above ``obj``'s first line, joined."""
    if obj.lineno is None or obj.parent is None:
        return None
    try:
        source = obj.parent.lines_collection[obj.filepath]  # type: ignore[index]
    except (KeyError, TypeError, AttributeError):
        return None
    found: list[str] = []
    n = obj.lineno - 2
    while n >= 0 and source[n].lstrip().startswith("#:"):
        found.append(source[n].lstrip()[2:].strip())
        n -= 1
    return "\n".join(reversed(found)) or None


class RstDocstrings(griffe.Extension):
    """Rewrite each docstring of the loaded package from reST to Markdown."""

    def on_attribute_instance(
        self, *, node: Any, attr: griffe.Attribute, agent: Any, **kwargs: Any
    ) -> None:
        """Give an attribute documented by a ``#:`` comment that comment as its docstring.

        An instance attribute set from a parameter of the same name
        (``self.auth = auth``) would render as ``auth = auth``: it gets the
        parameter's annotation and no value instead.
        """
        if attr.docstring is None:
            comment = _comment_above(attr)
            if comment:
                attr.docstring = griffe.Docstring(comment, parent=attr)
        if "instance-attribute" in attr.labels and str(attr.value) == attr.name:
            init = attr.parent.members.get("__init__") if attr.parent is not None else None
            if isinstance(init, griffe.Function) and attr.name in init.parameters:
                if attr.annotation is None:
                    attr.annotation = init.parameters[attr.name].annotation
                attr.value = None

    def on_package(self, *, pkg: griffe.Module, loader: Any, **kwargs: Any) -> None:
        """Convert every docstring of the package once it is fully loaded."""
        seen: set[int] = set()
        stack: list[griffe.Object] = [pkg]
        while stack:
            obj = stack.pop()
            if id(obj) in seen:
                continue
            seen.add(id(obj))
            if obj.docstring is not None:
                obj.docstring.value = _convert(obj, obj.docstring.value)
            stack.extend(member for member in obj.members.values() if not member.is_alias)
