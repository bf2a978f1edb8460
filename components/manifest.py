"""How the program writes Kubernetes objects: a deliberate choice between the SDK's typed args and dicts.

- `metadata` uses the SDK's own TypedDict (`ObjectMeta`): the fields the program sets (name, namespace,
  labels, annotations) are spelled the same in the SDK and in the API, and the type checker sees them.
- Everything below it (specs, pod templates, Role rules) is a plain dict in the API's own camelCase shape:
  what the Kubernetes reference and `kubectl explain` show, what `make plan` writes to manifests/, and
  what reviewers compare. The SDK's typed args spell keys in snake_case and type each nested field as
  `Input[...]`, so they would match neither those documents nor catch much. The type checker sees these
  dicts as `ApiFields` (Any); instead, every object is checked strictly (unknown fields are errors)
  against Kubernetes' own OpenAPI schemas by the fast tier (tests/schemas.py) and applied to a real API
  server by the cluster tier (tests/cluster/).
"""

from typing import Any, TypeAlias

from pulumi_kubernetes.meta.v1 import ObjectMetaArgsDict

ObjectMeta: TypeAlias = ObjectMetaArgsDict
"""An object's metadata, typed."""
ApiFields: TypeAlias = Any
"""A Kubernetes object's fields below metadata, in the API's camelCase shape (checked by the schemas)."""


def singleton_deployment_spec(selector: dict[str, str], template: ApiFields) -> ApiFields:
    """A Deployment of exactly one pod, replaced by stopping the old one before starting the new one
    (Recreate): for the hub's own components, which must never run twice at once."""
    return {
        "replicas": 1,
        "strategy": {"type": "Recreate"},
        "selector": {"matchLabels": selector},
        "template": template,
    }
