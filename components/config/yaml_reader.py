"""YAML to plain values, keeping the line of every value, with limits that stop hostile input at its line.

A stack file is read as the Pulumi engine reads it: plain values (str, int, float, bool, None, dict,
list) with YAML 1.2's meaning of plain scalars (`yes` is text, a date is the text typed, `!!str 1.33`
is text); merge keys (`<<: *common`) and aliases work. Everything else is refused at its line: tags
other than YAML's own scalar and collection types (`!!python/...`, `!vault`), duplicate keys, keys
that are not text, nesting deeper than MAX_DEPTH, aliases that expand past MAX_VALUES values or refer
to a value they are inside of, and more than one document.

libyaml (PyYAML's C parser) turns the text into events; the values are built from them here, without
recursion and without a node graph, so neither a billion-laughs file nor a 1 MiB flow list can exhaust
memory or the stack: work is bounded by MAX_VALUES however the file is written.
"""

import copy
from dataclasses import dataclass, field
from typing import Any

import yaml
from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.resolver import VersionedResolver

KeyPath = tuple[str | int, ...]

MAX_DEPTH = 48
"""The deepest nesting of mappings and lists (a stack file needs about 10)."""
MAX_VALUES = 200_000
"""The most values a file may hold once its aliases are expanded (an alias bomb stops here)."""

_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {f"{_TAG}{name}" for name in ("str", "int", "float", "bool", "null", "timestamp")}
_RESOLVER = VersionedResolver(version=(1, 2))
"""YAML 1.2's resolution of plain scalars (the core schema, as Pulumi's YAML library reads them)."""


class YamlInputError(Exception):
    """The text is not YAML this reader accepts; the message starts with `line: `."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(f"{line}: {message}")
        self.line, self.message = line, message


@dataclass
class YamlValues:
    """A document's value and the 1-based line of each key path below it."""

    value: Any = None
    lines: dict[KeyPath, int] = field(default_factory=dict)


@dataclass
class _Anchor:
    value: Any
    size: int
    lines: dict[KeyPath, int]
    """Lines below the anchored value, relative to it."""


@dataclass
class _Open:
    """A mapping or list being read."""

    container: dict[str, Any] | list[Any]
    path: KeyPath
    anchor: str | None
    values_at_start: int
    log_at_start: int
    """Where its lines start in the builder's line log."""
    key: str | None = None
    key_line: int = 0
    merging: bool = False
    merge_log_at: int = 0
    merges: list[tuple[dict[str, Any], dict[KeyPath, int]]] = field(default_factory=list)
    own: set[str] = field(default_factory=set)


def _line(event: Any) -> int:
    return event.start_mark.line + 1


def _scalar(event: Any) -> Any:
    """A scalar's value by its tag, explicit or (for plain scalars) resolved as YAML 1.2 does."""
    tag = event.tag
    if tag == "!":
        tag = f"{_TAG}str"
    elif tag is None:
        resolved = _RESOLVER.resolve(ScalarNode, event.value, event.implicit)
        tag = str(getattr(resolved, "value", resolved))
    if tag not in _SCALAR_TAGS:
        raise YamlInputError(_line(event), f"unsupported YAML tag {tag.replace(_TAG, '!!')}: only plain values")
    text = event.value
    try:
        if tag == f"{_TAG}null":
            if text not in ("", "~", "null", "Null", "NULL"):
                raise ValueError("not a null")
            return None
        if tag == f"{_TAG}bool":
            if text.lower() not in ("true", "false"):
                raise ValueError("not true or false")
            return text.lower() == "true"
        if tag == f"{_TAG}int":
            return _integer(text)
        if tag == f"{_TAG}float":
            return _float(text)
    except ValueError:
        raise YamlInputError(_line(event), f"{text!r} is not a valid {tag.replace(_TAG, '')}") from None
    return text  # str, and timestamps, which Pulumi reads as the text typed


def _integer(text: str) -> int:
    digits = text.replace("_", "")
    sign = -1 if digits.startswith("-") else 1
    digits = digits.lstrip("+-")
    for prefix, base in (("0x", 16), ("0o", 8), ("0b", 2)):
        if digits.lower().startswith(prefix):
            return sign * int(digits[2:], base)
    return sign * int(digits, 10)


def _float(text: str) -> float:
    lowered = text.replace("_", "").lower()
    special = {".inf": "inf", "+.inf": "inf", "-.inf": "-inf", ".nan": "nan"}
    return float(special.get(lowered, lowered))


class _Builder:
    """Builds one document's value from its events."""

    def __init__(self) -> None:
        self.result = YamlValues()
        self.stack: list[_Open] = []
        self.anchors: dict[str, _Anchor] = {}
        self.log: list[tuple[KeyPath, int]] = []
        """Every line noted, in order: the lines below a value are the ones noted while it was open, so
        finding them costs the size of the value, not of the file (many anchors stay linear)."""
        self.values = 0
        self.done = False

    def count(self, event: Any, amount: int = 1) -> None:
        self.values += amount
        if self.values > MAX_VALUES:
            raise YamlInputError(_line(event), f"more than {MAX_VALUES} values (counting what aliases repeat): refused")

    def child_path(self, event: Any) -> tuple[KeyPath, bool]:
        """The path of the value this event starts, and whether it is a mapping key."""
        if not self.stack:
            return (), False
        top = self.stack[-1]
        if isinstance(top.container, list):
            return (*top.path, len(top.container)), False
        if top.key is None and not top.merging:
            return top.path, True
        return (*top.path, top.key if top.key is not None else "<<"), False

    def start(self, event: Any, container: dict[str, Any] | list[Any]) -> None:
        path, is_key = self.child_path(event)
        if is_key:
            raise YamlInputError(_line(event), "a key must be plain text")
        if len(self.stack) >= MAX_DEPTH:
            raise YamlInputError(_line(event), f"nested more than {MAX_DEPTH} levels deep: refused")
        expected = f"{_TAG}map" if isinstance(container, dict) else f"{_TAG}seq"
        if event.tag not in (None, "!", expected):
            raise YamlInputError(
                _line(event), f"unsupported YAML tag {event.tag.replace(_TAG, '!!')}: only plain values"
            )
        self.count(event)
        self.note_line(path, event)
        self.stack.append(_Open(container, path, event.anchor, self.values, len(self.log)))

    def note_line(self, path: KeyPath, event: Any) -> None:
        top = self.stack[-1] if self.stack else None
        if top is None:
            return
        if isinstance(top.container, list):
            self.note(path, _line(event))
        elif top.key is not None:
            self.note(path, top.key_line)

    def note(self, path: KeyPath, line: int) -> None:
        self.result.lines[path] = line
        self.log.append((path, line))

    def end(self) -> None:
        top = self.stack.pop()
        value: Any = top.container
        if isinstance(value, dict) and top.merges:
            merged: dict[str, Any] = {}
            for source, lines in reversed(top.merges):
                merged.update(source)
                for relative, line in lines.items():
                    if relative[0] not in top.own:
                        self.note((*top.path, *relative), line)
            value = {**merged, **value}
        if top.anchor is not None:
            size = self.values - top.values_at_start + 1
            self.anchors[top.anchor] = _Anchor(value, size, self.lines_below(top.path, top.log_at_start))
        self.add(value)

    def lines_below(self, path: KeyPath, since: int) -> dict[KeyPath, int]:
        """The lines noted below `path` since log position `since`, relative to it (still current ones)."""
        depth = len(path)
        return {
            key[depth:]: line
            for key, line in self.log[since:]
            if len(key) > depth and key[:depth] == path and self.result.lines.get(key) == line
        }

    def add(self, value: Any) -> None:
        """A complete value, into whatever is open."""
        if not self.stack:
            self.result.value, self.done = value, True
            return
        top = self.stack[-1]
        if isinstance(top.container, list):
            top.container.append(value)
        elif top.merging:
            # `<<: *common` or `<<: [*a, *b]`: the lines noted under `<<` belong to the merged keys.
            top.merging = False
            merge_path = (*top.path, "<<")
            below = self.lines_below(merge_path, top.merge_log_at)
            for relative in below:
                del self.result.lines[(*merge_path, *relative)]
            if isinstance(value, dict):
                top.merges.append((value, below))
            elif isinstance(value, list) and all(isinstance(source, dict) for source in value):
                for index, source in enumerate(value):
                    top.merges.append((source, {key[1:]: line for key, line in below.items() if key[0] == index}))
            else:
                raise YamlInputError(top.key_line, "a merge key (<<) takes a mapping or a list of mappings")
        else:
            key, top.key = top.key, None
            top.container[key or ""] = value  # a key is always read before its value

    def scalar(self, event: Any) -> None:
        path, is_key = self.child_path(event)
        self.count(event)
        if is_key:
            top = self.stack[-1]
            if event.value == "<<" and event.tag is None and event.implicit[0]:
                top.merging, top.key_line, top.merge_log_at = True, _line(event), len(self.log)
                return
            if event.tag not in (None, "!", f"{_TAG}str"):
                raise YamlInputError(_line(event), "a key must be plain text")
            if event.value in top.own:
                raise YamlInputError(_line(event), f"invalid YAML: duplicate key {event.value!r}")
            top.key, top.key_line = event.value, _line(event)
            top.own.add(event.value)
            return
        value = _scalar(event)
        self.note_line(path, event)
        if event.anchor is not None:
            self.anchors[event.anchor] = _Anchor(value, 1, {})
        self.add(value)

    def alias(self, event: Any) -> None:
        path, is_key = self.child_path(event)
        if is_key:
            raise YamlInputError(_line(event), "a key must be plain text")
        anchor = self.anchors.get(event.anchor)
        if anchor is None:
            if any(top.anchor == event.anchor for top in self.stack):
                raise YamlInputError(_line(event), "an alias refers to a value it is inside of: refused")
            raise YamlInputError(_line(event), f"invalid YAML: unknown alias *{event.anchor}")
        self.count(event, anchor.size)
        self.note_line(path, event)
        for relative, line in anchor.lines.items():
            self.note((*path, *relative), line)
        self.add(copy.deepcopy(anchor.value))


def read_yaml(text: str) -> YamlValues:
    """The one document in `text` (None when empty). Raises YamlInputError with the line of the problem."""
    builder = _Builder()
    try:
        for event in yaml.parse(text, Loader=yaml.CSafeLoader):
            kind = type(event).__name__
            if kind == "DocumentStartEvent" and builder.done:
                raise YamlInputError(_line(event), "more than one YAML document: a stack file is one")
            if kind == "ScalarEvent":
                builder.scalar(event)
            elif kind == "MappingStartEvent":
                builder.start(event, {})
            elif kind == "SequenceStartEvent":
                builder.start(event, [])
            elif kind in ("MappingEndEvent", "SequenceEndEvent"):
                builder.end()
            elif kind == "AliasEvent":
                builder.alias(event)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        raise YamlInputError(mark.line + 1 if mark else 1, f"invalid YAML: {error.problem or error.context}") from None
    except yaml.YAMLError as error:  # the reader refuses a character (a control character, say)
        position = getattr(error, "position", None)
        line = text[:position].count("\n") + 1 if isinstance(position, int) else 1
        raise YamlInputError(line, f"invalid YAML: {str(error).splitlines()[0]}") from None
    return builder.result
