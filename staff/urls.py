"""The staff area: its pages under /search, its sign-in under /accounts/."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from staff import views

search = [
    path("export.csv", views.export_csv, name="search-export"),
    path("delete", views.delete, name="search-delete"),
    path("tokens", views.tokens_page, name="search-tokens"),
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
