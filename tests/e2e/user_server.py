"""Running a user server from the pod KubeSpawner made, as a kubelet would, for the stand-in kubelets
(the emulated cluster's, tests/e2e/fake_cluster.py, and the real control plane's, tests/cluster/kubelet.py).

The server is the image's command (`jupyterhub-singleuser`) with the pod's own env and args. It listens
at the container port on a loopback address of its own (127.x.y.z), which the kubelet reports as the
pod's IP: the hub and the proxy reach it as they would reach a pod, and two servers (or two test runs)
never compete for one port. The claim's volume is a local folder standing in for the home mount; Service
host names in the env are mapped to the local addresses the hub's are (HUB_SERVICE_ADDRESSES), and
`--allow-root` stands in for the image's non-root user.
"""

import contextlib
import ctypes
import os
import random
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests

SINGLEUSER = str(Path(sys.executable).parent / "jupyterhub-singleuser")


def free_loopback_address(port: int) -> str:
    """A loopback address (not 127.0.0.1) on which `port` is free right now."""
    for _ in range(100):
        address = f"127.{random.randint(1, 254)}.{random.randint(0, 255)}.{random.randint(1, 254)}"  # noqa: S311
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers bind
            try:
                probe.bind((address, port))
            except OSError:
                continue
        return address
    raise RuntimeError(f"no free loopback address for port {port}")


def localize(value: str, addresses: dict[str, str], pod_address: str) -> str:
    """A URL in the pod's env with Service names mapped to local addresses, and the pod's bind-all
    address (0.0.0.0) to the pod's own."""
    parts = urlsplit(value)
    if parts.scheme in ("http", "https") and parts.hostname in addresses:
        return urlunsplit(parts._replace(netloc=addresses[parts.hostname]))
    if parts.scheme in ("http", "https") and parts.hostname == "0.0.0.0":  # noqa: S104 - the pod's bind address
        return urlunsplit(parts._replace(netloc=f"{pod_address}:{parts.port}"))
    return value


def server_port(pod: dict[str, Any]) -> int:
    """The port the user server listens on (the container's first port)."""
    return pod["spec"]["containers"][0]["ports"][0]["containerPort"]


def home_claim(pod: dict[str, Any]) -> str | None:
    """The claim mounted by the server container, if any."""
    claims = {
        v["name"]: v["persistentVolumeClaim"]["claimName"]
        for v in pod["spec"].get("volumes", [])
        if "persistentVolumeClaim" in v
    }
    mounts = pod["spec"]["containers"][0].get("volumeMounts", [])
    return next((claims[m["name"]] for m in mounts if m["name"] in claims), None)


def _die_with_parent() -> None:
    """A server must not outlive its kubelet, even if the kubelet is killed (Linux: PR_SET_PDEATHSIG)."""
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)


def start_user_server(
    pod: dict[str, Any], home: Path, address: str, addresses: dict[str, str], log: Path
) -> tuple[subprocess.Popen, str]:
    """Start the pod's server on `address` with `home` as its home folder; the process and its URL."""
    container = pod["spec"]["containers"][0]
    env = {e["name"]: localize(e.get("value", ""), addresses, address) for e in container.get("env", [])}
    url = f"http://{address}:{server_port(pod)}/"
    home.mkdir(parents=True, exist_ok=True)
    env.update({"HOME": str(home), "JUPYTERHUB_SERVICE_URL": url})
    command = [SINGLEUSER, *container.get("args", []), "--allow-root", f"--ServerApp.root_dir={home}"]
    with log.open("ab") as output:
        process = subprocess.Popen(
            command,
            env={**os.environ, **env},
            cwd=home,
            stdout=output,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
        )
    return process, url


IMAGE_HOME = "/home/jovyan"
"""The user image's home (the z2jh sample image's HOME), where a server without a home volume keeps files."""
IMAGE_COMMANDS = {"python3": sys.executable, "python": sys.executable}
"""The image's interpreter: this environment's, which has what the sample image has (nbgitpuller, Jupyter)."""


def run_init_containers(pod: dict[str, Any], state_dir: Path, addresses: dict[str, str], log: Path) -> bool:
    """Run the pod's init containers in order, each with its mounts (pod_filesystem.py) and env; False
    when one fails (as a kubelet, the pod's servers are then not started)."""
    from .pod_filesystem import container_mounts, launcher, remap

    for container in pod["spec"].get("initContainers", []):
        root = state_dir / "roots" / pod["metadata"]["uid"] / container["name"]
        mounts = container_mounts(pod, container, state_dir, root)
        command = [*container.get("command", []), *container.get("args", [])]
        command = [IMAGE_COMMANDS.get(command[0], command[0]), *(remap(a, container, root) for a in command[1:])]
        env = {
            e["name"]: remap(localize(e.get("value", ""), addresses, ""), container, root)
            for e in container.get("env", [])
        }
        working_dir = Path(remap(container.get("workingDir", IMAGE_HOME), container, root))
        with log.open("ab") as output:
            output.write(f"--- init container {container['name']}\n".encode())
            output.flush()
            finished = subprocess.run(
                launcher(mounts, working_dir, command),
                env={**os.environ, **env},
                stdout=output,
                stderr=subprocess.STDOUT,
                timeout=300,
                check=False,
            )
        if finished.returncode != 0:
            return False
    return True


def start_pod_server(
    pod: dict[str, Any], state_dir: Path, address: str, addresses: dict[str, str], log: Path
) -> tuple[subprocess.Popen, str]:
    """Start the pod's server on `address` with the pod's volumes mounted (pod_filesystem.py): its home
    is what the pod mounts at the image's home, its other mounts are where the pod says."""
    from .pod_filesystem import container_mounts, launcher, remap

    container = pod["spec"]["containers"][0]
    root = state_dir / "roots" / pod["metadata"]["uid"] / container["name"]
    mounts = container_mounts(pod, container, state_dir, root)
    home = root / IMAGE_HOME.lstrip("/")
    env = {
        e["name"]: remap(localize(e.get("value", ""), addresses, address), container, root)
        for e in container.get("env", [])
    }
    url = f"http://{address}:{server_port(pod)}/"
    env.update({"HOME": str(home), "JUPYTERHUB_SERVICE_URL": url})
    command = [SINGLEUSER, *container.get("args", []), "--allow-root", f"--ServerApp.root_dir={home}"]
    with log.open("ab") as output:
        process = subprocess.Popen(
            launcher(mounts, home, command),
            env={**os.environ, **env},
            stdout=output,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
        )
    return process, url


def wait_until_serving(url: str, process: subprocess.Popen, timeout: float = 60, interval: float = 0.1) -> bool:
    """Wait until the server answers (any status below 500), asking every `interval` seconds; False if it
    exited or the deadline passed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        with contextlib.suppress(requests.RequestException):
            if requests.get(url, allow_redirects=False, timeout=2).status_code < 500:
                return True
        time.sleep(interval)
    return False


def stop_user_server(process: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL after 10 s."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def running_status(pod: dict[str, Any], pod_address: str, host_address: str, started: str) -> dict[str, Any]:
    """The status a kubelet reports for a pod whose containers run and are ready."""
    conditions = ("PodScheduled", "Initialized", "ContainersReady", "Ready")
    return {
        "phase": "Running",
        "podIP": pod_address,
        "podIPs": [{"ip": pod_address}],
        "hostIP": host_address,
        "hostIPs": [{"ip": host_address}],
        "startTime": started,
        "conditions": [{"type": kind, "status": "True", "lastTransitionTime": started} for kind in conditions],
        "containerStatuses": [
            {
                "name": c["name"],
                "ready": True,
                "started": True,
                "restartCount": 0,
                "image": c["image"],
                "imageID": "",
                "state": {"running": {"startedAt": started}},
            }
            for c in pod["spec"]["containers"]
        ],
    }
