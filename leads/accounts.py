"""Staff sign-in, with attempts throttled per client address."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from leads.http import over_rate

TOO_MANY = "Too many sign-in attempts from your address. Please wait a minute and try again."

_login_view = LoginView.as_view()


def login(request: HttpRequest) -> HttpResponse:
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
        context = {"form": AuthenticationForm(request), "error": TOO_MANY, "next": next_url}
        response = render(request, "registration/login.html", context, status=429)
        response["Retry-After"] = "60"
        return response
    return _login_view(request)
