"""A hub's look: files of the project in the hub's ConfigMap (the logo as binaryData), text made safe HTML,
wrong files refused at their line before anything is declared."""

import base64
import json

import pytest

from components.config.branding import text_as_html

from .helpers import DEV_STACK_HEAD, ROOT, assert_refused, find, plan_config, stack_config
from .variations import VARIATIONS

HEAD = DEV_STACK_HEAD + "        branding:\n"
# Lines 1-10; each case adds branding settings from line 11 on.

CASES = [
    (
        "logo-missing",
        HEAD + "          logo: stacks/branding/nope.png\n",
        11,
        "hubs.physics.hub.branding.logo",
        "no such file",
    ),
    (
        "logo-outside-the-project",
        HEAD + "          logo: ../etc/passwd\n",
        11,
        "hubs.physics.hub.branding.logo",
        "must be a path inside the project",
    ),
    (
        "logo-absolute",
        HEAD + "          logo: /etc/hostname\n",
        11,
        "hubs.physics.hub.branding.logo",
        "must be a path inside the project",
    ),
    (
        "logo-not-an-image",
        HEAD + "          logo: README.md\n",
        11,
        "hubs.physics.hub.branding.logo",
        "a logo is a .png, .jpg, .gif or .svg image",
    ),
    (
        "logo-svg-that-is-not",
        HEAD + "          logo: tests/data/not-an-image.svg\n",
        11,
        "hubs.physics.hub.branding.logo",
        "is not an SVG image",
    ),
    (
        "logo-png-that-is-not",
        HEAD + "          logo: tests/data/not-an-image.png\n",
        11,
        "hubs.physics.hub.branding.logo",
        "is not a PNG image",
    ),
    (
        "template-name",
        HEAD + "          templates: {Login.HTML: stacks/branding/phys101-home.html}\n",
        11,
        "hubs.physics.hub.branding.templates",
        "is not a JupyterHub page template's name",
    ),
    (
        "login-text-and-own-login-page",
        HEAD + "          loginText: Welcome\n          templates: {login.html: stacks/branding/phys101-home.html}\n",
        11,
        "hubs.physics.hub.branding.loginText",
        "your own login.html replaces the page that shows loginText",
    ),
    (
        "empty-announcement",
        HEAD + "          announcement: ''\n",
        11,
        "hubs.physics.hub.branding.announcement",
        "at least 1",
    ),
]


@pytest.mark.parametrize(("content", "line", "path", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_wrong_branding_is_refused_at_its_line(tmp_path, content, line, path, fragment):
    assert_refused(tmp_path, content, line, path, fragment)


def test_a_logo_too_big_for_the_config_map_is_refused(tmp_path):
    big = ROOT / "build" / "test-data" / "big-logo.png"
    big.parent.mkdir(parents=True, exist_ok=True)
    big.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(300 * 1024))
    content = HEAD + "          logo: build/test-data/big-logo.png\n"
    assert_refused(tmp_path, content, 11, "hubs.physics.hub.branding.logo", "a logo may take 256 KiB")


@pytest.mark.parametrize(
    ("text", "as_paragraphs", "as_line"),
    [
        ("Servers restart <Friday>", "<p>Servers restart &lt;Friday&gt;</p>", "Servers restart &lt;Friday&gt;"),
        (
            "Help: https://uni.edu/help.",
            '<p>Help: <a href="https://uni.edu/help" rel="noopener">https://uni.edu/help</a>.</p>',
            'Help: <a href="https://uni.edu/help" rel="noopener">https://uni.edu/help</a>.',
        ),
        ("One\n\nTwo\nlines", "<p>One</p><p>Two<br>lines</p>", "One<br>Two<br>lines"),
        (
            'A "quote" & https://x.edu/?a=1&b="2"',
            '<p>A &quot;quote&quot; &amp; <a href="https://x.edu/?a=1&amp;b=" rel="noopener">https://x.edu/?a=1&amp;b=</a>'
            "&quot;2&quot;</p>",
            'A &quot;quote&quot; &amp; <a href="https://x.edu/?a=1&amp;b=" rel="noopener">https://x.edu/?a=1&amp;b=</a>'
            "&quot;2&quot;",
        ),
        ("javascript:alert(1)", "<p>javascript:alert(1)</p>", "javascript:alert(1)"),
    ],
)
def test_text_becomes_safe_html(text, as_paragraphs, as_line):
    assert text_as_html(text) == as_paragraphs
    assert text_as_html(text, "br") == as_line


def _hub_files(tmp_path, config):
    objects = plan_config(tmp_path, config, stack="branding").kubernetes_objects()
    config_map = find(objects, "ConfigMap", "hub", "phys101")
    deployment = find(objects, "Deployment", "hub", "phys101")
    return config_map, deployment["spec"]["template"]["metadata"]["annotations"]


def test_the_branding_files_travel_in_the_hub_config_map(tmp_path):
    config_map, _ = _hub_files(tmp_path, VARIATIONS["branded"])
    logo = (ROOT / "stacks" / "branding" / "phys101-logo.svg").read_bytes()
    assert base64.b64decode(config_map["binaryData"]["logo.svg"]) == logo
    assert config_map["data"]["home.html"] == (ROOT / "stacks" / "branding" / "phys101-home.html").read_text()
    assert "{{ login_text | safe }}" in config_map["data"]["login.html"]  # the shipped page for loginText
    settings = json.loads(config_map["data"]["settings.json"])["branding"]
    assert settings["logo"] == "logo.svg" and settings["templates"] is True
    assert settings["announcement"] == "Servers restart Friday at 18:00 &lt;save your work&gt;."


def test_a_hub_without_branding_ships_no_files_for_it(tmp_path):
    config = stack_config({"phys101": {"hub": {"authenticator": {"type": "dummy"}, "adminUsers": ["a"]}}})
    config_map, _ = _hub_files(tmp_path, config)
    assert set(config_map["data"]) == {"jupyterhub_config.py", "settings.json"} and "binaryData" not in config_map
    branding = json.loads(config_map["data"]["settings.json"])["branding"]
    assert branding == {"logo": None, "templates": False, "announcement": None, "loginText": None}


def test_a_new_logo_rolls_the_hub(tmp_path):
    (tmp_path / "a").mkdir()
    _, before = _hub_files(tmp_path / "a", VARIATIONS["branded"])
    other = json.loads(json.dumps(VARIATIONS["branded"]))
    other["config"]["jupyterhub:hubs"]["phys101"]["hub"]["branding"]["logo"] = "tests/data/logo.png"
    (tmp_path / "b").mkdir()
    _, after = _hub_files(tmp_path / "b", other)
    assert before["checksum/config"] != after["checksum/config"]


def test_branding_and_extra_config_must_fit_the_config_map_together(tmp_path):
    logo = ROOT / "build" / "test-data" / "200k-logo.png"
    logo.parent.mkdir(parents=True, exist_ok=True)
    logo.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200 * 1024))  # 267 KiB as base64
    snippet = "x = 1  # " + "a" * (700 * 1024) + "\n"
    content = (
        HEAD
        + "          logo: build/test-data/200k-logo.png\n"
        + (f"        allowExtraConfig: true\n        extraConfig:\n          big: {json.dumps(snippet)}\n")
    )
    assert_refused(tmp_path, content, 10, "hubs.physics.hub.branding", "do not fit the hub's ConfigMap")
