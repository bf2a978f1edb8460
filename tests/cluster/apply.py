"""Apply a plan's Kubernetes objects to a real API server as the Pulumi engine and its Kubernetes provider do.

The provider (4.29 and later; the program pins 4.34) creates a new object with a plain create, so an
object that already exists is an error (AlreadyExists) rather than silently adopted, and updates
existing ones with server-side apply (and diffs them by a server-side dry-run apply).

The engine registers a resource once every resource it depends on (explicitly, or through an input
that is another's output) is done, and runs whatever is ready in parallel. So the objects are applied in
waves: a wave holds every object whose dependencies are all applied. Within a wave the engine may pick
any order; here the kinds other objects need (Namespaces, CRDs, StorageClasses, PriorityClasses,
ServiceAccounts) go last, so that an object that needs one but does not depend on it fails here as it
could under `pulumi up`.
"""

import copy
import functools
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools.mock_engine import RecordedResource
from tools.plan import is_kubernetes_object, manifest_of

from ..e2e.hub_harness import self_signed_certificate
from .api import Api, ApiError, wait_for

NEEDED_BY_OTHERS = ("Namespace", "CustomResourceDefinition", "StorageClass", "PriorityClass", "ServiceAccount")


@dataclass
class Applied:
    """One object's outcome."""

    manifest: dict[str, Any]
    wave: int
    error: ApiError | None
    warnings: list[str]
    """What the API server warned of when it accepted the object."""

    @property
    def label(self) -> str:
        """kind namespace/name, for messages."""
        metadata = self.manifest["metadata"]
        return f"{self.manifest['kind']} {metadata.get('namespace', '')}/{metadata['name']}"


def waves(resources: list[RecordedResource]) -> list[list[RecordedResource]]:
    """The Kubernetes objects of a plan in waves of objects whose dependencies are all in earlier waves
    (resources that are not Kubernetes objects, such as cloud resources and providers, count as done)."""
    pending = {r.urn: r for r in resources if is_kubernetes_object(r)}
    done: set[str] = {r.urn for r in resources if r.urn not in pending}
    result = []
    while pending:
        ready = [r for r in pending.values() if all(d in done for d in r.dependencies)]
        if not ready:
            cycle = ", ".join(sorted(pending))
            raise ValueError(f"the plan's dependencies form a cycle among: {cycle}")
        ready.sort(key=lambda r: (r.inputs["kind"] in NEEDED_BY_OTHERS, r.urn))
        result.append(ready)
        for resource in ready:
            done.add(resource.urn)
            del pending[resource.urn]
    return result


@functools.cache
def _test_certificate() -> dict[str, str]:
    with tempfile.TemporaryDirectory() as directory:
        self_signed_certificate(Path(directory))
        return {key: (Path(directory) / key).read_text() for key in ("tls.crt", "tls.key")}


def with_test_values(manifest: dict[str, Any]) -> dict[str, Any]:
    """The object as applied here: Secrets whose type the API server checks carry test values of that shape
    instead of the plan's redacted ones: a TLS Secret a self-signed certificate (PEM), a registry login a
    docker config document (JSON, as components/singleuser/image_pull_secret.py writes it). Other Secrets
    keep the redacted values: nothing in the test cluster reads them."""
    kind = manifest.get("type") if manifest["kind"] == "Secret" else None
    if kind not in ("kubernetes.io/tls", "kubernetes.io/dockerconfigjson"):
        return manifest
    manifest = copy.deepcopy(manifest)
    manifest.pop("data", None)
    if kind == "kubernetes.io/tls":
        manifest["stringData"] = _test_certificate()
    else:
        from pydantic import SecretStr

        from components.config.singleuser import RegistryCredentials
        from components.singleuser.image_pull_secret import docker_config

        login = RegistryCredentials.model_construct(registry="ghcr.io", username="test", password=SecretStr("t"))
        manifest["stringData"] = {".dockerconfigjson": docker_config(login)}
    return manifest


def is_patch(resource: RecordedResource) -> bool:
    """Whether a resource is one of the provider's Patch resources (e.g. ServiceAccountPatch)."""
    return resource.type.endswith("Patch")


def patch_existing(api: Api, manifest: dict[str, Any]) -> None:
    """What the provider does for a Patch resource: a server-side apply of just its fields to an object
    another owner made (here the namespace's `default` ServiceAccount, which the controller manager creates
    moments after the namespace). The provider patches only an object that exists, so wait for it."""
    metadata = manifest["metadata"]
    wait_for(
        lambda: _exists(api, manifest),
        30,
        f"{manifest['kind']} {metadata.get('namespace', '')}/{metadata['name']} made by its owner, to patch",
    )
    api.apply(manifest)


def _exists(api: Api, manifest: dict[str, Any]) -> bool:
    metadata = manifest["metadata"]
    try:
        api.get(manifest["apiVersion"], manifest["kind"], metadata["name"], metadata.get("namespace"))
    except ApiError as error:
        if error.code == 404:
            return False
        raise
    return True


def apply_plan(api: Api, resources: list[RecordedResource]) -> list[Applied]:
    """Every Kubernetes object of a plan (with test values), wave by wave, created as `pulumi up` creates
    new objects (and patched, for Patch resources)."""
    outcomes = []
    for number, wave in enumerate(waves(resources)):
        for resource in wave:
            manifest = with_test_values(manifest_of(resource))
            try:
                if is_patch(resource):
                    patch_existing(api, manifest)
                else:
                    api.create(manifest)
                outcomes.append(Applied(manifest, number, None, api.warnings))
            except ApiError as error:
                outcomes.append(Applied(manifest, number, error, []))
    return outcomes
