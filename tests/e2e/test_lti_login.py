"""LTI 1.3 launches with the real hub and LTIAuthenticator: the test plays the learning platform (the OIDC
third-party login, then the id_token it signs with the key its JWKS publishes, posted back with the hub's
state and nonce). Course roles become hub groups and decide who gets in and who is admin; launches from
another course, with a forged signature or a replayed token are refused."""

import time
import uuid
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from .hub_client import HubClient
from .identity_provider import load_signing_key, sign
from .provider_hub import HOST, provider_hub

CLIENT_ID = "10000000000042"
COURSE, OTHER_COURSE = "phys101-fall", "chem101-fall"
MEMBERSHIP = "http://purl.imsglobal.org/vocab/lis/v2/membership"
LEARNER, INSTRUCTOR = f"{MEMBERSHIP}#Learner", f"{MEMBERSHIP}#Instructor"
TEACHING_ASSISTANT = f"{MEMBERSHIP}/Instructor#TeachingAssistant"
INSTITUTION_INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Instructor"
LTI = "https://purl.imsglobal.org/spec/lti/claim"
AUTHENTICATOR = {
    "type": "lti13",
    "issuer": "PROVIDER",
    "clientIds": [CLIENT_ID],
    "authorizeUrl": "PROVIDER/authorize",
    "jwksUrl": "PROVIDER/jwks",
    "allowedCourses": [COURSE],
    "allowedGroups": ["Learner", "TeachingAssistant"],
    "adminGroups": ["Instructor"],
}


@pytest.fixture(scope="module")
def lti_hub(tmp_path_factory):
    with provider_hub(tmp_path_factory.mktemp("lti"), "lti", AUTHENTICATOR, {}) as hub:
        yield hub


def _start_launch(client: HubClient, issuer: str, login_hint: str) -> tuple[str, str]:
    """The platform's login initiation: the hub answers with its authorization request (state, nonce)."""
    started = client.get(
        "hub/lti13/oauth_login",
        params={
            "iss": issuer,
            "login_hint": login_hint,
            "target_link_uri": f"https://{HOST}/hub",
            "client_id": CLIENT_ID,
        },
        allow_redirects=False,
    )
    assert started.status_code == 302, started.text
    request = parse_qs(urlsplit(started.headers["Location"]).query)
    assert request["client_id"] == [CLIENT_ID] and request["response_mode"] == ["form_post"]
    return request["state"][0], request["nonce"][0]


def _id_token(key: rsa.RSAPrivateKey, issuer: str, nonce: str, email: str, roles: list[str], course: str) -> str:
    now = int(time.time())
    return sign(
        key,
        {
            "iss": issuer,
            "aud": CLIENT_ID,
            "sub": uuid.uuid4().hex,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            "email": email,
            f"{LTI}/version": "1.3.0",
            f"{LTI}/message_type": "LtiResourceLinkRequest",
            f"{LTI}/deployment_id": "1:deployment",
            f"{LTI}/target_link_uri": f"https://{HOST}/hub",
            f"{LTI}/resource_link": {"id": "jupyter-link"},
            f"{LTI}/roles": roles,
            f"{LTI}/context": {"id": course, "label": course.upper(), "title": course},
        },
    )


def _launch(
    hub: Any, provider: Any, email: str, roles: list[str], course: str = COURSE, key: Any = None
) -> tuple[HubClient, int]:
    client = HubClient(hub.public_url)
    state, nonce = _start_launch(client, provider.url, email)
    token = _id_token(key or load_signing_key(provider.key_file), provider.url, nonce, email, roles, course)
    answer = client.session.post(
        client.url("hub/lti13/oauth_callback"), data={"id_token": token, "state": state}, allow_redirects=False
    )
    return client, answer.status_code


def _me(client: HubClient) -> dict | None:
    answer = client.api("GET", "user")
    return answer.json() if answer.status_code == 200 else None


@pytest.mark.parametrize(
    ("email", "roles", "admin", "groups"),
    [
        ("sam@uni.edu", [LEARNER], False, ["Learner"]),
        ("tia@uni.edu", [TEACHING_ASSISTANT], False, ["TeachingAssistant"]),
        ("prof@uni.edu", [INSTRUCTOR], True, ["Instructor"]),
        # An instructor elsewhere at the institution is a student in this course: only course roles count.
        ("ada@uni.edu", [INSTITUTION_INSTRUCTOR, LEARNER], False, ["Learner"]),
    ],
)
def test_a_launch_from_the_course_logs_in_with_course_roles_as_groups(lti_hub, email, roles, admin, groups):
    hub, provider = lti_hub
    client, status = _launch(hub, provider, email, roles)
    assert status == 302, hub.hub_log.read_text()[-2000:]
    me = _me(client)
    assert me is not None and (me["name"], me["admin"], me["groups"]) == (email, admin, groups)


def test_a_role_that_is_not_allowed_is_refused(lti_hub):
    hub, provider = lti_hub
    client, status = _launch(hub, provider, "obs@uni.edu", [f"{MEMBERSHIP}#Mentor"])
    assert status == 403 and _me(client) is None


def test_a_launch_from_another_course_is_refused(lti_hub):
    hub, provider = lti_hub
    client, status = _launch(hub, provider, "sam@uni.edu", [LEARNER], course=OTHER_COURSE)
    assert status == 403 and _me(client) is None
    assert "launched from course 'chem101-fall'" in hub.hub_log.read_text()


def test_a_token_signed_by_another_key_is_refused(lti_hub):
    hub, provider = lti_hub
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    client, status = _launch(hub, provider, "sam@uni.edu", [LEARNER], key=forger)
    assert status == 400 and _me(client) is None


def test_a_replayed_token_is_refused(lti_hub):
    hub, provider = lti_hub
    first = HubClient(hub.public_url)
    state, nonce = _start_launch(first, provider.url, "sam@uni.edu")
    token = _id_token(load_signing_key(provider.key_file), provider.url, nonce, "sam@uni.edu", [LEARNER], COURSE)
    # Another browser starts its own launch and is handed the captured token: its nonce differs.
    thief = HubClient(hub.public_url)
    thief_state, _ = _start_launch(thief, provider.url, "mallory@uni.edu")
    answer = thief.session.post(
        thief.url("hub/lti13/oauth_callback"), data={"id_token": token, "state": thief_state}, allow_redirects=False
    )
    assert answer.status_code == 400 and _me(thief) is None
    assert state != thief_state
