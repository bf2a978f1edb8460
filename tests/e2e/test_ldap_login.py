"""LDAP for real: Debian's OpenLDAP (slapd) with people and groups, the real hub with LDAPAuthenticator over
StartTLS (the directory refuses a password bind without TLS, and the hub verifies the directory's
certificate against the stack's CA), users looked up by a service account whose password is a Pulumi
secret. Directory groups become hub groups: they decide who may log in, who is admin, and who sees the
TA profile (and may start it: the API refuses its slug to a student)."""

from pathlib import Path

import pytest

from ..helpers import dev_hub, plan_config, secure, stack_config
from .acme import write_tls_files
from .cluster_network import cluster_network
from .hub_client import HubClient
from .hub_harness import hub_from_plan, hub_on_fake_cluster
from .ldap_server import GROUPS, PEOPLE, SERVICE_DN, ldap_directory, slapd_available
from .processes import free_port

pytestmark = pytest.mark.skipif(not slapd_available(), reason="Debian's slapd is not installed (.ci/run installs it)")

NAMESPACE = "ldap"
PASSWORDS = {"alice": "alice-pw", "tara": "tara-pw", "prof": "prof-pw", "eve": "eve-pw"}
DIRECTORY_GROUPS = {
    "phys101": ["alice", "tara"],
    "phys101-ta": ["tara"],
    "physics-staff": ["prof"],
    "chem101": ["eve"],  # a group the hub is not told of
}


def _stack(port: int, ca_pem: str | None, tls: str = "start-tls") -> dict:
    return stack_config(
        {
            NAMESPACE: dev_hub(
                hub={
                    "authenticator": {
                        "type": "ldap",
                        "server": "127.0.0.1",
                        "port": port,
                        "tls": tls,
                        **({"caCertificate": ca_pem} if ca_pem else {}),
                        "lookup": {
                            "searchBase": PEOPLE,
                            "userAttribute": "uid",
                            "bindDn": SERVICE_DN,
                            "bindPassword": secure("ldap-service"),
                        },
                        "groupDns": {
                            "students": f"cn=phys101,{GROUPS}",
                            "tas": f"cn=phys101-ta,{GROUPS}",
                            "staff": f"cn=physics-staff,{GROUPS}",
                        },
                        "allowedGroups": ["students", "tas"],
                        "adminGroups": ["staff"],
                    },
                    "adminUsers": [],
                },
                singleuser={
                    "profiles": [
                        {"displayName": "Standard", "default": True},
                        {"displayName": "TA tools", "slug": "ta-tools", "groups": ["tas"]},
                    ]
                },
            )
        },
        cluster={"kind": "existing", "context": "kind-jupyterhub"},
    )


def _directory(hub, directory: Path, port: int, tls_files, network, ldaps_port: int | None = None):
    """The class's directory beside the hub. The service account's password is the one in the hub Secret
    (the hub binds only at a login, so the directory may start after it)."""
    password = hub.secret("ldap-bind-password")
    return ldap_directory(
        directory / "slapd", PASSWORDS, DIRECTORY_GROUPS, password, port, tls_files, network, ldaps_port
    )


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    directory = tmp_path_factory.mktemp("ldap")
    tls_files = write_tls_files(directory / "tls")
    port = free_port()
    objects = plan_config(directory, _stack(port, tls_files[0].read_text()), stack="ldap").kubernetes_objects()
    with (
        cluster_network(objects, NAMESPACE) as network,
        hub_on_fake_cluster(objects, NAMESPACE, directory, network=network) as (running_hub, _),
        _directory(running_hub, directory, port, tls_files, network),
    ):
        yield running_hub


def _log_in(hub, username: str, password: str) -> HubClient:
    client = HubClient(hub.public_url)
    client.login(username, password)
    return client


def _me(client: HubClient) -> dict | None:
    answer = client.api("GET", "user")
    return answer.json() if answer.status_code == 200 else None


def test_a_student_logs_in_with_the_directory_password_and_gets_the_directory_groups(hub):
    me = _me(_log_in(hub, "alice", "alice-pw"))
    assert me is not None and me["name"] == "alice"
    assert me["groups"] == ["students"] and me["admin"] is False


@pytest.mark.parametrize(("username", "password"), [("alice", "wrong"), ("alice", ""), ("nobody", "x")])
def test_a_wrong_password_or_unknown_user_is_refused(hub, username, password):
    assert _me(_log_in(hub, username, password)) is None


def test_a_directory_user_outside_the_allowed_groups_is_refused(hub):
    assert _me(_log_in(hub, "eve", "eve-pw")) is None
    assert "User 'eve' not allowed" in hub.hub_log.read_text()  # she bound: the group rule refused her


def test_a_member_of_the_admin_group_is_admin(hub):
    me = _me(_log_in(hub, "prof", "prof-pw"))
    assert me is not None and me["admin"] is True and me["groups"] == ["staff"]


def test_the_ta_group_sees_the_ta_profile_and_a_student_cannot_start_it(hub):
    student, ta = _log_in(hub, "alice", "alice-pw"), _log_in(hub, "tara", "tara-pw")
    assert _me(ta)["groups"] == ["students", "tas"]
    student_form, ta_form = student.get("hub/spawn").text, ta.get("hub/spawn").text
    assert "TA tools" in ta_form and "Standard" in ta_form
    assert "TA tools" not in student_form and "Standard" in student_form
    answer = student.api("POST", "users/alice/server", json={"profile": "ta-tools"})
    assert answer.status_code >= 400, answer.text
    assert student.api("GET", "users/alice").json()["servers"] == {}


@pytest.fixture(scope="module", params=["ldaps-with-the-ca", "start-tls-without-the-ca"])
def tls_hub(request, tmp_path_factory):
    """A hub over LDAPS with the campus CA, or over StartTLS without it (the directory's certificate is then
    one the hub cannot verify): no fake cluster, logins only."""
    directory = tmp_path_factory.mktemp(request.param)
    tls_files = write_tls_files(directory / "tls")
    port, ldaps_port = free_port(), free_port()
    if request.param == "ldaps-with-the-ca":
        stack = _stack(ldaps_port, tls_files[0].read_text(), tls="ldaps")
    else:
        stack = _stack(port, None)
    objects = plan_config(directory, stack, stack="ldap-tls").kubernetes_objects()
    with (
        cluster_network(objects, NAMESPACE) as network,
        hub_from_plan(objects, NAMESPACE, directory / "hub", network=network) as running_hub,
        _directory(running_hub, directory, port, tls_files, network, ldaps_port),
    ):
        yield request.param, running_hub


def test_ldaps_works_and_an_unverifiable_directory_certificate_refuses_every_login(tls_hub):
    kind, hub = tls_hub
    me = _me(_log_in(hub, "alice", "alice-pw"))
    if kind == "ldaps-with-the-ca":
        assert me is not None and me["groups"] == ["students"]
    else:  # the system's CAs do not know the campus CA: no password leaves the hub
        assert me is None
        log = hub.hub_log.read_text()
        assert "Login of 'alice' failed: the directory answered" in log and "CERTIFICATE_VERIFY_FAILED" in log
