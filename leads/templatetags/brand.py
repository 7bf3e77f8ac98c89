"""{% waitlist_size %}: how many are on the list, for a landing page with SHOW_COUNT on."""

from __future__ import annotations

from django import template

from leads.store import StoreUnavailable, get_store

register = template.Library()


@register.simple_tag
def waitlist_size() -> int | None:
    """The grand total from the counters; None when the store does not answer, so that the
    landing page still shows (and takes signups to the message that says so)."""
    try:
        return get_store().total()
    except StoreUnavailable:
        return None
