"""A stand-in cluster on 127.0.0.1 for spawn tests: kmock's in-memory Kubernetes API plus a small kubelet.

Run as a program: `python -m tests.e2e.fake_cluster --port P --state-dir D [--service-addresses JSON]`.
The API server keeps objects in memory and serves list, watch, get, create, patch and delete (no
scheduler, admission or validation). The kubelet looks at the API server's pods and, for each new one:
- records it under D/pods/<namespace>.<name>.json (so tests see exactly what KubeSpawner created);
- writes the ConfigMaps it mounts as files and runs its init containers in order, each to completion;
- starts the pod's server as tests/e2e/user_server.py describes, on a loopback address of its own, with
  the pod's volumes mounted as tests/e2e/pod_filesystem.py describes (a claim is D/volumes/<claim>);
- reports it Running and ready, with that address as the pod's IP, once the server answers;
and stops the server when the pod is deleted. It runs until SIGTERM.
"""

import argparse
import asyncio
import contextlib
import datetime
import itertools
import json
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiohttp
import aiohttp.web
import kmock

from .processes import LOOPBACK

if TYPE_CHECKING:
    from .cluster_network import ClusterNetwork
from .user_server import (
    free_loopback_address,
    run_init_containers,
    running_status,
    server_port,
    start_pod_server,
    stop_user_server,
    wait_until_serving,
)

RESOURCES = (
    "v1/pods",
    "v1/persistentvolumeclaims",
    "v1/events",
    "v1/services",
    "v1/secrets",
    "v1/configmaps",
    "v1/namespaces",
)


_RESOURCE_VERSIONS = itertools.count(1)


class Emulator(kmock.KubernetesEmulator):
    """kmock's emulator, closer to a real API server where KubeSpawner relies on it: `watch=True` (as
    kubernetes_asyncio sends it) is a watch, and stored objects get what the server assigns (namespace,
    uid, creationTimestamp, a resourceVersion on every change, a Pending status for pods and claims)."""

    async def _handle(self, request: kmock.Request) -> aiohttp.web.StreamResponse:
        if request.resource is not None and isinstance(request.data, dict):
            metadata = request.data.setdefault("metadata", {})
            if request.action == kmock.action.CREATE:
                if request.namespace:
                    metadata["namespace"] = request.namespace
                metadata.setdefault("uid", str(uuid.uuid4()))
                if request.resource.plural in ("pods", "persistentvolumeclaims"):
                    request.data.setdefault("status", {"phase": "Pending"})
                metadata.setdefault(
                    "creationTimestamp", datetime.datetime.now(tz=datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
                )
            if request.action in (kmock.action.CREATE, kmock.action.UPDATE):
                metadata["resourceVersion"] = str(next(_RESOURCE_VERSIONS))
        return await super()._handle(request)

    async def __call__(self, raw_request: aiohttp.web.BaseRequest) -> aiohttp.web.StreamResponse:
        watch = raw_request.query.get("watch")
        if watch is not None and watch != "true" and watch.lower() == "true":
            raw_request = raw_request.clone(rel_url=raw_request.rel_url.update_query(watch="true"))
        return await super().__call__(raw_request)


_STARTING: Any = object()
SERVING_WITHIN = 600.0
"""How long a pod's server may take to answer before its pod is left Pending (longer than any spawn's
start timeout, so KubeSpawner, not the stand-in, decides when a start has failed)."""
LOOK_EVERY = 0.25
"""How often the kubelet asks a booting server whether it answers (a class of booting servers asked ten
times a second cost the stand-in a fifth of the machine)."""
LAUNCHES_AT_ONCE = 500
"""Pods started at the same time, at most (a class of 500 arriving together)."""
"""A pod whose init containers are running (no server process yet)."""


class Kubelet:
    """Runs the servers of the pods the API server holds."""

    def __init__(
        self, emulator: kmock.KubernetesEmulator, api: str, state_dir: Path, addresses: dict[str, str]
    ) -> None:
        self.emulator = emulator
        self.api = api
        self.state_dir = state_dir
        self.addresses = addresses
        self.servers: dict[str, subprocess.Popen] = {}
        """Running servers by pod uid (a pod deleted and created again under its name is a new pod)."""
        self.launches: set[asyncio.Task[None]] = set()
        """Pods being started (a reference to each task, so none is collected while it runs)."""
        self.threads = ThreadPoolExecutor(max_workers=LAUNCHES_AT_ONCE, thread_name_prefix="kubelet")
        """Where the blocking steps of starting pods run (asyncio's default pool has a handful of threads)."""

    async def _mark_running(
        self, session: aiohttp.ClientSession, namespace: str, pod: dict[str, Any], address: str
    ) -> None:
        now = datetime.datetime.now(tz=datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        url = f"{self.api}/api/v1/namespaces/{namespace}/pods/{pod['metadata']['name']}"
        status = {"status": running_status(pod, address, LOOPBACK, now)}
        async with session.patch(url, json=status, headers={"Content-Type": "application/merge-patch+json"}) as answer:
            answer.raise_for_status()

    async def step(self, session: aiohttp.ClientSession) -> None:
        """One pass: start the servers of new pods (each on its own, so many start at once, as on a
        cluster's nodes), stop the servers of deleted ones."""
        pods = [
            (namespace or "", obj.raw)  # pods are namespaced: the emulator's key always has one
            for (resource, namespace, _), obj in list(self.emulator.objects.items())
            if resource.plural == "pods" and not obj.deleted
        ]
        present = {pod["metadata"]["uid"] for _, pod in pods}
        for uid in set(self.servers) - present:
            if (process := self.servers.pop(uid)) is not _STARTING:
                stop_user_server(process)
        for namespace, pod in pods:
            uid = pod["metadata"]["uid"]
            if uid in self.servers or pod.get("status", {}).get("phase") == "Running":
                continue
            self.servers[uid] = _STARTING  # not started twice while it starts
            task = asyncio.create_task(self._launch(session, namespace, pod))
            self.launches.add(task)
            task.add_done_callback(self.launches.discard)

    async def _launch(self, session: aiohttp.ClientSession, namespace: str, pod: dict[str, Any]) -> None:
        """Run one pod: its init containers, then its server; Running once the server answers."""
        uid, name = pod["metadata"]["uid"], pod["metadata"]["name"]
        (self.state_dir / "pods" / f"{namespace}.{name}.json").write_text(json.dumps(pod, indent=1))
        self._write_config_maps(namespace, pod)
        address = free_loopback_address(server_port(pod))
        log = self.state_dir / "logs" / f"{name}.log"
        loop = asyncio.get_running_loop()
        started = loop.run_in_executor(self.threads, run_init_containers, pod, self.state_dir, self.addresses, log)
        if not await started:
            return  # stays Pending, as a pod whose init container failed; the test reads the log
        process, url = start_pod_server(pod, self.state_dir, address, self.addresses, log)
        if self.servers.get(uid) is not _STARTING:  # deleted while its init containers ran
            stop_user_server(process)
            return
        self.servers[uid] = process
        # Off the event loop, which serves the API meanwhile. A server that fails stays Pending:
        # KubeSpawner times out and the test reads the log.
        # As long as a kubelet would: a server that has not exited may still be booting (a class's servers
        # booting at once on this machine's cores take minutes); one that exits is seen at once.
        serving = partial(wait_until_serving, url, process, SERVING_WITHIN, LOOK_EVERY)
        if await loop.run_in_executor(self.threads, serving):
            await self._mark_running(session, namespace, pod, address)

    def _write_config_maps(self, namespace: str, pod: dict[str, Any]) -> None:
        """The ConfigMaps the pod mounts, as files (pod_filesystem.py); a missing one stays absent."""
        for volume in pod["spec"].get("volumes", []):
            if "configMap" not in volume:
                continue
            name = volume["configMap"]["name"]
            found = [
                obj.raw
                for (resource, ns, obj_name), obj in list(self.emulator.objects.items())
                if resource.plural == "configmaps" and ns == namespace and obj_name == name and not obj.deleted
            ]
            folder = self.state_dir / "configmaps" / namespace / name
            folder.mkdir(parents=True, exist_ok=True)
            for key, text in (found[0].get("data", {}) if found else {}).items():
                (folder / key).write_text(text)

    def stop_all(self) -> None:
        """Stop every server (at shutdown)."""
        for task in self.launches:
            task.cancel()
        self.threads.shutdown(wait=False, cancel_futures=True)
        for process in self.servers.values():
            if process is not _STARTING:
                stop_user_server(process)


async def serve(port: int, state_dir: Path, addresses: dict[str, str]) -> None:
    """Run the API server and the kubelet until SIGTERM."""
    for folder in ("pods", "volumes", "logs"):
        (state_dir / folder).mkdir(parents=True, exist_ok=True)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stopping.set)
    loop.add_signal_handler(signal.SIGINT, stopping.set)
    emulator = Emulator()
    for resource in RESOURCES:
        emulator.resources[resource] = kmock.ResourceInfo(namespaced=resource != "v1/namespaces")
    async with emulator, kmock.Server(emulator, host="127.0.0.1", port=port):
        kubelet = Kubelet(emulator, f"http://127.0.0.1:{port}", state_dir, addresses)
        (state_dir / "ready").write_text("ready")
        try:
            async with aiohttp.ClientSession() as session:
                while not stopping.is_set():
                    await kubelet.step(session)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(stopping.wait(), timeout=0.2)
        finally:
            kubelet.stop_all()


def main() -> None:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--state-dir", type=Path, required=True)
    parser.add_argument("--service-addresses", default="{}")
    args = parser.parse_args()
    asyncio.run(serve(args.port, args.state_dir, json.loads(args.service_addresses)))


if __name__ == "__main__":
    main()


API_PORT = 6443
"""Where the API server listens inside a cluster network (the port API servers listen on)."""


@contextlib.contextmanager
def running_fake_cluster(
    directory: Path,
    addresses: dict[str, str] | None = None,
    network: "ClusterNetwork | None" = None,
    environment: dict[str, str] | None = None,
) -> Iterator[str]:
    """This program in a subprocess for the duration of the block; yields the API server's URL. In a
    cluster network, the program runs there (so do the user servers its kubelet starts) and the URL is
    the one programs there use; otherwise on this machine's loopback, with Service names mapped to
    `addresses` for the user servers. `environment`: what the user images hold besides (e.g. a CA bundle
    that trusts a test's git host, GIT_SSL_CAINFO), for every container the kubelet runs."""
    from ..helpers import ROOT
    from .processes import free_port, running

    port, state = (API_PORT if network else free_port()), directory / "cluster"
    command = [sys.executable, "-m", "tests.e2e.fake_cluster", "--port", str(port), "--state-dir", str(state)]
    command += ["--service-addresses", json.dumps(addresses or {})]
    directory.mkdir(parents=True, exist_ok=True)
    command = network.command(command) if network else command
    with running(command, directory / "cluster.log", cwd=ROOT, env=environment or {}) as process:
        deadline = time.monotonic() + 30
        while not (state / "ready").exists():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the fake cluster did not start:\n{(directory / 'cluster.log').read_text()}")
            time.sleep(0.1)
        yield f"http://{LOOPBACK}:{port}"
