"""Homes on the cloud stacks: every profile's home claim, as KubeSpawner itself renders it, uses the
StorageClass the stack creates (encrypted, `Retain`), never the cloud's default class (which deletes the
disk with the claim)."""

import pytest

from tools.plan import make_plan

from .e2e.user_pods import render_user_objects
from .helpers import find

CLOUD_STACKS = {"physics-gke": ("jupyterhub-pd", "standard-rwo"), "stats-dept-eks": ("jupyterhub-gp3", "gp2")}
"""Each stack's own class and the cloud's default one."""


@pytest.mark.parametrize("stack", sorted(CLOUD_STACKS))
def test_every_home_claim_uses_the_stacks_retained_class(stack, tmp_path):
    own, cloud_default = CLOUD_STACKS[stack]
    objects = make_plan(stack).kubernetes_objects()
    storage_class = find(objects, "StorageClass", own)
    assert storage_class["reclaimPolicy"] == "Retain" and storage_class["allowVolumeExpansion"] is True
    namespaces = [o["metadata"]["name"] for o in objects if o["kind"] == "Namespace"]
    assert namespaces
    for namespace in namespaces:
        rendered = render_user_objects(objects, namespace, tmp_path / namespace)
        assert rendered
        for slug, objects_of_profile in rendered.items():
            claim = objects_of_profile["pvc"]
            assert claim is not None, f"{namespace}/{slug} has no home"
            assert claim["spec"]["storageClassName"] == own != cloud_default, f"{namespace}/{slug}"
        database = find(objects, "PersistentVolumeClaim", "hub-db-dir", namespace)
        assert database["spec"]["storageClassName"] == own
