"""Each app owns its URLs: the first path segment says which app answers."""

from django.urls import include, path

urlpatterns = [
    path("api/", include("api.urls")),
    path("", include("staff.urls")),
    path("", include("front.urls")),
]

# Error pages that never read the request's body (see leads/errors.py).
handler400 = "leads.errors.bad_request"
handler403 = "leads.errors.permission_denied"
handler404 = "leads.errors.page_not_found"
handler500 = "leads.errors.server_error"
