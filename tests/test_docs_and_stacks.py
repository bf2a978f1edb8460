"""Generated docs stay current, stack files validate against the JSON Schema, and every stack plans."""

import json
from pathlib import Path

import jsonschema
import pytest
from ruamel.yaml import YAML

from components.config.introspection import models_below
from components.hub.settings_contract import HubSettings
from tools.docs import (
    HUB_SETTINGS_SCHEMA,
    REFERENCE,
    SCHEMA,
    configuration_reference,
    hub_settings_schema,
    stack_file_schema,
)
from tools.plan import make_plan

from .helpers import ROOT
from .schemas import KUBERNETES_VERSIONS, schema_problems
from .wiring import (
    check_class_calendar,
    check_https_front_wiring,
    check_hub_proxy_wiring,
    check_image_pullers,
    check_references,
    check_service_selectors,
    check_user_scheduler,
)

STACK_FILES = sorted([ROOT / "Pulumi.dev.yaml", *(ROOT / "stacks").glob("*.yaml")])


def test_configuration_reference_is_current():
    assert REFERENCE.read_text() == configuration_reference(), "run `make docs`"


def test_json_schema_is_current():
    assert json.loads(SCHEMA.read_text()) == stack_file_schema(), "run `make docs`"


def test_hub_settings_schema_is_current():
    assert json.loads(HUB_SETTINGS_SCHEMA.read_text()) == hub_settings_schema(), "run `make docs`"


def test_every_hub_setting_has_a_description():
    missing = []
    for model in models_below(HubSettings):
        missing += [f"{model.__name__}.{name}" for name, field in model.model_fields.items() if not field.description]
    assert missing == []


def test_every_config_field_has_a_description():
    from components.config.introspection import field_docstrings, models_below
    from components.config.stack import StackConfig

    models = models_below(StackConfig)
    missing = [
        f"{model.__name__}.{name}"
        for model in models
        for name in model.model_fields
        if name not in field_docstrings(model)
    ]
    assert missing == []
    assert len(models) > 15


@pytest.mark.parametrize("path", STACK_FILES, ids=[p.name for p in STACK_FILES])
def test_stack_file_matches_the_json_schema(path: Path):
    jsonschema.validate(YAML(typ="safe").load(path.read_text()), stack_file_schema())


def test_json_schema_refuses_an_unknown_key():
    document = YAML(typ="safe").load((ROOT / "Pulumi.dev.yaml").read_text())
    document["config"]["jupyterhub:hubs"]["jupyterhub"]["hub"]["imagee"] = "x"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(document, stack_file_schema())


@pytest.mark.parametrize("path", STACK_FILES, ids=[p.name for p in STACK_FILES])
def test_every_stack_plans_with_strictly_valid_wired_objects(path: Path):
    stack = path.stem.removeprefix("Pulumi.")
    objects = make_plan(stack).kubernetes_objects()
    assert objects
    for version in KUBERNETES_VERSIONS:
        assert [p for obj in objects for p in schema_problems(obj, version)] == []
    assert check_service_selectors(objects) == [] and check_references(objects) == []
    assert check_hub_proxy_wiring(objects) == []
    assert check_https_front_wiring(objects) == []
    assert check_class_calendar(objects) == []
    assert check_image_pullers(objects) == []
    assert check_user_scheduler(objects) == []
    hub_config_maps = [o for o in objects if o["kind"] == "ConfigMap" and o["metadata"]["name"] == "hub"]
    assert hub_config_maps
    for config_map in hub_config_maps:  # what the hub reads is what the committed contract schema describes
        jsonschema.validate(
            json.loads(config_map["data"]["settings.json"]), json.loads(HUB_SETTINGS_SCHEMA.read_text())
        )


@pytest.mark.parametrize("path", STACK_FILES, ids=[p.name for p in STACK_FILES])
def test_stack_files_carry_the_schema_modeline(path: Path):
    assert path.read_text().startswith("# yaml-language-server: $schema=")


@pytest.mark.parametrize("path", STACK_FILES, ids=[p.name for p in STACK_FILES])
def test_every_stack_hub_loads_its_configuration_without_the_network(path: Path, tmp_path: Path, monkeypatch):
    """The shipped jupyterhub_config.py loads each hub of each stack with valid traits, and reaches no
    other machine while it does (a provider's discovery document waits for the first login: tools that
    render user pods from a hub's configuration run offline)."""
    import socket

    from .hub_config import lay_out_hub_files, load_hub_config, trait_problems

    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"the hub's configuration reached for the network: {args}")

    stack = path.stem.removeprefix("Pulumi.")
    objects = make_plan(stack).kubernetes_objects()
    namespaces = [
        o["metadata"]["namespace"] for o in objects if o["kind"] == "ConfigMap" and o["metadata"]["name"] == "hub"
    ]
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    for namespace in namespaces:
        config_dir, secret_dir = lay_out_hub_files(objects, namespace, tmp_path / namespace)
        assert trait_problems(load_hub_config(config_dir, secret_dir)) == [], namespace
