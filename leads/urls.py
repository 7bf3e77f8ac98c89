from django.urls import path

from leads import api, staff, token_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("signup", views.signup, name="signup"),
    path("thanks", views.thanks, name="thanks"),
    path("healthz", views.healthz, name="healthz"),
    path("api/leads", api.leads, name="api-leads"),
    path("api/domains", api.domains, name="api-domains"),
    path("api/daily", api.daily, name="api-daily"),
    path("api/openapi.json", api.openapi_document, name="api-openapi"),
    path("search", staff.search, name="search"),
    path("search/export.csv", staff.export_csv, name="search-export"),
    path("search/delete", staff.delete, name="search-delete"),
    path("search/tokens", token_views.tokens_page, name="search-tokens"),
]
