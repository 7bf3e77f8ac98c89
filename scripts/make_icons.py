"""Draws the default icons from leads/static/leads/img/logo.svg's shapes (no image library).

python3 scripts/make_icons.py   # writes favicon.ico, apple-touch-icon.png, icon-512.png
"""

from __future__ import annotations

import itertools
import math
import struct
import zlib
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "leads" / "static" / "leads" / "img"
BLUE, WHITE = (0x0B, 0x5C, 0xAD), (0xFF, 0xFF, 0xFF)
STROKE = [(14, 20), (22, 46), (32, 28), (42, 46), (50, 20)]  # the logo's "W", 6 wide


def inside_rounded_square(x: float, y: float, size: float = 64, r: float = 14) -> bool:
    cx, cy = min(max(x, r), size - r), min(max(y, r), size - r)
    return 0 <= x <= size and 0 <= y <= size and math.hypot(x - cx, y - cy) <= r


def near_stroke(x: float, y: float, half: float = 3) -> bool:
    for (ax, ay), (bx, by) in itertools.pairwise(STROKE):
        dx, dy = bx - ax, by - ay
        t = max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)))
        if math.hypot(x - ax - t * dx, y - ay - t * dy) <= half:
            return True
    return False


def pixel(px: int, py: int, size: int, samples: int = 3) -> bytes:
    """RGBA of one pixel, averaged over samples x samples points (anti-aliasing)."""
    colour, alpha = [0.0, 0.0, 0.0], 0.0
    for i in range(samples):
        for j in range(samples):
            x, y = (px + (i + 0.5) / samples) * 64 / size, (py + (j + 0.5) / samples) * 64 / size
            if inside_rounded_square(x, y):
                rgb = WHITE if near_stroke(x, y) else BLUE
                colour = [c + v for c, v in zip(colour, rgb, strict=True)]
                alpha += 1
    if not alpha:
        return bytes(4)
    return bytes([round(c / alpha) for c in colour] + [round(255 * alpha / samples**2)])


def png(size: int) -> bytes:
    rows = b"".join(b"\0" + b"".join(pixel(x, y, size) for x in range(size)) for y in range(size))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def ico(image: bytes, size: int) -> bytes:
    """An .ico holding one PNG image, as every current browser reads it."""
    return (
        struct.pack("<HHH", 0, 1, 1)
        + struct.pack("<BBBBHHII", size, size, 0, 0, 1, 32, len(image), 22)
        + image
    )


if __name__ == "__main__":
    (OUT / "favicon.ico").write_bytes(ico(png(32), 32))
    (OUT / "apple-touch-icon.png").write_bytes(png(180))
    (OUT / "icon-512.png").write_bytes(png(512))
