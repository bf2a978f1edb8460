"""Run a stack's Hub and Proxy for real, from the objects its plan declares.

The hub ConfigMap's files and the hub Secret's keys (test values of the same shape; the plan redacts
the real ones) are laid out where the hub container mounts them, remapped to a temporary folder. The
real JupyterHub then runs the Deployment's own command in the Deployment's working directory, and the
real configurable-http-proxy (npm) runs the proxy Deployment's own command with the token from the
Secret key that Deployment names.

Where they run:
- by default in a cluster network of their own (cluster_network.py): every Service at an address of its
  own on its declared ports, reached by name; the commands run as declared (only paths to mounted files
  differ), so a wrong port, URL or flag in the plan fails the tests;
- with `addresses`, on this machine's loopback, each Service name mapped to a 127.0.0.1 port (passed to
  the hub through HUB_SERVICE_ADDRESSES, documented in jupyterhub_config.py, and substituted into the
  proxy's flags): for tests whose stand-ins run on this machine (the cluster tier's API server, a
  stand-in Google, an ACME server), which a program in the cluster network cannot reach.
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
from .cluster_network import ClusterNetwork, cluster_network
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


@dataclass
class _LoopbackServices:
    """Every program on this machine's loopback, each Service name mapped to a 127.0.0.1 port (the hub
    reads the map from HUB_SERVICE_ADDRESSES; the proxy's flags are rewritten): for tests whose stand-ins
    (a cluster's API server, an identity provider, an ACME server) run on this machine's loopback."""

    addresses: dict[str, str]
    redirect_port: int

    def run(self, command: list[str]) -> list[str]:
        return command

    def hub_environment(self) -> dict[str, str]:
        return {"HUB_SERVICE_ADDRESSES": json.dumps({name: self.addresses[name] for name in ("hub", "proxy-api")})}

    def proxy_command(self, command: list[str], users_service: str, mounts: dict[str, Path]) -> list[str]:
        return localize_proxy_command(command, self.addresses, users_service, "proxy-api", self.redirect_port, mounts)

    def reach(self, service: str, port: int) -> str:
        """Where the test process reaches a Service's port."""
        return self.addresses[service]

    def redirect(self) -> str:
        """Where the test process reaches the proxy's HTTP-to-HTTPS redirect."""
        return f"{LOOPBACK}:{self.redirect_port}"


@dataclass
class _InClusterNetwork:
    """Every program in a cluster network of its own (cluster_network.py), with its declared command,
    addresses and ports; the test process reaches Services through port forwards."""

    network: ClusterNetwork

    def run(self, command: list[str]) -> list[str]:
        return self.network.command(command)

    def hub_environment(self) -> dict[str, str]:
        return {}

    def proxy_command(self, command: list[str], users_service: str, mounts: dict[str, Path]) -> list[str]:
        return [str(CHP), *(remap_path(argument, mounts) for argument in command[1:])]

    def reach(self, service: str, port: int) -> str:
        return self.network.forward(service, port)

    def redirect(self) -> str:
        return self.network.forward("proxy-public", 80)


@contextlib.contextmanager
def hub_from_plan(
    objects: list[dict[str, Any]],
    namespace: str,
    directory: Path,
    kubeconfig: Path | None = None,
    addresses: dict[str, str] | None = None,
    hub_environment: dict[str, str] | None = None,
    network: ClusterNetwork | None = None,
) -> Iterator[HubUnderTest]:
    """Start the proxy and the hub of one namespace of a plan; stop both when the block ends.

    By default both run in a cluster network of their own (cluster_network.py; or in `network`, shared
    with a stand-in cluster) with the commands, addresses and ports the plan declares. With `addresses`
    (Service name -> 127.0.0.1:port) they run on this machine's loopback instead, for tests whose
    stand-ins live there. `hub_environment`: more variables for the hub's process, such as an address a
    library reads from the environment (GOOGLE_API_URL for a stand-in Google)."""
    if addresses is not None:
        with _hub_processes(
            objects, namespace, directory, _LoopbackServices(addresses, free_port()), kubeconfig, hub_environment
        ) as hub:
            yield hub
        return
    with contextlib.ExitStack() as stack:
        network = network or stack.enter_context(cluster_network(objects, namespace))
        with _hub_processes(
            objects, namespace, directory, _InClusterNetwork(network), kubeconfig, hub_environment
        ) as hub:
            yield hub


@contextlib.contextmanager
def _hub_processes(
    objects: list[dict[str, Any]],
    namespace: str,
    directory: Path,
    networking: "_LoopbackServices | _InClusterNetwork",
    kubeconfig: Path | None,
    hub_environment: dict[str, str] | None,
) -> Iterator[HubUnderTest]:
    config_dir, secret_dir = lay_out_hub_files(objects, namespace, directory)
    services = {
        o["metadata"]["name"]: o for o in objects if o["kind"] == "Service" and o["metadata"]["namespace"] == namespace
    }

    proxy = _container(objects, namespace, "proxy")
    token_ref = next(e for e in proxy["env"] if e["name"] == "CONFIGPROXY_AUTH_TOKEN")["valueFrom"]["secretKeyRef"]
    token = (secret_dir / token_ref["key"]).read_text()
    # With letsencrypt, Caddy holds proxy-public and the proxy serves users behind proxy-http.
    users_service = "proxy-http" if "proxy-http" in services else "proxy-public"
    proxy_command = networking.run(
        networking.proxy_command(proxy["command"], users_service, _proxy_mounts(objects, namespace, directory))
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
    hub_command = networking.run([str(JUPYTERHUB), *(remap_path(arg, mounts) for arg in hub["args"][1:])])
    env = {e["name"]: remap_path(e["value"], mounts) for e in hub.get("env", []) if "value" in e}
    env.update(networking.hub_environment())
    env["KUBECONFIG"] = str(kubeconfig or dummy_kubeconfig(directory / "kubeconfig"))
    env.update(hub_environment or {})
    settings = HubSettings.from_json((config_dir / SETTINGS_FILE).read_text())
    public_port = (
        443 if https and users_service == "proxy-public" else services[users_service]["spec"]["ports"][0]["port"]
    )
    public = networking.reach(users_service, public_port)
    public_url = f"{scheme}://{public}{settings.base_url}"
    proxy_api = f"http://{networking.reach('proxy-api', urlsplit(settings.proxy.api_url).port or 80)}"

    proxy_log, hub_log = directory / "proxy.log", directory / "hub.log"
    with running(proxy_command, proxy_log, env={"CONFIGPROXY_AUTH_TOKEN": token}) as proxy_process:
        wait_for_http(f"{scheme}://{public}/_chp_healthz", proxy_process, proxy_log)
        cwd = Path(remap_path(hub["workingDir"], mounts))
        processes = [start(hub_command, hub_log, env=env, cwd=cwd)]

        def ready() -> None:
            wait_for_http(f"{public_url}hub/health", processes[-1], hub_log)
            # The proxy's default target answers before the hub has added its own route: wait for that.
            _wait_for_hub_route(proxy_api, token, processes[-1], hub_log)

        def restart_hub() -> None:
            stop(processes[-1])
            processes.append(start(hub_command, hub_log, env=env, cwd=cwd))
            ready()

        try:
            ready()
            yield HubUnderTest(
                public_url=public_url,
                hub_url=f"http://{networking.reach('hub', urlsplit(settings.hub.connect_url).port or 80)}",
                proxy_api_url=proxy_api,
                proxy_token=token,
                secret_dir=secret_dir,
                hub_log=hub_log,
                proxy_log=proxy_log,
                redirect_url=f"http://{networking.redirect()}{settings.base_url}" if https else None,
                restart_hub=restart_hub,
            )
        finally:
            stop(processes[-1])


@contextlib.contextmanager
def hub_on_fake_cluster(
    objects: list[dict[str, Any]],
    namespace: str,
    directory: Path,
    network: ClusterNetwork | None = None,
    cluster_environment: dict[str, str] | None = None,
) -> Iterator[tuple[HubUnderTest, str]]:
    """The hub and proxy of one namespace of a plan in a cluster network of their own (or `network`, where
    a test runs stand-ins of its own), their KubeSpawner talking to the stand-in cluster
    (tests/e2e/fake_cluster.py) in the same network, whose kubelet runs user servers there too (with
    `cluster_environment`, see running_fake_cluster): yields the hub and the emulated API server's URL (a
    port forward)."""
    from .fake_cluster import API_PORT, running_fake_cluster

    with contextlib.ExitStack() as stack:
        network = network or stack.enter_context(cluster_network(objects, namespace))
        api_url = stack.enter_context(running_fake_cluster(directory, network=network, environment=cluster_environment))
        kubeconfig = dummy_kubeconfig(directory / "kubeconfig", server=api_url)
        with hub_from_plan(objects, namespace, directory / "hub", kubeconfig=kubeconfig, network=network) as hub:
            yield hub, f"http://{network.forward(LOOPBACK, API_PORT)}"
