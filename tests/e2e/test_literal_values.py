"""What a stack says is what the user server gets: KubeSpawner formats env values and mounts as templates
and renders profile names and descriptions as HTML; the stack's values are literal text (checked with
KubeSpawner's own rendering from the shipped config)."""

import pytest

from ..helpers import dev_hub, plan_config, stack_config
from .user_pods import render_spawn_form, render_user_objects

NAMESPACE = "literal"
STACK = stack_config(
    {
        NAMESPACE: dev_hub(
            singleuser={
                "extraEnv": {"COURSE_CONFIG": '{"course": "phys101", "week": 3}', "GREETING": "hi {username}"},
                "storage": {"mountPath": "/home/jovyan/{work}"},
                "profiles": [
                    {"displayName": "<b>Big</b> & fast", "description": "<script>alert('x')</script>"},
                    {"displayName": "Small"},
                ],
            }
        )
    }
)


@pytest.fixture(scope="module")
def objects(tmp_path_factory):
    return plan_config(tmp_path_factory.mktemp("literal"), STACK, stack="literal").kubernetes_objects()


def test_env_values_and_the_home_mount_reach_the_pod_as_written(objects, tmp_path):
    for rendered in render_user_objects(objects, NAMESPACE, tmp_path).values():
        container = rendered["pod"]["spec"]["containers"][0]
        env = {e["name"]: e.get("value") for e in container["env"]}
        assert env["COURSE_CONFIG"] == '{"course": "phys101", "week": 3}'
        assert env["GREETING"] == "hi {username}"
        assert {"name": "home", "mountPath": "/home/jovyan/{work}"} in container["volumeMounts"]


def test_profile_names_and_descriptions_are_shown_as_text(objects, tmp_path):
    form = render_spawn_form(objects, NAMESPACE, tmp_path)
    assert "&lt;b&gt;Big&lt;/b&gt; &amp; fast" in form
    assert "&lt;script&gt;" in form and "<script>alert" not in form
    assert "<b>Big</b>" not in form
