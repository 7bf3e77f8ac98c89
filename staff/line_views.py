"""The staff pages of the line: the line in order, inviting (one lead, or the next N), revoking
an invitation, and the referrals (top referrers, withheld credits). Staff only, like the rest."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from leads import invites
from leads.forms import LeadEmailForm
from leads.store import INVITED, PAGE_SIZE, InvalidCursor, get_store
from staff import links
from staff.decorators import StaffRequest, staff_required
from staff.forms import InviteNextForm, LineForm

logger = logging.getLogger(__name__)

TOP_REFERRERS = 20
WITHHELD = 50


@require_GET
@staff_required
def line(request: StaffRequest) -> HttpResponse:
    """The waiting leads in line order, a page at a time, each with an Invite button."""
    form = LineForm(request.GET)
    back = request.GET.getlist("back")
    context: dict = {"form": form}
    if not form.is_valid() or not links.valid_back(back):
        context["error"] = "This page link is not valid; start again from the first page."
        return render(request, "staff/line.html", context, status=400)
    cursor, limit = form.cleaned_data["cursor"], form.cleaned_data["limit"]
    try:
        page = get_store().line(cursor=cursor, limit=limit or PAGE_SIZE)
    except InvalidCursor:
        context["error"] = "This page link is out of date; start again from the first page."
        return render(request, "staff/line.html", context, status=400)
    context |= {
        "page": page,
        "this_page": request.get_full_path(),
        **links.line_links(cursor, back, page.next, limit=limit),
    }
    return render(request, "staff/line.html", context)


@require_POST
@staff_required
def invite(request: StaffRequest) -> HttpResponse:
    """Invite one waiting lead, then back to the page it was on (where its row is gone)."""
    form = LeadEmailForm(request.POST)
    back_to = links.safe_return(request.POST.get("next"), default=reverse("search-line"))
    if not form.is_valid():
        messages.error(request, "That is not a lead's address; nobody was invited.")
        return redirect(back_to)
    email, at = form.cleaned_data["email"], datetime.now(UTC)
    found = get_store().invite(email, at=at)
    if found is not None and found.status == INVITED and found.invited_at == at:
        logger.info("A lead was invited by staff member %s", request.user.get_username())
        messages.success(request, f"Invited {email}: the invitation mail is on its way.")
    else:
        # Not waiting (invited already, erased, never confirmed) or mail stopped: no mail to send.
        messages.info(request, f"{email} is not waiting for an invitation; nothing changed.")
    return redirect(back_to)


@require_POST
@staff_required
def revoke(request: StaffRequest) -> HttpResponse:
    """Revoke an invited lead's code: redeeming it answers 410 from now on."""
    form = LeadEmailForm(request.POST)
    back_to = links.safe_return(request.POST.get("next"))
    if not form.is_valid():
        messages.error(request, "That is not a lead's address; nothing changed.")
        return redirect(back_to)
    email = form.cleaned_data["email"]
    if get_store().revoke_invite(email):
        logger.info("An invitation was revoked by staff member %s", request.user.get_username())
        messages.success(request, f"Revoked the invitation of {email}; its code no longer works.")
    else:
        messages.info(request, f"{email} has no invitation to revoke; nothing changed.")
    return redirect(back_to)


@require_http_methods(["GET", "POST"])
@staff_required
def invite_next(request: StaffRequest) -> HttpResponse:
    """GET with the form's fields shows who would be invited and asks to confirm; the POST of
    that confirmation invites them. Without fields, GET shows the empty form."""
    data = request.POST if request.method == "POST" else request.GET
    if request.method == "GET" and not data:
        return render(request, "staff/invite_next.html", {"form": InviteNextForm()})
    form = InviteNextForm(data)
    if not form.is_valid():
        return render(request, "staff/invite_next.html", {"form": form}, status=400)
    asked = form.cleaned_data
    if request.method == "GET":
        found = invites.next_in_line(
            asked["count"], domain=asked["domain"], preview=asked["preview"]
        )
        context = {"form": form, "found": found, "asked": asked, "previewed": True}
        return render(request, "staff/invite_next.html", context)
    invited = invites.invite_next(
        asked["count"], at=datetime.now(UTC), domain=asked["domain"], preview=asked["preview"]
    )
    n = len(invited)
    logger.info("%d leads were invited by staff member %s", n, request.user.get_username())
    if not n:
        messages.info(request, "Nobody waiting matches any more; nobody was invited.")
    else:
        short = "" if n == asked["count"] else ": nobody else waiting matches"
        messages.success(request, f"Invited {n} lead{pluralize(n)}{short}.")
    return redirect("search-invite-next")


@require_GET
@staff_required
def referrals(request: StaffRequest) -> HttpResponse:
    """Who brought the most people, and the referrals that earned no credit, with why."""
    store = get_store()
    context = {
        "top": store.top_referrers(TOP_REFERRERS),
        "withheld": store.withheld(WITHHELD),
        "top_limit": TOP_REFERRERS,
        "withheld_limit": WITHHELD,
    }
    return render(request, "staff/referrals.html", context)
