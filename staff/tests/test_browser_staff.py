"""In Chromium: a staff member signs in, reads the counts and charts, filters, pages, signs out."""

from __future__ import annotations

import pytest

from conftest import AppServer

pytestmark = pytest.mark.browser

# 63 leads at x.com (two pages of 50 and 13), 7 at y.org, an hour apart over four days;
# one name is markup.
SEED = """
from datetime import UTC, datetime, timedelta
from django.db import transaction
from leads.store import Lead, get_store
store, t0 = get_store(), datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
with transaction.atomic():
    for i in range(70):
        domain = "x.com" if i < 63 else "y.org"
        name = "<script>alert(1)</script>" if i == 62 else f"Lead {i}"
        when = t0 + timedelta(hours=i)
        store.add(Lead(name=name, email=f"u{i:02d}@{domain}", preview=i % 2 == 0, created_at=when))
"""
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI);
});
"""


@pytest.fixture
def server(app_server) -> AppServer:
    server = app_server(workers=1)
    server.create_user("ann", "correct horse battery staple", staff=True)
    server.manage("shell", "-v", "0", "-c", SEED)
    return server


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.add_init_script(CSP_LISTENER)
    page.problems = []
    page.on("console", lambda m: m.type == "error" and page.problems.append(m.text))
    page.on("dialog", lambda d: page.problems.append("dialog: " + d.message))
    yield page
    context.close()


def emails(page) -> list[str]:
    return page.locator("table.data tbody tr td:nth-child(2)").all_inner_texts()


class TestStaffBrowser:
    def test_staff_sign_in_see_the_charts_filter_page_and_sign_out(self, page, server):
        page.goto(server.url + "/search")
        assert page.url == server.url + "/accounts/login/?next=/search"
        page.get_by_label("Username").fill("ann")
        page.get_by_label("Password").fill("correct horse battery staple")
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(server.url + "/search")

        # The dashboard: totals, the three charts drawn (30 days by default), the table.
        assert "70 leads from 2 domains; 35 asked for preview access." in page.inner_text("main")
        charts = page.locator("svg.chart-svg")
        assert charts.count() == 3
        assert all(charts.nth(i).is_visible() for i in range(3))
        assert page.locator("svg.chart-svg rect.bar-total").count() == 2
        assert page.locator("svg.chart-svg rect.bar-signups").count() == 30
        box = page.locator("rect.bar-total").first.bounding_box()
        assert box is not None and box["width"] > 100  # x.com's bar is really drawn
        assert page.get_by_role("img", name="Signups per day").is_visible()

        # Filter on a domain: the first page of 50, newest first, the markup shown as text.
        page.get_by_label("Email domain").fill("X.com")
        page.get_by_role("button", name="Search").click()
        first = emails(page)
        assert len(first) == 50
        assert first[0] == "u62@x.com"
        assert page.get_by_role("cell", name="<script>alert(1)</script>").is_visible()
        assert "63 leads match." in page.inner_text("main")

        # Next, then previous: every lead once, in order, and back to the same first page.
        page.locator("a[rel=next]").click()
        second = emails(page)
        assert first + second == [f"u{i:02d}@x.com" for i in range(62, -1, -1)]
        assert page.locator("a[rel=next]").count() == 0
        page.get_by_role("link", name="Previous").click()
        assert emails(page) == first

        assert page.evaluate("window.__cspViolations") == []
        assert page.problems == []

        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url(server.url + "/")
        page.goto(server.url + "/search")
        assert page.url.startswith(server.url + "/accounts/login/")

    def test_staff_delete_a_lead_after_confirming(self, page, server):
        page.goto(server.url + "/accounts/login/?next=/search%3Fdomain%3Dy.org")
        page.get_by_label("Username").fill("ann")
        page.get_by_label("Password").fill("correct horse battery staple")
        page.get_by_role("button", name="Sign in").click()
        assert len(emails(page)) == 7
        page.get_by_role("button", name="Delete u69@y.org").click()
        assert page.get_by_role("heading", name="Delete a lead").is_visible()
        page.get_by_role("button", name="Delete this lead").click()
        assert "Deleted the lead u69@y.org." in page.inner_text("main")
        assert "u69@y.org" not in emails(page)
        assert "6 leads match." in page.inner_text("main")
