"""Each app owns its URLs: the first path segment says which app answers."""

from django.urls import include, path

urlpatterns = [
    path("api/", include("api.urls")),
    path("", include("staff.urls")),
    path("", include("front.urls")),
]
