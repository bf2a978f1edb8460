"""HomeSpawner, the KubeSpawner of the shipped jupyterhub_config.py, on the answers the API server can give:
it grows a smaller home to the configured size, leaves a home missing or large enough alone, starts the
server anyway when Kubernetes refuses to grow a claim, deletes a removed named server's claim (a claim
already gone is fine), never a user's own home, and never hides any other error of the API server.
The end-to-end stories (tests/e2e/test_homes.py) show the same on an emulated API server that says yes."""

import logging
import re
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from kubernetes_asyncio.client.rest import ApiException

from .e2e.user_pods import run_in_own_loop
from .hub_config import shipped_definitions


def _home_spawner() -> Any:
    namespace = {"re": re, "Decimal": Decimal, "Any": Any, "KubeSpawner": object, "ApiException": ApiException}
    names = {"_QUANTITY_SUFFIXES", "quantity_bytes", "HomeSpawner"}
    return shipped_definitions(names, namespace)["HomeSpawner"]


class Claims:
    """The API server's claims endpoints: the claim it holds (or the error it answers), and the calls made."""

    def __init__(
        self, size: str | None = "1Gi", read: int | None = None, patch: int | None = None, delete: int | None = None
    ):
        self.size, self.errors = size, {"read": read, "patch": patch, "delete": delete}
        self.calls: list[tuple[str, ...]] = []

    def _answer(self, verb: str) -> None:
        if self.errors[verb] is not None:
            raise ApiException(status=self.errors[verb], reason=f"{verb} refused")

    async def read_namespaced_persistent_volume_claim(self, name: str, namespace: str) -> Any:
        self.calls.append(("read", name, namespace))
        self._answer("read")
        return SimpleNamespace(spec=SimpleNamespace(resources=SimpleNamespace(requests={"storage": self.size})))

    async def patch_namespaced_persistent_volume_claim(
        self, name: str, namespace: str, body: Any, _content_type: str
    ) -> None:
        self.calls.append(("patch", name, namespace, str(body), _content_type))
        self._answer("patch")

    async def delete_namespaced_persistent_volume_claim(self, name: str, namespace: str) -> None:
        self.calls.append(("delete", name, namespace))
        self._answer("delete")


def _spawner(api: Claims, server: str = "", capacity: str = "2Gi", homes: bool = True) -> Any:
    pvc = f"claim-alice{'--' + server if server else ''}"
    return SimpleNamespace(
        api=api,
        pvc_name=pvc,
        namespace="phys101",
        storage_capacity=capacity,
        storage_pvc_ensure=homes,
        name=server,
        user=SimpleNamespace(name="alice"),
        log=logging.getLogger("home-spawner-test"),
    )


def _grow(spawner: Any) -> None:
    run_in_own_loop(lambda: _home_spawner()._grow_home(spawner))


def _delete(spawner: Any) -> None:
    run_in_own_loop(lambda: _home_spawner().delete_forever(spawner))


GROW = "{'spec': {'resources': {'requests': {'storage': '2Gi'}}}}"


def test_a_smaller_home_grows_to_the_configured_size():
    claims = Claims(size="1Gi")
    _grow(_spawner(claims))
    assert claims.calls == [
        ("read", "claim-alice", "phys101"),
        ("patch", "claim-alice", "phys101", GROW, "application/merge-patch+json"),
    ]


@pytest.mark.parametrize("size", ["2Gi", "2147483648", "3Gi", "2.5Gi"])
def test_a_home_as_large_or_larger_is_left_alone(size):
    claims = Claims(size=size)
    _grow(_spawner(claims))
    assert [call[0] for call in claims.calls] == ["read"]


def test_a_home_in_decimal_units_just_under_the_size_still_grows():
    claims = Claims(size="2G")  # 2,000,000,000 bytes: less than 2Gi
    _grow(_spawner(claims))
    assert [call[0] for call in claims.calls] == ["read", "patch"]


def test_a_missing_claim_is_left_to_kubespawner():
    claims = Claims(read=404)
    _grow(_spawner(claims))
    assert [call[0] for call in claims.calls] == ["read"]


@pytest.mark.parametrize("status", [401, 403, 500])
def test_any_other_error_reading_the_claim_stops_the_start(status):
    with pytest.raises(ApiException) as raised:
        _grow(_spawner(Claims(read=status)))
    assert raised.value.status == status


@pytest.mark.parametrize("status", [403, 422])
def test_a_claim_kubernetes_will_not_grow_still_starts_at_its_size(status, caplog):
    claims = Claims(size="1Gi", patch=status)
    with caplog.at_level(logging.WARNING, logger="home-spawner-test"):
        _grow(_spawner(claims))
    assert [call[0] for call in claims.calls] == ["read", "patch"]
    assert "Could not grow claim-alice to 2Gi" in caplog.text


def test_removing_a_named_server_deletes_its_claim():
    claims = Claims()
    _delete(_spawner(claims, server="project"))
    assert claims.calls == [("delete", "claim-alice--project", "phys101")]


def test_a_named_servers_claim_already_gone_is_fine():
    claims = Claims(delete=404)
    _delete(_spawner(claims, server="project"))
    assert [call[0] for call in claims.calls] == ["delete"]


@pytest.mark.parametrize("status", [403, 409, 500])
def test_any_other_error_deleting_a_claim_is_reported(status):
    with pytest.raises(ApiException) as raised:
        _delete(_spawner(Claims(delete=status), server="project"))
    assert raised.value.status == status


@pytest.mark.parametrize(("server", "homes"), [("", True), ("project", False)])
def test_a_users_own_home_and_homeless_servers_delete_nothing(server, homes):
    claims = Claims()
    _delete(_spawner(claims, server=server, homes=homes))
    assert claims.calls == []
