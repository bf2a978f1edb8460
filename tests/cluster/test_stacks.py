"""Every stack's Kubernetes objects on a real API server (the cluster test tier, `make test-cluster`).

For the dev stack, each stack in stacks/ and each variation of tests/variations.py (the Kubernetes part;
cloud resources stay offline), a control plane of its own with nodes shaped like the stack's pools; every
object of the plan created as the Pulumi provider creates it, in the engine's dependency order. Then the
API server's validation and admission, its controllers (Deployment -> ReplicaSet -> Pod, claims bound)
and its scheduler must agree with the plan:
- every object is accepted, without a warning; applying it all again (as an update) changes nothing;
- every Deployment becomes Available, its pods on core nodes, its claims bound;
- every hub namespace enforces Pod Security, and the pods of every profile KubeSpawner renders from the
  shipped hub config are admitted and scheduled onto user nodes (GPU profiles onto GPU nodes);
- objects broken on purpose are refused, or stay unscheduled, for the right reason.
"""

import copy
import functools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from components.scheduling import NODE_PURPOSE_LABEL, USER_TAINT
from components.singleuser.placeholders import PLACEHOLDER
from tools.plan import Plan, make_plan

from ..e2e.user_pods import render_user_objects
from ..helpers import plan_config
from ..variations import VARIATIONS
from .api import Api, ApiError, wait_for
from .apply import Applied, apply_plan, with_test_values
from .control_plane import KIND_DEFAULT_STORAGE_CLASS, ControlPlane, running_control_plane
from .device_plugins import register_device_plugins
from .nodes import DEVICE_PLUGIN_GPUS, GPU, nodes_for
from .user_schedulers import running_user_schedulers

STACKS = ["dev", "workshop", "phys101", "physics-gke", "stats-dept-eks", *(f"variation-{name}" for name in VARIATIONS)]
"""The dev stack, every stack in stacks/, and the variations the fast tier plans (every option family)."""
EXISTING_CLUSTER_DEFAULT_CLASS = KIND_DEFAULT_STORAGE_CLASS


def hub_namespaces(objects: list[dict[str, Any]]) -> list[str]:
    """The namespaces that hold a hub."""
    return sorted(
        {o["metadata"]["namespace"] for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == "hub"}
    )


@dataclass
class StackOnCluster:
    """One stack applied to its own control plane."""

    name: str
    plan: Plan
    control_plane: ControlPlane
    outcomes: list[Applied]
    rendered: dict[str, dict[str, dict[str, Any]]]
    """KubeSpawner's pod and claim per hub namespace and profile slug."""
    directory: Path

    @functools.cached_property
    def api(self) -> Api:
        """The API as admin (one client: `warnings` speaks of its last request)."""
        return self.control_plane.admin

    @functools.cached_property
    def objects(self) -> list[dict[str, Any]]:
        """The plan's Kubernetes objects."""
        return self.plan.kubernetes_objects()

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        """The plan's objects of one kind."""
        return [obj for obj in self.objects if obj["kind"] == kind]

    @property
    def hub_namespaces(self) -> list[str]:
        """The namespaces that hold a hub."""
        return hub_namespaces(self.objects)

    def node_labels(self, name: str) -> dict[str, str]:
        """A node's labels as the API server has them."""
        return self.api.get("v1", "Node", name)["metadata"]["labels"]


def _cluster_storage_classes(plan: Plan, user_claims: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The StorageClasses the stack expects the cluster to have already: kind's default, and any class a
    claim names that the plan does not declare (an existing cluster's own, e.g. `longhorn`)."""
    declared = {o["metadata"]["name"] for o in plan.kubernetes_objects() if o["kind"] == "StorageClass"}
    claims = [o for o in plan.kubernetes_objects() if o["kind"] == "PersistentVolumeClaim"] + user_claims
    # "" is no class at all: a claim bound to a volume made for it (the shared storage's).
    named = {c["spec"].get("storageClassName") for c in claims} - {None, "", "standard"} - declared
    classes = [] if declared else [EXISTING_CLUSTER_DEFAULT_CLASS]
    for name in sorted(named):
        classes.append({**EXISTING_CLUSTER_DEFAULT_CLASS, "metadata": {"name": name}})
    return classes


def _claims_the_cluster_has(plan: Plan, rendered: dict[str, dict[str, dict[str, Any]]]) -> list[dict[str, Any]]:
    """Claims user pods name that neither the plan nor KubeSpawner makes: a class's own (a dataset's disk
    in `extraVolumes`), which the cluster has already."""
    made = {
        (o["metadata"]["namespace"], o["metadata"]["name"])
        for o in plan.kubernetes_objects()
        if o["kind"] == "PersistentVolumeClaim"
    }
    made |= {
        (ns, r["pvc"]["metadata"]["name"]) for ns, profiles in rendered.items() for r in profiles.values() if r["pvc"]
    }
    named = {
        (namespace, volume["persistentVolumeClaim"]["claimName"])
        for namespace, profiles in rendered.items()
        for r in profiles.values()
        for volume in r["pod"]["spec"].get("volumes", [])
        if "persistentVolumeClaim" in volume and "{" not in volume["persistentVolumeClaim"]["claimName"]
    }
    return [
        {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"accessModes": ["ReadOnlyMany"], "resources": {"requests": {"storage": "1Gi"}}},
        }
        for namespace, name in sorted(named - made)
    ]


@pytest.fixture(scope="module", params=STACKS)
def stack(request, tmp_path_factory):
    name = request.param
    directory = tmp_path_factory.mktemp(f"cluster-{name}")
    variation = name.removeprefix("variation-")
    plan = (
        plan_config(directory, VARIATIONS[variation], stack=variation) if variation in VARIATIONS else make_plan(name)
    )
    objects = plan.kubernetes_objects()
    rendered = {ns: render_user_objects(objects, ns, directory / f"render-{ns}") for ns in hub_namespaces(objects)}
    gpu_selectors = [
        r["pod"]["spec"].get("nodeSelector", {})
        for profiles in rendered.values()
        for r in profiles.values()
        if GPU in r["pod"]["spec"]["containers"][0]["resources"].get("limits", {})
    ]
    nodes = nodes_for([r.as_json() for r in plan.resources], gpu_selectors)
    with running_control_plane(directory / "control-plane", nodes) as control_plane:
        api = control_plane.admin
        user_claims = [r["pvc"] for profiles in rendered.values() for r in profiles.values() if r["pvc"]]
        for storage_class in _cluster_storage_classes(plan, user_claims):
            api.create(storage_class)
        outcomes = apply_plan(api, plan.resources)
        for claim in _claims_the_cluster_has(plan, rendered):  # in the namespaces the plan made
            api.create(claim)
        gpu_nodes_needing_a_plugin = [n for n in nodes if DEVICE_PLUGIN_GPUS in n["metadata"]["annotations"]]
        if gpu_nodes_needing_a_plugin:
            wait_for(
                lambda: len(register_device_plugins(api)) == len(gpu_nodes_needing_a_plugin),
                60,
                "a device plugin running on every GPU node that needs one",
            )
        with running_user_schedulers(control_plane, objects, directory):  # what the users' servers name
            yield StackOnCluster(name, plan, control_plane, outcomes, rendered, directory)


def test_every_object_is_accepted_without_a_warning(stack):
    refused = [f"{o.label} (wave {o.wave}): {o.error}" for o in stack.outcomes if o.error]
    assert refused == [], "\n".join(refused)
    assert len(stack.outcomes) == len(stack.objects)
    # Namespaces warn at "restricted": a workload whose pods would violate it is accepted with a warning.
    warned = [f"{o.label}: {warning}" for o in stack.outcomes for warning in o.warnings]
    assert warned == [], "\n".join(warned)


def _available(api: Api, deployment: dict[str, Any]) -> dict[str, Any] | None:
    metadata = deployment["metadata"]
    live = api.get("apps/v1", "Deployment", metadata["name"], metadata["namespace"])
    status = live.get("status", {})
    conditions = {c["type"]: c for c in status.get("conditions", [])}
    ready = (
        status.get("observedGeneration") == live["metadata"]["generation"]
        and conditions.get("Available", {}).get("status") == "True"
        # The API leaves out counts of 0 (a calendar's placeholders outside class times have no replicas).
        and status.get("updatedReplicas", 0) == live["spec"]["replicas"]
        and status.get("readyReplicas", 0) == live["spec"]["replicas"]
    )
    return live if ready else None


def _why_not_available(stack: StackOnCluster, namespace: str) -> str:
    events = [
        f"{e['involvedObject']['kind']} {e['involvedObject']['name']}: {e['reason']}: {e['message']}"
        for e in stack.api.events(namespace)
        if e["type"] == "Warning"
    ]
    return "\n".join(events[-15:])


def test_every_deployment_becomes_available_on_core_nodes(stack):
    """...and the user placeholders on user nodes, where they hold room for users' servers."""
    deployments = stack.of_kind("Deployment")
    assert deployments
    for deployment in deployments:
        namespace = deployment["metadata"]["namespace"]
        live = wait_for(
            lambda deployment=deployment: _available(stack.api, deployment),
            120,
            lambda deployment=deployment, namespace=namespace: (
                f"{namespace}/{deployment['metadata']['name']} Available; warnings:\n"
                + _why_not_available(stack, namespace)
            ),
        )
        selector = ",".join(f"{k}={v}" for k, v in live["spec"]["selector"]["matchLabels"].items())
        pods = stack.api.list_of("v1", "Pod", namespace, selector)
        assert len(pods) == live["spec"]["replicas"]
        for pod in pods:
            purpose = stack.node_labels(pod["spec"]["nodeName"]).get(NODE_PURPOSE_LABEL)
            if deployment["metadata"]["name"] == PLACEHOLDER:
                # Where users' servers go: user nodes when the stack requires it; with `nodePurpose: prefer`
                # they prefer user nodes, and replicas also spread onto others, as servers may.
                required = "requiredDuringSchedulingIgnoredDuringExecution" in (
                    pod["spec"].get("affinity", {}).get("nodeAffinity", {})
                )
                assert purpose == "user" or not required, f"{pod['metadata']['name']} on {pod['spec']['nodeName']}"
                continue
            assert purpose == "core", f"{pod['metadata']['name']} runs on {pod['spec']['nodeName']} ({purpose})"


def _comparable(obj: dict[str, Any]) -> dict[str, Any]:
    """An object without what every write changes (resource version, field managers, timestamps)."""
    obj = copy.deepcopy(obj)
    for key in ("resourceVersion", "managedFields", "generation"):
        obj["metadata"].pop(key, None)
    return obj


def test_a_second_pulumi_up_would_change_nothing(stack):
    """The provider diffs an object by a server-side dry-run apply of its inputs against the live object: for
    every object the result equals what is there (once controllers have settled, e.g. a claim is bound), so
    no field the program sets is one the server or a controller rewrites, which would show as a change on
    every preview."""

    def unchanged(obj: dict[str, Any]) -> bool:
        metadata = obj["metadata"]
        live = stack.api.get(obj["apiVersion"], obj["kind"], metadata["name"], metadata.get("namespace"))
        return _comparable(stack.api.apply(with_test_values(obj), dry_run=True)) == _comparable(live)

    for obj in stack.objects:
        label = f"{obj['kind']} {obj['metadata'].get('namespace', '')}/{obj['metadata']['name']}"
        wait_for(lambda obj=obj: unchanged(obj), 30, f"{label} unchanged by a dry-run apply of the plan", 1)


def test_every_claim_is_bound(stack):
    claims = stack.of_kind("PersistentVolumeClaim")
    for claim in claims:
        metadata = claim["metadata"]
        wait_for(
            lambda m=metadata: (
                stack.api.get("v1", "PersistentVolumeClaim", m["name"], m["namespace"])["status"].get("phase")
                == "Bound"
            ),
            60,
            f"claim {metadata['namespace']}/{metadata['name']} Bound",
        )


def test_every_hub_namespace_enforces_pod_security(stack):
    for namespace in stack.hub_namespaces:
        labels = stack.api.get("v1", "Namespace", namespace)["metadata"]["labels"]
        assert labels.get("pod-security.kubernetes.io/enforce") == "restricted", labels


def test_the_default_service_account_gives_pods_no_token(stack):
    """The namespace's `default` account (the controller manager's) has automount off after the patch, so
    a pod that names no account and says nothing of tokens is admitted without one."""
    for namespace in stack.hub_namespaces:
        account = stack.api.get("v1", "ServiceAccount", "default", namespace)
        assert account["automountServiceAccountToken"] is False
        pod = _pod_like_the_hub(stack, namespace, "no-account")
        spec = pod["spec"]
        # The hub's own account and its explicit token volume (api_access.py) out: a pod that says nothing.
        spec.pop("serviceAccountName")
        spec.pop("automountServiceAccountToken")
        tokens = {v["name"] for v in spec["volumes"] if "projected" in v}
        spec["volumes"] = [v for v in spec["volumes"] if v["name"] not in tokens]
        for container in spec["containers"] + spec.get("initContainers", []):
            container["volumeMounts"] = [m for m in container.get("volumeMounts", []) if m["name"] not in tokens]
        admitted = stack.api.apply(pod, dry_run=True)["spec"]
        assert admitted["serviceAccountName"] == "default"
        projected = [v for v in admitted.get("volumes", []) if "projected" in v]
        assert projected == [], projected


def _hub_deployment(stack: StackOnCluster, namespace: str) -> dict[str, Any]:
    """A copy of a namespace's hub Deployment, to break on purpose."""
    hub = next(
        d
        for d in stack.of_kind("Deployment")
        if d["metadata"]["namespace"] == namespace and d["metadata"]["name"] == "hub"
    )
    return copy.deepcopy(hub)


def _pod_like_the_hub(stack: StackOnCluster, namespace: str, name: str, **security: Any) -> dict[str, Any]:
    """A Pod with the hub's spec, its container's security context changed by `security`."""
    spec = _hub_deployment(stack, namespace)["spec"]["template"]["spec"]
    spec["containers"][0]["securityContext"] = {**spec["containers"][0].get("securityContext", {}), **security}
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": namespace}, "spec": spec}


def test_a_privileged_container_is_refused_by_pod_security(stack):
    for namespace in stack.hub_namespaces:
        with pytest.raises(ApiError) as refused:
            # A privileged container may escalate (the API server refuses the contradiction before admission).
            pod = _pod_like_the_hub(stack, namespace, "privileged", privileged=True, allowPrivilegeEscalation=True)
            stack.api.apply(pod, dry_run=True)
        assert refused.value.code == 403
        assert "violates PodSecurity" in refused.value.message and "privileged" in refused.value.message


def test_a_pod_below_restricted_is_refused_and_a_workload_below_it_is_warned_of(stack):
    """Pod Security refuses a pod that allows privilege escalation; a Deployment whose pods would is accepted
    with a warning (which is what the check above relies on to find a workload below "restricted")."""
    for namespace in stack.hub_namespaces:
        pod = _pod_like_the_hub(stack, namespace, "escalating", allowPrivilegeEscalation=True)
        with pytest.raises(ApiError) as refused:
            stack.api.apply(pod, dry_run=True)
        assert refused.value.code == 403 and "allowPrivilegeEscalation" in refused.value.message
        hub = _hub_deployment(stack, namespace)
        hub["spec"]["template"]["spec"] = pod["spec"]
        stack.api.apply(hub, dry_run=True)
        assert any("would violate PodSecurity" in w and "allowPrivilegeEscalation" in w for w in stack.api.warnings), (
            stack.api.warnings
        )


def test_a_bad_quantity_is_refused_by_validation(stack):
    claim = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": "bad-quantity", "namespace": stack.hub_namespaces[0]},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "10 GBx"}}},
    }
    with pytest.raises(ApiError) as refused:
        stack.api.apply(claim, dry_run=True)
    # Server-side apply reports a quantity it cannot decode as a conversion failure (500), a create as 400.
    assert refused.value.code in (400, 422, 500)
    assert "quantities must match the regular expression" in refused.value.message
    with pytest.raises(ApiError) as refused:
        stack.api.create(claim)
    assert refused.value.code == 400 and "quantities must match" in refused.value.message


def _create_user_server(stack: StackOnCluster, namespace: str, slug: str, rendered: dict[str, Any]) -> dict[str, Any]:
    pod = copy.deepcopy(rendered["pod"])
    suffix = slug or "default"
    pod["metadata"].update(name=f"{pod['metadata']['name']}-{suffix}", namespace=namespace)
    if rendered["pvc"]:
        claim = copy.deepcopy(rendered["pvc"])
        claim["metadata"].update(name=f"{claim['metadata']['name']}-{suffix}", namespace=namespace)
        stack.api.create(claim)
        for volume in pod["spec"]["volumes"]:
            if "persistentVolumeClaim" in volume:
                volume["persistentVolumeClaim"]["claimName"] = claim["metadata"]["name"]
    created = stack.api.create(pod)
    assert stack.api.warnings == [], f"{pod['metadata']['name']}: {stack.api.warnings}"
    return created


def _scheduled_node(stack: StackOnCluster, namespace: str, name: str) -> str | None:
    return stack.api.get("v1", "Pod", name, namespace)["spec"].get("nodeName")


def test_every_profiles_user_server_is_admitted_and_placed_on_a_user_node(stack):
    placed = {}
    for namespace, profiles in stack.rendered.items():
        for slug, rendered in profiles.items():
            pod = _create_user_server(stack, namespace, slug, rendered)
            name = pod["metadata"]["name"]
            node = wait_for(
                lambda name=name, namespace=namespace: _scheduled_node(stack, namespace, name),
                60,
                lambda name=name, namespace=namespace: (
                    f"scheduling of {namespace}/{name}; warnings:\n" + _why_not_available(stack, namespace)
                ),
            )
            labels = stack.node_labels(node)
            assert labels.get(NODE_PURPOSE_LABEL) == "user", f"{name} on {node}"
            limits = rendered["pod"]["spec"]["containers"][0]["resources"].get("limits", {})
            node_offers_gpu = GPU in stack.api.get("v1", "Node", node)["status"]["allocatable"]
            assert node_offers_gpu == (GPU in limits), f"{name} ({slug}) on {node}"
            placed[f"{namespace}/{slug}"] = node
    assert placed
    (stack.directory / "placed.json").write_text(json.dumps(placed, indent=1))


def test_a_user_server_without_the_user_toleration_stays_unscheduled(stack):
    namespace = stack.hub_namespaces[0]
    rendered = next(iter(stack.rendered[namespace].values()))
    pod = copy.deepcopy(rendered["pod"])
    pod["metadata"].update(name="no-toleration", namespace=namespace)
    pod["spec"]["tolerations"] = []
    pod["spec"].pop("affinity", None)
    pod["spec"]["nodeSelector"] = {NODE_PURPOSE_LABEL: "user"}
    pod["spec"]["volumes"] = [v for v in pod["spec"]["volumes"] if "persistentVolumeClaim" not in v]
    for container in [*pod["spec"].get("initContainers", []), *pod["spec"]["containers"]]:
        container["volumeMounts"] = [
            m for m in container.get("volumeMounts", []) if m["name"] in {v["name"] for v in pod["spec"]["volumes"]}
        ]
    stack.api.create(pod)

    def refused_for_the_taint() -> str | None:
        for event in stack.api.events(namespace, "no-toleration"):
            if event["reason"] == "FailedScheduling":
                return event["message"]
        return None

    message = wait_for(refused_for_the_taint, 60, "a FailedScheduling event for the pod without toleration")
    nodes = stack.api.list_of("v1", "Node")
    assert f"0/{len(nodes)} nodes are available" in message and "had untolerated taint" in message, message
    assert _scheduled_node(stack, namespace, "no-toleration") is None
    # The same pod with the user nodes' toleration (and nothing else) is scheduled: the taint kept it off.
    pod["metadata"]["name"] = "user-toleration"
    pod["spec"]["tolerations"] = [
        {"key": USER_TAINT["key"], "operator": "Equal", "value": USER_TAINT["value"], "effect": USER_TAINT["effect"]}
    ]
    stack.api.create(pod)
    wait_for(lambda: _scheduled_node(stack, namespace, "user-toleration"), 60, "scheduling with the toleration")
