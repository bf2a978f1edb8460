"""Department-wide defaults: `jupyterhub:defaults` holds hub settings that every hub gets unless it sets
its own. The rules, applied to the stack file's data before validation:

- mappings merge key by key, at every depth (a hub setting `singleuser.memory.limit` keeps the default
  `singleuser.memory.guarantee`);
- a hub's scalar or list replaces the default whole: lists are never concatenated (a hub's
  `adminUsers` is that hub's complete list of admins);
- `null` in a hub removes the default for that hub (the built-in default applies again).
"""

from collections.abc import Mapping
from typing import Any


def merge(defaults: Any, own: Any) -> Any:
    """A hub's settings on top of the defaults, by the rules above."""
    if isinstance(defaults, dict) and isinstance(own, dict):
        merged = dict(defaults)
        for key, value in own.items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = merge(defaults.get(key), value)
        return merged
    return own


def apply_defaults(data: dict[str, Any]) -> dict[str, Any]:
    """The stack data with `defaults` merged into every hub (`defaults` itself stays for the record)."""
    defaults = data.get("defaults")
    hubs = data.get("hubs")
    if not isinstance(defaults, dict) or not defaults or not isinstance(hubs, dict):
        return data
    return {**data, "hubs": {name: merge(defaults, hub if hub is not None else {}) for name, hub in hubs.items()}}


def origin(data: dict[str, Any], path: list[str | int]) -> list[str | int]:
    """Where a hub's value at `path` (`hubs.<name>...`) was typed: in the hub, or in `defaults` when
    only the defaults have it (a value neither has stays the hub's: the problem is the hub's)."""
    if len(path) < 3 or path[0] != "hubs" or not isinstance(data.get("defaults"), dict):
        return path
    hub = (data.get("hubs") or {}).get(path[1])
    if _has(hub, path[2:]) or not _has(data["defaults"], path[2:]):
        return path
    return ["defaults", *path[2:]]


MISSING = object()
"""What `child` returns where there is no such key or index."""


def child(node: Any, part: str | int) -> Any:
    """The value at `part` of a mapping (a key) or a list (an index), or MISSING."""
    if isinstance(node, list):
        return node[part] if isinstance(part, int) and 0 <= part < len(node) else MISSING
    if isinstance(node, Mapping):
        return node.get(part, MISSING)
    return MISSING


def _has(node: Any, path: list[str | int]) -> bool:
    for part in path:
        node = child(node, part)
        if node is MISSING:
            return False
    return True
