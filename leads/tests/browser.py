"""What the browser tests check on every page: axe-core's accessibility rules, no sideways
scrolling, readable chart text and visible focus.

axe-core is vendored (leads/tests/vendor/, MPL-2.0) so the suite needs no network; it is
injected as an inline script, which only a context made with `bypass_csp=True` allows: tests
that run axe use such a context, every other browser test keeps the real policy.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

AXE = Path(__file__).resolve().parent / "vendor" / "axe-4.10.2.min.js"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}


def axe_violations(page: Any) -> list[str]:
    """axe-core's WCAG 2.x A/AA and best-practice violations on the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=AXE.read_text())
    found = page.evaluate(
        "async () => (await axe.run(document, {resultTypes: ['violations']})).violations"
        ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))"
    )
    return list(found)


def overflow(page: Any) -> int:
    """How many CSS pixels the page is wider than the viewport (0 when it fits)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def smallest_chart_text(page: Any) -> float | None:
    """The smallest rendered font size of chart text, in CSS pixels (SVG scaling included)."""
    return page.evaluate(
        """() => {
          const sizes = [...document.querySelectorAll('svg text')].map(t =>
            parseFloat(getComputedStyle(t).fontSize) * t.getScreenCTM().a);
          return sizes.length ? Math.min(...sizes) : null;
        }"""
    )


def unfocused_outlines(page: Any, presses: int = 80) -> list[str]:
    """Tab through the page; the elements that took focus without a visible outline."""
    missing: list[str] = []
    page.evaluate("document.activeElement && document.activeElement.blur()")
    for _ in range(presses):
        page.keyboard.press("Tab")
        info = page.evaluate(FOCUSED)
        if info is None:
            continue
        if info["seen"]:
            break  # round again: every element was visited
        if not info["visible"]:
            missing.append(info["id"])
    return missing


FOCUSED = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) return null;
  const seen = e.dataset.focusSeen === "1";
  e.dataset.focusSeen = "1";
  const s = getComputedStyle(e);
  const name = e.id || e.getAttribute("href") || e.name || e.textContent.trim().slice(0, 30);
  return {seen, id: e.tagName + " " + name,
          visible: s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2};
}"""
