"""What a change does to a stack's plan (`make plan-diff STACK=<name> BASE=<git ref>`).

Plans the stack at BASE (the stack file and the code of that commit, in a temporary git worktree) and
in the working tree, and prints what would be created, deleted and updated, grouped by hub, with the
changed fields of each updated resource (secrets stay hidden: a changed secret shows as changed) and a
summary line like `pulumi preview`'s. `--format markdown` renders the same for a pull request comment.
"""

import argparse
import difflib
import json
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .plan import PlanError, make_plan

ROOT = Path(__file__).resolve().parent.parent
HUB_COMPONENT = "jupyterhub:index:JupyterHub"
MAX_TEXT_DIFF_LINES = 20


@dataclass
class Change:
    """One changed field of a resource."""

    path: str
    before: Any
    after: Any
    secret: bool = False

    def describe(self) -> list[str]:
        """The change as lines of text."""
        if self.secret:
            return [f"{self.path}: [secret] changed (value hidden)"]
        if isinstance(self.before, str) and isinstance(self.after, str) and "\n" in self.before + self.after:
            lines = list(difflib.unified_diff(self.before.splitlines(), self.after.splitlines(), lineterm="", n=1))[2:]
            shown = lines[:MAX_TEXT_DIFF_LINES] + (
                [f"... {len(lines) - MAX_TEXT_DIFF_LINES} more lines"] if len(lines) > MAX_TEXT_DIFF_LINES else []
            )
            return [f"{self.path}:", *(f"    {line}" for line in shown)]
        return [f"{self.path}: {_show(self.before)} → {_show(self.after)}"]


@dataclass
class ResourceChange:
    """A resource created, deleted or updated."""

    action: str  # "+", "-", "~"
    type: str
    name: str
    group: str
    changes: list[Change] = field(default_factory=list)


@dataclass
class PlanDiff:
    """Every resource change between two plans, and how many resources are unchanged."""

    stack: str
    base: str
    changes: list[ResourceChange]
    unchanged: int
    reviews: list[str] = field(default_factory=list)
    """Changes a reviewer must read line by line (extraConfig code that runs with the hub's rights)."""

    def count(self, action: str) -> int:
        """How many resources get this action."""
        return sum(1 for change in self.changes if change.action == action)

    @property
    def summary(self) -> str:
        """A one-line summary like `pulumi preview`'s."""
        parts = [
            f"+ {self.count('+')} to create",
            f"~ {self.count('~')} to update",
            f"- {self.count('-')} to delete",
            f"{self.unchanged} unchanged",
        ]
        return "Resources: " + ", ".join(parts)


def _show(value: Any) -> str:
    return "(absent)" if value is _ABSENT else json.dumps(value, sort_keys=True)


_ABSENT = object()


def _maybe_json(value: Any) -> Any:
    if isinstance(value, str) and value[:1] == "{":
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def _field_changes(before: Any, after: Any, path: str = "") -> list[Change]:
    before, after = _maybe_json(before), _maybe_json(after)
    if isinstance(before, dict) and isinstance(after, dict):
        changes = []
        for key in sorted(set(before) | set(after)):
            child = f"{path}.{key}" if path else key
            changes += _field_changes(before.get(key, _ABSENT), after.get(key, _ABSENT), child)
        return changes
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        return [
            c
            for index, (b, a) in enumerate(zip(before, after, strict=True))
            for c in _field_changes(b, a, f"{path}[{index}]")
        ]
    return [] if before == after else [Change(path, before, after)]


def _groups(resources: list[dict[str, Any]]) -> dict[str, str]:
    """The group of every resource: `hub <name>` under a hub's component, else `cluster` or `stack`."""
    by_urn = {r["urn"]: r for r in resources}
    groups = {}
    for resource in resources:
        node, group = resource, "stack"
        while node is not None:
            if node["type"] == HUB_COMPONENT:
                group = f"hub {node['name']}"
                break
            if node["type"].startswith("jupyterhub:cluster:"):
                group = "cluster"
                break
            node = by_urn.get(node["parent"]) if node["parent"] else None
        groups[resource["urn"]] = group
    return groups


def _digest(digests: dict[str, str], path: str) -> str | None:
    return digests.get(path)


def _extra_config(resources: list[dict[str, Any]], groups: dict[str, str]) -> dict[str, dict[str, str]]:
    """Every hub's extraConfig snippets, read from its settings ConfigMap (`hub <name>` → name → code)."""
    snippets: dict[str, dict[str, str]] = {}
    for resource in resources:
        if resource["type"] != "kubernetes:core/v1:ConfigMap":
            continue
        settings = _maybe_json((resource["inputs"].get("data") or {}).get("settings.json"))
        if isinstance(settings, dict) and isinstance(settings.get("extraConfig"), dict):
            snippets.setdefault(groups[resource["urn"]], {}).update(settings["extraConfig"])
    return snippets


def _extra_config_reviews(base: dict[str, Any], head: dict[str, Any], groups: dict[str, str]) -> list[str]:
    """One line per extraConfig snippet added, changed or removed, whatever else happens to its hub."""
    before, after = _extra_config(base["resources"], groups), _extra_config(head["resources"], groups)
    reviews = []
    for group in sorted(set(before) | set(after)):
        old, new = before.get(group, {}), after.get(group, {})
        for name in sorted(set(old) | set(new)):
            if old.get(name) != new.get(name):
                verb = "added" if name not in old else "removed" if name not in new else "changed"
                reviews.append(f"{group}: extraConfig snippet {name!r} {verb}: Python that runs with the hub's rights")
    return reviews


def diff_plans(stack: str, base_ref: str, base: dict[str, Any], head: dict[str, Any]) -> PlanDiff:
    """The changes from the plan `base` to the plan `head` (plan.json contents)."""
    old = {r["urn"]: r for r in base["resources"]}
    new = {r["urn"]: r for r in head["resources"]}
    groups = {**_groups(base["resources"]), **_groups(head["resources"])}
    changes, unchanged = [], 0
    for urn in sorted(set(old) | set(new), key=lambda u: (groups[u], u)):
        before, after = old.get(urn), new.get(urn)
        if before is None or after is None:  # created or deleted (each urn is in one plan at least)
            action, resource = ("+", after) if after is not None else ("-", before or {})
            changes.append(ResourceChange(action, resource["type"], resource["name"], groups[urn]))
            continue
        fields = _field_changes(before["inputs"], after["inputs"])
        option_changes = _field_changes(before["options"], after["options"])
        fields += [Change(f"options.{c.path}", c.before, c.after) for c in option_changes]
        old_digests, new_digests = before.get("secretDigests"), after.get("secretDigests")
        secret_paths = set(old_digests or {}) | set(new_digests or {})
        fields = [f for f in fields if f.path not in secret_paths]
        if old_digests is not None and new_digests is not None:  # plans made before digests existed: unknown
            fields += [
                Change(path, None, None, secret=True)
                for path in sorted(secret_paths)
                if _digest(old_digests, path) != _digest(new_digests, path)
            ]
        if fields:
            changes.append(ResourceChange("~", after["type"], after["name"], groups[urn], fields))
        else:
            unchanged += 1
    return PlanDiff(
        stack=stack,
        base=base_ref,
        changes=changes,
        unchanged=unchanged,
        reviews=_extra_config_reviews(base, head, groups),
    )


def render_text(diff: PlanDiff) -> str:
    """The diff for a terminal."""
    lines = [f"Plan diff of stack {diff.stack}: {diff.base} → working tree", ""]
    if diff.reviews:
        lines += ["REVIEW LINE BY LINE:", *(f"  ! {review}" for review in diff.reviews), ""]
    group = None
    for change in diff.changes:
        if change.group != group:
            group = change.group
            lines.append(group)
        lines.append(f"  {change.action} {change.type} {change.name}")
        lines += [f"      {line}" for field_change in change.changes for line in field_change.describe()]
    if not diff.changes:
        lines.append("No changes.")
    lines += ["", diff.summary]
    return "\n".join(lines)


def render_markdown(diff: PlanDiff) -> str:
    """The diff for a pull request comment."""
    lines = [f"### Plan diff: `{diff.stack}`", "", f"**{diff.summary}** (base `{diff.base}`, offline plan)", ""]
    if diff.reviews:
        lines += [
            "> [!CAUTION]",
            "> **Review line by line**: code that runs inside the hub with its rights changes.",
            *(f"> - {review}" for review in diff.reviews),
            "",
        ]
    group = None
    for change in diff.changes:
        if change.group != group:
            if group is not None:
                lines.append("```")
            group = change.group
            lines += [f"#### {group}", "", "```diff"]
        lines.append(f"{change.action} {change.type} {change.name}")
        lines += [
            f"{'!' if change.action == '~' else ' '}     {line}"
            for field_change in change.changes
            for line in field_change.describe()
        ]
    if group is not None:
        lines.append("```")
    if not diff.changes:
        lines.append("No changes.")
    return "\n".join(lines) + "\n"


def plan_at_ref(stack: str, ref: str) -> dict[str, Any]:
    """The plan of `stack` with the stack file and the code of commit `ref` (empty if the stack is new)."""
    with tempfile.TemporaryDirectory() as temporary:
        worktree, out = Path(temporary) / "tree", Path(temporary) / "out"
        subprocess.run(["git", "worktree", "add", "--detach", "--quiet", str(worktree), ref], cwd=ROOT, check=True)
        try:
            candidates = [worktree / f"Pulumi.{stack}.yaml", worktree / "stacks" / f"{stack}.yaml"]
            if not any(path.is_file() for path in candidates):
                return {"stack": stack, "resources": []}
            result = subprocess.run(
                [sys.executable, "-m", "tools.plan", stack, "--out", str(out)],
                cwd=worktree,
                capture_output=True,
                text=True,
            )
            if result.returncode != 0:
                raise PlanError(f"planning {stack} at {ref} failed:\n{result.stderr.strip()}")
            return json.loads((out / stack / "plan.json").read_text())
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(worktree)], cwd=ROOT, check=True)


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("stack")
    parser.add_argument("--base", default="origin/main", help="the git ref to compare with")
    parser.add_argument("--format", choices=("text", "markdown"), default="text")
    parser.add_argument("--output", type=Path, help="write here instead of standard output")
    args = parser.parse_args(argv)
    try:
        base = plan_at_ref(args.stack, args.base)
        head = make_plan(args.stack).as_json()
    except (PlanError, subprocess.CalledProcessError) as error:
        print(error, file=sys.stderr)
        return 1
    diff = diff_plans(args.stack, args.base, base, head)
    text = render_markdown(diff) if args.format == "markdown" else render_text(diff)
    if args.output:
        args.output.write_text(text)
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
