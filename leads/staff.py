"""The staff side: search and counts, the CSV export and erasing a lead. Staff only, every path."""

from __future__ import annotations

import logging
from itertools import chain
from urllib.parse import urlencode

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from leads import charts, export
from leads.decorators import staff_required
from leads.forms import CountsSortForm, LeadEmailForm, LeadFilterForm
from leads.store import DomainCount, InvalidCursor, get_store

logger = logging.getLogger(__name__)

PAGE_SIZE = 50
# Rows of the per-domain counts table per page: rendering rows is what the counts page spends
# its time on, and a long tail of domains would otherwise make one huge page.
COUNTS_PAGE_SIZE = 100
# Previous links walk back through the cursors of earlier pages, carried in the query string
# (`back`). Past this depth the oldest are dropped and "First page" is the way back.
MAX_BACK = 20


@require_GET
@staff_required
def search(request: HttpRequest) -> HttpResponse:
    form = LeadFilterForm(request.GET)
    back = request.GET.getlist("back")
    if not form.is_valid() or len(back) > MAX_BACK or any(len(c) > 2000 for c in back):
        error = "This page link is not valid; start again from the search form."
        return render(request, "leads/search.html", {"form": form, "error": error}, status=400)
    filters = form.cleaned_data
    if filters["domain"] is None and filters["preview"] is None:
        return _counts(request, form)

    store = get_store()
    try:
        page = store.search(
            domain=filters["domain"],
            preview=filters["preview"],
            cursor=filters["cursor"],
            limit=filters["limit"] or PAGE_SIZE,
        )
    except InvalidCursor:
        form.add_error("cursor", "This page link is out of date; start again from the first page.")
        return render(request, "leads/search.html", {"form": form}, status=400)
    counts = store.domain_counts()
    context = {
        "form": form,
        "filtered": True,
        "page": page,
        "matching": matching_count(counts, filters["domain"], filters["preview"]),
        **_page_links(filters, back, page.next),
        "this_page": request.get_full_path(),
        "export_query": _query(filters),
    }
    return render(request, "leads/search.html", context)


def _counts(request: HttpRequest, form: LeadFilterForm) -> HttpResponse:
    sort_form = CountsSortForm(request.GET)
    if not sort_form.is_valid():
        error = "Sort by domain, total or preview_yes (with - in front for descending)."
        return render(request, "leads/search.html", {"form": form, "error": error}, status=400)
    sort = sort_form.cleaned_data["sort"]
    store = get_store()
    counts = store.domain_counts()
    field = sort.lstrip("-")
    rows = sorted(counts, key=lambda c: (getattr(c, field), c.domain), reverse=sort[0] == "-")
    # get_page: a page number that is not one shows the first page, one past the end the last.
    rows_page = Paginator(rows, COUNTS_PAGE_SIZE).get_page(request.GET.get("page"))
    daily = store.daily_counts()
    context = {
        "form": form,
        "rows": rows_page,
        "domains": len(rows),
        "sort": sort,
        "columns": _sort_columns(sort),
        "total": store.total(),
        "preview_total": sum(c.preview_yes for c in counts),
        "domain_chart": charts.domain_chart(counts),
        "daily_chart": charts.daily_chart(daily),
    }
    return render(request, "leads/search.html", context)


@require_GET
@staff_required
def export_csv(request: HttpRequest) -> HttpResponse:
    form = LeadFilterForm(request.GET)
    if not form.is_valid():
        return HttpResponse(form.errors.as_text(), status=400, content_type="text/plain")
    domain, preview = form.cleaned_data["domain"], form.cleaned_data["preview"]
    leads = get_store().iter_leads(domain=domain, preview=preview)
    # The first page is read before the response starts: a store that is down is a clean 503,
    # not a cut-off download.
    first = next(leads, None)
    rows = chain([first], leads) if first is not None else iter(())
    response = StreamingHttpResponse(export.csv_lines(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export.filename(domain, preview)}"'
    return response


@require_http_methods(["GET", "POST"])
@staff_required
def delete(request: HttpRequest) -> HttpResponse:
    """GET asks for confirmation; POST erases the lead and goes back to the list it came from."""
    form = LeadEmailForm(request.POST if request.method == "POST" else request.GET)
    back_to = _safe_return(request.POST.get("next") or request.GET.get("next"))
    if not form.is_valid():
        return render(request, "leads/delete.html", {"form": form, "next": back_to}, status=400)
    email = form.cleaned_data["email"]
    store = get_store()
    if request.method == "GET":
        context = {"form": form, "lead": store.get(email), "email": email, "next": back_to}
        return render(request, "leads/delete.html", context)
    if store.delete(email):
        # The address is what was erased: the log keeps who did it, not whom.
        logger.info("A lead was erased by staff member %s", request.user.get_username())
        messages.success(request, f"Deleted the lead {email}.")
    else:
        messages.info(request, f"There is no lead {email}; nothing changed.")
    return redirect(back_to)


def _sort_columns(sort: str) -> list[dict]:
    """Column headers of the counts table: each links to its own order, flipped when current."""
    columns = []
    for key, label in [("domain", "Domain"), ("total", "Leads"), ("preview_yes", "Preview: yes")]:
        current = sort.lstrip("-") == key
        descending = sort.startswith("-")
        if current:
            target = key if descending else "-" + key
        else:
            target = key if key == "domain" else "-" + key  # numbers read best largest first
        aria = ("descending" if descending else "ascending") if current else None
        columns.append({"key": key, "label": label, "url": f"/search?sort={target}", "aria": aria})
    return columns


def matching_count(counts: list[DomainCount], domain: str | None, preview: bool | None) -> int:
    """How many leads match the filters, from the per-domain counters."""
    rows = [c for c in counts if domain is None or c.domain == domain]
    if preview is None:
        return sum(c.total for c in rows)
    yes = sum(c.preview_yes for c in rows)
    return yes if preview else sum(c.total for c in rows) - yes


def _query(filters: dict, **extra: object) -> str:
    params: list[tuple[str, object]] = []
    if filters["domain"]:
        params.append(("domain", filters["domain"]))
    if filters["preview"] is not None:
        params.append(("preview", "Yes" if filters["preview"] else "No"))
    if filters["limit"]:
        params.append(("limit", filters["limit"]))
    for key, value in extra.items():
        values = value if isinstance(value, list) else [value]
        params += [(key, v) for v in values if v is not None]
    return urlencode(params)


def _page_links(filters: dict, back: list[str], next_cursor: str | None) -> dict:
    """Links to the next, previous and first pages of the same search.

    `back` holds the cursors of the pages before this one, oldest first ("" is the first page).
    """
    here = filters["cursor"] or ""
    links: dict[str, str | None] = {"next_url": None, "previous_url": None, "first_url": None}
    if next_cursor:
        stack = [*back, here][-MAX_BACK:]
        links["next_url"] = "/search?" + _query(filters, cursor=next_cursor, back=stack)
    if back:
        previous = back[-1] or None
        links["previous_url"] = "/search?" + _query(filters, cursor=previous, back=back[:-1])
    if here:
        links["first_url"] = "/search?" + _query(filters)
    return links


def _safe_return(url: str | None) -> str:
    """Only a path on the search page itself: never a redirect to somewhere else."""
    if url and url.startswith("/search") and "\\" not in url and url.isprintable():
        return url
    return "/search"
