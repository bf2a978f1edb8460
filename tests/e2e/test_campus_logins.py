"""Campus logins with the real hub and the real authenticator classes against a stand-in identity provider
(tests/e2e/identity_provider.py: HTTPS with a test CA the hub trusts, ID tokens signed RS256): Entra ID,
CILogon, GitLab and GitHub Enterprise each let in whom their allow-lists name and refuse the others, make
admins of their admin groups' members, and turn the provider's groups into hub groups. LTI 1.3: a
launch (login initiation, the platform's signed id_token posted back with the hub's state and nonce) logs
a student in, with course roles as hub groups; another course, a forged signature and a replayed nonce
are refused."""

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from ..helpers import plan_config, secure, stack_config
from .acme import write_tls_files
from .hub_client import HubClient
from .hub_harness import hub_from_plan, local_service_addresses
from .identity_provider import new_signing_key
from .processes import LOOPBACK, free_port, running, wait_until

HOST = "hub.uni.edu"
CALLBACK = f"https://{HOST}/hub/oauth_callback"
ROOT = Path(__file__).parents[2]


@dataclass(frozen=True)
class Provider:
    """A stand-in provider on a port: its base URL, and the key it (and an LMS) signs with."""

    url: str
    port: int
    key_file: Path
    ca_file: Path


@dataclass
class Login:
    """One login and what must come of it: refused (None), or the user's name, admin and groups."""

    code: str
    name: str | None
    admin: bool = False
    groups: list[str] = field(default_factory=list)


def _hub(tmp_path_factory, label: str, authenticator: dict[str, Any], accounts: dict[str, Any], **hub: Any):
    """A running hub of one authenticator, and the stand-in provider it logs in with."""
    directory = tmp_path_factory.mktemp(label)
    port = free_port()
    provider_url = f"https://{LOOPBACK}:{port}"
    config = {
        "host": HOST,
        "hub": {"authenticator": resolve(authenticator, provider_url, port), "adminUsers": [], **hub},
    }
    plan = plan_config(directory, stack_config({label: config}), stack=label)
    objects = plan.kubernetes_objects()
    ca, _, _ = write_tls_files(directory / "tls")
    key_file = directory / "signing-key.pem"
    new_signing_key(key_file)
    (directory / "accounts.json").write_text(json.dumps(accounts))
    command = [sys.executable, "-m", "tests.e2e.identity_provider", "--port", str(port)]
    command += ["--accounts", str(directory / "accounts.json"), "--signing-key", str(key_file)]
    command += ["--tls-dir", str(directory / "tls"), "--issuer", provider_url]
    log = directory / "provider.log"
    with running(command, log, cwd=ROOT) as process:
        wait_until(lambda: _answers(provider_url, ca, process), 30, "the stand-in provider", log)
        with hub_from_plan(
            objects,
            label,
            directory / "hub",
            addresses=local_service_addresses(objects, label),
            hub_environment={"SSL_CERT_FILE": str(ca)},  # the campus CA, as an image would carry it
        ) as running_hub:
            yield running_hub, Provider(provider_url, port, key_file, ca)


def _answers(url: str, ca: Path, process: Any) -> bool:
    assert process.poll() is None, "the stand-in provider ended"
    try:
        return requests.get(f"{url}/jwks", verify=str(ca), timeout=2).status_code == 200
    except requests.ConnectionError:
        return False


def resolve(value: Any, provider_url: str, port: int) -> Any:
    """The authenticator settings with PROVIDER / PORT standing for the stand-in's address."""
    if isinstance(value, dict):
        return {key: resolve(item, provider_url, port) for key, item in value.items()}
    if isinstance(value, list):
        return [resolve(item, provider_url, port) for item in value]
    if isinstance(value, str):
        return value.replace("PROVIDER", provider_url).replace("PORT", str(port))
    return value


def _oauth_login(public_url: str, code: str) -> tuple[HubClient, int]:
    """Start a login as a browser does, come back from the provider with `code`: the callback's status."""
    client = HubClient(public_url)
    started = client.get("hub/oauth_login", allow_redirects=False)
    assert started.status_code == 302, started.text
    state = parse_qs(urlsplit(started.headers["Location"]).query)["state"][0]
    answer = client.get(f"hub/oauth_callback?code={code}&state={state}", allow_redirects=False)
    return client, answer.status_code


def _check(hub: Any, login: Login, status: int, client: HubClient) -> None:
    me = client.api("GET", "user")
    if login.name is None:
        assert status == 403 and me.status_code == 403, (login, status, hub.hub_log.read_text()[-3000:])
        return
    assert status == 302 and me.status_code == 200, (login, status, hub.hub_log.read_text()[-3000:])
    found = me.json()
    assert (found["name"], found["admin"], sorted(found["groups"])) == (login.name, login.admin, sorted(login.groups))


OAUTH = {"clientId": "hub-client", "clientSecret": secure("client"), "callbackUrl": CALLBACK}

# --- Any OpenID Connect provider, by its issuer (discovery) -----------------------------------------
OIDC = {
    "type": "generic-oauth",
    **OAUTH,
    "issuer": "PROVIDER",
    "groupsClaim": "realm_access.roles",
    "allowedGroups": ["phys101"],
    "adminGroups": ["phys101-staff"],
}
OIDC_ACCOUNTS = {
    "alice": {"claims": {"preferred_username": "alice", "realm_access": {"roles": ["phys101"]}}},
    "prof": {"claims": {"preferred_username": "prof", "realm_access": {"roles": ["phys101-staff"]}}},
    "bob": {"claims": {"preferred_username": "bob", "realm_access": {"roles": ["chem101"]}}},
}
OIDC_LOGINS = [
    Login("alice", "alice", groups=["phys101"]),
    Login("prof", "prof", admin=True, groups=["phys101-staff"]),
    Login("bob", None),
]


@pytest.fixture(scope="module")
def oidc_hub(tmp_path_factory):
    yield from _hub(tmp_path_factory, "oidc", OIDC, OIDC_ACCOUNTS)


@pytest.mark.parametrize("login", OIDC_LOGINS, ids=[login.code for login in OIDC_LOGINS])
def test_an_oidc_provider_found_by_discovery_decides_groups_and_admins(oidc_hub, login):
    hub, _ = oidc_hub
    client, status = _oauth_login(hub.public_url, login.code)
    _check(hub, login, status, client)


def test_the_hub_was_sent_to_the_discovered_endpoints(oidc_hub):
    hub, provider = oidc_hub
    started = HubClient(hub.public_url).get("hub/oauth_login", allow_redirects=False)
    assert started.headers["Location"].startswith(f"{provider.url}/authorize?")


def test_a_discovery_document_of_another_issuer_is_refused(oidc_hub, monkeypatch):
    """OpenID Connect Discovery: the document must name the issuer it was asked for."""
    from ..hub_config import shipped_definitions

    _, provider = oidc_hub
    monkeypatch.setenv("SSL_CERT_FILE", str(provider.ca_file))
    oidc_endpoints = shipped_definitions({"oidc_endpoints"}, {"json": json})["oidc_endpoints"]
    assert oidc_endpoints(provider.url)["tokenUrl"] == f"{provider.url}/token"
    with pytest.raises(ValueError, match="names issuer"):
        oidc_endpoints(f"{provider.url}/realms/other")


# --- Entra ID -------------------------------------------------------------------------------------
STUDENTS, STAFF = "2b3c4d5e-6f70-4812-9a3b-4c5d6e7f8091", "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
AZURE = {
    "type": "azure-ad",
    **OAUTH,
    "tenantId": "uni.onmicrosoft.com",
    "loginUrl": "PROVIDER",
    "allowedGroups": [STUDENTS],
    "adminGroups": [STAFF],
}
AZURE_ACCOUNTS = {
    "alice": {"claims": {"preferred_username": "alice@uni.edu", "groups": [STUDENTS]}},
    "prof": {"claims": {"preferred_username": "prof@uni.edu", "groups": [STAFF, STUDENTS]}},
    "mallory": {"claims": {"preferred_username": "mallory@uni.edu", "groups": ["0000-other"]}},
}
AZURE_LOGINS = [
    Login("alice", "alice@uni.edu", groups=[STUDENTS]),
    Login("prof", "prof@uni.edu", admin=True, groups=sorted([STAFF, STUDENTS])),
    Login("mallory", None),
]


@pytest.fixture(scope="module")
def azure_hub(tmp_path_factory):
    yield from _hub(tmp_path_factory, "azure", AZURE, AZURE_ACCOUNTS)


@pytest.mark.parametrize("login", AZURE_LOGINS, ids=[login.code for login in AZURE_LOGINS])
def test_entra_id_groups_decide_who_logs_in_and_who_is_admin(azure_hub, login):
    hub, _ = azure_hub
    client, status = _oauth_login(hub.public_url, login.code)
    _check(hub, login, status, client)


# --- CILogon --------------------------------------------------------------------------------------
CAMPUS_IDP, ORCID = "https://idp.uni.edu/idp/shibboleth", "http://orcid.org/oauth/authorize"
CILOGON = {
    "type": "cilogon",
    **OAUTH,
    "host": f"{LOOPBACK}:PORT",
    "identityProviders": {
        CAMPUS_IDP: {"username": {"claim": "eppn", "stripDomain": "uni.edu"}, "allowAll": True, "default": True},
        ORCID: {"username": {"claim": "email", "prefix": "orcid"}, "allowedDomains": ["partner.edu"]},
    },
    "adminGroups": ["CO:COU:astro-staff:members:active"],
}
CILOGON_ACCOUNTS = {
    "campus": {"claims": {"idp": CAMPUS_IDP, "eppn": "alice@uni.edu", "isMemberOf": ["CO:members:all"]}},
    "staff": {
        "claims": {"idp": CAMPUS_IDP, "eppn": "prof@uni.edu", "isMemberOf": ["CO:COU:astro-staff:members:active"]}
    },
    "partner": {"claims": {"idp": ORCID, "email": "bo@partner.edu", "isMemberOf": []}},
    "stranger": {"claims": {"idp": ORCID, "email": "eve@elsewhere.org", "isMemberOf": []}},
    "other-idp": {"claims": {"idp": "https://idp.other.edu/shibboleth", "eppn": "x@other.edu", "isMemberOf": []}},
}
CILOGON_LOGINS = [
    Login("campus", "alice", groups=["CO:members:all"]),
    Login("staff", "prof", admin=True, groups=["CO:COU:astro-staff:members:active"]),
    Login("partner", "orcid:bo@partner.edu"),
    Login("stranger", None),
    Login("other-idp", None),
]


@pytest.fixture(scope="module")
def cilogon_hub(tmp_path_factory):
    yield from _hub(tmp_path_factory, "cilogon", CILOGON, CILOGON_ACCOUNTS)


@pytest.mark.parametrize("login", CILOGON_LOGINS, ids=[login.code for login in CILOGON_LOGINS])
def test_cilogon_admits_by_identity_provider_and_domain(cilogon_hub, login):
    hub, _ = cilogon_hub
    client, status = _oauth_login(hub.public_url, login.code)
    _check(hub, login, status, client)


# --- GitLab ---------------------------------------------------------------------------------------
GITLAB = {
    "type": "gitlab",
    **OAUTH,
    "url": "PROVIDER",
    "allowedGroups": ["eng/eng101"],
    "allowedProjectIds": [4242],
    "adminGroups": ["eng/staff"],
}
GITLAB_ACCOUNTS = {
    "student": {"gitlab": {"username": "sam", "id": 11, "groups": ["eng/eng101", "clubs/robotics"]}},
    # Member of the department: GitLab lists its subgroups too (access is inherited downwards).
    "department": {"gitlab": {"username": "dee", "id": 12, "groups": ["eng", "eng/eng101", "eng/staff"]}},
    # Member of a lab of the class only: not of the class's group (nothing is inherited upwards).
    "lab-only": {"gitlab": {"username": "lou", "id": 17, "groups": ["eng/eng101/lab-a"]}},
    "reviewer": {"gitlab": {"username": "rita", "id": 13, "groups": [], "projects": {"4242": 30}}},
    "guest": {"gitlab": {"username": "gus", "id": 14, "groups": [], "projects": {"4242": 10}}},
    "staff": {"gitlab": {"username": "tom", "id": 15, "groups": ["eng/staff"]}},
    "outsider": {"gitlab": {"username": "olga", "id": 16, "groups": ["math/math101"]}},
}
GITLAB_LOGINS = [
    Login("student", "sam", groups=["clubs/robotics", "eng/eng101"]),
    Login("department", "dee", admin=True, groups=["eng", "eng/eng101", "eng/staff"]),
    Login("lab-only", None),
    Login("reviewer", "rita"),  # a Developer of the allowed project
    Login("guest", None),  # a Guest of the project is not enough
    Login("staff", "tom", admin=True, groups=["eng/staff"]),
    Login("outsider", None),
]


@pytest.fixture(scope="module")
def gitlab_hub(tmp_path_factory):
    yield from _hub(tmp_path_factory, "gitlab", GITLAB, GITLAB_ACCOUNTS)


@pytest.mark.parametrize("login", GITLAB_LOGINS, ids=[login.code for login in GITLAB_LOGINS])
def test_gitlab_groups_and_projects_decide_who_logs_in(gitlab_hub, login):
    hub, _ = gitlab_hub
    client, status = _oauth_login(hub.public_url, login.code)
    _check(hub, login, status, client)


# --- GitHub (Enterprise Server) -------------------------------------------------------------------
GITHUB = {
    "type": "github",
    **OAUTH,
    "url": "PROVIDER",
    "allowedOrganizations": ["uni-physics", "uni-math:m2"],
    "allowedGroups": ["uni-cs:cs101"],
    "adminGroups": ["uni-cs:cs101-staff"],
}
GITHUB_ACCOUNTS = {
    "student": {"scopes": ["read:org"], "github": {"login": "sam", "id": 1, "teams": ["uni-cs:cs101"]}},
    "ta": {"scopes": ["read:org"], "github": {"login": "tia", "id": 2, "teams": ["uni-cs:cs101-staff"]}},
    "other": {"scopes": ["read:org"], "github": {"login": "oz", "id": 3, "teams": ["uni-math:m1"]}},
    "physicist": {"scopes": ["read:org"], "github": {"login": "pia", "id": 4, "orgs": ["uni-physics"]}},
    "mathematician": {"scopes": ["read:org"], "github": {"login": "max", "id": 5, "teams": ["uni-math:m2"]}},
}
GITHUB_LOGINS = [
    Login("student", "sam", groups=["uni-cs:cs101"]),
    Login("ta", "tia", admin=True, groups=["uni-cs:cs101-staff"]),
    Login("other", None),
    Login("physicist", "pia"),  # a member of an allowed organisation
    Login("mathematician", "max", groups=["uni-math:m2"]),  # of an allowed organisation's team
]


@pytest.fixture(scope="module")
def github_hub(tmp_path_factory):
    yield from _hub(tmp_path_factory, "github", GITHUB, GITHUB_ACCOUNTS)


@pytest.mark.parametrize("login", GITHUB_LOGINS, ids=[login.code for login in GITHUB_LOGINS])
def test_github_teams_decide_who_logs_in_and_who_is_admin(github_hub, login):
    hub, _ = github_hub
    client, status = _oauth_login(hub.public_url, login.code)
    _check(hub, login, status, client)
