"""A hub of one login provider with its stand-in (tests/e2e/identity_provider.py) on this machine's
loopback: the provider serves HTTPS with a test CA that the hub trusts, and signs with a key the test
can sign with too (as an LMS)."""

import contextlib
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from ..helpers import plan_config, stack_config
from .acme import write_tls_files
from .hub_harness import HubUnderTest, hub_from_plan, local_service_addresses
from .identity_provider import new_signing_key
from .processes import LOOPBACK, free_port, running, wait_until

HOST = "hub.uni.edu"
ROOT = Path(__file__).parents[2]


@dataclass(frozen=True)
class Provider:
    """A stand-in provider on a port: its base URL, and the key it (and an LMS) signs with."""

    url: str
    port: int
    key_file: Path
    ca_file: Path


@contextlib.contextmanager
def provider_hub(
    directory: Path, label: str, authenticator: dict[str, Any], accounts: dict[str, Any]
) -> Iterator[tuple[HubUnderTest, Provider]]:
    """A running hub (namespace `label`) of one authenticator, and the stand-in provider it logs in with:
    PROVIDER and PORT in the settings stand for the provider's URL and port."""
    port = free_port()
    provider_url = f"https://{LOOPBACK}:{port}"
    config = {
        "host": HOST,
        "hub": {"authenticator": resolve(authenticator, provider_url, port), "adminUsers": []},
    }
    plan = plan_config(directory, stack_config({label: config}), stack=label)
    objects = plan.kubernetes_objects()
    ca, _, _ = write_tls_files(directory / "tls")
    key_file = directory / "signing-key.pem"
    new_signing_key(key_file)
    (directory / "accounts.json").write_text(json.dumps(accounts))
    command = [sys.executable, "-m", "tests.e2e.identity_provider", "--port", str(port)]
    command += ["--accounts", str(directory / "accounts.json"), "--signing-key", str(key_file)]
    command += ["--tls-dir", str(directory / "tls"), "--issuer", provider_url]
    log = directory / "provider.log"
    with running(command, log, cwd=ROOT) as process:
        wait_until(lambda: _answers(provider_url, ca, process), 30, "the stand-in provider", log)
        with hub_from_plan(
            objects,
            label,
            directory / "hub",
            addresses=local_service_addresses(objects, label),
            hub_environment={"SSL_CERT_FILE": str(ca)},  # the campus CA, as an image would carry it
        ) as running_hub:
            yield running_hub, Provider(provider_url, port, key_file, ca)


def _answers(url: str, ca: Path, process: Any) -> bool:
    assert process.poll() is None, "the stand-in provider ended"
    try:
        return requests.get(f"{url}/jwks", verify=str(ca), timeout=2).status_code == 200
    except requests.ConnectionError:
        return False


def resolve(value: Any, provider_url: str, port: int) -> Any:
    """The authenticator settings with PROVIDER / PORT standing for the stand-in's address."""
    if isinstance(value, dict):
        return {key: resolve(item, provider_url, port) for key, item in value.items()}
    if isinstance(value, list):
        return [resolve(item, provider_url, port) for item in value]
    if isinstance(value, str):
        return value.replace("PROVIDER", provider_url).replace("PORT", str(port))
    return value
