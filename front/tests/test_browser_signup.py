"""A visitor signs up in real Chromium: through the modal, and with JavaScript off."""

from __future__ import annotations

import json

import pytest

from conftest import AppServer

pytestmark = pytest.mark.browser


def stored(server: AppServer, email: str) -> dict | None:
    code = (
        "import json; from leads.store import get_store; "
        f"lead = get_store().get({email!r}); "
        "print(json.dumps(lead and {'name': lead.name, 'preview': lead.preview}))"
    )
    return json.loads(server.manage("shell", "-v", "0", "-c", code).stdout)


@pytest.fixture
def server(app_server) -> AppServer:
    return app_server(workers=2)


def new_page(browser, **options):
    context = browser.new_context(**options)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    return page, problems


class TestModalSignup:
    def test_a_visitor_signs_up_through_the_modal(self, browser, server):
        page, problems = new_page(browser)
        page.goto(server.url + "/")
        assert not page.is_visible("#signup-dialog")
        page.click("text=Join the waitlist")
        assert page.is_visible("#signup-dialog")
        page.fill("#id_name", "<script>alert(1)</script>")
        page.fill("#id_email", "Ann@Example.com")
        page.check("input[name=previewAccess][value=Yes]")
        with page.expect_request(lambda r: r.url.endswith("/signup")) as sent:
            page.click("#signup-dialog button[type=submit]")
        page.wait_for_selector(".status.ok")
        assert "Thank you" in page.inner_text(".status")
        # URL-encoded as the plain form's post, not multipart: cheaper for the server to read.
        content_type = sent.value.headers["content-type"]
        assert content_type.startswith("application/x-www-form-urlencoded")
        assert not page.is_visible("#signup-dialog button[type=submit]")  # no second signup
        assert page.evaluate("document.activeElement.classList.contains('status')")
        assert page.url == server.url + "/"
        assert problems == []
        assert stored(server, "ann@example.com") == {
            "name": "<script>alert(1)</script>",
            "preview": True,
        }

    def test_it_shows_field_errors_in_place(self, browser, server):
        page, _ = new_page(browser)
        page.goto(server.url + "/")
        page.click("text=Join the waitlist")
        page.fill("#id_email", "not-an-email")
        page.click("#signup-dialog button[type=submit]")
        page.wait_for_selector(".status.error")
        assert page.inner_text("#name-error")
        assert page.inner_text("#email-error")
        assert page.get_attribute("#id_email", "aria-invalid") == "true"
        assert page.evaluate("document.activeElement.id") == "id_name"
        assert stored(server, "not-an-email") is None

    def test_it_works_on_a_phone(self, browser, server):
        page, problems = new_page(
            browser, viewport={"width": 375, "height": 740}, is_mobile=True, has_touch=True
        )
        page.goto(server.url + "/")
        page.click("text=Join the waitlist")
        box = page.locator("#signup-dialog").bounding_box()
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= 375
        page.fill("#id_name", "Bo")
        page.fill("#id_email", "bo@example.com")
        page.click("#signup-dialog button[type=submit]")
        page.wait_for_selector(".status.ok")
        assert stored(server, "bo@example.com") == {"name": "Bo", "preview": False}
        assert problems == []


class TestNoScriptSignup:
    def test_a_visitor_signs_up_with_a_plain_form_post(self, browser, server):
        page, _ = new_page(browser, java_script_enabled=False)
        page.goto(server.url + "/")
        assert page.is_visible("#id_name")
        page.fill("#id_name", "Cy")
        page.fill("#id_email", "cy@example.com")
        page.check("input[name=previewAccess][value=Yes]")
        page.click("button[type=submit]")
        assert page.url == server.url + "/thanks"
        assert "Thank you" in page.inner_text("main")
        assert stored(server, "cy@example.com") == {"name": "Cy", "preview": True}

    def test_it_shows_the_form_again_with_its_errors(self, browser, server):
        page, _ = new_page(browser, java_script_enabled=False)
        page.goto(server.url + "/")
        page.fill("#id_name", "<b>Dee</b>")
        page.fill("#id_email", "dee@")
        page.click("button[type=submit]")
        assert page.is_visible("#email-error")
        assert page.inner_text("#email-error")
        assert page.input_value("#id_name") == "<b>Dee</b>"
        assert stored(server, "dee@") is None
