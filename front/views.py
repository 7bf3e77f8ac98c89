"""The visitor side: the landing page, the signup, the thanks page and the health check."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from front.forms import SignupForm
from leads import signups
from leads.http import over_rate, wants_json
from leads.store import StoreUnavailable, get_store

THANKS = "Thank you! You are on the list; we will be in touch."


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "front/home.html", {"form": SignupForm()})


@require_POST
def signup(request: HttpRequest) -> HttpResponse:
    if over_rate(request, group="signup", rate=settings.SIGNUP_RATE_LIMIT):
        message = "Too many signups from your address. Please try again later."
        if wants_json(request):
            return JsonResponse({"error": message}, status=429)
        return render(
            request, "front/home.html", {"form": SignupForm(), "error": message}, status=429
        )

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
        )
    # The same answer for a new, a known and a bot's email: nobody learns who signed up.
    if wants_json(request):
        return JsonResponse({"message": THANKS})
    return redirect("thanks", permanent=False)


@require_GET
def thanks(request: HttpRequest) -> HttpResponse:
    return render(request, "front/thanks.html", {"message": THANKS})


@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    try:
        get_store().ping()
    except StoreUnavailable:
        return HttpResponse("store unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")
