"""GET /search/export.csv: every matching lead, streamed one page at a time."""

from __future__ import annotations

import csv
import io
import tracemalloc

import pytest
from django.db import transaction

from api.tests.builders import one_of_each, stored_legacy
from leads.store import get_store
from leads.tests.factories import add_confirmed, add_leads, lead, sign_in

HEADER = ["name", "email", "preview", "created_at", "status", "confirmed_at"]


def rows_of(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


class TestExportCsv:
    def test_it_exports_every_matching_lead_newest_first_under_one_header(self, client, store):
        store.max_page_size = 20  # pages of 20, so that 45 leads span three of them
        emails = add_leads(store, 45)
        store.add(lead("z@notx.com", minutes=10_000))
        response = sign_in(client).get("/search/export.csv?domain=x.com")
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"] == 'attachment; filename="leads-x.com.csv"'
        rows = rows_of(response)
        assert rows[0] == HEADER
        assert [row[1] for row in rows[1:]] == emails

    def test_it_writes_each_field(self, client, store):
        store.add(lead("ann@x.com", preview=True, name='Ann "the first", Smith'))
        rows = rows_of(sign_in(client).get("/search/export.csv"))
        assert rows[1] == [
            'Ann "the first", Smith',
            "ann@x.com",
            "Yes",
            "2026-11-20T12:00:00Z",
            "pending",
            "",
        ]

    def test_it_writes_each_status_and_when_the_lead_confirmed(self, client, store):
        one_of_each(store)
        stored_legacy(store, "old@y.org")
        rows = rows_of(sign_in(client).get("/search/export.csv?domain=x.com"))
        assert [row[1:2] + row[4:] for row in rows[1:]] == [
            ["quiet@x.com", "unsubscribed", ""],
            ["stopped@x.com", "unsubscribed", "2026-11-20T12:02:01Z"],
            ["confirmed@x.com", "confirmed", "2026-11-20T12:01:01Z"],
            ["pending@x.com", "pending", ""],
        ]
        (old,) = rows_of(client.get("/search/export.csv?domain=y.org"))[1:]
        assert old[1:2] + old[4:] == ["old@y.org", "legacy", ""]

    def test_the_new_columns_come_after_the_old_ones(self, client, store):
        add_confirmed(store, lead("ann@x.com", preview=True))
        (header, row) = rows_of(sign_in(client).get("/search/export.csv"))
        assert header[:4] == ["name", "email", "preview", "created_at"]
        assert row[:4] == ["Ann", "ann@x.com", "Yes", "2026-11-20T12:00:00Z"]

    def test_it_filters_on_preview(self, client, store):
        store.add(lead("a@x.com", preview=True))
        store.add(lead("b@x.com", preview=False, minutes=1))
        response = sign_in(client).get("/search/export.csv?preview=No")
        assert response["Content-Disposition"] == 'attachment; filename="leads-all-preview-no.csv"'
        assert [row[1] for row in rows_of(response)[1:]] == ["b@x.com"]

    @pytest.mark.parametrize(
        ("name", "cell"),
        [
            ("=HYPERLINK(1)", "'=HYPERLINK(1)"),
            ("+1+1", "'+1+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tTab", "'\tTab"),
            ("\rCr", "'\rCr"),
            ("Ann = Bob", "Ann = Bob"),
        ],
    )
    def test_it_neutralises_formulas(self, client, store, name, cell):
        store.add(lead("ann@x.com", name=name))
        assert rows_of(sign_in(client).get("/search/export.csv"))[1][0] == cell

    def test_it_neutralises_an_email_that_starts_like_a_formula(self, client, store):
        store.add(lead("=1+1@x.com"))
        assert rows_of(sign_in(client).get("/search/export.csv"))[1][1] == "'=1+1@x.com"

    def test_it_exports_just_the_header_when_nothing_matches(self, client, store):
        rows = rows_of(sign_in(client).get("/search/export.csv?domain=nobody.example"))
        assert rows == [HEADER]

    def test_it_rejects_bad_filters(self, client, store):
        response = sign_in(client).get("/search/export.csv?preview=Maybe")
        assert response.status_code == 400


class TestExportStreaming:
    def test_it_never_reads_more_than_one_page_ahead_of_what_it_sent(self, client, store):
        store.max_page_size = 20
        add_leads(store, 45)
        real_search, handed_out = store.search, []

        def counting_search(**kwargs):  # a spy on the real store, not a stand-in for it
            page = real_search(**kwargs)
            handed_out.append(len(page.items))
            return page

        store.search = counting_search
        response = sign_in(client).get("/search/export.csv")
        assert len(handed_out) == 1  # only the first page is read before the response starts
        sent = -1  # the header line is not a lead
        for chunk in response.streaming_content:  # type: ignore[attr-defined]
            sent += chunk.count(b"\n")
            assert sum(handed_out) - sent <= store.max_page_size
        assert sent == sum(handed_out) == 45
        assert len(handed_out) >= 3


def peak_while_exporting(client) -> tuple[int, int]:
    """(peak bytes allocated, lines) while the whole export streams through."""
    tracemalloc.start()
    try:
        response = client.get("/search/export.csv")
        lines = sum(chunk.count(b"\n") for chunk in response.streaming_content)
        return tracemalloc.get_traced_memory()[1], lines
    finally:
        tracemalloc.stop()


@pytest.mark.django_db
class TestExportMemory:
    """SQL only: loading 20,000 leads into DynamoDB's emulator would take minutes; the paging
    that keeps memory flat is the port's `iter_leads`, checked on every backend above."""

    def test_it_streams_a_large_export_in_constant_memory(self, client, settings):
        settings.LEADS_BACKEND = "sql"
        get_store.cache_clear()
        store = get_store()
        sign_in(client)
        with transaction.atomic():
            add_leads(store, 1_000, domain="small.example")
        small_peak, small_lines = peak_while_exporting(client)
        with transaction.atomic():
            add_leads(store, 19_000, domain="large.example")
        large_peak, large_lines = peak_while_exporting(client)
        assert (small_lines, large_lines) == (1_001, 20_001)
        # 20 times the rows, well under twice the memory: nothing grows with the export.
        assert large_peak < 2 * small_peak, (small_peak, large_peak)
        get_store.cache_clear()
