"""The config loader as `pulumi up` runs it: decrypted values from the engine, positions from the file."""

import json
from pathlib import Path

import pytest

from components.config import ConfigError, load_stack_config, read_stack_file
from components.config.types import quantity_value

STACK = """\
config:
  jupyterhub:cluster:
    kind: existing
  jupyterhub:hubs:
    physics:
      hub:
        adminUsers: [prof]
        authenticator: {type: dummy}
        database:
          type: postgres
          url:
            secure: v1:AAAA
"""


def _engine_values(url: str) -> dict[str, str]:
    """What the engine hands the program: decrypted values, objects as JSON."""
    hubs = {
        "physics": {
            "hub": {
                "adminUsers": ["prof"],
                "authenticator": {"type": "dummy"},
                "database": {"type": "postgres", "url": url},
            }
        }
    }
    return {
        "jupyterhub:environment": "development",
        "jupyterhub:cluster": json.dumps({"kind": "existing"}),
        "jupyterhub:hubs": json.dumps(hubs),
    }


def test_a_decrypted_bad_database_url_is_refused_at_its_line(tmp_path):
    path = tmp_path / "Pulumi.physics.yaml"
    path.write_text(STACK)
    with pytest.raises(ConfigError) as raised:
        load_stack_config("jupyterhub", _engine_values("mysql://x@db/hub"), {"jupyterhub:hubs"}, read_stack_file(path))
    assert raised.value.problems == [
        f"{path}:11: hubs.physics.hub.database.url: "
        "expected a URL of the form postgresql://user:password@host:5432/database"
    ]


def test_a_decrypted_database_url_gives_its_port(tmp_path):
    path = tmp_path / "Pulumi.physics.yaml"
    path.write_text(STACK)
    config = load_stack_config(
        "jupyterhub", _engine_values("postgresql://hub:pw@db:6543/hub"), {"jupyterhub:hubs"}, read_stack_file(path)
    )
    assert config.hubs["physics"].hub.database.port == 6543
    assert "pw" not in repr(config)


def test_without_a_stack_file_secret_keys_decide(tmp_path):
    values = _engine_values("postgresql://hub:pw@db:5432/hub")
    load_stack_config("jupyterhub", values, {"jupyterhub:hubs"}, None)
    with pytest.raises(ConfigError) as raised:
        load_stack_config("jupyterhub", values, set(), None)
    assert raised.value.problems[0].startswith("stack config: hubs.physics.hub.database.url: is stored in plain text")


def test_values_of_other_projects_are_ignored_and_unknown_keys_of_ours_refused():
    values = {**_engine_values("postgresql://a:b@db/hub"), "kubernetes:context": "kind-x"}
    config = load_stack_config("jupyterhub", values, {"jupyterhub:hubs"}, None)
    assert list(config.hubs) == ["physics"] and config.hubs["physics"].hub.database.port == 5432
    with pytest.raises(ConfigError) as raised:
        load_stack_config("jupyterhub", {**values, "jupyterhub:clustr": "{}"}, {"jupyterhub:hubs"}, None)
    assert any("clustr" in problem for problem in raised.value.problems), raised.value.problems


@pytest.mark.parametrize(
    ("text", "value"), [("500m", "0.5"), ("2", "2"), ("1Gi", str(2**30)), ("1G", "1000000000"), ("1.5Ki", "1536")]
)
def test_quantities_have_kubernetes_meaning(text, value):
    assert quantity_value(text) == type(quantity_value(text))(value)


def test_malformed_yaml_names_its_line(tmp_path):
    from components.config import StackFileError

    path = Path(tmp_path / "x.yaml")
    path.write_text("config:\n  a: [1,\n  b: 2\n")
    with pytest.raises(StackFileError, match=r"x.yaml:\d+: invalid YAML"):
        read_stack_file(path)


def test_no_message_shows_a_decrypted_value(tmp_path):
    # Encrypted values where validators quote what they refuse: the host (wrong setting for a secret, and
    # not a host name) and the callback URL (wrong path). The engine hands the program decrypted values.
    path = tmp_path / "Pulumi.physics.yaml"
    path.write_text(
        "config:\n  jupyterhub:environment: development\n  jupyterhub:cluster:\n    kind: existing\n"
        "  jupyterhub:hubs:\n    physics:\n      host:\n        secure: v1:AAAA\n      hub:\n"
        "        adminUsers: [prof]\n        authenticator:\n          type: github\n          clientId: x\n"
        "          clientSecret:\n            secure: v1:BBBB\n          callbackUrl:\n            secure: v1:CCCC\n"
    )
    hubs = {
        "physics": {
            "host": "db-hunter2.internal password=hunter2",
            "hub": {
                "adminUsers": ["prof"],
                "authenticator": {
                    "type": "github",
                    "clientId": "x",
                    "clientSecret": "s3cr3t-client",
                    "callbackUrl": "https://x.example.edu/cb?token=tok-hunter2",
                },
            },
        }
    }
    values = {
        "jupyterhub:environment": "development",
        "jupyterhub:cluster": json.dumps({"kind": "existing"}),
        "jupyterhub:hubs": json.dumps(hubs),
    }
    with pytest.raises(ConfigError) as raised:
        load_stack_config("jupyterhub", values, {"jupyterhub:hubs"}, read_stack_file(path))
    text = str(raised.value)
    assert "hunter2" not in text and "s3cr3t" not in text and "x.example.edu/cb" not in text
    located = {problem.split(": ")[1] for problem in raised.value.problems}
    assert {"hubs.physics.host", "hubs.physics.hub.authenticator.callbackUrl"} <= located  # still refused, at the key
    assert "<the encrypted value>" in text
