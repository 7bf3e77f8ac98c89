"""The owner's own page from settings: name, words, logo, accent colour (README, "Your own page").

Templates read it as `brand` (a context processor); the logo and social image are published
by collectstatic under brand/ (BrandFinder), and the accent colour is a small stylesheet of
CSS variables (`brand_css`), since the Content-Security-Policy allows no inline style.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage
from django.http import HttpRequest
from django.templatetags.static import static
from django.urls import reverse

logger = logging.getLogger(__name__)

BRAND_PREFIX = "brand"
INK, WHITE = "#1d2433", "#ffffff"
DEFAULT_IMAGE = "leads/img/icon-512.png"


@dataclass(frozen=True)
class Brand:
    name: str
    headline: str
    description: str
    privacy: str
    logo_url: str | None  # the owner's logo; None shows the default one
    image_url: str  # absolute: social previews need the whole URL
    accent_css_url: str | None
    show_count: bool


def context(request: HttpRequest) -> dict[str, Any]:
    return {"brand": current()}


def current() -> Brand:
    logo, image = settings.SITE_LOGO, settings.SITE_IMAGE
    if image is None and logo is not None and logo.suffix != ".svg":
        image = logo  # social networks show PNG, JPEG and WebP, not SVG
    image_url = _published(image) or static(DEFAULT_IMAGE)
    accent = settings.SITE_ACCENT
    return Brand(
        name=settings.SITE_NAME,
        headline=settings.SITE_HEADLINE,
        description=settings.SITE_DESCRIPTION,
        privacy=settings.PRIVACY_LINE,
        logo_url=_published(logo),
        image_url=image_url if "://" in image_url else settings.SITE_URL + image_url,
        accent_css_url=f"{reverse('brand-css')}?v={brand_css_version()}" if accent else None,
        show_count=settings.SHOW_COUNT,
    )


def _published(file: Path | None) -> str | None:
    """The static URL of a brand file, or None (the default shows) when the static files were
    collected before it was set: a page with the default logo, and the reason in the log."""
    if file is None:
        return None
    try:
        return static(f"{BRAND_PREFIX}/{file.name}")
    except ValueError:  # not in the manifest
        logger.error("%s is not among the collected static files: run collectstatic", file)
        return None


class BrandFinder(BaseFinder):
    """Finds SITE_LOGO and SITE_IMAGE as brand/<file name>, and no other file of their folders
    (a logo beside .env must not publish .env)."""

    def _files(self) -> dict[str, Path]:
        return {f.name: f for f in (settings.SITE_LOGO, settings.SITE_IMAGE) if f is not None}

    def check(self, **kwargs: Any) -> list:
        return []

    def find(self, path: str, find_all: bool = False, **kwargs: Any) -> Any:
        folder, _, name = path.partition("/")
        found = self._files().get(name) if folder == BRAND_PREFIX else None
        if find_all or kwargs.get("all"):
            return [str(found)] if found else []
        return str(found) if found else []

    def list(self, ignore_patterns: Any) -> Iterator[tuple[str, FileSystemStorage]]:
        for name, file in self._files().items():
            storage = FileSystemStorage(location=file.parent)
            storage.prefix = BRAND_PREFIX  # type: ignore[attr-defined]
            yield name, storage


def accent_variables(accent: str) -> dict[str, str]:
    """The CSS variables of an accent colour, each readable where the stylesheet uses it: the
    fill of primary buttons with text on it (white or ink, whichever contrasts more, the fill
    shaded until the pair reaches 4.5:1), a hover shade, and the accent as text on white."""
    on = WHITE if contrast(accent, WHITE) >= contrast(accent, INK) else INK
    away = "#000000" if on == WHITE else WHITE
    fill = accent
    while contrast(fill, on) < 4.5:
        fill = mix(fill, away, 0.1)
    text = accent
    while contrast(text, WHITE) < 4.5:
        text = mix(text, "#000000", 0.1)
    hover = mix(fill, away, 0.15)
    return {"--brand": fill, "--brand-dark": hover, "--on-brand": on, "--brand-text": text}


def brand_css() -> str:
    values = accent_variables(settings.SITE_ACCENT) if settings.SITE_ACCENT else {}
    body = "".join(f"{key}:{value};" for key, value in values.items())
    return f":root{{{body}}}\n"


def brand_css_version() -> str:
    """Names the stylesheet's content: a link with it may be cached for good."""
    return hashlib.sha256(brand_css().encode()).hexdigest()[:12]


def rgb(colour: str) -> tuple[int, int, int]:
    digits = colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(d * 2 for d in digits)
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def mix(colour: str, other: str, share: float) -> str:
    a, b = rgb(colour), rgb(other)
    return "#" + "".join(f"{round(x + (y - x) * share):02x}" for x, y in zip(a, b, strict=True))


def luminance(colour: str) -> float:
    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG's contrast ratio of two colours, 1 to 21."""
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)
