"""Google groups with the real hub and GoogleOAuthenticator: the hub runs in a network of its own whose
hosts file sends Google's API hosts (www.googleapis.com, oauth2.googleapis.com, which OAuthenticator and
google-auth call by name) to a stand-in on 127.0.0.1:443 with a certificate of the test's CA. The service
account's key is the one the stack stores in the hub Secret; the stand-in checks its signed assertion
(the administrator it acts as, the read-only groups scope) before it lists a user's groups. Members of
the allowed group get in, of the admin group are admins, everyone else of the domain is refused."""

import json
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ..helpers import plan_config, secure, stack_config
from .acme import write_tls_files
from .cluster_network import cluster_network
from .hub_client import HubClient
from .hub_harness import hub_from_plan
from .identity_provider import GOOGLE_TOKEN_URI, new_signing_key
from .processes import LOOPBACK, running, wait_until

NAMESPACE = "phys101"
HOST = "phys101.hub.uni.edu"
GOOGLE_HOSTS = ("www.googleapis.com", "oauth2.googleapis.com")
SERVICE_ACCOUNT = "hub-groups@phys101.iam.gserviceaccount.com"
ROOT = Path(__file__).parents[2]
ACCOUNTS = {
    "alice": {"claims": {"email": "alice@uni.edu", "verified_email": True, "hd": "uni.edu"}},
    "prof": {"claims": {"email": "prof@uni.edu", "verified_email": True, "hd": "uni.edu"}},
    "bob": {"claims": {"email": "bob@uni.edu", "verified_email": True, "hd": "uni.edu"}},
    "eve": {"claims": {"email": "eve@other.edu", "verified_email": True, "hd": "other.edu"}},
}
GROUPS = {
    "alice@uni.edu": ["phys101@uni.edu", "chess-club@uni.edu"],
    "prof@uni.edu": ["phys101-staff@uni.edu"],
    "bob@uni.edu": ["chem101@uni.edu"],
    "eve@other.edu": ["phys101@other.edu"],
}
STACK = stack_config(
    {
        NAMESPACE: {
            "host": HOST,
            "hub": {
                "authenticator": {
                    "type": "google",
                    "clientId": "phys101.apps.googleusercontent.com",
                    "clientSecret": secure("google"),
                    "callbackUrl": f"https://{HOST}/hub/oauth_callback",
                    "allowedDomains": ["uni.edu"],
                    "groupsAccess": {"serviceAccountKey": secure("google-key"), "administrator": "it-admin"},
                    "allowedGroups": ["phys101"],
                    "adminGroups": ["phys101-staff"],
                },
            },
        }
    }
)


def _service_account_key(directory: Path) -> tuple[str, str]:
    """A service account's JSON key (as Google issues it) and its public key (PEM), for the stand-in."""
    key = new_signing_key(directory / "service-account.pem")
    document = {
        "type": "service_account",
        "project_id": "phys101",
        "private_key_id": "k1",
        "private_key": (directory / "service-account.pem").read_text(),
        "client_email": SERVICE_ACCOUNT,
        "client_id": "1234567890",
        "token_uri": GOOGLE_TOKEN_URI,
    }
    public = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return json.dumps(document), public.decode()


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    directory = tmp_path_factory.mktemp("google-groups")
    objects = plan_config(directory, STACK, stack="google-groups").kubernetes_objects()
    ca, _, _ = write_tls_files(directory / "tls", names=GOOGLE_HOSTS)
    new_signing_key(directory / "id-token.pem")
    key_document, public_key = _service_account_key(directory)
    (directory / "accounts.json").write_text(json.dumps(ACCOUNTS))
    directory_file = directory / "google-directory.json"
    google = {"serviceAccounts": {SERVICE_ACCOUNT: {"publicKey": public_key, "administrators": ["it-admin@uni.edu"]}}}
    directory_file.write_text(json.dumps({**google, "groups": GROUPS}))
    provider = [sys.executable, "-m", "tests.e2e.identity_provider", "--port", "443"]
    provider += ["--accounts", str(directory / "accounts.json"), "--signing-key", str(directory / "id-token.pem")]
    provider += ["--tls-dir", str(directory / "tls"), "--issuer", "https://accounts.google.com"]
    provider += ["--google-directory", str(directory_file)]
    trust = {"SSL_CERT_FILE": str(ca), "REQUESTS_CA_BUNDLE": str(ca)}  # the hub trusts the stand-in's CA
    with cluster_network(objects, NAMESPACE, extra_hosts=dict.fromkeys(GOOGLE_HOSTS, LOOPBACK)) as network:
        log = directory / "provider.log"
        probe = [sys.executable, "-c", "import socket; socket.create_connection(('127.0.0.1', 443), timeout=1)"]
        with running(network.command(provider), log, cwd=ROOT):
            wait_until(lambda: running_probe(network.command(probe)), 30, "the stand-in Google", log)
            with hub_from_plan(objects, NAMESPACE, directory / "hub", network=network, hub_environment=trust) as hub:
                # The Secret's key, as `pulumi config set --secret` stored it (the plan only redacts it).
                (hub.secret_dir / "google-service-account-key").write_text(key_document)
                yield hub


def running_probe(command: list[str]) -> bool:
    import subprocess

    return subprocess.run(command, capture_output=True, check=False).returncode == 0


def _log_in(public_url: str, code: str) -> tuple[HubClient, int]:
    client = HubClient(public_url)
    return client, client.oauth_login(code)


def test_a_member_of_the_allowed_google_group_logs_in_with_her_groups(hub):
    client, status = _log_in(hub.public_url, "alice")
    assert status == 302, hub.hub_log.read_text()[-3000:]
    me = client.api("GET", "user").json()
    assert (me["name"], me["admin"], sorted(me["groups"])) == ("alice", False, ["chess-club", "phys101"])


def test_a_member_of_the_admin_google_group_is_admin(hub):
    client, status = _log_in(hub.public_url, "prof")
    assert status == 302, hub.hub_log.read_text()[-3000:]
    me = client.api("GET", "user").json()
    assert (me["name"], me["admin"], me["groups"]) == ("prof", True, ["phys101-staff"])


@pytest.mark.parametrize("code", ["bob", "eve"])
def test_others_are_refused_even_from_the_domain(hub, code):
    client, status = _log_in(hub.public_url, code)
    assert status == 403
    assert client.api("GET", "user").status_code == 403


def test_the_stand_in_refuses_a_service_account_key_it_does_not_know(tmp_path):
    """The check that makes the groups answers above mean something: a token request signed with another
    key is refused (the stand-in verifies the assertion's signature)."""
    import jwt

    from .identity_provider import ProviderHandler

    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    known = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    pem = known.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    answers: list[tuple[int, dict]] = []
    handler = object.__new__(ProviderHandler)
    handler.google = {"serviceAccounts": {SERVICE_ACCOUNT: {"publicKey": pem, "administrators": ["it-admin@uni.edu"]}}}
    handler._answer = lambda status, body, headers=None: answers.append((status, body))  # type: ignore[method-assign]
    claims = {"iss": SERVICE_ACCOUNT, "sub": "it-admin@uni.edu", "aud": GOOGLE_TOKEN_URI, "scope": "x"}
    handler._service_account_token(jwt.encode(claims, other, algorithm="RS256"))
    assert answers[0][0] == 400 and answers[0][1]["error"] == "invalid_grant"
