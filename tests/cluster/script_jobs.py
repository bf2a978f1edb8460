"""A CronJob's script run by hand on the tier's control plane, as its pod runs it: the files of its
ConfigMap (binary ones too) side by side in a folder, and the job's own ServiceAccount token, the
cluster's API server and CA given through the variables kube_api.py reads. KWOK runs no containers."""

import base64
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .control_plane import ControlPlane


@dataclass(frozen=True)
class ScriptByHand:
    """A job's folder and environment."""

    folder: Path
    environment: dict[str, str]

    def run(self, script: str) -> subprocess.CompletedProcess[str]:
        """Run one of the folder's scripts to its end."""
        return subprocess.run(
            [sys.executable, str(self.folder / script)],
            env=self.environment,
            capture_output=True,
            text=True,
            timeout=60,
        )


def script_by_hand(
    control_plane: ControlPlane, config_map: dict[str, Any], account: str, directory: Path
) -> ScriptByHand:
    """Lay out a job's ConfigMap in `directory`/job and the token of its account (of the ConfigMap's
    namespace) beside it."""
    folder = directory / "job"
    folder.mkdir()
    for key, text in config_map.get("data", {}).items():
        (folder / key).write_text(text)
    for key, encoded in config_map.get("binaryData", {}).items():
        (folder / key).write_bytes(base64.b64decode(encoded))
    token = directory / "token"
    token.write_text(control_plane.service_account_token(config_map["metadata"]["namespace"], account))
    environment = {
        "KUBERNETES_API": control_plane.url,
        "KUBERNETES_TOKEN_FILE": str(token),
        "KUBERNETES_CA_FILE": str(control_plane.ca_certificate),
        "PATH": "/usr/bin:/bin",
        "TZ": "UTC",  # the job's container knows no zone but what it ships
    }
    return ScriptByHand(folder, environment)
