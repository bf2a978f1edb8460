"""Where a stack file's encrypted and plain-text values sit against the settings that hold them.

An encrypted value (`secure:`) belongs only where the program carries it in a Kubernetes Secret: at a
secret setting (a client secret, a database URL) or one that may be either (`extraEnv`). Anywhere else it
would be decrypted and written in plain text into a ConfigMap or an object's spec, so into the state and
every plan diff: refused. A plain-text value at a secret setting is refused by validation itself; in
`defaults`, which is only validated through the hubs, this walk finds it too.
"""

import typing
from collections.abc import Iterator, Mapping
from typing import Any

from pydantic import BaseModel

from .introspection import type_members
from .secrets import ConfigSecret, may_be_encrypted, must_be_encrypted

Path = list[str | int]
ENCRYPTED_NOT_SECRET = "encrypted_not_secret"
PLAIN_TEXT_SECRET = "plain_text_secret"


def misplaced_values(annotation: Any, value: Any, path: Path, plain_text: bool = False) -> Iterator[tuple[Path, str]]:
    """(path, problem kind) for each encrypted value at a setting that is not secret, and with
    `plain_text`, each plain-text value at a secret setting; `value` is read as `annotation`."""
    if must_be_encrypted(annotation):
        if plain_text and isinstance(value, str) and not isinstance(value, ConfigSecret):
            yield path, PLAIN_TEXT_SECRET
        return
    if may_be_encrypted(annotation):
        return
    if isinstance(value, ConfigSecret):
        yield path, ENCRYPTED_NOT_SECRET
        return
    members = type_members(annotation)
    if isinstance(value, Mapping):
        models = [m for m in members if isinstance(m, type) and issubclass(m, BaseModel)]
        dicts = [m for m in members if typing.get_origin(m) is dict]
        for key, item in value.items():
            if models:
                inner = [
                    info.annotation
                    for model in models
                    for name, info in model.model_fields.items()
                    if (info.alias or name) == key
                ]
            else:
                inner = [typing.get_args(dicts[0])[1]] if dicts else [Any]
            if any(may_be_encrypted(each) for each in inner):
                inner = [each for each in inner if may_be_encrypted(each)]
            for each in inner[:1]:  # an unknown key has none: its own error says so
                yield from misplaced_values(each, item, [*path, key], plain_text)
    elif isinstance(value, list):
        lists = [m for m in members if typing.get_origin(m) is list]
        item_type = typing.get_args(lists[0])[0] if lists else Any
        for index, item in enumerate(value):
            yield from misplaced_values(item_type, item, [*path, index], plain_text)
