"""What is tested is what runs: the pinned hub image carries the JupyterHub stack the tests install."""

from importlib.metadata import version

from components.config.hub import HUB_IMAGE
from components.config.proxy import PROXY_IMAGE

# quay.io/jupyterhub/k8s-hub:4.4.0 freezes these (see its requirements.txt and ../shared/REFERENCE.md).
HUB_IMAGE_CONTENTS = {
    "4.4.0": {
        "jupyterhub": "5.5.0",
        "jupyterhub-kubespawner": "7.0.0",
        "oauthenticator": "17.4.0",
        "jupyterhub-idle-culler": "1.4.0",
    },
}


def test_hub_image_matches_the_tested_python_packages():
    tag = HUB_IMAGE.rsplit(":", 1)[1]
    assert tag in HUB_IMAGE_CONTENTS, f"no record of what {HUB_IMAGE} contains"
    installed = {package: version(package) for package in HUB_IMAGE_CONTENTS[tag]}
    assert installed == HUB_IMAGE_CONTENTS[tag]


def test_proxy_image_is_the_one_z2jh_4_4_0_uses():
    assert PROXY_IMAGE == "quay.io/jupyterhub/configurable-http-proxy:5.2.0"
