"""CDN mode at run time: pages link hashed files on the CDN domain, from the image's manifest."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
import requests

from conftest import ROOT, free_port
from front.tests.cdn import CDN_DOMAIN, CollectedToS3, cdn_env, cdn_vars, collect_to_s3

CDN_HASHED = rf"https://{re.escape(CDN_DOMAIN)}/leads/(?:img/)?[\w-]+\.[0-9a-f]{{12}}\.(?:css|js|svg|png|ico)"


@pytest.fixture(scope="module")
def collected(moto, tmp_path_factory) -> CollectedToS3:
    return collect_to_s3(moto, tmp_path_factory.mktemp("cdn"))


def static_url(env: dict[str, str], name: str) -> subprocess.CompletedProcess:
    code = f"from django.templatetags.static import static; print(static({name!r}))"
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )


class TestCdnPages:
    def test_it_links_every_static_file_on_the_cdn_without_reading_the_bucket(
        self, app_server, collected
    ):
        # Nothing listens at this endpoint: pages must come from the manifest in STATIC_ROOT.
        dead_s3 = f"http://127.0.0.1:{free_port()}"
        app = app_server(workers=1, **cdn_vars(dead_s3, collected.bucket, collected.static_root))
        for url in ("/", "/thanks"):
            html = requests.get(app.url + url, timeout=10).text
            links = re.findall(r'(?:src|href)="(https?://[^"]+)"', html)
            assert any(link.endswith(".css") for link in links), url
            for link in links:
                assert re.fullmatch(CDN_HASHED, link), link
            assert 'href="/static/' not in html and 'src="/static/' not in html
        site_css = f"https://{CDN_DOMAIN}/{collected.manifest['leads/site.css']}"
        assert f'href="{site_css}"' in requests.get(app.url, timeout=10).text
        # WhiteNoise keeps the image's copy under /static/, not at the site root.
        assert requests.get(app.url + "/leads/site.css", timeout=10).status_code == 404
        assert requests.get(app.url + "/staticfiles.json", timeout=10).status_code == 404


class TestCdnSettings:
    def test_it_takes_the_lab_variable_names(self, moto, collected):
        env = cdn_env(moto.url, collected.bucket, collected.static_root)
        del env["STATIC_CDN_DOMAIN"], env["STATIC_BUCKET"]
        env |= {
            "CLOUD_FRONT": "True",
            "AWS_S3_CUSTOM_DOMAIN": CDN_DOMAIN,
            "AWS_STORAGE_BUCKET_NAME": collected.bucket,
        }
        done = static_url(env, "leads/site.css")
        assert (
            done.stdout.splitlines()[-1]
            == f"https://{CDN_DOMAIN}/{collected.manifest['leads/site.css']}"
        )

    def test_it_serves_from_the_app_when_cloud_front_is_off(self, moto, collected):
        env = cdn_env(moto.url, collected.bucket, collected.static_root, CLOUD_FRONT="False")
        done = static_url(env, "leads/site.css")
        assert done.stdout.splitlines()[-1] == f"/static/{collected.manifest['leads/site.css']}"

    def test_it_refuses_cloud_front_without_a_bucket(self, moto, collected):
        env = cdn_env(moto.url, collected.bucket, collected.static_root, CLOUD_FRONT="True")
        del env["STATIC_BUCKET"]
        done = static_url(env, "leads/site.css")
        assert done.returncode != 0
        assert "STATIC_BUCKET (or AWS_STORAGE_BUCKET_NAME)" in done.stderr

    def test_it_refuses_a_scheme_other_than_https_or_http(self, moto, collected):
        env = cdn_env(moto.url, collected.bucket, collected.static_root, STATIC_CDN_SCHEME="ftp")
        done = static_url(env, "leads/site.css")
        assert done.returncode != 0
        assert "STATIC_CDN_SCHEME must be https or http" in done.stderr

    def test_it_refuses_plain_http_for_a_real_cdn(self, moto, collected):
        env = cdn_env(moto.url, collected.bucket, collected.static_root, STATIC_CDN_SCHEME="http")
        done = static_url(env, "leads/site.css")
        assert done.returncode != 0
        assert "STATIC_CDN_SCHEME=http is only for a CDN on this machine" in done.stderr
