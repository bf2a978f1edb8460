"""Generate the configuration reference and the JSON Schema from the config models (`make docs`).

docs/configuration.md: every key of a stack file with its type, default and the field's docstring.
docs/stack-config.schema.json: the JSON Schema of a stack file, for editors (yaml-language-server).
docs/hub-settings.schema.json: the JSON Schema of the settings.json each hub reads (the hub's contract).
All three are committed; a test fails when one is out of date.
"""

import json
import sys
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo
from pydantic_core import to_jsonable_python

from components.config.introspection import attach_descriptions, type_members
from components.config.stack import StackConfig
from components.hub.settings_contract import HubSettings

attach_descriptions(StackConfig)
attach_descriptions(HubSettings)

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "docs" / "configuration.md"
SCHEMA = ROOT / "docs" / "stack-config.schema.json"
HUB_SETTINGS_SCHEMA = ROOT / "docs" / "hub-settings.schema.json"
PROJECT = "jupyterhub"


def _type_name(annotation: Any) -> str:
    names = []
    for member in type_members(annotation):
        origin = typing.get_origin(member)
        if member is type(None):
            continue
        if origin is typing.Literal:
            names.append(" \\| ".join(f"`{value}`" for value in typing.get_args(member)))
        elif origin is list:
            names.append(f"list of {_type_name(typing.get_args(member)[0])}")
        elif origin is dict:
            key, value = typing.get_args(member)
            names.append(f"map of {_type_name(key)} to {_type_name(value)}")
        elif isinstance(member, type) and issubclass(member, SecretStr):
            names.append("secret")
        elif isinstance(member, type) and issubclass(member, BaseModel):
            names.append("object")
        else:
            names.append(getattr(member, "__name__", str(member)))
    return " or ".join(dict.fromkeys(names)) or "null"


def _default(field: FieldInfo) -> str:
    if field.is_required():
        return "**required**"
    value = field.get_default(call_default_factory=True)
    if isinstance(value, BaseModel):
        return "see below"
    if value in (None, [], {}):
        return "empty"
    return f"`{json.dumps(to_jsonable_python(value, by_alias=True))}`"


def _one_line(text: str | None) -> str:
    return " ".join((text or "").split()).replace("|", "\\|")


def _model_members(field: FieldInfo) -> int:
    """How many configuration models a field may hold (a union of several needs its members named)."""
    members = type_members(field.annotation)
    return sum(1 for member in members if isinstance(member, type) and issubclass(member, BaseModel))


def _document(model: type[BaseModel], path: str, lines: list[str], seen: set[tuple[type, str]]) -> None:
    if (model, path) in seen:
        return
    seen.add((model, path))
    lines += [
        "",
        f"### `{path}`",
        "",
        _one_line(model.__doc__),
        "",
        "| key | type | default | description |",
        "| --- | --- | --- | --- |",
    ]
    nested: list[tuple[type[BaseModel], str]] = []
    for name, field in model.model_fields.items():
        key = field.alias or name
        lines.append(
            f"| `{key}` | {_type_name(field.annotation)} | {_default(field)} | {_one_line(field.description)} |"
        )
        for member in type_members(field.annotation):
            origin = typing.get_origin(member)
            inner = member
            suffix = ""
            if origin is list:
                inner, suffix = type_members(typing.get_args(member)[0])[0], "[]"
            elif origin is dict:
                inner, suffix = type_members(typing.get_args(member)[1])[0], ".<name>"
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                kind = ""
                type_field = inner.model_fields.get("type") or inner.model_fields.get("kind")
                if type_field is not None and typing.get_origin(type_field.annotation) is typing.Literal:
                    kind = f" ({typing.get_args(type_field.annotation)[0]})"
                elif (variant := getattr(inner, "VARIANT", None)) is not None and _model_members(field) > 1:
                    kind = f" ({variant})"  # a union member without a `type` or `kind` key
                nested.append((inner, f"{path}.{key}{suffix}{kind}"))
    for inner, inner_path in nested:
        _document(inner, inner_path, lines, seen)


def configuration_reference() -> str:
    """docs/configuration.md's content."""
    lines = [
        "# Configuration reference",
        "",
        "Generated from the config models by `make docs` (`python -m tools.docs`); do not edit by hand.",
        f"Each top-level key is written in a stack file as `{PROJECT}:<key>` under `config:`.",
        "Secrets are set with `pulumi config set --secret --path '<key.path>' <value>`.",
    ]
    _document(StackConfig, PROJECT, lines, set())
    return "\n".join(lines) + "\n"


def _partial(schema: Any) -> Any:
    """A schema that accepts part of a setting: a hub may leave keys to `defaults`, and `defaults` holds
    parts of hubs. Nothing is required; unions are any-of (a part may fit several members); unknown keys
    and wrong types are still refused. The program's validation of the merged hubs names what is missing."""
    if isinstance(schema, dict):
        return {
            ("anyOf" if key == "oneOf" else key): _partial(value)
            for key, value in schema.items()
            if key not in ("required", "discriminator")
        }
    if isinstance(schema, list):
        return [_partial(item) for item in schema]
    return schema


def stack_file_schema() -> dict[str, Any]:
    """The JSON Schema of a whole stack file (`config:` with project-prefixed keys)."""
    schema = StackConfig.model_json_schema(by_alias=True, mode="validation")
    definitions = {name: _partial(definition) for name, definition in schema.pop("$defs", {}).items()}
    properties = {f"{PROJECT}:{key}": value for key, value in schema["properties"].items()}
    properties[f"{PROJECT}:defaults"] = {
        **properties[f"{PROJECT}:defaults"],
        "type": "object",
        "$ref": "#/$defs/JupyterHubConfig",
    }
    properties[f"{PROJECT}:defaults"].pop("additionalProperties", None)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "JupyterHub stack file",
        "description": "A Pulumi stack file of the jupyterhub project (Pulumi.<stack>.yaml or stacks/<stack>.yaml).",
        "type": "object",
        "properties": {
            "config": {
                "type": "object",
                "description": _one_line(StackConfig.__doc__),
                "properties": properties,
                "required": [f"{PROJECT}:{key}" for key in schema.get("required", [])],
                # Other providers' settings (kubernetes:, gcp:, aws:, pulumi:) may sit beside ours.
                "patternProperties": {f"^(?!{PROJECT}:).+:.+$": {}},
                "additionalProperties": False,
            },
            "secretsprovider": {"type": "string"},
            "encryptedkey": {"type": "string"},
            "encryptionsalt": {"type": "string"},
            "environment": {},
        },
        "$defs": definitions,
    }


def hub_settings_schema() -> dict[str, Any]:
    """The JSON Schema of settings.json as the stack writes it (every key present)."""
    schema = HubSettings.model_json_schema(by_alias=True, mode="serialization")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "JupyterHub hub settings (settings.json)",
        **schema,
    }


def main() -> int:
    """Write the three files."""
    REFERENCE.parent.mkdir(exist_ok=True)
    REFERENCE.write_text(configuration_reference())
    SCHEMA.write_text(json.dumps(stack_file_schema(), indent=2, sort_keys=True) + "\n")
    HUB_SETTINGS_SCHEMA.write_text(json.dumps(hub_settings_schema(), indent=2, sort_keys=True) + "\n")
    written = (REFERENCE, SCHEMA, HUB_SETTINGS_SCHEMA)
    print("wrote " + ", ".join(str(path.relative_to(ROOT)) for path in written))
    return 0


if __name__ == "__main__":
    sys.exit(main())
