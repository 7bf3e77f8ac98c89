"""The read-only JSON API for staff and their scripts."""

from __future__ import annotations

from datetime import UTC, datetime

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from api import openapi
from api.decorators import staff_required_api
from leads.forms import LeadFilterForm
from leads.store import (
    COUNTED_STATUSES,
    PAGE_SIZE,
    DayCount,
    DomainCount,
    InvalidCursor,
    Lead,
    get_store,
)


def utc_iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


def lead_json(lead: Lead) -> dict:
    return {
        "name": lead.name,
        "email": lead.email,
        "preview": lead.preview,
        "created_at": utc_iso(lead.created_at),
        "status": lead.status,
        "confirmed_at": utc_iso(lead.confirmed_at) if lead.confirmed_at else None,
    }


def status_figures(count: DomainCount | DayCount) -> dict[str, int]:
    """The counters' figure for each status; legacy leads are the total less these."""
    return {status: getattr(count, status) for status in COUNTED_STATUSES}


@require_GET
@staff_required_api
def leads(request: HttpRequest) -> JsonResponse:
    form = LeadFilterForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
    filters = form.cleaned_data
    try:
        page = get_store().search(
            domain=filters["domain"],
            preview=filters["preview"],
            cursor=filters["cursor"],
            limit=filters["limit"] or PAGE_SIZE,
        )
    except InvalidCursor:
        return JsonResponse({"errors": {"cursor": [{"message": "Unknown cursor."}]}}, status=400)
    return JsonResponse({"items": [lead_json(lead) for lead in page.items], "next": page.next})


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
