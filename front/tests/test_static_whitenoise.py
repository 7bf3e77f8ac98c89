"""Static files without a CDN: WhiteNoise serves collectstatic's hashed, compressed output."""

from __future__ import annotations

import gzip
import re

import brotli
import pytest

HASHED = r"/static/leads/(?:img/)?[\w-]+\.[0-9a-f]{12}\.(?:css|js|svg|png|ico)"


@pytest.fixture(autouse=True)
def _db(db):
    pass


def static_links(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="(/static/[^"]+)"', html)


def body(response) -> bytes:
    return b"".join(response.streaming_content)


class TestWhiteNoisePages:
    @pytest.mark.parametrize("url", ["/", "/thanks"])
    def test_it_links_only_hashed_names(self, client, url):
        links = static_links(client.get(url).content.decode())
        assert any(link.endswith(".css") for link in links)
        for link in links:
            assert re.fullmatch(HASHED, link), link

    def test_it_links_the_script_and_the_no_script_style_hashed(self, client):
        html = client.get("/").content.decode()
        assert re.search(r'<script src="/static/leads/signup\.[0-9a-f]{12}\.js" defer>', html)
        assert re.search(r'href="/static/leads/nojs\.[0-9a-f]{12}\.css"', html)

    @pytest.mark.parametrize("url", ["/", "/thanks"])
    def test_it_links_nothing_from_another_host(self, client, url):
        html = client.get(url).content.decode()
        urls = re.findall(r'(?:src|href|action)="([^"]*)"', html)
        assert urls
        for link in urls:
            assert link.startswith(("/", "#")) and not link.startswith("//"), link

    def test_it_compresses_pages_for_browsers_that_take_gzip(self, client):
        response = client.get("/", headers={"Accept-Encoding": "gzip, br"})
        assert response["Content-Encoding"] == "gzip"
        assert b"Join the waitlist" in gzip.decompress(response.content)


class TestWhiteNoiseFiles:
    def css_url(self, client) -> str:
        return next(u for u in static_links(client.get("/").content.decode()) if "site." in u)

    def test_it_caches_hashed_files_forever(self, client):
        response = client.get(self.css_url(client))
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/css;")
        cache = response["Cache-Control"]
        assert "immutable" in cache and "public" in cache
        max_age = re.search(r"max-age=(\d+)", cache)
        assert max_age
        assert int(max_age.group(1)) >= 31536000

    def test_it_caches_unhashed_names_for_an_hour_only(self, client):
        response = client.get("/static/leads/site.css")
        assert response.status_code == 200
        assert response["Cache-Control"] == "max-age=3600, public"

    def test_it_serves_brotli_to_browsers_that_take_it(self, client):
        url = self.css_url(client)
        plain = body(client.get(url))
        response = client.get(url, headers={"Accept-Encoding": "gzip, deflate, br"})
        assert response["Content-Encoding"] == "br"
        assert "Accept-Encoding" in response["Vary"]
        compressed = body(response)
        assert len(compressed) < len(plain)
        assert brotli.decompress(compressed) == plain

    def test_it_serves_gzip_to_browsers_without_brotli(self, client):
        url = self.css_url(client)
        plain = body(client.get(url))
        response = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert response["Content-Encoding"] == "gzip"
        assert gzip.decompress(body(response)) == plain

    def test_it_points_the_css_at_hashed_images_that_it_serves(self, client):
        url = self.css_url(client)
        css = body(client.get(url)).decode()
        images = re.findall(r'url\("?([^")]+)"?\)', css)
        assert {re.sub(r"\.[0-9a-f]{12}", "", i) for i in images} >= {
            "img/logo.svg",
            "img/background.svg",
        }
        for image in images:
            assert re.fullmatch(r"img/[\w-]+\.[0-9a-f]{12}\.svg", image), image
            response = client.get(url.rsplit("/", 1)[0] + "/" + image)
            assert response.status_code == 200
            assert response["Content-Type"] == "image/svg+xml"
            assert "immutable" in response["Cache-Control"]
