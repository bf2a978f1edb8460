"""The Kubernetes Pod Security Standards ("baseline" and "restricted"), checked on a pod spec.

Follows the published controls of the standards (v1.32+): what each forbids, not how an admission
plugin phrases it. Returns the violations, so a test can both pass good pods and fail bad ones.
"""

from typing import Any

BASELINE_CAPABILITIES = {
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
}
RESTRICTED_VOLUMES = {
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
}


def _containers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return [*spec.get("initContainers", []), *spec.get("containers", []), *spec.get("ephemeralContainers", [])]


def baseline_violations(spec: dict[str, Any]) -> list[str]:
    """What a pod spec does that the baseline standard forbids."""
    problems = [f"{key} is true" for key in ("hostNetwork", "hostPID", "hostIPC") if spec.get(key)]
    problems += [f"volume {v['name']} is a hostPath" for v in spec.get("volumes", []) if "hostPath" in v]
    pod_seccomp = spec.get("securityContext", {}).get("seccompProfile", {}).get("type")
    if pod_seccomp == "Unconfined":
        problems.append("the pod's seccomp profile is Unconfined")
    for container in _containers(spec):
        context = container.get("securityContext", {})
        name = container["name"]
        if context.get("privileged"):
            problems.append(f"{name} is privileged")
        added = set(context.get("capabilities", {}).get("add", []))
        if added - BASELINE_CAPABILITIES:
            problems.append(f"{name} adds capabilities {sorted(added - BASELINE_CAPABILITIES)}")
        if any(port.get("hostPort") for port in container.get("ports", [])):
            problems.append(f"{name} uses a host port")
        if context.get("seccompProfile", {}).get("type") == "Unconfined":
            problems.append(f"{name}'s seccomp profile is Unconfined")
        if context.get("procMount", "Default") != "Default":
            problems.append(f"{name} changes procMount")
    return problems


def restricted_violations(spec: dict[str, Any]) -> list[str]:
    """What a pod spec does that the restricted standard forbids (baseline's controls included)."""
    problems = baseline_violations(spec)
    pod = spec.get("securityContext", {})
    for volume in spec.get("volumes", []):
        kinds = set(volume) - {"name"}
        if not kinds <= RESTRICTED_VOLUMES:
            problems.append(f"volume {volume['name']} is of type {sorted(kinds)}")
    for container in _containers(spec):
        context, name = container.get("securityContext", {}), container["name"]
        if context.get("allowPrivilegeEscalation") is not False:
            problems.append(f"{name} does not set allowPrivilegeEscalation: false")
        if not (context.get("runAsNonRoot", pod.get("runAsNonRoot"))):
            problems.append(f"{name} does not run as non-root")
        if context.get("runAsUser", pod.get("runAsUser")) == 0:
            problems.append(f"{name} runs as uid 0")
        if context.get("seccompProfile", pod.get("seccompProfile", {})).get("type") not in (
            "RuntimeDefault",
            "Localhost",
        ):
            problems.append(f"{name} has no RuntimeDefault or Localhost seccomp profile")
        capabilities = context.get("capabilities", {})
        if "ALL" not in capabilities.get("drop", []):
            problems.append(f"{name} does not drop ALL capabilities")
        if set(capabilities.get("add", [])) - {"NET_BIND_SERVICE"}:
            problems.append(f"{name} adds capabilities beyond NET_BIND_SERVICE")
    return problems
