"""The real Pulumi engine: `preview` of the dev stack through the Automation API.

Needs the Pulumi CLI (and, for a clean preview, a reachable kind cluster); skipped, visibly, without
the CLI. It checks that the real engine plans the same resources as the offline plan.
"""

import os
import shutil

import pytest

from .helpers import ROOT

pytestmark = [
    pytest.mark.cli,
    pytest.mark.skipif(shutil.which("pulumi") is None, reason="the Pulumi CLI is not installed"),
]


def test_preview_of_the_dev_stack_matches_the_offline_plan(tmp_path, dev_plan):
    from pulumi import automation

    env = {"PULUMI_BACKEND_URL": f"file://{tmp_path}", "PULUMI_CONFIG_PASSPHRASE": "offline-tests"}
    workspace = automation.LocalWorkspace(work_dir=str(ROOT), env_vars={**os.environ, **env})
    stack = automation.Stack.create_or_select("dev", workspace)
    try:
        result = stack.preview()
    finally:
        workspace.remove_stack("dev")
    created = result.change_summary.get(automation.OpType.CREATE, 0)
    assert created == len(dev_plan.resources)
