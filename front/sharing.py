"""What the confirmed and manage pages show a joiner: their place in the line, their referral
link with plain share links (no third party's script), and their credited referrals."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

from leads import referrals
from leads.brand import current
from leads.store import Lead, get_store


def share_links(url: str, *, name: str) -> dict[str, str]:
    """The share links of a referral link, each carrying it URL-encoded."""
    text = f"I joined the {name} waitlist. Join me:"
    # quote, not quote_plus: mail clients (RFC 6068) read a "+" as a plus, not a space.
    mail = {"subject": f"Join me on the {name} waitlist", "body": f"{text} {url}"}
    return {
        "Email": "mailto:?" + urlencode(mail, quote_via=quote),
        "X": "https://twitter.com/intent/tweet?" + urlencode({"text": text, "url": url}),
        "LinkedIn": "https://www.linkedin.com/sharing/share-offsite/?" + urlencode({"url": url}),
        "WhatsApp": "https://wa.me/?" + urlencode({"text": f"{text} {url}"}),
    }


def context(lead: Lead) -> dict[str, Any]:
    """The pages' "your place" block; the place is read only while the lead is in the line."""
    url = referrals.share_url(lead)
    return {
        "place": get_store().place(lead.email) if lead.waiting else None,
        "share_url": url,
        "share_links": share_links(url, name=current().name) if url else {},
        # Only the credited count: a withheld referral changes nothing the joiner sees.
        "credits": lead.credits,
    }
