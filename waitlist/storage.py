"""Static files in a private S3 bucket behind CloudFront (CDN mode, see settings.py).

Without a CDN, WhiteNoise serves the same collectstatic output from the image instead.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from storages.backends.s3 import S3ManifestStaticStorage
from whitenoise.media_types import MediaTypes

# Django's manifest names a hashed copy `name.<12 hex digits>.ext`.
HASHED_NAME = re.compile(r"\.[0-9a-f]{12}\.[^./]+$")
IMMUTABLE = "public, max-age=31536000, immutable"

_media_types = MediaTypes()


def content_type(name: str) -> str:
    """The type WhiteNoise would send, so both modes serve a file alike (and not per the OS's
    mime.types, which differs between a laptop and the slim image)."""
    media_type = _media_types.get_type(name)
    return f"{media_type}; charset=utf-8" if media_type.startswith("text/") else media_type


class CDNStaticStorage(S3ManifestStaticStorage):
    """Hashed static files in S3; the manifest stays in STATIC_ROOT, inside the image.

    Pages then link to the CDN without reading the bucket at run time, and each image's
    links match the files it was built with.
    """

    def __init__(self, *, unhashed_max_age: int = 3600, **options: Any) -> None:
        self.unhashed_max_age = unhashed_max_age
        manifest_storage = FileSystemStorage(location=settings.STATIC_ROOT)
        super().__init__(manifest_storage=manifest_storage, **options)

    def get_object_parameters(self, name: str) -> dict[str, Any]:
        params = super().get_object_parameters(name)
        params.setdefault("ContentType", content_type(name))
        # Only a hashed name never changes content; an original name may be re-uploaded.
        if HASHED_NAME.search(name):
            params["CacheControl"] = IMMUTABLE
        else:
            params["CacheControl"] = f"public, max-age={self.unhashed_max_age}"
        return params
