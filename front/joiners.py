"""The pages behind the links in our mails: confirm, manage (see, change, download, erase) and
unsubscribe. Each URL holds a signed token (leads.links); a bad one changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from front import inbox, sharing
from front.forms import PreviewForm
from leads import links
from leads.http import consent
from leads.store import Lead, get_store, preview_word
from leads.store.records import PENDING

LinkView = Callable[[HttpRequest, Lead, str], HttpResponse]
STATUS = {
    "legacy": "On the list",
    "pending": "Waiting for you to confirm your address",
    "confirmed": "Confirmed: you are on the list",
    "unsubscribed": "On the list, without mail",
    "invited": "Invited",
    "joined": "Joined",
}
# What the manage page says after a change, by the ?done= its redirect adds.
DONE = {
    "preview": "Your answer is saved.",
    "unsubscribed": "Done: we will send you no more mail. You keep your place on the list.",
}


def bad_link(request: HttpRequest) -> HttpResponse:
    return render(request, "front/bad_link.html", status=400)


def from_link(purpose: str) -> Callable[[LinkView], Callable[..., HttpResponse]]:
    """Hands the view the lead of the URL's token; a bad or expired token gets its own page."""

    def decorator(view: LinkView) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, token: str) -> HttpResponse:
            try:
                lead = links.lead_for(token, purpose, get_store())
            except links.ExpiredLink as expired:
                context = {
                    "address": inbox.masked(expired.email),
                    "resend_token": links.resend_token(expired.email),
                    "resend_prompt": "We can send a new link to the address we hold.",
                    "resend_label": "Send me a new link",
                }
                return render(request, "front/expired.html", context, status=410)
            except links.BadLink:
                return bad_link(request)
            return view(request, lead, token)

        return wrapper

    return decorator


# --- Confirm ------------------------------------------------------------------------------------
@never_cache
@require_http_methods(["GET", "POST"])
@from_link(links.CONFIRM)
def confirm(request: HttpRequest, lead: Lead, token: str) -> HttpResponse:
    """A GET only shows the button: mail scanners open links, and opening must not consent."""
    if request.method == "POST":
        if get_store().confirm(lead.email, consent=consent(request), at=timezone.now()) is None:
            return bad_link(request)  # erased in between
        return redirect("confirm", token)
    if lead.stage == PENDING:
        context = {"address": inbox.masked(lead.email), "consent_text": settings.CONSENT_TEXT}
        return render(request, "front/confirm.html", context)
    manage_url = reverse("manage", args=[links.token(lead, links.MANAGE)])
    context = {"manage_url": manage_url, **sharing.context(lead)}
    return render(request, "front/confirmed.html", context)


# --- Manage -------------------------------------------------------------------------------------
@never_cache
@require_GET
@from_link(links.MANAGE)
def manage(request: HttpRequest, lead: Lead, token: str) -> HttpResponse:
    form = PreviewForm(initial={"previewAccess": preview_word(lead.preview)})
    return _manage_page(request, lead, token, form)


def _manage_page(
    request: HttpRequest, lead: Lead, token: str, form: PreviewForm, status: int = 200
) -> HttpResponse:
    context = {
        "lead": lead,
        "token": token,
        "form": form,
        "status": STATUS.get(lead.status, lead.status),
        "done": DONE.get(request.GET.get("done", "")),
        **sharing.context(lead),
    }
    return render(request, "front/manage.html", context, status=status)


def _done(token: str, what: str) -> HttpResponse:
    return redirect(reverse("manage", args=[token]) + f"?done={what}")


@never_cache
@require_POST
@from_link(links.MANAGE)
def manage_preview(request: HttpRequest, lead: Lead, token: str) -> HttpResponse:
    form = PreviewForm(request.POST)
    if not form.is_valid():
        return _manage_page(request, lead, token, form, status=400)
    if get_store().set_preview(lead.email, form.wants_preview) is None:
        return bad_link(request)
    return _done(token, "preview")


@never_cache
@require_POST
@from_link(links.MANAGE)
def manage_unsubscribe(request: HttpRequest, lead: Lead, token: str) -> HttpResponse:
    if get_store().unsubscribe(lead.email, at=timezone.now()) is None:
        return bad_link(request)
    return _done(token, "unsubscribed")


@never_cache
@require_GET
@from_link(links.MANAGE)
def manage_data(request: HttpRequest, lead: Lead, token: str) -> HttpResponse:
    response = JsonResponse(data_of(lead), json_dumps_params={"indent": 2, "ensure_ascii": False})
    response["Content-Disposition"] = 'attachment; filename="my-waitlist-data.json"'
    return response


def data_of(lead: Lead) -> dict[str, Any]:
    """Everything we hold about a lead, as its download gives it: every field of the record
    (a field added to Lead is in the download without a change here), and its status."""
    held = {name: _plain(value) for name, value in asdict(lead).items()}
    return {**held, "status": lead.status}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):  # the consent record
        return {name: _plain(item) for name, item in value.items()}
    return value


@never_cache
@require_POST
@from_link(links.MANAGE)
def manage_delete(request: HttpRequest, lead: Lead, token: str) -> HttpResponse:
    """Two steps: the manage page's button asks, this page's button (confirm=yes) erases."""
    if request.POST.get("confirm") != "yes":
        return render(request, "front/delete.html", {"token": token})
    get_store().delete(lead.email)
    return redirect("deleted")


@require_GET
def deleted(request: HttpRequest) -> HttpResponse:
    return render(request, "front/deleted.html")


# --- Unsubscribe --------------------------------------------------------------------------------
@csrf_exempt  # RFC 8058: mail providers POST without cookies; the link can only stop mail
@never_cache
@require_http_methods(["GET", "POST"])
@from_link(links.UNSUBSCRIBE)
def unsubscribe(request: HttpRequest, lead: Lead, token: str) -> HttpResponse:
    if request.method == "GET":
        return render(request, "front/unsubscribe.html", {"stopped": lead.mail_stopped})
    if request.POST.get("List-Unsubscribe") != "One-Click":
        return render(request, "front/unsubscribe_refused.html", status=400)
    if get_store().unsubscribe(lead.email, at=timezone.now()) is None:
        return bad_link(request)
    return render(request, "front/unsubscribe.html", {"stopped": True, "just_now": True})
