"""Load and validate a stack's configuration, reporting every problem at once as file:line: key: message.

The values come from the Pulumi engine (decrypted, as the program receives them); the stack file, when
it can be found, supplies line numbers and tells which values were stored encrypted.
"""

import copy
import difflib
import json
import re
import typing
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from .base import NestedProblemsError, NestedValueError
from .defaults import MISSING, apply_defaults, child, origin
from .introspection import type_members
from .secret_placement import ENCRYPTED_NOT_SECRET, PLAIN_TEXT_SECRET, misplaced_values
from .secrets import ConfigSecret
from .stack import JupyterHubConfig, StackConfig
from .stack_file import KeyPath, StackFile


class ConfigError(Exception):
    """The stack configuration is invalid; `problems` holds one `file:line: key: message` line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems

    def __str__(self) -> str:
        count = len(self.problems)
        heading = f"The stack configuration has {count} problem{'s' if count != 1 else ''}; nothing was deployed."
        return "\n".join([heading, *self.problems])


def _parse_value(raw: Any) -> Any:
    """Pulumi hands structured config to programs as JSON text and scalars as plain text."""
    if isinstance(raw, str) and raw[:1] in ("{", "["):
        try:
            return json.loads(raw)
        except json.JSONDecodeError:
            return raw
    return raw


def _mark_secret(data: dict[str, Any], path: KeyPath) -> None:
    node: Any = data
    for part in path[:-1]:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return
    last = path[-1]
    try:
        if isinstance(node[last], str):
            node[last] = ConfigSecret(node[last])
    except (KeyError, IndexError, TypeError):
        return


def _mark_all_strings(node: Any) -> Any:
    if isinstance(node, dict):
        return {key: _mark_all_strings(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_mark_all_strings(value) for value in node]
    return ConfigSecret(node) if isinstance(node, str) else node


def _model_at(path: Sequence[str | int]) -> type[BaseModel] | None:
    """The model class whose keys live at `path` (stack-file spelling), for listing valid keys."""
    candidates: list[Any] = [StackConfig]
    for part in path:
        following: list[Any] = []
        for candidate in candidates:
            if isinstance(candidate, type) and issubclass(candidate, BaseModel):
                for name, info in candidate.model_fields.items():
                    if (info.alias or name) == part:
                        following.extend(type_members(info.annotation))
            elif typing.get_origin(candidate) in (dict, list):
                following.extend(type_members(typing.get_args(candidate)[-1]))
        candidates = following
    models = [c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)]
    return models[0] if len(models) == 1 else None


def _clean_location(loc: Sequence[str | int], data: Any) -> tuple[list[str | int], str | None]:
    """Drop pydantic's union tags from an error location; return the key path and, for an invalid
    mapping key, that key (not part of the path)."""
    path: list[str | int] = []
    node = data
    bad_key = None
    for index, part in enumerate(loc):
        if part == "[key]":
            bad_key = str(path.pop()) if path else None
            continue
        if isinstance(node, Mapping) and part not in node and part in (node.get(k) for k in DISCRIMINATORS):
            continue  # the tag of a discriminated union: the value of its `type` or `kind` key
        if node is not None and not isinstance(node, (Mapping, list)):
            break  # past the value the user typed: the rest names members of a union it matched none of
        if (found := child(node, part)) is not MISSING:
            path.append(part)
            node = found
        elif isinstance(node, Mapping) and index + 1 < len(loc) and loc[index + 1] in node:
            continue  # a discriminated-union tag, not a key the user typed
        else:
            path.append(part)
            node = None
    return path, bad_key


_TAG_ERRORS = ("union_tag_invalid", "union_tag_not_found", "database_type")
DISCRIMINATORS = ("type", "kind")
"""The keys that choose a member of a union (an authenticator's `type`, a cluster's `kind`)."""


def _value_at(data: Any, path: Sequence[str | int]) -> Any:
    node = data
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def _dotted(path: Sequence[str | int]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def _message(error: Any, path: list[str | int], data: Any, project: str) -> str:
    kind = error["type"]
    if kind == "missing":
        return "required key is missing"
    if kind == "extra_forbidden":
        key = str(path[-1])
        model = _model_at(path[:-1])
        if model is None:
            return f"unknown key {key!r}"
        valid = sorted((info.alias or name) for name, info in model.model_fields.items())
        close = difflib.get_close_matches(key, valid, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return f"unknown key {key!r}{hint} (valid keys: {', '.join(valid)})"
    if kind in ("int_parsing", "float_parsing") and error.get("input") in ("true", "false"):
        return f"expected a number, not {error['input']}"
    if kind == ENCRYPTED_NOT_SECRET:
        return (
            "is stored encrypted, but this setting is not a secret: the program would write it in plain text "
            "(into a ConfigMap or an object's spec, so the state and every plan diff); store it without --secret"
        )
    if kind == PLAIN_TEXT_SECRET:
        full = ".".join(str(p) if not isinstance(p, int) else f"[{p}]" for p in path).replace(".[", "[")
        return f"is stored in plain text; store it encrypted with `pulumi config set --secret --path '{full}' <value>`"
    if kind in _TAG_ERRORS and kind != "database_type":
        expected = error.get("ctx", {}).get("expected_tags", "")
        return f"{path[-1]} must be one of {expected}" if expected and path else error["msg"]
    message = str(error["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)
    return message


def load_stack_config(
    project: str, values: Mapping[str, Any], secret_keys: set[str], stack_file: StackFile | None
) -> StackConfig:
    """Validate the project's config values; raise ConfigError listing every problem."""
    prefix = f"{project}:"
    data: dict[str, Any] = {}
    for full_key, raw in values.items():
        if full_key.startswith(prefix):
            value = _parse_value(raw)
            if stack_file is None and full_key in secret_keys:
                value = _mark_all_strings(value)
            data[full_key.removeprefix(prefix)] = value
    if stack_file is not None:
        for secure_path in stack_file.secure_paths:
            full_key = str(secure_path[0])
            if full_key.startswith(prefix):
                _mark_secret(data, (full_key.removeprefix(prefix), *secure_path[1:]))

    problems = _misspelt_namespaces(project, values, stack_file)
    if stack_file is not None:  # without it, every string of a key holding a secret counts as encrypted
        placed = [
            *misplaced_values(StackConfig, {key: value for key, value in data.items() if key != "defaults"}, []),
            *misplaced_values(JupyterHubConfig, data.get("defaults"), ["defaults"], plain_text=True),
        ]
        for path, kind in placed:
            message = _message({"type": kind}, path, data, project)
            problems.append(_locate(project, path, stack_file) + f"{_dotted(path)}: {message}")
    merged = apply_defaults(data)
    try:
        config = StackConfig.from_values(merged)
    except ValidationError as validation:
        problems += _problems_of(validation.errors(), merged, data, project, stack_file)
        problems += _cross_field_problems(merged, validation.errors(), data, project, stack_file)
        raise ConfigError(sorted(set(problems), key=_line_order)) from None
    if problems:
        raise ConfigError(sorted(set(problems), key=_line_order))
    return config


def _problems_of(
    errors: list[Any], merged: dict[str, Any], data: dict[str, Any], project: str, stack_file: StackFile | None
) -> list[str]:
    """pydantic's errors as `file:line: key.path: message` lines (`merged`: what was validated; `data`: the
    stack's own values, before defaults, which say where each value was typed)."""
    by_place: dict[str, list[str]] = {}
    secrets = _encrypted_strings(data)
    for error in _each_problem(errors):
        path, bad_key = _clean_location(_full_location(error), merged)
        path = origin(data, path)
        node = _value_at(data, path)
        if error["type"] in _TAG_ERRORS and isinstance(node, Mapping):
            path.extend(key for key in DISCRIMINATORS if key in node)
        # Validators may quote the value they refuse: where it was stored encrypted, no quoted text is shown.
        quotes_value = error["type"] not in _NAMES_ONLY and bool(_encrypted_strings(node))
        message = _without_secrets(_message(error, path, data, project), secrets, quotes_value)
        if bad_key is not None:
            message = f"key {bad_key!r}: {message}"
        line_path = [*path, bad_key] if bad_key is not None else path
        where = _locate(project, line_path, stack_file) + f"{_dotted(path)}: "
        # A value that matches no member of a union gets one error per member: one line, "or" between.
        if where in by_place:
            if message not in by_place[where]:
                by_place[where].append(message)
        else:
            by_place[where] = [message]
    return [
        where + ", or ".join([messages[0], *(m[:1].lower() + m[1:] for m in messages[1:])])
        for where, messages in by_place.items()
    ]


def _cross_field_problems(
    merged: dict[str, Any], errors: list[Any], data: dict[str, Any], project: str, stack_file: StackFile | None
) -> list[str]:
    """The problems of the rules across settings, which pydantic runs only on a valid stack: found on the
    stack without its invalid values, so a field's mistake hides neither its own hub's nor the other hubs'
    rule problems. A rule's problem at or under a removed value is left out: it would be about the
    built-in default that stood in for the user's value, not about what the user typed."""
    candidate: dict[str, Any] | None = copy.deepcopy(merged)
    removed: list[tuple[str | int, ...]] = []
    # Remove the invalid values; then the hubs still invalid without them (their errors were hidden
    # behind the first); then the rules have a valid stack to run on.
    for _ in range(3):
        candidate = _without(candidate, errors, removed)
        if candidate is None:
            return []
        try:
            StackConfig.from_values(candidate)
            return []
        except ValidationError as again:
            errors = again.errors()
        if all(not error["loc"] for error in errors):  # only the rules' problems are left
            kept = [error for error in _each_problem(errors) if not _under_any(_full_location(error), removed)]
            return _problems_of(kept, candidate, data, project, stack_file)
    return []


def _full_location(error: Any) -> tuple[str | int, ...]:
    """Where an error is, below the model that raised it when a rule names a key (NestedValueError)."""
    nested = error.get("ctx", {}).get("error")
    return (*error["loc"], *(nested.path if isinstance(nested, NestedValueError) else ()))


def _under_any(path: tuple[str | int, ...], prefixes: list[tuple[str | int, ...]]) -> bool:
    return any(path[: len(prefix)] == prefix for prefix in prefixes)


def _without(
    candidate: dict[str, Any], errors: list[Any], removed: list[tuple[str | int, ...]]
) -> dict[str, Any] | None:
    """`candidate` without the values the field errors are about (recorded in `removed`); a hub whose
    error cannot be removed alone (a missing key, an item of a list) goes whole. None when an error
    outside the hubs cannot be removed, or no hub is left."""
    targets = []
    for error in errors:
        if not error["loc"]:
            continue  # a rule's problem: it goes once the values it is about are valid
        path, bad_key = _clean_location(error["loc"], candidate)
        target = (*path, bad_key) if bad_key is not None else tuple(path)
        parent = _value_at(candidate, target[:-1]) if target else None
        if error["type"] == "missing" or not isinstance(parent, dict) or target[-1] not in parent:
            if len(target) < 2 or target[0] != "hubs":
                return None
            target = target[:2]  # the whole hub
        targets.append(target)
    for target in sorted(set(targets), key=len):
        if not _under_any(target, removed):
            parent = _value_at(candidate, target[:-1])
            if isinstance(parent, dict):
                parent.pop(target[-1], None)
            removed.append(target)
    return candidate if candidate.get("hubs") else None


HIDDEN = "<the encrypted value>"
_QUOTED = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")


def _encrypted_strings(node: Any) -> list[str]:
    """Every value stored encrypted at or below `node`, longest first."""
    if isinstance(node, ConfigSecret):
        return [str(node)]
    items = node.values() if isinstance(node, Mapping) else node if isinstance(node, list) else []
    return sorted({secret for item in items for secret in _encrypted_strings(item)}, key=len, reverse=True)


_NAMES_ONLY = ("missing", "extra_forbidden", ENCRYPTED_NOT_SECRET, PLAIN_TEXT_SECRET, *_TAG_ERRORS)
"""Problems whose messages quote only key and type names, never the value."""


def _without_secrets(message: str, secrets: list[str], quotes_value: bool) -> str:
    """A message that shows no decrypted value: each one it contains is replaced, and with `quotes_value`
    (a validator's message about an encrypted value) every quoted text, which may be a part of it."""
    if quotes_value:
        message = _QUOTED.sub(HIDDEN, message)
    for secret in secrets:
        message = message.replace(repr(secret), HIDDEN)
        if len(secret) >= 4:  # shorter ones would match ordinary words; they are hidden when quoted
            message = message.replace(secret, HIDDEN)
    return message


def _each_problem(errors: list[Any]) -> Iterator[Any]:
    """pydantic's errors, with a group of problems from one model's rules as one error each."""
    for error in errors:
        group = error.get("ctx", {}).get("error")
        if not isinstance(group, NestedProblemsError):
            yield error
            continue
        for problem in group.errors:
            yield {**error, "msg": f"Value error, {problem}", "ctx": {**error["ctx"], "error": problem}}


def _misspelt_namespaces(project: str, values: Mapping[str, Any], stack_file: StackFile | None) -> list[str]:
    """Keys whose namespace is a near miss of the project's (`jupyterhb:protectData`): Pulumi would keep
    them as another package's settings and the program would never see them. Other packages' keys
    (`gcp:project`, `kubernetes:context`) stay allowed."""
    problems = []
    for full_key in values:
        namespace, _, name = full_key.partition(":")
        if not name or namespace == project:
            continue
        if difflib.SequenceMatcher(None, namespace.lower(), project).ratio() >= 0.8:
            line = stack_file.line_of((full_key,)) if stack_file is not None else None
            where = f"{stack_file.path}:{line}: " if stack_file is not None and line else "stack config: "
            problems.append(
                f"{where}{full_key}: `{namespace}:` is not this project's namespace, so the setting would be "
                f"ignored: did you mean `{project}:{name}`?"
            )
    return problems


def _locate(project: str, path: Sequence[str | int], stack_file: StackFile | None) -> str:
    if stack_file is None:
        return "stack config: "
    if not path:
        return f"{stack_file.path}:1: "
    line = stack_file.line_of((f"{project}:{path[0]}", *path[1:]))
    return f"{stack_file.path}:{line}: " if line else f"{stack_file.path}: "


def _line_order(problem: str) -> tuple[int, str]:
    parts = problem.split(":")
    return (int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0, problem)
