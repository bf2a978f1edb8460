"""A network of the test's own standing in for the cluster's, so the end-to-end tests run the plan's
commands with the addresses and ports it declares.

It is a Linux network namespace (`ip netns`, so the tests run as root, as CI does) with only its own
loopback interface: nothing in it reaches this machine's network, and two test runs never compete for a
port. In it:
- each Service of the plan's namespace has an address of its own (127.255.0.N) and answers on the ports
  it declares, forwarded to the port its selected pod declares (`targetPort`, by name or number), as
  kube-proxy forwards them (nftables DNAT);
- each workload's pod has an address (127.254.0.N) that its Services lead to; the programs bind where
  their commands say (the hub `http://:8081`, the proxy `--ip=`: every address of the pod's network);
- the Service names resolve as cluster DNS resolves them (`hub`, `hub.<namespace>`,
  `hub.<namespace>.svc`, `hub.<namespace>.svc.cluster.local`), from the hosts file that `ip netns exec`
  puts in place of /etc/hosts for the programs it runs.
The test process itself stays outside and reaches a Service the way an admin does, through a port
forward (`kubectl port-forward`): a 127.0.0.1 port whose connections a thread of its own, moved into the
namespace, carries to the Service.
"""

import contextlib
import ctypes
import itertools
import os
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..netpol import selector_matches
from ..wiring import container_ports
from .processes import LOOPBACK

CLONE_NEWNET = 0x40000000
SERVICE_ADDRESSES = "127.255.0.{}"
POD_ADDRESSES = "127.254.0.{}"
_NAMES = itertools.count(1)
PREFIX = "jupyterhub-test-"


def _enter(namespace_path: str) -> None:
    """Move the calling thread (only it: network namespaces are per thread) into a network namespace."""
    fd = os.open(namespace_path, os.O_RDONLY)
    try:
        if ctypes.CDLL(None, use_errno=True).setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f"setns {namespace_path}")
    finally:
        os.close(fd)


def _pipe(source: socket.socket, sink: socket.socket, done: threading.Semaphore) -> None:
    with contextlib.suppress(OSError):
        while data := source.recv(65536):
            sink.sendall(data)
    with contextlib.suppress(OSError):
        sink.shutdown(socket.SHUT_WR)
    done.release()


class PortForward(threading.Thread):
    """A 127.0.0.1 port outside the namespace whose connections go to `target` inside it."""

    def __init__(self, namespace_path: str, target: tuple[str, int]) -> None:
        super().__init__(daemon=True, name=f"port-forward {target[0]}:{target[1]}")
        self.namespace_path, self.target = namespace_path, target
        self.listener = socket.create_server((LOOPBACK, 0))  # made before the thread moves: outside
        self.listener.settimeout(0.2)
        self.address = f"{LOOPBACK}:{self.listener.getsockname()[1]}"
        self.stopping = threading.Event()

    def run(self) -> None:
        _enter(self.namespace_path)  # connections made from here on are inside
        while not self.stopping.is_set():
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._carry, args=(client,), daemon=True).start()

    def _carry(self, client: socket.socket) -> None:
        # A thread started by this one is inside the namespace too.
        try:
            upstream = socket.create_connection(self.target, timeout=10)
        except OSError:
            client.close()
            return
        upstream.settimeout(None)
        done = threading.Semaphore(0)
        threading.Thread(target=_pipe, args=(upstream, client, done), daemon=True).start()
        _pipe(client, upstream, done)
        done.acquire()
        done.acquire()
        client.close()
        upstream.close()

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=5)
        self.listener.close()


@dataclass
class ClusterNetwork:
    """A namespace holding one hub namespace's Services and pods."""

    name: str
    namespace: str
    services: dict[str, str]
    """Service name -> its address."""
    pods: dict[str, str]
    """Workload name -> its pod's address."""
    forwards: list[PortForward] = field(default_factory=list)

    @property
    def path(self) -> str:
        return f"/var/run/netns/{self.name}"

    def command(self, command: list[str]) -> list[str]:
        """`command` run inside (with the Service names resolving)."""
        return ["ip", "netns", "exec", self.name, *command]

    def forward(self, host: str, port: int) -> str:
        """A 127.0.0.1:port outside that reaches `host:port` inside (a Service's name or an address)."""
        forward = PortForward(self.path, (self.services.get(host, host), port))
        forward.start()
        self.forwards.append(forward)
        return forward.address


def _ip(name: str, *arguments: str) -> None:
    subprocess.run(["ip", "netns", "exec", name, "ip", *arguments], check=True, capture_output=True)


def _pod_port(workload: dict[str, Any], target: int | str) -> int:
    return target if isinstance(target, int) else container_ports(workload)[target]


def _forwarding_rules(objects: list[dict[str, Any]], namespace: str, network: ClusterNetwork) -> str:
    """nftables rules sending each Service's address and port to its pod's address and target port."""
    workloads = {
        o["metadata"]["name"]: o
        for o in objects
        if o["kind"] == "Deployment" and o["metadata"].get("namespace") == namespace
    }
    rules = []
    for service in (o for o in objects if o["kind"] == "Service" and o["metadata"].get("namespace") == namespace):
        selected = [
            name
            for name, workload in workloads.items()
            if selector_matches(
                {"matchLabels": service["spec"]["selector"]}, workload["spec"]["template"]["metadata"]["labels"]
            )
        ]
        if len(selected) != 1:
            continue  # the wiring tests report it; nothing to forward to
        for port in service["spec"]["ports"]:
            pod_port = _pod_port(workloads[selected[0]], port.get("targetPort", port["port"]))
            service_address = network.services[service["metadata"]["name"]]
            rules.append(
                f"ip daddr {service_address} tcp dport {port['port']} dnat to {network.pods[selected[0]]}:{pod_port}"
            )
    chain = "\n".join(f"    {rule}" for rule in rules)
    return f"table ip services {{\n  chain output {{\n    type nat hook output priority -100;\n{chain}\n  }}\n}}\n"


def _remove_leftovers() -> None:
    """Namespaces of test runs that were killed before they could remove theirs (their pid is gone)."""
    listed = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True, check=False).stdout
    for name in (line.split()[0] for line in listed.splitlines() if line.startswith(PREFIX)):
        pid = name.removeprefix(PREFIX).split("-")[0]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            subprocess.run(["ip", "netns", "delete", name], check=False, capture_output=True)
            shutil.rmtree(Path("/etc/netns") / name, ignore_errors=True)


@contextlib.contextmanager
def cluster_network(
    objects: list[dict[str, Any]], namespace: str, extra_hosts: dict[str, str] | None = None
) -> Iterator[ClusterNetwork]:
    """The namespace for one hub namespace of a plan, removed when the block ends (stop the programs
    started in it first). `extra_hosts`: more names the hosts file resolves (name -> address), e.g. a
    provider's fixed API host answered by a stand-in on 127.0.0.1 of the namespace."""
    if shutil.which("nft") is None:
        raise RuntimeError("the end-to-end tests need nftables (`apt-get install nftables`; .ci/run installs it)")
    services = sorted(
        o["metadata"]["name"] for o in objects if o["kind"] == "Service" and o["metadata"].get("namespace") == namespace
    )
    workloads = sorted(
        o["metadata"]["name"]
        for o in objects
        if o["kind"] == "Deployment" and o["metadata"].get("namespace") == namespace
    )
    network = ClusterNetwork(
        name=f"{PREFIX}{os.getpid()}-{next(_NAMES)}",
        namespace=namespace,
        services={name: SERVICE_ADDRESSES.format(index) for index, name in enumerate(services, 1)},
        pods={name: POD_ADDRESSES.format(index) for index, name in enumerate(workloads, 1)},
    )
    hosts_dir = Path("/etc/netns") / network.name
    _remove_leftovers()
    try:
        subprocess.run(["ip", "netns", "add", network.name], check=True, capture_output=True)
    except subprocess.CalledProcessError as error:
        raise RuntimeError(
            f"the end-to-end tests run in a network namespace of their own and need root: {error.stderr.decode()}"
        ) from None
    try:
        _ip(network.name, "link", "set", "lo", "up")
        for address in [*network.services.values(), *network.pods.values()]:
            _ip(network.name, "address", "add", f"{address}/32", "dev", "lo")
        rules = _forwarding_rules(objects, namespace, network)
        subprocess.run(network.command(["nft", "-f", "-"]), input=rules.encode(), check=True, capture_output=True)
        hosts_dir.mkdir(parents=True, exist_ok=True)
        lines = ["127.0.0.1 localhost"]
        for service, address in network.services.items():
            qualified = (
                f"{service}.{namespace}",
                f"{service}.{namespace}.svc",
                f"{service}.{namespace}.svc.cluster.local",
            )
            lines.append(" ".join((address, service, *qualified)))
        lines += [f"{address} {name}" for name, address in sorted((extra_hosts or {}).items())]
        (hosts_dir / "hosts").write_text("\n".join(lines) + "\n")
        yield network
    finally:
        for forward in network.forwards:
            forward.stop()
        subprocess.run(["ip", "netns", "delete", network.name], check=False, capture_output=True)
        shutil.rmtree(hosts_dir, ignore_errors=True)
