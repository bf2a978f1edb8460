"""The floor for the plan benchmark: import pulumi and the SDKs a plan uses (pulumi_kubernetes, the cloud's)
and register the same resources as a plan, as the engine receives them (read back from its plan.json):
same count, types, parents and inputs, the same dependencies, provider and options, the same inputs
marked secret; under the SDK's mocks, with no configuration, validation, logic or output files.
Usage: floor.py PLAN_JSON

The same types matter: the SDK pays, per resource type, for importing its module and for reading its
input types' hints when it serializes inputs. A floor of one type would count that as our overhead.
So do the dependencies and the provider: the SDK awaits each one before it registers a resource, and a
correct program cannot go without them (objects in a namespace wait for it; an existing cluster's
objects go through its provider).
"""

import importlib
import json
import re
import sys
from pathlib import Path
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

_GROUP_MODULES = {
    "core": "core",
    "apps": "apps",
    "networking.k8s.io": "networking",
    "rbac.authorization.k8s.io": "rbac",
    "storage.k8s.io": "storage",
    "policy": "policy",
    "scheduling.k8s.io": "scheduling",
    "helm.sh": "helm",
}


class _Echo(pulumi.runtime.Mocks):
    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict]:
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, None]:
        return {}, None


def _resource_class(type_token: str) -> Any:
    package, module, name = type_token.split(":")
    if package == "kubernetes":
        group, version = module.split("/")
        return getattr(getattr(getattr(k8s, _GROUP_MODULES[group]), version), name)
    if package == "pulumi" and module == "providers":
        return importlib.import_module(f"pulumi_{name}").Provider
    if package in ("random", "gcp", "aws"):
        submodule = module.split("/")[0]
        python_module = f"pulumi_{package}" if submodule == "index" else f"pulumi_{package}.{submodule}"
        return getattr(importlib.import_module(python_module), name)
    return None  # a component


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def main(plan_file: Path) -> None:
    """Register every resource of the plan with its recorded inputs."""
    resources = [r for r in json.loads(plan_file.read_text())["resources"] if r["type"] != "pulumi:pulumi:Stack"]
    pulumi.runtime.set_mocks(_Echo(), project="floor", stack="floor", preview=False)

    @pulumi.runtime.test
    def program() -> None:
        made: dict[str, pulumi.Resource] = {}
        for resource in resources:
            options = resource["options"]
            provider = made.get((options.get("provider") or "").rpartition("::")[0])
            opts = pulumi.ResourceOptions(
                parent=made.get(resource["parent"]),
                depends_on=[made[urn] for urn in resource["dependencies"] if urn in made],
                provider=provider if isinstance(provider, pulumi.ProviderResource) else None,
                protect=options.get("protect"),
                retain_on_delete=options.get("retainOnDelete"),
                ignore_changes=options.get("ignoreChanges") or None,
                delete_before_replace=options.get("deleteBeforeReplace"),
            )
            cls = _resource_class(resource["type"])
            if cls is None:
                made[resource["urn"]] = pulumi.ComponentResource(resource["type"], resource["name"], None, opts)
            else:
                secret_inputs = {path.split(".")[0] for path in resource["secretDigests"]}
                inputs = {
                    _snake(key): pulumi.Output.secret(value) if key in secret_inputs else value
                    for key, value in resource["inputs"].items()
                    if key not in ("apiVersion", "kind")
                }
                made[resource["urn"]] = cls(resource["name"], opts=opts, **inputs)

    program()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
