"""The guardrails, as plain functions over one resource's type and properties (camelCase, as Pulumi
hands them to policy packs). __main__.py wraps them in a Pulumi policy pack; tests call them directly
with the resources an offline plan records."""

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

NODE_PURPOSE = "hub.jupyter.org/node-purpose"
ALWAYS_ON = "hub.jupyter.org/always-on"
"""A user pool labelled `hub.jupyter.org/always-on: "true"` is exempt from scaling to zero (e.g. exams)."""

Props = Mapping[str, Any]


@dataclass(frozen=True)
class Rule:
    """One guardrail."""

    name: str
    description: str
    check: Callable[[str, Props], list[str]]
    """(resource type, properties) -> violations (empty when the resource complies or is not concerned)."""


def _user_pools_scale_to_zero(kind: str, props: Props) -> list[str]:
    if kind == "gcp:container/nodePool:NodePool":
        labels = props.get("nodeConfig", {}).get("labels", {})
        minimum = props.get("autoscaling", {}).get("minNodeCount", props.get("initialNodeCount", 1))
    elif kind == "aws:eks/nodeGroup:NodeGroup":
        labels = props.get("labels", {})
        minimum = props.get("scalingConfig", {}).get("minSize", 1)
    else:
        return []
    if labels.get(NODE_PURPOSE) != "user" or labels.get(ALWAYS_ON) == "true":
        return []
    return (
        []
        if minimum == 0
        else [f"user pool keeps {minimum} node(s) when idle: set its minimum to 0 (or label it {ALWAYS_ON}=true)"]
    )


def _disks_encrypted(kind: str, props: Props) -> list[str]:
    if kind != "kubernetes:storage.k8s.io/v1:StorageClass":
        return []
    provisioner, parameters = props.get("provisioner"), props.get("parameters") or {}
    if provisioner == "ebs.csi.aws.com" and str(parameters.get("encrypted", "false")).lower() != "true":
        return ['EBS volumes of this StorageClass are not encrypted: set parameters.encrypted: "true"']
    return []  # Persistent Disks (GKE) are always encrypted at rest


def _api_not_open_to_the_internet(kind: str, props: Props) -> list[str]:
    if kind == "gcp:container/cluster:Cluster":
        private = props.get("privateClusterConfig", {}).get("enablePrivateEndpoint", False)
        networks = (props.get("masterAuthorizedNetworksConfig") or {}).get("cidrBlocks", [])
        open_ = not private and (not networks or any(n.get("cidrBlock") == "0.0.0.0/0" for n in networks))
    elif kind == "aws:eks/cluster:Cluster":
        vpc = props.get("vpcConfig", {})
        cidrs = vpc.get("publicAccessCidrs") or ["0.0.0.0/0"]
        open_ = vpc.get("endpointPublicAccess", True) and "0.0.0.0/0" in cidrs
    else:
        return []
    return ["the Kubernetes API is open to the whole internet: allow only your networks"] if open_ else []


def _node_metadata_pinned(kind: str, props: Props) -> list[str]:
    if kind == "aws:eks/nodeGroup:NodeGroup":
        return [] if props.get("launchTemplate") else ["no launch template: the node's instance metadata is not pinned"]
    if kind != "aws:ec2/launchTemplate:LaunchTemplate":
        return []
    metadata = props.get("metadataOptions") or {}
    problems = []
    if metadata.get("httpTokens") != "required":
        problems.append("instance metadata answers without an IMDSv2 token: set httpTokens: required")
    if metadata.get("httpPutResponseHopLimit") != 1:
        problems.append("pods can reach the node's instance metadata: set httpPutResponseHopLimit: 1")
    for device in props.get("blockDeviceMappings") or []:
        if str((device.get("ebs") or {}).get("encrypted", "false")).lower() != "true":
            problems.append(f"volume {device.get('deviceName')} is not encrypted")
    return problems


def _secrets_envelope_encrypted(kind: str, props: Props) -> list[str]:
    if kind != "aws:eks/cluster:Cluster":
        return []
    encrypted = any("secrets" in (config.get("resources") or []) for config in _as_list(props.get("encryptionConfig")))
    return [] if encrypted else ["Secrets are not envelope-encrypted: set encryptionConfig with a KMS key"]


def _as_list(value: Any) -> list[dict[str, Any]]:
    return value if isinstance(value, list) else [value] if isinstance(value, dict) else []


HUB_SETTINGS_READ = {
    "hubName": ("hubName",),
    "environment": ("environment",),
    "authenticator": ("authenticator", "type"),
    "adminUsers": ("hub", "adminUsers"),
    "adminGroups": ("authenticator", "adminGroups"),
}
"""What the guardrails read of a hub's settings.json (components/hub/settings_contract.py; the pack is
published on its own, so it reads the JSON): name -> key path. A test holds every path to the contract's
JSON Schema; `adminGroups` exists for every authenticator but `dummy` and `google`."""


class _HubSettings:
    """A hub's settings.json, read only at HUB_SETTINGS_READ's paths."""

    def __init__(self, text: str) -> None:
        self._settings = json.loads(text)

    def get(self, name: str) -> Any:
        value: Any = self._settings
        for key in HUB_SETTINGS_READ[name]:
            value = value.get(key) if isinstance(value, dict) else None
        return value


def _hub_settings(kind: str, props: Props) -> _HubSettings | None:
    if kind != "kubernetes:core/v1:ConfigMap" or "settings.json" not in (props.get("data") or {}):
        return None
    return _HubSettings(props["data"]["settings.json"])


def _no_dummy_authenticator_outside_development(kind: str, props: Props) -> list[str]:
    settings = _hub_settings(kind, props)
    if settings is None or settings.get("authenticator") != "dummy":
        return []
    if settings.get("environment") == "development":
        return []
    return ["the dummy authenticator lets anyone in: only for environment: development"]


def _every_hub_has_an_admin(kind: str, props: Props) -> list[str]:
    settings = _hub_settings(kind, props)
    if settings is None:
        return []
    if settings.get("adminUsers") or settings.get("adminGroups"):
        return []
    name = settings.get("hubName")
    return [f"hub {name} has no admin (adminUsers or adminGroups): nobody can manage its users"]


def _homes_retained(kind: str, props: Props) -> list[str]:
    if kind != "kubernetes:storage.k8s.io/v1:StorageClass":
        return []
    policy = props.get("reclaimPolicy", "Delete")
    return [] if policy == "Retain" else [f"reclaimPolicy {policy}: deleting a claim would delete a student's home"]


RULES = [
    Rule(
        "user-pools-scale-to-zero",
        "User node pools scale to zero when idle, unless labelled always-on.",
        _user_pools_scale_to_zero,
    ),
    Rule("disks-encrypted", "Volumes for homes and hub databases are encrypted at rest.", _disks_encrypted),
    Rule(
        "kubernetes-api-allow-list",
        "The Kubernetes API is not reachable from the whole internet.",
        _api_not_open_to_the_internet,
    ),
    Rule(
        "no-dummy-authenticator",
        "The dummy authenticator only in development.",
        _no_dummy_authenticator_outside_development,
    ),
    Rule("hub-has-an-admin", "Every hub has an admin.", _every_hub_has_an_admin),
    Rule("homes-retained", "StorageClasses keep volumes when claims are deleted (Retain).", _homes_retained),
    Rule(
        "node-metadata-pinned",
        "EKS nodes serve instance metadata with IMDSv2 to the node alone and encrypt their volumes.",
        _node_metadata_pinned,
    ),
    Rule(
        "secrets-envelope-encrypted",
        "EKS encrypts Kubernetes Secrets with a KMS key.",
        _secrets_envelope_encrypted,
    ),
]


def violations(kind: str, props: Props) -> dict[str, list[str]]:
    """Every rule's violations for one resource (rules without any are left out)."""
    found = {rule.name: rule.check(kind, props) for rule in RULES}
    return {name: messages for name, messages in found.items() if messages}
