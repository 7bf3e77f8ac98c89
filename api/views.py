"""The JSON API for staff and their scripts: the leads, the counts, the line, invitations."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET, require_POST

from api import openapi
from api.decorators import staff_required_api
from api.forms import InviteNextRequest, JsonForm, RedeemRequest
from leads import invites
from leads.forms import LeadFilterForm
from leads.invites import Redeemed
from leads.store import (
    COUNTED_STATUSES,
    PAGE_SIZE,
    DayCount,
    DomainCount,
    InvalidCursor,
    Lead,
    Placed,
    get_store,
)
from staff.forms import LineForm

logger = logging.getLogger(__name__)

UNKNOWN_CURSOR = {"errors": {"cursor": [{"message": "Unknown cursor.", "code": "invalid"}]}}
REDEEMED = {
    Redeemed.OK: {"status": "joined"},
    Redeemed.USED: {"error": "This invitation was redeemed already."},
    Redeemed.GONE: {"error": "This invitation expired or was revoked."},
    Redeemed.NO_MATCH: {"error": "No invitation has this code and email."},
}


def utc_iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def lead_json(lead: Lead, position: int | None = None) -> dict:
    return {
        "name": lead.name,
        "email": lead.email,
        "preview": lead.preview,
        "created_at": utc_iso(lead.created_at),
        "status": lead.status,
        "confirmed_at": utc_iso(lead.confirmed_at) if lead.confirmed_at else None,
        "position": position,
        "referrals": lead.credits,
    }


def placed_json(placed: Placed) -> dict:
    lead = placed.lead
    return {
        "position": placed.place,
        "email": lead.email,
        "name": lead.name,
        "domain": lead.domain,
        "preview": lead.preview,
        "referrals": lead.credits,
        "confirmed_at": utc_iso(lead.confirmed_at) if lead.confirmed_at else None,
    }


def invalid(form: JsonForm | LeadFilterForm | LineForm) -> JsonResponse:
    return JsonResponse({"errors": form.errors.get_json_data()}, status=400)


def status_figures(count: DomainCount | DayCount) -> dict[str, int]:
    """The counters' figure for each status; legacy leads are the total less these."""
    return {status: getattr(count, status) for status in COUNTED_STATUSES}


@require_GET
@staff_required_api
def leads(request: HttpRequest) -> JsonResponse:
    form = LeadFilterForm(request.GET)
    if not form.is_valid():
        return invalid(form)
    filters = form.cleaned_data
    store = get_store()
    try:
        page = store.search(
            domain=filters["domain"],
            preview=filters["preview"],
            cursor=filters["cursor"],
            limit=filters["limit"] or PAGE_SIZE,
        )
    except InvalidCursor:
        return JsonResponse(UNKNOWN_CURSOR, status=400)
    # One place lookup (the line's 16 nodes) per waiting lead: bounded by the page's size.
    items = [
        lead_json(lead, store.place(lead.email) if lead.waiting else None) for lead in page.items
    ]
    return JsonResponse({"items": items, "next": page.next})


@require_GET
@staff_required_api
def line(request: HttpRequest) -> JsonResponse:
    form = LineForm(request.GET)
    if not form.is_valid():
        return invalid(form)
    try:
        page = get_store().line(
            cursor=form.cleaned_data["cursor"], limit=form.cleaned_data["limit"] or PAGE_SIZE
        )
    except InvalidCursor:
        return JsonResponse(UNKNOWN_CURSOR, status=400)
    return JsonResponse({"items": [placed_json(p) for p in page.items], "next": page.next})


@require_POST
@staff_required_api
def invite_next(request: HttpRequest) -> JsonResponse:
    form = InviteNextRequest(request)
    if not form.is_valid():
        return invalid(form)
    asked = form.cleaned_data
    invited = invites.invite_next(
        asked["next"], at=datetime.now(UTC), domain=asked["domain"], preview=asked["preview"]
    )
    logger.info(
        "%d leads were invited by staff member %s", len(invited), request.user.get_username()
    )
    return JsonResponse({"invited": [lead.email for lead in invited]}, status=201)


@require_POST
@staff_required_api
def redeem(request: HttpRequest) -> JsonResponse:
    form = RedeemRequest(request)
    if not form.is_valid():
        return invalid(form)
    email, code = form.cleaned_data["email"], form.cleaned_data["code"]
    outcome = invites.redeem(email, code, at=datetime.now(UTC))
    return JsonResponse(REDEEMED[outcome], status=outcome.value)


@require_GET
@staff_required_api
def domains(request: HttpRequest) -> JsonResponse:
    rows = [
        {"domain": c.domain, "total": c.total, "preview_yes": c.preview_yes, **status_figures(c)}
        for c in get_store().domain_counts()
    ]
    return JsonResponse(rows, safe=False)


@require_GET
@staff_required_api
def daily(request: HttpRequest) -> JsonResponse:
    rows = [
        {"day": c.day.isoformat(), "total": c.total, **status_figures(c)}
        for c in get_store().daily_counts()
    ]
    return JsonResponse(rows, safe=False)


@require_GET
@staff_required_api
def openapi_document(request: HttpRequest) -> JsonResponse:
    return JsonResponse(openapi.document())
