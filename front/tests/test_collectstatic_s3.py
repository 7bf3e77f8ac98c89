"""`manage.py collectstatic` in CDN mode: hashed files into a private S3 bucket (moto over HTTP)."""

from __future__ import annotations

import json
import re

import pytest

from front.tests.cdn import CollectedToS3, collect_to_s3, s3_client

PUBLIC_GRANTEES = (
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
)
TYPES = {
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
}


@pytest.fixture(scope="module")
def collected(moto, tmp_path_factory) -> CollectedToS3:
    return collect_to_s3(moto, tmp_path_factory.mktemp("cdn"))


@pytest.fixture(scope="module")
def s3(moto):
    return s3_client(moto)


def keys(s3, bucket: str) -> set[str]:
    return {obj["Key"] for obj in s3.list_objects_v2(Bucket=bucket).get("Contents", [])}


class TestCollectstaticS3:
    def test_it_uploads_every_hashed_file_of_the_manifest(self, collected, s3):
        manifest = collected.manifest
        assert {"leads/site.css", "leads/signup.js", "leads/img/logo.svg"} <= set(manifest)
        assert set(manifest.values()) <= keys(s3, collected.bucket)
        for hashed in manifest.values():
            assert re.search(r"\.[0-9a-f]{12}\.(css|js|svg|png|ico)$", hashed), hashed

    def test_it_sets_the_content_type_of_each_file(self, collected, s3):
        for key in keys(s3, collected.bucket):
            head = s3.head_object(Bucket=collected.bucket, Key=key)
            assert head["ContentType"] == TYPES[key[key.rindex(".") :]], key

    def test_it_caches_hashed_files_for_a_year_and_immutable(self, collected, s3):
        for hashed in collected.manifest.values():
            head = s3.head_object(Bucket=collected.bucket, Key=hashed)
            assert head["CacheControl"] == "public, max-age=31536000, immutable", hashed

    def test_it_caches_unhashed_names_briefly(self, collected, s3):
        for original in collected.manifest:
            head = s3.head_object(Bucket=collected.bucket, Key=original)
            assert head["CacheControl"] == "public, max-age=3600", original

    def test_it_grants_nothing_to_everyone(self, collected, s3):
        for key in keys(s3, collected.bucket):
            grants = s3.get_object_acl(Bucket=collected.bucket, Key=key)["Grants"]
            assert grants, key
            for grant in grants:
                assert grant["Grantee"].get("URI") not in PUBLIC_GRANTEES, (key, grant)

    def test_it_points_the_css_at_hashed_images_in_the_bucket(self, collected, s3):
        css_key = collected.manifest["leads/site.css"]
        css = s3.get_object(Bucket=collected.bucket, Key=css_key)["Body"].read().decode()
        urls = re.findall(r'url\("?([^")]+)"?\)', css)
        assert sorted(urls) == sorted(
            [
                "img/logo." + collected.manifest["leads/img/logo.svg"].split(".")[-2] + ".svg",
                "img/background."
                + collected.manifest["leads/img/background.svg"].split(".")[-2]
                + ".svg",
            ]
        )
        present = keys(s3, collected.bucket)
        for url in urls:
            assert "leads/" + url in present

    def test_it_keeps_the_manifest_local_and_out_of_the_bucket(self, collected, s3):
        assert (collected.static_root / "staticfiles.json").is_file()
        assert "staticfiles.json" not in keys(s3, collected.bucket)

    def test_it_names_files_as_the_image_build_does(self, collected, collected_static):
        # The image collects without AWS (WhiteNoise mode); its manifest must match the upload's,
        # so an image run in CDN mode links exactly the files that were uploaded.
        built = json.loads((collected_static / "staticfiles.json").read_text())["paths"]
        assert built == collected.manifest
