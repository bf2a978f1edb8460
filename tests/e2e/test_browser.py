"""The hub in a real browser (Debian's Chromium driven by Playwright): the login page, a login, the
admin panel and the spawn form. Screenshots go to build/screenshots/ (`make screenshots` refreshes the
ones in docs/screenshots/ that the README shows)."""

import os
import shutil
from pathlib import Path

import pytest

from ..helpers import ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(os.environ.get("SCREENSHOT_DIR", ROOT / "build" / "screenshots"))

pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="Chromium is not installed (apt-get install chromium; .ci/run does)"
)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _log_in(page, public_url: str, username: str) -> None:
    page.goto(f"{public_url}hub/login?next={public_url}hub/home")
    page.fill("#username_input", username)
    page.fill("#password_input", "any")
    page.click("#login_submit")
    page.wait_for_url(f"{public_url}hub/home")


def test_login_page_and_a_login(browser, dev_hub):
    page = browser.new_page(viewport={"width": 1200, "height": 700})
    page.goto(f"{dev_hub.public_url}hub/login")
    assert page.locator("#username_input").is_visible() and page.locator("#login_submit").is_visible()
    page.screenshot(path=SCREENSHOTS / "login.png")
    _log_in(page, dev_hub.public_url, "student1")
    assert page.get_by_text("Start My Server").is_visible()
    page.screenshot(path=SCREENSHOTS / "home.png")


def test_admin_panel_lists_the_users(browser, dev_hub):
    page = browser.new_page(viewport={"width": 1200, "height": 700})
    _log_in(page, dev_hub.public_url, "admin")
    page.goto(f"{dev_hub.public_url}hub/admin")
    for user in ("admin", "student1", "student2"):
        page.get_by_text(user, exact=True).first.wait_for(timeout=15000)
    page.screenshot(path=SCREENSHOTS / "admin.png")


def test_spawn_form_offers_the_profiles(browser, profiles_hub):
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    _log_in(page, profiles_hub.public_url, "learner")
    page.goto(f"{profiles_hub.public_url}hub/spawn")
    assert page.get_by_text("GPU (T4)").is_visible() and page.get_by_text("CPU only").is_visible()
    assert page.locator("input[name=profile]").count() == 2
    assert page.locator("input[name=profile][value=cpu-only]").is_checked()  # the default profile
    page.screenshot(path=SCREENSHOTS / "spawn-form.png")


def test_the_class_branding_shows_on_the_login_and_home_pages(browser, branded_hub):
    logo = (ROOT / "stacks" / "branding" / "phys101-logo.svg").read_bytes()
    page = browser.new_page(viewport={"width": 1200, "height": 800})
    page.goto(f"{branded_hub.public_url}hub/login")
    # The stack's logo, served by the hub and drawn by the browser at the SVG's size.
    image = page.locator("#jupyterhub-logo img")
    image.wait_for()
    assert page.evaluate("img => img.complete && img.naturalWidth", image.element_handle()) == 220
    assert page.request.get(f"{branded_hub.public_url}hub/logo").body() == logo
    # The announcement, as text (what looked like a tag stays text), and the login text with its link.
    banner = page.locator(".announcement")
    assert banner.is_visible() and banner.inner_text().strip() == "Servers restart Friday at 18:00 <save your work>."
    login_text = page.locator("#login-text")
    assert login_text.is_visible() and "PHYS 101, Fall term." in login_text.inner_text()
    assert login_text.locator("a").get_attribute("href") == "https://physics.example.edu/help"
    assert page.locator("#login_submit").is_visible()  # the login form is still there
    page.screenshot(path=SCREENSHOTS / "branded-login.png")
    _log_in(page, branded_hub.public_url, "student1")
    assert page.locator(".announcement").is_visible()  # on every page
    assert page.locator("#course-links").get_by_text("Syllabus").is_visible()  # the stack's home.html
    assert page.get_by_text("Start My Server").is_visible()  # which extends JupyterHub's own
    page.screenshot(path=SCREENSHOTS / "branded-home.png")
