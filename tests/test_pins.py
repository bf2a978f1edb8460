"""What is tested is what runs: the pinned hub image carries the JupyterHub stack the tests install."""

from importlib.metadata import version

from components.config.hub import HUB_IMAGE
from components.config.proxy import PROXY_IMAGE

from .helpers import ROOT

# What quay.io/jupyterhub/k8s-hub:4.4.0 freezes, read from z2jh's images/hub/requirements.txt at tag 4.4.0
# (the file the image is built from): the hub software and the libraries its behaviour rests on (the
# HTTP server, traitlets, the database layer, the Kubernetes client, name escaping, JWTs, date parsing).
HUB_IMAGE_CONTENTS = {
    "4.4.0": {
        "jupyterhub": "5.5.0",
        "jupyterhub-kubespawner": "7.0.0",
        "oauthenticator": "17.4.0",
        "jupyterhub-ldapauthenticator": "2.0.2",
        "jupyterhub-ltiauthenticator": "1.6.3",
        "ldap3": "2.9.1",
        "oauthlib": "3.3.1",
        "google-auth": "2.53.0",
        "jupyterhub-idle-culler": "1.4.0",
        "kubernetes-asyncio": "36.1.0",
        "tornado": "6.5.7",
        "traitlets": "5.15.1",
        "sqlalchemy": "2.0.50",
        "alembic": "1.18.4",
        "aiohttp": "3.14.1",
        "escapism": "1.1.0",
        "python-slugify": "8.0.4",
        "pyjwt": "2.13.0",
        "python-dateutil": "2.9.0.post0",
        "requests": "2.34.2",
        "urllib3": "2.7.0",
    },
}


def _dev_pins() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "requirements-dev.txt").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, pinned = line.split("==")
            pins[name.strip().lower().replace("_", "-")] = pinned.split()[0]
    return pins


def test_hub_image_matches_the_tested_python_packages():
    """The tests run the hub with what the image runs: installed, and pinned so for the next install."""
    tag = HUB_IMAGE.rsplit(":", 1)[1]
    assert tag in HUB_IMAGE_CONTENTS, f"no record of what {HUB_IMAGE} contains"
    frozen = HUB_IMAGE_CONTENTS[tag]
    assert {package: version(package) for package in frozen} == frozen
    assert {package: _dev_pins().get(package) for package in frozen} == frozen


def test_proxy_image_is_the_one_z2jh_4_4_0_uses():
    assert PROXY_IMAGE == "quay.io/jupyterhub/configurable-http-proxy:5.2.0"
