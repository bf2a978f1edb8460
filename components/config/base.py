"""The base of every configuration model: strict, camelCase in YAML, documented by docstrings."""

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


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


class NestedValueError(ValueError):
    """A problem found by a model-level rule about a key below the model, so the error points there.

    `path` is relative to the model that raises it, in stack-file spelling (camelCase keys, list indexes).
    """

    def __init__(self, path: tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.path = path
