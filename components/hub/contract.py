"""The base of every part of the hub's settings contract (settings_contract.py)."""

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel


class Contract(BaseModel):
    """A part of settings.json: camelCase keys, nothing unknown, immutable. Field docstrings become the
    schema's descriptions (attached on demand, as for the config models)."""

    model_config = ConfigDict(
        extra="forbid",
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        frozen=True,
        json_schema_serialization_defaults_required=True,  # the stack writes every key
    )
