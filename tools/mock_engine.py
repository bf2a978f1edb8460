"""A stand-in for the Pulumi engine: runs the real program under the SDK's mocks and records every
resource registration with its inputs, options and dependencies (the engine's own view of the plan).

Secret values are recorded as "[secret]" at the moment of registration, so nothing downstream (plan
files, manifests, test output) ever holds them.
"""

import hashlib
import json
import os
import runpy
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
import pulumi.runtime.config as runtime_config
from google.protobuf import json_format
from pulumi.runtime import mocks
from pulumi.runtime.settings import get_root_resource, reset_options
from pulumi.runtime.stack import Stack, massage

from components.config.stack_file import engine_values

SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
SIG_KEY = "4dabf18193072939515e22adb298388d"
REDACTED = "[secret]"


def _hide(value: Any) -> Any:
    """A secret's shape without its content: keys stay (they are names), every leaf becomes "[secret]"."""
    if isinstance(value, dict):
        if value.get(SIG_KEY) == SECRET_SIG:
            return _hide(value.get("value"))
        return {key: _hide(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [_hide(item) for item in value]
    return REDACTED


def secret_digests(value: Any, path: str = "", inside_secret: bool = False) -> dict[str, str]:
    """A short digest of every secret leaf by property path, so plan diffs can say a secret changed
    without showing it. Offline plans only ever hold stand-ins for secrets (generated fakes, or
    placeholders derived from the stack file's ciphertext), never a real secret."""
    digests: dict[str, str] = {}
    if isinstance(value, dict):
        if value.get(SIG_KEY) == SECRET_SIG:
            return secret_digests(value.get("value"), path, inside_secret=True)
        for key, item in value.items():
            if key != SIG_KEY:
                digests.update(secret_digests(item, f"{path}.{key}" if path else key, inside_secret))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            digests.update(secret_digests(item, f"{path}[{index}]", inside_secret))
    elif inside_secret:
        digests[path] = hashlib.sha256(json.dumps(value).encode()).hexdigest()[:16]
    return digests


def redact(value: Any) -> Any:
    """A serialized property value as plain data: secrets hidden, whole numbers as integers
    (the wire format carries every number as a double)."""
    if isinstance(value, dict):
        signature = value.get(SIG_KEY)
        if signature == SECRET_SIG:
            return _hide(value.get("value"))
        if signature is not None:  # a resource reference or asset: keep what identifies it
            return {key: redact(value[key]) for key in sorted(value) if key != SIG_KEY}
        return {key: redact(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        return [redact(item) for item in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if value == UNKNOWN:
        return "[unknown]"
    return value


@dataclass
class RecordedResource:
    """One RegisterResource call as the engine received it."""

    urn: str
    type: str
    name: str
    parent: str | None
    custom: bool
    dependencies: list[str]
    options: dict[str, Any]
    inputs: dict[str, Any]
    secret_digests: dict[str, str] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """The plan.json entry."""
        return {
            "secretDigests": self.secret_digests,
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "parent": self.parent,
            "custom": self.custom,
            "dependencies": self.dependencies,
            "options": self.options,
            "inputs": self.inputs,
        }


def fake_secret_hex(name: str, keepers: Any = None) -> str:
    """A stable stand-in for generated random bytes (the real values live only in the stack state); new
    keepers give new bytes, as they replace the real resource."""
    seed = name if not keepers else f"{name}:{json.dumps(keepers, sort_keys=True)}"
    return hashlib.sha256(f"offline-plan:{seed}".encode()).hexdigest()


CLOUD_OUTPUTS: dict[str, dict[str, Any]] = {
    "gcp:container/cluster:Cluster": {
        "endpoint": "203.0.113.1",
        "masterAuth": {"clusterCaCertificate": "T0ZGTElORS1QTEFOLUNB"},  # "OFFLINE-PLAN-CA"
    },
    "gcp:compute/address:Address": {"address": "203.0.113.10"},
    "gcp:filestore/instance:Instance": {
        "networks": [
            {
                "network": "offline-plan",
                "modes": ["MODE_IPV4"],
                "connectMode": "DIRECT_PEERING",
                "ipAddresses": ["192.0.2.20"],
            }
        ]
    },
    "gcp:serviceaccount/account:Account": {"email": "jupyterhub-nodes@offline-plan.iam.gserviceaccount.com"},
    "aws:eks/cluster:Cluster": {
        "endpoint": "https://OFFLINEPLAN.gr7.us-east-2.eks.amazonaws.com",
        "certificateAuthority": {"data": "T0ZGTElORS1QTEFOLUNB"},
        "identities": [{"oidcs": [{"issuer": "https://oidc.eks.us-east-2.amazonaws.com/id/OFFLINEPLAN"}]}],
    },
    "aws:iam/role:Role": {"arn": "arn:aws:iam::123456789012:role/offline-plan-role"},
    "aws:iam/openIdConnectProvider:OpenIdConnectProvider": {
        "arn": "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-2.amazonaws.com/id/OFFLINEPLAN",
    },
    "aws:eks/nodeGroup:NodeGroup": {"resources": [{"autoscalingGroups": [{"name": "eks-offline-plan-asg"}]}]},
    "aws:ec2/launchTemplate:LaunchTemplate": {"latestVersion": 1},
    "aws:kms/key:Key": {"arn": "arn:aws:kms:us-east-2:123456789012:key/00000000-0000-0000-0000-offlineplan0"},
    "kubernetes:core/v1:Service": {"status": {"loadBalancer": {"ingress": [{"hostname": "lb.offline-plan.invalid"}]}}},
}
"""What the clouds would answer for outputs the program uses, in place of the real values (documentation
addresses, placeholder names): offline plans show where they flow, not what they will be."""


SERVICE_CLUSTER_IP = "192.0.2.10"
"""Every Service's cluster IP in offline plans."""


class _Mocks(pulumi.runtime.Mocks):
    """Cloud and provider answers: resources echo their inputs plus CLOUD_OUTPUTS, random bytes are
    stable stand-ins."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        state = {**args.inputs, **CLOUD_OUTPUTS.get(args.typ, {})}
        if args.typ == "random:index/randomBytes:RandomBytes":
            state["hex"] = fake_secret_hex(args.name, args.inputs.get("keepers"))
            state["base64"] = state["hex"]
        if args.typ == "kubernetes:core/v1:Service" and isinstance(state.get("spec"), dict):
            # The address the API server allocates (a documentation address: plans show where it flows).
            state["spec"] = {"clusterIP": SERVICE_CLUSTER_IP, **state["spec"]}
        state.setdefault("name", args.name)
        return f"{args.name}-id", state

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None


def _aliases(request: Any) -> list[Any]:
    """A registration's aliases to earlier names (as the SDK sent them); not the type-only aliases the
    Kubernetes SDK adds to every object for its API's older versions."""
    aliases = [json_format.MessageToDict(alias) for alias in request.aliases]
    return [alias for alias in aliases if "urn" in alias or "name" in alias.get("spec", {})]


class RecordingMonitor(mocks.MockMonitor):
    """The SDK's mock monitor, recording each registration (options included) before answering it."""

    def __init__(self) -> None:
        super().__init__(_Mocks())
        self.recorded: list[RecordedResource] = []
        self.stack_outputs: dict[str, Any] = {}
        self.stack_urn: str | None = None

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
        urn = self.make_urn(request.parent, request.type, request.name)
        if request.type == "pulumi:pulumi:Stack":
            self.stack_urn = urn
        raw = json_format.MessageToDict(request.object, preserving_proto_field_name=True)
        inputs = redact(raw)
        self.recorded.append(
            RecordedResource(
                urn=urn,
                type=request.type,
                name=request.name,
                parent=request.parent or None,
                custom=bool(request.custom),
                dependencies=sorted(set(request.dependencies)),
                options={
                    "protect": bool(request.protect),
                    "retainOnDelete": bool(request.retainOnDelete),
                    "ignoreChanges": list(request.ignoreChanges),
                    "deleteBeforeReplace": bool(request.deleteBeforeReplace),
                    "provider": request.provider or None,
                    "additionalSecretOutputs": list(request.additionalSecretOutputs),
                    # Only when there are any, so plans of resources without aliases keep their shape.
                    **({"aliases": aliases} if (aliases := _aliases(request)) else {}),
                },
                inputs=inputs,
                secret_digests=secret_digests(raw),
            )
        )
        return super().RegisterResource(request)

    def RegisterResourceOutputs(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
        if request.urn == self.stack_urn:
            self.stack_outputs = redact(json_format.MessageToDict(request.outputs))
        return super().RegisterResourceOutputs(request)


@dataclass
class ProgramRun:
    """The outcome of running the program once under mocks."""

    resources: list[RecordedResource] = field(default_factory=list)
    stack_outputs: dict[str, Any] = field(default_factory=dict)
    error: BaseException | None = None
    """What the program raised, if it failed."""

    @property
    def declared(self) -> list[RecordedResource]:
        """The resources the program declared (the root Stack exists before any program runs)."""
        return [resource for resource in self.resources if resource.type != "pulumi:pulumi:Stack"]


def run_program(
    root: Path,
    project: str,
    stack: str,
    config: dict[str, Any],
    secret_keys: list[str],
    environment: dict[str, str] | None = None,
) -> ProgramRun:
    """Run `<root>/__main__.py` under mocks with the given config and environment variables; what the
    program raises is returned in `error`."""
    monitor = RecordingMonitor()
    runtime_config.set_all_config(engine_values(config), secret_keys)
    reset_options(project=project, stack=stack)  # a fresh root Stack for every run in one process
    pulumi.runtime.set_mocks(_Mocks(), project=project, stack=stack, preview=False, monitor=monitor)
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))

    @pulumi.runtime.test
    def program() -> None:
        runpy.run_path(str(root / "__main__.py"), run_name="__main__")
        # The engine registers stack outputs when the program ends; do the same so they are recorded.
        stack = get_root_resource()
        if isinstance(stack, Stack):
            outputs = massage(stack.outputs, [])
            stack.register_outputs(outputs if isinstance(outputs, dict) else {})

    saved = {name: os.environ.get(name) for name in environment or {}}
    os.environ.update(environment or {})
    error = None
    try:
        program()
    except Exception as raised:  # noqa: BLE001 - reported to the caller with what was declared so far
        error = raised
    finally:
        runtime_config.set_all_config({}, [])
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return ProgramRun(resources=monitor.recorded, stack_outputs=monitor.stack_outputs, error=error)
