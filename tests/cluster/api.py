"""A small client for the test cluster's API server: discovery, server-side apply, reads and waits.

It speaks plain HTTPS with a bearer token and verifies the server against the cluster's CA, so the
requests are exactly what the API server sees (no client-side defaulting or validation).
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import requests

FIELD_MANAGER = "pulumi-kubernetes"
"""Server-side apply under the field manager the Pulumi Kubernetes provider uses."""

T = TypeVar("T")


@dataclass(frozen=True)
class ResourceType:
    """Where objects of one kind live in the API."""

    plural: str
    namespaced: bool


class ApiError(Exception):
    """The API server refused a request; `status` is its Status object."""

    def __init__(self, code: int, status: dict[str, Any]) -> None:
        super().__init__(f"{code} {status.get('reason', '')}: {status.get('message', status)}")
        self.code = code
        self.status = status

    @property
    def message(self) -> str:
        """The server's own words."""
        return str(self.status.get("message", ""))


class Api:
    """Requests to one API server as one identity (a bearer token)."""

    def __init__(self, url: str, token: str, ca_certificate: Path) -> None:
        self.url = url
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"
        self.ca_certificate = str(ca_certificate)
        self._types: dict[tuple[str, str], ResourceType] = {}
        self.warnings: list[str] = []
        """The warnings of the last request (e.g. Pod Security's "would violate" for a `warn` level)."""

    def request(self, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """One request; the decoded answer, or ApiError with the server's Status."""
        # `verify` per request: a session's is overridden by REQUESTS_CA_BUNDLE, which machines often set.
        answer = self.session.request(method, f"{self.url}{path}", timeout=30, verify=self.ca_certificate, **kwargs)
        body = answer.json() if answer.content else {}
        self.warnings = [
            # RFC 7234 warning values as the API server sends them: 299 - "text"
            value.split(" ", 2)[2].strip('"')
            for value in answer.raw.headers.getlist("Warning")
        ]
        if answer.status_code >= 400:
            raise ApiError(answer.status_code, body)
        return body

    def resource_type(self, api_version: str, kind: str) -> ResourceType:
        """The resource of a kind, from the server's discovery documents (cached, refreshed on a miss so
        that kinds of a CRD just created are found)."""
        key = (api_version, kind)
        if key not in self._types:
            prefix = "/api/v1" if api_version == "v1" else f"/apis/{api_version}"
            for resource in self.request("GET", prefix)["resources"]:
                if "/" not in resource["name"]:
                    self._types[(api_version, resource["kind"])] = ResourceType(
                        resource["name"], resource["namespaced"]
                    )
        if key not in self._types:
            raise ApiError(404, {"reason": "NotFound", "message": f"the server has no {kind} in {api_version}"})
        return self._types[key]

    def path(self, api_version: str, kind: str, namespace: str | None = None, name: str | None = None) -> str:
        """The URL path of a collection or of one object."""
        resource = self.resource_type(api_version, kind)
        prefix = "/api/v1" if api_version == "v1" else f"/apis/{api_version}"
        scope = f"/namespaces/{namespace}" if resource.namespaced and namespace else ""
        return f"{prefix}{scope}/{resource.plural}" + (f"/{name}" if name else "")

    def apply(self, obj: dict[str, Any], dry_run: bool = False) -> dict[str, Any]:
        """Server-side apply of one object (force: this test is the objects' only manager)."""
        metadata = obj["metadata"]
        path = self.path(obj["apiVersion"], obj["kind"], metadata.get("namespace"), metadata["name"])
        params = {"fieldManager": FIELD_MANAGER, "force": "true", **({"dryRun": "All"} if dry_run else {})}
        return self.request(
            "PATCH", path, params=params, json=obj, headers={"Content-Type": "application/apply-patch+yaml"}
        )

    def create(self, obj: dict[str, Any]) -> dict[str, Any]:
        """Create one object (under the Pulumi provider's field manager)."""
        metadata = obj["metadata"]
        path = self.path(obj["apiVersion"], obj["kind"], metadata.get("namespace"))
        return self.request("POST", path, json=obj, params={"fieldManager": FIELD_MANAGER})

    def get(self, api_version: str, kind: str, name: str, namespace: str | None = None) -> dict[str, Any]:
        """One object."""
        return self.request("GET", self.path(api_version, kind, namespace, name))

    def list_of(
        self, api_version: str, kind: str, namespace: str | None = None, selector: str | None = None
    ) -> list[dict[str, Any]]:
        """The objects of a kind (in a namespace, matching a label selector)."""
        params = {"labelSelector": selector} if selector else {}
        return self.request("GET", self.path(api_version, kind, namespace), params=params)["items"]

    def events(self, namespace: str, involved: str | None = None) -> list[dict[str, Any]]:
        """The namespace's events (about one object's name)."""
        selector = {"fieldSelector": f"involvedObject.name={involved}"} if involved else {}
        return self.request("GET", f"/api/v1/namespaces/{namespace}/events", params=selector)["items"]


def wait_for(
    condition: Callable[[], T | None], timeout: float, what: str | Callable[[], str], interval: float = 0.25
) -> T:
    """Poll until `condition` returns something true; AssertionError naming `what` after `timeout` s (a
    callable `what` is asked then, so it can describe the state at the deadline)."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        try:
            result = condition()
        except (ApiError, requests.RequestException) as error:
            last_error, result = error, None
        if result:
            return result
        time.sleep(interval)
    description = what() if callable(what) else what
    raise AssertionError(
        f"{description} did not happen within {timeout} s" + (f" (last error: {last_error})" if last_error else "")
    )
