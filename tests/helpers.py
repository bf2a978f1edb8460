"""Helpers shared by the tests: planning a config given as data, finding objects in a plan."""

from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from components.hub.settings_contract import HubSettings
from tools.plan import Plan, make_plan

ROOT = Path(__file__).resolve().parent.parent
PROJECT = "jupyterhub"


def secure(label: str = "secret") -> dict[str, str]:
    """A value stored encrypted, as `pulumi config set --secret` writes it."""
    return {"secure": f"v1:encrypted-{label}"}


def dev_hub(**overrides: Any) -> dict[str, Any]:
    """A minimal valid hub for a development stack, with overrides merged at the top level."""
    hub: dict[str, Any] = {"hub": {"authenticator": {"type": "dummy"}, "adminUsers": ["admin"]}}
    for key, value in overrides.items():
        hub[key] = {**hub.get(key, {}), **value}
    return hub


def stack_config(
    hubs: dict[str, Any] | None = None,
    environment: str = "development",
    cluster: dict[str, Any] | None = None,
    **top: Any,
) -> dict[str, Any]:
    """A stack file's content (the `config:` mapping with project-prefixed keys)."""
    config: dict[str, Any] = {
        f"{PROJECT}:environment": environment,
        f"{PROJECT}:cluster": cluster or {"kind": "existing", "context": "kind-jupyterhub"},
        f"{PROJECT}:hubs": hubs if hubs is not None else {"class": dev_hub()},
    }
    config.update({f"{PROJECT}:{key}": value for key, value in top.items()})
    return {"config": config}


def write_stack(path: Path, content: dict[str, Any] | str) -> Path:
    """Write a stack file (YAML text as given, or data dumped as YAML)."""
    if isinstance(content, str):
        path.write_text(content)
    else:
        with path.open("w") as stream:
            YAML().dump(content, stream)
    return path


def copy_repository(repo: Path) -> Path:
    """A git repository at `repo` holding this working tree's files (tracked or not ignored), committed:
    for tools that compare with a git ref."""
    import shutil
    import subprocess

    listed = ["git", "ls-files", "--cached", "--others", "--exclude-standard"]
    for name in subprocess.run(listed, cwd=ROOT, capture_output=True, text=True, check=True).stdout.split():
        if (ROOT / name).is_file():
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, repo / name)
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@example.invalid"]
    subprocess.run(["git", "init", "--quiet"], cwd=repo, check=True)
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    subprocess.run([*git, "commit", "--quiet", "-m", "base"], cwd=repo, check=True)
    return repo


def plan_config(tmp_path: Path, content: dict[str, Any] | str, stack: str = "test") -> Plan:
    """Plan a stack whose config file has this content."""
    return make_plan(stack, config_file=write_stack(tmp_path / f"{stack}.yaml", content))


def find(objects: list[dict[str, Any]], kind: str, name: str, namespace: str | None = None) -> dict[str, Any]:
    """The one object of this kind and name (and namespace)."""
    matches = [
        obj
        for obj in objects
        if obj["kind"] == kind
        and obj["metadata"]["name"] == name
        and (namespace is None or obj["metadata"].get("namespace") == namespace)
    ]
    assert len(matches) == 1, f"expected one {kind} {name}, found {len(matches)}"
    return matches[0]


def settings_of(config_map: dict[str, Any]) -> HubSettings:
    """The settings.json a hub ConfigMap ships, read through the contract (refused if it does not match)."""
    return HubSettings.from_json(config_map["data"]["settings.json"])


def hub_settings(objects: list[dict[str, Any]], namespace: str) -> HubSettings:
    """The settings.json a hub's ConfigMap ships."""
    return settings_of(find(objects, "ConfigMap", "hub", namespace))


DEV_STACK_HEAD = """\
config:
  jupyterhub:environment: development
  jupyterhub:cluster:
    kind: existing
  jupyterhub:hubs:
    physics:
      hub:
        authenticator:
          type: dummy
"""
"""A development stack file of one hub, `physics`, in lines 1-9: a refusal case appends its lines from line
10 on (indented under `physics:`)."""


def assert_refused(tmp_path: Path, content: str, line: int, path: str | None, fragment: str) -> None:
    """Planning this stack file fails before declaring anything, with a problem at file:line: path."""
    import pytest

    from tools.plan import PlanError

    stack_file = tmp_path / "bad.yaml"
    stack_file.write_text(content)
    with pytest.raises(PlanError) as raised:
        make_plan("bad", config_file=stack_file)
    assert raised.value.declared == 0
    message = str(raised.value)
    expected_prefix = f"{stack_file}:{line}: " + (f"{path}: " if path else "")
    matching = [entry for entry in message.splitlines() if entry.startswith(expected_prefix)]
    assert matching, f"no line starts with {expected_prefix!r} in:\n{message}"
    assert any(fragment in entry for entry in matching), message
    # `make validate` takes the same path: it refuses the file with exactly the same problems.
    from components.config import ConfigError, StackFileError
    from tools.validate import validate

    with pytest.raises((ConfigError, StackFileError)) as validated:
        validate("bad", stack_file)
    assert str(validated.value) == message


def of_type(plan: Plan, type_token: str) -> list[Any]:
    """The recorded resources of one Pulumi type."""
    return [resource for resource in plan.resources if resource.type == type_token]


def only(plan: Plan, type_token: str, name: str | None = None) -> Any:
    """The one recorded resource of a type (and logical name)."""
    matches = [resource for resource in of_type(plan, type_token) if name is None or resource.name == name]
    assert len(matches) == 1, f"expected one {type_token} {name or ''}, found {len(matches)}"
    return matches[0]


def plan_imports(stack: str, prefix: str) -> list[str]:
    """The modules starting with `prefix` that planning `stack` imports (in a fresh interpreter)."""
    import subprocess
    import sys

    probe = (
        f"import sys; from tools.plan import make_plan; make_plan({stack!r}); "
        f"print(' '.join(sorted(m for m in sys.modules if m.startswith({prefix!r}))))"
    )
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    return result.stdout.split()


def kind_cluster_nodes() -> list[dict[str, Any]]:
    """The nodes of kind/cluster.yaml (the dev stack's cluster): role, labels and taints, as kind registers
    them (kind taints its control-plane node)."""
    config = YAML(typ="safe").load((ROOT / "kind" / "cluster.yaml").read_text())
    nodes = []
    for node in config["nodes"]:
        taints = (
            [{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]
            if node["role"] == "control-plane"
            else []
        )
        for patch in node.get("kubeadmConfigPatches", []):
            taints += YAML(typ="safe").load(patch).get("nodeRegistration", {}).get("taints", [])
        nodes.append({"role": node["role"], "labels": dict(node.get("labels", {})), "taints": taints})
    return nodes
