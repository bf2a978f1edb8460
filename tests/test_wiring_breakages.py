"""Each problem the wiring checks (tests/wiring.py) can report is reported when its wiring is broken.

Every breakage below edits a copy of a real plan in one place (dev: plain HTTP; workshop: HTTPS at the
proxy; physics-gke: Caddy in front with Let's Encrypt) and must be reported by its check with the
message of that branch. The last test holds the table complete: run together, the breakages reach every
`problems.append(...)` and every reason of `_service_reaches` in tests/wiring.py, so a new branch without
a breakage here fails it.
"""

import ast
import base64
import copy
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from tools.plan import make_plan

from . import wiring
from .helpers import find, kind_cluster_nodes

Objects = list[dict[str, Any]]


@pytest.fixture(scope="module")
def plans() -> dict[str, Objects]:
    return {stack: make_plan(stack).kubernetes_objects() for stack in ("dev", "workshop", "physics-gke")}


NAMESPACES = {"dev": "jupyterhub", "workshop": "summer-workshop", "physics-gke": "phys101"}


def _pod(objects: Objects, namespace: str, deployment: str) -> dict[str, Any]:
    return find(objects, "Deployment", deployment, namespace)["spec"]["template"]["spec"]


def _container(objects: Objects, namespace: str, deployment: str, name: str | None = None) -> dict[str, Any]:
    pod = _pod(objects, namespace, deployment)
    containers = pod["containers"] + pod.get("initContainers", [])
    return containers[0] if name is None else next(c for c in containers if c["name"] == name)


def _set_flag(container: dict[str, Any], flag: str, value: str) -> None:
    command = container["command"]
    index = next(i for i, argument in enumerate(command) if argument.startswith(f"{flag}="))
    command[index] = f"{flag}={value}"


def _settings(objects: Objects, namespace: str, change: Callable[[dict[str, Any]], None]) -> None:
    config_map = find(objects, "ConfigMap", "hub", namespace)
    settings = json.loads(config_map["data"]["settings.json"])
    change(settings)
    config_map["data"]["settings.json"] = json.dumps(settings)


def _service_port(objects: Objects, namespace: str, service: str, port: int) -> dict[str, Any]:
    return next(p for p in find(objects, "Service", service, namespace)["spec"]["ports"] if p["port"] == port)


def _env(container: dict[str, Any], name: str) -> dict[str, Any]:
    return next(e for e in container["env"] if e["name"] == name)


@dataclass(frozen=True)
class Breakage:
    """One place of a plan broken, the check that must report it, and the words of its report."""

    name: str
    stack: str
    brake: Callable[[Objects, str], None]
    check: str
    reported: str


def _check(name: str, objects: Objects) -> list[str]:
    if name == "check_placement":
        return wiring.check_placement(objects, kind_cluster_nodes())
    return getattr(wiring, name)(objects)


def _drop_role_verb(objects: Objects, ns: str) -> None:
    find(objects, "Role", "autohttps", ns)["rules"][0]["verbs"].remove("patch")


def _calendar_files(objects: Objects, ns: str) -> dict[str, Any]:
    return find(objects, "ConfigMap", "class-calendar", ns)


def _zone_rules(zone: str) -> str:
    from components.singleuser.calendar_job import zone_rules

    return base64.b64encode(zone_rules(zone)).decode()


def _set_calendar(objects: Objects, ns: str, **change: str) -> None:
    files = _calendar_files(objects, ns)["data"]
    files["class_calendar.json"] = json.dumps({**json.loads(files["class_calendar.json"]), **change})


def _scheduler_config(objects: Objects, ns: str, change: Callable[[dict[str, Any]], None]) -> None:
    data = find(objects, "ConfigMap", "user-scheduler", ns)["data"]
    config = json.loads(data["config.yaml"])
    change(config)
    data["config.yaml"] = json.dumps(config)


def _unmount(objects: Objects, ns: str) -> None:
    _container(objects, ns, "hub")["volumeMounts"][0]["name"] = "not-a-volume"


def _volume(objects: Objects, ns: str, kind: str) -> dict[str, Any]:
    return next(v for v in _pod(objects, ns, "hub")["volumes"] if kind in v)


def _no_core_affinity(objects: Objects, ns: str) -> None:
    pod = _pod(objects, ns, "hub")
    pod.pop("affinity")
    pod["tolerations"] = [{"key": "hub.jupyter.org_dedicated", "operator": "Exists"}]


BREAKAGES = [
    # check_service_selectors
    Breakage(
        "service without a selector",
        "dev",
        lambda o, ns: find(o, "Service", "hub", ns)["spec"].pop("selector"),
        "check_service_selectors",
        "Service jupyterhub/hub has no selector",
    ),
    Breakage(
        "service selecting nothing",
        "dev",
        lambda o, ns: find(o, "Service", "hub", ns)["spec"]["selector"].update({"app.kubernetes.io/component": "hubb"}),
        "check_service_selectors",
        "Service jupyterhub/hub selects 0 workloads",
    ),
    Breakage(
        "service targeting an unnamed port",
        "dev",
        lambda o, ns: _service_port(o, ns, "proxy-public", 80).update(targetPort="htp"),
        "check_service_selectors",
        "targets port 'htp', which its pods do not name",
    ),
    Breakage(
        "service targeting an unexposed port number",
        "dev",
        lambda o, ns: _service_port(o, ns, "hub", 8081).update(targetPort=9999),
        "check_service_selectors",
        "targets port 9999, which its pods do not expose",
    ),
    Breakage(
        "deployment selector missing its pods",
        "dev",
        lambda o, ns: find(o, "Deployment", "proxy", ns)["spec"]["selector"]["matchLabels"].update(
            {"app.kubernetes.io/component": "proxxy"}
        ),
        "check_service_selectors",
        "Deployment proxy: selector does not match its pods",
    ),
    # check_references
    Breakage(
        "missing service account",
        "dev",
        lambda o, ns: _pod(o, ns, "hub").update(serviceAccountName="hubb"),
        "check_references",
        "ServiceAccount hubb does not exist",
    ),
    Breakage(
        "missing priority class",
        "dev",
        lambda o, ns: _pod(o, ns, "hub").update(priorityClassName="class-time"),
        "check_references",
        "PriorityClass class-time does not exist",
    ),
    Breakage(
        "missing secret volume",
        "dev",
        lambda o, ns: _volume(o, ns, "secret")["secret"].update(secretName="hubb"),
        "check_references",
        "Secret hubb does not exist",
    ),
    Breakage(
        "missing config map volume",
        "dev",
        lambda o, ns: _volume(o, ns, "configMap")["configMap"].update(name="hubb"),
        "check_references",
        "ConfigMap hubb does not exist",
    ),
    Breakage(
        "missing claim volume",
        "dev",
        lambda o, ns: _volume(o, ns, "persistentVolumeClaim")["persistentVolumeClaim"].update(claimName="hub-db"),
        "check_references",
        "PVC hub-db does not exist",
    ),
    Breakage(
        "mount of an undeclared volume",
        "dev",
        _unmount,
        "check_references",
        "mount of undeclared volume not-a-volume",
    ),
    Breakage(
        "env from a missing secret",
        "dev",
        lambda o, ns: _env(_container(o, ns, "proxy"), "CONFIGPROXY_AUTH_TOKEN")["valueFrom"]["secretKeyRef"].update(
            name="proxy"
        ),
        "check_references",
        "env CONFIGPROXY_AUTH_TOKEN reads missing Secret proxy",
    ),
    Breakage(
        "env from a missing key",
        "dev",
        lambda o, ns: find(o, "Secret", "hub", ns)["stringData"].pop("proxy-token"),
        "check_references",
        "env CONFIGPROXY_AUTH_TOKEN reads missing key proxy-token of hub",
    ),
    Breakage(
        "binding to a missing role",
        "dev",
        lambda o, ns: find(o, "RoleBinding", "hub", ns)["roleRef"].update(name="hubb"),
        "check_references",
        "RoleBinding hub: role hubb missing",
    ),
    Breakage(
        "binding a missing account",
        "dev",
        lambda o, ns: find(o, "RoleBinding", "hub", ns)["subjects"][0].update(name="hubb"),
        "check_references",
        "RoleBinding hub: ServiceAccount hubb missing",
    ),
    # check_hub_proxy_wiring
    Breakage(
        "proxy API URL naming no service",
        "dev",
        lambda o, ns: _settings(o, ns, lambda s: s["proxy"].update(apiUrl="http://proxy-apii:8001")),
        "check_hub_proxy_wiring",
        "http://proxy-apii:8001: no Service proxy-apii in jupyterhub",
    ),
    Breakage(
        "proxy API URL on a port its service lacks",
        "dev",
        lambda o, ns: _settings(o, ns, lambda s: s["proxy"].update(apiUrl="http://proxy-api:8002")),
        "check_hub_proxy_wiring",
        "Service proxy-api has no port 8002",
    ),
    Breakage(
        "hub connect URL through a service of other pods",
        "dev",
        lambda o, ns: _settings(o, ns, lambda s: s["hub"].update(connectUrl="http://proxy-api:8001")),
        "check_hub_proxy_wiring",
        "Service proxy-api does not select the hub pods",
    ),
    Breakage(
        "proxy's default target on a port the hub service lacks",
        "dev",
        lambda o, ns: _set_flag(_container(o, ns, "proxy"), "--default-target", "http://hub:8080"),
        "check_hub_proxy_wiring",
        "http://hub:8080: Service hub has no port 8080",
    ),
    Breakage(
        "proxy API listening where its service does not lead",
        "dev",
        lambda o, ns: _set_flag(_container(o, ns, "proxy"), "--api-port", "8002"),
        "check_hub_proxy_wiring",
        "proxy-api Service does not reach the port configurable-http-proxy's API listens on",
    ),
    Breakage(
        "hub binding another port",
        "dev",
        lambda o, ns: _settings(o, ns, lambda s: s["hub"].update(bindUrl="http://:8082")),
        "check_hub_proxy_wiring",
        "the hub binds to a port other than its container's http port",
    ),
    Breakage(
        "proxy listening on another port",
        "dev",
        lambda o, ns: _set_flag(_container(o, ns, "proxy"), "--port", "8005"),
        "check_hub_proxy_wiring",
        "configurable-http-proxy listens on a port other than its container's http port",
    ),
    Breakage(
        "HTTPS proxy redirecting from another port",
        "workshop",
        lambda o, ns: _set_flag(_container(o, ns, "proxy"), "--redirect-port", "8005"),
        "check_hub_proxy_wiring",
        "with HTTPS, the proxy's http port must redirect to HTTPS",
    ),
    Breakage(
        "public service not reaching the proxy",
        "dev",
        lambda o, ns: _service_port(o, ns, "proxy-public", 80).update(targetPort="api"),
        "check_hub_proxy_wiring",
        "proxy-public does not reach the proxy's http port",
    ),
    Breakage(
        "proxy without the token",
        "dev",
        lambda o, ns: _container(o, ns, "proxy").pop("env"),
        "check_hub_proxy_wiring",
        "the proxy gets no CONFIGPROXY_AUTH_TOKEN",
    ),
    Breakage(
        "proxy token from another key",
        "dev",
        lambda o, ns: _env(_container(o, ns, "proxy"), "CONFIGPROXY_AUTH_TOKEN")["valueFrom"]["secretKeyRef"].update(
            key="cookie-secret"
        ),
        "check_hub_proxy_wiring",
        "the proxy's token comes from hub/cookie-secret, not the hub's proxy-token",
    ),
    Breakage(
        "hub not loading the shipped configuration",
        "dev",
        lambda o, ns: _container(o, ns, "hub").update(args=["jupyterhub"]),
        "check_hub_proxy_wiring",
        "the hub does not load jupyterhub_config.py",
    ),
    # check_placement
    Breakage(
        "hub fitting no node",
        "dev",
        lambda o, ns: _pod(o, ns, "hub").update(nodeSelector={"example.edu/rack": "b7"}),
        "check_placement",
        "Deployment hub fits no node",
    ),
    Breakage(
        "hub allowed onto user nodes",
        "dev",
        _no_core_affinity,
        "check_placement",
        "Deployment hub may run on non-core nodes",
    ),
    Breakage(
        "user servers not tolerating user nodes",
        "dev",
        lambda o, ns: _settings(o, ns, lambda s: s["spawner"]["traits"].update(tolerations=[])),
        "check_placement",
        "user servers ((default)) of jupyterhub cannot run on user nodes",
    ),
    Breakage(
        "placeholders not tolerating user nodes",
        "workshop",
        lambda o, ns: _pod(o, ns, "user-placeholder").update(tolerations=[]),
        "check_placement",
        "Deployment user-placeholder cannot run on user nodes",
    ),
    # check_class_calendar
    Breakage(
        "calendar shipped another zone's rules",
        "workshop",
        lambda o, ns: _calendar_files(o, ns)["binaryData"].update({"timezone.tzif": _zone_rules("Europe/London")}),
        "check_class_calendar",
        "summer-workshop: the calendar's zone rules are not those of Europe/Berlin",
    ),
    Breakage(
        "calendar naming placeholders that are not there",
        "workshop",
        lambda o, ns: _set_calendar(o, ns, deployment="placeholders"),
        "check_class_calendar",
        "summer-workshop: the calendar's placeholders, quota or hub is missing",
    ),
    Breakage(
        "quota counting the placeholders instead of the servers",
        "workshop",
        lambda o, ns: find(o, "ResourceQuota", "user-servers", ns)["spec"]["scopeSelector"]["matchExpressions"][
            0
        ].update(values=[f"{ns}-user-placeholder"]),
        "check_class_calendar",
        "summer-workshop: the quota counts ['summer-workshop-user-placeholder'], not servers of",
    ),
    Breakage(
        "placeholders at the servers' priority",
        "workshop",
        lambda o, ns: _pod(o, ns, "user-placeholder").update(priorityClassName=f"{ns}-user"),
        "check_class_calendar",
        "summer-workshop: placeholders (summer-workshop-user) are not below servers",
    ),
    Breakage(
        "calendar job unable to scale",
        "workshop",
        lambda o, ns: find(o, "Role", "class-calendar", ns)["rules"][1]["verbs"].remove("patch"),
        "check_class_calendar",
        "summer-workshop: class-calendar may not scale the placeholders",
    ),
    Breakage(
        "calendar job unable to count servers",
        "workshop",
        lambda o, ns: find(o, "Role", "class-calendar", ns)["rules"][0].update(resourceNames=["other"]),
        "check_class_calendar",
        "summer-workshop: class-calendar may not read the servers' count",
    ),
    Breakage(
        "calendar job granted every Deployment",
        "workshop",
        lambda o, ns: find(o, "Role", "class-calendar", ns)["rules"][1].pop("resourceNames"),
        "check_class_calendar",
        "summer-workshop: class-calendar is granted more than its two objects",
    ),
    # check_image_pullers
    Breakage(
        "no puller on the GPU pool",
        "physics-gke",
        lambda o, ns: o.remove(find(o, "DaemonSet", "image-puller-gpu", ns)),
        "check_image_pullers",
        "phys101: no image puller runs where gpu servers run",
    ),
    Breakage(
        "the default image not pre-pulled",
        "physics-gke",
        lambda o, ns: find(o, "DaemonSet", "image-puller", ns)["spec"]["template"]["spec"]["initContainers"].pop(0),
        "check_image_pullers",
        "servers' images not pre-pulled: ['quay.io/",
    ),
    Breakage(
        "pullers counted as servers",
        "physics-gke",
        lambda o, ns: find(o, "DaemonSet", "image-puller", ns)["spec"]["template"]["spec"].update(
            priorityClassName=f"{ns}-user"
        ),
        "check_image_pullers",
        "phys101: image pullers have the servers' PriorityClass",
    ),
    # check_user_scheduler
    Breakage(
        "placeholders sent to another scheduler than the servers'",
        "workshop",
        lambda o, ns: _pod(o, ns, "user-placeholder").update(schedulerName="bin-packer"),
        "check_user_scheduler",
        "summer-workshop: placeholders and servers name different schedulers",
    ),
    Breakage(
        "no user scheduler running",
        "physics-gke",
        lambda o, ns: o.remove(find(o, "Deployment", "user-scheduler", ns)),
        "check_user_scheduler",
        "phys101: servers name 'phys101-user-scheduler', which no Deployment here runs",
    ),
    Breakage(
        "the user scheduler's profile misnamed",
        "physics-gke",
        lambda o, ns: _scheduler_config(o, ns, lambda c: c["profiles"][0].update(schedulerName="default-scheduler")),
        "check_user_scheduler",
        "phys101: the user scheduler's profile is not 'phys101-user-scheduler'",
    ),
    Breakage(
        "the user scheduler's Lease elsewhere",
        "physics-gke",
        lambda o, ns: _scheduler_config(o, ns, lambda c: c["leaderElection"].update(resourceNamespace="kube-system")),
        "check_user_scheduler",
        "phys101: the user scheduler cannot hold its Lease 'user-scheduler'",
    ),
    # check_https_front_wiring
    Breakage(
        "Caddy told another port than its container's",
        "physics-gke",
        lambda o, ns: _env(_container(o, ns, "autohttps", "caddy"), "HTTPS_PORT").update(value="9443"),
        "check_https_front_wiring",
        "phys101: Caddy's HTTP_PORT/HTTPS_PORT differ from its http/https container ports",
    ),
    Breakage(
        "public service without HTTPS",
        "physics-gke",
        lambda o, ns: find(o, "Service", "proxy-public", ns)["spec"]["ports"].remove(
            _service_port(o, ns, "proxy-public", 443)
        ),
        "check_https_front_wiring",
        "http://proxy-public:443: Service proxy-public has no port 443",
    ),
    Breakage(
        "public service targeting a port number",
        "physics-gke",
        lambda o, ns: _service_port(o, ns, "proxy-public", 443).update(targetPort=8443),
        "check_https_front_wiring",
        "phys101: proxy-public does not target Caddy's http and https ports",
    ),
    Breakage(
        "Caddy forwarding to no service",
        "physics-gke",
        lambda o, ns: _env(_container(o, ns, "autohttps", "caddy"), "PROXY_UPSTREAM").update(value="proxy:8000"),
        "check_https_front_wiring",
        "http://proxy:8000: no Service proxy in phys101",
    ),
    Breakage(
        "Caddy forwarding where the proxy does not listen",
        "physics-gke",
        lambda o, ns: _set_flag(_container(o, ns, "proxy"), "--port", "8005"),
        "check_https_front_wiring",
        "http://proxy-http:8000 does not reach the port configurable-http-proxy listens on",
    ),
    Breakage(
        "certificates stored in an undeclared secret",
        "physics-gke",
        lambda o, ns: _set_flag(_container(o, ns, "autohttps", "store-certificates"), "--secret", "certs"),
        "check_https_front_wiring",
        "phys101: store-certificates stores certificates in a Secret 'certs' that is not declared",
    ),
    Breakage(
        "certificate store without the right to patch",
        "physics-gke",
        _drop_role_verb,
        "check_https_front_wiring",
        "phys101: autohttps may not get and patch Secret 'https-certificates'",
    ),
]


def _broken(plans: dict[str, Objects], breakage: Breakage) -> Objects:
    objects = copy.deepcopy(plans[breakage.stack])
    breakage.brake(objects, NAMESPACES[breakage.stack])
    return objects


@pytest.mark.parametrize("stack", NAMESPACES)
def test_the_plans_broken_here_hold_before_they_are_broken(plans, stack):
    checks = {b.check for b in BREAKAGES}
    assert {check: _check(check, plans[stack]) for check in checks} == {check: [] for check in checks}


@pytest.mark.parametrize("breakage", BREAKAGES, ids=[b.name for b in BREAKAGES])
def test_each_breakage_is_reported_by_its_check(plans, breakage):
    problems = _check(breakage.check, _broken(plans, breakage))
    assert any(breakage.reported in problem for problem in problems), problems


def _reporting_statements() -> dict[int, tuple[int, str]]:
    """The statements of tests/wiring.py that report a problem: each `problems.append(...)` and each
    reason `_service_reaches` returns, by first line (with its last line and its text)."""
    source = Path(wiring.__file__).read_text()
    statements = {}
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Expr | ast.Return):
            continue
        appends = (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Attribute)
            and node.value.func.attr == "append"
            and isinstance(node.value.func.value, ast.Name)
            and node.value.func.value.id == "problems"
        )
        if appends or (isinstance(node, ast.Return) and isinstance(node.value, ast.JoinedStr)):
            statements[node.lineno] = (node.end_lineno or node.lineno, ast.get_source_segment(source, node) or "")
    return statements


def test_the_breakages_reach_every_problem_the_checks_can_report(plans):
    executed: set[int] = set()
    path = wiring.__file__

    def trace(frame: FrameType, event: str, _: Any) -> Any:
        if frame.f_code.co_filename != path:
            return None
        if event == "line":
            executed.add(frame.f_lineno)
        return trace

    sys.settrace(trace)
    try:
        for breakage in BREAKAGES:
            _check(breakage.check, _broken(plans, breakage))
    finally:
        sys.settrace(None)
    statements = _reporting_statements()
    assert len(statements) >= 37  # 34 appends and 3 reasons when this was written: the parse finds them
    unreached = [
        f"tests/wiring.py:{first}: {text.splitlines()[0]}"
        for first, (last, text) in sorted(statements.items())
        if not executed & set(range(first, last + 1))
    ]
    assert unreached == []
