"""Secret settings: accepted only when the user stored them encrypted (`pulumi config set --secret`)."""

from typing import Annotated, Any

from pydantic import BeforeValidator, SecretStr, WithJsonSchema
from pydantic_core import PydanticCustomError

from .introspection import type_members
from .stack_file import SECRET_PLACEHOLDER_PREFIX


class ConfigSecret(str):
    """A configuration string that was stored encrypted in the stack (marked by the loader)."""


def _must_be_encrypted(value: Any) -> Any:
    if isinstance(value, str) and not isinstance(value, ConfigSecret):
        raise PydanticCustomError(
            "plain_text_secret",
            "is stored in plain text; store it encrypted with `pulumi config set --secret --path '{path}' <value>`",
            {"path": "<this key>"},
        )
    return value


def is_unknown(value: str) -> bool:
    """Whether a secret's value is unknown here: an offline plan sees only that the stack holds an
    encrypted value, not the value, so checks of its content are skipped (like Pulumi's unknowns)."""
    return value.startswith(SECRET_PLACEHOLDER_PREFIX)


ENCRYPTED_VALUE_SCHEMA = {
    "type": "object",
    "description": "An encrypted value, written by `pulumi config set --secret --path`.",
    "properties": {"secure": {"type": "string"}},
    "required": ["secure"],
    "additionalProperties": False,
}

Secret = Annotated[SecretStr, BeforeValidator(_must_be_encrypted), WithJsonSchema(ENCRYPTED_VALUE_SCHEMA)]
"""A secret string: never printed, never in plain text in the stack file, plan or ConfigMaps."""


def _secret_if_encrypted(value: Any) -> Any:
    return SecretStr(value) if isinstance(value, ConfigSecret) else value


PlainOrSecret = Annotated[
    str | SecretStr,
    BeforeValidator(_secret_if_encrypted),
    WithJsonSchema({"anyOf": [{"type": "string"}, ENCRYPTED_VALUE_SCHEMA]}),
]
"""A string that is secret when the user stored it encrypted (then carried in a Kubernetes Secret, never
in a ConfigMap), plain text otherwise."""


def may_be_encrypted(annotation: Any) -> bool:
    """Whether a setting of this type can carry an encrypted value (it is a Secret or PlainOrSecret)."""
    return any(member is SecretStr for member in type_members(annotation))


def must_be_encrypted(annotation: Any) -> bool:
    """Whether a setting of this type is a secret in any case (plain text refused)."""
    members = type_members(annotation)
    return SecretStr in members and str not in members
