"""Reading a Pulumi stack file while keeping where every value was typed.

Validation errors must name the file and line the user typed, and secret settings must have been
entered as secrets (`secure:` in the file). ruamel.yaml keeps each key's position; this module turns
the file into plain values plus a map from key paths to line numbers and the set of secret paths.
"""

import functools
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

KeyPath = tuple[str | int, ...]

SECRET_PLACEHOLDER_PREFIX = "offline-plan-secret-"
"""Offline plans cannot decrypt `secure:` values; they stand in for them with this prefix."""


class StackFileError(Exception):
    """The stack file cannot be read as YAML."""


@dataclass
class StackFile:
    """A stack file's `config:` values with their line numbers."""

    path: Path
    config: dict[str, Any]
    """Values by full key (`project:key`); `secure:` values are replaced by placeholders."""
    lines: dict[KeyPath, int] = field(default_factory=dict)
    """1-based line of each key path; the first element is the full key (`project:key`)."""
    secure_paths: set[KeyPath] = field(default_factory=set)
    """Key paths whose value is encrypted (`secure: ...`)."""

    def line_of(self, path: KeyPath) -> int | None:
        """The line of the deepest part of `path` that the file has."""
        for length in range(len(path), 0, -1):
            line = self.lines.get(path[:length])
            if line is not None:
                return line
        return None

    @property
    def secret_keys(self) -> list[str]:
        """The full keys that hold at least one secret, as the Pulumi engine reports them."""
        return sorted({str(path[0]) for path in self.secure_paths})


def _is_secure(node: Any) -> bool:
    return isinstance(node, CommentedMap) and list(node.keys()) == ["secure"]


def _walk(node: Any, path: KeyPath, stack_file: StackFile) -> Any:
    if _is_secure(node):
        stack_file.secure_paths.add(path)
        # The stand-in changes when the ciphertext does, so plan diffs can tell a secret changed.
        ciphertext_digest = hashlib.sha256(str(node["secure"]).encode()).hexdigest()[:12]
        return SECRET_PLACEHOLDER_PREFIX + "/".join(str(part) for part in path) + "/" + ciphertext_digest
    if isinstance(node, CommentedMap):
        values = {}
        for key, value in node.items():
            child = (*path, str(key))
            stack_file.lines[child] = node.lc.key(key)[0] + 1
            values[str(key)] = _walk(value, child, stack_file)
        return values
    if isinstance(node, CommentedSeq):
        items = []
        for index, value in enumerate(node):
            child = (*path, index)
            stack_file.lines[child] = node.lc.item(index)[0] + 1
            items.append(_walk(value, child, stack_file))
        return items
    return node


def read_stack_file(path: Path, shown_as: Path | None = None) -> StackFile:
    """Parse a stack file; raise StackFileError with file:line for malformed YAML. Messages name the file
    as `shown_as` (e.g. relative to the project) when given."""
    text = path.read_text(encoding="utf-8")
    return _parse(text, shown_as or path)


@functools.lru_cache(maxsize=8)
def _parse(text: str, path: Path) -> StackFile:
    """Parsing keeps positions, which is slow (about 20 ms a file): done once per content, so the offline
    plan and the program it runs share one parse. StackFile is treated as read-only."""
    try:
        document = YAML(typ="rt").load(text)
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise StackFileError(f"{path}:{line}: invalid YAML: {error.problem or error.context}") from None
    stack_file = StackFile(path=path, config={})
    if document is None:
        return stack_file
    if not isinstance(document, CommentedMap):
        raise StackFileError(f"{path}:1: a stack file is a mapping with a `config:` key")
    config = document.get("config") or {}
    if not isinstance(config, CommentedMap):
        raise StackFileError(f"{path}:{document.lc.key('config')[0] + 1}: `config:` must be a mapping")
    stack_file.config = _walk(config, (), stack_file)
    return stack_file


def find_stack_file(stack: str, root: Path) -> Path | None:
    """The stack's config file: `Pulumi.<stack>.yaml` at the root, else `stacks/<stack>.yaml`."""
    for candidate in (root / f"Pulumi.{stack}.yaml", root / "stacks" / f"{stack}.yaml"):
        if candidate.is_file():
            return candidate
    return None
