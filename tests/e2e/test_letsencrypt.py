"""HTTPS `letsencrypt` for real: the plan's Caddyfile and certificate store run by Caddy and Python in
front of the real proxy and hub, against Pebble (a real ACME server that validates challenges by
connecting back). Caddy gets a certificate for the host, serves the hub over HTTPS, redirects HTTP,
and the certificate store keeps the certificate in the Secret (on a fake API server); a new Caddy
with an empty disk restores it from there and serves the same certificate without a new order."""

import base64
import socket
import ssl
import time
from pathlib import Path

import pytest
import requests
import urllib3
from cryptography import x509

from ..helpers import ROOT, find, plan_config
from .acme import CHALLTESTSRV, PEBBLE, acme_server
from .fake_cluster import running_fake_cluster
from .https_front import CADDY, front_from_plan
from .hub_harness import hub_from_plan, local_service_addresses
from .processes import LOOPBACK, free_port

HOST = "hub.example.edu"
NAMESPACE = "jupyterhub"

pytestmark = [
    pytest.mark.skipif(
        not all(Path(program).exists() for program in (CADDY, PEBBLE, CHALLTESTSRV)),
        reason="caddy and pebble are not installed (.ci/run installs the Debian packages)",
    ),
    # Waiting for Pebble's directory does not check its test certificate (processes.wait_for_http).
    pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning"),
]


def _stack(acme_directory: str, ca_pem: str) -> str:
    dev = (ROOT / "Pulumi.dev.yaml").read_text()
    indented = "".join(f"              {line}\n" for line in ca_pem.strip().splitlines())
    return dev.replace("    jupyterhub:\n      hub:\n", f"    jupyterhub:\n      host: {HOST}\n      hub:\n").replace(
        "          nodePort: 30080\n",
        "          nodePort: 30080\n"
        "        https:\n"
        "          mode: letsencrypt\n"
        "          letsencrypt:\n"
        "            contactEmail: it@example.edu\n"
        f"            acmeServer: {acme_directory}\n"
        "            caCertificate: |\n"
        f"{indented}",
    )


def served_certificate(port: int, trusted_root: Path) -> x509.Certificate | None:
    """The certificate Caddy presents for HOST, if it verifies against `trusted_root` (else None)."""
    context = ssl.create_default_context(cafile=str(trusted_root))
    try:
        with (
            socket.create_connection((LOOPBACK, port), timeout=5) as raw,
            context.wrap_socket(raw, server_hostname=HOST) as tls,
        ):
            return x509.load_der_x509_certificate(tls.getpeercert(binary_form=True))
    except (ssl.SSLError, OSError):
        return None


def wait_for(condition, timeout: float, what: str, logs: list[Path]):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.5)
    raise TimeoutError(
        f"{what} within {timeout} s\n" + "\n".join(log.read_text()[-3000:] for log in logs if log.exists())
    )


class Run:
    """What the module's one deployment did, for the tests below to check."""


@pytest.fixture(scope="module", params=["http-01", "tls-alpn-01"])
def run(request, tmp_path_factory):
    """One deployment per ACME challenge type: Pebble validates only that one (it checks the other type
    on a port where nothing listens), so Caddy must answer it through the ports the Service maps."""
    directory = tmp_path_factory.mktemp(f"letsencrypt-{request.param}")
    http_port, https_port = free_port(), free_port()
    result = Run()
    result.challenge = request.param
    validated_ports = (http_port, free_port()) if request.param == "http-01" else (free_port(), https_port)
    with acme_server(directory / "acme", *validated_ports) as acme:
        objects = plan_config(
            directory, _stack(acme.directory_url, acme.tls_ca.read_text()), stack="acme"
        ).kubernetes_objects()
        addresses = local_service_addresses(objects, NAMESPACE)
        with (
            running_fake_cluster(directory / "api") as api_url,
            hub_from_plan(objects, NAMESPACE, directory / "hub", addresses=addresses) as hub,
        ):
            secret = find(objects, "Secret", "https-certificates", NAMESPACE)
            requests.post(
                f"{api_url}/api/v1/namespaces/{NAMESPACE}/secrets", json=secret, timeout=10
            ).raise_for_status()
            front_args = (objects, NAMESPACE)
            front_kwargs = {"upstream": addresses["proxy-http"], "http_port": http_port, "https_port": https_port}
            with front_from_plan(*front_args, directory / "first", api_server=api_url, **front_kwargs) as front:
                root = directory / "pebble-root.pem"
                root.write_text(acme.issuing_root())
                logs = [front.caddy_log, acme.log, front.store_log]
                result.certificate = wait_for(
                    lambda: served_certificate(https_port, root), 90, "Caddy served no certificate from Pebble", logs
                )
                pool = urllib3.HTTPSConnectionPool(
                    LOOPBACK, https_port, server_hostname=HOST, assert_hostname=HOST, ca_certs=str(root)
                )
                result.login = pool.request("GET", "/hub/login", headers={"Host": HOST}, redirect=False)
                result.redirect = requests.get(
                    f"http://{LOOPBACK}:{http_port}/hub/login?next=%2Fhub%2F",
                    headers={"Host": HOST},
                    allow_redirects=False,
                    timeout=10,
                )

                def stored():
                    answer = requests.get(
                        f"{api_url}/api/v1/namespaces/{NAMESPACE}/secrets/https-certificates", timeout=10
                    )
                    data = answer.json().get("data") or {}
                    return data if any(key.endswith(f"{HOST}.crt") for key in data) else None

                result.secret_data = wait_for(stored, 30, "the certificate was not stored in the Secret", logs)
            result.caddy_log = front.caddy_log.read_text()
            result.issued_before_restart = acme.log.read_text().count("Issued certificate serial")
            # A new pod: an empty disk, restored from the Secret by the init container.
            with front_from_plan(*front_args, directory / "second", api_server=api_url, **front_kwargs) as again:
                result.restored_files = sorted(
                    p.relative_to(again.data_dir).as_posix() for p in again.data_dir.rglob("*.crt")
                )
                result.certificate_after_restart = wait_for(
                    lambda: served_certificate(https_port, root),
                    30,
                    "the restored certificate was not served",
                    [again.caddy_log],
                )
                result.hub_log = hub.hub_log
            result.issued_after_restart = acme.log.read_text().count("Issued certificate serial")
    return result


def test_caddy_obtains_a_certificate_for_the_host_from_the_acme_server(run):
    names = run.certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == [HOST]
    assert "Pebble" in run.certificate.issuer.rfc4514_string()
    assert f'"challenge":"{run.challenge}"' in run.caddy_log  # answered through the port the Service maps


def test_the_hub_is_served_over_https_with_hsts(run):
    assert run.login.status == 200
    assert 'name="username"' in run.login.data.decode()  # the dev stack's login form, from the real hub
    assert run.login.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_plain_http_is_redirected_to_https_on_the_standard_port(run):
    assert run.redirect.status_code == 308
    assert run.redirect.headers["Location"] == f"https://{HOST}/hub/login?next=%2Fhub%2F"


def test_the_certificate_and_account_are_kept_in_the_secret(run):
    keys = set(run.secret_data)
    certificate_key = next(key for key in keys if key.endswith(f"{HOST}.crt"))
    assert certificate_key.startswith("certificates_2f")  # certificates/<issuer>/<host>/<host>.crt
    stored = x509.load_pem_x509_certificates(base64.b64decode(run.secret_data[certificate_key]))[0]
    assert stored.serial_number == run.certificate.serial_number
    assert any(key.endswith(f"{HOST}.key") for key in keys)
    assert any(key.startswith("acme_2f") for key in keys)  # the ACME account, so renewals reuse it
    assert not any(key.startswith("locks") for key in keys)


def test_a_new_pod_serves_the_stored_certificate_without_a_new_order(run):
    assert any(
        path.startswith("caddy/certificates/") and path.endswith(f"/{HOST}/{HOST}.crt") for path in run.restored_files
    )
    assert run.certificate_after_restart.serial_number == run.certificate.serial_number
    assert run.issued_after_restart == run.issued_before_restart == 1
