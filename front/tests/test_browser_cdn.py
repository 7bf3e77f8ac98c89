"""The lab's check, in a real browser: every static file of the page comes from the CDN origin.

A local server stands in for CloudFront in front of moto's private bucket.
"""

from __future__ import annotations

import pytest

from front.tests.cdn import CloudFrontStandIn, CollectedToS3, cdn_vars, collect_to_s3

pytestmark = pytest.mark.browser
STATIC_TYPES = ("stylesheet", "script", "image")
# Records what the browser itself reports as blocked by the Content-Security-Policy.
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI);
});
"""


@pytest.fixture(scope="module")
def collected(moto, tmp_path_factory) -> CollectedToS3:
    return collect_to_s3(moto, tmp_path_factory.mktemp("cdn"))


@pytest.fixture
def cdn(moto, collected):
    with CloudFrontStandIn(moto, collected.bucket) as stand_in:
        yield stand_in


@pytest.fixture
def app(app_server, moto, collected, cdn):
    host = cdn.origin.removeprefix("http://")
    env = cdn_vars(moto.url, collected.bucket, collected.static_root)
    return app_server(workers=1, **env | {"STATIC_CDN_DOMAIN": host, "STATIC_CDN_SCHEME": "http"})


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    page.add_init_script(CSP_LISTENER)
    page.loaded = []  # (resource type, url, status)
    page.console_errors = []
    page.on(
        "requestfinished",
        lambda request: page.loaded.append(
            (request.resource_type, request.url, request.response().status)
        ),
    )
    page.on(
        "requestfailed", lambda request: page.loaded.append((request.resource_type, request.url, 0))
    )
    page.on(
        "console", lambda msg: page.console_errors.append(msg.text) if msg.type == "error" else None
    )
    yield page
    context.close()


def static_loads(page) -> list[tuple[str, str, int]]:
    return [load for load in page.loaded if load[0] in STATIC_TYPES]


class TestBrowserCdn:
    def test_it_loads_every_static_file_of_the_landing_page_from_the_cdn(
        self, app, cdn, collected, page
    ):
        page.goto(app.url + "/", wait_until="networkidle")
        loads = static_loads(page)
        for kind, url, status in loads:
            assert url.startswith(cdn.origin + "/"), (kind, url)
            assert status == 200, (kind, url)
        m = collected.manifest
        expected = {
            ("stylesheet", m["leads/site.css"]),
            ("script", m["leads/signup.js"]),
            ("image", m["leads/img/logo.svg"]),
            ("image", m["leads/img/background.svg"]),
        }
        assert {(kind, url.removeprefix(cdn.origin + "/")) for kind, url, _ in loads} >= expected
        assert {path for _, path in expected} <= set(cdn.served)

    def test_it_renders_the_landing_page_styled(self, app, cdn, collected, page):
        page.goto(app.url + "/", wait_until="networkidle")
        navbar = page.eval_on_selector(".navbar", "e => getComputedStyle(e).backgroundColor")
        assert navbar == "rgb(29, 36, 51)"
        background = page.eval_on_selector("body", "e => getComputedStyle(e).backgroundImage")
        assert background == f'url("{cdn.origin}/{collected.manifest["leads/img/background.svg"]}")'
        logo = page.eval_on_selector(".logo", "e => getComputedStyle(e).backgroundImage")
        assert logo == f'url("{cdn.origin}/{collected.manifest["leads/img/logo.svg"]}")'
        # The script from the CDN runs: the button opens the signup dialog.
        page.click("text=Join the waitlist")
        assert page.eval_on_selector("#signup-dialog", "e => e.open") is True

    def test_it_breaks_no_rule_of_the_content_security_policy(self, app, page):
        for url in ("/", "/thanks"):
            page.goto(app.url + url, wait_until="networkidle")
            assert page.evaluate("window.__cspViolations") == [], url
        assert page.console_errors == []

    def test_it_loads_the_thanks_page_styles_from_the_cdn(self, app, cdn, page):
        page.goto(app.url + "/thanks", wait_until="networkidle")
        loads = static_loads(page)
        assert {kind for kind, _, _ in loads} >= {"stylesheet", "image"}
        for kind, url, status in loads:
            assert url.startswith(cdn.origin + "/") and status == 200, (kind, url)
        navbar = page.eval_on_selector(".navbar", "e => getComputedStyle(e).backgroundColor")
        assert navbar == "rgb(29, 36, 51)"
