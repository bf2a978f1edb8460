"""The user schedulers a plan ships, run on the tier's control plane as its pods would run them: the
tier's kube-scheduler build with the ConfigMap's configuration and the Deployment's arguments, as the
user scheduler's ServiceAccount. KWOK runs no containers, so this is how a stack's users' servers, which
name their hub's scheduler, get scheduled here."""

import contextlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from components.user_scheduler import USER_SCHEDULER

from ..e2e.processes import LOOPBACK, free_port, start, stop
from .control_plane import ControlPlane, binary


@contextlib.contextmanager
def running_user_schedulers(
    control_plane: ControlPlane, objects: list[dict[str, Any]], directory: Path
) -> Iterator[dict[str, Path]]:
    """Run every user scheduler of `objects` until the block ends; yields each one's log by namespace."""
    deployments = [o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == USER_SCHEDULER]
    processes, logs = [], {}
    try:
        for deployment in deployments:
            namespace = deployment["metadata"]["namespace"]
            config_map = next(
                o
                for o in objects
                if o["kind"] == "ConfigMap"
                and (o["metadata"]["name"], o["metadata"]["namespace"])
                == (
                    USER_SCHEDULER,
                    namespace,
                )
            )
            # With --config, kube-scheduler reads its API server from the file's clientConnection, which in
            # a pod is empty (the in-cluster account); here it is the account's token in a kubeconfig.
            token = control_plane.service_account_token(namespace, USER_SCHEDULER)
            kubeconfig = control_plane.kubeconfig_for(directory / f"{namespace}-scheduler.kubeconfig", token, namespace)
            config = {
                **json.loads(config_map["data"]["config.yaml"]),
                "clientConnection": {"kubeconfig": str(kubeconfig)},
            }
            (directory / f"{namespace}-scheduler.yaml").write_text(json.dumps(config))
            command = deployment["spec"]["template"]["spec"]["containers"][0]["command"]
            arguments = [a for a in command[1:] if not a.startswith(("--config=", "--secure-port="))]
            logs[namespace] = directory / f"{namespace}-scheduler.log"
            processes.append(
                start(
                    [
                        binary("kube-scheduler"),
                        *arguments,
                        f"--config={directory / f'{namespace}-scheduler.yaml'}",
                        f"--bind-address={LOOPBACK}",  # the pod's port 10259, here on loopback only
                        f"--secure-port={free_port()}",
                    ],
                    logs[namespace],
                )
            )
        yield logs
    finally:
        for process in processes:
            stop(process)
