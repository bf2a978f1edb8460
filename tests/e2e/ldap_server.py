"""A campus directory for the LDAP tests: Debian's OpenLDAP (slapd) on 127.0.0.1, over StartTLS with a
certificate from a test CA, loaded with people and groups before it starts (slapadd)."""

import contextlib
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .cluster_network import ClusterNetwork
from .processes import LOOPBACK, running, wait_until

SUFFIX = "dc=uni,dc=edu"
PEOPLE = f"ou=people,{SUFFIX}"
GROUPS = f"ou=groups,{SUFFIX}"
SERVICE_DN = f"cn=jupyterhub,ou=services,{SUFFIX}"
SCHEMAS = ("core", "cosine", "inetorgperson", "nis")


@dataclass(frozen=True)
class Directory:
    """A running directory: where it listens."""

    port: int


def slapd_available() -> bool:
    """Whether OpenLDAP's server is installed (Debian's slapd: /usr/sbin/slapd, slapadd)."""
    return shutil.which("slapd", path="/usr/sbin:/usr/bin") is not None


def _entries(people: dict[str, str], groups: dict[str, list[str]], service_password: str) -> str:
    """LDIF: the tree, each person (uid: password), each group (groupOfNames of people's DNs), the service
    account the hub looks users up with."""
    blocks = [
        f"dn: {SUFFIX}\nobjectClass: dcObject\nobjectClass: organization\no: Uni\ndc: uni",
        f"dn: {PEOPLE}\nobjectClass: organizationalUnit\nou: people",
        f"dn: {GROUPS}\nobjectClass: organizationalUnit\nou: groups",
        f"dn: ou=services,{SUFFIX}\nobjectClass: organizationalUnit\nou: services",
        f"dn: {SERVICE_DN}\nobjectClass: person\nobjectClass: simpleSecurityObject\ncn: jupyterhub\nsn: hub\n"
        f"userPassword: {service_password}",
    ]
    for uid, password in people.items():
        blocks.append(
            f"dn: uid={uid},{PEOPLE}\nobjectClass: inetOrgPerson\nuid: {uid}\ncn: {uid}\nsn: {uid}\n"
            f"mail: {uid}@uni.edu\nuserPassword: {password}"
        )
    for name, members in groups.items():
        member_lines = "".join(f"\nmember: uid={uid},{PEOPLE}" for uid in members)
        blocks.append(f"dn: cn={name},{GROUPS}\nobjectClass: groupOfNames\ncn: {name}{member_lines}")
    return "\n\n".join(blocks) + "\n"


def _config(directory: Path, ca: Path, certificate: Path, key: Path) -> str:
    includes = "".join(f"include /etc/ldap/schema/{schema}.schema\n" for schema in SCHEMAS)
    return (
        f"{includes}"
        "modulepath /usr/lib/ldap\nmoduleload back_mdb\n"
        f"pidfile {directory}/slapd.pid\n"
        f"TLSCACertificateFile {ca}\nTLSCertificateFile {certificate}\nTLSCertificateKeyFile {key}\n"
        "security simple_bind=128\n"  # no password over a connection TLS does not protect
        "database mdb\n"
        f'suffix "{SUFFIX}"\n'
        f'rootdn "cn=admin,{SUFFIX}"\n'
        f"directory {directory}/data\n"
        "access to attrs=userPassword by self read by anonymous auth by * none\n"
        "access to * by users read by * none\n"
    )


@contextlib.contextmanager
def ldap_directory(
    directory: Path,
    people: dict[str, str],
    groups: dict[str, list[str]],
    service_password: str,
    port: int,
    tls_files: tuple[Path, Path, Path],
    network: ClusterNetwork | None = None,
    ldaps_port: int | None = None,
) -> Iterator[Directory]:
    """slapd serving these people and groups on 127.0.0.1 (StartTLS required to bind): this machine's, or
    the cluster network's where the hub runs (`network`); LDAPS too on `ldaps_port`. `tls_files`: its CA,
    certificate and key for 127.0.0.1 (acme.write_tls_files)."""
    inside = network.command if network else (lambda command: command)
    ca, certificate, key = tls_files
    (directory / "data").mkdir(parents=True)
    config = directory / "slapd.conf"
    config.write_text(_config(directory, ca, certificate, key))
    ldif = directory / "tree.ldif"
    ldif.write_text(_entries(people, groups, service_password))
    subprocess.run(["slapadd", "-f", str(config), "-l", str(ldif)], check=True, capture_output=True)
    log = directory / "slapd.log"
    # -d keeps slapd in the foreground (stopped by its pid); it listens on the loopback only.
    probe = [sys.executable, "-c", f"import socket; socket.create_connection(({LOOPBACK!r}, {port}), timeout=1)"]
    urls = f"ldap://{LOOPBACK}:{port}/" + (f" ldaps://{LOOPBACK}:{ldaps_port}/" if ldaps_port else "")
    with running(inside(["slapd", "-d", "0", "-f", str(config), "-h", urls]), log):

        def listening() -> bool:
            return subprocess.run(inside(probe), capture_output=True, check=False).returncode == 0

        wait_until(listening, 30, "slapd to listen", log)
        yield Directory(port=port)
