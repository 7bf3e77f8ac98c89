"""The staff pages: the dashboard and lists, the CSV export, erasing a lead, API tokens, sign-in.

Staff only, every path but the sign-in."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from itertools import chain

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from api import tokens
from leads import invites
from leads.forms import LeadEmailForm, LeadFilterForm
from leads.http import over_rate
from leads.store import PAGE_SIZE, DomainCount, InvalidCursor, get_store
from staff import dashboard, export, links
from staff.decorators import StaffRequest, staff_required
from staff.format import domains_containing
from staff.forms import DashboardForm, IssueTokenForm, RevokeTokenForm

logger = logging.getLogger(__name__)

# Rows of the per-domain counts table per page: rendering rows is what the counts page spends
# its time on, and a long tail of domains would otherwise make one huge page.
COUNTS_PAGE_SIZE = 100


@require_GET
@staff_required
def search(request: HttpRequest) -> HttpResponse:
    """The staff home: the dashboard; with a filter, a list of leads; with an email, that lead."""
    if "email" in request.GET:
        return _find(request)
    form = LeadFilterForm(request.GET)
    back = request.GET.getlist("back")
    if not form.is_valid() or len(back) > links.MAX_BACK or any(len(c) > 2000 for c in back):
        error = "This page link is not valid; start again from the search form."
        return render(request, "staff/search.html", {"form": form, "error": error}, status=400)
    filters = form.cleaned_data
    if filters["domain"] is None and filters["preview"] is None:
        return _dashboard(request, form)

    store = get_store()
    counts = store.domain_counts()
    context = {"form": form, "filtered": True, "counts_as_of": store.counts_as_of()}
    if filters["domain"] and not any(c.domain == filters["domain"] for c in counts):
        # "gmail": no domain is called that, so offer the ones that contain it.
        context["suggestions"] = domains_containing(counts, request.GET["domain"])
        if context["suggestions"]:
            return render(request, "staff/search.html", context)
    try:
        page = store.search(
            domain=filters["domain"],
            preview=filters["preview"],
            cursor=filters["cursor"],
            limit=filters["limit"] or PAGE_SIZE,
        )
    except InvalidCursor:
        form.add_error("cursor", "This page link is out of date; start again from the first page.")
        return render(request, "staff/search.html", {"form": form}, status=400)
    at = links.position(request.GET.get("at"))
    context |= {
        "page": page,
        "matching": matching_count(counts, filters["domain"], filters["preview"]),
        "first_shown": at + 1,
        "last_shown": at + len(page.items),
        **links.page_links(filters, back, page.next, at=at, shown=len(page.items)),
        "this_page": request.get_full_path(),
        "export_query": links.query_string(filters),
    }
    return render(request, "staff/search.html", context)


def _find(request: HttpRequest) -> HttpResponse:
    """One lead by its exact address: one read of the store, and its place while it waits."""
    lookup = LeadEmailForm(request.GET)
    context = {"form": LeadFilterForm(), "lookup": lookup, "looked_up": True}
    if not lookup.is_valid():
        return render(request, "staff/search.html", context, status=400)
    store = get_store()
    found = store.get(lookup.cleaned_data["email"])
    context |= {"found": found, "this_page": request.get_full_path()}
    if found is not None:
        context["place"] = store.place(found.email) if found.waiting else None
        context["invite_expires"] = invites.expires_at(found)
    return render(request, "staff/search.html", context)


def _dashboard(request: HttpRequest, form: LeadFilterForm) -> HttpResponse:
    options = DashboardForm(request.GET)
    if not options.is_valid():
        error = (
            "Sort by domain, total, preview_yes, pending or confirmed (with - in front for "
            "descending); show 7, 30, 90 days or all."
        )
        return render(request, "staff/search.html", {"form": form, "error": error}, status=400)
    sort, range_key = options.cleaned_data["sort"], options.cleaned_data["range"]
    store = get_store()
    counts = store.domain_counts()
    field = sort.lstrip("-")
    rows = sorted(counts, key=lambda c: (getattr(c, field), c.domain), reverse=sort[0] == "-")
    # get_page: a page number that is not one shows the first page, one past the end the last.
    rows_page = Paginator(rows, COUNTS_PAGE_SIZE).get_page(request.GET.get("page"))
    today = datetime.now(UTC).date()  # the day counters count UTC days
    board = dashboard.build(store, counts=counts, range_key=range_key, today=today)
    context = {
        "form": form,
        "board": board,
        "ranges": links.range_links(sort, range_key),
        "rows": rows_page,
        "domains": len(rows),
        "sort": sort,
        "range": range_key,
        "columns": links.sort_columns(sort, range_key),
        "counts_as_of": store.counts_as_of(),
    }
    return render(request, "staff/search.html", context)


@require_GET
@staff_required
def export_csv(request: HttpRequest) -> HttpResponseBase:
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
def delete(request: StaffRequest) -> HttpResponse:
    """GET asks for confirmation; POST erases the lead and goes back to the list it came from."""
    form = LeadEmailForm(request.POST if request.method == "POST" else request.GET)
    back_to = links.safe_return(request.POST.get("next") or request.GET.get("next"))
    if not form.is_valid():
        return render(request, "staff/delete.html", {"form": form, "next": back_to}, status=400)
    email = form.cleaned_data["email"]
    store = get_store()
    if request.method == "GET":
        context = {"form": form, "lead": store.get(email), "email": email, "next": back_to}
        return render(request, "staff/delete.html", context)
    if store.delete(email):
        # The address is what was erased: the log keeps who did it, not whom.
        logger.info("A lead was erased by staff member %s", request.user.get_username())
        messages.success(request, f"Deleted the lead {email}.")
    else:
        messages.info(request, f"There is no lead {email}; nothing changed.")
    return redirect(back_to)


@require_http_methods(["GET", "POST"])
@staff_required
def tokens_page(request: StaffRequest) -> HttpResponse:
    """Staff issue and revoke their own API tokens."""
    form = IssueTokenForm()
    status, new_token = 200, None
    if "revoke" in request.POST:
        revoke = RevokeTokenForm(request.POST)
        if revoke.is_valid() and tokens.revoke(request.user, revoke.cleaned_data["revoke"]):
            messages.success(request, "The token was revoked; scripts using it now get 401.")
        return redirect("search-tokens")
    if request.method == "POST":
        form = IssueTokenForm(request.POST)
        if form.is_valid():
            try:
                new_token = tokens.issue(request.user, form.cleaned_data["name"])
                form = IssueTokenForm()
            except tokens.TooManyTokens:
                form.add_error(None, f"At most {tokens.MAX_PER_USER} tokens; revoke one first.")
        if form.errors:
            status = 400
    context = {"form": form, "new_token": new_token, "tokens": tokens.tokens_of(request.user)}
    return render(request, "staff/tokens.html", context, status=status)


TOO_MANY_SIGN_INS = (
    "Too many sign-in attempts from your address. Please wait a minute and try again."
)
_login_view = LoginView.as_view()


def login(request: HttpRequest) -> HttpResponseBase:
    """Django's LoginView, refused with 429 once a client has tried LOGIN_RATE_LIMIT times.

    Every attempt counts, before its password is checked: counting only failures, after the
    slow hash, let guesses sent in parallel all pass the check before any of them was counted.
    Once the limit is reached even the right password is refused until the window passes, or
    guessing would simply go on.
    """
    if request.method == "POST" and over_rate(
        request, group="login", rate=settings.LOGIN_RATE_LIMIT
    ):
        next_url = request.POST.get("next") or request.GET.get("next") or ""
        form = AuthenticationForm(request)
        context = {"form": form, "error": TOO_MANY_SIGN_INS, "next": next_url}
        response = render(request, "registration/login.html", context, status=429)
        response["Retry-After"] = "60"
        return response
    return _login_view(request)


def matching_count(counts: list[DomainCount], domain: str | None, preview: bool | None) -> int:
    """How many leads match the filters, from the per-domain counters."""
    rows = [c for c in counts if domain is None or c.domain == domain]
    if preview is None:
        return sum(c.total for c in rows)
    yes = sum(c.preview_yes for c in rows)
    return yes if preview else sum(c.total for c in rows) - yes
