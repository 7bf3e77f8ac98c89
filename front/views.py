"""The visitor side: the landing page, the signup, the "check your inbox" page and its resend
button, and the health check. The pages behind the links in our mails are in front/joiners.py."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from front import inbox
from front.forms import SignupForm
from leads import errors, referrals, signups
from leads.http import consent, over_rate, wants_json
from leads.store import StoreUnavailable, get_store
from waitlist.env import rate_window


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    # An unknown code is ignored, and a known one's owner is never looked up: the page says
    # nothing about who shared the link.
    form = SignupForm(initial={"ref": referrals.clean_code(request.GET.get("ref"))})
    # The page's address without its query: a shared preview must not carry anybody's code.
    page_url = request.build_absolute_uri(request.path)
    return render(request, "front/home.html", {"form": form, "page_url": page_url})


@require_POST
def signup(request: HttpRequest) -> HttpResponse:
    if over_rate(request, group="signup", rate=settings.SIGNUP_RATE_LIMIT):
        # What the visitor typed stays in the form, for when they try again.
        context = {"form": SignupForm(request.POST), "open": True}
        return _too_many(request, "Too many signups", "front/home.html", context)

    form = SignupForm(request.POST)
    if not form.is_valid():
        if wants_json(request):
            return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
        return render(request, "front/home.html", {"form": form, "open": True}, status=400)

    email = form.cleaned_data["email"]
    if not form.is_bot:
        signups.sign_up(
            name=form.cleaned_data["name"],
            email=email,
            preview=form.wants_preview,
            consent=consent(request),
            referred_by=form.cleaned_data["ref"],
        )
    # The same answer for a new, a known and a bot's email: nobody learns who signed up.
    if wants_json(request):
        return JsonResponse(inbox.answer(email))
    response = redirect("thanks", permanent=False)
    inbox.remember(response, email)
    return response


@require_GET
def thanks(request: HttpRequest) -> HttpResponse:
    context = inbox.page(inbox.recall(request), sent=request.GET.get("sent") == "1")
    return render(request, "front/thanks.html", context)


@require_POST
def resend(request: HttpRequest) -> HttpResponse:
    """The "send it again" button (check-your-inbox and expired-link pages). The worker keeps
    to 3 mails a day an address; this limit keeps one client from asking for many addresses."""
    email = inbox.email_of(request.POST.get("token", ""))
    if over_rate(request, group="resend", rate=settings.SIGNUP_RATE_LIMIT):
        return _too_many(request, "Too many requests", "front/thanks.html", inbox.page(email))
    if email is None:
        return errors.error_page(request, 400)
    signups.resend(email)
    if wants_json(request):
        return JsonResponse({"message": inbox.SENT_AGAIN.format(address=inbox.masked(email))})
    response = redirect(reverse("thanks") + "?sent=1")
    inbox.remember(response, email)
    return response


def _too_many(request: HttpRequest, what: str, template: str, context: dict) -> HttpResponse:
    wait = rate_window(settings.SIGNUP_RATE_LIMIT)
    message = f"{what} from your address. Please try again in {_span(wait)}."
    if wants_json(request):
        response: HttpResponse = JsonResponse({"error": message}, status=429)
    else:
        response = render(request, template, {**context, "error": message}, status=429)
    response["Retry-After"] = str(wait)
    return response


def _span(seconds: int) -> str:
    """60 -> "a minute", 300 -> "5 minutes", 3600 -> "an hour", 45 -> "45 seconds"."""
    for unit, size, one in (("day", 86400, "a day"), ("hour", 3600, "an hour"),
                            ("minute", 60, "a minute")):  # fmt: skip
        if seconds >= size and seconds % size == 0:
            count = seconds // size
            return one if count == 1 else f"{count} {unit}s"
    return f"{seconds} seconds"


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    try:
        get_store().ping()
    except StoreUnavailable:
        return HttpResponse("store unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")
