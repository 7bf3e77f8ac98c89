"""A referral in real Chromium: the modal's signup carries the /?ref= code, and the manage
page's Copy button copies the referral link."""

from __future__ import annotations

import json

import pytest

from conftest import AppServer
from front.tests.test_browser_signup import new_page

pytestmark = pytest.mark.browser

REFERRER = """
import json
from leads import links, referrals
from leads.store import get_store
from leads.tests.factories import add_confirmed, lead
ann = add_confirmed(get_store(), lead("ann@x.com"))
print(json.dumps({"code": ann.ref_code, "manage": links.url(ann, links.MANAGE),
                  "share": referrals.share_url(ann)}))
"""
REFERRED_BY = "from leads.store import get_store; print(get_store().get('bo@y.org').referred_by)"


@pytest.fixture
def server(app_server) -> AppServer:
    return app_server(workers=1)


def test_the_modal_signup_carries_the_code_and_the_link_copies(browser, server):
    ann = json.loads(server.manage("shell", "-v", "0", "-c", REFERRER).stdout)
    page, problems = new_page(browser)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)

    page.goto(f"{server.url}/?ref={ann['code']}")
    page.click("text=Join the waitlist")
    page.fill("#id_name", "Bo")
    page.fill("#id_email", "bo@y.org")
    page.click("form[data-signup] button[type=submit]")
    page.wait_for_selector(".status.ok")
    assert server.manage("shell", "-v", "0", "-c", REFERRED_BY).stdout.strip() == ann["code"]

    page.goto(ann["manage"])
    field = page.locator("#share-link")
    assert field.input_value() == ann["share"]
    assert field.get_attribute("readonly") is not None
    page.get_by_role("button", name="Copy").click()
    page.wait_for_selector(".copy-status:has-text('Copied.')")
    assert page.evaluate("navigator.clipboard.readText()") == ann["share"]
    assert problems == []
