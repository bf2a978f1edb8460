"""The hub and the proxy roll together when a secret they read changes (issue 13 item 4): a rotation
(`secretsGeneration`) gives both a new proxy token at once, so a later single restart can never leave
them holding different tokens. The checksum is keyed (HMAC with a per-hub key in the stack state): it
shows a change in a plan without giving away the values."""

import hashlib

from components.checksum import SECRET_CHECKSUM_ANNOTATION

from .helpers import find, plan_config, secure, stack_config


def _hub(name: str = "a", **https) -> dict:
    hub = {
        "host": f"{name}.example.edu",
        "hub": {"authenticator": {"type": "dummy", "password": secure("password")}, "adminUsers": ["admin"]},
    }
    if https:
        hub["proxy"] = {"https": https}
    return hub


def _checksums(tmp_path, hubs: dict, **top) -> dict[tuple[str, str], str]:
    """The secret checksum of each hub's and proxy's pod template, by (namespace, Deployment)."""
    tmp_path.mkdir(exist_ok=True)
    objects = plan_config(tmp_path, stack_config(hubs=hubs, **top)).kubernetes_objects()
    return {
        (namespace, deployment): find(objects, "Deployment", deployment, namespace)["spec"]["template"]["metadata"][
            "annotations"
        ][SECRET_CHECKSUM_ANNOTATION]
        for namespace in hubs
        for deployment in ("hub", "proxy")
    }


MANUAL = {"mode": "manual", "certificate": secure("certificate"), "key": secure("key")}


def test_a_rotation_rolls_the_hub_and_the_proxy_together(tmp_path):
    before = _checksums(tmp_path / "1", {"a": _hub()})
    after = _checksums(tmp_path / "2", {"a": _hub()}, secretsGeneration=2)
    assert before[("a", "hub")] != after[("a", "hub")]
    assert before[("a", "proxy")] != after[("a", "proxy")]


def test_a_new_user_secret_rolls_only_what_reads_it(tmp_path):
    before = _checksums(tmp_path / "1", {"a": _hub(**MANUAL)})
    changed_password = _hub(**MANUAL)
    changed_password["hub"]["authenticator"]["password"] = secure("new-password")
    after_password = _checksums(tmp_path / "2", {"a": changed_password})
    assert before[("a", "hub")] != after_password[("a", "hub")]
    assert before[("a", "proxy")] == after_password[("a", "proxy")]  # the proxy does not read it

    after_certificate = _checksums(tmp_path / "3", {"a": _hub(**{**MANUAL, "certificate": secure("renewed")})})
    assert before[("a", "proxy")] != after_certificate[("a", "proxy")]  # the proxy serves it
    assert before[("a", "hub")] == after_certificate[("a", "hub")]


def test_the_checksum_is_keyed_and_shows_no_value(tmp_path):
    checksums = _checksums(tmp_path, {"a": _hub("a"), "b": _hub("b")})
    # The same settings in two hubs: different keys, different checksums (nothing to compare across).
    assert checksums[("a", "proxy")] != checksums[("b", "proxy")]
    plan = plan_config(tmp_path, stack_config(hubs={"a": _hub("a"), "b": _hub("b")}), stack="again")
    text = str(plan.as_json())
    assert checksums[("a", "hub")] in text
    # Not a bare hash of a value the program used.
    for resource in plan.resources:
        for value in resource.inputs.values():
            if isinstance(value, str):
                assert hashlib.sha256(value.encode()).hexdigest() not in checksums.values()
