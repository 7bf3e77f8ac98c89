"""A joiner's whole way in real Chromium, with the worker sending mail through SES (moto's
server): sign up, read the mail, open its link, confirm, get the welcome mail, open the manage
page, change the answer, erase; with JavaScript on and off. And the mail's one-click unsubscribe."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from email.message import EmailMessage

import pytest
import requests

from conftest import ROOT, AppServer
from front.tests.test_browser_signup import new_page
from leads.tests.ses_outbox import SENDER, SesOutbox

pytestmark = pytest.mark.browser


class Site:
    def __init__(self, server: AppServer, outbox: SesOutbox) -> None:
        self.server, self.outbox, self.url = server, outbox, server.url

    def mails_to(self, address: str, count: int, timeout: float = 30) -> list[EmailMessage]:
        """The first `count` mails to `address`, waiting for the worker to send them."""
        deadline = time.monotonic() + timeout
        while True:
            mails = [m for m in self.outbox.read() if m["To"] == address]
            if len(mails) >= count or time.monotonic() > deadline:
                assert len(mails) >= count, f"{len(mails)} mails to {address}, not {count}"
                return mails[:count]
            time.sleep(0.2)

    def lead(self, email: str) -> dict | None:
        code = (
            "import json; from leads.store import get_store; "
            f"lead = get_store().get({email!r}); "
            "print(json.dumps(lead and {'status': lead.status, 'preview': lead.preview}))"
        )
        return json.loads(self.server.manage("shell", "-v", "0", "-c", code).stdout)

    def total(self) -> int:
        code = "from leads.store import get_store as g; g().settle(); print(g().total())"
        return int(self.server.manage("shell", "-v", "0", "-c", code).stdout)


def unsigned(url: str) -> str:
    """A signed link without its time and signature (Django's signing: value:time:signature)."""
    return url.rsplit(":", 2)[0]


@pytest.fixture
def site(app_server, moto, ses_moto) -> Iterator[Site]:
    outbox = SesOutbox(ses_moto.url)
    server = app_server(
        workers=2,
        EMAIL_URL="ses://",
        DEFAULT_FROM_EMAIL=SENDER,
        AWS_ENDPOINT_URL=moto.url,
        AWS_ENDPOINT_URL_SESV2=ses_moto.url,
        AWS_ENDPOINT_URL_SES=ses_moto.url,
    )
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "runworker", "--interval", "0.2"],
        cwd=ROOT,
        env=server.env,
        stdout=subprocess.DEVNULL,
    )
    try:
        yield Site(server, outbox)
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def text_of(mail: EmailMessage) -> str:
    body = mail.get_body(("plain",))
    assert body is not None
    return body.get_content()


def link(mail: EmailMessage, path: str) -> str:
    found = re.search(rf"http://127\.0\.0\.1:\d+/{path}/\S+", text_of(mail))
    assert found, f"no /{path}/ link in {mail['Subject']!r}"
    return found[0]


@pytest.mark.parametrize("javascript", [True, False], ids=["modal", "no-js"])
def test_a_joiner_signs_up_confirms_manages_and_erases(browser, site, javascript):
    page, problems = new_page(browser, java_script_enabled=javascript)
    page.goto(site.url + "/")
    if javascript:
        page.click("text=Join the waitlist")
    page.fill("#id_name", "Dee")
    page.fill("#id_email", "Dee@Example.com")
    page.check("input[name=previewAccess][value=Yes]")
    page.click("form[data-signup] button[type=submit]")
    if javascript:
        page.wait_for_selector(".status.ok")
    assert "d•••@example.com" in page.inner_text("main")

    (confirm_mail,) = site.mails_to("dee@example.com", 1)
    assert confirm_mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    page.goto(link(confirm_mail, "confirm"))
    assert page.inner_text("h1") == "Confirm your address"
    assert site.lead("dee@example.com") == {"status": "pending", "preview": True}
    page.get_by_role("button", name="Confirm").click()
    assert page.inner_text("h1") == "You are confirmed!"
    assert site.lead("dee@example.com") == {"status": "confirmed", "preview": True}

    welcome = site.mails_to("dee@example.com", 2)[1]
    assert "Your email is confirmed" in text_of(welcome)
    page.get_by_role("link", name="See or change your details").click()
    assert page.inner_text("h1") == "Your details"
    # The welcome mail's link is the same page (each link signed when made: the time differs).
    assert unsigned(page.url) == unsigned(link(welcome, "me"))
    assert "Dee" in page.inner_text(".lead-details")

    page.check("input[name=previewAccess][value=No]")
    page.get_by_role("button", name="Save my answer").click()
    assert "Your answer is saved." in page.inner_text("main")
    assert site.lead("dee@example.com") == {"status": "confirmed", "preview": False}

    assert site.total() == 1
    page.get_by_role("button", name="Delete my data").click()
    assert page.inner_text("h1") == "Delete your data?"
    assert site.lead("dee@example.com") is not None
    page.get_by_role("button", name="Yes, delete it all").click()
    assert page.inner_text("h1") == "Your data is gone"
    assert site.lead("dee@example.com") is None
    assert site.total() == 0
    assert problems == []
    page.goto(link(welcome, "me"))
    assert page.inner_text("h1") == "This link does not work"


def test_the_mails_one_click_unsubscribe_works_without_a_browser(site):
    page = requests.get(site.url + "/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert token
    data = {"name": "Eve", "email": "eve@example.com", "previewAccess": "No"}
    requests.post(
        site.url + "/signup",
        data={**data, "csrfmiddlewaretoken": token[1]},
        cookies=page.cookies,
        headers={"Referer": site.url + "/"},
        timeout=10,
    )
    (mail,) = site.mails_to("eve@example.com", 1)
    url = mail["List-Unsubscribe"].strip().strip("<>")  # a long header comes folded
    refused = requests.post(url, data={}, timeout=10)  # no body: nothing changes
    assert refused.status_code == 400
    assert site.lead("eve@example.com") == {"status": "pending", "preview": False}
    # What a mail provider sends (RFC 8058): no cookie, no CSRF token.
    done = requests.post(url, data="List-Unsubscribe=One-Click", timeout=10,
                         headers={"Content-Type": "application/x-www-form-urlencoded"})  # fmt: skip
    assert done.status_code == 200
    assert site.lead("eve@example.com") == {"status": "unsubscribed", "preview": False}
