"""Load the shipped jupyterhub_config.py with traitlets, as the hub pod does, from a plan's files."""

import base64
import json
import os
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from traitlets import HasTraits
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from components.config.introspection import type_members
from components.hub.component import CONFIG_FILE, SETTINGS_FILE
from components.hub.secret import DATABASE_URL_KEY
from components.hub.settings_contract import HubSettings

from .helpers import find


def lay_out_hub_files(objects: list[dict[str, Any]], namespace: str, directory: Path) -> tuple[Path, Path]:
    """Write the hub ConfigMap's files and the hub Secret's keys (with test values of the same shape,
    since the plan redacts them) where the pod would mount them; return (config dir, secret dir)."""
    config_dir, secret_dir = directory / "config", directory / "secret"
    config_dir.mkdir(parents=True)
    secret_dir.mkdir(parents=True)
    config_map = find(objects, "ConfigMap", "hub", namespace)
    for name, content in config_map["data"].items():
        (config_dir / name).write_text(content)
    for name, content in config_map.get("binaryData", {}).items():
        (config_dir / name).write_bytes(base64.b64decode(content))
    for key in find(objects, "Secret", "hub", namespace)["stringData"]:
        value = {DATABASE_URL_KEY: "postgresql://hub:pw@db.example.edu:5432/jupyterhub"}.get(key, os.urandom(32).hex())
        (secret_dir / key).write_text(value)
    return config_dir, secret_dir


def load_hub_config(config_dir: Path, secret_dir: Path) -> Config:
    """The traitlets Config that jupyterhub_config.py builds from these files."""
    saved = {name: os.environ.get(name) for name in ("HUB_CONFIG_DIR", "HUB_SECRET_DIR")}
    os.environ["HUB_CONFIG_DIR"], os.environ["HUB_SECRET_DIR"] = str(config_dir), str(secret_dir)
    try:
        return PyFileConfigLoader(CONFIG_FILE, path=str(config_dir)).load_config()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


class _ReadRecorder(dict[str, Any]):
    """A JSON object that notes the key path of every key read from it (`spawner.profiles[].slug`)."""

    def __init__(self, content: dict[str, Any], path: str, read: set[str]) -> None:
        super().__init__({key: _recording(value, f"{path}{key}", read) for key, value in content.items()})
        self._path, self._read = path, read

    def __getitem__(self, key: str) -> Any:
        self._read.add(f"{self._path}{key}")
        return super().__getitem__(key)

    def get(self, key: str, default: Any = None) -> Any:
        self._read.add(f"{self._path}{key}")
        return super().get(key, default)

    def items(self) -> Any:
        self._read.update(f"{self._path}{key}" for key in self)
        return super().items()


def _recording(value: Any, path: str, read: set[str]) -> Any:
    if isinstance(value, dict):
        return _ReadRecorder(value, f"{path}.", read)
    if isinstance(value, list):
        return [_recording(item, f"{path}[]", read) for item in value]
    return value


def settings_paths_read(config_dir: Path, secret_dir: Path) -> set[str]:
    """The key paths of settings.json that jupyterhub_config.py reads when the hub loads these files."""
    read: set[str] = set()
    settings_text = (config_dir / SETTINGS_FILE).read_text(encoding="utf-8")
    plain_loads = json.loads

    def loads(text: str | bytes, **kwargs: Any) -> Any:
        document = plain_loads(text, **kwargs)
        return _ReadRecorder(document, "", read) if text == settings_text else document

    json.loads = loads  # the config file calls json.loads on settings.json's text
    try:
        load_hub_config(config_dir, secret_dir)
    finally:
        json.loads = plain_loads
    return read


def shipped_definitions(names: set[str], namespace: dict[str, Any]) -> dict[str, Any]:
    """Top-level definitions of the shipped jupyterhub_config.py (functions, classes, assignments and
    `.update(...)` calls of those names), run on their own in `namespace` (the rest of the file needs a
    running hub): for unit tests of the code the hub runs, as the ConfigMap ships it."""
    import ast

    from components.hub.component import jupyterhub_config_source

    wanted = []
    for node in ast.parse(jupyterhub_config_source()).body:
        defined = {getattr(node, "name", None)} | {getattr(t, "id", None) for t in getattr(node, "targets", [])}
        call = node.value if isinstance(node, ast.Expr) else None
        updated = isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)
        if defined & names or (updated and getattr(call.func.value, "id", None) in names):  # type: ignore[union-attr]
            wanted.append(node)
    found = {getattr(n, "name", None) for n in wanted} | {
        getattr(t, "id", None) for n in wanted for t in getattr(n, "targets", [])
    }
    assert names <= found, f"jupyterhub_config.py no longer defines {sorted(names - found)}"
    exec(compile(ast.Module(body=wanted, type_ignores=[]), CONFIG_FILE, "exec"), namespace)  # noqa: S102
    return namespace


def configurable_classes() -> dict[str, type]:
    """The classes whose sections jupyterhub_config.py may set."""
    from jupyterhub.app import JupyterHub
    from jupyterhub.auth import Authenticator, DummyAuthenticator
    from jupyterhub.crypto import CryptKeeper
    from jupyterhub.proxy import ConfigurableHTTPProxy
    from kubespawner import KubeSpawner
    from ldapauthenticator import LDAPAuthenticator
    from ltiauthenticator.lti13.auth import LTI13Authenticator
    from oauthenticator.azuread import AzureAdOAuthenticator
    from oauthenticator.cilogon import CILogonOAuthenticator
    from oauthenticator.generic import GenericOAuthenticator
    from oauthenticator.github import GitHubOAuthenticator
    from oauthenticator.gitlab import GitLabOAuthenticator
    from oauthenticator.google import GoogleOAuthenticator
    from oauthenticator.oauth2 import OAuthenticator

    classes = [
        JupyterHub,
        Authenticator,
        DummyAuthenticator,
        CryptKeeper,
        ConfigurableHTTPProxy,
        KubeSpawner,
        OAuthenticator,
        GitHubOAuthenticator,
        GoogleOAuthenticator,
        GenericOAuthenticator,
        AzureAdOAuthenticator,
        CILogonOAuthenticator,
        GitLabOAuthenticator,
        LDAPAuthenticator,
        LTI13Authenticator,
    ]
    return {cls.__name__: cls for cls in classes}


NOT_SET = "(not set)"


def effective_trait(config: Config, class_name: str, trait: str) -> Any:
    """A trait's value for a class as traitlets resolves it: its own section's, else its nearest parent
    class's (`c.OAuthenticator.admin_groups` is GitHubOAuthenticator's too); NOT_SET where none sets it."""
    for cls in configurable_classes()[class_name].mro():
        if cls.__name__ in config and trait in config[cls.__name__]:
            return config[cls.__name__][trait]
    return NOT_SET


def trait_problems(config: Config) -> list[str]:
    """Settings of unknown classes or traits, or values the trait refuses."""
    classes = configurable_classes()
    holder = HasTraits()
    problems = []
    for section, values in config.items():
        cls = classes.get(section)
        if cls is None:
            problems.append(f"{section}: not a known configurable class")
            continue
        traits = cls.class_traits(config=True)
        for name, value in values.items():
            if name not in traits:
                problems.append(f"{section}.{name}: no such configurable trait")
                continue
            try:
                traits[name].validate(holder, value)
            except Exception as error:  # noqa: BLE001 - any refusal is a problem to report
                problems.append(f"{section}.{name} = {value!r}: {error}")
    return problems


def contract_paths(model: type[BaseModel] = HubSettings, prefix: str = "") -> dict[str, bool]:
    """Every key path of the settings contract (through every variant of a union), each mapped to
    whether it is a leaf (a value the hub uses as it is, not a part of the contract with keys of its own)."""
    paths: dict[str, bool] = {}
    for name, field in model.model_fields.items():
        path = f"{prefix}{field.alias or name}"
        annotation = field.annotation
        while typing.get_origin(annotation) is list and typing.get_args(annotation):
            annotation, path = typing.get_args(annotation)[0], f"{path}[]"
        inner = [m for m in type_members(annotation) if isinstance(m, type) and issubclass(m, BaseModel)]
        paths[path.removesuffix("[]")] = not inner
        for member in inner:
            paths.update(contract_paths(member, f"{path}."))
    return paths
