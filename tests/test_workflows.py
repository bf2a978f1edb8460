"""The GitHub workflows: valid for GitHub Actions (actionlint) and calling what the Makefile offers."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from .helpers import ROOT

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
ACTIONLINT = shutil.which("actionlint") or str(Path(__file__).resolve().parents[1] / ".venv" / "bin" / "actionlint")


def _workflow(name: str) -> dict:
    return YAML(typ="safe").load((ROOT / ".github" / "workflows" / name).read_text())


def _runs(job: dict) -> str:
    return "\n".join(step.get("run", "") for step in job["steps"])


def test_pull_requests_run_the_tests_and_the_plan_diff():
    for name, command in (("test.yml", "make test"), ("plan-diff.yml", "make --no-print-directory plan-diff")):
        workflow = _workflow(name)
        assert "pull_request" in workflow["on"]
        assert any(command in _runs(job) for job in workflow["jobs"].values()), name


def test_previews_with_credentials_wait_for_a_maintainers_approval():
    """Every job of preview.yml that holds cloud credentials or the state passphrase runs in the GitHub
    Environment `preview`, whose required reviewers gate it (docs/ci.md)."""
    jobs = _workflow("preview.yml")["jobs"]
    assert jobs and all(job.get("environment") == "preview" for job in jobs.values())


def test_workflows_pass_actionlint():
    result = subprocess.run([ACTIONLINT, *map(str, WORKFLOWS)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path):
    broken = tmp_path / "broken.yml"
    broken.write_text(
        "on: pull_request\njobs:\n  x:\n    runs-on: ubuntu-24.04\n    steps:\n"
        "      - run: echo ${{ github.event.pull_request.title }\n"
    )
    assert subprocess.run([ACTIONLINT, str(broken)], capture_output=True).returncode != 0


@pytest.mark.parametrize("path", WORKFLOWS, ids=[p.name for p in WORKFLOWS])
def test_make_targets_the_workflows_call_exist(path):
    makefile = (ROOT / "Makefile").read_text()
    for target in re.findall(r"\bmake (?:--no-print-directory )?([a-z-]+)", path.read_text()):
        assert re.search(rf"^{target}:", makefile, re.MULTILINE), f"{path.name} calls make {target}"


def test_jobs_with_secrets_or_cloud_credentials_wait_for_a_reviewed_environment():
    """A job that holds the state passphrase or assumes a cloud role runs pull-request code with them: it must
    run in an Environment (which the docs say to protect with required reviewers)."""
    from ruamel.yaml import YAML

    checked = 0
    for path in WORKFLOWS:
        workflow = YAML(typ="safe").load(path.read_text())
        for name, job in workflow["jobs"].items():
            text = str(job)
            cloud_login = "configure-aws-credentials" in text or "google-github-actions/auth" in text
            if "secrets." in text or cloud_login:
                checked += 1
                assert job.get("environment") == "preview", f"{path.name}: job {name}"
    assert checked == 2  # preview.yml's gke and eks jobs
    assert "required reviewers" in (ROOT / "docs" / "ci.md").read_text()
