"""CDN mode for static files (settings.py): checks the variables, builds the storage's options.

collectstatic uploads to a private S3 bucket that CloudFront serves (Origin Access Control);
pages link to the CDN domain. The manifest stays local in STATIC_ROOT (see waitlist/storage.py).
"""

from __future__ import annotations

from typing import Any

from waitlist.env import ImproperlyConfiguredError


def cdn_origin(*, domain: str, bucket: str, scheme: str, enabled: bool) -> str:
    """The CDN's origin (https://d111.cloudfront.net), or "" when CDN mode is off."""
    if scheme not in ("https", "http"):
        raise ImproperlyConfiguredError(f"STATIC_CDN_SCHEME must be https or http, not {scheme!r}")
    # http only stands a local server in for CloudFront (tests); browsers get https.
    if scheme == "http" and domain.rsplit(":", 1)[0] not in ("127.0.0.1", "localhost"):
        raise ImproperlyConfiguredError("STATIC_CDN_SCHEME=http is only for a CDN on this machine")
    if enabled and not (domain and bucket):
        raise ImproperlyConfiguredError(
            "The CDN needs both STATIC_CDN_DOMAIN (or AWS_S3_CUSTOM_DOMAIN) and "
            "STATIC_BUCKET (or AWS_STORAGE_BUCKET_NAME)"
        )
    return f"{scheme}://{domain}" if enabled else ""


def cdn_storage(
    *, domain: str, bucket: str, scheme: str, region: str, unhashed_max_age: int
) -> dict[str, Any]:
    return {
        "BACKEND": "waitlist.storage.CDNStaticStorage",
        "OPTIONS": {
            "bucket_name": bucket,
            "custom_domain": domain,
            "url_protocol": f"{scheme}:",
            "region_name": region,
            "querystring_auth": False,
            "default_acl": None,  # private objects: only CloudFront (OAC) reads the bucket
            "file_overwrite": True,
            "unhashed_max_age": unhashed_max_age,
        },
    }


def content_security_policy(cdn: str) -> dict:
    """django-csp's setting: scripts, styles, images and fonts from us (and our CDN) only."""
    self_and_cdn = ("'self'", cdn) if cdn else ("'self'",)
    return {
        "DIRECTIVES": {
            "default-src": ("'self'",),
            "script-src": self_and_cdn,
            "style-src": self_and_cdn,
            "img-src": (*self_and_cdn, "data:"),
            "font-src": self_and_cdn,
            "connect-src": ("'self'",),
            "form-action": ("'self'",),
            "frame-ancestors": ("'none'",),
            "base-uri": ("'none'",),
            "object-src": ("'none'",),
        }
    }
