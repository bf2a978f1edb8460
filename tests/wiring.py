"""Cross-object checks of a rendered plan: what the API server cannot see but a working hub needs.

Each check returns a list of problems (empty when the wiring holds), so tests can also prove that each
check fails when the wiring is broken.
"""

import shlex
from typing import Any
from urllib.parse import urlsplit

from components.hub.settings_contract import HubSettings
from components.singleuser.placeholders import PLACEHOLDER

from .helpers import settings_of
from .netpol import selector_matches

Objects = list[dict[str, Any]]


def _ns(obj: dict[str, Any]) -> str | None:
    return obj["metadata"].get("namespace")


def _named(objects: Objects, kind: str, namespace: str | None) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind and _ns(o) == namespace}


def workloads(objects: Objects) -> list[dict[str, Any]]:
    """Deployments, StatefulSets and DaemonSets."""
    return [o for o in objects if o["kind"] in ("Deployment", "StatefulSet", "DaemonSet")]


def container_ports(workload: dict[str, Any]) -> dict[str, int]:
    """Named container ports of a workload's pod template."""
    return {
        port["name"]: port["containerPort"]
        for container in workload["spec"]["template"]["spec"]["containers"]
        for port in container.get("ports", [])
        if "name" in port
    }


def check_service_selectors(objects: Objects) -> list[str]:
    """Every Service selects the pods of exactly one workload, and its target ports exist there."""
    problems = []
    for service in (o for o in objects if o["kind"] == "Service"):
        selector = service["spec"].get("selector")
        name = f"Service {_ns(service)}/{service['metadata']['name']}"
        if not selector:
            problems.append(f"{name} has no selector")
            continue
        selected = [
            w
            for w in workloads(objects)
            if _ns(w) == _ns(service)
            and selector_matches({"matchLabels": selector}, w["spec"]["template"]["metadata"]["labels"])
        ]
        if len(selected) != 1:
            problems.append(f"{name} selects {len(selected)} workloads, expected exactly one")
            continue
        ports = container_ports(selected[0])
        for port in service["spec"]["ports"]:
            target = port.get("targetPort", port["port"])
            if isinstance(target, str) and target not in ports:
                problems.append(f"{name} targets port {target!r}, which its pods do not name")
            if isinstance(target, int) and target not in ports.values():
                problems.append(f"{name} targets port {target}, which its pods do not expose")
    for workload in workloads(objects):
        if not selector_matches(workload["spec"]["selector"], workload["spec"]["template"]["metadata"]["labels"]):
            problems.append(f"{workload['kind']} {workload['metadata']['name']}: selector does not match its pods")
    return problems


BUILT_IN_PRIORITY_CLASSES = frozenset({"system-node-critical", "system-cluster-critical"})
"""PriorityClasses every API server creates itself (the cluster tier's real API server shows they exist)."""
NODE_AGENT_NAMESPACE = "kube-system"
"""Node agents (EKS's NVIDIA device plugin) run where their devices are, not on core nodes."""


def check_references(objects: Objects) -> list[str]:
    """Every Secret, ConfigMap, PVC, ServiceAccount, Role and PriorityClass a pod or binding names exists."""
    problems = []
    for workload in workloads(objects):
        namespace = _ns(workload)
        where = f"{workload['kind']} {namespace}/{workload['metadata']['name']}"
        pod = workload["spec"]["template"]["spec"]
        secrets, config_maps = _named(objects, "Secret", namespace), _named(objects, "ConfigMap", namespace)
        claims, accounts = (
            _named(objects, "PersistentVolumeClaim", namespace),
            _named(objects, "ServiceAccount", namespace),
        )
        if pod.get("serviceAccountName", "default") != "default" and pod["serviceAccountName"] not in accounts:
            problems.append(f"{where}: ServiceAccount {pod['serviceAccountName']} does not exist")
        priority = pod.get("priorityClassName")
        if (
            priority is not None
            and priority not in BUILT_IN_PRIORITY_CLASSES | _named(objects, "PriorityClass", None).keys()
        ):
            problems.append(f"{where}: PriorityClass {pod['priorityClassName']} does not exist")
        volume_names = set()
        for volume in pod.get("volumes", []):
            volume_names.add(volume["name"])
            if "secret" in volume and volume["secret"]["secretName"] not in secrets:
                problems.append(f"{where}: Secret {volume['secret']['secretName']} does not exist")
            if "configMap" in volume and volume["configMap"]["name"] not in config_maps:
                problems.append(f"{where}: ConfigMap {volume['configMap']['name']} does not exist")
            if "persistentVolumeClaim" in volume and volume["persistentVolumeClaim"]["claimName"] not in claims:
                problems.append(f"{where}: PVC {volume['persistentVolumeClaim']['claimName']} does not exist")
        for container in pod["containers"]:
            for mount in container.get("volumeMounts", []):
                if mount["name"] not in volume_names:
                    problems.append(f"{where}: mount of undeclared volume {mount['name']}")
            for env in container.get("env", []):
                ref = env.get("valueFrom", {}).get("secretKeyRef")
                if ref is None:
                    continue
                secret = secrets.get(ref["name"])
                if secret is None:
                    problems.append(f"{where}: env {env['name']} reads missing Secret {ref['name']}")
                elif ref["key"] not in {**secret.get("stringData", {}), **secret.get("data", {})}:
                    problems.append(f"{where}: env {env['name']} reads missing key {ref['key']} of {ref['name']}")
    for binding in (o for o in objects if o["kind"] == "RoleBinding"):
        namespace = _ns(binding)
        if binding["roleRef"]["name"] not in _named(objects, binding["roleRef"]["kind"], namespace):
            problems.append(f"RoleBinding {binding['metadata']['name']}: role {binding['roleRef']['name']} missing")
        for subject in binding["subjects"]:
            if subject["name"] not in _named(objects, "ServiceAccount", subject.get("namespace", namespace)):
                problems.append(f"RoleBinding {binding['metadata']['name']}: ServiceAccount {subject['name']} missing")
    return problems


def _container(objects: Objects, namespace: str, deployment: str) -> dict[str, Any]:
    return _named(objects, "Deployment", namespace)[deployment]["spec"]["template"]["spec"]["containers"][0]


def _flags(command: list[str]) -> dict[str, str]:
    return dict(arg[2:].split("=", 1) for arg in command if arg.startswith("--") and "=" in arg)


def _service_reaches(objects: Objects, namespace: str, url: str, deployment: str) -> str | None:
    """Why `url` (http://service:port) does not reach `deployment`'s pods, or None when it does."""
    parts = urlsplit(url)
    service = _named(objects, "Service", namespace).get(parts.hostname or "")
    if service is None:
        return f"{url}: no Service {parts.hostname} in {namespace}"
    port = next((p for p in service["spec"]["ports"] if p["port"] == parts.port), None)
    if port is None:
        return f"{url}: Service {parts.hostname} has no port {parts.port}"
    target = _named(objects, "Deployment", namespace).get(deployment)
    if target is None or not selector_matches(
        {"matchLabels": service["spec"]["selector"]}, target["spec"]["template"]["metadata"]["labels"]
    ):
        return f"{url}: Service {parts.hostname} does not select the {deployment} pods"
    return None


def check_hub_proxy_wiring(objects: Objects) -> list[str]:
    """The hub's proxy API URL and connect URL, the proxy's default target and the shared token agree
    with the Services and with each other, in every hub namespace."""
    problems = []
    for config_map in (o for o in objects if o["kind"] == "ConfigMap" and o["metadata"]["name"] == "hub"):
        namespace = _ns(config_map)
        settings = settings_of(config_map)
        hub, proxy = _container(objects, namespace, "hub"), _container(objects, namespace, "proxy")
        flags = _flags(proxy["command"])
        hub_ports = {p["name"]: p["containerPort"] for p in hub["ports"]}
        proxy_ports = {p["name"]: p["containerPort"] for p in proxy["ports"]}
        for url, deployment in (
            (settings.proxy.api_url, "proxy"),
            (settings.hub.connect_url, "hub"),
            (flags.get("default-target", ""), "hub"),
        ):
            reason = _service_reaches(objects, namespace, url, deployment)
            if reason:
                problems.append(reason)
        if settings.proxy.api_url and urlsplit(settings.proxy.api_url).port is not None:
            api_service = _named(objects, "Service", namespace).get(urlsplit(settings.proxy.api_url).hostname)
            if api_service:
                target = api_service["spec"]["ports"][0]["targetPort"]
                if proxy_ports.get(target) != int(flags.get("api-port", "-1")):
                    problems.append(
                        "proxy-api Service does not reach the port configurable-http-proxy's API listens on"
                    )
        if int(urlsplit("http://x" + settings.hub.bind_url.removeprefix("http://")).port or 0) != hub_ports["http"]:
            problems.append("the hub binds to a port other than its container's http port")
        user_port = "https" if "https" in proxy_ports else "http"
        if int(flags.get("port", "-1")) != proxy_ports.get(user_port):
            problems.append(f"configurable-http-proxy listens on a port other than its container's {user_port} port")
        if "https" in proxy_ports and int(flags.get("redirect-port", "-1")) != proxy_ports.get("http"):
            problems.append("with HTTPS, the proxy's http port must redirect to HTTPS")
        public = _named(objects, "Service", namespace).get("proxy-public")
        targets = {port["targetPort"] for port in public["spec"]["ports"]} if public else set()
        fronted = "autohttps" in _named(objects, "Deployment", namespace)  # checked by check_https_front_wiring
        first_port = public["spec"]["ports"][0]["port"] if public else 0
        if not fronted and (
            user_port not in targets
            or _service_reaches(objects, namespace, f"http://proxy-public:{first_port}", "proxy")
        ):
            problems.append(f"proxy-public does not reach the proxy's {user_port} port")
        token = next((e for e in proxy.get("env", []) if e["name"] == "CONFIGPROXY_AUTH_TOKEN"), None)
        hub_secret = next(
            (
                v["secret"]["secretName"]
                for v in _named(objects, "Deployment", namespace)["hub"]["spec"]["template"]["spec"]["volumes"]
                if "secret" in v
            ),
            None,
        )
        if token is None:
            problems.append("the proxy gets no CONFIGPROXY_AUTH_TOKEN")
        else:
            ref = token["valueFrom"]["secretKeyRef"]
            # jupyterhub_config.py reads the token from the mounted hub Secret's key "proxy-token".
            if (ref["name"], ref["key"]) != (hub_secret, "proxy-token"):
                problems.append(f"the proxy's token comes from {ref['name']}/{ref['key']}, not the hub's proxy-token")
        if shlex.join(hub["args"]).find("jupyterhub_config.py") < 0:
            problems.append("the hub does not load jupyterhub_config.py")
    return problems


def tolerates(tolerations: list[dict[str, Any]], taint: dict[str, str]) -> bool:
    """Whether a pod's tolerations tolerate a node taint (the scheduler's rule)."""
    for toleration in tolerations:
        key_ok = (
            toleration.get("key") in (None, taint["key"])
            if toleration.get("operator") == "Exists"
            else toleration.get("key") == taint["key"]
        )
        value_ok = toleration.get("operator") == "Exists" or toleration.get("value") == taint.get("value")
        effect_ok = toleration.get("effect") in (None, taint["effect"])
        if key_ok and value_ok and effect_ok:
            return True
    return False


def schedulable(pod: dict[str, Any], node: dict[str, Any]) -> bool:
    """Whether a pod (affinity, nodeSelector, tolerations) may be placed on a node (labels, taints)."""
    for taint in node.get("taints", []):
        if taint["effect"] in ("NoSchedule", "NoExecute") and not tolerates(pod.get("tolerations", []), taint):
            return False
    if any(node["labels"].get(k) != v for k, v in pod.get("nodeSelector", {}).items()):
        return False
    required = (
        pod.get("affinity", {})
        .get("nodeAffinity", {})
        .get("requiredDuringSchedulingIgnoredDuringExecution", {})
        .get("nodeSelectorTerms")
    )
    return not required or any(selector_matches(term, node["labels"]) for term in required)


def user_pod_specs(settings: HubSettings) -> dict[str, dict[str, Any]]:
    """The placement part of the user pods KubeSpawner builds from the hub settings, per profile."""
    traits = settings.spawner.traits
    required = traits.node_affinity_required
    base = {
        "tolerations": traits.tolerations or [],
        "affinity": {
            "nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": required}}
        }
        if required
        else {},
    }
    specs = {"(default)": base}
    for profile in settings.spawner.profiles:
        override = profile.kubespawner_override
        specs[profile.slug] = {
            **base,
            "tolerations": base["tolerations"] if override.tolerations is None else override.tolerations,
            "nodeSelector": override.node_selector or {},
        }
    return specs


def check_placement(
    objects: Objects,
    nodes: list[dict[str, Any]],
    user_purpose: str = "user",
    core_purpose: str = "core",
    purpose_label: str = "hub.jupyter.org/node-purpose",
) -> list[str]:
    """Hub and proxy run on core nodes only; user servers (every profile without its own node selector)
    and the placeholders and image pullers that serve them run on user nodes, tolerating their taint. (Node agents are
    placed by their own tests.)"""
    problems = []
    for workload in (w for w in workloads(objects) if _ns(w) != NODE_AGENT_NAMESPACE):
        pod = workload["spec"]["template"]["spec"]
        fits = [node for node in nodes if schedulable(pod, node)]
        name = f"{workload['kind']} {workload['metadata']['name']}"
        placed_as_servers = (
            workload["metadata"]["name"] == PLACEHOLDER
            or workload["metadata"]["labels"].get("app.kubernetes.io/component") == "image-puller"
        )
        if placed_as_servers:  # placed as user servers are (the pullers exactly so: check_image_pullers)
            if not pod.get("nodeSelector") and not any(n["labels"].get(purpose_label) == user_purpose for n in fits):
                problems.append(f"{name} cannot run on user nodes")
        elif not fits:
            problems.append(f"{name} fits no node")
        elif any(node["labels"].get(purpose_label) != core_purpose for node in fits):
            problems.append(f"{name} may run on non-core nodes")
    for config_map in (o for o in objects if o["kind"] == "ConfigMap" and o["metadata"]["name"] == "hub"):
        for slug, pod in user_pod_specs(settings_of(config_map)).items():
            if pod.get("nodeSelector"):
                continue  # targets its own pool (e.g. GPUs), which a test cluster may not have
            fits = [node for node in nodes if schedulable(pod, node)]
            user_nodes = [node for node in nodes if node["labels"].get(purpose_label) == user_purpose]
            if not any(node in fits for node in user_nodes):
                problems.append(f"user servers ({slug}) of {_ns(config_map)} cannot run on user nodes")
    return problems


def _env(container: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: e["value"] for e in container.get("env", []) if "value" in e}


def check_https_front_wiring(objects: Objects) -> list[str]:
    """With `letsencrypt`: users reach Caddy through proxy-public, Caddy forwards to the port the proxy
    listens on, Caddy listens where its Service and ports say, and the certificate store may read and
    patch exactly the Secret it names, which exists."""
    problems = []
    for front in (o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == "autohttps"):
        namespace = _ns(front)
        pod = front["spec"]["template"]["spec"]
        containers = {c["name"]: c for c in pod["containers"] + pod.get("initContainers", [])}
        caddy = _env(containers["caddy"])
        ports = {p["name"]: p["containerPort"] for p in containers["caddy"]["ports"]}
        if (int(caddy.get("HTTP_PORT", -1)), int(caddy.get("HTTPS_PORT", -1))) != (
            ports.get("http"),
            ports.get("https"),
        ):
            problems.append(f"{namespace}: Caddy's HTTP_PORT/HTTPS_PORT differ from its http/https container ports")
        for service_port in (80, 443):
            reason = _service_reaches(objects, namespace, f"http://proxy-public:{service_port}", "autohttps")
            if reason:
                problems.append(reason)
        public = _named(objects, "Service", namespace).get("proxy-public")
        if public and {p["targetPort"] for p in public["spec"]["ports"]} != {"http", "https"}:
            problems.append(f"{namespace}: proxy-public does not target Caddy's http and https ports")
        upstream = f"http://{caddy.get('PROXY_UPSTREAM', '')}"
        reason = _service_reaches(objects, namespace, upstream, "proxy")
        if reason:
            problems.append(reason)
        else:
            service = _named(objects, "Service", namespace)[urlsplit(upstream).hostname]
            target = next(p["targetPort"] for p in service["spec"]["ports"] if p["port"] == urlsplit(upstream).port)
            proxy = _container(objects, namespace, "proxy")
            proxy_ports = {p["name"]: p["containerPort"] for p in proxy["ports"]}
            if proxy_ports.get(target) != int(_flags(proxy["command"]).get("port", "-1")):
                problems.append(f"{upstream} does not reach the port configurable-http-proxy listens on")
        for name in ("restore-certificates", "store-certificates"):
            secret = _flags(containers[name]["command"]).get("secret")
            if secret not in _named(objects, "Secret", namespace):
                problems.append(f"{namespace}: {name} stores certificates in a Secret {secret!r} that is not declared")
            if not _may(objects, namespace, pod["serviceAccountName"], "secrets", secret, {"get", "patch"}):
                problems.append(f"{namespace}: {pod['serviceAccountName']} may not get and patch Secret {secret!r}")
    return problems


def _may(objects: Objects, namespace: str, account: str, resource: str, name: str | None, verbs: set[str]) -> bool:
    """Whether a ServiceAccount's Roles (through RoleBindings in its namespace) grant `verbs` on an object."""
    roles = _named(objects, "Role", namespace)
    granted: set[str] = set()
    for binding in _named(objects, "RoleBinding", namespace).values():
        if not any(s["kind"] == "ServiceAccount" and s["name"] == account for s in binding["subjects"]):
            continue
        for rule in roles.get(binding["roleRef"]["name"], {}).get("rules", []):
            if resource in rule["resources"] and ("resourceNames" not in rule or name in rule["resourceNames"]):
                granted |= set(rule["verbs"])
    return verbs <= granted


CALENDAR_VERBS = {"get", "patch"}
"""All the class calendar's job may do, on its two objects."""


def _zone_offsets(zone: Any) -> list[Any]:
    """A zone's UTC offset at every 6 hours of 2026-2028: two zones with equal lists keep the same time."""
    import datetime

    start = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    return [(start + datetime.timedelta(hours=6 * step)).astimezone(zone).utcoffset() for step in range(3 * 365 * 4)]


def check_class_calendar(objects: Objects) -> list[str]:
    """Each class calendar's job keeps time in the calendar's zone (the rules it ships are that zone's),
    counts exactly the servers KubeSpawner starts (the quota's scope is their PriorityClass), scales the
    placeholders (priced below those servers, which evict them), and may do nothing else."""
    import base64
    import io
    import json
    import zoneinfo

    problems = []
    for job in (o for o in objects if o["kind"] == "CronJob" and o["metadata"]["name"] == "class-calendar"):
        namespace = _ns(job)
        pod = job["spec"]["jobTemplate"]["spec"]["template"]["spec"]
        (config_volume,) = (v["configMap"]["name"] for v in pod["volumes"] if "configMap" in v)
        files = _named(objects, "ConfigMap", namespace)[config_volume]
        calendar = json.loads(files["data"]["class_calendar.json"])
        shipped = zoneinfo.ZoneInfo.from_file(io.BytesIO(base64.b64decode(files["binaryData"]["timezone.tzif"])))
        if _zone_offsets(shipped) != _zone_offsets(zoneinfo.ZoneInfo(calendar["timeZone"])):
            problems.append(f"{namespace}: the calendar's zone rules are not those of {calendar['timeZone']}")
        classes = {o["metadata"]["name"]: o["value"] for o in objects if o["kind"] == "PriorityClass"}
        placeholders = _named(objects, "Deployment", namespace).get(calendar["deployment"])
        quota = _named(objects, "ResourceQuota", namespace).get(calendar["quota"])
        hub = _named(objects, "ConfigMap", namespace).get("hub")
        if placeholders is None or quota is None or hub is None:
            problems.append(f"{namespace}: the calendar's placeholders, quota or hub is missing")
            continue
        servers_class = settings_of(hub).spawner.traits.priority_class_name
        (scope,) = quota["spec"]["scopeSelector"]["matchExpressions"]
        if (scope["scopeName"], scope["operator"], scope["values"]) != ("PriorityClass", "In", [servers_class]):
            problems.append(f"{namespace}: the quota counts {scope['values']}, not servers of {servers_class!r}")
        placeholder_class = placeholders["spec"]["template"]["spec"].get("priorityClassName")
        if classes.get(placeholder_class, 0) >= classes.get(servers_class or "", 0):
            problems.append(f"{namespace}: placeholders ({placeholder_class}) are not below servers ({servers_class})")
        account = pod["serviceAccountName"]
        if not _may(objects, namespace, account, "deployments/scale", calendar["deployment"], CALENDAR_VERBS):
            problems.append(f"{namespace}: {account} may not scale the placeholders")
        if not _may(objects, namespace, account, "resourcequotas", calendar["quota"], {"get"}):
            problems.append(f"{namespace}: {account} may not read the servers' count")
        granted = _rules_of(objects, namespace, account)
        allowed = {("deployments/scale", calendar["deployment"]), ("resourcequotas", calendar["quota"])}
        for where, rule in granted:
            names = rule.get("resourceNames")
            reach = {(resource, name) for resource in rule["resources"] for name in names or ["*"]}
            if where != namespace or not reach <= allowed or not set(rule["verbs"]) <= CALENDAR_VERBS:
                problems.append(f"{namespace}: {account} is granted more than its two objects: {rule}")
    return problems


def _rules_of(objects: Objects, namespace: str | None, account: str) -> list[tuple[str | None, dict[str, Any]]]:
    """Every rule granted to a ServiceAccount by any RoleBinding or ClusterRoleBinding, with where
    (None: cluster-wide)."""
    rules = []
    for binding in (o for o in objects if o["kind"] in ("RoleBinding", "ClusterRoleBinding")):
        subjects = binding.get("subjects", [])
        if not any(
            s["kind"] == "ServiceAccount" and (s["name"], s.get("namespace")) == (account, namespace) for s in subjects
        ):
            continue
        ref = binding["roleRef"]
        role_namespace = _ns(binding) if ref["kind"] == "Role" else None
        role = _named(objects, ref["kind"], role_namespace).get(ref["name"], {})
        rules += [(_ns(binding), rule) for rule in role.get("rules", [])]
    return rules


def server_images(settings: HubSettings) -> dict[str, set[str]]:
    """The images each kind of server (per profile slug, as user_pod_specs) can start, from the hub's
    settings as KubeSpawner reads them: its image, its option choices', its extra containers'."""
    traits, extensions = settings.spawner.traits, settings.spawner.extensions
    extra = {c["image"] for c in (*extensions.init_containers, *extensions.extra_containers)}
    content = settings.spawner.content
    if content is not None and content.image is not None:
        extra.add(content.image)
    if not settings.spawner.profiles:
        return {"(default)": {traits.image or "", *extra}}
    images = {}
    for profile in settings.spawner.profiles:
        own = profile.kubespawner_override.image or traits.image or ""
        choices = {
            choice.kubespawner_override.image
            for option in profile.options.values()
            for choice in option.choices.values()
            if choice.kubespawner_override.image
        }
        images[profile.slug] = {own, *choices, *extra}
    return images


def _required_affinity(pod: dict[str, Any]) -> Any:
    return pod.get("affinity", {}).get("nodeAffinity", {}).get("requiredDuringSchedulingIgnoredDuringExecution")


def check_image_pullers(objects: Objects) -> list[str]:
    """Where a hub pre-pulls, every image each kind of server can start is pulled by a puller placed as
    those servers are (same node selector, tolerations and required node affinity), and pullers are not
    counted as users' servers (they have no user PriorityClass)."""
    problems = []
    for config_map in (o for o in objects if o["kind"] == "ConfigMap" and o["metadata"]["name"] == "hub"):
        namespace, settings = _ns(config_map), settings_of(config_map)
        pullers = [
            o["spec"]["template"]["spec"]
            for o in objects
            if o["kind"] == "DaemonSet"
            and _ns(o) == namespace
            and o["metadata"]["labels"].get("app.kubernetes.io/component") == "image-puller"
        ]
        if not pullers:
            continue  # this hub does not pre-pull
        placements = user_pod_specs(settings)
        for slug, images in server_images(settings).items():
            server = placements[slug]
            covering = [
                pod
                for pod in pullers
                if pod.get("nodeSelector", {}) == server.get("nodeSelector", {})
                and pod["tolerations"] == server["tolerations"]
                and (_required_affinity(server) is None or _required_affinity(pod) == _required_affinity(server))
            ]
            pulled = {c["image"] for pod in covering for c in pod.get("initContainers", [])}
            if not covering:
                problems.append(f"{namespace}: no image puller runs where {slug} servers run")
            elif images - pulled:
                problems.append(f"{namespace}: {slug} servers' images not pre-pulled: {sorted(images - pulled)}")
        for pod in pullers:
            servers_class = settings.spawner.traits.priority_class_name
            if servers_class is not None and pod.get("priorityClassName") == servers_class:
                problems.append(f"{namespace}: image pullers have the servers' PriorityClass (counted as servers)")
    return problems


def check_user_scheduler(objects: Objects) -> list[str]:
    """Users' servers and placeholders name a scheduler that runs: the hub's user scheduler, whose one
    profile has that name and leads from a Lease its account may take, in the hub's namespace."""
    import json

    problems = []
    for config_map in (o for o in objects if o["kind"] == "ConfigMap" and o["metadata"]["name"] == "hub"):
        namespace = _ns(config_map)
        wanted = settings_of(config_map).spawner.traits.scheduler_name
        placeholders = _named(objects, "Deployment", namespace).get(PLACEHOLDER)
        if placeholders is not None and placeholders["spec"]["template"]["spec"].get("schedulerName") != wanted:
            problems.append(f"{namespace}: placeholders and servers name different schedulers")
        if wanted is None:
            continue
        scheduler = _named(objects, "ConfigMap", namespace).get("user-scheduler")
        if scheduler is None or "user-scheduler" not in _named(objects, "Deployment", namespace):
            problems.append(f"{namespace}: servers name {wanted!r}, which no Deployment here runs")
            continue
        config = json.loads(scheduler["data"]["config.yaml"])
        if [profile["schedulerName"] for profile in config["profiles"]] != [wanted]:
            problems.append(f"{namespace}: the user scheduler's profile is not {wanted!r}")
        lease = config["leaderElection"]
        if lease["resourceNamespace"] != namespace or not _may(
            objects, namespace, "user-scheduler", "leases", lease["resourceName"], {"get", "update"}
        ):
            problems.append(f"{namespace}: the user scheduler cannot hold its Lease {lease['resourceName']!r}")
    return problems
