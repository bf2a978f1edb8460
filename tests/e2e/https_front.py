"""Run a plan's HTTPS front (`letsencrypt`) for real on 127.0.0.1: the autohttps ConfigMap's files laid
out where the pod mounts them, the init container's `restore` run to its end, then Caddy (Debian's
`caddy`) and the `sync` sidecar, each with its container's own command, environment and working
directory. Only addresses differ: Caddy's ports, its upstream (the proxy-http Service's local address)
and BIND_ADDRESSES=127.0.0.1 through the variables the Caddyfile reads; the certificate store's API
server (a fake cluster) through its --api-server and --service-account-dir options.
"""

import contextlib
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..helpers import find
from .hub_harness import remap_path
from .processes import LOOPBACK, running

CADDY = shutil.which("caddy") or "/usr/bin/caddy"


@dataclass
class FrontUnderTest:
    http_port: int
    https_port: int
    caddy_log: Path
    store_log: Path
    data_dir: Path


def _lay_out_volumes(pod: dict[str, Any], objects: list[dict[str, Any]], namespace: str, root: Path) -> dict[str, Path]:
    """Each volume of the pod as a local folder: ConfigMap items written out, the rest empty."""
    folders = {}
    for volume in pod["volumes"]:
        folder = root / volume["name"]
        folder.mkdir(parents=True, exist_ok=True)
        if "configMap" in volume:
            data = find(objects, "ConfigMap", volume["configMap"]["name"], namespace)["data"]
            for item in volume["configMap"]["items"]:
                (folder / item["path"]).write_text(data[item["key"]])
        folders[volume["name"]] = folder
    return folders


def _mounts(container: dict[str, Any], folders: dict[str, Path]) -> dict[str, Path]:
    return {mount["mountPath"]: folders[mount["name"]] for mount in container.get("volumeMounts", [])}


@contextlib.contextmanager
def front_from_plan(
    objects: list[dict[str, Any]],
    namespace: str,
    directory: Path,
    upstream: str,
    http_port: int,
    https_port: int,
    api_server: str,
) -> Iterator[FrontUnderTest]:
    """Restore the certificates, then run Caddy and the certificate store until the block ends."""
    pod = find(objects, "Deployment", "autohttps", namespace)["spec"]["template"]["spec"]
    folders = _lay_out_volumes(pod, objects, namespace, directory / "volumes")
    account = folders["kube-api-access"]
    (account / "token").write_text("test-token")
    (account / "namespace").write_text(namespace)
    containers = {c["name"]: c for c in pod["containers"] + pod["initContainers"]}

    def store_command(name: str) -> list[str]:
        container = containers[name]
        assert container["command"][0] == "python3"
        mounts = _mounts(container, folders)
        return [
            sys.executable,
            *(remap_path(argument, mounts) for argument in container["command"][1:]),
            f"--api-server={api_server}",
            f"--service-account-dir={account}",
            "--interval=1",
        ]

    store_log, caddy_log = directory / "certificate-store.log", directory / "caddy.log"
    with store_log.open("ab") as log:
        subprocess.run(
            store_command("restore-certificates"), stdout=log, stderr=subprocess.STDOUT, check=True, timeout=60
        )

    caddy = containers["caddy"]
    caddy_mounts = _mounts(caddy, folders)
    local = {"HTTP_PORT": str(http_port), "HTTPS_PORT": str(https_port), "PROXY_UPSTREAM": upstream}
    env = {e["name"]: local.get(e["name"], remap_path(e["value"], caddy_mounts)) for e in caddy["env"]}
    env["BIND_ADDRESSES"] = LOOPBACK
    command = [CADDY, *(remap_path(argument, caddy_mounts) for argument in caddy["command"][1:])]
    with (
        running(store_command("store-certificates"), store_log),
        running(command, caddy_log, env=env, cwd=Path(remap_path(caddy["workingDir"], caddy_mounts))),
    ):
        yield FrontUnderTest(http_port, https_port, caddy_log, store_log, folders["data"])
