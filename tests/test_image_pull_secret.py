"""A private registry's login for users' images: a `kubernetes.io/dockerconfigjson` Secret the stack makes
(its password a Pulumi secret, never in plain text in the plan or a ConfigMap), named by every user pod
KubeSpawner builds, and refused at its line when stored in plain text or malformed."""

import base64
import json

from pydantic import SecretStr

from components.config.singleuser import RegistryCredentials
from components.singleuser.image_pull_secret import IMAGE_PULL_SECRET, docker_config

from .e2e.user_pods import render_user_objects
from .helpers import DEV_STACK_HEAD, assert_refused, find, plan_config
from .variations import VARIATIONS


def test_the_login_is_a_dockerconfigjson_secret_the_plan_never_shows(tmp_path):
    plan = plan_config(tmp_path, VARIATIONS["class-storage"], stack="class-storage")
    objects = plan.kubernetes_objects()
    secret = find(objects, "Secret", IMAGE_PULL_SECRET, "phys101")
    assert secret["type"] == "kubernetes.io/dockerconfigjson"
    assert secret["stringData"] == {".dockerconfigjson": "[secret]"}
    config_map = find(objects, "ConfigMap", "hub", "phys101")
    assert json.loads(config_map["data"]["settings.json"])["spawner"]["imagePullSecrets"] == [IMAGE_PULL_SECRET]
    assert "phys101-bot" not in json.dumps([o for o in objects if o["kind"] == "ConfigMap"])


def test_every_user_pod_names_it(tmp_path):
    objects = plan_config(tmp_path, VARIATIONS["class-storage"], stack="class-storage").kubernetes_objects()
    for rendered in render_user_objects(objects, "phys101", tmp_path / "render").values():
        assert rendered["pod"]["spec"]["imagePullSecrets"] == [{"name": IMAGE_PULL_SECRET}]
    dev = plan_config(tmp_path, VARIATIONS["gpu-profiles-storage-class"], stack="profiles").kubernetes_objects()
    assert not [o for o in dev if o["kind"] == "Secret" and o["metadata"]["name"] == IMAGE_PULL_SECRET]


def test_the_document_is_what_the_kubelet_reads():
    credentials = RegistryCredentials.model_construct(
        registry="registry.example.edu:5000", username="bot", password=SecretStr("t0ken:with:colons")
    )
    login = json.loads(docker_config(credentials))["auths"]["registry.example.edu:5000"]
    assert (login["username"], login["password"]) == ("bot", "t0ken:with:colons")
    assert base64.b64decode(login["auth"]).decode() == "bot:t0ken:with:colons"


def test_a_plain_text_password_or_a_url_for_a_registry_is_refused(tmp_path):
    head = DEV_STACK_HEAD + "      singleuser:\n        imagePullSecret:\n"
    assert_refused(
        tmp_path,
        head + "          registry: ghcr.io\n          username: bot\n          password: hunter2\n",
        14,
        "hubs.physics.singleuser.imagePullSecret.password",
        "is stored in plain text",
    )
    assert_refused(
        tmp_path,
        head + "          registry: https://ghcr.io\n          username: bot\n          password: {secure: v1:abc}\n",
        12,
        "hubs.physics.singleuser.imagePullSecret.registry",
        "a registry host such as ghcr.io",
    )
