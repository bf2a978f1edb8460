"""Encrypted values only where a Secret carries them (issue 13 item 5): a `secure:` value at a setting
the program writes in plain text (a ConfigMap, a Service's annotations, an object's spec) is refused at
its line; at a secret setting, or in `extraEnv` (carried in the users' Secret), it is accepted."""

import pytest

from .helpers import DEV_STACK_HEAD as HEAD  # the smallest stack file (lines 1-9)
from .helpers import assert_refused, plan_config, secure, stack_config

# Lines 1-9; cases append from line 10.
ENCRYPTED = "{secure: v1:abcdef}"

REFUSED = [
    ("image", HEAD + f"        image: {ENCRYPTED}\n", 10, "hubs.physics.hub.image"),
    ("list-item", HEAD + f"        adminUsers: [prof, {ENCRYPTED}]\n", 10, "hubs.physics.hub.adminUsers[1]"),
    (
        "annotation",
        HEAD + f"      proxy:\n        service:\n          annotations:\n            a.example.edu/x: {ENCRYPTED}\n",
        13,
        "hubs.physics.proxy.service.annotations.a.example.edu/x",
    ),
    (
        "extra-config",
        HEAD + f"        extraConfig:\n          tweak: {ENCRYPTED}\n",
        11,
        "hubs.physics.hub.extraConfig.tweak",
    ),
    (
        "oauth-client-id",
        HEAD.replace("          type: dummy\n", "")
        + f"          type: github\n          clientId: {ENCRYPTED}\n          clientSecret: {ENCRYPTED}\n"
        "          callbackUrl: https://p.example.edu/hub/oauth_callback\n",
        10,
        "hubs.physics.hub.authenticator.clientId",
    ),
    (
        "in-defaults",
        HEAD.replace(
            "  jupyterhub:hubs:\n",
            f"  jupyterhub:defaults:\n    singleuser:\n      image: {ENCRYPTED}\n  jupyterhub:hubs:\n",
        ),
        7,
        "defaults.singleuser.image",
    ),
    ("top-level", HEAD + f"  jupyterhub:environment2: {ENCRYPTED}\n", 10, None),
]


@pytest.mark.parametrize(("content", "line", "path"), [case[1:] for case in REFUSED], ids=[c[0] for c in REFUSED])
def test_an_encrypted_value_where_no_secret_carries_it_is_refused(tmp_path, content, line, path):
    fragment = "is stored encrypted, but this setting is not a secret" if path else "unknown key"
    assert_refused(tmp_path, content, line, path, fragment)


def test_encrypted_values_where_a_secret_carries_them_are_accepted(tmp_path):
    hub = {
        "hub": {
            "authenticator": {
                "type": "github",
                "clientId": "Iv1.abc",
                "clientSecret": secure("client"),
                "callbackUrl": "https://physics.example.edu/hub/oauth_callback",
                "allowAll": True,
            }
        },
        "singleuser": {"extraEnv": {"API_KEY": secure("api"), "COURSE": "phys101"}},
    }
    defaults = {"singleuser": {"extraEnv": {"SHARED_KEY": secure("shared")}}}
    plan = plan_config(tmp_path, stack_config(hubs={"physics": hub}, defaults=defaults))
    secrets = [
        r for r in plan.resources if r.type == "kubernetes:core/v1:Secret" and r.name == "physics-singleuser-env"
    ]
    assert len(secrets) == 1
    # defaults' extraEnv merges with the hub's (mappings merge): both encrypted values are in the Secret.
    assert secrets[0].inputs["stringData"] == {"API_KEY": "[secret]", "SHARED_KEY": "[secret]"}
