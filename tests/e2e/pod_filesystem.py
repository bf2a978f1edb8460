"""A pod's volumes mounted as a kubelet mounts them, for the emulated cluster's kubelet (fake_cluster.py).

Each container gets a root folder of its own (`<state>/roots/<pod uid>/<container>`). Its process runs in a
mount namespace of its own where every `volumeMount` is bind-mounted at its `mountPath` under that root,
`subPath` and all, read-only where the mount says so: `readOnly` holds as on a node (a write fails with
EROFS, even for root), and two containers of a pod see the same files where they mount the same volume.
The namespace, and so every mount, ends with the container's last process. Paths of the container's
command, args and env that lie under a mount path are remapped to the root; nothing else changes.

Volumes: a claim is `<state>/volumes/<claim>` (the cluster's disk or share), a ConfigMap is its keys as
files under `<state>/configmaps/<namespace>/<name>` (written by the kubelet from the API server's object),
an emptyDir is `<state>/emptydirs/<pod uid>/<volume>`. As a kubelet does, a missing `subPath` folder is
created before it is mounted.

Run as a program (the launcher the kubelet starts, under `unshare --mount`):
`python -m tests.e2e.pod_filesystem SPEC_JSON -- COMMAND...`.
"""

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Mount:
    """A volume mount: the host path mounted, where under the container's root, and whether read-only."""

    source: Path
    target: Path
    read_only: bool


def volume_path(volume: dict[str, Any], state_dir: Path, namespace: str, pod_uid: str) -> Path:
    """Where a pod volume's files are on this machine."""
    if "persistentVolumeClaim" in volume:
        return state_dir / "volumes" / volume["persistentVolumeClaim"]["claimName"]
    if "configMap" in volume:
        return state_dir / "configmaps" / namespace / volume["configMap"]["name"]
    if "emptyDir" in volume:
        return state_dir / "emptydirs" / pod_uid / volume["name"]
    raise NotImplementedError(f"the stand-in kubelet does not mount volume {volume}")


def container_mounts(pod: dict[str, Any], container: dict[str, Any], state_dir: Path, root: Path) -> list[Mount]:
    """The container's mounts, parents before the mounts inside them."""
    namespace, uid = pod["metadata"]["namespace"], pod["metadata"]["uid"]
    volumes = {volume["name"]: volume for volume in pod["spec"].get("volumes", [])}
    mounts = []
    for mount in container.get("volumeMounts", []):
        source = volume_path(volumes[mount["name"]], state_dir, namespace, uid)
        if mount.get("subPath"):
            source = source / mount["subPath"]
        if not source.exists():
            source.mkdir(parents=True)  # the kubelet makes a missing subPath (or the volume) a folder
        target = root / mount["mountPath"].lstrip("/")
        mounts.append(Mount(source, target, bool(mount.get("readOnly"))))
    return sorted(mounts, key=lambda m: len(m.target.parts))


def remap(value: str, container: dict[str, Any], root: Path) -> str:
    """A path under one of the container's mount paths, as it is under the container's root."""
    for mount in sorted(container.get("volumeMounts", []), key=lambda m: -len(m["mountPath"])):
        path = mount["mountPath"]
        if value == path or value.startswith(f"{path}/"):
            return str(root / value.lstrip("/"))
    return value


def launcher(mounts: list[Mount], working_dir: Path, command: list[str]) -> list[str]:
    """The command that runs `command` in `working_dir` with `mounts` in a mount namespace of its own."""
    spec = {
        "mounts": [{"source": str(m.source), "target": str(m.target), "readOnly": m.read_only} for m in mounts],
        "workingDir": str(working_dir),
    }
    return [
        "unshare",
        "--mount",
        "--propagation",
        "private",
        sys.executable,
        "-m",
        "tests.e2e.pod_filesystem",
        json.dumps(spec),
        "--",
        *command,
    ]


def _mount(source: str, target: str, read_only: bool) -> None:
    if Path(source).is_dir():
        Path(target).mkdir(parents=True, exist_ok=True)
    else:
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        Path(target).touch(exist_ok=True)
    subprocess.run(["mount", "--bind", source, target], check=True)
    if read_only:
        subprocess.run(["mount", "-o", "remount,bind,ro", target], check=True)


def main() -> None:
    """Mount, then become the command."""
    separator = sys.argv.index("--")
    spec, command = json.loads(sys.argv[1]), sys.argv[separator + 1 :]
    for mount in spec["mounts"]:
        _mount(mount["source"], mount["target"], mount["readOnly"])
    Path(spec["workingDir"]).mkdir(parents=True, exist_ok=True)
    os.chdir(spec["workingDir"])
    os.execvp(command[0], command)  # noqa: S606 - the container's own command, as the kubelet runs it


if __name__ == "__main__":
    main()
