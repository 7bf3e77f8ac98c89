"""/search/referrals: the top referrers and the withheld credits with their reasons, for staff
only. On both backends."""

from __future__ import annotations

import re

from django.utils.html import escape
from django.utils.text import capfirst

from api.tests.builders import line_up, refer
from leads import referrals
from leads.tests.factories import sign_in


class TestReferrals:
    def test_it_lists_the_top_referrers_most_credits_first(self, client, store):
        line_up(store, "a@x.com", "b@x.com", "c@x.com")
        refer(store, "b@x.com", "f1@y.org", ip="203.0.113.1", minutes=10)
        refer(store, "b@x.com", "f2@y.org", ip="192.0.2.1", minutes=11)
        refer(store, "c@x.com", "f3@y.org", ip="203.0.113.2", minutes=12)
        html = sign_in(client).get("/search/referrals").content.decode()
        rows = re.findall(r'<a href="/search\?email=[^"]+">([^<]+)</a></td><td class="num" '
                          r'data-label="Credited">(\d+)</td>', html)  # fmt: skip
        assert rows == [("b@x.com", "2"), ("c@x.com", "1")]
        assert '<span class="badge badge-confirmed">Confirmed</span>' in html
        assert "No credit has been withheld." in html

    def test_it_lists_the_withheld_credits_with_why(self, client, store, settings):
        settings.TIME_ZONE = "Europe/Madrid"
        line_up(store, "ref@gmail.com")
        refer(store, "ref@gmail.com", "r.e.f+x@googlemail.com", ip="203.0.113.5", minutes=10)
        refer(store, "ref@gmail.com", "friend@xn--bcher-kva.example", ip="198.51.0.9", minutes=11)
        html = sign_in(client).get("/search/referrals").content.decode()
        assert "No referral has been credited yet." in html
        own = escape(capfirst(referrals.OWN_MAILBOX))  # "the referrer's own mailbox"
        network = escape(capfirst(referrals.REFERRER_NETWORK))
        assert html.index("friend@bücher.example") < html.index("r.e.f+x@googlemail.com")
        assert f'<td data-label="Why">{network}</td>' in html
        assert f'<td data-label="Why">{own}</td>' in html
        assert "When (Europe/Madrid)" in html
        assert '<td data-label="Referrer">ref@gmail.com</td>' in html

    def test_it_is_for_staff_only(self, client, store):
        line_up(store, "ref@gmail.com")
        refer(store, "ref@gmail.com", "r.e.f+x@googlemail.com", ip="203.0.113.5")
        response = client.get("/search/referrals")
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
        response = sign_in(client, staff=False).get("/search/referrals")
        assert response.status_code == 403
        assert b"googlemail" not in response.content
