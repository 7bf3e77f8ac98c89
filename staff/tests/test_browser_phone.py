"""In Chromium at desktop and phone (360x740) size: every staff page fits the viewport, keeps
its actions in reach, passes axe-core, shows focus and writes chart text at 12 px or more."""

from __future__ import annotations

import re

import pytest

from conftest import AppServer
from leads.tests.browser import (
    DESKTOP,
    PHONE,
    axe_violations,
    overflow,
    smallest_chart_text,
    unfocused_outlines,
)

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"
# Long names, an internationalised domain, a domain long enough to be shortened in charts, and
# leads of every status the port makes (three in four confirmed, one in seven unsubscribed);
# then the line's: referrals (two credited, one withheld) and an invitation.
SEED = """
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from django.db import transaction
from leads.store import Consent, Lead, get_store
store, now = get_store(), datetime.now(UTC)
REFERRER = "someone.with.a.long.address.01@xn--bcher-kva.example"
INVITED = "someone.with.a.long.address.02@a-very-long-subdomain-name.mail.example.com"
consent = Consent(text="I want in.", version="1", ip="192.0.2.7", user_agent="seed")
domains = ["gmail.com", "xn--bcher-kva.example", "a-very-long-subdomain-name.mail.example.com"]
with transaction.atomic():
    for i in range(60):
        domain = domains[i % 3]
        email = f"someone.with.a.long.address.{i:02d}@{domain}"
        when = now - timedelta(hours=7 * i)
        name = f"Lead number {i} with a long name"
        store.add(Lead(name=name, email=email, preview=i % 2 == 0, created_at=when))
        if i % 4:
            store.confirm(email, consent=consent, at=when + timedelta(minutes=5))
        if i % 7 == 0:
            store.unsubscribe(email, at=when + timedelta(hours=1))
    code = store.get(REFERRER).ref_code
    for j, ip in enumerate(["198.51.100.7", "203.0.113.7", "192.0.2.99"]):
        friend = f"a.friend.with.a.long.address.{j}@referrals.example"
        store.add(Lead(name=f"Friend {j}", email=friend, preview=True, created_at=now,
                       referred_by=code))
        store.confirm(friend, consent=replace(consent, ip=ip), at=now)
    store.invite(INVITED, at=now)
"""


@pytest.fixture(scope="module")
def server(app_server_module) -> AppServer:
    server = app_server_module(workers=2)
    server.create_user("ann", PASSWORD, staff=True)
    server.manage("shell", "-v", "0", "-c", SEED)
    return server


@pytest.fixture(params=[DESKTOP, PHONE], ids=["desktop", "phone"])
def page(request, browser, server):
    context = browser.new_context(
        viewport=request.param, bypass_csp=True, permissions=["clipboard-read", "clipboard-write"]
    )
    page = context.new_page()
    page.problems = []
    page.on("pageerror", lambda e: page.problems.append(str(e)))
    page.goto(server.url + "/accounts/login/")
    page.get_by_label("Username").fill("ann")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(server.url + "/search")
    yield page
    context.close()


def check_page(page, what: str) -> None:
    assert overflow(page) <= 0, f"{what} is wider than the viewport"
    assert axe_violations(page) == [], what
    nav = page.locator(".navbar-inner").bounding_box()
    assert nav is not None and nav["height"] < 70, f"{what}: the navigation wraps"
    assert unfocused_outlines(page) == [], what


def in_reach(page, locator) -> bool:
    box = locator.bounding_box()
    width = page.viewport_size["width"]
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width


class TestStaffPagesFit:
    def test_the_dashboard(self, page, server):
        for url in ["/search", "/search?range=7", "/search?range=all"]:
            page.goto(server.url + url)
            check_page(page, url)
            assert (smallest_chart_text(page) or 0) >= 12
        assert page.locator("svg.chart-svg").count() == 3
        assert page.locator("svg.chart-svg rect.bar-confirmed").count() > 0
        assert "of them confirmed" in page.inner_text(".charts")
        page.get_by_text("Every day as a table").click()  # five columns: a region that scrolls
        check_page(page, "the table of days")
        assert page.get_by_role("region", name="Every day as a table").is_visible()
        assert "bücher.example" in page.inner_text(".charts")
        assert "…" in page.inner_text(".charts")  # the long domain, shortened in the chart

    def test_the_lists(self, page, server):
        page.goto(server.url + "/search?domain=gmail.com")
        check_page(page, "list")
        assert "1-20 of 20" in page.inner_text(".pager")
        assert in_reach(page, page.get_by_role("button", name=re.compile("^Delete")).first)
        for status in ["Pending", "Confirmed", "Unsubscribed"]:
            assert in_reach(page, page.locator(".badge", has_text=status).first), status
        page.goto(server.url + "/search?domain=gmail")
        check_page(page, "suggestions")
        page.get_by_role("link", name="gmail.com").click()
        assert "20 leads match." in page.inner_text("main")
        page.goto(server.url + "/search?domain=bücher.example")
        assert "someone.with.a.long.address.58@bücher.example" in page.inner_text("main")
        page.goto(server.url + "/search?email=someone.with.a.long.address.01@bücher.example")
        check_page(page, "lookup")
        page.get_by_role("button", name=re.compile("^Delete")).click()
        check_page(page, "delete")

    def test_the_tokens_page_and_its_copy_button(self, page, server):
        page.goto(server.url + "/search/tokens")
        for name in ["CRM sync with a long name", "Nightly export"]:
            page.get_by_label("Token name").fill(name)
            page.get_by_role("button", name="Issue a token").click()
        check_page(page, "tokens")
        assert in_reach(page, page.get_by_role("button", name=re.compile("^Revoke")).first)
        token = page.inner_text("#new-token")
        page.get_by_role("button", name="Copy").click()
        page.wait_for_selector(".copy-status:has-text('Copied.')")
        assert page.evaluate("navigator.clipboard.readText()") == token
        assert page.problems == []

    def test_the_line_invitations_and_referrals(self, page, server):
        page.goto(server.url + "/search/line")
        check_page(page, "the line")
        assert in_reach(page, page.get_by_role("button", name=re.compile("^Invite")).first)
        assert in_reach(page, page.locator(".badge", has_text="Unsubscribed").first)
        first = page.locator("table.line tbody tr").first.inner_text()
        page.get_by_role("button", name=re.compile("^Invite")).first.click()
        page.wait_for_selector(".alert.success")
        check_page(page, "the line, after an invitation")
        assert page.locator("table.line tbody tr").first.inner_text() != first

        page.goto(server.url + "/search/invite-next")
        check_page(page, "invite the next")
        page.get_by_label("How many").fill("2")
        page.get_by_label("Only those who asked for preview access").check()
        page.get_by_role("button", name="See who is next").click()
        check_page(page, "who would be invited")
        assert page.locator("tbody tr").count() == 2
        confirm = page.get_by_role("button", name="Invite 2 leads")
        assert in_reach(page, confirm)
        confirm.click()
        page.wait_for_selector(".alert.success:has-text('Invited 2 leads.')")

        page.goto(server.url + "/search/referrals")
        check_page(page, "referrals")
        assert "someone.with.a.long.address.01@bücher.example" in page.inner_text("main")
        assert "Confirmed from the referrer's network" in page.inner_text("main")

        invited = "someone.with.a.long.address.02@a-very-long-subdomain-name.mail.example.com"
        page.goto(server.url + f"/search?email={invited}")
        check_page(page, "an invited lead")
        assert in_reach(page, page.get_by_role("button", name=re.compile("^Revoke invitation")))
        assert page.problems == []
