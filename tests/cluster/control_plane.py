"""A real Kubernetes control plane on 127.0.0.1: etcd, kube-apiserver, kube-controller-manager,
kube-scheduler and KWOK, run as plain processes from the binaries `testcluster/build.sh` builds.

- Every process binds to 127.0.0.1 on ports the kernel hands out, so two runs at once do not collide;
  each is stopped by its pid when the block ends (also when a test fails).
- The API server runs with its default admission plugins (PodSecurity, ServiceAccount, Priority,
  DefaultStorageClass, ...) and Node,RBAC authorization; a static token is the admin (system:masters).
- KWOK plays the kubelet of the nodes this module creates (annotation kwok.x-k8s.io/node=fake): they turn
  Ready and keep a lease, and their pods turn Running with fake IPs from 10.244.0.0/16, which nothing
  here ever connects to. Pods that KubeSpawner makes are left to the stand-in kubelet of the spawn tests
  (tests/cluster/kubelet.py), which runs the real user server on a loopback address.
- Claims are bound by a stand-in provisioner (testcluster/stages/volume-provisioner.yaml) for every
  StorageClass, honouring WaitForFirstConsumer.

Run as a program (`make cluster`) it starts the control plane with the dev stack's node shapes, prints
the admin kubeconfig's path and runs until Ctrl-C.
"""

import argparse
import contextlib
import copy
import json
import os
import secrets
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..e2e.processes import LOOPBACK, free_port, start, stop
from ..helpers import ROOT
from .api import Api, ApiError, wait_for
from .pki import make_pki

CACHE = Path(os.environ.get("TESTCLUSTER_CACHE", Path.home() / ".cache" / "jupyterhub-pulumi" / "testcluster"))
BINARIES = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok")
KWOK_STAGES = ("node-initialize", "node-heartbeat-with-lease", "pod-ready", "pod-complete", "pod-delete")
OWN_STAGES = ROOT / "testcluster" / "stages"
POD_CIDR = "10.244.0.0/16"
SERVICE_CIDR = "10.96.0.0/16"
FAKE_NODE_ANNOTATION = "kwok.x-k8s.io/node"
USER_SERVER_MANAGER = "kubespawner"
"""The `app.kubernetes.io/managed-by` label of the pods KubeSpawner makes; KWOK leaves their lifecycle alone."""


def missing_binaries() -> list[str]:
    """The control plane's binaries not built yet (run testcluster/build.sh)."""
    return [name for name in BINARIES if not (CACHE / "bin" / name).is_file()]


def binary(name: str) -> str:
    """The path of a binary testcluster/build.sh built (in the cache outside the repository)."""
    return str(CACHE / "bin" / name)


def kwok_stages(directory: Path) -> Path:
    """KWOK's config: its node stages, its pod stages limited to pods KubeSpawner did not make, and the
    stand-in volume provisioner."""
    documents: list[dict[str, Any]] = []
    for name in KWOK_STAGES:
        stage = yaml.safe_load((CACHE / "stages" / f"{name}.yaml").read_text())
        if stage["spec"]["resourceRef"]["kind"] == "Pod" and name != "pod-delete":
            not_a_user_server = (
                "!has(self.metadata.labels) || !('app.kubernetes.io/managed-by' in self.metadata.labels) || "
                f"self.metadata.labels['app.kubernetes.io/managed-by'] != '{USER_SERVER_MANAGER}'"
            )
            stage["spec"]["selector"]["matchExpressions"].append({"cel": {"expression": not_a_user_server}})
        documents.append(stage)
    for path in sorted(OWN_STAGES.glob("*.yaml")):
        documents.extend(doc for doc in yaml.safe_load_all(path.read_text()) if doc)
    config = directory / "kwok.yaml"
    config.write_text(yaml.safe_dump_all(documents, sort_keys=False))
    return config


KIND_DEFAULT_STORAGE_CLASS = {
    "apiVersion": "storage.k8s.io/v1",
    "kind": "StorageClass",
    "metadata": {"name": "standard", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
    "provisioner": "rancher.io/local-path",
    "volumeBindingMode": "WaitForFirstConsumer",
    "reclaimPolicy": "Delete",
}
"""The default StorageClass of a kind cluster (the dev stack's), which an existing cluster brings along."""


def install_snapshot_crds(api: Api) -> list[str]:
    """The CSI snapshot CRDs (testcluster/build.sh takes them from the pinned external-snapshotter module),
    created and established; their names."""
    names = []
    for path in sorted((CACHE / "crds").glob("snapshot.storage.k8s.io_*.yaml")):
        crd = yaml.safe_load(path.read_text())
        api.create(crd)
        names.append(crd["metadata"]["name"])

    def established() -> bool:
        for name in names:
            status = api.get("apiextensions.k8s.io/v1", "CustomResourceDefinition", name).get("status", {})
            if not any(c["type"] == "Established" and c["status"] == "True" for c in status.get("conditions", [])):
                return False
        return True

    if not names:
        raise RuntimeError(f"no snapshot CRDs in {CACHE / 'crds'}: run testcluster/build.sh")
    wait_for(established, 30, "the snapshot CRDs established")
    return names


def kubeconfig(path: Path, server: str, token: str, ca_certificate: Path, user: str = "admin") -> Path:
    """A kubeconfig for `server` as the identity of `token`."""
    path.write_text(
        json.dumps(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "current-context": "test",
                "clusters": [
                    {"name": "test", "cluster": {"server": server, "certificate-authority": str(ca_certificate)}}
                ],
                "users": [{"name": user, "user": {"token": token}}],
                "contexts": [{"name": "test", "context": {"cluster": "test", "user": user}}],
            }
        )
    )
    path.chmod(0o600)
    return path


def fake_node(name: str, labels: dict[str, str], taints: list[dict[str, str]], allocatable: dict[str, str]) -> dict:
    """A Node that KWOK plays the kubelet of."""
    base = {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64"}
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {"name": name, "annotations": {FAKE_NODE_ANNOTATION: "fake"}, "labels": {**base, **labels}},
        "spec": {"taints": taints},
        "status": {"allocatable": allocatable, "capacity": allocatable},
    }


@dataclass
class ControlPlane:
    """A running control plane and how to talk to it."""

    directory: Path
    url: str
    ca_certificate: Path
    admin_token: str
    admin_kubeconfig: Path
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def admin(self) -> Api:
        """The API as cluster admin."""
        return Api(self.url, self.admin_token, self.ca_certificate)

    def log(self, process: str) -> str:
        """The end of one process's log."""
        return (self.directory / f"{process}.log").read_text()[-4000:]

    def service_account_token(self, namespace: str, name: str, seconds: int = 3600) -> str:
        """A token for a ServiceAccount from the TokenRequest API, as a projected token volume gets one."""
        request = {
            "apiVersion": "authentication.k8s.io/v1",
            "kind": "TokenRequest",
            "spec": {"expirationSeconds": seconds},
        }
        path = f"/api/v1/namespaces/{namespace}/serviceaccounts/{name}/token"
        return self.admin.request("POST", path, json=request)["status"]["token"]

    def kubeconfig_for(self, path: Path, token: str, user: str) -> Path:
        """A kubeconfig for this cluster as another identity."""
        return kubeconfig(path, self.url, token, self.ca_certificate, user)

    def add_nodes(self, nodes: list[dict[str, Any]]) -> None:
        """Create nodes and wait until each is Ready and schedulable (no not-ready taint left)."""
        api = self.admin
        for node in nodes:
            api.create(copy.deepcopy(node))

        def ready(name: str) -> bool:
            node = api.get("v1", "Node", name)
            conditions = {c["type"]: c["status"] for c in node.get("status", {}).get("conditions", [])}
            not_ready_taint = any(t["key"].startswith("node.kubernetes.io/") for t in node["spec"].get("taints", []))
            return conditions.get("Ready") == "True" and not not_ready_taint

        for node in nodes:
            name = node["metadata"]["name"]
            wait_for(lambda name=name: ready(name), 60, lambda name=name: f"node {name} Ready: {self.log('kwok')}")

    def stop(self) -> None:
        """Stop every process, the last started first."""
        for process in reversed(list(self.processes.values())):
            stop(process)


def _wait_healthy(api: Api, control_plane: ControlPlane, process: str) -> None:
    def healthy() -> bool:
        if control_plane.processes[process].poll() is not None:
            raise RuntimeError(f"{process} exited:\n{control_plane.log(process)}")
        with contextlib.suppress(ApiError):
            return api.session.get(f"{api.url}/readyz", timeout=5, verify=api.ca_certificate).status_code == 200
        return False

    try:
        wait_for(healthy, 60, "the API server's readiness")
    except AssertionError as error:
        raise RuntimeError(f"{error}:\n{control_plane.log(process)}") from None


@contextlib.contextmanager
def running_control_plane(directory: Path, nodes: list[dict[str, Any]] | None = None) -> Iterator[ControlPlane]:
    """The control plane for the duration of the block, with these nodes Ready."""
    missing = missing_binaries()
    if missing:
        raise RuntimeError(f"not built: {', '.join(missing)} (run testcluster/build.sh, or make cluster-build)")
    directory.mkdir(parents=True, exist_ok=True)
    pki = make_pki(directory / "pki")
    admin_token = secrets.token_hex(24)
    tokens = directory / "pki" / "tokens.csv"
    tokens.write_text(f"{admin_token},admin,admin,system:masters\n")
    tokens.chmod(0o600)
    etcd_client, etcd_peer, api_port = free_port(), free_port(), free_port()
    url = f"https://{LOOPBACK}:{api_port}"
    admin_kubeconfig = kubeconfig(directory / "admin.kubeconfig", url, admin_token, pki.ca_certificate)
    control_plane = ControlPlane(directory, url, pki.ca_certificate, admin_token, admin_kubeconfig)

    def launch(name: str, command: list[str]) -> None:
        control_plane.processes[name] = start(command, directory / f"{name}.log")

    try:
        launch(
            "etcd",
            [
                binary("etcd"),
                "--name=test",
                f"--data-dir={directory / 'etcd'}",
                f"--listen-client-urls=http://{LOOPBACK}:{etcd_client}",
                f"--advertise-client-urls=http://{LOOPBACK}:{etcd_client}",
                f"--listen-peer-urls=http://{LOOPBACK}:{etcd_peer}",
                f"--initial-advertise-peer-urls=http://{LOOPBACK}:{etcd_peer}",
                f"--initial-cluster=test=http://{LOOPBACK}:{etcd_peer}",
                "--unsafe-no-fsync",  # a throw-away cluster: durability costs time and buys nothing
                "--log-level=warn",
            ],
        )
        launch(
            "kube-apiserver",
            [
                binary("kube-apiserver"),
                f"--etcd-servers=http://{LOOPBACK}:{etcd_client}",
                f"--bind-address={LOOPBACK}",
                f"--advertise-address={LOOPBACK}",
                f"--secure-port={api_port}",
                f"--tls-cert-file={pki.serving_certificate}",
                f"--tls-private-key-file={pki.serving_key}",
                f"--token-auth-file={tokens}",
                "--authorization-mode=Node,RBAC",
                # As on every real cluster (its own system pods need it): Pod Security decides, not this flag.
                "--allow-privileged=true",
                "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
                f"--service-account-key-file={pki.service_account_public_key}",
                f"--service-account-signing-key-file={pki.service_account_private_key}",
                f"--service-cluster-ip-range={SERVICE_CIDR}",
                # The `kubernetes` Service's endpoint would be 127.0.0.1, which Endpoints refuse.
                "--endpoint-reconciler-type=none",
                "--profiling=false",
                "--v=1",
            ],
        )
        api = control_plane.admin
        _wait_healthy(api, control_plane, "kube-apiserver")
        launch(
            "kube-controller-manager",
            [
                binary("kube-controller-manager"),
                f"--kubeconfig={admin_kubeconfig}",
                "--secure-port=0",
                "--leader-elect=false",
                f"--root-ca-file={pki.ca_certificate}",
                f"--service-account-private-key-file={pki.service_account_private_key}",
                "--use-service-account-credentials=false",
                f"--cluster-cidr={POD_CIDR}",
                "--v=1",
            ],
        )
        launch(
            "kube-scheduler",
            [binary("kube-scheduler"), f"--kubeconfig={admin_kubeconfig}", "--secure-port=0", "--leader-elect=false"],
        )
        launch(
            "kwok",
            [
                binary("kwok"),
                f"--kubeconfig={admin_kubeconfig}",
                f"--config={kwok_stages(directory)}",
                f"--manage-nodes-with-annotation-selector={FAKE_NODE_ANNOTATION}=fake",
                f"--cidr={POD_CIDR}",
                "--node-lease-duration-seconds=40",  # nodes renew leases, so they stay Ready
                f"--node-ip={LOOPBACK}",
                f"--server-address={LOOPBACK}:{free_port()}",
            ],
        )
        # The ServiceAccount controller makes every namespace's `default` account: a sign it runs.
        wait_for(
            lambda: api.get("v1", "ServiceAccount", "default", "default"),
            60,
            lambda: f"the controller manager's start: {control_plane.log('kube-controller-manager')}",
        )
        control_plane.add_nodes(nodes or [])
        yield control_plane
    finally:
        control_plane.stop()


def _serve_until_interrupted() -> None:
    from .nodes import KIND_NODES

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, help="where state and logs go (default: a temporary folder)")
    args = parser.parse_args()
    directory = args.dir or Path(tempfile.mkdtemp(prefix="testcluster-"))
    stopping = False

    def on_signal(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    with running_control_plane(directory, KIND_NODES) as control_plane:
        print(f"API server {control_plane.url}; logs in {directory}")
        print(f"export KUBECONFIG={control_plane.admin_kubeconfig}")
        print("Ctrl-C stops it.", flush=True)
        while not stopping:
            time.sleep(0.5)


if __name__ == "__main__":
    _serve_until_interrupted()
