"""The campus login providers offline: each refuses a wrong setting at its line, keeps its secrets in the
hub Secret, and opens the hub's egress only as far as the provider needs."""

import json

import pytest

from .helpers import assert_refused, find, plan_config, secure, stack_config
from .netpol import External, allowed, policies_of, workload_pod
from .variations import VARIATIONS


def _head(kind: str) -> str:
    return (
        "config:\n"
        "  jupyterhub:environment: development\n"
        "  jupyterhub:cluster:\n"
        "    kind: existing\n"
        "  jupyterhub:hubs:\n"
        "    physics:\n"
        "      hub:\n"
        "        authenticator:\n"
        f"          type: {kind}\n"
    )


# Lines 1-9; each case adds the provider's settings from line 10 on (under `authenticator:`).
OAUTH = (
    "          clientId: hub\n          clientSecret: {secure: v1:abc}\n"
    "          callbackUrl: https://hub.example.edu/hub/oauth_callback\n"
)  # lines 10-12
LDAP = "          server: ldap.uni.edu\n"  # line 10
LTI = (
    "          issuer: https://canvas.instructure.com\n"
    "          authorizeUrl: https://sso.canvaslms.com/api/lti/authorize_redirect\n"
    "          jwksUrl: https://sso.canvaslms.com/api/lti/security/jwks\n"
)  # lines 10-12

CASES = [
    # id, file content, line, key path, message fragment
    (
        "ldap-finds-users-no-way",
        _head("ldap") + LDAP + "          allowAll: true\n",
        8,
        "hubs.physics.hub.authenticator",
        "set exactly one of userDnTemplates and lookup",
    ),
    (
        "ldap-template-without-username",
        _head("ldap") + LDAP + "          userDnTemplates: ['uid=alice,ou=people,dc=uni,dc=edu']\n",
        11,
        "hubs.physics.hub.authenticator.userDnTemplates",
        "must contain {username}",
    ),
    (
        "ldap-allowed-group-not-declared",
        _head("ldap")
        + LDAP
        + "          userDnTemplates: ['uid={username},dc=uni']\n"
        + "          groupDns: {tas: 'cn=ta,dc=uni'}\n"
        + "          allowedGroups: [tas, students]\n",
        13,
        "hubs.physics.hub.authenticator.allowedGroups[1]",
        "'students' is not a key of groupDns",
    ),
    (
        "ldap-one-group-two-names",
        _head("ldap")
        + LDAP
        + "          userDnTemplates: ['uid={username},dc=uni']\n"
        + "          groupDns:\n            tas: 'cn=ta,dc=uni'\n            helpers: 'CN=TA,dc=uni'\n",
        14,
        "hubs.physics.hub.authenticator.groupDns.helpers",
        "is already the group 'tas'",
    ),
    (
        "ldap-not-a-certificate",
        _head("ldap") + LDAP + "          userDnTemplates: ['uid={username},dc=uni']\n          caCertificate: abc\n",
        12,
        "hubs.physics.hub.authenticator.caCertificate",
        "expected a PEM certificate",
    ),
    (
        "ldap-lookup-password-in-clear",
        _head("ldap")
        + LDAP
        + "          lookup:\n            searchBase: 'ou=people,dc=uni'\n            bindDn: 'cn=hub,dc=uni'\n"
        + "            bindPassword: hunter2\n",
        14,
        "hubs.physics.hub.authenticator.lookup.bindPassword",
        "secret",
    ),
    (
        "ldap-port-out-of-range",
        _head("ldap") + LDAP + "          userDnTemplates: ['uid={username},dc=uni']\n          port: 70000\n",
        12,
        "hubs.physics.hub.authenticator.port",
        "65535",
    ),
    (
        "cilogon-no-identity-provider",
        _head("cilogon") + OAUTH + "          identityProviders: {}\n",
        13,
        "hubs.physics.hub.authenticator.identityProviders",
        "at least 1",
    ),
    (
        "cilogon-not-an-entity-id",
        _head("cilogon") + OAUTH + "          identityProviders:\n            uni.edu: {allowAll: true}\n",
        14,
        "hubs.physics.hub.authenticator.identityProviders",
        "'uni.edu' is not a CILogon entity ID",
    ),
    (
        "cilogon-strip-and-prefix",
        _head("cilogon")
        + OAUTH
        + "          identityProviders:\n            'https://idp.uni.edu/idp/shibboleth':\n"
        + "              username: {stripDomain: uni.edu, prefix: uni}\n",
        15,
        "hubs.physics.hub.authenticator.identityProviders.https://idp.uni.edu/idp/shibboleth.username",
        "choose stripDomain or prefix, not both",
    ),
    (
        "azure-tenant-with-spaces",
        _head("azure-ad") + OAUTH + "          tenantId: my tenant\n          allowAll: true\n",
        13,
        "hubs.physics.hub.authenticator.tenantId",
        "'my tenant' is not a tenant ID",
    ),
    (
        "gitlab-project-not-a-number",
        _head("gitlab") + OAUTH + "          allowedProjectIds: [eng101]\n",
        13,
        "hubs.physics.hub.authenticator.allowedProjectIds[0]",
        "integer",
    ),
    (
        "lti-no-client-id",
        _head("lti13") + LTI + "          clientIds: []\n          allowAll: true\n",
        13,
        "hubs.physics.hub.authenticator.clientIds",
        "at least 1",
    ),
    (
        "lti-role-is-a-uri",
        _head("lti13")
        + LTI
        + "          clientIds: ['1']\n"
        + "          adminGroups: ['http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor']\n",
        14,
        "hubs.physics.hub.authenticator.adminGroups[0]",
        "is not a course role's short name",
    ),
    (
        "hub-groups-with-lti-roles",
        _head("lti13") + LTI + "          clientIds: ['1']\n          allowAll: true\n        groups: {tas: [ana]}\n",
        15,
        "hubs.physics.hub.groups",
        "the login provider (lti13) manages groups here",
    ),
    (
        "oidc-issuer-and-endpoints",
        _head("generic-oauth")
        + OAUTH
        + "          issuer: https://sso.uni.edu/realms/campus\n"
        + "          tokenUrl: https://sso.uni.edu/token\n          allowAll: true\n",
        14,
        "hubs.physics.hub.authenticator.tokenUrl",
        "the issuer's discovery document names the endpoints",
    ),
    (
        "oidc-no-endpoints",
        _head("generic-oauth")
        + OAUTH
        + "          userdataUrl: https://sso.uni.edu/userinfo\n          allowAll: true\n",
        8,
        "hubs.physics.hub.authenticator",
        "set issuer (OpenID Connect discovery), or authorizeUrl, tokenUrl",
    ),
    (
        "google-groups-without-access",
        _head("google") + OAUTH + "          allowedDomains: [uni.edu]\n          adminGroups: [staff]\n",
        8,  # a key that is missing is reported where it belongs
        "hubs.physics.hub.authenticator.groupsAccess",
        "only through the Admin SDK",
    ),
    (
        "google-groups-without-domains",
        _head("google")
        + OAUTH
        + "          allowAll: true\n"
        + "          groupsAccess: {serviceAccountKey: {secure: v1:k}, administrator: it-admin}\n",
        8,
        "hubs.physics.hub.authenticator.allowedDomains",
        "read per Workspace domain",
    ),
    (
        "google-administrator-with-domain",
        _head("google")
        + OAUTH
        + "          allowedDomains: [uni.edu]\n"
        + "          groupsAccess: {serviceAccountKey: {secure: v1:k}, administrator: admin@uni.edu}\n",
        14,
        "hubs.physics.hub.authenticator.groupsAccess.administrator",
        "without @domain",
    ),
    (
        "github-nobody-can-log-in",
        _head("github") + OAUTH + "          manageGroups: true\n",
        7,
        "hubs.physics.hub",
        "nobody could log in",
    ),
]


@pytest.mark.parametrize(("content", "line", "path", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_wrong_login_setting_is_refused_at_its_line(tmp_path, content, line, path, fragment):
    assert_refused(tmp_path, content, line, path, fragment)


def test_ldap_without_tls_is_refused_outside_development(tmp_path):
    content = _head("ldap").replace("development", "production") + (
        LDAP + "          tls: none\n          userDnTemplates: ['uid={username},dc=uni']\n          allowAll: true\n"
        "        adminUsers: [prof]\n"
    )
    assert_refused(tmp_path, content, 11, "hubs.physics.hub.authenticator.tls", "passwords in clear")


def _hub_objects(tmp_path, variation: str) -> tuple[list[dict], str]:
    config = VARIATIONS[variation]
    (hub_name,) = config["config"]["jupyterhub:hubs"]
    tmp_path.mkdir(parents=True, exist_ok=True)
    return plan_config(tmp_path, config, stack=variation).kubernetes_objects(), hub_name


def _hub_secret_keys(objects: list[dict], namespace: str) -> set[str]:
    return set(find(objects, "Secret", "hub", namespace)["stringData"])


def test_each_provider_keeps_only_its_own_secrets_in_the_hub_secret(tmp_path):
    generated = {"proxy-token", "cookie-secret", "crypt-key", "culler-api-token"}
    lookup, lookup_ns = _hub_objects(tmp_path / "lookup", "ldap-lookup")
    assert _hub_secret_keys(lookup, lookup_ns) == generated | {"ldap-bind-password"}
    templates, templates_ns = _hub_objects(tmp_path / "templates", "ldap-templates")
    assert _hub_secret_keys(templates, templates_ns) == generated  # users bind as themselves
    google, google_ns = _hub_objects(tmp_path / "google", "google-groups")
    assert _hub_secret_keys(google, google_ns) == generated | {"oauth-client-secret", "google-service-account-key"}
    lti, lti_ns = _hub_objects(tmp_path / "lti", "lti13")
    assert _hub_secret_keys(lti, lti_ns) == generated  # the platform signs its launches
    for variation in ("azure-ad", "cilogon", "gitlab", "github-teams", "google-postgres"):
        objects, namespace = _hub_objects(tmp_path / variation, variation)
        expected = generated | {"oauth-client-secret"} | ({"db-url"} if variation == "google-postgres" else set())
        assert _hub_secret_keys(objects, namespace) == expected, variation


def _hub_reaches(objects: list[dict], namespace: str, address: str, port: int) -> bool:
    hub = workload_pod(objects, "hub", namespace, "10.244.1.10")
    return allowed(policies_of(objects), hub, External(address), port)


def test_the_hub_reaches_an_ldap_server_at_its_address_and_port_only(tmp_path):
    objects, namespace = _hub_objects(tmp_path, "ldap-lookup")  # 10.40.0.10, ldaps
    assert _hub_reaches(objects, namespace, "10.40.0.10", 636)
    assert not _hub_reaches(objects, namespace, "10.40.0.11", 636)  # a neighbour on campus
    assert not _hub_reaches(objects, namespace, "10.40.0.10", 22)
    assert not _hub_reaches(objects, namespace, "10.40.0.10", 389)


def test_a_directory_named_by_host_is_reached_on_its_port_only(tmp_path):
    objects, namespace = _hub_objects(tmp_path, "ldap-templates")  # ldap.uni.edu, StartTLS on 389
    assert _hub_reaches(objects, namespace, "10.40.0.10", 389)  # a name resolves only at login
    assert _hub_reaches(objects, namespace, "129.10.0.1", 389)
    assert not _hub_reaches(objects, namespace, "10.40.0.10", 636)
    assert not _hub_reaches(objects, namespace, "10.40.0.10", 22)


def test_a_gitlab_server_on_another_port_is_reached_on_that_port(tmp_path):
    objects, namespace = _hub_objects(tmp_path, "gitlab")  # https://gitlab.uni.edu:8443
    assert _hub_reaches(objects, namespace, "129.10.0.1", 8443)
    assert not _hub_reaches(objects, namespace, "129.10.0.1", 8080)


def _hub_egress_ports(objects: list[dict], namespace: str) -> set[int]:
    policy = find(objects, "NetworkPolicy", "hub", namespace)
    return {port["port"] for rule in policy["spec"]["egress"] for port in rule.get("ports", [])}


def test_providers_on_public_https_open_nothing_more(tmp_path):
    baseline, baseline_ns = _hub_objects(tmp_path / "google", "google-postgres")  # Google: public HTTPS
    for variation in ("azure-ad", "cilogon", "lti13", "github-teams"):
        objects, namespace = _hub_objects(tmp_path / variation, variation)
        assert _hub_reaches(objects, namespace, "129.10.0.1", 443), variation
        assert not _hub_reaches(objects, namespace, "129.10.0.1", 389), variation
        assert _hub_egress_ports(objects, namespace) <= _hub_egress_ports(baseline, baseline_ns), variation


def test_admin_groups_count_as_admins_for_the_policy_pack(tmp_path):
    from policy.rules import RULES

    rule = next(rule for rule in RULES if rule.name == "hub-has-an-admin")
    config = stack_config(
        {
            "canvas": {
                "host": "hub.example.edu",
                "hub": {
                    "authenticator": {
                        "type": "lti13",
                        "issuer": "https://canvas.instructure.com",
                        "clientIds": ["1"],
                        "authorizeUrl": "https://sso.canvaslms.com/api/lti/authorize_redirect",
                        "jwksUrl": "https://sso.canvaslms.com/api/lti/security/jwks",
                        "adminGroups": ["Instructor"],
                        "allowAll": True,
                    }
                },
                "proxy": {"https": {"mode": "manual", "certificate": secure("c"), "key": secure("k")}},
            }
        },
        environment="production",
    )
    objects = plan_config(tmp_path, config, stack="lti-admins").kubernetes_objects()
    config_map = find(objects, "ConfigMap", "hub", "canvas")
    assert rule.check("kubernetes:core/v1:ConfigMap", config_map) == []
    # And without the admin group, nobody would be admin: the rule says so.
    settings = json.loads(config_map["data"]["settings.json"])
    settings["authenticator"]["adminGroups"] = []
    without = {**config_map, "data": {**config_map["data"], "settings.json": json.dumps(settings)}}
    assert rule.check("kubernetes:core/v1:ConfigMap", without) != []
