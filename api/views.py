"""The read-only JSON API for staff and their scripts."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from api import openapi
from api.decorators import staff_required_api
from leads.forms import LeadFilterForm
from leads.store import PAGE_SIZE, InvalidCursor, Lead, get_store


def lead_json(lead: Lead) -> dict:
    return {
        "name": lead.name,
        "email": lead.email,
        "preview": lead.preview,
        "created_at": lead.created_at.isoformat().replace("+00:00", "Z"),
    }


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
    counts = get_store().domain_counts()
    rows = [{"domain": c.domain, "total": c.total, "preview_yes": c.preview_yes} for c in counts]
    return JsonResponse(rows, safe=False)


@require_GET
@staff_required_api
def daily(request: HttpRequest) -> JsonResponse:
    counts = get_store().daily_counts()
    return JsonResponse([{"day": c.day.isoformat(), "total": c.total} for c in counts], safe=False)


@require_GET
@staff_required_api
def openapi_document(request: HttpRequest) -> JsonResponse:
    return JsonResponse(openapi.document())
