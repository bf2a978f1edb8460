"""Reading a Pulumi stack file while keeping where every value was typed.

Validation errors must name the file and line the user typed, and secret settings must have been
entered as secrets (`secure:` in the file). yaml_reader keeps each value's line (and refuses hostile
input); this module turns the file into the `config:` values, a map from key paths to line numbers and
the set of secret paths.
"""

import functools
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .yaml_reader import KeyPath, YamlInputError, read_yaml

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


MAX_FILE_BYTES = 1024 * 1024
"""The largest stack file read (a generated 500-hub department is about 160 KB)."""


def _is_secure(value: Any) -> bool:
    return isinstance(value, dict) and list(value) == ["secure"] and isinstance(value["secure"], str)


def _secrets_replaced(value: Any, path: KeyPath, stack_file: StackFile) -> Any:
    """The value with each `secure:` mapping replaced by its stand-in, noting where each was."""
    if _is_secure(value):
        stack_file.secure_paths.add(path)
        # The stand-in changes when the ciphertext does, so plan diffs can tell a secret changed.
        ciphertext_digest = hashlib.sha256(value["secure"].encode()).hexdigest()[:12]
        return SECRET_PLACEHOLDER_PREFIX + "/".join(str(part) for part in path) + "/" + ciphertext_digest
    if isinstance(value, dict):
        return {key: _secrets_replaced(item, (*path, key), stack_file) for key, item in value.items()}
    if isinstance(value, list):
        return [_secrets_replaced(item, (*path, index), stack_file) for index, item in enumerate(value)]
    return value


def read_stack_file(path: Path, shown_as: Path | None = None) -> StackFile:
    """Parse a stack file; raise StackFileError with file:line for anything that is not a readable stack
    file (malformed or hostile YAML, not UTF-8, too large: see yaml_reader). Messages name the file as
    `shown_as` (e.g. relative to the project) when given."""
    shown = shown_as or path
    try:
        text = _read_text(path)
    except YamlInputError as error:
        raise StackFileError(f"{shown}:{error}") from None
    return _parse(text, shown)


def _read_text(path: Path) -> str:
    """The file's text: at most MAX_FILE_BYTES of UTF-8 (a byte-order mark is allowed)."""
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise YamlInputError(1, f"cannot be read: {error.strerror or error}") from None
    if len(data) > MAX_FILE_BYTES:
        raise YamlInputError(1, f"larger than {MAX_FILE_BYTES // 1024} KiB: not a stack file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise YamlInputError(line, f"not UTF-8 text (byte 0x{data[error.start]:02x})") from None


@functools.lru_cache(maxsize=8)
def _parse(text: str, path: Path) -> StackFile:
    """Parsing keeps positions: done once per content, so the offline plan and the program it runs share
    one parse. StackFile is treated as read-only."""
    try:
        document = read_yaml(text)
    except YamlInputError as error:
        raise StackFileError(f"{path}:{error}") from None
    stack_file = StackFile(path=path, config={})
    if document.value is None:
        return stack_file
    if not isinstance(document.value, dict):
        raise StackFileError(f"{path}:1: a stack file is a mapping with a `config:` key")
    config = document.value.get("config")
    if config is None:
        return stack_file
    if not isinstance(config, dict) or _is_secure(config):
        raise StackFileError(f"{path}:{document.lines.get(('config',), 1)}: `config:` must be a mapping")
    # Paths start at the config key (`project:key`).
    stack_file.lines = {key[1:]: line for key, line in document.lines.items() if key[0] == "config" and len(key) > 1}
    stack_file.config = _secrets_replaced(config, (), stack_file)
    return stack_file


def engine_values(config: dict[str, Any]) -> dict[str, str]:
    """A stack file's config values as the Pulumi engine hands them to programs: objects as JSON, scalars
    as text (`true`, `3`). `make validate` checks these, so it refuses exactly what `pulumi up` would."""
    strings = {}
    for key, value in config.items():
        if isinstance(value, (dict, list)):
            strings[key] = json.dumps(value)
        elif isinstance(value, bool):
            strings[key] = "true" if value else "false"
        else:
            strings[key] = str(value)
    return strings


def find_stack_file(stack: str, root: Path) -> Path | None:
    """The stack's config file: `Pulumi.<stack>.yaml` at the root, else `stacks/<stack>.yaml`."""
    for candidate in (root / f"Pulumi.{stack}.yaml", root / "stacks" / f"{stack}.yaml"):
        if candidate.is_file():
            return candidate
    return None
