"""Every setting of the hub model reaches the trait it is for.

Hypothesis draws whole hubs: every setting that configures JupyterHub, its authenticator, KubeSpawner or
the idle culler gets a drawn value in every example. Each hub is planned by the real program, its
ConfigMap and Secret are laid out as the hub pod mounts them, and the shipped jupyterhub_config.py is
loaded with traitlets, as the hub loads it. Each drawn value must then be found at its trait, which this
file names literally (`JupyterHub.concurrent_spawn_limit`), with the value in the trait's own units taken
from literal tables (`"1500m"` is `1.5` cores), never computed by the code under test.

A setting that configures something else (an object the stack declares, a validation gate) is listed in
DECLARED_ELSEWHERE with the test that proves it; a new setting of the model fails
`test_every_setting_of_the_hub_model_is_proven_somewhere` until it is in one table or the other.
"""

import tempfile
import typing
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import hypothesis
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from traitlets.config import Config

from components.config.introspection import type_members
from components.config.stack import JupyterHubConfig

from .helpers import find, plan_config, secure, stack_config
from .hub_config import (
    NOT_SET,
    configurable_classes,
    effective_trait,
    lay_out_hub_files,
    load_hub_config,
    trait_problems,
)

NAMESPACE = "reach"
HOST = "reach.hub.example.edu"
USER_ENV_SECRET = "singleuser-env"

# Literal tables: a value as the stack file takes it, and the same value as the trait holds it.
CPUS = [("100m", 0.1), ("250m", 0.25), ("500m", 0.5), ("1", 1.0), ("1500m", 1.5), ("2", 2.0), ("4", 4.0)]
MEMORIES = [
    ("256Mi", 268435456),
    ("512Mi", 536870912),
    ("1G", 1000000000),
    ("1Gi", 1073741824),
    ("2Gi", 2147483648),
    ("3G", 3000000000),
    ("4Gi", 4294967296),
]
DURATIONS = [(60, 60), ("90s", 90), ("2m", 120), ("5m", 300), ("1h", 3600), ("90m", 5400), ("2h", 7200), (7300, 7300)]
DISPLAY_TEXTS = [
    ("Data science", "Data science"),
    ("GPU <b>large</b>", "GPU &lt;b&gt;large&lt;/b&gt;"),
    ('R & "tidyverse"', "R &amp; &quot;tidyverse&quot;"),
]
ENV_VALUES = [("plain", "plain"), ('{"course": "phys101"}', '{{"course": "phys101"}}'), ("{username}", "{{username}}")]
IMAGES = ["quay.io/jupyter/scipy-notebook:2024-10-07", "registry.example.edu/course/phys101:v3", "python:3.12-slim"]
USER_NODE_TOLERATION = {
    "key": "hub.jupyter.org_dedicated",
    "operator": "Equal",
    "value": "user",
    "effect": "NoSchedule",
}
"""What tolerates the user nodes' taint (z2jh's hub.jupyter.org_dedicated=user:NoSchedule)."""
GPU_NODE_TOLERATION = {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}
"""What tolerates the taint GKE and EKS GPU nodes carry (nvidia.com/gpu, NoSchedule), whatever its value."""
NAMES = st.sampled_from(["alice", "bob", "carol", "dave", "erin", "frank"])
LABEL_VALUES = st.sampled_from(["t4", "a100", "highmem", "course-101"])


FIXED_TRAITS = [
    ("JupyterHub", "cleanup_servers", False),  # a hub restart leaves users' servers running
    ("KubeSpawner", "automount_service_account_token", False),  # user code gets no Kubernetes token
    ("KubeSpawner", "allow_privilege_escalation", False),
    (
        "KubeSpawner",
        "container_security_context",
        {"capabilities": {"drop": ["ALL"]}, "runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
    ),
    ("KubeSpawner", "pod_security_context", {"seccompProfile": {"type": "RuntimeDefault"}}),
    ("KubeSpawner", "events_enabled", True),  # students see why a start waits (the hub Role may watch events)
    ("ConfigurableHTTPProxy", "should_start", False),  # the proxy is its own pod
    ("KubeSpawner", "http_timeout", 60),  # a started server has a minute to answer the hub
]
"""Traits every hub sets whatever its settings: what keeps servers running, users contained, homes kept."""


@dataclass(frozen=True)
class Reaches:
    """A setting (its key path in the stack file) and what the loaded configuration must hold for it."""

    setting: str
    trait: str
    """What holds the value, for messages: `KubeSpawner.cpu_limit`, `idle culler --timeout`..."""
    found: Callable[[Config], Any]
    expected: Any


def _trait(section: str, name: str) -> Callable[[Config], Any]:
    """The trait as the hub's class would see it (set on it or on a parent class)."""
    if section in configurable_classes():
        return lambda config: effective_trait(config, section, name)
    return lambda config: config[section].get(name, NOT_SET)


def _culler_command(config: Config) -> list[str]:
    services = config.JupyterHub.get("services", [])
    return next((s["command"] for s in services if s["name"] == "idle-culler"), [])


def _culler_scopes(config: Config) -> list[str]:
    roles = config.JupyterHub.get("load_roles", [])
    return next((r["scopes"] for r in roles if r["name"] == "idle-culler"), [])


def _flag(name: str) -> Callable[[Config], Any]:
    def value(config: Config) -> Any:
        flags = [arg for arg in _culler_command(config) if arg == f"--{name}" or arg.startswith(f"--{name}=")]
        return [flag.partition("=")[2] or True for flag in flags]

    return value


class Draw:
    """Collects the stack's values and the expectations they make, while a hub is drawn."""

    def __init__(self, draw: st.DrawFn) -> None:
        self.draw = draw
        self.expectations: list[Reaches] = []

    def expect(self, setting: str, section: str, name: str, expected: Any) -> None:
        self.expectations.append(Reaches(setting, f"{section}.{name}", _trait(section, name), expected))

    def expect_found(self, setting: str, trait: str, found: Callable[[Config], Any], expected: Any) -> None:
        self.expectations.append(Reaches(setting, trait, found, expected))

    def pick(self, table: list[tuple[Any, Any]]) -> tuple[Any, Any]:
        return self.draw(st.sampled_from(table))


def _range(d: Draw, table: list[tuple[Any, Any]]) -> tuple[dict[str, Any], Any, Any]:
    """A guarantee/limit pair from a table in increasing order: the stack's value and the trait values."""
    low, high = sorted(d.draw(st.lists(st.integers(0, len(table) - 1), min_size=2, max_size=2)))
    return {"guarantee": table[low][0], "limit": table[high][0]}, table[low][1], table[high][1]


def _authenticator(d: Draw, kind: str, base_url: str) -> dict[str, Any]:
    if kind == "ldap":
        return _ldap(d)
    if kind == "lti13":
        return _lti13(d)
    if kind == "dummy":
        auth: dict[str, Any] = {"type": "dummy"}
        d.expect("hub.authenticator.type", "JupyterHub", "authenticator_class", "dummy")
        password = d.draw(st.booleans())
        if password:
            auth["password"] = secure("password")
        d.expect(
            "hub.authenticator[dummy].password",
            "DummyAuthenticator",
            "password",
            _from_secret("dummy-password", password),
        )
        return auth
    callback = f"https://{HOST}{base_url}hub/oauth_callback"
    client_id = d.draw(st.sampled_from(["Iv1.abc123", "jupyterhub-phys", "0oa1b2c3d4"]))
    allow_all = d.draw(st.booleans())
    auth = {
        "type": kind,
        "clientId": client_id,
        "clientSecret": secure("client"),
        "callbackUrl": callback,
        "allowAll": allow_all,
    }
    if kind != "google":  # Google's class depends on whether it reads groups (drawn below)
        d.expect_found(
            "hub.authenticator.type", "JupyterHub.authenticator_class", _authenticator_class, OAUTH_CLASSES[kind]
        )
    d.expect(f"hub.authenticator[{kind}].clientId", "OAuthenticator", "client_id", client_id)
    d.expect(
        f"hub.authenticator[{kind}].clientSecret",
        "OAuthenticator",
        "client_secret",
        _from_secret("oauth-client-secret"),
    )
    d.expect(f"hub.authenticator[{kind}].callbackUrl", "OAuthenticator", "oauth_callback_url", callback)
    # The provider's tokens are kept, encrypted with the crypt key (auth state).
    d.expect(f"hub.authenticator[{kind}].clientId", "Authenticator", "enable_auth_state", True)
    if kind != "google":
        d.expect(f"hub.authenticator[{kind}].allowAll", "OAuthenticator", "allow_all", allow_all)
        auth |= _provider_groups(d, kind)
    if kind == "github":
        url = d.draw(st.sampled_from(["https://github.com", "https://github.uni.edu"]))
        auth["url"] = url
        d.expect("hub.authenticator[github].url", "GitHubOAuthenticator", "github_url", url)
        organizations = d.draw(st.lists(st.sampled_from(["physics", "uni-cs", "uni-cs:ta-team"]), unique=True))
        auth["allowedOrganizations"] = organizations
        d.expect(
            "hub.authenticator[github].allowedOrganizations",
            "GitHubOAuthenticator",
            "allowed_organizations",
            set(organizations),
        )
        # Private organisation memberships and teams are visible only with the read:org scope.
        teams = _manages(auth)
        d.expect(
            "hub.authenticator[github].allowedOrganizations",
            "GitHubOAuthenticator",
            "scope",
            ["read:org"] if organizations or teams else NOT_SET,
        )
        d.expect(
            "hub.authenticator[github].manageGroups",
            "GitHubOAuthenticator",
            "populate_teams_in_auth_state",
            teams or NOT_SET,
        )
        d.expect_found(
            "hub.authenticator[github].manageGroups",
            "GitHubOAuthenticator.auth_state_groups_key",
            _groups_of("GitHubOAuthenticator", {"teams": [{"organization": {"login": "uni-cs"}, "slug": "ta"}]}),
            ["uni-cs:ta"] if teams else NOT_SET,
        )
    elif kind == "google":
        auth |= _google(d, allow_all)
    elif kind == "generic-oauth":
        idp = "https://sso.example.edu/realms/campus/protocol/openid-connect"
        claim = d.draw(st.sampled_from(["preferred_username", "email", "upn"]))
        scopes = d.draw(st.lists(st.sampled_from(["openid", "profile", "email", "groups"]), min_size=1, unique=True))
        groups_claim = d.draw(st.sampled_from(["groups", "roles"]))
        auth |= {
            "authorizeUrl": f"{idp}/auth",
            "tokenUrl": f"{idp}/token",
            "userdataUrl": f"{idp}/userinfo",
            "usernameClaim": claim,
            "scopes": scopes,
            "groupsClaim": groups_claim,
        }
        generic = "GenericOAuthenticator"
        d.expect("hub.authenticator[generic-oauth].authorizeUrl", generic, "authorize_url", f"{idp}/auth")
        d.expect("hub.authenticator[generic-oauth].tokenUrl", generic, "token_url", f"{idp}/token")
        d.expect("hub.authenticator[generic-oauth].userdataUrl", generic, "userdata_url", f"{idp}/userinfo")
        d.expect("hub.authenticator[generic-oauth].usernameClaim", generic, "username_claim", claim)
        d.expect("hub.authenticator[generic-oauth].scopes", generic, "scope", scopes)
        d.expect_found(
            "hub.authenticator[generic-oauth].groupsClaim",
            f"{generic}.auth_state_groups_key",
            _groups_of(generic, {"oauth_user": {groups_claim: ["g1"]}}),
            ["g1"],
        )
    elif kind == "azure-ad":
        tenant = d.draw(st.sampled_from(["uni.onmicrosoft.com", "6f1c2a8e-1b7d-4c1e-9f0a-3c2b1a0d9e8f"]))
        login = d.draw(st.sampled_from(["https://login.microsoftonline.com", "https://login.microsoftonline.us"]))
        claim = d.draw(st.sampled_from(["preferred_username", "oid", "email"]))
        groups_claim = d.draw(st.sampled_from(["groups", "roles"]))
        auth |= {"tenantId": tenant, "loginUrl": login, "usernameClaim": claim, "groupsClaim": groups_claim}
        azure = "AzureAdOAuthenticator"
        d.expect("hub.authenticator[azure-ad].tenantId", azure, "tenant_id", tenant)
        d.expect("hub.authenticator[azure-ad].loginUrl", azure, "graph_url", login)
        d.expect("hub.authenticator[azure-ad].usernameClaim", azure, "username_claim", claim)
        d.expect_found(
            "hub.authenticator[azure-ad].groupsClaim",
            f"{azure}.auth_state_groups_key",
            _groups_of(azure, {"user": {groups_claim: ["g1"]}}),
            ["g1"],
        )
    elif kind == "cilogon":
        host = d.draw(st.sampled_from(["cilogon.org", "test.cilogon.org"]))
        claim = d.draw(st.sampled_from(["email", "eppn"]))
        action, expected_derivation = d.pick(
            [
                ({}, {}),
                ({"stripDomain": "uni.edu"}, {"action": "strip_idp_domain", "domain": "uni.edu"}),
                ({"prefix": "uni"}, {"action": "prefix", "prefix": "uni"}),
            ]
        )
        idp_all, default = d.draw(st.booleans()), d.draw(st.booleans())
        domains = d.draw(st.lists(st.sampled_from(["uni.edu", "*.uni.edu"]), unique=True))
        groups_claim = d.draw(st.sampled_from(["isMemberOf", "groups"]))
        entity = "https://idp.uni.edu/idp/shibboleth"
        auth |= {
            "host": host,
            "identityProviders": {
                entity: {
                    "username": {"claim": claim, **action},
                    "allowAll": idp_all,
                    "allowedDomains": domains,
                    "default": default,
                }
            },
            "groupsClaim": groups_claim,
        }
        cilogon = "CILogonOAuthenticator"
        d.expect("hub.authenticator[cilogon].host", cilogon, "cilogon_host", host)
        d.expect(
            "hub.authenticator[cilogon].identityProviders",
            cilogon,
            "idps",
            {
                entity: {
                    "username_derivation": {"username_claim": claim, **expected_derivation},
                    "allow_all": idp_all,
                    "allowed_domains": domains,
                    **({"default": True} if default else {}),
                }
            },
        )
        d.expect_found(
            "hub.authenticator[cilogon].groupsClaim",
            f"{cilogon}.auth_state_groups_key",
            _groups_of(cilogon, {"cilogon_user": {groups_claim: ["g1"]}}),
            ["g1"],
        )
    elif kind == "gitlab":
        url = d.draw(st.sampled_from(["https://gitlab.com", "https://gitlab.uni.edu:8443"]))
        projects = d.draw(st.lists(st.integers(1, 99999), unique=True, max_size=2))
        auth |= {"url": url, "allowedProjectIds": projects}
        gitlab = "GitLabOAuthenticator"
        d.expect("hub.authenticator[gitlab].url", gitlab, "gitlab_url", url)
        d.expect("hub.authenticator[gitlab].allowedProjectIds", gitlab, "allowed_project_ids", set(projects))
        memberships = bool(projects) or _manages(auth)
        d.expect(
            "hub.authenticator[gitlab].allowedProjectIds",
            gitlab,
            "scope",
            ["read_user", "read_api"] if memberships else ["read_user"],
        )
    return auth


def _google(d: Draw, allow_all: bool) -> dict[str, Any]:
    """Google's domains and, drawn, its groups (read through the Admin SDK)."""
    domains = d.draw(st.lists(st.sampled_from(["university.edu", "cs.university.edu"]), unique=True))
    google = "GoogleOAuthenticator"
    d.expect("hub.authenticator[google].allowedDomains", google, "hosted_domain", domains)
    auth: dict[str, Any] = {"allowedDomains": domains}
    access = bool(domains) and d.draw(st.booleans())
    allowed: list[str] = d.draw(st.lists(st.sampled_from(["phys101", "cs101"]), unique=True)) if access else []
    admin: list[str] = d.draw(st.lists(st.sampled_from(["phys-staff", "it"]), unique=True)) if access else []
    manage = access and d.draw(st.booleans())
    if access:
        auth |= {
            "groupsAccess": {"serviceAccountKey": secure("google-key"), "administrator": "it-admin"},
            "allowedGroups": allowed,
            "adminGroups": admin,
            "manageGroups": manage,
        }

    def per_domain(value: Any) -> Any:
        return dict.fromkeys(domains, value) if access else NOT_SET

    d.expect("hub.authenticator[google].allowedGroups", google, "allowed_google_groups", per_domain(set(allowed)))
    d.expect("hub.authenticator[google].adminGroups", google, "admin_google_groups", per_domain(set(admin)))
    d.expect(
        "hub.authenticator[google].manageGroups", "Authenticator", "manage_groups", manage or bool(allowed or admin)
    )
    d.expect(
        "hub.authenticator[google].groupsAccess.administrator", google, "gsuite_administrator", per_domain("it-admin")
    )

    def key_files(config: Config) -> Any:
        keys = effective_trait(config, google, "google_service_account_keys")
        return NOT_SET if keys == NOT_SET else {domain: Path(path).name for domain, path in keys.items()}

    d.expect_found(
        "hub.authenticator[google].groupsAccess.serviceAccountKey",
        f"{google}.google_service_account_keys",
        key_files,
        per_domain("google-service-account-key"),
    )
    d.expect_found(
        "hub.authenticator[google].groupsAccess",
        f"{google}.auth_state_groups_key",
        _groups_of(google, {"google_user": {"google_groups": ["g1"]}}),
        ["g1"] if access else NOT_SET,
    )
    d.expect_found(
        "hub.authenticator.type",
        "JupyterHub.authenticator_class",
        _authenticator_class,
        "GroupsGoogleOAuthenticator" if access else "google",
    )
    # Listing domains admits their users (hosted_domain alone only refuses other Workspaces), unless
    # allowed groups narrow it to their members.
    d.expect(
        "hub.authenticator[google].allowAll",
        "OAuthenticator",
        "allow_all",
        allow_all or (bool(domains) and not allowed),
    )
    return auth


OAUTH_CLASSES = {
    "github": "github",
    "google": "google",
    "generic-oauth": "generic-oauth",
    "azure-ad": "azuread",
    "cilogon": "cilogon",
    "gitlab": "GroupsGitLabOAuthenticator",
}
"""The authenticator class each kind loads: an entry point's name, or the name of the shipped subclass."""


def _authenticator_class(config: Config) -> str:
    chosen = config.JupyterHub.authenticator_class
    return chosen if isinstance(chosen, str) else chosen.__name__


def _groups_of(authenticator: str, auth_state: dict[str, Any]) -> Callable[[Config], Any]:
    """The hub groups the authenticator's auth_state_groups_key finds in this auth state (a key or a function)."""

    def found(config: Config) -> Any:
        key = effective_trait(config, authenticator, "auth_state_groups_key")
        if key == NOT_SET:
            return NOT_SET
        if callable(key):
            return sorted(key(auth_state))
        value: Any = auth_state
        for part in key.split("."):
            value = value.get(part, {}) if isinstance(value, dict) else {}
        return sorted(value) if value else NOT_SET

    return found


def _manages(auth: dict[str, Any]) -> bool:
    return bool(auth.get("manageGroups") or auth.get("allowedGroups") or auth.get("adminGroups"))


def _provider_groups(d: Draw, kind: str) -> dict[str, Any]:
    """A provider's group rules, drawn, with what they must become."""
    names = {
        "github": ["uni-cs:cs101", "uni-cs:staff"],
        "gitlab": ["eng/eng101", "eng/staff"],
        "azure-ad": ["2b3c4d5e-6f70-4812-9a3b-4c5d6e7f8091", "staff"],
    }.get(kind, ["phys101", "phys-staff"])
    allowed = d.draw(st.lists(st.sampled_from(names), unique=True))
    admin = d.draw(st.lists(st.sampled_from(names), unique=True))
    manage = d.draw(st.booleans())
    rules = {"allowedGroups": allowed, "adminGroups": admin, "manageGroups": manage}
    managed = _manages(rules)
    d.expect(f"hub.authenticator[{kind}].manageGroups", "Authenticator", "manage_groups", managed)
    d.expect(f"hub.authenticator[{kind}].adminGroups", "OAuthenticator", "admin_groups", set(admin))
    d.expect(f"hub.authenticator[{kind}].allowedGroups", "OAuthenticator", "allowed_groups", set(allowed))
    return rules


def _ldap(d: Draw) -> dict[str, Any]:
    server = d.draw(st.sampled_from(["ldap.uni.edu", "10.40.0.10"]))
    (tls, strategy) = d.pick([("start-tls", "before_bind"), ("ldaps", "on_connect")])
    port = d.draw(st.one_of(st.none(), st.sampled_from([389, 636, 3269])))
    ca = d.draw(st.sampled_from([None, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"]))
    lookup = d.draw(st.booleans())
    directory = {"math101": "cn=math101,ou=groups,dc=uni,dc=edu", "math-staff": "cn=Staff,ou=groups,dc=uni,dc=edu"}
    group_dns = {name: directory[name] for name in d.draw(st.lists(st.sampled_from(sorted(directory)), unique=True))}
    allowed = d.draw(st.lists(st.sampled_from(sorted(group_dns) or ["-"]), unique=True)) if group_dns else []
    admin = d.draw(st.lists(st.sampled_from(sorted(group_dns) or ["-"]), unique=True)) if group_dns else []
    allow_all = d.draw(st.booleans()) or not (allowed or admin)
    auth: dict[str, Any] = {
        "type": "ldap",
        "server": server,
        "tls": tls,
        "groupDns": group_dns,
        "allowedGroups": allowed,
        "adminGroups": admin,
        "allowAll": allow_all,
        **({"port": port} if port else {}),
        **({"caCertificate": ca} if ca else {}),
    }
    ldap = "LDAPAuthenticator"
    d.expect_found(
        "hub.authenticator.type", "JupyterHub.authenticator_class", _authenticator_class, "CampusLDAPAuthenticator"
    )
    d.expect("hub.authenticator[ldap].server", ldap, "server_address", server)
    d.expect("hub.authenticator[ldap].port", ldap, "server_port", port or (636 if tls == "ldaps" else 389))
    d.expect("hub.authenticator[ldap].tls", ldap, "tls_strategy", strategy)
    verified = {"validate": 2, "valid_names": [server]}  # ssl.CERT_REQUIRED
    d.expect(
        "hub.authenticator[ldap].caCertificate", ldap, "tls_kwargs", verified | ({"ca_certs_data": ca} if ca else {})
    )
    d.expect("hub.authenticator[ldap].groupDns", ldap, "allowed_groups", sorted(set(group_dns.values())))
    d.expect("hub.authenticator[ldap].groupDns", "Authenticator", "manage_groups", bool(group_dns))
    d.expect("hub.authenticator[ldap].allowAll", "Authenticator", "allow_all", allow_all)
    if lookup:
        auth["lookup"] = {
            "searchBase": "ou=people,dc=uni,dc=edu",
            "userAttribute": "sAMAccountName",
            "bindDn": "cn=jupyterhub,ou=services,dc=uni,dc=edu",
            "bindPassword": secure("ldap"),
        }
        d.expect("hub.authenticator[ldap].lookup.searchBase", ldap, "user_search_base", "ou=people,dc=uni,dc=edu")
        d.expect("hub.authenticator[ldap].lookup.userAttribute", ldap, "user_attribute", "sAMAccountName")
        d.expect("hub.authenticator[ldap].lookup.userAttribute", ldap, "lookup_dn_user_dn_attribute", "sAMAccountName")
        d.expect(
            "hub.authenticator[ldap].lookup.bindDn",
            ldap,
            "lookup_dn_search_user",
            "cn=jupyterhub,ou=services,dc=uni,dc=edu",
        )
        d.expect(
            "hub.authenticator[ldap].lookup.bindPassword",
            ldap,
            "lookup_dn_search_password",
            _from_secret("ldap-bind-password"),
        )
    else:
        auth["userDnTemplates"] = ["uid={username},ou=people,dc=uni,dc=edu"]
    d.expect("hub.authenticator[ldap].lookup", ldap, "lookup_dn", True if lookup else NOT_SET)
    d.expect(
        "hub.authenticator[ldap].userDnTemplates",
        ldap,
        "bind_dn_template",
        NOT_SET if lookup else ["uid={username},ou=people,dc=uni,dc=edu"],
    )
    return auth


def _lti13(d: Draw) -> dict[str, Any]:
    platform = d.draw(st.sampled_from(["https://canvas.instructure.com", "https://moodle.uni.edu"]))
    clients = d.draw(st.lists(st.sampled_from(["10000000000042", "abc-tool"]), min_size=1, unique=True))
    claim = d.draw(st.sampled_from(["email", "sub", "custom_login_id"]))
    auth = {
        "type": "lti13",
        "issuer": platform,
        "clientIds": clients,
        "authorizeUrl": f"{platform}/api/lti/authorize_redirect",
        "jwksUrl": f"{platform}/api/lti/security/jwks",
        "usernameClaim": claim,
        "allowAll": True,
    }
    lti = "LTI13Authenticator"
    d.expect_found(
        "hub.authenticator.type", "JupyterHub.authenticator_class", _authenticator_class, "CourseLTI13Authenticator"
    )
    d.expect("hub.authenticator[lti13].issuer", lti, "issuer", platform)
    d.expect("hub.authenticator[lti13].clientIds", lti, "client_id", set(clients))
    d.expect("hub.authenticator[lti13].authorizeUrl", lti, "authorize_url", f"{platform}/api/lti/authorize_redirect")
    d.expect("hub.authenticator[lti13].jwksUrl", lti, "jwks_endpoint", f"{platform}/api/lti/security/jwks")
    d.expect("hub.authenticator[lti13].usernameClaim", lti, "username_key", claim)
    d.expect("hub.authenticator[lti13].allowAll", "Authenticator", "allow_all", True)
    d.expect("hub.authenticator[lti13].allowAll", "Authenticator", "manage_groups", True)
    return auth


LABELLED_SECRET_KEYS = ("dummy-password", "oauth-client-secret", "db-url", "ldap-bind-password")
"""Keys of the hub Secret whose values the hub uses as they are: the test writes each key's own name as
its value, so a trait shows which key it was read from (the generated keys are hex, and stay so)."""


def _from_secret(key: str, present: bool = True) -> str:
    return f"(the hub Secret's {key})" if present else "(not set)"


def _database(d: Draw, kind: str) -> dict[str, Any]:
    if kind == "sqlite-pvc":
        d.expect("hub.database.type", "JupyterHub", "db_url", "sqlite:///jupyterhub.sqlite")
        return {"type": "sqlite-pvc"}
    if kind == "sqlite-memory":
        d.expect("hub.database.type", "JupyterHub", "db_url", "sqlite://")
        return {"type": "sqlite-memory"}
    d.expect("hub.database.type", "JupyterHub", "db_url", _from_secret("db-url"))
    d.expect("hub.database[postgres].url", "JupyterHub", "db_url", _from_secret("db-url"))
    return {"type": "postgres", "url": secure("database")}


def _hub(d: Draw, kind: str, database: str) -> dict[str, Any]:
    base_url = d.draw(st.sampled_from(["/", "/jupyter/", "/phys101/hub-a/"]))
    admins = d.draw(st.lists(NAMES, min_size=1, max_size=3, unique=True))
    allowed = d.draw(st.lists(NAMES, max_size=3, unique=True))
    named = d.draw(st.booleans())
    limit = d.draw(st.one_of(st.none(), st.integers(1, 20)))
    spawn_limit, server_limit = d.draw(st.integers(1, 500)), d.draw(st.integers(0, 2000))
    poll = d.draw(st.integers(5, 120))
    authenticator = _authenticator(d, kind, base_url)
    provider_groups = bool(authenticator["groupDns"]) if kind == "ldap" else kind == "lti13" or _manages(authenticator)
    groups = (
        {}
        if provider_groups
        else d.draw(
            st.dictionaries(st.sampled_from(["tas", "team-1", "staff"]), st.lists(NAMES, unique=True), max_size=2)
        )
    )
    hub: dict[str, Any] = {
        "authenticator": authenticator,
        "groups": groups,
        "database": _database(d, database),
        "adminUsers": admins,
        "allowedUsers": allowed,
        "namedServers": {"enabled": named, **({"limitPerUser": limit} if limit is not None else {})},
        "concurrentSpawnLimit": spawn_limit,
        "activeServerLimit": server_limit,
        "baseUrl": base_url,
        "allowExtraConfig": True,
        "extraConfig": {"poll": f"c.KubeSpawner.poll_interval = {poll}\n"},
    }
    d.expect("hub.baseUrl", "JupyterHub", "base_url", base_url)
    d.expect("hub.adminUsers", "Authenticator", "admin_users", set(admins))
    d.expect("hub.allowedUsers", "Authenticator", "allowed_users", set(allowed))
    d.expect(
        "hub.groups", "JupyterHub", "load_groups", {name: {"users": sorted(users)} for name, users in groups.items()}
    )
    d.expect("hub.namedServers.enabled", "JupyterHub", "allow_named_servers", named)
    d.expect("hub.namedServers.limitPerUser", "JupyterHub", "named_server_limit_per_user", limit or "(not set)")
    d.expect("hub.concurrentSpawnLimit", "JupyterHub", "concurrent_spawn_limit", spawn_limit)
    d.expect("hub.activeServerLimit", "JupyterHub", "active_server_limit", server_limit)
    d.expect("hub.extraConfig", "KubeSpawner", "poll_interval", poll)
    hub["branding"] = _branding(d)
    return hub


def _branding(d: Draw) -> dict[str, Any]:
    logo, logo_name = d.pick(
        [(None, NOT_SET), ("stacks/branding/phys101-logo.svg", "logo.svg"), ("tests/data/logo.png", "logo.png")]
    )
    announcement, announcement_html = d.pick(
        [(None, None), ("Maintenance <Friday>", "Maintenance &lt;Friday&gt;"), ("A\n\nB", "A<br>B")]
    )
    login_text, login_html = d.pick([(None, None), ("Log in with your NetID.", "<p>Log in with your NetID.</p>")])
    templates = d.draw(st.sampled_from([{}, {"home.html": "stacks/branding/phys101-home.html"}]))
    branding = {
        key: value
        for key, value in {"logo": logo, "announcement": announcement, "loginText": login_text}.items()
        if value is not None
    }
    branding["templates"] = templates
    d.expect_found(
        "hub.branding.logo",
        "JupyterHub.logo_file",
        lambda config: Path(config.JupyterHub.logo_file).name if "logo_file" in config.JupyterHub else NOT_SET,
        logo_name,
    )
    variables = {"announcement": announcement_html, "login_text": login_html}
    expected_variables = {name: value for name, value in variables.items() if value is not None}
    d.expect("hub.branding.announcement", "JupyterHub", "template_vars", expected_variables)
    d.expect("hub.branding.loginText", "JupyterHub", "template_vars", expected_variables)
    has_pages = bool(templates) or login_text is not None
    d.expect_found(
        "hub.branding.templates",
        "JupyterHub.template_paths",
        lambda config: (
            sorted(p.name for p in Path(config.JupyterHub.template_paths[0]).glob("*.html"))
            if "template_paths" in config.JupyterHub
            else NOT_SET
        ),
        sorted({*templates, *(["login.html"] if login_text is not None else [])}) if has_pages else NOT_SET,
    )
    return branding


def _toleration(d: Draw) -> dict[str, Any]:
    if d.draw(st.booleans()):
        # Keys on either side of nvidia.com/gpu, so only the GPU key itself counts as the GPU toleration.
        key = d.draw(st.sampled_from(["course.example.edu/exam", "workshop.example.edu/exam"]))
        return {"key": key, "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 60}
    return {"key": "nvidia.com/gpu", "operator": "Equal", "value": d.draw(LABEL_VALUES), "effect": "NoSchedule"}


def _profiles(d: Draw, image: str, cpu: tuple[float, float], memory: tuple[int, int]) -> list[dict[str, Any]]:
    count = d.draw(st.integers(0, 3))
    default = d.draw(st.integers(-1, count - 1)) if count else -1
    profiles, expected = [], []
    for index in range(count):
        name, shown_name = d.pick(DISPLAY_TEXTS)
        description, shown_description = d.pick(DISPLAY_TEXTS)
        profile: dict[str, Any] = {
            "displayName": f"{name} {index}",
            "slug": f"profile-{index}",
            "description": description,
            "default": index == default,
        }
        override: dict[str, Any] = {"image": image, "cpu_guarantee": cpu[0], "cpu_limit": cpu[1]}
        override |= {"mem_guarantee": memory[0], "mem_limit": memory[1]}
        if d.draw(st.booleans()):
            profile["image"] = override["image"] = d.draw(st.sampled_from(IMAGES))
        if d.draw(st.booleans()):
            profile["cpu"], override["cpu_guarantee"], override["cpu_limit"] = _range(d, CPUS)
        if d.draw(st.booleans()):
            profile["memory"], override["mem_guarantee"], override["mem_limit"] = _range(d, MEMORIES)
        if d.draw(st.booleans()):
            profile["nodeSelector"] = override["node_selector"] = {"cloud.google.com/gke-accelerator": "nvidia-l4"}
        if d.draw(st.booleans()):
            profile["defaultUrl"] = override["default_url"] = d.draw(st.sampled_from(["/lab/tree/shared", "/rstudio"]))
        drawn_tolerations = [_toleration(d)] if d.draw(st.booleans()) else []
        profile["tolerations"] = tolerations = drawn_tolerations
        if d.draw(st.booleans()):
            gpus = d.draw(st.sampled_from(["1", "2"]))
            profile["extraResourceLimits"] = {"nvidia.com/gpu": gpus}
            override["extra_resource_limits"] = {"nvidia.com/gpu": gpus}
            if not any(t["key"] == "nvidia.com/gpu" for t in drawn_tolerations):
                tolerations = [*drawn_tolerations, GPU_NODE_TOLERATION]  # a GPU server must run on GPU nodes
        profiles.append(profile)
        shown = {
            "display_name": f"{shown_name} {index}",
            "slug": f"profile-{index}",
            "description": shown_description,
            "default": index == default,
        }
        expected.append((shown, override, tolerations))
    for field in DRAWN_PROFILE_FIELDS:  # each field the draw sets is proven by name (a new one is not)
        d.expect_found(
            f"singleuser.profiles[].{field}",
            "KubeSpawner.profile_list",
            lambda config: _profile_view(config, expected),
            [(shown, override, [USER_NODE_TOLERATION, *tolerations]) for shown, override, tolerations in expected],
        )
    return profiles


DRAWN_PROFILE_FIELDS = (
    "displayName",
    "slug",
    "description",
    "default",
    "image",
    "cpu",
    "memory",
    "nodeSelector",
    "tolerations",
    "extraResourceLimits",
    "defaultUrl",
)
"""The fields of a profile the draw sets (the others are in DECLARED_ELSEWHERE)."""


def _profile_view(config: Config, expected: list[tuple[dict, dict, list]]) -> Any:
    """Each profile of KubeSpawner.profile_list as (what the form shows, the overrides the drawn settings
    make, its tolerations), for comparison with the drawn ones."""
    profiles = config.KubeSpawner.get("profile_list", [])
    view = []
    for profile, (_, override, _) in zip(profiles, expected, strict=False):
        shown = {key: profile[key] for key in ("display_name", "slug", "description", "default")}
        actual = profile["kubespawner_override"]
        view.append(
            (
                shown,
                {key: actual.get(key) for key in override},
                actual.get("tolerations"),
            )
        )
    return view if len(profiles) == len(expected) else profiles


def _singleuser(d: Draw) -> dict[str, Any]:
    image = d.draw(st.sampled_from(IMAGES))
    default_url = d.draw(st.sampled_from(["/lab", "/tree", "/lab/tree/welcome.ipynb", "/rstudio"]))
    cpu, cpu_guarantee, cpu_limit = _range(d, CPUS)
    memory, mem_guarantee, mem_limit = _range(d, MEMORIES)
    timeout, timeout_seconds = d.pick([(t, s) for t, s in DURATIONS if s >= 30])
    uid, fs_gid = d.draw(st.integers(1, 2**31 - 1)), d.draw(st.integers(0, 2**31 - 1))
    selector = d.draw(st.dictionaries(st.sampled_from(["example.edu/course", "example.edu/tier"]), LABEL_VALUES))
    storage_type = d.draw(st.sampled_from(["dynamic", "none"]))
    capacity = d.draw(st.sampled_from(["1Gi", "10Gi", "500Mi", "20G"]))
    storage_class = d.draw(st.sampled_from(["course-homes", "fast-ssd"]))
    mount_path = d.draw(st.sampled_from(["/home/jovyan", "/home/student", "/srv/work/{not-a-template}"]))
    env_name, (env_value, env_trait) = d.draw(st.sampled_from(["COURSE", "DATA_URL"])), d.pick(ENV_VALUES)
    singleuser = {
        "image": image,
        "defaultUrl": default_url,
        "cpu": cpu,
        "memory": memory,
        "startTimeout": timeout,
        "uid": uid,
        "fsGid": fs_gid,
        "nodeSelector": selector,
        "storage": {"type": storage_type, "capacity": capacity, "storageClass": storage_class, "mountPath": mount_path},
        "extraEnv": {env_name: env_value, "API_KEY": secure("api-key")},
        "profiles": _profiles(d, image, (cpu_guarantee, cpu_limit), (mem_guarantee, mem_limit)),
    }
    spawner = "KubeSpawner"
    d.expect("singleuser.image", spawner, "image", image)
    d.expect("singleuser.defaultUrl", spawner, "default_url", default_url)
    d.expect("singleuser.cpu.guarantee", spawner, "cpu_guarantee", cpu_guarantee)
    d.expect("singleuser.cpu.limit", spawner, "cpu_limit", cpu_limit)
    d.expect("singleuser.memory.guarantee", spawner, "mem_guarantee", mem_guarantee)
    d.expect("singleuser.memory.limit", spawner, "mem_limit", mem_limit)
    d.expect("singleuser.startTimeout", spawner, "start_timeout", timeout_seconds)
    d.expect("singleuser.uid", spawner, "uid", uid)
    d.expect("singleuser.fsGid", spawner, "fs_gid", fs_gid)
    d.expect("singleuser.nodeSelector", spawner, "node_selector", selector or "(not set)")
    dynamic = storage_type == "dynamic"
    d.expect("singleuser.storage.type", spawner, "storage_pvc_ensure", dynamic)
    d.expect("singleuser.storage.capacity", spawner, "storage_capacity", capacity if dynamic else "(not set)")
    d.expect("singleuser.storage.storageClass", spawner, "storage_class", storage_class if dynamic else "(not set)")
    d.expect_found(
        "singleuser.storage.mountPath",
        "KubeSpawner.volume_mounts",
        lambda config: [m["mountPath"] for m in config.KubeSpawner.get("volume_mounts", [])],
        [mount_path.replace("{", "{{").replace("}", "}}")] if dynamic else [],
    )
    d.expect_found(
        "singleuser.extraEnv",
        "KubeSpawner.environment (plain)",
        lambda config: config.KubeSpawner.environment.get(env_name),
        env_trait,
    )
    d.expect_found(
        "singleuser.extraEnv",
        "KubeSpawner.environment (encrypted: read from the users' Secret)",
        lambda config: config.KubeSpawner.environment["API_KEY"]["valueFrom"]["secretKeyRef"]["name"],
        USER_ENV_SECRET,
    )
    return singleuser


def _culler(d: Draw) -> dict[str, Any]:
    enabled = d.draw(st.booleans())
    timeout, timeout_seconds = d.pick([(t, s) for t, s in DURATIONS if s >= 60])
    every, every_seconds = d.pick(DURATIONS)
    max_age, max_age_seconds = d.pick([(0, 0), ("3h", 10800), ("1d", 86400), (172800, 172800)])
    cull_users, remove_named, concurrency = d.draw(st.booleans()), d.draw(st.booleans()), d.draw(st.integers(1, 100))
    culler = {
        "enabled": enabled,
        "timeout": timeout,
        "every": every,
        "maxAge": max_age,
        "cullUsers": cull_users,
        "removeNamedServers": remove_named,
        "concurrency": concurrency,
    }
    d.expect_found(
        "culler.enabled", "JupyterHub.services (idle-culler)", lambda config: bool(_culler_command(config)), enabled
    )

    def when_enabled(value: Any, on: bool = True) -> list[Any]:
        return [value] if enabled and on else []  # a disabled culler has no command at all

    d.expect_found("culler.timeout", "idle culler --timeout", _flag("timeout"), when_enabled(str(timeout_seconds)))
    d.expect_found("culler.every", "idle culler --cull-every", _flag("cull-every"), when_enabled(str(every_seconds)))
    d.expect_found(
        "culler.maxAge",
        "idle culler --max-age",
        _flag("max-age"),
        when_enabled(str(max_age_seconds), max_age_seconds > 0),
    )
    d.expect_found("culler.cullUsers", "idle culler --cull-users", _flag("cull-users"), when_enabled(True, cull_users))
    d.expect_found(
        "culler.cullUsers",
        "idle-culler role's scopes",
        lambda config: "admin:users" in _culler_scopes(config),
        enabled and cull_users,
    )
    d.expect_found(
        "culler.removeNamedServers",
        "idle culler --remove-named-servers",
        _flag("remove-named-servers"),
        when_enabled(True, remove_named),
    )
    d.expect_found(
        "culler.concurrency", "idle culler --concurrency", _flag("concurrency"), when_enabled(str(concurrency))
    )
    return culler


@st.composite
def hubs(draw: st.DrawFn, kind: str, database: str) -> tuple[dict[str, Any], list[Reaches]]:
    """A valid hub with every setting drawn, and what each drawn value must become."""
    d = Draw(draw)
    hub: dict[str, Any] = {
        "namespace": NAMESPACE,
        "hub": _hub(d, kind, database),
        "singleuser": _singleuser(d),
        "culler": _culler(d),
    }
    d.expect("namespace", "KubeSpawner", "namespace", NAMESPACE)
    priority = d.draw(st.booleans())
    hub["scheduling"] = {"podPriority": priority}
    d.expect(
        "scheduling.podPriority", "KubeSpawner", "priority_class_name", f"{NAMESPACE}-user" if priority else NOT_SET
    )
    for section, name, value in FIXED_TRAITS:
        d.expect("(every hub)", section, name, value)
    https = kind != "dummy" or d.draw(st.booleans())
    if https:
        hsts = d.draw(st.sampled_from([0, 300, 31536000]))
        hub["host"] = HOST
        hub["proxy"] = {
            "https": {"mode": "manual", "certificate": secure("cert"), "key": secure("key"), "hstsMaxAge": hsts}
        }
        header = {"headers": {"Strict-Transport-Security": f"max-age={hsts}"}} if hsts else "(not set)"
        d.expect("proxy.https.hstsMaxAge", "JupyterHub", "tornado_settings", header)
    else:
        d.expect("proxy.https.hstsMaxAge", "JupyterHub", "tornado_settings", "(not set)")  # never over plain HTTP
    return hub, d.expectations


def _label_secret_files(secret_dir: Path) -> None:
    for key in LABELLED_SECRET_KEYS:
        if (secret_dir / key).exists():
            (secret_dir / key).write_text(_from_secret(key))


COMBINATIONS = [
    ("dummy", "sqlite-pvc"),
    ("github", "sqlite-memory"),
    ("google", "postgres"),
    ("generic-oauth", "sqlite-pvc"),
    ("azure-ad", "postgres"),
    ("cilogon", "sqlite-memory"),
    ("gitlab", "sqlite-pvc"),
    ("ldap", "postgres"),
    ("lti13", "sqlite-memory"),
]


@pytest.mark.parametrize(("kind", "database"), COMBINATIONS, ids=[f"{k}+{d}" for k, d in COMBINATIONS])
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_every_drawn_setting_reaches_its_trait(kind: str, database: str, data: st.DataObject) -> None:
    hub, expectations = data.draw(hubs(kind, database))
    with tempfile.TemporaryDirectory() as directory:
        objects = plan_config(Path(directory), stack_config({"reach": hub})).kubernetes_objects()
        config_dir, secret_dir = lay_out_hub_files(objects, NAMESPACE, Path(directory) / "hub")
        _label_secret_files(secret_dir)
        config = load_hub_config(config_dir, secret_dir)
        assert trait_problems(config) == []
        missed = [
            f"{reach.setting} -> {reach.trait}: expected {reach.expected!r}, found {reach.found(config)!r}"
            for reach in expectations
            if reach.found(config) != reach.expected
        ]
        assert missed == []
        # The encrypted environment variable's key is one the users' Secret holds.
        key = config.KubeSpawner.environment["API_KEY"]["valueFrom"]["secretKeyRef"]["key"]
        assert key in find(objects, "Secret", USER_ENV_SECRET, NAMESPACE)["stringData"]


# --- Every setting is proven somewhere ------------------------------------------------------------

DECLARED_ELSEWHERE = {
    "hub.image": "the hub Deployment's image (tests/test_dev_plan.py, tests/test_pins.py)",
    "hub.resources": "the hub container's resources (tests/test_resources.py)",
    "hub.database[sqlite-pvc].size": "the hub database claim (tests/test_dev_plan.py)",
    "hub.database[sqlite-pvc].storageClass": "the hub database claim (tests/test_variations.py)",
    "hub.network.allowedCidrs": "the hub's NetworkPolicy (tests/test_egress_fences.py)",
    "hub.allowExtraConfig": "a validation gate: extraConfig is refused without it (tests/test_config_errors.py)",
    "singleuser.network.allowPublicInternet": "the user servers' NetworkPolicy (tests/test_variations.py)",
    "singleuser.network.allowedCidrs": "the user servers' NetworkPolicy (tests/test_egress_fences.py)",
    "proxy": "the proxy's objects (tests/test_https.py, tests/test_wiring.py, tests/test_resources.py)",
    "host": "the hub URL and TLS (tests/test_https.py); here the OAuth callback must name it",
    "userPool": "the hub's own node pool (tests/test_gke.py, tests/test_eks.py)",
    "retired": "which objects stay (tests/test_retire.py)",
    "singleuser.profiles[].groups": "who sees and may start a profile (tests/e2e/test_profiles_by_group.py, "
    "tests/e2e/test_class_pods.py)",
    "singleuser.profiles[].users": "who sees and may start a profile (tests/e2e/test_class_pods.py)",
    "singleuser.profiles[].options": "a profile's menus, in rendered pods (tests/e2e/test_class_pods.py, "
    "tests/e2e/test_profiles_by_group.py)",
    "singleuser.imagePullSecret": "the registry login Secret and every pod's imagePullSecrets "
    "(tests/test_image_pull_secret.py)",
    "backups": "the home backup CronJob, its rights and AWS Backup (tests/test_backups.py)",
    "sharedStorage": "the NFS server, the shared volume and its claim (tests/test_class_storage.py)",
    "singleuser.classFolder": "the user pods HomeSpawner renders per user (tests/e2e/test_class_pods.py)",
    "singleuser.groupFolders": "the user pods HomeSpawner renders per user (tests/e2e/test_class_pods.py)",
    "singleuser.content": "the course-content step (tests/e2e/test_class_pods.py, tests/e2e/test_course_content.py)",
    "singleuser.extraVolumes": "the user pods (tests/e2e/test_class_pods.py)",
    "singleuser.extraVolumeMounts": "the user pods (tests/e2e/test_class_pods.py)",
    "singleuser.initContainers": "the user pods (tests/e2e/test_class_pods.py)",
    "singleuser.extraContainers": "the user pods (tests/e2e/test_class_pods.py)",
    "singleuser.lifecycleHooks": "the user pods (tests/e2e/test_class_pods.py)",
    "formerNames": "aliases of the hub's resources (tests/test_retire.py)",
    "scheduling.placeholders": "the placeholder Deployment, sized as KubeSpawner's default server "
    "(tests/test_placeholders.py, tests/cluster/test_placeholders.py)",
    "scheduling.prePullImages": "the image pullers (tests/test_image_puller.py, tests/cluster/test_image_puller.py)",
    **{
        f"scheduling.userScheduler.{key}": "the user scheduler (tests/test_user_scheduler.py, "
        "tests/cluster/test_user_scheduler.py)"
        for key in ("enabled", "image", "replicas")
    },
    **{
        f"scheduling.{key}": "the class calendar's job and its settings (tests/test_class_calendar.py, "
        "tests/cluster/test_class_calendar.py)"
        for key in (
            "timeZone",
            "warmUpMinutes",
            "schedule[].name",
            "schedule[].days",
            "schedule[].date",
            "schedule[].firstDate",
            "schedule[].lastDate",
            "schedule[].start",
            "schedule[].end",
            "schedule[].students",
        )
    },
    "hub.authenticator[generic-oauth].issuer": "endpoints by discovery, at the hub's start "
    "(tests/e2e/test_campus_logins.py)",
    "hub.authenticator[ldap].allowedGroups": "who may log in, with a real directory (tests/e2e/test_ldap_login.py)",
    "hub.authenticator[ldap].adminGroups": "who is admin, with a real directory (tests/e2e/test_ldap_login.py)",
    "hub.authenticator[lti13].allowedCourses": "launches from other courses refused (tests/e2e/test_lti_login.py)",
    "hub.authenticator[lti13].allowedGroups": "course roles allowed in (tests/e2e/test_lti_login.py)",
    "hub.authenticator[lti13].adminGroups": "course roles made admin (tests/e2e/test_lti_login.py)",
}
"""Settings of the hub model that configure no trait of the hub: where each goes, and the test for it."""


def _leaf_settings(model: type[BaseModel], prefix: str = "") -> set[str]:
    """Every settable key path of a model: `hub.authenticator[github].allowedOrganizations`, one path per
    variant of a union; a list of models as `profiles[].field`, a list or dict of values as one setting."""
    paths: set[str] = set()
    for name, field in model.model_fields.items():
        path = f"{prefix}{field.alias or name}"
        annotation = field.annotation
        if typing.get_origin(annotation) is list and typing.get_args(annotation):
            inner = typing.get_args(annotation)[0]
            if isinstance(inner, type) and issubclass(inner, BaseModel):
                annotation, path = inner, f"{path}[]"
        variants = [m for m in type_members(annotation) if isinstance(m, type) and issubclass(m, BaseModel)]
        if not variants:
            paths.add(path)
        for variant in variants:
            tag = variant.model_fields.get("type")
            if tag is None or len(variants) == 1:
                paths |= _leaf_settings(variant, f"{path}.")
                continue
            paths.add(f"{path}.type")  # the union's discriminator: one setting
            label = typing.get_args(tag.annotation)[0]
            paths |= {p for p in _leaf_settings(variant, f"{path}[{label}].") if p != f"{path}[{label}].type"}
    return paths


def _drawn_settings() -> set[str]:
    """The settings test_every_drawn_setting_reaches_its_trait checks: every example of a combination
    checks the same ones (a value that turns a feature off expects it absent), so its simplest shows them."""
    quick = settings(
        database=None, phases=[Phase.generate], suppress_health_check=typing.cast(list[HealthCheck], list(HealthCheck))
    )
    return {
        reach.setting
        for kind, database in COMBINATIONS
        for reach in hypothesis.find(hubs(kind, database), lambda _: True, settings=quick)[1]
    }


def _covers(setting: str, proven: set[str]) -> bool:
    """Whether a model's setting is proven: named itself, by a prefix, or as a member of a union's variant
    ([github]) or of a list's items ([]) that the drawn settings name the same way."""
    candidates = {setting, setting.replace("[]", "")}
    return any(
        candidate == known or candidate.startswith(f"{known}.") or candidate.startswith(f"{known}[")
        for candidate in candidates
        for known in proven
    )


def test_every_setting_of_the_hub_model_is_proven_somewhere() -> None:
    drawn = _drawn_settings()
    unproven = sorted(s for s in _leaf_settings(JupyterHubConfig) if not _covers(s, drawn | DECLARED_ELSEWHERE.keys()))
    assert unproven == []
    # And the tables name only settings the model has.
    model = _leaf_settings(JupyterHubConfig)
    named = (drawn - {"(every hub)"}) | DECLARED_ELSEWHERE.keys()
    stale = sorted(s for s in named if not any(_covers(m, {s}) for m in model))
    assert stale == []
