"""A stack planned and applied to a fresh control plane whose nodes a test chooses: the start of the
cluster tier's stories about scheduling (placeholders, pullers, the user scheduler, the class calendar)."""

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools.plan import Plan

from ..helpers import plan_config
from .apply import apply_plan
from .control_plane import ControlPlane, running_control_plane


@dataclass(frozen=True)
class AppliedStack:
    """The plan, the running control plane it was applied to, and a folder for the test's files."""

    plan: Plan
    control_plane: ControlPlane
    directory: Path

    @property
    def objects(self) -> list[dict[str, Any]]:
        return self.plan.kubernetes_objects()


@contextlib.contextmanager
def stack_on_nodes(directory: Path, stack: dict[str, Any], name: str, nodes: list[dict]) -> Iterator[AppliedStack]:
    """Plan `stack`, start a control plane with `nodes`, apply every object (none refused)."""
    plan = plan_config(directory, stack, stack=name)
    with running_control_plane(directory / "control-plane", nodes) as control_plane:
        outcomes = apply_plan(control_plane.admin, plan.resources)
        assert [o.error for o in outcomes if o.error] == []
        yield AppliedStack(plan, control_plane, directory)
