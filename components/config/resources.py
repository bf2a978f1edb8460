"""Compute resources: Kubernetes-style requests/limits for the hub and proxy, guarantee/limit for users."""

from typing import Any, Self

from pydantic import BeforeValidator, model_validator

from .base import Model
from .types import CpuQuantity, MemoryQuantity, quantity_value


def check_not_above(lower: str | None, upper: str | None, lower_name: str, upper_name: str) -> None:
    """Refuse a request/guarantee that is larger than its limit."""
    if lower is not None and upper is not None and quantity_value(lower) > quantity_value(upper):
        raise ValueError(f"{lower_name} {lower} is larger than {upper_name} {upper}")


class ResourceList(Model):
    """CPU and memory amounts."""

    cpu: CpuQuantity | None = None
    """CPU cores: a number (0.5, 2) or millicores (500m)."""
    memory: MemoryQuantity | None = None
    """Memory with Kubernetes units: 512Mi, 1Gi (binary) or 1G (decimal)."""


class ContainerResources(Model):
    """Requests and limits of a container, as in a Kubernetes pod spec."""

    requests: ResourceList = ResourceList()
    """What the scheduler reserves for the container."""
    limits: ResourceList = ResourceList()
    """The most the container may use: above the memory limit it is killed, above the CPU limit throttled."""

    @model_validator(mode="after")
    def _requests_within_limits(self) -> Self:
        check_not_above(self.requests.cpu, self.limits.cpu, "requests.cpu", "limits.cpu")
        check_not_above(self.requests.memory, self.limits.memory, "requests.memory", "limits.memory")
        return self

    def as_kubernetes(self) -> dict[str, dict[str, str]]:
        """The `resources` field of a container."""
        return {
            kind: {name: value for name, value in (("cpu", amounts.cpu), ("memory", amounts.memory)) if value}
            for kind, amounts in (("requests", self.requests), ("limits", self.limits))
        }


def over(defaults: ContainerResources) -> BeforeValidator:
    """A field's validator that lays a stack's partial value over the field's defaults: `requests: {cpu:
    300m}` changes the CPU request and keeps the memory request and both limits (`null` removes one)."""
    base = defaults.model_dump(mode="json", exclude_none=True)

    def merge(value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        merged: dict[str, Any] = {}
        for kind in ("requests", "limits"):
            given = value.get(kind, {})
            merged[kind] = {**base.get(kind, {}), **given} if isinstance(given, dict) else given
        return {**value, **merged}

    return BeforeValidator(merge)


class CpuRange(Model):
    """CPU for each user server."""

    guarantee: CpuQuantity | None = None
    """Cores reserved for each user (the pod's CPU request)."""
    limit: CpuQuantity | None = None
    """The most cores a user may use (the pod's CPU limit); above it the server is throttled."""

    @model_validator(mode="after")
    def _guarantee_within_limit(self) -> Self:
        check_not_above(self.guarantee, self.limit, "guarantee", "limit")
        return self


class MemoryRange(Model):
    """Memory for each user server."""

    guarantee: MemoryQuantity | None = None
    """Memory reserved for each user (the pod's memory request)."""
    limit: MemoryQuantity | None = None
    """The most memory a user may use (the pod's memory limit); above it the kernel is killed."""

    @model_validator(mode="after")
    def _guarantee_within_limit(self) -> Self:
        check_not_above(self.guarantee, self.limit, "guarantee", "limit")
        return self
