"""Secret settings: accepted only when the user stored them encrypted (`pulumi config set --secret`)."""

from typing import Annotated, Any

from pydantic import BeforeValidator, SecretStr
from pydantic_core import PydanticCustomError


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


Secret = Annotated[SecretStr, BeforeValidator(_must_be_encrypted)]
"""A secret string: never printed, never in plain text in the stack file, plan or ConfigMaps."""
