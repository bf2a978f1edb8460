"""A real ACME server on 127.0.0.1 for the letsencrypt tests: Pebble, Let's Encrypt's test server
(Debian package `pebble`), with pebble-challtestsrv as its DNS server answering 127.0.0.1 for every
name. Pebble validates challenges for real: it fetches http://<host>:<http_port>/.well-known/... from
whatever listens there (Caddy, in the tests), and signs certificates with a fresh root of its own.
"""

import contextlib
import datetime
import ipaddress
import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from .processes import LOOPBACK, free_port, running, wait_for_http

PEBBLE = shutil.which("pebble") or "/usr/bin/pebble"
CHALLTESTSRV = shutil.which("pebble-challtestsrv") or "/usr/bin/pebble-challtestsrv"


@dataclass
class AcmeServer:
    directory_url: str
    """The ACME directory (what `acmeServer` names)."""
    tls_ca: Path
    """The CA that signed Pebble's own HTTPS certificate (what `caCertificate` carries)."""
    management_url: str
    log: Path

    def issuing_root(self) -> str:
        """The root Pebble signs certificates with (PEM); new every time Pebble starts."""
        answer = requests.get(f"{self.management_url}/roots/0", timeout=10, verify=str(self.tls_ca))
        answer.raise_for_status()
        return answer.text


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def write_tls_files(directory: Path, names: tuple[str, ...] = ()) -> tuple[Path, Path, Path]:
    """A test CA, and a certificate it signs for 127.0.0.1 (and these DNS names): (ca.pem, cert.pem, key.pem)."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("ACME test server CA"))
        .issuer_name(_name("ACME test server CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(LOOPBACK))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address(LOOPBACK)), *(x509.DNSName(name) for name in names)]
            ),
            critical=False,
        )
        .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    paths = directory / "ca.pem", directory / "cert.pem", directory / "key.pem"
    paths[0].write_bytes(_pem(ca))
    paths[1].write_bytes(_pem(certificate))
    paths[2].write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return paths


@contextlib.contextmanager
def acme_server(directory: Path, http_port: int, tls_port: int) -> Iterator[AcmeServer]:
    """Pebble and its DNS server, validating HTTP-01 on `http_port` and TLS-ALPN-01 on `tls_port`."""
    ca, certificate, key = write_tls_files(directory / "tls")
    dns_port, listen_port, management_port = free_port(), free_port(), free_port()
    config = directory / "pebble.json"
    config.write_text(
        json.dumps(
            {
                "pebble": {
                    "listenAddress": f"{LOOPBACK}:{listen_port}",
                    "managementListenAddress": f"{LOOPBACK}:{management_port}",
                    "certificate": str(certificate),
                    "privateKey": str(key),
                    "httpPort": http_port,
                    "tlsPort": tls_port,
                    "ocspResponderURL": "",
                    "externalAccountBindingRequired": False,
                }
            }
        )
    )
    dns = [
        CHALLTESTSRV,
        f"-dns01={LOOPBACK}:{dns_port}",
        "-http01=",
        "-https01=",
        "-tlsalpn01=",
        f"-management={LOOPBACK}:{free_port()}",
        f"-defaultIPv4={LOOPBACK}",
        "-defaultIPv6=",
    ]
    pebble = [PEBBLE, "-config", str(config), "-dnsserver", f"{LOOPBACK}:{dns_port}"]
    # No random sleeps before validation, and no nonces rejected at random (Pebble's defaults test clients'
    # retries; here they would only make the test slower).
    pebble_env = {"PEBBLE_VA_NOSLEEP": "1", "PEBBLE_WFE_NONCEREJECT": "0"}
    dns_log, pebble_log = directory / "challtestsrv.log", directory / "pebble.log"
    with running(dns, dns_log), running(pebble, pebble_log, env=pebble_env) as process:
        directory_url = f"https://{LOOPBACK}:{listen_port}/dir"
        wait_for_http(directory_url, process, pebble_log)
        yield AcmeServer(directory_url, ca, f"https://{LOOPBACK}:{management_port}", pebble_log)
