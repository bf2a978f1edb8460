"""Strict validation of Kubernetes objects against the real OpenAPI schemas of given releases (and, for
GKE's custom resources, against GKE's CRD schemas: gke_schemas.py)."""

from typing import Any

import kubernetes_validate

from .gke_schemas import gke_problems, is_gke_object

KUBERNETES_VERSIONS = ("1.32", "1.35")


def schema_problems(obj: dict[str, Any], version: str) -> list[str]:
    """What the Kubernetes schema of `version` refuses in `obj` (strict: unknown fields too)."""
    if is_gke_object(obj):  # a custom resource: its schema is GKE's, whatever the Kubernetes release
        return gke_problems([obj])
    try:
        kubernetes_validate.validate(obj, version, strict=True)
    except kubernetes_validate.ValidationError as error:
        where = ".".join(str(part) for part in error.path)
        name = f"{obj.get('kind')}/{obj.get('metadata', {}).get('name')}"
        return [f"{name} (Kubernetes {version}): {where}: {error.message}"]
    return []
