"""In Chromium, the landing page with the owner's own name, words, logo and colour, at desktop
and phone size: branded, fits, passes axe-core, shows focus; a click outside the modal closes it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, AppServer
from leads.tests.browser import DESKTOP, PHONE, axe_violations, overflow, unfocused_outlines

pytestmark = pytest.mark.browser

LOGO = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10">'
    '<circle cx="5" cy="5" r="5" fill="#e91e63"/></svg>'
)
BRAND = {
    "SITE_NAME": "Acme <Rockets> & Co",
    "SITE_HEADLINE": "Rockets for everyone.",
    "SITE_DESCRIPTION": "The first rocket you can park in a garage. Be the first to fly one.",
    "SITE_ACCENT": "#e91e63",
    "PRIVACY_LINE": "No spam, ever. We write once, at launch.",
    "SHOW_COUNT": "True",
}


@pytest.fixture(scope="module")
def server(app_server_module, tmp_path_factory) -> AppServer:
    folder = tmp_path_factory.mktemp("brand")
    (folder / "rocket.svg").write_text(LOGO)
    static_root = folder / "static"
    env = {**BRAND, "SITE_LOGO": str(folder / "rocket.svg"), "STATIC_ROOT": str(static_root)}
    collect = [sys.executable, "manage.py", "collectstatic", "--no-input", "-v", "0"]
    subprocess.run(collect, cwd=ROOT, env={**os.environ, **env}, check=True)
    server = app_server_module(workers=2, **env)
    code = (
        "from leads.store import get_store; from leads.tests.factories import lead; "
        "[get_store().add(lead(f'u{i}@x.com', minutes=i)) for i in range(3)]"
    )
    server.manage("shell", "-v", "0", "-c", code)
    return server


@pytest.fixture(params=[DESKTOP, PHONE], ids=["desktop", "phone"])
def page(request, browser):
    context = browser.new_context(viewport=request.param, bypass_csp=True)
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    yield page
    context.close()


class TestBrandedLanding:
    def test_it_shows_the_owners_page(self, page, server):
        page.goto(server.url + "/", wait_until="networkidle")
        assert page.title() == "Acme <Rockets> & Co: Rockets for everyone."
        assert page.inner_text("h1") == "Rockets for everyone."
        assert "3 people are on the list." in page.inner_text(".hero")
        assert page.inner_text(".brand") == "Acme <Rockets> & Co"
        assert "No spam, ever." in page.inner_text("footer")
        logo = page.locator("img.logo")
        assert logo.evaluate("img => img.complete && img.naturalWidth > 0")
        assert "/static/brand/rocket." in (logo.get_attribute("src") or "")
        button = page.get_by_role("button", name="Join the waitlist")
        colour = button.evaluate("b => getComputedStyle(b).backgroundColor")
        assert colour.startswith("rgb(") and colour != "rgb(11, 92, 173)"  # not the default blue
        image = page.locator('meta[property="og:image"]').get_attribute("content") or ""
        assert image.startswith(server.url + "/static/leads/img/icon-512.")  # SVG logo: default
        assert page.problems == []

    def test_it_fits_passes_axe_and_shows_focus(self, page, server):
        page.goto(server.url + "/", wait_until="networkidle")
        assert overflow(page) <= 0
        assert axe_violations(page) == []
        assert unfocused_outlines(page) == []

    def test_a_click_outside_the_modal_closes_it(self, page, server):
        page.goto(server.url + "/", wait_until="networkidle")
        page.get_by_role("button", name="Join the waitlist").click()
        assert page.evaluate("document.getElementById('signup-dialog').open")
        assert axe_violations(page) == []  # the open modal too
        page.locator("#id_email").click()  # inside: stays open
        assert page.evaluate("document.getElementById('signup-dialog').open")
        page.mouse.click(3, 3)  # the backdrop
        assert not page.evaluate("document.getElementById('signup-dialog').open")
        assert page.problems == []


def test_the_logo_is_collected_alone(server):
    names = {p.name for p in (Path(server.env["STATIC_ROOT"]) / "brand").iterdir()}
    assert "rocket.svg" in names  # and its hashed copy, nothing else of its folder
    assert all(name.startswith("rocket.") for name in names), names
