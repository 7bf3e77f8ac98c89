"""The characters nobody types that still change how text reads: what forms refuse and what the
owner's notification writes as escapes.

Control characters (Cc: CR, LF, NEL, VT, FF, ESC, NUL ...), the line and paragraph separators
(Zl, Zp: U+2028, U+2029, on which mail clients and str.splitlines() break lines) and the
bidirectional controls, which reorder what follows them on screen (Trojan Source).
Other format characters stay: the zero-width joiners are part of emoji and of Persian names.
"""

from __future__ import annotations

import unicodedata

BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)


def is_untyped(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Zl", "Zp") or char in BIDI_CONTROLS


def has_untyped(value: str) -> bool:
    return any(is_untyped(char) for char in value)


def escape_untyped(value: str) -> str:
    """`value` on one line: each untyped character written as its escape, e.g. \\u2028."""
    return "".join(f"\\u{ord(char):04x}" if is_untyped(char) else char for char in value)
