"""Google logins restricted to Workspace domains, with the real hub and its GoogleOAuthenticator against
a stand-in Google: a user of an allowed domain gets in (named without the domain), users of other
domains and consumer accounts are refused."""

import pytest

from ..helpers import plan_config, secure, stack_config
from .google_stand_in import GoogleAccount, google_stand_in
from .hub_client import HubClient
from .hub_harness import hub_from_plan, local_service_addresses

HOST = "phys101.example.edu"
ACCOUNTS = {
    "code-alice": GoogleAccount("alice@physics.example.edu", "physics.example.edu"),
    "code-bob": GoogleAccount("bob@chemistry.example.edu", "chemistry.example.edu"),
    "code-mallory": GoogleAccount("mallory@gmail.com", None),
    # An address of the domain is not enough: Google says which Workspace the account belongs to.
    "code-eve": GoogleAccount("eve@physics.example.edu", None),
}


@pytest.fixture(scope="module")
def google_hub(tmp_path_factory):
    directory = tmp_path_factory.mktemp("google-hub")
    hub = {
        "host": HOST,
        "hub": {
            "authenticator": {
                "type": "google",
                "clientId": "phys101.apps.googleusercontent.com",
                "clientSecret": secure("google"),
                "callbackUrl": f"https://{HOST}/hub/oauth_callback",
                "allowedDomains": ["physics.example.edu"],
            },
            "adminUsers": ["prof"],
        },
    }
    plan = plan_config(directory, stack_config(hubs={"phys101": hub}), stack="google")
    with (
        google_stand_in(ACCOUNTS) as api_url,
        # The stand-in Google is on this machine's loopback, so the hub runs there too.
        hub_from_plan(
            plan.kubernetes_objects(),
            "phys101",
            directory,
            addresses=local_service_addresses(plan.kubernetes_objects(), "phys101"),
            hub_environment={"GOOGLE_API_URL": api_url},
        ) as running,
    ):
        yield running


def _log_in(public_url: str, code: str) -> tuple[HubClient, int]:
    client = HubClient(public_url)
    return client, client.oauth_login(code)


def test_a_user_of_an_allowed_domain_logs_in(google_hub):
    client, status = _log_in(google_hub.public_url, "code-alice")
    assert status == 302
    user = client.api("GET", "user")
    assert user.status_code == 200 and user.json()["name"] == "alice"


@pytest.mark.parametrize("code", ["code-bob", "code-mallory", "code-eve"])
def test_users_outside_the_allowed_domains_are_refused(google_hub, code):
    client, status = _log_in(google_hub.public_url, code)
    assert status == 403
    assert client.api("GET", "user").status_code == 403
