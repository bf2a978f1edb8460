"""Security contexts: non-root, no privilege escalation, no capabilities, the runtime's seccomp profile."""

from typing import Any

RUNTIME_DEFAULT_SECCOMP = {"type": "RuntimeDefault"}


def pod_security_context(uid: int, gid: int, fs_group: int | None = None) -> dict[str, Any]:
    """The pod-level security context of a pod the stack declares."""
    context: dict[str, Any] = {
        "runAsNonRoot": True,
        "runAsUser": uid,
        "runAsGroup": gid,
        "seccompProfile": RUNTIME_DEFAULT_SECCOMP,
    }
    if fs_group is not None:
        context["fsGroup"] = fs_group
    return context


def container_security_context(read_only_root: bool = True) -> dict[str, Any]:
    """The container-level security context: the Kubernetes "restricted" profile's requirements."""
    return {
        "allowPrivilegeEscalation": False,
        "capabilities": {"drop": ["ALL"]},
        "readOnlyRootFilesystem": read_only_root,
        "runAsNonRoot": True,
        "seccompProfile": RUNTIME_DEFAULT_SECCOMP,
    }
