"""{% waitlist_size %}: how many are on the list, for a landing page with SHOW_COUNT on."""

from __future__ import annotations

import time

from django import template

from leads.store import LeadStore, StoreUnavailable, get_store

register = template.Library()

# Each process reads the total at most this often: at a launch's thousand page views a second
# every view would otherwise read the one counter item (and wait for it); the counters settle
# about a second behind the signups anyway.
FRESH_SECONDS = 2.0
_last: tuple[LeadStore, float, int] | None = None


@register.simple_tag
def waitlist_size() -> int | None:
    """The grand total from the counters, as of at most FRESH_SECONDS ago; None when the store
    does not answer, so that the landing page still shows (and takes signups to the message
    that says so)."""
    global _last
    store, now = get_store(), time.monotonic()
    if _last is not None and _last[0] is store and now - _last[1] < FRESH_SECONDS:
        return _last[2]
    try:
        total = store.total()
    except StoreUnavailable:
        return None
    _last = (store, now, total)
    return total
