"""Load the shipped jupyterhub_config.py with traitlets, as the hub pod does, from a plan's files."""

import json
import os
from pathlib import Path
from typing import Any

from traitlets import HasTraits
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from components.hub.component import CONFIG_FILE, SETTINGS_FILE

from .helpers import find


def lay_out_hub_files(objects: list[dict[str, Any]], namespace: str, directory: Path) -> tuple[Path, Path]:
    """Write the hub ConfigMap's files and the hub Secret's keys (with test values of the same shape,
    since the plan redacts them) where the pod would mount them; return (config dir, secret dir)."""
    config_dir, secret_dir = directory / "config", directory / "secret"
    config_dir.mkdir(parents=True)
    secret_dir.mkdir(parents=True)
    for name, content in find(objects, "ConfigMap", "hub", namespace)["data"].items():
        (config_dir / name).write_text(content)
    for key in find(objects, "Secret", "hub", namespace)["stringData"]:
        value = {"db-url": "postgresql://hub:pw@db.example.edu:5432/jupyterhub"}.get(key, os.urandom(32).hex())
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


def configurable_classes() -> dict[str, type]:
    """The classes whose sections jupyterhub_config.py may set."""
    from jupyterhub.app import JupyterHub
    from jupyterhub.auth import Authenticator, DummyAuthenticator
    from jupyterhub.crypto import CryptKeeper
    from jupyterhub.proxy import ConfigurableHTTPProxy
    from kubespawner import KubeSpawner
    from oauthenticator.generic import GenericOAuthenticator
    from oauthenticator.github import GitHubOAuthenticator
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
    ]
    return {cls.__name__: cls for cls in classes}


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


def settings_of(config_dir: Path) -> dict[str, Any]:
    """The settings.json laid out for the hub."""
    return json.loads((config_dir / SETTINGS_FILE).read_text())
