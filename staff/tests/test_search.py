"""GET /search: the counts page without a filter, one page of matching leads with one."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api import tokens
from leads.tests.factories import add_leads, lead, sign_in


def emails_on(html: str) -> list[str]:
    return re.findall(r'name="email" value="([^"]+)"', html)


def link(html: str, rel: str) -> str | None:
    found = re.search(rf'<a href="([^"]+)" class="button" rel="{rel}"', html)
    return found.group(1).replace("&amp;", "&") if found else None


class TestCounts:
    def test_it_shows_the_counts_per_domain_with_the_preview_split(self, client, store):
        store.add(lead("a@x.com", preview=True))
        store.add(lead("b@x.com"))
        store.add(lead("c@y.org", preview=True, minutes=60 * 24))
        html = sign_in(client).get("/search").content.decode()
        assert "<strong>3</strong> leads from <strong>2</strong> domains" in html
        assert "<strong>2</strong> asked for preview access" in html
        row = r'<th scope="row"><a href="/search\?domain=x.com">x.com</a></th>'
        leads = r'<td class="num" data-label="Leads">2</td>'
        assert re.search(row + leads + r'<td class="num" data-label="Preview">1</td>', html)

    def test_it_draws_the_charts_as_svg_with_titles(self, client, store):
        store.add(lead("a@x.com", preview=True))
        store.add(lead("b@y.org", minutes=60 * 24 * 2))
        html = sign_in(client).get("/search?range=all").content.decode()
        assert html.count('<svg class="chart-svg"') == 3
        assert '<title id="domain-chart-svg-title">Leads per domain, top 2</title>' in html
        assert "x.com: 1 lead, 1 asked for preview" in html
        # every day from the first signup to today, the empty ones included
        days = (datetime.now(UTC).date() - date(2026, 11, 20)).days + 1
        assert html.count('class="bar-signups"') == days
        zeros = '<td class="num">0</td>' * 3  # signups, confirmed, pending
        assert f'<td>2026-11-21</td>{zeros}<td class="num">1</td>' in html
        assert "<td>2026-11-22</td>" in html

    @pytest.mark.parametrize(
        ("sort", "order"),
        [
            ("domain", ["a.com", "b.com", "c.com"]),
            ("-domain", ["c.com", "b.com", "a.com"]),
            ("-total", ["b.com", "c.com", "a.com"]),
            ("total", ["a.com", "c.com", "b.com"]),
            ("-preview_yes", ["c.com", "b.com", "a.com"]),
        ],
    )
    def test_it_sorts(self, client, store, sort, order):
        domains = [("a.com", 1, 0), ("b.com", 3, 1), ("c.com", 2, 2)]
        for i, (domain, total, yes) in enumerate(domains):
            for j in range(total):
                store.add(lead(f"u{j}@{domain}", preview=j < yes, minutes=i * 10 + j))
        html = sign_in(client).get(f"/search?sort={sort}").content.decode()
        assert re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a>', html) == order

    def test_it_pages_the_domains_in_their_sort_order(self, client, store):
        for i in range(230):
            store.add(lead(f"u@d{i:03d}.com", minutes=i))
        client = sign_in(client)
        seen: list[list[str]] = []
        url: str | None = "/search?sort=-domain"
        while url:
            html = client.get(url).content.decode()
            assert "<strong>230</strong> domains" in html
            seen.append(re.findall(r'<th scope="row"><a href="[^"]+">([^<]+)</a>', html))
            url = link(html, "next")
        assert [len(rows) for rows in seen] == [100, 100, 30]
        assert [domain for rows in seen for domain in rows] == [
            f"d{i:03d}.com" for i in reversed(range(230))
        ]
        assert "Domains 201-230 of 230" in html
        assert link(html, "prev") == "/search?sort=-domain&range=30&page=2"

    @pytest.mark.parametrize("page", ["abc", "0", "99"])
    def test_a_page_number_out_of_range_shows_a_page_that_exists(self, client, store, page):
        for i in range(101):
            store.add(lead(f"u@d{i:03d}.com", minutes=i))
        response = sign_in(client).get(f"/search?sort=domain&page={page}")
        assert response.status_code == 200
        assert "Domains " in response.content.decode()

    def test_it_rejects_an_unknown_sort(self, client, store):
        response = sign_in(client).get("/search?sort=email")
        assert response.status_code == 400
        assert b"Sort by domain, total, preview_yes, pending or confirmed" in response.content
        assert b"show 7, 30, 90 days or all" in response.content

    @pytest.mark.parametrize(
        ("store", "lags"), [("sql", False), ("dynamodb", True)], indirect=["store"]
    )
    def test_it_says_how_fresh_the_counts_are_where_they_follow_a_stream(self, client, store, lags):
        store.add(lead("a@x.com"))
        html = sign_in(client).get("/search").content.decode()
        assert ("Counts as of" in html) is lags
        html = client.get("/search?domain=x.com").content.decode()
        assert ("Counts as of" in html) is lags

    def test_it_says_so_when_there_are_no_leads(self, client, store):
        html = sign_in(client).get("/search").content.decode()
        assert "<strong>0</strong> leads" in html
        assert "No leads yet." in html

    @pytest.mark.parametrize("store", ["sql"], indirect=True)  # it counts SQL statements
    def test_it_reads_the_counters_never_the_leads(self, client, store, settings):
        add_leads(store, 30)
        with CaptureQueriesContext(connection) as queries:
            assert sign_in(client).get("/search").status_code == 200
        assert not [q["sql"] for q in queries if "leads_lead" in q["sql"]]


class TestLeadList:
    def test_it_filters_on_the_exact_domain(self, client, store):
        for email in ["a@x.com", "b@notx.com", "c@x.com.au", "d@sub.x.com", "e@x.com"]:
            store.add(lead(email))
        html = sign_in(client).get("/search?domain=X.com").content.decode()
        assert sorted(emails_on(html)) == ["a@x.com", "e@x.com"]
        assert "<strong>2</strong> leads match." in html

    def test_it_filters_on_preview(self, client, store):
        store.add(lead("a@x.com", preview=True))
        store.add(lead("b@x.com", preview=False))
        store.add(lead("c@y.com", preview=True))
        html = sign_in(client).get("/search?domain=x.com&preview=No").content.decode()
        assert emails_on(html) == ["b@x.com"]
        html = client.get("/search?preview=Yes").content.decode()
        assert sorted(emails_on(html)) == ["a@x.com", "c@y.com"]
        assert "<strong>2</strong> leads match." in html

    def test_it_finds_an_internationalised_domain_by_its_unicode_name(self, client, store):
        store.add(lead("ann@xn--bcher-kva.example"))
        html = sign_in(client).get("/search?domain=Bücher.example").content.decode()
        assert emails_on(html) == ["ann@xn--bcher-kva.example"]

    def test_it_shows_names_and_emails_as_text(self, client, store):
        store.add(lead("x@x.com", name="<script>alert(1)</script>"))
        html = sign_in(client).get("/search?domain=x.com").content.decode()
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html

    def test_it_pages_forward_and_back_through_every_lead_once_in_order(self, client, store):
        expected = add_leads(store, 23)
        sign_in(client)
        url: str | None = "/search?domain=x.com&limit=5"
        pages: list[list[str]] = []
        while url:
            html = client.get(url).content.decode()
            pages.append(emails_on(html))
            url = link(html, "next")
        assert [email for page in pages for email in page] == expected
        assert [len(page) for page in pages] == [5, 5, 5, 5, 3]
        back: list[list[str]] = [emails_on(html)]
        url = link(html, "prev")
        while url:
            html = client.get(url).content.decode()
            back.append(emails_on(html))
            url = link(html, "prev")
        assert back == list(reversed(pages))
        assert 'rel="next"' in html  # back on the first page, forward works again

    def test_it_rejects_a_forged_cursor(self, client, store):
        response = sign_in(client).get("/search?domain=x.com&cursor=bm90LWEtY3Vyc29y")
        assert response.status_code == 400
        assert b"This page link is out of date" in response.content

    def test_it_rejects_a_back_stack_that_is_too_deep(self, client, store):
        query = "&".join(["back="] * 21)
        response = sign_in(client).get(f"/search?domain=x.com&{query}")
        assert response.status_code == 400

    def test_it_rejects_a_bad_domain(self, client, store):
        response = sign_in(client).get("/search?domain=a..b")
        assert response.status_code == 400
        assert b"Enter a domain such as example.com." in response.content

    def test_it_links_each_lead_to_its_deletion_and_back(self, client, store):
        store.add(lead("ann@x.com"))
        html = sign_in(client).get("/search?domain=x.com").content.decode()
        assert 'action="/search/delete"' in html
        assert 'name="next" value="/search?domain=x.com"' in html


class TestFinding:
    def test_a_partial_domain_offers_the_domains_that_contain_it(self, client, store):
        for email in ["a@gmail.com", "b@gmail.com", "c@googlemail.com", "d@mygmail.example"]:
            store.add(lead(email))
        html = sign_in(client).get("/search?domain=gmail").content.decode()
        assert "No domain is called <strong>gmail</strong>" in html
        offered = re.findall(r'<li><a href="/search\?domain=([^"&]+)">', html)
        assert offered == ["gmail.com", "mygmail.example"]
        assert "2 leads" in html

    def test_an_exact_domain_lists_its_leads_without_offering_others(self, client, store):
        store.add(lead("a@gmail.com"))
        store.add(lead("b@gmail.com.au"))
        html = sign_in(client).get("/search?domain=gmail.com").content.decode()
        assert emails_on(html) == ["a@gmail.com"]
        assert "No domain is called" not in html

    def test_a_partial_unicode_domain_offers_it_in_unicode(self, client, store):
        store.add(lead("ann@xn--bcher-kva.example"))
        html = sign_in(client).get("/search?domain=bücher").content.decode()
        assert '<a href="/search?domain=xn--bcher-kva.example">bücher.example</a>' in html
        html = client.get("/search?domain=XN--BCHER-KVA.example").content.decode()
        assert '<td data-label="Email">ann@bücher.example</td>' in html  # exact, in ASCII

    def test_internationalised_domains_and_emails_are_shown_in_unicode(self, client, store):
        store.add(lead("ann@xn--bcher-kva.example"))
        html = sign_in(client).get("/search?range=all").content.decode()
        assert ">bücher.example</a></th>" in html  # the table
        assert ">bücher.example</text>" in html  # the chart
        html = client.get("/search?domain=xn--bcher-kva.example").content.decode()
        assert '<td data-label="Email">ann@bücher.example</td>' in html
        assert emails_on(html) == ["ann@xn--bcher-kva.example"]  # the form posts the stored one

    def test_a_lead_is_found_by_its_exact_email_in_one_read(self, client, store):
        store.add(lead("ann@x.com", name="Ann Lee"))
        html = sign_in(client).get("/search?email=ANN@x.com").content.decode()
        assert "<dt>Name</dt><dd>Ann Lee</dd>" in html
        assert 'name="email" value="ann@x.com"' in html
        html = client.get("/search?email=bob@x.com").content.decode()
        assert "There is no lead bob@x.com." in html

    def test_a_bad_email_is_refused(self, client, store):
        response = sign_in(client).get("/search?email=nobody")
        assert response.status_code == 400
        assert b"Enter a valid email address." in response.content


class TestTimes:
    def test_staff_see_their_time_zone_the_api_and_csv_stay_in_utc(self, client, store, settings):
        settings.TIME_ZONE = "Europe/Madrid"
        store.add(lead("ann@x.com"))  # 2026-11-20 12:00 UTC
        html = sign_in(client).get("/search?domain=x.com").content.decode()
        assert "Signed up (Europe/Madrid)" in html
        assert '<time datetime="2026-11-20T12:00:00+00:00">2026-11-20 13:00</time>' in html
        token = tokens.issue(User.objects.get(username="staff"), "test")
        api = client.get("/api/leads?domain=x.com", headers={"Authorization": f"Bearer {token}"})
        assert api.json()["items"][0]["created_at"] == "2026-11-20T12:00:00Z"
        csv = b"".join(client.get("/search/export.csv?domain=x.com").streaming_content)
        assert b"2026-11-20T12:00:00Z" in csv


class TestPlace:
    def test_each_page_says_where_it_is_in_the_list(self, client, store):
        add_leads(store, 55)
        sign_in(client)
        url: str | None = "/search?domain=x.com&limit=25"
        places = []
        while url:
            html = client.get(url).content.decode()
            places += re.findall(r'class="pager-place">([^<]+)<', html)
            url = link(html, "next")
        assert places == ["1-25 of 55", "26-50 of 55", "51-55 of 55"]
        previous = link(html, "prev")
        html = client.get(previous).content.decode()
        assert "26-50 of 55" in html
        html = client.get(link(html, "prev")).content.decode()
        assert "1-25 of 55" in html
