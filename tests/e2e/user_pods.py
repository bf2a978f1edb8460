"""User pods rendered by KubeSpawner's own code from the shipped configuration, per profile."""

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from ..hub_config import lay_out_hub_files, load_hub_config
from .hub_harness import dummy_kubeconfig


def run_in_own_loop(coroutine_factory: Any, timeout: float = 60) -> Any:
    """Run a coroutine on a private event loop in a worker thread (the Pulumi mocks in this process keep
    theirs untouched)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(coroutine_factory())).result(timeout=timeout)


def _point_kubernetes_client_at_a_kubeconfig(path: Path) -> None:
    """KubeSpawner needs a kubeconfig to construct (rendering never contacts the server). kubernetes_asyncio
    reads KUBECONFIG once, when first imported, so whichever test imported it first fixed the path: point
    its default at a dummy kubeconfig when the one it has does not exist, whatever the order of tests."""
    from kubernetes_asyncio.config import kube_config

    if not Path(os.path.expanduser(kube_config.KUBE_CONFIG_DEFAULT_LOCATION)).is_file():
        kube_config.KUBE_CONFIG_DEFAULT_LOCATION = str(dummy_kubeconfig(path))


def _spawner_factory(
    objects: list[dict[str, Any]],
    namespace: str,
    directory: Path,
    username: str,
    admin: bool = False,
    groups: tuple[str, ...] = (),
) -> Any:
    """A function making spawners for `username` (an admin or not, member of `groups`) as the hub would:
    the shipped config's spawner class (HomeSpawner) with the shipped config (call it inside the event
    loop that will use them). Rendering never contacts an API server: growing a home claim, the one step
    of HomeSpawner that does, is tested on its own (tests/test_home_spawner.py) and skipped here."""
    config_dir, secret_dir = lay_out_hub_files(objects, namespace, directory)
    config = load_hub_config(config_dir, secret_dir)
    _point_kubernetes_client_at_a_kubeconfig(directory / "kubeconfig")

    def make() -> Any:
        from jupyterhub.objects import Hub

        base_url = config.JupyterHub.get("base_url", "/")
        hub = Hub(
            base_url=f"{base_url}hub/",
            connect_url=config.JupyterHub.hub_connect_url,
            bind_url=config.JupyterHub.hub_bind_url,
        )
        user = SimpleNamespace(
            name=username,
            id=1,
            url=f"{base_url}user/{username}/",
            escaped_name=username,
            admin=admin,
            settings={},
            groups=[SimpleNamespace(name=group) for group in groups],
        )
        spawner_class = config.JupyterHub.spawner_class
        spawner = spawner_class(_mock=True, config=config, user=user, hub=hub)
        spawner._grow_home = _no_growth
        return spawner

    return make


def _profile_list(spawner: Any) -> list[dict[str, Any]]:
    """The profiles this spawner's user sees (the trait, or what its callable gives this user)."""
    profiles = spawner.profile_list
    return profiles(spawner) if callable(profiles) else profiles


async def _no_growth() -> None:
    """Stands in for HomeSpawner._grow_home while rendering (it reads the claim from the API server)."""


def render_user_objects(
    objects: list[dict[str, Any]],
    namespace: str,
    directory: Path,
    username: str = "student1",
    admin: bool = False,
    groups: tuple[str, ...] = (),
) -> dict[str, dict[str, Any]]:
    """The pod and PVC the hub's spawner builds for `username`, per profile slug ("" without profiles)."""
    make_spawner = _spawner_factory(objects, namespace, directory, username, admin, groups)

    async def render() -> dict[str, dict[str, Any]]:
        from kubernetes_asyncio.client import ApiClient

        slugs = [profile["slug"] for profile in _profile_list(make_spawner())] or [""]
        rendered = {}
        async with ApiClient() as api:
            for slug in slugs:
                spawner = make_spawner()
                if slug:
                    spawner.user_options = {"profile": slug}
                    await spawner.load_user_options()
                pod = api.sanitize_for_serialization(await spawner.get_pod_manifest())
                pvc = api.sanitize_for_serialization(spawner.get_pvc_manifest()) if spawner.storage_pvc_ensure else None
                rendered[slug] = {"pod": pod, "pvc": pvc, "start_timeout": spawner.start_timeout}
        return rendered

    return run_in_own_loop(render)


def render_pod_for_options(
    objects: list[dict[str, Any]],
    namespace: str,
    directory: Path,
    user_options: dict[str, str],
    username: str = "student1",
    admin: bool = False,
    groups: tuple[str, ...] = (),
) -> dict[str, Any]:
    """The pod the hub's spawner builds for `user_options` as the API or the form passes them (KubeSpawner
    validates them against the profiles this user may start: a refused choice raises its ValueError)."""
    make_spawner = _spawner_factory(objects, namespace, directory, username, admin, groups)

    async def render() -> dict[str, Any]:
        from kubernetes_asyncio.client import ApiClient

        spawner = make_spawner()
        spawner.user_options = dict(user_options)
        await spawner.load_user_options()
        async with ApiClient() as api:
            return api.sanitize_for_serialization(await spawner.get_pod_manifest())

    return run_in_own_loop(render)


def visible_profiles(
    objects: list[dict[str, Any]], namespace: str, directory: Path, username: str, admin: bool, groups: tuple[str, ...]
) -> list[str]:
    """The slugs of the profiles a user sees on the spawn form."""
    make_spawner = _spawner_factory(objects, namespace, directory, username, admin, groups)

    async def slugs() -> list[str]:
        return [profile["slug"] for profile in _profile_list(make_spawner())]

    return run_in_own_loop(slugs)


def render_spawn_form(objects: list[dict[str, Any]], namespace: str, directory: Path) -> str:
    """The spawn form's HTML as KubeSpawner renders it (its own template) from the shipped profiles."""
    make_spawner = _spawner_factory(objects, namespace, directory, "student1")

    async def render() -> str:
        spawner = make_spawner()
        return spawner._render_options_form(_profile_list(spawner))

    return run_in_own_loop(render)
