"""Every option family planned for real: strict-valid objects, wiring that holds, the settings the hub
reads, and the shipped jupyterhub_config.py accepting them."""

import pytest

from components.hub.settings_contract import HubSettings
from tools.plan import Plan

from .helpers import find, hub_settings, plan_config
from .hub_config import (
    contract_paths,
    effective_trait,
    lay_out_hub_files,
    load_hub_config,
    settings_paths_read,
    trait_problems,
)
from .schemas import KUBERNETES_VERSIONS, schema_problems
from .variations import VARIATIONS
from .wiring import (
    check_class_calendar,
    check_https_front_wiring,
    check_hub_proxy_wiring,
    check_image_pullers,
    check_placement,
    check_references,
    check_service_selectors,
    check_user_scheduler,
)


@pytest.fixture(scope="module")
def plans(tmp_path_factory) -> dict[str, Plan]:
    directory = tmp_path_factory.mktemp("variations")
    return {name: plan_config(directory, content, stack=name) for name, content in VARIATIONS.items()}


def _namespace(plan: Plan) -> str:
    """The hub's namespace: where the hub's ServiceAccount is (an NFS server's namespace is another, and
    resources register in no fixed order, so it is not "the first Namespace")."""
    objects = plan.kubernetes_objects()
    return next(
        o["metadata"]["namespace"] for o in objects if o["kind"] == "ServiceAccount" and o["metadata"]["name"] == "hub"
    )


@pytest.mark.parametrize("name", VARIATIONS)
@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_variation_objects_are_strictly_valid(plans, name, version):
    problems = [p for obj in plans[name].kubernetes_objects() for p in schema_problems(obj, version)]
    assert problems == []


@pytest.mark.parametrize("name", VARIATIONS)
def test_variation_wiring_holds(plans, name, kind_nodes):
    objects = plans[name].kubernetes_objects()
    assert check_service_selectors(objects) == []
    assert check_references(objects) == []
    assert check_hub_proxy_wiring(objects) == []
    assert check_https_front_wiring(objects) == []
    assert check_placement(objects, kind_nodes) == []
    assert check_class_calendar(objects) == []
    assert check_image_pullers(objects) == []
    assert check_user_scheduler(objects) == []


@pytest.mark.parametrize("name", VARIATIONS)
def test_shipped_jupyterhub_config_accepts_every_variation(plans, name, tmp_path):
    config_dir, secret_dir = lay_out_hub_files(plans[name].kubernetes_objects(), _namespace(plans[name]), tmp_path)
    config = load_hub_config(config_dir, secret_dir)
    assert trait_problems(config) == []
    assert config.KubeSpawner.namespace == _namespace(plans[name])
    assert config.ConfigurableHTTPProxy.auth_token == (secret_dir / "proxy-token").read_text()


def test_the_hub_reads_every_setting_of_the_contract_and_nothing_else(plans, tmp_path):
    """The contract (components/hub/settings_contract.py) and jupyterhub_config.py agree: every value of
    settings.json is read by the hub in some variation, and the hub reads no key the contract lacks."""
    paths = contract_paths()
    read: set[str] = set()
    for name, plan in plans.items():
        read |= settings_paths_read(*lay_out_hub_files(plan.kubernetes_objects(), _namespace(plan), tmp_path / name))
    leaves = {path for path, leaf in paths.items() if leaf}
    assert leaves - read == HubSettings.NOT_READ_BY_THE_HUB, "in the contract but never read by jupyterhub_config.py"
    # Below a leaf are the user's own keys (environment variables, labels, extraConfig names) and the items of
    # Kubernetes objects it holds (extra volumes, containers).
    unknown = {
        path
        for path in read
        if path not in paths and not any(path.startswith((f"{leaf}.", f"{leaf}[")) for leaf in leaves)
    }
    assert sorted(unknown) == [], "read by jupyterhub_config.py but not in the contract"


def test_trait_check_catches_a_misspelt_trait():
    from traitlets.config import Config

    config = Config()
    config.KubeSpawner.cpu_limitt = 1
    config.KubeSpawner.start_timeout = "soon"
    assert len(trait_problems(config)) == 2


def _secret_keys(plan: Plan) -> set[str]:
    return set(find(plan.kubernetes_objects(), "Secret", "hub")["stringData"])


def _hub_config(plan: Plan, tmp_path):
    return load_hub_config(*lay_out_hub_files(plan.kubernetes_objects(), _namespace(plan), tmp_path))


def test_github_authenticator(plans, tmp_path):
    plan = plans["github"]
    assert _secret_keys(plan) == {
        "proxy-token",
        "cookie-secret",
        "crypt-key",
        "culler-api-token",
        "oauth-client-secret",
    }
    config = _hub_config(plan, tmp_path)
    assert config.JupyterHub.authenticator_class == "github"
    assert config.GitHubOAuthenticator.allowed_organizations == {"uni-physics"}
    assert config.OAuthenticator.oauth_callback_url == "https://hub.example.edu/hub/oauth_callback"
    assert config.OAuthenticator.client_secret == (tmp_path / "secret" / "oauth-client-secret").read_text()
    assert config.Authenticator.admin_users == {"prof"}
    assert find(plan.kubernetes_objects(), "PersistentVolumeClaim", "hub-db-dir")


def test_google_authenticator_with_postgres(plans, tmp_path):
    plan = plans["google-postgres"]
    objects = plan.kubernetes_objects()
    assert "db-url" in _secret_keys(plan)
    assert not [o for o in objects if o["kind"] == "PersistentVolumeClaim"]
    config = _hub_config(plan, tmp_path)
    assert config.GoogleOAuthenticator.hosted_domain == ["university.edu"]
    assert config.JupyterHub.db_url.startswith("postgresql://")
    egress = find(objects, "NetworkPolicy", "hub")["spec"]["egress"]
    assert {"ports": [{"port": 5432, "protocol": "TCP"}]} in egress


def test_generic_oauth_with_groups_and_memory_database(plans, tmp_path):
    plan = plans["generic-oauth-memory-db"]
    config = _hub_config(plan, tmp_path)
    assert config.JupyterHub.authenticator_class == "generic-oauth"
    assert effective_trait(config, "GenericOAuthenticator", "manage_groups") is True
    assert effective_trait(config, "GenericOAuthenticator", "allowed_groups") == {"bio-101"}
    assert effective_trait(config, "GenericOAuthenticator", "auth_state_groups_key") == "oauth_user.groups"
    assert config.JupyterHub.db_url == "sqlite://"
    hub_pod = find(plan.kubernetes_objects(), "Deployment", "hub")["spec"]["template"]["spec"]
    assert {"name": "data", "emptyDir": {}} in hub_pod["volumes"]
    assert find(plan.kubernetes_objects(), "Service", "proxy-public")["spec"]["type"] == "ClusterIP"


def test_dummy_with_password_no_home_and_no_culler(plans, tmp_path):
    plan = plans["dummy-password-no-home-culler-off"]
    assert "dummy-password" in _secret_keys(plan)
    assert "culler-api-token" not in _secret_keys(plan)  # no culler, no token
    config = _hub_config(plan, tmp_path)
    assert config.DummyAuthenticator.password == (tmp_path / "secret" / "dummy-password").read_text()
    assert config.KubeSpawner.storage_pvc_ensure is False
    assert "volumes" not in config.KubeSpawner
    assert "services" not in config.JupyterHub and "load_roles" not in config.JupyterHub


def test_gpu_profiles_reach_kubespawner(plans, tmp_path):
    plan = plans["gpu-profiles-storage-class"]
    settings = hub_settings(plan.kubernetes_objects(), "ml")
    assert [p.slug for p in settings.spawner.profiles] == ["cpu-only", "gpu"]
    config = _hub_config(plan, tmp_path)
    gpu = config.KubeSpawner.profile_list[1]["kubespawner_override"]
    assert gpu["extra_resource_limits"] == {"nvidia.com/gpu": "1"}
    assert gpu["cpu_limit"] == 4.0 and gpu["mem_guarantee"] == 8 * 2**30
    assert gpu["node_selector"] == {"cloud.google.com/gke-accelerator": "nvidia-tesla-t4"}
    assert {"key": "hub.jupyter.org_dedicated", "value": "user", "effect": "NoSchedule", "operator": "Equal"} in gpu[
        "tolerations"
    ]
    assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in gpu["tolerations"]
    cpu_only = config.KubeSpawner.profile_list[0]["kubespawner_override"]
    assert cpu_only["cpu_limit"] == 2.0 and cpu_only["extra_resource_limits"] == {}
    assert config.KubeSpawner.storage_class == "fast-ssd"
    assert config.KubeSpawner.storage_capacity == "20Gi"


def test_gpu_variation_service_culler_and_storage_class(plans, tmp_path):
    plan = plans["gpu-profiles-storage-class"]
    objects = plan.kubernetes_objects()
    public = find(objects, "Service", "proxy-public")["spec"]
    assert public["loadBalancerIP"] == "203.0.113.10"
    assert public["loadBalancerSourceRanges"] == ["198.51.100.0/24"]
    storage_class = find(objects, "StorageClass", "jupyterhub-homes")
    assert storage_class["reclaimPolicy"] == "Retain"
    assert storage_class["volumeBindingMode"] == "WaitForFirstConsumer"
    claim = find(objects, "PersistentVolumeClaim", "hub-db-dir")
    assert claim["spec"]["storageClassName"] == "jupyterhub-homes"
    config = _hub_config(plan, tmp_path)
    command = config.JupyterHub.services[0]["command"]
    assert {"--timeout=7200", "--cull-every=300", "--max-age=28800", "--cull-users", "--remove-named-servers"} <= set(
        command
    )
    assert "admin:users" in config.JupyterHub.load_roles[0]["scopes"]
    assert config.JupyterHub.allow_named_servers is True
    assert config.JupyterHub.base_url == "/ml/"
    hub = find(objects, "Deployment", "hub")["spec"]["template"]["spec"]["containers"][0]
    assert hub["readinessProbe"]["httpGet"]["path"] == "/ml/hub/health"


def test_dev_culler_has_exactly_its_scopes(dev_plan, tmp_path):
    config = load_hub_config(*lay_out_hub_files(dev_plan.kubernetes_objects(), "jupyterhub", tmp_path))
    assert config.JupyterHub.load_roles == [
        {
            "name": "idle-culler",
            "description": "Stop idle servers",
            "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
            "services": ["idle-culler"],
        }
    ]
    assert config.JupyterHub.services[0]["name"] == "idle-culler"
    assert "--timeout=3600" in config.JupyterHub.services[0]["command"]


def test_hub_objects_wait_for_the_storage_class_the_stack_creates(plans):
    resources = {r.name: r for r in plans["gpu-profiles-storage-class"].resources}
    storage_class = resources["storage-class-jupyterhub-homes"]
    namespace = resources["ml-namespace"]
    assert storage_class.urn in namespace.dependencies
    assert namespace.urn in resources["ml-hub-db"].dependencies


@pytest.mark.parametrize("name", sorted(VARIATIONS))
def test_everything_lives_in_the_hubs_namespace_whatever_its_name(plans, name, tmp_path):
    """Every namespaced object, the hub's RBAC subject and KubeSpawner's namespace are the hub's configured
    namespace (the github variation names one unlike the hub's)."""
    ((hub_name, hub),) = VARIATIONS[name]["config"]["jupyterhub:hubs"].items()
    namespace = hub.get("namespace", hub_name)
    objects = plans[name].kubernetes_objects()
    assert _namespace(plans[name]) == namespace
    cluster_scoped = {"Namespace", "StorageClass", "PriorityClass", "PersistentVolume"}
    in_namespace = [o for o in objects if o["kind"] not in cluster_scoped]
    nfs_namespace = f"{namespace}-nfs"  # the in-cluster NFS server's own (Pod Security's one exception)
    assert {o["metadata"].get("namespace") for o in in_namespace} - {nfs_namespace} == {namespace}
    for obj in in_namespace:
        if obj["metadata"]["namespace"] == nfs_namespace and obj["kind"] != "ServiceAccount":  # `default`'s patch
            # The NFS server's objects, and the backup job's rights to snapshot its disk.
            assert obj["metadata"]["labels"]["app.kubernetes.io/component"] in ("nfs-server", "home-backups")
    for volume in (o for o in objects if o["kind"] == "PersistentVolume"):
        assert volume["spec"]["claimRef"]["namespace"] == namespace
    binding = next(o for o in objects if o["kind"] == "RoleBinding" and o["metadata"]["name"] == "hub")
    assert [s["namespace"] for s in binding["subjects"]] == [namespace]
    config = _hub_config(plans[name], tmp_path)
    assert config.KubeSpawner.namespace == namespace
