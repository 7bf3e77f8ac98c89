"""The pages behind our mails' links in Chromium, at desktop and phone size: each fits the
screen, passes axe-core and shows focus."""

from __future__ import annotations

import json

import pytest

from conftest import AppServer
from leads.tests.browser import DESKTOP, PHONE, axe_violations, overflow, unfocused_outlines

pytestmark = pytest.mark.browser

LINKS = """
import json
from leads import links
from leads.store import get_store
from leads.tests.factories import CONSENT, T0, lead
store = get_store()
store.add(lead("pending@x.com"))
store.add(lead("done@x.com", name="Ann <b>Lee</b> with a rather long name", preview=True))
done = store.confirm("done@x.com", consent=CONSENT, at=T0)
pending = store.get("pending@x.com")
print(json.dumps({
    "confirm": links.url(pending, links.CONFIRM),
    "confirmed": links.url(done, links.CONFIRM),
    "manage": links.url(done, links.MANAGE),
    "unsubscribe": links.url(pending, links.UNSUBSCRIBE),
}))
"""


def made_links(server: AppServer) -> dict[str, str]:
    return json.loads(server.manage("shell", "-v", "0", "-c", LINKS).stdout)


@pytest.fixture(scope="module")
def server(app_server_module) -> AppServer:
    return app_server_module(workers=2)


@pytest.fixture(scope="module")
def urls(server) -> dict[str, str]:
    return {
        **made_links(server),
        "bad link": server.url + "/confirm/not-a-token",
        "deleted": server.url + "/me/deleted",
    }


@pytest.fixture(params=[DESKTOP, PHONE], ids=["desktop", "phone"])
def page(request, browser):
    context = browser.new_context(viewport=request.param, bypass_csp=True)
    page = context.new_page()
    yield page
    context.close()


def check(page, what: str) -> None:
    assert overflow(page) <= 0, f"{what} is wider than the viewport"
    assert axe_violations(page) == [], what
    assert unfocused_outlines(page) == [], what


HEADINGS = {
    "confirm": "Confirm your address",
    "confirmed": "You are confirmed!",
    "manage": "Your details",
    "unsubscribe": "Unsubscribe",
    "bad link": "This link does not work",
    "deleted": "Your data is gone",
}


@pytest.mark.parametrize("what", HEADINGS)
def test_the_page_fits_passes_axe_and_shows_focus(page, urls, what):
    page.goto(urls[what])
    assert page.inner_text("h1") == HEADINGS[what]
    check(page, what)


def test_the_erasure_step_fits_passes_axe_and_shows_focus(page, urls):
    page.goto(urls["manage"])
    page.get_by_role("button", name="Delete my data").click()
    page.wait_for_selector("text=Delete your data?")
    check(page, "the erasure step")


@pytest.fixture(scope="module")
def expired_link(app_server_module) -> str:
    """A confirm link of a server whose confirm links expire at once."""
    return made_links(app_server_module(workers=1, CONFIRM_LINK_DAYS="-1"))["confirm"]


def test_the_expired_link_page_fits_passes_axe_and_shows_focus(page, expired_link):
    page.goto(expired_link)
    assert "This link has expired" in page.inner_text("main")
    check(page, "the expired link page")
