"""The Caddyfile of the HTTPS front: one site for the hub's host over HTTPS, and its HTTP twin that
answers ACME challenges and redirects everything else to HTTPS.

Addresses come from environment variables the Deployment sets (HTTP_PORT, HTTPS_PORT,
PROXY_UPSTREAM, and BIND_ADDRESSES, which defaults to every IPv4 address), and paths are relative:
certificates go to Caddy's default storage, $XDG_DATA_HOME/caddy, and the ACME server's CA file is read
from the working directory (the Caddyfile's folder). So the same file runs unchanged on 127.0.0.1 in
the tests. HSTS is not set here: the hub sends it (jupyterhub_config.py).
"""

from ..config.https import LetsEncryptConfig

CONFIG_DIR = "/etc/caddy"
CA_CERTIFICATE_FILE = "acme-ca.pem"
DATA_DIR = "/data"
"""Caddy's XDG_DATA_HOME."""
STORAGE_DIR = f"{DATA_DIR}/caddy"
"""Where Caddy keeps certificates and its ACME account (its default storage under XDG_DATA_HOME)."""


def caddyfile(host: str, letsencrypt: LetsEncryptConfig) -> str:
    """The Caddyfile for one hub's host."""
    trusted_root = f"\tacme_ca_root {CA_CERTIFICATE_FILE}\n" if letsencrypt.ca_certificate is not None else ""
    return (
        "# Written by the jupyterhub Pulumi program (components/autohttps/caddyfile.py).\n"
        "{\n"
        "\thttp_port {$HTTP_PORT}\n"
        "\thttps_port {$HTTPS_PORT}\n"
        "\tadmin off\n"
        f"\temail {letsencrypt.contact_email}\n"
        f"\tacme_ca {letsencrypt.acme_server}\n"
        f"{trusted_root}"
        # The Service maps 80 to HTTP_PORT: Caddy's own redirect would name HTTPS_PORT, so the HTTP site
        # below redirects to the standard port instead.
        "\tauto_https disable_redirects\n"
        "}\n"
        "\n"
        f"{host} {{\n"
        "\tbind {$BIND_ADDRESSES:0.0.0.0}\n"
        "\treverse_proxy {$PROXY_UPSTREAM}\n"
        "}\n"
        "\n"
        # ACME HTTP-01 challenges are answered before these routes; everything else moves to HTTPS.
        f"http://{host} {{\n"
        "\tbind {$BIND_ADDRESSES:0.0.0.0}\n"
        "\tredir https://{host}{uri} 308\n"
        "}\n"
    )
