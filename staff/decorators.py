"""The staff gate for pages: leads are for staff members' eyes only."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.models import User
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.views.decorators.cache import never_cache

View = Callable[..., HttpResponseBase]


class StaffRequest(HttpRequest):
    """What a view behind `staff_required` is given: a request from a signed-in staff member."""

    user: User


def staff_required(view: View) -> View:
    """Anonymous: to the login page. Signed in but not staff: 403. Nothing leaks to either."""

    @wraps(view)
    @never_cache
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_staff:
            return HttpResponse("Staff only.", status=403, content_type="text/plain")
        return view(request, *args, **kwargs)

    return wrapper
