"""/search/line: the waiting leads in line order, paged, each with an Invite button; and
/search/invite, that button's POST. On both backends."""

from __future__ import annotations

import re

from django.test import Client

from api.tests.builders import line_up, refer
from leads.tests.factories import T0, lead, sign_in


def places(html: str) -> list[tuple[str, str]]:
    """(place, email) of each row."""
    return re.findall(
        r'data-label="Place">(\d+)</td>\s*<td data-label="Email"><a [^>]+>([^<]+)<', html
    )


def link(html: str, rel: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)" class="button" rel="{rel}"', html)
    return found.group(1).replace("&amp;", "&") if found else None


class TestLine:
    def test_it_shows_the_waiting_leads_in_order_with_their_details(self, client, store):
        line_up(store, "a@x.com", "b@xn--bcher-kva.example", preview=("a@x.com",))
        refer(store, "b@xn--bcher-kva.example", "friend@y.org", ip="203.0.113.5")
        store.add(lead("pending@x.com", minutes=300))
        html = sign_in(client).get("/search/line").content.decode()
        assert places(html) == [("1", "b@bücher.example"), ("2", "a@x.com"), ("3", "friend@y.org")]
        assert '<td data-label="Domain">bücher.example</td>' in html
        assert '<td data-label="Preview">Yes</td>' in html
        assert '<td class="num" data-label="Referrals">1</td>' in html
        assert '<time datetime="2026-11-20T12:00:01+00:00">2026-11-20 12:00</time>' in html
        assert "pending@x.com" not in html
        assert html.count('action="/search/invite"') == 3
        assert 'name="csrfmiddlewaretoken"' in html

    def test_a_lead_who_stopped_mail_keeps_its_place_but_has_no_invite_button(self, client, store):
        line_up(store, "a@x.com", "b@x.com")
        store.unsubscribe("a@x.com", at=T0)
        store.settle()
        html = sign_in(client).get("/search/line").content.decode()
        assert places(html) == [("1", "a@x.com"), ("2", "b@x.com")]
        assert html.count('action="/search/invite"') == 1
        assert 'name="email" value="a@x.com"' not in html
        assert "passed over" in html

    def test_it_pages_forward_and_back(self, client, store):
        line_up(store, *[f"u{i:02d}@x.com" for i in range(7)])
        client = sign_in(client)
        url: str | None = "/search/line?limit=3"
        seen, pages = [], []
        while url:
            html = client.get(url).content.decode()
            pages.append(url)
            seen += places(html)
            url = link(html, "next")
        assert [place for place, _ in seen] == [str(i) for i in range(1, 8)]
        assert [email for _, email in seen] == [f"u{i:02d}@x.com" for i in range(7)]
        previous = link(client.get(pages[-1]).content.decode(), "prev")
        assert previous is not None
        assert places(client.get(previous).content.decode())[0] == ("4", "u03@x.com")
        assert 'class="button">First page</a>' in client.get(pages[-1]).content.decode()

    def test_nobody_waiting(self, client, store):
        store.add(lead("pending@x.com"))
        assert "Nobody is waiting." in sign_in(client).get("/search/line").content.decode()

    def test_it_rejects_a_forged_cursor_or_back_stack(self, client, store):
        client = sign_in(client)
        for query in ["cursor=forged", "cursor=" + "x" * 2001, "back=" + "&back=".join("a" * 21)]:
            response = client.get(f"/search/line?{query}")
            assert response.status_code == 400, query
            assert b"start again from the first page" in response.content


class TestInviteButton:
    def test_it_invites_the_lead_and_its_row_is_gone(self, client, store):
        line_up(store, "a@x.com", "b@x.com")
        response = sign_in(client).post(
            "/search/invite", {"email": "A@x.com", "next": "/search/line?limit=5"}
        )
        assert response.status_code == 302
        assert response["Location"] == "/search/line?limit=5"
        assert store.get("a@x.com").status == "invited"
        store.settle()
        html = client.get("/search/line?limit=5").content.decode()
        assert "Invited a@x.com: the invitation mail is on its way." in html
        assert places(html) == [("1", "b@x.com")]

    def test_a_lead_who_is_not_waiting_is_left_as_it_was(self, client, store):
        line_up(store, "a@x.com")
        store.invite("a@x.com", at=T0)
        store.add(lead("pending@x.com", minutes=5))
        client = sign_in(client)
        for email in ["a@x.com", "pending@x.com", "nobody@x.com"]:
            response = client.post("/search/invite", {"email": email}, follow=True)
            assert f"{email} is not waiting for an invitation; nothing changed." in (
                response.content.decode()
            )
        assert store.get("a@x.com").invited_at == T0
        assert store.get("pending@x.com").status == "pending"

    def test_it_never_redirects_away_from_the_staff_pages(self, client, store):
        line_up(store, "a@x.com")
        response = sign_in(client).post(
            "/search/invite", {"email": "a@x.com", "next": "https://evil.example/"}
        )
        assert response["Location"] == "/search/line"

    def test_a_bad_address_changes_nothing(self, client, store):
        response = sign_in(client).post("/search/invite", {"email": "nobody"}, follow=True)
        assert b"That is not a lead&#x27;s address; nobody was invited." in response.content

    def test_it_needs_the_csrf_token(self, store):
        line_up(store, "a@x.com")
        client = sign_in(Client(enforce_csrf_checks=True))
        assert client.post("/search/invite", {"email": "a@x.com"}).status_code == 403
        assert store.get("a@x.com").status == "confirmed"

    def test_it_is_for_staff_only(self, client, store):
        line_up(store, "a@x.com")
        response = client.post("/search/invite", {"email": "a@x.com"})
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")
        response = sign_in(client, staff=False).post("/search/invite", {"email": "a@x.com"})
        assert response.status_code == 403
        assert store.get("a@x.com").status == "confirmed"

    def test_only_post(self, client, store):
        assert sign_in(client).get("/search/invite?email=a@x.com").status_code == 405
