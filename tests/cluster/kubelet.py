"""A stand-in kubelet for the user servers KubeSpawner starts on the test cluster's nodes.

Run as a program (`python -m tests.cluster.kubelet --api URL --ca FILE --state-dir D [--service-addresses
JSON]`, the admin token in $KUBELET_TOKEN). KWOK plays the kubelet of every other pod; this one watches
the pods labelled `app.kubernetes.io/managed-by=kubespawner` and, like a kubelet:
- waits until the scheduler has bound a pod to a node and its home claim is bound to a volume;
- runs the pod's server (tests/e2e/user_server.py) on a loopback address of its own, with the volume's
  folder D/volumes/<PersistentVolume name> as its home, so a claim keeps its files across servers;
- reports the pod Running and Ready with that address as its IP, or Failed if the server does not start;
- stops the server when the pod goes.
It records each pod as created under D/pods/<namespace>.<name>.json, and runs until SIGTERM.
"""

import argparse
import datetime
import json
import os
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..e2e.processes import LOOPBACK, running
from ..e2e.user_server import (
    free_loopback_address,
    home_claim,
    running_status,
    server_port,
    start_user_server,
    stop_user_server,
    wait_until_serving,
)
from ..helpers import ROOT
from .api import Api, ApiError

USER_SERVERS = "app.kubernetes.io/managed-by=kubespawner"
NODE_ADDRESS = LOOPBACK
"""The nodes' InternalIP (KWOK's --node-ip), reported as each pod's hostIP."""


def _now() -> str:
    return datetime.datetime.now(tz=datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Kubelet:
    """Runs the user servers of the pods bound to nodes."""

    def __init__(self, api: Api, state_dir: Path, addresses: dict[str, str]) -> None:
        self.api = api
        self.state_dir = state_dir
        self.addresses = addresses
        self.servers: dict[str, subprocess.Popen] = {}
        """Running servers by pod uid."""
        self.starting: set[str] = set()
        self.lock = threading.Lock()
        self.pool = ThreadPoolExecutor(max_workers=16)

    def _volume_folder(self, namespace: str, pod: dict[str, Any]) -> Path | None:
        """The home volume's folder, or None while the claim is not bound yet."""
        claim = home_claim(pod)
        if claim is None:
            return self.state_dir / "volumes" / f"empty-dir-{pod['metadata']['uid']}"
        live = self.api.get("v1", "PersistentVolumeClaim", claim, namespace)
        if live.get("status", {}).get("phase") != "Bound":
            return None
        return self.state_dir / "volumes" / live["spec"]["volumeName"]

    def _patch_status(self, namespace: str, name: str, status: dict[str, Any]) -> None:
        self.api.request(
            "PATCH",
            f"/api/v1/namespaces/{namespace}/pods/{name}/status",
            json={"status": status},
            headers={"Content-Type": "application/merge-patch+json"},
        )

    def _run(self, pod: dict[str, Any], home: Path) -> None:
        namespace, name, uid = pod["metadata"]["namespace"], pod["metadata"]["name"], pod["metadata"]["uid"]
        address = free_loopback_address(server_port(pod))
        log = self.state_dir / "logs" / f"{namespace}.{name}.log"
        process, url = start_user_server(pod, home, address, self.addresses, log)
        with self.lock:
            self.servers[uid] = process
            self.starting.discard(uid)
        try:
            if wait_until_serving(url, process):
                self._patch_status(namespace, name, running_status(pod, address, NODE_ADDRESS, _now()))
            else:
                self._patch_status(namespace, name, {"phase": "Failed", "reason": "ServerDidNotStart"})
        except ApiError as error:  # the pod went while its server started
            print(f"{namespace}/{name}: {error}", flush=True)

    def step(self) -> None:
        """One pass over the user pods."""
        pods = self.api.list_of("v1", "Pod", selector=USER_SERVERS)
        present = {p["metadata"]["uid"] for p in pods if "deletionTimestamp" not in p["metadata"]}
        with self.lock:
            gone = [uid for uid in self.servers if uid not in present]
            for uid in gone:
                stop_user_server(self.servers.pop(uid))
        for pod in pods:
            metadata = pod["metadata"]
            uid = metadata["uid"]
            with self.lock:
                known = uid in self.servers or uid in self.starting
            if known or uid not in present or not pod["spec"].get("nodeName"):
                continue
            home = self._volume_folder(metadata["namespace"], pod)
            if home is None:
                continue
            (self.state_dir / "pods" / f"{metadata['namespace']}.{metadata['name']}.json").write_text(
                json.dumps(pod, indent=1)
            )
            with self.lock:
                self.starting.add(uid)
            self.pool.submit(self._run, pod, home)

    def stop_all(self) -> None:
        """Stop every server (at shutdown)."""
        self.pool.shutdown(wait=True, cancel_futures=True)
        with self.lock:
            for process in self.servers.values():
                stop_user_server(process)


def main() -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--api", required=True)
    parser.add_argument("--ca", type=Path, required=True)
    parser.add_argument("--state-dir", type=Path, required=True)
    parser.add_argument("--service-addresses", default="{}")
    args = parser.parse_args()
    for folder in ("pods", "volumes", "logs"):
        (args.state_dir / folder).mkdir(parents=True, exist_ok=True)
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    kubelet = Kubelet(
        Api(args.api, os.environ["KUBELET_TOKEN"], args.ca), args.state_dir, json.loads(args.service_addresses)
    )
    (args.state_dir / "ready").write_text("ready")
    try:
        while not stopping.is_set():
            try:
                kubelet.step()
            except ApiError as error:
                print(f"step: {error}", flush=True)
            stopping.wait(0.2)
    finally:
        kubelet.stop_all()


if __name__ == "__main__":
    main()


@contextmanager
def running_kubelet(control_plane: Any, directory: Path, addresses: dict[str, str]) -> Any:
    """This program in a subprocess for the duration of the block; yields its state folder."""
    state = directory / "kubelet"
    command = [sys.executable, "-m", "tests.cluster.kubelet", "--api", control_plane.url]
    command += ["--ca", str(control_plane.ca_certificate), "--state-dir", str(state)]
    command += ["--service-addresses", json.dumps(addresses)]
    directory.mkdir(parents=True, exist_ok=True)
    log = directory / "kubelet.log"
    with running(command, log, env={"KUBELET_TOKEN": control_plane.admin_token}, cwd=ROOT) as process:
        deadline = time.monotonic() + 30
        while not (state / "ready").exists():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the stand-in kubelet did not start:\n{log.read_text()}")
            time.sleep(0.1)
        yield state
