"""Plan diffs as reviewers see them in pull requests: exactly the lines each kind of change produces."""

import shutil
import subprocess
import sys

import pytest

from tools.plan_diff import diff_plans, render_markdown, render_text

from .helpers import ROOT, copy_repository, plan_config
from .test_department import DEPARTMENT

GKE = (ROOT / "stacks" / "physics-gke.yaml").read_text()
ONE_HUB = DEPARTMENT[: DEPARTMENT.index("    biology:\n")]


def _diff(tmp_path, before: str, after: str) -> tuple[str, object]:
    """The diff between two versions of one stack's file."""
    (tmp_path / "base").mkdir()
    (tmp_path / "head").mkdir()
    base = plan_config(tmp_path / "base", before, stack="stack").as_json()
    head = plan_config(tmp_path / "head", after, stack="stack").as_json()
    diff = diff_plans("stack", "base", base, head)
    return render_text(diff), diff


def _body(text: str) -> list[str]:
    return text.splitlines()[2:]


def test_changing_an_image_tag(tmp_path):
    text, _ = _diff(
        tmp_path,
        ONE_HUB,
        ONE_HUB.replace(
            "      singleuser:\n", "      hub:\n        image: quay.io/jupyterhub/k8s-hub:4.4.1\n      singleuser:\n", 1
        ),
    )
    assert _body(text) == [
        "hub algebra",
        "  ~ kubernetes:apps/v1:Deployment algebra-hub",
        '      spec.template.spec.containers[0].image: "quay.io/jupyterhub/k8s-hub:4.4.0" → '
        '"quay.io/jupyterhub/k8s-hub:4.4.1"',
        "",
        "Resources: + 0 to create, ~ 1 to update, - 0 to delete, 32 unchanged",
    ]


def test_changing_a_user_image_shows_the_setting_the_hub_restart_and_the_new_pull(tmp_path):
    text, _ = _diff(tmp_path, ONE_HUB, ONE_HUB.replace("scipy-notebook:2025-01-06", "scipy-notebook:2025-03-03"))
    body = _body(text)
    assert body[:2] == ["hub algebra", "  ~ kubernetes:apps/v1:Deployment algebra-hub"]
    assert body[2].startswith("      spec.template.metadata.annotations.checksum/config: ")  # the hub restarts
    assert body[3:] == [
        "  ~ kubernetes:core/v1:ConfigMap algebra-hub",
        '      data.settings.json.spawner.traits.image: "quay.io/jupyter/scipy-notebook:2025-01-06" → '
        '"quay.io/jupyter/scipy-notebook:2025-03-03"',
        "  ~ kubernetes:apps/v1:DaemonSet algebra-image-puller",  # every user node pulls the new image
        '      spec.template.spec.initContainers[0].image: "quay.io/jupyter/scipy-notebook:2025-01-06" → '
        '"quay.io/jupyter/scipy-notebook:2025-03-03"',
        "",
        "Resources: + 0 to create, ~ 3 to update, - 0 to delete, 30 unchanged",
    ]


def test_resizing_a_pool(tmp_path):
    text, _ = _diff(tmp_path, GKE, GKE.replace("        maxNodes: 4 ", "        maxNodes: 8 "))
    assert _body(text) == [
        "cluster",
        "  ~ gcp:container/nodePool:NodePool cluster-pool-students",
        "      autoscaling.maxNodeCount: 4 → 8",
        "",
        "Resources: + 0 to create, ~ 1 to update, - 0 to delete, 68 unchanged",
    ]


def test_changing_a_secret_shows_it_changed_but_not_its_value(tmp_path):
    # The first encrypted value of the file is the OAuth client secret.
    after = GKE.replace("secure: v1:placeholder-set-with-pulumi-config-set-secret", "secure: v1:NEWCIPHERTEXT", 1)
    text, _ = _diff(tmp_path, GKE, after)
    body = _body(text)
    # The hub restarts to read it (a keyed checksum: it says "changed", nothing of the value); the proxy
    # does not read it and stays.
    assert body[:2] == ["hub phys101", "  ~ kubernetes:apps/v1:Deployment phys101-hub"]
    assert body[2].startswith("      spec.template.metadata.annotations.checksum/secret: ")
    assert body[3:] == [
        "  ~ kubernetes:core/v1:Secret phys101-hub",
        "      stringData.oauth-client-secret: [secret] changed (value hidden)",
        "",
        "Resources: + 0 to create, ~ 2 to update, - 0 to delete, 67 unchanged",
    ]
    assert "NEWCIPHERTEXT" not in text and "offline-plan-secret" not in text


def test_adding_a_hub_creates_exactly_its_resources(tmp_path):
    text, diff = _diff(tmp_path, ONE_HUB, DEPARTMENT)
    assert {change.action for change in diff.changes} == {"+"}
    assert {change.group for change in diff.changes} == {"hub biology"}
    assert diff.count("+") == 30 and diff.unchanged == 33
    assert _body(text)[0] == "hub biology"
    assert _body(text)[-1] == "Resources: + 30 to create, ~ 0 to update, - 0 to delete, 33 unchanged"


def test_removing_a_hub_deletes_exactly_its_resources(tmp_path):
    _, diff = _diff(tmp_path, DEPARTMENT, ONE_HUB)
    assert {change.action for change in diff.changes} == {"-"}
    assert {change.group for change in diff.changes} == {"hub biology"}
    assert diff.count("-") == 30


def _with_extra_config(stack: str, snippets: dict[str, str]) -> str:
    lines = "".join(f"          {name}: {code!r}\n" for name, code in snippets.items())
    return stack.replace(
        "      singleuser:\n",
        f"      hub:\n        allowExtraConfig: true\n        extraConfig:\n{lines}      singleuser:\n",
        1,
    )


def test_extra_config_changes_are_called_out_before_everything_else(tmp_path):
    before = _with_extra_config(ONE_HUB, {"logout": "c.JupyterHub.shutdown_on_logout = True", "old": "pass"})
    after = _with_extra_config(ONE_HUB, {"logout": "c.JupyterHub.shutdown_on_logout = False", "new": "pass"})
    text, diff = _diff(tmp_path, before, after)
    assert _body(text)[:5] == [
        "REVIEW LINE BY LINE:",
        "  ! hub algebra: extraConfig snippet 'logout' changed: Python that runs with the hub's rights",
        "  ! hub algebra: extraConfig snippet 'new' added: Python that runs with the hub's rights",
        "  ! hub algebra: extraConfig snippet 'old' removed: Python that runs with the hub's rights",
        "",
    ]
    markdown = render_markdown(diff).splitlines()
    assert markdown[4:7] == [
        "> [!CAUTION]",
        "> **Review line by line**: code that runs inside the hub with its rights changes.",
        "> - hub algebra: extraConfig snippet 'logout' changed: Python that runs with the hub's rights",
    ]


def test_a_new_hub_with_extra_config_is_called_out(tmp_path):
    after = DEPARTMENT.replace(
        "        adminUsers: [prof-bio]\n",
        "        adminUsers: [prof-bio]\n        allowExtraConfig: true\n        extraConfig: {tweak: pass}\n",
    )
    _, diff = _diff(tmp_path, ONE_HUB, after)
    assert diff.reviews == ["hub biology: extraConfig snippet 'tweak' added: Python that runs with the hub's rights"]


def test_no_call_out_when_extra_config_stays(tmp_path):
    stack = _with_extra_config(ONE_HUB, {"tweak": "pass"})
    text, diff = _diff(tmp_path, stack, stack.replace("scipy-notebook:2025-01-06", "scipy-notebook:2025-03-03"))
    assert diff.changes  # something else changed
    assert diff.reviews == [] and "REVIEW" not in text


def test_markdown_for_a_pull_request_comment(tmp_path):
    _, diff = _diff(tmp_path, GKE, GKE.replace("        maxNodes: 4 ", "        maxNodes: 8 "))
    markdown = render_markdown(diff)
    assert markdown.splitlines()[:3] == [
        "### Plan diff: `stack`",
        "",
        "**Resources: + 0 to create, ~ 1 to update, - 0 to delete, 68 unchanged** (base `base`, offline plan)",
    ]
    assert (
        "```diff\n~ gcp:container/nodePool:NodePool cluster-pool-students\n!     autoscaling.maxNodeCount: 4 → 8\n```"
        in markdown
    )


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_plan_diff_against_a_git_ref(tmp_path):
    repo = copy_repository(tmp_path / "repo")
    stack_file = repo / "Pulumi.dev.yaml"
    stack_file.write_text(stack_file.read_text().replace("timeout: 1h", "timeout: 2h"))
    result = subprocess.run(
        [sys.executable, "-m", "tools.plan_diff", "dev", "--base", "HEAD"], cwd=repo, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "      data.settings.json.culler.timeout: 3600 → 7200" in result.stdout.splitlines()
    assert result.stdout.strip().endswith("Resources: + 0 to create, ~ 2 to update, - 0 to delete, 31 unchanged")
