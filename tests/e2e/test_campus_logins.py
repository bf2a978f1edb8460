"""Campus logins with the real hub and the real authenticator classes against a stand-in identity provider
(tests/e2e/identity_provider.py: HTTPS with a test CA the hub trusts, ID tokens signed RS256): a generic
OpenID Connect provider found by discovery, Entra ID, CILogon, GitLab and GitHub Enterprise each let in
whom their allow-lists name and refuse the others, make admins of their admin groups' members, and turn
the provider's groups into hub groups. LTI 1.3: a
launch (login initiation, the platform's signed id_token posted back with the hub's state and nonce) logs
a student in, with course roles as hub groups; another course, a forged signature and a replayed nonce
are refused (tests/e2e/test_lti_login.py)."""

import contextlib
import functools
import json
from dataclasses import dataclass, field
from typing import Any

import pytest

from ..helpers import secure
from .hub_client import HubClient
from .processes import LOOPBACK
from .provider_hub import HOST, Provider, provider_hub

CALLBACK = f"https://{HOST}/hub/oauth_callback"


@dataclass
class Login:
    """One login and what must come of it: refused (None), or the user's name, admin and groups."""

    code: str
    name: str | None
    admin: bool = False
    groups: list[str] = field(default_factory=list)


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
def oidc_hub(provider_hubs):
    return provider_hubs("oidc")


def test_the_hub_was_sent_to_the_discovered_endpoints(oidc_hub):
    hub, provider = oidc_hub
    started = HubClient(hub.public_url).get("hub/oauth_login", allow_redirects=False)
    assert started.headers["Location"].startswith(f"{provider.url}/authorize?")


def test_a_discovery_document_of_another_issuer_is_refused(oidc_hub, monkeypatch):
    """OpenID Connect Discovery: the document must name the issuer it was asked for."""
    from ..hub_config import shipped_definitions

    _, provider = oidc_hub
    monkeypatch.setenv("SSL_CERT_FILE", str(provider.ca_file))
    oidc_endpoints = shipped_definitions({"oidc_endpoints"}, {"json": json, "functools": functools})["oidc_endpoints"]
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


PROVIDERS = {
    "oidc": (OIDC, OIDC_ACCOUNTS, OIDC_LOGINS),
    "azure": (AZURE, AZURE_ACCOUNTS, AZURE_LOGINS),
    "cilogon": (CILOGON, CILOGON_ACCOUNTS, CILOGON_LOGINS),
    "gitlab": (GITLAB, GITLAB_ACCOUNTS, GITLAB_LOGINS),
    "github": (GITHUB, GITHUB_ACCOUNTS, GITHUB_LOGINS),
}
"""Each provider's authenticator settings, its stand-in accounts, and the logins tried."""
LOGINS = [(provider, login) for provider, (_, _, logins) in PROVIDERS.items() for login in logins]


@pytest.fixture(scope="module")
def provider_hubs(tmp_path_factory):
    """A hub (and its stand-in provider) per provider, started when a test first asks for it."""
    with contextlib.ExitStack() as stack:
        started: dict[str, tuple[Any, Provider]] = {}

        def hub_of(name: str) -> tuple[Any, Provider]:
            if name not in started:
                authenticator, accounts, _ = PROVIDERS[name]
                hub = provider_hub(tmp_path_factory.mktemp(name), name, authenticator, accounts)
                started[name] = stack.enter_context(hub)
            return started[name]

        yield hub_of


@pytest.mark.parametrize(("provider", "login"), LOGINS, ids=[f"{p}-{login.code}" for p, login in LOGINS])
def test_each_provider_lets_in_whom_its_rules_name_with_their_groups_and_admin(provider_hubs, provider, login):
    hub, _ = provider_hubs(provider)
    client = HubClient(hub.public_url)
    _check(hub, login, client.oauth_login(login.code), client)
