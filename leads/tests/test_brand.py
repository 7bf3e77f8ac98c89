"""The owner's own page from settings: every page shows it, escaped; bad values fail at start-up."""

from __future__ import annotations

import re

import pytest
from django.template.loader import render_to_string

from leads import notify
from leads.brand import accent_variables, contrast
from leads.templatetags import brand as brand_tags
from leads.tests.factories import lead, sign_in
from leads.tests.test_settings import PRODUCTION, run, setting

HTML_NAME = '<b>Acme</b> & "Co"'
ESCAPED_NAME = "&lt;b&gt;Acme&lt;/b&gt; &amp; &quot;Co&quot;"


@pytest.fixture
def branded(settings):
    settings.SITE_NAME = HTML_NAME
    settings.SITE_HEADLINE = "<script>alert(1)</script>"
    settings.SITE_DESCRIPTION = "Tea <i>for</i> two"
    settings.PRIVACY_LINE = "<a href=x>privacy</a>"
    settings.MAIL_FROM_NAME = HTML_NAME
    return settings


class TestBrandEscaped:
    @pytest.mark.parametrize("url", ["/", "/thanks", "/accounts/login/"])
    def test_a_name_with_html_is_text_on_visitor_pages(self, client, db, branded, url):
        html = client.get(url).content.decode()
        assert "<b>Acme" not in html and "<script>alert" not in html and "<i>for" not in html
        assert "<a href=x>" not in html
        assert ESCAPED_NAME in html  # in the navbar and the footer at least

    def test_the_landing_page_escapes_every_setting_in_titles_and_tags(self, client, db, branded):
        html = client.get("/").content.decode()
        title = re.search(r"<title>(.*)</title>", html)
        assert title and title.group(1) == f"{ESCAPED_NAME}: &lt;script&gt;alert(1)&lt;/script&gt;"
        assert f'<meta property="og:site_name" content="{ESCAPED_NAME}">' in html
        assert 'content="Tea &lt;i&gt;for&lt;/i&gt; two"' in html

    def test_the_thanks_page_is_titled_with_the_name(self, client, db, branded):
        title = re.search(r"<title>(.*)</title>", client.get("/thanks").content.decode())
        assert title and title.group(1) == f"Thank you | {ESCAPED_NAME}"

    @pytest.mark.parametrize("url", ["/search", "/search/tokens"])
    def test_a_name_with_html_is_text_on_staff_pages(self, client, store, branded, url):
        html = sign_in(client).get(url).content.decode()
        assert "<b>Acme" not in html
        assert ESCAPED_NAME in html

    def test_the_owners_mail_names_the_site(self, branded):
        _, body = notify.message_for(lead("ann@x.com"))
        assert body.startswith(f"A new lead joined the waitlist of {HTML_NAME}.")


class TestBrandDefaults:
    def test_the_default_page_is_the_generic_one(self, client, db):
        html = client.get("/").content.decode()
        assert "<title>Waitlist: Something new is coming.</title>" in html
        assert "<h1>Something new is coming.</h1>" in html
        assert "brand.css" not in html  # no accent set: nothing more to load
        assert (
            'property="og:image" content="http://127.0.0.1:8000/static/leads/img/icon-512.' in html
        )
        assert '<meta name="twitter:card" content="summary">' in html

    def test_the_count_shows_only_when_the_owner_wants_it(self, client, store, settings):
        store.add(lead("a@x.com"))
        store.add(lead("b@x.com"))
        assert "on the list" not in client.get("/").content.decode()
        settings.SHOW_COUNT = True
        assert "2 people are on the list." in client.get("/").content.decode()

    def test_the_count_is_read_at_most_every_two_seconds_a_process(
        self, client, store, settings, monkeypatch
    ):
        settings.SHOW_COUNT = True
        store.add(lead("a@x.com"))
        clock = [1000.0]
        monkeypatch.setattr(brand_tags.time, "monotonic", lambda: clock[0])
        reads: list[int] = []
        total = store.total

        def counted() -> int:
            reads.append(1)
            return total()

        monkeypatch.setattr(store, "total", counted)
        assert "1 person is on the list." in client.get("/").content.decode()
        store.add(lead("b@x.com"))
        clock[0] += brand_tags.FRESH_SECONDS - 0.1
        assert "1 person is on the list." in client.get("/").content.decode()
        clock[0] += 0.2
        assert "2 people are on the list." in client.get("/").content.decode()
        assert len(reads) == 2

    def test_an_accent_links_its_stylesheet(self, client, db, settings):
        settings.SITE_ACCENT = "#ffcc00"
        html = client.get("/").content.decode()
        css_url = re.search(r'href="(/brand\.css\?v=[0-9a-f]{12})"', html)
        assert css_url
        response = client.get(css_url.group(1))
        css = response.content.decode()
        assert "--brand:#ffcc00;" in css and "--on-brand:#1d2433;" in css
        assert response["Cache-Control"] == "public, max-age=31536000, immutable"
        assert client.get("/brand.css?v=old")["Cache-Control"] == "public, max-age=3600"

    def test_a_logo_set_after_collectstatic_shows_the_default_and_says_why(
        self, client, db, settings, tmp_path, caplog
    ):
        settings.SITE_LOGO = tmp_path / "late.png"
        settings.SITE_LOGO.write_bytes(b"\x89PNG\r\n\x1a\n")
        response = client.get("/")
        assert response.status_code == 200
        assert '<span class="logo" aria-hidden="true"></span>' in response.content.decode()
        assert "late.png is not among the collected static files" in caplog.text


class TestAccent:
    @pytest.mark.parametrize("accent", ["#ffcc00", "#0b5cad", "#fff", "#000", "#e91e63"])
    def test_every_variable_reads_where_it_is_used(self, accent):
        values = accent_variables(accent)
        assert contrast(values["--on-brand"], values["--brand"]) >= 4.5
        assert contrast(values["--on-brand"], values["--brand-dark"]) >= 4.5
        assert contrast(values["--brand-text"], "#ffffff") >= 4.5


class TestBrandSettings:
    @pytest.mark.parametrize("colour", ["blue", "#12345", "0b5cad", "#gggggg", "#0b5cad;x"])
    def test_a_bad_colour_fails_at_start_up(self, colour):
        result = run("", **PRODUCTION, SITE_ACCENT=colour)
        assert result.returncode != 0
        assert "SITE_ACCENT must be a colour like #0b5cad or #09c" in result.stderr

    def test_a_good_colour_is_kept(self):
        assert setting("SITE_ACCENT", **PRODUCTION, SITE_ACCENT="#0B5") == "'#0b5'"

    def test_a_missing_logo_fails_at_start_up(self):
        result = run("", **PRODUCTION, SITE_LOGO="brand/nowhere.png")
        assert result.returncode != 0
        assert "SITE_LOGO names a file that does not exist" in result.stderr

    def test_a_logo_that_is_not_an_image_fails_at_start_up(self):
        result = run("", **PRODUCTION, SITE_LOGO="README.md")
        assert result.returncode != 0
        assert "SITE_LOGO must name a .svg, .png" in result.stderr

    def test_a_logo_is_published_alone_under_brand(self, tmp_path):
        (tmp_path / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
        (tmp_path / ".env").write_text("DJANGO_SECRET_KEY=do-not-publish")
        code = (
            "from django.contrib.staticfiles import finders; "
            "print(bool(finders.find('brand/logo.png')), bool(finders.find('brand/.env')))"
        )
        result = run(code, **PRODUCTION, SITE_LOGO=str(tmp_path / "logo.png"))
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "True False"

    def test_a_bad_time_zone_fails_at_start_up(self):
        result = run("", **PRODUCTION, TIME_ZONE="Mars/Olympus")
        assert result.returncode != 0
        assert "TIME_ZONE must be a time zone name" in result.stderr

    def test_the_templates_folder_wins_over_the_apps(self, tmp_path):
        (tmp_path / "front").mkdir()
        (tmp_path / "front" / "home.html").write_text("the owner's own page")
        code = (
            "from django.template.loader import render_to_string; "
            "print(render_to_string('front/home.html'))"
        )
        result = run(code, **PRODUCTION, TEMPLATES_DIR=str(tmp_path))
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "the owner's own page"

    def test_a_templates_folder_that_does_not_exist_fails_at_start_up(self, tmp_path):
        result = run("", **PRODUCTION, TEMPLATES_DIR=str(tmp_path / "nowhere"))
        assert result.returncode != 0
        assert "TEMPLATES_DIR is not a folder" in result.stderr


def test_the_apps_templates_render_without_the_folder():
    assert "Join the waitlist" in render_to_string("front/home.html", {"form": None})
