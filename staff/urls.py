"""The staff area: its pages under /search, its sign-in under /accounts/."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from staff import line_views, views

search = [
    path("export.csv", views.export_csv, name="search-export"),
    path("delete", views.delete, name="search-delete"),
    path("tokens", views.tokens_page, name="search-tokens"),
    path("line", line_views.line, name="search-line"),
    path("invite", line_views.invite, name="search-invite"),
    path("invite-next", line_views.invite_next, name="search-invite-next"),
    path("revoke", line_views.revoke, name="search-revoke"),
    path("referrals", line_views.referrals, name="search-referrals"),
]
accounts = [
    path("login/", views.login, name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
]
urlpatterns = [
    path("search", views.search, name="search"),
    path("search/", include(search)),
    path("accounts/", include(accounts)),
]
