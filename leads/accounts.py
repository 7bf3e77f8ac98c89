"""Staff sign-in, with failed attempts throttled per client address."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_ratelimit.core import get_usage

from leads.http import client_ip

TOO_MANY = "Too many failed sign-in attempts from your address. Please wait a minute and try again."

_login_view = LoginView.as_view()


def login(request: HttpRequest) -> HttpResponse:
    """Django's LoginView, refused with 429 once a client has failed LOGIN_RATE_LIMIT times.

    Only failures count, so staff who sign in now and then are never locked out; once the
    limit is reached even the right password is refused until the window passes, or guessing
    would simply go on.
    """
    if request.method == "POST" and _failures(request, increment=False) >= _limit():
        context = {"form": AuthenticationForm(request), "error": TOO_MANY, "next": _next(request)}
        response = render(request, "registration/login.html", context, status=429)
        response["Retry-After"] = "60"
        return response
    response = _login_view(request)
    if request.method == "POST" and response.status_code == 200:  # the form came back: a failure
        _failures(request, increment=True)
    return response


def _limit() -> float:
    rate = settings.LOGIN_RATE_LIMIT
    if rate.lower() == "off":
        return float("inf")
    return int(rate.split("/")[0])


def _failures(request: HttpRequest, *, increment: bool) -> int:
    rate = settings.LOGIN_RATE_LIMIT
    if rate.lower() == "off":
        return 0
    usage = get_usage(request, group="login", key=client_ip, rate=rate, increment=increment)
    return usage["count"] if usage else 0


def _next(request: HttpRequest) -> str:
    return request.POST.get("next") or request.GET.get("next") or ""
