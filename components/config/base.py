"""The base of every configuration model: strict, camelCase in YAML, documented by docstrings."""

import functools
from typing import Any

from pydantic import BaseModel, ConfigDict, model_validator
from pydantic.alias_generators import to_camel

from .introspection import type_members


class Model(BaseModel):
    """A strict, immutable configuration model.

    Keys are camelCase in stack files (like every Pulumi and Kubernetes setting) and unknown keys are
    errors. The docstring under each field is its description in the JSON Schema and in
    docs/configuration.md (attached by introspection.attach_descriptions, not at import).
    """

    model_config = ConfigDict(
        extra="forbid",
        alias_generator=to_camel,
        populate_by_name=False,
        frozen=True,
        validate_default=True,
    )

    @model_validator(mode="before")
    @classmethod
    def _no_true_or_false_for_numbers(cls, data: Any) -> Any:
        """pydantic reads `true` as 1 where a number belongs (`maxNodes: true` would be one node): such a
        value is handed on as the text the engine would pass, which the number's own check refuses at
        its key, alongside every other problem of the model."""
        if not isinstance(data, dict):
            return data
        numeric = _numeric_keys(cls)
        if not any(isinstance(data.get(key), bool) for key in numeric):
            return data
        return {
            key: ("true" if value else "false") if key in numeric and isinstance(value, bool) else value
            for key, value in data.items()
        }


class NestedValueError(ValueError):
    """A problem found by a model-level rule about a key below the model, so the error points there.

    `path` is relative to the model that raises it, in stack-file spelling (camelCase keys, list indexes).
    """

    def __init__(self, path: tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.path = path


@functools.cache
def _numeric_keys(model: type[BaseModel]) -> frozenset[str]:
    """The keys (aliases) of a model's fields that hold only numbers (int or float, never a bool)."""
    keys = set()
    for name, info in model.model_fields.items():
        members = [member for member in type_members(info.annotation) if member is not type(None)]
        if members and all(member in (int, float) for member in members):
            keys.add(info.alias or to_camel(name))
    return frozenset(keys)


class NestedProblemsError(ValueError):
    """Several problems found by a model's rules, each reported at its own key (see NestedValueError)."""

    def __init__(self, errors: list[NestedValueError]) -> None:
        super().__init__("; ".join(str(error) for error in errors))
        self.errors = errors
