"""The visitor side: the landing page, the signup, the thanks page and the health check."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from front.forms import SignupForm
from leads import signups
from leads.http import consent, over_rate, wants_json
from leads.store import StoreUnavailable, get_store
from waitlist.env import rate_window

ON_THE_LIST = "You are on the list; we will be in touch."
THANKS = f"Thank you! {ON_THE_LIST}"


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "front/home.html", {"form": SignupForm()})


@require_POST
def signup(request: HttpRequest) -> HttpResponse:
    if over_rate(request, group="signup", rate=settings.SIGNUP_RATE_LIMIT):
        wait = rate_window(settings.SIGNUP_RATE_LIMIT)
        message = f"Too many signups from your address. Please try again in {_span(wait)}."
        if wants_json(request):
            response: HttpResponse = JsonResponse({"error": message}, status=429)
        else:
            # What the visitor typed stays in the form, for when they try again.
            context = {"form": SignupForm(request.POST), "error": message, "open": True}
            response = render(request, "front/home.html", context, status=429)
        response["Retry-After"] = str(wait)
        return response

    form = SignupForm(request.POST)
    if not form.is_valid():
        if wants_json(request):
            return JsonResponse({"errors": form.errors.get_json_data()}, status=400)
        return render(request, "front/home.html", {"form": form, "open": True}, status=400)

    if not form.is_bot:
        signups.sign_up(
            name=form.cleaned_data["name"],
            email=form.cleaned_data["email"],
            preview=form.wants_preview,
            consent=consent(request),
        )
    # The same answer for a new, a known and a bot's email: nobody learns who signed up.
    if wants_json(request):
        return JsonResponse({"message": THANKS})
    return redirect("thanks", permanent=False)


@require_GET
def thanks(request: HttpRequest) -> HttpResponse:
    return render(request, "front/thanks.html", {"message": ON_THE_LIST})


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
