"""Run a stack's Hub and Proxy for real on 127.0.0.1, from the objects its plan declares.

The hub ConfigMap's files and the hub Secret's keys (test values of the same shape; the plan redacts
the real ones) are laid out where the hub container mounts them, remapped to a temporary folder. The
real JupyterHub then runs the Deployment's own command in the Deployment's working directory, and the
real configurable-http-proxy (npm) runs the proxy Deployment's own command with the token from the
Secret key that Deployment names. Only addresses differ: each Service name maps to a 127.0.0.1 port,
passed to the hub through HUB_SERVICE_ADDRESSES (documented in jupyterhub_config.py) and substituted
into the proxy's flags the same way.
"""

import contextlib
import json
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests

from components.hub.component import SETTINGS_FILE
from components.hub.settings_contract import HubSettings

from ..helpers import ROOT, find
from ..hub_config import lay_out_hub_files
from .processes import LOOPBACK, free_port, running, start, stop, wait_for_http

CHP = ROOT / "node_modules" / ".bin" / "configurable-http-proxy"
JUPYTERHUB = Path(sys.executable).parent / "jupyterhub"


@dataclass
class HubUnderTest:
    """A running hub and proxy, and what tests need to talk to them."""

    public_url: str
    """The proxy's public address with the hub's base URL, e.g. http://127.0.0.1:40123/."""
    hub_url: str
    """The hub's own address (what the hub Service stands for)."""
    proxy_api_url: str
    proxy_token: str
    secret_dir: Path
    hub_log: Path
    proxy_log: Path
    redirect_url: str | None = None
    """With HTTPS: the proxy's plain-HTTP address, which redirects to HTTPS."""
    restart_hub: Callable[[], None] = lambda: None
    """Stop the hub process and start it again with the same files and database, as Kubernetes restarts
    the hub pod (the proxy and users' servers keep running); returns once the new hub is ready."""

    def secret(self, key: str) -> str:
        """A value of the hub Secret as the hub sees it."""
        return (self.secret_dir / key).read_text()


def dummy_kubeconfig(path: Path, server: str | None = None) -> Path:
    """A kubeconfig KubeSpawner can load; the server is only contacted when a user server starts."""
    server = server or f"https://{LOOPBACK}:{free_port()}"
    path.write_text(
        json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "current-context": "test",
                "clusters": [{"name": "test", "cluster": {"server": server, "insecure-skip-tls-verify": True}}],
                "users": [{"name": "test", "user": {"token": "test-token"}}],
                "contexts": [{"name": "test", "context": {"cluster": "test", "user": "test"}}],
            }
        )
    )
    return path


def _localize_url(url: str, addresses: dict[str, str]) -> str:
    parts = urlsplit(url)
    address = addresses.get(parts.hostname or "")
    return url if address is None else urlunsplit(parts._replace(netloc=address))


def localize_proxy_command(
    command: list[str],
    addresses: dict[str, str],
    public: str,
    api: str,
    redirect_port: int | None = None,
    mounts: dict[str, Path] | None = None,
) -> list[str]:
    """The proxy's command with its listening addresses, the Service URLs it names and the files it
    reads mapped locally (an HTTP-to-HTTPS redirect listens on `redirect_port`)."""
    public_host, public_port = addresses[public].split(":")
    api_host, api_port = addresses[api].split(":")
    listening = {
        "--ip": public_host,
        "--port": public_port,
        "--api-ip": api_host,
        "--api-port": api_port,
        "--redirect-port": str(redirect_port),
        "--redirect-to": public_port,
    }
    localized = [str(CHP)]
    for argument in command[1:]:
        flag, _, value = argument.partition("=")
        if flag in listening:
            localized.append(f"{flag}={listening[flag]}")
        elif value.startswith("http"):
            localized.append(f"{flag}={_localize_url(value, addresses)}")
        elif value.startswith("/"):
            localized.append(f"{flag}={remap_path(value, mounts or {})}")
        else:
            localized.append(argument)
    return localized


def self_signed_certificate(directory: Path, host: str = LOOPBACK) -> None:
    """A certificate and key for `host`, as tls.crt and tls.key (what a kubernetes.io/tls Secret holds)."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address(host))]), critical=False)
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "tls.crt").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (directory / "tls.key").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )


def _proxy_mounts(objects: list[dict[str, Any]], namespace: str, directory: Path) -> dict[str, Path]:
    """The proxy's mounted Secrets laid out locally; a TLS Secret gets a self-signed certificate."""
    pod = find(objects, "Deployment", "proxy", namespace)["spec"]["template"]["spec"]
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    mounts = {}
    for mount in pod["containers"][0].get("volumeMounts", []):
        local = directory / "proxy" / mount["name"]
        secret = find(objects, "Secret", volumes[mount["name"]]["secret"]["secretName"], namespace)
        if secret.get("type") == "kubernetes.io/tls":
            self_signed_certificate(local)
        mounts[mount["mountPath"]] = local
    return mounts


def remap_path(argument: str, mounts: dict[str, Path]) -> str:
    """A path inside the pod (alone or as --flag=path) as the local folder of its mount."""
    flag, equals, value = argument.partition("=") if argument.startswith("--") else ("", "", argument)
    for mount_path, local in sorted(mounts.items(), key=lambda item: -len(item[0])):
        if value == mount_path or value.startswith(mount_path + "/"):
            return f"{flag}{equals}{local}{value[len(mount_path) :]}"
    return argument


def _container(objects: list[dict[str, Any]], namespace: str, deployment: str) -> dict[str, Any]:
    return find(objects, "Deployment", deployment, namespace)["spec"]["template"]["spec"]["containers"][0]


def _wait_for_hub_route(proxy_api_url: str, token: str, hub_process: Any, hub_log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        routes = requests.get(f"{proxy_api_url}/api/routes", timeout=5, headers={"Authorization": f"token {token}"})
        if any(route.get("hub") for route in routes.json().values()):
            return
        if hub_process.poll() is not None:
            break
        time.sleep(0.2)
    raise TimeoutError(f"the hub added no route to the proxy:\n{hub_log.read_text()[-4000:]}")


def local_service_addresses(objects: list[dict[str, Any]], namespace: str) -> dict[str, str]:
    """A 127.0.0.1 address for each Service of a namespace (what HUB_SERVICE_ADDRESSES carries)."""
    services = {
        o["metadata"]["name"] for o in objects if o["kind"] == "Service" and o["metadata"]["namespace"] == namespace
    }
    return {service: f"{LOOPBACK}:{free_port()}" for service in sorted(services)}


@contextlib.contextmanager
def hub_from_plan(
    objects: list[dict[str, Any]],
    namespace: str,
    directory: Path,
    kubeconfig: Path | None = None,
    addresses: dict[str, str] | None = None,
    hub_environment: dict[str, str] | None = None,
) -> Iterator[HubUnderTest]:
    """Start the proxy and the hub of one namespace of a plan; stop both when the block ends.
    `hub_environment`: more variables for the hub's process, such as an address a library reads from
    the environment (GOOGLE_API_URL for a stand-in Google)."""
    config_dir, secret_dir = lay_out_hub_files(objects, namespace, directory)
    addresses = addresses or local_service_addresses(objects, namespace)

    proxy = _container(objects, namespace, "proxy")
    token_ref = next(e for e in proxy["env"] if e["name"] == "CONFIGPROXY_AUTH_TOKEN")["valueFrom"]["secretKeyRef"]
    token = (secret_dir / token_ref["key"]).read_text()
    redirect_port = free_port()
    # With letsencrypt, Caddy holds proxy-public and the proxy serves users behind proxy-http.
    users_service = "proxy-http" if "proxy-http" in addresses else "proxy-public"
    proxy_command = localize_proxy_command(
        proxy["command"],
        addresses,
        users_service,
        "proxy-api",
        redirect_port,
        _proxy_mounts(objects, namespace, directory),
    )
    https = any(argument.startswith("--ssl-cert=") for argument in proxy["command"])
    scheme = "https" if https else "http"

    hub = _container(objects, namespace, "hub")
    local_dirs = {"config": config_dir, "secret": secret_dir}
    mounts = {}
    for mount in hub["volumeMounts"]:
        local = local_dirs.get(mount["name"], directory / mount["name"])
        local.mkdir(exist_ok=True)
        mounts[mount["mountPath"]] = local
    hub_command = [str(JUPYTERHUB), *(remap_path(arg, mounts) for arg in hub["args"][1:])]
    env = {e["name"]: remap_path(e["value"], mounts) for e in hub.get("env", []) if "value" in e}
    env["HUB_SERVICE_ADDRESSES"] = json.dumps({name: addresses[name] for name in ("hub", "proxy-api")})
    env["KUBECONFIG"] = str(kubeconfig or dummy_kubeconfig(directory / "kubeconfig"))
    env.update(hub_environment or {})
    settings = HubSettings.from_json((config_dir / SETTINGS_FILE).read_text())
    public_url = f"{scheme}://{addresses[users_service]}{settings.base_url}"

    proxy_log, hub_log = directory / "proxy.log", directory / "hub.log"
    with running(proxy_command, proxy_log, env={"CONFIGPROXY_AUTH_TOKEN": token}) as proxy_process:
        wait_for_http(f"{scheme}://{addresses[users_service]}/_chp_healthz", proxy_process, proxy_log)
        cwd = Path(remap_path(hub["workingDir"], mounts))
        processes = [start(hub_command, hub_log, env=env, cwd=cwd)]

        def ready() -> None:
            wait_for_http(f"{public_url}hub/health", processes[-1], hub_log)
            # The proxy's default target answers before the hub has added its own route: wait for that.
            _wait_for_hub_route(f"http://{addresses['proxy-api']}", token, processes[-1], hub_log)

        def restart_hub() -> None:
            stop(processes[-1])
            processes.append(start(hub_command, hub_log, env=env, cwd=cwd))
            ready()

        try:
            ready()
            yield HubUnderTest(
                public_url=public_url,
                hub_url=f"http://{addresses['hub']}",
                proxy_api_url=f"http://{addresses['proxy-api']}",
                proxy_token=token,
                secret_dir=secret_dir,
                hub_log=hub_log,
                proxy_log=proxy_log,
                redirect_url=f"http://{LOOPBACK}:{redirect_port}{settings.base_url}" if https else None,
                restart_hub=restart_hub,
            )
        finally:
            stop(processes[-1])


@contextlib.contextmanager
def hub_on_fake_cluster(
    objects: list[dict[str, Any]], namespace: str, directory: Path
) -> Iterator[tuple[HubUnderTest, str]]:
    """The hub and proxy of one namespace of a plan, their KubeSpawner talking to the stand-in cluster
    (tests/e2e/fake_cluster.py): yields the hub and the emulated API server's URL."""
    from .fake_cluster import running_fake_cluster

    addresses = local_service_addresses(objects, namespace)
    with running_fake_cluster(directory, addresses) as api_url:
        kubeconfig = dummy_kubeconfig(directory / "kubeconfig", server=api_url)
        with hub_from_plan(objects, namespace, directory / "hub", kubeconfig=kubeconfig, addresses=addresses) as hub:
            yield hub, api_url
