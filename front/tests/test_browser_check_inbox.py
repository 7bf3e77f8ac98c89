"""After a signup in real Chromium: "check your inbox" and "send it again", modal and no-JS."""

from __future__ import annotations

import pytest

from conftest import AppServer
from front.tests.test_browser_signup import new_page

pytestmark = pytest.mark.browser


@pytest.fixture
def server(app_server) -> AppServer:
    return app_server(workers=2)


def sign_up(page, server: AppServer, email: str) -> None:
    page.goto(server.url + "/")
    if page.is_visible("text=Join the waitlist"):
        page.click("text=Join the waitlist")
    page.fill("#id_name", "Zed Quux")
    page.fill("#id_email", email)
    page.click("form[data-signup] button[type=submit]")


class TestModal:
    def test_it_says_check_your_inbox_and_sends_again(self, browser, server):
        page, problems = new_page(browser)
        sign_up(page, server, "Ann@Example.com")
        page.wait_for_selector(".status.ok")
        status = page.inner_text("form[data-signup] .status")
        assert "Check your inbox" in status and "a•••@example.com" in status
        assert "Zed" not in status and "Ann@" not in status
        assert page.is_visible("text=Send it again")
        page.click("text=Send it again")
        page.wait_for_selector("form[data-resend] .status.ok")
        assert "We are sending a new mail to a•••@example.com" in page.inner_text(
            "form[data-resend] .status"
        )
        assert page.evaluate("document.activeElement.closest('form[data-resend]') !== null")
        assert problems == []

    def test_a_known_address_sees_the_same(self, browser, server):
        texts = []
        for _ in range(2):
            page, _problems = new_page(browser)
            sign_up(page, server, "bo@example.com")
            page.wait_for_selector(".status.ok")
            texts.append(page.inner_text("#signup-dialog"))
            page.context.close()
        assert texts[0] == texts[1]


class TestNoScript:
    def test_the_thanks_page_says_check_your_inbox_and_sends_again(self, browser, server):
        page, _ = new_page(browser, java_script_enabled=False)
        sign_up(page, server, "Cy@Example.com")
        assert page.url == server.url + "/thanks"
        main = page.inner_text("main")
        assert "c•••@example.com" in main and main.count("Thank you") == 1
        page.click("text=Send it again")
        assert page.url == server.url + "/thanks?sent=1"
        assert "We are sending a new mail to c•••@example.com" in page.inner_text("main")
