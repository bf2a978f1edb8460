"""The Hub the program ships, run for real (JupyterHub, configurable-http-proxy, the idle culler) and
used over HTTP through the proxy's public port, for the dev stack and a stack with profiles."""

from importlib.metadata import version

import requests
from jupyterhub.scopes import expand_scopes

from .hub_client import HubClient

CULLER_SCOPES = {"list:users", "read:users:activity", "read:servers", "delete:servers"}
OWN_SCOPES = {
    "read:services!service=idle-culler",
    "read:services:name!service=idle-culler",
    "read:services:roles!service=idle-culler",
}


def test_hub_answers_through_the_proxy_with_the_pinned_version(dev_hub):
    client = HubClient(dev_hub.public_url)
    assert client.get("hub/health").status_code == 200
    assert client.api("GET", "").json()["version"] == version("jupyterhub") == "5.5.0"


def test_an_allowed_user_logs_in(dev_hub):
    client = HubClient(dev_hub.public_url)
    answer = client.login("student1")
    assert answer.status_code == 200 and answer.url.endswith("/hub/home")
    assert client.api("GET", "user").json()["name"] == "student1"


def test_a_user_not_allowed_is_refused(dev_hub):
    client = HubClient(dev_hub.public_url)
    answer = client.login("mallory")
    assert answer.status_code == 403
    assert client.api("GET", "user").status_code == 403


def test_admin_panel_is_for_admins_only(dev_hub):
    admin, student = HubClient(dev_hub.public_url), HubClient(dev_hub.public_url)
    admin.login("admin")
    student.login("student2")
    assert admin.get("hub/admin").status_code == 200
    assert student.get("hub/admin").status_code == 403


def test_proxy_routes_everything_else_to_the_hub(dev_hub):
    routes = requests.get(
        f"{dev_hub.proxy_api_url}/api/routes", timeout=10, headers={"Authorization": f"token {dev_hub.proxy_token}"}
    ).json()
    hub_routes = {path: route for path, route in routes.items() if route.get("hub")}
    assert list(hub_routes) == ["/"]
    assert hub_routes["/"]["target"] == "http://hub:8081"  # the hub Service, as the plan declares it


def test_a_user_route_whose_server_is_gone_gets_the_hubs_error_page(dev_hub):
    """The proxy asks its --error-target (the hub Service's /hub/error) for the page it shows when a
    user's server does not answer; without it a student would see a bare '503' from the proxy."""
    headers = {"Authorization": f"token {dev_hub.proxy_token}"}
    route = f"{dev_hub.proxy_api_url}/api/routes/user/ghost"
    gone = {"target": "http://127.254.9.9:8888", "user": "ghost"}  # nothing listens there
    requests.post(route, json=gone, headers=headers, timeout=10).raise_for_status()
    try:
        answer = requests.get(f"{dev_hub.public_url}user/ghost/lab", timeout=30)
    finally:
        requests.delete(route, headers=headers, timeout=10)
    assert answer.status_code == 503
    assert "Your server appears to be down" in answer.text  # JupyterHub's own page for a proxy error


def test_proxy_api_refuses_a_wrong_token(dev_hub):
    answer = requests.get(
        f"{dev_hub.proxy_api_url}/api/routes", timeout=10, headers={"Authorization": "token not-the-token"}
    )
    assert answer.status_code == 403


def test_culler_service_has_exactly_its_scopes(dev_hub):
    admin = HubClient(dev_hub.public_url)
    admin.login("admin")
    token = admin.new_token("admin")
    service = admin.api("GET", "services/idle-culler", token=token).json()
    assert service["roles"] == ["idle-culler"]
    assert service["command"][1:3] == ["-m", "jupyterhub_idle_culler"]
    whoami = admin.api("GET", "user", token=dev_hub.secret("culler-api-token")).json()
    assert whoami["kind"] == "service" and whoami["name"] == "idle-culler"
    # Exactly the role's scopes as JupyterHub expands them (list:users lets it read names), plus what every
    # service's token has of its own (reading itself).
    assert set(whoami["scopes"]) - OWN_SCOPES == expand_scopes(CULLER_SCOPES)
    assert expand_scopes(CULLER_SCOPES) - CULLER_SCOPES == {"read:users:name"}  # no admin, no access


def test_the_culler_token_works_only_within_its_role(dev_hub):
    culler = HubClient(dev_hub.public_url)
    token = dev_hub.secret("culler-api-token")
    users = culler.api("GET", "users", token=token)
    assert users.status_code == 200 and {"admin", "student1", "student2"} <= {u["name"] for u in users.json()}
    assert culler.api("POST", "users/intruder", token=token).status_code == 403
    assert culler.api("POST", "users/student1/tokens", token=token, json={}).status_code == 403


def test_spawn_form_lists_exactly_the_configured_profiles(profiles_hub):
    client = HubClient(profiles_hub.public_url)
    assert profiles_hub.public_url.endswith("/ml/")
    client.login("learner")
    form = client.get("hub/spawn").text
    assert form.count('name="profile"') == 2
    for slug, name in (("cpu-only", "CPU only"), ("gpu", "GPU (T4)")):
        assert f'value="{slug}"' in form and name in form
    assert "One NVIDIA T4" in form


def test_an_admin_of_the_profiles_hub_sees_the_admin_panel_and_others_do_not(profiles_hub):
    client = HubClient(profiles_hub.public_url)
    client.login("admin")
    assert client.get("hub/admin").status_code == 200
    other = HubClient(profiles_hub.public_url)
    other.login("learner")
    assert other.get("hub/admin").status_code == 403
