"""Retiring a hub keeps its homes, and renaming one keeps its objects: what `pulumi up` would do, read from
the offline plans (every deleted resource unprotected, every protected one kept under its URN)."""

from tools.plan_diff import diff_plans

from .helpers import assert_refused, plan_config
from .netpol import External, Pod, allowed, policies_of
from .test_department import DEPARTMENT

RETIRED = DEPARTMENT.replace("    biology:\n", "    biology:\n      retired: true\n")
KEPT = {
    ("Namespace", None, "biology"),
    ("ServiceAccount", "biology", "default"),  # the namespace's own account, patched
    ("NetworkPolicy", "biology", "default-deny"),
    ("PersistentVolumeClaim", "biology", "hub-db-dir"),
}


def _plans(tmp_path, before: str, after: str):
    (tmp_path / "base").mkdir()
    (tmp_path / "head").mkdir()
    return plan_config(tmp_path / "base", before, stack="dept"), plan_config(tmp_path / "head", after, stack="dept")


def _objects_of(plan, namespace: str) -> set[tuple]:
    return {
        (o["kind"], o["metadata"].get("namespace"), o["metadata"]["name"])
        for o in plan.kubernetes_objects()
        if namespace in (o["metadata"].get("namespace"), o["metadata"]["name"] if o["kind"] == "Namespace" else None)
    }


def test_a_retired_hub_keeps_its_namespace_database_and_a_default_deny_policy(tmp_path):
    plan = plan_config(tmp_path, RETIRED, stack="dept")
    assert _objects_of(plan, "biology") == KEPT
    assert len(_objects_of(plan, "algebra")) > len(KEPT)  # the other hub is untouched


def test_retiring_deletes_only_unprotected_resources_and_keeps_every_protected_one_in_place(tmp_path):
    active, retired = _plans(tmp_path, DEPARTMENT, RETIRED)
    diff = diff_plans("dept", "active", active.as_json(), retired.as_json())
    assert diff.count("-") > 0 and {c.action for c in diff.changes} == {"-"}
    assert {c.group for c in diff.changes} == {"hub biology"}
    before = {r.urn: r for r in active.resources}
    after = {r.urn for r in retired.resources}
    deleted = [before[urn] for urn in set(before) - after]
    assert [r.name for r in deleted if r.options["protect"]] == []  # `pulumi up` would not stop at one
    protected = {urn for urn, r in before.items() if r.options["protect"] and "biology" in urn}
    assert protected and protected <= after


def test_a_server_left_running_in_a_retired_hub_reaches_nothing_and_nothing_reaches_it(tmp_path):
    plan = plan_config(tmp_path, RETIRED, stack="dept")
    policies = policies_of(plan.kubernetes_objects())
    left = Pod("biology", {"app.kubernetes.io/component": "singleuser-server"}, "10.244.2.20")
    assert not allowed(policies, left, External("203.0.113.7"), 443)
    assert not allowed(policies, External("203.0.113.7"), left, 8888)


def test_bringing_a_retired_hub_back_deletes_nothing(tmp_path):
    retired, active = _plans(tmp_path, RETIRED, DEPARTMENT)
    diff = diff_plans("dept", "retired", retired.as_json(), active.as_json())
    assert {c.action for c in diff.changes} == {"+"}


RENAMED = DEPARTMENT.replace("    biology:\n", "    bio:\n      formerNames: [biology]\n      namespace: biology\n")


def test_a_renamed_hub_declares_an_alias_every_object_inherits(tmp_path):
    """Pulumi derives a child's alias from its parent's when the child's name starts with the parent's:
    every resource under the hub is named `<hub>-...`, so the alias on the hub carries all of them."""
    plan = plan_config(tmp_path, RENAMED, stack="dept")
    component = next(r for r in plan.resources if r.type == "jupyterhub:index:JupyterHub" and r.name == "bio")
    assert [alias["spec"]["name"] for alias in component.options["aliases"]] == ["biology"]
    by_urn = {r.urn: r for r in plan.resources}
    for resource in plan.resources:
        parent = by_urn.get(resource.parent or "")
        while parent is not None and parent.type != "jupyterhub:index:JupyterHub":
            parent = by_urn.get(parent.parent or "")
        if parent is not None and parent.name == "bio":
            assert resource.name.startswith("bio-") or resource.name == "bio", resource.name
    # The objects themselves are those of the hub before the rename: same names, same namespace.
    (tmp_path / "old").mkdir()
    old = plan_config(tmp_path / "old", DEPARTMENT, stack="dept")
    assert _objects_of(plan, "biology") == _objects_of(old, "biology")


def test_a_rename_without_the_namespace_is_refused(tmp_path):
    content = DEPARTMENT.replace("    biology:\n", "    bio:\n      formerNames: [biology]\n")
    assert_refused(tmp_path, content, 18, "hubs.bio.formerNames", "set namespace: biology")


def test_a_former_name_of_another_hub_is_refused(tmp_path):
    content = DEPARTMENT.replace("    biology:\n", "    biology:\n      formerNames: [algebra]\n      namespace: bio\n")
    assert_refused(tmp_path, content, 18, "hubs.biology.formerNames[0]", "is a hub of this stack")
