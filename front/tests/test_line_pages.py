"""The confirmed and manage pages: the joiner's place, referral link, share links, credits."""

from __future__ import annotations

import re
from dataclasses import replace
from html import unescape
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from front.tests.joiners import EMAIL, stored
from leads import links
from leads.tests.factories import confirmed, lead

SITE = "https://wait.example"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE
    settings.SITE_NAME = "Acme & Co"


def confirm_and_show(client, store, ann) -> str:
    """Press the confirm button, as the joiner does, and read the page it leads to."""
    location = client.post(f"/confirm/{links.token(ann, links.CONFIRM)}")["Location"]
    store.settle()  # DynamoDB's places are exact once settled (the worker's job in production)
    return client.get(location).content.decode()


def manage_page(client, store, email: str) -> str:
    store.settle()
    found = store.get(email)
    return client.get(f"/me/{links.token(found, links.MANAGE)}").content.decode()


def join(store, email: str, *, minutes: int, ip: str, ref: str = "") -> None:
    store.add(replace(lead(email, minutes=minutes), referred_by=ref))
    confirmed(store, email, ip=ip)


def hrefs(html: str) -> dict[str, str]:
    found = re.findall(r'<a href="([^"]+)" rel="noopener noreferrer">Share by (\w+)</a>', html)
    return {label: unescape(href) for href, label in found}


class TestPlace:
    def test_the_confirmed_page_says_how_many_are_ahead(self, client, store):
        for i in range(3):
            join(store, f"u{i}@x.com", minutes=i, ip=f"198.51.{i}.1")
        html = confirm_and_show(client, store, stored(store, minutes=9))
        assert "3 people are ahead of you." in html

    def test_the_first_in_line_is_told_so(self, client, store):
        html = confirm_and_show(client, store, stored(store))
        assert "You are first in line." in html and "ahead of you" not in html

    def test_the_manage_page_says_it_too(self, client, store):
        join(store, "u0@x.com", minutes=0, ip="198.51.0.1")
        join(store, EMAIL, minutes=1, ip="198.51.1.1")
        assert "1 person is ahead of you." in manage_page(client, store, EMAIL)

    def test_a_lead_out_of_the_line_sees_no_place_nor_link(self, client, store):
        stored(store)  # pending: not in the line yet, no code
        html = manage_page(client, store, EMAIL)
        assert "ahead of you" not in html and "first in line" not in html
        assert "share-link" not in html and "copy.js" not in html

    def test_an_invited_lead_sees_no_place(self, client, store):
        join(store, EMAIL, minutes=0, ip="198.51.0.1")
        store.invite(EMAIL, at=lead(EMAIL).created_at)
        html = manage_page(client, store, EMAIL)
        assert "ahead of you" not in html and "first in line" not in html


class TestReferralLink:
    @pytest.mark.parametrize("page", ["confirmed", "manage"])
    def test_it_shows_the_link_to_copy_and_the_share_links(self, client, store, page):
        ann = stored(store)
        if page == "confirmed":
            html = confirm_and_show(client, store, ann)
        else:
            confirmed(store, EMAIL)
            html = manage_page(client, store, EMAIL)
        code = store.get(EMAIL).ref_code
        url = f"{SITE}/?ref={code}"
        assert f'<input type="text" id="share-link" value="{url}" readonly' in html
        assert 'data-copy="share-link" hidden>Copy</button>' in html
        assert re.search(r'<script src="[^"]*front/copy[.\w]*js" defer></script>', html)
        assert "<script>" not in html  # the CSP allows no inline script
        encoded = quote(url, safe="")
        shares = hrefs(html)
        assert set(shares) == {"Email", "X", "LinkedIn", "WhatsApp"}
        for href in shares.values():
            assert encoded in href, href
        mail = urlsplit(shares["Email"])
        assert (mail.scheme, mail.path) == ("mailto", "")
        assert "+" not in mail.query  # RFC 6068: a "+" would be read as a plus
        assert parse_qs(mail.query)["subject"] == ["Join me on the Acme & Co waitlist"]
        assert parse_qs(mail.query)["body"][0].endswith(f" {url}")
        x = urlsplit(shares["X"])
        assert f"{x.scheme}://{x.netloc}{x.path}" == "https://twitter.com/intent/tweet"
        assert parse_qs(x.query) == {"text": ["I joined the Acme & Co waitlist. Join me:"],
                                     "url": [url]}  # fmt: skip
        linkedin = shares["LinkedIn"]
        assert linkedin == f"https://www.linkedin.com/sharing/share-offsite/?url={encoded}"
        wa = urlsplit(shares["WhatsApp"])
        assert f"{wa.scheme}://{wa.netloc}{wa.path}" == "https://wa.me/"
        assert parse_qs(wa.query)["text"][0].endswith(f" {url}")

    def test_it_links_no_third_party_script_or_style(self, client, store):
        stored(store)
        confirmed(store, EMAIL)
        html = manage_page(client, store, EMAIL)
        for url in re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html):
            assert url.startswith("/"), url


def referral_block(html: str, code: str) -> str:
    block = html.partition('<section class="card line">')[2].partition("</section>")[0]
    assert block
    return re.sub(r'<p class="place">.*?</p>', "", block.replace(code, "CODE"))


class TestCredits:
    def test_a_withheld_referral_shows_the_same_page_as_a_credited_one_but_the_count(
        self, client, store
    ):
        join(store, "ref@x.com", minutes=0, ip="198.51.100.1")
        join(store, "ref2@gmail.com", minutes=1, ip="198.51.101.1")
        credited_code = store.get("ref@x.com").ref_code
        withheld_code = store.get("ref2@gmail.com").ref_code
        join(store, "friend@y.org", minutes=2, ip="203.0.113.5", ref=credited_code)
        # The referrer's own mailbox: Gmail ignores the dots, so no credit.
        join(store, "r.e.f2@gmail.com", minutes=3, ip="203.0.114.5", ref=withheld_code)
        credited = manage_page(client, store, "ref@x.com")
        withheld = manage_page(client, store, "ref2@gmail.com")
        assert "1 of your referrals has confirmed." in credited
        assert "0 of your referrals have confirmed." in withheld
        assert len(store.withheld()) == 1
        assert referral_block(credited, credited_code).replace("1 of your referrals has", "N") == (
            referral_block(withheld, withheld_code).replace("0 of your referrals have", "N")
        )
        assert "withheld" not in withheld.lower() and "mailbox" not in withheld
