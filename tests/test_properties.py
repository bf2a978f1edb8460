"""Bad input at scale (hypothesis): generated valid stack files plan with every object strictly valid
and the wiring intact; each generated invalid one is refused at its line, with nothing declared."""

import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from components.config import ConfigError, StackFileError
from tools.plan import PlanError, make_plan
from tools.validate import validate

from .helpers import write_stack
from .schemas import schema_problems
from .wiring import check_https_front_wiring, check_hub_proxy_wiring, check_references, check_service_selectors

# 500 examples in all, in every `make test`: a valid one runs a whole plan (about 0.5 s), an invalid one
# stops at validation (about 20 ms).
VALID_EXAMPLES, INVALID_EXAMPLES = 100, 400


def _settings(examples: int) -> settings:
    return settings(max_examples=examples, deadline=None, suppress_health_check=[HealthCheck.too_slow])


hub_names = st.from_regex(r"[a-z][a-z0-9]{0,7}", fullmatch=True)
cpus = ["100m", "250m", "500m", "1", "2", 4]
memories = ["256Mi", "512Mi", "1G", "1Gi", "2Gi", "4Gi"]  # in increasing order: 1G < 1Gi


@st.composite
def ranges(draw: st.DrawFn, values: list[Any], complete: bool = False) -> dict[str, Any]:
    """A guarantee/limit pair with guarantee <= limit (by list order); either side optional unless
    `complete` (a profile's range must hold on its own: each side it leaves out comes from singleuser's)."""
    low, high = sorted(draw(st.lists(st.integers(0, len(values) - 1), min_size=2, max_size=2)))
    result = {}
    if complete or draw(st.booleans()):
        result["guarantee"] = values[low]
    if complete or draw(st.booleans()):
        result["limit"] = values[high]
    return result


@st.composite
def hubs(draw: st.DrawFn, development: bool, name: str) -> dict[str, Any]:
    """One valid hub named `name` (hubs may not share a host: each gets its own)."""
    if development and draw(st.booleans()):
        authenticator: dict[str, Any] = {"type": "dummy"}
    else:
        authenticator = {
            "type": "github",
            "clientId": "Iv1.abc",
            "clientSecret": {"secure": "v1:c2VjcmV0"},
            "callbackUrl": f"https://{name}.hub.example.edu/hub/oauth_callback",  # its host, when it has one
            "allowedOrganizations": [draw(st.sampled_from(["physics", "uni-cs"]))],
        }
    database = draw(
        st.sampled_from(
            [{}, {"type": "sqlite-memory"}, {"size": "5Gi"}, {"type": "postgres", "url": {"secure": "v1:dXJs"}}]
        )
    )
    profiles = [
        {"displayName": f"Profile {index}", "cpu": draw(ranges(cpus, complete=True))}
        for index in range(draw(st.integers(0, 3)))
    ]
    if profiles and draw(st.booleans()):
        profiles[0]["default"] = True
    service_type = draw(st.sampled_from(["LoadBalancer", "NodePort", "ClusterIP"]))
    service: dict[str, Any] = {"type": service_type}
    if service_type == "NodePort" and draw(st.booleans()):
        service["nodePort"] = draw(st.integers(30000, 32767))
    if service_type == "LoadBalancer" and draw(st.booleans()):
        service["loadBalancerSourceRanges"] = ["198.51.100.0/24"]
    timeout = draw(st.sampled_from([120, "30m", "1h", "2h"]))
    if not development or draw(st.booleans()):  # production hubs are always served over HTTPS
        host = f"{name}.hub.example.edu"
        https: dict[str, Any] = {
            "mode": "manual",
            "certificate": {"secure": "v1:Y2VydA=="},
            "key": {"secure": "v1:a2V5"},
        }
        if service_type != "ClusterIP" and draw(st.booleans()):  # the ACME server must reach the host
            https = {"mode": "letsencrypt", "letsencrypt": {"contactEmail": f"it-{name}@example.edu"}}
        return {
            "host": host,
            **_hub_body(draw, authenticator, database, service, profiles, timeout),
            "proxy": {"service": service, "https": https},
        }
    return _hub_body(draw, authenticator, database, service, profiles, timeout)


def _hub_body(
    draw: st.DrawFn,
    authenticator: dict[str, Any],
    database: dict[str, Any],
    service: dict[str, Any],
    profiles: list[dict[str, Any]],
    timeout: Any,
) -> dict[str, Any]:
    return {
        "hub": {
            "authenticator": authenticator,
            "adminUsers": ["admin"],
            "database": database,
            "concurrentSpawnLimit": draw(st.integers(1, 200)),
        },
        "proxy": {"service": service},
        "singleuser": {
            "cpu": draw(ranges(cpus)),
            "memory": draw(ranges(memories)),
            "storage": draw(st.sampled_from([{"type": "none"}, {"capacity": "5Gi"}, {}])),
            "profiles": profiles,
        },
        "culler": {"enabled": draw(st.booleans()), "timeout": timeout, "every": draw(st.sampled_from([30, "1m"]))},
    }


CAMPUS = [{"cidr": "198.51.100.0/24", "name": "campus"}]


@st.composite
def clusters(draw: st.DrawFn) -> dict[str, Any]:
    """An existing cluster, or a GKE or EKS one the stack makes (each with its API allow-list)."""
    kind = draw(st.sampled_from(["existing", "gke", "eks"]))
    if kind == "gke":
        return {
            "kind": "gke",
            "project": "uni-physics-jupyter",
            "location": draw(st.sampled_from(["europe-west1", "us-central1-a"])),
            "authorizedNetworks": CAMPUS,
            "privateNodes": draw(st.booleans()),
        }
    if kind == "eks":
        return {
            "kind": "eks",
            "region": "us-east-2",
            "availabilityZones": ["us-east-2a", "us-east-2b"],
            "endpoint": {"publicAccessCidrs": ["198.51.100.0/24"]},
        }
    return {"kind": "existing", "nodePurpose": draw(st.sampled_from(["require", "prefer", "ignore"]))}


@st.composite
def stacks(draw: st.DrawFn) -> dict[str, Any]:
    """A valid stack file's content."""
    development = draw(st.booleans())
    names = draw(st.lists(hub_names, min_size=1, max_size=2, unique=True))
    generated = {name: draw(hubs(development, name)) for name in names}
    node_ports: set[int] = set()
    for hub in generated.values():  # node ports are cluster-wide: hubs of one stack cannot share one
        service = hub["proxy"]["service"]
        if service.get("nodePort") in node_ports:
            del service["nodePort"]
        node_ports.add(service.get("nodePort", 0))
    return {
        "config": {
            "jupyterhub:environment": "development" if development else "production",
            "jupyterhub:cluster": draw(clusters()),
            "jupyterhub:hubs": generated,
        }
    }


def _plan(content: dict[str, Any]):
    with tempfile.TemporaryDirectory() as directory:
        return make_plan("generated", config_file=write_stack(Path(directory) / "generated.yaml", content))


@_settings(VALID_EXAMPLES)
@given(stacks())
def test_generated_valid_stacks_plan_strictly_valid_wired_objects(content):
    objects = _plan(content).kubernetes_objects()
    assert len(objects) >= 16 * len(content["config"]["jupyterhub:hubs"])  # 17 with a database volume
    assert [p for obj in objects for p in schema_problems(obj, "1.35")] == []
    assert check_service_selectors(objects) == []
    assert check_references(objects) == []
    assert check_hub_proxy_wiring(objects) == []
    assert check_https_front_wiring(objects) == []


def _hub(content: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    name = next(iter(content["config"]["jupyterhub:hubs"]))
    return name, content["config"]["jupyterhub:hubs"][name]


def _break_memory(content):
    name, hub = _hub(content)
    hub["singleuser"]["memory"] = {"limit": "lots"}
    return f"hubs.{name}.singleuser.memory.limit", "limit"


def _unknown_key(content):
    name, hub = _hub(content)
    hub["hub"]["imagee"] = "quay.io/x/y:1"
    return f"hubs.{name}.hub.imagee", "imagee"


def _bad_hub_name(content):
    hubs_ = content["config"]["jupyterhub:hubs"]
    name = next(iter(hubs_))
    hubs_["Bad_" + name] = hubs_.pop(name)
    return "hubs", "Bad_"


def _guarantee_above_limit(content):
    name, hub = _hub(content)
    hub["singleuser"]["cpu"] = {"guarantee": "4", "limit": "1"}
    return f"hubs.{name}.singleuser.cpu", "cpu"


def _bad_service_type(content):
    name, hub = _hub(content)
    hub["proxy"]["service"] = {"type": "Ingress"}
    return f"hubs.{name}.proxy.service.type", "type"


def _plain_text_secret(content):
    name, hub = _hub(content)
    hub["hub"]["authenticator"] = {
        "type": "github",
        "clientId": "x",
        "clientSecret": "hunter2",
        "callbackUrl": f"https://{name}.hub.example.edu/hub/oauth_callback",
        "allowAll": True,
    }
    return f"hubs.{name}.hub.authenticator.clientSecret", "clientSecret"


def _bad_duration(content):
    name, hub = _hub(content)
    hub["culler"]["timeout"] = "soon"
    return f"hubs.{name}.culler.timeout", "timeout"


def _true_for_a_number(content):  # issue 12 class 2: `true` was read as 1
    name, hub = _hub(content)
    hub["hub"]["concurrentSpawnLimit"] = True
    return f"hubs.{name}.hub.concurrentSpawnLimit", "concurrentSpawnLimit"


def _the_clusters_own_namespace(content):
    name, hub = _hub(content)
    hub["namespace"] = "kube-system"
    return f"hubs.{name}.namespace", "namespace"


def _fractional_gpu(content):
    name, hub = _hub(content)
    hub["singleuser"]["profiles"] = [{"displayName": "GPU", "extraResourceLimits": {"nvidia.com/gpu": "0.5"}}]
    return f"hubs.{name}.singleuser.profiles[0].extraResourceLimits.nvidia.com/gpu", "nvidia.com/gpu"


def _misspelt_project_namespace(content):  # class 3: would be another package's setting, ignored
    content["config"]["jupyterhb:protectData"] = False
    return "jupyterhb:protectData", "jupyterhb:protectData"


def _plain_text_secret_in_defaults(content):  # class 7: plain text in git even if every hub overrides it
    content["config"]["jupyterhub:defaults"] = {
        "hub": {"database": {"type": "postgres", "url": "postgresql://hub:hunter2@db/hub"}}
    }
    return "defaults.hub.database.url", "url"


def _quantity_kubernetes_would_round(content):  # class 2: 0.0001 CPU silently became 1m
    name, hub = _hub(content)
    hub["singleuser"]["cpu"] = {"limit": "0.0001"}
    return f"hubs.{name}.singleuser.cpu.limit", "limit"


def _rule_problem_beside_a_field_error(content):  # class 5: the field error hid the rule's problem
    name, hub = _hub(content)
    hub["hub"]["imagee"] = "quay.io/x/y:1"
    hub["namespace"] = "kube-public"
    return f"hubs.{name}.namespace", "namespace"


def _encrypted_where_no_secret_carries_it(content):  # issue 13 item 5: would be plain text in a ConfigMap
    name, hub = _hub(content)
    hub["singleuser"]["defaultUrl"] = {"secure": "v1:encrypted"}
    return f"hubs.{name}.singleuser.defaultUrl", "defaultUrl"


MUTATIONS = [
    _encrypted_where_no_secret_carries_it,
    _quantity_kubernetes_would_round,
    _rule_problem_beside_a_field_error,
    _true_for_a_number,
    _the_clusters_own_namespace,
    _fractional_gpu,
    _misspelt_project_namespace,
    _plain_text_secret_in_defaults,
    _break_memory,
    _unknown_key,
    _bad_hub_name,
    _guarantee_above_limit,
    _bad_service_type,
    _plain_text_secret,
    _bad_duration,
]


@_settings(INVALID_EXAMPLES)
@given(stacks(), st.sampled_from(MUTATIONS))
def test_generated_invalid_stacks_are_refused_at_their_line(content, mutation):
    path, key_text = mutation(content)
    with tempfile.TemporaryDirectory() as directory:
        stack_file = write_stack(Path(directory) / "generated.yaml", content)
        try:
            make_plan("generated", config_file=stack_file)
        except PlanError as error:
            refused = error
        else:
            raise AssertionError(f"{mutation.__name__} was accepted")
        with pytest.raises((ConfigError, StackFileError)) as validated:  # make validate: the same problems
            validate("generated", stack_file)
        assert str(validated.value) == str(refused)
        lines = stack_file.read_text().splitlines()
    assert refused.declared == 0
    located = [entry for entry in str(refused).splitlines() if f": {path}: " in entry]
    assert located, str(refused)
    line = int(located[0].split(":")[1])
    assert key_text in lines[line - 1], (lines[line - 1], located[0])
