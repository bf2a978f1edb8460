"""HTTPS for real: the workshop stack's proxy (mode `manual`) run by configurable-http-proxy with a
certificate in the TLS Secret's place: it serves HTTPS, redirects plain HTTP, and the hub adds HSTS."""

import pytest
import requests

from tools.plan import make_plan

from .hub_harness import hub_from_plan

# The test certificate is self-signed: requests are made with verify=False on purpose.
pytestmark = pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")


@pytest.fixture(scope="module")
def workshop_hub(tmp_path_factory):
    with hub_from_plan(
        make_plan("workshop").kubernetes_objects(), "summer-workshop", tmp_path_factory.mktemp("https-hub")
    ) as hub:
        yield hub


def test_the_proxy_serves_https_and_the_hub_sends_hsts(workshop_hub):
    assert workshop_hub.public_url.startswith("https://127.0.0.1:")
    answer = requests.get(f"{workshop_hub.public_url}hub/login", timeout=10, verify=False)  # noqa: S501
    assert answer.status_code == 200 and "Sign in with GitHub" in answer.text
    assert answer.headers["Strict-Transport-Security"] == "max-age=31536000"


def test_plain_http_is_redirected_to_https(workshop_hub):
    answer = requests.get(f"{workshop_hub.redirect_url}hub/login", timeout=10, allow_redirects=False)
    assert answer.status_code == 301
    # To the same host on the public HTTPS port (proxy-public's 443; the test reaches it through a forward).
    assert answer.headers["Location"] == "https://127.0.0.1:443/hub/login"


def test_the_proxy_does_not_speak_plain_http_on_its_https_port(workshop_hub):
    with pytest.raises(requests.ConnectionError):
        requests.get(workshop_hub.public_url.replace("https://", "http://") + "hub/login", timeout=5)
